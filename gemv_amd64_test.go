//go:build gc && !purego && !noasm

package ann

import (
	"math"
	"math/rand"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// gemvNaN fills s with NaN, the guard value of the sgemv tests.
func gemvNaN(s []float32) {
	for i := range s {
		s[i] = float32(math.NaN())
	}
}

// checkSgemv compares c[0:n] after sgemvAVX512 with a float64 reference
// within the error bound of k+2 float32 roundings of the absolute sums, and
// c[n:] (NaN guards) with its NaN bits untouched.
func checkSgemv(t *testing.T, k, n, ldb int, a, b, c0, c []float32, alpha, beta float32) {
	t.Helper()
	tol := float64(k+3) * 0x1p-24
	for j := 0; j < n; j++ {
		var s, abs float64
		for p := 0; p < k; p++ {
			x := float64(a[p]) * float64(b[p*ldb+j])
			s += x
			abs += math.Abs(x)
		}
		want := float64(alpha) * s
		bound := math.Abs(float64(alpha)) * abs
		if beta != 0 {
			want += float64(beta) * float64(c0[j])
			bound += math.Abs(float64(beta) * float64(c0[j]))
		}
		got := float64(c[j])
		if math.IsNaN(got) || math.Abs(got-want) > tol*bound+1e-30 {
			t.Fatalf("k=%d n=%d ldb=%d alpha=%v beta=%v: c[%d] = %v, want %v (±%g)",
				k, n, ldb, alpha, beta, j, got, want, tol*bound)
		}
	}
	for j := n; j < len(c); j++ {
		if math.Float32bits(c[j]) != math.Float32bits(c0[j]) {
			t.Fatalf("k=%d n=%d ldb=%d beta=%v: c[%d] past n written: %v", k, n, ldb, beta, j, c[j])
		}
	}
}

// TestSgemvRowAVX512 sweeps n 1..130, a few widths around the panel width
// gemvPanel and past it (two panels), and k 1..70 with
// B rows ldb ≥ n floats apart, NaN in B's padding and past its end, past
// a[k-1] and past c[n-1] (and in all of c when beta == 0, which must not
// read it), against a float64 reference.
func TestSgemvRowAVX512(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F) {
		t.Skip("no AVX512F")
	}
	rng := rand.New(rand.NewSource(7))
	const guard = 40
	cases := 0
	var widths []int
	for n := 1; n <= 130; n++ {
		widths = append(widths, n)
	}
	widths = append(widths, 255, 256, 257, 300, gemvPanel-1, gemvPanel, gemvPanel+1, gemvPanel+17)
	for _, n := range widths {
		for k := 1; k <= 70; k++ {
			ldb := n + (n+k)%3*5
			a := make([]float32, k+guard)
			gemvNaN(a)
			for p := 0; p < k; p++ {
				a[p] = rng.Float32()*2 - 1
			}
			bAll := make([]float32, (k-1)*ldb+n+guard)
			gemvNaN(bAll)
			for p := 0; p < k; p++ {
				for j := 0; j < n; j++ {
					bAll[p*ldb+j] = rng.Float32()*2 - 1
				}
			}
			b := bAll[:(k-1)*ldb+n]
			for _, ab := range [][2]float32{{1, 0}, {-0.75, float32(math.Copysign(0, -1))}, {1, 1}, {1.5, -0.5}} {
				alpha, beta := ab[0], ab[1]
				c0 := make([]float32, n+guard)
				gemvNaN(c0)
				if beta != 0 {
					for j := 0; j < n; j++ {
						c0[j] = rng.Float32()*2 - 1
					}
				}
				c := append([]float32(nil), c0...)
				sgemvAVX512(k, a[:k], b, ldb, c[:n], n, alpha, beta)
				checkSgemv(t, k, n, ldb, a, bAll, c0, c, alpha, beta)
				cases++
			}
		}
	}
	t.Logf("%d cases", cases)
}

