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

// ---------------------------------------------------------------------------
// AVX-512 kernels. The caller (gemm_amd64.go) has checked AVX512F (with OS
// zmm state, which cpuid/v2 verifies through XCR0) as well as AVX2 and FMA3.
// Only AVX512F instructions are used on zmm: VPXORD rather than VXORPS
// (which needs AVX512DQ on zmm), VBROADCASTSS, VMOVUPS, VMULPS, VADDPS and
// VFMADD231PS.

// ZSTORE_ROW_BETA writes one 32-float row of C as lo + beta·C (Z31 = beta,
// the accumulators already scaled by alpha); ZSTORE_ROW writes lo/hi as
// they are (beta == 0: C is not read).
#define ZSTORE_ROW_BETA(lo, hi) \
	VFMADD231PS (CPTR), Z31, lo; \
	VFMADD231PS 64(CPTR), Z31, hi; \
	VMOVUPS lo, (CPTR); \
	VMOVUPS hi, 64(CPTR); \
	ADDQ LDC, CPTR

// ZPREFETCH_ROWS prefetches the cache lines of one 32-float (128-byte) C
// row at AX, three of them when the row is not 64-byte aligned, and moves
// AX to the next row. A prefetch never faults, and only bytes of the row
// itself are named.
#define ZPREFETCH_ROWS \
	PREFETCHT0 (AX); \
	PREFETCHT0 64(AX); \
	PREFETCHT0 124(AX); \
	ADDQ LDC, AX

#define ZSTORE_ROW(lo, hi) \
	VMOVUPS lo, (CPTR); \
	VMOVUPS hi, 64(CPTR); \
	ADDQ LDC, CPTR

// func sgemmKernel8x32AVX512(k int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)
//
// C[8×32] = alpha·(packedA[8×k]·B[k×32]) + beta·C; beta == 0 means C is not
// read. packedA holds 8 floats (one column of the A tile) per step of k; B
// holds 32 floats (one row of the B tile) per step, ldb floats apart (32 for
// a packed strip, B's own row stride when the driver reads B in place).
//
// Register plan:
//   Z0..Z15   accumulators: row i of C in Z(2i) (columns 0..15) and
//             Z(2i+1) (columns 16..31): 16 independent FMA chains, twice
//             the 4-cycle latency × 2 FMA ports
//   Z28, Z29  B's row on even steps of k; Z26, Z27 on odd steps, so the
//             next row's loads need not wait for this row's last FMA
//   Z30, Z31  A broadcasts, alternating rows; alpha and beta in the epilogue
//   SI = A pointer, BX = B pointer, R8 = ldb in bytes, R9 = 3·ldb in bytes,
//   CX = k counter, DI = C row pointer, DX = ldc in bytes
// Per step of k: 2 B loads and 8 broadcast loads feed 16 FMAs, so the two
// FMA ports, not the load ports, set the pace.
// Loop: unrolled 4 steps of k, then single steps for k mod 4. Tail: none;
// the packs are zero-padded and partial tiles run on a scratch tile.
// Why 8×32 and not 12×32: on panels in L1 both run at 92–95% of
// BenchmarkPeak/avx512 on this machine (Xeon, two 512-bit FMA ports), but
// inside Sgemm a 12×32 tile measured 153–161 GFLOP/s at 512³ and 1024³
// against 178 for 8×32, and 5–10% less on the MLP shapes; 8 rows also
// divide the batches of 128 and 1024 and leave 2 rows, not 10, at batch 10.
// The A strip is prefetched 8 iterations (1 KiB) ahead and the C tile at
// entry; prefetches never fault, and those past the strip's end fetch the
// next strip of the same packed block.
TEXT ·sgemmKernel8x32AVX512(SB), NOSPLIT, $0-104
	MOVQ k+0(FP), KCNT
	MOVQ a_base+8(FP), APTR
	MOVQ b_base+32(FP), BPTR
	MOVQ ldb+56(FP), LDB
	SHLQ $2, LDB
	LEAQ (LDB)(LDB*2), LDB3
	MOVQ c_base+64(FP), CPTR
	MOVQ ldc+88(FP), LDC
	SHLQ $2, LDC

	// Start fetching the C tile now, so the epilogue finds it in L1
	// instead of stalling on up to 16 misses to L3.
	MOVQ CPTR, AX
	ZPREFETCH_ROWS
	ZPREFETCH_ROWS
	ZPREFETCH_ROWS
	ZPREFETCH_ROWS
	ZPREFETCH_ROWS
	ZPREFETCH_ROWS
	ZPREFETCH_ROWS
	ZPREFETCH_ROWS

	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15

	CMPQ KCNT, $4
	JLT  k8_tail

