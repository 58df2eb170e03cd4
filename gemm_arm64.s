//go:build gc && !purego && !noasm

#include "textflag.h"

// Go's arm64 assembler has no by-element forms of FMLA and FMUL, so they are
// encoded by hand (Arm ARM C7.2, "FMLA (by element)", "FMUL (by element)",
// single precision, Q=1):
//
//   FMLA_S(d, n, m, i)  FMLA Vd.4S, Vn.4S, Vm.S[i]   Vd += Vn · Vm[i]
//   FMUL_S(d, n, m, i)  FMUL Vd.4S, Vn.4S, Vm.S[i]   Vd  = Vn · Vm[i]
//
// d, n and m are register numbers 0..31 (the M bit is m's top bit) and i is
// the lane 0..3, split into H (bit 11) and L (bit 21). `go tool objdump`
// decodes them as "VFMLA Vm.S[i], Vn.S4, Vd.S4"; check it after any change.
#define FMLA_S(d, n, m, i) WORD $(0x4F801000 | (((i)&1)<<21) | ((m)<<16) | (((i)>>1)<<11) | ((n)<<5) | (d))
#define FMUL_S(d, n, m, i) WORD $(0x4F809000 | (((i)&1)<<21) | ((m)<<16) | (((i)>>1)<<11) | ((n)<<5) | (d))

// ZERO4 clears four vector registers.
#define ZERO4(r0, r1, r2, r3) \
	VEOR r0.B16, r0.B16, r0.B16; \
	VEOR r1.B16, r1.B16, r1.B16; \
	VEOR r2.B16, r2.B16, r2.B16; \
	VEOR r3.B16, r3.B16, r3.B16

// func sgemmKernel8x12NEON(k int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)
//
// C[8×12] = alpha·(packedA[8×k]·B[k×12]) + beta·C; beta == 0 (either sign)
// means C is not read, so NaNs in it do not propagate. packedA holds 8 floats
// (one column of the A tile) per step of k; B holds 12 floats (one row of the
// B tile) per step, ldb floats apart: ldb = 12 for a packed strip, B's own row
// stride when the driver reads B in place. c starts at the tile's top-left
// element and spans 7·ldc+12 floats; nothing outside those is read or written.
//
// Why 8×12: 24 accumulators, 2 A vectors and 3 B vectors use 29 of the 32
// q-registers (31 with the second A pair below), and the by-element FMLA takes A straight from the two vectors
// one 32-byte load fills, so a step of k is 2 loads for 24 FMLAs (a VLD1R
// broadcast per A element would be 9 loads). 12×8 has the same register count
// and the same 20 floats loaded per step; 8×12 wastes less padding on the
// shapes ann runs: mr = 8 divides power-of-two batch sizes and nr = 12 divides
// layer widths such as 300 (MNIST's hidden layer), where nr = 8 would pad the
// last strip. It is also the tile of BLIS's armv8a sgemm kernel.
//
// Register plan (ASIMD, architecturally mandatory on arm64; dispatch checks it):
//   V0..V23   accumulators: row r of C in V(3r) (columns 0..3), V(3r+1) (4..7),
//             V(3r+2) (8..11)
//   V24, V25  A column of even steps (rows 0..3 and 4..7), used by element
//   V29, V30  A column of odd steps, so a load never waits on the previous
//             step's FMLAs still reading its registers (in-order cores)
//   V26..V28  the current row of B (12 floats)
//   V29, V30  alpha and beta in lane 0, in the epilogue; V26..V28 a row of C
//   R0 = k counter, R1 = A pointer, R2 = B pointer, R3 = ldb in bytes,
//   R4 = C row pointer, R5 = ldc in bytes, R6 = beta's bits.
// R18 (platform) and R26..R30 (closure context, g, REGTMP, FP, LR) are not
// touched; the frame is $0, so this is a leaf with no saved LR.
//
// Loop: 4 steps of k unrolled (alternating the A registers), then single
// steps for k mod 4. Each step loads A (post-increment 32 bytes) and B
// (post-increment ldb·4 bytes), then issues its 24 FMLAs grouped by B vector,
// so each B vector is used 8 times as soon as it arrives and consecutive
// FMLAs write different accumulators (24 independent chains cover FMLA
// latency 4 × up to 4 pipes). No software prefetch: A and B are sequential
// streams the hardware prefetchers follow. Not tuned on hardware yet.
//
// Tail: none. The caller guarantees k ≥ 1; packs are zero-padded to 8 rows
// and 12 columns, and partial C tiles go through an 8×12 scratch tile
// (except partial column strips and products with n ≤ 16, which the driver
// runs on sgemmNarrowNEON below, straight into C).
#define KCNT R0
#define APTR R1
#define BPTR R2
#define LDB R3
#define CPTR R4
#define LDC R5
#define BETABITS R6

// STEP does one step of k with the A column in registers ra0/ra1 (numbers
// na0/na1): accumulator 3r+q += B vector q · A element r.
#define STEP(ra0, ra1, na0, na1) \
	VLD1.P 32(APTR), [ra0.S4, ra1.S4]; \
	VLD1.P (BPTR)(LDB), [V26.S4, V27.S4, V28.S4]; \
	FMLA_S(0, 26, na0, 0); \
	FMLA_S(3, 26, na0, 1); \
	FMLA_S(6, 26, na0, 2); \
	FMLA_S(9, 26, na0, 3); \
	FMLA_S(12, 26, na1, 0); \
	FMLA_S(15, 26, na1, 1); \
	FMLA_S(18, 26, na1, 2); \
	FMLA_S(21, 26, na1, 3); \
	FMLA_S(1, 27, na0, 0); \
	FMLA_S(4, 27, na0, 1); \
	FMLA_S(7, 27, na0, 2); \
	FMLA_S(10, 27, na0, 3); \
	FMLA_S(13, 27, na1, 0); \
	FMLA_S(16, 27, na1, 1); \
	FMLA_S(19, 27, na1, 2); \
	FMLA_S(22, 27, na1, 3); \
	FMLA_S(2, 28, na0, 0); \
	FMLA_S(5, 28, na0, 1); \
	FMLA_S(8, 28, na0, 2); \
	FMLA_S(11, 28, na0, 3); \
	FMLA_S(14, 28, na1, 0); \
	FMLA_S(17, 28, na1, 1); \
	FMLA_S(20, 28, na1, 2); \
	FMLA_S(23, 28, na1, 3)

