package main

// The CSV commands: train, eval and predict.

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/annlib/ann"
)

const trainUsage = `Usage: ann train -train FILE.csv [-test FILE.csv | -split 0.2] [flags]

Trains a classifier or regressor on a CSV file whose first row names the
columns. Every column but the label is a numeric feature. The metrics are
measured on -test, or on the -split fraction held out of -train; the same
set is the validation set after every epoch. The saved model remembers its
feature and label names, its classes and its input scaler.

Flags:
  -train FILE.csv     training data (required)
  -test FILE.csv      test data with the same columns (any order)
  -split X            fraction of -train held out for testing when there is
                      no -test (default 0.2; stratified for classification)
  -label COL          the label column: a header name, a 0-based index
                      (negative counts from the end) or last (default last)
  -task T             classify or regress (default classify)
  -scale S            input scaling fitted on the training part: minmax,
                      standard or none (default standard)
  -hidden LIST        hidden layer widths (default 64,32)
  -activation NAME    hidden activation (default relu)
  -optimizer NAME     optimizer (default adam)
  -lr X               learning rate (default 0.001)
  -batch N            mini-batch size (default 32)
  -epochs N           epochs (default 20)
  -schedule NAME      learning-rate schedule: constant, or cosine decay to 1%
                      of -lr over the run (default constant)
  -steps N            train exactly N steps instead
  -dropout X          dropout rate after each hidden layer (default 0)
  -l1 X, -l2 X        weight penalties (default 0)
  -seed N             random seed for weights, split and shuffles (default 1)
  -threads N          worker threads (default: all CPUs)
  -save FILE          write the trained model to FILE
  -model-dir DIR      checkpoint directory (resumed from; written every epoch
                      and on Ctrl-C)
  -plot FILE.png      loss and accuracy curves per epoch
  -json               print the final metrics as one JSON object on stdout
  -quiet              no progress on stderr
`

const evalUsage = `Usage: ann eval -model FILE|DIR -data FILE.csv [-label COL] [-json]

Evaluates a saved model (a file, float or int8 quantized by "ann quantize",
or the latest checkpoint of a model directory) on a labelled CSV file. Columns are found by the names the model
was trained with, so their order may differ and extra columns are ignored.

Flags:
  -model PATH         model file (float or quantized) or model directory
                      (required)
  -data FILE.csv      labelled data (required)
  -label COL          label column name (default: the one the model was
                      trained with, else the last column)
  -json               print the metrics as one JSON object on stdout
`

const predictUsage = `Usage: ann predict -model FILE|DIR -data FILE.csv [-out FILE.csv]

Writes one CSV row per input row: for a classifier "class,p_<class1>,..."
(the predicted class and each class's probability), for a regressor
"prediction". A label column in the input is ignored. The model may be a
float model or an int8 quantized one written by "ann quantize".

Flags:
  -model PATH         model file (float or quantized) or model directory
                      (required)
  -data FILE.csv      input rows (required)
  -out FILE.csv       output file (default: stdout)
`

