package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/annlib/ann"
)

const playgroundUsage = `Usage: ann playground [flags]

The tutorial's first story: TensorFlow Playground's toy problem. Generates
a 2-D data set the way Playground does, trains with its conventions (labels
±1 and a tanh output for classification, a linear output for regression,
loss ½(out−y)² averaged over the batch, weights U(−0.5, 0.5) and biases 0.1,
plain SGD, L2 step λ·w, L1 step λ·sign(w) with a weight that crosses zero
set to 0, no reshuffling), prints the initial and final train and test
loss, and with -out draws the output with the points and the network, as
Playground shows them.

The flags mirror the Playground's URL (its #… part), so that an experiment
there runs here: -hash takes a whole link, and any flag given as well
overrides the link's value.

Flags:
  -hash LINK          a Playground link or its #… part, e.g.
                      '#activation=tanh&networkShape=4,2&dataset=xor&x=true'
                      (keys it does not name take Playground's defaults)
  -problem NAME       classification or regression (default classification)
  -dataset NAME       circle, xor, gauss or spiral (default circle)
  -reg-dataset NAME   reg-plane or reg-gauss, for -problem regression
                      (default reg-plane)
  -features LIST      input features among x, y, xSquared, ySquared,
                      xTimesY, sinX, sinY (default x,y)
  -noise N            Playground's noise setting, 0 to 50 (default 0)
  -points N           number of points (default Playground's: 500 for
                      classification, 1200 for regression)
  -train-percent N    percentage of the points used for training, 10 to 90
                      (default 50)
  -network LIST       hidden layer widths, empty for none (default 4,2);
                      -hidden is the same flag's older name
  -activation NAME    hidden activation: relu, tanh, sigmoid, linear, …
                      (default relu)
  -lr X               SGD learning rate (default 0.03)
  -regularization R   none, L1 or L2, at rate -reg-rate X (default: the
                      -l1 and -l2 rates below)
  -l1 X, -l2 X        regularization rates (default l1 0, l2 0.003)
  -batch N            mini-batch size (default 10)
  -init-zero          start from zero weights (Playground's initZero)
  -epochs N           passes over the training points (default 180)
  -seed S             seed for the data set and the weights (default 1): a
                      number, or any text such as a Playground link's seed
  -discretize         draw the -out picture's output as its sign
  -out FILE.png       write the output picture
  -plot FILE.png      loss curves per epoch
  -json               print the results as one JSON object on stdout
  -quiet              no progress on stderr
  -serve [ADDR]       serve the interactive Playground page instead: the
                      same library compiled to WebAssembly, trained live in
                      the browser. Without ADDR, or with a bare port
                      (:8080), it listens on loopback only (default
                      127.0.0.1:8080); name a host (0.0.0.0:8080) to offer
                      it to the network. A binary built with "go generate
                      ./cmd/ann" embeds the module; otherwise the first
                      start builds it with the go command (from the module
                      cache at this binary's version, kept under the user
                      cache directory, so later starts are instant)
`

// playgroundDefaults are the Playground's own defaults (its state.ts), the
// values a -hash link stands for where it names no value.
var playgroundDefaults = map[string]string{
	"activation": "tanh", "batchSize": "10", "dataset": "circle", "regDataset": "reg-plane",
	"learningRate": "0.03", "regularization": "none", "regularizationRate": "0", "noise": "0",
	"networkShape": "4,2", "discretize": "false", "percTrainData": "50", "problem": "classification",
	"initZero": "false", "x": "true", "y": "true",
}

// playgroundHashFlags maps a Playground hash key to the flag it sets.
var playgroundHashFlags = map[string]string{
	"activation": "activation", "batchSize": "batch", "dataset": "dataset", "regDataset": "reg-dataset",
	"learningRate": "lr", "regularization": "regularization", "regularizationRate": "reg-rate", "noise": "noise",
	"networkShape": "network", "seed": "seed", "discretize": "discretize", "percTrainData": "train-percent",
	"problem": "problem", "initZero": "init-zero",
}

// playgroundHashIgnored are keys of a Playground link that change only its
// page (or, for cosX and cosY, nothing: its page has no such inputs).
var playgroundHashIgnored = []string{"showTestData", "collectStats", "hideText", "tutorial", "cosX", "cosY"}

