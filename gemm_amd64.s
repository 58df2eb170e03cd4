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

// Small-m kernels: C[R×16] = alpha·(A[R×k]·B[k×16]) + beta·C for R = 1, 2, 4
// rows, for row strips shorter than the 6-row tile (batch-1 inference, the
// 4-row rest of a batch of 10). A element (i, p) is at a[i·rs + p·ss], so the
// same kernel reads a packed strip (rs = 1, ss = 6), a row-major A in place
// (rs = lda, ss = 1) or a transposed A in place (rs = 1, ss = lda); nothing
// but those R·k elements is read. B and C as in the 6×16 kernel: B rows ldb
// floats apart, C rows ldc apart, beta == 0 means C is not read.
//
//   func sgemmKernel{1,2,4}x16AVX2(k int, a []float32, rs, ss int, b []float32, ldb int,
//                                  c []float32, ldc int, alpha, beta float32)
//
// Fewer rows mean fewer independent FMA chains, so the 1- and 2-row kernels
// split k: consecutive steps go to 4 (1 row) or 2 (2 rows) sets of
// accumulators, added at the end, giving 8 chains like the 4-row kernel.
// Register plan: Y0..Y7 accumulators (set s of rows: Y(2·…) columns 0..7,
// the next register columns 8..15), Y12/Y13 a row of B, Y14/Y15 A
// broadcasts; SI = A pointer, R10 = rs in bytes, R11 = ss in bytes,
// R12 = 3·rs in bytes, BX = B pointer, R8 = ldb in bytes, CX = k counter,
// DI = C row pointer, DX = ldc in bytes. Tail: single steps into set 0.
#define RSB R10
#define SSB R11
#define RS3 R12

// SMALL_PROLOGUE turns the strides loaded from the arguments into bytes
// and clears the accumulators.
#define SMALL_PROLOGUE \
	SHLQ $2, RSB; \
	LEAQ (RSB)(RSB*2), RS3; \
	SHLQ $2, SSB; \
	SHLQ $2, LDB; \
	SHLQ $2, LDC; \
	VXORPS Y0, Y0, Y0; \
	VXORPS Y1, Y1, Y1; \
	VXORPS Y2, Y2, Y2; \
	VXORPS Y3, Y3, Y3; \
	VXORPS Y4, Y4, Y4; \
	VXORPS Y5, Y5, Y5; \
	VXORPS Y6, Y6, Y6; \
	VXORPS Y7, Y7, Y7

// ONE_ROW: one step of k for one row: acc lo/hi += A(row at aoff) · B row.
#define ONE_ROW(aaddr, lo, hi) \
	VBROADCASTSS aaddr, Y14; \
	VFMADD231PS (BPTR), Y14, lo; \
	VFMADD231PS 32(BPTR), Y14, hi

#define NEXT_K \
	ADDQ SSB, APTR; \
	ADDQ LDB, BPTR

// SMALL_ALPHA scales the accumulators Y0..Y7 by alpha in Y14 (unused ones
// are never stored, so scaling them is harmless) and leaves ZF set when beta (AX,
// its bits shifted left by one) is ±0.
#define SMALL_ALPHA \
	VMULPS Y14, Y0, Y0; \
	VMULPS Y14, Y1, Y1; \
	VMULPS Y14, Y2, Y2; \
	VMULPS Y14, Y3, Y3; \
	VMULPS Y14, Y4, Y4; \
	VMULPS Y14, Y5, Y5; \
	VMULPS Y14, Y6, Y6; \
	VMULPS Y14, Y7, Y7; \
	SHLL $1, AX

TEXT ·sgemmKernel1x16AVX2(SB), NOSPLIT, $0-120
	MOVQ k+0(FP), KCNT
	MOVQ a_base+8(FP), APTR
	MOVQ rs+32(FP), RSB
	MOVQ ss+40(FP), SSB
	MOVQ b_base+48(FP), BPTR
	MOVQ ldb+72(FP), LDB
	MOVQ c_base+80(FP), CPTR
	MOVQ ldc+104(FP), LDC
	SMALL_PROLOGUE
	CMPQ KCNT, $4
	JLT  r1_tail

r1_loop4:
	ONE_ROW((APTR), Y0, Y1)
	NEXT_K
	ONE_ROW((APTR), Y2, Y3)
	NEXT_K
	ONE_ROW((APTR), Y4, Y5)
	NEXT_K
	ONE_ROW((APTR), Y6, Y7)
	NEXT_K
	SUBQ $4, KCNT
	CMPQ KCNT, $4
	JGE  r1_loop4

r1_tail:
	TESTQ KCNT, KCNT
	JEQ   r1_sum

r1_loop1:
	ONE_ROW((APTR), Y0, Y1)
	NEXT_K
	DECQ KCNT
	JNE  r1_loop1

