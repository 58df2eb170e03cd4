package ann

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

// forEachKernel runs body once per kernel this CPU and build can run, as a
// subtest named after the kernel.
func forEachKernel(t *testing.T, body func(t *testing.T, k *gemmKernel)) {
	t.Helper()
	for _, k := range kernels {
		t.Run(k.name, func(t *testing.T) {
			undo, ok := useKernel(k.name)
			if !ok {
				t.Fatalf("kernel %s listed but not selectable", k.name)
			}
			defer undo()
			body(t, k)
		})
	}
}

// withBlocking shrinks k's cache blocking so the multi-block paths (several
// kc slices, mc blocks and nc panels) run on small matrices.
func withBlocking(k *gemmKernel, kc, mc, nc int) (undo func()) {
	okc, omc, onc := k.kc, k.mc, k.nc
	k.kc, k.mc, k.nc = kc, roundUp(mc, k.mr), roundUp(nc, k.nr)
	return func() { k.kc, k.mc, k.nc = okc, omc, onc }
}

// gemmCase is one Sgemm call with its storage layout: padded leading
// dimensions and a start offset into a NaN-guarded backing array.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	padA, padB     int // extra leading-dimension elements
	padC           int
	off            int // start offset of every operand in its backing array
}

func (c gemmCase) String() string {
	return fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d α=%g β=%g pad=%d/%d/%d off=%d",
		c.transA, c.transB, c.m, c.n, c.k, c.alpha, c.beta, c.padA, c.padB, c.padC, c.off)
}

// guarded is a matrix stored inside a NaN-filled backing array: NaN before
// it, between its rows (the leading-dimension padding) and after it.
type guarded struct {
	back     []float32
	off      int
	rows     int
	cols, ld int
}

const guard = 16

func newGuarded(rng *rand.Rand, rows, cols, ld, off int, fill bool) guarded {
	span := 0
	if rows > 0 && cols > 0 {
		span = (rows-1)*ld + cols
	}
	g := guarded{back: make([]float32, off+span+guard), off: off, rows: rows, cols: cols, ld: ld}
	nan := float32(math.NaN())
	for i := range g.back {
		g.back[i] = nan
	}
	if fill {
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				g.back[off+i*ld+j] = float32(rng.NormFloat64())
			}
		}
	}
	return g
}

// data is the slice handed to Sgemm: exactly (rows−1)·ld+cols long and
// capped there, so slicing past it panics instead of silently reading a
// guard (a reslice up to cap is legal Go).
func (g guarded) data() []float32 {
	if g.rows == 0 || g.cols == 0 {
		return g.back[g.off:g.off:g.off]
	}
	end := g.off + (g.rows-1)*g.ld + g.cols
	return g.back[g.off:end:end]
}

func (g guarded) at(i, j int) float32 { return g.back[g.off+i*g.ld+j] }

func (g guarded) inside(idx int) bool {
	r := idx - g.off
	return r >= 0 && r < g.rows*g.ld && r%g.ld < g.cols
}

