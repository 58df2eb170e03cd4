package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/annlib/ann"
)

// cli runs the command in-process and returns its exit status and output.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return cliCtx(t, context.Background(), args...)
}

func cliCtx(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(ctx, args, &o, &e)
	if strings.Contains(e.String(), "panic") || strings.Contains(e.String(), "goroutine ") {
		t.Fatalf("ann %s: stderr shows a panic:\n%s", strings.Join(args, " "), e.String())
	}
	return code, o.String(), e.String()
}

// mustRun runs the command and fails the test unless it exits 0.
func mustRun(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	code, o, e := cli(t, args...)
	if code != exitOK {
		t.Fatalf("ann %s: exit %d\nstderr:\n%s", strings.Join(args, " "), code, e)
	}
	return o, e
}

// decodeOne checks that s is exactly one JSON object and returns it.
func decodeOne(t *testing.T, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("stdout is not a JSON object: %v\n%s", err, s)
	}
	if dec.More() {
		t.Fatalf("stdout has more than one JSON value:\n%s", s)
	}
	if rest := strings.TrimSpace(s[dec.InputOffset():]); rest != "" {
		t.Fatalf("stdout has text after the JSON object: %q", rest)
	}
	return m
}

func wantKeys(t *testing.T, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %v", k, m)
		}
	}
}

func num(t *testing.T, m map[string]any, k string) float64 {
	t.Helper()
	v, ok := m[k].(float64)
	if !ok {
		t.Fatalf("JSON %q is %T %v, want a number", k, m[k], m[k])
	}
	return v
}

// writeClasses writes a CSV of three well-separated classes with an
// unused column, the label in the third of four columns.
func writeClasses(t *testing.T, path string, n int, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	b.WriteString("a,b,species,noise\n")
	names := []string{"setosa", "versicolor", "virginica"}
	for i := range n {
		k := i % 3
		fmt.Fprintf(&b, "%.3f,%.3f,%s,%.3f\n", 4*float64(k)+r.NormFloat64()*0.3, -3*float64(k)+r.NormFloat64()*0.3, names[k], r.Float64())
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeLinear writes y = 3·x1 − 2·x2 + 0.5 on [0, 1]².
func writeLinear(t *testing.T, path string, n int) {
	t.Helper()
	r := rand.New(rand.NewPCG(5, 6))
	var b strings.Builder
	b.WriteString("x1,x2,y\n")
	for range n {
		x1, x2 := r.Float64(), r.Float64()
		fmt.Fprintf(&b, "%.4f,%.4f,%.4f\n", x1, x2, 3*x1-2*x2+0.5)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkPNG decodes path, checks its size and that it is not blank: many
// distinct colours, and some of them far from white.
func checkPNG(t *testing.T, path string, w, h int) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("%s is %d×%d, want %d×%d", path, b.Dx(), b.Dy(), w, h)
	}
	colours := map[[3]uint32]bool{}
	dark := 0
	for y := 0; y < h; y += 2 {
		for x := 0; x < w; x += 2 {
			r, g, b, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, b >> 8}] = true
			if r>>8 < 200 || g>>8 < 200 || b>>8 < 200 {
				dark++
			}
		}
	}
	if len(colours) < 20 || dark < 200 {
		t.Fatalf("%s looks blank: %d colours, %d non-white samples", path, len(colours), dark)
	}
	return img
}

