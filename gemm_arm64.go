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

// epiForwardNEON finishes the rows×cols tile z (rows ldz apart) of a
// forward dense-layer product: z += bias[j] in column j when len(bias) > 0
// (z is then written back), then out = f(z) (rows ldo apart) for op
// epiCopy, epiReLU, epiLeaky (alpha) or epiPiecewise; epiNone writes no
// out. The result bits equal addRow's and forwardRow's for every input.
// Nothing outside the tile is read or written. The caller guarantees
// rows ≥ 1, 1 ≤ cols ≤ 16, that z spans (rows−1)·ldz+cols elements, out
// (rows−1)·ldo+cols when op is not epiNone, and len(bias) ≥ cols when bias
// is given.
//
//go:noescape
func epiForwardNEON(rows, cols int, z []float32, ldz int, bias, out []float32, ldo int, op int, alpha float32)

// epiBackwardNEON sets d = f'(z)·d on the rows×cols tile d (rows ldd apart)
// at the pre-activations z (rows ldz apart) for op epiReLU, epiLeaky
// (alpha) or epiPiecewise, with the bits of reluGradRow, leakyGradRow and
// piecewiseGradRow for every input (NaN z gives z); other ops change
// nothing. Nothing outside the tiles is read or written. The caller
// guarantees rows ≥ 1, 1 ≤ cols ≤ 16, and that z and d span
// (rows−1)·ld+cols.
//
//go:noescape
func epiBackwardNEON(rows, cols int, z []float32, ldz int, d []float32, ldd int, op int, alpha float32)

// sgemmNarrowNEON computes C[m×cols] = alpha·(A[m×k]·B[k×cols]) + beta·C for
// cols ≤ 16, A's element (i, p) at a[i·rs+p·ss], B's rows ldb apart and C's
// ldc apart, both read in place; beta == 0 (either sign) means C is not
// read. Each element is the float32 FMA chain over p = 0..k−1 in ascending
// order from +0, times alpha, plus beta·C in one FMA: the same bits
// whatever rows the caller groups into one call. Nothing outside A's m·k
// elements, B's k×cols and C's m×cols is read or written. The caller
// guarantees m, k ≥ 0 and that the slices span those elements.
//
//go:noescape
func sgemmNarrowNEON(m, k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc, cols int, alpha, beta float32)

// sgemvPanelsNEON computes c[0:n] = alpha·(a[0:k]·B[k×n]) + beta·c for n a
// multiple of 16, B's rows ldb floats apart; beta == 0 (either sign) means c
// is not read. Each c[j] is the float32 FMA chain over p = 0..k−1 ascending
// from +0, times alpha, plus beta·c[j] in one FMA: sgemmNarrowNEON's
// arithmetic. The caller guarantees len(a) ≥ k, that b spans (k−1)·ldb+n
// elements when k ≥ 1, and len(c) ≥ n; k = 0 writes nothing.
//
//go:noescape
func sgemvPanelsNEON(k int, a, b []float32, ldb int, c []float32, n int, alpha, beta float32)

// sgemvNEON is the m = 1 product of the NEON set (batch-1 inference): the
// columns in panels of 48 and 16 by sgemvPanelsNEON, B streamed once, and
// the last n mod 16 by sgemmNarrowNEON on one row, which gives its columns
// the same arithmetic. Without it a vector went through the 8×12 tile
// kernel as an 8-row tile with 7 rows of padding, after B had been packed.
// The caller guarantees k ≥ 1, len(a) ≥ k, that b spans (k−1)·ldb+n
// elements and len(c) ≥ n.
func sgemvNEON(k int, a, b []float32, ldb int, c []float32, n int, alpha, beta float32) {
	n16 := n &^ 15
	if n16 > 0 {
		sgemvPanelsNEON(k, a, b, ldb, c, n16, alpha, beta)
	}
	if n16 < n {
		sgemmNarrowNEON(1, k, a, k, 1, b[n16:], ldb, c[n16:], n, n-n16, alpha, beta)
	}
}

// neonKernel finishes its tiles with the NEON epilogue kernels (16 columns
// a call, so one call per 8×12 tile and per masked chunk of at most 16
// columns) and computes the products with n ≤ 16 (the MLP's 10 outputs)
// and the partial last column strips of wider products (cols < 12) on the
// masked kernel, A and B in place and C written directly, instead of
// zero-padded 8×12 tiles through a scratch tile. Its strips are 4 rows
// (sgemmNarrowNEON's register tile). The m = 1 products (batch-1
// inference) run on sgemvNEON. Not measured on ARM hardware yet (under
// qemu, which counts instructions rather than cycles, a batch-1 prediction
// of the 784-300-100-10 network went from 14–15 ms to 2.4–2.6 ms with
// sgemvNEON).
var neonKernel = gemmKernel{name: "neon", mr: 8, nr: 12, run: sgemmKernel8x12NEON,
	peak: fmaPeakNEON, peakFlops: 192, vec: &genericVec, gemv: sgemvNEON,
	epiForward: epiForwardNEON, epiBackward: epiBackwardNEON, epiWidth: 16,
	masked: sgemmNarrowNEON, maskedRows: 4, maskedCols: 16}

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
