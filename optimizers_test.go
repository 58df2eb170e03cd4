package ann

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// optEps is float32's machine epsilon, 2⁻²³.
const optEps = 0x1p-23

// optOps bounds the float32 operations one element update performs (Adam,
// the longest rule, takes 11: two for m, three for v, the square root, the
// add of ε, the product with α, the division, the decay product and the
// subtraction). Each rounds its result by at most ε/2, and each result is
// bounded by |w|, the step |Δw|, or the gradient term lr·|g|; accumulator
// errors reach later steps only through ratios (√acc, m/√v, √n/lr) that
// pass a relative error on without growing it. So after T steps the float32
// weight is within optOps·ε·Σₜ(|wₜ| + |Δwₜ| + lrₜ·|gₜ|) of the exact value;
// optTol computes that sum from the float64 reference trajectory.
const optOps = 12

// refOpt is an optimizer rule in float64, written from the published rule
// (the TensorFlow kernel named on each constructor below), independent of
// the float32 code under test. step updates w in place; slots holds the
// state in the order the package documents for slots().
type refOpt struct {
	slots [][]float64
	step  func(w, g []float64, t int, lr float64)
}

func optFilled64(n int, v float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func optSign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// refSGD: TensorFlow ApplyGradientDescent, var -= alpha·delta.
func refSGD(int) refOpt {
	return refOpt{step: func(w, g []float64, _ int, lr float64) {
		for i := range w {
			w[i] -= lr * g[i]
		}
	}}
}

// refMomentum: TensorFlow ApplyMomentum, accum = accum·momentum + grad;
// var -= lr·accum, or with use_nesterov var -= grad·lr + accum·momentum·lr.
// Slots [accum].
func refMomentum(mu float64, nesterov bool) func(int) refOpt {
	return func(n int) refOpt {
		a := make([]float64, n)
		return refOpt{slots: [][]float64{a}, step: func(w, g []float64, _ int, lr float64) {
			for i := range w {
				a[i] = a[i]*mu + g[i]
				if nesterov {
					w[i] -= g[i]*lr + a[i]*mu*lr
				} else {
					w[i] -= lr * a[i]
				}
			}
		}}
	}
}

// refAdaGrad: TensorFlow ApplyAdagrad, accum += grad²; var -= lr·grad·rsqrt(accum).
// Slots [accum].
func refAdaGrad(acc0 float64) func(int) refOpt {
	return func(n int) refOpt {
		a := optFilled64(n, acc0)
		return refOpt{slots: [][]float64{a}, step: func(w, g []float64, _ int, lr float64) {
			for i := range w {
				a[i] += g[i] * g[i]
				w[i] -= lr * g[i] / math.Sqrt(a[i])
			}
		}}
	}
}

// refAdam: TensorFlow ApplyAdam, alpha = lr·√(1−β₂ᵗ)/(1−β₁ᵗ);
// m += (g−m)(1−β₁); v += (g²−v)(1−β₂); var -= m·alpha/(√v + ε). With wd > 0,
// the decoupled decay of Loshchilov & Hutter 2019 as PyTorch's AdamW applies
// it first: var -= lr·wd·var. Slots [m, v].
func refAdam(b1, b2, eps, wd float64) func(int) refOpt {
	return func(n int) refOpt {
		m, v := make([]float64, n), make([]float64, n)
		return refOpt{slots: [][]float64{m, v}, step: func(w, g []float64, t int, lr float64) {
			alpha := lr * math.Sqrt(1-math.Pow(b2, float64(t))) / (1 - math.Pow(b1, float64(t)))
			for i := range w {
				w[i] -= lr * wd * w[i]
				m[i] += (g[i] - m[i]) * (1 - b1)
				v[i] += (g[i]*g[i] - v[i]) * (1 - b2)
				w[i] -= m[i] * alpha / (math.Sqrt(v[i]) + eps)
			}
		}}
	}
}

// refProximalAdaGrad: TensorFlow ApplyProximalAdagrad, accum += grad²;
// learning_rate = lr·rsqrt(accum); prox_var = var − grad·learning_rate;
// var = optSign(prox_var)·max(|prox_var| − learning_rate·l1, 0)/(1 + l2·learning_rate)
// if l1 > 0, else prox_var/(1 + l2·learning_rate). Slots [accum].
func refProximalAdaGrad(l1, l2, acc0 float64) func(int) refOpt {
	return func(n int) refOpt {
		a := optFilled64(n, acc0)
		return refOpt{slots: [][]float64{a}, step: func(w, g []float64, _ int, lr float64) {
			for i := range w {
				a[i] += g[i] * g[i]
				eta := lr / math.Sqrt(a[i])
				v := w[i] - g[i]*eta
				if l1 > 0 {
					v = optSign(v) * math.Max(math.Abs(v)-eta*l1, 0)
				}
				w[i] = v / (1 + l2*eta)
			}
		}}
	}
}

// refRMSProp: TensorFlow ApplyRMSProp, ms += (grad² − ms)(1 − rho);
// mom = mom·momentum + grad·lr/√(ms + ε); var -= mom. TensorFlow 1.x's
// RMSPropOptimizer creates ms with ones. Slots [ms, mom].
func refRMSProp(rho, mu, eps, ms0 float64) func(int) refOpt {
	return func(n int) refOpt {
		ms, mom := optFilled64(n, ms0), make([]float64, n)
		return refOpt{slots: [][]float64{ms, mom}, step: func(w, g []float64, _ int, lr float64) {
			for i := range w {
				ms[i] += (g[i]*g[i] - ms[i]) * (1 - rho)
				mom[i] = mom[i]*mu + g[i]*lr/math.Sqrt(ms[i]+eps)
				w[i] -= mom[i]
			}
		}}
	}
}

// refFTRL: TensorFlow ApplyFtrl with lr_power −0.5 (McMahan et al. 2013):
// new_accum = accum + grad²; linear += grad − (√new_accum − √accum)/lr·var;
// var = (clamp(linear, −l1, l1) − linear)/(√new_accum/lr + 2·l2);
// accum = new_accum. Slots [accum, linear].
func refFTRL(l1, l2, acc0 float64) func(int) refOpt {
	return func(n int) refOpt {
		a, z := optFilled64(n, acc0), make([]float64, n)
		return refOpt{slots: [][]float64{a, z}, step: func(w, g []float64, _ int, lr float64) {
			for i := range w {
				na := a[i] + g[i]*g[i]
				z[i] += g[i] - (math.Sqrt(na)-math.Sqrt(a[i]))/lr*w[i]
				w[i] = (math.Max(-l1, math.Min(z[i], l1)) - z[i]) / (math.Sqrt(na)/lr + 2*l2)
				a[i] = na
			}
		}}
	}
}

// optCase pairs an optimizer with its float64 reference.
type optCase struct {
	opt   Optimizer
	decay bool
	ref   func(n int) refOpt
}

// optCases covers every rule, default and non-default settings, and the
// branches (l1 = 0, weights shrunk to exactly 0, decay off).
var optCases = []optCase{
	{SGD(0.1), true, refSGD},
	{Momentum(0.1, 0.9), true, refMomentum(0.9, false)},
	{Nesterov(0.1, 0.9), true, refMomentum(0.9, true)},
	{Momentum(0.2, 0).WithNesterov(true), true, refMomentum(0, true)},
	{AdaGrad(0.05), true, refAdaGrad(0.1)},
	{AdaGrad(0.3).WithInitialAccumulator(0.5), true, refAdaGrad(0.5)},
	{Adam(0.01), true, refAdam(0.9, 0.999, 1e-8, 0)},
	// A large ε tells TensorFlow's ε placement from PyTorch's.
	{Adam(0.05).WithBetas(0.5, 0.8).WithEpsilon(0.1), true, refAdam(0.5, 0.8, 0.1, 0)},
	{AdamW(0.05, 0.5), true, refAdam(0.9, 0.999, 1e-8, 0.5)},
	{AdamW(0.05, 0.5), false, refAdam(0.9, 0.999, 1e-8, 0)},
	{AdamW(0.05, 0.2).WithBetas(0.7, 0.9).WithEpsilon(0.05), true, refAdam(0.7, 0.9, 0.05, 0.2)},
	{ProximalAdaGrad(0.1, 0.01, 0.1), true, refProximalAdaGrad(0.01, 0.1, 0.1)},
	{ProximalAdaGrad(0.1, 0, 0.2), true, refProximalAdaGrad(0, 0.2, 0.1)},
	// Strong L1: the small weights land on exactly 0.
	{ProximalAdaGrad(0.5, 0.3, 0).WithInitialAccumulator(0.2), true, refProximalAdaGrad(0.3, 0, 0.2)},
	{RMSProp(0.01), true, refRMSProp(0.9, 0, 1e-10, 1)},
	{RMSProp(0.01).WithRho(0.8).WithMomentum(0.5).WithEpsilon(0.01).WithInitialMeanSquare(0), true, refRMSProp(0.8, 0.5, 0.01, 0)},
	{FTRL(0.1, 0.2, 0.1), true, refFTRL(0.2, 0.1, 0.1)},
	{FTRL(0.5, 0, 0).WithInitialAccumulator(0.3), false, refFTRL(0, 0, 0.3)},
}

// Inputs shared by the cases: four weights (one starting at 0), four steps of
// gradients with sign changes, zeros and a large value, and a learning rate
// halved on the third step to show that update uses the scheduled rate.
var (
	optW0    = []float64{0.8, -0.5, 0.1, 0}
	optGrads = [][]float64{
		{0.3, -0.2, 0, 1.5},
		{-0.1, -0.4, 0.05, 1.2},
		{0.25, 0.3, -0.02, -0.7},
		{0.4, -0.05, 0, 0.9},
	}
	optRateFactor = []float64{1, 1, 0.5, 1}
)

func opt32(x []float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(v)
	}
	return y
}

