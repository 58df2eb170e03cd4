//go:build gc && !purego && !noasm

package ann

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// skipSets runs body on each zero-column-skipping kernel set this CPU
// can run.
func skipSets(t *testing.T, body func(t *testing.T, sk *skipKernels)) {
	sets := []struct {
		name string
		sk   *skipKernels
		ok   bool
	}{
		{"avx512", &skipAVX512, cpuid.CPU.Supports(cpuid.AVX512F, cpuid.BMI2, cpuid.POPCNT)},
		{"avx2", &skipAVX2, cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3)},
	}
	for _, set := range sets {
		t.Run(set.name, func(t *testing.T) {
			if !set.ok {
				t.Skipf("the CPU lacks the %s set's extensions", set.name)
			}
			body(t, set.sk)
		})
	}
}

// TestSgemmGatherKernels checks every gather kernel (AVX-512 and AVX2) bit for bit against
// the FMA chain over the listed columns (fma32), for column lists from one
// column to all of them, on exactly sized slices with NaN around the C tile
// (the kernels overwrite C without reading it).
func TestSgemmGatherKernels(t *testing.T) {
	skipSets(t, func(t *testing.T, sk *skipKernels) { checkGather(t, sk) })
}

func checkGather(t *testing.T, sk *skipKernels) {
	rng := rand.New(rand.NewPCG(7, 7))
	nr := sk.nr
	for r := 1; r < len(sk.gather); r++ {
		for _, k := range []int{1, 2, 7, 33, 70, 300} {
			for _, q := range []int{1, 2, k / 2, k} {
				if q < 1 || q > k {
					continue
				}
				idx := make([]int32, 0, q+gatherAhead)
				for _, p := range rng.Perm(k)[:q] {
					idx = append(idx, int32(p))
				}
				sortInt32(idx)
				for range gatherAhead {
					idx = append(idx, idx[q-1])
				}
				idx = idx[:q]
				lda, ldb, ldc := k+rng.IntN(5), nr+rng.IntN(40), nr+rng.IntN(9)
				a := make([]float32, (r-1)*lda+int(idx[q-1])+1)
				b := make([]float32, int(idx[q-1])*ldb+nr)
				for i := range a {
					a[i] = float32(rng.NormFloat64())
				}
				for i := range b {
					b[i] = float32(rng.NormFloat64())
				}
				c := make([]float32, (r-1)*ldc+nr+ldc)
				for i := range c {
					c[i] = float32(math.NaN())
				}
				sk.gather[r](q, idx, a, lda, b, ldb, c[:(r-1)*ldc+nr], ldc)
				for i := 0; i < r; i++ {
					for jj := 0; jj < ldc; jj++ {
						got := c[i*ldc+jj]
						if jj >= nr {
							if !math.IsNaN(float64(got)) {
								t.Fatalf("r=%d k=%d q=%d: C[%d][%d] outside the tile was written", r, k, q, i, jj)
							}
							continue
						}
						var want float32
						for _, p := range idx {
							want = fma32(a[i*lda+int(p)], b[int(p)*ldb+jj], want)
						}
						if math.Float32bits(got) != math.Float32bits(want) {
							t.Fatalf("r=%d k=%d q=%d: C[%d][%d] = %v, want %v", r, k, q, i, jj, got, want)
						}
					}
				}
			}
		}
	}
}

func sortInt32(s []int32) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// TestOrColumnsKernels checks the zero-column scans (AVX-512 and AVX2) against a Go loop, with
// −0, NaN and denormals among the values and every tail length.
func TestOrColumnsKernels(t *testing.T) {
	skipSets(t, func(t *testing.T, sk *skipKernels) { checkOrColumns(t, sk) })
}

func checkOrColumns(t *testing.T, sk *skipKernels) {
	rng := rand.New(rand.NewPCG(8, 8))
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), 1e-45, 1, -2}
	for rows := 1; rows <= 5; rows++ {
		for k := 1; k <= 150; k++ {
			ldx := k + rng.IntN(3)
			x := make([]float32, (rows-1)*ldx+k)
			for i := range x {
				if rng.IntN(3) > 0 {
					x[i] = special[rng.IntN(2)]
				} else {
					x[i] = special[rng.IntN(len(special))]
				}
			}
			acc := make([]float32, k+16)
			for i := range acc {
				acc[i] = 7
			}
			sk.orColumns(rows, k, x, ldx, acc[:k])
			for j := 0; j < k+16; j++ {
				if j >= k {
					if acc[j] != 7 {
						t.Fatalf("rows=%d k=%d: acc[%d] past k written", rows, k, j)
					}
					continue
				}
				zero := true
				for i := 0; i < rows; i++ {
					if x[i*ldx+j] != 0 || x[i*ldx+j] != x[i*ldx+j] {
						zero = false
					}
				}
				if got := acc[j] == 0; got != zero {
					t.Fatalf("rows=%d k=%d: column %d zero=%v, scan says %v", rows, k, j, zero, got)
				}
			}
		}
	}
}

// TestSgemmScatterKernels checks every scatter kernel (AVX-512 and AVX2) bit for bit against
// the FMA chain over the batch (fma32), over widths of 1 to 100 columns
// (several strips, the last masked), writing only the listed rows of C.
func TestSgemmScatterKernels(t *testing.T) {
	skipSets(t, func(t *testing.T, sk *skipKernels) { checkScatter(t, sk) })
}

func checkScatter(t *testing.T, sk *skipKernels) {
	rng := rand.New(rand.NewPCG(9, 9))
	for r := 1; r < len(sk.scatter); r++ {
		for _, k := range []int{1, 2, 10, 33, 128} {
			width := 20 + rng.IntN(30)
			cols := 1 + rng.IntN(100)
			if k%2 == 0 {
				cols = 32 * (1 + rng.IntN(3))
			}
			rows := make([]int32, 0, r)
			for _, p := range rng.Perm(width)[:r] {
				rows = append(rows, int32(p))
			}
			sortInt32(rows)
			last := int(rows[r-1])
			ldx, ldb, ldc := width+rng.IntN(3), cols+rng.IntN(9), cols+rng.IntN(9)
			x := make([]float32, (k-1)*ldx+last+1)
			b := make([]float32, (k-1)*ldb+cols)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			for i := range b {
				b[i] = float32(rng.NormFloat64())
			}
			c := make([]float32, (last+1)*ldc)
			for i := range c {
				c[i] = float32(math.NaN())
			}
			sk.scatter[r](k, rows, x, ldx, b, ldb, c[:last*ldc+cols], ldc, cols)
			kept := map[int]bool{}
			for _, row := range rows {
				kept[int(row)] = true
			}
			for i := 0; i <= last; i++ {
				for jj := 0; jj < ldc; jj++ {
					got := c[i*ldc+jj]
					if !kept[i] || jj >= cols {
						if !math.IsNaN(float64(got)) {
							t.Fatalf("r=%d k=%d: C[%d][%d] written", r, k, i, jj)
						}
						continue
					}
					var want float32
					for p := 0; p < k; p++ {
						want = fma32(x[p*ldx+i], b[p*ldb+jj], want)
					}
					if math.Float32bits(got) != math.Float32bits(want) {
						t.Fatalf("r=%d k=%d: C[%d][%d] = %v, want %v", r, k, i, jj, got, want)
					}
				}
			}
		}
	}
}