// runGemmCase calls Sgemm on case c and checks the result against a float64
// reference with a bound scaled by k, that no element outside C's window
// changed, and that A and B are unchanged.
func runGemmCase(t *testing.T, rng *rand.Rand, c gemmCase) {
	t.Helper()
	ar, ac := c.m, c.k
	if c.transA {
		ar, ac = c.k, c.m
	}
	br, bc := c.k, c.n
	if c.transB {
		br, bc = c.n, c.k
	}
	A := newGuarded(rng, ar, ac, max(ac, 1)+c.padA, c.off, true)
	B := newGuarded(rng, br, bc, max(bc, 1)+c.padB, c.off, true)
	// With beta == 0 the C window starts as NaN: it must be overwritten.
	C := newGuarded(rng, c.m, c.n, max(c.n, 1)+c.padC, c.off, c.beta != 0)
	aBefore := append([]float32(nil), A.back...)
	bBefore := append([]float32(nil), B.back...)
	cBefore := append([]float32(nil), C.back...)

	Sgemm(c.transA, c.transB, c.m, c.n, c.k, c.alpha, A.data(), A.ld, B.data(), B.ld, c.beta, C.data(), C.ld)

	opA := func(i, p int) float64 {
		if c.transA {
			return float64(A.at(p, i))
		}
		return float64(A.at(i, p))
	}
	opB := func(p, j int) float64 {
		if c.transB {
			return float64(B.at(j, p))
		}
		return float64(B.at(p, j))
	}
	const eps32 = 1.0 / (1 << 23)
	fails := 0
	for i := 0; i < c.m && fails < 5; i++ {
		for j := 0; j < c.n && fails < 5; j++ {
			var s, mag float64
			if c.alpha != 0 {
				for p := 0; p < c.k; p++ {
					x := opA(i, p) * opB(p, j)
					s += x
					mag += math.Abs(x)
				}
			}
			want := float64(c.alpha) * s
			bound := math.Abs(float64(c.alpha)) * mag
			if c.beta != 0 {
				cv := float64(cBefore[C.off+i*C.ld+j])
				want += float64(c.beta) * cv
				bound += math.Abs(float64(c.beta) * cv)
			}
			tol := 2*float64(c.k+2)*eps32*bound + 1e-30
			got := float64(C.at(i, j))
			if math.IsNaN(got) || math.Abs(got-want) > tol {
				t.Errorf("%v: C[%d,%d] = %g, want %g (tolerance %.3g)", c, i, j, got, want, tol)
				fails++
			}
		}
	}
	for idx, v := range C.back {
		if !C.inside(idx) && !math.IsNaN(float64(v)) {
			t.Fatalf("%v: C backing element %d outside the window was written: %g", c, idx, v)
		}
	}
	for idx := range A.back {
		if math.Float32bits(A.back[idx]) != math.Float32bits(aBefore[idx]) {
			t.Fatalf("%v: A modified at %d", c, idx)
		}
	}
	for idx := range B.back {
		if math.Float32bits(B.back[idx]) != math.Float32bits(bBefore[idx]) {
			t.Fatalf("%v: B modified at %d", c, idx)
		}
	}
}

var (
	testAlphas = []float32{1, -0.5, 0}
	testBetas  = []float32{0, 1, 0.3}
)

// TestSgemmCube runs every m, n, k in 1..40 on every kernel, cycling the
// transposes, alpha, beta, padding and offsets through the cube so every
// combination of those appears many times. Blocking is shrunk so the
// multi-panel, multi-slice and multi-block paths all run.
func TestSgemmCube(t *testing.T) {
	top := 40
	if testing.Short() {
		top = 24
	}
	forEachKernel(t, func(t *testing.T, kern *gemmKernel) {
		t.Logf("kernel %s: %d×%d tile", kern.name, kern.mr, kern.nr)
		defer withBlocking(kern, 8, 2*kern.mr, 2*kern.nr)()
		rng := rand.New(rand.NewPCG(1, 2))
		idx := 0
		for m := 1; m <= top; m++ {
			for n := 1; n <= top; n++ {
				for k := 1; k <= top; k++ {
					idx++
					runGemmCase(t, rng, gemmCase{
						transA: idx&1 != 0, transB: idx&2 != 0,
						m: m, n: n, k: k,
						alpha: testAlphas[idx%3], beta: testBetas[(idx/3)%3],
						padA: idx % 4, padB: (idx / 4) % 3, padC: (idx / 2) % 5,
						off: idx % 17,
					})
					if t.Failed() {
						return
					}
				}
			}
		}
	})
}

// TestSgemmCombos runs every transpose × alpha × beta × padding combination
// on a few awkward shapes, at the kernel's real blocking and at a tiny one.
func TestSgemmCombos(t *testing.T) {
	shapes := [][3]int{{1, 1, 1}, {7, 17, 3}, {13, 33, 70}, {70, 1, 70}, {1, 70, 69}, {37, 41, 43}}
	forEachKernel(t, func(t *testing.T, kern *gemmKernel) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, small := range []bool{false, true} {
			undo := func() {}
			if small {
				undo = withBlocking(kern, 5, kern.mr, kern.nr)
			}
			for _, s := range shapes {
				for tr := 0; tr < 4; tr++ {
					for _, alpha := range testAlphas {
						for _, beta := range testBetas {
							for _, pad := range []int{0, 1, 3, 7} {
								runGemmCase(t, rng, gemmCase{transA: tr&1 != 0, transB: tr&2 != 0,
									m: s[0], n: s[1], k: s[2], alpha: alpha, beta: beta,
									padA: pad, padB: (pad + 1) % 4, padC: pad, off: pad + tr})
							}
						}
					}
				}
			}
			undo()
		}
	})
}