// SCALE_ROW multiplies the accumulators of one row (register numbers n0..n2)
// by alpha (V29 lane 0).
#define SCALE_ROW(n0, n1, n2) \
	FMUL_S(n0, n0, 29, 0); \
	FMUL_S(n1, n1, 29, 0); \
	FMUL_S(n2, n2, 29, 0)

// STORE_ROW_BETA adds beta·C (V30 lane 0) to one already alpha-scaled row,
// stores it and advances CPTR by ldc.
#define STORE_ROW_BETA(r0, r1, r2, n0, n1, n2) \
	VLD1 (CPTR), [V26.S4, V27.S4, V28.S4]; \
	FMLA_S(n0, 26, 30, 0); \
	FMLA_S(n1, 27, 30, 0); \
	FMLA_S(n2, 28, 30, 0); \
	VST1.P [r0.S4, r1.S4, r2.S4], (CPTR)(LDC)

// STORE_ROW stores one alpha-scaled row without reading C.
#define STORE_ROW(r0, r1, r2) \
	VST1.P [r0.S4, r1.S4, r2.S4], (CPTR)(LDC)

TEXT ·sgemmKernel8x12NEON(SB), NOSPLIT, $0-104
	MOVD k+0(FP), KCNT
	MOVD a_base+8(FP), APTR
	MOVD b_base+32(FP), BPTR
	MOVD ldb+56(FP), LDB
	LSL  $2, LDB
	MOVD c_base+64(FP), CPTR
	MOVD ldc+88(FP), LDC
	LSL  $2, LDC

	ZERO4(V0, V1, V2, V3)
	ZERO4(V4, V5, V6, V7)
	ZERO4(V8, V9, V10, V11)
	ZERO4(V12, V13, V14, V15)
	ZERO4(V16, V17, V18, V19)
	ZERO4(V20, V21, V22, V23)

	CMP $4, KCNT
	BLT tail

loop4:
	STEP(V24, V25, 24, 25)
	STEP(V29, V30, 29, 30)
	STEP(V24, V25, 24, 25)
	STEP(V29, V30, 29, 30)
	SUB $4, KCNT
	CMP $4, KCNT
	BGE loop4

tail:
	CBZ KCNT, epilogue

loop1:
	STEP(V24, V25, 24, 25)
	SUBS $1, KCNT
	BNE  loop1

epilogue:
	FMOVS alpha+96(FP), F29 // V29 lane 0 = alpha
	SCALE_ROW(0, 1, 2)
	SCALE_ROW(3, 4, 5)
	SCALE_ROW(6, 7, 8)
	SCALE_ROW(9, 10, 11)
	SCALE_ROW(12, 13, 14)
	SCALE_ROW(15, 16, 17)
	SCALE_ROW(18, 19, 20)
	SCALE_ROW(21, 22, 23)

	// beta == 0 (either sign of zero) must not read C: drop the sign bit.
	MOVWU beta+100(FP), BETABITS
	LSLW  $1, BETABITS
	CBZW  BETABITS, overwrite
	FMOVS beta+100(FP), F30 // V30 lane 0 = beta
	STORE_ROW_BETA(V0, V1, V2, 0, 1, 2)
	STORE_ROW_BETA(V3, V4, V5, 3, 4, 5)
	STORE_ROW_BETA(V6, V7, V8, 6, 7, 8)
	STORE_ROW_BETA(V9, V10, V11, 9, 10, 11)
	STORE_ROW_BETA(V12, V13, V14, 12, 13, 14)
	STORE_ROW_BETA(V15, V16, V17, 15, 16, 17)
	STORE_ROW_BETA(V18, V19, V20, 18, 19, 20)
	STORE_ROW_BETA(V21, V22, V23, 21, 22, 23)
	RET

overwrite:
	STORE_ROW(V0, V1, V2)
	STORE_ROW(V3, V4, V5)
	STORE_ROW(V6, V7, V8)
	STORE_ROW(V9, V10, V11)
	STORE_ROW(V12, V13, V14)
	STORE_ROW(V15, V16, V17)
	STORE_ROW(V18, V19, V20)
	STORE_ROW(V21, V22, V23)
	RET

// func fmaPeakNEON(n int)
//
// Runs n iterations of 24 independent 4-wide FMLAs (192 flops each) on
// registers only, to measure the core's attainable FMA throughput in the same
// run as the GEMM benchmarks: 24 chains cover FMLA latency 4 × 4 pipes
// (Neoverse V1/V2, Apple M1 have 4 128-bit FMA pipes). V0..V23 accumulate,
// V24/V25 are constant operands (zero, so no value can overflow or go
// denormal and slow down); R0 counts iterations.
TEXT ·fmaPeakNEON(SB), NOSPLIT, $0-8
	MOVD n+0(FP), R0
	ZERO4(V0, V1, V2, V3)
	ZERO4(V4, V5, V6, V7)
	ZERO4(V8, V9, V10, V11)
	ZERO4(V12, V13, V14, V15)
	ZERO4(V16, V17, V18, V19)
	ZERO4(V20, V21, V22, V23)
	VEOR V24.B16, V24.B16, V24.B16
	VEOR V25.B16, V25.B16, V25.B16
	CMP  $1, R0
	BLT  done

peakloop:
	VFMLA V24.S4, V25.S4, V0.S4
	VFMLA V24.S4, V25.S4, V1.S4
	VFMLA V24.S4, V25.S4, V2.S4
	VFMLA V24.S4, V25.S4, V3.S4
	VFMLA V24.S4, V25.S4, V4.S4
	VFMLA V24.S4, V25.S4, V5.S4
	VFMLA V24.S4, V25.S4, V6.S4
	VFMLA V24.S4, V25.S4, V7.S4
	VFMLA V24.S4, V25.S4, V8.S4
	VFMLA V24.S4, V25.S4, V9.S4
	VFMLA V24.S4, V25.S4, V10.S4
	VFMLA V24.S4, V25.S4, V11.S4
	VFMLA V24.S4, V25.S4, V12.S4
	VFMLA V24.S4, V25.S4, V13.S4
	VFMLA V24.S4, V25.S4, V14.S4
	VFMLA V24.S4, V25.S4, V15.S4
	VFMLA V24.S4, V25.S4, V16.S4
	VFMLA V24.S4, V25.S4, V17.S4
	VFMLA V24.S4, V25.S4, V18.S4
	VFMLA V24.S4, V25.S4, V19.S4
	VFMLA V24.S4, V25.S4, V20.S4
	VFMLA V24.S4, V25.S4, V21.S4
	VFMLA V24.S4, V25.S4, V22.S4
	VFMLA V24.S4, V25.S4, V23.S4
	SUBS $1, R0
	BNE  peakloop

