package ann

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Optimizer is a gradient-descent rule with its hyper-parameters. The
// implementations are the small value types returned by [SGD], [Momentum],
// [Nesterov], [AdaGrad], [Adam], [ProximalAdaGrad], [RMSProp], [AdamW] and
// [FTRL]; they are immutable configurations, safe to share between networks
// and goroutines. The per-weight state (accumulators, moments) lives in the
// network, one state per parameter tensor.
//
// Every rule follows the TensorFlow 1.x kernel of the same name in
// tensorflow/core/kernels/training_ops.cc element by element; each
// constructor names its convention and how PyTorch and Keras differ.
//
// Numerics: weights, gradients and state are float32 and every per-element
// operation is a float32 operation (square roots are taken through
// math.Sqrt on the float32 value, which the compiler lowers to a
// single-precision instruction). Only per-call scalars, such as Adam's
// bias-corrected step size or AdamW's decay factor, are computed once in
// float64 and rounded to float32. Products are rounded before they are
// added (never fused into one multiply-add), so an update gives the same
// bits on every architecture, with or without the vector kernels of
// vecops_*.s. State values below 2⁻¹⁰⁰ are flushed to zero, where
// TensorFlow's CPU kernels flush denormals (they run with flush-to-zero):
// each momentum, accumulator or moment whose magnitude falls below 2⁻¹⁰⁰
// is stored as +0 (and used as +0 in the same step), so units whose
// gradient stays 0 do not decay into denormals, and no intermediate of an
// update becomes one either; denormal arithmetic is many times slower on
// every CPU. Such a value moves no weight of magnitude above 2⁻⁷⁰. Weights
// and gradients are not flushed.
type Optimizer interface {
	// String names the rule and all its hyper-parameters in the form
	// ParseOptimizer reads, e.g. "adam(lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08)".
	String() string
	// LearningRate returns the base learning rate, before any schedule.
	LearningRate() float64

	// validate reports a hyper-parameter that is NaN, infinite or out of
	// range, wrapping ErrValue and naming the field.
	validate() error
	// newState returns fresh state for one parameter tensor of n elements.
	// decay is false for tensors that must not be weight-decayed (biases);
	// only AdamW reads it.
	newState(n int, decay bool) optimizerState
}

// optimizerState is the per-tensor state of an Optimizer.
type optimizerState interface {
	// update applies one step to elements [lo, hi) of w given its gradient
	// g (len(g) == len(w) == n). t is the 1-based step count of this tensor
	// and lr the scheduled learning rate. Every rule is element-wise, so a
	// tensor updated in ranges, on any number of goroutines, gets exactly
	// the values of one whole update. It does not allocate.
	update(w, g []float32, lo, hi int, t int64, lr float32)
	// slots returns the state vectors, each of length n, in the order
	// documented on the optimizer's constructor. They alias the state:
	// a checkpoint reads them, a restore copies into them.
	slots() [][]float32
}

// optSqrt32 is a float32 square root; the compiler turns this pattern into a
// single-precision square-root instruction.
func optSqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }

// hyperKind is the valid range of a hyper-parameter.
type hyperKind uint8

const (
	hyperNonNegative hyperKind = iota // finite, ≥ 0 (rates, l1, l2, weight decay)
	hyperPositive                     // finite, > 0 (epsilon, accumulators, FTRL rate)
	hyperFraction                     // in [0, 1) (momentum, betas, rho)
)

// hyper is one named hyper-parameter of an optimizer: its name in String and
// ParseOptimizer, a pointer to the field, and its valid range.
type hyper struct {
	name string
	v    *float64
	kind hyperKind
}

// checkHyper returns an ErrValue naming op and h.name when *h.v is out of
// h's range.
func checkHyper(op string, h hyper) error {
	v := *h.v
	var ok bool
	var want string
	switch h.kind {
	case hyperNonNegative:
		ok, want = v >= 0 && !math.IsInf(v, 1), "finite and ≥ 0"
	case hyperPositive:
		ok, want = v > 0 && !math.IsInf(v, 1), "finite and > 0"
	default:
		ok, want = v >= 0 && v < 1, "in [0, 1)"
	}
	if !ok {
		return fmt.Errorf("%w: %s: %s must be %s, got %v", ErrValue, op, h.name, want, v)
	}
	return nil
}

