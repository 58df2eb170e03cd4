package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The row kernels around the int8 products of a quantized network
// (quantize.go): float32 activations to uint8 before a product, int32 sums
// back to float32 after it. At batch 1000 the Go loops took three times as
// long as the VNNI products themselves. Each computes the Go loop's result
// bits for every input (quantizeRow, dequantizeRow).

// quantRows are the AVX-512 row kernels' four-vector unroll.
var quantRows = []VecPhysical{Z0, Z1, Z2, Z3}

// quantExp is the float32 exponent mask, in read-only memory.
var quantExp Mem

func genQuant() {
	quantExp = GLOBL("quantExp", RODATA|NOPTR)
	DATA(0, U32(0x7f800000))
	genQuantizeRow()
	genDequantizeRow()
	genRowRange()
	genSoftmaxRow()
	reqAbs = constant("reqAbs", 0x7fffffff)
	genRequantizeRow()
}

func genRowRange() {
	TEXT("rowRangeAVX512", NOSPLIT, "func(v []float32) (lo, hi float32)")
	Pragma("noescape")
	Doc("rowRangeAVX512 returns the minimum and maximum of v and +0, NaN skipped,",
		"bit for bit as rowRange: VMINPS/VMAXPS with the new value as first",
		"source keep the second (the running bound) for NaN and for ±0 ties,",
		"as the Go comparisons do; each lane's bound starts at +0 and never",
		"holds −0, so combining the lanes in any order gives the same bits.",
		"The caller guarantees AVX512F.")
	Comment("Register plan (AVX512F):",
		"  Z0, Z1: the lanes' minima, Z2, Z3: their maxima (two of each for throughput)",
		"  Z4, Z5: loaded vectors; SI = v, BX = 32-float blocks left, AX = floats after them, K1 = tail lanes")
	MOVQ(param("v_base"), RSI)
	MOVQ(param("v_len"), RBX)
	for _, z := range []VecPhysical{Z0, Z1, Z2, Z3} {
		VPXORD(z, z, z)
	}
	MOVQ(RBX, RAX)
	ANDQ(U8(31), RAX)
	SHRQ(U8(5), RBX)
	JEQ(LabelRef("rest"))
	Label("loop32")
	VMOVUPS(Mem{Base: RSI}, Z4)
	VMOVUPS(Mem{Base: RSI, Disp: 64}, Z5)
	VMINPS(Z0, Z4, Z0) // (x < lo) ? x : lo
	VMINPS(Z1, Z5, Z1)
	VMAXPS(Z2, Z4, Z2) // (x > hi) ? x : hi
	VMAXPS(Z3, Z5, Z3)
	ADDQ(U8(128), RSI)
	DECQ(RBX)
	JNE(LabelRef("loop32"))
	Label("rest")
	CMPQ(RAX, U8(16))
	JB(LabelRef("tail"))
	VMOVUPS(Mem{Base: RSI}, Z4)
	VMINPS(Z0, Z4, Z0)
	VMAXPS(Z2, Z4, Z2)
	ADDQ(U8(64), RSI)
	SUBQ(U8(16), RAX)
	Label("tail")
	TESTQ(RAX, RAX)
	JEQ(LabelRef("reduce"))
	quantTail()
	VMOVUPS_Z(Mem{Base: RSI}, K1, Z4)
	VMINPS(Z0, Z4, Z0)
	VMAXPS(Z2, Z4, Z2)
	Label("reduce")
	Comment("Fold the lanes: 2 → 1 vector, then halves down to lane 0.")
	VMINPS(Z0, Z1, Z0)
	VMAXPS(Z2, Z3, Z2)
	foldLanes(VMINPS, VMINSS, Z0, Z4)
	foldLanes(VMAXPS, VMAXSS, Z2, Z5)
	lo, err := ReturnIndex(0).Resolve()
	if err != nil {
		panic(err)
	}
	hi, err := ReturnIndex(1).Resolve()
	if err != nil {
		panic(err)
	}
	VMOVSS(X0, lo.Addr)
	VMOVSS(X2, hi.Addr)
	VZEROUPPER()
	RET()
}

// dequantSetup loads the arguments the dequantizing kernels share: SI =
// acc, DX = ws, R8 = bias, R9 = cs, Z4 = sx, Z5 = zp (int32).
func dequantSetup() {
	MOVQ(param("acc_base"), RSI)
	MOVQ(param("ws_base"), RDX)
	MOVQ(param("bias_base"), R8)
	MOVQ(param("cs_base"), R9)
	VBROADCASTSS(param("sx"), Z4)
	MOVL(param("zp"), ECX)
	VPBROADCASTD(ECX, Z5)
}

