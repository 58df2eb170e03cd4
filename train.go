package ann

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"time"
)

// layerSpace is one layer's share of a pass: its outputs for the batch and
// whatever its backward step needs.
type layerSpace struct {
	zbuf, ybuf []float32 // dense: pre-activation and output; others: output
	z, y       Matrix    // the current batch's views of zbuf and ybuf

	mask []float32 // dropout: 0 or 1/(1−rate) per element

	// sums holds a softmax layer's max and sum of exponentials per row
	// (softmaxRowSum), which the loss reuses.
	sums []float64
	sm   *softmaxJob // a softmax layer's rows split between the workers
	skip *skipJob    // a dense layer's product over its input's nonzero columns

	// batch norm
	xhat, mean, invStd, scale, shift []float32
	acc                              []float64
}

// skipJob returns the dense layer's zero-column-skipping job, made on
// first use.
func (ws *layerSpace) skipJob() *skipJob {
	if ws.skip == nil {
		ws.skip = new(skipJob)
	}
	return ws.skip
}

// pass is the memory one forward (and backward) computation needs for up to
// rows examples. Training keeps one per network; inference takes them from
// a per-network free list so concurrent Predict calls do not share.
type pass struct {
	rows   int
	ls     []layerSpace
	x, t   []float32 // gathered batch inputs and targets (training)
	x2, t2 []float32 // the second pair, for the batch gathered ahead (see batcher)
	sw     []float32 // gathered sample weights (training)
	xs     []float32 // the scaled input, when the network has a Scaler
	d0, d1 []float32 // gradient ping-pong buffers
	ex     []float64 // per-example losses
	norms  []float32 // max-norm scratch
}

func view(buf []float32, rows, cols int) Matrix {
	return Matrix{Rows: rows, Cols: cols, Stride: max(cols, 1), Data: buf[:rows*cols]}
}

func (n *Network) newPass(rows int, training bool) *pass {
	p := &pass{rows: rows, ls: make([]layerSpace, len(n.layers))}
	maxW := n.cfg.Inputs
	for i, l := range n.layers {
		ls := &p.ls[i]
		maxW = max(maxW, l.out)
		ls.ybuf = make([]float32, rows*l.out)
		switch l.kind {
		case layerDense:
			ls.zbuf = make([]float32, rows*l.out)
			if l.act == Softmax {
				ls.sums = make([]float64, 2*rows)
			}
		case layerDropout:
			if training {
				ls.mask = make([]float32, rows*l.out)
			}
		case layerBatchNorm:
			ls.mean, ls.invStd = make([]float32, l.out), make([]float32, l.out)
			ls.scale, ls.shift = make([]float32, l.out), make([]float32, l.out)
			ls.acc = make([]float64, 2*l.out)
			if training {
				ls.xhat = make([]float32, rows*l.out)
			}
		}
	}
	p.ex = make([]float64, rows)
	if n.scaler != nil {
		p.xs = make([]float32, rows*n.cfg.Inputs)
	}
	if training {
		p.x = make([]float32, rows*n.cfg.Inputs)
		p.t = make([]float32, rows*n.Outputs())
		p.sw = make([]float32, rows)
		p.d0 = make([]float32, rows*maxW)
		p.d1 = make([]float32, rows*maxW)
		p.norms = make([]float32, maxW)
	}
	return p
}

// forward runs x (at most p.rows rows) through every layer and returns the
// output layer's space.
func (n *Network) forward(p *pass, x Matrix, training bool) *layerSpace {
	in := x
	if n.scaler != nil {
		in = n.scaleInput(p, x)
	}
	for i, l := range n.layers {
		ls := &p.ls[i]
		ls.y = view(ls.ybuf, x.Rows, l.out)
		if l.kind == layerDense {
			ls.z = view(ls.zbuf, x.Rows, l.out)
			if !training && i < len(n.layers)-1 && l.act != Softmax {
				// Inference reads no hidden pre-activation: the product
				// finishes its tiles in y itself (z + b, then f in place),
				// one buffer less through the cache.
				ls.z = ls.y
			}
		}
		l.forward(in, ls.z, ls.y, ls, training, n.rng)
		in = ls.y
	}
	return &p.ls[len(p.ls)-1]
}