// checkHypers validates every hyper-parameter of an optimizer.
func checkHypers(op string, hs []hyper) error {
	for _, h := range hs {
		if err := checkHyper(op, h); err != nil {
			return err
		}
	}
	return nil
}

// formatHypers writes op(name=value, ...) with the shortest decimal form that
// parses back to the same float64.
func formatHypers(op string, hs []hyper) string {
	var b strings.Builder
	b.WriteString(op)
	b.WriteByte('(')
	for i, h := range hs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(h.name)
		b.WriteByte('=')
		b.WriteString(strconv.FormatFloat(*h.v, 'g', -1, 64))
	}
	b.WriteByte(')')
	return b.String()
}

// ---------------------------------------------------------------- SGD

// SGDOptimizer is plain gradient descent; see [SGD].
type SGDOptimizer struct{ lr float64 }

// SGD returns plain gradient descent, w -= lr·g (TensorFlow
// GradientDescentOptimizer, ApplyGradientDescent; PyTorch SGD and Keras SGD
// with momentum 0 are the same). It keeps no state: slots() is empty.
// A learning rate of 0 is valid and leaves the weights unchanged.
func SGD(lr float64) SGDOptimizer { return SGDOptimizer{lr: lr} }

func (o *SGDOptimizer) hypers() []hyper { return []hyper{{"lr", &o.lr, hyperNonNegative}} }

// String returns "sgd(lr=…)".
func (o SGDOptimizer) String() string { return formatHypers("sgd", o.hypers()) }

// LearningRate returns the base learning rate.
func (o SGDOptimizer) LearningRate() float64 { return o.lr }

func (o SGDOptimizer) validate() error { return checkHypers("sgd", o.hypers()) }

func (o SGDOptimizer) newState(int, bool) optimizerState { return sgdState{} }

type sgdState struct{}

func (sgdState) update(w, g []float32, lo, hi int, _ int64, lr float32) {
	sgdUpdate(w[lo:hi], g[lo:hi], lr)
}

func (sgdState) slots() [][]float32 { return nil }

// ---------------------------------------------------------------- momentum

// MomentumOptimizer is gradient descent with heavy-ball or Nesterov
// momentum; see [Momentum] and [Nesterov].
type MomentumOptimizer struct {
	lr, momentum float64
	nesterov     bool
}

// Momentum returns gradient descent with heavy-ball momentum, TensorFlow's
// MomentumOptimizer (kernel ApplyMomentum):
//
//	a = μ·a + g;  w -= lr·a
//
// with the accumulation a starting at 0 and μ in [0, 1). PyTorch SGD with
// momentum (dampening 0) is the same rule. Keras SGD keeps v = μ·v − lr·g
// and adds v, which agrees while lr is constant but differs when a schedule
// changes lr (TensorFlow applies the new rate to the whole accumulation).
//
// slots(): [a].
func Momentum(lr, momentum float64) MomentumOptimizer {
	return MomentumOptimizer{lr: lr, momentum: momentum}
}

// Nesterov returns gradient descent with Nesterov momentum, TensorFlow's
// MomentumOptimizer with use_nesterov=True (kernel ApplyMomentum):
//
//	a = μ·a + g;  w -= lr·g + lr·μ·a
//
// that is, the step looks ahead along the updated accumulation. This is
// not the heavy-ball step applied twice. PyTorch SGD(nesterov=True) is the
// same rule; Keras's form agrees while lr is constant.
//
// slots(): [a].
func Nesterov(lr, momentum float64) MomentumOptimizer {
	return MomentumOptimizer{lr: lr, momentum: momentum, nesterov: true}
}

// WithMomentum returns a copy with momentum coefficient μ, in [0, 1).
func (o MomentumOptimizer) WithMomentum(momentum float64) MomentumOptimizer {
	o.momentum = momentum
	return o
}

// WithNesterov returns a copy that uses Nesterov momentum when on is true
// and heavy-ball momentum otherwise.
func (o MomentumOptimizer) WithNesterov(on bool) MomentumOptimizer {
	o.nesterov = on
	return o
}

func (o *MomentumOptimizer) hypers() []hyper {
	return []hyper{{"lr", &o.lr, hyperNonNegative}, {"momentum", &o.momentum, hyperFraction}}
}

