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
// keeps the JavaScript side a plain object literal; the page builds it from
// the Playground's URL hash.
type config struct {
	Problem        string   `json:"problem"` // "classification" or "regression"
	Dataset        string   `json:"dataset"` // a classification set
	RegDataset     string   `json:"regDataset"`
	Noise          float64  `json:"noise"`
	Points         int      `json:"points"` // 0: Playground's 500 or 1200
	TrainPercent   float64  `json:"trainPercent"`
	Hidden         []int    `json:"hidden"`
	Features       []string `json:"features"`
	Activation     string   `json:"activation"`
	LearningRate   float64  `json:"learningRate"`
	Regularization string   `json:"regularization"` // "none", "l1" or "l2"
	RegRate        float64  `json:"regRate"`
	Batch          int      `json:"batch"`
	Seed           seed     `json:"seed"`
	InitZero       bool     `json:"initZero"`
}

// seed is the seed control: a JSON number, or a string as a Playground
// link carries it (#seed=0.12345), turned into a number by
// ann.PlaygroundSeed.
type seed uint64

// UnmarshalJSON implements json.Unmarshaler.
func (s *seed) UnmarshalJSON(b []byte) error {
	var text string
	if err := json.Unmarshal(b, &text); err == nil {
		*s = seed(ann.PlaygroundSeed(text))
		return nil
	}
	var v uint64
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("seed %s: want a non-negative integer or a string", b)
	}
	*s = seed(v)
	return nil
}

// Bounds on what a page may ask for. They are Playground's own limits,
// widened a little; they exist so that a typo in a URL cannot make the tab
// allocate gigabytes or train for minutes per frame.
const (
	maxPoints         = 5000
	maxHidden         = 6
	maxUnits          = 16
	maxStepEpochs     = 1000
	maxGrid           = 512
	domainLo          = -6.0
	domainHi          = 6.0
	classifyPoints    = 500  // Playground's NUM_SAMPLES_CLASSIFY
	regressPoints     = 1200 // and NUM_SAMPLES_REGRESS
	defaultPercent    = 50
	problemClassify   = "classification"
	problemRegression = "regression"
)

// parseConfig decodes and checks a config. Missing fields take the
// defaults of `ann playground`, so `{}` is a valid request.
func parseConfig(s string) (config, error) {
	c := config{Problem: problemClassify, Dataset: "circle", RegDataset: "reg-plane", TrainPercent: defaultPercent,
		Hidden: []int{4, 2}, Features: []string{"x", "y"}, Activation: "relu", LearningRate: 0.03,
		Regularization: "none", Batch: 10, Seed: 1}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("%w: playground config: %v", ann.ErrValue, err)
	}
	switch c.Problem {
	case problemClassify, problemRegression:
	default:
		return c, fmt.Errorf("%w: problem %q: want classification or regression", ann.ErrValue, c.Problem)
	}
	if !slices.Contains(ann.PlaygroundKinds(), c.Dataset) {
		return c, fmt.Errorf("%w: data set %q: want one of %s", ann.ErrValue, c.Dataset, strings.Join(ann.PlaygroundKinds(), ", "))
	}
	if !slices.Contains(ann.PlaygroundRegressionKinds(), c.RegDataset) {
		return c, fmt.Errorf("%w: regression data set %q: want one of %s", ann.ErrValue, c.RegDataset, strings.Join(ann.PlaygroundRegressionKinds(), ", "))
	}
	if c.Points == 0 {
		c.Points = classifyPoints
		if c.Problem == problemRegression {
			c.Points = regressPoints
		}
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
	if _, _, err := ann.PlaygroundFeatures(ann.Matrix{Rows: 1, Cols: 2, Stride: 2, Data: make([]float32, 2)}, c.Features); err != nil {
		return c, err
	}
	act, err := ann.ParseActivation(c.Activation)
	if err != nil || act == ann.Softmax {
		return c, fmt.Errorf("%w: activation %q is not a hidden-layer activation", ann.ErrValue, c.Activation)
	}
	if !(c.LearningRate > 0) || math.IsInf(c.LearningRate, 0) {
		return c, fmt.Errorf("%w: learning rate %v: want a positive number", ann.ErrValue, c.LearningRate)
	}
	c.Regularization = strings.ToLower(c.Regularization)
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
	train, test *ann.Dataset // inputs are the selected features
	// rawTrain and rawTest hold the points as (x1, x2, target) for
	// drawing.
	rawTrain, rawTest [][3]float32
	epoch             int
	// grid caches the n×n input points of the heat map (features), which
	// only change with n; gridPts holds the same points as (x1, x2).
	grid, gridPts ann.Matrix
}

