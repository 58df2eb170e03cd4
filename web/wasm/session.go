package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/annlib/ann"
)

// config is what the page sends to annReset, one field per control. JSON
// keeps the JavaScript side a plain object literal.
type config struct {
	Dataset        string  `json:"dataset"`
	Noise          float64 `json:"noise"`
	Points         int     `json:"points"`
	TrainPercent   float64 `json:"trainPercent"`
	Hidden         []int   `json:"hidden"`
	Activation     string  `json:"activation"`
	LearningRate   float64 `json:"learningRate"`
	Regularization string  `json:"regularization"` // "none", "l1" or "l2"
	RegRate        float64 `json:"regRate"`
	Batch          int     `json:"batch"`
	Seed           uint64  `json:"seed"`
}

// Bounds on what a page may ask for. They are Playground's own limits,
// widened a little; they exist so that a typo in a URL cannot make the tab
// allocate gigabytes or train for minutes per frame.
const (
	maxPoints      = 5000
	maxHidden      = 6
	maxUnits       = 16
	maxStepEpochs  = 1000
	maxGrid        = 512
	domainLo       = -6.0
	domainHi       = 6.0
	defaultPoints  = 500
	defaultPercent = 50
)

// parseConfig decodes and checks a config. Missing fields take the
// defaults of `ann playground`, so `{}` is a valid request.
func parseConfig(s string) (config, error) {
	c := config{Dataset: "circle", Points: defaultPoints, TrainPercent: defaultPercent, Hidden: []int{4, 2},
		Activation: "relu", LearningRate: 0.03, Regularization: "none", Batch: 10, Seed: 1}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("%w: playground config: %v", ann.ErrValue, err)
	}
	if !slices.Contains(ann.PlaygroundKinds(), c.Dataset) {
		return c, fmt.Errorf("%w: data set %q: want one of %s", ann.ErrValue, c.Dataset, strings.Join(ann.PlaygroundKinds(), ", "))
	}
	if !(c.Noise >= 0 && c.Noise <= 50) {
		return c, fmt.Errorf("%w: noise %v: want 0 to 50", ann.ErrValue, c.Noise)
	}
	if c.Points < 4 || c.Points > maxPoints {
		return c, fmt.Errorf("%w: %d points: want 4 to %d", ann.ErrValue, c.Points, maxPoints)
	}
	if !(c.TrainPercent >= 10 && c.TrainPercent <= 90) {
		return c, fmt.Errorf("%w: training percentage %v: want 10 to 90", ann.ErrValue, c.TrainPercent)
	}
	if len(c.Hidden) > maxHidden {
		return c, fmt.Errorf("%w: %d hidden layers: want at most %d", ann.ErrValue, len(c.Hidden), maxHidden)
	}
	for i, u := range c.Hidden {
		if u < 1 || u > maxUnits {
			return c, fmt.Errorf("%w: hidden layer %d has %d units: want 1 to %d", ann.ErrValue, i+1, u, maxUnits)
		}
	}
	act, err := ann.ParseActivation(c.Activation)
	if err != nil || act == ann.Softmax {
		return c, fmt.Errorf("%w: activation %q is not a hidden-layer activation", ann.ErrValue, c.Activation)
	}
	if !(c.LearningRate > 0) || math.IsInf(c.LearningRate, 0) {
		return c, fmt.Errorf("%w: learning rate %v: want a positive number", ann.ErrValue, c.LearningRate)
	}
	switch c.Regularization {
	case "none", "l1", "l2":
	default:
		return c, fmt.Errorf("%w: regularization %q: want none, l1 or l2", ann.ErrValue, c.Regularization)
	}
	if !(c.RegRate >= 0) || math.IsInf(c.RegRate, 0) {
		return c, fmt.Errorf("%w: regularization rate %v: want a finite number ≥ 0", ann.ErrValue, c.RegRate)
	}
	if c.Batch < 1 {
		return c, fmt.Errorf("%w: batch size %d: want ≥ 1", ann.ErrValue, c.Batch)
	}
	return c, nil
}

// session is one network training on one data set: the state behind the
// page between two presses of reset.
type session struct {
	cfg         config
	net         *ann.Network
	train, test *ann.Dataset
	epoch       int
	// grid caches the n×n input points of the heat map, which only change
	// with n.
	grid ann.Matrix
}

