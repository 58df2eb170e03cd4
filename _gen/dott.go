package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genColsT writes sgemmColsTAVX512, the last column strip of at most 4
// columns of a product whose A is transposed (the weight gradient Xᵀ·dY):
// there the rows of C are contiguous in A's storage (A(i, p) = a[p·lda+i]),
// so the 16 lanes run along the rows, each of B's columns broadcast, every
// lane useful where the masked kernel used cols of its 16. It writes the raw
// sums transposed into t; the caller scales them into C.
func genColsT() {
	TEXT("sgemmColsTAVX512", NOSPLIT, "func(m, k int, a []float32, lda int, b []float32, sp, sq, cols int, t []float32)")
	Pragma("noescape")
	Doc("sgemmColsTAVX512 sets t[q·m+i] = Σ_p a[p·lda+i]·b[p·sp+q·sq] for i < m and",
		"q < cols (1 ≤ cols ≤ 4), each sum one FMA chain over p ascending from +0. Nothing",
		"past A's k rows of m, B's k×cols elements or t's cols·m is read or written.",
		"The caller guarantees m ≥ 1, k ≥ 1 and that the slices span those elements.")
	Comment("Register plan (AVX512F, checked by the caller's dispatch):",
		"  Z0..Z7: the sums of 32 rows, column q in Z(2q) (rows 0..15) and Z(2q+1) (16..31)",
		"  Z8, Z9: A's row p at those 32 rows; Z10..Z13: B(p, q) broadcast",
		"  K1, K2: the rows of the chunk that exist, in each half",
		"  SI = A at the chunk's first row, DX = the same at step p, R8 = lda in bytes,",
		"  BX = B at step p, R9 = sp in bytes, R10..R13 = min(q, cols−1)·sq in bytes,",
		"  DI = t at the chunk's first row, R14 = m in bytes (t's column stride),",
		"  AX = rows left, CX = steps left")
	MOVQ(param("t_base"), RDI)
	MOVQ(param("m"), R14)
	SHLQ(U8(2), R14)
	MOVQ(param("cols"), RCX)
	colsTBody(false)
}

// genColsT4 writes sgemmColsT4AVX512: sgemmColsTAVX512 for a strip of
// exactly 4 columns that stores C itself. The sums of a 32-row chunk are
// four zmm pairs, one column each; two in-lane 4×4 transposes (as in
// packA8AVX512) turn each 16-row half into four registers whose 128-bit
// lanes are C's rows, stored one row at a time. In Go the transposed copy
// cost as much as the sums (dW 300×100 at batch 10: 12 % of the product for
// 4 of its 100 columns).
func genColsT4() {
	TEXT("sgemmColsT4AVX512", NOSPLIT, "func(m, k int, a []float32, lda int, b []float32, sp, sq int, c []float32, ldc int, alpha, beta float32)")
	Pragma("noescape")
	Doc("sgemmColsT4AVX512 computes C[m×4] = alpha·(Σ_p a[p·lda+i]·b[p·sp+q·sq]) + beta·C",
		"for i < m, q < 4, C's rows ldc apart: each sum one FMA chain over p ascending",
		"from +0 as in sgemmColsTAVX512, times alpha, plus beta·C in one FMA; beta == 0",
		"(either sign) means C is not read. Nothing past A's k rows of m, B's k×4",
		"elements or C's m rows of 4 is read or written. The caller guarantees m ≥ 1,",
		"k ≥ 1 and that the slices span those elements.")
	Comment("Register plan (AVX512F, checked by the caller's dispatch): as sgemmColsTAVX512",
		"for the sums (Z0..Z13, K1, K2, SI, DX, R8, BX, R9..R13, AX, CX), then",
		"  Z14 = alpha, Z15 = beta, Z16..Z19 and Z20..Z23: rows 0..15 and 16..31 of the",
		"  chunk, row 4l+q of a half in lane l of its register q; Z24..Z27 transpose",
		"  temporaries, X24 a row being stored with beta·C; DI = C at the chunk's first",
		"  row, R14 = ldc in bytes, DX = C's row r once the sums are done.")
	MOVQ(param("c_base"), RDI)
	MOVQ(param("ldc"), R14)
	SHLQ(U8(2), R14)
	VBROADCASTSS(param("alpha"), Z(14))
	VBROADCASTSS(param("beta"), Z(15))
	MOVQ(U32(4), RCX)
	colsTBody(true)
}