// TestSgemmLarge samples shapes up to 300 and a few beyond 1000, at the real
// blocking and with parallel workers forced on.
func TestSgemmLarge(t *testing.T) {
	defer setMinParallel(0)()
	shapes := [][3]int{{1000, 3, 1001}, {3, 1025, 1000}, {1029, 1031, 5}}
	rng0 := rand.New(rand.NewPCG(5, 6))
	count := 30
	if testing.Short() {
		count, shapes = 8, shapes[:1]
	}
	for i := 0; i < count; i++ {
		shapes = append(shapes, [3]int{1 + rng0.IntN(300), 1 + rng0.IntN(300), 1 + rng0.IntN(300)})
	}
	forEachKernel(t, func(t *testing.T, kern *gemmKernel) {
		rng := rand.New(rand.NewPCG(7, 8))
		for i, s := range shapes {
			runGemmCase(t, rng, gemmCase{transA: i&1 != 0, transB: i&2 != 0, m: s[0], n: s[1], k: s[2],
				alpha: testAlphas[i%3], beta: testBetas[(i/3)%3], padA: i % 3, padB: i % 5, padC: i % 2, off: i % 16})
		}
	})
}

func setMinParallel(v int) (undo func()) {
	old, oldGemv, oldGather := minParallelFlops, minParallelGemv, minParallelGather
	minParallelFlops, minParallelGemv, minParallelGather = v, v, v
	return func() { minParallelFlops, minParallelGemv, minParallelGather = old, oldGemv, oldGather }
}

// TestSgemmDeterministic checks that the product is bit-identical at
// GOMAXPROCS 1 and 2, on shapes whose parts split by rows (sharing a pack of
// a transposed B, or each packing all of B) and by columns (with A packed or
// read in place).
func TestSgemmDeterministic(t *testing.T) {
	defer setMinParallel(0)()
	forEachKernel(t, func(t *testing.T, kern *gemmKernel) {
		for _, s := range [][3]int{{300, 200, 700}, {5, 900, 300}, {333, 17, 1200}, {64, 900, 300}, {40, 100, 500},
			{1, 300, 784}, {1, 45, 70}, {1, 1000, 33}, {128, 300, 100}, {37, 300, 90}, {200, 10, 300}, {99, 9, 40}} {
			for _, transB := range []bool{false, true} {
				m, n, k := s[0], s[1], s[2]
				rng := rand.New(rand.NewPCG(9, 10))
				a := randSlice(rng, m*k)
				b := randSlice(rng, k*n)
				c0 := randSlice(rng, m*n)
				ldb := n
				if transB {
					ldb = k
				}
				// Three and five parts cut the column strips of a
				// column split inside strips (see columnShare).
				procs := []int{1, 2, 3, 5}
				var out [4][]float32
				for i, p := range procs {
					prev := runtime.GOMAXPROCS(p)
					out[i] = append([]float32(nil), c0...)
					Sgemm(false, transB, m, n, k, 0.7, a, k, b, ldb, 0.3, out[i], n)
					runtime.GOMAXPROCS(prev)
				}
				for p := 1; p < len(procs); p++ {
					for i := range out[0] {
						if math.Float32bits(out[0][i]) != math.Float32bits(out[p][i]) {
							t.Fatalf("%v transB=%v: element %d differs between GOMAXPROCS 1 and %d: %g vs %g", s, transB, i, procs[p], out[0][i], out[p][i])
						}
					}
				}
			}
		}
	})
}