func (o MomentumOptimizer) name() string {
	if o.nesterov {
		return "nesterov"
	}
	return "momentum"
}

// String returns "momentum(lr=…, momentum=…)" or "nesterov(lr=…, momentum=…)".
func (o MomentumOptimizer) String() string { return formatHypers(o.name(), o.hypers()) }

// LearningRate returns the base learning rate.
func (o MomentumOptimizer) LearningRate() float64 { return o.lr }

func (o MomentumOptimizer) validate() error { return checkHypers(o.name(), o.hypers()) }

func (o MomentumOptimizer) newState(n int, _ bool) optimizerState {
	return &momentumState{mu: float32(o.momentum), nesterov: o.nesterov, accum: make([]float32, n)}
}

type momentumState struct {
	mu       float32
	nesterov bool
	accum    []float32
}

func (s *momentumState) update(w, g []float32, lo, hi int, _ int64, lr float32) {
	w, g, a := w[lo:hi], g[lo:hi], s.accum[lo:hi]
	if !s.nesterov {
		momentumUpdate(w, g, a, lr, s.mu)
		return
	}
	nesterovUpdate(w, g, a, lr, lr*s.mu, s.mu)
}

func (s *momentumState) slots() [][]float32 { return [][]float32{s.accum} }

// ---------------------------------------------------------------- AdaGrad

// AdaGradOptimizer is AdaGrad; see [AdaGrad].
type AdaGradOptimizer struct{ lr, initialAccumulator float64 }

// AdaGrad returns AdaGrad as in TensorFlow's AdagradOptimizer (kernel
// ApplyAdagrad; Duchi, Hazan & Singer 2011):
//
//	acc += g²;  w -= lr·g/√acc
//
// with acc starting at 0.1 (TensorFlow's initial_accumulator_value; change
// it with WithInitialAccumulator) and no epsilon. This is the canned
// estimators' default optimizer (learning rate 0.05). PyTorch's Adagrad
// starts acc at 0 and divides by √acc + 1e-10; Keras's starts at 0.1 and
// divides by √acc + 1e-7.
//
// slots(): [acc].
func AdaGrad(lr float64) AdaGradOptimizer {
	return AdaGradOptimizer{lr: lr, initialAccumulator: 0.1}
}

// WithInitialAccumulator returns a copy whose accumulator starts at v, which
// must be > 0 (no epsilon guards the division).
func (o AdaGradOptimizer) WithInitialAccumulator(v float64) AdaGradOptimizer {
	o.initialAccumulator = v
	return o
}

func (o *AdaGradOptimizer) hypers() []hyper {
	return []hyper{{"lr", &o.lr, hyperNonNegative}, {"initial_accumulator", &o.initialAccumulator, hyperPositive}}
}

// String returns "adagrad(lr=…, initial_accumulator=…)".
func (o AdaGradOptimizer) String() string { return formatHypers("adagrad", o.hypers()) }

// LearningRate returns the base learning rate.
func (o AdaGradOptimizer) LearningRate() float64 { return o.lr }

func (o AdaGradOptimizer) validate() error { return checkHypers("adagrad", o.hypers()) }

func (o AdaGradOptimizer) newState(n int, _ bool) optimizerState {
	return &adagradState{accum: optFilled(n, o.initialAccumulator)}
}

type adagradState struct{ accum []float32 }

func (s *adagradState) update(w, g []float32, lo, hi int, _ int64, lr float32) {
	adagradUpdate(w[lo:hi], g[lo:hi], s.accum[lo:hi], lr)
}

func (s *adagradState) slots() [][]float32 { return [][]float32{s.accum} }

// optFilled returns n float32 copies of v.
func optFilled(n int, v float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(v)
	}
	return s
}

// ---------------------------------------------------------------- Adam, AdamW

// adamParams are the hyper-parameters Adam and AdamW share.
type adamParams struct{ lr, beta1, beta2, epsilon float64 }

func (p *adamParams) hypers() []hyper {
	return []hyper{
		{"lr", &p.lr, hyperNonNegative},
		{"beta1", &p.beta1, hyperFraction},
		{"beta2", &p.beta2, hyperFraction},
		{"epsilon", &p.epsilon, hyperPositive},
	}
}