// dequantMasked sets x to dequantizeRow's values for the lanes in K1 of
// the chunk at SI (acc), DX (ws), R8 (bias) and R9 (cs), the other lanes
// loaded as 0; t is scratch. Every load is masked, so nothing past the row
// is read.
func dequantMasked(x, t VecPhysical) {
	VMOVDQU32_Z(Mem{Base: R9}, K1, t)
	VPMULLD(t, Z5, t)
	VMOVDQU32_Z(Mem{Base: RSI}, K1, x)
	VPSUBD(t, x, x)
	VCVTDQ2PS(x, x)
	VMOVUPS_Z(Mem{Base: RDX}, K1, t)
	VMULPS(t, Z4, t)
	VMULPS(t, x, x)
	VMOVUPS_Z(Mem{Base: R8}, K1, t)
	VADDPS(t, x, x)
}

// quantBounds broadcasts the argument zero (int32) into zero, and −zero and
// 255 − zero as float32 into lo and hi: quantizeRow's clamp bounds.
func quantBounds(zero, lo, hi VecPhysical) {
	MOVL(param("zero"), EAX)
	VPBROADCASTD(EAX, zero)
	NEGL(EAX)
	VCVTSI2SSL(EAX, lo.AsX(), lo.AsX())
	VBROADCASTSS(lo.AsX(), lo)
	ADDL(U32(255), EAX)
	VCVTSI2SSL(EAX, hi.AsX(), hi.AsX())
	VBROADCASTSS(hi.AsX(), hi)
}

// quantStep turns the floats in r into quantizeRow's int32 bytes: r·inv
// clamped to [lo, hi] (NaN to lo: VMAXPS returns its second source),
// rounded to even, plus zero.
func quantStep(r, inv, lo, hi, zero VecPhysical) {
	VMULPS(inv, r, r)
	VMAXPS(lo, r, r) // (t > lo) ? t : lo
	VMINPS(hi, r, r) // (t < hi) ? t : hi
	VCVTPS2DQ(r, r)
	VPADDD(zero, r, r)
}

// foldLanes folds the 16 lanes of z into lane 0 with op (the packed form)
// and opss (the scalar one): lane i with lane i+8, then i+4, i+2 and i+1,
// t scratch. Each step is op(t, z, z), z's lane the first source.
func foldLanes(op, opss func(...Op), z, t VecPhysical) {
	VEXTRACTF64X4(U8(1), z, t.AsY())
	op(t.AsY(), z.AsY(), z.AsY())
	VEXTRACTF128(U8(1), z.AsY(), t.AsX())
	op(t.AsX(), z.AsX(), z.AsX())
	VMOVHLPS(z.AsX(), z.AsX(), t.AsX())
	op(t.AsX(), z.AsX(), z.AsX())
	VPSHUFD(U8(1), z.AsX(), t.AsX())
	opss(t.AsX(), z.AsX(), z.AsX())
}

// quantTail sets K1 to the lanes of the last n mod 16 elements (AX = n
// mod 16 on entry; clobbers CX and AX).
func quantTail() { tailMask(EAX) }

// tailMask sets K1 to the low AX bits (AX = the elements of a partial
// 16-lane chunk), with t as scratch; it clobbers CX and t.
func tailMask(t GPPhysical) {
	MOVQ(RAX, RCX)
	MOVL(U32(1), t)
	SHLL(CL, t)
	DECL(t)
	KMOVW(t, K1)
}

