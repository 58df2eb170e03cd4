package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The optimizer kernels: element-wise updates, 8 floats per ymm step, each
// the loop of the same name in vecops_generic.go with every operation in
// the same order and no FMA (products are rounded before they are added,
// as the Go loops force with float32(...)), so results are bit-identical to
// the Go loops. VSQRTPS and VDIVPS are correctly rounded, like SQRTSS and
// DIVSS. They need AVX only (constants are broadcast from memory: the
// register-source VBROADCASTSS needs AVX2).
//
// Common contract: the caller (vecops_amd64.go) has checked AVX, passes
// slices of equal length n with n a multiple of 8 (n may be 0), and runs
// the Go loop on the remainder. Nothing past n is touched; loads and
// stores are VMOVUPS, so no alignment is assumed.
//
// Operand order reminder (Go syntax reverses Intel's): VSUBPS X, Y, Z means
// Z = Y − X; VDIVPS X, Y, Z means Z = Y / X; VMAXPS X, Y, Z means
// Z = (Y > X) ? Y : X, so Z = X when either is NaN.

// The general-purpose register plan of the optimizer kernels.
var (
	wPtr = RDI // w
	gPtr = RSI // g
	s1   = R8  // the first state slice
	s2   = R9  // the second state slice
	cnt  = RCX // 8-float steps left
)

// The ymm registers by number.
var ys = avx2.regs

// Constants, each one float32 in read-only memory.
var vecAbsMask, vecSignBit, vecOne, vecStateFloor, vecExp Mem

func constant(name string, bits uint32) Mem {
	m := GLOBL(name, RODATA|NOPTR)
	DATA(0, U32(bits))
	return m
}

// flush flushes x in place with t as scratch, exactly like flushTiny in
// vecops_generic.go: +0 where |x| < 2⁻¹⁰⁰ (stateFloor), x otherwise (NaN
// too: the ordered less-than is false for NaN). Y8 holds the abs mask and
// Y9 2⁻¹⁰⁰
// (see vecKernel.flush).
func flush(x, t VecPhysical) {
	VANDPS(Y8, x, t)
	VCMPPS(U8(1), Y9, t, t) // LT_OS
	VANDNPS(x, t, x)
}

// bcast is a scalar broadcast to a register at entry: a float32 argument
// (param) or a constant (mem).
type bcast struct {
	param string
	mem   Mem
	reg   VecPhysical
}

// vecKernel is one optimizer kernel: the loop over 8-float steps of w,
// g and up to two state slices (S1 = R8, S2 = R9), the body working on
// them in place.
type vecKernel struct {
	name, sig string
	doc       []string
	plan      []string // the register plan, beyond the common one
	state     []string // the state slices, in S1, S2
	bcasts    []bcast
	flush     bool   // the body flushes state: Y8, Y9 hold flush's constants
	setup     func() // after the broadcasts
	body      func()
}

func genVecops() {
	vecAbsMask = constant("vecAbsMask", 0x7fffffff)
	vecSignBit = constant("vecSignBit", 0x80000000)
	vecOne = constant("vecOne", 0x3f800000)
	vecStateFloor = constant("vecStateFloor", 0x0d800000) // 2⁻¹⁰⁰
	vecExp = constant("vecExp", 0x7f800000)
	for _, k := range optimizerKernels() {
		genVec(k)
	}
	genAllFinite(avx2)
	genAllFinite(avx512)
}

