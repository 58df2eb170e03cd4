package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// gatherMaxRows is the most rows a gather kernel computes: 2 accumulators a
// row, 24 of the 32 zmm registers.
const gatherMaxRows = 12

// genGatherAll writes sgemmGather<r>x32AVX512 for r = 1..gatherMaxRows and
// orColumnsAVX512, the scan that finds the columns they skip.
func genGatherAll() {
	for r := 1; r <= gatherMaxRows; r++ {
		genGather(r)
	}
	genOrColumns()
}

// genGather writes sgemmGather<r>x32AVX512: a dense layer's forward product
// over only the input columns that are not zero in the whole batch (most
// pixels of a batch of MNIST digits are 0 in every image). The A elements
// of those columns are read in place through the index list, and so are
// B's rows: neither is copied, unlike a product on a compacted batch,
// whose copy of the weights' rows cost as much as the multiply-adds it
// saved at batch 10.
func genGather(r int) {
	name := fmt.Sprintf("sgemmGather%dx32AVX512", r)
	TEXT(name, NOSPLIT, "func(q int, idx []int32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s computes C[%d×32] = Σ_t A[0:%d, idx[t]] ⊗ B[idx[t], 0:32] over", name, r, r),
		"t < q, A's rows lda floats apart, B's ldb, C's ldc, overwriting C: each",
		"element one FMA chain over t ascending from zero, so over the columns of A",
		"that are not zero everywhere it has the bits of the chain over all of them",
		"whenever those rows of B are finite. The caller guarantees q ≥ 1,",
		"len(idx) ≥ q, 0 ≤ idx[t] ≤ idx[q−1] with A's column and B's row idx[q−1]",
		fmt.Sprintf("within a and b (%d rows of A, 32 columns of B), and c spanning", r),
		fmt.Sprintf("%d·ldc+32 elements.", r-1))
	Comment("Register plan (AVX512F, checked by the caller's dispatch):",
		"  Z0..Z"+fmt.Sprint(2*r-1)+": row i of C in Z(2i) (columns 0..15) and Z(2i+1) (16..31)",
		"  Z24, Z25: B's row idx[t]; Z26, Z27: A broadcasts, alternating rows",
		"  CX = steps left, R8 = &idx[t], AX = idx[t] and then its row's offset in B",
		"  SI = A, R9 = A at column idx[t], R13/R14 = the same at rows 4/8,",
		"  R10 = lda, R12 = 3·lda, R11 = ldb, DX = ldc (bytes), BX = B, DI = C")
	MOVQ(param("q"), RCX)
	MOVQ(param("idx_base"), R8)
	MOVQ(param("a_base"), RSI)
	MOVQ(param("lda"), R10)
	MOVQ(param("b_base"), RBX)
	MOVQ(param("ldb"), R11)
	MOVQ(param("c_base"), RDI)
	MOVQ(param("ldc"), RDX)
	SHLQ(U8(2), R10)
	LEAQ(Mem{Base: R10, Index: R10, Scale: 2}, R12)
	SHLQ(U8(2), R11)
	SHLQ(U8(2), RDX)
	for i := 0; i < 2*r; i++ {
		VPXORD(Z(i), Z(i), Z(i))
	}
	from := func(base Register) []Mem {
		return []Mem{{Base: base}, {Base: base, Index: R10, Scale: 1}, {Base: base, Index: R10, Scale: 2}, {Base: base, Index: R12, Scale: 1}}
	}
	aAddr := append(append(from(R9), from(R13)...), from(R14)...)
	Label("loop")
	MOVLQSX(Mem{Base: R8}, RAX)
	LEAQ(Mem{Base: RSI, Index: RAX, Scale: 4}, R9)
	if r > 4 {
		LEAQ(Mem{Base: R9, Index: R10, Scale: 4}, R13)
	}
	if r > 8 {
		LEAQ(Mem{Base: R9, Index: R10, Scale: 8}, R14)
	}
	IMULQ(R11, RAX)
	VMOVUPS(Mem{Base: RBX, Index: RAX, Scale: 1}, Z(24))
	VMOVUPS(Mem{Base: RBX, Index: RAX, Scale: 1, Disp: 64}, Z(25))
	for i := 0; i < r; i++ {
		a := Z(26 + i%2)
		VBROADCASTSS(aAddr[i], a)
		VFMADD231PS(Z(24), a, Z(2*i))
		VFMADD231PS(Z(25), a, Z(2*i+1))
	}
	ADDQ(Imm(4), R8)
	DECQ(RCX)
	JNE(LabelRef("loop"))
	for i := 0; i < r; i++ {
		VMOVUPS(Z(2*i), Mem{Base: RDI})
		VMOVUPS(Z(2*i+1), Mem{Base: RDI, Disp: 64})
		if i < r-1 {
			ADDQ(RDX, RDI)
		}
	}
	VZEROUPPER()
	RET()
}

