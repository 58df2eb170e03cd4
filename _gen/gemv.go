package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// gemvMaxVecs is the number of zmm accumulators of sgemvRowAVX512: it
// handles n ≤ 16·gemvMaxVecs = 384 columns, so a row of the MLP's widest
// layer (300) is read in one contiguous pass per step of k (in 128-column
// panels, each 1200-byte row was read as three strided pieces: batch-1
// inference ran at half the L2 bandwidth).
const gemvMaxVecs = 24

// genGemv writes sgemvRowAVX512, the m == 1 product (batch-1 inference):
// c[0:n] = alpha·Σ_p a[p]·B[p, 0:n] + beta·c for n ≤ 384, streaming B's rows.
// With nv = ⌈n/16⌉ accumulators, the last one's lanes past n are masked by
// K1 in every load and store, so nothing past n is read or written. The
// loop is written out once per nv (1..24), chosen at entry, so no FMA is
// spent on columns that do not exist.
func genGemv() {
	genGemvKernel(false)
	genGemvKernel(true)
}

// gemvIdx is the idx pointer of sgemvSparseRowAVX512 and gemvOff the byte
// offsets of the rows of one unrolled step.
var (
	gemvIdx = R11
	gemvOff = [unroll]GPPhysical{R9, R12, R13, R14}
)

// genGemvKernel writes sgemvRowAVX512 or, sparse, sgemvSparseRowAVX512:
// the same loops over a list of (value, row) pairs (sgemvCompactAVX512's
// output) instead of every row.
func genGemvKernel(sparse bool) {
	v := avx512
	if sparse {
		TEXT("sgemvSparseRowAVX512", NOSPLIT, "func(nnz int, vals []float32, idx []int32, b []float32, ldb int, c []float32, n int, alpha, beta float32)")
		Pragma("noescape")
		Doc("sgemvSparseRowAVX512 is sgemvRowAVX512 over the pairs (vals[q], idx[q]),",
			"q < nnz: c[0:n] = alpha·Σ_q vals[q]·B[idx[q], 0:n] + beta·c, each c[j] one",
			"FMA chain in the order of the pairs. With the nonzero elements of a vector",
			"in order (sgemvCompactAVX512) it gives the bits of sgemvRowAVX512 on the",
			"whole vector whenever B is finite, reading only the rows it needs. The",
			"caller guarantees nnz ≥ 0, len(vals), len(idx) ≥ nnz, every idx[q] ≥ 0 with",
			"B's row idx[q] within b, and len(c) ≥ n ≤ 384.")
		Comment("Register plan (AVX512F, checked by the caller's dispatch): as",
			"sgemvRowAVX512's, with SI = the vals pointer, R11 = the idx pointer and",
			"R9, R12, R13, R14 = the byte offsets of the rows of one unrolled step",
			"(idx·ldb, sign-extended and multiplied before the step's FMAs).")
		sparseGemv(v)
		return
	}
	TEXT("sgemvRowAVX512", NOSPLIT, "func(k int, a []float32, b []float32, ldb int, c []float32, n int, alpha, beta float32)")
	Pragma("noescape")
	Doc("sgemvRowAVX512 computes c[0:n] = alpha·Σ_p a[p]·B[p, 0:n] + beta·c for",
		"0 ≤ n ≤ 384, B's row p at b[p·ldb:]; beta == 0 (either sign) means c is not",
		"read. Each c[j] is one FMA chain over p ascending from 0, then scaled by",
		"alpha, then (beta ≠ 0) alpha·acc + beta·c[j] in one FMA. Nothing past",
		"a[k−1], B[p, n−1] or c[n−1] is read or written (an opmask covers the last",
		"16-column group). The caller guarantees k ≥ 0, len(a) ≥ k, that b spans",
		"(k−1)·ldb+n elements (when k ≥ 1) and len(c) ≥ n.")
	Comment("Register plan (AVX512F, checked by the caller's dispatch):",
		fmt.Sprintf("  %s accumulators: columns 16j..16j+15 in Z(j); only the first nv = ⌈n/16⌉ are used,", v.span(0, gemvMaxVecs-1)),
		"  the last one's lanes below n masked by K1",
		"  Z31: the broadcast a[p], beta in the epilogue; Z30 alpha",
		"  SI = a pointer, BX = B pointer, R8 = ldb in bytes, R9 = 3·ldb in bytes,",
		"  CX = k counter, DI = c pointer, DX = n, R10 = nv",
		"Loop: per nv, unrolled 4 steps of k, then single steps for k mod 4.")
	gemvMain(v, false)
}

// sparseGemv writes the body of sgemvSparseRowAVX512.
func sparseGemv(v isa) { gemvMain(v, true) }

