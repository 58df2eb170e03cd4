//go:build gc && !purego && !noasm

package ann

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// TestRows8MatchesTwoRows4: the 8-row kernel on an A read in place gives
// the bits of two calls of the 4-row kernel, whose arithmetic the driver
// used for those tiles before, for row-major and transposed A, unaligned
// slices, k of 1..70 and beta 0, −0 and 0.7.
func TestRows8MatchesTwoRows4(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F) {
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(21, 22))
	for k := 1; k <= 70; k++ {
		for _, trans := range []bool{false, true} {
			for _, beta := range []float32{0, float32(math.Copysign(0, -1)), 0.7} {
				lda, off := k+3, k%5
				rs, ss := lda, 1
				a := randSlice(rng, off+8*lda)
				if trans {
					lda = 8 + 5
					rs, ss = 1, lda
					a = randSlice(rng, off+k*lda)
				}
				ldb, ldc := 32+k%3, 32+k%7
				b := randSlice(rng, (k-1)*ldb+32+1)[1:]
				c0 := randSlice(rng, 7*ldc+32)
				if beta == 0 {
					gemvNaN(c0) // must not be read
				}
				want := append([]float32(nil), c0...)
				got := append([]float32(nil), c0...)
				sgemmKernel4x32AVX512(k, a[off:], rs, ss, b, ldb, want, ldc, 1.3, beta, 0)
				sgemmKernel4x32AVX512(k, a[off+4*rs:], rs, ss, b, ldb, want[4*ldc:], ldc, 1.3, beta, 32)
				sgemmKernel8x32RowsAVX512(k, a[off:], rs, ss, b, ldb, got, ldc, 1.3, beta, 32*(k%2))
				for i := range got {
					if beta == 0 && i%ldc < 32 && math.IsNaN(float64(got[i])) {
						t.Fatalf("k=%d trans=%v: C read with beta == 0 (element %d is NaN)", k, trans, i)
					}
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("k=%d trans=%v beta=%v: element %d is %v, two 4-row calls give %v", k, trans, beta, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestRows8PlusMatchTwoCalls: the 9-, 10- and 12-row kernels give the bits
// of the 8-row kernel on rows 0..7 and the 1-, 2- or 4-row kernel on the
// rest (k 1..70, so every iteration count and tail of the 1-row kernel's
// four sets; row-major and transposed A; beta 0 with C all NaN, −0 and
// 0.7), and write no column past 32 or row past 8+t.
func TestRows8PlusMatchTwoCalls(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F) {
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(25, 26))
	fused := map[int]func(k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32, pf int){
		1: sgemmKernel9x32RowsAVX512, 2: sgemmKernel10x32RowsAVX512, 4: sgemmKernel12x32RowsAVX512,
	}
	rest := map[int]func(k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32){
		1: sgemmKernel1x32AVX512, 2: sgemmKernel2x32AVX512,
		4: func(k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
			sgemmKernel4x32AVX512(k, a, rs, ss, b, ldb, c, ldc, alpha, beta, 0)
		},
	}
	for _, tr := range []int{1, 2, 4} {
		r := 8 + tr
		for k := 1; k <= 70; k++ {
			for _, trans := range []bool{false, true} {
				for _, beta := range []float32{0, float32(math.Copysign(0, -1)), 0.7} {
					lda, off := k+3, k%5
					rs, ss := lda, 1
					a := randSlice(rng, off+r*lda)
					if trans {
						lda = r + 5
						rs, ss = 1, lda
						a = randSlice(rng, off+k*lda)
					}
					ldb, ldc := 32+k%3, 32+k%7
					b := randSlice(rng, (k-1)*ldb+32+1)[1:]
					c0 := randSlice(rng, (r+1)*ldc)
					if beta == 0 {
						gemvNaN(c0[:r*ldc]) // must not be read
					}
					want := append([]float32(nil), c0...)
					got := append([]float32(nil), c0...)
					sgemmKernel8x32RowsAVX512(k, a[off:], rs, ss, b, ldb, want, ldc, 1.3, beta, 0)
					rest[tr](k, a[off+8*rs:], rs, ss, b, ldb, want[8*ldc:], ldc, 1.3, beta)
					// A prefetch (every other k) must change nothing.
					fused[tr](k, a[off:], rs, ss, b, ldb, got[:(r-1)*ldc+32], ldc, 1.3, beta, 32*(k%2))
					for i := range got {
						if beta == 0 && i < r*ldc && i%ldc < 32 && math.IsNaN(float64(got[i])) {
							t.Fatalf("r=%d k=%d trans=%v: C read with beta == 0 (element %d is NaN)", r, k, trans, i)
						}
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("r=%d k=%d trans=%v beta=%v: element %d (row %d) is %v, the two calls give %v", r, k, trans, beta, i, i/ldc, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestStripMatchesRows8: the strip kernel gives the bits of one call of the
// 8-row kernel per tile, for 1 to 5 tiles, k 1..40, row-major and
// transposed A, beta 0 (C all NaN: not read), −0 and 0.7, and writes no
// column past 32 or row past m.
func TestStripMatchesRows8(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F) {
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(23, 24))
	for tiles := 1; tiles <= 5; tiles++ {
		m := 8 * tiles
		for k := 1; k <= 40; k++ {
			for _, trans := range []bool{false, true} {
				for _, beta := range []float32{0, float32(math.Copysign(0, -1)), 0.7} {
					rs, ss, size := k+3, 1, m*(k+3)
					if trans {
						rs, ss, size = 1, m+5, k*(m+5)
					}
					a := randSlice(rng, size+1)[1:]
					ldb, ldc := 32+k%3, 33+k%5
					b := randSlice(rng, (k-1)*ldb+32)
					c0 := randSlice(rng, (m+1)*ldc)
					if beta == 0 {
						gemvNaN(c0)
					}
					want := append([]float32(nil), c0...)
					got := append([]float32(nil), c0...)
					for i := 0; i < m; i += 8 {
						sgemmKernel8x32RowsAVX512(k, a[i*rs:], rs, ss, b, ldb, want[i*ldc:], ldc, 0.9, beta, 0)
					}
					sgemmStrip8x32AVX512(m, k, a, rs, ss, b, ldb, got, ldc, 0.9, beta)
					if i := sameBits(got, want); i >= 0 {
						t.Fatalf("m=%d k=%d trans=%v beta=%v: element %d (row %d col %d) is %v, per-tile calls give %v", m, k, trans, beta, i, i/ldc, i%ldc, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestTilesMatchesTileKernel: the looped tile kernel gives the bits of one
// call of sgemmKernel8x32AVX512 per tile on consecutive packed strips, for
// 1 to 5 tiles, k 1..40, B packed (ldb 32) or in place, beta 0 (C all
// NaN: not read), −0 and 0.7, with no prefetch, a prefetch of the next
// strip and one past B's end (prefetches must change nothing).
func TestTilesMatchesTileKernel(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F) {
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(25, 26))
	for tiles := 1; tiles <= 5; tiles++ {
		m := 8 * tiles
		for k := 1; k <= 40; k++ {
			for _, ldb := range []int{32, 37} {
				for _, beta := range []float32{0, float32(math.Copysign(0, -1)), 0.7} {
					a := randSlice(rng, m*k)
					b := randSlice(rng, (k-1)*ldb+32)
					ldc := 33 + k%5
					c0 := randSlice(rng, (m+1)*ldc)
					if beta == 0 {
						gemvNaN(c0)
					}
					want := append([]float32(nil), c0...)
					got := append([]float32(nil), c0...)
					for i := 0; i < m; i += 8 {
						sgemmKernel8x32AVX512(k, a[i*k:(i+8)*k], b, ldb, want[i*ldc:], ldc, 1.1, beta)
					}
					pf := []int{0, 32, len(b)}[k%3] // none, the next strip, past B's end
					sgemmTiles8x32AVX512(m, k, a, b, ldb, got, ldc, 1.1, beta, pf)
					if i := sameBits(got, want); i >= 0 {
						t.Fatalf("m=%d k=%d ldb=%d beta=%v pf=%d: element %d is %v, per-tile calls give %v", m, k, ldb, beta, pf, i, got[i], want[i])
					}
				}
			}
		}
	}
}
