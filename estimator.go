package ann

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// estimatorConfig holds the settings shared by DNNClassifier and
// DNNRegressor, with TensorFlow 1.x's canned-estimator defaults.
type estimatorConfig struct {
	hidden          []int
	classes         int // classifier only
	labelDim        int // regressor only
	act             Activation
	opt             Optimizer
	dropout         float64
	batchNorm       bool
	l1, l2          float64
	reduction       Reduction
	batch           int
	shuffle         bool
	seed            uint64
	modelDir        string
	checkpointEvery int
	keep            int
	scaling         string
	vocabulary      []string
	logEvery        int
}

// An EstimatorOption configures a DNNClassifier or DNNRegressor.
type EstimatorOption func(*estimatorConfig) error

// HiddenUnits sets the widths of the hidden layers, input side first
// (TensorFlow's hidden_units). Required; each must be ≥ 1.
func HiddenUnits(units ...int) EstimatorOption {
	return func(c *estimatorConfig) error {
		if len(units) == 0 {
			return fmt.Errorf("%w: hidden_units is empty", ErrConfig)
		}
		for _, u := range units {
			if u < 1 {
				return fmt.Errorf("%w: hidden_units: %d is not ≥ 1", ErrConfig, u)
			}
		}
		c.hidden = slices.Clone(units)
		return nil
	}
}

// NClasses sets the number of classes of a DNNClassifier (n_classes,
// default 2, ≥ 2).
func NClasses(n int) EstimatorOption {
	return func(c *estimatorConfig) error {
		if n < 2 {
			return fmt.Errorf("%w: n_classes must be ≥ 2, got %d", ErrConfig, n)
		}
		c.classes = n
		return nil
	}
}

// LabelDimension sets the number of regression targets of a DNNRegressor
// (label_dimension, default 1).
func LabelDimension(n int) EstimatorOption {
	return func(c *estimatorConfig) error {
		if n < 1 {
			return fmt.Errorf("%w: label_dimension must be ≥ 1, got %d", ErrConfig, n)
		}
		c.labelDim = n
		return nil
	}
}

// ActivationFn sets the hidden layers' activation (activation_fn, default
// ReLU).
func ActivationFn(a Activation) EstimatorOption {
	return func(c *estimatorConfig) error {
		if !a.valid() || a == Softmax {
			return fmt.Errorf("%w: activation_fn %v cannot be a hidden activation", ErrConfig, a)
		}
		c.act = a
		return nil
	}
}

// UseOptimizer sets the optimizer (default AdaGrad(0.05), TensorFlow's).
func UseOptimizer(o Optimizer) EstimatorOption {
	return func(c *estimatorConfig) error {
		if o == nil {
			return fmt.Errorf("%w: nil optimizer", ErrConfig)
		}
		if err := o.validate(); err != nil {
			return err
		}
		c.opt = o
		return nil
	}
}

// DropoutRate sets the probability of dropping each hidden unit in
// training (dropout, default 0: none), in [0, 1).
func DropoutRate(rate float64) EstimatorOption {
	return func(c *estimatorConfig) error {
		if !(rate >= 0 && rate < 1) {
			return fmt.Errorf("%w: dropout must be in [0, 1), got %v", ErrValue, rate)
		}
		c.dropout = rate
		return nil
	}
}

// BatchNormalization adds batch normalization after each hidden layer
// (batch_norm; momentum 0.999, ε 0.001).
func BatchNormalization(on bool) EstimatorOption {
	return func(c *estimatorConfig) error { c.batchNorm = on; return nil }
}

// WeightPenalty adds λ₁·Σ|w| + ½·λ₂·Σw² over the dense kernels to the loss
// (see [Builder.L1] and [Builder.L2]). TensorFlow's canned estimators have
// no such option: their L1/L2 strengths live in the optimizer
// ([ProximalAdaGrad], [FTRL]), which is where the tutorial puts them.
func WeightPenalty(l1, l2 float64) EstimatorOption {
	return func(c *estimatorConfig) error {
		for _, v := range []float64{l1, l2} {
			if err := checkNonNegative("weight penalty", v); err != nil {
				return err
			}
		}
		c.l1, c.l2 = l1, l2
		return nil
	}
}

