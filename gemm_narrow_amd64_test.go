//go:build gc && !purego && !noasm

package ann

import (
	"math"
	"math/rand"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// narrowKernelRows is the strip height of sgemmNarrowAVX512 (narrowRows in
// _gen/narrow.go); the tests cover two full strips and every rest.
const narrowKernelRows = 12

// TestSgemmNarrowAVX512 sweeps sgemmNarrowAVX512 over m 1..2·12+1 rows
// (every strip rest, one and two full strips), n 1..16 columns, k 0..70,
// A row-major (rs = lda, ss = 1) and transposed (rs = 1, ss = lda) in
// place, ldb and ldc padded, against a float64 reference. NaN fills every
// padding and guard (and all of C when beta == 0, which must not read it);
// the guards must come back bit for bit. Where AVX-512VL is present,
// sgemmNarrow8AVX512VL must give the same bits for n ≤ 8.
func TestSgemmNarrowAVX512(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F) {
		t.Skip("no AVX512F")
	}
	vl := cpuid.CPU.Supports(cpuid.AVX512VL)
	rng := rand.New(rand.NewSource(11))
	nan := float32(math.NaN())
	abs := [][2]float32{{1, 0}, {-0.75, float32(math.Copysign(0, -1))}, {1, 1}, {1.5, -0.5}}
	const guard = 24
	cases := 0
	ms := []int{}
	for m := 1; m <= 2*narrowKernelRows+1; m++ {
		if m <= narrowKernelRows+1 || m >= 2*narrowKernelRows-1 {
			ms = append(ms, m)
		}
	}
	for _, m := range ms {
		for n := 1; n <= 16; n++ {
			for k := 0; k <= 70; k++ {
				for _, trans := range []bool{false, true} {
					ab := abs[(m+n+k)%len(abs)]
					if trans {
						ab = abs[(m+n+k+1)%len(abs)]
					}
					alpha, beta := ab[0], ab[1]
					// A: m×k row-major with lda = k+pad, or k×m with lda = m+pad.
					rows, cols := m, k
					if trans {
						rows, cols = k, m
					}
					lda := cols + (m+k)%3
					aAll := make([]float32, rows*lda+guard)
					for i := range aAll {
						aAll[i] = nan
					}
					A := func(i, p int) *float32 {
						if trans {
							return &aAll[p*lda+i]
						}
						return &aAll[i*lda+p]
					}
					for i := 0; i < m; i++ {
						for p := 0; p < k; p++ {
							*A(i, p) = rng.Float32()*2 - 1
						}
					}
					ldb := n + (n+k)%4
					bAll := make([]float32, k*ldb+guard)
					for i := range bAll {
						bAll[i] = nan
					}
					for p := 0; p < k; p++ {
						for j := 0; j < n; j++ {
							bAll[p*ldb+j] = rng.Float32()*2 - 1
						}
					}
					ldc := n + (m+n)%3
					c0 := make([]float32, m*ldc+guard)
					for i := range c0 {
						c0[i] = nan
					}
					if beta != 0 {
						for i := 0; i < m; i++ {
							for j := 0; j < n; j++ {
								c0[i*ldc+j] = rng.Float32()*2 - 1
							}
						}
					}
					c := append([]float32(nil), c0...)
					rs, ss := lda, 1
					if trans {
						rs, ss = 1, lda
					}
					sgemmNarrowAVX512(m, k, aAll, rs, ss, bAll, ldb, c, ldc, n, alpha, beta)
					cases++
					if n <= 8 && vl {
						// The ymm form: the same FMA chains, so the same bits,
						// guards and padding included.
						c8 := append([]float32(nil), c0...)
						sgemmNarrow8AVX512VL(m, k, aAll, rs, ss, bAll, ldb, c8, ldc, n, alpha, beta)
						for i := range c8 {
							if math.Float32bits(c8[i]) != math.Float32bits(c[i]) {
								t.Fatalf("m=%d n=%d k=%d trans=%v: sgemmNarrow8AVX512VL C[%d] = %v, sgemmNarrowAVX512 %v", m, n, k, trans, i, c8[i], c[i])
							}
						}
					}
					tol := float64(k+3) * 0x1p-24
					for i := 0; i < m; i++ {
						for j := 0; j < ldc; j++ {
							got := c[i*ldc+j]
							if j >= n {
								if math.Float32bits(got) != math.Float32bits(c0[i*ldc+j]) {
									t.Fatalf("m=%d n=%d k=%d trans=%v: padding C[%d,%d] written: %v", m, n, k, trans, i, j, got)
								}
								continue
							}
							var s, sum float64
							for p := 0; p < k; p++ {
								x := float64(*A(i, p)) * float64(bAll[p*ldb+j])
								s += x
								sum += math.Abs(x)
							}
							want := float64(alpha) * s
							bound := math.Abs(float64(alpha)) * sum
							if beta != 0 {
								want += float64(beta) * float64(c0[i*ldc+j])
								bound += math.Abs(float64(beta) * float64(c0[i*ldc+j]))
							}
							if math.IsNaN(float64(got)) || math.Abs(float64(got)-want) > tol*bound+1e-30 {
								t.Fatalf("m=%d n=%d k=%d trans=%v alpha=%v beta=%v: C[%d,%d] = %v, want %v (±%g)",
									m, n, k, trans, alpha, beta, i, j, got, want, tol*bound)
							}
						}
					}
					for i := m * ldc; i < len(c); i++ {
						if math.Float32bits(c[i]) != math.Float32bits(c0[i]) {
							t.Fatalf("m=%d n=%d k=%d: guard past C written", m, n, k)
						}
					}
				}
			}
		}
	}
	t.Logf("%d cases", cases)
}

// TestSgemmNarrowAVX512Degenerate: m == 0 or n == 0 touches nothing.
func TestSgemmNarrowAVX512Degenerate(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F) {
		t.Skip("no AVX512F")
	}
	nan := float32(math.NaN())
	c := []float32{nan, 2}
	sgemmNarrowAVX512(0, 1, []float32{1}, 1, 1, []float32{1, 1}, 2, c, 2, 2, 1, 0)
	sgemmNarrowAVX512(1, 1, []float32{1}, 1, 1, []float32{1, 1}, 2, c, 2, 0, 1, 0)
	if !math.IsNaN(float64(c[0])) || c[1] != 2 {
		t.Fatalf("m or n = 0 wrote C: %v", c)
	}
}