// TestColumnShare: the parts of a column split cover every tile of the
// grid exactly once, in order, and no part's cost exceeds an equal share by
// more than one row strip of the widest strip.
func TestColumnShare(t *testing.T) {
	kern := &gemmKernel{mr: 8, nr: 32}
	for _, mStrips := range []int{1, 2, 3, 16, 17} {
		for _, nb := range []int{1, 12, 32, 33, 100, 300, 1000} {
			for nw := 1; nw <= 7; nw++ {
				g := &gemmJob{kern: kern, nw: nw}
				nStrips := ceilDiv(nb, kern.nr)
				cost := func(s int) int { return roundUp(min(kern.nr, nb-s*kern.nr), 8) }
				total := 0
				for s := range nStrips {
					total += cost(s) * mStrips
				}
				next := 0 // the next tile, strip·mStrips + row strip
				for p := range nw {
					cs0, r0, cs1, r1 := g.columnShare(mStrips, nb, p)
					if cs0 >= cs1 {
						continue
					}
					got := 0
					for s := cs0; s < cs1; s++ {
						lo, hi := 0, mStrips
						if s == cs0 {
							lo = r0
						}
						if s == cs1-1 {
							hi = r1
						}
						if s*mStrips+lo != next || lo >= hi {
							t.Fatalf("mStrips %d nb %d nw %d part %d: strip %d rows [%d, %d) after tile %d", mStrips, nb, nw, p, s, lo, hi, next)
						}
						next = s*mStrips + hi
						got += (hi - lo) * cost(s)
					}
					if got*nw > total+nw*kern.nr {
						t.Errorf("mStrips %d nb %d nw %d part %d: cost %d of %d", mStrips, nb, nw, p, got, total)
					}
				}
				if next != nStrips*mStrips {
					t.Fatalf("mStrips %d nb %d nw %d: the parts end at tile %d of %d", mStrips, nb, nw, next, nStrips*mStrips)
				}
			}
		}
	}
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

func TestSgemmPanics(t *testing.T) {
	a := make([]float32, 12)
	cases := []struct {
		name string
		f    func()
	}{
		{"negative m", func() { Sgemm(false, false, -1, 2, 2, 1, a, 2, a, 2, 0, a, 2) }},
		{"lda too small", func() { Sgemm(false, false, 2, 2, 3, 1, a, 2, a, 2, 0, a, 2) }},
		{"ldb too small transposed", func() { Sgemm(false, true, 2, 2, 3, 1, a, 3, a, 2, 0, a, 2) }},
		{"short c", func() { Sgemm(false, false, 3, 3, 1, 1, a, 1, a, 3, 0, a[:8], 3) }},
		{"short a", func() { Sgemm(false, false, 4, 1, 4, 1, a, 4, a, 1, 0, a, 1) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || len(s) < 4 || s[:4] != "ann:" {
					t.Fatalf("want a panic starting with \"ann:\", got %v", r)
				}
			}()
			c.f()
		})
	}
	// The exact minimum lengths are accepted: the last row needs no padding.
	Sgemm(false, false, 2, 2, 2, 1, make([]float32, 5), 3, make([]float32, 5), 3, 0, make([]float32, 5), 3)
}

func TestSgemmZeroAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race: sync.Pool drops items at random")
	}
	rng := rand.New(rand.NewPCG(1, 1))
	runs := 20
	if testing.Short() {
		runs = 3 // the products are the MLP's; under qemu 20 runs took 13 s
	}
	for _, s := range [][3]int{{10, 300, 784}, {128, 300, 784}, {300, 300, 300}} {
		m, n, k := s[0], s[1], s[2]
		a, b, c := randSlice(rng, m*k), randSlice(rng, k*n), make([]float32, m*n)
		Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		allocs := testing.AllocsPerRun(runs, func() { Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n) })
		if allocs != 0 {
			t.Errorf("%v: %v allocations per call, want 0", s, allocs)
		}
	}
}

func TestKernelReport(t *testing.T) {
	names := Kernels()
	if names[0] != "generic" {
		t.Fatalf("Kernels()[0] = %q, want generic", names[0])
	}
	found := false
	for _, n := range names {
		found = found || n == Kernel()
	}
	if !found {
		t.Fatalf("Kernel() = %q is not among Kernels() = %v", Kernel(), names)
	}
	t.Logf("kernel in use: %s (available %v)", Kernel(), names)
}

