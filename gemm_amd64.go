//go:build gc && !purego && !noasm

package ann

import "github.com/klauspost/cpuid/v2"

// sgemmKernel6x16AVX2 is the AVX2+FMA micro-kernel: C[6×16] =
// alpha·(packedA[6×k]·B[k×16]) + beta·C, not reading C when beta == 0, with
// B's rows ldb floats apart. Its Go twin is kernel4x4Generic (same contract,
// other tile). The caller guarantees k ≥ 1, len(a) ≥ 6k, that b spans
// (k−1)·ldb+16 elements and c spans 5·ldc+16.
//
//go:noescape
func sgemmKernel6x16AVX2(k int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

// fmaPeakAVX2 runs n iterations of 12 independent ymm FMAs (192 flops each)
// on registers alone; it measures the attainable peak for benchmarks.
//
//go:noescape
func fmaPeakAVX2(n int)

// sgemmKernel1x16AVX2, sgemmKernel2x16AVX2 and sgemmKernel4x16AVX2 compute
// C[R×16] = alpha·(A[R×k]·B[k×16]) + beta·C for R = 1, 2, 4 rows, A's
// element (i, p) at a[i·rs+p·ss]: a packed strip (rs = 1, ss = 6) or A in
// place. They are the rows kernels of avx2Kernel (see sgemmRowsAVX2); their
// Go twin is kernel4x4Generic on a zero-padded strip. The caller guarantees
// k ≥ 1, that a spans (R−1)·rs+(k−1)·ss+1 elements (or more), b
// (k−1)·ldb+16 and c (R−1)·ldc+16.
//
//go:noescape
func sgemmKernel1x16AVX2(k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernel2x16AVX2(k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernel4x16AVX2(k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

// sgemmRowsAVX2 is avx2Kernel's rows function: 1 to 5 rows as sums of the
// 4-, 2- and 1-row kernels, each row computed by exactly one of them.
func sgemmRowsAVX2(rows, k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	for rows > 0 {
		r := 1
		switch {
		case rows >= 4:
			r = 4
			sgemmKernel4x16AVX2(k, a, rs, ss, b, ldb, c, ldc, alpha, beta)
		case rows >= 2:
			r = 2
			sgemmKernel2x16AVX2(k, a, rs, ss, b, ldb, c, ldc, alpha, beta)
		default:
			sgemmKernel1x16AVX2(k, a, rs, ss, b, ldb, c, ldc, alpha, beta)
		}
		rows -= r
		if rows > 0 {
			a, c = a[r*rs:], c[r*ldc:]
		}
	}
}

var avx2Kernel = gemmKernel{name: "avx2", mr: 6, nr: 16, run: sgemmKernel6x16AVX2,
	rows: sgemmRowsAVX2, peak: fmaPeakAVX2, peakFlops: 192}

// archKernels returns the asm kernels this CPU can run, best last.
func archKernels() []*gemmKernel {
	var ks []*gemmKernel
	// AVX2 and FMA3 are separate CPUID bits; cpuid/v2 also checks that the
	// OS saves the ymm state (OSXSAVE/XCR0), so both true means no SIGILL.
	if cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3) {
		ks = append(ks, &avx2Kernel)
	}
	return ks
}
