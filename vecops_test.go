package ann

import (
	"math"
	"math/rand/v2"
	"testing"
)

// vecRule is one optimizer kernel under test: run calls the dispatched
// update (asm where the build and CPU have it), ref the Go loop of
// vecops_generic.go, on the same state vectors.
type vecRule struct {
	name  string
	slots int
	run   func(w, g []float32, s [][]float32)
	ref   func(w, g []float32, s [][]float32)
}

func vecRules() []vecRule {
	const lr, mu, eps = 0.01, 0.9, 1e-7
	return []vecRule{
		{"sgd", 0,
			func(w, g []float32, _ [][]float32) { sgdUpdate(w, g, lr) },
			func(w, g []float32, _ [][]float32) { sgdGeneric(w, g, lr) }},
		{"momentum", 1,
			func(w, g []float32, s [][]float32) { momentumUpdate(w, g, s[0], lr, mu) },
			func(w, g []float32, s [][]float32) { momentumGeneric(w, g, s[0], lr, mu) }},
		{"nesterov", 1,
			func(w, g []float32, s [][]float32) { nesterovUpdate(w, g, s[0], lr, lr*mu, mu) },
			func(w, g []float32, s [][]float32) { nesterovGeneric(w, g, s[0], lr, lr*mu, mu) }},
		{"adagrad", 1,
			func(w, g []float32, s [][]float32) { adagradUpdate(w, g, s[0], lr) },
			func(w, g []float32, s [][]float32) { adagradGeneric(w, g, s[0], lr) }},
		{"adam", 2,
			func(w, g []float32, s [][]float32) { adamUpdate(w, g, s[0], s[1], 0.003, 0.999, 0.1, 0.001, eps) },
			func(w, g []float32, s [][]float32) { adamGeneric(w, g, s[0], s[1], 0.003, 0.999, 0.1, 0.001, eps) }},
		{"proximal-l1", 1,
			func(w, g []float32, s [][]float32) { proximalAdaGradUpdate(w, g, s[0], 0.5, 0.3, 0.01) },
			func(w, g []float32, s [][]float32) { proximalAdaGradGeneric(w, g, s[0], 0.5, 0.3, 0.01) }},
		{"proximal-l2", 1,
			func(w, g []float32, s [][]float32) { proximalAdaGradUpdate(w, g, s[0], 0.5, 0, 0.2) },
			func(w, g []float32, s [][]float32) { proximalAdaGradGeneric(w, g, s[0], 0.5, 0, 0.2) }},
		{"rmsprop", 2,
			func(w, g []float32, s [][]float32) { rmspropUpdate(w, g, s[0], s[1], lr, 0.1, mu, eps) },
			func(w, g []float32, s [][]float32) { rmspropGeneric(w, g, s[0], s[1], lr, 0.1, mu, eps) }},
	}
}

// vecSpecial are values the kernels must round exactly like the Go loops:
// signed zeros, a denormal, infinities, NaN and values near the l1 threshold.
var vecSpecial = []float32{0, float32(math.Copysign(0, -1)), 1e-40, -1e-40,
	float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 0.15, -0.15, 1e30}

// TestVecOpsMatchGeneric runs every optimizer kernel on every length 0..70
// at every start offset 0..8 and checks weights and state bit for bit
// against the Go loop, with NaN guards before and after each vector that
// must come back untouched. In builds without asm both sides are the Go
// loop and the test checks only the guards.
func TestVecOpsMatchGeneric(t *testing.T) {
	forEachKernel(t, func(t *testing.T, _ *gemmKernel) { vecOpsMatchGeneric(t) })
}

func vecOpsMatchGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, r := range vecRules() {
		t.Run(r.name, func(t *testing.T) {
			for n := 0; n <= 70; n++ {
				for off := 0; off <= 8; off++ {
					vecCheck(t, rng, r, n, off, n%7 == 3)
					if t.Failed() {
						return
					}
				}
			}
		})
	}
}