// newState returns Adam state; decay is the decoupled weight decay per unit
// of learning rate (0 for plain Adam).
func (p adamParams) newState(n int, decay float64) *adamState {
	return &adamState{
		beta1: p.beta1, beta2: p.beta2, epsilon: float32(p.epsilon), decay: decay,
		m: make([]float32, n), v: make([]float32, n),
	}
}

// AdamOptimizer is Adam; see [Adam].
type AdamOptimizer struct{ p adamParams }

// Adam returns Adam in TensorFlow 1.x's form (AdamOptimizer, kernel
// ApplyAdam; Kingma & Ba 2015, the variant just before their §2.1): at
// step t,
//
//	α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ);  m += (g−m)(1−β₁);  v += (g²−v)(1−β₂);  w -= α·m/(√v + ε)
//
// with m and v starting at 0 and defaults β₁ 0.9, β₂ 0.999, ε 1e-8. Because
// ε is added to the uncorrected √v, it acts like ε·√(1−β₂ᵗ) in PyTorch's
// form lr·m̂/(√v̂ + ε); the two agree up to that rescaling of ε. Keras
// defaults ε to 1e-7. β₁ᵗ and β₂ᵗ are computed in float64 from t.
//
// slots(): [m, v].
func Adam(lr float64) AdamOptimizer {
	return AdamOptimizer{adamParams{lr: lr, beta1: 0.9, beta2: 0.999, epsilon: 1e-8}}
}

// WithBetas returns a copy with decay rates β₁ and β₂ of the first and
// second moments, each in [0, 1).
func (o AdamOptimizer) WithBetas(beta1, beta2 float64) AdamOptimizer {
	o.p.beta1, o.p.beta2 = beta1, beta2
	return o
}

// WithEpsilon returns a copy with ε, which must be > 0.
func (o AdamOptimizer) WithEpsilon(epsilon float64) AdamOptimizer {
	o.p.epsilon = epsilon
	return o
}

func (o *AdamOptimizer) hypers() []hyper { return o.p.hypers() }

// String returns "adam(lr=…, beta1=…, beta2=…, epsilon=…)".
func (o AdamOptimizer) String() string { return formatHypers("adam", o.hypers()) }

// LearningRate returns the base learning rate.
func (o AdamOptimizer) LearningRate() float64 { return o.p.lr }

func (o AdamOptimizer) validate() error { return checkHypers("adam", o.hypers()) }

func (o AdamOptimizer) newState(n int, _ bool) optimizerState { return o.p.newState(n, 0) }

// AdamWOptimizer is Adam with decoupled weight decay; see [AdamW].
type AdamWOptimizer struct {
	p           adamParams
	weightDecay float64
}

// AdamW returns Adam with decoupled weight decay (Loshchilov & Hutter 2019):
// each step first shrinks the weights by the scheduled rate times
// weightDecay, then takes the [Adam] step (TensorFlow 1.x form, same
// defaults β₁ 0.9, β₂ 0.999, ε 1e-8):
//
//	w = w·(1 − lr·λ) − α·m/(√v + ε)
//
// The decay is skipped for tensors created with decay=false (the network
// passes false for biases). The decay is scaled by the learning rate as in
// PyTorch's AdamW (default λ 0.01) and Keras's AdamW (default λ 0.004);
// TensorFlow 1.x's contrib AdamWOptimizer subtracts λ·w unscaled, which is
// this rule with λ/lr. The Adam part keeps TensorFlow's ε placement (see
// [Adam]), where PyTorch adds ε to the bias-corrected √v̂.
//
// slots(): [m, v].
func AdamW(lr, weightDecay float64) AdamWOptimizer {
	return AdamWOptimizer{p: Adam(lr).p, weightDecay: weightDecay}
}

// WithBetas returns a copy with decay rates β₁ and β₂, each in [0, 1).
func (o AdamWOptimizer) WithBetas(beta1, beta2 float64) AdamWOptimizer {
	o.p.beta1, o.p.beta2 = beta1, beta2
	return o
}

// WithEpsilon returns a copy with ε, which must be > 0.
func (o AdamWOptimizer) WithEpsilon(epsilon float64) AdamWOptimizer {
	o.p.epsilon = epsilon
	return o
}

