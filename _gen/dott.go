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
	MOVQ(param("m"), RAX)
	MOVQ(param("a_base"), RSI)
	MOVQ(param("lda"), R8)
	SHLQ(U8(2), R8)
	MOVQ(param("sp"), R9)
	SHLQ(U8(2), R9)
	MOVQ(param("t_base"), RDI)
	MOVQ(RAX, R14)
	SHLQ(U8(2), R14)
	Comment("Column offsets: column q ≥ cols repeats column cols−1 (computed, never stored).")
	offs := []GPPhysical{R10, R11, R12, R13}
	MOVQ(param("sq"), RDX)
	SHLQ(U8(2), RDX)
	MOVQ(param("cols"), RCX)
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
	ADDQ(Imm(128), RSI)
	ADDQ(Imm(128), RDI)
	SUBQ(Imm(32), RAX)
	JG(LabelRef("chunk"))
	VZEROUPPER()
	RET()
}
