package main

import (
	"fmt"
	"strings"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/gotypes"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// isa is one vector width: the 8-lane ymm registers of AVX2+FMA3 or the
// 16-lane zmm registers of AVX-512.
type isa struct {
	name  string        // kernel name suffix: AVX2, AVX512
	regs  []VecPhysical // the registers, by number
	bytes int           // bytes per register
	exts  string        // what the caller's dispatch has checked
}

// lanes is the number of float32 lanes of one register.
func (v isa) lanes() int { return v.bytes / 4 }

// reg names register v.regs[i] in comments.
func (v isa) reg(i int) string { return v.regs[i].Asm() }

// span names registers first..last in comments ("Y0..Y11").
func (v isa) span(first, last int) string { return v.reg(first) + ".." + v.reg(last) }

// zero clears r. On zmm registers it is VPXORD: VXORPS on zmm needs
// AVX512DQ, and the AVX-512 kernels use AVX512F instructions only.
func (v isa) zero(r VecPhysical) {
	if v.bytes == 64 {
		VPXORD(r, r, r)
	} else {
		VXORPS(r, r, r)
	}
}

var avx2 = isa{
	name:  "AVX2",
	regs:  []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15},
	bytes: 32,
	exts:  "AVX2 + FMA3",
}

var avx512 = isa{
	name: "AVX512",
	regs: []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
		Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31},
	bytes: 64,
	exts:  "AVX512F, AVX2 + FMA3",
}

// avx512VL256 is the ymm registers under AVX-512VL: 8 lanes, 32 registers,
// EVEX-encoded where a mask or Y16..Y31 is involved (the narrow kernel's
// form for at most 8 columns).
var avx512VL256 = isa{
	name: "AVX512VL",
	regs: []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15,
		Y16, Y17, Y18, Y19, Y20, Y21, Y22, Y23, Y24, Y25, Y26, Y27, Y28, Y29, Y30, Y31},
	bytes: 32,
	exts:  "AVX512F + AVX512VL",
}

// The general-purpose register plan shared by the GEMM kernels.
var (
	aPtr  = RSI // A pointer
	bPtr  = RBX // B pointer
	kCnt  = RCX // k counter
	cPtr  = RDI // C row pointer
	ldc   = RDX // ldc in bytes
	ldb   = R8  // ldb in bytes
	ldb3  = R9  // 3·ldb in bytes (register-tile kernels)
	rsB   = R10 // rs in bytes (rows kernels)
	ssB   = R11 // ss in bytes (rows kernels)
	rs3   = R12 // 3·rs in bytes (rows kernels)
	aPtr4 = R13 // A pointer of row 4 (8-row rows kernel)
)