// LossReduction sets how a batch's losses are combined. The default is
// SumReduction, as TensorFlow 1.x's canned estimators do
// (loss_reduction=SUM): gradients are sums over the batch, so AdaGrad's
// initial accumulator of 0.1 is small next to them. With MeanReduction the
// same learning rate takes steps about batch-size times smaller.
func LossReduction(r Reduction) EstimatorOption {
	return func(c *estimatorConfig) error {
		if r > SumReduction {
			return fmt.Errorf("%w: unknown reduction %v", ErrConfig, r)
		}
		c.reduction = r
		return nil
	}
}

// TrainBatchSize sets the mini-batch size of Train (default 128; the
// tutorial's numpy_input_fn uses 50).
func TrainBatchSize(n int) EstimatorOption {
	return func(c *estimatorConfig) error {
		if n < 1 {
			return fmt.Errorf("%w: batch size must be ≥ 1, got %d", ErrValue, n)
		}
		c.batch = n
		return nil
	}
}

// ShuffleData turns the per-epoch shuffle of Train on or off (default on;
// the tutorial's input function has shuffle=False).
func ShuffleData(on bool) EstimatorOption {
	return func(c *estimatorConfig) error { c.shuffle = on; return nil }
}

// RandomSeed seeds the initial weights, shuffles and dropout (default 1).
func RandomSeed(seed uint64) EstimatorOption {
	return func(c *estimatorConfig) error { c.seed = seed; return nil }
}

// ModelDir sets the model directory (model_dir). Train resumes from its
// latest checkpoint and writes new ones there with a train_log.jsonl; an
// estimator without one keeps its model in memory only. When the newest
// checkpoints do not load (corrupt, or written with non-finite values by an
// older version), the estimator resumes from the newest one that does,
// writes a "warning" line to train_log.jsonl, and reports the fallback
// through Restored.
func ModelDir(dir string) EstimatorOption {
	return func(c *estimatorConfig) error { c.modelDir = dir; return nil }
}

// CheckpointEvery writes a checkpoint every steps global steps during
// Train, besides the one at the end of every Train call (default 0: only at
// the end).
func CheckpointEvery(steps int) EstimatorOption {
	return func(c *estimatorConfig) error {
		if steps < 0 {
			return fmt.Errorf("%w: checkpoint interval must be ≥ 0, got %d", ErrValue, steps)
		}
		c.checkpointEvery = steps
		return nil
	}
}

// KeepCheckpoints sets how many checkpoints the model directory keeps
// (keep_checkpoint_max, default 5, ≥ 1).
func KeepCheckpoints(k int) EstimatorOption {
	return func(c *estimatorConfig) error {
		if k < 1 {
			return fmt.Errorf("%w: keep must be ≥ 1, got %d", ErrValue, k)
		}
		c.keep = k
		return nil
	}
}

// LogEvery sets how often (in steps) Train appends a line to
// train_log.jsonl in the model directory (default 100, TensorFlow's
// summary interval).
func LogEvery(steps int) EstimatorOption {
	return func(c *estimatorConfig) error {
		if steps < 1 {
			return fmt.Errorf("%w: log interval must be ≥ 1, got %d", ErrValue, steps)
		}
		c.logEvery = steps
		return nil
	}
}

// InputScaling makes the estimator fit a scaler ("minmax" or "standard") on
// the data of its first Train call and apply it to every input from then
// on, in training, evaluation and prediction; the scaler is saved with the
// model. "none" (the default) leaves inputs as they are.
func InputScaling(kind string) EstimatorOption {
	return func(c *estimatorConfig) error {
		switch kind {
		case "none", "minmax", "standard":
			c.scaling = kind
			return nil
		}
		return fmt.Errorf("%w: input scaling %q is not none, minmax or standard", ErrConfig, kind)
	}
}

// LabelVocabulary names the classes of a DNNClassifier (label_vocabulary);
// by default they are named after the training data's Classes, or "0",
// "1", ….
func LabelVocabulary(names ...string) EstimatorOption {
	return func(c *estimatorConfig) error { c.vocabulary = slices.Clone(names); return nil }
}

func newEstimatorConfig(opts []EstimatorOption) (estimatorConfig, error) {
	c := estimatorConfig{classes: 2, labelDim: 1, act: ReLU, opt: AdaGrad(0.05), reduction: SumReduction,
		batch: 128, shuffle: true, seed: 1, keep: 5, scaling: "none", logEvery: 100}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&c); err != nil {
			return c, err
		}
	}
	if len(c.hidden) == 0 {
		return c, fmt.Errorf("%w: hidden_units is required", ErrConfig)
	}
	return c, nil
}

