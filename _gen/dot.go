package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genDot writes sgemmDotAVX512, the kernel for the last column strip of a
// product when it is at most 4 columns wide (n = 100 leaves 4 after three
// 32-column strips): C[m×cols] = alpha·(A·Bᵀ) + beta·C with A's rows and
// the rows of Bᵀ (B's columns) contiguous in k, so the 16 lanes run along
// k and every lane does useful work, where the masked kernel, lanes along
// the columns, uses 4 of 16.
func genDot() {
	TEXT("sgemmDotAVX512", NOSPLIT, "func(m, k int, a []float32, lda int, b0, b1, b2, b3 []float32, cols int, c []float32, ldc int, alpha, beta float32)")
	Pragma("noescape")
	Doc("sgemmDotAVX512 computes C[i, j] = alpha·Σ_p A[i, p]·Bⱼ[p] + beta·C[i, j] for",
		"i < m and j < cols (1 ≤ cols ≤ 4), A's row i at a[i·lda:], B₀..B₃ the columns",
		"of B as contiguous vectors of k floats (those past cols may repeat an",
		"earlier one: they are computed, never stored), C's rows ldc apart; beta == 0",
		"(either sign) means C is not read. Each sum runs in 16 lanes, lane l taking",
		"p ≡ l (mod 16) in ascending order with one FMA per term, then the lanes are",
		"added in a fixed tree (l + l+8, + l+4, then pairs). Nothing past A's m rows",
		"of k, B_j's k or C's cols columns is read or written. The caller guarantees",
		"m ≥ 0, k ≥ 1 and that the slices span those elements.")
	Comment("Register plan (AVX512F, checked by the caller's dispatch):",
		"  Z0..Z3: row 0's sums for columns 0..3, Z4..Z7: row 1's",
		"  Z8, Z9: A's rows 0 and 1 at p; Z10..Z13: B₀..B₃ at p",
		"  X8..X11 reduce (VHADDPS is VEX-only: registers below 16); Z14 = alpha,",
		"  Z15 = beta; K1 = the k mod 16 tail lanes, K2 = the low cols lanes",
		"  SI, R12 = A's rows 0 and 1; R8, R10, R11, R13 = B₀..B₃; BX = offset in k (bytes);",
		"  CX = 16-float chunks left; AX = lda in bytes; DI = C row; DX = ldc in bytes;",
		"  R9 = rows left; R14 = 1 when the pair's second row is a repeat of the first",
		"Two rows at a time: eight independent FMA chains.")

	m, rowB, rep := R9, R12, R14
	bs := []GPPhysical{R8, R10, R11, R13}
	MOVQ(param("m"), m)
	TESTQ(m, m)
	JEQ(LabelRef("done"))
	MOVQ(param("a_base"), aPtr)
	MOVQ(param("lda"), RAX)
	SHLQ(U8(2), RAX)
	for j, b := range bs {
		MOVQ(param("b"+string(rune('0'+j))+"_base"), b)
	}
	MOVQ(param("c_base"), cPtr)
	MOVQ(param("ldc"), ldc)
	SHLQ(U8(2), ldc)
	Comment("K2 = 2^cols − 1, K1 = 2^(k mod 16) − 1.")
	MOVQ(param("cols"), RCX)
	lowLanes(EBX, K2)
	MOVQ(param("k"), RCX)
	ANDL(U32(15), ECX)
	lowLanes(EBX, K1)
	VBROADCASTSS(param("alpha"), Z14)
	VBROADCASTSS(param("beta"), Z15)

	Label("pair")
	LEAQ(Mem{Base: aPtr, Index: RAX, Scale: 1}, rowB)
	XORQ(rep, rep)
	CMPQ(m, Imm(1))
	JNE(LabelRef("zero"))
	Comment("One row left: compute it twice, store it once.")
	MOVQ(aPtr, rowB)
	MOVQ(U32(1), rep)
	Label("zero")
	for i := 0; i < 8; i++ {
		VPXORD(Z(i), Z(i), Z(i))
	}
	dotSteps(func(masked bool) {
		dotLoad(aPtr, Z8, masked)
		dotLoad(rowB, Z9, masked)
		for j, b := range bs {
			dotLoad(b, Z(10+j), masked)
			dotFMA(Z(10+j), Z8, Z(j), masked)
			dotFMA(Z(10+j), Z9, Z(4+j), masked)
		}
	})
	Comment("Lanes l + l+8, then + l+4: each sum in the low 4 lanes of X0..X7.")
	for i := 0; i < 8; i++ {
		VEXTRACTF64X4(U8(1), Z(i), Y8)
		VADDPS(Y8, Y(i), Y(i))
		VEXTRACTF128(U8(1), Y(i), X8)
		VADDPS(X8, X(i), X(i))
	}
	Comment("Pairs: X8 = row 0's four sums, X9 = row 1's.")
	for r := 0; r < 2; r++ {
		VHADDPS(X(4*r+1), X(4*r), X10)
		VHADDPS(X(4*r+3), X(4*r+2), X11)
		VHADDPS(X11, X10, X(8+r))
	}
	VMULPS(Z14, Z8, Z8)
	VMULPS(Z14, Z9, Z9)
	Comment("beta == 0 (either sign of zero) must not read C.")
	MOVL(param("beta"), EBX)
	SHLL(U8(1), EBX)
	JEQ(LabelRef("store"))
	VMOVUPS_Z(Mem{Base: cPtr}, K2, Z10)
	VFMADD231PS(Z15, Z10, Z8)
	TESTQ(rep, rep)
	JNE(LabelRef("store"))
	VMOVUPS_Z(Mem{Base: cPtr, Index: ldc, Scale: 1}, K2, Z11)
	VFMADD231PS(Z15, Z11, Z9)
	Label("store")
	VMOVUPS(Z8, K2, Mem{Base: cPtr})
	TESTQ(rep, rep)
	JNE(LabelRef("done"))
	VMOVUPS(Z9, K2, Mem{Base: cPtr, Index: ldc, Scale: 1})
	LEAQ(Mem{Base: aPtr, Index: RAX, Scale: 2}, aPtr)
	LEAQ(Mem{Base: cPtr, Index: ldc, Scale: 2}, cPtr)
	SUBQ(Imm(2), m)
	JNE(LabelRef("pair"))
	Label("done")
	VZEROUPPER()
	RET()
}