func TestHelpAndUnknownCommand(t *testing.T) {
	code, _, e := cli(t)
	if code != exitUsage || !strings.Contains(e, "Commands:") {
		t.Errorf("no arguments: exit %d, stderr %q; want 2 and the command list", code, e)
	}
	o, _ := mustRun(t, "help")
	for _, c := range commands() {
		if !strings.Contains(o, c.name) {
			t.Errorf("help does not list %q", c.name)
		}
		co, _ := mustRun(t, "help", c.name)
		if !strings.HasPrefix(co, "Usage: ann "+c.name) {
			t.Errorf("help %s starts %q", c.name, co[:min(len(co), 40)])
		}
		if c.name != "version" {
			if ho, _ := mustRun(t, c.name, "-h"); ho != co {
				t.Errorf("%s -h differs from help %s", c.name, c.name)
			}
		}
	}
	for _, args := range [][]string{{"frobnicate"}, {"help", "frobnicate"}} {
		code, _, e := cli(t, args...)
		if code != exitUsage || strings.Count(e, "\n") != 1 || !strings.Contains(e, "frobnicate") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line naming the command", args, code, e)
		}
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	iris := filepath.Join(dir, "iris.csv")
	writeClasses(t, iris, 30, 1)
	lin := filepath.Join(dir, "lin.csv")
	writeLinear(t, lin, 40)
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	empty := write("empty.csv", "")
	headerOnly := write("header.csv", "a,b,y\n")
	badCell := write("bad.csv", "a,b,y\n1,2,x\n3,oops,y\n")
	ragged := write("ragged.csv", "a,b,y\n1,2,x\n3,4\n")
	oneClass := write("one.csv", "a,y\n1,x\n2,x\n3,x\n4,x\n5,x\n")
	notModel := write("model.ann", "this is not a model")
	rose := write("rose.csv", "a,b,species,noise\n1,2,setosa,0\n1,2,rose,0\n")
	emptyDir := filepath.Join(dir, "nodir")
	if err := os.Mkdir(emptyDir, 0o755); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "iris.ann")
	mustRun(t, "train", "-train", iris, "-label", "species", "-epochs", "2", "-quiet", "-save", model)

	cases := []struct {
		args []string
		code int
		want []string // substrings of the one-line message
	}{
		{[]string{"train"}, 2, []string{"-train is required"}},
		{[]string{"train", "-train", iris, "-bogus"}, 2, []string{"-bogus"}},
		{[]string{"train", "-train", iris, "extra"}, 2, []string{`"extra"`}},
		{[]string{"train", "-train", iris, "-epochs", "0"}, 2, []string{"-epochs 0"}},
		{[]string{"train", "-train", iris, "-epochs", "x"}, 2, []string{"-epochs"}},
		{[]string{"train", "-train", iris, "-epochs", "2", "-steps", "3"}, 2, []string{"-epochs and -steps"}},
		{[]string{"train", "-train", iris, "-hidden", "10,zero"}, 2, []string{"-hidden", `"zero"`}},
		{[]string{"train", "-train", iris, "-hidden", "10,0"}, 2, []string{"-hidden"}},
		{[]string{"train", "-train", iris, "-activation", "softmax"}, 2, []string{"-activation"}},
		{[]string{"train", "-train", iris, "-optimizer", "adamant"}, 2, []string{"-optimizer", "adamant"}},
		{[]string{"train", "-train", iris, "-lr", "-1"}, 2, []string{"-lr"}},
		{[]string{"train", "-train", iris, "-dropout", "1"}, 2, []string{"-dropout"}},
		{[]string{"train", "-train", iris, "-task", "cluster"}, 2, []string{"-task", "cluster"}},
		{[]string{"train", "-train", iris, "-scale", "log"}, 2, []string{"-scale"}},
		{[]string{"train", "-train", iris, "-split", "1.5"}, 2, []string{"-split"}},
		{[]string{"train", "-train", iris, "-test", iris, "-split", "0.3"}, 2, []string{"-test and -split"}},
		{[]string{"train", "-train", iris, "-plot", "curves.jpg"}, 2, []string{"-plot", ".png"}},
		{[]string{"train", "-train", filepath.Join(dir, "missing.csv")}, 1, []string{"missing.csv", "no such file"}},
		{[]string{"train", "-train", empty}, 1, []string{"empty.csv", "empty"}},
		{[]string{"train", "-train", headerOnly}, 1, []string{"header.csv", "no data rows"}},
		{[]string{"train", "-train", badCell}, 1, []string{"bad.csv", "line 3", "column 2", `"b"`, `"oops"`}},
		{[]string{"train", "-train", ragged}, 1, []string{"ragged.csv", "line 3"}},
		{[]string{"train", "-train", iris, "-label", "colour"}, 1, []string{"iris.csv", `"colour"`, "a, b, species, noise"}},
		{[]string{"train", "-train", iris, "-label", "9"}, 1, []string{"-label 9"}},
		{[]string{"train", "-train", oneClass}, 1, []string{"one.csv", "single class"}},
		{[]string{"train", "-train", lin, "-test", iris, "-task", "regress"}, 1, []string{"iris.csv", `"x1"`}},
		{[]string{"eval", "-data", iris}, 2, []string{"-model and -data"}},
		{[]string{"eval", "-model", notModel, "-data", iris}, 1, []string{"model.ann", "not an ann model file"}},
		{[]string{"eval", "-model", filepath.Join(dir, "none.ann"), "-data", iris}, 1, []string{"-model", "none.ann"}},
		{[]string{"eval", "-model", emptyDir, "-data", iris}, 1, []string{"nodir", "no checkpoint"}},
		{[]string{"eval", "-model", model, "-data", lin}, 1, []string{"lin.csv", "label column", `"species"`}},
		{[]string{"eval", "-model", model, "-data", iris, "-label", "noise"}, 1, []string{"iris.csv", `"noise"`, "both the label and a feature"}},
		{[]string{"eval", "-model", model, "-data", rose}, 1, []string{"rose.csv", "line 3", `"rose"`, "not in the vocabulary"}},
		{[]string{"predict", "-model", model}, 2, []string{"-model and -data"}},
		{[]string{"predict", "-model", model, "-data", lin}, 1, []string{"lin.csv", `"a"`}},
		{[]string{"predict", "-model", notModel, "-data", iris}, 1, []string{"not an ann model file"}},
		{[]string{"playground", "-dataset", "moons"}, 2, []string{"-dataset", "moons", "circle"}},
		{[]string{"playground", "-noise", "60"}, 2, []string{"-noise 60"}},
		{[]string{"playground", "-out", "x.gif"}, 2, []string{"-out"}},
		{[]string{"playground", "-train-percent", "100"}, 2, []string{"-train-percent"}},
		{[]string{"playground", "-points", "4", "-train-percent", "10"}, 2, []string{"-points 4", "no training"}},
		{[]string{"mnist", "-tutorial", "-lr", "0.1"}, 2, []string{"-lr", "-tutorial"}},
		{[]string{"mnist", "-data", emptyDir, "-quiet"}, 1, []string{"nodir", "-data"}},
		{[]string{"bench", "-time", "0s"}, 2, []string{"-time"}},
		{[]string{"version", "extra"}, 2, []string{`"extra"`}},
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
		if strings.Count(e, "\n") != 1 || !strings.HasSuffix(e, "\n") {
			t.Errorf("ann %s: want exactly one line on stderr, got %q", name, e)
		}
		if !strings.HasPrefix(e, "ann "+c.args[0]+": ") {
			t.Errorf("ann %s: message does not start with the command: %q", name, e)
		}
		for _, w := range c.want {
			if !strings.Contains(e, w) {
				t.Errorf("ann %s: message %q lacks %q", name, e, w)
			}
		}
	}
}

