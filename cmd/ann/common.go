package main

// What the training commands share: the model flags, the progress
// reporter, the epoch loop with checkpoints, and the JSON and plot outputs.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/annlib/ann"
)

// modelFlags are the flags that describe a network and its training.
type modelFlags struct {
	hidden     string
	activation string
	optimizer  string
	lr         float64
	batch      int
	epochs     int
	steps      int
	dropout    float64
	l1, l2     float64
	modelDir   string
	schedule   string
	seed       uint64
	threads    int
	plot       string
	json       bool
	quiet      bool

	// Parsed forms.
	hiddenUnits []int
	act         ann.Activation
	opt         ann.Optimizer
}

// modelDefaults are a command's defaults for modelFlags.
type modelDefaults struct {
	hidden, activation, optimizer string
	lr                            float64
	batch, epochs                 int
	schedule                      string
}

func (m *modelFlags) register(fs *flag.FlagSet, d modelDefaults) {
	fs.StringVar(&m.hidden, "hidden", d.hidden, "hidden layer widths, input side first, comma-separated")
	fs.StringVar(&m.activation, "activation", d.activation, "hidden activation: relu, tanh, sigmoid, leaky_relu, elu, gelu, silu, ...")
	fs.StringVar(&m.optimizer, "optimizer", d.optimizer, "sgd, momentum, nesterov, adagrad, adam, adamw, rmsprop, proximal_adagrad, ftrl")
	fs.Float64Var(&m.lr, "lr", d.lr, "learning rate")
	fs.IntVar(&m.batch, "batch", d.batch, "mini-batch size")
	fs.IntVar(&m.epochs, "epochs", d.epochs, "passes over the training data")
	fs.StringVar(&m.schedule, "schedule", d.schedule, "learning-rate schedule: constant, or cosine (decay to 1% of -lr over the run)")
	fs.IntVar(&m.steps, "steps", 0, "train for exactly this many steps instead of -epochs")
	fs.Float64Var(&m.dropout, "dropout", 0, "dropout rate after each hidden layer, in [0, 1)")
	fs.Float64Var(&m.l1, "l1", 0, "L1 penalty strength on the weights")
	fs.Float64Var(&m.l2, "l2", 0, "L2 penalty strength on the weights (penalty ½·λ·Σw²)")
	fs.StringVar(&m.modelDir, "model-dir", "", "checkpoint directory: resume from its latest checkpoint, write one per epoch and on Ctrl-C")
	fs.Uint64Var(&m.seed, "seed", 1, "random seed for the initial weights, shuffles and dropout")
	fs.IntVar(&m.threads, "threads", 0, "worker threads (GOMAXPROCS); 0 keeps the default")
	fs.StringVar(&m.plot, "plot", "", "write loss and accuracy curves per epoch to this PNG file")
	fs.BoolVar(&m.json, "json", false, "print the final metrics as one JSON object on stdout")
	fs.BoolVar(&m.quiet, "quiet", false, "no progress output")
}

// check validates the flags and fills the parsed forms; mistakes are
// usage errors naming the flag.
func (m *modelFlags) check(set map[string]bool) error {
	var err error
	if m.hiddenUnits, err = parseInts(m.hidden); err != nil {
		return usagef("-hidden %q: %v", m.hidden, err)
	}
	if m.act, err = ann.ParseActivation(strings.ToLower(m.activation)); err != nil || m.act == ann.Softmax {
		return usagef("-activation %q: not a hidden-layer activation", m.activation)
	}
	if !(m.lr > 0) || math.IsInf(m.lr, 0) {
		return usagef("-lr %v: must be a positive number", m.lr)
	}
	if m.opt, err = ann.ParseOptimizer(m.optimizer, m.lr); err != nil {
		return usagef("-optimizer %q: %s", m.optimizer, oneLine(err))
	}
	if m.batch < 1 {
		return usagef("-batch %d: must be ≥ 1", m.batch)
	}
	if m.schedule != "constant" && m.schedule != "cosine" {
		return usagef("-schedule %q: want constant or cosine", m.schedule)
	}
	if set["epochs"] && set["steps"] {
		return usagef("-epochs and -steps exclude each other")
	}
	if m.epochs < 1 {
		return usagef("-epochs %d: must be ≥ 1", m.epochs)
	}
	if m.steps < 0 || (set["steps"] && m.steps == 0) {
		return usagef("-steps %d: must be ≥ 1", m.steps)
	}
	if !(m.dropout >= 0 && m.dropout < 1) {
		return usagef("-dropout %v: must be in [0, 1)", m.dropout)
	}
	if !(m.l1 >= 0) || math.IsInf(m.l1, 0) {
		return usagef("-l1 %v: must be a finite number ≥ 0", m.l1)
	}
	if !(m.l2 >= 0) || math.IsInf(m.l2, 0) {
		return usagef("-l2 %v: must be a finite number ≥ 0", m.l2)
	}
	if m.threads < 0 {
		return usagef("-threads %d: must be ≥ 0", m.threads)
	}
	if m.threads > 0 {
		runtime.GOMAXPROCS(m.threads)
	}
	if m.plot != "" && !strings.EqualFold(filepath.Ext(m.plot), ".png") {
		return usagef("-plot %q: the file name must end in .png", m.plot)
	}
	return nil
}

