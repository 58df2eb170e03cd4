package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/annlib/ann"
)

const mnistUsage = `Usage: ann mnist [flags]

Trains a 784-300-100-10 network on the 60,000 MNIST training images,
validating on the 10,000 test images after every epoch, and reports the
final test metrics. The data comes from -data, else $ANN_MNIST_DIR, else
the user cache directory (ann/mnist), where it is downloaded and verified
when missing.

With -tutorial it runs the TensorFlow tutorial's protocol instead: the 70,000
images combined and split 80/20 (seed 42), min-max scaled (fitted on the
training part), DNNClassifier with AdaGrad 0.05, batch 50, no shuffling,
1000 steps; then the "improved" model (ProximalAdaGrad 0.01 with L1 and L2
0.01, dropout 0.3) for 1000 more steps in the same model directory; and
prints both evaluations beside the tutorial's figures.

With -quantize the trained network is also quantized to int8 (as "ann
quantize" does, calibrated on -calib-rows training images evenly spaced
through the set) and the quantized network's test accuracy is reported
beside the float one's, with the fraction of test images on which the two
predict the same class.

Flags:
  -data DIR           MNIST directory (the four IDX files, .gz or not)
  -hidden LIST        hidden layer widths (default 300,100)
  -activation NAME    hidden activation (default relu)
  -optimizer NAME     optimizer (default adam)
  -lr X               learning rate (default 0.001)
  -batch N            mini-batch size (default 128)
  -epochs N           epochs (default 10)
  -schedule NAME      learning-rate schedule: constant, or cosine decay to 1%
                      of -lr over the run (default cosine)
  -steps N            train exactly N steps instead (with -tutorial: per model)
  -dropout X          dropout rate after each hidden layer (default 0)
  -l1 X, -l2 X        weight penalties (default 0)
  -model-dir DIR      checkpoint directory (resumed from; written every epoch
                      and on Ctrl-C); with -tutorial the estimator's model_dir
                      (default: a temporary directory)
  -seed N             random seed (default 1)
  -threads N          worker threads (default: all CPUs)
  -tutorial           run the tutorial's protocol (fixes the model flags)
  -quantize           also quantize the trained network to int8 and report
                      its test accuracy and agreement with the float one
  -quantize-mode M    static or dynamic, with -quantize (default static)
  -calib-rows N       calibration images for -quantize (default 1000)
  -plot FILE.png      loss and accuracy curves per epoch
  -json               print the final metrics as one JSON object on stdout
  -quiet              no progress on stderr
`

func runMNIST(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("mnist", flag.ContinueOnError)
	var m modelFlags
	m.register(fs, modelDefaults{hidden: "300,100", activation: "relu", optimizer: "adam", lr: 0.001, batch: 128, epochs: 10, schedule: "cosine"})
	data := fs.String("data", "", "MNIST directory")
	tutorial := fs.Bool("tutorial", false, "run the tutorial's protocol")
	quantize := fs.Bool("quantize", false, "also quantize to int8 and report both accuracies")
	qmode := fs.String("quantize-mode", "static", "static or dynamic")
	calibRows := fs.Int("calib-rows", 1000, "calibration images for -quantize")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	set := setFlags(fs)
	if *tutorial {
		for _, f := range []string{"hidden", "activation", "optimizer", "lr", "batch", "epochs", "dropout", "l1", "l2", "quantize"} {
			if set[f] {
				return usagef("-%s cannot be combined with -tutorial, which fixes the model", f)
			}
		}
	}
	for _, f := range []string{"quantize-mode", "calib-rows"} {
		if set[f] && !*quantize {
			return usagef("-%s applies to -quantize only", f)
		}
	}
	qopt, err := quantizeMode(*qmode, "quantize-mode")
	if err != nil {
		return err
	}
	if *calibRows < 1 {
		return usagef("-calib-rows %d: must be ≥ 1", *calibRows)
	}
	if err := m.check(set); err != nil {
		return err
	}
	if err := checkOutputs(output{flag: "plot", path: m.plot}, output{flag: "model-dir", path: m.modelDir, dir: true}); err != nil {
		return err
	}
	prog := newProgress(e.stderr, m.quiet)
	train, test, err := loadMNIST(ctx, *data, prog)
	if err != nil {
		return err
	}
	if *tutorial {
		return runTutorial(ctx, e, &m, train, test, prog)
	}

	ytr, err := ann.OneHot(train.Labels, 10)
	if err != nil {
		return err
	}
	yte, err := ann.OneHot(test.Labels, 10)
	if err != nil {
		return err
	}
	net, err := resume(m.modelDir, 784, 10, prog)
	if err != nil {
		return err
	}
	if net == nil {
		if net, err = buildNetwork(&m, 784, 10, train.Len(), ann.Softmax, ann.SoftmaxCrossEntropy); err != nil {
			return err
		}
		if err := net.SetMeta(ann.Meta{LabelName: "label", Classes: train.Classes}); err != nil {
			return err
		}
	}
	prog.printf("MNIST: %d training and %d test images; %v; kernel %s, %d threads",
		train.Len(), test.Len(), net, ann.Kernel(), threads())
	out, err := trainNetwork(ctx, trainSpec{net: net, x: train.X, y: ytr, vx: test.X, vy: yte,
		batch: m.batch, epochs: m.epochs, steps: m.steps, shuffle: true, modelDir: m.modelDir, prog: prog})
	if err != nil {
		return err
	}
	if m.plot != "" {
		if err := writePlot(m.plot, "MNIST "+shape(net)+", "+m.optimizer, out.history); err != nil {
			return err
		}
	}
	ev, err := net.Evaluate(test.X, yte)
	if err != nil {
		return err
	}
	res := map[string]any{"accuracy": ev.Accuracy, "average_loss": ev.AverageLoss, "loss": ev.Loss,
		"global_step": net.Step(), "train_seconds": out.seconds, "samples_per_second": out.samplesPerSecond(),
		"epochs": len(out.history)}
	if *quantize {
		if err := quantizeMNIST(net, train.X, test, *calibRows, qopt, res, prog); err != nil {
			return err
		}
	}
	if m.json {
		return writeJSON(e.stdout, res)
	}
	fmt.Fprintf(e.stdout, "test accuracy %.4f  average_loss %.4f  loss %.1f  global_step %d\n",
		ev.Accuracy, ev.AverageLoss, ev.Loss, net.Step())
	fmt.Fprintf(e.stdout, "trained %d epochs in %.1fs, %.0f samples/s\n", len(out.history), out.seconds, out.samplesPerSecond())
	if *quantize {
		fmt.Fprintf(e.stdout, "int8 (%s, %d calibration images, int8 kernel %s): test accuracy %.4f (float %.4f, %+.2f points), same class on %.2f%% of test images\n",
			res["quantize_mode"], res["calibration_rows"], res["int8_kernel"], res["quantized_accuracy"], ev.Accuracy,
			100*(res["quantized_accuracy"].(float64)-ev.Accuracy), 100*res["agreement"].(float64))
	}
	return nil
}