// newSession generates the data and builds the network the way `ann
// playground` does: TensorFlow Playground's conventions (labels ±1 and a
// tanh output for classification, a linear output for regression,
// ½(out−y)² averaged over the batch, weights U(−0.5, 0.5) (0 with
// initZero) and biases 0.1, plain SGD, no reshuffling, L1 clipped at zero).
func newSession(c config) (*session, error) {
	kind := c.Dataset
	if c.Problem == problemRegression {
		kind = c.RegDataset
	}
	d, err := ann.PlaygroundData(kind, c.Points, c.Noise, uint64(c.Seed))
	if err != nil {
		return nil, err
	}
	// The points come shuffled, so the first part is a fair training set.
	nTrain := int(math.Round(float64(c.Points) * c.TrainPercent / 100))
	if nTrain < 1 || nTrain >= c.Points {
		return nil, fmt.Errorf("%w: %d points at %v%% leave no training or no test points", ann.ErrValue, c.Points, c.TrainPercent)
	}
	feat, names, err := ann.PlaygroundFeatures(d.X, c.Features)
	if err != nil {
		return nil, err
	}
	raw := points(d)
	d.X, d.FeatureNames = feat, names
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
	b := ann.New(len(c.Features))
	for _, u := range c.Hidden {
		b.Dense(u, act)
	}
	out := ann.Tanh
	if c.Problem == problemRegression {
		out = ann.Identity
	}
	limit := 0.5
	if c.InitZero {
		limit = 0
	}
	b.Dense(1, out).Loss(ann.HalfSquaredError).Reduction(ann.MeanReduction).
		Optimizer(ann.SGD(c.LearningRate)).Init(ann.Uniform(limit, 0.1)).Seed(uint64(c.Seed))
	switch c.Regularization {
	case "l1":
		b.L1(c.RegRate, ann.L1ClipAtZero())
	case "l2":
		b.L2(c.RegRate)
	}
	net, err := b.Build()
	if err != nil {
		return nil, err
	}
	if err := net.SetMeta(ann.Meta{FeatureNames: names, LabelName: d.LabelName}); err != nil {
		return nil, err
	}
	return &session{cfg: c, net: net, train: train, test: test, rawTrain: raw[:nTrain], rawTest: raw[nTrain:]}, nil
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

// gridPoints returns the centres of an n×n grid over Playground's −6..6
// square as (x1, x2) rows, row-major with the first row at the top
// (x2 = +6), the order of a canvas's pixels.
func gridPoints(n int) (ann.Matrix, error) {
	if n < 1 || n > maxGrid {
		return ann.Matrix{}, fmt.Errorf("%w: grid size %d: want 1 to %d", ann.ErrValue, n, maxGrid)
	}
	g, err := ann.NewMatrix(n*n, 2)
	if err != nil {
		return ann.Matrix{}, err
	}
	at := func(k int) float32 { return float32(domainLo + (float64(k)+0.5)/float64(n)*(domainHi-domainLo)) }
	for py := range n {
		for px := range n {
			g.Set(py*n+px, 0, at(px))
			g.Set(py*n+px, 1, at(n-1-py))
		}
	}
	return g, nil
}

// outputs returns the network's output at the centres of an n×n grid over
// Playground's −6..6 square, row-major with the first row at the top
// (x2 = +6), the order of a canvas's pixels.
func (s *session) outputs(n int) ([]float32, error) {
	if n < 1 || n > maxGrid {
		return nil, fmt.Errorf("%w: grid size %d: want 1 to %d", ann.ErrValue, n, maxGrid)
	}
	if s.grid.Rows != n*n {
		g, err := gridPoints(n)
		if err != nil {
			return nil, err
		}
		f, _, err := ann.PlaygroundFeatures(g, s.cfg.Features)
		if err != nil {
			return nil, err
		}
		s.grid, s.gridPts = f, g
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

// denseLayers returns the network's dense layers, input side first.
func (s *session) denseLayers() []ann.LayerInfo {
	var dense []ann.LayerInfo
	for _, l := range s.net.Layers() {
		if l.Kind == "dense" {
			dense = append(dense, l)
		}
	}
	return dense
}

// neurons returns the output of every node of the drawn network on an
// n×n grid (laid out as outputs does): the input features first, then each
// hidden layer's units, then the output, n² values per node. The features
// are scaled to about −1..1 as Playground shows them (x1, x2 and sin as
// they are divided by 6, 1 and 1; squares by 36; x1x2 by 36).
func (s *session) neurons(n int) ([]float32, error) {
	g, err := gridPoints(n)
	if err != nil {
		return nil, err
	}
	in, _, err := ann.PlaygroundFeatures(g, s.cfg.Features)
	if err != nil {
		return nil, err
	}
	dense := s.denseLayers()
	nodes := len(s.cfg.Features)
	for _, l := range dense {
		nodes += l.Units
	}
	scale := map[string]float32{"x": 6, "y": 6, "xSquared": 36, "ySquared": 36, "xTimesY": 36, "sinX": 1, "sinY": 1}
	out := make([]float32, 0, nodes*n*n)
	for j, name := range s.cfg.Features {
		for i := range n * n {
			out = append(out, in.At(i, j)/scale[name])
		}
	}
	// Each layer's activations for the whole grid in one Predict-free
	// pass in float64, as small as the page's networks are.
	cur := make([][]float64, n*n)
	for i := range cur {
		cur[i] = make([]float64, in.Cols)
		for j := range in.Cols {
			cur[i][j] = float64(in.At(i, j))
		}
	}
	for _, l := range dense {
		next := make([][]float64, n*n)
		vals := make([]float32, l.Units*n*n)
		for i, x := range cur {
			next[i] = make([]float64, l.Units)
			for u := range l.Units {
				z := float64(l.Bias[u])
				for k, v := range x {
					z += v * float64(l.Weights.At(k, u))
				}
				a := activate(l.Activation, float64(l.Alpha), z)
				next[i][u] = a
				vals[u*n*n+i] = float32(a)
			}
		}
		out = append(out, vals...)
		cur = next
	}
	return out, nil
}

// activate applies one of the page's activations in float64.
func activate(a ann.Activation, alpha, z float64) float64 {
	switch a {
	case ann.ReLU:
		return math.Max(z, 0)
	case ann.Tanh:
		return math.Tanh(z)
	case ann.Sigmoid:
		return 1 / (1 + math.Exp(-z))
	case ann.LeakyReLU:
		if z < 0 {
			return alpha * z
		}
		return z
	}
	return z
}

// weights is the network as the page draws it: per dense layer, the
// kernel as w[from][to] and the biases.
type weights struct {
	Layers []layerWeights `json:"layers"`
}

type layerWeights struct {
	W [][]float32 `json:"w"`
	B []float32   `json:"b"`
}

func (s *session) weights() weights {
	var r weights
	for _, l := range s.denseLayers() {
		lw := layerWeights{W: make([][]float32, l.Inputs), B: append([]float32(nil), l.Bias...)}
		for i := range l.Inputs {
			lw.W[i] = append([]float32(nil), l.Weights.Row(i)...)
		}
		r.Layers = append(r.Layers, lw)
	}
	return r
}

// setWeight sets the weight from node from of the layer below to unit to
// of dense layer layer (0 is the first hidden layer, or the output when
// there is none), as the page's weight editor asks.
func (s *session) setWeight(layer, from, to int, v float64) error {
	dense := s.denseLayers()
	if layer < 0 || layer >= len(dense) {
		return fmt.Errorf("%w: layer %d: want 0 to %d", ann.ErrValue, layer, len(dense)-1)
	}
	l := dense[layer]
	if from < 0 || from >= l.Inputs || to < 0 || to >= l.Units {
		return fmt.Errorf("%w: weight %d→%d: layer %d is %d×%d", ann.ErrValue, from, to, layer, l.Inputs, l.Units)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e6 {
		return fmt.Errorf("%w: weight %v: want a finite number of magnitude ≤ 10⁶", ann.ErrValue, v)
	}
	// LayerInfo shares the network's storage.
	l.Weights.Set(from, to, float32(v))
	return nil
}

// model returns the network in ann's model format (ann.Save), loadable by
// ann.Load and `ann predict`.
func (s *session) model() ([]byte, error) {
	var b bytes.Buffer
	if err := s.net.Save(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// thumbnail returns the points of a data set's menu picture: 200 points
// without noise, as Playground draws its thumbnails.
func thumbnail(kind string) ([][3]float32, error) {
	d, err := ann.PlaygroundData(kind, 200, 0, 1)
	if err != nil {
		return nil, err
	}
	return points(d), nil
}

// points returns a data set's points as (x1, x2, target) triples.
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
	return resetReply{Train: s.rawTrain, Test: s.rawTest, Network: s.net.String(), Stats: st}, nil
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