k8_loop4:
	VMOVUPS (BPTR), Z28
	VMOVUPS 64(BPTR), Z29
	VBROADCASTSS 0(APTR), Z30
	VFMADD231PS Z28, Z30, Z0
	VFMADD231PS Z29, Z30, Z1
	VBROADCASTSS 4(APTR), Z31
	VFMADD231PS Z28, Z31, Z2
	VFMADD231PS Z29, Z31, Z3
	VBROADCASTSS 8(APTR), Z30
	VFMADD231PS Z28, Z30, Z4
	VFMADD231PS Z29, Z30, Z5
	VBROADCASTSS 12(APTR), Z31
	VFMADD231PS Z28, Z31, Z6
	VFMADD231PS Z29, Z31, Z7
	VBROADCASTSS 16(APTR), Z30
	VFMADD231PS Z28, Z30, Z8
	VFMADD231PS Z29, Z30, Z9
	VBROADCASTSS 20(APTR), Z31
	VFMADD231PS Z28, Z31, Z10
	VFMADD231PS Z29, Z31, Z11
	VBROADCASTSS 24(APTR), Z30
	VFMADD231PS Z28, Z30, Z12
	VFMADD231PS Z29, Z30, Z13
	VBROADCASTSS 28(APTR), Z31
	VFMADD231PS Z28, Z31, Z14
	VFMADD231PS Z29, Z31, Z15
	VMOVUPS (BPTR)(LDB*1), Z26
	VMOVUPS 64(BPTR)(LDB*1), Z27
	VBROADCASTSS 32(APTR), Z30
	VFMADD231PS Z26, Z30, Z0
	VFMADD231PS Z27, Z30, Z1
	VBROADCASTSS 36(APTR), Z31
	VFMADD231PS Z26, Z31, Z2
	VFMADD231PS Z27, Z31, Z3
	VBROADCASTSS 40(APTR), Z30
	VFMADD231PS Z26, Z30, Z4
	VFMADD231PS Z27, Z30, Z5
	VBROADCASTSS 44(APTR), Z31
	VFMADD231PS Z26, Z31, Z6
	VFMADD231PS Z27, Z31, Z7
	VBROADCASTSS 48(APTR), Z30
	VFMADD231PS Z26, Z30, Z8
	VFMADD231PS Z27, Z30, Z9
	VBROADCASTSS 52(APTR), Z31
	VFMADD231PS Z26, Z31, Z10
	VFMADD231PS Z27, Z31, Z11
	VBROADCASTSS 56(APTR), Z30
	VFMADD231PS Z26, Z30, Z12
	VFMADD231PS Z27, Z30, Z13
	VBROADCASTSS 60(APTR), Z31
	VFMADD231PS Z26, Z31, Z14
	VFMADD231PS Z27, Z31, Z15
	VMOVUPS (BPTR)(LDB*2), Z28
	VMOVUPS 64(BPTR)(LDB*2), Z29
	VBROADCASTSS 64(APTR), Z30
	VFMADD231PS Z28, Z30, Z0
	VFMADD231PS Z29, Z30, Z1
	VBROADCASTSS 68(APTR), Z31
	VFMADD231PS Z28, Z31, Z2
	VFMADD231PS Z29, Z31, Z3
	VBROADCASTSS 72(APTR), Z30
	VFMADD231PS Z28, Z30, Z4
	VFMADD231PS Z29, Z30, Z5
	VBROADCASTSS 76(APTR), Z31
	VFMADD231PS Z28, Z31, Z6
	VFMADD231PS Z29, Z31, Z7
	VBROADCASTSS 80(APTR), Z30
	VFMADD231PS Z28, Z30, Z8
	VFMADD231PS Z29, Z30, Z9
	VBROADCASTSS 84(APTR), Z31
	VFMADD231PS Z28, Z31, Z10
	VFMADD231PS Z29, Z31, Z11
	VBROADCASTSS 88(APTR), Z30
	VFMADD231PS Z28, Z30, Z12
	VFMADD231PS Z29, Z30, Z13
	VBROADCASTSS 92(APTR), Z31
	VFMADD231PS Z28, Z31, Z14
	VFMADD231PS Z29, Z31, Z15
	VMOVUPS (BPTR)(LDB3*1), Z26
	VMOVUPS 64(BPTR)(LDB3*1), Z27
	VBROADCASTSS 96(APTR), Z30
	VFMADD231PS Z26, Z30, Z0
	VFMADD231PS Z27, Z30, Z1
	VBROADCASTSS 100(APTR), Z31
	VFMADD231PS Z26, Z31, Z2
	VFMADD231PS Z27, Z31, Z3
	VBROADCASTSS 104(APTR), Z30
	VFMADD231PS Z26, Z30, Z4
	VFMADD231PS Z27, Z30, Z5
	VBROADCASTSS 108(APTR), Z31
	VFMADD231PS Z26, Z31, Z6
	VFMADD231PS Z27, Z31, Z7
	VBROADCASTSS 112(APTR), Z30
	VFMADD231PS Z26, Z30, Z8
	VFMADD231PS Z27, Z30, Z9
	VBROADCASTSS 116(APTR), Z31
	VFMADD231PS Z26, Z31, Z10
	VFMADD231PS Z27, Z31, Z11
	VBROADCASTSS 120(APTR), Z30
	VFMADD231PS Z26, Z30, Z12
	VFMADD231PS Z27, Z30, Z13
	VBROADCASTSS 124(APTR), Z31
	VFMADD231PS Z26, Z31, Z14
	VFMADD231PS Z27, Z31, Z15
	PREFETCHT0 1024(APTR)
	PREFETCHT0 1088(APTR)
	ADDQ $128, APTR
	LEAQ (BPTR)(LDB*4), BPTR
	SUBQ $4, KCNT
	CMPQ KCNT, $4
	JGE  k8_loop4

