package main

// The quantize command: a float model to an int8 one.

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/annlib/ann"
)

const quantizeUsage = `Usage: ann quantize -model FILE|DIR -calib FILE.csv|mnist -out FILE [flags]

Quantizes a trained float model to int8 (post-training quantization): int8
weights with one scale per output unit, batch norm folded into the dense
layer before it, dropout removed. In static mode (the default) the
activations' scales are fixed from calibration rows: a CSV file in the
format "ann train" and "ann predict" read (the model's feature columns,
found by name; a label column is ignored), or "mnist" for the MNIST
training images (found as "ann mnist" finds them: -data, else
$ANN_MNIST_DIR, else the user cache directory). In dynamic mode each row's
activation range is measured at run time and no calibration data is needed.
The quantized model is written atomically; "ann predict", "ann eval",
"ann export" and "ann bench -model" read it. Prints the mode, the int8
kernel this machine runs, and for a classifier the fraction of calibration
rows on which the two models predict the same class.

Flags:
  -model PATH         the float model: a file or a model directory's latest
                      checkpoint (required)
  -calib SRC          calibration rows: a CSV file, or mnist (required with
                      -mode static)
  -calib-rows N       use at most N calibration rows, evenly spaced through
                      the source (default 1000; 0 means all)
  -data DIR           MNIST directory, with -calib mnist
  -mode M             static or dynamic (default static)
  -out FILE           the quantized model to write (required)
  -json               print the result as one JSON object on stdout
  -quiet              no progress on stderr
`

func runQuantize(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("quantize", flag.ContinueOnError)
	modelPath := fs.String("model", "", "float model file or directory")
	calib := fs.String("calib", "", "calibration CSV, or mnist")
	calibRows := fs.Int("calib-rows", 1000, "at most this many calibration rows; 0 for all")
	data := fs.String("data", "", "MNIST directory")
	mode := fs.String("mode", "static", "static or dynamic")
	out := fs.String("out", "", "quantized model file")
	asJSON := fs.Bool("json", false, "JSON output")
	quiet := fs.Bool("quiet", false, "no progress")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	opt, err := quantizeMode(*mode, "mode")
	if err != nil {
		return err
	}
	switch {
	case *modelPath == "" || *out == "":
		return usagef("-model and -out are required")
	case *calib == "" && *mode == "static":
		return usagef("-calib is required with -mode static (a CSV file, or mnist)")
	case *calibRows < 0:
		return usagef("-calib-rows %d: must be ≥ 0", *calibRows)
	case *data != "" && *calib != "mnist":
		return usagef("-data is the MNIST directory, for -calib mnist only")
	}
	if err := checkOutputs(output{flag: "out", path: *out}); err != nil {
		return err
	}
	prog := newProgress(e.stderr, *quiet)
	net, err := loadFloatModel(*modelPath, "ann quantize", e.stderr)
	if err != nil {
		return err
	}
	m := &model{net: net}
	var x ann.Matrix
	switch *calib {
	case "":
	case "mnist":
		if net.Inputs() != 784 {
			return fmt.Errorf("-calib mnist: the model takes %d inputs, MNIST images have 784", net.Inputs())
		}
		train, _, err := loadMNIST(ctx, *data, prog)
		if err != nil {
			return err
		}
		x = train.X
	default:
		d, err := readForModel(m, *calib, "", false)
		if err != nil {
			return err
		}
		x = d.X
	}
	if x, err = spacedRows(x, *calibRows); err != nil {
		return err
	}
	q, err := net.Quantize(x, opt)
	if err != nil {
		return fmt.Errorf("quantizing %s: %w", *modelPath, err)
	}
	if err := q.SaveFile(*out); err != nil {
		return err
	}
	res := map[string]any{"model": *modelPath, "out": *out, "quantize_mode": q.Mode(),
		"int8_kernel": ann.Int8Kernel(), "calibration_rows": x.Rows}
	if st, err := os.Stat(*out); err == nil {
		res["bytes"] = st.Size()
	}
	if x.Rows > 0 && m.classifier() {
		agree, err := agreement(net, q, x)
		if err != nil {
			return err
		}
		res["calibration_agreement"] = agree
	}
	if *asJSON {
		return writeJSON(e.stdout, res)
	}
	fmt.Fprintf(e.stdout, "wrote %s: %s int8 quantization of %s, %d calibration rows, int8 kernel %s\n",
		*out, q.Mode(), shape(net), x.Rows, ann.Int8Kernel())
	if a, ok := res["calibration_agreement"].(float64); ok {
		fmt.Fprintf(e.stdout, "same class as the float model on %.2f%% of the calibration rows\n", 100*a)
	}
	return nil
}

// quantizeMode turns a -mode (or -quantize-mode) value into the library's
// option.
func quantizeMode(mode, flagName string) (ann.QuantizeOption, error) {
	switch mode {
	case "static":
		return ann.StaticQuantization(), nil
	case "dynamic":
		return ann.DynamicQuantization(), nil
	}
	return nil, usagef("-%s %q: want static or dynamic", flagName, mode)
}

// spacedRows returns at most n rows of x (all of them when n is 0 or x has
// no more), evenly spaced, so that a file sorted by class still gives
// calibration rows of every class.
func spacedRows(x ann.Matrix, n int) (ann.Matrix, error) {
	if n == 0 || x.Rows <= n {
		return x, nil
	}
	out, err := ann.NewMatrix(n, x.Cols)
	if err != nil {
		return ann.Matrix{}, err
	}
	for i := range n {
		copy(out.Row(i), x.Row(i*x.Rows/n))
	}
	return out, nil
}

// agreement is the fraction of rows of x on which the float and the
// quantized network predict the same class.
func agreement(net *ann.Network, q *ann.QuantizedNetwork, x ann.Matrix) (float64, error) {
	a, err := net.PredictClass(x)
	if err != nil {
		return 0, err
	}
	b, err := q.PredictClass(x)
	if err != nil {
		return 0, err
	}
	same := 0
	for i := range a {
		if a[i] == b[i] {
			same++
		}
	}
	return float64(same) / float64(len(a)), nil
}