// scaleInput applies the network's input Scaler to x in p's buffer.
func (n *Network) scaleInput(p *pass, x Matrix) Matrix {
	if len(p.xs) < x.Rows*x.Cols {
		p.xs = make([]float32, p.rows*n.cfg.Inputs)
	}
	xs := view(p.xs, x.Rows, x.Cols)
	off, sc := n.scaler.Offset[:x.Cols], n.scaler.Scale[:x.Cols]
	for i := 0; i < x.Rows; i++ {
		src := x.Data[i*x.Stride : i*x.Stride+x.Cols]
		dst := xs.Data[i*x.Cols : (i+1)*x.Cols]
		for j, v := range src {
			dst[j] = (v - off[j]) * sc[j]
		}
	}
	return xs
}

// errDiverged is wrapped when a training step produces a non-finite loss.
func errDiverged(step int64, loss float64) error {
	return fmt.Errorf("%w: training diverged at step %d: loss is %v (lower the learning rate, clip gradients or check the data)", ErrValue, step, loss)
}

// checkDiverged returns an ErrValue when training left NaN or ±Inf in the
// weights or the optimizer state: the loss of the last batch can be finite
// while its update overflows.
func (n *Network) checkDiverged() error {
	if bad := n.nonFinite(true); bad != "" {
		return fmt.Errorf("%w: training diverged by step %d: tensor %q holds NaN or ±Inf (lower the learning rate, clip gradients or check the data)", ErrValue, n.step, bad)
	}
	return nil
}

// trainStep runs one update on the batch x, t (rows ≤ n.train.rows) with
// optional per-example weights sw. It returns the weighted loss sum of the
// batch (without the penalty) and the number of correct predictions.
func (n *Network) trainStep(x, t Matrix, sw []float32) (float64, int, error) {
	sum, correct, err := n.gradients(x, t, sw)
	if err != nil {
		return sum, correct, err
	}
	if n.cfg.Clip > 0 {
		if norm := clipByGlobalNorm(n.gradViews, float32(n.cfg.Clip)); math.IsNaN(norm) || math.IsInf(norm, 0) {
			return sum, correct, errDiverged(n.step, norm)
		}
	}
	lr := float32(n.cfg.Schedule.rate(n.cfg.Optimizer.LearningRate(), n.step))
	n.step++
	clipL1 := n.cfg.L1Clip && n.cfg.L1 > 0
	if clipL1 {
		n.l1Before = n.l1Before[:0]
		for i := range n.params {
			if pr := &n.params[i]; pr.kernel {
				n.l1Before = append(n.l1Before, pr.w...)
			}
		}
	}
	n.updateParams(lr, x.Rows)
	if clipL1 {
		off := 0
		for i := range n.params {
			if pr := &n.params[i]; pr.kernel {
				l1ClipStep(pr.w, n.l1Before[off:off+len(pr.w)], lr*float32(n.cfg.L1))
				off += len(pr.w)
			}
		}
	}
	for i := range n.params {
		if pr := &n.params[i]; pr.maxNorm > 0 {
			applyMaxNorm(pr.layer.w, pr.maxNorm, n.train.norms)
		}
	}
	return sum, correct, nil
}

// fuseDerivative turns the backward epilogue on; tests turn it off to
// compare with the unfused computation.
var fuseDerivative = true

// minParallelUpdate is the number of parameters from which the optimizer
// step is split across goroutines. The update streams every parameter, its
// gradient and its state through memory, a quarter of an Adam step of the
// 784-300-100-10 network at batch 128: on one goroutine it kept two
// threads from training much faster than 1.6× one.
const minParallelUpdate = 1 << 15

// updateParams applies the optimizer step at rate lr to every parameter
// after a step on a batch of rows, the elements split in up to GOMAXPROCS
// contiguous parts. Every rule is element-wise, so the values do not depend
// on the split. A batch too small for the products to be split
// (minParallelDim) keeps the update on the caller too: the step's weights,
// gradients and state then live in one core's caches, and a second core
// updating half of them moved those lines between the cores twice a step
// (batch 10 on MNIST trained 30 % slower on two threads than on one).
func (n *Network) updateParams(lr float32, rows int) {
	n.stepLR = lr
	if len(n.weights) < minParallelUpdate || rows < minParallelDim {
		n.updatePart(0, 1)
		return
	}
	if n.updateFn == nil {
		n.updateFn = n.updatePart
	}
	runParts(runtime.GOMAXPROCS(0), n.updateFn)
}

