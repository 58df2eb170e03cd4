package ann

// The dispatch table: the GEMM micro-kernels this CPU and build can run,
// the one in use, and their cache blocking.

import (
	"os"

	"github.com/klauspost/cpuid/v2"
)

// A gemmKernel is one micro-kernel with its tile shape and cache blocking.
// run computes C[mr×nr] = alpha·(packedA·B) + beta·C over k steps, where
// packedA holds mr values per step (see packA) and b nr values per step, ldb
// apart (ldb = nr for a strip made by packB); with beta == 0 it does not read
// C. c starts at the tile's top-left element and spans (mr−1)·ldc+nr
// elements.
type gemmKernel struct {
	name       string
	mr, nr     int
	kc, mc, nc int
	// kcFloor, when set, raises kcMin for this set on the CPU it runs on
	// (see setBlocking); archKernels sets it where measured.
	kcFloor int
	// stripAStrips, when above directAMaxStrips, is the number of column
	// strips up to which the strip kernel reads A in place instead of
	// packing it (see gemmJob.compute); archKernels sets it where measured.
	stripAStrips int
	run          func(k int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

	// rows, when set, computes C[r×nr] for 0 < r < mr rows with run's
	// contract, except that A's element (i, p) is a[i·rs+p·ss]: a packed
	// strip (rs = 1, ss = mr) or A read in place. Short row strips then
	// cost r rows of work instead of mr, and a product with m < mr needs
	// no packed A at all. Without it they go through run and scratch.
	// pf, when not 0, is the distance in floats from B's rows to the same
	// rows of the strip the caller runs next, for kernels that prefetch it
	// (see rowsPrefetch in _gen); the others ignore it.
	rows func(r, k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32, pf int)
	// rowsMax, when above mr, is the number of rows up to which a product
	// reads A in place and hands rows its whole row block in one call per
	// column strip (the batch-10 products: 8 + 2 rows in one pass over k),
	// with the bits of the mr-row tiles and the rest it replaces.
	rowsMax int

	// peak, when set, runs n iterations of peakFlops flops of independent
	// FMAs on registers alone: the attainable peak this kernel's ISA has.
	peak      func(n int)
	peakFlops int

	// gemv, when set, computes the products with m == 1 and op(A), op(B)
	// stored row-major (a vector times a matrix: batch-1 inference):
	// c[0:n] = alpha·(a[0:k]·B) + beta·c, streaming B's rows in order
	// instead of reading it one tile-wide strip at a time.
	gemv func(k int, a, b []float32, ldb int, c []float32, n int, alpha, beta float32)

	// vec are the set's element-wise optimizer kernels.
	vec *vecOps

	// epiForward and epiBackward, when set, finish a tile of C of at most
	// epiWidth columns in one call (see finishTile): the bias and one of
	// the activations epiOp maps (forward) or its derivative (backward),
	// bit-identical to the Go rows they replace.
	epiForward  func(rows, cols int, z []float32, ldz int, bias, out []float32, ldo int, op int, alpha float32)
	epiBackward func(rows, cols int, z []float32, ldz int, d []float32, ldd int, op int, alpha float32)
	epiWidth    int

	// allFinite, when set, is allFinite's vector kernel (the Go loop
	// otherwise): whether v holds no NaN and no ±Inf.
	allFinite func(v []float32) bool

	// narrow, when set, computes the products with n ≤ narrow.nr instead,
	// where a wide tile would spend most of its work on zero padding, and
	// those with m == 1 (a vector-matrix product, bound by reading B, where
	// it measured faster too). The choice depends on the sizes alone, so
	// results stay bit-identical at any GOMAXPROCS.
	narrow *gemmKernel

	// masked, when set, computes C[m×cols] = alpha·(A·B) + beta·C for
	// cols ≤ maskedCols with every access to B and C masked to the cols
	// columns, A's element (i, p) at a[i·rs+p·ss] and B's rows ldb apart,
	// read in place: no scratch tile, no padding. The rows go in strips of
	// maskedRows from the top. The driver computes whole products with
	// n ≤ maskedCols with it (see gemmJob.maskedPart), and, in kernels
	// whose nr is wider, the partial last column strip of wider products
	// when it has at most maskedCols columns (see gemmJob.maskedTiles).
	masked                 func(m, k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc, cols int, alpha, beta float32)
	maskedRows, maskedCols int

	// skip, when set, holds the kernels of the products that skip the
	// columns of A that are zero in every row (see skipJob).
	skip *skipKernels

	// dot2, when set, computes the last one or two columns of the
	// products the masked kernel takes with n = 9 or 10 (see
	// gemmJob.maskedPart), eight rows per call, lanes along k (C[i, j] =
	// alpha·Σ_p A[i, p]·Bⱼ[p] + beta·C[i, j], A's rows and B's columns
	// contiguous); the first eight columns then run on the masked kernel.
	dot2 func(rows, k int, a []float32, lda int, b0, b1 []float32, cols int, c []float32, ldc int, alpha, beta float32)

	// strip, when set, computes C[m×nr] for m a multiple of mr with A read in
	// place, the mr-row tiles in one call with exactly rows' arithmetic (see
	// gemmJob.compute): a short k made the Go call per tile cost as much as
	// the tile.
	strip func(m, k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

	// tiles, when set, is run looped over m/mr tiles of a column strip in one
	// call: tile i's packed A strip at a[i·mr·k:], its C mr rows below the
	// last, each with exactly run's arithmetic (see gemmJob.compute). pf is
	// as for rows: the distance to the strip the caller runs next, which
	// it prefetches.
	tiles func(m, k int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32, pf int)

	// dot, when set, computes a partial last column strip of at most
	// dotCols columns of a product with A not transposed as dot products
	// (see gemmJob.dotTiles): C[i, j] = alpha·Σ_p A[i, p]·B_j[p] + beta·C[i, j]
	// for i < m, j < cols, A's rows lda apart, b0..b3 B's columns as
	// contiguous vectors of k floats (those past cols repeat one of them),
	// C's rows ldc apart.
	dot func(m, k int, a []float32, lda int, b0, b1, b2, b3 []float32, cols int, c []float32, ldc int, alpha, beta float32)

	// colsT, when set, computes the raw sums of a last column strip of at
	// most dotCols columns when A is transposed (see gemmJob.colsTTiles):
	// t[q·m+i] = Σ_p a[p·lda+i]·b[p·sp+q·sq] for i < m, q < cols.
	colsT func(m, k int, a []float32, lda int, b []float32, sp, sq, cols int, t []float32)
	// colsT4, when set, is colsT for a strip of exactly dotCols columns that
	// scales its sums into C itself: C[i, q] = alpha·sum + beta·C[i, q] (one
	// FMA; C not read when beta is 0), C's rows ldc apart.
	colsT4 func(m, k int, a []float32, lda int, b []float32, sp, sq int, c []float32, ldc int, alpha, beta float32)

	// colsTN, when set, computes a whole product of colsTNMin to colsTNMax
	// columns with A transposed, B not, and beta 0 (see useColsTN):
	// C[i, q] = alpha·Σ_p a[p·lda+i]·b[p·ldb+q], each sum one FMA chain over
	// p ascending, C not read.
	colsTN func(m, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc, n int, alpha float32)
}

// dotCols is the widest strip gemmKernel.dot and colsT compute.
const dotCols = 4

// The dispatch table. kernels lists every kernel this CPU and build can run,
// generic first; activeKernel is the one Sgemm uses. Only the init below
// fills them, from archKernels (gemm_amd64.go, gemm_arm64.go, gemm_noasm.go:
// the only code that asks about the CPU); tests swap activeKernel through
// useKernel.
var (
	kernels      = []*gemmKernel{&genericKernel}
	activeKernel = &genericKernel
)

func init() {
	kernels = append(kernels, archKernels()...)
	for _, k := range kernels {
		setBlocking(k)
		if k.narrow != nil && k.narrow.kc == 0 {
			setBlocking(k.narrow) // a narrow set not in kernels of its own
		}
	}
	activeKernel = kernels[len(kernels)-1]
	if name := os.Getenv("ANN_KERNEL"); name != "" {
		// Only a kernel the CPU supports can be chosen; an unknown or
		// unsupported name leaves the default, and Kernel reports it.
		for _, k := range kernels {
			if k.name == name {
				activeKernel = k
			}
		}
	}
}

// Kernel returns the name of the kernel set in use, the GEMM micro-kernels
// with the optimizers' element-wise kernels: "avx512", "avx2", "neon" or
// "generic"; the default is the best the CPU supports. The
// environment variable ANN_KERNEL, read once at start-up, can choose any of
// [Kernels] (ANN_KERNEL=avx2 turns AVX-512 off, for CPUs that downclock
// under it); a name the CPU cannot run is ignored.
func Kernel() string { return activeKernel.name }

// Kernels returns the names of the GEMM micro-kernels this CPU and build can
// run, "generic" first.
func Kernels() []string {
	names := make([]string, len(kernels))
	for i, k := range kernels {
		names[i] = k.name
	}
	return names
}

// useKernel makes the named kernel active and returns a function that
// restores the previous one. It is for tests and benchmarks, which must not
// run Sgemm concurrently with it.
func useKernel(name string) (undo func(), ok bool) {
	prev := activeKernel
	for _, k := range kernels {
		if k.name == name {
			activeKernel = k
			return func() { activeKernel = prev }, true
		}
	}
	return func() {}, false
}

// kcMin is the smallest depth of a block of k. Half of a 32 KB L1 holds a
// B strip of 128 steps of the 32-wide AVX-512 tile; measured on Zen 4 (32
// KB L1D, one thread, four alternating rounds), 192 and 256 steps beat 128
// by 2–4 % at 512³ and 1024³ (fewer passes over C, and the strip's rows
// still stream from L2 when they leave L1), and the MLP shapes by 0–1 %.
// A 48 KB L1 (the Xeons) already gives 192.
const kcMin = 192

// setBlocking derives the cache blocking from the cache sizes cpuid reports:
// a kc×nr strip of packed B fills half of L1 (but kc ≥ kcMin and the set's
// kcFloor), an mc×kc block of packed A half of L2, and a kc×nc panel of
// packed B a share of L3. Unknown sizes (-1) get common defaults.
func setBlocking(k *gemmKernel) {
	l1, l2, l3 := cpuid.CPU.Cache.L1D, cpuid.CPU.Cache.L2, cpuid.CPU.Cache.L3
	if l1 <= 0 {
		l1 = 32 << 10
	}
	if l2 <= 0 {
		l2 = 512 << 10
	}
	if l3 <= 0 {
		l3 = 4 << 20
	}
	kc := l1 / 2 / (4 * k.nr)
	kc = max(kcMin, k.kcFloor, min(kc, 512)) &^ 7
	mc := l2 / 2 / (4 * kc)
	mc = max(k.mr, min(mc, 1024)/k.mr*k.mr)
	nc := min(l3/4, 4<<20) / (4 * kc)
	nc = max(k.nr, min(nc, 8192)/k.nr*k.nr)
	k.kc, k.mc, k.nc = kc, mc, nc
}
