//go:build gc && !purego && !noasm

package ann

import (
	"math"
	"sync"

	"github.com/klauspost/cpuid/v2"
)

// The kernels (sgemmKernel6x16AVX2, sgemmKernel8x32AVX512, their rows
// kernels and fmaPeakAVX2/fmaPeakAVX512) are generated with avo by the
// program in _gen: gemm_amd64.s and their declarations in
// gemm_stubs_amd64.go. This file holds the hand-written dispatch.
//
//go:generate go run -C _gen . -kernels gemm -out ../gemm_amd64.s -stubs ../gemm_stubs_amd64.go -pkg ann

// sgemmRowsAVX2 is avx2Kernel's rows function: 1 to 5 rows as sums of the
// 4-, 2- and 1-row kernels, each row computed by exactly one of them. They
// do not prefetch: pf is ignored.
func sgemmRowsAVX2(rows, k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32, _ int) {
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
	rows: sgemmRowsAVX2, peak: fmaPeakAVX2, peakFlops: 192, vec: &avxVec,
	epiForward: epiForwardAVX2, epiBackward: epiBackwardAVX2, epiWidth: 16,
	allFinite: allFiniteAVX2Vec}

// sgemmRowsAVX512 is avx512Kernel's rows function: any number of rows as
// sums of the 8-, 4-, 2- and 1-row kernels, each row computed by exactly
// one of them. Eight rows come with an A read in place (the driver's tiles
// of mr rows, see compute), and 9, 10 or 12 with the small products (m ≤
// rowsMax): those go to the kernels that fuse the 8-row kernel with the 1-,
// 2- or 4-row one (rows 8.. keep the arithmetic of the kernel they would
// otherwise get). The 8- and 4-row kernels do the same arithmetic per
// element (one FMA chain over k), so an 8-row call gives the bits of two
// 4-row calls.
func sgemmRowsAVX512(rows, k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32, pf int) {
	for rows > 0 {
		r := 1
		switch {
		case rows == 9:
			r = 9
			sgemmKernel9x32RowsAVX512(k, a, rs, ss, b, ldb, c, ldc, alpha, beta, pf)
		case rows == 10 || rows == 11:
			r = 10
			sgemmKernel10x32RowsAVX512(k, a, rs, ss, b, ldb, c, ldc, alpha, beta, pf)
		case rows == 12:
			r = 12
			sgemmKernel12x32RowsAVX512(k, a, rs, ss, b, ldb, c, ldc, alpha, beta, pf)
		case rows >= 8:
			r = 8
			sgemmKernel8x32RowsAVX512(k, a, rs, ss, b, ldb, c, ldc, alpha, beta, pf)
		case rows >= 4:
			r = 4
			sgemmKernel4x32AVX512(k, a, rs, ss, b, ldb, c, ldc, alpha, beta, pf)
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

// avx512Kernel hands products with n ≤ 16 (the MLP's 10 outputs) and
// those with m == 1 (batch-1 inference: 5–8% faster on the 16-wide tile)
// to avx512Narrow. Its partial last column strips of at most 16 columns
// (n = 100, 300, 784) run on the masked kernel straight into C instead of
// the 8×32 tile on a scratch tile (measured, one thread: dX 100×10 at
// batch 128 and 1024 about 1.8× faster, the 300×100 and 784×300 products
// 5–40%, none slower).
var avx512Kernel = gemmKernel{name: "avx512", mr: 8, nr: 32, run: sgemmKernel8x32AVX512,
	rows: sgemmRowsAVX512, peak: fmaPeakAVX512, peakFlops: 768, gemv: sgemvAVX512, vec: &avxVec,
	epiForward: epiForwardAVX512, epiBackward: epiBackwardAVX512, epiWidth: 32, allFinite: allFiniteAVX512Vec,
	rowsMax: 12, narrow: &avx512Narrow, masked: sgemmNarrowAVX512, maskedRows: 12, maskedCols: 16, dot: sgemmDotAVX512, strip: sgemmStrip8x32AVX512, tiles: sgemmTiles8x32AVX512,
	colsT: sgemmColsTAVX512, colsT4: sgemmColsT4AVX512, colsTN: sgemmColsTNAVX512}

// avx512Narrow is avx2Kernel's 6×16 tile with the AVX-512 masked kernel:
// products with n ≤ 16 run on sgemmNarrowAVX512 alone, A and B in place,
// C written through the mask, one call per product (measured, one thread,
// against the 6×16 tile with its scratch edges: fwd 100×10 at batch
// 10/128/1024 from 12–20 to 37–43 GFLOP/s, dW 100×10 from 5–15 to 37–48);
// the rest (m == 1, transposed stores) as on avx2Kernel. Its tiles are at
// most 16 wide, so the AVX-512 epilogues serve them.
var avx512Narrow = gemmKernel{name: "avx512-narrow", mr: 6, nr: 16, run: sgemmKernel6x16AVX2,
	rows: sgemmRowsAVX2, peak: fmaPeakAVX2, peakFlops: 192, vec: &avxVec,
	epiForward: epiForwardAVX512, epiBackward: epiBackwardAVX512, epiWidth: 32, allFinite: allFiniteAVX512Vec,
	masked: sgemmNarrowAVX512, maskedRows: 12, maskedCols: 16}

// sgemmMaskedAVX512 is the masked kernel of the AVX-512 sets where
// AVX-512VL is present: strips of at most 8 columns run on the ymm form of
// sgemmNarrowAVX512, which gives the same bits (the same FMA chains). Zen 4
// executes a zmm FMA as two 256-bit halves, so a masked zmm FMA costs a full
// cycle however few of its lanes are used; the last 4 columns of n = 100
// (m = 10: 10 zmm FMAs per step of k beside 60 for the other 96 columns)
// then cost half as much. On a core with 512-bit FMA units the two forms
// issue at the same rate.
func sgemmMaskedAVX512(m, k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc, n int, alpha, beta float32) {
	if n <= 8 {
		sgemmNarrow8AVX512VL(m, k, a, rs, ss, b, ldb, c, ldc, n, alpha, beta)
		return
	}
	sgemmNarrowAVX512(m, k, a, rs, ss, b, ldb, c, ldc, n, alpha, beta)
}

// gemvPanel is the widest row sgemvRowAVX512 computes at once (24 zmm
// accumulators).
const gemvPanel = 384

// sgemvAVX512 computes c[0:n] = alpha·(a[0:k]·B[k×n]) + beta·c, B's rows
// ldb floats apart, with sgemvRowAVX512 on panels of gemvPanel columns
// (beta == 0: c is not read). It is the m == 1 product for batch-1
// inference; the caller has checked AVX512F and guarantees len(a) ≥ k,
// that b spans (k−1)·ldb+n elements (k ≥ 1) and len(c) ≥ n.
func sgemvAVX512(k int, a, b []float32, ldb int, c []float32, n int, alpha, beta float32) {
	for j := 0; j < n; j += gemvPanel {
		w := min(n-j, gemvPanel)
		sgemvRowAVX512(k, a, b[j:], ldb, c[j:], w, alpha, beta)
	}
}

// gemvSkipMinK is the length from which sgemvSkipZerosAVX512 looks for
// zeros in the vector.
const gemvSkipMinK = 32

// gemvScratch holds a vector's nonzero elements and their positions.
type gemvScratch struct {
	vals []float32
	idx  []int32
}

var gemvScratchPool = sync.Pool{New: func() any { return new(gemvScratch) }}

// sgemvSkipZerosAVX512 is sgemvAVX512 that skips the rows of B a zero
// element of a would multiply, as reference BLAS's SGEMV skips zero
// elements of x: batch-1 inference reads only the weights of the nonzero
// inputs — after a ReLU about half of them, and most pixels of an MNIST
// digit are 0. Each c[j] is the same FMA chain over the nonzero terms in
// the same order, so for finite B the result has the bits of sgemvAVX512;
// an Inf or NaN in a skipped row of B no longer turns c into NaN. A vector
// with fewer than k/32 zeros runs the dense kernel: the sparse one's row
// offsets cost more than so few skipped rows save (784 inputs with one
// zero: 9.74 → 9.40 µs per batch-1 prediction, medians of six alternating
// runs). The caller has checked AVX512F, BMI2 and POPCNT.
func sgemvSkipZerosAVX512(k int, a, b []float32, ldb int, c []float32, n int, alpha, beta float32) {
	if k < gemvSkipMinK || k > math.MaxInt32 {
		sgemvAVX512(k, a, b, ldb, c, n, alpha, beta)
		return
	}
	s := gemvScratchPool.Get().(*gemvScratch)
	if cap(s.vals) < k {
		s.vals, s.idx = make([]float32, k), make([]int32, k)
	}
	nnz := sgemvCompactAVX512(k, a, s.vals[:k], s.idx[:k])
	if nnz > k-k/32 {
		sgemvAVX512(k, a, b, ldb, c, n, alpha, beta)
	} else {
		for j := 0; j < n; j += gemvPanel {
			w := min(n-j, gemvPanel)
			sgemvSparseRowAVX512(nnz, s.vals[:nnz], s.idx[:nnz], b[j:], ldb, c[j:], w, alpha, beta)
		}
	}
	gemvScratchPool.Put(s)
}

// skipAVX512 and skipAVX2 are the zero-column-skipping kernels of the
// AVX-512 and AVX2 sets (see skipJob).
var (
	skipAVX512 = skipKernels{
		nr: 32,
		gather: []func(q int, idx []int32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int){
			nil, sgemmGather1x32AVX512, sgemmGather2x32AVX512, sgemmGather3x32AVX512, sgemmGather4x32AVX512,
			sgemmGather5x32AVX512, sgemmGather6x32AVX512, sgemmGather7x32AVX512, sgemmGather8x32AVX512,
			sgemmGather9x32AVX512, sgemmGather10x32AVX512, sgemmGather11x32AVX512, sgemmGather12x32AVX512},
		scatter: []func(k int, rows []int32, x []float32, ldx int, b []float32, ldb int, c []float32, ldc, n int){
			nil, sgemmScatter1x32AVX512, sgemmScatter2x32AVX512, sgemmScatter3x32AVX512, sgemmScatter4x32AVX512,
			sgemmScatter5x32AVX512, sgemmScatter6x32AVX512, sgemmScatter7x32AVX512, sgemmScatter8x32AVX512},
		orColumns: orColumnsAVX512,
		compact:   sgemvCompactAVX512,
	}
	skipAVX2 = skipKernels{
		nr: 16,
		gather: []func(q int, idx []int32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int){
			nil, sgemmGather1x16AVX2, sgemmGather2x16AVX2, sgemmGather3x16AVX2, sgemmGather4x16AVX2,
			sgemmGather5x16AVX2, sgemmGather6x16AVX2},
		scatter: []func(k int, rows []int32, x []float32, ldx int, b []float32, ldb int, c []float32, ldc, n int){
			nil, sgemmScatter1x16AVX2, sgemmScatter2x16AVX2, sgemmScatter3x16AVX2, sgemmScatter4x16AVX2,
			sgemmScatter5x16AVX2},
		orColumns: orColumnsAVX2,
	}
)

// zen4KC is the depth of a block of k for the AVX-512 set on Zen 4. There
// the 512-bit FMAs issue at half rate, so one step of the 8×32 tile takes
// 16 cycles: its B strip (512 steps, 64 KB) can stream from L2 at 8 bytes
// a cycle, a quarter of what L2 delivers, while each block of k fewer is
// one pass less over C. Measured (one thread, the best of six rounds
// alternating kc in one process, warm operands), kc = 192 → 512:
// 128×784·784×300 111.4 → 113.2 GFLOP/s, 1024×784·784×300 108.8 → 111.2,
// 1024×300·300×100 113.6 → 115.5, 512³ 111.8 → 113.8, 1024³ 108.4 → 111.6;
// the k ≤ 128 products unchanged. Not measured on the Xeons (full-rate
// 512-bit FMAs, twice the bandwidth per step), which keep the rule.
const zen4KC = 512

// zen4StripAStrips is the number of 32-column strips up to which the
// AVX-512 set reads A in place on Zen 4 (elsewhere directAMaxStrips, 4):
// the strip kernel's eight row streams cost less than packing A there until
// A is reused by about 20 strips. Measured (one thread / two threads, best
// of six rounds alternating in one process, warm operands, GFLOP/s packed →
// in place): 128×784·784×300 113.9 → 115.8 / 225.2 → 229.5, its weight
// gradient (784×300, k = 128, A transposed) 110.4 → 113.2 / 201.4 → 214.3,
// dY·Wᵀ 128×300 (k = 100) 105.9 → 108.7 / 195.2 → 205.9, 2048×300×784
// 108.1 → 111.6, 256³ 114.6 → 117.4, 512³ 112.5 → 115.0 (16 strips); 640³
// (20) 113.9 → 113.2; 768³ (24) 112.3 → 108.7, 1000³ 110.8 → 107.5, 1024³
// 110.6 → 107.5, 4096×1024×784 111.6 → 108.2. The bits are the same
// either way.
const zen4StripAStrips = 16

// zen4 reports an AMD family 19h CPU with AVX-512F: Zen 4 (Zen 3, the
// same family, has no AVX-512).
func zen4() bool {
	return cpuid.CPU.VendorID == cpuid.AMD && cpuid.CPU.Family == 0x19 && cpuid.CPU.Supports(cpuid.AVX512F)
}

// archKernels returns the asm kernels this CPU can run, best last.
func archKernels() []*gemmKernel {
	var ks []*gemmKernel
	// AVX2 and FMA3 are separate CPUID bits; cpuid/v2 also checks that the
	// OS saves the ymm state (OSXSAVE/XCR0), so both true means no SIGILL.
	if cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3) {
		ks = append(ks, &avx2Kernel)
		avx2Kernel.skip = &skipAVX2
		packAsm.a6, packAsm.runs16 = packA6AVX2, packRuns16AVX2
		// The AVX-512 kernels use AVX512F instructions only; cpuid/v2
		// reports AVX512F only when the OS saves the opmask and zmm state
		// (XCR0 bits 5–7; on Darwin, which enables it lazily, from the
		// commpage). It is the default where present: on this project's
		// machines it beats AVX2 (see bench_test.go); ANN_KERNEL=avx2 is
		// the off switch for parts that downclock under zmm load.
		if cpuid.CPU.Supports(cpuid.AVX512F) {
			if cpuid.CPU.Supports(cpuid.BMI2, cpuid.POPCNT) {
				avx512Kernel.gemv = sgemvSkipZerosAVX512
				avx512Kernel.skip = &skipAVX512
			}
			if cpuid.CPU.Supports(cpuid.AVX512VL) {
				avx512Kernel.masked, avx512Narrow.masked = sgemmMaskedAVX512, sgemmMaskedAVX512
				// On Zen 4 a ymm FMA costs half a zmm one, so the first
				// 8 of 10 columns on the ymm masked kernel and the last
				// two on sgemmDot2AVX512 beat 10 of 16 zmm lanes (see
				// dot2MinRows); with two 512-bit FMA units (the Xeons)
				// the ymm form costs what the zmm one does and dot2
				// would be extra work.
				if zen4() {
					avx512Narrow.dot2 = sgemmDot2AVX512
				}
			}
			if zen4() {
				avx512Kernel.kcFloor, avx512Kernel.stripAStrips = zen4KC, zen4StripAStrips
			}
			ks = append(ks, &avx512Kernel)
			packAsm.a8, packAsm.runs32, packAsm.runs8, packAsm.gather32 = packA8AVX512, packRuns32AVX512, packRuns8AVX512, packGather32AVX512
		}
	}
	return ks
}