// updatePart updates part p of parts of the parameters. Each weight matrix
// is split by rows the way the weight-gradient product Xᵀ·dY splits its
// rows among the same number of parts (contiguous runs of whole mr-row
// strips), so a part updates the gradient rows its own core has just
// written; the other parameters (biases, batch-norm scales: one row each)
// go whole to the parts in turn. Splitting all parameters as one vector
// instead left each part a few dozen rows of gradient in the other core's
// cache: Adam's step on two threads of Zen 4 ran 1.55× one thread where
// this split gave 1.65–1.69× (medians of 400 alternating steps at batch
// 128, in one run; later runs ranged 1.36–1.56 with the host's memory
// bandwidth: Adam alone on two cores measured 1.11× one). Every rule is
// element-wise, so the values do not depend on the split.
func (n *Network) updatePart(p, parts int) {
	mr := activeKernel.mr
	for i := range n.params {
		pr := &n.params[i]
		if pr.rows < 2*mr {
			if i%parts == p {
				pr.state.update(pr.w, pr.g, 0, len(pr.w), n.step, n.stepLR)
			}
			continue
		}
		s0, s1 := split(ceilDiv(pr.rows, mr), parts, p)
		lo, hi := s0*mr*pr.stride, s1*mr*pr.stride
		if p == parts-1 {
			hi = len(pr.w)
		}
		if lo < hi {
			pr.state.update(pr.w, pr.g, lo, hi, n.step, n.stepLR)
		}
	}
}

// gradients runs the forward and backward passes of one training step and
// leaves the gradient of the minimised loss (reduced as configured, plus
// the L1/L2 penalty) in n.grads. It returns the batch's weighted loss sum
// without the penalty, and the number of correct predictions.
func (n *Network) gradients(x, t Matrix, sw []float32) (float64, int, error) {
	p := n.train
	rows := x.Rows
	out := n.forward(p, x, true)
	last := n.layers[len(n.layers)-1]
	dz := view(p.d0, rows, last.out)
	scale := float32(1)
	if n.cfg.Reduction == MeanReduction {
		scale = 1 / float32(rows)
	}
	sum := n.cfg.Loss.eval(out.z, out.y, t, last.act, last.alpha, p.ex[:rows], dz, scale, out.sums)
	if sw != nil {
		sum = 0
		for i := 0; i < rows; i++ {
			sum += float64(sw[i]) * p.ex[i]
			row := dz.Data[i*dz.Stride : i*dz.Stride+dz.Cols]
			for j := range row {
				row[j] *= sw[i]
			}
		}
	}
	if math.IsNaN(sum) || math.IsInf(sum, 0) {
		return sum, 0, errDiverged(n.step, sum)
	}
	correct := countCorrect(n.cfg.Loss, out.y, t)

	dy, spare := dz, p.d1
	// The output layer's dy is already ∂L/∂z (the loss is fused with its
	// activation); a dense layer below a dense layer gets its ∂L/∂z from
	// the product that computes its dy, which folds its activation's
	// derivative into each tile (see epilogue).
	fused := true
	for i := len(n.layers) - 1; i >= 0; i-- {
		l := n.layers[i]
		in := x
		if n.scaler != nil {
			in = view(p.xs, rows, x.Cols)
		}
		var dx Matrix
		var dxEpi epilogue
		if i > 0 {
			in = p.ls[i-1].y
			dx = view(spare, rows, l.in)
			if below := n.layers[i-1]; fuseDerivative && l.kind == layerDense && below.kind == layerDense && below.act != Softmax {
				bz, by := p.ls[i-1].z, p.ls[i-1].y
				dxEpi = epilogue{grad: true, act: below.act, alpha: below.alpha, z: bz.Data, ldz: bz.Stride, y: by.Data, ldy: by.Stride}
			}
		}
		next := dy.Data[:cap(dy.Data)]
		l.backward(in, p.ls[i].z, p.ls[i].y, dy, dx, &p.ls[i], fused, dxEpi)
		fused = dxEpi.grad
		dy, spare = dx, next
	}
	l1, l2 := float32(n.cfg.L1), float32(n.cfg.L2)
	if n.cfg.L1Clip {
		l1 = 0 // applied after the optimizer step (l1ClipStep)
	}
	if l1 != 0 || l2 != 0 {
		for i := range n.params {
			if n.params[i].kernel {
				penalize(n.params[i].w, n.params[i].g, l1, l2)
			}
		}
	}
	return sum, correct, nil
}

// countCorrect counts the rows of y whose prediction matches the target t:
// the arg-max for softmax cross entropy, every output thresholded at 0.5
// for binary cross entropy (counted per output). Other losses count 0.
func countCorrect(loss Loss, y, t Matrix) int {
	c := 0
	switch loss {
	case SoftmaxCrossEntropy:
		for i := 0; i < y.Rows; i++ {
			if argmax(y.Data[i*y.Stride:i*y.Stride+y.Cols]) == argmax(t.Data[i*t.Stride:i*t.Stride+t.Cols]) {
				c++
			}
		}
	case BinaryCrossEntropy:
		for i := 0; i < y.Rows; i++ {
			tr := t.Data[i*t.Stride : i*t.Stride+t.Cols]
			for j, v := range y.Data[i*y.Stride : i*y.Stride+y.Cols] {
				if (v >= 0.5) == (tr[j] >= 0.5) {
					c++
				}
			}
		}
	}
	return c
}

