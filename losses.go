package ann

import (
	"fmt"
	"math"
	"strconv"
)

// Loss names a loss function: the per-example error between a network's
// output row and its target row. Training minimises the mean of the
// per-example losses over a batch.
//
// Numerics: the loss values are accumulated in float64 (from the float32
// outputs, targets and logits); gradients are float32.
type Loss uint8

const (
	// MeanSquaredError is, per example, the mean over outputs of (y − t)²,
	// as Keras and TensorFlow's mean_squared_error.
	MeanSquaredError Loss = iota

	// BinaryCrossEntropy is, per example, the mean over outputs of
	// −t·log σ(z) − (1−t)·log(1 − σ(z)), evaluated on the logits z as
	// max(z, 0) − z·t + log1p(e^−|z|) so that it stays finite for any
	// finite z (TensorFlow's sigmoid_cross_entropy_with_logits; Keras's
	// binary_crossentropy averaged over the last axis). It needs a Sigmoid
	// output layer. Targets are 0/1 labels or probabilities in [0, 1].
	BinaryCrossEntropy

	// SoftmaxCrossEntropy is, per example, −Σⱼ tⱼ·log softmax(z)ⱼ =
	// Σⱼ tⱼ·(logsumexp(z) − zⱼ), evaluated on the logits with a max-shifted
	// log-sum-exp; entries with tⱼ = 0 contribute nothing even where zⱼ is
	// −Inf. For one-hot (or any unit-sum) target rows this is
	// logsumexp(z) − Σ t·z, TensorFlow's softmax_cross_entropy_with_logits
	// and Keras's categorical_crossentropy. It needs a Softmax output layer
	// with at least 2 units.
	SoftmaxCrossEntropy

	// MeanAbsoluteError is, per example, the mean over outputs of |y − t|.
	// Its gradient at y = t is 0 (sign(0) = 0, as in TensorFlow).
	MeanAbsoluteError

	// Huber is, per example, the mean over outputs of the Huber loss with
	// δ = 1 of e = y − t: ½e² for |e| ≤ 1, |e| − ½ otherwise (Keras Huber
	// with its default delta).
	Huber

	// HalfSquaredError is TF Playground's loss: per example, the sum (not
	// the mean) over outputs of ½(y − t)².
	HalfSquaredError
)

// numLosses is one past the last valid Loss.
const numLosses = int(HalfSquaredError) + 1

// String returns the loss's name as ParseLoss reads it: "mse",
// "binary_crossentropy", "softmax_crossentropy", "mae", "huber" or
// "half_squared_error". An invalid value prints as "Loss(42)".
func (l Loss) String() string {
	switch l {
	case MeanSquaredError:
		return "mse"
	case BinaryCrossEntropy:
		return "binary_crossentropy"
	case SoftmaxCrossEntropy:
		return "softmax_crossentropy"
	case MeanAbsoluteError:
		return "mae"
	case Huber:
		return "huber"
	case HalfSquaredError:
		return "half_squared_error"
	}
	return "Loss(" + strconv.Itoa(int(l)) + ")"
}

// ParseLoss returns the loss named s, ignoring case, surrounding space, and
// the difference between '-' and '_'. Besides the names String returns it
// accepts the Keras and TensorFlow spellings:
//
//	mean_squared_error                             MeanSquaredError
//	binary_cross_entropy, bce,
//	sigmoid_cross_entropy                          BinaryCrossEntropy
//	categorical_crossentropy, cross_entropy,
//	crossentropy, softmax_cross_entropy,
//	sparse_categorical_crossentropy                SoftmaxCrossEntropy
//	mean_absolute_error                            MeanAbsoluteError
//	huber_loss                                     Huber
//
// (sparse_categorical_crossentropy is the same loss; the network turns class
// ids into one-hot rows.) Any other string gives an error wrapping ErrConfig.
func ParseLoss(s string) (Loss, error) {
	switch name := enumKey(s); name {
	case "mean_squared_error":
		return MeanSquaredError, nil
	case "binary_cross_entropy", "bce", "sigmoid_cross_entropy":
		return BinaryCrossEntropy, nil
	case "categorical_crossentropy", "cross_entropy", "crossentropy",
		"softmax_cross_entropy", "sparse_categorical_crossentropy":
		return SoftmaxCrossEntropy, nil
	case "mean_absolute_error":
		return MeanAbsoluteError, nil
	case "huber_loss":
		return Huber, nil
	default:
		for l := range Loss(numLosses) {
			if l.String() == name {
				return l, nil
			}
		}
	}
	return 0, fmt.Errorf("%w: unknown loss %q", ErrConfig, s)
}