// parsePlaygroundHash splits a Playground link (or its part after #) into
// its keys and values, as its state.ts reads them.
func parsePlaygroundHash(link string) (map[string]string, error) {
	if i := strings.IndexByte(link, '#'); i >= 0 {
		link = link[i+1:]
	}
	m := map[string]string{}
	for _, kv := range strings.Split(link, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if u, err := url.QueryUnescape(v); err == nil {
			v = u
		}
		m[k] = v
	}
	return m, nil
}

// applyPlaygroundHash sets the flags a Playground link names, over
// Playground's defaults, except those given on the command line.
func applyPlaygroundHash(fs *flag.FlagSet, link string, explicit map[string]bool) error {
	m, err := parsePlaygroundHash(link)
	if err != nil {
		return err
	}
	vals := maps.Clone(playgroundDefaults)
	features := ann.PlaygroundFeatureNames()
	for k, v := range m {
		_, known := playgroundHashFlags[k]
		switch {
		case strings.HasSuffix(k, "_hide") || slices.Contains(playgroundHashIgnored, k):
		case !known && !slices.Contains(features, k):
			return usagef("-hash: unknown Playground setting %q", k)
		case k == "networkShape" || strings.TrimSpace(v) != "":
			// An empty value is no value, as in Playground, except for
			// networkShape, where it means no hidden layer.
			vals[k] = v
		}
	}
	var on []string
	for _, f := range features {
		if v, ok := vals[f]; ok && v != "false" {
			on = append(on, f)
		}
	}
	vals["features"] = strings.Join(on, ",")
	flags := maps.Clone(playgroundHashFlags)
	flags["features"] = "features"
	// -l1 and -l2 given on the command line override the link's
	// regularization too.
	if explicit["l1"] || explicit["l2"] {
		delete(flags, "regularization")
		delete(flags, "regularizationRate")
	}
	if explicit["hidden"] {
		delete(flags, "networkShape")
	}
	for k, name := range flags {
		v, ok := vals[k]
		if !ok || explicit[name] {
			continue
		}
		if name == "discretize" || name == "init-zero" {
			v = strconv.FormatBool(v != "false")
		}
		if err := fs.Set(name, v); err != nil {
			return usagef("-hash: %s=%s: %v", k, v, err)
		}
	}
	return nil
}

// parseWidths reads a hidden-layer list; empty means no hidden layer.
func parseWidths(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	return parseInts(s)
}