done:
	RET

// Vector (4S) forms Go's arm64 assembler lacks, encoded by hand (Arm ARM
// C7.2, single precision, Q=1; checked with llvm-mc): d, n, m are register
// numbers 0..31.
//
//   FADD_4S(d, n, m)   FADD  Vd.4S, Vn.4S, Vm.4S   Vd = Vn + Vm
//   FSUB_4S(d, n, m)   FSUB  Vd.4S, Vn.4S, Vm.4S   Vd = Vn − Vm
//   FMUL_4S(d, n, m)   FMUL  Vd.4S, Vn.4S, Vm.4S   Vd = Vn · Vm
//   FMAX_4S(d, n, m)   FMAX  Vd.4S, Vn.4S, Vm.4S   NaN in: that NaN (quieted)
//   FMIN_4S(d, n, m)   FMIN  Vd.4S, Vn.4S, Vm.4S   NaN in: that NaN (quieted)
//   FABS_4S(d, n)      FABS  Vd.4S, Vn.4S          sign bit cleared, NaN too
//   FCMGTZ_4S(d, n)    FCMGT Vd.4S, Vn.4S, #0.0    all ones where Vn > 0
//   FCMLTZ_4S(d, n)    FCMLT Vd.4S, Vn.4S, #0.0    all ones where Vn < 0
//   FCMEQ_4S(d, n, m)  FCMEQ Vd.4S, Vn.4S, Vm.4S   all ones where Vn == Vm
//
// The operand order is the one the Go compiler gives the scalar rows they
// replace (FADDS z+bias with z first, FMAXS v, 0 with v first, …): with two
// NaN operands the first one's payload wins, so the order matters.
#define FADD_4S(d, n, m) WORD $(0x4E20D400 | ((m)<<16) | ((n)<<5) | (d))
#define FSUB_4S(d, n, m) WORD $(0x4EA0D400 | ((m)<<16) | ((n)<<5) | (d))
#define FMUL_4S(d, n, m) WORD $(0x6E20DC00 | ((m)<<16) | ((n)<<5) | (d))
#define FMAX_4S(d, n, m) WORD $(0x4E20F400 | ((m)<<16) | ((n)<<5) | (d))
#define FMIN_4S(d, n, m) WORD $(0x4EA0F400 | ((m)<<16) | ((n)<<5) | (d))
#define FABS_4S(d, n) WORD $(0x4EA0F800 | ((n)<<5) | (d))
#define FCMGTZ_4S(d, n) WORD $(0x4EA0C800 | ((n)<<5) | (d))
#define FCMLTZ_4S(d, n) WORD $(0x4EA0E800 | ((n)<<5) | (d))
#define FCMEQ_4S(d, n, m) WORD $(0x4E20E400 | ((m)<<16) | ((n)<<5) | (d))

// EPI_CONSTS sets V28 = 0, V29 = 0.5, V30 = 1 in every lane and V31 = alpha
// (the float32 at off(FP)) in every lane; lane 0 of each is also S28..S31
// for the scalar tail.
#define EPI_CONSTS(off) \
	VEOR  V28.B16, V28.B16, V28.B16; \
	FMOVS $0.5, F29; \
	VDUP  V29.S[0], V29.S4; \
	FMOVS $1.0, F30; \
	VDUP  V30.S[0], V30.S4; \
	FMOVS off(FP), F31; \
	VDUP  V31.S[0], V31.S4

// func epiForwardNEON(rows, cols int, z []float32, ldz int, bias, out []float32, ldo int, op int, alpha float32)
//
// Finishes the rows×cols tile z (rows ldz apart), cols ≤ 16 (epiWidth): z +=
// bias[j] in column j when len(bias) > 0 (written back to z), then out =
// f(z) (rows ldo apart) for op epiCopy, epiReLU, epiLeaky (alpha) or
// epiPiecewise; epiNone writes no out. Bit-identical to addRow and
// forwardRow as the Go compiler builds them for arm64, for every input:
//   - bias: FADD with z as the first operand (FADDS z, b in addRow);
//   - ReLU, max(v, 0): FMAX v, 0 (Go's max compiles to FMAXS v, 0): NaN
//     comes back quieted with its sign, −0 becomes +0 (FMAX orders −0 < +0);
//   - piecewise, min(max(v+0.5, 0), 1): FADD, FMAX, FMIN in the same order;
//   - leaky ReLU: v·alpha where v < 0 (FCMLT #0: false for NaN and −0), v
//     elsewhere, selected by BIT (the Go row's bit select).
// Tile shape: one row at a time, its full 4-column groups in vectors, the
// last cols mod 4 columns one at a time with the scalar forms of the same
// instructions (FADDS, FMAXS, FMINS, FMULS, FCMPS+FCSELS), so nothing
// outside the tile is read or written and no lane load is needed.
// The caller guarantees rows ≥ 1, 1 ≤ cols ≤ 16, that z spans
// (rows−1)·ldz+cols elements, out (rows−1)·ldo+cols unless op is epiNone,
// and len(bias) ≥ cols when given.
//
// Register plan:
//   V0 = z (4 columns, or S0 one), V1 = bias, V2 = z·alpha, V3 = mask;
//   V28 = 0, V29 = 0.5, V30 = 1, V31 = alpha (all lanes);
//   R0 = rows left, R1 = full groups, R12 = cols mod 4, R2 = z row,
//   R3 = ldz bytes, R4 = bias (0: none), R5 = out row, R6 = ldo bytes,
//   R7 = op, R8 = group/column counter, R9 = z cursor, R10 = bias cursor,
//   R11 = out cursor, R13 scratch. Leaf, frame $0; R18, R26..R30 untouched.
TEXT ·epiForwardNEON(SB), NOSPLIT, $0-116
	MOVD rows+0(FP), R0
	MOVD cols+8(FP), R1
	MOVD z_base+16(FP), R2
	MOVD ldz+40(FP), R3
	LSL  $2, R3
	MOVD bias_base+48(FP), R4
	MOVD bias_len+56(FP), R13
	CBNZ R13, fwdbias
	MOVD ZR, R4