// genOrColumns writes orColumnsAVX512, which ORs the bits of every row of
// a matrix into one vector: an element of the result is ±0 exactly when its
// column holds only ±0.
func genOrColumns() {
	TEXT("orColumnsAVX512", NOSPLIT, "func(rows, k int, x []float32, ldx int, acc []float32)")
	Pragma("noescape")
	Doc("orColumnsAVX512 sets the bits of acc[j] to the OR of those of x[i·ldx+j],",
		"i < rows, for j < k: acc[j] compares equal to 0 exactly when column j of x",
		"holds only +0 and −0 (NaN is not 0). The caller guarantees rows ≥ 1, k ≥ 1,",
		"len(acc) ≥ k and x spanning (rows−1)·ldx+k elements; nothing else is read.")
	Comment("Register plan (AVX512F, checked by the caller's dispatch):",
		"  Z0..Z3 = four 16-float chunks of acc being ORed; K1 = the tail's lanes",
		"  SI = x at the current row and chunk, DI = acc at the chunk, R8 = ldx in",
		"  bytes, CX = rows left, DX = floats left in the row, BX = rows, AX scratch",
		"Chunks of 64 columns run down all the rows before the next, then 16-column",
		"chunks, then the masked tail, so acc is read and written once.")
	MOVQ(param("rows"), RBX)
	MOVQ(param("k"), RDX)
	MOVQ(param("x_base"), R9)
	MOVQ(param("ldx"), R8)
	MOVQ(param("acc_base"), RDI)
	SHLQ(U8(2), R8)
	// chunk writes the loop over the rows for w registers of columns.
	chunk := func(w int, label string, masked bool) {
		for j := 0; j < w; j++ {
			VPXORD(Z(j), Z(j), Z(j))
		}
		MOVQ(R9, RSI)
		MOVQ(RBX, RCX)
		Label(label)
		for j := 0; j < w; j++ {
			if masked {
				VPORD(Mem{Base: RSI, Disp: 64 * j}, Z(j), K1, Z(j))
			} else {
				VPORD(Mem{Base: RSI, Disp: 64 * j}, Z(j), Z(j))
			}
		}
		ADDQ(R8, RSI)
		DECQ(RCX)
		JNE(LabelRef(label))
		for j := 0; j < w; j++ {
			if masked {
				VMOVUPS(Z(j), K1, Mem{Base: RDI, Disp: 64 * j})
			} else {
				VMOVUPS(Z(j), Mem{Base: RDI, Disp: 64 * j})
			}
		}
	}
	Label("c64")
	CMPQ(RDX, Imm(64))
	JLT(LabelRef("c16"))
	chunk(4, "rows64", false)
	ADDQ(U32(256), R9)
	ADDQ(U32(256), RDI)
	SUBQ(Imm(64), RDX)
	JMP(LabelRef("c64"))
	Label("c16")
	CMPQ(RDX, Imm(16))
	JLT(LabelRef("tail"))
	chunk(1, "rows16", false)
	ADDQ(Imm(64), R9)
	ADDQ(Imm(64), RDI)
	SUBQ(Imm(16), RDX)
	JMP(LabelRef("c16"))
	Label("tail")
	TESTQ(RDX, RDX)
	JEQ(LabelRef("done"))
	MOVL(U32(1), EAX)
	MOVQ(RDX, RCX)
	SHLL(CL, EAX)
	DECL(EAX)
	KMOVW(EAX, K1)
	chunk(1, "rowsTail", true)
	Label("done")
	VZEROUPPER()
	RET()
}
