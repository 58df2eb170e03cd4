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
	b.Run(name, func(b *testing.B) {
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