func genQuantizeRow() {
	TEXT("quantizeRowAVX512", NOSPLIT, "func(out []uint8, v []float32, inv float32, zero int32) bool")
	Pragma("noescape")
	Doc("quantizeRowAVX512 sets out[p] = clamp(roundEven(v[p]·inv) + zero, 0, 255) for",
		"p < len(v) and reports whether every v[p] is finite, bit for bit as",
		"quantizeRow: the float32 product, clamped to [−zero, 255−zero] with NaN",
		"taken to −zero (VMAXPS returns its second source for NaN), rounded to",
		"even by VCVTPS2DQ (MXCSR's default rounding; Go never changes it), plus",
		"zero, narrowed by VPMOVDB; a lane whose exponent bits are all ones",
		"(NaN, ±Inf) sets K3. The caller guarantees len(out) ≥ len(v) and",
		"AVX512F.")
	Comment("Register plan (AVX512F):",
		"  Z0..Z3: four 16-float vectors of v in flight; Z9..Z12: their exponent bits",
		"  Z4 = inv, Z5 = −zero, Z6 = 255−zero (float32), Z7 = zero (int32), Z8 = exponent mask",
		"  SI = v, DI = out, BX = 64-float blocks left, AX = floats after them",
		"  K1 = tail lanes, K2 = lanes of one vector not finite, K3 = any lane so far")
	MOVQ(param("v_base"), RSI)
	MOVQ(param("out_base"), RDI)
	MOVQ(param("v_len"), RBX)
	VBROADCASTSS(param("inv"), Z4)
	VBROADCASTSS(quantExp, Z8)
	KXORW(K3, K3, K3)
	quantBounds(Z7, Z5, Z6)
	MOVQ(RBX, RAX)
	ANDQ(U8(63), RAX)
	SHRQ(U8(6), RBX)
	JEQ(LabelRef("rest"))

	// check notes in K3 whether r holds a NaN or ±Inf (t: scratch).
	check := func(r, t VecPhysical) {
		VPANDD(Z8, r, t)
		VPCMPEQD(Z8, t, K2)
		KORW(K2, K3, K3)
	}
	quant := func(r VecPhysical) { quantStep(r, Z4, Z5, Z6, Z7) }
	tmp := []VecPhysical{Z9, Z10, Z11, Z12}
	Label("loop64")
	for i, r := range quantRows {
		VMOVUPS(Mem{Base: RSI, Disp: 64 * i}, r)
	}
	for i, r := range quantRows {
		check(r, tmp[i])
		quant(r)
		VPMOVDB(r, Mem{Base: RDI, Disp: 16 * i})
	}
	ADDQ(U32(256), RSI)
	ADDQ(U8(64), RDI)
	DECQ(RBX)
	JNE(LabelRef("loop64"))

	Label("rest")
	Comment("Whole 16-float vectors, then the masked tail (its other lanes load as 0).")
	CMPQ(RAX, U8(16))
	JB(LabelRef("tail"))
	VMOVUPS(Mem{Base: RSI}, Z0)
	check(Z0, Z9)
	quant(Z0)
	VPMOVDB(Z0, Mem{Base: RDI})
	ADDQ(U8(64), RSI)
	ADDQ(U8(16), RDI)
	SUBQ(U8(16), RAX)
	JMP(LabelRef("rest"))

	Label("tail")
	TESTQ(RAX, RAX)
	JEQ(LabelRef("done"))
	quantTail()
	VMOVUPS_Z(Mem{Base: RSI}, K1, Z0)
	check(Z0, Z9)
	quant(Z0)
	VPMOVDB(Z0, K1, Mem{Base: RDI})
	Label("done")
	ret, err := ReturnIndex(0).Resolve()
	if err != nil {
		panic(err)
	}
	KORTESTW(K3, K3)
	SETEQ(ret.Addr)
	VZEROUPPER()
	RET()
}