// quantizeMNIST quantizes the trained net, calibrated on calibRows images
// of the training set evenly spaced through it, and adds to res the
// quantized network's test accuracy ("quantized_accuracy"), the fraction of
// test images on which it and the float network predict the same class
// ("agreement"), the mode, the int8 kernel and the calibration size.
func quantizeMNIST(net *ann.Network, train ann.Matrix, test *ann.Dataset, calibRows int, opt ann.QuantizeOption,
	res map[string]any, prog *progress) error {
	calib, err := spacedRows(train, calibRows)
	if err != nil {
		return err
	}
	q, err := net.Quantize(calib, opt)
	if err != nil {
		return fmt.Errorf("quantizing: %w", err)
	}
	fc, err := net.PredictClass(test.X)
	if err != nil {
		return err
	}
	qc, err := q.PredictClass(test.X)
	if err != nil {
		return err
	}
	correct, same := 0, 0
	for i, c := range qc {
		if c == test.Labels[i] {
			correct++
		}
		if c == fc[i] {
			same++
		}
	}
	n := float64(len(qc))
	res["quantized_accuracy"] = float64(correct) / n
	res["agreement"] = float64(same) / n
	res["quantize_mode"] = q.Mode()
	res["int8_kernel"] = ann.Int8Kernel()
	res["calibration_rows"] = calib.Rows
	prog.printf("quantized to int8 (%s) on %d calibration images, int8 kernel %s", q.Mode(), calib.Rows, ann.Int8Kernel())
	return nil
}

// loadMNIST finds the data: -data, else $ANN_MNIST_DIR, else the user
// cache directory, downloading there when files are missing.
func loadMNIST(ctx context.Context, dir string, prog *progress) (train, test *ann.Dataset, err error) {
	from := "-data"
	if dir == "" {
		dir, from = ann.MNISTDir(), "$ANN_MNIST_DIR"
	}
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return nil, nil, fmt.Errorf("no MNIST directory: give -data or set ANN_MNIST_DIR (%v)", err)
		}
		dir = filepath.Join(cache, "ann", "mnist")
		if _, _, err := ann.LoadMNIST(dir); err != nil {
			prog.printf("fetching MNIST into %s", dir)
			if err := ann.FetchMNIST(ctx, dir); err != nil {
				return nil, nil, fmt.Errorf("downloading MNIST into %s: %w", dir, err)
			}
		}
		from = "cache"
	}
	train, test, err = ann.LoadMNIST(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("MNIST directory %s (from %s): %w", dir, from, err)
		}
		return nil, nil, fmt.Errorf("MNIST in %s (from %s): %w", dir, from, err)
	}
	return train, test, nil
}

// The tutorial's published evaluations.
var tutorialFigures = [2]map[string]float64{
	{"accuracy": 0.9637143, "average_loss": 0.12014342, "loss": 1682.0079, "global_step": 1000},
	{"accuracy": 0.95057142, "average_loss": 0.17318928, "loss": 2424.6499, "global_step": 2000},
}