// parseInts parses "300,100" into [300 100]; every width must be ≥ 1.
func parseInts(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("empty list")
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", strings.TrimSpace(f))
		}
		if v < 1 {
			return nil, fmt.Errorf("width %d must be ≥ 1", v)
		}
		out = append(out, v)
	}
	return out, nil
}

// ---------------------------------------------------------------- progress

// progress writes progress to stderr: plain lines, and on a terminal a
// live bar within the epoch that the next line overwrites.
type progress struct {
	w     io.Writer
	tty   bool
	quiet bool
	shown bool      // a bar is on screen
	last  time.Time // when the bar was last drawn
}

func newProgress(w io.Writer, quiet bool) *progress {
	p := &progress{w: w, quiet: quiet}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// printf writes one line, replacing the bar if one is shown.
func (p *progress) printf(format string, args ...any) {
	if p.quiet {
		return
	}
	p.clear()
	fmt.Fprintf(p.w, format+"\n", args...)
}

func (p *progress) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

// bar draws "label [=====>    ] done/total extra" at most ten times a
// second, on a terminal only.
// showsBar says whether bar draws anything: on a terminal, unless quiet.
func (p *progress) showsBar() bool { return !p.quiet && p.tty }

func (p *progress) bar(label string, done, total int, extra string) {
	if !p.showsBar() || total <= 0 {
		return
	}
	if now := time.Now(); done < total && now.Sub(p.last) < 100*time.Millisecond {
		return
	} else {
		p.last = now
	}
	const width = 30
	fill := width * done / total
	b := strings.Repeat("=", fill)
	if fill < width {
		b += ">" + strings.Repeat(" ", width-fill-1)
	}
	fmt.Fprintf(p.w, "\r\033[K%s [%s] %d/%d %s", label, b, done, total, extra)
	p.shown = true
}

// ---------------------------------------------------------------- training

// trainSpec is one training run of a Network over whole epochs (or a step
// count cut into epoch-sized chunks).
type trainSpec struct {
	net      *ann.Network
	x, y     ann.Matrix
	vx, vy   ann.Matrix // validation set; Rows == 0 for none
	batch    int
	epochs   int
	steps    int // when > 0, overrides epochs
	shuffle  bool
	modelDir string
	logEvery int // print every logEvery-th epoch line (and the last); 0 means 1
	prog     *progress
}

// trainOutcome summarises a run.
type trainOutcome struct {
	history []ann.EpochStats
	seconds float64 // time spent in training steps, evaluation excluded
	samples int
}

func (o trainOutcome) samplesPerSecond() float64 {
	if o.seconds <= 0 {
		return 0
	}
	return float64(o.samples) / o.seconds
}

// trainNetwork runs the spec: chunks of one epoch's steps through
// Network.Train, a progress line after each, a checkpoint after each when
// a model directory is set. When ctx is cancelled it stops after the
// current step, checkpoints, and returns an error wrapping ctx.Err().
func trainNetwork(ctx context.Context, s trainSpec) (trainOutcome, error) {
	var out trainOutcome
	perEpoch := (s.x.Rows + s.batch - 1) / s.batch
	total := s.epochs * perEpoch
	if s.steps > 0 {
		total = s.steps
	}
	epochs := (total + perEpoch - 1) / perEpoch
	every := max(s.logEvery, 1)
	start := time.Now()
	done := 0
	for epoch := 1; done < total; epoch++ {
		chunk := min(perEpoch, total-done)
		opts := []ann.FitOption{ann.BatchSize(s.batch), ann.Shuffle(s.shuffle)}
		if s.prog.showsBar() {
			// Only a terminal sees the bar: the callback formats two
			// strings per step, a few percent of a batch-10 step.
			opts = append(opts, ann.OnBatch(func(b ann.BatchProgress) {
				s.prog.bar(fmt.Sprintf("epoch %d/%d", epoch, epochs), b.Batch, b.Total, fmt.Sprintf("loss %.4f", b.Loss))
			}))
		}
		if s.vx.Rows > 0 {
			opts = append(opts, ann.Validation(s.vx, s.vy))
		}
		before := s.net.Step()
		st, err := s.net.Train(ctx, s.x, s.y, chunk, opts...)
		ran := int(s.net.Step() - before)
		done += ran
		out.samples += st.Examples
		out.seconds += st.Duration.Seconds()
		if err != nil {
			s.prog.clear()
			if s.modelDir != "" && ran > 0 && ctx.Err() != nil {
				path, cerr := writeCheckpoint(s.modelDir, s.net)
				if cerr != nil {
					return out, errors.Join(err, cerr)
				}
				return out, fmt.Errorf("interrupted at step %d, checkpoint %s: %w", s.net.Step(), path, err)
			}
			if s.modelDir != "" && errors.Is(err, ann.ErrValue) {
				if last, lerr := ann.LatestCheckpoint(s.modelDir); lerr == nil && last != "" {
					return out, fmt.Errorf("%w; nothing saved, the latest checkpoint stays %s", err, last)
				}
			}
			return out, err
		}
		st.Epoch = epoch
		out.history = append(out.history, st)
		if epoch%every == 0 || done == total || epoch == 1 {
			elapsed := time.Since(start)
			eta := time.Duration(float64(elapsed) / float64(done) * float64(total-done))
			s.prog.printf("%s", epochLine(st, epochs, elapsed, eta))
		}
		if s.modelDir != "" {
			if _, err := writeCheckpoint(s.modelDir, s.net); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// epochLine formats one epoch's progress line.
func epochLine(st ann.EpochStats, epochs int, elapsed, eta time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "epoch %*d/%d  loss %.4f", len(strconv.Itoa(epochs)), st.Epoch, epochs, st.Loss)
	if !math.IsNaN(st.Accuracy) {
		fmt.Fprintf(&b, "  acc %.4f", st.Accuracy)
	}
	if !math.IsNaN(st.ValLoss) {
		fmt.Fprintf(&b, "  val_loss %.4f", st.ValLoss)
	}
	if !math.IsNaN(st.ValAccuracy) {
		fmt.Fprintf(&b, "  val_acc %.4f", st.ValAccuracy)
	}
	sps := 0.0
	if d := st.Duration.Seconds(); d > 0 {
		sps = float64(st.Examples) / d
	}
	fmt.Fprintf(&b, "  %.0f samples/s  elapsed %s  ETA %s", sps, roundDur(elapsed), roundDur(eta))
	return b.String()
}

func roundDur(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}

// ---------------------------------------------------------------- checkpoints

// Checkpoints use the estimators' layout (model.ckpt-<step>.ann and a JSON
// index named "checkpoint"), so DNNClassifier and "ann eval -model DIR"
// read what the commands write and the other way round.
const keepCheckpoints = 5

// writeCheckpoint saves net into dir in the library's model-directory
// layout, keeping the newest keepCheckpoints files.
func writeCheckpoint(dir string, net *ann.Network) (string, error) {
	return ann.WriteCheckpoint(dir, net, keepCheckpoints)
}

// resume loads the latest checkpoint of dir when there is one and checks
// that it fits data of inputs features and outputs targets; it returns nil
// when the directory holds no checkpoint.
func resume(dir string, inputs, outputs int, prog *progress) (*ann.Network, error) {
	if dir == "" {
		return nil, nil
	}
	net, path, skipped, err := ann.LoadLatestCheckpoint(dir)
	warnSkipped(prog.w, skipped, path)
	if err != nil || net == nil {
		return nil, err
	}
	if net.Inputs() != inputs || net.Outputs() != outputs {
		return nil, fmt.Errorf("%s: the checkpoint takes %d inputs to %d outputs, the data needs %d to %d (use another -model-dir)",
			path, net.Inputs(), net.Outputs(), inputs, outputs)
	}
	prog.printf("resuming from %s at step %d (its architecture and optimizer; model flags are ignored)", path, net.Step())
	return net, nil
}

// warnSkipped tells the user, on w (stderr, even with -quiet), that the
// newest checkpoints of a model directory did not load and which older one
// is used instead.
func warnSkipped(w io.Writer, skipped []error, used string) {
	for _, err := range skipped {
		fmt.Fprintf(w, "warning: skipping a checkpoint that does not load: %s\n", oneLine(err))
	}
	if len(skipped) > 0 && used != "" {
		fmt.Fprintf(w, "warning: using the newest checkpoint that loads: %s\n", used)
	}
}

// ---------------------------------------------------------------- outputs

// output is a flag naming a file (or, with dir, a directory) the command
// will write.
type output struct {
	flag, path string
	dir        bool
}

// checkOutputs makes sure every output can be written before any work
// starts, so that a typo in a path fails at once and not after hours of
// training: a file's directory must exist and accept new files, and the
// path must not be a directory; a directory (which is created when
// missing) must be one, or its nearest existing parent must accept new
// entries. Empty paths are skipped.
func checkOutputs(outs ...output) error {
	for _, o := range outs {
		if o.path == "" {
			continue
		}
		if err := checkOutput(o); err != nil {
			return usagef("-%s %s: %s", o.flag, o.path, err)
		}
	}
	return nil
}

func checkOutput(o output) error {
	st, err := os.Stat(o.path)
	switch {
	case err == nil && o.dir && !st.IsDir():
		return errors.New("exists and is not a directory")
	case err == nil && !o.dir && st.IsDir():
		return errors.New("is a directory")
	case err == nil && o.dir:
		return probeWritable(o.path)
	case !errors.Is(err, os.ErrNotExist):
		return err
	}
	parent := filepath.Dir(o.path)
	if o.dir {
		// The directory will be created: its nearest existing ancestor
		// must be a writable directory.
		for {
			st, err := os.Stat(parent)
			if err == nil {
				if !st.IsDir() {
					return fmt.Errorf("%s is not a directory", parent)
				}
				return probeWritable(parent)
			}
			if !errors.Is(err, os.ErrNotExist) {
				return err
			}
			up := filepath.Dir(parent)
			if up == parent {
				return fmt.Errorf("no existing parent directory")
			}
			parent = up
		}
	}
	st, err = os.Stat(parent)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("directory %s does not exist", parent)
		}
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", parent)
	}
	return probeWritable(parent)
}

// probeWritable creates and removes a temporary file in dir.
func probeWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".ann-write-check-*")
	if err != nil {
		if u := errors.Unwrap(err); u != nil {
			err = u
		}
		return fmt.Errorf("cannot write in %s: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// writeJSON prints v as one JSON object on w. Non-finite numbers, which
// JSON cannot carry, become null.
func writeJSON(w io.Writer, v map[string]any) error {
	js, err := json.Marshal(finiteJSON(v))
	if err != nil {
		return fmt.Errorf("encoding JSON: %w", err)
	}
	_, err = w.Write(append(js, '\n'))
	return err
}

func finiteJSON(v any) any {
	switch t := v.(type) {
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return nil
		}
	case float32:
		return finiteJSON(float64(t))
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = finiteJSON(x)
		}
		return out
	case map[string]float64:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = finiteJSON(x)
		}
		return out
	}
	return v
}

