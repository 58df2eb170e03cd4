package ann

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
)

// Post-training int8 quantization.
//
// A QuantizedNetwork runs every dense layer as an integer product: uint8
// activations times int8 weights summed exactly in int32 by the active int8
// kernel (int8.go), then dequantized to float32 where the bias and the
// layer's activation are applied as the float network applies them. The
// arithmetic of one dense layer of n inputs, for a row x and unit j:
//
//	x_q[p]  = clamp(roundEven(x[p]·(1/s_x)) + zp, 0, 255)    (uint8)
//	acc[j]  = Σ_p x_q[p]·w_q[p][j] − zp·colsum[j]            (int32, exact)
//	        = Σ_p (x_q[p] − zp)·w_q[p][j]
//	z[j]    = float32(acc[j])·(s_x·s_w[j]) + b[j]             (float32)
//	y[j]    = act(z)[j]                                       (float32)
//
// Weights are int8, symmetric (zero point 0, values in [−127, 127]), with
// one scale per output unit: s_w[j] = max_p |w[p][j]| / 127. Biases stay
// float32: they are added after dequantization, where an int32 bias would
// only add a second rounding. Activations are uint8 with a zero point, over
// a range that always contains 0 (so that 0, the value ReLU produces most,
// is exact): s_x = (hi − lo)/255 and zp = roundEven(−lo/s_x), so a
// non-negative input (after ReLU, sigmoid, softplus, or MNIST pixels) gets
// zp = 0 and all 256 levels on [0, hi].
//
// Where the range comes from is the mode:
//
//   - static (StaticQuantization): each layer's input range is the minimum
//     and maximum it takes on the calibration batch, run through the float
//     network; inputs outside it saturate at 0 or 255. No work is added at
//     run time beyond the rounding. The range is not clipped to a
//     percentile: with min/max the MNIST network lost no accuracy at all
//     (TestQuantizeMNIST), so clipping had nothing to win there and would
//     saturate the rare large activations that decide some images.
//   - dynamic (DynamicQuantization, as PyTorch's quantize_dynamic): each
//     row's range is measured when it is quantized, before every layer, so
//     nothing saturates and no calibration data is needed; it costs one
//     extra pass over each layer's input.
//
// The default is static; see defaultDynamic for the measurements behind
// that choice.
//
// Before quantizing, the network is folded into dense layers only: dropout
// (the identity in inference) is removed; a batch normalization (inference
// form, y = a·x + c per unit with the moving statistics) that follows a
// dense layer whose activation is Identity is folded into that layer's
// columns (w[:, j]·a[j], b[j]·a[j] + c[j]); any other batch normalization
// follows an activation, so it is folded into the next dense layer's rows
// (w[p, :]·a[p], b + c·w) — both exact in real arithmetic. The input Scaler,
// and batch normalizations before the first dense layer, are not folded
// into the weights: features of very different ranges would then share one
// activation scale. They are applied in float32 to each input row in the
// same pass that quantizes it ((x − offset)·scale, then the per-feature
// affine map of the batch norms), which costs one multiply-add per input.
// Every layer of a Network can be represented this way; a dense layer with
// more than maxInt8Depth inputs (about 65 000, past which an int32 sum could
// overflow) cannot and is refused with ErrConfig.

// defaultDynamic says whether Quantize uses dynamic quantization when no
// mode is given. Static is the default, for speed at equal accuracy. On
// MNIST (ann mnist's [784 → 300 → 100 → 10] ReLU network, 1,500 steps of
// Adam; TestQuantizeMNIST) both modes lose nothing measurable: float
// 0.9747, static 0.9747, dynamic 0.9750, classes agreeing on 99.98 % and
// 99.97 % of the test images. Dynamic pays a range scan and a scale per row
// before every layer: with the AVX-512 VNNI kernels (and their vector range
// scan) static ran batch 1 in 3.2–3.3 µs against dynamic's 4.6–4.8 µs, and
// batch 1000 at 0.75–0.77 M samples/s against 0.66 M (one thread, Xeon
// model 207, scripts/int8/compare.sh and BenchmarkPredictQuantized).
// Dynamic is the better choice when inputs
// may leave the calibration range (static saturates them) or no
// representative data is at hand; on the heavy-tailed synthetic set of
// TestQuantizeAgreesWithFloat it agreed with the float network on 99.9 %
// of rows against static's 99.75 %. Static's ONNX export is also the
// faithful one (see ExportONNX).
const defaultDynamic = false

