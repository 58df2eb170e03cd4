package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// narrowRows is the number of rows of a full strip of sgemmNarrowAVX512:
// one zmm accumulator per row, 12 independent FMA chains.
const narrowRows = 12

// narrowSets is the number of accumulator sets for a strip of r rows: the
// smallest power of two giving at least 8 FMA chains (r·sets ≥ 8), so
// short strips still cover the FMA latency; step p of k goes to set
// p mod sets, the sets summed pairwise at the end.
func narrowSets(r int) int {
	s := 1
	for r*s < 8 {
		s *= 2
	}
	return s
}

// The general-purpose registers of sgemmNarrowAVX512 beyond the shared
// plan (aPtr, bPtr, kCnt, cPtr, ldc, ldb, rsB, ssB, rs3).
var (
	narrowRow = RAX // A's element (first row of the strip, p = 0)
	narrowM   = R9  // rows left
	narrowA4  = R13 // A pointer of row 4 of the strip
	narrowA8  = R14 // A pointer of row 8 of the strip
)

// narrowRegs returns the vector registers of a narrow kernel beyond its
// accumulators: B's row at even and odd steps, alpha and beta.
func narrowRegs(v isa) (b0, b1, alpha, beta VecPhysical) {
	return v.regs[28], v.regs[29], v.regs[30], v.regs[31]
}

// genNarrowAll writes the masked kernel in its zmm form and its ymm form for
// at most 8 columns. Zen 4 executes a zmm instruction as two 256-bit
// halves, so a masked zmm FMA costs its full cycle however few lanes it
// keeps; on the ymm form a strip of ≤ 8 columns costs half as much there,
// and the same on a core with 512-bit units. Both forms do the same FMA
// chains, so they give the same bits.
func genNarrowAll() {
	genNarrow(avx512, "sgemmNarrowAVX512", 16)
	genNarrow(avx512VL256, "sgemmNarrow8AVX512VL", 8)
}

// genNarrow writes name, the masked row-strip kernel for products at most
// lanes columns wide (the lanes of v's registers): C[m×n] = alpha·(A·B) + beta·C with
// A's element (i, p) at a[i·rs+p·ss] (row-major or transposed A in place,
// or a packed strip) and B's rows ldb apart, read in place. K1 holds the
// low n bits: every load of B and C and every store of C is masked, so
// nothing outside the operands is read or written and no scratch tile or
// padding is needed. The rows go in strips of narrowRows from the top, the
// last strip m mod narrowRows rows, each strip one pass over k.
func genNarrow(v isa, name string, lanes int) {
	_, _, alpha, beta := narrowRegs(v)
	TEXT(name, NOSPLIT, "func(m, k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc, n int, alpha, beta float32)")
	Pragma("noescape")
	Doc(name+" computes C[m×n] = alpha·(A[m×k]·B[k×n]) + beta·C for",
		fmt.Sprintf("1 ≤ n ≤ %d, A's", lanes)+" element (i, p) at a[i·rs+p·ss], B's rows ldb apart, C's ldc",
		"apart; beta == 0 (either sign) means C is not read. Rows go in strips of",
		fmt.Sprintf("%d from the top (the last one m mod %d rows): a strip of r rows sums", narrowRows, narrowRows),
		"step p of k into accumulator set p mod s (s the smallest power of two with",
		"r·s ≥ 8; single steps past the last full round go to set 0), adds the sets",
		"pairwise, scales by alpha, then adds beta·C in one FMA. Every load of B or C",
		"and store of C is masked to the n columns: nothing outside A's m·k elements,",
		"B's k×n and C's m×n is read or written. The caller guarantees m, k ≥ 0 and",
		"that the slices span those elements.")
	Comment(fmt.Sprintf("Register plan (%s, checked by the caller's dispatch):", v.exts),
		fmt.Sprintf("  %s accumulators: row i of set s in register s·r+i (r rows in the strip)", v.span(0, 15)),
		fmt.Sprintf("  %s, %s: B's row at even and odd steps (zeroing masked load)", v.reg(28), v.reg(29)),
		fmt.Sprintf("  %s = alpha, %s = beta; K1 = the low n bits", v.reg(30), v.reg(31)),
		"  AX = A at the strip's first row, SI/R13/R14 = A at rows 0/4/8 and step p,",
		"  R10 = rs, R11 = ss, R12 = 3·rs, R8 = ldb, DX = ldc (all in bytes),",
		"  BX = B pointer, CX = k counter, DI = C row pointer, R9 = rows left",
		"A's elements are FMA broadcast operands; C's rows are stored as each strip ends.")

	MOVQ(param("m"), narrowM)
	MOVQ(param("n"), RCX)
	TESTQ(narrowM, narrowM)
	JEQ(LabelRef("done"))
	TESTQ(RCX, RCX)
	JEQ(LabelRef("done"))
	Comment("K1 = 2ⁿ − 1: lanes 0..n−1.")
	lowLanes(EAX, K1)
	MOVQ(param("a_base"), narrowRow)
	MOVQ(param("rs"), rsB)
	MOVQ(param("ss"), ssB)
	MOVQ(param("ldb"), ldb)
	MOVQ(param("c_base"), cPtr)
	MOVQ(param("ldc"), ldc)
	stridesToBytes()
	VBROADCASTSS(param("alpha"), alpha)
	VBROADCASTSS(param("beta"), beta)

	Label("strip")
	CMPQ(narrowM, Imm(narrowRows))
	JLT(LabelRef("rest"))
	narrowBody(v, narrowRows)
	Comment(fmt.Sprintf("Next strip: A %d rows on.", narrowRows))
	LEAQ(Mem{Base: narrowRow, Index: rs3, Scale: narrowRows / 3}, narrowRow)
	SUBQ(Imm(narrowRows), narrowM)
	JMP(LabelRef("strip"))

	Label("rest")
	TESTQ(narrowM, narrowM)
	JEQ(LabelRef("done"))
	for r := 1; r < narrowRows-1; r++ {
		CMPQ(narrowM, Imm(uint64(r)))
		JEQ(LabelRef(fmt.Sprintf("r%d", r)))
	}
	for r := narrowRows - 1; r >= 1; r-- {
		Label(fmt.Sprintf("r%d", r))
		narrowBody(v, r)
		VZEROUPPER()
		RET()
	}
	Label("done")
	VZEROUPPER()
	RET()
}