// estimator is what DNNClassifier and DNNRegressor share: the network, its
// model directory and the training loop around it.
type estimator struct {
	cfg        estimatorConfig
	classifier bool
	net        *Network

	// restoredFrom is the checkpoint the network was restored from ("" for
	// a fresh one); skipped holds the errors of newer checkpoints that did
	// not load.
	restoredFrom string
	skipped      []error
	warned       bool // the fallback is in the training log
}

// RestoreInfo says which checkpoint of its model directory an estimator
// resumed from.
type RestoreInfo struct {
	// Path is the checkpoint the model was restored from, "" when it
	// started fresh (or has not needed its model yet).
	Path string
	// Skipped holds one error per newer checkpoint that could not be loaded
	// (corrupt, truncated, or holding non-finite values), newest first; the
	// estimator fell back past them to Path.
	Skipped []error
}

func (e *estimator) outputs() int {
	if e.classifier {
		return e.cfg.classes
	}
	return e.cfg.labelDim
}

func (e *estimator) build(inputs int) (*Network, error) {
	b := New(inputs)
	for _, u := range e.cfg.hidden {
		b.Dense(u, e.cfg.act)
		if e.cfg.dropout > 0 {
			b.Dropout(e.cfg.dropout)
		}
		if e.cfg.batchNorm {
			b.BatchNorm()
		}
	}
	if e.classifier {
		b.Dense(e.cfg.classes, Softmax).Loss(SoftmaxCrossEntropy)
	} else {
		b.Dense(e.cfg.labelDim, Identity).Loss(MeanSquaredError)
	}
	return b.Optimizer(e.cfg.opt).L1(e.cfg.l1).L2(e.cfg.l2).Reduction(e.cfg.reduction).Seed(e.cfg.seed).Build()
}

// ensure makes the network for data of the given width: from the latest
// checkpoint in the model directory if there is one, else fresh.
func (e *estimator) ensure(inputs int) error {
	if e.net != nil {
		if e.net.Inputs() != inputs {
			return fmt.Errorf("%w: the model takes %d features, the data has %d", ErrShape, e.net.Inputs(), inputs)
		}
		return nil
	}
	net, err := e.build(inputs)
	if err != nil {
		return err
	}
	if e.cfg.modelDir != "" {
		saved, ck, skipped, err := LoadLatestCheckpoint(e.cfg.modelDir)
		if err != nil {
			return fmt.Errorf("resuming: %w", err)
		}
		e.restoredFrom, e.skipped = ck, skipped
		if saved != nil {
			if err := sameArchitecture(net, saved); err != nil {
				return fmt.Errorf("resuming from %s: %w", ck, err)
			}
			if err := net.restoreState(saved); err != nil {
				return fmt.Errorf("resuming from %s: %w", ck, err)
			}
		}
	}
	e.net = net
	return nil
}

// sameArchitecture checks that a checkpoint has the configured layer
// widths (dropout and optimizer may change between runs, as in the
// tutorial's "improved" model).
func sameArchitecture(want, got *Network) error {
	widths := func(n *Network) []int {
		w := []int{n.Inputs()}
		for _, l := range n.layers {
			if l.kind == layerDense {
				w = append(w, l.out)
			}
		}
		return w
	}
	a, b := widths(want), widths(got)
	if !slices.Equal(a, b) {
		return fmt.Errorf("%w: checkpoint has dense widths %v, the estimator is configured for %v", ErrConfig, b, a)
	}
	hasBN := func(n *Network) bool {
		return slices.ContainsFunc(n.layers, func(l *layer) bool { return l.kind == layerBatchNorm })
	}
	if hasBN(want) != hasBN(got) {
		return fmt.Errorf("%w: checkpoint and estimator disagree on batch normalization", ErrConfig)
	}
	return nil
}

// targets turns a data set into the network's target matrix.
func (e *estimator) targets(d *Dataset) (Matrix, error) {
	if d == nil {
		return Matrix{}, fmt.Errorf("%w: nil data set", ErrShape)
	}
	if e.classifier {
		if d.Labels == nil {
			return Matrix{}, fmt.Errorf("%w: a classifier needs Labels", ErrShape)
		}
		for i, l := range d.Labels {
			if l < 0 || l >= e.cfg.classes {
				return Matrix{}, fmt.Errorf("%w: label %d of example %d is not in [0, %d)", ErrValue, l, i, e.cfg.classes)
			}
		}
		return OneHot(d.Labels, e.cfg.classes)
	}
	if d.Y.Rows == 0 || d.Y.Cols != e.cfg.labelDim {
		return Matrix{}, fmt.Errorf("%w: a regressor with label dimension %d needs Y of %d columns, got %d×%d", ErrShape, e.cfg.labelDim, e.cfg.labelDim, d.Y.Rows, d.Y.Cols)
	}
	return d.Y, nil
}

