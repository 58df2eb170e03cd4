package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The packing kernels of the BLIS driver (see packA and packB in
// gemm_generic.go, whose Go loops are their references): exact copies, so
// any difference from the Go loop is a bug, not a rounding.

// The general-purpose register plan of the packing kernels.
var (
	pkSrc  = RSI // source pointer (row 0)
	pkSrc4 = R10 // source pointer, row 4 (packA kernels)
	pkDst  = RDI // destination pointer
	pkLd   = R8  // lda or ld in bytes
	pkLd3  = R9  // 3·lda or 3·ld in bytes
	pkCnt  = RCX // steps left
)

// genPack writes the packing kernels.
func genPack() {
	genPackA8()
	genPackA6()
	genPackRuns32()
	genPackRuns8()
	genPackRuns16()
	genPackGather32()
}

// packProlog loads d, src, the stride in bytes and its triple, and the step
// count.
func packProlog(src, ld, cnt string) {
	MOVQ(param("d_base"), pkDst)
	MOVQ(param(src+"_base"), pkSrc)
	MOVQ(param(ld), pkLd)
	SHLQ(U8(2), pkLd)
	LEAQ(Mem{Base: pkLd, Index: pkLd, Scale: 2}, pkLd3)
	MOVQ(param(cnt), pkCnt)
}

// rowMem addresses row r (0..3) of four rows pkLd apart from base, plus disp.
func rowMem(base Register, r, disp int) Mem {
	switch r {
	case 0:
		return Mem{Base: base, Disp: disp}
	case 1:
		return Mem{Base: base, Index: pkLd, Scale: 1, Disp: disp}
	case 2:
		return Mem{Base: base, Index: pkLd, Scale: 2, Disp: disp}
	default:
		return Mem{Base: base, Index: pkLd3, Scale: 1, Disp: disp}
	}
}

// genPackA8 writes packA8AVX512: eight rows of A interleaved, eight steps
// of depth per iteration. Rows i and i+4 share a zmm (i at the low 256 bits),
// so one in-lane 4×4 transpose (VUNPCKLPS/VUNPCKHPS, VSHUFPS) leaves in T_q
// the 128-bit lanes [rows 0–3 at depth q, rows 0–3 at q+4, rows 4–7 at q,
// rows 4–7 at q+4], and VSHUFF32X4 pairs the lanes into two whole steps of
// depth per register.
func genPackA8() {
	TEXT("packA8AVX512", NOSPLIT, "func(d []float32, a []float32, lda int, kb int)")
	Pragma("noescape")
	Doc("packA8AVX512 is packA8 for kb a multiple of 8 with a from off: d[8p+i] =",
		"a[i·lda+p] for i < 8, p < kb. The caller guarantees kb ≥ 0, kb mod 8 = 0,",
		"len(d) ≥ 8·kb and that a spans 7·lda+kb elements (kb ≥ 8).")
	Comment("Register plan (AVX512F only, checked by the caller's dispatch):",
		"  Z0..Z3: rows 0..3 at depths p..p+7 in the low 256 bits, rows 4..7 in the high",
		"  Z4..Z7: their VUNPCKLPS/VUNPCKHPS pairs; Z8..Z11: T_0..T_3 (depth q, q+4 per lane)",
		"  Z12..Z15: the output, two steps of depth each",
		"  SI = row 0 pointer, R10 = row 4 pointer, R8 = lda in bytes, R9 = 3·lda in bytes,",
		"  DI = d pointer, CX = kb/8 iterations left")
	packProlog("a", "lda", "kb")
	SHRQ(U8(3), pkCnt)
	JEQ(LabelRef("a8_done"))
	LEAQ(Mem{Base: pkSrc, Index: pkLd, Scale: 4}, pkSrc4)
	Label("a8_loop")
	for r := 0; r < 4; r++ {
		VMOVUPS(rowMem(pkSrc, r, 0), avx2.regs[r])
		VINSERTF64X4(U8(1), rowMem(pkSrc4, r, 0), Z(r), Z(r))
	}
	VUNPCKLPS(Z1, Z0, Z4)
	VUNPCKHPS(Z1, Z0, Z5)
	VUNPCKLPS(Z3, Z2, Z6)
	VUNPCKHPS(Z3, Z2, Z7)
	VSHUFPS(U8(0x44), Z6, Z4, Z8)
	VSHUFPS(U8(0xee), Z6, Z4, Z9)
	VSHUFPS(U8(0x44), Z7, Z5, Z10)
	VSHUFPS(U8(0xee), Z7, Z5, Z11)
	Comment("Lanes 0 and 2 of T_q, T_q+1: depths q, q+1; lanes 1 and 3: q+4, q+5.")
	VSHUFF32X4(U8(0x88), Z9, Z8, Z12)
	VSHUFF32X4(U8(0x88), Z11, Z10, Z13)
	VSHUFF32X4(U8(0xdd), Z9, Z8, Z14)
	VSHUFF32X4(U8(0xdd), Z11, Z10, Z15)
	for j := 0; j < 4; j++ {
		VMOVUPS(Z(12+j), Mem{Base: pkDst, Disp: 64 * j})
	}
	ADDQ(Imm(32), pkSrc)
	ADDQ(Imm(32), pkSrc4)
	ADDQ(U32(256), pkDst)
	DECQ(pkCnt)
	JNE(LabelRef("a8_loop"))
	VZEROUPPER()
	Label("a8_done")
	RET()
}

// Z is zmm register i.
func Z(i int) VecPhysical { return avx512.regs[i] }

// genPackA6 writes packA6AVX2: six rows of A interleaved, eight steps of
// depth per iteration. Per 128-bit lane (depths p..p+3 in the low lane,
// p+4..p+7 in the high) a 4×4 transpose of rows 0–3 gives C_q = rows 0–3 at
// depth q, and rows 4, 5 paired (E: depths 0, 1; H: depths 2, 3) fill the
// chunks between: the 24 floats of four steps are the xmm chunks C_0,
// [E₀ E₁ C_1₀ C_1₁], [C_1₂ C_1₃ E₂ E₃], C_2, [H₀ H₁ C_3₀ C_3₁],
// [C_3₂ C_3₃ H₂ H₃], stored from the low lanes, then the high ones.
func genPackA6() {
	TEXT("packA6AVX2", NOSPLIT, "func(d []float32, a []float32, lda int, kb int)")
	Pragma("noescape")
	Doc("packA6AVX2 is packA6 for kb a multiple of 8 with a from off: d[6p+i] =",
		"a[i·lda+p] for i < 6, p < kb. The caller guarantees kb ≥ 0, kb mod 8 = 0,",
		"len(d) ≥ 6·kb and that a spans 5·lda+kb elements (kb ≥ 8).")
	Comment("Register plan (AVX2, checked by the caller's dispatch):",
		"  Y0..Y5: rows 0..5 at depths p..p+7, then C_0..C_3 in Y0..Y3",
		"  Y6..Y9: unpack pairs of rows 0..3, then E, H (rows 4, 5) in Y6, Y7",
		"  Y8..Y11: the four mixed chunks",
		"  SI = row 0 pointer, R10 = row 4 pointer, R8 = lda in bytes, R9 = 3·lda in bytes,",
		"  DI = d pointer, CX = kb/8 iterations left")
	y := avx2.regs
	packProlog("a", "lda", "kb")
	SHRQ(U8(3), pkCnt)
	JEQ(LabelRef("a6_done"))
	LEAQ(Mem{Base: pkSrc, Index: pkLd, Scale: 4}, pkSrc4)
	Label("a6_loop")
	for r := 0; r < 4; r++ {
		VMOVUPS(rowMem(pkSrc, r, 0), y[r])
	}
	VMOVUPS(rowMem(pkSrc4, 0, 0), y[4])
	VMOVUPS(rowMem(pkSrc4, 1, 0), y[5])
	VUNPCKLPS(Y1, Y0, Y6)
	VUNPCKHPS(Y1, Y0, Y7)
	VUNPCKLPS(Y3, Y2, Y8)
	VUNPCKHPS(Y3, Y2, Y9)
	VSHUFPS(U8(0x44), Y8, Y6, Y0)
	VSHUFPS(U8(0xee), Y8, Y6, Y1)
	VSHUFPS(U8(0x44), Y9, Y7, Y2)
	VSHUFPS(U8(0xee), Y9, Y7, Y3)
	VUNPCKLPS(Y5, Y4, Y6)
	VUNPCKHPS(Y5, Y4, Y7)
	VSHUFPS(U8(0x44), Y1, Y6, Y8)
	VSHUFPS(U8(0xee), Y6, Y1, Y9)
	VSHUFPS(U8(0x44), Y3, Y7, Y10)
	VSHUFPS(U8(0xee), Y7, Y3, Y11)
	chunks := []VecPhysical{Y0, Y8, Y9, Y2, Y10, Y11}
	for j, c := range chunks {
		VMOVUPS(c.AsX(), Mem{Base: pkDst, Disp: 16 * j})
	}
	for j, c := range chunks {
		VEXTRACTF128(U8(1), c, Mem{Base: pkDst, Disp: 96 + 16*j})
	}
	ADDQ(Imm(32), pkSrc)
	ADDQ(Imm(32), pkSrc4)
	ADDQ(U32(192), pkDst)
	DECQ(pkCnt)
	JNE(LabelRef("a6_loop"))
	VZEROUPPER()
	Label("a6_done")
	RET()
}

// genPackRuns32 writes packRuns32AVX512: kb runs of n ≤ 32 floats, ld
// apart, copied into 32-float rows of d, zero-padded by the masked loads
// (K1 the low 16 columns, K2 the high), four runs per iteration.
func genPackRuns32() {
	TEXT("packRuns32AVX512", NOSPLIT, "func(d []float32, src []float32, ld int, kb int, mask uint32)")
	Pragma("noescape")
	Doc("packRuns32AVX512 is packRuns for w = 32 with src from off: d[32p+j] =",
		"src[p·ld+j] where bit j of mask is set, 0 elsewhere (mask = 2ⁿ−1 for n",
		"columns). Nothing of src outside the mask is read. The caller guarantees",
		"kb ≥ 0, len(d) ≥ 32·kb and that src spans (kb−1)·ld+n elements (kb ≥ 1).")
	Comment("Register plan (AVX512F only, checked by the caller's dispatch):",
		"  Z0..Z7: four runs, two zmm each; K1, K2: the low and high 16 bits of mask",
		"  SI = src pointer, R8 = ld in bytes, R9 = 3·ld in bytes, DI = d pointer, CX = runs left")
	packProlog("src", "ld", "kb")
	MOVL(param("mask"), EAX)
	KMOVW(EAX, K1)
	SHRL(U8(16), EAX)
	KMOVW(EAX, K2)
	run := func(r, slot int) {
		VMOVUPS_Z(rowMem(pkSrc, r, 0), K1, Z(2*slot))
		VMOVUPS_Z(rowMem(pkSrc, r, 64), K2, Z(2*slot+1))
	}
	store := func(slot int) {
		VMOVUPS(Z(2*slot), Mem{Base: pkDst, Disp: 128 * slot})
		VMOVUPS(Z(2*slot+1), Mem{Base: pkDst, Disp: 128*slot + 64})
	}
	packRunsLoop("r32", 128, run, store)
}

// packRunsLoop writes the loop of the packRuns kernels: four runs per
// iteration (load(r, slot) reads run r of the four at pkSrc into slot,
// store(slot) writes a slot to d at slot·runBytes), then the runs left one
// at a time, then VZEROUPPER and RET. Labels start with pre.
func packRunsLoop(pre string, runBytes int, load func(r, slot int), store func(slot int)) {
	l := func(s string) string { return pre + "_" + s }
	CMPQ(pkCnt, Imm(4))
	JLT(LabelRef(l("tail")))
	Label(l("loop4"))
	for r := 0; r < 4; r++ {
		load(r, r)
	}
	for r := 0; r < 4; r++ {
		store(r)
	}
	LEAQ(Mem{Base: pkSrc, Index: pkLd, Scale: 4}, pkSrc)
	ADDQ(U32(uint64(4*runBytes)), pkDst)
	SUBQ(Imm(4), pkCnt)
	CMPQ(pkCnt, Imm(4))
	JGE(LabelRef(l("loop4")))
	Label(l("tail"))
	TESTQ(pkCnt, pkCnt)
	JEQ(LabelRef(l("done")))
	Label(l("loop1"))
	load(0, 0)
	store(0)
	ADDQ(pkLd, pkSrc)
	ADDQ(U32(uint64(runBytes)), pkDst)
	DECQ(pkCnt)
	JNE(LabelRef(l("loop1")))
	Label(l("done"))
	VZEROUPPER()
	RET()
}

// genPackRuns8 writes packRuns8AVX512: kb runs of n ≤ 8 floats, ld apart,
// copied into 8-float rows of d (the transposed-A panels of the 8-row
// tiles), four runs per iteration. The loads are zmm ones under K1 (the
// low n bits), which zero the other lanes and read nothing under them; the
// stores write the low ymm halves. In Go each run was a 32-byte memmove
// call: packing Xᵀ took 12 % of a weight-gradient product.
func genPackRuns8() {
	TEXT("packRuns8AVX512", NOSPLIT, "func(d []float32, src []float32, ld int, kb int, mask uint32)")
	Pragma("noescape")
	Doc("packRuns8AVX512 is packRuns for w = 8 with src from off: d[8p+j] =",
		"src[p·ld+j] where bit j of mask is set, 0 elsewhere (mask = 2ⁿ−1 for n ≤ 8",
		"columns). Nothing of src outside the mask is read. The caller guarantees",
		"kb ≥ 0, len(d) ≥ 8·kb and that src spans (kb−1)·ld+n elements (kb ≥ 1).")
	Comment("Register plan (AVX512F only, checked by the caller's dispatch):",
		"  Z0..Z3: four runs, the low 8 lanes each; K1: mask",
		"  SI = src pointer, R8 = ld in bytes, R9 = 3·ld in bytes, DI = d pointer, CX = runs left")
	packProlog("src", "ld", "kb")
	MOVL(param("mask"), EAX)
	KMOVW(EAX, K1)
	packRunsLoop("r8", 32,
		func(r, slot int) { VMOVUPS_Z(rowMem(pkSrc, r, 0), K1, Z(slot)) },
		func(slot int) { VMOVUPS(Y(slot), Mem{Base: pkDst, Disp: 32 * slot}) })
}

// genPackRuns16 writes packRuns16AVX2: kb runs of n ≤ 16 floats, ld apart,
// copied into 16-float rows of d, four runs per iteration: plain loads for
// n = 16, VMASKMOVPS (which zeroes, and does not read, the masked-off
// lanes) for n < 16, its two masks read from packMask16 at 16 − n.
func genPackRuns16() {
	mask := GLOBL("packMask16", RODATA|NOPTR)
	for i := 0; i < 32; i++ {
		v := uint32(0)
		if i < 16 {
			v = 0xffffffff
		}
		DATA(4*i, U32(v))
	}
	TEXT("packRuns16AVX2", NOSPLIT, "func(d []float32, src []float32, ld int, kb int, n int)")
	Pragma("noescape")
	Doc("packRuns16AVX2 is packRuns for w = 16 with src from off: d[16p+j] =",
		"src[p·ld+j] for j < n, 0 for n ≤ j < 16. Nothing of src past n columns is",
		"read. The caller guarantees 0 ≤ n ≤ 16, kb ≥ 0, len(d) ≥ 16·kb and that src",
		"spans (kb−1)·ld+n elements (kb ≥ 1).")
	Comment("Register plan (AVX2, checked by the caller's dispatch):",
		"  Y0..Y7: four runs, two ymm each; Y14, Y15: the masks of columns 0..7 and 8..15 (n < 16)",
		"  SI = src pointer, R8 = ld in bytes, R9 = 3·ld in bytes, DI = d pointer, CX = runs left,",
		"  DX = n")
	y := avx2.regs
	packProlog("src", "ld", "kb")
	MOVQ(param("n"), RDX)
	store := func(slot int) {
		VMOVUPS(y[2*slot], Mem{Base: pkDst, Disp: 64 * slot})
		VMOVUPS(y[2*slot+1], Mem{Base: pkDst, Disp: 64*slot + 32})
	}
	body := func(pre string, load func(m Mem, dst VecPhysical)) {
		packRunsLoop(pre, 64, func(r, slot int) {
			load(rowMem(pkSrc, r, 0), y[2*slot])
			load(rowMem(pkSrc, r, 32), y[2*slot+1])
		}, store)
	}
	CMPQ(RDX, Imm(16))
	JNE(LabelRef("r16_masked"))
	body("r16_full", func(m Mem, dst VecPhysical) { VMOVUPS(m, dst) })
	Label("r16_masked")
	Comment("Y14, Y15 = packMask16[16−n : 32−n]: all ones in lanes j < n.")
	NEGQ(RDX)
	LEAQ(mask, RAX)
	LEAQ(Mem{Base: RAX, Index: RDX, Scale: 4, Disp: 64}, RAX)
	VMOVUPS(Mem{Base: RAX}, Y14)
	VMOVUPS(Mem{Base: RAX, Disp: 32}, Y15)
	body("r16_masked", func(m Mem, dst VecPhysical) {
		mk := Y14
		if m.Disp != 0 {
			mk = Y15
		}
		VMASKMOVPS(m, mk, dst)
	})
}

// genPackGather32 writes packGather32AVX512: the transposed-B pack for
// 32 full columns, eight steps of depth per iteration. Each group of eight
// runs is transposed as in packA8AVX512; each 256-bit half of the output is
// then one step of depth of those eight columns, stored at its row of d.
func genPackGather32() {
	TEXT("packGather32AVX512", NOSPLIT, "func(d []float32, src []float32, ld int, kb int)")
	Pragma("noescape")
	Doc("packGather32AVX512 is packGather for n = w = 32 with src from off:",
		"d[32p+j] = src[j·ld+p] for j < 32, p < kb. The last kb mod 8 steps are",
		"loaded under a mask and only their rows of d are stored, so nothing past",
		"kb steps of a run is read and nothing past 32·kb of d is written. The",
		"caller guarantees kb ≥ 0, len(d) ≥ 32·kb and that src spans 31·ld+kb",
		"elements (kb ≥ 1).")
	Comment("Register plan (AVX512F only, checked by the caller's dispatch):",
		"  Z0..Z15 as in packA8AVX512, for runs 8g..8g+7 of group g; Z16: the high",
		"  half of a masked load (tail)",
		"  BX = run 0 at the current depth, SI = run 8g, R10 = run 8g+4, R8 = ld in bytes,",
		"  R9 = 3·ld in bytes, R11 = 8·ld in bytes, DI = d at the current depth,",
		"  CX = kb/8 iterations left, R12 = kb mod 8, K1 = its low bits (tail)")
	packProlog("src", "ld", "kb")
	MOVQ(pkCnt, R12)
	ANDQ(Imm(7), R12)
	SHRQ(U8(3), pkCnt)
	MOVQ(pkSrc, RBX)
	LEAQ(Mem{Base: pkLd, Index: pkLd, Scale: 1}, R11)
	SHLQ(U8(2), R11)
	TESTQ(pkCnt, pkCnt)
	JEQ(LabelRef("g32_tail"))
	Label("g32_loop")
	gather32Step(false)
	ADDQ(Imm(32), RBX)
	ADDQ(U32(1024), pkDst)
	DECQ(pkCnt)
	JNE(LabelRef("g32_loop"))
	Label("g32_tail")
	TESTQ(R12, R12)
	JEQ(LabelRef("g32_done"))
	Comment("K1 = the low kb mod 8 bits: the steps left.")
	MOVQ(R12, RCX)
	lowLanes(EAX, K1)
	gather32Step(true)
	Label("g32_done")
	VZEROUPPER()
	RET()
}

// gather32Step writes one iteration of packGather32AVX512: eight steps of
// depth of the 32 runs from BX into d at DI, four groups of eight runs
// transposed as in packA8AVX512. With tail set the loads are masked by K1
// (zeroing, reading nothing under the other lanes) and only the rows of d
// below R12 are stored.
func gather32Step(tail bool) {
	MOVQ(RBX, pkSrc)
	LEAQ(Mem{Base: RBX, Index: pkLd, Scale: 4}, pkSrc4)
	for g := 0; g < 4; g++ {
		for r := 0; r < 4; r++ {
			if tail {
				VMOVUPS_Z(rowMem(pkSrc, r, 0), K1, Z(r))
				VMOVUPS_Z(rowMem(pkSrc4, r, 0), K1, Z16)
				VINSERTF64X4(U8(1), Y16, Z(r), Z(r))
			} else {
				VMOVUPS(rowMem(pkSrc, r, 0), avx2.regs[r])
				VINSERTF64X4(U8(1), rowMem(pkSrc4, r, 0), Z(r), Z(r))
			}
		}
		VUNPCKLPS(Z1, Z0, Z4)
		VUNPCKHPS(Z1, Z0, Z5)
		VUNPCKLPS(Z3, Z2, Z6)
		VUNPCKHPS(Z3, Z2, Z7)
		VSHUFPS(U8(0x44), Z6, Z4, Z8)
		VSHUFPS(U8(0xee), Z6, Z4, Z9)
		VSHUFPS(U8(0x44), Z7, Z5, Z10)
		VSHUFPS(U8(0xee), Z7, Z5, Z11)
		VSHUFF32X4(U8(0x88), Z9, Z8, Z12)
		VSHUFF32X4(U8(0x88), Z11, Z10, Z13)
		VSHUFF32X4(U8(0xdd), Z9, Z8, Z14)
		VSHUFF32X4(U8(0xdd), Z11, Z10, Z15)
		done := fmt.Sprintf("g32_tail%d_done", g)
		for j := 0; j < 4; j++ {
			// Z(12+j) holds depth 2j in its low half, 2j+1 in its high.
			if tail {
				CMPQ(R12, Imm(uint64(2*j)))
				JLE(LabelRef(done))
			}
			VMOVUPS(avx2.regs[12+j], Mem{Base: pkDst, Disp: 256*j + 32*g})
			if tail {
				CMPQ(R12, Imm(uint64(2*j+1)))
				JLE(LabelRef(done))
			}
			VEXTRACTF64X4(U8(1), Z(12+j), Mem{Base: pkDst, Disp: 256*j + 128 + 32*g})
		}
		if tail {
			Label(done)
		}
		if g < 3 {
			ADDQ(R11, pkSrc)
			ADDQ(R11, pkSrc4)
		}
	}
}