func vecCheck(t *testing.T, rng *rand.Rand, r vecRule, n, off int, special bool) {
	t.Helper()
	const g = 8
	nan := float32(math.NaN())
	fill := func(positive bool) []float32 {
		back := make([]float32, off+n+g)
		for i := range back {
			back[i] = nan
		}
		for i := off; i < off+n; i++ {
			v := float32(rng.NormFloat64())
			if special && rng.IntN(4) == 0 {
				v = vecSpecial[rng.IntN(len(vecSpecial))]
			}
			if positive {
				v = v*v + 0.01
			}
			back[i] = v
		}
		return back
	}
	// Accumulators stay positive as in real use (AdaGrad's starts at 0.1,
	// Adam's v and RMSProp's ms are sums of squares).
	positive := map[string][]bool{"adam": {false, true}, "rmsprop": {true, false}}[r.name]
	if positive == nil {
		positive = []bool{r.name == "adagrad" || r.name == "proximal-l1" || r.name == "proximal-l2"}
	}
	wb, gb := fill(false), fill(false)
	sb := make([][]float32, r.slots)
	for i := range sb {
		sb[i] = fill(positive[i])
	}
	clone := func(x []float32) []float32 { return append([]float32(nil), x...) }
	w2, g2 := clone(wb), clone(gb)
	s2 := make([][]float32, r.slots)
	views, views2 := make([][]float32, r.slots), make([][]float32, r.slots)
	for i := range sb {
		s2[i] = clone(sb[i])
		views[i], views2[i] = sb[i][off:off+n], s2[i][off:off+n]
	}
	r.run(wb[off:off+n], gb[off:off+n], views)
	r.ref(w2[off:off+n], g2[off:off+n], views2)
	same := func(what string, got, want []float32) {
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) &&
				!(math.IsNaN(float64(got[i])) && math.IsNaN(float64(want[i]))) {
				t.Errorf("%s n=%d off=%d: %s[%d] = %g (%#x), Go loop %g (%#x)", r.name, n, off, what,
					i-off, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
				return
			}
			if (i < off || i >= off+n) && !math.IsNaN(float64(got[i])) {
				t.Errorf("%s n=%d off=%d: guard %s[%d] written", r.name, n, off, what, i)
				return
			}
		}
	}
	same("w", wb, w2)
	same("g", gb, g2)
	for i := range sb {
		same("slot", sb[i], s2[i])
	}
}

// BenchmarkOptimizerUpdate measures one update of the 784-300-100-10
// network's 266,610 parameters as one tensor, dispatched ("vec") and
// through the Go loop ("go").
func BenchmarkOptimizerUpdate(b *testing.B) {
	const n = 784*300 + 300 + 300*100 + 100 + 100*10 + 10
	rng := rand.New(rand.NewPCG(1, 2))
	for _, r := range vecRules() {
		for _, impl := range []string{"vec", "go"} {
			run := r.run
			if impl == "go" {
				run = r.ref
			}
			benchVecRule(b, rng, r.name+"/"+impl, n, r.slots, run)
		}
	}
}

func benchVecRule(b *testing.B, rng *rand.Rand, name string, n, slots int, run func(w, g []float32, s [][]float32)) {
	benchRun(b, name, func(b *testing.B) {
		w, g := randSlice(rng, n), randSlice(rng, n)
		s := make([][]float32, slots)
		for i := range s {
			s[i] = make([]float32, n)
			for j := range s[i] {
				s[i][j] = 1
			}
		}
		b.SetBytes(int64(4 * n * (2 + 2*slots)))
		for b.Loop() {
			run(w, g, s)
		}
	})
}

// TestVecOpsFlushTinyState checks the flush-to-zero rule on the state
// vectors: with gradients of exactly 0 (a dead unit) or tiny ones, and
// state just above, at and below the smallest normal float32, every state
// value an update stores is +0 or has magnitude ≥ stateFloor (never a
// denormal or a value just above one, never −0), some values are actually flushed (a rule that decays the state
// without flushing fails), and the dispatched kernel matches the Go loop
// bit for bit at every length 0..40.
func TestVecOpsFlushTinyState(t *testing.T) {
	forEachKernel(t, func(t *testing.T, _ *gemmKernel) { vecOpsFlushTinyState(t) })
}

