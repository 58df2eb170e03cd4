package ann

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// layerKind says what a layer computes.
type layerKind uint8

const (
	layerDense layerKind = iota
	layerDropout
	layerBatchNorm
)

func (k layerKind) String() string {
	switch k {
	case layerDense:
		return "dense"
	case layerDropout:
		return "dropout"
	case layerBatchNorm:
		return "batch_norm"
	}
	return fmt.Sprintf("layerKind(%d)", int(k))
}

// layer is one stage of a Network. Every layer maps a rows×in batch to a
// rows×out batch; dropout and batch normalization keep the width.
type layer struct {
	kind    layerKind
	in, out int

	// dense: z = x·w + b, y = act(z).
	act   Activation
	alpha float32 // LeakyReLU slope, ELU alpha
	w, dw Matrix  // in×out, views into Network.weights and Network.grads
	b, db []float32
	// maxNorm, when > 0, caps the L2 norm of each unit's incoming weights
	// (a column of w) after every update, as Keras's max_norm(axis=0).
	maxNorm float32

	// dropout: the probability of dropping a unit in training.
	rate float32

	// batch normalization: y = gamma·(x − μ)/√(σ² + eps) + beta, with the
	// batch's μ, σ² in training and the moving averages in inference.
	gamma, beta, dgamma, dbeta []float32
	movingMean, movingVar      []float32
	momentum, eps              float32
}

// storedCount returns the number of floats l's parameters take in
// Network.weights, padding included (see kernelStride and padFloats).
func (l *layer) storedCount() int {
	switch l.kind {
	case layerDense:
		return padFloats((l.in-1)*kernelStride(l.out)+l.out) + padFloats(l.out)
	case layerBatchNorm:
		return 2 * padFloats(l.out)
	}
	return 0
}

// kernelStride is the row stride of a dense kernel with out units: out
// rounded up to a multiple of 16 floats (64 bytes) from 16 units on. Every
// product reads the kernel in rows — the forward pass and batch-1 inference
// stream them — and a 300-float row that starts 48 bytes into a cache line
// makes three of its four 64-byte loads straddle two lines: padded, the
// 784×300 vector-matrix product runs at 57 GFLOP/s instead of 39 (Xeon,
// one thread). Narrower kernels keep their width: a row of at most 15
// floats is one load either way, and padding would multiply their size.
func kernelStride(out int) int {
	if out < 16 {
		return out
	}
	return (out + 15) &^ 15
}

// padFloats rounds n up to a multiple of 16 floats, so that parameters
// laid out one after another in an aligned buffer all start on 64 bytes.
func padFloats(n int) int { return (n + 15) &^ 15 }

// ---------------------------------------------------------------- initialisation

// Initializer sets a dense layer's initial weights. Biases start at the
// initializer's bias value (0 for all but [Uniform]).
type Initializer interface {
	// String names the initializer, e.g. "glorot_uniform".
	String() string
	// fill sets w (fanIn×fanOut values) from rng.
	fill(w []float32, fanIn, fanOut int, rng *rand.Rand)
	// biasValue is the initial value of every bias.
	biasValue() float32
}

type glorot struct{ normal bool }

// GlorotUniform returns Glorot (Xavier) uniform initialisation, TensorFlow's
// default for dense kernels: U(−l, l) with l = √(6/(fanIn+fanOut)).
func GlorotUniform() Initializer { return glorot{} }

// GlorotNormal returns Glorot normal initialisation: N(0, 2/(fanIn+fanOut)),
// truncated at two standard deviations as TensorFlow does.
func GlorotNormal() Initializer { return glorot{normal: true} }

func (g glorot) String() string {
	if g.normal {
		return "glorot_normal"
	}
	return "glorot_uniform"
}

func (g glorot) fill(w []float32, fanIn, fanOut int, rng *rand.Rand) {
	if g.normal {
		fillTruncNormal(w, math.Sqrt(2/float64(fanIn+fanOut)), rng)
		return
	}
	fillUniform(w, math.Sqrt(6/float64(fanIn+fanOut)), rng)
}