// runOpt applies steps first..last-1 of optGrads to w through st.
func runOpt(st optimizerState, base float64, w []float32, first, last int) {
	for k := first; k < last; k++ {
		st.update(w, opt32(optGrads[k]), 0, len(w), int64(k+1), float32(base*optRateFactor[k]))
	}
}

// optTol returns each weight's bound optOps·ε·Σₜ(|wₜ| + |Δwₜ| + lrₜ·|gₜ|),
// with the sums running over the trajectory w (len steps+1) of the reference.
func optTol(traj [][]float64, base float64) []float64 {
	tol := make([]float64, len(optW0))
	for k := 1; k < len(traj); k++ {
		lr := base * optRateFactor[k-1]
		for i := range tol {
			tol[i] += math.Abs(traj[k][i]) + math.Abs(traj[k][i]-traj[k-1][i]) + lr*math.Abs(optGrads[k-1][i])
		}
	}
	for i := range tol {
		tol[i] *= optOps * optEps
	}
	return tol
}

func TestOptimizersAgainstReference(t *testing.T) {
	for _, c := range optCases {
		t.Run(fmt.Sprintf("%v/decay=%v", c.opt, c.decay), func(t *testing.T) {
			if err := c.opt.validate(); err != nil {
				t.Fatal(err)
			}
			base := c.opt.LearningRate()
			ref := c.ref(len(optW0))
			traj := [][]float64{slices.Clone(optW0)}
			wref := slices.Clone(optW0)
			st := c.opt.newState(len(optW0), c.decay)
			w := opt32(optW0)
			if got, want := len(st.slots()), len(ref.slots); got != want {
				t.Fatalf("slots() has %d vectors, documented %d", got, want)
			}
			for k := range optGrads {
				ref.step(wref, optGrads[k], k+1, base*optRateFactor[k])
				traj = append(traj, slices.Clone(wref))
				runOpt(st, base, w, k, k+1)
				tol := optTol(traj, base)
				for i := range w {
					if d := math.Abs(float64(w[i]) - wref[i]); !(d <= tol[i]) {
						t.Errorf("step %d w[%d] = %.9g, reference %.9g (|diff| %.3g > tol %.3g)", k+1, i, w[i], wref[i], d, tol[i])
					}
					if wref[i] == 0 && w[i] != 0 { // l1 shrinkage and FTRL's zero region give exact zeros
						t.Errorf("step %d w[%d] = %g, want exactly 0", k+1, i, w[i])
					}
				}
				// The state, in the documented slot order. Its elements are
				// accumulators or moments of size ≲ 1 built from the same
				// float32 operations.
				for j, s := range st.slots() {
					for i := range s {
						want := ref.slots[j][i]
						if d := math.Abs(float64(s[i]) - want); !(d <= optOps*optEps*float64(k+1)*(math.Abs(want)+1)) {
							t.Errorf("step %d slot %d[%d] = %.9g, reference %.9g", k+1, j, i, s[i], want)
						}
					}
				}
			}
		})
	}
}

