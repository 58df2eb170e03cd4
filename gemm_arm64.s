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
// and 12 columns, and partial C tiles go through an 8×12 scratch tile.
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

	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16

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
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16
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