k8_tail:
	TESTQ KCNT, KCNT
	JEQ   k8_epilogue

k8_loop1:
	VMOVUPS (BPTR), Z28
	VMOVUPS 64(BPTR), Z29
	VBROADCASTSS 0(APTR), Z30
	VFMADD231PS Z28, Z30, Z0
	VFMADD231PS Z29, Z30, Z1
	VBROADCASTSS 4(APTR), Z31
	VFMADD231PS Z28, Z31, Z2
	VFMADD231PS Z29, Z31, Z3
	VBROADCASTSS 8(APTR), Z30
	VFMADD231PS Z28, Z30, Z4
	VFMADD231PS Z29, Z30, Z5
	VBROADCASTSS 12(APTR), Z31
	VFMADD231PS Z28, Z31, Z6
	VFMADD231PS Z29, Z31, Z7
	VBROADCASTSS 16(APTR), Z30
	VFMADD231PS Z28, Z30, Z8
	VFMADD231PS Z29, Z30, Z9
	VBROADCASTSS 20(APTR), Z31
	VFMADD231PS Z28, Z31, Z10
	VFMADD231PS Z29, Z31, Z11
	VBROADCASTSS 24(APTR), Z30
	VFMADD231PS Z28, Z30, Z12
	VFMADD231PS Z29, Z30, Z13
	VBROADCASTSS 28(APTR), Z31
	VFMADD231PS Z28, Z31, Z14
	VFMADD231PS Z29, Z31, Z15
	ADDQ $32, APTR
	ADDQ LDB, BPTR
	DECQ KCNT
	JNE  k8_loop1