func (glorot) biasValue() float32 { return 0 }

type he struct{ normal bool }

// HeUniform returns He uniform initialisation for ReLU networks:
// U(−l, l) with l = √(6/fanIn).
func HeUniform() Initializer { return he{} }

// HeNormal returns He normal initialisation: N(0, 2/fanIn), truncated at
// two standard deviations as TensorFlow does.
func HeNormal() Initializer { return he{normal: true} }

func (h he) String() string {
	if h.normal {
		return "he_normal"
	}
	return "he_uniform"
}

func (h he) fill(w []float32, fanIn, _ int, rng *rand.Rand) {
	if h.normal {
		fillTruncNormal(w, math.Sqrt(2/float64(fanIn)), rng)
		return
	}
	fillUniform(w, math.Sqrt(6/float64(fanIn)), rng)
}

func (he) biasValue() float32 { return 0 }

type uniformInit struct{ limit, bias float64 }

// Uniform returns U(−limit, limit) weights and biases equal to bias.
// TensorFlow Playground initialises with Uniform(0.5, 0.1).
func Uniform(limit, bias float64) Initializer { return uniformInit{limit, bias} }

func (u uniformInit) String() string {
	return fmt.Sprintf("uniform(limit=%v, bias=%v)", u.limit, u.bias)
}

func (u uniformInit) fill(w []float32, _, _ int, rng *rand.Rand) { fillUniform(w, u.limit, rng) }

func (u uniformInit) biasValue() float32 { return float32(u.bias) }

func fillUniform(w []float32, limit float64, rng *rand.Rand) {
	for i := range w {
		w[i] = float32((2*rng.Float64() - 1) * limit)
	}
}

// fillTruncNormal draws N(0, σ²) values, redrawing those beyond 2σ. The
// scale is corrected (÷0.8796) so the truncated distribution keeps σ, as
// TensorFlow's variance_scaling initializers do.
func fillTruncNormal(w []float32, sigma float64, rng *rand.Rand) {
	s := sigma / 0.87962566103423978
	for i := range w {
		v := rng.NormFloat64()
		for math.Abs(v) > 2 {
			v = rng.NormFloat64()
		}
		w[i] = float32(v * s)
	}
}

// ---------------------------------------------------------------- forward and backward

// minParallelSoftmax is the number of softmax outputs from which the rows
// are split between the workers: at 7 ns per float64 exp, a batch of 128
// rows of 10 classes is some 15 µs of work that a two-thread training step
// otherwise spends on one core.
const minParallelSoftmax = 1024

// softmaxJob computes the softmax of the rows of z into y and their max and
// sum of exponentials into sums (softmaxRowSum), a share of the rows per
// part; each row is computed the same way whatever the number of parts.
type softmaxJob struct {
	z, y Matrix
	sums []float64
	fn   func(part, parts int) // part, bound once
}

func (j *softmaxJob) part(p, parts int) {
	i0, i1 := split(j.z.Rows, parts, p)
	for i := i0; i < i1; i++ {
		zr := actRow(j.z, i)
		j.sums[2*i], j.sums[2*i+1] = softmaxRowSum(zr, actRow(j.y, i)[:len(zr)])
	}
}

// forward computes l's output y for input x over a batch. In training,
// dropout draws a new mask into mask and batch norm uses (and records in
// ws) the batch statistics.
func (l *layer) forward(x, z, y Matrix, ws *layerSpace, training bool, rng *rand.Rand) {
	rows := x.Rows
	switch l.kind {
	case layerDense:
		// z = x·W + b and y = f(z) in one product, each tile finished
		// while in L1; softmax needs whole rows and runs after it.
		e := epilogue{bias: l.b, act: l.act, alpha: l.alpha, out: y.Data, ldo: y.Stride, bWritten: training}
		if l.act == Softmax {
			e.out = nil
		}
		if !sgemmSkipZeros(ws.skipJob(), rows, l.out, l.in, x.Data, x.Stride, l.w.Data, l.w.Stride, z.Data, z.Stride, e) {
			sgemmEpilogue(false, false, rows, l.out, l.in, x.Data, x.Stride, l.w.Data, l.w.Stride, z.Data, z.Stride, e)
		}
		if l.act == Softmax {
			if ws.sm == nil {
				ws.sm = new(softmaxJob)
				ws.sm.fn = ws.sm.part
			}
			ws.sm.z, ws.sm.y, ws.sm.sums = z, y, ws.sums
			runParts(partsFor(rows*l.out, minParallelSoftmax), ws.sm.fn)
		}
	case layerDropout:
		dropoutForward(x, y, ws.mask, l.rate, training, rng)
	case layerBatchNorm:
		l.batchNormForward(x, y, ws, training)
	}
}

