package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The tile-epilogue kernels: a dense layer's bias and activation (forward)
// or activation derivative (backward) on one finished rows×cols tile of C,
// cols ≤ two register widths (32 for AVX-512, 16 for AVX2), one call per
// tile. Each operation is the Go row function's (activations.go, gemm.go
// addRow) with the same result bits for every input, NaN payloads and
// signed zeros included:
//
//   - ReLU, max(v, 0) in Go: VMAXPS with 0 as the first source returns the
//     second, v, when v is NaN or ±0, and clearing the sign bit then gives
//     Go's result (+0 for −0; NaN with its sign cleared, as the compiled
//     max yields).
//   - the piecewise-linear unit, min(max(v+0.5, 0), 1): the ReLU sequence on
//     v+0.5, then VMINPS with 1 as the first source, so NaN passes.
//   - leaky ReLU: v·alpha where v < 0 (ordered: NaN and −0 keep v).
//   - the gradients: d where the sign test passes, +0 where it fails,
//     d·alpha for leaky ReLU, and z itself where z is NaN.
//
// The op numbers are epiNone … epiPiecewise in gemm.go.
const (
	epiNone = iota
	epiCopy
	epiReLU
	epiLeaky
	epiPiecewise
	numEpiOps
)

var epiOpNames = [numEpiOps]string{"none", "copy", "relu", "leaky", "piecewise"}

// epiConst are the epilogue kernels' constants in read-only memory.
var epiAbs, epiHalf, epiOne, epiIota Mem

// epiRegs is an epilogue kernel's register plan.
type epiRegs struct {
	v              isa
	x              [2]VecPhysical // z, the two column groups
	d              [2]VecPhysical // bias (forward) or d (backward)
	t              [2]VecPhysical // temporaries
	m              [2]VecPhysical // AVX2: the column masks
	nan            VecPhysical    // AVX2: a temporary mask
	zero, half     VecPhysical
	one, abs, alph VecPhysical
}

var epi512 = epiRegs{v: avx512, x: [2]VecPhysical{Z0, Z1}, d: [2]VecPhysical{Z2, Z3},
	t: [2]VecPhysical{Z4, Z5}, zero: Z24, half: Z25, one: Z26, abs: Z27, alph: Z28}

var epi256 = epiRegs{v: avx2, x: [2]VecPhysical{Y0, Y1}, d: [2]VecPhysical{Y2, Y3},
	t: [2]VecPhysical{Y4, Y5}, m: [2]VecPhysical{Y6, Y7}, nan: Y13,
	zero: Y8, half: Y9, one: Y10, abs: Y11, alph: Y12}

// The general-purpose register plan of the epilogue kernels.
var (
	epiZ    = RDI // z row pointer
	epiO    = RSI // out (forward) or d (backward) row pointer
	epiLdz  = RDX // ldz in bytes
	epiLdo  = R8  // ldo or ldd in bytes
	epiRows = RCX // rows left
	epiBias = RBX // bias pointer
	epiOp   = R9  // op
)

func genEpi() {
	epiAbs = constant("epiAbs", 0x7fffffff)
	epiHalf = constant("epiHalf", 0x3f000000)
	epiOne = constant("epiOne", 0x3f800000)
	epiIota = GLOBL("epiIota", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		DATA(4*i, U32(i))
	}
	for _, r := range []epiRegs{epi256, epi512} {
		genEpiForward(r)
		genEpiBackward(r)
	}
}

// laneMasks512 sets K1 and K2 to the lanes below CL (at most 32) of two
// groups of 16: the low CL bits of 2^CL − 1, built in the 64-bit register t.
func laneMasks512(t GPPhysical) {
	MOVL(U32(1), t.As32())
	SHLQ(CL, t)
	DECQ(t)
	KMOVW(t.As32(), K1)
	SHRQ(U8(16), t)
	KMOVW(t.As32(), K2)
}

