//go:build gc && !purego && !noasm

package ann

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// TestNEONDetected fails when an arm64 asm build does not offer the NEON
// kernel: ASIMD is mandatory in ARMv8-A, so a miss means detection broke and
// Sgemm silently fell back to the generic kernel.
func TestNEONDetected(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.ASIMD) {
		t.Fatalf("cpuid reports no ASIMD on arm64 (features %v)", cpuid.CPU.FeatureSet())
	}
	for _, name := range Kernels() {
		if name == "neon" {
			return
		}
	}
	t.Fatalf("Kernels() = %v lacks neon although the CPU has ASIMD", Kernels())
}

// neonCall is one direct call of sgemmKernel8x12NEON with B and C inside
// NaN-filled backing arrays: NaN before, after, and in the padding between
// rows, so a read outside the span shows up as NaN in the result and a write
// outside it as a changed guard.
type neonCall struct {
	k, ldb, ldc int
	alpha, beta float32
	ints        bool // small-integer inputs: every sum is exact in float32
}

func runNEONCall(t *testing.T, rng *rand.Rand, tc neonCall) {
	t.Helper()
	const mr, nr = 8, 12
	nan := float32(math.NaN())
	val := func() float32 {
		if tc.ints {
			return float32(rng.IntN(9) - 4)
		}
		return float32(rng.NormFloat64())
	}
	a := make([]float32, mr*tc.k)
	for i := range a {
		a[i] = val()
	}
	bSpan := (tc.k-1)*tc.ldb + nr
	bBack := make([]float32, guard+bSpan+guard)
	for i := range bBack {
		bBack[i] = nan
	}
	for p := 0; p < tc.k; p++ {
		for j := 0; j < nr; j++ {
			bBack[guard+p*tc.ldb+j] = val()
		}
	}
	cSpan := (mr-1)*tc.ldc + nr
	cBack := make([]float32, guard+cSpan+guard)
	for i := range cBack {
		cBack[i] = nan
	}
	if tc.beta != 0 {
		for i := 0; i < mr; i++ {
			for j := 0; j < nr; j++ {
				cBack[guard+i*tc.ldc+j] = val()
			}
		}
	}
	aBefore := append([]float32(nil), a...)
	bBefore := append([]float32(nil), bBack...)
	cBefore := append([]float32(nil), cBack...)

	sgemmKernel8x12NEON(tc.k, a, bBack[guard:guard+bSpan], tc.ldb, cBack[guard:guard+cSpan], tc.ldc, tc.alpha, tc.beta)

	const eps32 = 1.0 / (1 << 23)
	for i := 0; i < mr; i++ {
		for j := 0; j < nr; j++ {
			var s, mag float64
			for p := 0; p < tc.k; p++ {
				x := float64(a[p*mr+i]) * float64(bBack[guard+p*tc.ldb+j])
				s += x
				mag += math.Abs(x)
			}
			want := float64(tc.alpha) * s
			bound := math.Abs(float64(tc.alpha)) * mag
			if tc.beta != 0 {
				cv := float64(cBefore[guard+i*tc.ldc+j])
				want += float64(tc.beta) * cv
				bound += math.Abs(float64(tc.beta) * cv)
			}
			tol := 2 * float64(tc.k+2) * eps32 * bound
			if tc.ints {
				tol = 0
			}
			got := float64(cBack[guard+i*tc.ldc+j])
			if math.IsNaN(got) || math.Abs(got-want) > tol {
				t.Fatalf("%+v: C[%d,%d] = %g, want %g (tolerance %.3g)", tc, i, j, got, want, tol)
			}
		}
	}
	inC := func(idx int) bool {
		r := idx - guard
		return r >= 0 && r < cSpan && r%tc.ldc < nr
	}
	for idx, v := range cBack {
		if !inC(idx) && math.Float32bits(v) != math.Float32bits(cBefore[idx]) {
			t.Fatalf("%+v: C backing element %d outside the tile was written: %g", tc, idx, v)
		}
	}
	for idx := range bBack {
		if math.Float32bits(bBack[idx]) != math.Float32bits(bBefore[idx]) {
			t.Fatalf("%+v: B modified at %d", tc, idx)
		}
	}
	for idx := range a {
		if math.Float32bits(a[idx]) != math.Float32bits(aBefore[idx]) {
			t.Fatalf("%+v: A modified at %d", tc, idx)
		}
	}
}