// writePlot draws the history's loss and accuracy curves into path.
func writePlot(path, title string, h []ann.EpochStats) error {
	var tl, vl, ta, va []float64
	for _, st := range h {
		tl = append(tl, st.Loss)
		vl = append(vl, st.ValLoss)
		ta = append(ta, st.Accuracy)
		va = append(va, st.ValAccuracy)
	}
	keep := func(s []float64) []float64 {
		for _, v := range s {
			if !math.IsNaN(v) {
				return s
			}
		}
		return nil
	}
	return writeFile(path, func(w io.Writer) error {
		return renderTrainingCurves(w, title, tl, keep(vl), keep(ta), keep(va))
	})
}

// writeFile writes a file through a synced temporary file and a rename, so
// a failed write or a crash leaves no half file under the real name. The
// file is readable by all (0644), like a file written with os.WriteFile.
func writeFile(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	werr := errors.Join(tmp.Chmod(0o644), write(tmp), tmp.Sync())
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// buildNetwork makes the network the model flags describe for inputs
// features and the given output layer and loss, to train on rows examples
// (which sizes a cosine schedule to the whole run).
func buildNetwork(m *modelFlags, inputs, outputs, rows int, out ann.Activation, loss ann.Loss) (*ann.Network, error) {
	b := ann.New(inputs)
	for _, h := range m.hiddenUnits {
		b.Dense(h, m.act)
		if m.dropout > 0 {
			b.Dropout(m.dropout)
		}
	}
	if m.schedule == "cosine" {
		total := int64(m.steps)
		if total == 0 {
			total = int64(m.epochs) * int64((rows+m.batch-1)/m.batch)
		}
		b.Schedule(ann.CosineDecay(max(total, 1), 0.01))
	}
	return b.Dense(outputs, out).Loss(loss).Optimizer(m.opt).L1(m.l1).L2(m.l2).Seed(m.seed).Build()
}

// threads returns the number of threads GEMM and training may use.
func threads() int { return runtime.GOMAXPROCS(0) }

// shape names a network by its dense widths and hidden activation, e.g.
// "784-300-100-10 relu", in ASCII for the plot font.
func shape(net *ann.Network) string {
	w := []string{strconv.Itoa(net.Inputs())}
	act := ""
	for _, l := range net.Layers() {
		if l.Kind == "dense" {
			w = append(w, strconv.Itoa(l.Units))
			if act == "" {
				act = l.Activation.String()
			}
		}
	}
	return strings.Join(w, "-") + " " + act
}