// quantizeConfig collects the QuantizeOptions.
type quantizeConfig struct {
	dynamic bool
}

// A QuantizeOption adjusts Quantize; see StaticQuantization and
// DynamicQuantization.
type QuantizeOption func(*quantizeConfig)

// StaticQuantization makes Quantize take every layer's activation range
// from the calibration data once (min and max over the batch, widened to
// contain 0); it is the default. The calibration data must have at least
// one row.
func StaticQuantization() QuantizeOption {
	return func(c *quantizeConfig) { c.dynamic = false }
}

// DynamicQuantization makes the quantized network measure each row's
// activation range at run time, before every layer, as PyTorch's
// quantize_dynamic does. The calibration data may then be empty (Matrix{}).
func DynamicQuantization() QuantizeOption {
	return func(c *quantizeConfig) { c.dynamic = true }
}

// qLayer is one quantized dense layer.
type qLayer struct {
	in, out int
	act     Activation
	alpha   float32
	w       []int8    // in×out, row-major, values in [−127, 127]
	wScale  []float32 // per output unit
	bias    []float32
	colSum  []int32 // Σ_p w[p][j]
	// Static mode: the quantization of this layer's input.
	inScale, inInv float32
	inZero         int32
}

// qPacking is a network's weights packed for one int8 kernel.
type qPacking struct {
	kern *int8Kernel
	w    [][]byte
}

// qScratch is one goroutine's workspace for a chunk of rows.
type qScratch struct {
	xq  []uint8
	acc []int32
	f   []float32
	sx  []float32
	zp  []int32
}

// QuantizedNetwork is a trained Network with int8 weights (symmetric, one
// scale per output unit) and uint8 activations, made by Network.Quantize or
// loaded by LoadQuantized; see quantize.go for the arithmetic. Its outputs
// mean what the float network's do (probabilities for a softmax or sigmoid
// output, values otherwise). Predict, PredictInto and PredictClass may be
// called from many goroutines at once; Save and ExportONNX only read it.
type QuantizedNetwork struct {
	inputs  int
	dynamic bool
	// The input stage, x' = (x − inOff)·inMul + inAdd per feature: the
	// Scaler and any batch norm before the first dense layer; nil when it
	// is the identity.
	inOff, inMul, inAdd []float32
	layers              []qLayer
	meta                Meta
	maxW                int
	chunk               int

	packMu sync.Mutex
	packed atomic.Pointer[qPacking]
	packs  []*qPacking

	scratchMu sync.Mutex
	free      []*qScratch
}

// fLayer is a dense layer of the folded float network.
type fLayer struct {
	in, out int
	w       []float32 // in×out
	b       []float32
	act     Activation
	alpha   float32
}

// foldedNet is a Network reduced to its input stage and dense layers.
type foldedNet struct {
	inputs              int
	inOff, inMul, inAdd []float32
	layers              []fLayer
}

