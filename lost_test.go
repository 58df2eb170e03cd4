package ann

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentTrainingRefused: a Fit or Train started while another runs
// on the same network fails with an ErrConfig instead of racing (run it
// under -race).
func TestConcurrentTrainingRefused(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	x := randMatrix(rng, 40, 4)
	y := oneHotRows(rng, 40, 2)
	net, err := New(4).Dense(5, ReLU).Dense(2, Softmax).Seed(2).Build()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	var firstErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, firstErr = net.Train(ctx, x, y, 4, BatchSize(10), OnBatch(func(BatchProgress) {
			once.Do(func() {
				close(started)
				<-release
			})
		}))
	}()
	<-started
	errs := make([]error, 2)
	var wg2 sync.WaitGroup
	wg2.Add(2)
	go func() { defer wg2.Done(); _, errs[0] = net.Fit(ctx, x, y, Epochs(1)) }()
	go func() { defer wg2.Done(); _, errs[1] = net.Train(ctx, x, y, 3) }()
	wg2.Wait()
	close(release)
	wg.Wait()
	if firstErr != nil {
		t.Fatalf("the first Train failed: %v", firstErr)
	}
	for i, err := range errs {
		if !errors.Is(err, ErrConfig) {
			t.Errorf("concurrent call %d returned %v, want an ErrConfig", i, err)
		}
	}
	if net.Step() != 4 {
		t.Errorf("global step %d, want 4 (only the first call trains)", net.Step())
	}
	// Once the first call is done, the network trains again.
	if _, err := net.Train(ctx, x, y, 1); err != nil {
		t.Fatalf("Train after the concurrent attempt: %v", err)
	}
}

// TestOrphanTempFilesRemoved: the temporary files a kill leaves in a model
// directory go away the next time a checkpoint is written there, and
// nobody else's files are touched.
func TestOrphanTempFilesRemoved(t *testing.T) {
	net, _, _ := smallTrained(t)
	for _, viaEstimator := range []bool{false, true} {
		dir := t.TempDir()
		orphans := []string{".model.ckpt-12.ann.tmp123456", ".checkpoint.tmp987", ".model.ckpt-0.ann.tmp1"}
		others := []string{"model.ckpt-x.ann.tmp1", ".model.ckpt-12.ann.tmpabc", ".checkpoint.tmp", "notes.txt", ".checkpoint.tmp1.keep", ".other.tmp1"}
		for _, f := range append(append([]string{}, orphans...), others...) {
			if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if viaEstimator {
			rng := rand.New(rand.NewPCG(2, 2))
			d := &Dataset{X: randMatrix(rng, 20, 3), Labels: make([]int, 20)}
			for i := range d.Labels {
				d.Labels[i] = i % 2
			}
			clf, err := NewDNNClassifier(HiddenUnits(4), ModelDir(dir))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := clf.Train(context.Background(), d, 1); err != nil {
				t.Fatal(err)
			}
		} else if _, err := WriteCheckpoint(dir, net, 2); err != nil {
			t.Fatal(err)
		}
		for _, f := range orphans {
			if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("estimator %v: orphan %s still there (%v)", viaEstimator, f, err)
			}
		}
		for _, f := range others {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("estimator %v: %s, not ours, was removed: %v", viaEstimator, f, err)
			}
		}
	}
}

// nanCheckpoint returns net's model file with its first stored value (the
// first kernel weight) replaced by NaN and the checksum redone: what an
// older version wrote for a diverged run.
func nanCheckpoint(t *testing.T, net *Network) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := net.Save(&buf); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	hl := binary.LittleEndian.Uint32(b[12:])
	binary.LittleEndian.PutUint32(b[16+hl:], math.Float32bits(float32(math.NaN())))
	sum := sha256.Sum256(b[:len(b)-32])
	copy(b[len(b)-32:], sum[:])
	return b
}

