package ann

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

// schedEps is float64's machine epsilon. A schedule's rate is a product of a
// few correctly rounded float64 operations (and one Pow or Cos, accurate to
// about an ulp), so it matches the hand value to 8·schedEps relative.
const schedEps = 0x1p-52

func TestSchedules(t *testing.T) {
	const base = 0.1
	for _, c := range []struct {
		s    Schedule
		step int64
		want float64
	}{
		{ConstantRate(), 0, base},
		{ConstantRate(), 1 << 40, base},
		// base·0.5^⌊step/100⌋
		{StepDecay(100, 0.5), 0, base},
		{StepDecay(100, 0.5), 99, base},
		{StepDecay(100, 0.5), 100, 0.05},
		{StepDecay(100, 0.5), 250, 0.025},
		{StepDecay(100, 0.5), -5, base},
		{StepDecay(1, 1), 1000, base},
		// base·0.96^(step/100), floored exponent with staircase
		{ExponentialDecay(100, 0.96, false), 0, base},
		{ExponentialDecay(100, 0.96, false), 50, 0.09797958971132713},
		{ExponentialDecay(100, 0.96, false), 100, 0.096},
		{ExponentialDecay(100, 0.96, false), 250, 0.09029798987795908},
		{ExponentialDecay(100, 0.96, true), 99, base},
		{ExponentialDecay(100, 0.96, true), 250, 0.09216},
		// base·(0.1 + 0.9·½(1 + cos(π·min(step, 1000)/1000)))
		{CosineDecay(1000, 0.1), 0, base},
		{CosineDecay(1000, 0.1), 250, 0.08681980515339464},
		{CosineDecay(1000, 0.1), 500, 0.055},
		{CosineDecay(1000, 0.1), 750, 0.023180194846605367},
		{CosineDecay(1000, 0.1), 1000, 0.01},
		{CosineDecay(1000, 0.1), 1500, 0.01}, // held: unclamped would be 0.055
		{CosineDecay(1000, 0), 1000, 0},
		{CosineDecay(1000, 1), 600, base},
	} {
		if err := c.s.validate(); err != nil {
			t.Errorf("%v: %v", c.s, err)
		}
		if got := c.s.rate(base, c.step); math.Abs(got-c.want) > 8*schedEps*c.want {
			t.Errorf("%v at step %d: rate %.17g, want %.17g", c.s, c.step, got, c.want)
		}
	}
}

// TestReduceOnPlateau follows patience 2, factor 0.5, minRate 0.02 from base
// 0.1 through a hand-made loss curve.
func TestReduceOnPlateau(t *testing.T) {
	p := ReduceOnPlateau(2, 0.5, 0.02)
	if err := p.validate(); err != nil {
		t.Fatal(err)
	}
	for i, c := range []struct {
		loss, want float64
		why        string
	}{
		{1.0, 0.1, "first epoch sets the best"},
		{0.8, 0.1, "improved"},
		{0.85, 0.1, "1 epoch without improvement"},
		{0.8, 0.05, "equal is not better: 2 epochs, rate halved"},
		{0.9, 0.05, "count restarted after the reduction: 1"},
		{0.7, 0.05, "improved"},
		{0.75, 0.05, "1"},
		{0.75, 0.025, "2: halved"},
		{math.NaN(), 0.025, "NaN never improves: 1"},
		{0.71, 0.02, "2: 0.0125 is floored at minRate"},
		{0.72, 0.02, "1"},
		{0.73, 0.02, "2: stays at the floor"},
		{0.5, 0.02, "improved"},
	} {
		p.observe(c.loss)
		if got := p.rate(0.1, int64(i)); math.Abs(got-c.want) > 8*schedEps*c.want {
			t.Errorf("epoch %d (loss %v, %s): rate %v, want %v", i+1, c.loss, c.why, got, c.want)
		}
	}
	// A base rate below the floor is kept as it is.
	if got := p.rate(0.01, 0); got != 0.01 {
		t.Errorf("base 0.01 below minRate 0.02: rate %v, want 0.01", got)
	}
	// A NaN first epoch does not become the best.
	q := ReduceOnPlateau(1, 0.5, 0)
	q.observe(math.NaN())
	q.observe(3)
	q.observe(2)
	if got := q.rate(1, 0); got != 0.5 {
		t.Errorf("after NaN, 3, 2 with patience 1: rate %v, want 0.5", got)
	}
}

