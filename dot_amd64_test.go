//go:build gc && !purego && !noasm

package ann

import (
	"math"
	"math/rand/v2"
	"runtime"
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

// TestSgemmColsTAVX512 checks the transposed-A column kernel against a
// float64 reference: m 1..70, k 1..40, cols 1..4, B plain or transposed,
// unaligned slices; t is filled with NaN past cols·m and must stay so.
func TestSgemmColsTAVX512(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F) {
		t.Skip("no AVX512F")
	}
	rng := rand.New(rand.NewPCG(33, 34))
	nan := float32(math.NaN())
	for m := 1; m <= 70; m++ {
		for _, k := range []int{1, 2, 7, 16, 40} {
			for cols := 1; cols <= 4; cols++ {
				for _, trans := range []bool{false, true} {
					lda := m + m%3
					a := randSlice(rng, 1+(k-1)*lda+m)[1:]
					sp, sq, size := cols+2, 1, (k-1)*(cols+2)+cols
					if trans {
						sp, sq, size = 1, k+1, (cols-1)*(k+1)+k
					}
					b := randSlice(rng, size+1)[1:]
					out := make([]float32, cols*m+8)
					for i := range out {
						out[i] = nan
					}
					sgemmColsTAVX512(m, k, a, lda, b, sp, sq, cols, out[:cols*m])
					for q := 0; q < cols; q++ {
						for i := 0; i < m; i++ {
							var s, mag float64
							for p := 0; p < k; p++ {
								v := float64(a[p*lda+i]) * float64(b[p*sp+q*sq])
								s += v
								mag += math.Abs(v)
							}
							if got := out[q*m+i]; !(math.Abs(float64(got)-s) <= 1e-5*(mag+1)) {
								t.Fatalf("m=%d k=%d cols=%d trans=%v: t[%d, %d] = %v, want %v", m, k, cols, trans, q, i, got, s)
							}
						}
					}
					for i := cols * m; i < len(out); i++ {
						if math.Float32bits(out[i]) != math.Float32bits(nan) {
							t.Fatalf("m=%d k=%d cols=%d: written past cols·m at %d", m, k, cols, i)
						}
					}
				}
			}
		}
	}
}

// TestSgemmColsT4AVX512 checks the 4-column kernel that stores C itself
// against sgemmColsTAVX512's raw sums (the same FMA chains, so the same
// bits) scaled as the driver's other kernels scale: alpha·sum exactly, plus
// beta·C within one rounding of the fused result. C's padding columns and
// the rows past m hold NaN and must stay untouched; at beta = ±0 C is all
// NaN and must not be read.
func TestSgemmColsT4AVX512(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F) {
		t.Skip("no AVX512F")
	}
	rng := rand.New(rand.NewPCG(35, 36))
	nan := float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	for m := 1; m <= 70; m++ {
		for _, k := range []int{1, 2, 7, 10, 40} {
			for _, trans := range []bool{false, true} {
				for _, ab := range [][2]float32{{1, 0}, {0.5, negZero}, {1, 1}, {-1.5, 0.7}} {
					alpha, beta := ab[0], ab[1]
					lda := m + m%3
					a := randSlice(rng, 1+(k-1)*lda+m)[1:]
					sp, sq, size := 6, 1, (k-1)*6+4
					if trans {
						sp, sq, size = 1, k+1, 3*(k+1)+k
					}
					b := randSlice(rng, size+1)[1:]
					ldc := 4 + m%5
					c := make([]float32, (m+1)*ldc)
					for i := range c {
						c[i] = nan
						if i/ldc < m && i%ldc < 4 && beta != 0 {
							c[i] = rng.Float32()*2 - 1
						}
					}
					old := append([]float32(nil), c...)
					sums := make([]float32, 4*m)
					sgemmColsTAVX512(m, k, a, lda, b, sp, sq, 4, sums)
					sgemmColsT4AVX512(m, k, a, lda, b, sp, sq, c[:(m-1)*ldc+4], ldc, alpha, beta)
					for i := range c {
						r, q := i/ldc, i%ldc
						if r >= m || q >= 4 {
							if math.Float32bits(c[i]) != math.Float32bits(old[i]) {
								t.Fatalf("m=%d k=%d: wrote C[%d, %d] outside the product", m, k, r, q)
							}
							continue
						}
						v := alpha * sums[q*m+r]
						if beta == 0 {
							if math.Float32bits(c[i]) != math.Float32bits(v) {
								t.Fatalf("m=%d k=%d alpha=%v: C[%d, %d] = %v, want %v", m, k, alpha, r, q, c[i], v)
							}
							continue
						}
						want := math.FMA(float64(beta), float64(old[i]), float64(v))
						ulp := math.Abs(float64(math.Nextafter32(float32(want), float32(math.Inf(1)))) - float64(float32(want)))
						if d := math.Abs(float64(c[i]) - want); !(d <= ulp) {
							t.Fatalf("m=%d k=%d alpha=%v beta=%v: C[%d, %d] = %v, want %v", m, k, alpha, beta, r, q, c[i], want)
						}
					}
				}
			}
		}
	}
}

// dot2Ref is sgemmDot2AVX512's arithmetic for one sum: lane l an fma32
// chain over p ≡ l (mod 16) ascending, then lanes l + l+8, l + l+4, l + l+2
// and l + l+1, then alpha·s and, when beta ≠ 0, one fma32 with beta·c.
func dot2Ref(k int, a, b []float32, alpha, beta, c float32) float32 {
	var lane [16]float32
	for p := 0; p < k; p++ {
		lane[p%16] = fma32(a[p], b[p], lane[p%16])
	}
	for w := 8; w >= 1; w /= 2 {
		for l := 0; l < w; l++ {
			lane[l] += lane[l+w]
		}
	}
	s := alpha * lane[0]
	if beta != 0 {
		s = fma32(c, beta, s)
	}
	return s
}