// laneMasks256 sets lo, and hi when not nil, to the VMASKMOVPS masks of the
// lanes below n (a 32-bit register, at most 16) of two groups of 8.
func laneMasks256(n GPPhysical, lo, hi VecPhysical) {
	VMOVD(n, lo.AsX())
	VPBROADCASTD(lo.AsX(), lo)
	if hi != nil {
		VPCMPGTD(epiIota.Offset(32), lo, hi)
	}
	VPCMPGTD(epiIota, lo, lo)
}

// epiSetup loads the common arguments, the column masks from cols and the
// constants.
func epiSetup(r epiRegs, other string) {
	MOVQ(param("rows"), epiRows)
	TESTQ(epiRows, epiRows)
	JLE(LabelRef("done"))
	MOVQ(param("z_base"), epiZ)
	MOVQ(param("ldz"), epiLdz)
	SHLQ(U8(2), epiLdz)
	MOVQ(param(other+"_base"), epiO)
	ld := map[string]string{"out": "ldo", "d": "ldd"}[other]
	MOVQ(param(ld), epiLdo)
	SHLQ(U8(2), epiLdo)
	MOVQ(param("op"), epiOp)
	if r.v.bytes == 64 {
		Comment("K1, K2 = the low cols bits of (1<<cols) − 1: the tile's lanes of each group.")
		MOVQ(param("cols"), RCX)
		laneMasks512(RAX)
		MOVQ(param("rows"), epiRows)
	} else {
		Comment("Y6, Y7 = lanes j < cols of each group, the VMASKMOVPS masks.")
		MOVQ(param("cols"), RAX)
		laneMasks256(EAX, Y6, Y7)
	}
	r.v.zero(r.zero)
	VBROADCASTSS(epiHalf, r.half)
	VBROADCASTSS(epiOne, r.one)
	VBROADCASTSS(epiAbs, r.abs)
	VBROADCASTSS(param("alpha"), r.alph)
}

// load reads column group g of the row at p into x, lanes past cols zero.
func (r epiRegs) load(g int, p GPPhysical, x VecPhysical) {
	m := Mem{Base: p, Disp: g * r.v.bytes}
	if r.v.bytes == 64 {
		VMOVUPS_Z(m, []Op{K1, K2}[g], x)
	} else {
		VMASKMOVPS(m, r.m[g], x)
	}
}

// store writes column group g of x to the row at p, lanes below cols only.
func (r epiRegs) store(g int, x VecPhysical, p GPPhysical) {
	m := Mem{Base: p, Disp: g * r.v.bytes}
	if r.v.bytes == 64 {
		VMOVUPS(x, []Op{K1, K2}[g], m)
	} else {
		VMASKMOVPS(x, r.m[g], m)
	}
}

// and sets x = a & x bitwise (VPANDD on zmm: VANDPS needs AVX512DQ).
func (r epiRegs) and(a, x VecPhysical) {
	if r.v.bytes == 64 {
		VPANDD(a, x, x)
	} else {
		VANDPS(a, x, x)
	}
}

// forwardOp applies op to x in place, t as scratch.
func (r epiRegs) forwardOp(op int, x, t VecPhysical) {
	switch op {
	case epiReLU:
		VMAXPS(x, r.zero, x) // (0 > x) ? 0 : x: x when NaN or ±0
		r.and(r.abs, x)      // −0 → +0, NaN's sign cleared
	case epiPiecewise:
		VADDPS(r.half, x, x)
		VMAXPS(x, r.zero, x)
		r.and(r.abs, x)
		VMINPS(x, r.one, x) // (1 < x) ? 1 : x: x when NaN
	case epiLeaky:
		if r.v.bytes == 64 {
			VCMPPS(U8(1), r.zero, x, K3) // x < 0, LT_OS: false for NaN and −0
			VMULPS(r.alph, x, K3, x)
		} else {
			VCMPPS(U8(1), r.zero, x, t) // x < 0
			VMULPS(r.alph, x, r.nan)
			VBLENDVPS(t, r.nan, x, x) // t ? x·alpha : x
		}
	}
}