// isClassifier reports whether the loss has a notion of accuracy.
func isClassifier(l Loss) bool { return l == SoftmaxCrossEntropy || l == BinaryCrossEntropy }

func argmax(v []float32) int {
	best := 0
	for j, x := range v {
		if x > v[best] {
			best = j
		}
	}
	return best
}

// ---------------------------------------------------------------- options

// fitConfig collects the FitOptions.
type fitConfig struct {
	epochs, batch int
	shuffle       bool
	valX, valY    Matrix
	hasVal        bool
	sampleW       []float32
	classW        []float32
	patience      int
	restoreBest   bool
	onEpoch       func(EpochStats) error
	onBatch       func(BatchProgress)
}

// A FitOption adjusts Fit or Train.
type FitOption func(*fitConfig) error

// Epochs sets the number of passes over the data for Fit (default 1, ≥ 1).
// Train ignores it.
func Epochs(n int) FitOption {
	return func(c *fitConfig) error {
		if n < 1 {
			return fmt.Errorf("%w: epochs must be ≥ 1, got %d", ErrValue, n)
		}
		c.epochs = n
		return nil
	}
}

// BatchSize sets the mini-batch size (default 32, ≥ 1). The last batch of
// an epoch may be smaller.
func BatchSize(n int) FitOption {
	return func(c *fitConfig) error {
		if n < 1 {
			return fmt.Errorf("%w: batch size must be ≥ 1, got %d", ErrValue, n)
		}
		c.batch = n
		return nil
	}
}

// Shuffle turns the per-epoch shuffle on (the default) or off. The shuffle
// draws from the network's seeded generator.
func Shuffle(on bool) FitOption {
	return func(c *fitConfig) error { c.shuffle = on; return nil }
}

// Validation evaluates x, y after every epoch; its loss drives early
// stopping and ReduceOnPlateau.
func Validation(x, y Matrix) FitOption {
	return func(c *fitConfig) error { c.valX, c.valY, c.hasVal = x, y, true; return nil }
}

// SampleWeights weighs example i's loss by w[i] ≥ 0 (one per row of x).
func SampleWeights(w []float32) FitOption {
	return func(c *fitConfig) error { c.sampleW = w; return nil }
}

// ClassWeights weighs each example's loss by w[class], where class is the
// arg-max of its target row (classification with softmax cross entropy).
// It combines multiplicatively with SampleWeights.
func ClassWeights(w []float32) FitOption {
	return func(c *fitConfig) error { c.classW = w; return nil }
}

// EarlyStopping stops Fit when the monitored loss (validation loss, or the
// training loss without validation data) has not improved for patience
// epochs in a row; with restoreBest the weights of the best epoch are put
// back at the end.
func EarlyStopping(patience int, restoreBest bool) FitOption {
	return func(c *fitConfig) error {
		if patience < 1 {
			return fmt.Errorf("%w: early-stopping patience must be ≥ 1, got %d", ErrValue, patience)
		}
		c.patience, c.restoreBest = patience, restoreBest
		return nil
	}
}

// OnEpoch calls f after every epoch of Fit (and after every Train call) with
// its statistics; a non-nil error stops training and is returned, wrapped.
func OnEpoch(f func(EpochStats) error) FitOption {
	return func(c *fitConfig) error { c.onEpoch = f; return nil }
}

// OnBatch calls f after every training step, for progress bars.
func OnBatch(f func(BatchProgress)) FitOption {
	return func(c *fitConfig) error { c.onBatch = f; return nil }
}

// BatchProgress is what OnBatch reports.
type BatchProgress struct {
	Epoch        int     // 1-based epoch of Fit (0 in Train)
	Batch, Total int     // batches done in this epoch (or Train call) and their number
	Loss         float64 // the batch's mean loss
	Step         int64   // global step after the update
}

// EpochStats summarises one epoch of Fit (or one Train call).
type EpochStats struct {
	Epoch int   // 1-based
	Step  int64 // global step at the end of the epoch
	// Loss is the mean (weighted) training loss over the epoch's batches,
	// measured during training and without the L1/L2 penalty; Accuracy
	// the fraction of correctly classified training examples (NaN for
	// regression losses).
	Loss, Accuracy float64
	// ValLoss and ValAccuracy are measured on the Validation data after
	// the epoch (NaN without validation data or for regression).
	ValLoss, ValAccuracy float64
	LearningRate         float64 // the rate of the epoch's last update
	Examples             int     // training examples seen
	Duration             time.Duration
}