// TestSgemmDot2AVX512 checks the two-column dot kernel bit for bit against
// dot2Ref: rows 1..8, k 1..70 and a few longer, cols 1 and 2, beta 0, −0
// and 0.7, A and B at unaligned offsets; C is NaN around the rows and
// columns written, which must stay so, and is not read when beta is 0.
func TestSgemmDot2AVX512(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512VL) {
		t.Skip("no AVX512F and AVX512VL")
	}
	rng := rand.New(rand.NewPCG(33, 34))
	nan := float32(math.NaN())
	ks := []int{100, 128, 300, 785}
	for k := 1; k <= 70; k++ {
		ks = append(ks, k)
	}
	for _, k := range ks {
		for rows := 1; rows <= 8; rows++ {
			for cols := 1; cols <= 2; cols++ {
				for _, beta := range []float32{0, float32(math.Copysign(0, -1)), 0.7} {
					lda, ldc := k+k%3, cols+3
					a := randSlice(rng, 1+(rows-1)*lda+k)[1:]
					b0 := randSlice(rng, k+1)[1:]
					b1 := b0
					if cols == 2 {
						b1 = randSlice(rng, k+1)[1:]
					}
					c := make([]float32, 1+8*ldc)
					for i := range c {
						c[i] = nan
					}
					c = c[1:]
					c0 := make([]float32, len(c))
					for i := 0; i < rows; i++ {
						for j := 0; j < cols; j++ {
							if beta != 0 {
								c[i*ldc+j] = float32(rng.NormFloat64())
							}
						}
					}
					copy(c0, c)
					sgemmDot2AVX512(rows, k, a, lda, b0, b1, cols, c, ldc, 1.25, beta)
					for i := 0; i < 8; i++ {
						for j := 0; j < ldc && i*ldc+j < len(c); j++ {
							got := c[i*ldc+j]
							if i >= rows || j >= cols {
								if math.Float32bits(got) != math.Float32bits(c0[i*ldc+j]) {
									t.Fatalf("rows=%d k=%d cols=%d: guard C[%d,%d] overwritten with %v", rows, k, cols, i, j, got)
								}
								continue
							}
							want := dot2Ref(k, a[i*lda:], [][]float32{b0, b1}[j], 1.25, beta, c0[i*ldc+j])
							if math.Float32bits(got) != math.Float32bits(want) {
								t.Fatalf("rows=%d k=%d cols=%d beta=%v: C[%d,%d] = %v, want %v", rows, k, cols, beta, i, j, got, want)
							}
						}
					}
				}
			}
		}
	}
}

// TestSgemmDot2Dispatch runs products of 9 and 10 columns through Sgemm with
// the avx512-narrow set's dot2 on (archKernels sets it on Zen 4 only), B
// plain and transposed, beta 0 and 0.5: within a float64 bound of the
// reference and bit-identical at GOMAXPROCS 1, 2 and 3.
func TestSgemmDot2Dispatch(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512VL) {
		t.Skip("no AVX512F and AVX512VL")
	}
	defer setMinParallel(0)()
	undo, _ := useKernel("avx512")
	defer undo()
	saved := avx512Narrow.dot2
	avx512Narrow.dot2 = sgemmDot2AVX512
	defer func() { avx512Narrow.dot2 = saved }()
	rng := rand.New(rand.NewPCG(35, 36))
	for _, s := range [][3]int{{32, 9, 32}, {33, 10, 70}, {128, 10, 100}, {250, 9, 301}} {
		m, n, k := s[0], s[1], s[2]
		for _, transB := range []bool{false, true} {
			for _, beta := range []float32{0, 0.5} {
				a, b, c0 := randSlice(rng, m*k), randSlice(rng, k*n), randSlice(rng, m*n)
				ldb := n
				if transB {
					ldb = k
				}
				var out [3][]float32
				for i, procs := range []int{1, 2, 3} {
					prev := runtime.GOMAXPROCS(procs)
					out[i] = append([]float32(nil), c0...)
					Sgemm(false, transB, m, n, k, 0.75, a, k, b, ldb, beta, out[i], n)
					runtime.GOMAXPROCS(prev)
				}
				for i := 0; i < m; i++ {
					for j := 0; j < n; j++ {
						var sum, mag float64
						for p := 0; p < k; p++ {
							bv := b[p*n+j]
							if transB {
								bv = b[j*k+p]
							}
							sum += float64(a[i*k+p]) * float64(bv)
							mag += math.Abs(float64(a[i*k+p]) * float64(bv))
						}
						want := 0.75*sum + float64(beta)*float64(c0[i*n+j])
						if d := math.Abs(float64(out[0][i*n+j]) - want); !(d <= 1e-5*(mag+1)) {
							t.Fatalf("%v transB=%v beta=%v: C[%d,%d] = %v, want %v", s, transB, beta, i, j, out[0][i*n+j], want)
						}
						for p := 1; p < 3; p++ {
							if math.Float32bits(out[p][i*n+j]) != math.Float32bits(out[0][i*n+j]) {
								t.Fatalf("%v transB=%v: C[%d,%d] differs between GOMAXPROCS 1 and %d", s, transB, i, j, p+1)
							}
						}
					}
				}
			}
		}
	}
}
