package ann

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
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
// and dynamic;
// onnxQuantAgreement is the fraction of classes that must agree.
var onnxQuantTolerance = map[string]float64{"static": 0.02, "dynamic": 0.02}

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
		acc := ""
		if labels != nil {
			acc = fmt.Sprintf(", onnxruntime accuracy %.4f", float64(correct)/float64(x.Rows))
		}
		t.Logf("%s int8 export, %d nodes: onnxruntime vs quantized Predict on %d rows: max |Δprobability| %.3g, classes agree %d/%d%s",
			q.Mode(), len(chk.Ops), x.Rows, dp, agree, x.Rows, acc)
		if tol := onnxQuantTolerance[q.Mode()]; dp > tol {
			t.Errorf("%s: max |Δprobability| = %g > %g", q.Mode(), dp, tol)
		}
		if float64(agree) < onnxQuantAgreement*float64(x.Rows) {
			t.Errorf("%s: classes agree on %d of %d rows", q.Mode(), agree, x.Rows)
		}
	}
}

// TestQuantizedExportONNXStructure decodes both quantized exports of the
// CSV model: the node sequence of each mode, int8 weights equal to the
// quantized network's, per-unit scales on axis 1, the static input scales
// and zero points, and the float export's interface.
func TestQuantizedExportONNXStructure(t *testing.T) {
	net, xt := onnxCSVModel(t)
	for _, opt := range []QuantizeOption{StaticQuantization(), DynamicQuantization()} {
		q, err := net.Quantize(xt, opt)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := q.ExportONNX(&buf); err != nil {
			t.Fatal(err)
		}
		m, err := onnxDecode(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if m.irVersion != 7 || m.opsets[""] != 13 || m.doc != q.String() {
			t.Errorf("%s: ir_version %d, opsets %v, doc %q", q.Mode(), m.irVersion, m.opsets, m.doc)
		}
		g := m.graph
		if len(g.inputs) != 1 || g.inputs[0].name != "input" || len(g.output) != 2 ||
			g.output[0].name != "probabilities" || g.output[1].name != "logits" {
			t.Fatalf("%s: inputs %v outputs %v", q.Mode(), g.inputs, g.output)
		}
		var ops []string
		for _, n := range g.nodes {
			ops = append(ops, n.op)
		}
		wantHead := []string{"Sub", "Mul", "Add", "QuantizeLinear", "DequantizeLinear", "DequantizeLinear", "MatMul", "Add", "Relu"}
		if q.dynamic {
			wantHead = []string{"Sub", "Mul", "Add", "ReduceMin", "Min", "ReduceMax", "Max", "Sub", "Div", "Equal", "Where",
				"Neg", "Div", "Round", "Clip", "Reciprocal", "Mul", "Round", "Add", "Clip", "Cast", "MatMulInteger",
				"Cast", "Mul", "Sub", "Cast", "Mul", "Mul", "Add", "Relu"}
		}
		if !slices.Equal(ops[:len(wantHead)], wantHead) || ops[len(ops)-1] != "Softmax" {
			t.Errorf("%s: ops %v", q.Mode(), ops)
		}
		for i, l := range q.layers {
			p := "layer" + strconv.Itoa(i+1)
			k, ok := g.inits[p+"/kernel_q"]
			if !ok || k.dataType != onnxInt8 || !slices.Equal(k.dims, []int{l.in, l.out}) {
				t.Fatalf("%s: %s/kernel_q: %v %v", q.Mode(), p, k.dataType, k.dims)
			}
			for j, v := range l.w {
				if k.data[j] != float32(v) {
					t.Fatalf("%s: %s weight %d = %v, want %d", q.Mode(), p, j, k.data[j], v)
				}
			}
			if s := g.inits[p+"/kernel_scale"]; !slices.Equal(s.data, l.wScale) {
				t.Fatalf("%s: %s weight scales differ", q.Mode(), p)
			}
			if !q.dynamic {
				s, z := g.inits[p+"/x_scale"], g.inits[p+"/x_zero"]
				if len(s.dims) != 0 || s.data[0] != l.inScale || z.dataType != onnxUint8 || z.data[0] != float32(l.inZero) {
					t.Fatalf("%s: input scale %v zero %v, want %v %v", p, s.data, z.data, l.inScale, l.inZero)
				}
			}
		}
		for _, n := range g.nodes {
			if n.name == "layer1/kernel/DequantizeLinear" && n.attrs["axis"].i != 1 {
				t.Errorf("weight DequantizeLinear axis %d, want 1", n.attrs["axis"].i)
			}
		}
	}
}