func (o *AdamWOptimizer) hypers() []hyper {
	h := o.p.hypers()
	return []hyper{h[0], {"weight_decay", &o.weightDecay, hyperNonNegative}, h[1], h[2], h[3]}
}

// String returns "adamw(lr=…, weight_decay=…, beta1=…, beta2=…, epsilon=…)".
func (o AdamWOptimizer) String() string { return formatHypers("adamw", o.hypers()) }

// LearningRate returns the base learning rate.
func (o AdamWOptimizer) LearningRate() float64 { return o.p.lr }

func (o AdamWOptimizer) validate() error { return checkHypers("adamw", o.hypers()) }

func (o AdamWOptimizer) newState(n int, decay bool) optimizerState {
	if !decay {
		return o.p.newState(n, 0)
	}
	return o.p.newState(n, o.weightDecay)
}

type adamState struct {
	beta1, beta2 float64
	epsilon      float32
	decay        float64 // decoupled weight decay per unit of lr; 0 for Adam
	m, v         []float32
}

func (s *adamState) update(w, g []float32, lo, hi int, t int64, lr float32) {
	t = max(t, 1)
	tf := float64(t)
	alpha := float32(float64(lr) * math.Sqrt(1-math.Pow(s.beta2, tf)) / (1 - math.Pow(s.beta1, tf)))
	keep := float32(1 - float64(lr)*s.decay) // exactly 1 without decay, so w·keep == w
	adamUpdate(w[lo:hi], g[lo:hi], s.m[lo:hi], s.v[lo:hi], alpha, keep, float32(1-s.beta1), float32(1-s.beta2), s.epsilon)
}

func (s *adamState) slots() [][]float32 { return [][]float32{s.m, s.v} }

// ---------------------------------------------------------------- proximal AdaGrad

// l1l2Params are the hyper-parameters proximal AdaGrad and FTRL share.
type l1l2Params struct{ lr, l1, l2, initialAccumulator float64 }

// hypers lists them; lrKind is the learning rate's range.
func (p *l1l2Params) hypers(lrKind hyperKind) []hyper {
	return []hyper{
		{"lr", &p.lr, lrKind},
		{"l1", &p.l1, hyperNonNegative},
		{"l2", &p.l2, hyperNonNegative},
		{"initial_accumulator", &p.initialAccumulator, hyperPositive},
	}
}

// ProximalAdaGradOptimizer is proximal AdaGrad with L1 and L2 shrinkage; see
// [ProximalAdaGrad].
type ProximalAdaGradOptimizer struct{ p l1l2Params }

// ProximalAdaGrad returns AdaGrad followed by a proximal L1/L2 step (FOBOS,
// Duchi & Singer 2009, with AdaGrad's per-weight rate), exactly as
// TensorFlow's ProximalAdagradOptimizer computes it (kernel
// ApplyProximalAdagrad):
//
//	acc += g²;  η = lr/√acc;  v = w − η·g
//	w = sign(v)·max(|v| − η·l1, 0)/(1 + η·l2)
//
// with acc starting at 0.1 (WithInitialAccumulator changes it). The
// shrinkage uses the per-weight η, as the kernel does; the op's docstring
// writes the plain lr there, which would give a different result. l1 and l2
// apply to every tensor, biases included, as in TensorFlow. Neither PyTorch
// nor Keras ships this optimizer. The tutorial's "improved" model uses
// ProximalAdaGrad(0.01, 0.01, 0.01).
//
// slots(): [acc].
func ProximalAdaGrad(lr, l1, l2 float64) ProximalAdaGradOptimizer {
	return ProximalAdaGradOptimizer{l1l2Params{lr: lr, l1: l1, l2: l2, initialAccumulator: 0.1}}
}

// WithInitialAccumulator returns a copy whose accumulator starts at v > 0.
func (o ProximalAdaGradOptimizer) WithInitialAccumulator(v float64) ProximalAdaGradOptimizer {
	o.p.initialAccumulator = v
	return o
}

func (o *ProximalAdaGradOptimizer) hypers() []hyper { return o.p.hypers(hyperNonNegative) }

// String returns "proximal_adagrad(lr=…, l1=…, l2=…, initial_accumulator=…)".
func (o ProximalAdaGradOptimizer) String() string {
	return formatHypers("proximal_adagrad", o.hypers())
}