// fold reduces n to dense layers (see quantize.go's comment).
func (n *Network) fold() (*foldedNet, error) {
	f := &foldedNet{inputs: n.cfg.Inputs}
	if s := n.scaler; s != nil {
		f.inOff = append([]float32(nil), s.Offset...)
		f.inMul = append([]float32(nil), s.Scale...)
		f.inAdd = make([]float32, n.cfg.Inputs)
	}
	var pendMul, pendAdd []float32 // an affine map waiting for the next dense layer
	for i, l := range n.layers {
		switch l.kind {
		case layerDropout:
		case layerBatchNorm:
			a, c := make([]float32, l.out), make([]float32, l.out)
			for j := range a {
				inv := float32(1 / math.Sqrt(float64(l.movingVar[j]+l.eps)))
				a[j] = l.gamma[j] * inv
				c[j] = l.beta[j] - l.movingMean[j]*l.gamma[j]*inv
			}
			switch {
			case len(f.layers) == 0:
				if f.inMul == nil {
					f.inOff, f.inMul, f.inAdd = make([]float32, l.out), make([]float32, l.out), make([]float32, l.out)
					for j := range f.inMul {
						f.inMul[j] = 1
					}
				}
				for j := range a {
					f.inMul[j] *= a[j]
					f.inAdd[j] = f.inAdd[j]*a[j] + c[j]
				}
			case pendMul == nil && f.layers[len(f.layers)-1].act == Identity:
				d := &f.layers[len(f.layers)-1]
				for p := 0; p < d.in; p++ {
					row := d.w[p*d.out : (p+1)*d.out]
					for j := range row {
						row[j] *= a[j]
					}
				}
				for j := range d.b {
					d.b[j] = d.b[j]*a[j] + c[j]
				}
			default:
				if pendMul == nil {
					pendMul, pendAdd = a, c
					continue
				}
				for j := range a {
					pendMul[j] *= a[j]
					pendAdd[j] = pendAdd[j]*a[j] + c[j]
				}
			}
		case layerDense:
			if l.in > maxInt8Depth {
				return nil, fmt.Errorf("%w: layer %d has %d inputs; int8 quantization supports at most %d", ErrConfig, i+1, l.in, maxInt8Depth)
			}
			d := fLayer{in: l.in, out: l.out, act: l.act, alpha: l.alpha,
				w: make([]float32, l.in*l.out), b: append([]float32(nil), l.b...)}
			for p := 0; p < l.in; p++ {
				copy(d.w[p*l.out:(p+1)*l.out], l.w.Data[p*l.w.Stride:p*l.w.Stride+l.out])
			}
			if pendMul != nil {
				shift := make([]float64, l.out)
				for p := 0; p < l.in; p++ {
					row := d.w[p*l.out : (p+1)*l.out]
					for j := range row {
						shift[j] += float64(pendAdd[p]) * float64(row[j])
						row[j] *= pendMul[p]
					}
				}
				for j := range d.b {
					d.b[j] = float32(float64(d.b[j]) + shift[j])
				}
				pendMul, pendAdd = nil, nil
			}
			f.layers = append(f.layers, d)
		default:
			return nil, fmt.Errorf("%w: layer %d: int8 quantization cannot represent a %v layer", ErrConfig, i+1, l.kind)
		}
	}
	if len(f.layers) == 0 {
		return nil, fmt.Errorf("%w: a network without dense layers cannot be quantized", ErrConfig)
	}
	for _, v := range [][]float32{f.inOff, f.inMul, f.inAdd} {
		if !allFinite(v) {
			return nil, fmt.Errorf("%w: the input scaler or batch norm is not finite", ErrValue)
		}
	}
	for i, d := range f.layers {
		if !allFinite(d.w) || !allFinite(d.b) {
			return nil, fmt.Errorf("%w: dense layer %d's weights are not finite (after folding batch norm)", ErrValue, i+1)
		}
	}
	return f, nil
}

// applyInput writes (x − off)·mul + add of row x into dst (or copies it).
func applyInput(dst, x, off, mul, add []float32) {
	if mul == nil {
		copy(dst, x)
		return
	}
	dst = dst[:len(x)]
	off, mul, add = off[:len(x)], mul[:len(x)], add[:len(x)]
	for j, v := range x {
		dst[j] = float32((v-off[j])*mul[j]) + add[j]
	}
}

