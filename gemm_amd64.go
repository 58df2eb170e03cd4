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

var avx2Kernel = gemmKernel{name: "avx2", mr: 6, nr: 16, run: sgemmKernel6x16AVX2,
	peak: fmaPeakAVX2, peakFlops: 192}

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