func genVec(k vecKernel) {
	TEXT(k.name, NOSPLIT, k.sig)
	Pragma("noescape")
	Doc(k.doc...)
	Comment("The Go loop's operations in its order, no FMA (products are rounded before",
		"they are added), so the result is bit-identical to it.")
	Comment(k.plan...)
	regs := ""
	for i, s := range k.state {
		regs += fmt.Sprintf(", %s = %s", []string{"R8", "R9"}[i], s)
	}
	Commentf("DI = w, SI = g%s, CX = 8-float steps left.", regs)
	if k.flush {
		Comment("Y8 = abs mask and Y9 = 2⁻¹⁰⁰ for the flush of every state value (flushTiny).")
	}
	MOVQ(param("w_base"), wPtr)
	MOVQ(param("w_len"), cnt)
	MOVQ(param("g_base"), gPtr)
	for i, s := range k.state {
		MOVQ(param(s+"_base"), []GPPhysical{s1, s2}[i])
	}
	for _, b := range k.bcasts {
		if b.param != "" {
			VBROADCASTSS(param(b.param), b.reg)
		} else {
			VBROADCASTSS(b.mem, b.reg)
		}
	}
	if k.flush {
		VBROADCASTSS(vecAbsMask, Y8)
		VBROADCASTSS(vecStateFloor, Y9)
	}
	if k.setup != nil {
		k.setup()
	}
	SHRQ(U8(3), cnt)
	JEQ(LabelRef("done"))

	Label("loop")
	k.body()
	ptrs := []GPPhysical{gPtr, s1, s2}[:1+len(k.state)]
	for _, p := range append(ptrs, wPtr) {
		ADDQ(U8(32), p)
	}
	DECQ(cnt)
	JNE(LabelRef("loop"))

	Label("done")
	VZEROUPPER()
	RET()
}

func vecDoc(name, generic string, formula ...string) []string {
	return append([]string{
		fmt.Sprintf("%s is %s (vecops_generic.go) on the first n&^7 elements,", name, generic),
		"n = len(w), with the same rounding; every other slice is at least as long:",
	}, formula...)
}