// forward runs x through the folded float network in chunks, calling
// observe with each dense layer's input (l) and the final output (l =
// len(layers)), chunk by chunk.
func (f *foldedNet) forward(x Matrix, observe func(l int, m Matrix)) {
	maxW := f.inputs
	for _, d := range f.layers {
		maxW = max(maxW, d.out)
	}
	chunk := max(1, min(512, (4<<20)/maxW))
	a, b := make([]float32, chunk*maxW), make([]float32, chunk*maxW)
	for r0 := 0; r0 < x.Rows; r0 += chunk {
		m := min(chunk, x.Rows-r0)
		in := view(a, m, f.inputs)
		for i := 0; i < m; i++ {
			r := x.Data[(r0+i)*x.Stride : (r0+i)*x.Stride+x.Cols]
			applyInput(in.Data[i*f.inputs:(i+1)*f.inputs], r, f.inOff, f.inMul, f.inAdd)
		}
		for li, d := range f.layers {
			observe(li, in)
			out := view(b, m, d.out)
			for i := 0; i < m; i++ {
				copy(out.Data[i*d.out:(i+1)*d.out], d.b)
			}
			Sgemm(false, false, m, d.out, d.in, 1, in.Data, in.Stride, d.w, d.out, 1, out.Data, out.Stride)
			d.act.forward(out, out, d.alpha)
			in = out
			a, b = b, a
		}
		observe(len(f.layers), in)
	}
}

// quantParams returns the uint8 quantization of the range [lo, hi]
// widened to contain 0: scale (hi−lo)/255 (1 when that is 0) and zero
// point clamp(roundEven(−lo/scale), 0, 255), all in float32 arithmetic, as
// the dynamic ONNX export computes them. ok is false when the scale is not
// a finite float32.
func quantParams(lo, hi float32) (scale float32, zero int32, ok bool) {
	lo, hi = min(lo, 0), max(hi, 0)
	scale = (hi - lo) / 255
	if scale == 0 {
		return 1, 0, true
	}
	if !(scale > 0) || math.IsInf(float64(scale), 0) {
		return 0, 0, false
	}
	z := math.RoundToEven(float64(-lo / scale))
	return scale, int32(min(max(z, 0), 255)), true
}

// quantizeRow sets out[p] = clamp(roundEven(v[p]·inv) + zero, 0, 255)
// (NaN becomes 0), with v[p]·inv rounded to float32 first, and reports
// whether every v[p] is finite: the input check rides on the one pass over
// the row, which at batch 1000 comes from memory. It clamps v[p]·inv to
// [−zero, 255 − zero] before rounding, which gives the same result because
// the bounds are integers, and then rounds to even by adding and
// subtracting 1.5·2²³ in float32 (exact for |t| ≤ 2²²); about twice as fast
// as math.RoundToEven through float64.
func quantizeRow(out []uint8, v []float32, inv float32, zero int32) bool {
	const magic = 0x1.8p23
	out = out[:len(v)]
	lo, hi := float32(-zero), float32(255-zero)
	bad := uint32(0)
	for p, x := range v {
		// 1 exactly when the exponent is all ones (NaN, ±Inf).
		bad |= (math.Float32bits(x)&0x7f800000 + 0x00800000) >> 31
		t := x * inv
		if !(t >= lo) {
			t = lo
		}
		if t > hi {
			t = hi
		}
		r := (t + magic) - magic
		out[p] = uint8(int32(r) + zero)
	}
	return bad == 0
}

// rowRange returns the minimum and maximum of v and 0 (NaN is skipped;
// plain comparisons, as the min and max built-ins' NaN and signed-zero
// rules cost about 5 ns an element).
func rowRange(v []float32) (lo, hi float32) {
	for _, x := range v {
		if x < lo {
			lo = x
		}
		if x > hi {
			hi = x
		}
	}
	return lo, hi
}