func runPlayground(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("playground", flag.ContinueOnError)
	hash := fs.String("hash", "", "Playground link")
	problem := fs.String("problem", "classification", "classification or regression")
	dataset := fs.String("dataset", "circle", "data set")
	regDataset := fs.String("reg-dataset", "reg-plane", "regression data set")
	features := fs.String("features", "x,y", "input features")
	noise := fs.Float64("noise", 0, "noise 0..50")
	points := fs.Int("points", 0, "number of points")
	percent := fs.Float64("train-percent", 50, "training percentage")
	network := fs.String("network", "4,2", "hidden widths")
	fs.Var(aliasFlag{fs.Lookup("network")}, "hidden", "hidden widths")
	activation := fs.String("activation", "relu", "hidden activation")
	lr := fs.Float64("lr", 0.03, "learning rate")
	regularization := fs.String("regularization", "", "none, L1 or L2")
	regRate := fs.Float64("reg-rate", 0, "regularization rate")
	l1 := fs.Float64("l1", 0, "L1 rate")
	l2 := fs.Float64("l2", 0.003, "L2 rate")
	batch := fs.Int("batch", 10, "batch size")
	initZero := fs.Bool("init-zero", false, "zero initial weights")
	epochs := fs.Int("epochs", 180, "epochs")
	seedText := fs.String("seed", "1", "seed")
	discretize := fs.Bool("discretize", false, "draw the output's sign")
	outPath := fs.String("out", "", "boundary PNG")
	plot := fs.String("plot", "", "curves PNG")
	asJSON := fs.Bool("json", false, "JSON output")
	quiet := fs.Bool("quiet", false, "no progress")
	var serve serveFlag
	fs.Var(&serve, "serve", "serve the web page on ADDR")
	if err := parseFlags(fs, joinServeArg(args)); err != nil {
		return err
	}
	if serve.set {
		return servePlayground(ctx, e, serve.addr)
	}
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	if explicit["hidden"] && explicit["network"] {
		return usagef("-hidden and -network are the same flag: give one")
	}
	if explicit["hidden"] {
		explicit["network"] = true
	}
	if *hash != "" {
		if err := applyPlaygroundHash(fs, *hash, explicit); err != nil {
			return err
		}
	}
	regression := false
	switch *problem {
	case "classification":
	case "regression":
		regression = true
	default:
		return usagef("-problem %q: want classification or regression", *problem)
	}
	if !slices.Contains(ann.PlaygroundKinds(), *dataset) {
		return usagef("-dataset %q: want one of %s", *dataset, strings.Join(ann.PlaygroundKinds(), ", "))
	}
	if !slices.Contains(ann.PlaygroundRegressionKinds(), *regDataset) {
		return usagef("-reg-dataset %q: want one of %s", *regDataset, strings.Join(ann.PlaygroundRegressionKinds(), ", "))
	}
	kind := *dataset
	if regression {
		kind = *regDataset
	}
	featureNames := strings.Split(*features, ",")
	for i := range featureNames {
		featureNames[i] = strings.TrimSpace(featureNames[i])
	}
	if strings.TrimSpace(*features) == "" {
		featureNames = nil
	}
	if _, _, err := ann.PlaygroundFeatures(ann.Matrix{Rows: 1, Cols: 2, Stride: 2, Data: make([]float32, 2)}, featureNames); err != nil {
		return usagef("-features %q: %v", *features, err)
	}
	units, err := parseWidths(*network)
	if err != nil {
		return usagef("-network %q: %v", *network, err)
	}
	act, err := ann.ParseActivation(strings.ToLower(*activation))
	if err != nil || act == ann.Softmax {
		return usagef("-activation %q: not a hidden-layer activation", *activation)
	}
	if *points == 0 {
		*points = 500
		if regression {
			*points = 1200
		}
	}
	switch {
	case !(*noise >= 0 && *noise <= 50):
		return usagef("-noise %v: must be in [0, 50]", *noise)
	case *points < 4 || *points > 100000:
		return usagef("-points %d: must be in [4, 100000]", *points)
	case !(*percent >= 10 && *percent <= 90):
		return usagef("-train-percent %v: must be in [10, 90]", *percent)
	case !(*lr > 0) || math.IsInf(*lr, 0):
		return usagef("-lr %v: must be a positive number", *lr)
	case !(*l1 >= 0) || math.IsInf(*l1, 0):
		return usagef("-l1 %v: must be a finite number ≥ 0", *l1)
	case !(*l2 >= 0) || math.IsInf(*l2, 0):
		return usagef("-l2 %v: must be a finite number ≥ 0", *l2)
	case !(*regRate >= 0) || math.IsInf(*regRate, 0):
		return usagef("-reg-rate %v: must be a finite number ≥ 0", *regRate)
	case *batch < 1:
		return usagef("-batch %d: must be ≥ 1", *batch)
	case *epochs < 1:
		return usagef("-epochs %d: must be ≥ 1", *epochs)
	}
	if *regularization != "" {
		if explicit["l1"] || explicit["l2"] {
			return usagef("-regularization with -l1 or -l2: give the rate with -reg-rate, or use -l1 and -l2 alone")
		}
		switch strings.ToLower(*regularization) {
		case "none":
			*l1, *l2 = 0, 0
		case "l1":
			*l1, *l2 = *regRate, 0
		case "l2":
			*l1, *l2 = 0, *regRate
		default:
			return usagef("-regularization %q: want none, L1 or L2", *regularization)
		}
	} else if explicit["reg-rate"] {
		return usagef("-reg-rate needs -regularization L1 or L2")
	}
	seed := ann.PlaygroundSeed(*seedText)
	for _, p := range []struct{ flag, path string }{{"out", *outPath}, {"plot", *plot}} {
		if p.path != "" && !strings.HasSuffix(strings.ToLower(p.path), ".png") {
			return usagef("-%s %q: the file name must end in .png", p.flag, p.path)
		}
	}
	if err := checkOutputs(output{flag: "out", path: *outPath}, output{flag: "plot", path: *plot}); err != nil {
		return err
	}
	prog := newProgress(e.stderr, *quiet)

	d, err := ann.PlaygroundData(kind, *points, *noise, seed)
	if err != nil {
		return err
	}
	raw := d.X
	if d.X, d.FeatureNames, err = ann.PlaygroundFeatures(d.X, featureNames); err != nil {
		return err
	}
	// The points come shuffled, so the first part is a fair training set,
	// as Playground's split of its shuffled data.
	nTrain := int(math.Round(float64(*points) * *percent / 100))
	if nTrain < 1 || nTrain >= *points {
		return usagef("-points %d with -train-percent %v leaves no training or no test points", *points, *percent)
	}
	idx := make([]int, *points)
	for i := range idx {
		idx[i] = i
	}
	train, err := d.Subset(idx[:nTrain])
	if err != nil {
		return err
	}
	test, err := d.Subset(idx[nTrain:])
	if err != nil {
		return err
	}
	// The points themselves, for the picture.
	rawPoints := &ann.Dataset{X: raw, Y: d.Y}
	rawTrain, err := rawPoints.Subset(idx[:nTrain])
	if err != nil {
		return err
	}
	rawTest, err := rawPoints.Subset(idx[nTrain:])
	if err != nil {
		return err
	}

	b := ann.New(len(featureNames))
	for _, u := range units {
		b.Dense(u, act)
	}
	out := ann.Tanh
	if regression {
		out = ann.Identity
	}
	limit := 0.5
	if *initZero {
		limit = 0
	}
	net, err := b.Dense(1, out).Loss(ann.HalfSquaredError).Reduction(ann.MeanReduction).
		Optimizer(ann.SGD(*lr)).L1(*l1, ann.L1ClipAtZero()).L2(*l2).Init(ann.Uniform(limit, 0.1)).Seed(seed).Build()
	if err != nil {
		return err
	}
	if err := net.SetMeta(ann.Meta{FeatureNames: d.FeatureNames, LabelName: d.LabelName}); err != nil {
		return err
	}
	initTrain, err := net.Evaluate(train.X, train.Y)
	if err != nil {
		return err
	}
	initTest, err := net.Evaluate(test.X, test.Y)
	if err != nil {
		return err
	}
	prog.printf("%s, noise %v: %d training and %d test points; %v", kind, *noise, train.Len(), test.Len(), net)
	prog.printf("initial  train loss %.4f  test loss %.4f", initTrain.AverageLoss, initTest.AverageLoss)
	hist, err := trainNetwork(ctx, trainSpec{net: net, x: train.X, y: train.Y, vx: test.X, vy: test.Y,
		batch: *batch, epochs: *epochs, shuffle: false, logEvery: 20, prog: prog})
	if err != nil {
		return err
	}
	finalTrain, err := net.Evaluate(train.X, train.Y)
	if err != nil {
		return err
	}
	finalTest, err := net.Evaluate(test.X, test.Y)
	if err != nil {
		return err
	}
	var trainAcc, testAcc float64
	if !regression {
		if trainAcc, err = signAccuracy(net, train); err != nil {
			return err
		}
		if testAcc, err = signAccuracy(net, test); err != nil {
			return err
		}
	}
	if *outPath != "" {
		title := fmt.Sprintf("%s  epoch %d  train loss %.3f  test loss %.3f", kind, len(hist.history),
			finalTrain.AverageLoss, finalTest.AverageLoss)
		pic, err := playgroundPictureOf(net, rawTrain, rawTest, featureNames, title)
		if err != nil {
			return err
		}
		pic.regression = regression
		if *discretize {
			predict := pic.predict
			pic.predict = func(x1, x2 float64) float64 {
				if v := predict(x1, x2); v < 0 {
					return -1
				} else if v >= 0 {
					return 1
				}
				return math.NaN()
			}
		}
		if err := writeFile(*outPath, func(w io.Writer) error { return renderPlayground(w, pic) }); err != nil {
			return err
		}
		prog.printf("wrote %s", *outPath)
	}
	if *plot != "" {
		if err := writePlot(*plot, "Playground "+kind+" "+shape(net), hist.history); err != nil {
			return err
		}
	}
	if units == nil {
		units = []int{}
	}
	res := map[string]any{"problem": *problem, "dataset": kind, "noise": *noise, "features": featureNames,
		"network": units, "activation": strings.ToLower(*activation), "l1": *l1, "l2": *l2, "points": *points,
		"learning_rate": *lr, "batch": *batch, "initial_train_loss": initTrain.AverageLoss, "initial_test_loss": initTest.AverageLoss,
		"train_loss": finalTrain.AverageLoss, "test_loss": finalTest.AverageLoss,
		"epochs": len(hist.history), "global_step": net.Step(),
		"train_seconds": hist.seconds, "samples_per_second": hist.samplesPerSecond()}
	if !regression {
		res["train_accuracy"], res["test_accuracy"] = trainAcc, testAcc
	}
	if *asJSON {
		return writeJSON(e.stdout, res)
	}
	fmt.Fprintf(e.stdout, "initial  train loss %.4f  test loss %.4f\n", initTrain.AverageLoss, initTest.AverageLoss)
	fmt.Fprintf(e.stdout, "final    train loss %.4f  test loss %.4f  (after %d epochs, %d steps)\n",
		finalTrain.AverageLoss, finalTest.AverageLoss, len(hist.history), net.Step())
	if !regression {
		fmt.Fprintf(e.stdout, "accuracy train %.3f  test %.3f (sign of the output)\n", trainAcc, testAcc)
	}
	return nil
}