// History is what Fit returns: one entry per completed epoch.
type History struct {
	Epochs []EpochStats
	// BestEpoch is the 1-based epoch with the lowest monitored loss;
	// EarlyStopped says whether EarlyStopping ended training.
	BestEpoch    int
	EarlyStopped bool
}

func (n *Network) fitOptions(x, y Matrix, opts []FitOption) (fitConfig, error) {
	c := fitConfig{epochs: 1, batch: 32, shuffle: true}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&c); err != nil {
			return c, err
		}
	}
	if err := n.checkData("training", x, y); err != nil {
		return c, err
	}
	if c.hasVal {
		if err := n.checkData("validation", c.valX, c.valY); err != nil {
			return c, err
		}
	}
	if c.sampleW != nil {
		if len(c.sampleW) != x.Rows {
			return c, fmt.Errorf("%w: %d sample weights for %d examples", ErrShape, len(c.sampleW), x.Rows)
		}
		if err := checkWeights("sample", c.sampleW); err != nil {
			return c, err
		}
	}
	if c.classW != nil {
		if n.cfg.Loss != SoftmaxCrossEntropy || len(c.classW) != n.Outputs() {
			return c, fmt.Errorf("%w: %d class weights need a softmax cross-entropy network with %d outputs", ErrConfig, len(c.classW), n.Outputs())
		}
		if err := checkWeights("class", c.classW); err != nil {
			return c, err
		}
	}
	return c, nil
}

func checkWeights(kind string, w []float32) error {
	for i, v := range w {
		if !(v >= 0) || math.IsInf(float64(v), 1) {
			return fmt.Errorf("%w: %s weight %d is %v; weights must be finite and ≥ 0", ErrValue, kind, i, v)
		}
	}
	return nil
}

// checkData validates a feature matrix and its targets.
func (n *Network) checkData(what string, x, y Matrix) error {
	if err := x.Check(); err != nil {
		return fmt.Errorf("%s features: %w", what, err)
	}
	if err := y.Check(); err != nil {
		return fmt.Errorf("%s targets: %w", what, err)
	}
	if x.Rows == 0 {
		return fmt.Errorf("%w: no %s examples", ErrShape, what)
	}
	if x.Cols != n.cfg.Inputs {
		return fmt.Errorf("%w: %s features have %d columns, the network takes %d", ErrShape, what, x.Cols, n.cfg.Inputs)
	}
	if y.Rows != x.Rows || y.Cols != n.Outputs() {
		return fmt.Errorf("%w: %s targets are %d×%d, want %d×%d", ErrShape, what, y.Rows, y.Cols, x.Rows, n.Outputs())
	}
	if x.HasNaN() {
		return fmt.Errorf("%w: %s features contain NaN or Inf", ErrValue, what)
	}
	if y.HasNaN() {
		return fmt.Errorf("%w: %s targets contain NaN or Inf", ErrValue, what)
	}
	return nil
}

// ---------------------------------------------------------------- the loop

// batcher walks the training data in (possibly shuffled) mini-batches.
// With more than one thread, the next shuffled batch of the epoch is
// gathered ahead into the second buffer while the step on the current one
// runs, by product workers with nothing else to do (an idleTask).
type batcher struct {
	n     *Network
	x, y  Matrix
	c     *fitConfig
	batch int
	// The batch being gathered, by gatherPart (all parts at once) or ahead
	// of its step by gatherUnit (see next): the rows at positions pos..
	// of the order, into bx and bt, the pass's batch buffers of side side.
	// Once the gather is complete they describe the batch next returns.
	pos, side int
	bx, bt    Matrix
	gather    func(part, parts int) // gatherPart, bound once
	unit      func(unit int)        // gatherUnit, bound once
	ahead     idleTask
	pending   bool // a gather ahead not yet completed
}

// gatherAheadRows is the number of rows in one unit of a gather ahead: a
// worker checks for a product between units.
const gatherAheadRows = 4

// minParallelGather is the batch size in floats (rows × features) from which
// a shuffled batch is gathered by all workers: the copy reads rows scattered
// over the data set from memory, and one core's share of the memory
// bandwidth is what limits it (batch 128 of MNIST, 400 KB, measured as 5 %
// of a one-thread training step, 10 % of a two-thread one). From the same
// size the next batch is gathered ahead (see batcher). A variable for tests.
var minParallelGather = 1 << 16