r1_sum:
	VADDPS Y2, Y0, Y0
	VADDPS Y3, Y1, Y1
	VADDPS Y6, Y4, Y4
	VADDPS Y7, Y5, Y5
	VADDPS Y4, Y0, Y0
	VADDPS Y5, Y1, Y1
	VBROADCASTSS alpha+112(FP), Y14
	VBROADCASTSS beta+116(FP), Y15
	MOVL beta+116(FP), AX
	SMALL_ALPHA
	JEQ r1_over
	STORE_ROW_BETA(Y0, Y1)
	VZEROUPPER
	RET

r1_over:
	STORE_ROW(Y0, Y1)
	VZEROUPPER
	RET

TEXT ·sgemmKernel2x16AVX2(SB), NOSPLIT, $0-120
	MOVQ k+0(FP), KCNT
	MOVQ a_base+8(FP), APTR
	MOVQ rs+32(FP), RSB
	MOVQ ss+40(FP), SSB
	MOVQ b_base+48(FP), BPTR
	MOVQ ldb+72(FP), LDB
	MOVQ c_base+80(FP), CPTR
	MOVQ ldc+104(FP), LDC
	SMALL_PROLOGUE
	CMPQ KCNT, $2
	JLT  r2_tail

r2_loop2:
	ONE_ROW((APTR), Y0, Y1)
	ONE_ROW((APTR)(RSB*1), Y2, Y3)
	NEXT_K
	ONE_ROW((APTR), Y4, Y5)
	ONE_ROW((APTR)(RSB*1), Y6, Y7)
	NEXT_K
	SUBQ $2, KCNT
	CMPQ KCNT, $2
	JGE  r2_loop2

r2_tail:
	TESTQ KCNT, KCNT
	JEQ   r2_sum
	ONE_ROW((APTR), Y0, Y1)
	ONE_ROW((APTR)(RSB*1), Y2, Y3)

r2_sum:
	VADDPS Y4, Y0, Y0
	VADDPS Y5, Y1, Y1
	VADDPS Y6, Y2, Y2
	VADDPS Y7, Y3, Y3
	VBROADCASTSS alpha+112(FP), Y14
	VBROADCASTSS beta+116(FP), Y15
	MOVL beta+116(FP), AX
	SMALL_ALPHA
	JEQ r2_over
	STORE_ROW_BETA(Y0, Y1)
	STORE_ROW_BETA(Y2, Y3)
	VZEROUPPER
	RET

r2_over:
	STORE_ROW(Y0, Y1)
	STORE_ROW(Y2, Y3)
	VZEROUPPER
	RET

// The 4-row kernel loads each B row once into Y12/Y13 (it is used 4
// times) and needs no k split: 8 accumulators are already 8 chains.
#define FOUR_ROWS \
	VMOVUPS (BPTR), Y12; \
	VMOVUPS 32(BPTR), Y13; \
	VBROADCASTSS (APTR), Y14; \
	VFMADD231PS Y12, Y14, Y0; \
	VFMADD231PS Y13, Y14, Y1; \
	VBROADCASTSS (APTR)(RSB*1), Y15; \
	VFMADD231PS Y12, Y15, Y2; \
	VFMADD231PS Y13, Y15, Y3; \
	VBROADCASTSS (APTR)(RSB*2), Y14; \
	VFMADD231PS Y12, Y14, Y4; \
	VFMADD231PS Y13, Y14, Y5; \
	VBROADCASTSS (APTR)(RS3*1), Y15; \
	VFMADD231PS Y12, Y15, Y6; \
	VFMADD231PS Y13, Y15, Y7; \
	NEXT_K

TEXT ·sgemmKernel4x16AVX2(SB), NOSPLIT, $0-120
	MOVQ k+0(FP), KCNT
	MOVQ a_base+8(FP), APTR
	MOVQ rs+32(FP), RSB
	MOVQ ss+40(FP), SSB
	MOVQ b_base+48(FP), BPTR
	MOVQ ldb+72(FP), LDB
	MOVQ c_base+80(FP), CPTR
	MOVQ ldc+104(FP), LDC
	SMALL_PROLOGUE
	CMPQ KCNT, $2
	JLT  r4_tail

r4_loop2:
	FOUR_ROWS
	FOUR_ROWS
	SUBQ $2, KCNT
	CMPQ KCNT, $2
	JGE  r4_loop2

r4_tail:
	TESTQ KCNT, KCNT
	JEQ   r4_store
	FOUR_ROWS

r4_store:
	VBROADCASTSS alpha+112(FP), Y14
	VBROADCASTSS beta+116(FP), Y15
	MOVL beta+116(FP), AX
	SMALL_ALPHA
	JEQ r4_over
	STORE_ROW_BETA(Y0, Y1)
	STORE_ROW_BETA(Y2, Y3)
	STORE_ROW_BETA(Y4, Y5)
	STORE_ROW_BETA(Y6, Y7)
	VZEROUPPER
	RET

r4_over:
	STORE_ROW(Y0, Y1)
	STORE_ROW(Y2, Y3)
	STORE_ROW(Y4, Y5)
	STORE_ROW(Y6, Y7)
	VZEROUPPER
	RET