// backward takes dy, the loss gradient with respect to l's output, and
// accumulates the parameter gradients; when dx.Rows > 0 it also writes the
// gradient with respect to l's input into dx. For a dense layer dy is
// overwritten with the gradient with respect to z, unless fused is set
// (the loss, or the layer above through its dxEpi, has already produced
// ∂L/∂z in dy). dxEpi is the epilogue of the product that computes dx.
func (l *layer) backward(x, z, y, dy, dx Matrix, ws *layerSpace, fused bool, dxEpi epilogue) {
	rows := x.Rows
	switch l.kind {
	case layerDense:
		if !fused {
			l.act.backward(z, y, dy, dy, l.alpha)
		}
		// dW = xᵀ·dz, db = Σ_rows dz, dx = dz·wᵀ.
		if !sgemmSkipZerosGrad(ws.skipJob(), rows, l.in, l.out, x.Data, x.Stride, dy.Data, dy.Stride, l.dw.Data, l.dw.Stride) {
			Sgemm(true, false, l.in, l.out, rows, 1, x.Data, x.Stride, dy.Data, dy.Stride, 0, l.dw.Data, l.dw.Stride)
		}
		columnSums(l.db, dy)
		if dx.Rows > 0 {
			sgemmEpilogue(false, true, rows, l.in, l.out, dy.Data, dy.Stride, l.w.Data, l.w.Stride, dx.Data, dx.Stride, dxEpi)
		}
	case layerDropout:
		if dx.Rows > 0 {
			dropoutBackward(dy, dx, ws.mask, l.rate > 0)
		}
	case layerBatchNorm:
		l.batchNormBackward(dy, dx, ws)
	}
}

// columnSums sets s[j] = Σ_i m[i][j], accumulating in float32 row by row
// (the same order whatever the batch split, so results are reproducible).
func columnSums(s []float32, m Matrix) {
	n := m.Cols
	s = s[:n]
	clear(s)
	row := func(i int) []float32 { return m.Data[i*m.Stride : i*m.Stride+n] }
	i := 0
	// Four rows per pass over s, added left to right (Go does not
	// reassociate), so each s[j] takes the rows in the same order as one
	// at a time with a quarter of the loads and stores of s: the bias
	// gradients of a batch-128 step went from 5 % of its time to <2 %.
	for ; i+4 <= m.Rows; i += 4 {
		r0, r1, r2, r3 := row(i), row(i+1), row(i+2), row(i+3)
		for j := range s {
			s[j] = s[j] + r0[j] + r1[j] + r2[j] + r3[j]
		}
	}
	for ; i < m.Rows; i++ {
		for j, v := range row(i) {
			s[j] += v
		}
	}
}

// applyMaxNorm rescales each column of w whose L2 norm exceeds c to norm c.
func applyMaxNorm(w Matrix, c float32, norms []float32) {
	norms = norms[:w.Cols]
	clear(norms)
	for i := 0; i < w.Rows; i++ {
		for j, v := range w.Data[i*w.Stride : i*w.Stride+w.Cols] {
			norms[j] += v * v
		}
	}
	for j, ss := range norms {
		n := float32(math.Sqrt(float64(ss)))
		norms[j] = 1
		if n > c {
			norms[j] = c / n
		}
	}
	for i := 0; i < w.Rows; i++ {
		row := w.Data[i*w.Stride : i*w.Stride+w.Cols]
		for j := range row {
			row[j] *= norms[j]
		}
	}
}