k8_epilogue:
	VBROADCASTSS alpha+96(FP), Z30
	VMULPS Z30, Z0, Z0
	VMULPS Z30, Z1, Z1
	VMULPS Z30, Z2, Z2
	VMULPS Z30, Z3, Z3
	VMULPS Z30, Z4, Z4
	VMULPS Z30, Z5, Z5
	VMULPS Z30, Z6, Z6
	VMULPS Z30, Z7, Z7
	VMULPS Z30, Z8, Z8
	VMULPS Z30, Z9, Z9
	VMULPS Z30, Z10, Z10
	VMULPS Z30, Z11, Z11
	VMULPS Z30, Z12, Z12
	VMULPS Z30, Z13, Z13
	VMULPS Z30, Z14, Z14
	VMULPS Z30, Z15, Z15

	// beta == 0 (either sign of zero) must not read C.
	MOVL beta+100(FP), AX
	SHLL $1, AX
	JEQ  k8_overwrite
	VBROADCASTSS beta+100(FP), Z31
	ZSTORE_ROW_BETA(Z0, Z1)
	ZSTORE_ROW_BETA(Z2, Z3)
	ZSTORE_ROW_BETA(Z4, Z5)
	ZSTORE_ROW_BETA(Z6, Z7)
	ZSTORE_ROW_BETA(Z8, Z9)
	ZSTORE_ROW_BETA(Z10, Z11)
	ZSTORE_ROW_BETA(Z12, Z13)
	ZSTORE_ROW_BETA(Z14, Z15)
	VZEROUPPER
	RET

k8_overwrite:
	ZSTORE_ROW(Z0, Z1)
	ZSTORE_ROW(Z2, Z3)
	ZSTORE_ROW(Z4, Z5)
	ZSTORE_ROW(Z6, Z7)
	ZSTORE_ROW(Z8, Z9)
	ZSTORE_ROW(Z10, Z11)
	ZSTORE_ROW(Z12, Z13)
	ZSTORE_ROW(Z14, Z15)
	VZEROUPPER
	RET

// func fmaPeakAVX512(n int)
//
// Runs n iterations of 24 independent 16-wide FMAs (768 flops each) on
// registers only: the zmm counterpart of fmaPeakAVX2. Z0..Z23 accumulate,
// Z24/Z25 are constant operands; CX counts iterations.
TEXT ·fmaPeakAVX512(SB), NOSPLIT, $0-8
	MOVQ n+0(FP), CX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	VPXORD Z24, Z24, Z24
	VPXORD Z25, Z25, Z25
	TESTQ CX, CX
	JEQ   zpeak_done

zpeak_loop:
	VFMADD231PS Z24, Z25, Z0
	VFMADD231PS Z24, Z25, Z1
	VFMADD231PS Z24, Z25, Z2
	VFMADD231PS Z24, Z25, Z3
	VFMADD231PS Z24, Z25, Z4
	VFMADD231PS Z24, Z25, Z5
	VFMADD231PS Z24, Z25, Z6
	VFMADD231PS Z24, Z25, Z7
	VFMADD231PS Z24, Z25, Z8
	VFMADD231PS Z24, Z25, Z9
	VFMADD231PS Z24, Z25, Z10
	VFMADD231PS Z24, Z25, Z11
	VFMADD231PS Z24, Z25, Z12
	VFMADD231PS Z24, Z25, Z13
	VFMADD231PS Z24, Z25, Z14
	VFMADD231PS Z24, Z25, Z15
	VFMADD231PS Z24, Z25, Z16
	VFMADD231PS Z24, Z25, Z17
	VFMADD231PS Z24, Z25, Z18
	VFMADD231PS Z24, Z25, Z19
	VFMADD231PS Z24, Z25, Z20
	VFMADD231PS Z24, Z25, Z21
	VFMADD231PS Z24, Z25, Z22
	VFMADD231PS Z24, Z25, Z23
	DECQ CX
	JNE  zpeak_loop

zpeak_done:
	VZEROUPPER
	RET