func TestTrainClassifierJSONSavePredict(t *testing.T) {
	dir := t.TempDir()
	iris := filepath.Join(dir, "iris.csv")
	writeClasses(t, iris, 150, 1)
	model := filepath.Join(dir, "m.ann")
	plot := filepath.Join(dir, "curves.png")
	o, e := mustRun(t, "train", "-train", iris, "-label", "species", "-epochs", "15", "-batch", "16",
		"-save", model, "-plot", plot, "-json")
	m := decodeOne(t, o)
	wantKeys(t, m, "accuracy", "average_loss", "loss", "global_step", "train_seconds", "samples_per_second", "epochs")
	// 150 rows, 20% held out: 120 training rows, 8 batches of 16 per epoch.
	if got := num(t, m, "global_step"); got != 15*8 {
		t.Errorf("global_step %v, want %d", got, 15*8)
	}
	if got := num(t, m, "epochs"); got != 15 {
		t.Errorf("epochs %v, want 15", got)
	}
	if acc := num(t, m, "accuracy"); acc < 0.9 {
		t.Errorf("accuracy %v on three separated clouds, want ≥ 0.9", acc)
	}
	// loss is the summed loss over the 30 test rows.
	if l, al := num(t, m, "loss"), num(t, m, "average_loss"); math.Abs(l-30*al) > 1e-9*l+1e-12 {
		t.Errorf("loss %v is not 30 × average_loss %v", l, al)
	}
	if strings.Count(e, "epoch ") != 15 || !strings.Contains(e, "samples/s") || !strings.Contains(e, "ETA") {
		t.Errorf("stderr should have 15 epoch lines with samples/s and ETA:\n%s", e)
	}
	checkPNG(t, plot, 1100, 500)

	// The saved model remembers its columns: predict on a file with the
	// columns reordered and without the label, and compare with the
	// reloaded network's own predictions, bit for bit.
	net, err := ann.LoadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	meta := net.Meta()
	if !slices.Equal(meta.FeatureNames, []string{"a", "b", "noise"}) || meta.LabelName != "species" ||
		!slices.Equal(meta.Classes, []string{"setosa", "versicolor", "virginica"}) {
		t.Fatalf("saved meta %+v", meta)
	}
	x := [][]float32{{0.1, -0.2, 0.5}, {4.2, -2.9, 0.1}, {7.8, -6.1, 0.9}, {2, -1.5, 0.3}}
	var b strings.Builder
	b.WriteString("noise,b,a\n")
	for _, r := range x {
		fmt.Fprintf(&b, "%v,%v,%v\n", r[2], r[1], r[0])
	}
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.csv")
	if o, _ := mustRun(t, "predict", "-model", model, "-data", in, "-out", out); o != "" {
		t.Errorf("predict -out wrote to stdout: %q", o)
	}
	xm, err := ann.MatrixFromRows(x)
	if err != nil {
		t.Fatal(err)
	}
	want, err := net.Predict(xm)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], []string{"class", "p_setosa", "p_versicolor", "p_virginica"}) {
		t.Fatalf("header %v", rows[0])
	}
	if len(rows) != len(x)+1 {
		t.Fatalf("%d rows for %d inputs", len(rows)-1, len(x))
	}
	for i, r := range rows[1:] {
		best := 0
		for j := range 3 {
			v, err := strconv.ParseFloat(r[j+1], 32)
			if err != nil {
				t.Fatal(err)
			}
			if float32(v) != want.At(i, j) {
				t.Errorf("row %d p_%s = %v, reloaded network says %v", i, meta.Classes[j], v, want.At(i, j))
			}
			if want.At(i, j) > want.At(i, best) {
				best = j
			}
		}
		if r[0] != meta.Classes[best] {
			t.Errorf("row %d class %q, want %q", i, r[0], meta.Classes[best])
		}
	}
	// The clouds sit at a = 0, 4, 8: the clear cases must come out right.
	for i, c := range []string{"setosa", "versicolor", "virginica"} {
		if rows[i+1][0] != c {
			t.Errorf("row %d predicted %q, want %q", i, rows[i+1][0], c)
		}
	}

	// eval's accuracy equals one counted from predict's classes.
	o, _ = mustRun(t, "eval", "-model", model, "-data", iris, "-json")
	ev := decodeOne(t, o)
	po, _ := mustRun(t, "predict", "-model", model, "-data", iris)
	pr, err := csv.NewReader(strings.NewReader(po)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(iris)
	if err != nil {
		t.Fatal(err)
	}
	truth, err := csv.NewReader(bytes.NewReader(src)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	hit := 0
	for i := 1; i < len(truth); i++ {
		if pr[i][0] == truth[i][2] {
			hit++
		}
	}
	if got, want := num(t, ev, "accuracy"), float64(hit)/150; got != want {
		t.Errorf("eval accuracy %v, predict agrees with the labels on %v", got, want)
	}
	if num(t, ev, "examples") != 150 {
		t.Errorf("eval examples %v, want 150", ev["examples"])
	}
	// Human eval output carries the classification report.
	ho, _ := mustRun(t, "eval", "-model", model, "-data", iris)
	if !strings.Contains(ho, "versicolor") || !strings.Contains(ho, "macro avg") {
		t.Errorf("eval report:\n%s", ho)
	}
}

func TestTrainRegressorWithTestFile(t *testing.T) {
	dir := t.TempDir()
	train := filepath.Join(dir, "train.csv")
	writeLinear(t, train, 300)
	test := filepath.Join(dir, "test.csv")
	// The test file's columns in another order, with an extra column.
	src, err := os.ReadFile(train)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("y,extra,x2,x1\n")
	for i, line := range strings.Split(strings.TrimSpace(string(src)), "\n")[1:] {
		if i >= 50 {
			break
		}
		f := strings.Split(line, ",")
		fmt.Fprintf(&b, "%s,zzz,%s,%s\n", f[2], f[1], f[0])
	}
	if err := os.WriteFile(test, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "r.ann")
	o, _ := mustRun(t, "train", "-train", train, "-test", test, "-task", "regress", "-label", "y",
		"-epochs", "60", "-scale", "minmax", "-json", "-quiet", "-save", model)
	m := decodeOne(t, o)
	wantKeys(t, m, "average_loss", "loss", "rmse", "r2", "global_step", "train_seconds", "samples_per_second")
	if _, ok := m["accuracy"]; ok {
		t.Errorf("a regressor reports accuracy: %v", m)
	}
	// MSE on one output: average_loss is rmse².
	if r, al := num(t, m, "rmse"), num(t, m, "average_loss"); math.Abs(r*r-al) > 1e-5*al {
		t.Errorf("rmse² %v ≠ average_loss %v", r*r, al)
	}
	if r2 := num(t, m, "r2"); r2 < 0.95 {
		t.Errorf("r2 %v on a noiseless linear target, want ≥ 0.95", r2)
	}
	if num(t, m, "examples") != 50 {
		t.Errorf("examples %v, want the 50 test rows", m["examples"])
	}
	po, _ := mustRun(t, "predict", "-model", model, "-data", test)
	if !strings.HasPrefix(po, "prediction\n") || strings.Count(po, "\n") != 51 {
		t.Errorf("predict output starts %q with %d lines", po[:min(len(po), 30)], strings.Count(po, "\n"))
	}
}

// countdown is a context that is cancelled from the n+1-th call of Err
// on: training checks Err once per step, so it stops after exactly n steps,
// the way Ctrl-C stops it, without timing.
type countdown struct {
	context.Context
	left atomic.Int64
	done chan struct{}
}

func newCountdown(n int64) *countdown {
	c := &countdown{Context: context.Background(), done: make(chan struct{})}
	c.left.Store(n)
	return c
}

func (c *countdown) Err() error {
	if c.left.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

func (c *countdown) Done() <-chan struct{} { return c.done }

func TestInterruptCheckpointsAndResumes(t *testing.T) {
	dir := t.TempDir()
	iris := filepath.Join(dir, "iris.csv")
	writeClasses(t, iris, 150, 2)
	ckdir := filepath.Join(dir, "ck")
	code, o, e := cliCtx(t, newCountdown(5), "train", "-train", iris, "-label", "species", "-batch", "10",
		"-model-dir", ckdir, "-json", "-quiet")
	if code != exitInterrupted {
		t.Fatalf("interrupted run: exit %d, want %d; stderr %q", code, exitInterrupted, e)
	}
	if o != "" {
		t.Errorf("interrupted run wrote to stdout: %q", o)
	}
	if strings.Count(e, "\n") != 1 || !strings.Contains(e, "interrupted at step 5") || !strings.Contains(e, "model.ckpt-5.ann") {
		t.Errorf("interrupt message %q", e)
	}
	net, err := ann.LoadFile(filepath.Join(ckdir, "model.ckpt-5.ann"))
	if err != nil {
		t.Fatal(err)
	}
	if net.Step() != 5 {
		t.Errorf("checkpoint at step %d, want 5", net.Step())
	}
	// Resume: one more epoch of 12 steps (120 rows, batch 10).
	o, e = mustRun(t, "train", "-train", iris, "-label", "species", "-batch", "10", "-epochs", "1",
		"-model-dir", ckdir, "-json")
	if !strings.Contains(e, "resuming from") {
		t.Errorf("no resume notice on stderr:\n%s", e)
	}
	if got := num(t, decodeOne(t, o), "global_step"); got != 17 {
		t.Errorf("global step after resuming %v, want 5 + 12", got)
	}
	// eval reads the directory's latest checkpoint.
	o, _ = mustRun(t, "eval", "-model", ckdir, "-data", iris, "-json")
	if got := num(t, decodeOne(t, o), "global_step"); got != 17 {
		t.Errorf("eval of the model directory: global_step %v, want 17", got)
	}
}

func TestPlayground(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "boundary.png")
	plot := filepath.Join(dir, "curves.png")
	o, e := mustRun(t, "playground", "-out", out, "-plot", plot, "-json")
	m := decodeOne(t, o)
	wantKeys(t, m, "initial_train_loss", "initial_test_loss", "train_loss", "test_loss", "test_accuracy")
	// 250 training points, batches of 10, 180 epochs.
	if num(t, m, "global_step") != 25*180 || num(t, m, "epochs") != 180 {
		t.Errorf("steps %v epochs %v, want 4500 and 180", m["global_step"], m["epochs"])
	}
	// With outputs in (−1, 1) and targets ±1 the initial half squared
	// error of a near-zero output is about ½; training must cut it by far.
	if l := num(t, m, "initial_test_loss"); l < 0.3 || l > 0.8 {
		t.Errorf("initial test loss %v, want about 0.5", l)
	}
	if a, b := num(t, m, "initial_test_loss"), num(t, m, "test_loss"); !(b < a/10) {
		t.Errorf("test loss %v → %v: not learnt", a, b)
	}
	if acc := num(t, m, "test_accuracy"); acc < 0.95 {
		t.Errorf("circle at noise 0: test accuracy %v", acc)
	}
	if !strings.Contains(e, "initial  train loss") || !strings.Contains(e, "epoch 180/180") {
		t.Errorf("stderr:\n%s", e)
	}
	img := checkPNG(t, out, 900, 500)
	// The heat map: blue (+1) near the origin, orange (−1) in the corners.
	px := func(x1, x2 float64) (r, g, b uint32) {
		x := pgMapX + int((x1+6)/12*pgMapSize)
		y := pgMapY + int((6-x2)/12*pgMapSize)
		r, g, b, _ = img.At(x, y).RGBA()
		return r >> 8, g >> 8, b >> 8
	}
	if r, _, b := px(0.3, -0.2); !(b > r+40) {
		t.Errorf("heat map at the centre is not blue: r %d b %d", r, b)
	}
	if r, _, b := px(-5.8, 5.8); !(r > b+40) {
		t.Errorf("heat map in the corner is not orange: r %d b %d", r, b)
	}
	checkPNG(t, plot, 900, 500) // no accuracy panel for a regression loss

	// Human output, other data set and noise.
	o, _ = mustRun(t, "playground", "-dataset", "xor", "-noise", "10", "-epochs", "20", "-quiet")
	if !strings.Contains(o, "initial  train loss") || !strings.Contains(o, "final    train loss") {
		t.Errorf("human output:\n%s", o)
	}
}

// benchRun is one "ann bench -json -time 2ms", shared by the tests that
// read it: under qemu one run takes most of a minute.
var benchRun struct {
	once sync.Once
	o, e string
}

func benchOutput(t *testing.T) (stdout, stderr string) {
	t.Helper()
	benchRun.once.Do(func() { benchRun.o, benchRun.e = mustRun(t, "bench", "-json", "-time", "2ms") })
	if benchRun.o == "" {
		t.Fatal("ann bench failed (see the first test that ran it)")
	}
	return benchRun.o, benchRun.e
}

func TestBenchAndVersion(t *testing.T) {
	o, _ := benchOutput(t)
	m := decodeOne(t, o)
	wantKeys(t, m, "kernel", "peak_gflops_1thread", "gemm", "train_samples_per_second", "inference_samples_per_second",
		"int8_kernel", "quantized_inference_samples_per_second")
	if m["int8_kernel"] != ann.Int8Kernel() {
		t.Errorf("int8_kernel %v, library says %q", m["int8_kernel"], ann.Int8Kernel())
	}
	if m["kernel"] != ann.Kernel() {
		t.Errorf("kernel %v, library says %q", m["kernel"], ann.Kernel())
	}
	for _, k := range []string{"peak_gflops_1thread", "train_samples_per_second", "inference_samples_per_second", "quantized_inference_samples_per_second"} {
		if v := num(t, m, k); !(v > 0) {
			t.Errorf("%s = %v", k, v)
		}
	}
	if g, ok := m["gemm"].([]any); !ok || len(g) != len(mlpShapes) {
		t.Errorf("gemm entries: %v", m["gemm"])
	}

	o, _ = mustRun(t, "version")
	if !strings.Contains(o, "kernel    "+ann.Kernel()) || !strings.Contains(o, "int8      "+ann.Int8Kernel()) || !strings.Contains(o, "go ") {
		t.Errorf("version:\n%s", o)
	}
	v := decodeOne(t, mustRunOut(t, "version", "-json"))
	wantKeys(t, v, "module", "version", "go", "kernel", "kernels", "int8_kernel", "int8_kernels", "goarch")
}

func mustRunOut(t *testing.T, args ...string) string {
	t.Helper()
	o, _ := mustRun(t, args...)
	return o
}

func TestFiniteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := writeJSON(&b, map[string]any{"a": math.NaN(), "b": math.Inf(1), "c": 1.5, "d": map[string]float64{"e": math.NaN()}}); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), `{"a":null,"b":null,"c":1.5,"d":{"e":null}}`+"\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestProgressBarOnlyOnTerminal(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, false)
	p.bar("epoch 1/1", 3, 10, "loss 1")
	p.printf("line")
	if b.String() != "line\n" {
		t.Errorf("non-terminal output %q, want plain lines only", b.String())
	}
	b.Reset()
	p.tty = true
	p.bar("epoch 1/1", 10, 10, "loss 1")
	p.printf("next")
	if s := b.String(); !strings.Contains(s, "[==============================] 10/10") || !strings.HasSuffix(s, "\r\033[Knext\n") {
		t.Errorf("terminal output %q", s)
	}
	b.Reset()
	q := newProgress(&b, true)
	q.printf("x")
	if b.Len() != 0 {
		t.Errorf("-quiet printed %q", b.String())
	}
}