func genEpiForward(r epiRegs) {
	v := r.v
	name := "epiForward" + v.name
	TEXT(name, NOSPLIT, "func(rows, cols int, z []float32, ldz int, bias []float32, out []float32, ldo int, op int, alpha float32)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s finishes the rows×cols tile z (rows ldz apart) of a forward", name),
		"dense-layer product: z += bias[j] in column j when len(bias) > 0 (z is",
		"then written back), then out = f(z) (rows ldo apart) for op epiCopy,",
		"epiReLU, epiLeaky (alpha) or epiPiecewise; epiNone writes no out. The",
		"result bits equal addRow's and forwardRow's for every input. Nothing",
		fmt.Sprintf("outside the tile is read or written. The caller guarantees rows ≥ 1, 1 ≤ cols ≤ %d,", 2*v.lanes()),
		"that z spans (rows−1)·ldz+cols elements, out (rows−1)·ldo+cols when op is",
		"not epiNone, and len(bias) ≥ cols when bias is given.")
	Comment(fmt.Sprintf("Register plan (%s):", v.exts),
		fmt.Sprintf("  %s, %s: z's two column groups; %s, %s: bias; %s, %s scratch", r.x[0].Asm(), r.x[1].Asm(),
			r.d[0].Asm(), r.d[1].Asm(), r.t[0].Asm(), r.t[1].Asm()),
		fmt.Sprintf("  %s = 0, %s = 0.5, %s = 1, %s = abs mask, %s = alpha", r.zero.Asm(), r.half.Asm(),
			r.one.Asm(), r.abs.Asm(), r.alph.Asm()),
		"  DI = z row, SI = out row, DX = ldz and R8 = ldo in bytes, CX = rows left, BX = bias, R9 = op",
		"One loop per (bias, op), chosen at entry.")
	epiSetup(r, "out")
	MOVQ(param("bias_base"), epiBias)
	MOVQ(param("bias_len"), RAX)
	TESTQ(RAX, RAX)
	JEQ(LabelRef("nobias"))
	for g := 0; g < 2; g++ {
		r.load(g, epiBias, r.d[g])
	}
	for op := epiCopy; op < numEpiOps; op++ {
		CMPQ(epiOp, Imm(uint64(op)))
		JEQ(LabelRef("bias_" + epiOpNames[op]))
	}
	JMP(LabelRef("bias_none"))
	Label("nobias")
	for op := epiCopy; op < numEpiOps; op++ {
		CMPQ(epiOp, Imm(uint64(op)))
		JEQ(LabelRef("nobias_" + epiOpNames[op]))
	}
	JMP(LabelRef("done"))
	for _, bias := range []bool{true, false} {
		for op := epiNone; op < numEpiOps; op++ {
			if !bias && op == epiNone {
				continue
			}
			l := "nobias_" + epiOpNames[op]
			if bias {
				l = "bias_" + epiOpNames[op]
			}
			Label(l)
			for g := 0; g < 2; g++ {
				r.load(g, epiZ, r.x[g])
			}
			if bias {
				for g := 0; g < 2; g++ {
					VADDPS(r.d[g], r.x[g], r.x[g])
					r.store(g, r.x[g], epiZ)
				}
			}
			if op != epiNone {
				for g := 0; g < 2; g++ {
					r.forwardOp(op, r.x[g], r.t[g])
					r.store(g, r.x[g], epiO)
				}
				ADDQ(epiLdo, epiO)
			}
			ADDQ(epiLdz, epiZ)
			DECQ(epiRows)
			JNE(LabelRef(l))
			JMP(LabelRef("done"))
		}
	}
	Label("done")
	VZEROUPPER()
	RET()
}