fwdbias:
	MOVD out_base+72(FP), R5
	MOVD ldo+96(FP), R6
	LSL  $2, R6
	MOVD op+104(FP), R7
	EPI_CONSTS(alpha+112)
	AND  $3, R1, R12
	LSR  $2, R1
	CMP  $1, R0
	BLT  fwddone

fwdrow:
	MOVD R2, R9
	MOVD R4, R10
	MOVD R5, R11
	MOVD R1, R8
	CBZ  R8, fwdtail

fwdgroup:
	VLD1 (R9), [V0.S4]
	CBZ  R4, fwdgop
	VLD1.P 16(R10), [V1.S4]
	FADD_4S(0, 0, 1)
	VST1 [V0.S4], (R9)

fwdgop:
	ADD  $16, R9
	CBZ  R7, fwdgnext // epiNone
	CMP  $2, R7
	BEQ  fwdgrelu
	CMP  $3, R7
	BEQ  fwdgleaky
	CMP  $4, R7
	BEQ  fwdgpw
	B    fwdgstore    // epiCopy

fwdgrelu:
	FMAX_4S(0, 0, 28)
	B fwdgstore

fwdgpw:
	FADD_4S(0, 0, 29)
	FMAX_4S(0, 0, 28)
	FMIN_4S(0, 0, 30)
	B fwdgstore

fwdgleaky:
	FCMLTZ_4S(3, 0)
	FMUL_4S(2, 0, 31)
	VBIT V3.B16, V2.B16, V0.B16 // V0 = V3 ? V2 : V0

fwdgstore:
	VST1.P [V0.S4], 16(R11)

fwdgnext:
	SUBS $1, R8
	BNE  fwdgroup

fwdtail:
	CBZ  R12, fwdnext
	MOVD R12, R8

fwdcol:
	FMOVS (R9), F0
	CBZ   R4, fwdsop
	FMOVS.P 4(R10), F1
	FADDS F1, F0, F0 // F0 = F0 + F1
	FMOVS F0, (R9)

fwdsop:
	ADD  $4, R9
	CBZ  R7, fwdsnext
	CMP  $2, R7
	BEQ  fwdsrelu
	CMP  $3, R7
	BEQ  fwdsleaky
	CMP  $4, R7
	BEQ  fwdspw
	B    fwdsstore

fwdsrelu:
	FMAXS F28, F0, F0 // F0 = max(F0, 0)
	B     fwdsstore

fwdspw:
	FADDS F29, F0, F0
	FMAXS F28, F0, F0
	FMINS F30, F0, F0
	B     fwdsstore

fwdsleaky:
	FMULS  F31, F0, F2     // F2 = F0·alpha
	FCMPS  $(0.0), F0
	FCSELS MI, F2, F0, F0  // MI: F0 < 0, false when unordered

fwdsstore:
	FMOVS.P F0, 4(R11)

fwdsnext:
	SUBS $1, R8
	BNE  fwdcol

fwdnext:
	ADD  R3, R2
	ADD  R6, R5
	SUBS $1, R0
	BNE  fwdrow

fwddone:
	RET

// func epiBackwardNEON(rows, cols int, z []float32, ldz int, d []float32, ldd int, op int, alpha float32)
//
// Sets d = f'(z)·d on the rows×cols tile d (rows ldd apart), cols ≤ 16, at
// the pre-activations z (rows ldz apart) for op epiReLU, epiLeaky (alpha)
// or epiPiecewise, bit-identical to reluGradRow, leakyGradRow and
// piecewiseGradRow for every input; other ops change nothing:
//   - ReLU: d where z > 0 (FCMGT #0), +0 elsewhere (BIF from zero);
//   - leaky ReLU: d where z > 0, d·alpha elsewhere (FMUL d, alpha);
//   - piecewise: +0 where |z| − 0.5 > 0 (FABS clears the sign bit like the
//     Go row's mask, FSUB, FCMGT #0), d elsewhere;
//   - z NaN: z itself, bits unchanged (FCMEQ z, z is false, BIF inserts z).
// Tile shape and tail as in epiForwardNEON: full 4-column groups in vectors,
// the last cols mod 4 columns with FCMPS+FCSELS (GT and VS are false/true
// exactly as the Go comparisons). The caller guarantees rows ≥ 1,
// 1 ≤ cols ≤ 16, and that z and d span (rows−1)·ld+cols.
//
// Register plan:
//   V0 = z, V1 = d, V2 = d·alpha or |z| − 0.5, V3 = mask; V28 = 0,
//   V29 = 0.5, V30 = 1 (unused), V31 = alpha;
//   R0 = rows left, R1 = full groups, R12 = cols mod 4, R2 = z row,
//   R3 = ldz bytes, R5 = d row, R6 = ldd bytes, R7 = op, R8 = counter,
//   R9 = z cursor, R11 = d cursor. Leaf, frame $0.
TEXT ·epiBackwardNEON(SB), NOSPLIT, $0-92
	MOVD rows+0(FP), R0
	MOVD cols+8(FP), R1
	MOVD z_base+16(FP), R2
	MOVD ldz+40(FP), R3
	LSL  $2, R3
	MOVD d_base+48(FP), R5
	MOVD ldd+72(FP), R6
	LSL  $2, R6
	MOVD op+80(FP), R7
	CMP  $2, R7
	BLT  bwddone // epiNone, epiCopy: d unchanged
	CMP  $4, R7
	BGT  bwddone
	EPI_CONSTS(alpha+88)
	AND  $3, R1, R12
	LSR  $2, R1
	CMP  $1, R0
	BLT  bwddone

bwdrow:
	MOVD R2, R9
	MOVD R5, R11
	MOVD R1, R8
	CBZ  R8, bwdtail

bwdgroup:
	VLD1.P 16(R9), [V0.S4]
	VLD1   (R11), [V1.S4]
	CMP    $3, R7
	BEQ    bwdgleaky
	BGT    bwdgpw
	FCMGTZ_4S(3, 0)
	VBIF   V3.B16, V28.B16, V1.B16 // V1 = V3 ? V1 : 0
	B      bwdgnan

bwdgleaky:
	FCMGTZ_4S(3, 0)
	FMUL_4S(2, 1, 31)
	VBIF V3.B16, V2.B16, V1.B16 // V1 = V3 ? V1 : V1·alpha
	B    bwdgnan

bwdgpw:
	FABS_4S(2, 0)
	FSUB_4S(2, 2, 29)
	FCMGTZ_4S(3, 2)
	VBIT V3.B16, V28.B16, V1.B16 // V1 = V3 ? 0 : V1

