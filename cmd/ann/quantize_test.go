package main

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/annlib/ann"
)

// blobs is the library's three-class test set (header sepal, petal,
// width, height, kind; 100 rows per class).
var blobs = filepath.Join("..", "..", "testdata", "blobs.csv")

// trainBlobs trains a float classifier on blobs into dir and returns its
// path.
func trainBlobs(t *testing.T, dir string) string {
	t.Helper()
	model := filepath.Join(dir, "m.ann")
	mustRun(t, "train", "-train", blobs, "-label", "kind", "-epochs", "20", "-save", model, "-quiet")
	return model
}

// predictCSV runs "ann predict" and returns its rows without the header.
func predictCSV(t *testing.T, model, data string) (header []string, rows [][]string) {
	t.Helper()
	o, _ := mustRun(t, "predict", "-model", model, "-data", data)
	all, err := csv.NewReader(strings.NewReader(o)).ReadAll()
	if err != nil {
		t.Fatalf("predict -model %s: %v\n%s", model, err, o)
	}
	return all[0], all[1:]
}

// sameClass is the fraction of rows on which two predict outputs give the
// same class.
func sameClass(t *testing.T, a, b [][]string) float64 {
	t.Helper()
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("%d and %d predicted rows", len(a), len(b))
	}
	same := 0
	for i := range a {
		if a[i][0] == b[i][0] {
			same++
		}
	}
	return float64(same) / float64(len(a))
}