// narrowBody writes one strip of r rows of sgemmNarrowAVX512: the k loop
// from the strip's first row (AX) and B's start, the sets' sum and the
// masked stores, leaving DI at the next strip's first row of C.
func narrowBody(v isa, r int) {
	l := func(s string) string { return fmt.Sprintf("r%d_%s", r, s) }
	sets := narrowSets(r)
	steps := max(sets, 2)
	acc := func(s, i int) VecPhysical { return v.regs[s*r+i] }
	b0, b1, alpha, beta := narrowRegs(v)
	aAddr := func(i int) Mem {
		base := []Register{aPtr, narrowA4, narrowA8}[i/4]
		switch i % 4 {
		case 0:
			return Mem{Base: base}
		case 1:
			return Mem{Base: base, Index: rsB, Scale: 1}
		case 2:
			return Mem{Base: base, Index: rsB, Scale: 2}
		}
		return Mem{Base: base, Index: rs3, Scale: 1}
	}
	MOVQ(narrowRow, aPtr)
	if r > 4 {
		LEAQ(Mem{Base: aPtr, Index: rsB, Scale: 4}, narrowA4)
	}
	if r > 8 {
		LEAQ(Mem{Base: aPtr, Index: rsB, Scale: 8}, narrowA8)
	}
	MOVQ(param("k"), kCnt)
	MOVQ(param("b_base"), bPtr)
	for i := 0; i < r*sets; i++ {
		v.zero(v.regs[i])
	}
	step := func(j, s int) {
		b := []VecPhysical{b0, b1}[j%2]
		VMOVUPS_Z(Mem{Base: bPtr}, K1, b)
		for i := 0; i < r; i++ {
			VFMADD231PS_BCST(aAddr(i), b, acc(s, i))
		}
		ADDQ(ssB, aPtr)
		if r > 4 {
			ADDQ(ssB, narrowA4)
		}
		if r > 8 {
			ADDQ(ssB, narrowA8)
		}
		ADDQ(ldb, bPtr)
	}
	CMPQ(kCnt, Imm(uint64(steps)))
	JLT(LabelRef(l("tail")))
	Label(l("loop"))
	for j := 0; j < steps; j++ {
		step(j, j%sets)
	}
	SUBQ(Imm(uint64(steps)), kCnt)
	CMPQ(kCnt, Imm(uint64(steps)))
	JGE(LabelRef(l("loop")))
	Label(l("tail"))
	TESTQ(kCnt, kCnt)
	JEQ(LabelRef(l("sum")))
	Label(l("loop1"))
	step(0, 0)
	DECQ(kCnt)
	JNE(LabelRef(l("loop1")))

	Label(l("sum"))
	for stride := 1; stride < sets; stride *= 2 {
		for s := 0; s < sets; s += 2 * stride {
			for i := 0; i < r; i++ {
				VADDPS(acc(s+stride, i), acc(s, i), acc(s, i))
			}
		}
	}
	for i := 0; i < r; i++ {
		VMULPS(alpha, acc(0, i), acc(0, i))
	}
	Comment("beta == 0 (either sign of zero) must not read C.")
	TESTL(U32(0x7fffffff), param("beta"))
	JEQ(LabelRef(l("overwrite")))
	for i := 0; i < r; i++ {
		VFMADD231PS(Mem{Base: cPtr}, beta, K1, acc(0, i))
		VMOVUPS(acc(0, i), K1, Mem{Base: cPtr})
		ADDQ(ldc, cPtr)
	}
	JMP(LabelRef(l("stored")))
	Label(l("overwrite"))
	for i := 0; i < r; i++ {
		VMOVUPS(acc(0, i), K1, Mem{Base: cPtr})
		ADDQ(ldc, cPtr)
	}
	Label(l("stored"))
}