// TestSgemvRowAVX512Degenerate: n == 0 touches nothing; k == 0 gives
// beta·c (and 0 with beta == 0, c not read).
func TestSgemvRowAVX512Degenerate(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F) {
		t.Skip("no AVX512F")
	}
	c := []float32{float32(math.NaN()), 2}
	sgemvRowAVX512(3, []float32{1, 2, 3}, []float32{1, 2, 3}, 1, c, 0, 1, 1)
	if !math.IsNaN(float64(c[0])) || c[1] != 2 {
		t.Fatalf("n = 0 wrote c: %v", c)
	}
	c = []float32{3, 4, float32(math.NaN())}
	sgemvRowAVX512(0, nil, nil, 2, c, 2, 5, 0.5)
	if c[0] != 1.5 || c[1] != 2 || !math.IsNaN(float64(c[2])) {
		t.Fatalf("k = 0, beta = 0.5: c = %v, want [1.5 2 NaN]", c)
	}
	c = []float32{float32(math.NaN()), float32(math.NaN()), float32(math.NaN())}
	sgemvRowAVX512(0, nil, nil, 2, c, 2, 5, 0)
	if c[0] != 0 || c[1] != 0 || !math.IsNaN(float64(c[2])) {
		t.Fatalf("k = 0, beta = 0: c = %v, want [0 0 NaN]", c)
	}
}

// TestSgemvCompactAVX512 checks the compaction against a Go loop: every
// element that is not ±0 (NaN included) with its position, in order, for
// k = 0..70 and densities from none to all, nothing written past the count.
func TestSgemvCompactAVX512(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F, cpuid.BMI2, cpuid.POPCNT) {
		t.Skip("no AVX512F/BMI2/POPCNT")
	}
	rng := rand.New(rand.NewSource(41))
	for k := 0; k <= 70; k++ {
		for _, zeros := range []float64{0, 0.3, 0.9, 1} {
			a := make([]float32, k+1)[1:]
			for i := range a {
				switch r := rng.Float64(); {
				case r < zeros/2:
					a[i] = 0
				case r < zeros:
					a[i] = float32(math.Copysign(0, -1))
				case r < zeros+0.05:
					a[i] = float32(math.NaN())
				default:
					a[i] = float32(rng.NormFloat64())
				}
			}
			vals, idx := make([]float32, k+8), make([]int32, k+8)
			for i := range vals {
				vals[i], idx[i] = 7, -7
			}
			n := sgemvCompactAVX512(k, a, vals, idx)
			var wv []float32
			var wi []int32
			for i, v := range a {
				if v != 0 {
					wv, wi = append(wv, v), append(wi, int32(i))
				}
			}
			if n != len(wv) {
				t.Fatalf("k=%d zeros=%v: %d kept, want %d", k, zeros, n, len(wv))
			}
			for q := 0; q < n; q++ {
				if math.Float32bits(vals[q]) != math.Float32bits(wv[q]) || idx[q] != wi[q] {
					t.Fatalf("k=%d: pair %d is (%v, %d), want (%v, %d)", k, q, vals[q], idx[q], wv[q], wi[q])
				}
			}
			for q := n; q < len(vals); q++ {
				if vals[q] != 7 || idx[q] != -7 {
					t.Fatalf("k=%d: written past the count at %d", k, q)
				}
			}
		}
	}
}

// TestSgemvSkipZerosSameBits: skipping the zero elements of the vector
// gives the bits of the full product for finite B, at every density, and
// the kernel set's m == 1 path uses it.
func TestSgemvSkipZerosSameBits(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F, cpuid.BMI2, cpuid.POPCNT) {
		t.Skip("no AVX512F/BMI2/POPCNT")
	}
	rng := rand.New(rand.NewSource(42))
	for _, s := range [][2]int{{32, 1}, {33, 17}, {100, 10}, {300, 100}, {784, 300}, {64, 400}, {40, 385}} {
		k, n := s[0], s[1]
		ldb := n + 3
		b := make([]float32, (k-1)*ldb+n)
		for i := range b {
			b[i] = float32(rng.NormFloat64())
		}
		for _, zeros := range []float64{0, 0.01, 0.5, 0.8, 1} {
			a := make([]float32, k)
			for i := range a {
				if rng.Float64() >= zeros {
					a[i] = float32(rng.NormFloat64())
				} else if i%2 == 1 {
					a[i] = float32(math.Copysign(0, -1))
				}
			}
			for _, beta := range []float32{0, 0.5} {
				want, got := make([]float32, n), make([]float32, n)
				for j := range want {
					want[j] = float32(j)
					got[j] = float32(j)
				}
				sgemvAVX512(k, a, b, ldb, want, n, 1.5, beta)
				sgemvSkipZerosAVX512(k, a, b, ldb, got, n, 1.5, beta)
				for j := range want {
					if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
						t.Fatalf("k=%d n=%d zeros=%v beta=%v: c[%d] = %v skipping zeros, %v in full", k, n, zeros, beta, j, got[j], want[j])
					}
				}
			}
		}
	}
}