func TestScheduleValidate(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		s     Schedule
		field string
	}{
		{StepDecay(0, 0.5), "every"},
		{StepDecay(-10, 0.5), "every"},
		{StepDecay(10, 0), "factor"},
		{StepDecay(10, 1.5), "factor"},
		{StepDecay(10, nan), "factor"},
		{ExponentialDecay(0, 0.9, true), "decay_steps"},
		{ExponentialDecay(10, -0.9, false), "decay_rate"},
		{ExponentialDecay(10, nan, false), "decay_rate"},
		{CosineDecay(0, 0), "total_steps"},
		{CosineDecay(10, 1.01), "min_fraction"},
		{CosineDecay(10, -0.1), "min_fraction"},
		{CosineDecay(10, nan), "min_fraction"},
		{ReduceOnPlateau(0, 0.5, 0), "patience"},
		{ReduceOnPlateau(3, 1, 0), "factor"},
		{ReduceOnPlateau(3, 0, 0), "factor"},
		{ReduceOnPlateau(3, 0.5, -1e-3), "min_rate"},
		{ReduceOnPlateau(3, 0.5, math.Inf(1)), "min_rate"},
		{ReduceOnPlateau(3, 0.5, nan), "min_rate"},
	} {
		err := c.s.validate()
		if !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), " "+c.field+" must") {
			t.Errorf("%v: validate() = %v, want an ErrValue naming %s", c.s, err, c.field)
		}
	}
}

// TestClipByGlobalNorm: gradients {1, 2, 2} and {0.5, −0.5} have global norm
// √9.5 = 3.082207001484488; clipped to 1.5 each is scaled by
// 1.5/√9.5 = 0.48666426339228763.
func TestClipByGlobalNorm(t *testing.T) {
	grads := [][]float32{{1, 2, 2}, {0.5, -0.5}}
	want := [][]float64{{0.48666426339228763, 0.9733285267845753, 0.9733285267845753}, {0.24333213169614382, -0.24333213169614382}}
	if norm := clipByGlobalNorm(grads, 1.5); math.Abs(norm-3.082207001484488) > 4*schedEps*norm {
		t.Errorf("norm = %.17g, want √9.5 = 3.082207001484488", norm)
	}
	for j := range grads {
		for i, g := range grads[j] {
			// The scale and the product are each rounded to float32.
			if d := math.Abs(float64(g) - want[j][i]); d > optEps*math.Abs(want[j][i]) {
				t.Errorf("grads[%d][%d] = %.9g, want %.9g", j, i, g, want[j][i])
			}
		}
	}

	for _, c := range []struct {
		grads [][]float32
		max   float32
		norm  float64
	}{
		{[][]float32{{3, 0}, {-4}}, 5, 5}, // at the limit: not clipped
		{[][]float32{{3, 0}, {-4}}, 10, 5},
		{[][]float32{{0, 0}, {0}}, 1, 0}, // zero norm: no 0/0
		{[][]float32{{}, nil}, 1, 0},
		{nil, 1, 0},
		{[][]float32{{float32(math.NaN()), 1}}, 1, math.NaN()},
		{[][]float32{{float32(math.Inf(-1)), 1}}, 1, math.Inf(1)},
	} {
		before := fmt.Sprint(c.grads)
		norm := clipByGlobalNorm(c.grads, c.max)
		if !(norm == c.norm || math.IsNaN(norm) && math.IsNaN(c.norm)) || fmt.Sprint(c.grads) != before {
			t.Errorf("clipByGlobalNorm(%s, %v) = %v leaving %v; want norm %v, gradients unchanged", before, c.max, norm, c.grads, c.norm)
		}
	}

	big := [][]float32{make([]float32, 100), make([]float32, 37)}
	for _, g := range big {
		for i := range g {
			g[i] = float32(i) - 20
		}
	}
	if a := testing.AllocsPerRun(20, func() { clipByGlobalNorm(big, 1) }); a != 0 {
		t.Errorf("clipByGlobalNorm allocates %v times per call", a)
	}
}

func ExampleCosineDecay() {
	fmt.Println(CosineDecay(10000, 0.01))
	// Output: cosine_decay(total_steps=10000, min_fraction=0.01)
}

func ExampleReduceOnPlateau() {
	fmt.Println(ReduceOnPlateau(5, 0.1, 1e-5))
	// Output: reduce_on_plateau(patience=5, factor=0.1, min_rate=1e-05)
}