func runTrain(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	var m modelFlags
	m.register(fs, modelDefaults{hidden: "64,32", activation: "relu", optimizer: "adam", lr: 0.001, batch: 32, epochs: 20, schedule: "constant"})
	trainPath := fs.String("train", "", "training CSV")
	testPath := fs.String("test", "", "test CSV")
	split := fs.Float64("split", 0.2, "held-out fraction")
	label := fs.String("label", "last", "label column")
	task := fs.String("task", "classify", "classify or regress")
	scale := fs.String("scale", "standard", "minmax, standard or none")
	save := fs.String("save", "", "model file to write")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	set := setFlags(fs)
	if err := m.check(set); err != nil {
		return err
	}
	switch {
	case *trainPath == "":
		return usagef("-train is required")
	case *task != "classify" && *task != "regress":
		return usagef("-task %q: want classify or regress", *task)
	case *scale != "minmax" && *scale != "standard" && *scale != "none":
		return usagef("-scale %q: want minmax, standard or none", *scale)
	case *testPath != "" && set["split"]:
		return usagef("-test and -split exclude each other")
	case !(*split > 0 && *split < 1):
		return usagef("-split %v: must be in (0, 1)", *split)
	}
	if err := checkOutputs(output{flag: "save", path: *save}, output{flag: "plot", path: m.plot},
		output{flag: "model-dir", path: m.modelDir, dir: true}); err != nil {
		return err
	}
	classify := *task == "classify"
	prog := newProgress(e.stderr, m.quiet)

	header, err := readHeader(*trainPath)
	if err != nil {
		return err
	}
	labelCol, err := resolveLabel(*label, header, *trainPath)
	if err != nil {
		return err
	}
	opts := []ann.CSVOption{ann.CSVLabelIndex(labelCol)}
	if !classify {
		opts = append(opts, ann.CSVRegression())
	}
	data, err := readCSVFile(*trainPath, opts...)
	if err != nil {
		return err
	}
	var train, test *ann.Dataset
	if *testPath != "" {
		topts := []ann.CSVOption{ann.CSVFeatures(data.FeatureNames), ann.CSVLabel(data.LabelName)}
		if classify {
			topts = append(topts, ann.CSVClasses(data.Classes))
		} else {
			topts = append(topts, ann.CSVRegression())
		}
		if test, err = readCSVFile(*testPath, topts...); err != nil {
			return err
		}
		if test.Labels == nil && test.Y.Rows == 0 {
			return fmt.Errorf("%s: no label column %q", *testPath, data.LabelName)
		}
		train = data
	} else if train, test, err = ann.TrainTestSplit(data, *split, m.seed, classify); err != nil {
		return fmt.Errorf("%s: -split %v: %w", *trainPath, *split, err)
	}

	inputs := train.X.Cols
	outputs, outAct, loss := 1, ann.Identity, ann.MeanSquaredError
	var yTrain, yTest ann.Matrix
	if classify {
		outputs, outAct, loss = len(data.Classes), ann.Softmax, ann.SoftmaxCrossEntropy
		if outputs < 2 {
			return fmt.Errorf("%s: label column %q has a single class %q; a classifier needs at least 2 (use -task regress for numbers)",
				*trainPath, data.LabelName, data.Classes[0])
		}
		if yTrain, err = ann.OneHot(train.Labels, outputs); err != nil {
			return err
		}
		if yTest, err = ann.OneHot(test.Labels, outputs); err != nil {
			return err
		}
	} else {
		yTrain, yTest = train.Y, test.Y
	}
	net, err := resume(m.modelDir, inputs, outputs, prog)
	if err != nil {
		return err
	}
	if net == nil {
		if net, err = buildNetwork(&m, inputs, outputs, train.Len(), outAct, loss); err != nil {
			return err
		}
		meta := ann.Meta{FeatureNames: data.FeatureNames, LabelName: data.LabelName}
		if classify {
			meta.Classes = data.Classes
		}
		if err := net.SetMeta(meta); err != nil {
			return err
		}
		if *scale != "none" {
			s, err := train.FitScaler(*scale)
			if err != nil {
				return fmt.Errorf("%s: -scale %s: %w", *trainPath, *scale, err)
			}
			if err := net.SetScaler(s); err != nil {
				return err
			}
		}
	}
	prog.printf("%s: %d training and %d test rows, %d features, label %q; %v",
		*trainPath, train.Len(), test.Len(), inputs, data.LabelName, net)
	out, err := trainNetwork(ctx, trainSpec{net: net, x: train.X, y: yTrain, vx: test.X, vy: yTest,
		batch: m.batch, epochs: m.epochs, steps: m.steps, shuffle: true, modelDir: m.modelDir, prog: prog})
	if err != nil {
		return err
	}
	if *save != "" {
		if err := net.SaveFile(*save); err != nil {
			return err
		}
		prog.printf("saved the model to %s", *save)
	}
	if m.plot != "" {
		if err := writePlot(m.plot, filepath.Base(*trainPath)+" "+shape(net)+", "+m.optimizer, out.history); err != nil {
			return err
		}
	}
	res, err := metrics(net, test, yTest)
	if err != nil {
		return err
	}
	res["train_seconds"] = out.seconds
	res["samples_per_second"] = out.samplesPerSecond()
	res["epochs"] = len(out.history)
	if m.json {
		return writeJSON(e.stdout, res)
	}
	printMetrics(e.stdout, res)
	return nil
}

// metrics evaluates net on d with targets y: TensorFlow's keys, plus rmse
// and r2 for a regressor.
func metrics(net *ann.Network, d *ann.Dataset, y ann.Matrix) (map[string]any, error) {
	ev, err := net.Evaluate(d.X, y)
	if err != nil {
		return nil, err
	}
	res := map[string]any{"average_loss": ev.AverageLoss, "loss": ev.Loss, "global_step": net.Step(), "examples": ev.Examples}
	if isClassifier(net) {
		res["accuracy"] = ev.Accuracy
		return res, nil
	}
	p, err := net.Predict(d.X)
	if err != nil {
		return nil, err
	}
	if err := addRegressionMetrics(res, p, y); err != nil {
		return nil, err
	}
	return res, nil
}