// Quantize returns an int8 version of the network for inference; see
// quantize.go for the arithmetic and the two modes. calibration holds
// representative raw input rows (as Predict takes them: the network's
// Scaler is applied to them), from which static quantization (the default)
// takes every layer's activation range; a few hundred to a few thousand
// training rows are enough. With DynamicQuantization it may be empty.
//
// Calibration data that is not a valid matrix, has the wrong width
// (ErrShape), holds NaN or ±Inf (ErrValue), or is empty in static mode
// (ErrValue) is refused; so is a network whose layers cannot be quantized
// (ErrConfig, see quantize.go). The network is only read: it may be
// trained on afterwards without affecting the result.
func (n *Network) Quantize(calibration Matrix, opts ...QuantizeOption) (*QuantizedNetwork, error) {
	cfg := quantizeConfig{dynamic: defaultDynamic}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := calibration.Check(); err != nil {
		return nil, fmt.Errorf("calibration: %w", err)
	}
	if calibration.Rows > 0 && calibration.Cols != n.cfg.Inputs {
		return nil, fmt.Errorf("%w: calibration data has %d columns, the network takes %d", ErrShape, calibration.Cols, n.cfg.Inputs)
	}
	if calibration.HasNaN() {
		return nil, fmt.Errorf("%w: calibration data contains NaN or Inf", ErrValue)
	}
	if !cfg.dynamic && calibration.Rows == 0 {
		return nil, fmt.Errorf("%w: static quantization needs calibration data (at least one row); use DynamicQuantization for none", ErrValue)
	}
	f, err := n.fold()
	if err != nil {
		return nil, err
	}
	q := &QuantizedNetwork{inputs: f.inputs, dynamic: cfg.dynamic, inOff: f.inOff, inMul: f.inMul, inAdd: f.inAdd, meta: n.Meta()}
	for _, d := range f.layers {
		q.layers = append(q.layers, quantizeLayer(d))
	}
	if !cfg.dynamic {
		lo := make([]float64, len(f.layers)+1)
		hi := make([]float64, len(f.layers)+1)
		finite := true
		f.forward(calibration, func(l int, m Matrix) {
			for i := 0; i < m.Rows; i++ {
				row := m.Data[i*m.Stride : i*m.Stride+m.Cols]
				if l == len(f.layers) {
					finite = finite && allFinite(row)
					continue
				}
				a, b := rowRange(row)
				lo[l], hi[l] = min(lo[l], float64(a)), max(hi[l], float64(b))
			}
		})
		if !finite {
			return nil, fmt.Errorf("%w: the network's output on the calibration data is not finite", ErrValue)
		}
		for l := range q.layers {
			s, z, ok := quantParams(float32(lo[l]), float32(hi[l]))
			if !ok {
				return nil, fmt.Errorf("%w: layer %d's input range [%g, %g] on the calibration data cannot be quantized", ErrValue, l+1, lo[l], hi[l])
			}
			q.layers[l].setInput(s, z)
		}
	}
	q.finish()
	return q, nil
}

// setInput sets a layer's static input quantization.
func (l *qLayer) setInput(scale float32, zero int32) {
	l.inScale, l.inZero, l.inInv = scale, zero, 1/scale
}

// quantizeLayer quantizes a folded dense layer's weights per output unit.
func quantizeLayer(d fLayer) qLayer {
	l := qLayer{in: d.in, out: d.out, act: d.act, alpha: d.alpha,
		w: make([]int8, d.in*d.out), wScale: make([]float32, d.out), bias: append([]float32(nil), d.b...)}
	maxAbs := make([]float32, d.out)
	for p := 0; p < d.in; p++ {
		for j, v := range d.w[p*d.out : (p+1)*d.out] {
			maxAbs[j] = max(maxAbs[j], float32(math.Abs(float64(v))))
		}
	}
	inv := make([]float32, d.out)
	for j, m := range maxAbs {
		l.wScale[j] = m / 127
		if !(l.wScale[j] > 0) {
			l.wScale[j] = 1 // an all-zero column (or one of subnormals that round to 0)
		}
		inv[j] = 1 / l.wScale[j]
	}
	for p := 0; p < d.in; p++ {
		wr := l.w[p*d.out : (p+1)*d.out]
		for j, v := range d.w[p*d.out : (p+1)*d.out] {
			t := math.RoundToEven(float64(v * inv[j]))
			wr[j] = int8(min(max(t, -127), 127))
		}
	}
	return l
}

// finish computes what is derived from the stored parameters: column
// sums, chunk size, the active kernel's packing.
func (q *QuantizedNetwork) finish() {
	q.maxW = q.inputs
	for i := range q.layers {
		l := &q.layers[i]
		q.maxW = max(q.maxW, l.out)
		l.colSum = make([]int32, l.out)
		for p := 0; p < l.in; p++ {
			for j, v := range l.w[p*l.out : (p+1)*l.out] {
				l.colSum[j] += int32(v)
			}
		}
	}
	q.chunk = max(1, min(256, (2<<20)/q.maxW))
	q.packing()
}