// gemvMain writes the setup and the per-nv bodies of either kernel.
func gemvMain(v isa, sparse bool) {
	nReg, nv := RDX, R10
	MOVQ(param("n"), nReg)
	TESTQ(nReg, nReg)
	JEQ(LabelRef("none"))
	Comment("nv = ⌈n/16⌉; K1 = the low 16 − (16·nv − n) bits: the last group's lanes below n.")
	LEAQ(Mem{Base: nReg, Disp: 15}, nv)
	SHRQ(U8(4), nv)
	MOVQ(nv, RCX)
	SHLQ(U8(4), RCX)
	SUBQ(nReg, RCX)
	MOVL(U32(0xffff), EAX)
	SHRL(CL, EAX)
	KMOVW(EAX, K1)

	if sparse {
		MOVQ(param("nnz"), kCnt)
		MOVQ(param("vals_base"), aPtr)
		MOVQ(param("idx_base"), gemvIdx)
	} else {
		MOVQ(param("k"), kCnt)
		MOVQ(param("a_base"), aPtr)
	}
	MOVQ(param("b_base"), bPtr)
	MOVQ(param("ldb"), ldb)
	SHLQ(U8(2), ldb)
	if !sparse {
		LEAQ(Mem{Base: ldb, Index: ldb, Scale: 2}, ldb3)
	}
	MOVQ(param("c_base"), cPtr)
	for j := 0; j < gemvMaxVecs; j++ {
		v.zero(v.regs[j])
	}
	for j := 1; j < gemvMaxVecs; j++ {
		CMPQ(nv, Imm(uint64(j)))
		JEQ(LabelRef(fmt.Sprintf("v%d", j)))
	}
	for j := gemvMaxVecs; j >= 1; j-- {
		gemvBody(v, j, sparse)
	}
	Label("none")
	RET()
}

// gemvBody writes the loop and epilogue of sgemvRowAVX512 for nv
// accumulators, at label v<nv>.
func gemvBody(v isa, nv int, sparse bool) {
	l := func(s string) string { return fmt.Sprintf("v%d_%s", nv, s) }
	a, alpha, beta := v.regs[31], v.regs[30], v.regs[31]
	// fma adds x·B's row at mem into the accumulators, the last masked.
	fma := func(x VecPhysical, row Mem) {
		for j := 0; j < nv; j++ {
			m := row
			m.Disp += j * v.bytes
			if j == nv-1 {
				VFMADD231PS(m, x, K1, v.regs[j])
			} else {
				VFMADD231PS(m, x, v.regs[j])
			}
		}
	}
	Label(fmt.Sprintf("v%d", nv))
	CMPQ(kCnt, Imm(unroll))
	JLT(LabelRef(l("tail")))
	Label(l("loop4"))
	bRows := [unroll]Mem{
		{Base: bPtr},
		{Base: bPtr, Index: ldb, Scale: 1},
		{Base: bPtr, Index: ldb, Scale: 2},
		{Base: bPtr, Index: ldb3, Scale: 1},
	}
	if sparse {
		for s := 0; s < unroll; s++ {
			MOVLQSX(Mem{Base: gemvIdx, Disp: 4 * s}, gemvOff[s])
			IMULQ(ldb, gemvOff[s])
			bRows[s] = Mem{Base: bPtr, Index: gemvOff[s], Scale: 1}
		}
	}
	for s := 0; s < unroll; s++ {
		VBROADCASTSS(Mem{Base: aPtr, Disp: 4 * s}, a)
		fma(a, bRows[s])
	}
	ADDQ(Imm(4*unroll), aPtr)
	if sparse {
		ADDQ(Imm(4*unroll), gemvIdx)
	} else {
		LEAQ(Mem{Base: bPtr, Index: ldb, Scale: 4}, bPtr)
	}
	SUBQ(Imm(unroll), kCnt)
	CMPQ(kCnt, Imm(unroll))
	JGE(LabelRef(l("loop4")))
	Label(l("tail"))
	TESTQ(kCnt, kCnt)
	JEQ(LabelRef(l("epilogue")))
	Label(l("loop1"))
	VBROADCASTSS(Mem{Base: aPtr}, a)
	if sparse {
		MOVLQSX(Mem{Base: gemvIdx}, gemvOff[0])
		IMULQ(ldb, gemvOff[0])
		fma(a, Mem{Base: bPtr, Index: gemvOff[0], Scale: 1})
		ADDQ(Imm(4), gemvIdx)
		ADDQ(Imm(4), aPtr)
	} else {
		fma(a, bRows[0])
		ADDQ(Imm(4), aPtr)
		ADDQ(ldb, bPtr)
	}
	DECQ(kCnt)
	JNE(LabelRef(l("loop1")))

	Label(l("epilogue"))
	VBROADCASTSS(param("alpha"), alpha)
	for j := 0; j < nv; j++ {
		VMULPS(alpha, v.regs[j], v.regs[j])
	}
	MOVL(param("beta"), EAX)
	SHLL(U8(1), EAX)
	JEQ(LabelRef(l("overwrite")))
	VBROADCASTSS(param("beta"), beta)
	fma(beta, Mem{Base: cPtr})
	gemvStore(v, nv)
	Label(l("overwrite"))
	gemvStore(v, nv)
}

// gemvStore writes the nv accumulators to c, the last through K1.
func gemvStore(v isa, nv int) {
	for j := 0; j < nv; j++ {
		m := Mem{Base: cPtr, Disp: j * v.bytes}
		if j == nv-1 {
			VMOVUPS(v.regs[j], K1, m)
		} else {
			VMOVUPS(v.regs[j], m)
		}
	}
	VZEROUPPER()
	RET()
}