// TestSaveRefusesNonFinite: a NaN or Inf anywhere the file stores —
// weights, batch-norm statistics, scaler, optimizer slots — makes Save,
// SaveFile and WriteCheckpoint refuse with an ErrValue naming the tensor,
// writing nothing, and the model directory keeps its last good checkpoint.
func TestSaveRefusesNonFinite(t *testing.T) {
	for _, tc := range []struct {
		tensor string
		poke   func(n *Network)
	}{
		{"layer0/kernel", func(n *Network) { n.layers[0].w.Data[3] = float32(math.NaN()) }},
		{"layer2/moving_variance", func(n *Network) { n.layers[2].movingVar[1] = float32(math.Inf(1)) }},
		{"scaler/scale", func(n *Network) { n.scaler.Scale[0] = float32(math.Inf(-1)) }},
		{"param0/slot1", func(n *Network) { n.params[0].state.slots()[1][0] = float32(math.Inf(1)) }},
	} {
		net, x, y := smallTrained(t)
		dir := t.TempDir()
		good, err := WriteCheckpoint(dir, net, 5)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := net.Train(context.Background(), x, y, 1); err != nil {
			t.Fatal(err)
		}
		tc.poke(net)
		var buf bytes.Buffer
		err = net.Save(&buf)
		if !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), tc.tensor) {
			t.Errorf("%s: Save returned %v, want an ErrValue naming the tensor", tc.tensor, err)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: Save wrote %d bytes", tc.tensor, buf.Len())
		}
		file := filepath.Join(dir, "m.ann")
		if err := net.SaveFile(file); !errors.Is(err, ErrValue) {
			t.Errorf("%s: SaveFile returned %v", tc.tensor, err)
		}
		if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: SaveFile left a file (%v)", tc.tensor, err)
		}
		_, err = WriteCheckpoint(dir, net, 1)
		if !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), tc.tensor) || !strings.Contains(err.Error(), filepath.Base(good)) {
			t.Errorf("%s: WriteCheckpoint returned %v, want an ErrValue naming the tensor and the kept checkpoint", tc.tensor, err)
		}
		if latest, _ := LatestCheckpoint(dir); latest != good {
			t.Errorf("%s: latest checkpoint %q, want the good %q", tc.tensor, latest, good)
		}
		if _, err := LoadFile(good); err != nil {
			t.Errorf("%s: the good checkpoint no longer loads: %v", tc.tensor, err)
		}
		if tc.tensor != "param0/slot1" {
			// SaveWeights stores no optimizer state but still refuses.
			if err := net.SaveWeights(&buf); !errors.Is(err, ErrValue) {
				t.Errorf("%s: SaveWeights returned %v", tc.tensor, err)
			}
		} else if err := net.SaveWeights(io.Discard); err != nil {
			t.Errorf("SaveWeights with finite weights and an Inf optimizer slot: %v", err)
		}
	}
}

// TestTrainReportsNonFiniteState: AdaGrad on features of size 1e20 keeps a
// finite loss while its accumulator overflows; Train must report the
// divergence (an ErrValue naming the step) instead of returning a network
// that cannot be saved.
func TestTrainReportsNonFiniteState(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	x := randMatrix(rng, 100, 2)
	y := randMatrix(rng, 100, 1)
	for i := 0; i < x.Rows; i++ {
		x.Data[i*x.Stride] *= 1e20
	}
	net, err := New(2).Dense(8, ReLU).Dense(1, Identity).Optimizer(AdaGrad(0.05)).Seed(3).Build()
	if err != nil {
		t.Fatal(err)
	}
	_, err = net.Train(context.Background(), x, y, 30, BatchSize(32))
	if !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), "diverged") {
		t.Fatalf("Train on 1e20 features returned %v, want a divergence ErrValue", err)
	}
	net2, _ := New(2).Dense(8, ReLU).Dense(1, Identity).Optimizer(AdaGrad(0.05)).Seed(3).Build()
	if _, err := net2.Fit(context.Background(), x, y, Epochs(10), BatchSize(32)); !errors.Is(err, ErrValue) {
		t.Fatalf("Fit on 1e20 features returned %v, want an ErrValue", err)
	}
}

