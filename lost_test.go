package ann

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
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
