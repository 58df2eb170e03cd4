// Package ann trains and runs dense neural networks in pure Go.
//
// A network is described with a small fluent builder that reads like the
// TensorFlow tutorial it reproduces:
//
//	net, err := ann.New(784).
//		Dense(300, ann.ReLU).Dropout(0.3).
//		Dense(100, ann.ReLU).
//		Dense(10, ann.Softmax).
//		Loss(ann.SoftmaxCrossEntropy).
//		Optimizer(ann.Adam(0.001)).
//		L2(1e-4).
//		Seed(42).
//		Build()
//	history, err := net.Fit(ctx, x, y, ann.Epochs(10), ann.BatchSize(128), ann.Validation(xv, yv))
//	probs, err := net.Predict(xTest)
//
// Everything runs through one float32 matrix multiply, [Sgemm], which uses
// hand-written AVX2/FMA kernels on amd64 and NEON kernels on arm64, chosen
// once at start-up from the CPU's features, with plain-Go kernels everywhere
// else. The build tags noasm and purego force the Go kernels.
//
// Errors wrap the sentinels [ErrShape], [ErrValue], [ErrConfig] and
// [ErrFormat]; nothing panics on user input.
package ann

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
)

// Reduction says how a batch's per-example losses become the loss that is
// minimised.
type Reduction uint8

const (
	// MeanReduction minimises the mean over the batch (Keras's and PyTorch's
	// default): the gradient does not grow with the batch size.
	MeanReduction Reduction = iota
	// SumReduction minimises the sum over the batch, as TensorFlow 1.x's
	// canned estimators do (loss_reduction=SUM): gradients are batch-size
	// times larger, which matters with AdaGrad's initial accumulator.
	SumReduction
)

// String returns "mean" or "sum".
func (r Reduction) String() string {
	switch r {
	case MeanReduction:
		return "mean"
	case SumReduction:
		return "sum"
	}
	return fmt.Sprintf("Reduction(%d)", int(r))
}

// layerSpec is a layer as the builder records it.
type layerSpec struct {
	kind    layerKind
	units   int
	act     Activation
	alpha   float64
	alphaOK bool
	maxNorm float64
	rate    float64
}

// checkNonNegative returns an ErrValue naming what unless v is finite and
// ≥ 0 (NaN fails).
func checkNonNegative(what string, v float64) error {
	if !(v >= 0) || math.IsInf(v, 1) {
		return fmt.Errorf("%w: %s must be finite and ≥ 0, got %v", ErrValue, what, v)
	}
	return nil
}

// A LayerOption adjusts one dense layer; see [Alpha] and [MaxNorm].
type LayerOption func(*layerSpec) error

// Alpha sets the activation's parameter: LeakyReLU's negative slope
// (default 0.2, TensorFlow's) or ELU's α (default 1). It must be finite and
// ≥ 0.
func Alpha(a float64) LayerOption {
	return func(s *layerSpec) error {
		if err := checkNonNegative("alpha", a); err != nil {
			return err
		}
		s.alpha, s.alphaOK = a, true
		return nil
	}
}

// MaxNorm constrains each unit's incoming weight vector to an L2 norm of at
// most c after every update (Keras's max_norm; Srivastava et al. 2014 pair
// it with dropout). c must be > 0.
func MaxNorm(c float64) LayerOption {
	return func(s *layerSpec) error {
		if !(c > 0) || math.IsInf(c, 1) {
			return fmt.Errorf("%w: max-norm must be finite and > 0, got %v", ErrValue, c)
		}
		s.maxNorm = c
		return nil
	}
}

// Builder describes a network layer by layer. Each method records one
// setting and returns the builder; the first mistake is kept and returned
// by Build, so a chain never panics halfway. A Builder is not safe for
// concurrent use; Build may be called more than once.
type Builder struct {
	inputs    int
	layers    []layerSpec
	loss      Loss
	lossSet   bool
	opt       Optimizer
	sched     Schedule
	l1, l2    float64
	l1Clip    bool
	clip      float64
	reduction Reduction
	init      Initializer
	seed      uint64
	err       error
}