// LearningRate returns the base learning rate.
func (o ProximalAdaGradOptimizer) LearningRate() float64 { return o.p.lr }

func (o ProximalAdaGradOptimizer) validate() error {
	return checkHypers("proximal_adagrad", o.hypers())
}

func (o ProximalAdaGradOptimizer) newState(n int, _ bool) optimizerState {
	return &proximalAdaGradState{l1: float32(o.p.l1), l2: float32(o.p.l2), accum: optFilled(n, o.p.initialAccumulator)}
}

type proximalAdaGradState struct {
	l1, l2 float32
	accum  []float32
}

func (s *proximalAdaGradState) update(w, g []float32, lo, hi int, _ int64, lr float32) {
	proximalAdaGradUpdate(w[lo:hi], g[lo:hi], s.accum[lo:hi], lr, s.l1, s.l2)
}

func (s *proximalAdaGradState) slots() [][]float32 { return [][]float32{s.accum} }

func optAbs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// ---------------------------------------------------------------- RMSProp

// RMSPropOptimizer is RMSProp; see [RMSProp].
type RMSPropOptimizer struct{ lr, rho, momentum, epsilon, initialMeanSquare float64 }

// RMSProp returns RMSProp in TensorFlow 1.x's form (RMSPropOptimizer,
// kernel ApplyRMSProp; Tieleman & Hinton 2012):
//
//	ms += (g² − ms)(1 − ρ);  mom = μ·mom + lr·g/√(ms + ε);  w -= mom
//
// with TensorFlow 1.x's defaults ρ 0.9 (its "decay"), μ 0, ε 1e-10, the
// mean square ms starting at 1 (TensorFlow 1.x initialises that slot with
// ones) and mom at 0. Keras's RMSprop uses the same kernel but starts ms at
// 0 with ε 1e-7 (WithInitialMeanSquare(0).WithEpsilon(1e-7)); PyTorch starts
// ms at 0, defaults ρ to 0.99 and adds ε outside the root. The centered
// variant is not provided.
//
// slots(): [ms, mom].
func RMSProp(lr float64) RMSPropOptimizer {
	return RMSPropOptimizer{lr: lr, rho: 0.9, epsilon: 1e-10, initialMeanSquare: 1}
}

// WithRho returns a copy with discount ρ of the mean square, in [0, 1).
func (o RMSPropOptimizer) WithRho(rho float64) RMSPropOptimizer {
	o.rho = rho
	return o
}

// WithMomentum returns a copy with momentum μ, in [0, 1).
func (o RMSPropOptimizer) WithMomentum(momentum float64) RMSPropOptimizer {
	o.momentum = momentum
	return o
}

// WithEpsilon returns a copy with ε (inside the square root), which must be > 0.
func (o RMSPropOptimizer) WithEpsilon(epsilon float64) RMSPropOptimizer {
	o.epsilon = epsilon
	return o
}

// WithInitialMeanSquare returns a copy whose mean square starts at v ≥ 0.
func (o RMSPropOptimizer) WithInitialMeanSquare(v float64) RMSPropOptimizer {
	o.initialMeanSquare = v
	return o
}

func (o *RMSPropOptimizer) hypers() []hyper {
	return []hyper{
		{"lr", &o.lr, hyperNonNegative},
		{"rho", &o.rho, hyperFraction},
		{"momentum", &o.momentum, hyperFraction},
		{"epsilon", &o.epsilon, hyperPositive},
		{"initial_mean_square", &o.initialMeanSquare, hyperNonNegative},
	}
}

// String returns "rmsprop(lr=…, rho=…, momentum=…, epsilon=…, initial_mean_square=…)".
func (o RMSPropOptimizer) String() string { return formatHypers("rmsprop", o.hypers()) }

// LearningRate returns the base learning rate.
func (o RMSPropOptimizer) LearningRate() float64 { return o.lr }

func (o RMSPropOptimizer) validate() error { return checkHypers("rmsprop", o.hypers()) }

func (o RMSPropOptimizer) newState(n int, _ bool) optimizerState {
	return &rmspropState{
		c: float32(1 - o.rho), mu: float32(o.momentum), epsilon: float32(o.epsilon),
		ms: optFilled(n, o.initialMeanSquare), mom: make([]float32, n),
	}
}