// signAccuracy is the fraction of points whose output has the sign of the
// ±1 target, Playground's implicit classification.
func signAccuracy(net *ann.Network, d *ann.Dataset) (float64, error) {
	p, err := net.Predict(d.X)
	if err != nil {
		return 0, err
	}
	ok := 0
	for i := range p.Rows {
		if (p.At(i, 0) >= 0) == (d.Y.At(i, 0) >= 0) {
			ok++
		}
	}
	return float64(ok) / float64(p.Rows), nil
}

// aliasFlag is a second name for a flag: setting either sets both.
type aliasFlag struct{ f *flag.Flag }

// String implements flag.Value.
func (a aliasFlag) String() string {
	if a.f == nil {
		return ""
	}
	return a.f.Value.String()
}

// Set implements flag.Value.
func (a aliasFlag) Set(v string) error { return a.f.Value.Set(v) }

// playgroundFeatureScale divides each feature for its node's small heat
// map, so that over −6..6 it spans about −1..1 as Playground shows it.
var playgroundFeatureScale = map[string]float64{"x": 6, "y": 6, "xSquared": 36, "ySquared": 36, "xTimesY": 36, "sinX": 1, "sinY": 1}

// playgroundPictureOf describes net and the data for renderPlayground:
// train and test hold the points (x1, x2) and their targets, and the
// network reads the named features of them.
func playgroundPictureOf(net *ann.Network, train, test *ann.Dataset, features []string, title string) (playgroundPicture, error) {
	_, labels, err := ann.PlaygroundFeatures(ann.Matrix{Rows: 1, Cols: 2, Stride: 2, Data: make([]float32, 2)}, features)
	if err != nil {
		return playgroundPicture{}, err
	}
	pic := playgroundPicture{title: title, inputNames: labels}
	pts := func(d *ann.Dataset) ([][2]float64, []float64) {
		xy := make([][2]float64, d.Len())
		lab := make([]float64, d.Len())
		for i := range xy {
			xy[i] = [2]float64{float64(d.X.At(i, 0)), float64(d.X.At(i, 1))}
			lab[i] = float64(d.Y.At(i, 0))
		}
		return xy, lab
	}
	pic.train, pic.trainLabels = pts(train)
	pic.test, pic.testLabels = pts(test)

	var dense []ann.LayerInfo
	for _, l := range net.Layers() {
		if l.Kind == "dense" {
			dense = append(dense, l)
		}
	}
	pic.sizes = []int{net.Inputs()}
	for _, l := range dense {
		pic.sizes = append(pic.sizes, l.Units)
		w := make([]float32, 0, l.Inputs*l.Units)
		for i := range l.Inputs {
			w = append(w, l.Weights.Row(i)...)
		}
		pic.weights = append(pic.weights, w)
		pic.biases = append(pic.biases, append([]float32(nil), l.Bias...))
	}

	// The heat map asks for each pixel centre of a 400×400 grid over
	// −6..6; one batched Predict is far cheaper than 160,000 small ones.
	lo, hi := pic.domain()
	const n = pgMapSize
	grid, err := ann.NewMatrix(n*n, 2)
	if err != nil {
		return pic, err
	}
	at := func(k int) float64 { return lo + (float64(k)+0.5)/n*(hi-lo) }
	for py := range n {
		for px := range n {
			grid.Set(py*n+px, 0, float32(at(px)))
			grid.Set(py*n+px, 1, float32(at(py)))
		}
	}
	in, _, err := ann.PlaygroundFeatures(grid, features)
	if err != nil {
		return pic, err
	}
	out, err := net.Predict(in)
	if err != nil {
		return pic, err
	}
	one, err := ann.NewMatrix(1, 2)
	if err != nil {
		return pic, err
	}
	pic.predict = func(x1, x2 float64) float64 {
		px := int(math.Floor((x1 - lo) / (hi - lo) * n))
		py := int(math.Floor((x2 - lo) / (hi - lo) * n))
		if px >= 0 && px < n && py >= 0 && py < n && math.Abs(at(px)-x1) < 1e-9 && math.Abs(at(py)-x2) < 1e-9 {
			return float64(out.At(py*n+px, 0))
		}
		one.Set(0, 0, float32(x1))
		one.Set(0, 1, float32(x2))
		f, _, err := ann.PlaygroundFeatures(one, features)
		if err != nil {
			return math.NaN()
		}
		p, err := net.Predict(f)
		if err != nil {
			return math.NaN()
		}
		return float64(p.At(0, 0))
	}
	if f, ok := neuronFunc(dense, features); ok {
		pic.neuron = f
	}
	return pic, nil
}