func genDequantizeRow() {
	TEXT("dequantizeRowAVX512", NOSPLIT, "func(z []float32, acc []int32, ws, bias []float32, cs []int32, sx float32, zp int32)")
	Pragma("noescape")
	Doc("dequantizeRowAVX512 sets z[j] = float32(acc[j] − zp·cs[j])·(sx·ws[j]) + bias[j]",
		"for j < len(z), bit for bit as dequantizeRow: int32 arithmetic (wrapping,",
		"as Go's), then each product and the sum rounded to float32 on its own",
		"(no FMA). The caller guarantees acc, ws, bias and cs hold len(z)",
		"elements and AVX512F.")
	Comment("Register plan (AVX512F):",
		"  Z0, Z1: acc − zp·cs, then z; Z2, Z3: sx·ws",
		"  Z4 = sx, Z5 = zp (int32)",
		"  DI = z, SI = acc, DX = ws, R8 = bias, R9 = cs; BX = 32-element blocks left,",
		"  AX = elements after them, K1 = tail lanes")
	MOVQ(param("z_base"), RDI)
	MOVQ(param("z_len"), RBX)
	dequantSetup()
	MOVQ(RBX, RAX)
	ANDQ(U8(31), RAX)
	SHRQ(U8(5), RBX)
	JEQ(LabelRef("rest"))

	one := func(x, s VecPhysical, disp int) {
		VPMULLD(Mem{Base: R9, Disp: disp}, Z5, x)
		VMOVDQU32(Mem{Base: RSI, Disp: disp}, s)
		VPSUBD(x, s, x)
		VCVTDQ2PS(x, x)
		VMULPS(Mem{Base: RDX, Disp: disp}, Z4, s)
		VMULPS(s, x, x)
		VADDPS(Mem{Base: R8, Disp: disp}, x, x)
		VMOVUPS(x, Mem{Base: RDI, Disp: disp})
	}
	Label("loop32")
	one(Z0, Z2, 0)
	one(Z1, Z3, 64)
	for _, r := range []GPPhysical{RDI, RSI, RDX, R8, R9} {
		ADDQ(U8(128), r)
	}
	DECQ(RBX)
	JNE(LabelRef("loop32"))

	Label("rest")
	CMPQ(RAX, U8(16))
	JB(LabelRef("tail"))
	one(Z0, Z2, 0)
	for _, r := range []GPPhysical{RDI, RSI, RDX, R8, R9} {
		ADDQ(U8(64), r)
	}
	SUBQ(U8(16), RAX)

	Label("tail")
	TESTQ(RAX, RAX)
	JEQ(LabelRef("done"))
	quantTail()
	dequantMasked(Z0, Z2)
	VMOVUPS(Z0, K1, Mem{Base: RDI})
	Label("done")
	VZEROUPPER()
	RET()
}

// The constants of exp32 (quantize_softmax.go), as float32.
const (
	exp32Log2e = 1.44269504088896341
	exp32C1    = 0.693359375
	exp32C2    = -2.12194440e-4
	exp32Min   = -87.33654
	exp32P0    = 1.9875691500e-4
	exp32P1    = 1.3981999507e-3
	exp32P2    = 8.3334519073e-3
	exp32P3    = 4.1665795894e-2
	exp32P4    = 1.6666665459e-1
	exp32P5    = 5.0000001201e-1
)

func f32const(name string, v float64) Mem {
	return constant(name, math.Float32bits(float32(v)))
}

