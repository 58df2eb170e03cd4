package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// gatherAhead is how many steps ahead the gather kernels prefetch B's
// row: its rows are picked by the list, a pattern the hardware prefetchers
// cannot follow.
const gatherAhead = 8

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
	genScatterAll()
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
		fmt.Sprintf("len(idx) ≥ q, idx[q..q+%d) readable too (it prefetches B's row idx[t+%d]),", gatherAhead, gatherAhead),
		"0 ≤ idx[t] ≤ idx[q−1] for all of them, with A's column and B's row idx[q−1]",
		fmt.Sprintf("within a and b (%d rows of A, 32 columns of B), and c spanning", r),
		fmt.Sprintf("%d·ldc+32 elements.", r-1))
	Comment("Register plan (AVX512F, checked by the caller's dispatch):",
		"  Z0..Z"+fmt.Sprint(2*r-1)+": row i of C in Z(2i) (columns 0..15) and Z(2i+1) (16..31)",
		"  Z24, Z25: B's row idx[t]; Z26, Z27: A broadcasts, alternating rows",
		"  CX = steps left, R8 = &idx[t], AX = idx[t] and then its row's offset in B,",
		fmt.Sprintf("  then that of row idx[t+%d], prefetched", gatherAhead),
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
	MOVLQSX(Mem{Base: R8, Disp: 4 * gatherAhead}, RAX)
	IMULQ(R11, RAX)
	PREFETCHT0(Mem{Base: RBX, Index: RAX, Scale: 1})
	PREFETCHT0(Mem{Base: RBX, Index: RAX, Scale: 1, Disp: 64})
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

// scatterMaxRows is the most rows a scatter kernel computes: one
// general-purpose register each holds its column's offset in X.
const scatterMaxRows = 8

// scatterOffs are the registers of the scatter kernels' column offsets.
var scatterOffs = []GPPhysical{RAX, RDI, R9, R10, R11, R12, R13, R14}

// genScatterAll writes sgemmScatter<r>x32AVX512 for r = 1..scatterMaxRows.
func genScatterAll() {
	for r := 1; r <= scatterMaxRows; r++ {
		genScatter(r)
	}
}

// genScatter writes sgemmScatter<r>x32AVX512: the weight gradient Xᵀ·dY of
// a dense layer for r of the input columns that are not zero in the whole
// batch, each written to its own row of C, over all of C's columns in
// strips of 32 in one call (the columns' offsets stay in registers; at
// batch 10 a strip is only 160 FMAs). The rows of the other columns are
// zero: the caller clears them instead of computing them.
func genScatter(r int) {
	name := fmt.Sprintf("sgemmScatter%dx32AVX512", r)
	TEXT(name, NOSPLIT, "func(k int, rows []int32, x []float32, ldx int, b []float32, ldb int, c []float32, ldc, n int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s computes C[rows[i], 0:n] = Σ_p X[p, rows[i]]·B[p, 0:n] for", name),
		fmt.Sprintf("i < %d and p < k, X's rows ldx floats apart, B's ldb, C's ldc, overwriting", r),
		"those elements of C: each one FMA chain over p ascending from zero, the",
		"arithmetic of the strip kernel's Xᵀ·B. The columns go in strips of 32, the",
		"last one's loads of B and stores to C masked: nothing past column n is",
		fmt.Sprintf("touched. The caller guarantees k ≥ 1, n ≥ 1, len(rows) ≥ %d, 0 ≤ rows[i] ≤", r),
		fmt.Sprintf("rows[%d], x spanning (k−1)·ldx+rows[%d]+1 elements, b (k−1)·ldb+n and c", r-1, r-1),
		fmt.Sprintf("rows[%d]·ldc+n.", r-1))
	offs := scatterOffs[:r]
	var names []string
	for _, o := range offs {
		names = append(names, o.Asm())
	}
	colB, left, ldcB := AllocLocal(8), AllocLocal(8), AllocLocal(8)
	Comment("Register plan (AVX512F, BMI2, checked by the caller's dispatch):",
		"  Z0..Z"+fmt.Sprint(2*r-1)+": C's row rows[i] in Z(2i) (columns 0..15) and Z(2i+1) (16..31)",
		"  Z24, Z25: B's row p; Z26, Z27: X broadcasts, alternating rows",
		"  K1, K2: the strip's columns 0..15 and 16..31 below n (loads of B, stores of C)",
		fmt.Sprintf("  %v = 4·rows[i], the columns' offsets in X's rows", names),
		"  SI = X's row p, BX = B's row p, DX = ldx, R8 = ldb (bytes), CX = steps left;",
		"  at a strip's end SI = C at the strip, BX = rows, CX = a row's offset in C",
		"  locals: the strip's offset in bytes, the columns left, ldc in bytes")
	MOVQ(param("rows_base"), RBX)
	for i, o := range offs {
		MOVLQSX(Mem{Base: RBX, Disp: 4 * i}, o)
		SHLQ(U8(2), o)
	}
	MOVQ(param("ldx"), RDX)
	MOVQ(param("ldb"), R8)
	SHLQ(U8(2), RDX)
	SHLQ(U8(2), R8)
	MOVQ(param("ldc"), RCX)
	SHLQ(U8(2), RCX)
	MOVQ(RCX, ldcB)
	MOVQ(param("n"), RCX)
	MOVQ(RCX, left)
	MOVQ(U32(0), colB)
	Label("strip")
	Comment("K1:K2 = the low min(left, 32) bits of 32.")
	MOVQ(left, RCX)
	MOVL(U32(32), ESI)
	CMPQ(RCX, RSI)
	CMOVQGT(RSI, RCX)
	MOVL(U32(0xffffffff), ESI)
	BZHIL(ECX, ESI, ESI)
	KMOVW(ESI, K1)
	SHRL(U8(16), ESI)
	KMOVW(ESI, K2)
	for i := 0; i < 2*r; i++ {
		VPXORD(Z(i), Z(i), Z(i))
	}
	MOVQ(param("x_base"), RSI)
	MOVQ(param("b_base"), RBX)
	ADDQ(colB, RBX)
	MOVQ(param("k"), RCX)
	Label("loop")
	VMOVUPS_Z(Mem{Base: RBX}, K1, Z(24))
	VMOVUPS_Z(Mem{Base: RBX, Disp: 64}, K2, Z(25))
	for i, o := range offs {
		a := Z(26 + i%2)
		VBROADCASTSS(Mem{Base: RSI, Index: o, Scale: 1}, a)
		VFMADD231PS(Z(24), a, Z(2*i))
		VFMADD231PS(Z(25), a, Z(2*i+1))
	}
	ADDQ(RDX, RSI)
	ADDQ(R8, RBX)
	DECQ(RCX)
	JNE(LabelRef("loop"))
	MOVQ(param("c_base"), RSI)
	ADDQ(colB, RSI)
	MOVQ(param("rows_base"), RBX)
	for i := 0; i < r; i++ {
		MOVLQSX(Mem{Base: RBX, Disp: 4 * i}, RCX)
		IMULQ(ldcB, RCX)
		VMOVUPS(Z(2*i), K1, Mem{Base: RSI, Index: RCX, Scale: 1})
		VMOVUPS(Z(2*i+1), K2, Mem{Base: RSI, Index: RCX, Scale: 1, Disp: 64})
	}
	ADDQ(U32(128), colB)
	SUBQ(U32(32), left)
	JG(LabelRef("strip"))
	VZEROUPPER()
	RET()
}