// param is the frame address of argument name ("k", "a_base", "w_len",
// "beta").
func param(name string) Mem {
	var c gotypes.Component
	if s, ok := strings.CutSuffix(name, "_base"); ok {
		c = Param(s).Base()
	} else if s, ok := strings.CutSuffix(name, "_len"); ok {
		c = Param(s).Len()
	} else {
		c = Param(name)
	}
	b, err := c.Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

const gemmGPRPlan = "SI = A pointer, BX = B pointer, R8 = ldb in bytes, CX = k counter, DI = C row pointer, DX = ldc in bytes"

func genGemm() {
	genTile(tile6x16)
	genPeak(avx2, 12)
	for _, r := range []int{1, 2, 4} {
		genRows(avx2, r, Y15)
	}
	genTile(tile8x32)
	genTiles(tile8x32)
	genPeak(avx512, 24)
	for _, r := range []int{1, 2, 4, 8} {
		genRows(avx512, r, Z31)
	}
	for _, t := range []int{1, 2, 4} {
		genRows8Plus(t)
	}
	genGemv()
	genDot()
	genDot2()
	genEpi()
	genCompact()
	genStrip()
	genColsT()
	genColsT4()
	genColsTN()
	genSkipAll()
}

// storeRow writes one row of C from lo (the first register width of
// columns) and hi (the second) and moves to the next row. With withBeta it
// first adds beta·C (beta's register, the accumulators already scaled by
// alpha); without, C is not read.
func storeRow(v isa, lo, hi, beta VecPhysical, withBeta bool) {
	if withBeta {
		VFMADD231PS(Mem{Base: cPtr}, beta, lo)
		VFMADD231PS(Mem{Base: cPtr, Disp: v.bytes}, beta, hi)
	}
	VMOVUPS(lo, Mem{Base: cPtr})
	VMOVUPS(hi, Mem{Base: cPtr, Disp: v.bytes})
	ADDQ(ldc, cPtr)
}

// tile describes a register-tile micro-kernel C[mr×2w] for w lanes: row i
// of C accumulates in registers 2i (the first w columns) and 2i+1.
type tile struct {
	v  isa
	mr int
	// b holds the registers a row of B is loaded into; step j of the
	// unrolled loop uses b[j%len(b)].
	b [][2]int
	// a holds the registers A's broadcasts go to; row i uses a[i%len(a)].
	a []int
	// alpha and beta are the epilogue's broadcast registers.
	alpha, beta int
	// prefetchC prefetches the C tile at entry.
	prefetchC bool
	// prefetchA, if not 0, prefetches the packed A strip that many loop
	// iterations ahead, once per iteration.
	prefetchA int
	doc       []string
	notes     []string
}

// unroll is the number of k steps per iteration of the register-tile
// kernels' main loop; B's rows in it are addressed as (BX), (BX)(R8*1),
// (BX)(R8*2) and (BX)(R9*1).
const unroll = 4

var tile6x16 = tile{
	v: avx2, mr: 6,
	b: [][2]int{{12, 13}}, a: []int{14}, alpha: 14, beta: 15,
	doc: []string{
		"sgemmKernel6x16AVX2 is the AVX2+FMA micro-kernel: C[6×16] =",
		"alpha·(packedA[6×k]·B[k×16]) + beta·C, not reading C when beta == 0, with",
		"B's rows ldb floats apart. Its Go twin is kernel4x4Generic (same contract,",
		"other tile). The caller guarantees k ≥ 1, len(a) ≥ 6k, that b spans",
		"(k−1)·ldb+16 elements and c spans 5·ldc+16.",
	},
	notes: []string{
		"12 independent FMA chains cover Zen 4's and Haswell's FMA latency × 2 ports.",
	},
}

var tile8x32 = tile{
	v: avx512, mr: 8,
	b: [][2]int{{28, 29}, {26, 27}}, a: []int{30, 31}, alpha: 30, beta: 31,
	prefetchC: true, prefetchA: 8,
	doc: []string{
		"sgemmKernel8x32AVX512 is the AVX-512 micro-kernel: C[8×32] =",
		"alpha·(packedA[8×k]·B[k×32]) + beta·C with sgemmKernel6x16AVX2's contract",
		"at its own tile (len(a) ≥ 8k, b spans (k−1)·ldb+32, c spans 7·ldc+32).",
		"Its Go twin is kernel4x4Generic.",
	},
	notes: []string{
		"16 independent FMA chains: twice the 4-cycle latency × 2 FMA ports. Per step",
		"of k, 2 B loads and 8 broadcast loads feed 16 FMAs, so the two FMA ports,",
		"not the load ports, set the pace. B's row alternates between two register",
		"pairs, so the next row's loads need not wait for this row's last FMA.",
		"Why 8×32 and not 12×32: on panels in L1 both run at 92–95% of",
		"BenchmarkPeak/avx512 on this machine (Xeon, two 512-bit FMA ports), but",
		"inside Sgemm a 12×32 tile measured 153–161 GFLOP/s at 512³ and 1024³",
		"against 178 for 8×32, and 5–10% less on the MLP shapes; 8 rows also",
		"divide the batches of 128 and 1024 and leave 2 rows, not 10, at batch 10.",
		"Prefetches never fault; those past the A strip's end fetch the next strip",
		"of the same packed block.",
	},
}

// genTile writes the register-tile micro-kernel t: the k loop unrolled
// unroll times, then single steps for k mod unroll, then C = alpha·acc +
// beta·C. The packs are zero-padded and partial tiles run on a scratch
// tile, so there is no edge code.
func genTile(t tile) { genTileKernel(t, false) }

// genTiles writes sgemmTiles<mr>x<2w><ISA>: the tile kernel looped over the
// m/mr tiles of a column strip whose packed A strips lie one after another
// (mr·k floats apart) and whose C tiles are mr rows apart, each with exactly
// the tile kernel's arithmetic. The driver called the tile kernel from Go
// once per tile; with a short k the call cost as much as the tile.
func genTiles(t tile) { genTileKernel(t, true) }

// genTileKernel writes the tile kernel, or with loop its looped form.
func genTileKernel(t tile, loop bool) {
	v, mr := t.v, t.mr
	w := v.lanes()
	name := fmt.Sprintf("sgemmKernel%dx%d%s", mr, 2*w, v.name)
	if loop {
		name = fmt.Sprintf("sgemmTiles%dx%d%s", mr, 2*w, v.name)
		TEXT(name, NOSPLIT, "func(m, k int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32, pf int)")
		Pragma("noescape")
		Doc(fmt.Sprintf("%s computes C[m×%d] = alpha·(packedA·B) + beta·C for m a multiple of", name, 2*w),
			fmt.Sprintf("%d: the %d-row tiles from the top, tile i's packed A strip at a[i·%d·k:], each", mr, mr, mr),
			fmt.Sprintf("with exactly sgemmKernel%dx%d%s's arithmetic and contract. pf, when not 0,", mr, 2*w, v.name),
			"is the distance in floats from B's rows to the same rows of the strip the caller",
			"runs next: the kernel prefetches its k rows into L2, a row per iteration of its",
			"unrolled k loop (see gemmJob.nextStripDistance).")
	} else {
		TEXT(name, NOSPLIT, "func(k int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)")
		Pragma("noescape")
		Doc(t.doc...)
	}

	bRegs := make([]string, len(t.b))
	for j, b := range t.b {
		bRegs[j] = v.reg(b[0]) + ", " + v.reg(b[1])
	}
	aRegs := make([]string, len(t.a))
	for j, a := range t.a {
		aRegs[j] = v.reg(a)
	}
	Commentf("C[%d×%d] = alpha·(packedA[%d×k]·B[k×%d]) + beta·C; beta == 0 means C is not", mr, 2*w, mr, 2*w)
	Commentf("read. packedA holds %d floats (one column of the A tile) per step of k; B", mr)
	Commentf("holds %d floats (one row of the B tile) per step, ldb floats apart (%d for a", 2*w, 2*w)
	Comment("packed strip, B's own row stride when the driver reads B in place).",
		fmt.Sprintf("Register plan (%s, checked by the caller's dispatch):", v.exts),
		fmt.Sprintf("  %s accumulators: row i of C in %s(2i) (columns 0..%d) and %s(2i+1) (%d..%d)",
			v.span(0, 2*mr-1), v.regs[0].Asm()[:1], w-1, v.regs[0].Asm()[:1], w, 2*w-1),
		bPlan(bRegs),
		aPlan(aRegs),
		fmt.Sprintf("  %s = alpha, %s = beta in the epilogue", v.reg(t.alpha), v.reg(t.beta)),
		"  "+gemmGPRPlan+", R9 = 3·ldb in bytes",
		fmt.Sprintf("Loop: unrolled %d steps of k, then single steps for k mod %d. Tail: none;", unroll, unroll),
		"the packs are zero-padded and partial tiles run on a scratch tile.")
	Comment(t.notes...)
	if t.prefetchC {
		Commentf("The C tile is prefetched at entry (AX walks its rows), so the epilogue finds it")
		Comment("in L1 instead of stalling on misses to L3; only bytes of the tile are named.")
	}
	if t.prefetchA > 0 {
		Commentf("The A strip is prefetched %d iterations (%d bytes) ahead.", t.prefetchA, t.prefetchA*unroll*mr*4)
	}
	if loop {
		Comment("The tile loop: R10 = B, R11 = tiles left; after a tile SI is at the next",
			"tile's strip and DI at its first row of C.",
			"The next B strip is prefetched into L2 (R12 = its row, B + pf, R13 = rows left, AX =",
			"the row after), one row of 2·"+fmt.Sprint(v.bytes)+" bytes per unrolled iteration of every tile:",
			"read in place from a weight matrix, a strip's rows are ldb apart, a stride the",
			"hardware prefetchers follow poorly, and its first tile would otherwise wait",
			"on L3 for each row. With pf = 0 R12 stays on B's first row.")
	}

	if loop {
		MOVQ(param("m"), R11)
		SHRQ(U8(3), R11)
		JEQ(LabelRef("done"))
	} else {
		MOVQ(param("k"), kCnt)
	}
	MOVQ(param("a_base"), aPtr)
	MOVQ(param("b_base"), bPtr)
	MOVQ(param("ldb"), ldb)
	SHLQ(U8(2), ldb)
	LEAQ(Mem{Base: ldb, Index: ldb, Scale: 2}, ldb3)
	MOVQ(param("c_base"), cPtr)
	MOVQ(param("ldc"), ldc)
	SHLQ(U8(2), ldc)
	if loop {
		MOVQ(bPtr, R10)
		MOVQ(bPtr, R12)
		XORQ(R13, R13)
		MOVQ(param("pf"), RAX)
		TESTQ(RAX, RAX)
		JEQ(LabelRef("tile"))
		LEAQ(Mem{Base: bPtr, Index: RAX, Scale: 4}, R12)
		MOVQ(param("k"), R13)
		Label("tile")
		MOVQ(R10, bPtr)
		MOVQ(param("k"), kCnt)
	}

	if t.prefetchC {
		rowBytes := 2 * v.bytes
		MOVQ(cPtr, RAX)
		for i := 0; i < mr; i++ {
			// Every cache line of the row, and its last float's line when
			// the row is not 64-byte aligned.
			for off := 0; off < rowBytes; off += 64 {
				PREFETCHT0(Mem{Base: RAX, Disp: off})
			}
			PREFETCHT0(Mem{Base: RAX, Disp: rowBytes - 4})
			ADDQ(ldc, RAX)
		}
	}

	for i := 0; i < 2*mr; i++ {
		v.zero(v.regs[i])
	}

	// step does one step of k: B's row into pair b, then for each row i of
	// A (at offset off of the strip) a broadcast and two FMAs.
	step := func(j int, off int, bAddr Mem) {
		b := t.b[j%len(t.b)]
		lo, hi := v.regs[b[0]], v.regs[b[1]]
		VMOVUPS(bAddr, lo)
		bAddr.Disp += v.bytes
		VMOVUPS(bAddr, hi)
		for i := 0; i < mr; i++ {
			a := v.regs[t.a[i%len(t.a)]]
			VBROADCASTSS(Mem{Base: aPtr, Disp: off + 4*i}, a)
			VFMADD231PS(lo, a, v.regs[2*i])
			VFMADD231PS(hi, a, v.regs[2*i+1])
		}
	}

	CMPQ(kCnt, Imm(unroll))
	JLT(LabelRef("tail"))

	Label("loop4")
	bRows := [unroll]Mem{
		{Base: bPtr},
		{Base: bPtr, Index: ldb, Scale: 1},
		{Base: bPtr, Index: ldb, Scale: 2},
		{Base: bPtr, Index: ldb3, Scale: 1},
	}
	for j := 0; j < unroll; j++ {
		step(j, j*mr*4, bRows[j])
	}
	iterBytes := unroll * mr * 4
	if t.prefetchA > 0 {
		for off := 0; off < iterBytes; off += 64 {
			PREFETCHT0(Mem{Base: aPtr, Disp: t.prefetchA*iterBytes + off})
		}
	}
	if loop {
		for off := 0; off < 2*v.bytes; off += 64 {
			PREFETCHT1(Mem{Base: R12, Disp: off})
		}
		LEAQ(Mem{Base: R12, Index: ldb, Scale: 1}, RAX)
		DECQ(R13)
		CMOVQGT(RAX, R12)
	}
	ADDQ(Imm(uint64(iterBytes)), aPtr)
	LEAQ(Mem{Base: bPtr, Index: ldb, Scale: 4}, bPtr)
	SUBQ(Imm(unroll), kCnt)
	CMPQ(kCnt, Imm(unroll))
	JGE(LabelRef("loop4"))

	Label("tail")
	TESTQ(kCnt, kCnt)
	JEQ(LabelRef("epilogue"))

	Label("loop1")
	step(0, 0, bRows[0])
	ADDQ(Imm(uint64(mr*4)), aPtr)
	ADDQ(ldb, bPtr)
	DECQ(kCnt)
	JNE(LabelRef("loop1"))

	Label("epilogue")
	alpha, beta := v.regs[t.alpha], v.regs[t.beta]
	VBROADCASTSS(param("alpha"), alpha)
	for i := 0; i < 2*mr; i++ {
		VMULPS(alpha, v.regs[i], v.regs[i])
	}
	Comment("beta == 0 (either sign of zero) must not read C.")
	MOVL(param("beta"), EAX)
	SHLL(U8(1), EAX)
	JEQ(LabelRef("overwrite"))
	VBROADCASTSS(param("beta"), beta)
	for i := 0; i < mr; i++ {
		storeRow(v, v.regs[2*i], v.regs[2*i+1], beta, true)
	}
	if loop {
		JMP(LabelRef("next"))
	} else {
		VZEROUPPER()
		RET()
	}

	Label("overwrite")
	for i := 0; i < mr; i++ {
		storeRow(v, v.regs[2*i], v.regs[2*i+1], beta, false)
	}
	if loop {
		Label("next")
		DECQ(R11)
		JNE(LabelRef("tile"))
		Label("done")
	}
	VZEROUPPER()
	RET()
}

// genPeak writes fmaPeak<ISA>(n int): n iterations of nacc independent
// FMAs on registers only (accumulators 0..nacc-1, operands nacc and
// nacc+1), to measure the attainable FMA throughput in the same run as the
// GEMM benchmarks.
func genPeak(v isa, nacc int) {
	flops := nacc * 2 * v.lanes()
	TEXT("fmaPeak"+v.name, NOSPLIT, "func(n int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("fmaPeak%s runs n iterations of %d independent %d-wide FMAs (%d flops each)", v.name, nacc, v.lanes(), flops),
		"on registers alone; it measures the attainable peak for benchmarks.")
	Commentf("%s accumulate, %s and %s are constant operands; CX counts iterations.",
		v.span(0, nacc-1), v.reg(nacc), v.reg(nacc+1))
	MOVQ(param("n"), RCX)
	for i := 0; i < nacc+2; i++ {
		v.zero(v.regs[i])
	}
	TESTQ(RCX, RCX)
	JEQ(LabelRef("done"))
	Label("loop")
	for i := 0; i < nacc; i++ {
		VFMADD231PS(v.regs[nacc], v.regs[nacc+1], v.regs[i])
	}
	DECQ(RCX)
	JNE(LabelRef("loop"))
	Label("done")
	VZEROUPPER()
	RET()
}

// genRows writes sgemmKernel<r>x<2w><ISA>, the kernel for r = 1, 2 or 4
// rows of the row-strip rest, and on AVX-512 for r = 8 rows of an A read in
// place (sgemmKernel8x32RowsAVX512, rowsName): C[r×2w] = alpha·(A[r×k]·B[k×2w]) + beta·C with
// A's element (i, p) at a[i·rs + p·ss]. Eight accumulators (Y0..Y7 or
// Z0..Z7) give eight FMA chains at every r: fewer rows split k over
// 4/r accumulator sets, consecutive steps going to consecutive sets,
// summed pairwise at the end. The 4-row kernel loads B's row once into
// registers 12 and 13 (it is used four times) and alternates its A
// broadcasts between 14 and 15; the others take B from memory in the FMA.
// The 8-row kernel has sixteen accumulators (Z0..Z15), B in Z16/Z17 and its
// A broadcasts in Z18/Z19, rows 4..7 addressed from a second pointer.
func genRows(v isa, r int, beta VecPhysical) {
	w := v.lanes()
	name := rowsName(v, r)
	sets := max(4/r, 1)
	steps := max(sets, 2) // k steps per loop iteration
	loadB := r >= 4
	// The 1- and 2-row kernels, bound by their loads, do not prefetch.
	prefetch := v.bytes == 64 && loadB
	sig := "func(k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)"
	doc := rowsDoc(v, r)
	if prefetch {
		sig = strings.TrimSuffix(sig, ")") + ", pf int)"
		doc = append(doc, "pf, when not 0, is the distance in floats to the same rows of the column strip",
			"run next, which it prefetches into L2 (see gemmJob.prefetchDistance).")
	}
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(doc...)
	nacc := 2 * max(r, 4) // accumulators zeroed and scaled
	acc := func(set, row, half int) VecPhysical { return v.regs[2*(set*r+row)+half] }
	// B's row, the A broadcasts and alpha live above the accumulators.
	bLo, bHi, aReg := v.regs[12], v.regs[13], [2]VecPhysical{v.regs[14], v.regs[15]}
	if r == 8 {
		bLo, bHi, aReg = v.regs[16], v.regs[17], [2]VecPhysical{v.regs[18], v.regs[19]}
	}
	aAddr := rowsAAddr(r)

	Commentf("C[%d×%d] = alpha·(A[%d×k]·B[k×%d]) + beta·C, A's element (i, p) at a[i·rs + p·ss]:", r, 2*w, r, 2*w)
	Comment("a packed strip (rs = 1, ss = mr), a row-major A in place (rs = lda, ss = 1)",
		"or a transposed A in place (rs = 1, ss = lda); nothing but those r·k elements",
		"is read. B rows ldb floats apart, C rows ldc apart, beta == 0 means C is not read.",
		fmt.Sprintf("Register plan (%s, checked by the caller's dispatch):", v.exts))
	if sets > 1 {
		Commentf("  %s accumulators in %d sets (step p of k goes to set p mod %d, summed", v.span(0, 7), sets, sets)
		Commentf("  pairwise at the end): row i of set s in %s(2(s·%d+i)), +1 for columns %d..%d",
			v.regs[0].Asm()[:1], r, w, 2*w-1)
		Commentf("  %s: A broadcast, alpha in the epilogue; %s: beta", v.reg(14), beta.Asm())
	} else {
		Commentf("  %s accumulators: row i in %s(2i) (columns 0..%d) and %s(2i+1)",
			v.span(0, nacc-1), v.regs[0].Asm()[:1], w-1, v.regs[0].Asm()[:1])
		Commentf("  %s, %s: B's row; %s, %s: A broadcasts, alternating rows", bLo.Asm(), bHi.Asm(), aReg[0].Asm(), aReg[1].Asm())
		Commentf("  %s = alpha, %s = beta in the epilogue", aReg[0].Asm(), beta.Asm())
	}
	Comment("  "+gemmGPRPlan+",",
		"  R10 = rs in bytes, R11 = ss in bytes, R12 = 3·rs in bytes")
	if r == 8 {
		Comment("  R13 = the A pointer of row 4 (SI + 4·rs)",
			"Eight rows of A read in place: 16 independent FMA chains, as the 8×32 tile",
			"kernel has on a packed strip, where the 4-row kernel has 8.")
	}
	Commentf("Loop: %d steps of k per iteration, then single steps into set 0.", steps)
	if prefetch {
		Comment(prefetchNote...)
	}

	rowsProlog()
	pfStep := func() {}
	if prefetch {
		pfStep = rowsPrefetch(v)
	}
	if r == 8 {
		LEAQ(Mem{Base: aPtr, Index: rsB, Scale: 4}, aPtr4)
	}
	for i := 0; i < nacc; i++ {
		v.zero(v.regs[i])
	}

	// step does one step of k into accumulator set s.
	step := func(s int) {
		if loadB {
			lo, hi := bLo, bHi
			VMOVUPS(Mem{Base: bPtr}, lo)
			VMOVUPS(Mem{Base: bPtr, Disp: v.bytes}, hi)
			pfStep()
			for i := 0; i < r; i++ {
				a := aReg[i%2]
				VBROADCASTSS(aAddr[i], a)
				VFMADD231PS(lo, a, acc(s, i, 0))
				VFMADD231PS(hi, a, acc(s, i, 1))
			}
			return
		}
		for i := 0; i < r; i++ {
			a := aReg[0]
			VBROADCASTSS(aAddr[i], a)
			VFMADD231PS(Mem{Base: bPtr}, a, acc(s, i, 0))
			VFMADD231PS(Mem{Base: bPtr, Disp: v.bytes}, a, acc(s, i, 1))
		}
	}
	nextK := func() {
		ADDQ(ssB, aPtr)
		if r == 8 {
			ADDQ(ssB, aPtr4)
		}
		ADDQ(ldb, bPtr)
	}

	rowsKSteps(steps, sets, step, nextK)
	rowsFinish(v, r, sets, 0, acc, v.regs[:nacc], aReg[0], beta,
		fmt.Sprintf("All %d accumulators are scaled (the unused ones are never stored);", nacc),
		"beta == 0 (either sign of zero) must not read C.")
}

// rowsPrefetch writes the setup of the AVX-512 rows kernels' prefetch: R9 =
// pf in bytes, and returns the function that writes the prefetch of one
// step (each with its own label).
//
// pf, when not 0, is the distance in floats from B's rows to the same rows
// of the column strip the driver runs next: with B a weight matrix read in
// place, that strip's rows lie ldb floats apart, a stride the hardware
// prefetchers follow poorly, and with 12 rows or fewer each row of B is used
// once per call, so without it the kernel waits on L3 for every row of a
// weight matrix the optimizer step has evicted (the batch-10 forward). The
// driver passes 0 when B is likely still in L2, where the prefetches cost
// 10–13 % (measured) and buy nothing; then one macro-fused test and branch
// per step skips them.
func rowsPrefetch(v isa) func() {
	MOVQ(param("pf"), R9)
	SHLQ(U8(2), R9)
	n := 0
	return func() {
		skip := fmt.Sprintf("nopf%d", n)
		n++
		TESTQ(R9, R9)
		JEQ(LabelRef(skip))
		for off := 0; off < 2*v.bytes; off += 64 {
			PREFETCHT1(Mem{Base: bPtr, Index: R9, Scale: 1, Disp: off})
		}
		Label(skip)
	}
}

// prefetchNote is the register-plan line of the kernels that prefetch with
// rowsPrefetch.
var prefetchNote = []string{
	"R9 = pf in bytes: when not 0, each step of k prefetches into L2 B's row pf bytes",
	"on, the same row of the next column strip of a B read in place."}

// rowsKSteps writes the rows kernels' loop over k: iterations of steps
// steps, step j into accumulator set j mod sets, then the steps left one
// at a time into set 0 (at most one when steps is 2: no pointer advance).
func rowsKSteps(steps, sets int, step func(s int), nextK func()) {
	CMPQ(kCnt, Imm(uint64(steps)))
	JLT(LabelRef("tail"))
	Label("loop")
	for j := 0; j < steps; j++ {
		step(j % sets)
		nextK()
	}
	SUBQ(Imm(uint64(steps)), kCnt)
	CMPQ(kCnt, Imm(uint64(steps)))
	JGE(LabelRef("loop"))

	Label("tail")
	TESTQ(kCnt, kCnt)
	JEQ(LabelRef("sum"))
	if steps > 2 {
		Label("loop1")
		step(0)
		nextK()
		DECQ(kCnt)
		JNE(LabelRef("loop1"))
	} else {
		step(0) // at most one step left, the last: no pointer advance
	}
}

// rowsFinish writes the rows kernels' end: the accumulator sets of rows
// from..r−1 summed pairwise into set 0, every register of scale times
// alpha, then rows 0..r−1 of set 0 stored, with beta·C added in one FMA
// unless beta is ±0 (then C is not read); notes go before the scaling.
func rowsFinish(v isa, r, sets, from int, acc func(set, row, half int) VecPhysical, scale []VecPhysical, alpha, beta VecPhysical, notes ...string) {
	Label("sum")
	for stride := 1; stride < sets; stride *= 2 {
		for s := 0; s < sets; s += 2 * stride {
			for i := from; i < r; i++ {
				VADDPS(acc(s+stride, i, 0), acc(s, i, 0), acc(s, i, 0))
				VADDPS(acc(s+stride, i, 1), acc(s, i, 1), acc(s, i, 1))
			}
		}
	}
	VBROADCASTSS(param("alpha"), alpha)
	VBROADCASTSS(param("beta"), beta)
	MOVL(param("beta"), EAX)
	if len(notes) > 0 {
		Comment(notes...)
	}
	for _, z := range scale {
		VMULPS(alpha, z, z)
	}
	SHLL(U8(1), EAX)
	JEQ(LabelRef("overwrite"))
	for i := 0; i < r; i++ {
		storeRow(v, acc(0, i, 0), acc(0, i, 1), beta, true)
	}
	VZEROUPPER()
	RET()

	Label("overwrite")
	for i := 0; i < r; i++ {
		storeRow(v, acc(0, i, 0), acc(0, i, 1), beta, false)
	}
	VZEROUPPER()
	RET()
}

// lowLanes sets opmask k (through the 32-bit register dst) to 2^CL − 1:
// the low CL lanes.
func lowLanes(dst GPPhysical, k Op) {
	MOVL(U32(1), dst)
	SHLL(CL, dst)
	DECL(dst)
	KMOVW(dst, k)
}

// rowsProlog loads the rows kernels' arguments (k, A, rs, ss, B, ldb, C,
// ldc) and turns the strides into bytes.
func rowsProlog() {
	MOVQ(param("k"), kCnt)
	MOVQ(param("a_base"), aPtr)
	MOVQ(param("rs"), rsB)
	MOVQ(param("ss"), ssB)
	MOVQ(param("b_base"), bPtr)
	MOVQ(param("ldb"), ldb)
	MOVQ(param("c_base"), cPtr)
	MOVQ(param("ldc"), ldc)
	stridesToBytes()
}

// stridesToBytes turns the rows kernels' rs, ss, ldb and ldc from floats
// into bytes and sets rs3 = 3·rs.
func stridesToBytes() {
	SHLQ(U8(2), rsB)
	LEAQ(Mem{Base: rsB, Index: rsB, Scale: 2}, rs3)
	SHLQ(U8(2), ssB)
	SHLQ(U8(2), ldb)
	SHLQ(U8(2), ldc)
}

// rowsAAddr is where row i < r of A is at the current step of k, for the
// rows kernels: rows 0..3 from aPtr, rows 4..7 from aPtr4 (4·rs further).
func rowsAAddr(r int) []Mem {
	a := rowsAAddrFrom(aPtr)
	if r == 8 {
		a = append(a, rowsAAddrFrom(aPtr4)...)
	}
	return a
}

// rowsAAddrFrom addresses four rows of A rs apart from base, at the
// current step of k.
func rowsAAddrFrom(base Register) []Mem {
	return []Mem{
		{Base: base},
		{Base: base, Index: rsB, Scale: 1},
		{Base: base, Index: rsB, Scale: 2},
		{Base: base, Index: rs3, Scale: 1},
	}
}

// rowsName is the name of the r-row kernel: the 8-row one is
// sgemmKernel8x32RowsAVX512, as sgemmKernel8x32AVX512 is the tile kernel.
func rowsName(v isa, r int) string {
	w := 2 * v.lanes()
	if r == 8 {
		return fmt.Sprintf("sgemmKernel%dx%dRows%s", r, w, v.name)
	}
	return fmt.Sprintf("sgemmKernel%dx%d%s", r, w, v.name)
}

// rowsDoc is the Go doc comment of a rows kernel.
func rowsDoc(v isa, r int) []string {
	w := 2 * v.lanes()
	name := rowsName(v, r)
	return []string{
		fmt.Sprintf("%s computes C[%d×%d] = alpha·(A[%d×k]·B[k×%d]) + beta·C,", name, r, w, r, w),
		"A's element (i, p) at a[i·rs+p·ss]: a packed strip (rs = 1, ss = mr) or A in",
		fmt.Sprintf("place. It is a rows kernel of %s (see sgemmRows%s); its Go twin",
			map[string]string{"AVX2": "avx2Kernel", "AVX512": "avx512Kernel"}[v.name], v.name),
		"is kernel4x4Generic on a zero-padded strip. The caller guarantees k ≥ 1, that",
		fmt.Sprintf("a spans %s(k−1)·ss+1 elements (or more), b (k−1)·ldb+%d and c %s%d.",
			times(r-1, "rs+"), w, times(r-1, "ldc+"), w),
	}
}

// times is "" for n = 0, x for n = 1 and "n·x" otherwise.
func times(n int, x string) string {
	switch n {
	case 0:
		return ""
	case 1:
		return x
	}
	return fmt.Sprintf("%d·%s", n, x)
}

// bPlan describes the B row registers of a register-tile kernel.
func bPlan(pairs []string) string {
	if len(pairs) == 1 {
		return "  " + pairs[0] + ": the current row of B"
	}
	return fmt.Sprintf("  %s: the row of B at step j of the loop in pair j mod %d",
		strings.Join(pairs, "; "), len(pairs))
}

// aPlan describes the A broadcast registers of a register-tile kernel.
func aPlan(regs []string) string {
	if len(regs) == 1 {
		return "  " + regs[0] + ": the broadcast A element"
	}
	return fmt.Sprintf("  %s: the broadcast A elements, row i in register i mod %d",
		strings.Join(regs, ", "), len(regs))
}