// packing returns the weights packed for the active int8 kernel, packing
// them the first time that kernel is seen.
func (q *QuantizedNetwork) packing() *qPacking {
	k := activeInt8
	if p := q.packed.Load(); p != nil && p.kern == k {
		return p
	}
	q.packMu.Lock()
	defer q.packMu.Unlock()
	for _, p := range q.packs {
		if p.kern == k {
			q.packed.Store(p)
			return p
		}
	}
	p := &qPacking{kern: k, w: make([][]byte, len(q.layers))}
	for i, l := range q.layers {
		p.w[i] = k.pack(l.w, l.in, l.out)
	}
	q.packs = append(q.packs, p)
	q.packed.Store(p)
	return p
}

func (q *QuantizedNetwork) getScratch() *qScratch {
	q.scratchMu.Lock()
	defer q.scratchMu.Unlock()
	if k := len(q.free); k > 0 {
		s := q.free[k-1]
		q.free = q.free[:k-1]
		return s
	}
	n := q.chunk * q.maxW
	return &qScratch{xq: make([]uint8, n), acc: make([]int32, n), f: make([]float32, n),
		sx: make([]float32, q.chunk), zp: make([]int32, q.chunk)}
}

func (q *QuantizedNetwork) putScratch(s *qScratch) {
	q.scratchMu.Lock()
	q.free = append(q.free, s)
	q.scratchMu.Unlock()
}

// Inputs returns the number of input features.
func (q *QuantizedNetwork) Inputs() int {
	if q == nil {
		return 0
	}
	return q.inputs
}

// Outputs returns the width of the output layer (0 for a QuantizedNetwork
// not made by Quantize or a loader).
func (q *QuantizedNetwork) Outputs() int {
	if q == nil || len(q.layers) == 0 {
		return 0
	}
	return q.layers[len(q.layers)-1].out
}

// usable returns an ErrConfig error for a nil or zero QuantizedNetwork.
func (q *QuantizedNetwork) usable() error {
	if q == nil || len(q.layers) == 0 {
		return fmt.Errorf("%w: an empty QuantizedNetwork (make one with Network.Quantize or LoadQuantized)", ErrConfig)
	}
	return nil
}

// Mode returns "static" or "dynamic": where the activation ranges come
// from (see Quantize).
func (q *QuantizedNetwork) Mode() string {
	if q != nil && q.dynamic {
		return "dynamic"
	}
	return "static"
}

// Meta returns a copy of the float network's Meta (class and feature
// names), kept with the quantized network.
func (q *QuantizedNetwork) Meta() Meta {
	if q == nil {
		return Meta{}
	}
	return Meta{FeatureNames: append([]string(nil), q.meta.FeatureNames...), LabelName: q.meta.LabelName,
		Classes: append([]string(nil), q.meta.Classes...)}
}

// quantizeInto quantizes row i of a chunk (v, already through the input
// stage or an activation) into xq for layer l, recording the row's scale
// and zero point, with kern's row kernel when it has one (nil: the Go
// loop). It reports false when v holds NaN or ±Inf, or a dynamic range
// cannot be quantized (values near the float32 limit).
func (q *QuantizedNetwork) quantizeInto(s *qScratch, i int, l *qLayer, v []float32, kern *int8Kernel) bool {
	out := s.xq[i*l.in : (i+1)*l.in]
	inv, zero := l.inInv, l.inZero
	if !q.dynamic {
		s.sx[i], s.zp[i] = l.inScale, l.inZero
	} else {
		lo, hi := kern.rowRange(v)
		scale, z, ok := quantParams(lo, hi)
		if !ok || !finite32(lo) || !finite32(hi) {
			return false
		}
		s.sx[i], s.zp[i] = scale, z
		inv, zero = 1/scale, z
	}
	return kern.quantize(out, v, inv, zero)
}

// gemmRef is the exact product in int64 (for tests: pk == nil in run).
func gemmRef(m, n, k int, a []uint8, w []int8, c []int32) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s int64
			for p := 0; p < k; p++ {
				s += int64(a[i*k+p]) * int64(w[p*n+j])
			}
			c[i*n+j] = int32(s)
		}
	}
}