// TestProximalAdaGradGolden checks tensorflow.md's golden value for
// ApplyProximalAdagrad: w = 1, g = 0.5, lr = 0.1, l1 = 0.01, l2 = 0.1,
// accumulator 0.1 → acc 0.35, η = 0.1690309, w' = 0.8986051. Reading the
// op's docstring (shrink by the plain lr) would give 0.9054303.
func TestProximalAdaGradGolden(t *testing.T) {
	const want, docstring = 0.8986051, 0.9054303
	st := ProximalAdaGrad(0.1, 0.01, 0.1).newState(1, true)
	w := []float32{1}
	st.update(w, []float32{0.5}, 0, len(w), 1, 0.1)
	// The golden value has 7 decimals (±0.5e-7); float32 adds optOps·ε·|w|.
	if d := math.Abs(float64(w[0]) - want); d > 0.5e-7+optOps*optEps {
		t.Errorf("w' = %.9g, want %.7f (TensorFlow kernel); the docstring reading gives %.7f", w[0], want, docstring)
	}
	if acc := st.slots()[0][0]; acc != 0.35 {
		t.Errorf("accumulator = %.9g, want 0.35", acc)
	}
	ref := refProximalAdaGrad(0.01, 0.1, 0.1)(1)
	wref := []float64{1}
	ref.step(wref, []float64{0.5}, 1, 0.1)
	if d := math.Abs(wref[0] - want); d > 0.5e-7 {
		t.Errorf("float64 reference gives %.9g, want %.7f", wref[0], want)
	}
}

