package ann

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Activation names an activation function applied element by element to a
// layer's pre-activation (Softmax: to each row as a whole).
//
// Numerics: inputs and outputs are float32. Functions that need exp, erf,
// tanh or log evaluate them in float64 through package math and round the
// result once to float32, so they are correctly rounded up to float64's own
// error. NaN inputs give NaN outputs for every function; the doc of each
// constant states its values at 0 and ±Inf where a formula alone would be
// ambiguous. The zero value is Identity.
type Activation uint8

const (
	// Identity is f(x) = x (TF Playground and Keras "linear").
	Identity Activation = iota

	// ReLU is f(x) = max(x, 0). f(NaN) = NaN (the comparison is written
	// so that NaN passes through, as in PyTorch and current TensorFlow,
	// rather than being silently clamped to 0). f'(0) = 0, as in
	// TensorFlow's ReluGrad.
	ReLU

	// PiecewiseLinear is the tutorial's saturating linear unit:
	//
	//	f(x) = 0        for x < −0.5
	//	f(x) = x + 0.5  for −0.5 ≤ x ≤ 0.5
	//	f(x) = 1        for x > 0.5
	//
	// that is, clamp(x + 0.5, 0, 1). f'(x) = 1 on the closed interval
	// [−0.5, 0.5] (both kinks included) and 0 outside it. It is not TF
	// Playground's "linear", which is Identity.
	PiecewiseLinear

	// Sigmoid is the logistic function 1/(1 + e⁻ˣ), evaluated without
	// overflow for large |x|: f(+Inf) = 1, f(−Inf) = 0, and f(−100)
	// is the subnormal float32 nearest e⁻¹⁰⁰.
	Sigmoid

	// Tanh is the hyperbolic tangent, evaluated through expm1 (see
	// tanhRow); f(±Inf) = ±1.
	Tanh

	// LeakyReLU is f(x) = x for x ≥ 0 and α·x for x < 0, with α the
	// layer's alpha (default 0.2, as tf.nn.leaky_relu; Keras's LeakyReLU
	// layer defaults to 0.3). f'(0) = α, as in TensorFlow's LeakyReluGrad.
	LeakyReLU

	// Softmax is exp(xᵢ)/Σⱼexp(xⱼ) over each row, computed as
	// exp(xᵢ − max) in float64. A row holding +Inf, or holding only −Inf,
	// becomes all NaN (∞ − ∞), as in TensorFlow: such logits mean the
	// network has already diverged, and NaN says so. A −Inf entry in an
	// otherwise finite row gets exactly 0.
	Softmax

	// ELU is f(x) = x for x ≥ 0 and α·(eˣ − 1) for x < 0, with α the
	// layer's alpha (default 1, as Keras and tf.nn.elu). f(−Inf) = −α.
	// f'(0) = 1, as in TensorFlow's EluGrad.
	ELU

	// GELU is the exact Gaussian error linear unit x·Φ(x) =
	// ½·x·erfc(−x/√2), Keras's default (approximate=False), not the tanh
	// approximation. f(−Inf) = 0, f(+Inf) = +Inf.
	GELU

	// SiLU is x·sigmoid(x), also called swish (Keras "silu"/"swish").
	// f(−Inf) = 0, f(+Inf) = +Inf.
	SiLU

	// Softplus is log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|) so
	// that it neither overflows for large x nor loses e^x for very
	// negative x. f(−Inf) = 0, f(+Inf) = +Inf.
	Softplus
)

// numActivations is one past the last valid Activation.
const numActivations = int(Softplus) + 1

// String returns the activation's name as ParseActivation reads it:
// "identity", "relu", "piecewise_linear", "sigmoid", "tanh", "leaky_relu",
// "softmax", "elu", "gelu", "silu" or "softplus". An invalid value prints as
// "Activation(42)".
func (a Activation) String() string {
	switch a {
	case Identity:
		return "identity"
	case ReLU:
		return "relu"
	case PiecewiseLinear:
		return "piecewise_linear"
	case Sigmoid:
		return "sigmoid"
	case Tanh:
		return "tanh"
	case LeakyReLU:
		return "leaky_relu"
	case Softmax:
		return "softmax"
	case ELU:
		return "elu"
	case GELU:
		return "gelu"
	case SiLU:
		return "silu"
	case Softplus:
		return "softplus"
	}
	return "Activation(" + strconv.Itoa(int(a)) + ")"
}