func vecOpsFlushTinyState(t *testing.T) {
	const floor = stateFloor
	tiny := []float32{floor, 1.01 * floor, 1.05 * floor, 2 * floor, 0x1p-126, 1.2e-38, 1e-39, 1e-45, 0,
		float32(math.Copysign(0, -1)), 5 * floor, 0x1p-110, 1}
	grads := []float32{0, 0, 0, 1e-20, -1e-20, 1e-31, 1e-39, float32(math.Copysign(0, -1))}
	rng := rand.New(rand.NewPCG(21, 22))
	for _, r := range vecRules() {
		if r.slots == 0 {
			continue
		}
		t.Run(r.name, func(t *testing.T) {
			flushed := 0
			for n := 0; n <= 40; n++ {
				w, g := randSlice(rng, n), make([]float32, n)
				s := make([][]float32, r.slots)
				for i := range g {
					g[i] = grads[rng.IntN(len(grads))]
				}
				for k := range s {
					s[k] = make([]float32, n)
					for i := range s[k] {
						v := tiny[rng.IntN(len(tiny))]
						// Adam's m and momentum may be negative; sums of
						// squares may not.
						if (r.name == "adam" && k == 0 || r.name == "momentum" || r.name == "nesterov" ||
							r.name == "rmsprop" && k == 1) && rng.IntN(2) == 0 {
							v = -v
						}
						s[k][i] = v
					}
				}
				w2, g2 := append([]float32(nil), w...), append([]float32(nil), g...)
				s2 := make([][]float32, r.slots)
				for k := range s {
					s2[k] = append([]float32(nil), s[k]...)
				}
				r.run(w, g, s)
				r.ref(w2, g2, s2)
				for k := range s {
					for i, v := range s[k] {
						if math.Float32bits(v) != math.Float32bits(s2[k][i]) {
							t.Fatalf("n=%d slot %d[%d]: kernel %g (%#x), Go loop %g (%#x)",
								n, k, i, v, math.Float32bits(v), s2[k][i], math.Float32bits(s2[k][i]))
						}
						switch a := math.Abs(float64(v)); {
						case math.Float32bits(v) == 0:
							flushed++
						case a < floor:
							t.Fatalf("n=%d slot %d[%d] = %g (%#x): tiny state not flushed to +0", n, k, i, v, math.Float32bits(v))
						}
					}
				}
				for i := range w {
					// A zero accumulator with a zero gradient gives 0/0:
					// any NaN matches any NaN, as in vecCheck.
					if math.Float32bits(w[i]) != math.Float32bits(w2[i]) &&
						!(math.IsNaN(float64(w[i])) && math.IsNaN(float64(w2[i]))) {
						t.Fatalf("n=%d w[%d]: kernel %g, Go loop %g", n, i, w[i], w2[i])
					}
				}
			}
			if flushed == 0 {
				t.Fatal("no state value was flushed: the inputs do not exercise the rule")
			}
		})
	}
}

// TestFlushTinyClosedForm pins the rule on single values: momentum's
// a = 0.9·a + 0 from stateFloor lands below it and becomes +0, while from
// 2·stateFloor it stays exactly 0.9·2⁻⁹⁹ rounded; normal values below the
// floor, denormals and −0 become +0. It also pins why the floor is not
// 2⁻¹²⁶: Adam's (g−m)·(1−β₁) and (g²−v)·(1−β₂) from the smallest kept
// moment must be normal for β down to 0.9999, or every such element costs
// a microcode assist per step.
func TestFlushTinyClosedForm(t *testing.T) {
	const mu = 0.9
	for _, c := range []struct{ a, want float32 }{
		{stateFloor, 0},
		{-1.05 * stateFloor, 0},
		{2 * stateFloor, float32(mu * 2 * stateFloor)},
		{0x1p-120, 0},
		{0x1p-126, 0},
		{-1.1e-38, 0},
		{float32(math.Copysign(0, -1)), 0},
		{1e-45, 0},
	} {
		w, g, a := []float32{1}, []float32{0}, []float32{c.a}
		momentumUpdate(w, g, a, 0.1, mu)
		if math.Float32bits(a[0]) != math.Float32bits(c.want) {
			t.Errorf("momentum from a = %g: a = %g (%#x), want %g (%#x)", c.a, a[0], math.Float32bits(a[0]), c.want, math.Float32bits(c.want))
		}
		if math.Float32bits(flushTiny(c.a*mu)) != math.Float32bits(c.want) {
			t.Errorf("flushTiny(%g) = %g, want %g", c.a*mu, flushTiny(c.a*mu), c.want)
		}
	}
	if v := flushTiny(float32(math.NaN())); !math.IsNaN(float64(v)) {
		t.Errorf("flushTiny(NaN) = %g, want NaN", v)
	}
	for _, c := range []float32{0.1, 1e-3, 1e-4} {
		if d := float32(-stateFloor * c); -d < 0x1p-126 {
			t.Errorf("a moment at the floor times %g is %g: denormal", c, d)
		}
	}
}