// valid reports whether l is one of the defined losses.
func (l Loss) valid() bool { return int(l) < numLosses }

// fused reports whether eval computes l's gradient with respect to the
// logits in closed form instead of through the activation's backward.
func (l Loss) fused() bool { return l == BinaryCrossEntropy || l == SoftmaxCrossEntropy }

// checkOutput returns an error wrapping ErrConfig when l does not fit an
// output layer of units units with activation act:
//   - l or act is not a defined value, or units < 1;
//   - SoftmaxCrossEntropy without a Softmax output;
//   - BinaryCrossEntropy without a Sigmoid output;
//   - a Softmax output with fewer than 2 units, whatever the loss: a
//     one-unit softmax always outputs 1 and never learns.
//
// The regression losses (MSE, MAE, Huber, half squared error) accept every
// activation, Softmax included (Keras allows MSE on probabilities, and
// backward handles the softmax Jacobian).
func (l Loss) checkOutput(act Activation, units int) error {
	if !l.valid() {
		return fmt.Errorf("%w: unknown loss %v", ErrConfig, l)
	}
	if !act.valid() {
		return fmt.Errorf("%w: unknown output activation %v", ErrConfig, act)
	}
	if units < 1 {
		return fmt.Errorf("%w: loss %v: output layer has %d units", ErrConfig, l, units)
	}
	switch {
	case l == SoftmaxCrossEntropy && act != Softmax:
		return fmt.Errorf("%w: loss %v needs a softmax output layer, not %v", ErrConfig, l, act)
	case l == BinaryCrossEntropy && act != Sigmoid:
		return fmt.Errorf("%w: loss %v needs a sigmoid output layer, not %v", ErrConfig, l, act)
	case act == Softmax && units < 2:
		return fmt.Errorf("%w: a softmax output layer needs at least 2 units, has %d", ErrConfig, units)
	}
	return nil
}