bwdgnan:
	FCMEQ_4S(3, 0, 0)
	VBIF V3.B16, V0.B16, V1.B16 // V1 = V3 ? V1 : V0 (z NaN)
	VST1.P [V1.S4], 16(R11)
	SUBS $1, R8
	BNE  bwdgroup

bwdtail:
	CBZ  R12, bwdnext
	MOVD R12, R8

bwdcol:
	FMOVS.P 4(R9), F0
	FMOVS   (R11), F1
	CMP     $3, R7
	BEQ     bwdsleaky
	BGT     bwdspw
	FCMPS   $(0.0), F0
	FCSELS  GT, F1, F28, F1 // z > 0 ? d : +0
	B       bwdsnan

bwdsleaky:
	FMULS  F31, F1, F2 // F2 = d·alpha
	FCMPS  $(0.0), F0
	FCSELS GT, F1, F2, F1
	B      bwdsnan

bwdspw:
	FABSS  F0, F2
	FSUBS  F29, F2, F2 // |z| − 0.5
	FCMPS  $(0.0), F2
	FCSELS GT, F28, F1, F1 // outside: +0

bwdsnan:
	FCMPS   F0, F0
	FCSELS  VS, F0, F1, F1 // unordered: z
	FMOVS.P F1, 4(R11)
	SUBS    $1, R8
	BNE     bwdcol

bwdnext:
	ADD  R3, R2
	ADD  R6, R5
	SUBS $1, R0
	BNE  bwdrow

bwddone:
	RET

// NLOAD_G reads one row of C at the four group columns (CPTR R7, group
// offsets R19..R21) and adds beta·C to accumulators n0..n3: acc += C·beta.
#define NLOAD_G(n0, n1, n2, n3) \
	VLD1 (R7), [V26.S4]; \
	ADD  R19, R7, R23; \
	VLD1 (R23), [V27.S4]; \
	ADD  R20, R7, R23; \
	VLD1 (R23), [V28.S4]; \
	ADD  R21, R7, R23; \
	VLD1 (R23), [V29.S4]; \
	FMLA_S(n0, 26, 25, 0); \
	FMLA_S(n1, 27, 25, 0); \
	FMLA_S(n2, 28, 25, 0); \
	FMLA_S(n3, 29, 25, 0)

// NSTORE_G stores one row's four groups and advances R7 by ldc.
#define NSTORE_G(r0, r1, r2, r3) \
	VST1 [r0.S4], (R7); \
	ADD  R19, R7, R23; \
	VST1 [r1.S4], (R23); \
	ADD  R20, R7, R23; \
	VST1 [r2.S4], (R23); \
	ADD  R21, R7, R23; \
	VST1 [r3.S4], (R23); \
	ADD  R8, R7

// NLOAD_L reads one row of C at the four lane columns (cols < 4) and adds
// beta·C to accumulator n.
#define NLOAD_L(n) \
	VLD1 (R7), V26.S[0]; \
	ADD  R19, R7, R23; \
	VLD1 (R23), V26.S[1]; \
	ADD  R20, R7, R23; \
	VLD1 (R23), V26.S[2]; \
	ADD  R21, R7, R23; \
	VLD1 (R23), V26.S[3]; \
	FMLA_S(n, 26, 25, 0)

// NSTORE_L stores one row's four lanes and advances R7 by ldc.
#define NSTORE_L(r) \
	VST1 r.S[0], (R7); \
	ADD  R19, R7, R23; \
	VST1 r.S[1], (R23); \
	ADD  R20, R7, R23; \
	VST1 r.S[2], (R23); \
	ADD  R21, R7, R23; \
	VST1 r.S[3], (R23); \
	ADD  R8, R7

// func sgemmNarrowNEON(m, k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc, cols int, alpha, beta float32)
//
// The masked-contract kernel for narrow products: C[m×cols] =
// alpha·(A[m×k]·B[k×cols]) + beta·C for 1 ≤ cols ≤ 16, A's element (i, p)
// at a[i·rs+p·ss] (row-major or transposed A in place, or a packed strip),
// B's rows ldb apart read in place, C's rows ldc apart; beta == 0 (either
// sign) means C is not read. Nothing outside A's m·k elements, B's k×cols
// and C's m×cols is read or written: NEON has no masks, so
//   - cols ≥ 4: the row is four 4-column groups at columns
//     min(4t, cols−4), t = 0..3: the last groups overlap the earlier ones
//     (or each other) instead of running past column cols−1;
//   - cols < 4: the four lanes are loaded and stored one by one (LD1/ST1
//     lane forms) from columns min(l, cols−1), l = 0..3.
// A column computed twice gets the same arithmetic both times, and within
// a row every C load comes before the first store, so the overlapping
// stores write identical values.
//
// Each element is summed over p = 0..k−1 in ascending order, one FMLA per
// term, from +0; the sum is scaled by alpha (FMUL), then beta·C is added in
// one FMLA. The arithmetic of an element depends on nothing but its own
// row and column, so the strips a caller splits the rows into (and so
// GOMAXPROCS) never change a bit, and a Go loop of float32 FMAs reproduces
// it exactly (TestMaskedKernels).
//
// Tile shape: strips of 4 rows × 16 columns (4 groups) from the top; the
// last strip's missing rows re-read the last row's A (never B or C beyond
// the operands) and are not stored. The k loop runs over the
// g = ceil(cols/4) groups cols needs (one loop per g: 4g FMLAs, g B loads
// and 4 A broadcasts a step); groups g..3, whose clamped columns are group
// g−1's, then copy its accumulators, so one four-group store serves all g.
// Not tuned on ARM hardware (qemu only).
//
// Register plan:
//   V0..V15   accumulators: row i, group t in V(4i+t) (cols < 4: V(4i))
//   V16..V19  B's row p at the four groups (cols < 4: the lanes of V16)
//   V20..V23  A(i, p) broadcast (LD1R) for the strip's 4 rows
//   V24 = alpha, V25 = beta (all lanes); V26..V29 a row of C
//   R0 = rows left, R1 = k counter, R2 = A at the strip's first row,
//   R3 = rs, R4 = ss, R6 = ldb, R8 = ldc (bytes), R5 = B, R7 = C row,
//   R9 = cols, R10..R13 = A at rows 0..3 and step p, R14..R17 = B at the
//   groups' (lanes') columns and step p, R19..R21 = byte offsets of groups
//   (lanes) 1..3, R22 = 4·rs, R23 scratch, R24 = beta's bits without the
//   sign (0: do not read C), R25 = g. Leaf, frame $0; R18, R26..R30
//   untouched.
TEXT ·sgemmNarrowNEON(SB), NOSPLIT, $0-136
	MOVD m+0(FP), R0
	MOVD cols+120(FP), R9
	CBZ  R0, ndone
	CBZ  R9, ndone
	MOVD a_base+16(FP), R2
	MOVD rs+40(FP), R3
	LSL  $2, R3
	LSL  $2, R3, R22
	MOVD ss+48(FP), R4
	LSL  $2, R4
	MOVD b_base+56(FP), R5
	MOVD ldb+80(FP), R6
	LSL  $2, R6
	MOVD c_base+88(FP), R7
	MOVD ldc+112(FP), R8
	LSL  $2, R8
	FMOVS alpha+128(FP), F24
	VDUP  V24.S[0], V24.S4
	FMOVS beta+132(FP), F25
	VDUP  V25.S[0], V25.S4
	MOVWU beta+132(FP), R24
	LSLW  $1, R24

	// Offsets of groups 1..3: min(4t, cols−4) columns; of lanes 1..3 when
	// cols < 4: min(l, cols−1).
	ADD  $3, R9, R25
	LSR  $2, R25 // groups: ceil(cols/4)
	CMP  $4, R9
	BLT  nlaneoffs
	SUB  $4, R9, R23
	MOVD $4, R19
	MOVD $8, R20
	MOVD $12, R21
	B    nclamp

