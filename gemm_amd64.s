//go:build gc && !purego && !noasm

#include "textflag.h"

// func sgemmKernel6x16AVX2(k int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)
//
// C[6×16] = alpha·(packedA[6×k]·B[k×16]) + beta·C; beta == 0 means C is not
// read. packedA holds 6 floats (one column of the A tile) per step of k; B
// holds 16 floats (one row of the B tile) per step, ldb floats apart: ldb = 16
// for a packed strip, B's own row stride when the driver skips packing.
//
// Register plan (AVX2 + FMA3, checked by the caller's dispatch):
//   Y0..Y11   accumulators: row i of C in Y(2i) (columns 0..7) and Y(2i+1) (8..15)
//   Y12, Y13  the current row of packedB (16 floats)
//   Y14       the broadcast A element; Y14/Y15 alpha and beta in the epilogue
//   SI = A pointer, BX = B pointer, R8 = ldb in bytes, R9 = 3·ldb in bytes,
//   CX = k counter, DI = C row pointer, DX = ldc in bytes
// Loop: unrolled 4 steps of k, then single steps for k mod 4. 12 independent
// FMA chains cover Zen 4's and Haswell's FMA latency × 2 ports. Tail: none;
// the packs are zero-padded and partial tiles run on a scratch tile.
#define APTR SI
#define BPTR BX
#define KCNT CX
#define CPTR DI
#define LDC DX

#define LDB R8
#define LDB3 R9

// STEP does one step of k: B's row from b_lo/b_hi, A's column at off_a.
#define STEP(off_a, b_lo, b_hi) \
	VMOVUPS b_lo, Y12; \
	VMOVUPS b_hi, Y13; \
	VBROADCASTSS off_a(APTR), Y14; \
	VFMADD231PS Y12, Y14, Y0; \
	VFMADD231PS Y13, Y14, Y1; \
	VBROADCASTSS off_a+4(APTR), Y14; \
	VFMADD231PS Y12, Y14, Y2; \
	VFMADD231PS Y13, Y14, Y3; \
	VBROADCASTSS off_a+8(APTR), Y14; \
	VFMADD231PS Y12, Y14, Y4; \
	VFMADD231PS Y13, Y14, Y5; \
	VBROADCASTSS off_a+12(APTR), Y14; \
	VFMADD231PS Y12, Y14, Y6; \
	VFMADD231PS Y13, Y14, Y7; \
	VBROADCASTSS off_a+16(APTR), Y14; \
	VFMADD231PS Y12, Y14, Y8; \
	VFMADD231PS Y13, Y14, Y9; \
	VBROADCASTSS off_a+20(APTR), Y14; \
	VFMADD231PS Y12, Y14, Y10; \
	VFMADD231PS Y13, Y14, Y11

// STORE_ROW writes one row of C: beta == 0 stores alpha·acc (Y14 = alpha);
// otherwise the caller has already scaled by alpha and we add beta·C (Y15 = beta).
#define STORE_ROW_BETA(lo, hi) \
	VFMADD231PS (CPTR), Y15, lo; \
	VFMADD231PS 32(CPTR), Y15, hi; \
	VMOVUPS lo, (CPTR); \
	VMOVUPS hi, 32(CPTR); \
	ADDQ LDC, CPTR

#define STORE_ROW(lo, hi) \
	VMOVUPS lo, (CPTR); \
	VMOVUPS hi, 32(CPTR); \
	ADDQ LDC, CPTR

TEXT ·sgemmKernel6x16AVX2(SB), NOSPLIT, $0-104
	MOVQ k+0(FP), KCNT
	MOVQ a_base+8(FP), APTR
	MOVQ b_base+32(FP), BPTR
	MOVQ ldb+56(FP), LDB
	SHLQ $2, LDB
	LEAQ (LDB)(LDB*2), LDB3
	MOVQ c_base+64(FP), CPTR
	MOVQ ldc+88(FP), LDC
	SHLQ $2, LDC

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	CMPQ KCNT, $4
	JLT  tail

loop4:
	STEP(0, (BPTR), 32(BPTR))
	STEP(24, (BPTR)(LDB*1), 32(BPTR)(LDB*1))
	STEP(48, (BPTR)(LDB*2), 32(BPTR)(LDB*2))
	STEP(72, (BPTR)(LDB3*1), 32(BPTR)(LDB3*1))
	ADDQ $96, APTR
	LEAQ (BPTR)(LDB*4), BPTR
	SUBQ $4, KCNT
	CMPQ KCNT, $4
	JGE  loop4

tail:
	TESTQ KCNT, KCNT
	JEQ   epilogue

loop1:
	STEP(0, (BPTR), 32(BPTR))
	ADDQ $24, APTR
	ADDQ LDB, BPTR
	DECQ KCNT
	JNE  loop1

epilogue:
	VBROADCASTSS alpha+96(FP), Y14
	VMULPS Y14, Y0, Y0
	VMULPS Y14, Y1, Y1
	VMULPS Y14, Y2, Y2
	VMULPS Y14, Y3, Y3
	VMULPS Y14, Y4, Y4
	VMULPS Y14, Y5, Y5
	VMULPS Y14, Y6, Y6
	VMULPS Y14, Y7, Y7
	VMULPS Y14, Y8, Y8
	VMULPS Y14, Y9, Y9
	VMULPS Y14, Y10, Y10
	VMULPS Y14, Y11, Y11

	// beta == 0 (either sign of zero) must not read C.
	MOVL    beta+100(FP), AX
	SHLL    $1, AX
	JEQ     overwrite
	VBROADCASTSS beta+100(FP), Y15
	STORE_ROW_BETA(Y0, Y1)
	STORE_ROW_BETA(Y2, Y3)
	STORE_ROW_BETA(Y4, Y5)
	STORE_ROW_BETA(Y6, Y7)
	STORE_ROW_BETA(Y8, Y9)
	STORE_ROW_BETA(Y10, Y11)
	VZEROUPPER
	RET

overwrite:
	STORE_ROW(Y0, Y1)
	STORE_ROW(Y2, Y3)
	STORE_ROW(Y4, Y5)
	STORE_ROW(Y6, Y7)
	STORE_ROW(Y8, Y9)
	STORE_ROW(Y10, Y11)
	VZEROUPPER
	RET

// func fmaPeakAVX2(n int)
//
// Runs n iterations of 12 independent 8-wide FMAs (192 flops each) on
// registers only, to measure the machine's attainable FMA throughput in the
// same run as the GEMM benchmarks. Y0..Y11 accumulate, Y12/Y13 are constant
// operands; CX counts iterations.
TEXT ·fmaPeakAVX2(SB), NOSPLIT, $0-8
	MOVQ n+0(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	TESTQ CX, CX
	JEQ   done

peakloop:
	VFMADD231PS Y12, Y13, Y0
	VFMADD231PS Y12, Y13, Y1
	VFMADD231PS Y12, Y13, Y2
	VFMADD231PS Y12, Y13, Y3
	VFMADD231PS Y12, Y13, Y4
	VFMADD231PS Y12, Y13, Y5
	VFMADD231PS Y12, Y13, Y6
	VFMADD231PS Y12, Y13, Y7
	VFMADD231PS Y12, Y13, Y8
	VFMADD231PS Y12, Y13, Y9
	VFMADD231PS Y12, Y13, Y10
	VFMADD231PS Y12, Y13, Y11
	DECQ CX
	JNE  peakloop

done:
	VZEROUPPER
	RET