// gatherRows copies rows i0..i1 of the batch being gathered.
func (b *batcher) gatherRows(i0, i1 int) {
	x, t, perm := b.bx, b.bt, b.n.perm
	for i := i0; i < i1; i++ {
		r := perm[b.pos+i]
		copy(x.Data[i*x.Cols:(i+1)*x.Cols], b.x.Data[r*b.x.Stride:r*b.x.Stride+b.x.Cols])
		copy(t.Data[i*t.Cols:(i+1)*t.Cols], b.y.Data[r*b.y.Stride:r*b.y.Stride+b.y.Cols])
	}
}

// gatherPart copies part p of parts of the batch's rows.
func (b *batcher) gatherPart(p, parts int) {
	b.gatherRows(split(b.bx.Rows, parts, p))
}

// gatherUnit copies unit u of the batch gathered ahead.
func (b *batcher) gatherUnit(u int) {
	i0 := u * gatherAheadRows
	b.gatherRows(i0, min(i0+gatherAheadRows, b.bx.Rows))
}

// target makes the rows rows at position pos of the order the batch being
// gathered, into the pass's batch buffers of side side.
func (b *batcher) target(pos, rows, side int) {
	p := b.n.train
	x, t := p.x, p.t
	if side == 1 {
		if p.x2 == nil {
			p.x2, p.t2 = make([]float32, len(p.x)), make([]float32, len(p.t))
		}
		x, t = p.x2, p.t2
	}
	b.pos, b.side, b.bx, b.bt = pos, side, view(x, rows, b.x.Cols), view(t, rows, b.y.Cols)
}

// finishAhead completes the gather ahead, if any, and reports whether it
// gathered the rows at pos.
func (b *batcher) finishAhead(pos int) bool {
	if !b.pending {
		return false
	}
	b.ahead.complete()
	b.pending = false
	return b.pos == pos
}

// close completes the gather ahead, if any: after it no worker writes to
// the batch buffers.
func (b *batcher) close() { b.finishAhead(-1) }

// next returns the batch starting at position pos of the current order.
func (b *batcher) next(pos int) (x, t Matrix, sw []float32) {
	n, p := b.n, b.n.train
	rows := min(b.batch, b.x.Rows-pos)
	weighted := b.c.sampleW != nil || b.c.classW != nil
	if !b.c.shuffle {
		x, _ = b.x.RowView(pos, pos+rows)
		t, _ = b.y.RowView(pos, pos+rows)
	} else {
		if !b.finishAhead(pos) {
			// Either side is free: the last batch's step is done.
			b.target(pos, rows, b.side)
			if b.gather == nil {
				b.gather = b.gatherPart
			}
			runParts(partsFor(rows*b.x.Cols, minParallelGather), b.gather)
		}
		x, t = b.bx, b.bt
	}
	if next := pos + rows; b.c.shuffle && next < b.x.Rows {
		if nr := min(b.batch, b.x.Rows-next); partsFor(nr*b.x.Cols, minParallelGather) > 1 {
			// The order stays until the epoch ends, so the rows at next
			// are known now; they go to the side x and t do not use.
			b.target(next, nr, 1-b.side)
			b.pending = true
			if b.unit == nil {
				b.unit = b.gatherUnit
			}
			b.ahead.offer(ceilDiv(nr, gatherAheadRows), b.unit)
		}
	}
	if weighted {
		sw = p.sw[:rows]
		for i := range sw {
			r := pos + i
			if b.c.shuffle {
				r = n.perm[pos+i]
			}
			w := float32(1)
			if b.c.sampleW != nil {
				w = b.c.sampleW[r]
			}
			if b.c.classW != nil {
				w *= b.c.classW[argmax(b.y.Data[r*b.y.Stride:r*b.y.Stride+b.y.Cols])]
			}
			sw[i] = w
		}
	}
	return x, t, sw
}

// prepare sizes the training workspace and the shuffle order for x. A
// network loaded in the middle of an epoch over data of x's size keeps its
// position and rebuilds that epoch's order from the saved generator state,
// so training continues exactly where it stopped.
func (n *Network) prepare(x Matrix, batch int) {
	if n.train == nil || n.train.rows < batch {
		n.train = n.newPass(batch, true)
	}
	if len(n.perm) != x.Rows {
		n.perm = make([]int, x.Rows)
		for i := range n.perm {
			n.perm[i] = i
		}
		if n.cursorRows == x.Rows && n.cursor > 0 && n.cursor <= x.Rows {
			if n.permRNG != nil {
				pcg := new(rand.PCG)
				if pcg.UnmarshalBinary(n.permRNG) == nil {
					permute(n.perm, rand.New(pcg))
				}
			}
		} else {
			n.cursor, n.cursorRows = 0, x.Rows
		}
	}
}