// addRegressionMetrics adds a regressor's rmse and r2 of the predictions p
// against the targets y to res.
func addRegressionMetrics(res map[string]any, p, y ann.Matrix) error {
	pc, yc := p.Clone(), y.Clone()
	rmse, err := ann.RMSE(pc.Data, yc.Data)
	if err != nil {
		return err
	}
	r2, err := ann.R2(pc.Data, yc.Data)
	if err != nil {
		return err
	}
	res["rmse"], res["r2"] = rmse, r2
	return nil
}

func printMetrics(w io.Writer, res map[string]any) {
	var parts []string
	for _, k := range []string{"accuracy", "average_loss", "loss", "rmse", "r2", "global_step", "examples"} {
		if v, ok := res[k]; ok {
			parts = append(parts, k+" "+fmtNum(v))
		}
	}
	fmt.Fprintf(w, "test %s\n", strings.Join(parts, "  "))
	if s, ok := res["train_seconds"].(float64); ok {
		fmt.Fprintf(w, "trained %v epochs in %.1fs, %.0f samples/s\n", res["epochs"], s, res["samples_per_second"])
	}
}

// isClassifier reports whether net's outputs are class probabilities.
func isClassifier(net *ann.Network) bool { return net.LossFunc() == ann.SoftmaxCrossEntropy }

func runEval(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	model := fs.String("model", "", "model file or directory")
	dataPath := fs.String("data", "", "labelled CSV")
	label := fs.String("label", "", "label column")
	asJSON := fs.Bool("json", false, "JSON output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *model == "" || *dataPath == "" {
		return usagef("-model and -data are required")
	}
	m, err := loadAnyModel(*model, e.stderr)
	if err != nil {
		return err
	}
	d, err := readForModel(m, *dataPath, *label, true)
	if err != nil {
		return err
	}
	var y ann.Matrix
	if m.classifier() {
		if y, err = ann.OneHot(d.Labels, m.Outputs()); err != nil {
			return err
		}
	} else {
		if d.Y.Cols != m.Outputs() {
			return fmt.Errorf("%s: the model predicts %d values per row, the data has %d", *dataPath, m.Outputs(), d.Y.Cols)
		}
		y = d.Y
	}
	var res map[string]any
	if m.quantized() {
		res, err = quantizedMetrics(m, d, y)
	} else {
		res, err = metrics(m.net, d, y)
	}
	if err != nil {
		return err
	}
	var cm *ann.ConfusionMatrix
	if m.classifier() {
		pred, err := m.PredictClass(d.X)
		if err != nil {
			return err
		}
		if cm, err = ann.NewConfusionMatrix(pred, d.Labels, m.Outputs()); err != nil {
			return err
		}
		res["macro_f1"] = cm.MacroF1()
	}
	if *asJSON {
		return writeJSON(e.stdout, res)
	}
	if m.quantized() {
		fmt.Fprintf(e.stdout, "int8 quantized model (%s), int8 kernel %s\n", m.q.Mode(), ann.Int8Kernel())
	}
	printMetrics(e.stdout, res)
	if cm != nil {
		fmt.Fprintf(e.stdout, "\n%s", cm.Report(classNames(m)))
	}
	return nil
}

func runPredict(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("predict", flag.ContinueOnError)
	model := fs.String("model", "", "model file or directory")
	dataPath := fs.String("data", "", "input CSV")
	outPath := fs.String("out", "", "output CSV")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *model == "" || *dataPath == "" {
		return usagef("-model and -data are required")
	}
	if err := checkOutputs(output{flag: "out", path: *outPath}); err != nil {
		return err
	}
	net, err := loadAnyModel(*model, e.stderr)
	if err != nil {
		return err
	}
	d, err := readForModel(net, *dataPath, "", false)
	if err != nil {
		return err
	}
	p, err := net.Predict(d.X)
	if err != nil {
		return err
	}
	write := func(w io.Writer) error {
		cw := csv.NewWriter(w)
		var header []string
		classes := classNames(net)
		if net.classifier() {
			header = append(header, "class")
			for _, c := range classes {
				header = append(header, "p_"+c)
			}
		} else if net.Outputs() == 1 {
			header = []string{"prediction"}
		} else {
			for j := range net.Outputs() {
				header = append(header, fmt.Sprintf("prediction_%d", j+1))
			}
		}
		cw.Write(header)
		row := make([]string, 0, len(header))
		for i := range p.Rows {
			row = row[:0]
			r := p.Row(i)
			if net.classifier() {
				best := 0
				for j, v := range r {
					if v > r[best] {
						best = j
					}
				}
				row = append(row, classes[best])
			}
			for _, v := range r {
				row = append(row, strconv.FormatFloat(float64(v), 'g', -1, 32))
			}
			cw.Write(row)
		}
		cw.Flush()
		return cw.Error()
	}
	if *outPath == "" {
		return write(e.stdout)
	}
	return writeFile(*outPath, write)
}