// backwardOp sets d = f'(z)·d for op, t as scratch.
func (r epiRegs) backwardOp(op int, z, d, t VecPhysical) {
	if r.v.bytes == 64 {
		switch op {
		case epiReLU:
			VCMPPS(U8(0x0a), r.zero, z, K3) // NGT_US: z ≤ 0 or NaN
			VMOVAPS(r.zero, K3, d)
		case epiLeaky:
			VCMPPS(U8(0x0a), r.zero, z, K3)
			VMULPS(r.alph, d, K3, d)
		case epiPiecewise:
			VPANDD(r.abs, z, t)
			VSUBPS(r.half, t, t)            // |z| − 0.5
			VCMPPS(U8(0x0e), r.zero, t, K3) // GT_OS: outside [−0.5, 0.5]
			VMOVAPS(r.zero, K3, d)
		}
		VCMPPS(U8(3), z, z, K4) // UNORD_Q: z is NaN
		VMOVAPS(z, K4, d)
		return
	}
	switch op {
	case epiReLU:
		VCMPPS(U8(0x0e), r.zero, z, t) // GT_OS: z > 0
		VANDPS(t, d, d)
	case epiLeaky:
		VCMPPS(U8(0x0e), r.zero, z, t)
		VMULPS(r.alph, d, r.nan)
		VBLENDVPS(t, d, r.nan, d) // t ? d : d·alpha
	case epiPiecewise:
		VANDPS(r.abs, z, t)
		VSUBPS(r.half, t, t)
		VCMPPS(U8(0x0e), r.zero, t, t)
		VANDNPS(d, t, d) // ¬t & d
	}
	VCMPPS(U8(3), z, z, t)
	VBLENDVPS(t, z, d, d) // t ? z : d
}

func genEpiBackward(r epiRegs) {
	v := r.v
	name := "epiBackward" + v.name
	TEXT(name, NOSPLIT, "func(rows, cols int, z []float32, ldz int, d []float32, ldd int, op int, alpha float32)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets d = f'(z)·d on the rows×cols tile d (rows ldd apart)", name),
		"at the pre-activations z (rows ldz apart) for op epiReLU, epiLeaky (alpha)",
		"or epiPiecewise, with the bits of reluGradRow, leakyGradRow and",
		"piecewiseGradRow for every input (NaN z gives z); other ops change",
		"nothing. Nothing outside the tiles is read or written. The caller",
		fmt.Sprintf("guarantees rows ≥ 1, 1 ≤ cols ≤ %d, and that z and d span (rows−1)·ld+cols.", 2*v.lanes()))
	Comment(fmt.Sprintf("Register plan (%s):", v.exts),
		fmt.Sprintf("  %s, %s: z's two column groups; %s, %s: d's; %s, %s scratch", r.x[0].Asm(), r.x[1].Asm(),
			r.d[0].Asm(), r.d[1].Asm(), r.t[0].Asm(), r.t[1].Asm()),
		fmt.Sprintf("  %s = 0, %s = 0.5, %s = abs mask, %s = alpha", r.zero.Asm(), r.half.Asm(),
			r.abs.Asm(), r.alph.Asm()),
		"  DI = z row, SI = d row, DX = ldz and R8 = ldd in bytes, CX = rows left, R9 = op",
		"One loop per op, chosen at entry.")
	epiSetup(r, "d")
	for op := epiReLU; op < numEpiOps; op++ {
		CMPQ(epiOp, Imm(uint64(op)))
		JEQ(LabelRef(epiOpNames[op]))
	}
	JMP(LabelRef("done"))
	for op := epiReLU; op < numEpiOps; op++ {
		l := epiOpNames[op]
		Label(l)
		for g := 0; g < 2; g++ {
			r.load(g, epiZ, r.x[g])
			r.load(g, epiO, r.d[g])
		}
		for g := 0; g < 2; g++ {
			r.backwardOp(op, r.x[g], r.d[g], r.t[g])
			r.store(g, r.d[g], epiO)
		}
		ADDQ(epiLdz, epiZ)
		ADDQ(epiLdo, epiO)
		DECQ(epiRows)
		JNE(LabelRef(l))
		JMP(LabelRef("done"))
	}
	Label("done")
	VZEROUPPER()
	RET()
}