// colsTBody writes the part of sgemmColsTAVX512 and sgemmColsT4AVX512 from
// the column offsets on (RCX = cols, RDI = the output): the 32-row chunks'
// sums, then either the masked transposed store into t or, with direct,
// the scaled rows of C.
func colsTBody(direct bool) {
	MOVQ(param("m"), RAX)
	MOVQ(param("a_base"), RSI)
	MOVQ(param("lda"), R8)
	SHLQ(U8(2), R8)
	MOVQ(param("sp"), R9)
	SHLQ(U8(2), R9)
	Comment("Column offsets: column q ≥ cols repeats column cols−1 (computed, never stored).")
	offs := []GPPhysical{R10, R11, R12, R13}
	MOVQ(param("sq"), RDX)
	SHLQ(U8(2), RDX)
	for q, r := range offs {
		// r = min(q, cols−1)·sq
		MOVQ(U32(q), RBX)
		CMPQ(RBX, RCX)
		JLT(LabelRef("q" + string(rune('0'+q))))
		LEAQ(Mem{Base: RCX, Disp: -1}, RBX)
		Label("q" + string(rune('0'+q)))
		IMULQ(RDX, RBX)
		MOVQ(RBX, r)
	}
	MOVL(U32(0xffff), EBX)
	KMOVW(EBX, K1)
	KMOVW(EBX, K2)

	Label("chunk")
	CMPQ(RAX, Imm(32))
	JGE(LabelRef("full"))
	Comment("A last chunk of fewer than 32 rows: K1, K2 = its rows in each half.")
	MOVQ(RAX, RCX)
	MOVL(U32(0xffff), EBX)
	CMPQ(RCX, Imm(16))
	JGE(LabelRef("high"))
	lowLanes(EBX, K1)
	KXORW(K2, K2, K2)
	JMP(LabelRef("full"))
	Label("high")
	KMOVW(EBX, K1)
	SUBQ(Imm(16), RCX)
	lowLanes(EBX, K2)

	Label("full")
	for i := 0; i < 8; i++ {
		VPXORD(Z(i), Z(i), Z(i))
	}
	MOVQ(RSI, RDX)
	MOVQ(param("b_base"), RBX)
	MOVQ(param("k"), RCX)
	Label("step")
	VMOVUPS_Z(Mem{Base: RDX}, K1, Z8)
	VMOVUPS_Z(Mem{Base: RDX, Disp: 64}, K2, Z9)
	for q, r := range offs {
		VBROADCASTSS(Mem{Base: RBX, Index: r, Scale: 1}, Z(10+q))
		VFMADD231PS(Z(10+q), Z8, Z(2*q))
		VFMADD231PS(Z(10+q), Z9, Z(2*q+1))
	}
	ADDQ(R8, RDX)
	ADDQ(R9, RBX)
	DECQ(RCX)
	JNE(LabelRef("step"))

	if direct {
		colsTStoreC()
	} else {
		Comment("Store the sums: column q's at DI + q·m (bytes R14 apart), masked to the rows.")
		MOVQ(param("cols"), RCX)
		MOVQ(RDI, RDX)
		for q := 0; q < 4; q++ {
			VMOVUPS(Z(2*q), K1, Mem{Base: RDX})
			VMOVUPS(Z(2*q+1), K2, Mem{Base: RDX, Disp: 64})
			if q < 3 {
				CMPQ(RCX, Imm(uint64(q+1)))
				JEQ(LabelRef("stored"))
				ADDQ(R14, RDX)
			}
		}
		Label("stored")
		ADDQ(Imm(128), RDI)
	}
	ADDQ(Imm(128), RSI)
	SUBQ(Imm(32), RAX)
	JG(LabelRef("chunk"))
	VZEROUPPER()
	RET()
}

// colsTStoreC writes the store of sgemmColsT4AVX512's chunk: the sums
// scaled by alpha, each 16-row half transposed so that lane l of register
// q holds row 4l+q, then the rows stored in order, each after checking that
// it exists (AX = rows left), with beta·C added in one FMA unless beta is 0.
// DI moves to the next chunk's first row.
func colsTStoreC() {
	for i := 0; i < 8; i++ {
		VMULPS(Z(14), Z(i), Z(i))
	}
	for h := 0; h < 2; h++ {
		c := func(q int) VecPhysical { return Z(2*q + h) }
		t := 16 + 4*h
		VUNPCKLPS(c(1), c(0), Z(24))
		VUNPCKHPS(c(1), c(0), Z(25))
		VUNPCKLPS(c(3), c(2), Z(26))
		VUNPCKHPS(c(3), c(2), Z(27))
		VSHUFPS(U8(0x44), Z(26), Z(24), Z(t))
		VSHUFPS(U8(0xee), Z(26), Z(24), Z(t+1))
		VSHUFPS(U8(0x44), Z(27), Z(25), Z(t+2))
		VSHUFPS(U8(0xee), Z(27), Z(25), Z(t+3))
	}
	MOVQ(RDI, RDX)
	MOVL(param("beta"), ECX)
	SHLL(U8(1), ECX)
	JEQ(LabelRef("overwrite"))
	for _, withBeta := range []bool{true, false} {
		if !withBeta {
			Label("overwrite")
		}
		for r := 0; r < 32; r++ {
			if r > 0 {
				CMPQ(RAX, Imm(uint64(r)))
				JLE(LabelRef("rows_stored"))
				ADDQ(R14, RDX)
			}
			reg := Z(16 + 4*(r/16) + r%4)
			lane := U8((r % 16) / 4)
			if withBeta {
				VEXTRACTF32X4(lane, reg, X24)
				VFMADD231PS(Mem{Base: RDX}, X15, X24)
				VMOVUPS(X24, Mem{Base: RDX})
			} else {
				VEXTRACTF32X4(lane, reg, Mem{Base: RDX})
			}
		}
		if withBeta {
			JMP(LabelRef("rows_stored"))
		}
	}
	Label("rows_stored")
	MOVQ(R14, RCX)
	SHLQ(U8(5), RCX)
	ADDQ(RCX, RDI)
}