// shuffle draws a fresh order from the identity, so the order depends only
// on the generator's state (which a checkpoint saves), not on the last one.
// It records that state first, for prepare to rebuild the order after a
// Load.
func (n *Network) shuffle() {
	n.permRNG, _ = n.pcg.AppendBinary(n.permRNG[:0])
	for i := range n.perm {
		n.perm[i] = i
	}
	permute(n.perm, n.rng)
}

// permute shuffles perm with r.
func permute(perm []int, r *rand.Rand) {
	r.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
}

// beginTraining marks the network as training, or returns an ErrConfig
// when a Fit or Train call is already running on it.
func (n *Network) beginTraining() error {
	if !n.training.CompareAndSwap(false, true) {
		return fmt.Errorf("%w: network is already training (Fit and Train cannot run concurrently on one network)", ErrConfig)
	}
	return nil
}

// Fit trains for whole epochs over x and its targets y (one row per
// example; for softmax cross entropy y holds one-hot rows, see [OneHot]).
// It checks ctx between steps; when ctx is done it returns the history of
// the completed epochs and an error wrapping ctx.Err(), leaving the network
// at its last completed step. A loss, weight or optimizer state that
// becomes NaN or ±Inf stops it with an error wrapping ErrValue that names
// the step.
func (n *Network) Fit(ctx context.Context, x, y Matrix, opts ...FitOption) (*History, error) {
	if err := n.beginTraining(); err != nil {
		return nil, err
	}
	defer n.training.Store(false)
	c, err := n.fitOptions(x, y, opts)
	if err != nil {
		return nil, err
	}
	n.prepare(x, min(c.batch, x.Rows))
	b := &batcher{n: n, x: x, y: y, c: &c, batch: c.batch}
	defer b.close()
	h := &History{}
	best := math.Inf(1)
	var bestWeights []float32
	var bestMoving [][]float32
	wait := 0
	batches := ceilDiv(x.Rows, c.batch)
	for epoch := 1; epoch <= c.epochs; epoch++ {
		start := time.Now()
		if c.shuffle {
			n.shuffle()
		}
		var sum, weight float64
		correct := 0
		lr := 0.0
		for bi := 0; bi < batches; bi++ {
			if err := ctx.Err(); err != nil {
				return h, fmt.Errorf("training stopped at step %d: %w", n.step, err)
			}
			bx, bt, sw := b.next(bi * c.batch)
			lr = n.cfg.Schedule.rate(n.cfg.Optimizer.LearningRate(), n.step)
			s, k, err := n.trainStep(bx, bt, sw)
			if err != nil {
				return h, err
			}
			// Keep the position, so that a Train after an interrupted
			// Fit finishes the epoch and one after a complete Fit starts
			// a new one.
			n.cursor, n.cursorRows = bi*c.batch+bx.Rows, x.Rows
			sum += s
			weight += batchWeight(bx.Rows, sw)
			correct += k
			if c.onBatch != nil {
				c.onBatch(BatchProgress{Epoch: epoch, Batch: bi + 1, Total: batches, Loss: s / batchWeight(bx.Rows, sw), Step: n.step})
			}
		}
		st := n.epochStats(epoch, sum/weight, correct, x.Rows, lr, time.Since(start))
		if c.hasVal {
			ev, err := n.Evaluate(c.valX, c.valY)
			if err != nil {
				return h, err
			}
			st.ValLoss, st.ValAccuracy = ev.AverageLoss, ev.Accuracy
		}
		monitored := st.Loss
		if c.hasVal {
			monitored = st.ValLoss
		}
		if ps, ok := n.cfg.Schedule.(*PlateauSchedule); ok {
			ps.observe(monitored)
		}
		h.Epochs = append(h.Epochs, st)
		if monitored < best {
			best, h.BestEpoch, wait = monitored, epoch, 0
			if c.restoreBest {
				bestWeights = append(bestWeights[:0], n.weights...)
				bestMoving = n.snapshotMoving(bestMoving)
			}
		} else {
			wait++
		}
		if c.onEpoch != nil {
			if err := c.onEpoch(st); err != nil {
				return h, fmt.Errorf("epoch %d callback: %w", epoch, err)
			}
		}
		if c.patience > 0 && wait >= c.patience {
			h.EarlyStopped = true
			break
		}
	}
	if c.restoreBest && bestWeights != nil {
		copy(n.weights, bestWeights)
		n.restoreMoving(bestMoving)
	}
	if err := n.checkDiverged(); err != nil {
		return h, err
	}
	return h, nil
}

