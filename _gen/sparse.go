package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genCompact writes sgemvCompactAVX512: the nonzero elements of a vector
// and their positions, for the vector-matrix product that skips the rows of
// B a zero element would multiply (sgemvSparseRowAVX512).
func genCompact() {
	TEXT("sgemvCompactAVX512", NOSPLIT, "func(k int, a []float32, vals []float32, idx []int32) int")
	Pragma("noescape")
	Doc("sgemvCompactAVX512 writes the elements of a[0:k] that are not ±0 (NaN",
		"included) to vals and their positions to idx, in order, and returns how",
		"many. The caller guarantees len(a), len(vals), len(idx) ≥ k; nothing past",
		"a[k−1] is read and nothing past the returned count is written.")
	Comment("Register plan (AVX512F, BMI2, POPCNT, checked by the caller's dispatch):",
		"  Z0 = the positions of the current 16 elements, Z1 = 16 in every lane,",
		"  Z2 = 0, Z3 = the elements, Z4/Z5 = the kept elements and positions packed",
		"  to the low lanes (VCOMPRESSPS/VPCOMPRESSD into registers: compressing",
		"  straight to memory is microcoded on Intel cores)",
		"  K1 = the elements kept, K2 = the low count lanes (the store), K3 = the tail",
		"  SI = a, DI = vals, R8 = idx, CX = elements left, AX = count, BX/DX scratch")
	MOVQ(param("k"), RCX)
	MOVQ(param("a_base"), RSI)
	MOVQ(param("vals_base"), RDI)
	MOVQ(param("idx_base"), R8)
	XORQ(RAX, RAX)
	VMOVDQU32(epiIota, Z0)
	MOVL(U32(16), EBX)
	VPBROADCASTD(EBX, Z1)
	VPXORD(Z2, Z2, Z2)
	MOVL(U32(0xffff), R9L)
	// keep packs the elements of Z3 selected by K1 and appends them.
	keep := func() {
		VCOMPRESSPS(Z3, K1, Z4)
		VPCOMPRESSD(Z0, K1, Z5)
		KMOVW(K1, EBX)
		POPCNTL(EBX, EBX)
		BZHIL(EBX, R9L, EDX)
		KMOVW(EDX, K2)
		VMOVUPS(Z4, K2, Mem{Base: RDI, Index: RAX, Scale: 4})
		VMOVDQU32(Z5, K2, Mem{Base: R8, Index: RAX, Scale: 4})
		ADDQ(RBX, RAX)
	}
	CMPQ(RCX, Imm(16))
	JLT(LabelRef("tail"))
	Label("loop")
	VMOVUPS(Mem{Base: RSI}, Z3)
	Comment("K1 = Z3 ≠ 0, unordered included (predicate 4, NEQ_UQ): NaN is kept.")
	VCMPPS(U8(4), Z2, Z3, K1)
	keep()
	VPADDD(Z1, Z0, Z0)
	ADDQ(Imm(64), RSI)
	SUBQ(Imm(16), RCX)
	CMPQ(RCX, Imm(16))
	JGE(LabelRef("loop"))
	Label("tail")
	TESTQ(RCX, RCX)
	JEQ(LabelRef("done"))
	BZHIL(ECX, R9L, EDX)
	KMOVW(EDX, K3)
	VMOVUPS_Z(Mem{Base: RSI}, K3, Z3)
	VCMPPS(U8(4), Z2, Z3, K3, K1)
	keep()
	Label("done")
	Store(RAX, ReturnIndex(0))
	VZEROUPPER()
	RET()
}