// ParseActivation returns the activation named s, ignoring case, surrounding
// space, and the difference between '-' and '_'. Besides the names String
// returns, it accepts "linear" (Identity, the Keras and TF Playground name),
// "swish" (SiLU) and "leakyrelu". Any other string gives an error wrapping
// ErrConfig.
func ParseActivation(s string) (Activation, error) {
	name := enumKey(s)
	switch name {
	case "linear":
		return Identity, nil
	case "swish":
		return SiLU, nil
	case "leakyrelu":
		return LeakyReLU, nil
	}
	for a := range Activation(numActivations) {
		if a.String() == name {
			return a, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown activation %q", ErrConfig, s)
}

// enumKey normalises a user-written enum name for lookup.
func enumKey(s string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_")
}

// valid reports whether a is one of the defined activations.
func (a Activation) valid() bool { return int(a) < numActivations }

// defaultAlpha returns the parameter used when a layer does not set one: 0.2
// for LeakyReLU (tf.nn.leaky_relu), 1 for ELU (tf.nn.elu, Keras), and 0 for
// the activations that take no parameter.
func (a Activation) defaultAlpha() float32 {
	switch a {
	case LeakyReLU:
		return 0.2
	case ELU:
		return 1
	}
	return 0
}

// actRow returns row i of m, sliced to m.Cols with its capacity capped, so a
// row loop can never touch the padding between rows.
func actRow(m Matrix, i int) []float32 {
	off := i * m.Stride
	return m.Data[off : off+m.Cols : off+m.Cols]
}

// forward sets y = f(x) over a rows×cols batch (Softmax: per row,
// max-subtracted). x and y have the same shape but their own strides; they
// may be the same Matrix (in place), but must not overlap otherwise. alpha is
// LeakyReLU's slope or ELU's α and is ignored by the other functions. It does
// not allocate.
func (a Activation) forward(x, y Matrix, alpha float32) {
	if x.Cols == 0 {
		return
	}
	for i := 0; i < x.Rows; i++ {
		xr := actRow(x, i)
		a.forwardRow(xr, actRow(y, i)[:len(xr)], alpha)
	}
}

// forwardRow is forward on one row; len(y) == len(x).
//
// Each function's loop lives in its own small function: inside one large
// switch, the loops around math.Exp measured two to four times slower,
// because every call then saves and restores the whole frame's live values.
func (a Activation) forwardRow(x, y []float32, alpha float32) {
	y = y[:len(x)]
	switch a {
	case Identity:
		copy(y, x)
	case ReLU:
		reluRow(x, y)
	case PiecewiseLinear:
		piecewiseRow(x, y)
	case Sigmoid:
		sigmoidRow(x, y)
	case Tanh:
		tanhRow(x, y)
	case LeakyReLU:
		leakyRow(x, y, alpha)
	case Softmax:
		softmaxRow(x, y)
	case ELU:
		eluRow(x, y, alpha)
	case GELU:
		geluRow(x, y)
	case SiLU:
		siluRow(x, y)
	case Softplus:
		softplusRow(x, y)
	default:
		panic("ann: forward with invalid " + a.String())
	}
}

// The piecewise-linear units (ReLU, leaky ReLU, the piecewise-linear unit)
// see pre-activations of random sign, where a branch per element is
// mispredicted half the time (about 4× slower than the branch-free forms
// below on such data). Go's float max/min and the bit selects compile to
// branch-free code; the rare NaN test is a well-predicted branch.

// positiveMask is all ones when v > 0 and zero otherwise (NaN included).
func positiveMask(v float32) uint32 {
	m := uint32(0)
	if v > 0 {
		m = ^uint32(0)
	}
	return m
}

func reluRow(x, y []float32) {
	y = y[:len(x)]
	for j, v := range x {
		y[j] = max(v, 0) // NaN passes through; −0 becomes +0
	}
}

func piecewiseRow(x, y []float32) {
	y = y[:len(x)]
	for j, v := range x {
		y[j] = min(max(v+0.5, 0), 1) // NaN passes through
	}
}

// sigmoidRow computes 1/(1+e⁻ˣ) without overflow: with e = e^−|x| ≤ 1,
// σ(|x|) = 1/(1+e) and σ(−|x|) = e·σ(|x|). One exp of a non-positive
// argument and a select measure faster than branching between 1/(1+e⁻ˣ)
// and eˣ/(1+eˣ). NaN stays NaN; ±Inf give 1 and 0.
func sigmoidRow(x, y []float32) {
	y = y[:len(x)]
	for j, v := range x {
		e := math.Exp(-math.Abs(float64(v)))
		s := 1 / (1 + e)
		if v < 0 {
			s *= e
		}
		y[j] = float32(s)
	}
}

// tanhRow computes tanh(x) = sign(x)·(−m)/(2 + m) with m = expm1(−2|x|) in
// (−1, 0]: m keeps its relative accuracy near 0 and 2 + m ≥ 1, so the
// quotient is accurate to a few float64 ulps everywhere, and it measures
// about twice as fast as math.Tanh. ±Inf give ±1, ±0 give ±0.
func tanhRow(x, y []float32) {
	y = y[:len(x)]
	for j, v := range x {
		m := math.Expm1(-2 * math.Abs(float64(v)))
		y[j] = float32(math.Copysign(-m/(2+m), float64(v)))
	}
}

func leakyRow(x, y []float32, alpha float32) {
	y = y[:len(x)]
	for j, v := range x {
		neg := positiveMask(-v) // v < 0; NaN and −0 keep v
		y[j] = math.Float32frombits(math.Float32bits(v*alpha)&neg | math.Float32bits(v)&^neg)
	}
}

// softmaxRow sets y = softmax(x) for one row; y may be x.
func softmaxRow(x, y []float32) { softmaxRowSum(x, y) }

// softmaxRowSum is softmaxRow that also returns the row's max m and
// s = Σ exp(x_j − m), the sum it normalised by, so the cross-entropy of the
// same row needs no exponential of its own (see softmaxXentFrom).
func softmaxRowSum(x, y []float32) (m64, s float64) {
	if len(x) == 0 {
		return 0, 0
	}
	y = y[:len(x)]
	// float64(v) − float64(m) is exact, so each exponent is the true
	// difference; the sum in float64 keeps the normalisation error at one
	// rounding however long the row.
	m64 = float64(rowMax(x))
	for j, v := range x {
		e := math.Exp(float64(v) - m64)
		y[j] = float32(e)
		s += e
	}
	inv := 1 / s
	for j, v := range y {
		y[j] = float32(float64(v) * inv)
	}
	return m64, s
}

// eluRow computes α·expm1(x) for x < 0 in float64, one rounding.
func eluRow(x, y []float32, alpha float32) {
	y = y[:len(x)]
	a64 := float64(alpha)
	for j, v := range x {
		if v < 0 {
			v = float32(a64 * math.Expm1(float64(v)))
		}
		y[j] = v
	}
}

// geluRow computes x·Φ(x) = ½·x·erfc(−x/√2); erfc keeps Φ's relative
// accuracy in the left tail, where 1 + erf(x/√2) would cancel.
func geluRow(x, y []float32) {
	y = y[:len(x)]
	for j, v := range x {
		g := 0.0 // x < −40: Φ(x) < 1e-349 underflows; avoids −Inf·0 = NaN
		if v64 := float64(v); !(v64 < -40) {
			g = 0.5 * v64 * math.Erfc(-v64*(1/math.Sqrt2))
		}
		y[j] = float32(g)
	}
}

// siluRow computes x·σ(x) with σ formed as in sigmoidRow.
func siluRow(x, y []float32) {
	y = y[:len(x)]
	for j, v := range x {
		v64 := float64(v)
		e := math.Exp(-math.Abs(v64))
		s := 1 / (1 + e)
		if v < 0 {
			s *= e
		}
		r := v64 * s
		if s == 0 { // x < −745 or −Inf: the limit 0, not −Inf·0
			r = 0
		}
		y[j] = float32(r)
	}
}

// softplusRow computes log(1 + eˣ) = max(x, 0) + log1p(e^−|x|).
func softplusRow(x, y []float32) {
	y = y[:len(x)]
	for j, v := range x {
		v64 := float64(v)
		y[j] = float32(max(v64, 0) + math.Log1p(math.Exp(-math.Abs(v64))))
	}
}

// backward sets dx = dy ⊙ f'(x) over a rows×cols batch, given the
// pre-activation x, the output y = f(x) from forward, and the upstream
// gradient dy. Softmax uses its Jacobian per row: dxᵢ = yᵢ·(dyᵢ − Σⱼ dyⱼ·yⱼ).
// dx may be the same Matrix as dy; no other overlap is allowed. It does not
// allocate.
//
// Which of x and y each function reads: Sigmoid (y·(1−y)), Tanh (1−y²) and
// Softmax use y, as TensorFlow's gradient kernels do; ELU uses y + α for
// x < 0 (= α·eˣ, saving an exp); ReLU, LeakyReLU and PiecewiseLinear
// test x; GELU, SiLU and Softplus evaluate f'(x) in float64 from x.
//
// NaN: where x (or y) is NaN, dx is NaN for every function except Identity,
// whose derivative is the constant 1 and which copies dy. Where a piecewise
// function is flat (ReLU for x ≤ 0, PiecewiseLinear outside [−0.5, 0.5]),
// dx is exactly 0 even if dy is NaN or ±Inf there.
func (a Activation) backward(x, y, dy, dx Matrix, alpha float32) {
	if x.Cols == 0 {
		return
	}
	for i := 0; i < x.Rows; i++ {
		xr := actRow(x, i)
		n := len(xr)
		a.backwardRow(xr, actRow(y, i)[:n], actRow(dy, i)[:n], actRow(dx, i)[:n], alpha)
	}
}

// backwardRow is backward on one row; all four slices have the same length.
func (a Activation) backwardRow(x, y, dy, dx []float32, alpha float32) {
	n := len(x)
	y, dy, dx = y[:n], dy[:n], dx[:n]
	switch a {
	case Identity:
		copy(dx, dy)
	case ReLU:
		reluGradRow(x, dy, dx)
	case PiecewiseLinear:
		piecewiseGradRow(x, dy, dx)
	case Sigmoid:
		for j, s := range y {
			dx[j] = dy[j] * (s * (1 - s))
		}
	case Tanh:
		for j, s := range y {
			dx[j] = dy[j] * (1 - s*s)
		}
	case LeakyReLU:
		leakyGradRow(x, dy, dx, alpha)
	case Softmax:
		softmaxGradRow(y, dy, dx)
	case ELU:
		eluGradRow(x, y, dy, dx, alpha)
	case GELU:
		geluGradRow(x, dy, dx)
	case SiLU:
		siluGradRow(x, dy, dx)
	case Softplus:
		softplusGradRow(x, dy, dx)
	default:
		panic("ann: backward with invalid " + a.String())
	}
}

func reluGradRow(x, dy, dx []float32) {
	dy, dx = dy[:len(x)], dx[:len(x)]
	for j, v := range x {
		g := math.Float32frombits(math.Float32bits(dy[j]) & positiveMask(v))
		if v != v {
			g = v
		}
		dx[j] = g
	}
}

func piecewiseGradRow(x, dy, dx []float32) {
	dy, dx = dy[:len(x)], dx[:len(x)]
	for j, v := range x {
		// Inside [−0.5, 0.5] exactly when 0.5 − |v| ≥ 0, i.e. not > 0 for
		// the negation.
		inside := ^positiveMask(math.Float32frombits(math.Float32bits(v)&^(1<<31)) - 0.5)
		g := math.Float32frombits(math.Float32bits(dy[j]) & inside)
		if v != v {
			g = v
		}
		dx[j] = g
	}
}

func leakyGradRow(x, dy, dx []float32, alpha float32) {
	dy, dx = dy[:len(x)], dx[:len(x)]
	for j, v := range x {
		g, m := dy[j], positiveMask(v)
		g = math.Float32frombits(math.Float32bits(g)&m | math.Float32bits(g*alpha)&^m)
		if v != v {
			g = v
		}
		dx[j] = g
	}
}

// softmaxGradRow computes dxᵢ = yᵢ·(dyᵢ − Σⱼ dyⱼ·yⱼ) in float64; the dot is
// formed before dx is written, so dx may alias dy.
func softmaxGradRow(y, dy, dx []float32) {
	dy, dx = dy[:len(y)], dx[:len(y)]
	var dot float64
	for j, s := range y {
		dot += float64(dy[j]) * float64(s)
	}
	for j, s := range y {
		dx[j] = float32(float64(s) * (float64(dy[j]) - dot))
	}
}

// eluGradRow uses f'(x) = y + α for x < 0, which is α·eˣ without an exp.
func eluGradRow(x, y, dy, dx []float32, alpha float32) {
	y, dy, dx = y[:len(x)], dy[:len(x)], dx[:len(x)]
	for j, v := range x {
		g := dy[j]
		if v < 0 {
			g *= y[j] + alpha
		} else if v != v {
			g = v
		}
		dx[j] = g
	}
}

// geluGradRow uses d/dx x·Φ(x) = Φ(x) + x·φ(x).
func geluGradRow(x, dy, dx []float32) {
	dy, dx = dy[:len(x)], dx[:len(x)]
	const invSqrt2Pi = 0.3989422804014327 // 1/√(2π)
	for j, v := range x {
		v64 := float64(v)
		var d float64
		switch {
		case v64 < -40: // both terms underflow; avoids −Inf·0 at x = −Inf
			d = 0
		case v64 > 40: // Φ = 1 and x·φ(x) underflows; avoids +Inf·0
			d = 1
		default:
			d = 0.5*math.Erfc(-v64*(1/math.Sqrt2)) + v64*invSqrt2Pi*math.Exp(-0.5*v64*v64)
		}
		dx[j] = float32(float64(dy[j]) * d)
	}
}

// siluGradRow uses d/dx x·σ(x) = σ·(1 + x·(1 − σ)), with σ and 1 − σ both
// formed from e = e^−|x|, so each keeps its relative accuracy in both tails.
func siluGradRow(x, dy, dx []float32) {
	dy, dx = dy[:len(x)], dx[:len(x)]
	for j, v := range x {
		v64 := float64(v)
		e := math.Exp(-math.Abs(v64))
		p := 1 / (1 + e) // σ(|x|)
		q := e * p       // 1 − σ(|x|)
		if v < 0 {
			p, q = q, p
		}
		d := p * (1 + v64*q)
		if e == 0 { // |x| > 745 or ±Inf: the limits 1 and 0, not ±Inf·0
			d = 0
			if v > 0 {
				d = 1
			}
		}
		dx[j] = float32(float64(dy[j]) * d)
	}
}

// softplusGradRow uses softplus' = σ, formed as in sigmoidRow.
func softplusGradRow(x, dy, dx []float32) {
	dy, dx = dy[:len(x)], dx[:len(x)]
	for j, v := range x {
		e := math.Exp(-math.Abs(float64(v)))
		s := 1 / (1 + e)
		if v < 0 {
			s *= e
		}
		dx[j] = float32(float64(dy[j]) * s)
	}
}

// rowMax returns the largest element of a non-empty row (the first when all
// compare false: NaN stays only when it comes first).
func rowMax(x []float32) float32 {
	m := x[0]
	for _, v := range x[1:] {
		if v > m {
			m = v
		}
	}
	return m
}