// New starts a network that takes inputs features per example.
func New(inputs int) *Builder {
	b := &Builder{inputs: inputs, init: GlorotUniform(), seed: 1}
	if inputs < 1 {
		b.fail(fmt.Errorf("%w: a network needs at least 1 input, got %d", ErrConfig, inputs))
	}
	return b
}

func (b *Builder) fail(err error) *Builder {
	if b.err == nil {
		b.err = err
	}
	return b
}

// Dense adds a fully connected layer of units units followed by act.
func (b *Builder) Dense(units int, act Activation, opts ...LayerOption) *Builder {
	s := layerSpec{kind: layerDense, units: units, act: act}
	if units < 1 {
		return b.fail(fmt.Errorf("%w: layer %d: dense layer needs at least 1 unit, got %d", ErrConfig, len(b.layers)+1, units))
	}
	if !act.valid() {
		return b.fail(fmt.Errorf("%w: layer %d: unknown activation %v", ErrConfig, len(b.layers)+1, act))
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&s); err != nil {
			return b.fail(fmt.Errorf("layer %d: %w", len(b.layers)+1, err))
		}
	}
	b.layers = append(b.layers, s)
	return b
}

// Dropout adds inverted dropout: in training each unit of the previous
// layer is dropped with probability rate, in [0, 1), and the survivors are
// scaled by 1/(1−rate); in inference it passes values through.
func (b *Builder) Dropout(rate float64) *Builder {
	if !(rate >= 0 && rate < 1) {
		return b.fail(fmt.Errorf("%w: layer %d: dropout rate must be in [0, 1), got %v", ErrValue, len(b.layers)+1, rate))
	}
	b.layers = append(b.layers, layerSpec{kind: layerDropout, rate: rate})
	return b
}

// BatchNorm adds batch normalization of the previous layer's outputs with
// TensorFlow's estimator settings: momentum 0.999 for the moving averages
// and ε = 0.001.
func (b *Builder) BatchNorm() *Builder {
	b.layers = append(b.layers, layerSpec{kind: layerBatchNorm})
	return b
}

// Loss sets the loss. Without it, Build picks SoftmaxCrossEntropy for a
// Softmax output, BinaryCrossEntropy for a Sigmoid output and
// MeanSquaredError otherwise.
func (b *Builder) Loss(l Loss) *Builder {
	if !l.valid() {
		return b.fail(fmt.Errorf("%w: unknown loss %v", ErrConfig, l))
	}
	b.loss, b.lossSet = l, true
	return b
}

// Optimizer sets the training rule (default Adam(0.001)).
func (b *Builder) Optimizer(o Optimizer) *Builder {
	if o == nil {
		return b.fail(fmt.Errorf("%w: nil optimizer", ErrConfig))
	}
	b.opt = o
	return b
}

// Schedule sets the learning-rate schedule (default: constant).
func (b *Builder) Schedule(s Schedule) *Builder {
	if s == nil {
		return b.fail(fmt.Errorf("%w: nil schedule", ErrConfig))
	}
	b.sched = s
	return b
}

// L1 sets the L1 penalty strength λ₁ ≥ 0 on dense kernels (see
// regularization.go's conventions: the penalty is λ₁·Σ|w|). By default its
// gradient λ₁·sign(w) joins the loss gradient and goes through the
// optimizer; L1ClipAtZero applies it TensorFlow Playground's way instead.
func (b *Builder) L1(strength float64, opts ...L1Option) *Builder {
	if err := checkNonNegative("L1 strength", strength); err != nil {
		return b.fail(err)
	}
	b.l1 = strength
	b.l1Clip = false
	for _, o := range opts {
		if o.clipAtZero {
			b.l1Clip = true
		}
	}
	return b
}

// An L1Option changes how Builder.L1 applies its penalty.
type L1Option struct{ clipAtZero bool }