func genSoftmaxRow() {
	type kc struct {
		reg VecPhysical
		mem Mem
	}
	consts := []kc{
		{Z7, f32const("smOne", 1)},
		{Z8, f32const("smLog2e", exp32Log2e)},
		{Z9, f32const("smC1", exp32C1)},
		{Z10, f32const("smC2", exp32C2)},
		{Z11, f32const("smMin", exp32Min)},
		{Z12, f32const("smP0", exp32P0)},
		{Z13, f32const("smP1", exp32P1)},
		{Z14, f32const("smP2", exp32P2)},
		{Z15, f32const("smP3", exp32P3)},
		{Z16, f32const("smP4", exp32P4)},
		{Z17, f32const("smP5", exp32P5)},
		{Z18, constant("smBias", 127)},
	}
	TEXT("softmaxRowAVX512", NOSPLIT, "func(x, y []float32)")
	Pragma("noescape")
	Doc("softmaxRowAVX512 sets y = softmax(x) for a finite row x, len(x) ≥ 1,",
		"bit for bit as softmaxRow32: the maximum, e = exp32(x − max) in 16",
		"lanes (each step of exp32 one float32 operation, in its order), the",
		"lanes' sums folded in halves, and y = e/sum. The caller guarantees",
		"len(y) ≥ len(x) and AVX512F.")
	Comment("Register plan (AVX512F):",
		"  Z0 = the maximum (then broadcast), Z1 = x − max then r, Z2 = n (float32),",
		"  Z3 = n (int32) then 2ⁿ, Z4 scratch, Z5 = the polynomial then e, Z6 = the lanes' sums",
		"  Z7 = 1, Z8 = log2 e, Z9, Z10 = ln 2 in two parts, Z11 = exp32's lower limit,",
		"  Z12..Z17 = the polynomial's coefficients, Z18 = 127 (int32)",
		"  SI = x, DI = y, CX = 16-float chunks, AX = floats after them, DX = chunk counter",
		"  K1 = the lanes of the chunk (all, or the tail's), K2 = those with e > 0")
	MOVQ(param("x_base"), RSI)
	MOVQ(param("y_base"), RDI)
	MOVQ(param("x_len"), RCX)
	for _, c := range consts {
		VBROADCASTSS(c.mem, c.reg)
	}
	MOVQ(RCX, RAX)
	ANDQ(U8(15), RAX)
	SHRQ(U8(4), RCX)
	VBROADCASTSS(Mem{Base: RSI}, Z0)

	Comment("Pass 1: the maximum. Ties of ±0 may resolve either way: x − max is",
		"the same for both, and exp32(±0) = 1.")
	MOVQ(RSI, R8)
	MOVQ(RCX, RDX)
	TESTQ(RDX, RDX)
	JEQ(LabelRef("maxtail"))
	Label("maxloop")
	VMAXPS(Mem{Base: R8}, Z0, Z0)
	ADDQ(U8(64), R8)
	DECQ(RDX)
	JNE(LabelRef("maxloop"))
	Label("maxtail")
	TESTQ(RAX, RAX)
	JEQ(LabelRef("maxreduce"))
	MOVQ(RCX, R9)
	tailMask(EDX)
	MOVQ(R9, RCX)
	VMAXPS(Mem{Base: R8}, Z0, K1, Z0)
	Label("maxreduce")
	foldLanes(VMAXPS, VMAXSS, Z0, Z4)
	VBROADCASTSS(X0, Z0)

	Comment("Pass 2: e = exp32(x − max) into y and the lanes' sums.")
	VPXORD(Z6, Z6, Z6)
	MOVQ(RSI, R8)
	MOVQ(RDI, R9)
	MOVQ(RCX, RDX)
	KXNORW(K1, K1, K1)
	exp := func() {
		VSUBPS(Z0, Z1, Z1)
		VCMPPS(U8(0x1d), Z11, Z1, K1, K2) // x − max ≥ lower limit (GE_OQ: NaN false)
		VMULPS(Z8, Z1, Z2)
		VCVTPS2DQ(Z2, Z3)
		VCVTDQ2PS(Z3, Z2)
		VMULPS(Z9, Z2, Z4)
		VSUBPS(Z4, Z1, Z1)
		VMULPS(Z10, Z2, Z4)
		VSUBPS(Z4, Z1, Z1)
		VMULPS(Z12, Z1, Z5)
		for _, c := range []VecPhysical{Z13, Z14, Z15, Z16} {
			VADDPS(c, Z5, Z5)
			VMULPS(Z1, Z5, Z5)
		}
		VADDPS(Z17, Z5, Z5)
		VMULPS(Z1, Z1, Z4)
		VMULPS(Z4, Z5, Z5)
		VADDPS(Z1, Z5, Z5)
		VADDPS(Z7, Z5, Z5)
		VPADDD(Z18, Z3, Z3)
		VPSLLD(U8(23), Z3, Z3)
		VMULPS_Z(Z3, Z5, K2, Z5)
		VADDPS(Z5, Z6, Z6)
	}
	TESTQ(RDX, RDX)
	JEQ(LabelRef("exptail"))
	Label("exploop")
	VMOVUPS(Mem{Base: R8}, Z1)
	exp()
	VMOVUPS(Z5, Mem{Base: R9})
	ADDQ(U8(64), R8)
	ADDQ(U8(64), R9)
	DECQ(RDX)
	JNE(LabelRef("exploop"))
	Label("exptail")
	TESTQ(RAX, RAX)
	JEQ(LabelRef("sum"))
	tailMask(EDX)
	VMOVUPS_Z(Mem{Base: R8}, K1, Z1)
	exp()
	VMOVUPS(Z5, K1, Mem{Base: R9})

	Label("sum")
	Comment("Fold the sums as softmaxRow32 does: lanes i and i+8, i+4, i+2, i+1.")
	foldLanes(VADDPS, VADDSS, Z6, Z4)
	VBROADCASTSS(X6, Z6)

	Comment("Pass 3: y /= sum.")
	MOVQ(param("x_len"), RCX)
	MOVQ(RCX, RAX)
	ANDQ(U8(15), RAX)
	SHRQ(U8(4), RCX)
	JEQ(LabelRef("divtail"))
	Label("divloop")
	VMOVUPS(Mem{Base: RDI}, Z1)
	VDIVPS(Z6, Z1, Z1)
	VMOVUPS(Z1, Mem{Base: RDI})
	ADDQ(U8(64), RDI)
	DECQ(RCX)
	JNE(LabelRef("divloop"))
	Label("divtail")
	TESTQ(RAX, RAX)
	JEQ(LabelRef("done"))
	VMOVUPS_Z(Mem{Base: RDI}, K1, Z1)
	VDIVPS(Z6, Z1, Z1)
	VMOVUPS(Z1, K1, Mem{Base: RDI})
	Label("done")
	VZEROUPPER()
	RET()
}

