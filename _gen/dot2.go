package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genDot2 writes sgemmDot2AVX512: the last one or two columns of a product
// with n = 9 or 10 (the output layer: 10 classes), whose first eight
// columns run on the ymm masked kernel. Lanes along the columns, as in the
// masked kernel, would use 10 of 16 lanes for the whole product; lanes
// along k use every lane, and eight rows by two columns fill 16
// accumulators that one transposing tree of shuffles and adds reduces into
// a single vector of the 16 sums.
func genDot2() {
	perm := GLOBL("dot2Order", RODATA|NOPTR)
	// Lane 4k + t of the reduced vector holds row 2t + k/2, column k mod 2
	// (see the tree below); this puts row r's two columns in lanes 2r, 2r+1.
	for i, v := range []uint32{0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15} {
		DATA(4*i, U32(v))
	}

	TEXT("sgemmDot2AVX512", NOSPLIT, "func(rows, k int, a []float32, lda int, b0, b1 []float32, cols int, c []float32, ldc int, alpha, beta float32)")
	Pragma("noescape")
	Doc("sgemmDot2AVX512 computes C[i, j] = alpha·Σ_p A[i, p]·Bⱼ[p] + beta·C[i, j] for",
		"i < rows (1 ≤ rows ≤ 8) and j < cols (1 ≤ cols ≤ 2), A's row i at a[i·lda:],",
		"B₀ and B₁ the columns of B as contiguous vectors of k floats (with cols = 1,",
		"b1 may repeat b0: it is computed, never stored), C's rows ldc apart; beta",
		"== 0 (either sign) means C is not read. Each sum runs in 16 lanes, lane l",
		"taking p ≡ l (mod 16) in ascending order with one FMA per term; then lane",
		"l adds lane l+8, lane l (l < 4) lane l+4, lane l (l < 2) lane l+2, and lane",
		"0 lane 1, the same tree for every sum whatever its row. Nothing past A's",
		"rows rows of k, B_j's k or C's cols columns is read or written (rows past",
		"rows repeat row 0). Needs AVX512VL (masked xmm moves). The caller",
		"guarantees k ≥ 1 and that the slices span those elements.")
	Comment("Register plan (AVX512F and AVX512VL, checked by the caller's dispatch):",
		"  Z0..Z15: the sums, row r's column j in Z(2r+j); Z16..Z23: A's rows 0..7 at p;",
		"  Z24, Z25: B₀, B₁ at p; Z26..Z29 reduce; Z14 = alpha, Z15 = beta afterwards;",
		"  K1 = the k mod 16 tail lanes, K2 = the low cols lanes",
		"  SI, R8..R14 = A's rows 0..7; DX, DI = B₀, B₁; BX = offset in k (bytes);",
		"  CX = 16-float chunks left; AX = rows; afterwards DI = C row, DX = ldc in bytes")

	rowPtr := []GPPhysical{RSI, R8, R9, R10, R11, R12, R13, R14}
	b0, b1, rows := RDX, RDI, RAX
	MOVQ(param("a_base"), RSI)
	MOVQ(param("lda"), RCX)
	SHLQ(U8(2), RCX)
	for i := 1; i < 8; i++ {
		LEAQ(Mem{Base: rowPtr[i-1], Index: RCX, Scale: 1}, rowPtr[i])
	}
	MOVQ(param("rows"), rows)
	Comment("Rows past the last repeat row 0.")
	for i := 1; i < 8; i++ {
		CMPQ(rows, Imm(uint64(i)))
		CMOVQLE(RSI, rowPtr[i])
	}
	MOVQ(param("b0_base"), b0)
	MOVQ(param("b1_base"), b1)
	Comment("K1 = 2^(k mod 16) − 1, K2 = 2^cols − 1.")
	MOVQ(param("k"), RCX)
	ANDL(U32(15), ECX)
	lowLanes(EBX, K1)
	MOVQ(param("cols"), RCX)
	lowLanes(EBX, K2)
	for i := 0; i < 16; i++ {
		VPXORD(Z(i), Z(i), Z(i))
	}
	dotSteps(func(masked bool) {
		dotLoad(b0, Z24, masked)
		dotLoad(b1, Z25, masked)
		for r := 0; r < 8; r++ {
			dotLoad(rowPtr[r], Z(16+r), masked)
			dotFMA(Z24, Z(16+r), Z(2*r), masked)
			dotFMA(Z25, Z(16+r), Z(2*r+1), masked)
		}
	})
	Comment("Lane l + l+8: Z(m) = row m's columns 0 and 1, eight lanes each.")
	for m := 0; m < 8; m++ {
		VSHUFF32X4(U8(0x44), Z(2*m+1), Z(2*m), Z26)
		VSHUFF32X4(U8(0xee), Z(2*m+1), Z(2*m), Z27)
		VADDPS(Z27, Z26, Z(m))
	}
	Comment("+ l+4: Z(n) = rows 2n and 2n+1, columns 0 and 1, four lanes each.")
	for n := 0; n < 4; n++ {
		VSHUFF32X4(U8(0x88), Z(2*n+1), Z(2*n), Z26)
		VSHUFF32X4(U8(0xdd), Z(2*n+1), Z(2*n), Z27)
		VADDPS(Z27, Z26, Z(n))
	}
	Comment("+ l+2 within each 128-bit block, then + l+1: Z0 lane 4k+t = row 2t+k/2,",
		"column k mod 2.")
	for o := 0; o < 2; o++ {
		VSHUFPS(U8(0x44), Z(2*o+1), Z(2*o), Z26)
		VSHUFPS(U8(0xee), Z(2*o+1), Z(2*o), Z27)
		VADDPS(Z27, Z26, Z(o))
	}
	VSHUFPS(U8(0x88), Z1, Z0, Z26)
	VSHUFPS(U8(0xdd), Z1, Z0, Z27)
	VADDPS(Z27, Z26, Z0)
	Comment("Row r's two sums to lanes 2r, 2r+1, scaled by alpha.")
	VMOVDQU32(perm, Z28)
	VPERMPS(Z0, Z28, Z0)
	VBROADCASTSS(param("alpha"), Z14)
	VBROADCASTSS(param("beta"), Z15)
	VMULPS(Z14, Z0, Z0)
	MOVQ(param("c_base"), RDI)
	MOVQ(param("ldc"), RDX)
	SHLQ(U8(2), RDX)
	Comment("beta == 0 (either sign of zero) must not read C.")
	MOVL(param("beta"), EBX)
	SHLL(U8(1), EBX)
	JEQ(LabelRef("store"))
	dot2Stores(rows, true)
	Label("store")
	dot2Stores(rows, false)
	Label("done")
	VZEROUPPER()
	RET()
}

// dot2Stores writes rows 0..rows−1 of C from Z0 (row r in lanes 2r, 2r+1),
// masked to K2's columns, adding beta·C first when withBeta; it ends at
// done.
func dot2Stores(rows GPPhysical, withBeta bool) {
	for r := 0; r < 8; r++ {
		if r > 0 {
			CMPQ(rows, Imm(uint64(r)))
			JLE(LabelRef("done"))
		}
		if r%2 == 0 {
			VEXTRACTF32X4(U8(r/2), Z0, X1)
			VMOVAPS(X1, X2)
		} else {
			VMOVHLPS(X1, X1, X2)
		}
		if withBeta {
			VMOVUPS_Z(Mem{Base: RDI}, K2, X3)
			VFMADD231PS(X15, X3, X2)
		}
		VMOVUPS(X2, K2, Mem{Base: RDI})
		if r < 7 {
			ADDQ(RDX, RDI)
		}
	}
	JMP(LabelRef("done"))
}