// L1ClipAtZero applies the L1 penalty as TensorFlow Playground does: after
// the optimizer's step on the loss gradient has moved a kernel weight from
// w to w′, a separate step w″ = w′ − η·λ₁·sign(w) at the current learning
// rate η follows, and a weight that this step carries across zero
// (w′·w″ < 0) is set to exactly 0 rather than left oscillating around it.
// A weight at 0 is not pushed by the penalty (sign 0). With plain SGD the
// update is Playground's, step for step; Playground also freezes such a
// weight for the rest of the run, which this option does not (the loss
// gradient may move it again). The option is saved with the model.
func L1ClipAtZero() L1Option { return L1Option{clipAtZero: true} }

// L2 sets the L2 penalty strength λ₂ ≥ 0 on dense kernels: the penalty is
// ½·λ₂·Σw² (TensorFlow's l2_regularizer and Playground's convention; Keras's
// l2(λ) is λ·Σw², so Keras's λ equals half of ours).
func (b *Builder) L2(strength float64) *Builder {
	if err := checkNonNegative("L2 strength", strength); err != nil {
		return b.fail(err)
	}
	b.l2 = strength
	return b
}

// ClipNorm rescales all gradients together when their global L2 norm
// exceeds maxNorm > 0 (TensorFlow's clip_by_global_norm). 0 turns clipping
// off (the default).
func (b *Builder) ClipNorm(maxNorm float64) *Builder {
	if err := checkNonNegative("clip norm", maxNorm); err != nil {
		return b.fail(err)
	}
	b.clip = maxNorm
	return b
}

// Reduction sets how per-example losses combine (default MeanReduction).
func (b *Builder) Reduction(r Reduction) *Builder {
	if r > SumReduction {
		return b.fail(fmt.Errorf("%w: unknown reduction %v", ErrConfig, r))
	}
	b.reduction = r
	return b
}

// Init sets the dense-kernel initializer (default GlorotUniform).
func (b *Builder) Init(i Initializer) *Builder {
	if i == nil {
		return b.fail(fmt.Errorf("%w: nil initializer", ErrConfig))
	}
	b.init = i
	return b
}

// Seed sets the seed of the network's random generator, which draws the
// initial weights, the per-epoch shuffles and the dropout masks (default 1).
// The same seed gives bit-identical training at any GOMAXPROCS.
func (b *Builder) Seed(seed uint64) *Builder {
	b.seed = seed
	return b
}

// Build checks the description and returns a network with freshly
// initialised weights.
func (b *Builder) Build() (*Network, error) {
	if b.err != nil {
		return nil, b.err
	}
	if len(b.layers) == 0 {
		return nil, fmt.Errorf("%w: a network needs at least one dense layer", ErrConfig)
	}
	last := b.layers[len(b.layers)-1]
	if last.kind != layerDense {
		return nil, fmt.Errorf("%w: the last layer must be dense, got %v", ErrConfig, last.kind)
	}
	loss := b.loss
	if !b.lossSet {
		switch last.act {
		case Softmax:
			loss = SoftmaxCrossEntropy
		case Sigmoid:
			loss = BinaryCrossEntropy
		default:
			loss = MeanSquaredError
		}
	}
	if err := loss.checkOutput(last.act, last.units); err != nil {
		return nil, err
	}
	for i, s := range b.layers[:len(b.layers)-1] {
		if s.kind == layerDense && s.act == Softmax {
			return nil, fmt.Errorf("%w: layer %d: softmax is only supported on the output layer", ErrConfig, i+1)
		}
	}
	opt := b.opt
	if opt == nil {
		opt = Adam(0.001)
	}
	if err := opt.validate(); err != nil {
		return nil, err
	}
	sched := b.sched
	if sched == nil {
		sched = ConstantRate()
	}
	if err := sched.validate(); err != nil {
		return nil, err
	}
	cfg := netConfig{
		Inputs: b.inputs, Loss: loss, Optimizer: opt, Schedule: sched,
		L1: b.l1, L1Clip: b.l1Clip, L2: b.l2, Clip: b.clip, Reduction: b.reduction, Seed: b.seed,
	}
	net, err := newNetwork(cfg, b.layers)
	if err != nil {
		return nil, err
	}
	net.initWeights(b.init)
	return net, nil
}