// run computes the outputs of the rows of x (at most q.chunk) into dst. It
// returns the index of the first row whose values left the float32 range
// and of the first row of x holding NaN or ±Inf, each −1 if none (with a
// bad input row the outputs are not to be used). pk nil uses gemmRef
// instead of a kernel, and the Go row operations (genericInt8's).
func (q *QuantizedNetwork) run(s *qScratch, pk *qPacking, x, dst Matrix) (bad, badInput int) {
	m := x.Rows
	bad, badInput = -1, -1
	kern := &genericInt8 // the row operations of the reference path
	if pk != nil {
		kern = pk.kern
	}
	l0 := &q.layers[0]
	for i := 0; i < m; i++ {
		v := x.Data[i*x.Stride : i*x.Stride+x.Cols]
		if q.inMul != nil {
			// The input stage in float32; without one the row is quantized
			// where it is.
			v = s.f[i*q.inputs : (i+1)*q.inputs]
			applyInput(v, x.Data[i*x.Stride:i*x.Stride+x.Cols], q.inOff, q.inMul, q.inAdd)
		}
		if !q.quantizeInto(s, i, l0, v, kern) && badInput < 0 && bad < 0 {
			// Quantizing the row is the input's finiteness check.
			if allFinite(x.Data[i*x.Stride : i*x.Stride+x.Cols]) {
				bad = i
			} else {
				badInput = i
			}
		}
	}
	last := len(q.layers) - 1
	for li := range q.layers {
		l := &q.layers[li]
		acc := s.acc[:m*l.out]
		if pk != nil {
			pk.kern.gemm(m, l.out, l.in, s.xq, l.in, pk.w[li], acc, l.out)
		} else {
			gemmRef(m, l.out, l.in, s.xq, l.w, acc)
		}
		if li < last && kern.requantize != nil && !q.dynamic && (l.act == ReLU || l.act == Identity) {
			// Static quantization of a ReLU or linear hidden layer: the
			// sums go straight to the next layer's bytes.
			next := &q.layers[li+1]
			for i := 0; i < m; i++ {
				a := acc[i*l.out : (i+1)*l.out]
				ok := kern.requantize(s.xq[i*next.in:(i+1)*next.in], a, l.wScale, l.bias, l.colSum,
					s.sx[i], s.zp[i], l.act == ReLU, next.inInv, next.inZero)
				s.sx[i], s.zp[i] = next.inScale, next.inZero
				if !ok && bad < 0 {
					bad = i
				}
			}
			continue
		}
		for i := 0; i < m; i++ {
			z := s.f[i*l.out : (i+1)*l.out]
			a := acc[i*l.out : (i+1)*l.out]
			kern.dequantize(z, a, l.wScale, l.bias, l.colSum, s.sx[i], s.zp[i])
		}
		if li == last {
			// Every activation maps finite values to finite values, so
			// the outputs are finite when the chunk's z is: one scan of
			// it, and a row by row search only when that fails.
			finite := allFinite(s.f[:m*l.out])
			for i := 0; i < m; i++ {
				z := s.f[i*l.out : (i+1)*l.out]
				d := dst.Data[i*dst.Stride : i*dst.Stride+l.out]
				if l.act == Softmax && finite {
					kern.softmax(z, d)
				} else {
					l.act.forwardRow(z, d, l.alpha)
				}
				if !finite && bad < 0 && (!allFinite(z) || !allFinite(d)) {
					bad = i
				}
			}
			break
		}
		// The hidden activation over the chunk at once: the float kernel
		// set's tile epilogue where it has one (bit-identical to forwardRow).
		z := s.f[:m*l.out]
		if l.act != Softmax {
			finishTile(activeKernel, &epilogue{on: true, act: l.act, alpha: l.alpha, out: z, ldo: l.out}, z, l.out, 0, 0, m, l.out)
		} else {
			for i := 0; i < m; i++ {
				l.act.forwardRow(z[i*l.out:(i+1)*l.out], z[i*l.out:(i+1)*l.out], l.alpha)
			}
		}
		for i := 0; i < m; i++ {
			if !q.quantizeInto(s, i, &q.layers[li+1], z[i*l.out:(i+1)*l.out], kern) && bad < 0 {
				bad = i
			}
		}
	}
	return bad, badInput
}