// neuronFunc returns every node's output as a function of the point
// (x1, x2), computed from the layers' weights in float64, for the small
// heat maps in the network's nodes; layer 0 is the input features, scaled
// to about −1..1 as Playground shows them. It reports false for
// activations it does not know, and the picture then draws plain nodes.
func neuronFunc(dense []ann.LayerInfo, features []string) (func(layer, unit int, x1, x2 float64) float64, bool) {
	pt, err := ann.NewMatrix(1, 2)
	if err != nil {
		return nil, false
	}
	acts := make([]func(float64) float64, len(dense))
	for i, l := range dense {
		alpha := float64(l.Alpha)
		switch l.Activation {
		case ann.Identity:
			acts[i] = func(v float64) float64 { return v }
		case ann.ReLU:
			acts[i] = func(v float64) float64 { return math.Max(v, 0) }
		case ann.Tanh:
			acts[i] = math.Tanh
		case ann.Sigmoid:
			acts[i] = func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
		case ann.LeakyReLU:
			acts[i] = func(v float64) float64 {
				if v < 0 {
					return alpha * v
				}
				return v
			}
		default:
			return nil, false
		}
	}
	return func(layer, unit int, x1, x2 float64) float64 {
		pt.Set(0, 0, float32(x1))
		pt.Set(0, 1, float32(x2))
		f, _, err := ann.PlaygroundFeatures(pt, features)
		if err != nil {
			return math.NaN()
		}
		in := make([]float64, f.Cols)
		for j := range in {
			in[j] = float64(f.At(0, j))
		}
		if layer == 0 {
			return in[unit] / playgroundFeatureScale[features[unit]]
		}
		for li := 0; li < layer; li++ {
			l := dense[li]
			out := make([]float64, l.Units)
			for j := range out {
				s := float64(l.Bias[j])
				for i, v := range in {
					s += v * float64(l.Weights.At(i, j))
				}
				out[j] = acts[li](s)
			}
			in = out
		}
		return in[unit]
	}, true
}