// netConfig is what a network needs besides its layers.
type netConfig struct {
	Inputs    int
	Loss      Loss
	Optimizer Optimizer
	Schedule  Schedule
	L1, L2    float64
	L1Clip    bool // L1 applied after the optimizer step, clipped at zero
	Clip      float64
	Reduction Reduction
	Seed      uint64
}

// param is one trainable tensor with its gradient and optimizer state.
type param struct {
	w, g    []float32
	state   optimizerState
	kernel  bool // a dense kernel: penalised and weight-decayed
	maxNorm float32
	layer   *layer
	// The tensor is rows×cols, row i at w[i*stride:]; w, g and the optimizer
	// slots also hold the padding after each row and after the last one
	// (see kernelStride), which stays 0. off is w's offset in
	// Network.weights.
	rows, cols, stride, off int
}

// Network is a trained or trainable feed-forward network. Predict,
// PredictInto, PredictClass, Logits and Evaluate may be called from many
// goroutines at once; Fit, Train and the setters must not run concurrently
// with anything else on the same network. A Fit or Train call made while
// another is running on the same network returns an error wrapping
// ErrConfig instead of training.
type Network struct {
	cfg    netConfig
	layers []*layer
	params []param

	weights, grads []float32   // every parameter, contiguous; views in layers
	gradViews      [][]float32 // per-parameter gradient slices, for clipping

	step int64 // global step: updates applied so far

	// The optimizer step in parts (see updateParams): the rate of the
	// current step, and updatePart as a func value made once.
	stepLR float32
	// l1Before holds the kernels before an update, for L1ClipAtZero.
	l1Before []float32
	updateFn func(part, parts int)
	pcg      *rand.PCG
	rng      *rand.Rand

	train *pass // the training workspace, sized for the largest batch seen
	perm  []int
	// The Train cursor: position in the current epoch's order and the
	// epoch number, so consecutive Train calls walk on through the data.
	cursor, epoch int
	cursorRows    int
	// permRNG is the generator's state just before the current epoch's
	// shuffle (nil when it was not shuffled), saved with the training
	// state so a loaded network rebuilds the order and resumes mid-epoch.
	permRNG []byte

	// training is set while Fit or Train runs, so a second call on the
	// same network fails instead of racing.
	training atomic.Bool

	predMu   sync.Mutex
	predFree []*pass

	scaler *Scaler // applied to every input, in training and inference
	meta   Meta
}

// Meta describes the data a network was trained on, so that a saved model
// can read and label raw data on its own.
type Meta struct {
	// FeatureNames names the input columns, in order (optional).
	FeatureNames []string `json:"feature_names,omitempty"`
	// LabelName names the target column (optional).
	LabelName string `json:"label_name,omitempty"`
	// Classes names the classes of a classifier: Classes[i] is output i's
	// class (optional).
	Classes []string `json:"classes,omitempty"`
}

// SetMeta records what the network's inputs and outputs are. FeatureNames,
// when set, must have one name per input, and Classes one name per output
// (or two for a single sigmoid output).
func (n *Network) SetMeta(m Meta) error {
	if m.FeatureNames != nil && len(m.FeatureNames) != n.cfg.Inputs {
		return fmt.Errorf("%w: %d feature names for %d inputs", ErrShape, len(m.FeatureNames), n.cfg.Inputs)
	}
	if m.Classes != nil && len(m.Classes) != n.Outputs() && !(n.Outputs() == 1 && len(m.Classes) == 2) {
		return fmt.Errorf("%w: %d class names for %d outputs", ErrShape, len(m.Classes), n.Outputs())
	}
	n.meta = Meta{FeatureNames: slices.Clone(m.FeatureNames), LabelName: m.LabelName, Classes: slices.Clone(m.Classes)}
	return nil
}

// Meta returns a copy of what SetMeta recorded.
func (n *Network) Meta() Meta {
	return Meta{FeatureNames: slices.Clone(n.meta.FeatureNames), LabelName: n.meta.LabelName, Classes: slices.Clone(n.meta.Classes)}
}

