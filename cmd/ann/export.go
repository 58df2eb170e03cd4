package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
)

const exportUsage = `Usage: ann export -model FILE|DIR -onnx OUT.onnx

Writes a saved model (a model file, or a model directory's latest
checkpoint) as an ONNX graph (opset 13, dynamic batch dimension): the input
scaler as Sub/Mul, dense layers as Gemm, activations as ONNX ops, batch
norm as BatchNormalization, dropout removed. Outputs "probabilities" and
"logits". An int8 model written by "ann quantize" is exported in its
quantized form (int8 weights with their scales, see the library's
QuantizedNetwork.ExportONNX). The file is written atomically.

Flags:
  -model FILE|DIR   the model to export, float or quantized (required)
  -onnx FILE        the ONNX file to write (required)
`

func runExport(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	model := fs.String("model", "", "model file or directory")
	out := fs.String("onnx", "", "ONNX output file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *model == "" || *out == "" {
		return usagef("-model and -onnx are required")
	}
	if err := checkOutputs(output{flag: "onnx", path: *out}); err != nil {
		return err
	}
	net, err := loadAnyModel(*model, e.stderr)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if net.quantized() {
		err = net.q.ExportONNX(&buf)
	} else {
		err = net.net.ExportONNX(&buf)
	}
	if err != nil {
		return err
	}
	if err := writeFile(*out, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote %s (%d bytes, %s)\n", *out, buf.Len(), net)
	return nil
}