type rmspropState struct {
	c, mu, epsilon float32 // c = 1 − ρ
	ms, mom        []float32
}

func (s *rmspropState) update(w, g []float32, lo, hi int, _ int64, lr float32) {
	rmspropUpdate(w[lo:hi], g[lo:hi], s.ms[lo:hi], s.mom[lo:hi], lr, s.c, s.mu, s.epsilon)
}

func (s *rmspropState) slots() [][]float32 { return [][]float32{s.ms, s.mom} }

// ---------------------------------------------------------------- FTRL

// FTRLOptimizer is FTRL-Proximal; see [FTRL].
type FTRLOptimizer struct{ p l1l2Params }

// FTRL returns FTRL-Proximal (McMahan et al. 2013) as TensorFlow's
// FtrlOptimizer computes it (kernel ApplyFtrl) with learning-rate power
// −0.5: with accumulator n starting at 0.1 and linear term z at 0,
//
//	n' = n + g²;  z += g − (√n' − √n)/lr·w;  n = n'
//	w = (sign(z)·l1 − z)/(√n/lr + 2·l2)  if |z| > l1,  else w = 0
//
// The weights are recomputed from z and n at every step, so weights whose
// |z| stays within l1 are exactly 0. The rule divides by the learning rate,
// so lr must be > 0; a scheduled rate that reaches 0 leaves weights and
// state unchanged for that step. l1 and l2 apply to every tensor, biases
// included, as in TensorFlow; TensorFlow's l2_shrinkage and other
// learning-rate powers are not provided. Keras's Ftrl has the same defaults;
// PyTorch has no FTRL.
//
// slots(): [n, z].
func FTRL(lr, l1, l2 float64) FTRLOptimizer {
	return FTRLOptimizer{l1l2Params{lr: lr, l1: l1, l2: l2, initialAccumulator: 0.1}}
}

// WithInitialAccumulator returns a copy whose accumulator starts at v > 0.
func (o FTRLOptimizer) WithInitialAccumulator(v float64) FTRLOptimizer {
	o.p.initialAccumulator = v
	return o
}

func (o *FTRLOptimizer) hypers() []hyper { return o.p.hypers(hyperPositive) }

// String returns "ftrl(lr=…, l1=…, l2=…, initial_accumulator=…)".
func (o FTRLOptimizer) String() string { return formatHypers("ftrl", o.hypers()) }

// LearningRate returns the base learning rate.
func (o FTRLOptimizer) LearningRate() float64 { return o.p.lr }

func (o FTRLOptimizer) validate() error { return checkHypers("ftrl", o.hypers()) }

func (o FTRLOptimizer) newState(n int, _ bool) optimizerState {
	return &ftrlState{l1: float32(o.p.l1), l2: float32(o.p.l2), n: optFilled(n, o.p.initialAccumulator), z: make([]float32, n)}
}

type ftrlState struct {
	l1, l2 float32
	n, z   []float32
}

func (s *ftrlState) update(w, g []float32, lo, hi int, _ int64, lr float32) {
	if !(lr > 0) {
		return
	}
	w = w[lo:hi]
	g, n, z, l1, l2 := g[lo:hi], s.n[lo:hi], s.z[lo:hi], s.l1, s.l2
	for i := range w {
		gi := g[i]
		nn := flushTiny(n[i] + float32(gi*gi))
		sn := optSqrt32(nn)
		z[i] = flushTiny(z[i] + (gi - float32((sn-optSqrt32(n[i]))/lr*w[i])))
		n[i] = nn + 0*gi
		switch zi := z[i]; {
		case zi > l1:
			w[i] = (l1 - zi) / (sn/lr + 2*l2)
		case zi < -l1:
			w[i] = (-l1 - zi) / (sn/lr + 2*l2)
		default:
			w[i] = 0
		}
	}
}

func (s *ftrlState) slots() [][]float32 { return [][]float32{s.n, s.z} }

// ---------------------------------------------------------------- parsing

// tunableOptimizer is an optimizer value type whose pointer exposes its
// hyper-parameter table.
type tunableOptimizer[T any] interface {
	*T
	hypers() []hyper
}

