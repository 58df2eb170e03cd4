package ann

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// sameBits reports the first index where a and b differ bit for bit, or -1.
func sameBits(a, b []float32) int {
	if len(a) != len(b) {
		return 0
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// maskedSet is one masked kernel to test, under the name of the set that
// carries it.
type maskedSet struct {
	name string
	k    *gemmKernel
}

// maskedSets returns the kernel sets (and their narrow sets) with a masked
// kernel, each masked function once.
func maskedSets(t *testing.T) []maskedSet {
	var sets []maskedSet
	seen := map[uintptr]bool{}
	for _, k := range kernels {
		for _, s := range []*gemmKernel{k, k.narrow} {
			if s == nil || s.masked == nil {
				continue
			}
			if f := reflect.ValueOf(s.masked).Pointer(); !seen[f] {
				seen[f] = true
				sets = append(sets, maskedSet{s.name, s})
			}
		}
	}
	if len(sets) == 0 {
		t.Skip("no masked kernel in this build")
	}
	return sets
}

// maskedAscending names the sets whose masked kernel sums each element's k
// terms in ascending order, one float32 FMA per term from +0, then scales
// by alpha and adds beta·C in one FMA: TestMaskedKernels checks them bit
// for bit against maskedRef. sgemmNarrowAVX512 is not among them: strips
// of fewer than 8 rows spread the steps over several accumulator sets
// (narrowSets in _gen/narrow.go), so it is checked against the float64
// bound only.
var maskedAscending = map[string]bool{"neon": true}

// fma32 is the correctly rounded float32 fused multiply-add a·b + c. The
// product is exact in float64; s = fl64(a·b + c) can round twice on the
// way to float32 only when s falls exactly on a midpoint between two
// float32s, and then the sign of the float64 sum's exact error (TwoSum)
// says which way the exact value lies.
func fma32(a, b, c float32) float32 {
	p := float64(float64(a) * float64(b))
	s := float64(p + float64(c))
	r := float32(s)
	if float64(r) == s || math.IsInf(s, 0) || math.IsNaN(s) {
		return r
	}
	bb := float64(s - p)
	e := (p - float64(s-bb)) + (float64(c) - bb)
	g := math.Nextafter32(r, float32(math.Copysign(math.Inf(1), s-float64(r))))
	if e == 0 || s != (float64(r)+float64(g))/2 {
		return r
	}
	if (e > 0) == (float64(g) > float64(r)) {
		return g
	}
	return r
}

// TestFMA32 checks fma32 on a sum that float64 rounds onto a float32
// midpoint: (1+2⁻²³) − 2⁻²⁴·(1+2⁻¹⁸)(1−2⁻¹⁸) = 1 + 2⁻²⁴ + 2⁻⁶⁰ is just
// above the midpoint between 1 and 1+2⁻²³, so it rounds up, where
// float32(float64 sum) would tie to even, down to 1.
func TestFMA32(t *testing.T) {
	a := float32(-(1 + 0x1p-18))
	b := float32(0x1p-24 * (1 - 0x1p-18))
	c := float32(1 + 0x1p-23)
	if got, want := fma32(a, b, c), float32(1+0x1p-23); got != want {
		t.Fatalf("fma32 midpoint case = %#08x, want %#08x", math.Float32bits(got), math.Float32bits(want))
	}
	if got := fma32(-a, -b, -c); got != -(1 + 0x1p-23) {
		t.Fatalf("fma32 negated midpoint case = %#08x", math.Float32bits(got))
	}
	if got := fma32(3, 5, 7); got != 22 {
		t.Fatalf("fma32(3, 5, 7) = %v", got)
	}
	if got := fma32(-1, 0, 0); math.Signbit(float64(got)) {
		t.Fatal("fma32(-1, 0, +0) is −0, want +0")
	}
}

// maskedRef is C[i,j] of the masked contract with maskedAscending's
// arithmetic.
func maskedRef(A func(i, p int) float32, b []float32, ldb, i, j, k int, alpha, beta, c float32) float32 {
	var acc float32
	for p := 0; p < k; p++ {
		acc = fma32(A(i, p), b[p*ldb+j], acc)
	}
	v := acc * alpha
	if beta != 0 {
		v = fma32(c, beta, v)
	}
	return v
}

// TestMaskedKernels sweeps the masked kernel of every set that has one
// over m 1..2·maskedRows+1 rows (every strip rest, one and two full
// strips), cols 1..maskedCols, k 0..70 (a selection under -short), A
// row-major (rs = lda, ss = 1) and transposed (rs = 1, ss = lda) in place,
// B and C at odd offsets with ldb and ldc padded, alpha and beta including
// −0 and non-zero beta. NaN guards sit before and after every operand and
// in all padding (and fill C when beta == 0, which must not be read); the
// guards must come back bit for bit, and every element must be within the
// float64 bound, or for maskedAscending sets equal maskedRef bit for bit.
func TestMaskedKernels(t *testing.T) {
	var ks []int
	for k := 0; k <= 70; k++ {
		if !testing.Short() || k <= 17 || k == 31 || k == 64 || k == 70 {
			ks = append(ks, k)
		}
	}
	abs := [][2]float32{{1, 0}, {-0.75, float32(math.Copysign(0, -1))}, {1, 1}, {1.5, -0.3}, {0.7, 1.3}}
	nan := float32(math.NaN())
	const guard = 13
	for _, set := range maskedSets(t) {
		rng := rand.New(rand.NewPCG(11, 12))
		kern, exact := set.k, maskedAscending[set.name]
		cases := 0
		for m := 1; m <= 2*kern.maskedRows+1; m++ {
			for n := 1; n <= kern.maskedCols; n++ {
				for _, k := range ks {
					for _, trans := range []bool{false, true} {
						ab := abs[(m+n+k+cases)%len(abs)]
						alpha, beta := ab[0], ab[1]
						off := 1 + (m+n+k)%5 // odd offsets: unaligned starts
						rows, cols := m, k
						if trans {
							rows, cols = k, m
						}
						lda := max(cols, 1) + (m+k)%3
						aAll := make([]float32, off+rows*lda+guard)
						for i := range aAll {
							aAll[i] = nan
						}
						A := func(i, p int) float32 {
							if trans {
								return aAll[off+p*lda+i]
							}
							return aAll[off+i*lda+p]
						}
						for i := 0; i < m; i++ {
							for p := 0; p < k; p++ {
								v := rng.Float32()*2 - 1
								if trans {
									aAll[off+p*lda+i] = v
								} else {
									aAll[off+i*lda+p] = v
								}
							}
						}
						ldb := n + (n+k)%4
						bAll := make([]float32, off+k*ldb+guard)
						for i := range bAll {
							bAll[i] = nan
						}
						for p := 0; p < k; p++ {
							for j := 0; j < n; j++ {
								bAll[off+p*ldb+j] = rng.Float32()*2 - 1
							}
						}
						ldc := n + (m+n)%3
						c0 := make([]float32, off+m*ldc+guard)
						for i := range c0 {
							c0[i] = nan
						}
						if beta != 0 {
							for i := 0; i < m; i++ {
								for j := 0; j < n; j++ {
									c0[off+i*ldc+j] = rng.Float32()*2 - 1
								}
							}
						}
						c := append([]float32(nil), c0...)
						aBefore := append([]float32(nil), aAll...)
						bBefore := append([]float32(nil), bAll...)
						rs, ss := lda, 1
						if trans {
							rs, ss = 1, lda
						}
						aEnd, bEnd := off, off
						if k > 0 {
							aEnd = off + (m-1)*rs + (k-1)*ss + 1
							bEnd = off + (k-1)*ldb + n
						}
						cEnd := off + (m-1)*ldc + n
						kern.masked(m, k, aAll[off:aEnd:aEnd], rs, ss, bAll[off:bEnd:bEnd], ldb,
							c[off:cEnd:cEnd], ldc, n, alpha, beta)
						cases++
						if sameBits(aAll, aBefore) >= 0 || sameBits(bAll, bBefore) >= 0 {
							t.Fatalf("%s m=%d n=%d k=%d: A or B written", set.name, m, n, k)
						}
						tol := float64(k+3) * 0x1p-24
						for idx := range c {
							i, j := (idx-off)/ldc, (idx-off)%ldc
							if idx < off || i >= m || j >= n {
								if math.Float32bits(c[idx]) != math.Float32bits(c0[idx]) {
									t.Fatalf("%s m=%d n=%d k=%d trans=%v: guard C[%d] written: %v", set.name, m, n, k, trans, idx-off, c[idx])
								}
								continue
							}
							got := c[idx]
							if exact {
								want := maskedRef(A, bAll[off:], ldb, i, j, k, alpha, beta, c0[idx])
								if math.Float32bits(got) != math.Float32bits(want) {
									t.Fatalf("%s m=%d n=%d k=%d trans=%v alpha=%v beta=%v: C[%d,%d] = %#08x, want %#08x",
										set.name, m, n, k, trans, alpha, beta, i, j, math.Float32bits(got), math.Float32bits(want))
								}
								continue
							}
							var s, sum float64
							for p := 0; p < k; p++ {
								x := float64(A(i, p)) * float64(bAll[off+p*ldb+j])
								s += x
								sum += math.Abs(x)
							}
							want := float64(alpha) * s
							bound := math.Abs(float64(alpha)) * sum
							if beta != 0 {
								want += float64(beta) * float64(c0[idx])
								bound += math.Abs(float64(beta) * float64(c0[idx]))
							}
							if math.IsNaN(float64(got)) || math.Abs(float64(got)-want) > tol*bound+1e-30 {
								t.Fatalf("%s m=%d n=%d k=%d trans=%v alpha=%v beta=%v: C[%d,%d] = %v, want %v (±%g)",
									set.name, m, n, k, trans, alpha, beta, i, j, got, want, tol*bound)
							}
						}
					}
				}
			}
		}
		t.Logf("%s: %d cases (exact %v)", set.name, cases, exact)
	}
}

// TestMaskedKernelsDegenerate: m == 0 or cols == 0 touches nothing.
func TestMaskedKernelsDegenerate(t *testing.T) {
	for _, set := range maskedSets(t) {
		nan := float32(math.NaN())
		c := []float32{nan, 2}
		set.k.masked(0, 1, []float32{1}, 1, 1, []float32{1, 1}, 2, c, 2, 2, 1, 0)
		set.k.masked(1, 1, []float32{1}, 1, 1, []float32{1, 1}, 2, c, 2, 0, 1, 0)
		if !math.IsNaN(float64(c[0])) || c[1] != 2 {
			t.Fatalf("%s: m or cols = 0 wrote C: %v", set.name, c)
		}
	}
}

// TestSgemmMasked runs Sgemm on the products that take the masked path on
// every kernel that has one (n ≤ maskedCols, and the partial last column
// strips of wider products), both transposes, non-zero beta, padded and
// offset operands, at GOMAXPROCS-independent sizes, against the float64
// reference of runGemmCase.
func TestSgemmMasked(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kern *gemmKernel) {
		if kern.masked == nil && (kern.narrow == nil || kern.narrow.masked == nil) {
			t.Skip("no masked kernel")
		}
		rng := rand.New(rand.NewPCG(5, 6))
		idx := 0
		for _, n := range []int{1, 2, 3, 4, 5, 7, 10, 13, 16, kern.nr + 3, 2*kern.nr + 10} {
			for _, m := range []int{1, 3, 7, 9, 25, 70} {
				for _, k := range []int{1, 5, 33, 70} {
					idx++
					runGemmCase(t, rng, gemmCase{transA: idx&1 != 0, transB: idx&2 != 0,
						m: m, n: n, k: k, alpha: testAlphas[idx%2], beta: testBetas[idx%3],
						padA: idx % 3, padB: idx % 4, padC: idx % 5, off: idx % 7})
				}
			}
		}
	})
}

