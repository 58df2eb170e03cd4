package ann

// TEMPORARY: stand-ins for activations.go/losses.go until the real files merge.

import (
	"fmt"
	"math"
)

type Activation uint8

const (
	Identity Activation = iota
	ReLU
	PiecewiseLinear
	Sigmoid
	Tanh
	LeakyReLU
	Softmax
	ELU
	GELU
	SiLU
	Softplus
)

var actNames = []string{"identity", "relu", "piecewise_linear", "sigmoid", "tanh", "leaky_relu", "softmax", "elu", "gelu", "silu", "softplus"}

func (a Activation) String() string { return actNames[a] }
func ParseActivation(s string) (Activation, error) {
	for i, n := range actNames {
		if n == s {
			return Activation(i), nil
		}
	}
	switch s {
	case "relu":
		return ReLU, nil
	case "tanh":
		return Tanh, nil
	case "identity":
		return Identity, nil
	case "softmax":
		return Softmax, nil
	case "sigmoid":
		return Sigmoid, nil
	}
	return 0, fmt.Errorf("%w: activation %q", ErrConfig, s)
}
func (a Activation) valid() bool { return a <= Softplus }
func (a Activation) defaultAlpha() float32 {
	if a == LeakyReLU {
		return 0.2
	}
	return 0
}
func (a Activation) forward(x, y Matrix, alpha float32) {
	for i := 0; i < x.Rows; i++ {
		xr, yr := x.Row(i), y.Row(i)
		switch a {
		case ReLU:
			for j, v := range xr {
				yr[j] = max(v, 0)
			}
		case Tanh:
			for j, v := range xr {
				yr[j] = float32(math.Tanh(float64(v)))
			}
		case Sigmoid:
			for j, v := range xr {
				yr[j] = float32(1 / (1 + math.Exp(-float64(v))))
			}
		case Softmax:
			m := xr[0]
			for _, v := range xr {
				m = max(m, v)
			}
			var s float64
			for j, v := range xr {
				e := math.Exp(float64(v - m))
				yr[j] = float32(e)
				s += e
			}
			for j := range yr {
				yr[j] = float32(float64(yr[j]) / s)
			}
		default:
			copy(yr, xr)
		}
	}
}
func (a Activation) backward(x, y, dy, dx Matrix, alpha float32) {
	for i := 0; i < x.Rows; i++ {
		xr, yr, dyr, dxr := x.Row(i), y.Row(i), dy.Row(i), dx.Row(i)
		switch a {
		case ReLU:
			for j, v := range xr {
				if v > 0 {
					dxr[j] = dyr[j]
				} else {
					dxr[j] = 0
				}
			}
		case Tanh:
			for j, v := range yr {
				dxr[j] = dyr[j] * (1 - v*v)
			}
		case Sigmoid:
			for j, v := range yr {
				dxr[j] = dyr[j] * v * (1 - v)
			}
		default:
			copy(dxr, dyr)
		}
	}
}

type Loss uint8

const (
	MeanSquaredError Loss = iota
	BinaryCrossEntropy
	SoftmaxCrossEntropy
	MeanAbsoluteError
	Huber
	HalfSquaredError
)

var lossNames = []string{"mse", "binary_crossentropy", "softmax_crossentropy", "mae", "huber", "half_squared_error"}

func (l Loss) String() string { return lossNames[l] }
func ParseLoss(s string) (Loss, error) {
	for i, n := range lossNames {
		if n == s {
			return Loss(i), nil
		}
	}
	return 0, fmt.Errorf("%w: loss %q", ErrConfig, s)
}
func (l Loss) valid() bool { return l <= HalfSquaredError }
func (l Loss) checkOutput(act Activation, units int) error {
	if l == SoftmaxCrossEntropy && (act != Softmax || units < 2) {
		return fmt.Errorf("%w: softmax cross entropy needs softmax", ErrConfig)
	}
	return nil
}
func (l Loss) eval(z, y, t Matrix, act Activation, alpha float32, ex []float64, dz Matrix, scale float32) float64 {
	var sum float64
	for i := 0; i < z.Rows; i++ {
		zr, yr, tr := z.Row(i), y.Row(i), t.Row(i)
		var li float64
		switch l {
		case SoftmaxCrossEntropy:
			m := zr[0]
			for _, v := range zr {
				m = max(m, v)
			}
			var s, tz float64
			for j, v := range zr {
				s += math.Exp(float64(v - m))
				tz += float64(tr[j]) * float64(v-m)
			}
			li = math.Log(s) - tz
			if dz.Rows > 0 {
				d := dz.Row(i)
				for j := range d {
					d[j] = scale * (yr[j] - tr[j])
				}
			}
		default:
			for j := range yr {
				e := float64(yr[j] - tr[j])
				if l == HalfSquaredError {
					li += 0.5 * e * e
				} else {
					li += e * e / float64(len(yr))
				}
			}
			if dz.Rows > 0 {
				d := dz.Row(i)
				for j := range d {
					if l == HalfSquaredError {
						d[j] = scale * (yr[j] - tr[j])
					} else {
						d[j] = scale * 2 * (yr[j] - tr[j]) / float32(len(yr))
					}
				}
			}
		}
		if ex != nil {
			ex[i] = li
		}
		sum += li
	}
	if dz.Rows > 0 && l != SoftmaxCrossEntropy {
		act.backward(z, y, dz, dz, alpha)
	}
	return sum
}