// genRequantizeRow writes requantizeRowAVX512: a hidden layer's row from
// int32 sums straight to the next layer's uint8 input (static
// quantization), never storing the float32 activations.
func genRequantizeRow() {
	TEXT("requantizeRowAVX512", NOSPLIT, "func(out []uint8, acc []int32, ws, bias []float32, cs []int32, sx float32, zp int32, relu bool, inv float32, zero int32) bool")
	Pragma("noescape")
	Doc("requantizeRowAVX512 sets out[j] to quantizeRow's byte for f(z[j]), z[j] =",
		"float32(acc[j] − zp·cs[j])·(sx·ws[j]) + bias[j] as dequantizeRow computes it",
		"and f = ReLU (relu) or the identity as reluRow computes it, for",
		"j < len(acc), with inv and zero the next layer's; it reports whether",
		"every f(z[j]) is finite. The result bits are those of dequantizeRow,",
		"forwardRow and quantizeRow in turn. The caller guarantees that out, ws,",
		"bias and cs hold len(acc) elements and AVX512F.")
	Comment("Register plan (AVX512F):",
		"  Z0: acc − zp·cs, then z, then the byte; Z1, Z2 scratch",
		"  Z4 = sx, Z5 = zp (int32), Z6 = inv, Z7 = −zero, Z8 = 255−zero (float32),",
		"  Z9 = zero (int32), Z10 = exponent mask, Z11 = 0, Z12 = abs mask",
		"  DI = out, SI = acc, DX = ws, R8 = bias, R9 = cs, BX = 16-element chunks, AX = elements after",
		"  R10 = relu; K1 = the chunk's lanes, K2 = lanes not finite, K3 = any so far")
	MOVQ(param("out_base"), RDI)
	MOVQ(param("acc_len"), RBX)
	dequantSetup()
	MOVBQZX(param("relu"), R10)
	VBROADCASTSS(param("inv"), Z6)
	quantBounds(Z9, Z7, Z8)
	VBROADCASTSS(quantExp, Z10)
	VPXORD(Z11, Z11, Z11)
	VBROADCASTSS(reqAbs, Z12)
	KXORW(K3, K3, K3)
	KXNORW(K1, K1, K1)
	MOVQ(RBX, RAX)
	ANDQ(U8(15), RAX)
	SHRQ(U8(4), RBX)

	// one computes the chunk's lanes in K1 (all 16, or the tail's; the
	// loads zero the others, which are not stored).
	one := func() {
		dequantMasked(Z0, Z1)
		TESTQ(R10, R10)
		JEQ(LabelRef("linear_" + fmt.Sprint(len(reqLabels))))
		VMAXPS(Z0, Z11, Z0) // (0 > z) ? 0 : z: z when NaN or ±0
		VPANDD(Z12, Z0, Z0) // −0 → +0, NaN's sign cleared, as reluRow
		Label("linear_" + fmt.Sprint(len(reqLabels)))
		reqLabels = append(reqLabels, 0)
		VPANDD(Z10, Z0, Z2)
		VPCMPEQD(Z10, Z2, K1, K2)
		KORW(K2, K3, K3)
		quantStep(Z0, Z6, Z7, Z8, Z9)
		VPMOVDB(Z0, K1, Mem{Base: RDI})
	}
	TESTQ(RBX, RBX)
	JEQ(LabelRef("tail"))
	Label("loop")
	one()
	ADDQ(U8(16), RDI)
	for _, r := range []GPPhysical{RSI, RDX, R8, R9} {
		ADDQ(U8(64), r)
	}
	DECQ(RBX)
	JNE(LabelRef("loop"))
	Label("tail")
	TESTQ(RAX, RAX)
	JEQ(LabelRef("done"))
	quantTail()
	one()
	Label("done")
	ret, err := ReturnIndex(0).Resolve()
	if err != nil {
		panic(err)
	}
	KORTESTW(K3, K3)
	SETEQ(ret.Addr)
	VZEROUPPER()
	RET()
}

// reqLabels numbers the labels requantizeRowAVX512's chunk body writes
// (it is written out twice).
var reqLabels []int

// reqAbs is the float32 abs mask of requantizeRowAVX512's ReLU.
var reqAbs Mem
