package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genStrip writes sgemmStrip8x32AVX512: sgemmKernel8x32RowsAVX512 looped
// over the 8-row tiles of a whole column strip inside one call. With a
// short k (the batch-10 weight gradient: k = 10) a tile is some 80 cycles
// of FMAs, and calling the kernel from Go once per tile cost as much again.
func genStrip() {
	v := avx512
	TEXT("sgemmStrip8x32AVX512", NOSPLIT, "func(m, k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)")
	Pragma("noescape")
	Doc("sgemmStrip8x32AVX512 computes C[m×32] = alpha·(A[m×k]·B[k×32]) + beta·C for m a",
		"multiple of 8, A's element (i, p) at a[i·rs+p·ss] (A read in place), B's rows",
		"ldb apart, C's ldc apart, beta == 0 (either sign) not reading C: the rows in",
		"tiles of 8 from the top, each with exactly the arithmetic of",
		"sgemmKernel8x32RowsAVX512 (one FMA chain per element over k ascending, times",
		"alpha, plus beta·C in one FMA). The caller guarantees k ≥ 1 and that the",
		"slices span (m−1)·rs+(k−1)·ss+1, (k−1)·ldb+32 and (m−1)·ldc+32 elements.")
	Comment("Register plan (AVX512F, checked by the caller's dispatch): as",
		"sgemmKernel8x32RowsAVX512 (Z0..Z15 accumulators, Z16/Z17 B's row, Z18/Z19 A",
		"broadcasts, R10 = rs, R11 = ss, R12 = 3·rs, R13 = row 4's A pointer, all in",
		"bytes), plus Z20 = alpha and Z31 = beta for the whole call, R14 = the tile's",
		"first row of A, R9 = B, AX = tiles left. beta is tested once: one copy of",
		"the tile loop stores with beta·C, the other without reading C.")
	MOVQ(param("m"), RAX)
	SHRQ(U8(3), RAX)
	JEQ(LabelRef("done"))
	MOVQ(param("a_base"), R14)
	MOVQ(param("rs"), rsB)
	MOVQ(param("ss"), ssB)
	MOVQ(param("b_base"), R9)
	MOVQ(param("ldb"), ldb)
	MOVQ(param("c_base"), cPtr)
	MOVQ(param("ldc"), ldc)
	stridesToBytes()
	VBROADCASTSS(param("alpha"), Z20)
	VBROADCASTSS(param("beta"), Z31)
	MOVL(param("beta"), ECX)
	SHLL(U8(1), ECX)
	JEQ(LabelRef("overwrite"))
	stripLoop(v, true)
	Label("overwrite")
	stripLoop(v, false)
	Label("done")
	VZEROUPPER()
	RET()
}

// stripLoop writes one copy of the tile loop of sgemmStrip8x32AVX512.
func stripLoop(v isa, withBeta bool) {
	l := func(s string) string { return fmt.Sprintf("%s_%v", s, withBeta) }
	aAddr := rowsAAddr(8)
	step := func() {
		VMOVUPS(Mem{Base: bPtr}, Z(16))
		VMOVUPS(Mem{Base: bPtr, Disp: v.bytes}, Z(17))
		for i := 0; i < 8; i++ {
			a := Z(18 + i%2)
			VBROADCASTSS(aAddr[i], a)
			VFMADD231PS(Z(16), a, Z(2*i))
			VFMADD231PS(Z(17), a, Z(2*i+1))
		}
	}
	nextK := func() {
		ADDQ(ssB, aPtr)
		ADDQ(ssB, aPtr4)
		ADDQ(ldb, bPtr)
	}
	Label(l("tile"))
	MOVQ(R14, aPtr)
	LEAQ(Mem{Base: aPtr, Index: rsB, Scale: 4}, aPtr4)
	MOVQ(R9, bPtr)
	MOVQ(param("k"), kCnt)
	for i := 0; i < 16; i++ {
		v.zero(Z(i))
	}
	CMPQ(kCnt, Imm(2))
	JLT(LabelRef(l("tail")))
	Label(l("loop"))
	step()
	nextK()
	step()
	nextK()
	SUBQ(Imm(2), kCnt)
	CMPQ(kCnt, Imm(2))
	JGE(LabelRef(l("loop")))
	Label(l("tail"))
	TESTQ(kCnt, kCnt)
	JEQ(LabelRef(l("store")))
	step()
	Label(l("store"))
	Comment("alpha = 1 (the driver's usual case) leaves the sums as they are: x·1 = x",
		"bit for bit, and 16 multiplies are a tenth of a tile's FMA-port work at k = 10.")
	CMPL(param("alpha"), U32(0x3f800000))
	JEQ(LabelRef(l("scaled")))
	for i := 0; i < 16; i++ {
		VMULPS(Z(20), Z(i), Z(i))
	}
	Label(l("scaled"))
	for i := 0; i < 8; i++ {
		storeRow(v, Z(2*i), Z(2*i+1), Z(31), withBeta)
	}
	LEAQ(Mem{Base: R14, Index: rsB, Scale: 8}, R14)
	DECQ(RAX)
	JNE(LabelRef(l("tile")))
	JMP(LabelRef("done"))
}