// newSession generates the data and builds the network the way `ann
// playground` does: TensorFlow Playground's conventions (labels ±1, tanh
// output, ½(out−y)² averaged over the batch, weights U(−0.5, 0.5) and
// biases 0.1, plain SGD, no reshuffling).
func newSession(c config) (*session, error) {
	d, err := ann.PlaygroundData(c.Dataset, c.Points, c.Noise, c.Seed)
	if err != nil {
		return nil, err
	}
	// The points come shuffled, so the first part is a fair training set.
	nTrain := int(math.Round(float64(c.Points) * c.TrainPercent / 100))
	if nTrain < 1 || nTrain >= c.Points {
		return nil, fmt.Errorf("%w: %d points at %v%% leave no training or no test points", ann.ErrValue, c.Points, c.TrainPercent)
	}
	idx := make([]int, c.Points)
	for i := range idx {
		idx[i] = i
	}
	train, err := d.Subset(idx[:nTrain])
	if err != nil {
		return nil, err
	}
	test, err := d.Subset(idx[nTrain:])
	if err != nil {
		return nil, err
	}
	act, err := ann.ParseActivation(c.Activation)
	if err != nil {
		return nil, err
	}
	b := ann.New(2)
	for _, u := range c.Hidden {
		b.Dense(u, act)
	}
	b.Dense(1, ann.Tanh).Loss(ann.HalfSquaredError).Reduction(ann.MeanReduction).
		Optimizer(ann.SGD(c.LearningRate)).Init(ann.Uniform(0.5, 0.1)).Seed(c.Seed)
	switch c.Regularization {
	case "l1":
		b.L1(c.RegRate)
	case "l2":
		b.L2(c.RegRate)
	}
	net, err := b.Build()
	if err != nil {
		return nil, err
	}
	return &session{cfg: c, net: net, train: train, test: test}, nil
}

// stats is what the page shows after each step.
type stats struct {
	Epoch     int     `json:"epoch"`
	Step      int64   `json:"step"`
	TrainLoss float64 `json:"trainLoss"`
	TestLoss  float64 `json:"testLoss"`
}

// losses measures both sets without the regularization penalty, as
// Playground reports them.
func (s *session) losses() (stats, error) {
	tr, err := s.net.Evaluate(s.train.X, s.train.Y)
	if err != nil {
		return stats{}, err
	}
	te, err := s.net.Evaluate(s.test.X, s.test.Y)
	if err != nil {
		return stats{}, err
	}
	return stats{Epoch: s.epoch, Step: s.net.Step(), TrainLoss: tr.AverageLoss, TestLoss: te.AverageLoss}, nil
}

// step trains epochs full passes over the training points and returns the
// losses after them.
func (s *session) step(ctx context.Context, epochs int) (stats, error) {
	if epochs < 1 || epochs > maxStepEpochs {
		return stats{}, fmt.Errorf("%w: %d epochs per step: want 1 to %d", ann.ErrValue, epochs, maxStepEpochs)
	}
	perEpoch := (s.train.Len() + s.cfg.Batch - 1) / s.cfg.Batch
	// Train resumes where the previous call stopped, and a whole number
	// of epochs' steps keeps every call aligned on epoch boundaries.
	_, err := s.net.Train(ctx, s.train.X, s.train.Y, epochs*perEpoch, ann.BatchSize(s.cfg.Batch), ann.Shuffle(false))
	if err != nil {
		return stats{}, err
	}
	s.epoch += epochs
	return s.losses()
}

// outputs returns the network's output at the centres of an n×n grid over
// Playground's −6..6 square, row-major with the first row at the top
// (x2 = +6), the order of a canvas's pixels.
func (s *session) outputs(n int) ([]float32, error) {
	if n < 1 || n > maxGrid {
		return nil, fmt.Errorf("%w: grid size %d: want 1 to %d", ann.ErrValue, n, maxGrid)
	}
	if s.grid.Rows != n*n {
		g, err := ann.NewMatrix(n*n, 2)
		if err != nil {
			return nil, err
		}
		at := func(k int) float32 { return float32(domainLo + (float64(k)+0.5)/float64(n)*(domainHi-domainLo)) }
		for py := range n {
			for px := range n {
				g.Set(py*n+px, 0, at(px))
				g.Set(py*n+px, 1, at(n-1-py))
			}
		}
		s.grid = g
	}
	out, err := s.net.Predict(s.grid)
	if err != nil {
		return nil, err
	}
	v := make([]float32, n*n)
	for i := range v {
		v[i] = out.At(i, 0)
	}
	return v, nil
}

// points returns a data set's points as (x1, x2, label) triples.
func points(d *ann.Dataset) [][3]float32 {
	p := make([][3]float32, d.Len())
	for i := range p {
		p[i] = [3]float32{d.X.At(i, 0), d.X.At(i, 1), d.Y.At(i, 0)}
	}
	return p
}

// resetReply is annReset's answer: the points to draw, a one-line summary
// of the network, and the losses before any training.
type resetReply struct {
	Train   [][3]float32 `json:"train"`
	Test    [][3]float32 `json:"test"`
	Network string       `json:"network"`
	Stats   stats        `json:"stats"`
}

func (s *session) resetReply() (resetReply, error) {
	st, err := s.losses()
	if err != nil {
		return resetReply{}, err
	}
	return resetReply{Train: points(s.train), Test: points(s.test), Network: s.net.String(), Stats: st}, nil
}

// marshal encodes v for the page; a value that cannot be encoded (a NaN
// loss after divergence) becomes an error reply instead.
func marshal(v any) string {
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		return errorReply(err)
	}
	return strings.TrimSpace(b.String())
}

// errorReply is the JSON the page receives in place of a result.
func errorReply(err error) string {
	b, _ := json.Marshal(map[string]string{"error": err.Error()})
	return string(b)
}