nlaneoffs:
	SUB  $1, R9, R23
	MOVD $1, R19
	MOVD $2, R20
	MOVD $3, R21

nclamp:
	CMP  R23, R19
	CSEL GT, R23, R19, R19
	CMP  R23, R20
	CSEL GT, R23, R20, R20
	CMP  R23, R21
	CSEL GT, R23, R21, R21
	LSL  $2, R19
	LSL  $2, R20
	LSL  $2, R21

nstrip:
	// A's rows: the strip's rows past the last re-read the last one.
	MOVD R2, R10
	MOVD R2, R11
	MOVD R2, R12
	MOVD R2, R13
	CMP  $2, R0
	BLT  nptrs
	ADD  R3, R10, R11
	MOVD R11, R12
	MOVD R11, R13
	CMP  $3, R0
	BLT  nptrs
	ADD  R3, R11, R12
	MOVD R12, R13
	CMP  $4, R0
	BLT  nptrs
	ADD  R3, R12, R13

nptrs:
	MOVD R5, R14
	ADD  R19, R5, R15
	ADD  R20, R5, R16
	ADD  R21, R5, R17
	MOVD k+8(FP), R1
	ZERO4(V0, V1, V2, V3)
	ZERO4(V4, V5, V6, V7)
	ZERO4(V8, V9, V10, V11)
	ZERO4(V12, V13, V14, V15)
	CMP  $4, R9
	BLT  nlanes
	CBZ  R1, nscale
	CMP  $3, R25
	BEQ  ngstep3
	BGT  ngstep4
	CMP  $2, R25
	BEQ  ngstep2

// 1 group: 1 B loads, 4 A broadcasts, 4 FMLAs a step.
ngstep1:
	VLD1.P  (R14)(R6), [V16.S4]
	VLD1R.P (R10)(R4), [V20.S4]
	VLD1R.P (R11)(R4), [V21.S4]
	VLD1R.P (R12)(R4), [V22.S4]
	VLD1R.P (R13)(R4), [V23.S4]
	VFMLA   V16.S4, V20.S4, V0.S4
	VFMLA   V16.S4, V21.S4, V4.S4
	VFMLA   V16.S4, V22.S4, V8.S4
	VFMLA   V16.S4, V23.S4, V12.S4
	SUBS    $1, R1
	BNE     ngstep1
	B       ngfill

// 2 groups: 2 B loads, 4 A broadcasts, 8 FMLAs a step.
ngstep2:
	VLD1.P  (R14)(R6), [V16.S4]
	VLD1.P  (R15)(R6), [V17.S4]
	VLD1R.P (R10)(R4), [V20.S4]
	VLD1R.P (R11)(R4), [V21.S4]
	VLD1R.P (R12)(R4), [V22.S4]
	VLD1R.P (R13)(R4), [V23.S4]
	VFMLA   V16.S4, V20.S4, V0.S4
	VFMLA   V17.S4, V20.S4, V1.S4
	VFMLA   V16.S4, V21.S4, V4.S4
	VFMLA   V17.S4, V21.S4, V5.S4
	VFMLA   V16.S4, V22.S4, V8.S4
	VFMLA   V17.S4, V22.S4, V9.S4
	VFMLA   V16.S4, V23.S4, V12.S4
	VFMLA   V17.S4, V23.S4, V13.S4
	SUBS    $1, R1
	BNE     ngstep2
	B       ngfill

// 3 groups: 3 B loads, 4 A broadcasts, 12 FMLAs a step.
ngstep3:
	VLD1.P  (R14)(R6), [V16.S4]
	VLD1.P  (R15)(R6), [V17.S4]
	VLD1.P  (R16)(R6), [V18.S4]
	VLD1R.P (R10)(R4), [V20.S4]
	VLD1R.P (R11)(R4), [V21.S4]
	VLD1R.P (R12)(R4), [V22.S4]
	VLD1R.P (R13)(R4), [V23.S4]
	VFMLA   V16.S4, V20.S4, V0.S4
	VFMLA   V17.S4, V20.S4, V1.S4
	VFMLA   V18.S4, V20.S4, V2.S4
	VFMLA   V16.S4, V21.S4, V4.S4
	VFMLA   V17.S4, V21.S4, V5.S4
	VFMLA   V18.S4, V21.S4, V6.S4
	VFMLA   V16.S4, V22.S4, V8.S4
	VFMLA   V17.S4, V22.S4, V9.S4
	VFMLA   V18.S4, V22.S4, V10.S4
	VFMLA   V16.S4, V23.S4, V12.S4
	VFMLA   V17.S4, V23.S4, V13.S4
	VFMLA   V18.S4, V23.S4, V14.S4
	SUBS    $1, R1
	BNE     ngstep3
	B       ngfill

