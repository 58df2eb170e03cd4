package ann

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestSgemmSkipZeros checks the zero-column-skipping forward product with
// its epilogue against a float64 reference, over batch sizes around the
// gather kernels' row blocks, widths with and without a partial last
// strip and several densities: it must run exactly when the kernel set has
// the kernels and skipPays, give the same bits at 1, 2
// and 3 parts, and leave C's padding alone.
func TestSgemmSkipZeros(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kern *gemmKernel) {
		rng := rand.New(rand.NewPCG(3, 3))
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
		for _, m := range []int{1, 2, 9, 10, 12, 13, 25, 128} {
			for _, n := range []int{15, 16, 17, 31, 32, 33, 50, 100, 300} {
				for _, k := range []int{8, 17, 100, 784} {
					for _, zeros := range []float64{0, 0.1, 0.5, 0.95} {
						checkSkipZeros(t, kern, rng, m, n, k, zeros)
					}
				}
			}
		}
	})
}

func checkSkipZeros(t *testing.T, kern *gemmKernel, rng *rand.Rand, m, n, k int, zeros float64) {
	t.Helper()
	lda, ldb, ldc := k+rng.IntN(3), n+rng.IntN(5), n+1+rng.IntN(4)
	a := make([]float32, (m-1)*lda+k)
	b := make([]float32, (k-1)*ldb+n)
	bias := make([]float32, n)
	zeroCol := make([]bool, k)
	nz := 0
	for p := range zeroCol {
		zeroCol[p] = rng.Float64() < zeros
		if zeroCol[p] {
			nz++
		}
	}
	for i := 0; i < m; i++ {
		for p := 0; p < k; p++ {
			if !zeroCol[p] && rng.IntN(3) > 0 {
				a[i*lda+p] = float32(rng.NormFloat64())
			} else if rng.IntN(2) == 0 {
				a[i*lda+p] = float32(math.Copysign(0, -1))
			}
		}
	}
	for i := range b {
		b[i] = float32(rng.NormFloat64())
	}
	for j := range bias {
		bias[j] = float32(rng.NormFloat64())
	}
	// Columns meant nonzero may have come out all zero by chance.
	zeroCols := 0
	for p := 0; p < k; p++ {
		all := true
		for i := 0; i < m; i++ {
			if a[i*lda+p] != 0 {
				all = false
			}
		}
		if all {
			zeroCols++
		}
	}
	var first []float32
	for _, procs := range []int{1, 2, 3} {
		runtime.GOMAXPROCS(procs)
		c := make([]float32, (m-1)*ldc+n+1)
		y := make([]float32, len(c))
		for i := range c {
			c[i], y[i] = 5, 5
		}
		var j skipJob
		e := epilogue{bias: bias, act: ReLU, out: y, ldo: ldc}
		did := sgemmSkipZeros(&j, m, n, k, a, lda, b, ldb, c[:len(c)-1], ldc, e)
		want := kern.skip != nil && (m > 1 || kern.gemv == nil) && n >= kern.skip.nr && k >= skipMinK && skipPays(k-zeroCols, k, n, kern.skip.nr)
		if did != want {
			t.Fatalf("%s m=%d n=%d k=%d with %d zero columns: skipped %v, want %v", kern.name, m, n, k, zeroCols, did, want)
		}
		if !did {
			if c[0] != 5 || y[0] != 5 {
				t.Fatalf("m=%d n=%d k=%d: declined but wrote C", m, n, k)
			}
			return
		}
		for i := 0; i < m; i++ {
			for jj := 0; jj < ldc; jj++ {
				off := i*ldc + jj
				if off >= len(c) {
					break
				}
				if jj >= n {
					if c[off] != 5 || y[off] != 5 {
						t.Fatalf("m=%d n=%d k=%d: padding (%d, %d) written", m, n, k, i, jj)
					}
					continue
				}
				var s, abs float64
				for p := 0; p < k; p++ {
					x := float64(a[i*lda+p]) * float64(b[p*ldb+jj])
					s += x
					abs += math.Abs(x)
				}
				s += float64(bias[jj])
				abs += math.Abs(float64(bias[jj]))
				if d := math.Abs(float64(c[off]) - s); d > float64(k+3)*0x1p-24*abs+1e-30 {
					t.Fatalf("m=%d n=%d k=%d: z(%d, %d) = %v, want %v", m, n, k, i, jj, c[off], s)
				}
				if y[off] != max(c[off], 0) {
					t.Fatalf("m=%d n=%d k=%d: y(%d, %d) = %v, want ReLU(%v)", m, n, k, i, jj, y[off], c[off])
				}
			}
		}
		if first == nil {
			first = c
		} else if i := sameBits(first, c); i >= 0 {
			t.Fatalf("m=%d n=%d k=%d: element %d differs at GOMAXPROCS %d", m, n, k, i, procs)
		}
	}
}