// TestFTRLHandSequence follows ApplyFtrl (lr 0.1, l1 0.2, l2 0.1,
// accumulator 0.1) by hand through four steps. Weight 1 stays active;
// weight 2 falls into the zero region |z| ≤ l1 on step 1 and leaves it on
// step 3; weight 3 starts at 0, has z = 0.05 then exactly 0 (both inside the
// region) and becomes active on step 3. Step 4 has a zero gradient for
// weight 2, which leaves n, z and w unchanged.
func TestFTRLHandSequence(t *testing.T) {
	w0 := []float64{0.5, -0.3, 0}
	grads := [][]float64{{0.4, -0.1, 0.05}, {0.3, 0.2, -0.05}, {-0.6, 0.5, 0.3}, {0.1, 0, 0.4}}
	// Computed with n' = n + g², z += g − (√n' − √n)/lr·w,
	// w = (optSign(z)·l1 − z)/(√n'/lr + 2·l2) when |z| > l1, else 0.
	wantN := [][]float64{{0.26, 0.11, 0.1025}, {0.35, 0.15, 0.105}, {0.71, 0.4, 0.195}, {0.72, 0.4, 0.355}}
	wantZ := [][]float64{
		{-0.5683709267, -0.05369586094, 0.05},
		{-0.3251703493, 0.1463041391, 0},
		{-0.976540892, 0.6463041391, 0.3},
		{-0.8818640208, 0.6463041391, 0.7334130668},
	}
	wantW := [][]float64{
		{0.06951680887, 0, 0},
		{0.02046578098, 0, 0},
		{0.09002172608, -0.0684037635, -0.02166433933},
		{0.07850799432, -0.0684037635, -0.08661851467},
	}
	st := FTRL(0.1, 0.2, 0.1).newState(3, true)
	ref := refFTRL(0.2, 0.1, 0.1)(3)
	w, wref := opt32(w0), slices.Clone(w0)
	for k, g := range grads {
		st.update(w, opt32(g), 0, len(w), int64(k+1), 0.1)
		ref.step(wref, g, k+1, 0.1)
		got := [][]float32{st.slots()[0], st.slots()[1], w}
		want := [][]float64{wantN[k], wantZ[k], wantW[k]}
		for j, name := range []string{"n", "z", "w"} {
			for i := range 3 {
				// |z| sums terms of size ≤ 1 per step, and w = x/y with
				// y ≥ √0.1/0.1 ≈ 3.16, so a bound of optOps·ε·(k+1)
				// covers every entry; the hand values carry 10 digits.
				if d := math.Abs(float64(got[j][i]) - want[j][i]); d > optOps*optEps*float64(k+1)+1e-10 {
					t.Errorf("step %d %s[%d] = %.9g, hand value %.10g", k+1, name, i, got[j][i], want[j][i])
				}
				if want[j][i] == 0 && got[j][i] != 0 {
					t.Errorf("step %d %s[%d] = %g, want exactly 0", k+1, name, i, got[j][i])
				}
			}
		}
		for i := range 3 {
			if d := math.Abs(wref[i] - wantW[k][i]); d > 1e-10 {
				t.Errorf("step %d: float64 reference w[%d] = %.10g, hand value %.10g", k+1, i, wref[i], wantW[k][i])
			}
		}
	}
}