// Small-m zmm kernels: C[R×32] = alpha·(A[R×k]·B[k×32]) + beta·C for
// R = 1, 2, 4 rows, the rows kernels of the 8×32 tile. They are the AVX2
// 1/2/4×16 kernels above at twice the width, with the same contract (A's
// element (i, p) at a[i·rs + p·ss], nothing else read; B rows ldb floats
// apart; beta == 0 means C is not read) and the same register plan with
// Z for Y: Z0..Z7 accumulators (the 1- and 2-row kernels split k over 4
// and 2 accumulator sets for 8 chains), Z12/Z13 a row of B, Z14/Z15 A
// broadcasts, alpha and beta.
//
//   func sgemmKernel{1,2,4}x32AVX512(k int, a []float32, rs, ss int, b []float32, ldb int,
//                                    c []float32, ldc int, alpha, beta float32)
#define ZSMALL_PROLOGUE \
	SHLQ $2, RSB; \
	LEAQ (RSB)(RSB*2), RS3; \
	SHLQ $2, SSB; \
	SHLQ $2, LDB; \
	SHLQ $2, LDC; \
	VPXORD Z0, Z0, Z0; \
	VPXORD Z1, Z1, Z1; \
	VPXORD Z2, Z2, Z2; \
	VPXORD Z3, Z3, Z3; \
	VPXORD Z4, Z4, Z4; \
	VPXORD Z5, Z5, Z5; \
	VPXORD Z6, Z6, Z6; \
	VPXORD Z7, Z7, Z7

#define ZONE_ROW(aaddr, lo, hi) \
	VBROADCASTSS aaddr, Z14; \
	VFMADD231PS (BPTR), Z14, lo; \
	VFMADD231PS 64(BPTR), Z14, hi

#define ZSMALL_ALPHA \
	VMULPS Z14, Z0, Z0; \
	VMULPS Z14, Z1, Z1; \
	VMULPS Z14, Z2, Z2; \
	VMULPS Z14, Z3, Z3; \
	VMULPS Z14, Z4, Z4; \
	VMULPS Z14, Z5, Z5; \
	VMULPS Z14, Z6, Z6; \
	VMULPS Z14, Z7, Z7; \
	SHLL $1, AX

TEXT ·sgemmKernel1x32AVX512(SB), NOSPLIT, $0-120
	MOVQ k+0(FP), KCNT
	MOVQ a_base+8(FP), APTR
	MOVQ rs+32(FP), RSB
	MOVQ ss+40(FP), SSB
	MOVQ b_base+48(FP), BPTR
	MOVQ ldb+72(FP), LDB
	MOVQ c_base+80(FP), CPTR
	MOVQ ldc+104(FP), LDC
	ZSMALL_PROLOGUE
	CMPQ KCNT, $4
	JLT  zr1_tail

zr1_loop4:
	ZONE_ROW((APTR), Z0, Z1)
	NEXT_K
	ZONE_ROW((APTR), Z2, Z3)
	NEXT_K
	ZONE_ROW((APTR), Z4, Z5)
	NEXT_K
	ZONE_ROW((APTR), Z6, Z7)
	NEXT_K
	SUBQ $4, KCNT
	CMPQ KCNT, $4
	JGE  zr1_loop4

zr1_tail:
	TESTQ KCNT, KCNT
	JEQ   zr1_sum

zr1_loop1:
	ZONE_ROW((APTR), Z0, Z1)
	NEXT_K
	DECQ KCNT
	JNE  zr1_loop1

zr1_sum:
	VADDPS Z2, Z0, Z0
	VADDPS Z3, Z1, Z1
	VADDPS Z6, Z4, Z4
	VADDPS Z7, Z5, Z5
	VADDPS Z4, Z0, Z0
	VADDPS Z5, Z1, Z1
	VBROADCASTSS alpha+112(FP), Z14
	VBROADCASTSS beta+116(FP), Z31
	MOVL beta+116(FP), AX
	ZSMALL_ALPHA
	JEQ zr1_over
	ZSTORE_ROW_BETA(Z0, Z1)
	VZEROUPPER
	RET

zr1_over:
	ZSTORE_ROW(Z0, Z1)
	VZEROUPPER
	RET

TEXT ·sgemmKernel2x32AVX512(SB), NOSPLIT, $0-120
	MOVQ k+0(FP), KCNT
	MOVQ a_base+8(FP), APTR
	MOVQ rs+32(FP), RSB
	MOVQ ss+40(FP), SSB
	MOVQ b_base+48(FP), BPTR
	MOVQ ldb+72(FP), LDB
	MOVQ c_base+80(FP), CPTR
	MOVQ ldc+104(FP), LDC
	ZSMALL_PROLOGUE
	CMPQ KCNT, $2
	JLT  zr2_tail