// 4 groups: 4 B loads, 4 A broadcasts, 16 FMLAs a step.
ngstep4:
	VLD1.P  (R14)(R6), [V16.S4]
	VLD1.P  (R15)(R6), [V17.S4]
	VLD1.P  (R16)(R6), [V18.S4]
	VLD1.P  (R17)(R6), [V19.S4]
	VLD1R.P (R10)(R4), [V20.S4]
	VLD1R.P (R11)(R4), [V21.S4]
	VLD1R.P (R12)(R4), [V22.S4]
	VLD1R.P (R13)(R4), [V23.S4]
	VFMLA   V16.S4, V20.S4, V0.S4
	VFMLA   V17.S4, V20.S4, V1.S4
	VFMLA   V18.S4, V20.S4, V2.S4
	VFMLA   V19.S4, V20.S4, V3.S4
	VFMLA   V16.S4, V21.S4, V4.S4
	VFMLA   V17.S4, V21.S4, V5.S4
	VFMLA   V18.S4, V21.S4, V6.S4
	VFMLA   V19.S4, V21.S4, V7.S4
	VFMLA   V16.S4, V22.S4, V8.S4
	VFMLA   V17.S4, V22.S4, V9.S4
	VFMLA   V18.S4, V22.S4, V10.S4
	VFMLA   V19.S4, V22.S4, V11.S4
	VFMLA   V16.S4, V23.S4, V12.S4
	VFMLA   V17.S4, V23.S4, V13.S4
	VFMLA   V18.S4, V23.S4, V14.S4
	VFMLA   V19.S4, V23.S4, V15.S4
	SUBS    $1, R1
	BNE     ngstep4
	B       nscale

// Groups g..3 have group g−1's (clamped) columns: copy its accumulators
// so the four-group stores below write the same values there.
ngfill:
	CMP  $3, R25
	BEQ  nfill3
	CMP  $2, R25
	BEQ  nfill2
	VMOV    V0.B16, V1.B16
	VMOV    V0.B16, V2.B16
	VMOV    V0.B16, V3.B16
	VMOV    V4.B16, V5.B16
	VMOV    V4.B16, V6.B16
	VMOV    V4.B16, V7.B16
	VMOV    V8.B16, V9.B16
	VMOV    V8.B16, V10.B16
	VMOV    V8.B16, V11.B16
	VMOV    V12.B16, V13.B16
	VMOV    V12.B16, V14.B16
	VMOV    V12.B16, V15.B16
	B       nscale

nfill2:
	VMOV    V1.B16, V2.B16
	VMOV    V1.B16, V3.B16
	VMOV    V5.B16, V6.B16
	VMOV    V5.B16, V7.B16
	VMOV    V9.B16, V10.B16
	VMOV    V9.B16, V11.B16
	VMOV    V13.B16, V14.B16
	VMOV    V13.B16, V15.B16
	B       nscale

nfill3:
	VMOV    V2.B16, V3.B16
	VMOV    V6.B16, V7.B16
	VMOV    V10.B16, V11.B16
	VMOV    V14.B16, V15.B16
	B       nscale

nlanes:
	CBZ R1, nscale

nlstep:
	VLD1.P  (R14)(R6), V16.S[0]
	VLD1.P  (R15)(R6), V16.S[1]
	VLD1.P  (R16)(R6), V16.S[2]
	VLD1.P  (R17)(R6), V16.S[3]
	VLD1R.P (R10)(R4), [V20.S4]
	VLD1R.P (R11)(R4), [V21.S4]
	VLD1R.P (R12)(R4), [V22.S4]
	VLD1R.P (R13)(R4), [V23.S4]
	VFMLA   V16.S4, V20.S4, V0.S4
	VFMLA   V16.S4, V21.S4, V4.S4
	VFMLA   V16.S4, V22.S4, V8.S4
	VFMLA   V16.S4, V23.S4, V12.S4
	SUBS    $1, R1
	BNE     nlstep

nscale:
	FMUL_S(0, 0, 24, 0)
	FMUL_S(1, 1, 24, 0)
	FMUL_S(2, 2, 24, 0)
	FMUL_S(3, 3, 24, 0)
	FMUL_S(4, 4, 24, 0)
	FMUL_S(5, 5, 24, 0)
	FMUL_S(6, 6, 24, 0)
	FMUL_S(7, 7, 24, 0)
	FMUL_S(8, 8, 24, 0)
	FMUL_S(9, 9, 24, 0)
	FMUL_S(10, 10, 24, 0)
	FMUL_S(11, 11, 24, 0)
	FMUL_S(12, 12, 24, 0)
	FMUL_S(13, 13, 24, 0)
	FMUL_S(14, 14, 24, 0)
	FMUL_S(15, 15, 24, 0)
	CMP  $4, R9
	BLT  nlstore
	CBZW R24, ngover

	// Groups, beta ≠ 0: each row's C is read before any of it is stored.
	NLOAD_G(0, 1, 2, 3)
	NSTORE_G(V0, V1, V2, V3)
	CMP $2, R0
	BLT nnext
	NLOAD_G(4, 5, 6, 7)
	NSTORE_G(V4, V5, V6, V7)
	CMP $3, R0
	BLT nnext
	NLOAD_G(8, 9, 10, 11)
	NSTORE_G(V8, V9, V10, V11)
	CMP $4, R0
	BLT nnext
	NLOAD_G(12, 13, 14, 15)
	NSTORE_G(V12, V13, V14, V15)
	B nnext

ngover:
	NSTORE_G(V0, V1, V2, V3)
	CMP $2, R0
	BLT nnext
	NSTORE_G(V4, V5, V6, V7)
	CMP $3, R0
	BLT nnext
	NSTORE_G(V8, V9, V10, V11)
	CMP $4, R0
	BLT nnext
	NSTORE_G(V12, V13, V14, V15)
	B nnext

nlstore:
	CBZW R24, nlover
	NLOAD_L(0)
	NSTORE_L(V0)
	CMP $2, R0
	BLT nnext
	NLOAD_L(4)
	NSTORE_L(V4)
	CMP $3, R0
	BLT nnext
	NLOAD_L(8)
	NSTORE_L(V8)
	CMP $4, R0
	BLT nnext
	NLOAD_L(12)
	NSTORE_L(V12)
	B nnext

nlover:
	NSTORE_L(V0)
	CMP $2, R0
	BLT nnext
	NSTORE_L(V4)
	CMP $3, R0
	BLT nnext
	NSTORE_L(V8)
	CMP $4, R0
	BLT nnext
	NSTORE_L(V12)