// eval computes a batch's loss and, optionally, its gradient with respect to
// the output layer's pre-activation z. It assumes l.checkOutput(act, z.Cols)
// returned nil, and it does not allocate.
//
//   - z holds the logits (rows×cols); y = act(z) as computed by forward;
//     t the targets (one-hot or unit-sum rows for SoftmaxCrossEntropy, 0/1 or
//     probabilities for BinaryCrossEntropy). Targets are not validated here.
//   - ex: when non-nil (len ≥ rows), ex[i] receives example i's loss.
//   - dz: when dz.Rows > 0, dz receives scale·∂lossᵢ/∂z for each example i
//     (scale = 1 gives the summed loss's gradient, 1/rows the mean's).
//     SoftmaxCrossEntropy uses the fused form scale·(y·Σt − t), which is
//     scale·(y − t) for one-hot rows; BinaryCrossEntropy uses
//     scale·(y − t)/cols. The other losses form scale·∂loss/∂y in dz and
//     pass it through act.backward. dz must not overlap z, y or t.
//
// It returns Σᵢ lossᵢ, accumulated in float64. A NaN anywhere in a row makes
// that row's loss NaN.
//
// sums, when not nil, holds each row's softmax max and sum (m, s) from the
// forward pass (see softmaxRowSum), for the softmax cross entropy.
func (l Loss) eval(z, y, t Matrix, act Activation, alpha float32, ex []float64, dz Matrix, scale float32, sums []float64) float64 {
	rows, cols := z.Rows, z.Cols
	if cols == 0 {
		for i := range min(rows, len(ex)) {
			ex[i] = 0
		}
		return 0
	}
	grad := dz.Rows > 0
	inv := 1 / float64(cols)
	// Per-element gradient factors, rounded to float32 once per call.
	var k float32
	switch l {
	case MeanSquaredError:
		k = 2 * scale / float32(cols)
	case BinaryCrossEntropy, MeanAbsoluteError, Huber:
		k = scale / float32(cols)
	default:
		k = scale
	}
	var total float64
	for i := 0; i < rows; i++ {
		zr := actRow(z, i)
		yr := actRow(y, i)[:len(zr)]
		tr := actRow(t, i)[:len(zr)]
		var dr []float32
		if grad {
			dr = actRow(dz, i)[:len(zr)]
		}
		var li float64
		switch l {
		case MeanSquaredError:
			for j, v := range yr {
				e := float64(v) - float64(tr[j])
				li += e * e
			}
			li *= inv
			for j := range dr {
				dr[j] = k * (yr[j] - tr[j])
			}
		case BinaryCrossEntropy:
			for j, v := range zr {
				zf := float64(v)
				li += max(zf, 0) - zf*float64(tr[j]) + math.Log1p(math.Exp(-math.Abs(zf)))
			}
			li *= inv
			for j := range dr {
				dr[j] = k * (yr[j] - tr[j])
			}
		case SoftmaxCrossEntropy:
			var ts float64
			if sums != nil {
				li, ts = softmaxXentFrom(zr, tr, sums[2*i], sums[2*i+1])
			} else {
				li, ts = softmaxXent(zr, tr)
			}
			tsum := float32(ts)
			for j := range dr {
				dr[j] = k * (yr[j]*tsum - tr[j])
			}
		case MeanAbsoluteError:
			for j, v := range yr {
				li += math.Abs(float64(v) - float64(tr[j]))
			}
			li *= inv
			for j := range dr {
				e := yr[j] - tr[j]
				if e > 0 {
					e = 1
				} else if e < 0 {
					e = -1
				} // else 0 stays 0 and NaN stays NaN
				dr[j] = k * e
			}
		case Huber:
			for j, v := range yr {
				e := math.Abs(float64(v) - float64(tr[j]))
				if e <= 1 {
					li += 0.5 * e * e
				} else {
					li += e - 0.5
				}
			}
			li *= inv
			for j := range dr {
				e := yr[j] - tr[j]
				if e > 1 {
					e = 1
				} else if e < -1 {
					e = -1
				}
				dr[j] = k * e
			}
		case HalfSquaredError:
			for j, v := range yr {
				e := float64(v) - float64(tr[j])
				li += 0.5 * e * e
			}
			for j := range dr {
				dr[j] = k * (yr[j] - tr[j])
			}
		default:
			panic("ann: eval with invalid " + l.String())
		}
		if grad && !l.fused() {
			act.backwardRow(zr, yr, dr, dr, alpha)
		}
		if ex != nil {
			ex[i] = li
		}
		total += li
	}
	return total
}

// softmaxXent returns −Σⱼ tⱼ·log softmax(z)ⱼ for one row, and Σⱼ tⱼ.
func softmaxXent(z, t []float32) (loss, tsum float64) {
	t = t[:len(z)]
	m := float64(z[0])
	for _, v := range z[1:] {
		if float64(v) > m {
			m = float64(v)
		}
	}
	var s float64
	for _, v := range z {
		s += math.Exp(float64(v) - m)
	}
	return softmaxXentFrom(z, t, m, s)
}

// softmaxXentFrom is softmaxXent given the row's max m and
// s = Σ exp(z_j − m), summed in the order softmaxXent sums them: the
// softmax of the forward pass has them (softmaxRowSum), bit for bit.
func softmaxXentFrom(z, t []float32, m, s float64) (loss, tsum float64) {
	t = t[:len(z)]
	// lse − zⱼ = (m − zⱼ) + log s: both terms are ≥ 0, so nothing cancels
	// even when the logits are ±1e30.
	logS := math.Log(s)
	for j, v := range t {
		if v != 0 {
			tf := float64(v)
			loss += tf * ((m - float64(z[j])) + logS)
			tsum += tf
		}
	}
	return loss, tsum
}