// optimizerParser returns a function that builds an optimizer with
// build(lr) and then applies ParseOptimizer's "name=value, ..." settings.
func optimizerParser[T Optimizer, P tunableOptimizer[T]](build func(lr float64) T) func(lr float64, op, args string) (Optimizer, error) {
	return func(lr float64, op, args string) (Optimizer, error) {
		o := build(lr)
		if err := setHypers(op, P(&o).hypers(), args); err != nil {
			return nil, err
		}
		return o, nil
	}
}

// optimizerParsers holds ParseOptimizer's names and defaults.
var optimizerParsers = map[string]func(lr float64, op, args string) (Optimizer, error){
	"sgd":              optimizerParser(SGD),
	"momentum":         optimizerParser(func(lr float64) MomentumOptimizer { return Momentum(lr, 0.9) }),
	"nesterov":         optimizerParser(func(lr float64) MomentumOptimizer { return Nesterov(lr, 0.9) }),
	"adagrad":          optimizerParser(AdaGrad),
	"adam":             optimizerParser(Adam),
	"proximal_adagrad": optimizerParser(func(lr float64) ProximalAdaGradOptimizer { return ProximalAdaGrad(lr, 0, 0) }),
	"rmsprop":          optimizerParser(RMSProp),
	"adamw":            optimizerParser(func(lr float64) AdamWOptimizer { return AdamW(lr, 0.01) }),
	"ftrl":             optimizerParser(func(lr float64) FTRLOptimizer { return FTRL(lr, 0, 0) }),
}

// ParseOptimizer returns the optimizer named name with base learning rate lr,
// for command lines and configuration files. name is one of "sgd",
// "momentum", "nesterov", "adagrad", "adam", "proximal_adagrad", "rmsprop",
// "adamw" and "ftrl" (case-insensitive), optionally followed by settings in
// the form String writes, "adam(beta1=0.8, epsilon=1e-7)"; a setting of lr
// overrides the lr argument, so ParseOptimizer(o.String(), x) returns o.
//
// Unset parameters take the constructors' defaults, and: momentum 0.9 for
// "momentum" and "nesterov", weight_decay 0.01 for "adamw" (PyTorch's
// default), l1 = l2 = 0 for "proximal_adagrad" and "ftrl" (TensorFlow's).
//
// An unknown name or parameter, a repeated parameter or a malformed list is
// an ErrConfig; a value that is not a number or out of range is an ErrValue.
func ParseOptimizer(name string, lr float64) (Optimizer, error) {
	s := strings.ToLower(strings.TrimSpace(name))
	base, args, hasArgs := strings.Cut(s, "(")
	base = strings.TrimSpace(base)
	build, ok := optimizerParsers[base]
	if !ok {
		return nil, fmt.Errorf("%w: unknown optimizer %q", ErrConfig, name)
	}
	if hasArgs {
		var closed bool
		if args, closed = strings.CutSuffix(args, ")"); !closed {
			return nil, fmt.Errorf("%w: optimizer %q: missing ')'", ErrConfig, name)
		}
	}
	opt, err := build(lr, base, args)
	if err != nil {
		return nil, err
	}
	if err := opt.validate(); err != nil {
		return nil, err
	}
	return opt, nil
}

// setHypers applies "name=value, ..." settings to the hyper-parameters hs of
// optimizer op.
func setHypers(op string, hs []hyper, args string) error {
	if strings.TrimSpace(args) == "" {
		return nil
	}
	var seen uint64
	for item := range strings.SplitSeq(args, ",") {
		key, val, ok := strings.Cut(item, "=")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if !ok || key == "" {
			return fmt.Errorf("%w: %s: setting %q is not name=value", ErrConfig, op, strings.TrimSpace(item))
		}
		i := indexHyper(hs, key)
		if i < 0 {
			return fmt.Errorf("%w: %s has no parameter %q", ErrConfig, op, key)
		}
		if seen&(1<<i) != 0 {
			return fmt.Errorf("%w: %s: parameter %q set twice", ErrConfig, op, key)
		}
		seen |= 1 << i
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return fmt.Errorf("%w: %s: %s value %q is not a number", ErrValue, op, key, val)
		}
		*hs[i].v = v
	}
	return nil
}

func indexHyper(hs []hyper, name string) int {
	for i, h := range hs {
		if h.name == name {
			return i
		}
	}
	return -1
}
