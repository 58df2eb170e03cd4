package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/annlib/ann"
)

const playgroundUsage = `Usage: ann playground [flags]

The tutorial's first story: TensorFlow Playground's toy problem. Generates
a 2-D data set the way Playground does, trains with its conventions (labels
±1, tanh output, loss ½(out−y)² averaged over the batch, weights U(−0.5, 0.5)
and biases 0.1, plain SGD, L2 step λ·w, no reshuffling), prints the initial
and final train and test loss, and with -out draws the decision boundary
with the points and the network, as Playground shows them.

Flags:
  -dataset NAME       circle, xor, gauss or spiral (default circle)
  -noise N            Playground's noise setting, 0 to 50 (default 0)
  -points N           number of points (default 500)
  -train-percent N    percentage of the points used for training, 10 to 90
                      (default 50)
  -hidden LIST        hidden layer widths (default 4,2)
  -activation NAME    hidden activation (default relu)
  -lr X               SGD learning rate (default 0.03)
  -l1 X, -l2 X        regularization rates (default l1 0, l2 0.003)
  -batch N            mini-batch size (default 10)
  -epochs N           passes over the training points (default 180)
  -seed N             seed for the data set and the weights (default 1)
  -out FILE.png       write the decision-boundary picture
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

func runPlayground(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("playground", flag.ContinueOnError)
	dataset := fs.String("dataset", "circle", "data set")
	noise := fs.Float64("noise", 0, "noise 0..50")
	points := fs.Int("points", 500, "number of points")
	percent := fs.Float64("train-percent", 50, "training percentage")
	hidden := fs.String("hidden", "4,2", "hidden widths")
	activation := fs.String("activation", "relu", "hidden activation")
	lr := fs.Float64("lr", 0.03, "learning rate")
	l1 := fs.Float64("l1", 0, "L1 rate")
	l2 := fs.Float64("l2", 0.003, "L2 rate")
	batch := fs.Int("batch", 10, "batch size")
	epochs := fs.Int("epochs", 180, "epochs")
	seed := fs.Uint64("seed", 1, "seed")
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
	if !slices.Contains(ann.PlaygroundKinds(), *dataset) {
		return usagef("-dataset %q: want one of %s", *dataset, strings.Join(ann.PlaygroundKinds(), ", "))
	}
	units, err := parseInts(*hidden)
	if err != nil {
		return usagef("-hidden %q: %v", *hidden, err)
	}
	act, err := ann.ParseActivation(strings.ToLower(*activation))
	if err != nil || act == ann.Softmax {
		return usagef("-activation %q: not a hidden-layer activation", *activation)
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
	case *batch < 1:
		return usagef("-batch %d: must be ≥ 1", *batch)
	case *epochs < 1:
		return usagef("-epochs %d: must be ≥ 1", *epochs)
	}
	for _, p := range []struct{ flag, path string }{{"out", *outPath}, {"plot", *plot}} {
		if p.path != "" && !strings.HasSuffix(strings.ToLower(p.path), ".png") {
			return usagef("-%s %q: the file name must end in .png", p.flag, p.path)
		}
	}
	if err := checkOutputs(output{flag: "out", path: *outPath}, output{flag: "plot", path: *plot}); err != nil {
		return err
	}
	prog := newProgress(e.stderr, *quiet)

	d, err := ann.PlaygroundData(*dataset, *points, *noise, *seed)
	if err != nil {
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

	b := ann.New(2)
	for _, u := range units {
		b.Dense(u, act)
	}
	net, err := b.Dense(1, ann.Tanh).Loss(ann.HalfSquaredError).Reduction(ann.MeanReduction).
		Optimizer(ann.SGD(*lr)).L1(*l1).L2(*l2).Init(ann.Uniform(0.5, 0.1)).Seed(*seed).Build()
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
	prog.printf("%s, noise %v: %d training and %d test points; %v", *dataset, *noise, train.Len(), test.Len(), net)
	prog.printf("initial  train loss %.4f  test loss %.4f", initTrain.AverageLoss, initTest.AverageLoss)
	out, err := trainNetwork(ctx, trainSpec{net: net, x: train.X, y: train.Y, vx: test.X, vy: test.Y,
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
	trainAcc, err := signAccuracy(net, train)
	if err != nil {
		return err
	}
	testAcc, err := signAccuracy(net, test)
	if err != nil {
		return err
	}
	if *outPath != "" {
		title := fmt.Sprintf("%s  epoch %d  train loss %.3f  test loss %.3f", *dataset, len(out.history),
			finalTrain.AverageLoss, finalTest.AverageLoss)
		pic, err := playgroundPictureOf(net, train, test, title)
		if err != nil {
			return err
		}
		if err := writeFile(*outPath, func(w io.Writer) error { return renderPlayground(w, pic) }); err != nil {
			return err
		}
		prog.printf("wrote %s", *outPath)
	}
	if *plot != "" {
		if err := writePlot(*plot, "Playground "+*dataset+" "+shape(net), out.history); err != nil {
			return err
		}
	}
	res := map[string]any{"dataset": *dataset, "noise": *noise,
		"initial_train_loss": initTrain.AverageLoss, "initial_test_loss": initTest.AverageLoss,
		"train_loss": finalTrain.AverageLoss, "test_loss": finalTest.AverageLoss,
		"train_accuracy": trainAcc, "test_accuracy": testAcc,
		"epochs": len(out.history), "global_step": net.Step(),
		"train_seconds": out.seconds, "samples_per_second": out.samplesPerSecond()}
	if *asJSON {
		return writeJSON(e.stdout, res)
	}
	fmt.Fprintf(e.stdout, "initial  train loss %.4f  test loss %.4f\n", initTrain.AverageLoss, initTest.AverageLoss)
	fmt.Fprintf(e.stdout, "final    train loss %.4f  test loss %.4f  (after %d epochs, %d steps)\n",
		finalTrain.AverageLoss, finalTest.AverageLoss, len(out.history), net.Step())
	fmt.Fprintf(e.stdout, "accuracy train %.3f  test %.3f (sign of the output)\n", trainAcc, testAcc)
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

// playgroundPictureOf describes net and the data for renderPlayground.
func playgroundPictureOf(net *ann.Network, train, test *ann.Dataset, title string) (playgroundPicture, error) {
	pic := playgroundPicture{title: title, inputNames: train.FeatureNames}
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
	out, err := net.Predict(grid)
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
		p, err := net.Predict(one)
		if err != nil {
			return math.NaN()
		}
		return float64(p.At(0, 0))
	}
	if f, ok := neuronFunc(dense); ok {
		pic.neuron = f
	}
	return pic, nil
}

// neuronFunc returns every unit's output as a function of the two inputs,
// computed from the layers' weights in float64, for the small heat maps in
// the network's nodes. It reports false for activations it does not know,
// and the picture then draws plain nodes.
func neuronFunc(dense []ann.LayerInfo) (func(layer, unit int, x1, x2 float64) float64, bool) {
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
		in := []float64{x1, x2}
		if layer == 0 {
			// Scaled to [−1, 1] over Playground's −6..6, as it shows X1
			// and X2.
			return in[unit] / 6
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