// mnistDir returns ANN_MNIST_DIR or skips: the MNIST tests need the data.
func mnistDir(t *testing.T) string {
	t.Helper()
	d := ann.MNISTDir()
	if d == "" {
		t.Skip("ANN_MNIST_DIR is not set")
	}
	return d
}

func TestMNISTSteps(t *testing.T) {
	dir := mnistDir(t)
	plot := filepath.Join(t.TempDir(), "mnist.png")
	start := time.Now()
	o, e := mustRun(t, "mnist", "-data", dir, "-steps", "60", "-plot", plot, "-json")
	m := decodeOne(t, o)
	wantKeys(t, m, "accuracy", "average_loss", "loss", "global_step", "train_seconds", "samples_per_second", "epochs")
	if num(t, m, "global_step") != 60 || num(t, m, "epochs") != 1 {
		t.Errorf("global_step %v epochs %v, want 60 and 1", m["global_step"], m["epochs"])
	}
	// 60 Adam steps of 128 images already classify most digits.
	if acc := num(t, m, "accuracy"); acc < 0.8 {
		t.Errorf("accuracy %v after 60 steps", acc)
	}
	if l, al := num(t, m, "loss"), num(t, m, "average_loss"); math.Abs(l-10000*al) > 1e-9*l {
		t.Errorf("loss %v is not 10000 × average_loss %v", l, al)
	}
	if !strings.Contains(e, "val_acc") {
		t.Errorf("no validation metrics on stderr:\n%s", e)
	}
	checkPNG(t, plot, 1100, 500)
	t.Logf("mnist -steps 60 took %v", time.Since(start))
}