func optimizerKernels() []vecKernel {
	return []vecKernel{
		{
			name: "adamAVX", sig: "func(w, g, m, v []float32, alpha, keep, c1, c2, eps float32)",
			doc:   vecDoc("adamAVX", "adamGeneric", "m += (g − m)·c1; v += (g·g − v)·c2; w = w·keep − (α·m)/(√v + ε)."),
			plan:  []string{"Y10 = α, Y11 = keep, Y12 = c1, Y13 = c2, Y14 = ε; Y0..Y7 temporaries."},
			state: []string{"m", "v"},
			bcasts: []bcast{{param: "alpha", reg: Y10}, {param: "keep", reg: Y11},
				{param: "c1", reg: Y12}, {param: "c2", reg: Y13}, {param: "eps", reg: Y14}},
			flush: true,
			body: func() {
				VMOVUPS(Mem{Base: gPtr}, Y0)
				VMOVUPS(Mem{Base: s1}, Y1)
				VSUBPS(Y1, Y0, Y2)  // g − m
				VMULPS(Y12, Y2, Y2) // ·c1
				VADDPS(Y2, Y1, Y1)  // m + …
				flush(Y1, Y2)
				VMOVUPS(Y1, Mem{Base: s1})
				VMULPS(Y0, Y0, Y3) // g·g
				VMOVUPS(Mem{Base: s2}, Y4)
				VSUBPS(Y4, Y3, Y3)  // g·g − v
				VMULPS(Y13, Y3, Y3) // ·c2
				VADDPS(Y3, Y4, Y4)  // v + …
				flush(Y4, Y3)
				VMOVUPS(Y4, Mem{Base: s2})
				VSQRTPS(Y4, Y5)
				VADDPS(Y14, Y5, Y5) // √v + ε
				VMULPS(Y1, Y10, Y6) // α·m
				VDIVPS(Y5, Y6, Y6)  // (α·m)/(√v + ε)
				VMOVUPS(Mem{Base: wPtr}, Y7)
				VMULPS(Y11, Y7, Y7) // w·keep
				VSUBPS(Y6, Y7, Y7)
				VMOVUPS(Y7, Mem{Base: wPtr})
			},
		},
		{
			name: "adagradAVX", sig: "func(w, g, acc []float32, lr float32)",
			doc:    vecDoc("adagradAVX", "adagradGeneric", "acc += g·g; w −= (lr·g)/√acc."),
			plan:   []string{"Y10 = lr; Y0..Y3 temporaries."},
			state:  []string{"acc"},
			bcasts: []bcast{{param: "lr", reg: Y10}},
			flush:  true,
			body: func() {
				VMOVUPS(Mem{Base: gPtr}, Y0)
				VMULPS(Y0, Y0, Y1)            // g·g
				VADDPS(Mem{Base: s1}, Y1, Y1) // acc + g·g
				flush(Y1, Y2)
				VMOVUPS(Y1, Mem{Base: s1})
				VSQRTPS(Y1, Y1)
				VMULPS(Y10, Y0, Y2) // lr·g
				VDIVPS(Y1, Y2, Y2)
				VMOVUPS(Mem{Base: wPtr}, Y3)
				VSUBPS(Y2, Y3, Y3)
				VMOVUPS(Y3, Mem{Base: wPtr})
			},
		},
		{
			name: "sgdAVX", sig: "func(w, g []float32, lr float32)",
			doc:    vecDoc("sgdAVX", "sgdGeneric", "w −= lr·g."),
			plan:   []string{"Y10 = lr; Y0, Y1 temporaries."},
			bcasts: []bcast{{param: "lr", reg: Y10}},
			body: func() {
				VMULPS(Mem{Base: gPtr}, Y10, Y0)
				VMOVUPS(Mem{Base: wPtr}, Y1)
				VSUBPS(Y0, Y1, Y1)
				VMOVUPS(Y1, Mem{Base: wPtr})
			},
		},
		{
			name: "momentumAVX", sig: "func(w, g, a []float32, lr, mu float32)",
			doc:    vecDoc("momentumAVX", "momentumGeneric", "a = μ·a + g; w −= lr·a."),
			plan:   []string{"Y10 = lr, Y11 = μ; Y0, Y1 temporaries."},
			state:  []string{"a"},
			bcasts: []bcast{{param: "lr", reg: Y10}, {param: "mu", reg: Y11}},
			flush:  true,
			body: func() {
				VMULPS(Mem{Base: s1}, Y11, Y0)  // μ·a
				VADDPS(Mem{Base: gPtr}, Y0, Y0) // + g
				flush(Y0, Y1)
				VMOVUPS(Y0, Mem{Base: s1})
				VMULPS(Y10, Y0, Y0) // lr·a
				VMOVUPS(Mem{Base: wPtr}, Y1)
				VSUBPS(Y0, Y1, Y1)
				VMOVUPS(Y1, Mem{Base: wPtr})
			},
		},
		{
			name: "nesterovAVX", sig: "func(w, g, a []float32, lr, lrmu, mu float32)",
			doc:    vecDoc("nesterovAVX", "nesterovGeneric", "a = μ·a + g; w −= lr·g + lrμ·a."),
			plan:   []string{"Y10 = lr, Y11 = μ, Y12 = lrμ; Y0..Y2 temporaries."},
			state:  []string{"a"},
			bcasts: []bcast{{param: "lr", reg: Y10}, {param: "lrmu", reg: Y12}, {param: "mu", reg: Y11}},
			flush:  true,
			body: func() {
				VMOVUPS(Mem{Base: gPtr}, Y2)
				VMULPS(Mem{Base: s1}, Y11, Y0) // μ·a
				VADDPS(Y2, Y0, Y0)             // + g
				flush(Y0, Y1)
				VMOVUPS(Y0, Mem{Base: s1})
				VMULPS(Y10, Y2, Y2) // lr·g
				VMULPS(Y12, Y0, Y0) // lrμ·a
				VADDPS(Y0, Y2, Y2)
				VMOVUPS(Mem{Base: wPtr}, Y1)
				VSUBPS(Y2, Y1, Y1)
				VMOVUPS(Y1, Mem{Base: wPtr})
			},
		},
		{
			name: "rmspropAVX", sig: "func(w, g, ms, mom []float32, lr, c, mu, eps float32)",
			doc:   vecDoc("rmspropAVX", "rmspropGeneric", "ms += (g·g − ms)·c; mom = μ·mom + (lr·g)/√(ms + ε); w −= mom."),
			plan:  []string{"Y10 = lr, Y11 = c, Y12 = μ, Y13 = ε; Y0..Y4 temporaries."},
			state: []string{"ms", "mom"},
			bcasts: []bcast{{param: "lr", reg: Y10}, {param: "c", reg: Y11},
				{param: "mu", reg: Y12}, {param: "eps", reg: Y13}},
			flush: true,
			body: func() {
				VMOVUPS(Mem{Base: gPtr}, Y0)
				VMOVUPS(Mem{Base: s1}, Y1)
				VMULPS(Y0, Y0, Y2)  // g·g
				VSUBPS(Y1, Y2, Y2)  // − ms
				VMULPS(Y11, Y2, Y2) // ·c
				VADDPS(Y2, Y1, Y1)  // ms + …
				flush(Y1, Y2)
				VMOVUPS(Y1, Mem{Base: s1})
				VADDPS(Y13, Y1, Y1) // ms + ε
				VSQRTPS(Y1, Y1)
				VMULPS(Y10, Y0, Y0) // lr·g
				VDIVPS(Y1, Y0, Y0)
				VMULPS(Mem{Base: s2}, Y12, Y3) // μ·mom
				VADDPS(Y0, Y3, Y3)
				flush(Y3, Y4)
				VMOVUPS(Y3, Mem{Base: s2})
				VMOVUPS(Mem{Base: wPtr}, Y4)
				VSUBPS(Y3, Y4, Y4)
				VMOVUPS(Y4, Mem{Base: wPtr})
			},
		},
		{
			name: "proximalAdaGradAVX", sig: "func(w, g, acc []float32, lr, l1, l2 float32)",
			doc: vecDoc("proximalAdaGradAVX", "proximalAdaGradGeneric",
				"acc += g·g; η = lr/√acc; v = w − η·g; with l1 > 0,",
				"v = sign(v)·max(|v| − η·l1, 0); w = v/(1 + l2·η)."),
			plan: []string{
				"The sign is flipped only where v < 0 (a compare, not v's sign bit), as",
				"the Go loop does, so v = −0 keeps a +0 magnitude. VMAXPS takes the",
				"difference as its second source, so a NaN difference passes through like",
				"Go's max.",
				"Y10 = lr, Y11 = l1, Y12 = l2, Y13 = 1.0, Y14 = abs mask, Y15 = sign bit;",
				"DX = 1 when l1 > 0; Y0..Y6 temporaries.",
			},
			state: []string{"acc"},
			bcasts: []bcast{{param: "lr", reg: Y10}, {param: "l1", reg: Y11}, {param: "l2", reg: Y12},
				{mem: vecOne, reg: Y13}, {mem: vecAbsMask, reg: Y14}, {mem: vecSignBit, reg: Y15}},
			flush: true,
			setup: func() {
				Comment("l1 > 0 as a float compare: positive, non-NaN.")
				XORL(EDX, EDX)
				VXORPS(X0, X0, X0)
				VUCOMISS(X0, X11)
				SETHI(DL)
			},
			body: func() {
				VMOVUPS(Mem{Base: gPtr}, Y0)
				VMULPS(Y0, Y0, Y1)            // g·g
				VADDPS(Mem{Base: s1}, Y1, Y1) // acc + g·g
				flush(Y1, Y2)
				VMOVUPS(Y1, Mem{Base: s1})
				VSQRTPS(Y1, Y1)
				VDIVPS(Y1, Y10, Y1) // η = lr/√acc
				VMULPS(Y0, Y1, Y0)  // η·g
				VMOVUPS(Mem{Base: wPtr}, Y2)
				VSUBPS(Y0, Y2, Y2) // v = w − η·g
				TESTL(EDX, EDX)
				JEQ(LabelRef("l2"))
				VMULPS(Y11, Y1, Y3) // η·l1
				VANDPS(Y14, Y2, Y4) // |v|
				VSUBPS(Y3, Y4, Y4)  // |v| − η·l1
				VXORPS(Y5, Y5, Y5)
				VMAXPS(Y4, Y5, Y4)        // max(…, 0), NaN kept
				VCMPPS(U8(1), Y5, Y2, Y6) // v < 0 (LT_OS)
				VANDPS(Y15, Y6, Y6)       // sign bit where v < 0
				VXORPS(Y6, Y4, Y2)        // v = ±mag
				Label("l2")
				VMULPS(Y12, Y1, Y1) // l2·η
				VADDPS(Y13, Y1, Y1) // 1 + l2·η
				VDIVPS(Y1, Y2, Y2)
				VMOVUPS(Y2, Mem{Base: wPtr})
			},
		},
	}
}

