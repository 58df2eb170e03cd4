//go:build gc && !purego && !noasm

package ann

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// TestSgemmColsTNAVX512 sweeps sgemmColsTNAVX512 over m 1..70 rows (every
// rest of a 32-row chunk: at most 16 rows, 17..31, whole chunks), n 4..12,
// k 1..70 (a selection under -short), alpha 1 and not, with lda, ldb and
// ldc padded: every element must equal one float32 FMA chain over p
// ascending from +0, times alpha (fma32), bit for bit. NaN fills the
// padding of A and B and all of C (which must not be read), and the
// padding of C and a guard past it must come back untouched.
func TestSgemmColsTNAVX512(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F) {
		t.Skip("no AVX512F")
	}
	rng := rand.New(rand.NewPCG(12, 12))
	nan := float32(math.NaN())
	const guard = 40
	ks := []int{1, 2, 3, 5, 16, 33, 48, 70}
	if !testing.Short() {
		ks = nil
		for k := 1; k <= 70; k++ {
			ks = append(ks, k)
		}
	}
	cases := 0
	for m := 1; m <= 70; m++ {
		for n := colsTNMin; n <= colsTNMax; n++ {
			for _, k := range ks {
				alpha := []float32{1, -0.75, 1.5}[(m+n+k)%3]
				lda, ldb, ldc := m+(m+k)%3, n+(n+k)%4, n+(m+n)%3
				a := make([]float32, (k-1)*lda+m+guard)
				b := make([]float32, (k-1)*ldb+n+guard)
				for i := range a {
					a[i] = nan
				}
				for i := range b {
					b[i] = nan
				}
				for p := 0; p < k; p++ {
					for i := 0; i < m; i++ {
						a[p*lda+i] = rng.Float32()*2 - 1
					}
					for q := 0; q < n; q++ {
						b[p*ldb+q] = rng.Float32()*2 - 1
					}
				}
				c := make([]float32, (m-1)*ldc+n+guard)
				for i := range c {
					c[i] = nan
				}
				sgemmColsTNAVX512(m, k, a, lda, b, ldb, c, ldc, n, alpha)
				cases++
				for i := 0; i < m; i++ {
					for q := 0; q < ldc && i*ldc+q < len(c); q++ {
						got := c[i*ldc+q]
						if q >= n {
							if !math.IsNaN(float64(got)) {
								t.Fatalf("m=%d n=%d k=%d: padding C[%d,%d] written: %v", m, n, k, i, q, got)
							}
							continue
						}
						var acc float32
						for p := 0; p < k; p++ {
							acc = fma32(a[p*lda+i], b[p*ldb+q], acc)
						}
						if want := acc * alpha; math.Float32bits(got) != math.Float32bits(want) {
							t.Fatalf("m=%d n=%d k=%d alpha=%v: C[%d,%d] = %v, want %v", m, n, k, alpha, i, q, got, want)
						}
					}
				}
				for i := (m-1)*ldc + n; i < len(c); i++ {
					if !math.IsNaN(float64(c[i])) {
						t.Fatalf("m=%d n=%d k=%d: guard past C written at %d", m, n, k, i)
					}
				}
			}
		}
	}
	t.Logf("%d cases", cases)
}

// TestSgemmColsTN checks the products Sgemm hands to gemmKernel.colsTN on
// every kernel that has one (the weight gradient Xᵀ·dY of a layer of 4 to
// 12 outputs) against the generic kernel, and that a product just outside
// useColsTN's bounds (k, m, n, beta) still gives the right result on the
// path it takes instead.
func TestSgemmColsTN(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kern *gemmKernel) {
		if kern.colsTN == nil {
			t.Skip("no colsTN kernel")
		}
		rng := rand.New(rand.NewPCG(13, 13))
		for _, s := range []struct {
			m, n, k int
			beta    float32
			takes   bool
		}{
			{100, 10, 128, 0, true}, {784, 10, 128, 0, true}, {32, 4, 48, 0, true}, {300, 12, 1024, 0, true},
			{100, 10, 47, 0, false}, {31, 10, 128, 0, false}, {100, 3, 128, 0, false}, {100, 13, 128, 0, false},
			{100, 10, 128, 0.5, false},
		} {
			if got := useColsTN(kern, true, false, s.m, s.n, s.k, s.beta, s.n); got != s.takes {
				t.Fatalf("useColsTN(%d×%d×%d, beta %v) = %v, want %v", s.m, s.n, s.k, s.beta, got, s.takes)
			}
			x := randSlice(rng, s.k*s.m)
			dy := randSlice(rng, s.k*s.n)
			c0 := randSlice(rng, s.m*s.n)
			got := append([]float32(nil), c0...)
			want := append([]float32(nil), c0...)
			Sgemm(true, false, s.m, s.n, s.k, 0.5, x, s.m, dy, s.n, s.beta, got, s.n)
			undo, _ := useKernel(genericKernel.name)
			Sgemm(true, false, s.m, s.n, s.k, 0.5, x, s.m, dy, s.n, s.beta, want, s.n)
			undo()
			for i := range got {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*float64(s.k) {
					t.Fatalf("%d×%d×%d beta %v: C[%d] = %v, generic %v", s.m, s.n, s.k, s.beta, i, got[i], want[i])
				}
			}
		}
	})
}