zr2_loop2:
	ZONE_ROW((APTR), Z0, Z1)
	ZONE_ROW((APTR)(RSB*1), Z2, Z3)
	NEXT_K
	ZONE_ROW((APTR), Z4, Z5)
	ZONE_ROW((APTR)(RSB*1), Z6, Z7)
	NEXT_K
	SUBQ $2, KCNT
	CMPQ KCNT, $2
	JGE  zr2_loop2

zr2_tail:
	TESTQ KCNT, KCNT
	JEQ   zr2_sum
	ZONE_ROW((APTR), Z0, Z1)
	ZONE_ROW((APTR)(RSB*1), Z2, Z3)

zr2_sum:
	VADDPS Z4, Z0, Z0
	VADDPS Z5, Z1, Z1
	VADDPS Z6, Z2, Z2
	VADDPS Z7, Z3, Z3
	VBROADCASTSS alpha+112(FP), Z14
	VBROADCASTSS beta+116(FP), Z31
	MOVL beta+116(FP), AX
	ZSMALL_ALPHA
	JEQ zr2_over
	ZSTORE_ROW_BETA(Z0, Z1)
	ZSTORE_ROW_BETA(Z2, Z3)
	VZEROUPPER
	RET

zr2_over:
	ZSTORE_ROW(Z0, Z1)
	ZSTORE_ROW(Z2, Z3)
	VZEROUPPER
	RET

// The 4-row kernel loads each B row once into Z12/Z13 (it is used 4
// times) and needs no k split: 8 accumulators are already 8 chains.
#define ZFOUR_ROWS \
	VMOVUPS (BPTR), Z12; \
	VMOVUPS 64(BPTR), Z13; \
	VBROADCASTSS (APTR), Z14; \
	VFMADD231PS Z12, Z14, Z0; \
	VFMADD231PS Z13, Z14, Z1; \
	VBROADCASTSS (APTR)(RSB*1), Z15; \
	VFMADD231PS Z12, Z15, Z2; \
	VFMADD231PS Z13, Z15, Z3; \
	VBROADCASTSS (APTR)(RSB*2), Z14; \
	VFMADD231PS Z12, Z14, Z4; \
	VFMADD231PS Z13, Z14, Z5; \
	VBROADCASTSS (APTR)(RS3*1), Z15; \
	VFMADD231PS Z12, Z15, Z6; \
	VFMADD231PS Z13, Z15, Z7; \
	NEXT_K

TEXT ·sgemmKernel4x32AVX512(SB), NOSPLIT, $0-120
	MOVQ k+0(FP), KCNT
	MOVQ a_base+8(FP), APTR
	MOVQ rs+32(FP), RSB
	MOVQ ss+40(FP), SSB
	MOVQ b_base+48(FP), BPTR
	MOVQ ldb+72(FP), LDB
	MOVQ c_base+80(FP), CPTR
	MOVQ ldc+104(FP), LDC
	ZSMALL_PROLOGUE
	CMPQ KCNT, $2
	JLT  zr4_tail

zr4_loop2:
	ZFOUR_ROWS
	ZFOUR_ROWS
	SUBQ $2, KCNT
	CMPQ KCNT, $2
	JGE  zr4_loop2

zr4_tail:
	TESTQ KCNT, KCNT
	JEQ   zr4_store
	ZFOUR_ROWS

zr4_store:
	VBROADCASTSS alpha+112(FP), Z14
	VBROADCASTSS beta+116(FP), Z31
	MOVL beta+116(FP), AX
	ZSMALL_ALPHA
	JEQ zr4_over
	ZSTORE_ROW_BETA(Z0, Z1)
	ZSTORE_ROW_BETA(Z2, Z3)
	ZSTORE_ROW_BETA(Z4, Z5)
	ZSTORE_ROW_BETA(Z6, Z7)
	VZEROUPPER
	RET

zr4_over:
	ZSTORE_ROW(Z0, Z1)
	ZSTORE_ROW(Z2, Z3)
	ZSTORE_ROW(Z4, Z5)
	ZSTORE_ROW(Z6, Z7)
	VZEROUPPER
	RET