// genAllFinite writes allFinite<ISA>: whether the first n&^(lanes−1)
// elements of v are all finite, n = len(v). A float32 is not finite
// exactly when its exponent bits are all ones: AND with 0x7f800000 and
// compare equal to it, OR the lanes of four registers, one test per four.
func genAllFinite(v isa) {
	name := "allFinite" + v.name
	TEXT(name, NOSPLIT, "func(v []float32) bool")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s reports whether v[:n&^%d], n = len(v), holds no NaN and no ±Inf;", name, v.lanes()-1),
		"allFinite (matrix.go) checks the rest. Nothing past that prefix is read.",
		fmt.Sprintf("The caller has checked %s.", v.exts))
	Commentf("DI = v, AX = %d-float blocks left, CX = %d-float steps left; %s = the exponent mask.",
		4*v.lanes(), v.lanes(), v.reg(8))
	MOVQ(param("v_base"), RDI)
	MOVQ(param("v_len"), RCX)
	VBROADCASTSS(vecExp, v.regs[8])
	MOVQ(RCX, RAX)
	SHRQ(U8(2+log2(v.lanes())), RAX)
	JEQ(LabelRef("single"))
	ks := []Op{K1, K2, K3, K4}
	// notFinite tests register s's lanes (AVX2: into register s; AVX-512:
	// into ks[s]).
	notFinite := func(s int, m Mem) {
		if v.bytes == 64 {
			VPANDD(m, v.regs[8], v.regs[s])
			VPCMPEQD(v.regs[8], v.regs[s], ks[s])
		} else {
			VANDPS(m, v.regs[8], v.regs[s])
			VPCMPEQD(v.regs[8], v.regs[s], v.regs[s])
		}
	}
	Label("loop4")
	for s := 0; s < 4; s++ {
		notFinite(s, Mem{Base: RDI, Disp: s * v.bytes})
	}
	if v.bytes == 64 {
		KORW(K2, K1, K1)
		KORW(K4, K3, K3)
		KORTESTW(K3, K1)
	} else {
		VPOR(v.regs[1], v.regs[0], v.regs[0])
		VPOR(v.regs[3], v.regs[2], v.regs[2])
		VPOR(v.regs[2], v.regs[0], v.regs[0])
		VPTEST(v.regs[0], v.regs[0])
	}
	JNE(LabelRef("notfinite"))
	ADDQ(U32(4*v.bytes), RDI)
	DECQ(RAX)
	JNE(LabelRef("loop4"))

	Label("single")
	ANDQ(U8(4*v.lanes()-1), RCX)
	SHRQ(U8(log2(v.lanes())), RCX)
	JEQ(LabelRef("finite"))
	Label("loop1")
	notFinite(0, Mem{Base: RDI})
	if v.bytes == 64 {
		KORTESTW(K1, K1)
	} else {
		VPTEST(v.regs[0], v.regs[0])
	}
	JNE(LabelRef("notfinite"))
	ADDQ(U8(v.bytes), RDI)
	DECQ(RCX)
	JNE(LabelRef("loop1"))

	ret, err := ReturnIndex(0).Resolve()
	if err != nil {
		panic(err)
	}
	Label("finite")
	MOVB(U8(1), ret.Addr)
	VZEROUPPER()
	RET()
	Label("notfinite")
	MOVB(U8(0), ret.Addr)
	VZEROUPPER()
	RET()
}

func log2(n int) int {
	l := 0
	for ; n > 1; n >>= 1 {
		l++
	}
	return l
}
