//go:build gc && !purego && !noasm

package ann

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// TestSgemmDotAVX512 checks the dot-product edge kernel against a float64
// reference: m 0..9, k 1..70, cols 1..4 with the unused column vectors
// repeating column 0, beta 0 (C all NaN: it must not be read), −0 and 0.7,
// unaligned slices; NaN guards around C's columns must survive, and A and
// the columns of B end exactly where the kernel may read.
func TestSgemmDotAVX512(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F) {
		t.Skip("no AVX512F")
	}
	rng := rand.New(rand.NewPCG(31, 32))
	nan := float32(math.NaN())
	for m := 0; m <= 9; m++ {
		for k := 1; k <= 70; k++ {
			for cols := 1; cols <= 4; cols++ {
				for _, beta := range []float32{0, float32(math.Copysign(0, -1)), 0.7} {
					lda, ldc := k+k%3, cols+3
					a := randSlice(rng, 1+max(m-1, 0)*lda+k)[1:]
					var bcol [4][]float32
					for j := 0; j < cols; j++ {
						bcol[j] = randSlice(rng, k+1)[1:]
					}
					for j := cols; j < 4; j++ {
						bcol[j] = bcol[0]
					}
					c := make([]float32, m*ldc+1)
					for i := range c {
						c[i] = nan
					}
					c = c[1:]
					c0 := make([]float32, len(c))
					for i := 0; i < m; i++ {
						for j := 0; j < cols; j++ {
							v := nan
							if beta != 0 {
								v = float32(rng.NormFloat64())
							}
							c[i*ldc+j], c0[i*ldc+j] = v, v
						}
					}
					sgemmDotAVX512(m, k, a, lda, bcol[0], bcol[1], bcol[2], bcol[3], cols, c, ldc, 1.25, beta)
					for i := 0; i < m; i++ {
						for j := 0; j < ldc && i*ldc+j < len(c); j++ {
							got := c[i*ldc+j]
							if j >= cols {
								if math.Float32bits(got) != math.Float32bits(nan) {
									t.Fatalf("m=%d k=%d cols=%d: guard C[%d,%d] overwritten with %v", m, k, cols, i, j, got)
								}
								continue
							}
							var s, mag float64
							for p := 0; p < k; p++ {
								s += float64(a[i*lda+p]) * float64(bcol[j][p])
								mag += math.Abs(float64(a[i*lda+p]) * float64(bcol[j][p]))
							}
							want := 1.25 * s
							if beta != 0 {
								want += float64(beta) * float64(c0[i*ldc+j])
								mag += math.Abs(float64(beta) * float64(c0[i*ldc+j]))
							}
							if d := math.Abs(float64(got) - want); !(d <= 1e-5*(mag+1)) {
								t.Fatalf("m=%d k=%d cols=%d beta=%v: C[%d,%d] = %v, want %v", m, k, cols, beta, i, j, got, want)
							}
						}
					}
				}
			}
		}
	}
}