// SetScaler makes the network apply s to every input row, in training and
// in inference, so that it takes raw features; nil removes it. Fit s on
// the training data only. The scaler is saved with the network and
// exported to ONNX as its first nodes.
func (n *Network) SetScaler(s *Scaler) error {
	if s != nil {
		if len(s.Offset) != n.cfg.Inputs || len(s.Scale) != n.cfg.Inputs {
			return fmt.Errorf("%w: scaler for %d columns on a network of %d inputs", ErrShape, len(s.Offset), n.cfg.Inputs)
		}
		for j := range s.Offset {
			if !finite32(s.Offset[j]) || !finite32(s.Scale[j]) {
				return fmt.Errorf("%w: scaler column %d is not finite", ErrValue, j)
			}
		}
		s = &Scaler{Kind: s.Kind, Offset: slices.Clone(s.Offset), Scale: slices.Clone(s.Scale)}
	}
	n.scaler = s
	n.train = nil
	n.predMu.Lock()
	n.predFree = nil
	n.predMu.Unlock()
	return nil
}

// Scaler returns the network's input scaler, or nil.
func (n *Network) Scaler() *Scaler {
	if n.scaler == nil {
		return nil
	}
	return &Scaler{Kind: n.scaler.Kind, Offset: slices.Clone(n.scaler.Offset), Scale: slices.Clone(n.scaler.Scale)}
}

func finite32(v float32) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

func newNetwork(cfg netConfig, specs []layerSpec) (*Network, error) {
	n := &Network{cfg: cfg}
	in := cfg.Inputs
	total := 0
	for _, s := range specs {
		l := &layer{kind: s.kind, in: in, out: in}
		switch s.kind {
		case layerDense:
			l.out, l.act = s.units, s.act
			l.alpha = s.act.defaultAlpha()
			if s.alphaOK {
				l.alpha = float32(s.alpha)
			}
			l.maxNorm = float32(s.maxNorm)
		case layerDropout:
			l.rate = float32(s.rate)
		case layerBatchNorm:
			l.momentum, l.eps = 0.999, 0.001
			l.movingMean = make([]float32, in)
			l.movingVar = make([]float32, in)
			for i := range l.movingVar {
				l.movingVar[i] = 1
			}
		}
		if l.kind == layerDense && l.in > maxElements/kernelStride(l.out)-1 {
			return nil, fmt.Errorf("%w: dense layer of %d×%d weights is too large", ErrConfig, l.in, l.out)
		}
		if c := l.storedCount(); c > 0 {
			if total > maxElements-c {
				return nil, fmt.Errorf("%w: network too large", ErrConfig)
			}
			total += c
		}
		n.layers = append(n.layers, l)
		in = l.out
	}
	n.weights = alignedFloats(total)
	n.grads = alignedFloats(total)
	off := 0
	// add appends a rows×cols parameter stored stride floats per row, taking
	// a multiple of 16 floats so that the next one starts on a 64-byte
	// boundary too.
	add := func(l *layer, rows, cols, stride int, kernel bool) param {
		c := padFloats((rows-1)*stride + cols)
		p := param{w: n.weights[off : off+c : off+c], g: n.grads[off : off+c : off+c], layer: l,
			kernel: kernel, rows: rows, cols: cols, stride: stride, off: off}
		if kernel {
			p.maxNorm = l.maxNorm
		}
		n.params = append(n.params, p)
		off += c
		return p
	}
	for _, l := range n.layers {
		switch l.kind {
		case layerDense:
			s := kernelStride(l.out)
			p := add(l, l.in, l.out, s, true)
			used := (l.in-1)*s + l.out
			l.w = Matrix{Rows: l.in, Cols: l.out, Stride: s, Data: p.w[:used:used]}
			l.dw = Matrix{Rows: l.in, Cols: l.out, Stride: s, Data: p.g[:used:used]}
			p = add(l, 1, l.out, l.out, false)
			l.b, l.db = p.w[:l.out:l.out], p.g[:l.out:l.out]
		case layerBatchNorm:
			p := add(l, 1, l.out, l.out, false)
			l.gamma, l.dgamma = p.w[:l.out:l.out], p.g[:l.out:l.out]
			p = add(l, 1, l.out, l.out, false)
			l.beta, l.dbeta = p.w[:l.out:l.out], p.g[:l.out:l.out]
		}
	}
	for i := range n.params {
		p := &n.params[i]
		p.state = cfg.Optimizer.newState(len(p.w), p.kernel)
		n.gradViews = append(n.gradViews, p.g)
	}
	n.pcg = rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15)
	n.rng = rand.New(n.pcg)
	return n, nil
}