// classNames returns the model's class names, or "0", "1", … when it has
// none.
func classNames(net *model) []string {
	if c := net.Meta().Classes; len(c) == net.Outputs() {
		return c
	}
	names := make([]string, net.Outputs())
	for i := range names {
		names[i] = strconv.Itoa(i)
	}
	return names
}

// loadModel reads a model file, or the newest checkpoint of a directory
// that loads, warning on stderr about newer ones that do not.
func loadModel(path string, stderr io.Writer) (*ann.Network, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("-model: %w", err)
	}
	if st.IsDir() {
		net, ck, skipped, err := ann.LoadLatestCheckpoint(path)
		warnSkipped(stderr, skipped, ck)
		if err != nil {
			return nil, err
		}
		if net == nil {
			return nil, fmt.Errorf("-model %s: the directory holds no checkpoint (model.ckpt-*.ann)", path)
		}
		return net, nil
	}
	return ann.LoadFile(path)
}

// readForModel reads the CSV at path for net: the model's feature columns
// by name when it knows them (else every column but the label), and with
// needLabel the label column (labelName, else the model's, else the last).
func readForModel(net *model, path, labelName string, needLabel bool) (*ann.Dataset, error) {
	header, err := readHeader(path)
	if err != nil {
		return nil, err
	}
	meta := net.Meta()
	if labelName == "" {
		labelName = meta.LabelName
	}
	hasLabel := labelName != "" && slices.Contains(header, labelName)
	if needLabel && !hasLabel {
		if labelName != "" {
			return nil, fmt.Errorf("%s: no label column %q in the header", path, labelName)
		}
		labelName, hasLabel = header[len(header)-1], true
	}
	features := meta.FeatureNames
	if features == nil {
		for _, h := range header {
			if !(hasLabel && h == labelName) {
				features = append(features, h)
			}
		}
	}
	if len(features) != net.Inputs() {
		return nil, fmt.Errorf("%s: %d feature columns, the model takes %d", path, len(features), net.Inputs())
	}
	opts := []ann.CSVOption{ann.CSVFeatures(features)}
	if needLabel {
		opts = append(opts, ann.CSVLabel(labelName))
		if net.classifier() {
			opts = append(opts, ann.CSVClasses(classNames(net)))
		} else {
			opts = append(opts, ann.CSVRegression())
		}
	}
	return readCSVFile(path, opts...)
}

// readHeader returns the trimmed column names of a CSV file's first row.
func readHeader(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	h, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file (want a header row and data rows)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	h[0] = strings.TrimPrefix(h[0], "\ufeff") // as ann.ReadCSV does
	for i := range h {
		h[i] = strings.TrimSpace(h[i])
	}
	return h, nil
}

// resolveLabel turns -label into a column index of header: a column name
// first, then a 0-based index (negative from the end), then "last".
func resolveLabel(label string, header []string, path string) (int, error) {
	if i := slices.Index(header, label); i >= 0 {
		return i, nil
	}
	if label == "last" {
		return len(header) - 1, nil
	}
	if i, err := strconv.Atoi(label); err == nil {
		if i < -len(header) || i >= len(header) {
			return 0, fmt.Errorf("%s: -label %d is outside the header's %d columns", path, i, len(header))
		}
		if i < 0 {
			i += len(header)
		}
		return i, nil
	}
	return 0, fmt.Errorf("%s: -label %q: no such column (the header has %s)", path, label, strings.Join(header, ", "))
}

// readCSVFile reads a CSV file with the given options; errors name the
// file (and ReadCSV's the line and column).
func readCSVFile(path string, opts ...ann.CSVOption) (*ann.Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, err := ann.ReadCSV(f, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}