// FuzzSgemm checks the dispatched kernel against the float64 oracle (with
// guards, via runGemmCase) and against the generic kernel on fuzzed shapes,
// transposes, scalars, paddings and offsets.
func FuzzSgemm(f *testing.F) {
	f.Add(uint8(7), uint8(17), uint8(3), uint8(0), int8(2), int8(0), uint8(1), uint64(1))
	f.Add(uint8(70), uint8(1), uint8(70), uint8(3), int8(-1), int8(3), uint8(9), uint64(2))
	f.Fuzz(func(t *testing.T, m, n, k, flags uint8, alpha, beta int8, pad uint8, seed uint64) {
		c := gemmCase{
			transA: flags&1 != 0, transB: flags&2 != 0,
			m: int(m % 97), n: int(n % 97), k: int(k % 97),
			alpha: float32(alpha) / 8, beta: float32(beta) / 8,
			padA: int(pad % 5), padB: int(pad/5) % 5, padC: int(pad/25) % 5, off: int(seed % 16),
		}
		rng := rand.New(rand.NewPCG(seed, 1))
		runGemmCase(t, rng, c)

		// Same inputs through the generic kernel: the two must agree within
		// the same k-scaled bound (they differ only in summation order).
		ar, ac, br, bc := c.m, c.k, c.k, c.n
		if c.transA {
			ar, ac = ac, ar
		}
		if c.transB {
			br, bc = bc, br
		}
		a, b := randSlice(rng, ar*ac), randSlice(rng, br*bc)
		c0 := randSlice(rng, c.m*c.n)
		got := append([]float32(nil), c0...)
		Sgemm(c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, max(ac, 1), b, max(bc, 1), c.beta, got, max(c.n, 1))
		undo, _ := useKernel("generic")
		want := append([]float32(nil), c0...)
		Sgemm(c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, max(ac, 1), b, max(bc, 1), c.beta, want, max(c.n, 1))
		undo()
		const eps32 = 1.0 / (1 << 23)
		opA := func(i, p int) float32 {
			if c.transA {
				return a[p*ac+i]
			}
			return a[i*ac+p]
		}
		opB := func(p, j int) float32 {
			if c.transB {
				return b[j*bc+p]
			}
			return b[p*bc+j]
		}
		for i := 0; i < c.m; i++ {
			for j := 0; j < c.n; j++ {
				var mag float64
				for p := 0; p < c.k; p++ {
					mag += math.Abs(float64(opA(i, p)) * float64(opB(p, j)))
				}
				x := i*c.n + j
				// Each result is within 2(k+2)ε·bound of the exact value, so
				// the two are within twice that of each other.
				bound := 4*float64(c.k+2)*eps32*(math.Abs(float64(c.alpha))*mag+math.Abs(float64(c.beta*c0[x]))) + 1e-30
				if d := math.Abs(float64(got[x]) - float64(want[x])); d > bound || math.IsNaN(float64(got[x])) {
					t.Fatalf("%v: C[%d,%d]: %s kernel %g, generic %g", c, i, j, Kernel(), got[x], want[x])
				}
			}
		}
	})
}

// TestSgemmSmallM covers the rows kernels and the in-place operands they
// allow: m below one tile (A read in place, both transposes), k long
// enough for the split accumulators' unrolled loops and several kc slices,
// and n with a partial last strip that is read as a shifted full strip of
// B, at beta 0 and non-zero so the scratch copy-in is exercised.
func TestSgemmSmallM(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kern *gemmKernel) {
		rng := rand.New(rand.NewPCG(13, 14))
		idx := 0
		for m := 1; m <= kern.mr+5; m++ {
			for _, n := range []int{1, kern.nr - 1, kern.nr + 3, 3*kern.nr + 5} {
				for _, k := range []int{1, 2, 3, 5, 9, 300} {
					idx++
					runGemmCase(t, rng, gemmCase{transA: idx&1 != 0, transB: idx&4 != 0,
						m: m, n: n, k: k, alpha: testAlphas[idx%2], beta: testBetas[idx%3],
						padA: idx % 3, padB: idx % 2, padC: idx % 4, off: idx % 9})
				}
			}
		}
	})
}

