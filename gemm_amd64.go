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

// sgemmKernel8x32AVX512 is the AVX-512 micro-kernel: C[8×32] =
// alpha·(packedA[8×k]·B[k×32]) + beta·C with sgemmKernel6x16AVX2's contract
// at its own tile (len(a) ≥ 8k, b spans (k−1)·ldb+32, c spans 7·ldc+32).
// Its Go twin is kernel4x4Generic.
//
//go:noescape
func sgemmKernel8x32AVX512(k int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

// fmaPeakAVX512 runs n iterations of 24 independent zmm FMAs (768 flops
// each) on registers alone.
//
//go:noescape
func fmaPeakAVX512(n int)

// sgemmKernel1x32AVX512, sgemmKernel2x32AVX512 and sgemmKernel4x32AVX512
// are sgemmKernel{1,2,4}x16AVX2 at 32 columns: the rows kernels of
// avx512Kernel (see sgemmRowsAVX512), b spanning (k−1)·ldb+32 and c
// (R−1)·ldc+32 elements.
//
//go:noescape
func sgemmKernel1x32AVX512(k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernel2x32AVX512(k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernel4x32AVX512(k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

// sgemmRowsAVX512 is avx512Kernel's rows function: 1 to 7 rows as sums of
// the 4-, 2- and 1-row kernels, each row computed by exactly one of them.
func sgemmRowsAVX512(rows, k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	for rows > 0 {
		r := 1
		switch {
		case rows >= 4:
			r = 4
			sgemmKernel4x32AVX512(k, a, rs, ss, b, ldb, c, ldc, alpha, beta)
		case rows >= 2:
			r = 2
			sgemmKernel2x32AVX512(k, a, rs, ss, b, ldb, c, ldc, alpha, beta)
		default:
			sgemmKernel1x32AVX512(k, a, rs, ss, b, ldb, c, ldc, alpha, beta)
		}
		rows -= r
		if rows > 0 {
			a, c = a[r*rs:], c[r*ldc:]
		}
	}
}

// avx512Kernel hands products with n ≤ 16 (the MLP's 10 outputs) to
// avx2Kernel, whose 16-wide tile pads them less (measured 10–20% faster
// there), and those with m == 1 (batch-1 inference: 5–8% faster there).
var avx512Kernel = gemmKernel{name: "avx512", mr: 8, nr: 32, run: sgemmKernel8x32AVX512,
	rows: sgemmRowsAVX512, peak: fmaPeakAVX512, peakFlops: 768, narrow: &avx2Kernel}

// archKernels returns the asm kernels this CPU can run, best last.
func archKernels() []*gemmKernel {
	var ks []*gemmKernel
	// AVX2 and FMA3 are separate CPUID bits; cpuid/v2 also checks that the
	// OS saves the ymm state (OSXSAVE/XCR0), so both true means no SIGILL.
	if cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3) {
		ks = append(ks, &avx2Kernel)
		// The AVX-512 kernels use AVX512F instructions only; cpuid/v2
		// reports AVX512F only when the OS saves the opmask and zmm state
		// (XCR0 bits 5–7; on Darwin, which enables it lazily, from the
		// commpage). It is the default where present: on this project's
		// machines it beats AVX2 (see bench_test.go); ANN_KERNEL=avx2 is
		// the off switch for parts that downclock under zmm load.
		if cpuid.CPU.Supports(cpuid.AVX512F) {
			ks = append(ks, &avx512Kernel)
		}
	}
	return ks
}