func TestMNISTTutorialProtocol(t *testing.T) {
	dir := mnistDir(t)
	if testing.Short() {
		t.Skip("loads and trains on 70,000 images")
	}
	mdir := filepath.Join(t.TempDir(), "model")
	o, _ := mustRun(t, "mnist", "-tutorial", "-data", dir, "-steps", "20", "-model-dir", mdir, "-json", "-quiet")
	m := decodeOne(t, o)
	base, ok1 := m["baseline"].(map[string]any)
	imp, ok2 := m["improved"].(map[string]any)
	if !ok1 || !ok2 {
		t.Fatalf("JSON %v", m)
	}
	if num(t, base, "global_step") != 20 || num(t, imp, "global_step") != 40 {
		t.Errorf("global steps %v and %v, want 20 and 40 (the improved model resumes)", base["global_step"], imp["global_step"])
	}
	// The 14,000-row evaluation: loss is the sum.
	if l, al := num(t, base, "loss"), num(t, base, "average_loss"); math.Abs(l-14000*al) > 1e-9*l {
		t.Errorf("loss %v is not 14000 × average_loss %v", l, al)
	}
	if _, err := os.Stat(filepath.Join(mdir, "model.ckpt-40.ann")); err != nil {
		t.Errorf("the model directory lacks the final checkpoint: %v", err)
	}
}