// runTutorial runs the tutorial's protocol with DNNClassifier.
func runTutorial(ctx context.Context, e *env, m *modelFlags, train, test *ann.Dataset, prog *progress) error {
	all, err := ann.Concat(train, test)
	if err != nil {
		return err
	}
	tr, te, err := ann.TrainTestSplit(all, 0.2, 42, false)
	if err != nil {
		return err
	}
	dir := m.modelDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "ann-tutorial-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	steps := 1000
	if m.steps > 0 {
		steps = m.steps
	}
	prog.printf("tutorial protocol: %d training / %d test images, model_dir %s, kernel %s, %d threads",
		tr.Len(), te.Len(), dir, ann.Kernel(), threads())
	common := []ann.EstimatorOption{ann.HiddenUnits(300, 100), ann.NClasses(10), ann.ModelDir(dir),
		ann.TrainBatchSize(50), ann.ShuffleData(false), ann.InputScaling("minmax"), ann.RandomSeed(m.seed)}
	type phase struct {
		name string
		opts []ann.EstimatorOption
	}
	phases := []phase{
		{"DNNClassifier, AdaGrad 0.05", nil},
		{"improved: ProximalAdaGrad 0.01 (l1 0.01, l2 0.01), dropout 0.3",
			[]ann.EstimatorOption{ann.UseOptimizer(ann.ProximalAdaGrad(0.01, 0.01, 0.01)), ann.DropoutRate(0.3)}},
	}
	var results [2]map[string]any
	var losses []float64 // mean training loss per 50 steps, for -plot
	for i, ph := range phases {
		clf, err := ann.NewDNNClassifier(append(append([]ann.EstimatorOption{}, common...), ph.opts...)...)
		if err != nil {
			return err
		}
		var win float64
		var winN int
		tres, err := clf.TrainWithProgress(ctx, tr, steps, func(b ann.BatchProgress) {
			prog.bar(fmt.Sprintf("model %d", i+1), b.Batch, b.Total, fmt.Sprintf("loss %.4f", b.Loss))
			win += b.Loss
			if winN++; winN == 50 {
				losses = append(losses, win/50)
				win, winN = 0, 0
			}
		})
		if r := clf.Restored(); len(r.Skipped) > 0 {
			prog.clear()
			warnSkipped(e.stderr, r.Skipped, r.Path)
		}
		if err != nil {
			prog.clear()
			if ctx.Err() != nil {
				return fmt.Errorf("interrupted at step %d, checkpoint in %s: %w", clf.GlobalStep(), dir, err)
			}
			return err
		}
		prog.printf("model %d (%s): %d steps to global step %d in %.1fs, %.0f samples/s, mean loss %.4f",
			i+1, ph.name, tres.Steps, tres.GlobalStep, tres.Duration.Seconds(), tres.SamplesPerSecond, tres.Loss)
		ev, err := clf.Evaluate(te)
		if err != nil {
			return err
		}
		r := map[string]any{}
		for k, v := range ev.Map() {
			r[k] = v
		}
		r["global_step"] = ev.GlobalStep
		r["train_seconds"] = tres.Duration.Seconds()
		r["samples_per_second"] = tres.SamplesPerSecond
		results[i] = r
	}
	if m.plot != "" && len(losses) > 0 {
		err := writeFile(m.plot, func(w io.Writer) error {
			return renderCurves(w, "MNIST tutorial protocol: training loss", []curve{{name: "train (mean of 50 steps)", y: losses}},
				"steps / 50", "loss")
		})
		if err != nil {
			return err
		}
	}
	if m.json {
		return writeJSON(e.stdout, map[string]any{"baseline": results[0], "improved": results[1],
			"tutorial": map[string]any{"baseline": tutorialFigures[0], "improved": tutorialFigures[1]}})
	}
	w := e.stdout
	if steps != 1000 {
		fmt.Fprintf(w, "note: %d steps per model instead of 1000; the tutorial's figures are not comparable\n", steps)
	}
	for i, name := range []string{"baseline (AdaGrad 0.05, batch 50, 1000 steps)", "improved (ProximalAdaGrad, dropout 0.3, +1000 steps)"} {
		fmt.Fprintf(w, "%s\n  %-20s %14s %14s\n", name, "", "ann", "tutorial")
		for _, k := range []string{"accuracy", "average_loss", "loss", "global_step"} {
			fmt.Fprintf(w, "  %-20s %14s %14s\n", k, fmtNum(results[i][k]), fmtNum(tutorialFigures[i][k]))
		}
		fmt.Fprintf(w, "  %-20s %14s\n  %-20s %14s\n", "train_seconds", fmtNum(results[i]["train_seconds"]),
			"samples_per_second", fmtNum(math.Round(results[i]["samples_per_second"].(float64))))
	}
	return nil
}

// fmtNum prints a metric compactly: integers without decimals, others with
// up to 8 significant digits.
func fmtNum(v any) string {
	switch t := v.(type) {
	case int64:
		return fmt.Sprint(t)
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1e12 {
			return fmt.Sprintf("%.0f", t)
		}
		s := fmt.Sprintf("%.8g", t)
		if strings.Contains(s, "e") {
			return fmt.Sprintf("%g", t)
		}
		return s
	}
	return fmt.Sprint(v)
}