// snapshotMoving copies the batch-norm moving statistics.
func (n *Network) snapshotMoving(dst [][]float32) [][]float32 {
	dst = dst[:0]
	for _, l := range n.layers {
		if l.kind == layerBatchNorm {
			dst = append(dst, append([]float32(nil), l.movingMean...), append([]float32(nil), l.movingVar...))
		}
	}
	return dst
}

func (n *Network) restoreMoving(src [][]float32) {
	i := 0
	for _, l := range n.layers {
		if l.kind == layerBatchNorm && i+1 < len(src) {
			copy(l.movingMean, src[i])
			copy(l.movingVar, src[i+1])
			i += 2
		}
	}
}

func batchWeight(rows int, sw []float32) float64 {
	if sw == nil {
		return float64(rows)
	}
	var s float64
	for _, w := range sw {
		s += float64(w)
	}
	return s
}

func (n *Network) epochStats(epoch int, loss float64, correct, examples int, lr float64, d time.Duration) EpochStats {
	st := EpochStats{Epoch: epoch, Step: n.step, Loss: loss, Accuracy: math.NaN(),
		ValLoss: math.NaN(), ValAccuracy: math.NaN(), LearningRate: lr, Examples: examples, Duration: d}
	switch n.cfg.Loss {
	case SoftmaxCrossEntropy:
		st.Accuracy = float64(correct) / float64(examples)
	case BinaryCrossEntropy:
		st.Accuracy = float64(correct) / float64(examples*n.Outputs())
	}
	return st
}

// Train runs exactly steps updates (TensorFlow's train(steps)), walking
// on through the data from where the previous Train call stopped and
// starting a new (reshuffled) epoch whenever the data runs out; the global
// step grows by steps. Epochs and EarlyStopping do not apply; OnEpoch is
// called once at the end with the call's statistics. Divergence (NaN or
// ±Inf in the loss, the weights or the optimizer state) is an ErrValue, as
// in Fit.
func (n *Network) Train(ctx context.Context, x, y Matrix, steps int, opts ...FitOption) (EpochStats, error) {
	if steps < 0 {
		return EpochStats{}, fmt.Errorf("%w: steps must be ≥ 0, got %d", ErrValue, steps)
	}
	if err := n.beginTraining(); err != nil {
		return EpochStats{}, err
	}
	defer n.training.Store(false)
	c, err := n.fitOptions(x, y, opts)
	if err != nil {
		return EpochStats{}, err
	}
	n.prepare(x, min(c.batch, x.Rows))
	b := &batcher{n: n, x: x, y: y, c: &c, batch: c.batch}
	defer b.close()
	start := time.Now()
	var sum, weight float64
	correct, seen := 0, 0
	lr := 0.0
	for s := 0; s < steps; s++ {
		if err := ctx.Err(); err != nil {
			return n.epochStats(n.epoch, sum/weight, correct, seen, lr, time.Since(start)), fmt.Errorf("training stopped at step %d: %w", n.step, err)
		}
		if n.cursor >= x.Rows {
			n.cursor = 0
			n.epoch++
		}
		if n.cursor == 0 && c.shuffle {
			n.shuffle()
		}
		bx, bt, sw := b.next(n.cursor)
		lr = n.cfg.Schedule.rate(n.cfg.Optimizer.LearningRate(), n.step)
		l, k, err := n.trainStep(bx, bt, sw)
		if err != nil {
			return n.epochStats(n.epoch, sum/weight, correct, seen, lr, time.Since(start)), err
		}
		n.cursor += bx.Rows
		sum += l
		weight += batchWeight(bx.Rows, sw)
		correct += k
		seen += bx.Rows
		if c.onBatch != nil {
			c.onBatch(BatchProgress{Batch: s + 1, Total: steps, Loss: l / batchWeight(bx.Rows, sw), Step: n.step})
		}
	}
	st := n.epochStats(n.epoch+1, sum/max(weight, 1), correct, max(seen, 1), lr, time.Since(start))
	st.Examples = seen
	if err := n.checkDiverged(); err != nil {
		return st, err
	}
	if c.hasVal {
		ev, err := n.Evaluate(c.valX, c.valY)
		if err != nil {
			return st, err
		}
		st.ValLoss, st.ValAccuracy = ev.AverageLoss, ev.Accuracy
	}
	if c.onEpoch != nil {
		if err := c.onEpoch(st); err != nil {
			return st, fmt.Errorf("callback: %w", err)
		}
	}
	return st, nil
}
