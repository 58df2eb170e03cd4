package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// colsTNMin and colsTNMax bound the widths sgemmColsTNAVX512 is written
// for (the same constants in gemm.go bound what Sgemm hands it): below 4
// columns its FMA chains are too few to cover the latency, and 12 columns of
// two zmm accumulators take 24 of the 32 registers.
const colsTNMin, colsTNMax = 4, 12

// genColsTN writes sgemmColsTNAVX512: a whole product of 4 to 12 columns
// whose A is transposed (the output layer's weight gradient Xᵀ·dY, n = 10).
// The masked kernel runs its lanes along a row of C there and uses n of
// 16; here they run down C's columns, whose elements are contiguous in A's
// storage — A(i, p) = a[p·lda+i], so a chunk of 32 rows of C is two
// contiguous loads per step of k — and every lane is useful but those past
// the last row. Each column of B is a
// broadcast operand of its two FMAs. C's rows are written by scatters, 16
// rows of one column per scatter.
func genColsTN() {
	lanes := GLOBL("colsTNLanes", RODATA|NOPTR)
	for l := 0; l < 16; l++ {
		DATA(4*l, U32(l))
	}

	TEXT("sgemmColsTNAVX512", NOSPLIT, "func(m, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc, n int, alpha float32)")
	Pragma("noescape")
	Doc("sgemmColsTNAVX512 sets C[i, q] = alpha·Σ_p a[p·lda+i]·b[p·ldb+q] for i < m and",
		fmt.Sprintf("q < n (%d ≤ n ≤ %d), C's rows ldc apart, not reading C: each sum one FMA chain", colsTNMin, colsTNMax),
		"over p ascending from +0, then times alpha. Nothing past A's k rows of m, B's",
		"k×n elements or C's m×n is read or written. The caller guarantees m, k ≥ 1,",
		"15·ldc < 2³¹ and that the slices span those elements.")
	Comment("Register plan (AVX512F, checked by the caller's dispatch):",
		"  Z0..Z23: the sums of a chunk of 32 rows, column q in Z(2q) (rows 0..15) and",
		"  Z(2q+1) (rows 16..31); Z24, Z25: A's row p at those rows; Z26 = alpha;",
		"  Z27: lane l → l·ldc, the scatters' row offsets in floats",
		"  K1, K2: the rows of the chunk that exist, in each half; K3: a scatter's copy",
		"  SI = A at the chunk's first row, DX = the same at step p, R8 = lda in bytes,",
		"  BX = B at step p, R9 = ldb in bytes, DI = C at the chunk's first row,",
		"  R11 = 16·ldc in bytes, R12 = C at the chunk's row 16, AX = rows left,",
		"  CX = steps left",
		"A chunk of at most 16 rows uses the first half only.")
	MOVQ(param("m"), RAX)
	MOVQ(param("a_base"), RSI)
	MOVQ(param("lda"), R8)
	SHLQ(U8(2), R8)
	MOVQ(param("ldb"), R9)
	SHLQ(U8(2), R9)
	MOVQ(param("c_base"), RDI)
	MOVQ(param("ldc"), R11)
	VPBROADCASTD(R11L, Z27)
	VPMULLD(lanes, Z27, Z27)
	SHLQ(U8(6), R11)
	VBROADCASTSS(param("alpha"), Z26)
	MOVQ(param("n"), R10)
	for n := colsTNMin; n < colsTNMax; n++ {
		CMPQ(R10, Imm(uint64(n)))
		JEQ(LabelRef(fmt.Sprintf("n%d", n)))
	}
	for n := colsTNMax; n >= colsTNMin; n-- {
		colsTNBody(n)
	}
}

// colsTNBody writes the chunk loop of sgemmColsTNAVX512 for n columns.
func colsTNBody(n int) {
	l := func(s string) string { return fmt.Sprintf("n%d_%s", n, s) }
	Label(fmt.Sprintf("n%d", n))
	Label(l("chunk"))
	MOVL(U32(0xffff), EBX)
	KMOVW(EBX, K1)
	KMOVW(EBX, K2)
	CMPQ(RAX, Imm(32))
	JGE(LabelRef(l("full")))
	MOVQ(RAX, RCX)
	CMPQ(RCX, Imm(16))
	JG(LabelRef(l("high")))
	Comment("At most 16 rows left: the first half, K1 = those rows.")
	lowLanes(EBX, K1)
	colsTNChunk(n, l, false)
	VZEROUPPER()
	RET()
	Label(l("high"))
	Comment("17 to 31 rows left: K2 = those past the first 16.")
	SUBQ(Imm(16), RCX)
	lowLanes(EBX, K2)
	Label(l("full"))
	colsTNChunk(n, l, true)
	ADDQ(Imm(128), RSI)
	LEAQ(Mem{Base: R12, Index: R11, Scale: 1}, RDI)
	SUBQ(Imm(32), RAX)
	JG(LabelRef(l("chunk")))
	VZEROUPPER()
	RET()
}

// colsTNChunk writes one chunk of n columns: 32 rows with both halves, or
// the first 16 only, then its scaled sums scattered into C's rows.
func colsTNChunk(n int, l func(string) string, both bool) {
	halves, suffix := 1, "half"
	if both {
		halves, suffix = 2, "both"
	}
	for q := 0; q < n; q++ {
		for h := 0; h < halves; h++ {
			VPXORD(Z(2*q+h), Z(2*q+h), Z(2*q+h))
		}
	}
	MOVQ(RSI, RDX)
	MOVQ(param("b_base"), RBX)
	MOVQ(param("k"), RCX)
	Label(l("step_" + suffix))
	for h, k := range []Op{K1, K2}[:halves] {
		VMOVUPS_Z(Mem{Base: RDX, Disp: 64 * h}, k, Z(24+h))
	}
	for q := 0; q < n; q++ {
		for h := 0; h < halves; h++ {
			VFMADD231PS_BCST(Mem{Base: RBX, Disp: 4 * q}, Z(24+h), Z(2*q+h))
		}
	}
	ADDQ(R8, RDX)
	ADDQ(R9, RBX)
	DECQ(RCX)
	JNE(LabelRef(l("step_" + suffix)))
	Comment("Scale, then scatter column q of the chunk to C + 4q, rows ldc apart.")
	if both {
		LEAQ(Mem{Base: RDI, Index: R11, Scale: 1}, R12)
	}
	for q := 0; q < n; q++ {
		for h := 0; h < halves; h++ {
			VMULPS(Z26, Z(2*q+h), Z(2*q+h))
			base, k := RDI, K1
			if h == 1 {
				base, k = R12, K2
			}
			KMOVW(k, K3)
			VSCATTERDPS(Z(2*q+h), K3, Mem{Base: base, Index: Z27, Scale: 4, Disp: 4 * q})
		}
	}
}