// TestNesterovDiffersFromMomentum checks both momentum forms on one weight
// by hand (lr 0.1, μ 0.9, w = 1, gradients 1, −0.5, 0.25; a = μ·a + g):
//
//	a:        1, 0.4, 0.61
//	momentum: w -= lr·a             → 0.9, 0.86, 0.799
//	nesterov: w -= lr·g + lr·μ·a    → 0.81, 0.824, 0.7441
//
// Applying the heavy-ball step twice, the mistake STYLE.md warns about,
// would give 0.8 after the first step.
func TestNesterovDiffersFromMomentum(t *testing.T) {
	grads := []float32{1, -0.5, 0.25}
	for _, c := range []struct {
		opt  Optimizer
		want []float64
	}{
		{Momentum(0.1, 0.9), []float64{0.9, 0.86, 0.799}},
		{Nesterov(0.1, 0.9), []float64{0.81, 0.824, 0.7441}},
	} {
		st := c.opt.newState(1, true)
		w := []float32{1}
		for k, g := range grads {
			st.update(w, []float32{g}, 0, len(w), int64(k+1), 0.1)
			if d := math.Abs(float64(w[0]) - c.want[k]); d > optOps*optEps*float64(k+1) {
				t.Errorf("%v step %d: w = %.9g, want %g", c.opt, k+1, w[0], c.want[k])
			}
		}
	}
}

// TestOptimizerSlotsResume checkpoints the state after two steps, restores
// it into fresh state by copying into slots(), and checks that the last two
// steps give bit-for-bit the weights of an uninterrupted run.
func TestOptimizerSlotsResume(t *testing.T) {
	for _, c := range optCases {
		base := c.opt.LearningRate()
		whole := opt32(optW0)
		runOpt(c.opt.newState(len(whole), c.decay), base, whole, 0, len(optGrads))

		w := opt32(optW0)
		first := c.opt.newState(len(w), c.decay)
		runOpt(first, base, w, 0, 2)
		var saved [][]float32
		for _, s := range first.slots() {
			saved = append(saved, slices.Clone(s))
		}
		second := c.opt.newState(len(w), c.decay)
		for j, s := range second.slots() {
			if len(s) != len(w) {
				t.Fatalf("%v: slot %d has %d elements, want %d", c.opt, j, len(s), len(w))
			}
			copy(s, saved[j])
		}
		runOpt(second, base, w, 2, len(optGrads))
		if !slices.Equal(w, whole) {
			t.Errorf("%v: resumed %v, uninterrupted %v", c.opt, w, whole)
		}
	}
}

func TestAdamWWithoutDecayIsAdam(t *testing.T) {
	w1, w2 := opt32(optW0), opt32(optW0)
	runOpt(Adam(0.05).newState(len(w1), true), 0.05, w1, 0, len(optGrads))
	runOpt(AdamW(0.05, 0.5).newState(len(w2), false), 0.05, w2, 0, len(optGrads))
	if !slices.Equal(w1, w2) {
		t.Errorf("AdamW with decay=false gives %v, Adam %v", w2, w1)
	}
}

func TestOptimizerUpdateAllocs(t *testing.T) {
	for _, c := range optCases {
		st := c.opt.newState(64, c.decay)
		w, g := make([]float32, 64), make([]float32, 64)
		for i := range g {
			g[i] = float32(i%7) - 3
		}
		var step int64
		if a := testing.AllocsPerRun(50, func() { step++; st.update(w, g, 0, len(w), step, 0.01) }); a != 0 {
			t.Errorf("%v: update allocates %v times per call", c.opt, a)
		}
	}
}

