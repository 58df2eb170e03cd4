package ann

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// onnxQuantTolerance bounds |Δprobability| between onnxruntime running a
// quantized export and QuantizedNetwork.Predict (see ExportONNX): static
// and dynamic (whose export takes one range per batch, not per row);
// onnxQuantAgreement is the fraction of classes that must agree.
var onnxQuantTolerance = map[string]float64{"static": 0.02, "dynamic": 0.05}

const onnxQuantAgreement = 0.99

// onnxRunCompareQuantized quantizes net (static from calib, and dynamic),
// exports each, checks the model with onnx's checker and runs it in
// onnxruntime on x, and compares with the quantized Predict. The caller
// has probed both runtimes (TestONNXRuntime).
func onnxRunCompareQuantized(t *testing.T, net *Network, calib, x Matrix, labels []int) {
	t.Helper()
	for _, mode := range []QuantizeOption{StaticQuantization(), DynamicQuantization()} {
		q, err := net.Quantize(calib, mode)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := q.ExportONNX(&buf); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		model := filepath.Join(dir, "model.onnx")
		if err := os.WriteFile(model, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		in := make([]byte, 0, 4*x.Rows*x.Cols)
		for i := 0; i < x.Rows; i++ {
			for _, v := range x.Row(i) {
				in = binary.LittleEndian.AppendUint32(in, math.Float32bits(v))
			}
		}
		inputs := filepath.Join(dir, "inputs.bin")
		if err := os.WriteFile(inputs, in, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("/usr/bin/python3", filepath.Join("scripts", "onnx", "check.py"), model).Output()
		if err != nil {
			t.Fatalf("%s: check.py: %v\n%s", q.Mode(), err, stderrOf(err))
		}
		var chk struct {
			Ops     []string            `json:"ops"`
			Outputs map[string][]string `json:"outputs"`
		}
		if err := json.Unmarshal(out, &chk); err != nil {
			t.Fatalf("check.py output: %v\n%s", err, out)
		}
		wantDims := []string{"batch", strconv.Itoa(q.Outputs())}
		if !slices.Equal(chk.Outputs["probabilities"], wantDims) {
			t.Errorf("%s: onnx shape inference: outputs %v, want %v", q.Mode(), chk.Outputs, wantDims)
		}
		out, err = exec.Command("node", filepath.Join("scripts", "onnx", "check.js"), model, inputs,
			strconv.Itoa(x.Rows), strconv.Itoa(x.Cols)).Output()
		if err != nil {
			t.Fatalf("%s: check.js: %v\n%s", q.Mode(), err, stderrOf(err))
		}
		var res struct {
			Outputs map[string]struct {
				Dims []int     `json:"dims"`
				Data []float64 `json:"data"`
			} `json:"outputs"`
		}
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("check.js output: %v", err)
		}
		probs, err := q.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		rp := res.Outputs["probabilities"]
		k := q.Outputs()
		if !slices.Equal(rp.Dims, []int{x.Rows, k}) || len(rp.Data) != x.Rows*k {
			t.Fatalf("%s: onnxruntime probabilities %v", q.Mode(), rp.Dims)
		}
		var dp float64
		agree, correct := 0, 0
		for i := 0; i < x.Rows; i++ {
			row := rp.Data[i*k : (i+1)*k]
			c := 0
			for j, v := range row {
				dp = math.Max(dp, math.Abs(v-float64(probs.At(i, j))))
				if v > row[c] {
					c = j
				}
			}
			mine := argmax(probs.Row(i))
			if c == mine {
				agree++
			}
			if labels != nil && c == labels[i] {
				correct++
			}
		}
		t.Logf("%s int8 export, %d nodes %v: onnxruntime vs quantized Predict on %d rows: max |Δprobability| %.3g, classes agree %d/%d, onnxruntime accuracy %.4f",
			q.Mode(), len(chk.Ops), chk.Ops[:min(len(chk.Ops), 12)], x.Rows, dp, agree, x.Rows, float64(correct)/float64(x.Rows))
		if tol := onnxQuantTolerance[q.Mode()]; dp > tol {
			t.Errorf("%s: max |Δprobability| = %g > %g", q.Mode(), dp, tol)
		}
		if float64(agree) < onnxQuantAgreement*float64(x.Rows) {
			t.Errorf("%s: classes agree on %d of %d rows", q.Mode(), agree, x.Rows)
		}
	}
}