// TestSgemmEpilogueGrad checks the backward epilogue through the driver on
// every kernel: sgemmEpilogue with grad set (C = act'(z, y) ⊙ op(A)·op(B))
// against Sgemm followed by backwardRow on each row, bit for bit, on shapes
// that take the masked path (n ≤ 16), partial last column strips, and the
// transposed store (m ≤ swapMaxM with a transposed B), z holding NaNs,
// signed zeros and the piecewise breakpoints among normal values.
func TestSgemmEpilogueGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	sizes := [][3]int{{1, 1, 1}, {3, 10, 5}, {9, 16, 70}, {13, 7, 33}, {25, 3, 8}, {8, 12, 20},
		{10, 37, 100}, {70, 29, 64}, {5, 100, 40}}
	specials := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), 0, 0.5, -0.5,
		float32(math.Inf(1)), float32(math.Inf(-1))}
	acts := []Activation{Identity, ReLU, LeakyReLU, PiecewiseLinear, Sigmoid}
	forEachKernel(t, func(t *testing.T, kern *gemmKernel) {
		for _, sz := range sizes {
			m, n, k := sz[0], sz[1], sz[2]
			for _, transB := range []bool{false, true} {
				lda, ldc, ldz := k+1, n+3, n+2
				ldb := n + 1
				if transB {
					ldb = k + 2
				}
				br := k
				if transB {
					br = n
				}
				a, b := randSlice(rng, (m-1)*lda+k), randSlice(rng, (br-1)*ldb+ldb)
				z := randSlice(rng, (m-1)*ldz+n)
				for i := range z {
					if rng.IntN(4) == 0 {
						z[i] = specials[rng.IntN(len(specials))]
					}
				}
				for _, act := range acts {
					want := make([]float32, (m-1)*ldc+n)
					for i := range want {
						want[i] = float32(math.NaN()) // the padding between rows stays NaN
					}
					Sgemm(false, transB, m, n, k, 1, a, lda, b, ldb, 0, want, ldc)
					for i := 0; i < m; i++ {
						zr := z[i*ldz : i*ldz+n]
						wr := want[i*ldc : i*ldc+n]
						act.backwardRow(zr, zr, wr, wr, 0.2)
					}
					got := make([]float32, len(want))
					for i := range got {
						got[i] = float32(math.NaN()) // beta 0: never read
					}
					sgemmEpilogue(false, transB, m, n, k, a, lda, b, ldb, got, ldc,
						epilogue{grad: true, act: act, alpha: 0.2, z: z, ldz: ldz, y: z, ldy: ldz})
					if i := sameBits(got, want); i >= 0 {
						t.Fatalf("%s %dx%dx%d transB %v %v: c[%d] = %#08x, want %#08x", kern.name, m, n, k, transB, act,
							i, math.Float32bits(got[i]), math.Float32bits(want[i]))
					}
				}
			}
		}
	})
}