// dequantizeRow sets z[j] = float32(acc[j] − zp·cs[j])·(sx·ws[j]) + b[j]:
// a layer's row from its int32 sums, its weight scales ws, bias b and
// column sums cs, and the row's input scale sx and zero point zp.
func dequantizeRow(z []float32, acc []int32, ws, b []float32, cs []int32, sx float32, zp int32) {
	n := len(z)
	acc, ws, b, cs = acc[:n], ws[:n], b[:n], cs[:n]
	for j := range z {
		d := acc[j] - zp*cs[j]
		z[j] = float32(float32(d)*(sx*ws[j])) + b[j]
	}
}

// checkInput validates x as Predict's input.
func (q *QuantizedNetwork) checkInput(x Matrix) error {
	if err := q.usable(); err != nil {
		return err
	}
	if err := x.Check(); err != nil {
		return fmt.Errorf("features: %w", err)
	}
	if x.Cols != q.inputs {
		return fmt.Errorf("%w: features have %d columns, the network takes %d", ErrShape, x.Cols, q.inputs)
	}
	// NaN and ±Inf are found while the rows are quantized (see run).
	return nil
}

// infer runs x chunk by chunk into dst with the given packing (nil: the
// reference product).
func (q *QuantizedNetwork) infer(dst, x Matrix, pk *qPacking) error {
	if err := q.checkInput(x); err != nil {
		return err
	}
	s := q.getScratch()
	defer q.putScratch(s)
	for r0 := 0; r0 < x.Rows; r0 += q.chunk {
		r1 := min(r0+q.chunk, x.Rows)
		xc, _ := x.RowView(r0, r1)
		dc, _ := dst.RowView(r0, r1)
		bad, badInput := q.run(s, pk, xc, dc)
		if badInput >= 0 {
			return fmt.Errorf("%w: features contain NaN or Inf (row %d from 0)", ErrValue, r0+badInput)
		}
		if bad >= 0 {
			return fmt.Errorf("%w: row %d (from 0): the quantized network's values are not finite (features far outside the range it was trained on)", ErrValue, r0+bad)
		}
	}
	return nil
}

// PredictInto writes the quantized network's outputs for x into dst
// (x.Rows × Outputs), as Network.PredictInto does: probabilities for a
// softmax or sigmoid output, values otherwise. After the first call it
// allocates nothing; it is safe for concurrent use. Features holding NaN or
// ±Inf are refused with ErrValue, as is a row whose outputs are not
// finite.
func (q *QuantizedNetwork) PredictInto(dst, x Matrix) error {
	if err := q.usable(); err != nil {
		return err
	}
	if err := dst.Check(); err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	if dst.Rows != x.Rows || dst.Cols != q.Outputs() {
		return fmt.Errorf("%w: destination is %d×%d, want %d×%d", ErrShape, dst.Rows, dst.Cols, x.Rows, q.Outputs())
	}
	return q.infer(dst, x, q.packing())
}

// Predict returns the quantized network's outputs for x in a new matrix;
// see PredictInto.
func (q *QuantizedNetwork) Predict(x Matrix) (Matrix, error) {
	if err := q.checkInput(x); err != nil {
		return Matrix{}, err
	}
	dst, err := NewMatrix(x.Rows, q.Outputs())
	if err != nil {
		return Matrix{}, err
	}
	if err := q.PredictInto(dst, x); err != nil {
		return Matrix{}, err
	}
	return dst, nil
}

// PredictClass returns the predicted class of each row of x as
// Network.PredictClass does: the arg-max output, or for a single output 1
// when it is above its midpoint (0.5 for sigmoid, else 0) and 0 otherwise.
func (q *QuantizedNetwork) PredictClass(x Matrix) ([]int, error) {
	y, err := q.Predict(x)
	if err != nil {
		return nil, err
	}
	out := make([]int, y.Rows)
	classify(out, y, q.layers[len(q.layers)-1].act)
	return out, nil
}