// TestSgemmSkipZerosGrad checks the weight gradient that skips the zero
// columns of X: every element the FMA chain over the batch bit for bit
// (+0 for a skipped row), close to the dense Sgemm, on every kernel set, at
// 1, 2 and 3 parts, with C's padding untouched.
func TestSgemmSkipZerosGrad(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kern *gemmKernel) {
		rng := rand.New(rand.NewPCG(4, 4))
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
		for _, rows := range []int{1, 2, 10, 13, 128} {
			for _, n := range []int{31, 32, 33, 100, 300} {
				for _, k := range []int{8, 17, 100, 784} {
					for _, zeros := range []float64{0, 0.5, 0.95} {
						lda, ldd, ldc := k+rng.IntN(3), n+rng.IntN(5), n+1+rng.IntN(4)
						x := make([]float32, (rows-1)*lda+k)
						for p := 0; p < k; p++ {
							if rng.Float64() < zeros {
								continue
							}
							for i := 0; i < rows; i++ {
								if rng.IntN(2) == 0 {
									x[i*lda+p] = float32(rng.NormFloat64())
								}
							}
						}
						zc := 0 // columns of x zero in every row
						for p := 0; p < k; p++ {
							all := true
							for i := 0; i < rows; i++ {
								all = all && x[i*lda+p] == 0
							}
							if all {
								zc++
							}
						}
						d := make([]float32, (rows-1)*ldd+n)
						for i := range d {
							d[i] = float32(rng.NormFloat64())
						}
						want := make([]float32, (k-1)*ldc+n+1)
						Sgemm(true, false, k, n, rows, 1, x, lda, d, ldd, 0, want[:len(want)-1], ldc)
						for _, procs := range []int{1, 2, 3} {
							runtime.GOMAXPROCS(procs)
							c := make([]float32, len(want))
							for i := range c {
								c[i] = float32(math.NaN())
							}
							var j skipJob
							did := sgemmSkipZerosGrad(&j, rows, k, n, x, lda, d, ldd, c[:len(c)-1], ldc)
							if should := kern.skip != nil && n >= kern.skip.nr && skipPays(k-zc, k, n, kern.skip.nr); did != should {
								t.Fatalf("rows=%d n=%d k=%d with %d zero columns: skipped %v, want %v", rows, n, k, zc, did, should)
							}
							if !did {
								if !math.IsNaN(float64(c[0])) {
									t.Fatalf("rows=%d n=%d k=%d: declined but wrote C", rows, n, k)
								}
								break
							}
							for i := 0; i < k; i++ {
								for jj := 0; jj < ldc && i*ldc+jj < len(c); jj++ {
									g, w := c[i*ldc+jj], want[i*ldc+jj]
									if jj >= n {
										if !math.IsNaN(float64(g)) {
											t.Fatalf("rows=%d n=%d k=%d: padding (%d, %d) written", rows, n, k, i, jj)
										}
										continue
									}
									var chain float32
									for p := 0; p < rows; p++ {
										chain = fma32(x[p*lda+i], d[p*ldd+jj], chain)
									}
									if math.Float32bits(g) != math.Float32bits(chain) || math.Abs(float64(g-w)) > 1e-5*(1+math.Abs(float64(w))) {
										t.Fatalf("rows=%d n=%d k=%d procs=%d: dW(%d, %d) = %v, FMA chain %v, dense %v", rows, n, k, procs, i, jj, g, chain, w)
									}
								}
							}
						}
					}
				}
			}
		}
	})
}

// TestSkipZerosGradReusesScan checks that the weight gradient after a
// forward product on the same input, which reuses that product's scan,
// gives the bits of one that scans for itself, and that it rescans an
// input the forward product did not see.
func TestSkipZerosGradReusesScan(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kern *gemmKernel) {
		rng := rand.New(rand.NewPCG(6, 6))
		const rows, k, n = 10, 100, 40
		x := make([]float32, rows*k)
		for p := 0; p < k; p += 2 { // every other column zero
			for i := 0; i < rows; i++ {
				x[i*k+p] = float32(rng.NormFloat64())
			}
		}
		w, d := randSlice(rng, k*n), randSlice(rng, rows*n)
		z := make([]float32, rows*n)
		want, got := make([]float32, k*n), make([]float32, k*n)
		var fresh, reused skipJob
		didWant := sgemmSkipZerosGrad(&fresh, rows, k, n, x, k, d, n, want, n)
		sgemmSkipZeros(&reused, rows, n, k, x, k, w, n, z, n, epilogue{})
		didGot := sgemmSkipZerosGrad(&reused, rows, k, n, x, k, d, n, got, n)
		if didGot != didWant || sameBits(got, want) >= 0 {
			t.Fatalf("after a forward product: skipped %v, alone %v; element %d differs", didGot, didWant, sameBits(got, want))
		}
		// A different input after the forward product: its own scan.
		x2 := append([]float32(nil), x...)
		x2[3*k+1] = 1.5 // column 1, zero in x, is not in x2
		sgemmSkipZeros(&reused, rows, n, k, x, k, w, n, z, n, epilogue{})
		sgemmSkipZerosGrad(&fresh, rows, k, n, x2, k, d, n, want, n)
		sgemmSkipZerosGrad(&reused, rows, k, n, x2, k, d, n, got, n)
		if i := sameBits(got, want); i >= 0 {
			t.Fatalf("another input: element %d differs from its own scan", i)
		}
	})
}
