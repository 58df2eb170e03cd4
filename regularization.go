package ann

import (
	"math"
	"math/rand/v2"
)

// Weight penalties. A network built with L1(λ₁) and L2(λ₂) adds
//
//	λ₁·Σ|w| + ½·λ₂·Σw²
//
// over the kernels of its dense layers (never biases, batch-norm scales or
// offsets) to the loss it minimises, and so λ₁·sign(w) + λ₂·w to each
// kernel gradient. The ½ in the L2 term follows TensorFlow's l2_regularizer
// (scale·nn.l2_loss(w)) and Playground's regularization step w −= lr·λ·w;
// Keras's l2(λ) has no ½, so Keras's λ is half of ours. The penalty is
// added once per step, whatever the batch size and reduction.

// penalize adds the L1/L2 gradient of w to g and returns the penalty.
func penalize(w, g []float32, l1, l2 float32) float64 {
	if l1 == 0 && l2 == 0 {
		return 0
	}
	g = g[:len(w)]
	var sumAbs, sumSq float32
	for i, v := range w {
		s := float32(0)
		switch {
		case v > 0:
			s = 1
		case v < 0:
			s = -1
		}
		sumAbs += s * v
		sumSq += v * v
		g[i] += l1*s + l2*v
	}
	return float64(l1)*float64(sumAbs) + 0.5*float64(l2)*float64(sumSq)
}

// l1ClipStep is L1ClipAtZero's step: w holds the weights after the
// optimizer's step and before the weights before it; each moves by
// −step·sign(before), and one that this carries across zero becomes 0.
func l1ClipStep(w, before []float32, step float32) {
	before = before[:len(w)]
	for i, v := range w {
		var s float32
		switch b := before[i]; {
		case b > 0:
			s = 1
		case b < 0:
			s = -1
		}
		nv := v - step*s
		if v*nv < 0 {
			nv = 0
		}
		w[i] = nv
	}
}

// penalty returns λ₁·Σ|w| + ½·λ₂·Σw² without touching gradients.
func penalty(w []float32, l1, l2 float32) float64 {
	var sumAbs, sumSq float64
	for _, v := range w {
		sumAbs += math.Abs(float64(v))
		sumSq += float64(v) * float64(v)
	}
	return float64(l1)*sumAbs + 0.5*float64(l2)*sumSq
}

// Dropout is inverted dropout: in training each unit is kept with
// probability 1−rate and scaled by 1/(1−rate), so inference needs no
// rescaling and simply passes values through. The mask is drawn from the
// network's seeded generator, so training runs reproduce.

// dropoutForward sets y = x ⊙ mask in training (drawing mask) and y = x
// otherwise. x and y may be the same matrix.
func dropoutForward(x, y Matrix, mask []float32, rate float32, training bool, rng *rand.Rand) {
	if !training || rate == 0 {
		if &x.Data[0] != &y.Data[0] {
			for i := 0; i < x.Rows; i++ {
				copy(y.Data[i*y.Stride:i*y.Stride+y.Cols], x.Data[i*x.Stride:i*x.Stride+x.Cols])
			}
		}
		return
	}
	// Two 32-bit uniforms per 64-bit draw: a unit drops when its uniform
	// is below rate·2³².
	threshold := uint64(float64(rate) * (1 << 32))
	keep := 1 / (1 - rate)
	n := x.Rows * x.Cols
	mask = mask[:n]
	for i := 0; i < n; i += 2 {
		r := rng.Uint64()
		mask[i] = keep
		if r&0xffffffff < threshold {
			mask[i] = 0
		}
		if i+1 < n {
			mask[i+1] = keep
			if r>>32 < threshold {
				mask[i+1] = 0
			}
		}
	}
	for i := 0; i < x.Rows; i++ {
		xr := x.Data[i*x.Stride : i*x.Stride+x.Cols]
		yr := y.Data[i*y.Stride : i*y.Stride+x.Cols]
		mr := mask[i*x.Cols : (i+1)*x.Cols]
		for j, v := range xr {
			yr[j] = v * mr[j]
		}
	}
}

// dropoutBackward sets dx = dy ⊙ mask.
func dropoutBackward(dy, dx Matrix, mask []float32, active bool) {
	for i := 0; i < dy.Rows; i++ {
		dyr := dy.Data[i*dy.Stride : i*dy.Stride+dy.Cols]
		dxr := dx.Data[i*dx.Stride : i*dx.Stride+dy.Cols]
		if !active {
			copy(dxr, dyr)
			continue
		}
		mr := mask[i*dy.Cols : (i+1)*dy.Cols]
		for j, v := range dyr {
			dxr[j] = v * mr[j]
		}
	}
}