// dotSteps writes the loop over k of a kernel with lanes along k: BX the
// offset in k (bytes), CX the 16-float chunks left; step writes one chunk's
// loads and FMAs, then once more masked to K1's lanes for the last k mod 16
// steps (skipped when K1 is empty). It ends at the label reduce.
func dotSteps(step func(masked bool)) {
	XORQ(RBX, RBX)
	MOVQ(param("k"), RCX)
	SHRQ(U8(4), RCX)
	JEQ(LabelRef("tail"))
	Label("chunk")
	step(false)
	ADDQ(Imm(64), RBX)
	DECQ(RCX)
	JNE(LabelRef("chunk"))

	Label("tail")
	KORTESTW(K1, K1)
	JEQ(LabelRef("reduce"))
	Comment("The last k mod 16 steps: loads and FMAs masked to their lanes.")
	step(true)

	Label("reduce")
}

// dotLoad loads the 16 floats at base+BX into z; masked, only K1's lanes
// (the others zeroed, nothing past them read).
func dotLoad(base Register, z VecPhysical, masked bool) {
	if masked {
		VMOVUPS_Z(Mem{Base: base, Index: RBX, Scale: 1}, K1, z)
		return
	}
	VMOVUPS(Mem{Base: base, Index: RBX, Scale: 1}, z)
}

// dotFMA sets acc += a·b; masked, in K1's lanes only.
func dotFMA(b, a, acc VecPhysical, masked bool) {
	if masked {
		VFMADD231PS(b, a, K1, acc)
		return
	}
	VFMADD231PS(b, a, acc)
}

// X and Y name the xmm and ymm views of vector register i (0..15).
func X(i int) VecPhysical {
	return []VecPhysical{X0, X1, X2, X3, X4, X5, X6, X7, X8, X9, X10, X11, X12, X13, X14, X15}[i]
}

func Y(i int) VecPhysical {
	return []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}[i]
}