// TestQuantizeCSVModel: a model trained on blobs quantizes (static with a
// CSV calibration, and dynamic without one); predict, eval and bench read
// the quantized file; its classes agree with the float model's.
func TestQuantizeCSVModel(t *testing.T) {
	dir := t.TempDir()
	model := trainBlobs(t, dir)
	qmodel := filepath.Join(dir, "m.q.ann")
	o, _ := mustRun(t, "quantize", "-model", model, "-calib", blobs, "-out", qmodel)
	if !strings.Contains(o, "static") || !strings.Contains(o, "int8 kernel "+ann.Int8Kernel()) || !strings.Contains(o, "300 calibration rows") {
		t.Errorf("quantize output does not name the mode, the int8 kernel and the calibration rows:\n%s", o)
	}
	qb, err := os.ReadFile(qmodel)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	if !ann.IsQuantizedModel(qb) || ann.IsQuantizedModel(fb) {
		t.Fatalf("IsQuantizedModel: quantized file %v, float file %v", ann.IsQuantizedModel(qb), ann.IsQuantizedModel(fb))
	}
	if q, err := ann.LoadQuantizedFile(qmodel); err != nil || q.Mode() != "static" {
		t.Fatalf("the written file: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 { // m.ann, m.q.ann: no temporary file left
		t.Errorf("%d files in the directory after quantize, want 2", len(entries))
	}

	// predict: same columns, classes agree with the float model.
	fh, frows := predictCSV(t, model, blobs)
	qh, qrows := predictCSV(t, qmodel, blobs)
	if strings.Join(fh, ",") != strings.Join(qh, ",") {
		t.Errorf("quantized predict header %v, float %v", qh, fh)
	}
	if a := sameClass(t, frows, qrows); a < 0.99 {
		t.Errorf("quantized and float classes agree on %.4f of the rows, want ≥ 0.99", a)
	}

	// eval: the float model's keys; accuracy counted from predict.
	o, _ = mustRun(t, "eval", "-model", qmodel, "-data", blobs, "-json")
	ev := decodeOne(t, o)
	wantKeys(t, ev, "accuracy", "average_loss", "loss", "examples", "macro_f1", "quantize_mode")
	src, err := os.ReadFile(blobs)
	if err != nil {
		t.Fatal(err)
	}
	truth, err := csv.NewReader(bytes.NewReader(src)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	hit := 0
	for i, r := range qrows {
		if r[0] == truth[i+1][4] {
			hit++
		}
	}
	if got, want := num(t, ev, "accuracy"), float64(hit)/float64(len(qrows)); got != want {
		t.Errorf("eval accuracy %v, predict's classes give %v", got, want)
	}
	if l, al := num(t, ev, "loss"), num(t, ev, "average_loss"); !(al > 0) || math.Abs(l-300*al) > 1e-9*l {
		t.Errorf("loss %v, average_loss %v: want a positive mean over 300 rows", l, al)
	}
	fo, _ := mustRun(t, "eval", "-model", model, "-data", blobs, "-json")
	if fl, ql := num(t, decodeOne(t, fo), "average_loss"), num(t, ev, "average_loss"); math.Abs(fl-ql) > 0.05+0.1*fl {
		t.Errorf("quantized average_loss %v, float %v: more than the quantization error", ql, fl)
	}
	ho, _ := mustRun(t, "eval", "-model", qmodel, "-data", blobs)
	if !strings.Contains(ho, "int8 quantized model (static)") || !strings.Contains(ho, "macro avg") {
		t.Errorf("human eval of the quantized model:\n%s", ho)
	}

	// bench -model: samples/s for the quantized model and the float one.
	for _, path := range []string{qmodel, model} {
		o, _ = mustRun(t, "bench", "-json", "-time", "2ms", "-model", path)
		m := decodeOne(t, o)
		wantKeys(t, m, "kernel", "int8_kernel", "model")
		if _, ok := m["train_samples_per_second"]; ok {
			t.Errorf("bench -model ran the machine's suite too: %v", m)
		}
		um, ok := m["model"].(map[string]any)
		if !ok {
			t.Fatalf("bench model entry %v", m["model"])
		}
		if um["quantized"] != (path == qmodel) {
			t.Errorf("bench -model %s: quantized %v", path, um["quantized"])
		}
		for _, k := range []string{"batch1_samples_per_second", "batch_samples_per_second"} {
			if v := num(t, um, k); !(v > 0) {
				t.Errorf("bench -model %s: %s = %v", path, k, v)
			}
		}
	}

	// Dynamic mode needs no calibration data.
	dyn := filepath.Join(dir, "m.dyn.ann")
	o, _ = mustRun(t, "quantize", "-model", model, "-mode", "dynamic", "-out", dyn, "-json")
	js := decodeOne(t, o)
	if js["quantize_mode"] != "dynamic" || js["int8_kernel"] != ann.Int8Kernel() || num(t, js, "calibration_rows") != 0 {
		t.Errorf("quantize -mode dynamic -json: %v", js)
	}
	_, drows := predictCSV(t, dyn, blobs)
	if a := sameClass(t, frows, drows); a < 0.99 {
		t.Errorf("dynamic quantized and float classes agree on %.4f of the rows, want ≥ 0.99", a)
	}

	// -calib-rows takes that many rows.
	o, _ = mustRun(t, "quantize", "-model", model, "-calib", blobs, "-calib-rows", "30", "-out", qmodel, "-json")
	if js := decodeOne(t, o); num(t, js, "calibration_rows") != 30 || js["quantize_mode"] != "static" {
		t.Errorf("quantize -calib-rows 30: %v", js)
	}
}

// TestQuantizeRegressor: a regressor quantizes; eval reports rmse and r2
// (no accuracy) and predict one "prediction" column.
func TestQuantizeRegressor(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "lin.csv")
	writeLinear(t, data, 300)
	model := filepath.Join(dir, "r.ann")
	mustRun(t, "train", "-train", data, "-task", "regress", "-label", "y", "-epochs", "60", "-scale", "minmax", "-save", model, "-quiet")
	qmodel := filepath.Join(dir, "r.q.ann")
	o, _ := mustRun(t, "quantize", "-model", model, "-calib", data, "-out", qmodel, "-json")
	if js := decodeOne(t, o); js["calibration_agreement"] != nil {
		t.Errorf("a regressor reports class agreement: %v", js)
	}
	fe := decodeOne(t, mustRunOut(t, "eval", "-model", model, "-data", data, "-json"))
	qe := decodeOne(t, mustRunOut(t, "eval", "-model", qmodel, "-data", data, "-json"))
	wantKeys(t, qe, "rmse", "r2", "average_loss", "loss", "examples")
	if _, ok := qe["accuracy"]; ok {
		t.Errorf("a quantized regressor reports accuracy: %v", qe)
	}
	// MSE on one output: average_loss is rmse², as for the float model.
	if r, al := num(t, qe, "rmse"), num(t, qe, "average_loss"); math.Abs(r*r-al) > 1e-5*al {
		t.Errorf("rmse² %v ≠ average_loss %v", r*r, al)
	}
	if fr, qr := num(t, fe, "r2"), num(t, qe, "r2"); qr < fr-0.02 {
		t.Errorf("quantized r2 %v, float %v", qr, fr)
	}
	po, _ := mustRun(t, "predict", "-model", qmodel, "-data", data)
	if !strings.HasPrefix(po, "prediction\n") || strings.Count(po, "\n") != 301 {
		t.Errorf("predict output starts %q with %d lines", po[:min(len(po), 30)], strings.Count(po, "\n"))
	}
}

// TestQuantizeExport: "ann export" writes a quantized model as ONNX, with
// quantized operators, atomically.
func TestQuantizeExport(t *testing.T) {
	dir := t.TempDir()
	model := trainBlobs(t, dir)
	// Each mode has its ONNX form: QuantizeLinear/DequantizeLinear around
	// the float ops (static); ann's per-row quantization written out in
	// ONNX ops and MatMulInteger (dynamic). A ModelProto starts with field
	// 1 (ir_version, varint).
	for _, c := range []struct {
		mode string
		ops  []string
	}{
		{"static", []string{"QuantizeLinear", "DequantizeLinear", "Softmax"}},
		{"dynamic", []string{"ReduceMin", "ReduceMax", "MatMulInteger", "Softmax"}},
	} {
		qmodel := filepath.Join(dir, c.mode+".q.ann")
		mustRun(t, "quantize", "-model", model, "-calib", blobs, "-mode", c.mode, "-out", qmodel, "-quiet")
		onnx := filepath.Join(dir, c.mode+".q.onnx")
		_, e := mustRun(t, "export", "-model", qmodel, "-onnx", onnx)
		if !strings.Contains(e, "int8 quantized network ("+c.mode) {
			t.Errorf("export of the %s model says %q", c.mode, e)
		}
		b, err := os.ReadFile(onnx)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) < 100 || b[0] != 0x08 {
			t.Errorf("%s does not look like an ONNX model (%d bytes)", onnx, len(b))
		}
		for _, op := range c.ops {
			if !bytes.Contains(b, []byte(op)) {
				t.Errorf("the %s model's ONNX graph has no %s", c.mode, op)
			}
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 5 { // m.ann and two quantized models with their ONNX files
		t.Errorf("%d files in the directory after export, want 5 (no temporary files left)", len(entries))
	}
}

// TestQuantizeErrors: flag mistakes are usage errors (exit 2) naming the
// flag; a quantized model where a float one is needed, and the other way
// round, is a one-line error saying which it is.
func TestQuantizeErrors(t *testing.T) {
	dir := t.TempDir()
	model := trainBlobs(t, dir)
	qmodel := filepath.Join(dir, "m.q.ann")
	mustRun(t, "quantize", "-model", model, "-calib", blobs, "-out", qmodel)
	out := filepath.Join(dir, "out.ann")
	lin := filepath.Join(dir, "lin.csv")
	writeLinear(t, lin, 20)
	// A model directory whose checkpoint is a quantized file: checkpoints
	// are float networks.
	ckdir := filepath.Join(dir, "ck")
	if err := os.Mkdir(ckdir, 0o755); err != nil {
		t.Fatal(err)
	}
	qb, err := os.ReadFile(qmodel)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ckdir, "model.ckpt-1.ann"), qb, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"quantize"}, 2, []string{"-model and -out"}},
		{[]string{"quantize", "-model", model, "-calib", blobs}, 2, []string{"-model and -out"}},
		{[]string{"quantize", "-model", model, "-out", out}, 2, []string{"-calib", "static"}},
		{[]string{"quantize", "-model", model, "-calib", blobs, "-out", out, "-mode", "fast"}, 2, []string{"-mode", `"fast"`}},
		{[]string{"quantize", "-model", model, "-calib", blobs, "-out", out, "-calib-rows", "-1"}, 2, []string{"-calib-rows"}},
		{[]string{"quantize", "-model", model, "-calib", blobs, "-out", out, "-data", dir}, 2, []string{"-data", "mnist"}},
		{[]string{"quantize", "-model", model, "-calib", blobs, "-out", out, "-bogus"}, 2, []string{"-bogus"}},
		{[]string{"quantize", "-model", model, "-calib", blobs, "-out", out, "extra"}, 2, []string{`"extra"`}},
		{[]string{"quantize", "-model", qmodel, "-calib", blobs, "-out", out}, 1, []string{"m.q.ann", "quantized", "float model"}},
		{[]string{"quantize", "-model", model, "-calib", lin, "-out", out}, 1, []string{"lin.csv"}},
		{[]string{"quantize", "-model", model, "-calib", "mnist", "-out", out}, 1, []string{"-calib mnist", "784"}},
		{[]string{"quantize", "-model", filepath.Join(dir, "none.ann"), "-calib", blobs, "-out", out}, 1, []string{"none.ann"}},
		{[]string{"eval", "-model", ckdir, "-data", blobs}, 1, []string{"quantized"}},
		{[]string{"predict", "-model", qmodel, "-data", lin}, 1, []string{"lin.csv"}},
		{[]string{"bench", "-model", filepath.Join(dir, "none.ann")}, 1, []string{"none.ann"}},
		{[]string{"mnist", "-quantize-mode", "dynamic"}, 2, []string{"-quantize-mode", "-quantize"}},
		{[]string{"mnist", "-calib-rows", "10"}, 2, []string{"-calib-rows", "-quantize"}},
		{[]string{"mnist", "-quantize", "-quantize-mode", "fast"}, 2, []string{"-quantize-mode", `"fast"`}},
		{[]string{"mnist", "-quantize", "-calib-rows", "0"}, 2, []string{"-calib-rows 0"}},
		{[]string{"mnist", "-tutorial", "-quantize"}, 2, []string{"-quantize", "-tutorial"}},
	}
	for _, c := range cases {
		name := strings.Join(c.args, " ")
		code, o, e := cli(t, c.args...)
		if code != c.code {
			t.Errorf("ann %s: exit %d, want %d\nstderr: %s", name, code, c.code, e)
			continue
		}
		if o != "" {
			t.Errorf("ann %s: wrote to stdout on error: %q", name, o)
		}
		// One error line, after any warnings (a model directory's
		// checkpoints that do not load).
		lines := strings.Split(strings.TrimSpace(e), "\n")
		for _, l := range lines[:len(lines)-1] {
			if !strings.HasPrefix(l, "warning: ") {
				t.Errorf("ann %s: stray line on stderr: %q", name, l)
			}
		}
		if !strings.HasPrefix(lines[len(lines)-1], "ann "+c.args[0]+": ") {
			t.Errorf("ann %s: want one line starting with the command on stderr, got %q", name, e)
		}
		for _, w := range c.want {
			if !strings.Contains(e, w) {
				t.Errorf("ann %s: message %q lacks %q", name, e, w)
			}
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a failed quantize wrote %s", out)
	}
}