// TestNEONKernelDirect calls the asm kernel itself, below the driver: k
// across the 4-step unroll and its tail, B read packed (ldb = 12) and in
// place (ldb > 12), C with padded rows, and both signs of a zero beta, which
// must overwrite a NaN-filled C. Small-integer inputs must come out exact.
func TestNEONKernelDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	negZero := float32(math.Copysign(0, -1))
	for _, k := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 64, 67} {
		for _, ldb := range []int{12, 13, 31} {
			for _, ldc := range []int{12, 17} {
				for _, alpha := range []float32{1, -0.5, 0} {
					for _, beta := range []float32{0, negZero, 1, 2.5} {
						for _, ints := range []bool{false, true} {
							runNEONCall(t, rng, neonCall{k: k, ldb: ldb, ldc: ldc, alpha: alpha, beta: beta, ints: ints})
						}
					}
				}
			}
		}
	}
}

// TestFMAPeakNEON checks that the peak loop returns, also for counts below
// one, which must not loop (near) forever.
func TestFMAPeakNEON(t *testing.T) {
	for _, n := range []int{-1, 0, 1, 1000} {
		fmaPeakNEON(n)
	}
	if neonKernel.peakFlops != 24*4*2 {
		t.Fatalf("peakFlops = %d, want 24 FMLAs × 4 lanes × 2", neonKernel.peakFlops)
	}
}

// TestNEONKernelFields fails when the neon set loses its epilogue or masked
// kernels: the arch-neutral sweeps (TestEpiForwardKernels,
// TestMaskedKernels, …) skip a set without them, so they alone would not
// notice.
func TestNEONKernelFields(t *testing.T) {
	k := &neonKernel
	if k.epiForward == nil || k.epiBackward == nil || k.epiWidth < k.nr {
		t.Fatalf("neon epilogue kernels missing or narrower than a tile (epiWidth %d, nr %d)", k.epiWidth, k.nr)
	}
	if k.masked == nil || k.maskedCols < k.nr-1 || k.maskedRows < 1 {
		t.Fatalf("neon masked kernel missing or too narrow for the partial strips (maskedCols %d)", k.maskedCols)
	}
	if !maskedAscending[k.name] {
		t.Fatal("neon's masked kernel is not checked bit for bit (maskedAscending)")
	}
}

// TestSgemvNEON checks the m = 1 product of the NEON set against maskedRef
// bit for bit (the same ascending FMA chain per column): n across the
// 48- and 16-column panels and the tail left to sgemmNarrowNEON (16..130,
// 288, 300), k 1..40 and longer, B with padded rows at an odd offset,
// alpha and beta including −0. NaN guards sit around a, B and c and in B's
// padding; c is all NaN when beta is 0, which must not be read. The guards
// must come back bit for bit.
func TestSgemvNEON(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	nan := float32(math.NaN())
	const guard = 7
	var ns []int
	for n := 16; n <= 130; n++ {
		if !testing.Short() || n%16 == 0 || n%16 == 1 || n%16 == 15 || n == 100 {
			ns = append(ns, n)
		}
	}
	ns = append(ns, 288, 300)
	abs := [][2]float32{{1, 0}, {-0.75, float32(math.Copysign(0, -1))}, {1, 1}, {1.5, -0.3}}
	for _, k := range []int{1, 2, 3, 7, 16, 40, 100} {
		for _, n := range ns {
			ldb := n + n%5
			a := make([]float32, guard+k+guard)
			bb := make([]float32, guard+(k-1)*ldb+n+guard)
			for i := range a {
				a[i] = nan
			}
			for i := range bb {
				bb[i] = nan
			}
			for p := 0; p < k; p++ {
				a[guard+p] = float32(rng.NormFloat64())
				for j := 0; j < n; j++ {
					bb[guard+p*ldb+j] = float32(rng.NormFloat64())
				}
			}
			av, bv := a[guard:guard+k], bb[guard:guard+(k-1)*ldb+n]
			A := func(_, p int) float32 { return av[p] }
			for _, ab := range abs {
				alpha, beta := ab[0], ab[1]
				c := make([]float32, guard+n+guard)
				for i := range c {
					c[i] = nan
					if i >= guard && i < guard+n && beta != 0 {
						c[i] = float32(rng.NormFloat64())
					}
				}
				old := append([]float32(nil), c...)
				sgemvNEON(k, av, bv, ldb, c[guard:guard+n], n, alpha, beta)
				for i, v := range c {
					j := i - guard
					want := old[i]
					if j >= 0 && j < n {
						want = maskedRef(A, bv, ldb, 0, j, k, alpha, beta, old[i])
					}
					if math.Float32bits(v) != math.Float32bits(want) {
						t.Fatalf("k=%d n=%d alpha=%v beta=%v: c[%d] = %v, want %v", k, n, alpha, beta, j, v, want)
					}
				}
			}
			for i := range a {
				if (i < guard || i >= guard+k) && !math.IsNaN(float64(a[i])) {
					t.Fatalf("a's guard %d written", i)
				}
			}
		}
	}
}