nnext:
	ADD  R22, R2
	SUBS $4, R0
	BGT  nstrip

ndone:
	RET

// func sgemvPanelsNEON(k int, a, b []float32, ldb int, c []float32, n int, alpha, beta float32)
//
// c[0:n] = alpha·(a[0:k]·B[k×n]) + beta·c for n a multiple of 16 (the m = 1
// product: batch-1 inference), B's rows ldb floats apart; beta == 0 (either
// sign) means c is not read. Each c[j] is one FMLA chain over p = 0..k−1
// ascending from +0, times alpha, plus beta·c[j] in one FMLA: the bits of
// sgemmNarrowNEON's element, so the column tail the caller leaves to that
// kernel matches. B is streamed once, row by row: each step of k loads a[p]
// replicated to four lanes and 48 (or 16) floats of B's row p and issues one
// FMLA per B vector into its own accumulator.
//
// Register plan (ASIMD; dispatch checks it):
//   V0..V11   accumulators of a 48-column panel, column 4q..4q+3 in Vq
//             (V0..V3 for a 16-column panel)
//   V12..V23  B's row p at the panel's columns; V24 = a[p] in all lanes
//   V29, V30  alpha and beta in lane 0 (epilogue); V12..V23 a row of c
//   R0 = k counter, R1 = A pointer, R2 = B at the panel's row p, R3 = ldb
//   in bytes, R4 = c at the panel, R5 = columns left, R6 = beta's bits,
//   R7 = B pointer within row p, R8 = A's base, R9 = B at the panel's row 0.
// Twelve independent chains cover FMLA latency 4 × 2–3 pipes in the 48-column
// loop; the 16-column loop runs at most twice per call (n mod 48 < 48).
// No software prefetch: B's rows are sequential within a panel.
TEXT ·sgemvPanelsNEON(SB), NOSPLIT, $0-104
	MOVD  k+0(FP), R10
	MOVD  a_base+8(FP), R8
	MOVD  b_base+32(FP), R9
	MOVD  ldb+56(FP), R3
	LSL   $2, R3
	MOVD  c_base+64(FP), R4
	MOVD  n+88(FP), R5
	FMOVS alpha+96(FP), F29
	FMOVS beta+100(FP), F30
	MOVWU beta+100(FP), R6
	LSLW  $1, R6
	CBZ   R10, gdone

gpanel48:
	CMP  $48, R5
	BLT  gpanel16
	ZERO4(V0, V1, V2, V3)
	ZERO4(V4, V5, V6, V7)
	ZERO4(V8, V9, V10, V11)
	MOVD R10, R0
	MOVD R8, R1
	MOVD R9, R2

gstep48:
	VLD1R.P 4(R1), [V24.S4]
	MOVD    R2, R7
	VLD1.P  64(R7), [V12.S4, V13.S4, V14.S4, V15.S4]
	VLD1.P  64(R7), [V16.S4, V17.S4, V18.S4, V19.S4]
	VLD1    (R7), [V20.S4, V21.S4, V22.S4, V23.S4]
	ADD     R3, R2
	VFMLA   V24.S4, V12.S4, V0.S4
	VFMLA   V24.S4, V13.S4, V1.S4
	VFMLA   V24.S4, V14.S4, V2.S4
	VFMLA   V24.S4, V15.S4, V3.S4
	VFMLA   V24.S4, V16.S4, V4.S4
	VFMLA   V24.S4, V17.S4, V5.S4
	VFMLA   V24.S4, V18.S4, V6.S4
	VFMLA   V24.S4, V19.S4, V7.S4
	VFMLA   V24.S4, V20.S4, V8.S4
	VFMLA   V24.S4, V21.S4, V9.S4
	VFMLA   V24.S4, V22.S4, V10.S4
	VFMLA   V24.S4, V23.S4, V11.S4
	SUBS    $1, R0
	BNE     gstep48

	SCALE_ROW(0, 1, 2)
	SCALE_ROW(3, 4, 5)
	SCALE_ROW(6, 7, 8)
	SCALE_ROW(9, 10, 11)
	CBZW R6, gstore48
	MOVD R4, R7
	VLD1.P 64(R7), [V12.S4, V13.S4, V14.S4, V15.S4]
	VLD1.P 64(R7), [V16.S4, V17.S4, V18.S4, V19.S4]
	VLD1   (R7), [V20.S4, V21.S4, V22.S4, V23.S4]
	FMLA_S(0, 12, 30, 0)
	FMLA_S(1, 13, 30, 0)
	FMLA_S(2, 14, 30, 0)
	FMLA_S(3, 15, 30, 0)
	FMLA_S(4, 16, 30, 0)
	FMLA_S(5, 17, 30, 0)
	FMLA_S(6, 18, 30, 0)
	FMLA_S(7, 19, 30, 0)
	FMLA_S(8, 20, 30, 0)
	FMLA_S(9, 21, 30, 0)
	FMLA_S(10, 22, 30, 0)
	FMLA_S(11, 23, 30, 0)

gstore48:
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R4)
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(R4)
	VST1.P [V8.S4, V9.S4, V10.S4, V11.S4], 64(R4)
	ADD    $192, R9
	SUB    $48, R5
	B      gpanel48

gpanel16:
	CBZ  R5, gdone
	ZERO4(V0, V1, V2, V3)
	MOVD R10, R0
	MOVD R8, R1
	MOVD R9, R2

gstep16:
	VLD1R.P 4(R1), [V24.S4]
	VLD1    (R2), [V12.S4, V13.S4, V14.S4, V15.S4]
	ADD     R3, R2
	VFMLA   V24.S4, V12.S4, V0.S4
	VFMLA   V24.S4, V13.S4, V1.S4
	VFMLA   V24.S4, V14.S4, V2.S4
	VFMLA   V24.S4, V15.S4, V3.S4
	SUBS    $1, R0
	BNE     gstep16

	SCALE_ROW(0, 1, 2)
	FMUL_S(3, 3, 29, 0)
	CBZW R6, gstore16
	VLD1 (R4), [V12.S4, V13.S4, V14.S4, V15.S4]
	FMLA_S(0, 12, 30, 0)
	FMLA_S(1, 13, 30, 0)
	FMLA_S(2, 14, 30, 0)
	FMLA_S(3, 15, 30, 0)

gstore16:
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R4)
	ADD    $64, R9
	SUB    $16, R5
	B      gpanel16

gdone:
	RET