// initWeights draws every dense kernel from init, sets biases to its bias
// value and batch-norm scales to 1.
func (n *Network) initWeights(init Initializer) {
	for _, l := range n.layers {
		switch l.kind {
		case layerDense:
			for i := 0; i < l.in; i++ {
				init.fill(l.w.Row(i), l.in, l.out, n.rng)
			}
			for i := range l.b {
				l.b[i] = init.biasValue()
			}
		case layerBatchNorm:
			for i := range l.gamma {
				l.gamma[i] = 1
			}
		}
	}
}

// Inputs returns the number of input features.
func (n *Network) Inputs() int { return n.cfg.Inputs }

// Outputs returns the width of the output layer.
func (n *Network) Outputs() int { return n.layers[len(n.layers)-1].out }

// Step returns the global step: the number of updates applied so far.
func (n *Network) Step() int64 { return n.step }

// LossFunc returns the loss the network minimises.
func (n *Network) LossFunc() Loss { return n.cfg.Loss }

// Params returns the number of trainable values.
func (n *Network) Params() int {
	c := 0
	for _, p := range n.params {
		c += p.rows * p.cols
	}
	return c
}

// String summarises the architecture, e.g.
// "784 → dense 300 relu → dropout 0.3 → dense 10 softmax; softmax_crossentropy; adam(...)".
func (n *Network) String() string {
	s := fmt.Sprint(n.cfg.Inputs)
	for _, l := range n.layers {
		switch l.kind {
		case layerDense:
			s += fmt.Sprintf(" → dense %d %v", l.out, l.act)
		case layerDropout:
			s += fmt.Sprintf(" → dropout %v", l.rate)
		case layerBatchNorm:
			s += " → batch_norm"
		}
	}
	return s + fmt.Sprintf("; %v; %v", n.cfg.Loss, n.cfg.Optimizer)
}

// LayerInfo describes one layer for inspection, drawing and export. The
// slices share the network's storage: read them, do not keep them across
// training steps.
type LayerInfo struct {
	// Kind is "dense", "dropout" or "batch_norm".
	Kind string
	// Inputs and Units are the layer's input and output widths.
	Inputs, Units int
	// Activation and Alpha (its parameter) describe a dense layer's output.
	Activation Activation
	Alpha      float32
	// Weights (Inputs×Units) and Bias belong to a dense layer. They are
	// views of the network's own storage; a kernel of 16 units or more has
	// its rows padded to 64 bytes, so index it through Stride (Row, At).
	Weights Matrix
	Bias    []float32
	// Rate is a dropout layer's drop probability.
	Rate float32
	// Gamma, Beta, MovingMean, MovingVariance and Epsilon belong to a batch
	// normalization layer.
	Gamma, Beta, MovingMean, MovingVariance []float32
	Epsilon                                 float32
}

// Layers describes the network's layers, input first.
func (n *Network) Layers() []LayerInfo {
	out := make([]LayerInfo, len(n.layers))
	for i, l := range n.layers {
		out[i] = LayerInfo{Kind: l.kind.String(), Inputs: l.in, Units: l.out, Activation: l.act, Alpha: l.alpha,
			Weights: l.w, Bias: l.b, Rate: l.rate, Gamma: l.gamma, Beta: l.beta,
			MovingMean: l.movingMean, MovingVariance: l.movingVar, Epsilon: l.eps}
	}
	return out
}