func TestOptimizerValidate(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		opt   Optimizer
		field string
	}{
		{SGD(nan), "lr"},
		{SGD(-0.1), "lr"},
		{SGD(inf), "lr"},
		{Momentum(0.1, 1), "momentum"},
		{Nesterov(0.1, -0.1), "momentum"},
		{Momentum(0.1, nan), "momentum"},
		{AdaGrad(0.1).WithInitialAccumulator(0), "initial_accumulator"},
		{AdaGrad(-1), "lr"},
		{Adam(0.1).WithBetas(1, 0.999), "beta1"},
		{Adam(0.1).WithBetas(0.9, -0.5), "beta2"},
		{Adam(0.1).WithBetas(0.9, nan), "beta2"},
		{Adam(0.1).WithEpsilon(0), "epsilon"},
		{Adam(0.1).WithEpsilon(-1e-8), "epsilon"},
		{Adam(0.1).WithEpsilon(inf), "epsilon"},
		{ProximalAdaGrad(0.1, -0.01, 0), "l1"},
		{ProximalAdaGrad(0.1, 0, nan), "l2"},
		{ProximalAdaGrad(0.1, 0, 0).WithInitialAccumulator(-1), "initial_accumulator"},
		{RMSProp(0.1).WithRho(1), "rho"},
		{RMSProp(0.1).WithMomentum(2), "momentum"},
		{RMSProp(0.1).WithEpsilon(0), "epsilon"},
		{RMSProp(0.1).WithInitialMeanSquare(-1), "initial_mean_square"},
		{AdamW(0.1, -0.01), "weight_decay"},
		{AdamW(0.1, inf), "weight_decay"},
		{AdamW(0.1, 0.01).WithBetas(0.9, 1), "beta2"},
		{AdamW(0.1, 0.01).WithEpsilon(0), "epsilon"},
		{FTRL(0, 0, 0), "lr"},
		{FTRL(0.1, inf, 0), "l1"},
		{FTRL(0.1, 0, -1), "l2"},
		{FTRL(0.1, 0, 0).WithInitialAccumulator(0), "initial_accumulator"},
	} {
		err := c.opt.validate()
		if !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), " "+c.field+" must") {
			t.Errorf("%v: validate() = %v, want an ErrValue naming %s", c.opt, err, c.field)
		}
	}
}

// TestOptimizerZeroRate checks that a learning rate of 0 is kept, not
// replaced by a default, and leaves the weights unchanged; FTRL, whose rule
// divides by the rate, rejects it.
func TestOptimizerZeroRate(t *testing.T) {
	for name := range optimizerParsers {
		opt, err := ParseOptimizer(name, 0)
		if name == "ftrl" {
			if !errors.Is(err, ErrValue) {
				t.Errorf("ftrl with lr 0: err = %v, want ErrValue", err)
			}
			opt = FTRL(0.1, 0.1, 0.1)
		} else if err != nil || opt.LearningRate() != 0 || !strings.HasPrefix(opt.String(), name+"(lr=0") ||
			strings.HasPrefix(opt.String(), name+"(lr=0.") {
			t.Errorf("%s with lr 0: %v, %v", name, opt, err)
			continue
		}
		st := opt.newState(len(optW0), true)
		w := opt32(optW0)
		for k, g := range optGrads {
			st.update(w, opt32(g), 0, len(w), int64(k+1), 0)
		}
		if !slices.Equal(w, opt32(optW0)) {
			t.Errorf("%v at rate 0 moved the weights to %v", opt, w)
		}
	}
}