// TestLoadFallsBackToGoodCheckpoint: when the newest checkpoint does not
// load (NaN written by an older version, or truncated), LoadLatestCheckpoint
// and an estimator re-opened on the directory use the newest one that
// loads, and say so.
func TestLoadFallsBackToGoodCheckpoint(t *testing.T) {
	d := blobs(120, 3)
	dir := t.TempDir()
	ctx := context.Background()
	opts := []EstimatorOption{HiddenUnits(6), NClasses(3), ModelDir(dir), TrainBatchSize(20)}
	a, err := NewDNNClassifier(opts...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Train(ctx, d, 4); err != nil {
		t.Fatal(err)
	}
	if r := a.Restored(); r.Path != "" || r.Skipped != nil {
		t.Fatalf("fresh estimator: Restored %+v", r)
	}
	if _, err := a.Train(ctx, d, 3); err != nil {
		t.Fatal(err)
	}
	// Plant a NaN checkpoint at step 9 and a truncated one at step 11,
	// the index naming the NaN one.
	if err := os.WriteFile(filepath.Join(dir, "model.ckpt-9.ann"), nanCheckpoint(t, a.Network()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "model.ckpt-11.ann"), []byte("ANNMODEL"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "checkpoint"), []byte(`{"latest":"model.ckpt-9.ann","all":["model.ckpt-4.ann","model.ckpt-7.ann","model.ckpt-9.ann"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	net, path, skipped, err := LoadLatestCheckpoint(dir)
	if err != nil || net == nil {
		t.Fatalf("LoadLatestCheckpoint: %v", err)
	}
	if filepath.Base(path) != "model.ckpt-7.ann" || net.Step() != 7 || len(skipped) != 2 {
		t.Fatalf("loaded %s at step %d, skipped %v; want model.ckpt-7.ann and two skipped", path, net.Step(), skipped)
	}
	for _, s := range skipped {
		if !errors.Is(s, ErrFormat) {
			t.Errorf("skip reason %v does not wrap ErrFormat", s)
		}
	}
	b, err := NewDNNClassifier(opts...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Train(ctx, d, 1); err != nil {
		t.Fatalf("re-opened estimator: %v", err)
	}
	r := b.Restored()
	if filepath.Base(r.Path) != "model.ckpt-7.ann" || len(r.Skipped) != 2 || b.GlobalStep() != 8 {
		t.Fatalf("re-opened estimator: Restored %+v, step %d", r, b.GlobalStep())
	}
	log, err := os.ReadFile(filepath.Join(dir, "train_log.jsonl"))
	if err != nil || !strings.Contains(string(log), `"warning"`) || !strings.Contains(string(log), "model.ckpt-7.ann") {
		t.Fatalf("train log does not record the fallback (%v):\n%s", err, log)
	}
	// No checkpoint loads: an error, not a fresh start over the user's files.
	for _, f := range []string{"model.ckpt-4.ann", "model.ckpt-7.ann", "model.ckpt-8.ann"} {
		os.Remove(filepath.Join(dir, f))
	}
	if _, _, _, err := LoadLatestCheckpoint(dir); !errors.Is(err, ErrFormat) {
		t.Fatalf("no loadable checkpoint: %v", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk on fire") }

// TestSaveErrorsWrapSentinels walks the error paths of saving, checkpoints and
// estimators: every error wraps one of the sentinels, the operating
// system's error stays reachable, and a training log that cannot be
// written is an error instead of being ignored.
func TestSaveErrorsWrapSentinels(t *testing.T) {
	net, _, _ := smallTrained(t)
	dir := t.TempDir()
	aFile := filepath.Join(dir, "plain")
	if err := os.WriteFile(aFile, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	corrupt := filepath.Join(dir, "corrupt")
	if err := os.MkdirAll(corrupt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(corrupt, "model.ckpt-3.ann"), []byte("ANNMODEL garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := blobs(60, 1)
	train := func(opts ...EstimatorOption) error {
		clf, err := NewDNNClassifier(append([]EstimatorOption{HiddenUnits(4), NClasses(3), TrainBatchSize(10), LogEvery(1)}, opts...)...)
		if err != nil {
			return err
		}
		_, err = clf.Train(context.Background(), d, 3)
		return err
	}
	cases := []struct {
		name string
		want error
		err  error
	}{}
	add := func(name string, want, err error) {
		cases = append(cases, struct {
			name string
			want error
			err  error
		}{name, want, err})
	}
	_, err := WriteCheckpoint(filepath.Join(aFile, "d"), net, 1)
	add("WriteCheckpoint into a file", ErrConfig, err)
	_, err = WriteCheckpoint(dir, net, 0)
	add("WriteCheckpoint keep 0", ErrValue, err)
	add("SaveFile into a missing directory", ErrConfig, net.SaveFile(filepath.Join(dir, "missing", "m.ann")))
	add("Save to a failing writer", ErrConfig, net.Save(failingWriter{}))
	_, err = LatestCheckpoint(aFile)
	add("LatestCheckpoint of a file", ErrConfig, err)
	_, _, _, err = LoadLatestCheckpoint(corrupt)
	add("LoadLatestCheckpoint with nothing loadable", ErrFormat, err)
	add("estimator model dir is a file", ErrConfig, train(ModelDir(aFile)))
	add("estimator resuming a corrupt checkpoint", ErrFormat, train(ModelDir(corrupt)))
	logDir := filepath.Join(dir, "logdir")
	if err := os.MkdirAll(filepath.Join(logDir, "train_log.jsonl"), 0o755); err != nil {
		t.Fatal(err)
	}
	add("training log cannot be opened", ErrConfig, train(ModelDir(logDir)))
	if _, err := os.Stat("/dev/full"); err == nil {
		full := filepath.Join(dir, "full")
		if err := os.MkdirAll(full, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("/dev/full", filepath.Join(full, "train_log.jsonl")); err != nil {
			t.Fatal(err)
		}
		err := train(ModelDir(full))
		add("training log write fails", ErrConfig, err)
		if err != nil && !strings.Contains(err.Error(), "training log") {
			t.Errorf("log write error does not say what failed: %v", err)
		}
	}
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v does not wrap %v", c.name, c.err, c.want)
		}
	}
	// The OS error stays reachable through the sentinel.
	if err := net.SaveFile(filepath.Join(dir, "missing", "m.ann")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("SaveFile into a missing directory: %v does not wrap os.ErrNotExist", err)
	}
}
