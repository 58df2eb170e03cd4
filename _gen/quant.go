package main

import (
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
	VEXTRACTF64X4(U8(1), Z0, Y4)
	VMINPS(Y0, Y4, Y0)
	VEXTRACTF64X4(U8(1), Z2, Y5)
	VMAXPS(Y2, Y5, Y2)
	VEXTRACTF128(U8(1), Y0, X4)
	VMINPS(X0, X4, X0)
	VEXTRACTF128(U8(1), Y2, X5)
	VMAXPS(X2, X5, X2)
	VMOVHLPS(X0, X0, X4)
	VMINPS(X0, X4, X0)
	VMOVHLPS(X2, X2, X5)
	VMAXPS(X2, X5, X2)
	VPSHUFD(U8(1), X0, X4)
	VMINSS(X0, X4, X0)
	VPSHUFD(U8(1), X2, X5)
	VMAXSS(X2, X5, X2)
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

// quantTail sets K1 to the lanes of the last n mod 16 elements (AX = n
// mod 16 on entry; clobbers CX).
func quantTail() {
	MOVQ(RAX, RCX)
	MOVL(U32(1), EAX)
	SHLL(CL, EAX)
	DECL(EAX)
	KMOVW(EAX, K1)
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
	MOVL(param("zero"), EAX)
	VPBROADCASTD(EAX, Z7)
	NEGL(EAX)
	VCVTSI2SSL(EAX, X5, X5)
	VBROADCASTSS(X5, Z5)
	ADDL(U32(255), EAX)
	VCVTSI2SSL(EAX, X6, X6)
	VBROADCASTSS(X6, Z6)
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
	quant := func(r VecPhysical) {
		VMULPS(Z4, r, r)
		VMAXPS(Z5, r, r) // (t > lo) ? t : lo
		VMINPS(Z6, r, r) // (t < hi) ? t : hi
		VCVTPS2DQ(r, r)
		VPADDD(Z7, r, r)
	}
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
	MOVQ(param("acc_base"), RSI)
	MOVQ(param("ws_base"), RDX)
	MOVQ(param("bias_base"), R8)
	MOVQ(param("cs_base"), R9)
	VBROADCASTSS(param("sx"), Z4)
	MOVL(param("zp"), ECX)
	VPBROADCASTD(ECX, Z5)
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
	VMOVDQU32_Z(Mem{Base: R9}, K1, Z0)
	VPMULLD(Z0, Z5, Z0)
	VMOVDQU32_Z(Mem{Base: RSI}, K1, Z2)
	VPSUBD(Z0, Z2, Z0)
	VCVTDQ2PS(Z0, Z0)
	VMOVUPS_Z(Mem{Base: RDX}, K1, Z2)
	VMULPS(Z2, Z4, Z2)
	VMULPS(Z2, Z0, Z0)
	VMOVUPS_Z(Mem{Base: R8}, K1, Z2)
	VADDPS(Z2, Z0, Z0)
	VMOVUPS(Z0, K1, Mem{Base: RDI})
	Label("done")
	VZEROUPPER()
	RET()
}