func TestParseOptimizer(t *testing.T) {
	// Round trips: every case, and every name with its defaults.
	for _, c := range optCases {
		got, err := ParseOptimizer(c.opt.String(), 123)
		if err != nil || got != c.opt {
			t.Errorf("ParseOptimizer(%q) = %v, %v; want %v", c.opt.String(), got, err, c.opt)
		}
	}
	for name := range optimizerParsers {
		opt, err := ParseOptimizer(" "+strings.ToUpper(name)+" ", 0.25)
		if err != nil || opt.LearningRate() != 0.25 || !strings.HasPrefix(opt.String(), name+"(lr=0.25") {
			t.Errorf("ParseOptimizer(%q) = %v, %v", name, opt, err)
			continue
		}
		if again, err := ParseOptimizer(opt.String(), 1); err != nil || again != opt {
			t.Errorf("ParseOptimizer(%q) = %v, %v; want %v", opt.String(), again, err, opt)
		}
	}
	for _, c := range []struct {
		in   string
		want Optimizer
	}{
		{"adam", Adam(0.5)},
		{"adam()", Adam(0.5)},
		{"Adam(beta1=0.8, EPSILON=1e-7)", Adam(0.5).WithBetas(0.8, 0.999).WithEpsilon(1e-7)},
		{"momentum", Momentum(0.5, 0.9)},
		{"nesterov(momentum=0.95, lr=0.01)", Nesterov(0.01, 0.95)},
		{"proximal_adagrad(l1=0.01,l2=0.01)", ProximalAdaGrad(0.5, 0.01, 0.01)},
		{"adamw", AdamW(0.5, 0.01)},
		{"ftrl(l1=1)", FTRL(0.5, 1, 0)},
		{"rmsprop(initial_mean_square=0)", RMSProp(0.5).WithInitialMeanSquare(0)},
	} {
		if got, err := ParseOptimizer(c.in, 0.5); err != nil || got != c.want {
			t.Errorf("ParseOptimizer(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, c := range []struct {
		in   string
		lr   float64
		want error
	}{
		{"", 0.1, ErrConfig},
		{"adamx", 0.1, ErrConfig},
		{"gradient descent", 0.1, ErrConfig},
		{"adam(", 0.1, ErrConfig},
		{"adam(beta1=0.8", 0.1, ErrConfig},
		{"adam(beta1=0.8)x", 0.1, ErrConfig},
		{"adam(momentum=0.9)", 0.1, ErrConfig},
		{"sgd(lr)", 0.1, ErrConfig},
		{"sgd(lr=1, lr=2)", 0.1, ErrConfig},
		{"adam(beta1=0.8,)", 0.1, ErrConfig},
		{"adam(beta1=x)", 0.1, ErrValue},
		{"adam(beta1=1)", 0.1, ErrValue},
		{"adam(epsilon=nan)", 0.1, ErrValue},
		{"sgd", math.NaN(), ErrValue},
		{"sgd", -1, ErrValue},
		{"sgd(lr=-1)", 0.1, ErrValue},
	} {
		if got, err := ParseOptimizer(c.in, c.lr); !errors.Is(err, c.want) || got != nil {
			t.Errorf("ParseOptimizer(%q, %v) = %v, %v; want %v", c.in, c.lr, got, err, c.want)
		}
	}
}

// FuzzParseOptimizer: ParseOptimizer never panics, returns a valid optimizer
// or an ErrConfig/ErrValue, and reads back what String writes.
func FuzzParseOptimizer(f *testing.F) {
	for _, c := range optCases {
		f.Add(c.opt.String(), 0.1)
	}
	for _, s := range []string{"adam", "ftrl(l1=1e400)", "sgd(lr=-0)", "nesterov(momentum=0.99,lr=1e-300)", "adam((", "rmsprop(rho=0x1p-3)"} {
		f.Add(s, 0.01)
	}
	f.Fuzz(func(t *testing.T, name string, lr float64) {
		opt, err := ParseOptimizer(name, lr)
		if err != nil {
			if opt != nil || !errors.Is(err, ErrConfig) && !errors.Is(err, ErrValue) {
				t.Fatalf("ParseOptimizer(%q, %v) = %v, %v", name, lr, opt, err)
			}
			return
		}
		if err := opt.validate(); err != nil {
			t.Fatalf("ParseOptimizer(%q, %v) accepted an invalid %v: %v", name, lr, opt, err)
		}
		if again, err := ParseOptimizer(opt.String(), 1); err != nil || again != opt {
			t.Fatalf("ParseOptimizer(%q) = %v, %v; want %v", opt.String(), again, err, opt)
		}
	})
}

func ExampleParseOptimizer() {
	// The tutorial's "improved" optimizer, as a command line might name it.
	opt, err := ParseOptimizer("proximal_adagrad(l1=0.01, l2=0.01)", 0.01)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(opt)
	_, err = ParseOptimizer("adam(beta1=1)", 0.001)
	fmt.Println(err)
	// Output:
	// proximal_adagrad(lr=0.01, l1=0.01, l2=0.01, initial_accumulator=0.1)
	// ann: invalid value: adam: beta1 must be in [0, 1), got 1
}

func ExampleAdam() {
	fmt.Println(Adam(0.001))
	fmt.Println(Adam(0.001).WithEpsilon(1e-7)) // Keras's ε
	// Output:
	// adam(lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08)
	// adam(lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-07)
}

func ExampleNesterov() {
	fmt.Println(Nesterov(0.01, 0.9))
	fmt.Println(Momentum(0.01, 0.9).WithNesterov(true) == Nesterov(0.01, 0.9))
	// Output:
	// nesterov(lr=0.01, momentum=0.9)
	// true
}
