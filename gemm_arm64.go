//go:build gc && !purego && !noasm

package ann

import "github.com/klauspost/cpuid/v2"

// sgemmKernel8x12NEON is the NEON micro-kernel: C[8×12] =
// alpha·(packedA[8×k]·B[k×12]) + beta·C, not reading C when beta == 0, with
// B's rows ldb floats apart. Its Go twin is kernel4x4Generic (same contract,
// other tile). The caller guarantees k ≥ 1, len(a) ≥ 8k, that b spans
// (k−1)·ldb+12 elements and c spans 7·ldc+12.
//
//go:noescape
func sgemmKernel8x12NEON(k int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

// fmaPeakNEON runs n iterations of 24 independent 4-wide FMLAs (192 flops
// each) on registers alone; it measures the attainable peak for benchmarks.
// It has no Go twin: it computes nothing that could be compared.
//
//go:noescape
func fmaPeakNEON(n int)

var neonKernel = gemmKernel{name: "neon", mr: 8, nr: 12, run: sgemmKernel8x12NEON,
	peak: fmaPeakNEON, peakFlops: 192, vec: &genericVec}

// archKernels returns the asm kernels this CPU can run, best last.
func archKernels() []*gemmKernel {
	var ks []*gemmKernel
	// ASIMD is mandatory in ARMv8-A; cpuid/v2 reads it from the kernel's
	// HWCAP (AT_HWCAP bit 1 on Linux, which qemu-user also sets). Asking
	// anyway keeps a kernel that disabled it, or a misreporting OS, on the
	// generic path instead of SIGILL.
	if cpuid.CPU.Supports(cpuid.ASIMD) {
		ks = append(ks, &neonKernel)
	}
	return ks
}