// TestQuantizeMNISTCalibration: -calib mnist reads the MNIST training
// images (-data) for a 784-input model.
func TestQuantizeMNISTCalibration(t *testing.T) {
	data := mnistDir(t)
	dir := t.TempDir()
	net, err := ann.New(784).Dense(16, ann.ReLU).Dense(10, ann.Softmax).Seed(3).Build()
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "m.ann")
	if err := net.SaveFile(model); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "m.q.ann")
	o, _ := mustRun(t, "quantize", "-model", model, "-calib", "mnist", "-data", data, "-calib-rows", "200", "-out", out, "-json", "-quiet")
	js := decodeOne(t, o)
	if num(t, js, "calibration_rows") != 200 || js["quantize_mode"] != "static" {
		t.Errorf("quantize -calib mnist: %v", js)
	}
	if _, err := ann.LoadQuantizedFile(out); err != nil {
		t.Fatal(err)
	}
}

// TestMNISTQuantize: "ann mnist -quantize" reports the quantized test
// accuracy and the agreement with the float network, in text and JSON.
func TestMNISTQuantize(t *testing.T) {
	data := mnistDir(t)
	o, e := mustRun(t, "mnist", "-data", data, "-steps", "40", "-quantize", "-calib-rows", "500", "-json")
	m := decodeOne(t, o)
	wantKeys(t, m, "accuracy", "quantized_accuracy", "agreement", "quantize_mode", "int8_kernel", "calibration_rows")
	acc, qacc, agree := num(t, m, "accuracy"), num(t, m, "quantized_accuracy"), num(t, m, "agreement")
	if m["quantize_mode"] != "static" || num(t, m, "calibration_rows") != 500 || m["int8_kernel"] != ann.Int8Kernel() {
		t.Errorf("JSON %v", m)
	}
	if agree < 0.98 || agree > 1 || math.Abs(acc-qacc) > 0.01 {
		t.Errorf("accuracy %v, quantized %v, agreement %v: want agreement ≥ 0.98 and accuracies within 1 point", acc, qacc, agree)
	}
	// Agreement bounds the accuracy difference.
	if math.Abs(acc-qacc) > 1-agree+1e-12 {
		t.Errorf("accuracies %v and %v differ by more than the disagreement %v", acc, qacc, 1-agree)
	}
	if !strings.Contains(e, "quantized to int8 (static)") {
		t.Errorf("stderr does not report the quantization:\n%s", e)
	}
	if testing.Short() {
		// The dynamic mode's flag path is TestQuantizeCSVModel's too; a
		// second MNIST run costs minutes under qemu.
		return
	}
	o, _ = mustRun(t, "mnist", "-data", data, "-steps", "10", "-quantize", "-quantize-mode", "dynamic", "-quiet")
	if !strings.Contains(o, "int8 (dynamic") || !strings.Contains(o, "same class on") {
		t.Errorf("text output:\n%s", o)
	}
}