// TrainResult reports one Train call.
type TrainResult struct {
	GlobalStep int64
	// Loss is the mean per-example training loss over the call's steps.
	Loss     float64
	Steps    int
	Duration time.Duration
	// SamplesPerSecond is the training throughput of the call.
	SamplesPerSecond float64
}

func (e *estimator) train(ctx context.Context, d *Dataset, steps int, onStep func(BatchProgress)) (TrainResult, error) {
	if steps < 0 {
		return TrainResult{}, fmt.Errorf("%w: steps must be ≥ 0, got %d", ErrValue, steps)
	}
	t, err := e.targets(d)
	if err != nil {
		return TrainResult{}, err
	}
	if err := e.ensure(d.X.Cols); err != nil {
		return TrainResult{}, err
	}
	net := e.net
	if e.cfg.scaling != "none" && net.scaler == nil {
		// FitScaler names a column whose values overflow the scaler.
		s, err := d.FitScaler(e.cfg.scaling)
		if err != nil {
			return TrainResult{}, err
		}
		if err := net.SetScaler(s); err != nil {
			return TrainResult{}, err
		}
	}
	if net.meta.FeatureNames == nil && net.meta.Classes == nil {
		meta := Meta{LabelName: d.LabelName}
		if len(d.FeatureNames) == d.X.Cols {
			meta.FeatureNames = d.FeatureNames
		}
		if e.classifier {
			meta.Classes = e.classNames(d)
		}
		if err := net.SetMeta(meta); err != nil {
			return TrainResult{}, err
		}
	}
	var logf *os.File
	var logErr error // the first failed write of the training log
	logLine := func(v map[string]any) {
		if logf == nil || logErr != nil {
			return
		}
		line, err := json.Marshal(v)
		if err == nil {
			_, err = logf.Write(append(line, '\n'))
		}
		if err != nil {
			logErr = fmt.Errorf("%w: writing the training log %s: %w", ErrConfig, logf.Name(), err)
		}
	}
	if e.cfg.modelDir != "" {
		if err := os.MkdirAll(e.cfg.modelDir, 0o755); err != nil {
			return TrainResult{}, fmt.Errorf("%w: model directory: %w", ErrConfig, err)
		}
		removeOrphans(e.cfg.modelDir)
		logf, err = os.OpenFile(filepath.Join(e.cfg.modelDir, "train_log.jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return TrainResult{}, fmt.Errorf("%w: training log: %w", ErrConfig, err)
		}
		defer logf.Close()
		if len(e.skipped) > 0 && !e.warned {
			e.warned = true
			msgs := make([]string, len(e.skipped))
			for i, s := range e.skipped {
				msgs[i] = s.Error()
			}
			logLine(map[string]any{"warning": "newer checkpoints did not load; resumed from an older one",
				"restored_from": filepath.Base(e.restoredFrom), "skipped": msgs})
		}
	}
	start := time.Now()
	res := TrainResult{}
	var lossSum float64
	var winSum float64
	winN, done, examples := 0, 0, 0
	// Train in chunks between checkpoints so a crash loses at most one
	// interval.
	for done < steps {
		chunk := steps - done
		if e.cfg.checkpointEvery > 0 {
			chunk = min(chunk, e.cfg.checkpointEvery-int(net.step%int64(e.cfg.checkpointEvery)))
		}
		before := net.step
		st, err := net.Train(ctx, d.X, t, chunk, BatchSize(e.cfg.batch), Shuffle(e.cfg.shuffle),
			OnBatch(func(p BatchProgress) {
				winSum += p.Loss
				winN++
				if logf != nil && p.Step%int64(e.cfg.logEvery) == 0 {
					logLine(map[string]any{"step": p.Step, "loss": winSum / float64(winN),
						"elapsed_seconds": time.Since(start).Seconds()})
					winSum, winN = 0, 0
				}
				if onStep != nil {
					onStep(p)
				}
			}))
		ran := int(net.step - before)
		done += ran
		res.Steps += ran
		lossSum += st.Loss * float64(st.Examples)
		examples += st.Examples
		if err != nil {
			if e.cfg.modelDir != "" && ran > 0 {
				if cerr := e.checkpoint(); cerr != nil {
					return res, errors.Join(err, cerr)
				}
			}
			res.GlobalStep = net.step
			return res, err
		}
		if e.cfg.modelDir != "" {
			if err := e.checkpoint(); err != nil {
				return res, err
			}
		}
		if logErr != nil {
			res.GlobalStep = net.step
			return res, logErr
		}
	}
	res.GlobalStep = net.step
	res.Duration = time.Since(start)
	if examples > 0 {
		res.Loss = lossSum / float64(examples)
		res.SamplesPerSecond = float64(examples) / res.Duration.Seconds()
	}
	return res, nil
}

func (e *estimator) classNames(d *Dataset) []string {
	switch {
	case len(e.cfg.vocabulary) == e.cfg.classes:
		return slices.Clone(e.cfg.vocabulary)
	case len(d.Classes) == e.cfg.classes:
		return slices.Clone(d.Classes)
	}
	names := make([]string, e.cfg.classes)
	for i := range names {
		names[i] = strconv.Itoa(i)
	}
	return names
}

// checkpoint writes a checkpoint of the estimator's network into its model
// directory.
func (e *estimator) checkpoint() error {
	_, err := WriteCheckpoint(e.cfg.modelDir, e.net, e.cfg.keep)
	return err
}

// ---------------------------------------------------------------- DNNClassifier

// DNNClassifier is TensorFlow's canned DNNClassifier: a feed-forward
// network with hidden ReLU layers and a softmax output, trained with
// AdaGrad(0.05) on the summed softmax cross entropy, with its state kept
// in a model directory. Binary problems (n_classes = 2) use two softmax
// outputs where TensorFlow uses one logistic output; the two models are
// equivalent. It is not safe for concurrent use while training.
type DNNClassifier struct{ e estimator }

// NewDNNClassifier returns a classifier; HiddenUnits is required.
func NewDNNClassifier(opts ...EstimatorOption) (*DNNClassifier, error) {
	cfg, err := newEstimatorConfig(opts)
	if err != nil {
		return nil, err
	}
	if cfg.vocabulary != nil && len(cfg.vocabulary) != cfg.classes {
		return nil, fmt.Errorf("%w: %d label names for %d classes", ErrConfig, len(cfg.vocabulary), cfg.classes)
	}
	return &DNNClassifier{e: estimator{cfg: cfg, classifier: true}}, nil
}

// Train runs steps training steps on d (its X and Labels), resuming from
// the model directory's latest checkpoint and writing a new one at the end,
// so two calls of 1000 steps end at global step 2000 (TensorFlow's
// train(steps)). On cancellation it checkpoints the last completed step and
// returns an error wrapping ctx.Err().
func (c *DNNClassifier) Train(ctx context.Context, d *Dataset, steps int) (TrainResult, error) {
	return c.e.train(ctx, d, steps, nil)
}

// TrainWithProgress is Train with a callback after every step.
func (c *DNNClassifier) TrainWithProgress(ctx context.Context, d *Dataset, steps int, onStep func(BatchProgress)) (TrainResult, error) {
	return c.e.train(ctx, d, steps, onStep)
}

// Network returns the underlying network (nil before the first Train or
// Load), for saving, export and inspection.
func (c *DNNClassifier) Network() *Network { return c.e.net }

// Restored says which checkpoint the classifier resumed from and which
// newer ones it skipped because they did not load.
func (c *DNNClassifier) Restored() RestoreInfo {
	return RestoreInfo{Path: c.e.restoredFrom, Skipped: slices.Clone(c.e.skipped)}
}

// GlobalStep returns the number of training steps taken so far.
func (c *DNNClassifier) GlobalStep() int64 {
	if c.e.net == nil {
		return 0
	}
	return c.e.net.step
}

// ClassifierEval holds TensorFlow's evaluate() keys for a classifier.
type ClassifierEval struct {
	Accuracy    float64 // accuracy
	AverageLoss float64 // average_loss: mean per-example cross entropy
	Loss        float64 // loss: the summed cross entropy over the set (one batch)
	GlobalStep  int64   // global_step
	// Binary problems only (NaN otherwise): precision, recall, auc,
	// auc_precision_recall, accuracy_baseline, label/mean and
	// prediction/mean, as TensorFlow's binary head reports them (auc is the
	// exact ROC AUC; TensorFlow approximates it with 200 thresholds).
	Precision, Recall, AUC, AUCPR, AccuracyBaseline, LabelMean, PredictionMean float64
	// Confusion is the confusion matrix (rows: true class).
	Confusion *ConfusionMatrix
}

// Map returns the evaluation under TensorFlow's key names.
func (r ClassifierEval) Map() map[string]float64 {
	m := map[string]float64{"accuracy": r.Accuracy, "average_loss": r.AverageLoss, "loss": r.Loss, "global_step": float64(r.GlobalStep)}
	if !math.IsNaN(r.AUC) {
		m["precision"], m["recall"], m["auc"], m["auc_precision_recall"] = r.Precision, r.Recall, r.AUC, r.AUCPR
		m["accuracy_baseline"], m["label/mean"], m["prediction/mean"] = r.AccuracyBaseline, r.LabelMean, r.PredictionMean
	}
	return m
}

func (c *DNNClassifier) loaded(d *Dataset) error {
	if d == nil {
		return fmt.Errorf("%w: nil data set", ErrShape)
	}
	if c.e.net == nil {
		if err := c.e.ensure(d.X.Cols); err != nil {
			return err
		}
	}
	return nil
}

// Evaluate measures the model on d (X and Labels): the model directory's
// latest checkpoint when the classifier has not trained in this process.
func (c *DNNClassifier) Evaluate(d *Dataset) (ClassifierEval, error) {
	if err := c.loaded(d); err != nil {
		return ClassifierEval{}, err
	}
	t, err := c.e.targets(d)
	if err != nil {
		return ClassifierEval{}, err
	}
	probs, err := NewMatrix(d.X.Rows, c.e.net.Outputs())
	if err != nil {
		return ClassifierEval{}, err
	}
	ev, err := c.e.net.evaluate(d.X, t, probs)
	if err != nil {
		return ClassifierEval{}, err
	}
	r := ClassifierEval{Accuracy: ev.Accuracy, AverageLoss: ev.AverageLoss, Loss: ev.Loss, GlobalStep: c.e.net.step}
	nan := math.NaN()
	r.Precision, r.Recall, r.AUC, r.AUCPR, r.AccuracyBaseline, r.LabelMean, r.PredictionMean = nan, nan, nan, nan, nan, nan, nan
	pred := make([]int, d.X.Rows)
	for i := range pred {
		pred[i] = argmax(probs.Row(i))
	}
	if r.Confusion, err = NewConfusionMatrix(pred, d.Labels, c.e.cfg.classes); err != nil {
		return r, err
	}
	if c.e.cfg.classes == 2 {
		scores := make([]float32, d.X.Rows)
		var lm, pm float64
		for i := range scores {
			scores[i] = probs.At(i, 1)
			lm += float64(d.Labels[i])
			pm += float64(scores[i])
		}
		lm /= float64(len(scores))
		pm /= float64(len(scores))
		r.Precision, r.Recall = r.Confusion.Precision(1), r.Confusion.Recall(1)
		r.LabelMean, r.PredictionMean = lm, pm
		r.AccuracyBaseline = math.Max(lm, 1-lm)
		if auc, err := ROCAUC(scores, d.Labels); err == nil {
			r.AUC = auc
		}
		if ap, err := PRAUC(scores, d.Labels); err == nil {
			r.AUCPR = ap
		}
	}
	return r, nil
}

// Prediction is TensorFlow's predict() output for one example.
type Prediction struct {
	ClassID       int       // class_ids
	Class         string    // classes: the class's name
	Probabilities []float32 // probabilities
	Logits        []float32 // logits
}

// Predict classifies every row of x (raw features: the model's scaler, if
// any, is applied).
func (c *DNNClassifier) Predict(x Matrix) ([]Prediction, error) {
	if err := c.loaded(&Dataset{X: x}); err != nil {
		return nil, err
	}
	probs, err := c.e.net.Predict(x)
	if err != nil {
		return nil, err
	}
	logits, err := c.e.net.Logits(x)
	if err != nil {
		return nil, err
	}
	names := c.e.net.meta.Classes
	out := make([]Prediction, x.Rows)
	for i := range out {
		id := argmax(probs.Row(i))
		out[i] = Prediction{ClassID: id, Probabilities: probs.Row(i), Logits: logits.Row(i)}
		if id < len(names) {
			out[i].Class = names[id]
		} else {
			out[i].Class = strconv.Itoa(id)
		}
	}
	return out, nil
}

// ---------------------------------------------------------------- DNNRegressor

// DNNRegressor is TensorFlow's canned DNNRegressor: hidden ReLU layers, a
// linear output of LabelDimension units, trained with AdaGrad(0.05) on the
// summed squared error, with its state in a model directory.
type DNNRegressor struct{ e estimator }

// NewDNNRegressor returns a regressor; HiddenUnits is required.
func NewDNNRegressor(opts ...EstimatorOption) (*DNNRegressor, error) {
	cfg, err := newEstimatorConfig(opts)
	if err != nil {
		return nil, err
	}
	return &DNNRegressor{e: estimator{cfg: cfg}}, nil
}

// Train runs steps training steps on d (its X and Y); see
// DNNClassifier.Train.
func (r *DNNRegressor) Train(ctx context.Context, d *Dataset, steps int) (TrainResult, error) {
	return r.e.train(ctx, d, steps, nil)
}

// TrainWithProgress is Train with a callback after every step.
func (r *DNNRegressor) TrainWithProgress(ctx context.Context, d *Dataset, steps int, onStep func(BatchProgress)) (TrainResult, error) {
	return r.e.train(ctx, d, steps, onStep)
}

// Network returns the underlying network (nil before the first Train).
func (r *DNNRegressor) Network() *Network { return r.e.net }

// Restored says which checkpoint the regressor resumed from and which
// newer ones it skipped because they did not load.
func (r *DNNRegressor) Restored() RestoreInfo {
	return RestoreInfo{Path: r.e.restoredFrom, Skipped: slices.Clone(r.e.skipped)}
}

// RegressorEval holds a regressor's evaluation: TensorFlow's keys plus
// rmse and r2.
type RegressorEval struct {
	AverageLoss    float64 // average_loss: mean per-example squared error
	Loss           float64 // loss: the summed squared error
	RMSE           float64 // rmse over all targets
	R2             float64 // r2: coefficient of determination over all targets
	LabelMean      float64 // label/mean
	PredictionMean float64 // prediction/mean
	GlobalStep     int64   // global_step
}

// Map returns the evaluation under TensorFlow's key names.
func (r RegressorEval) Map() map[string]float64 {
	return map[string]float64{"average_loss": r.AverageLoss, "loss": r.Loss, "rmse": r.RMSE, "r2": r.R2,
		"label/mean": r.LabelMean, "prediction/mean": r.PredictionMean, "global_step": float64(r.GlobalStep)}
}

// Evaluate measures the model on d (X and Y).
func (r *DNNRegressor) Evaluate(d *Dataset) (RegressorEval, error) {
	if d == nil {
		return RegressorEval{}, fmt.Errorf("%w: nil data set", ErrShape)
	}
	if r.e.net == nil {
		if err := r.e.ensure(d.X.Cols); err != nil {
			return RegressorEval{}, err
		}
	}
	t, err := r.e.targets(d)
	if err != nil {
		return RegressorEval{}, err
	}
	pc, err := NewMatrix(d.X.Rows, r.e.net.Outputs())
	if err != nil {
		return RegressorEval{}, err
	}
	ev, err := r.e.net.evaluate(d.X, t, pc)
	if err != nil {
		return RegressorEval{}, err
	}
	tc := t.Clone()
	out := RegressorEval{AverageLoss: ev.AverageLoss, Loss: ev.Loss, GlobalStep: r.e.net.step}
	if out.RMSE, err = RMSE(pc.Data, tc.Data); err != nil {
		return out, err
	}
	if out.R2, err = R2(pc.Data, tc.Data); err != nil {
		return out, err
	}
	for i := range pc.Data {
		out.LabelMean += float64(tc.Data[i])
		out.PredictionMean += float64(pc.Data[i])
	}
	out.LabelMean /= float64(len(tc.Data))
	out.PredictionMean /= float64(len(pc.Data))
	return out, nil
}

// Predict returns the regressor's predictions for every row of x.
func (r *DNNRegressor) Predict(x Matrix) (Matrix, error) {
	if r.e.net == nil {
		if err := r.e.ensure(x.Cols); err != nil {
			return Matrix{}, err
		}
	}
	return r.e.net.Predict(x)
}