// TestSgemmConcurrent runs parallel products from several goroutines at
// once, so callers compete for the workers and some run with fewer parts
// than they asked for; each result must still be bit-identical to the same
// product computed alone.
func TestSgemmConcurrent(t *testing.T) {
	defer setMinParallel(0)()
	prev := runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0)))
	defer runtime.GOMAXPROCS(prev)
	shapes := [][3]int{{300, 200, 700}, {64, 900, 300}, {130, 70, 260}, {40, 100, 500}}
	rng := rand.New(rand.NewPCG(11, 12))
	type product struct {
		m, n, k int
		transB  bool
		ldb     int
		a, b    []float32
		want    []float32
	}
	var ps []product
	for i, s := range shapes {
		p := product{m: s[0], n: s[1], k: s[2], transB: i%2 == 1, ldb: s[1]}
		if p.transB {
			p.ldb = p.k
		}
		p.a, p.b = randSlice(rng, p.m*p.k), randSlice(rng, p.k*p.n)
		p.want = make([]float32, p.m*p.n)
		Sgemm(false, p.transB, p.m, p.n, p.k, 1, p.a, p.k, p.b, p.ldb, 0, p.want, p.n)
		ps = append(ps, p)
	}
	rounds := 20
	if testing.Short() {
		rounds = 5
	}
	errs := make(chan error, 4*len(ps))
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				p := ps[(g+r)%len(ps)]
				got := make([]float32, p.m*p.n)
				Sgemm(false, p.transB, p.m, p.n, p.k, 1, p.a, p.k, p.b, p.ldb, 0, got, p.n)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(p.want[i]) {
						errs <- fmt.Errorf("%dx%dx%d: element %d is %g concurrently, %g alone", p.m, p.n, p.k, i, got[i], p.want[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestSgemmNarrowB covers the two ways round packing that depend on the
// sizes: a B narrower than one strip read in place with its last steps
// packed as a tail (every n < nr, depths either side of directBNarrowK,
// tails spanning several kc slices at the small blocking), and a
// transposed B with few rows of C computed as Cᵀ = B·op(A)ᵀ and stored
// transposed (m ≤ swapMaxM, k ≥ 4m), each at beta 0 and non-zero.
func TestSgemmNarrowB(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kern *gemmKernel) {
		rng := rand.New(rand.NewPCG(21, 22))
		for _, small := range []bool{false, true} {
			undo := func() {}
			if small {
				undo = withBlocking(kern, 8, kern.mr, kern.nr)
			}
			idx := 0
			for n := 1; n < max(kern.nr, 17); n++ {
				for _, m := range []int{1, kern.mr + 1, 3*kern.mr + 2, 40} {
					for _, k := range []int{1, 2, 17, directBNarrowK - 1, directBNarrowK, 300} {
						idx++
						runGemmCase(t, rng, gemmCase{transA: idx&1 != 0, m: m, n: n, k: k,
							alpha: testAlphas[idx%3], beta: testBetas[(idx/3)%3],
							padA: idx % 3, padB: idx % 4, padC: idx % 5, off: idx % 7})
					}
				}
			}
			for _, m := range []int{1, 5, 10, swapMaxM} {
				for _, n := range []int{m + 1, 33, 100} {
					for _, k := range []int{4*m - 1, 4 * m, 100} {
						idx++
						runGemmCase(t, rng, gemmCase{transA: idx&1 != 0, transB: true, m: m, n: n, k: k,
							alpha: testAlphas[idx%3], beta: testBetas[(idx/3)%3],
							padA: idx % 3, padB: idx % 4, padC: idx % 5, off: idx % 7})
					}
				}
			}
			undo()
			if t.Failed() {
				return
			}
		}
	})
}

// TestSgemmBiasAct checks the fused dense-layer product against its
// unfused definition on every kernel: the same product (beta 0), then
// z += bias and y = f(z) over the whole matrix. The epilogue changes no
// sum, so the two must agree bit for bit, on awkward sizes, with padded
// leading dimensions, at GOMAXPROCS 1 and 2.
func TestSgemmBiasAct(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	sizes := [][3]int{{1, 1, 1}, {1, 10, 784}, {3, 17, 5}, {7, 33, 9}, {8, 32, 64}, {9, 31, 70},
		{10, 300, 784}, {10, 10, 100}, {13, 100, 300}, {64, 65, 66}, {128, 100, 300}, {200, 300, 784},
		{200, 10, 30},                // the masked narrow kernel in several epilogue chunks
		{1, 300, 784}, {1, 1000, 70}} // vector-matrix products split by columns at GOMAXPROCS 2
	acts := []Activation{Identity, ReLU, LeakyReLU, PiecewiseLinear, Sigmoid, Tanh}
	forEachKernel(t, func(t *testing.T, kern *gemmKernel) {
		for _, sz := range sizes {
			m, n, k := sz[0], sz[1], sz[2]
			lda, ldb, ldc := k+3, n+1, n+5
			a, b := randSlice(rng, (m-1)*lda+k), randSlice(rng, (k-1)*ldb+n)
			bias := randSlice(rng, n)
			for ai, act := range acts {
				if testing.Short() && ai > 1 && m*n*k > 1<<20 {
					continue // the large shapes with two activations suffice under -short (qemu)
				}
				for _, procs := range []int{1, 2} {
					prev := runtime.GOMAXPROCS(procs)
					want := make([]float32, (m-1)*ldc+n)
					Sgemm(false, false, m, n, k, 1, a, lda, b, ldb, 0, want, ldc)
					wz := Matrix{Rows: m, Cols: n, Stride: ldc, Data: want}
					for i := 0; i < m; i++ {
						addRow(want[i*ldc:i*ldc+n], bias)
					}
					wy := Matrix{Rows: m, Cols: n, Stride: n, Data: make([]float32, m*n)}
					act.forward(wz, wy, 0.2)
					z := make([]float32, len(want))
					for i := range z {
						z[i] = float32(math.NaN()) // beta 0: never read
					}
					y := make([]float32, m*n)
					sgemmEpilogue(false, false, m, n, k, a, lda, b, ldb, z, ldc, epilogue{bias: bias, act: act, alpha: 0.2, out: y, ldo: n})
					runtime.GOMAXPROCS(prev)
					for i := 0; i < m; i++ {
						for j := 0; j < n; j++ {
							if zi, wi := z[i*ldc+j], want[i*ldc+j]; math.Float32bits(zi) != math.Float32bits(wi) {
								t.Fatalf("%s %dx%dx%d %v procs %d: z[%d,%d] = %g, want %g", kern.name, m, n, k, act, procs, i, j, zi, wi)
							}
							if yi, wi := y[i*n+j], wy.Data[i*n+j]; math.Float32bits(yi) != math.Float32bits(wi) {
								t.Fatalf("%s %dx%dx%d %v procs %d: y[%d,%d] = %g, want %g", kern.name, m, n, k, act, procs, i, j, yi, wi)
							}
						}
					}
				}
			}
		}
	})
}

// TestSgemmAlignedBSameBits: a B whose rows are 64-byte aligned is read in
// place (alignedB) instead of packed; the product must be bit-identical to
// the same B stored one float off alignment (packed), with and without the
// fused epilogue, at GOMAXPROCS 1 and 2, for every kernel.
func TestSgemmAlignedBSameBits(t *testing.T) {
	defer setMinParallel(0)()
	forEachKernel(t, func(t *testing.T, kern *gemmKernel) {
		rng := rand.New(rand.NewPCG(11, 12))
		shapes := [][3]int{{40, 33, 70}, {9, 17, 5}, {200, 10, 100}, {64, 16, 64}, {17, 48, 1}, {3, 300, 20}, {50, 20, 300}, {50, 31, 200}, {130, 12, 150}}
		if !testing.Short() {
			shapes = append(shapes, [3]int{128, 300, 784}, [3]int{1000, 100, 300})
		}
		for _, s := range shapes {
			m, n, k := s[0], s[1], s[2]
			ldb := (n + 15) &^ 15
			if ldb%512 == 0 {
				ldb += 16
			}
			a := randSlice(rng, m*k)
			aligned := alignedFloats(k*ldb + 1)
			shifted := alignedFloats(k*ldb + 1)[1:] // a separate copy, one float off
			bias := randSlice(rng, n)
			for p := 0; p < k; p++ {
				for j := 0; j < n; j++ {
					v := float32(rng.NormFloat64())
					aligned[p*ldb+j] = v
					shifted[p*ldb+j] = v
				}
			}
			c0 := randSlice(rng, m*n)
			for _, procs := range []int{1, 2} {
				for _, epi := range []bool{false, true} {
					var out [2][]float32
					for i, b := range [][]float32{aligned, shifted} {
						prev := runtime.GOMAXPROCS(procs)
						out[i] = append([]float32(nil), c0...)
						y := make([]float32, m*n)
						if epi {
							sgemmEpilogue(false, false, m, n, k, a, k, b, ldb, out[i], n, epilogue{bias: bias, act: ReLU, out: y, ldo: n})
							out[i] = append(out[i], y...)
						} else {
							Sgemm(false, false, m, n, k, 0.7, a, k, b, ldb, 0.3, out[i], n)
						}
						runtime.GOMAXPROCS(prev)
					}
					for i := range out[0] {
						if math.Float32bits(out[0][i]) != math.Float32bits(out[1][i]) {
							t.Fatalf("%v procs %d epilogue %v: element %d is %g with B aligned, %g with B shifted", s, procs, epi, i, out[0][i], out[1][i])
						}
					}
				}
			}
		}
	})
}
