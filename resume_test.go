package ann

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
)

// sameState fails unless a and b hold bit-identical weights, batch-norm
// statistics, optimizer slots, global step and training position: their
// Save outputs are equal byte for byte.
func sameState(t *testing.T, what string, a, b *Network) {
	t.Helper()
	for i := range a.weights {
		if a.weights[i] != b.weights[i] {
			t.Fatalf("%s: weight %d is %v, uninterrupted %v", what, i, b.weights[i], a.weights[i])
		}
	}
	var ba, bb bytes.Buffer
	if err := a.Save(&ba); err != nil {
		t.Fatal(err)
	}
	if err := b.Save(&bb); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ba.Bytes(), bb.Bytes()) {
		t.Fatalf("%s: the saved states differ (optimizer slots, statistics, step or position)", what)
	}
}

func reload(t *testing.T, n *Network) *Network {
	t.Helper()
	var buf bytes.Buffer
	if err := n.Save(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// resumeNets are the configurations the resume tests run: shuffled or not,
// dropout (which draws from the generator between shuffles), batch norm,
// stateful optimizers and schedules.
func resumeNets(t *testing.T) map[string]func() *Network {
	// Each network gets its own builder: a ReduceOnPlateau schedule is
	// stateful and must not be shared.
	build := func(b func() *Builder) func() *Network {
		return func() *Network {
			n, err := b().Build()
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	return map[string]func() *Network{
		"adam dropout batchnorm": build(func() *Builder {
			return New(5).Dense(9, ReLU).Dropout(0.3).BatchNorm().Dense(3, Softmax).Optimizer(Adam(0.01)).Seed(7)
		}),
		"adagrad cosine": build(func() *Builder {
			return New(5).Dense(6, Tanh).Dense(3, Softmax).Optimizer(AdaGrad(0.1)).Schedule(CosineDecay(40, 0.1)).Seed(8)
		}),
		"momentum step decay": build(func() *Builder {
			return New(5).Dense(6, ReLU).Dropout(0.2).Dense(3, Softmax).Optimizer(Momentum(0.05, 0.9)).Schedule(StepDecay(7, 0.5)).Seed(9)
		}),
		"rmsprop exponential": build(func() *Builder {
			return New(5).Dense(6, ELU).Dense(3, Softmax).Optimizer(RMSProp(0.01)).Schedule(ExponentialDecay(10, 0.8, true)).Seed(10)
		}),
		"sgd plateau": build(func() *Builder {
			return New(5).Dense(6, ReLU).Dense(3, Softmax).Optimizer(SGD(0.1)).Schedule(ReduceOnPlateau(1, 0.5, 0)).Seed(11)
		}),
	}
}

// TestTrainResumesExactly: Train N steps, Save, Load, Train M steps gives
// bit-identically the state of N+M uninterrupted steps, whether N stops in
// the middle of a shuffled epoch or not.
func TestTrainResumesExactly(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	x := randMatrix(rng, 53, 5) // 53 rows, batch 8: the last batch of an epoch is short
	y := oneHotRows(rng, 53, 3)
	ctx := context.Background()
	for name, build := range resumeNets(t) {
		for _, shuffle := range []bool{true, false} {
			for _, split := range [][2]int{{3, 20}, {7, 9}, {14, 11}, {0, 5}} {
				opts := []FitOption{BatchSize(8), Shuffle(shuffle)}
				a := build()
				if _, err := a.Train(ctx, x, y, split[0]+split[1], opts...); err != nil {
					t.Fatal(err)
				}
				b := build()
				if _, err := b.Train(ctx, x, y, split[0], opts...); err != nil {
					t.Fatal(err)
				}
				b = reload(t, b)
				if _, err := b.Train(ctx, x, y, split[1], opts...); err != nil {
					t.Fatal(err)
				}
				sameState(t, fmt.Sprintf("%s, shuffle %v, %d+%d steps", name, shuffle, split[0], split[1]), a, b)
			}
		}
	}
}

// TestFitResumesExactly: Fit N epochs, Save, Load, Fit M epochs equals Fit
// N+M epochs, schedules (a plateau schedule's state included) and all.
func TestFitResumesExactly(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	x := randMatrix(rng, 45, 5)
	y := oneHotRows(rng, 45, 3)
	vx := randMatrix(rng, 20, 5)
	vy := oneHotRows(rng, 20, 3)
	ctx := context.Background()
	for name, build := range resumeNets(t) {
		opts := []FitOption{BatchSize(8), Validation(vx, vy)}
		a := build()
		if _, err := a.Fit(ctx, x, y, append(opts, Epochs(5))...); err != nil {
			t.Fatal(err)
		}
		b := build()
		if _, err := b.Fit(ctx, x, y, append(opts, Epochs(2))...); err != nil {
			t.Fatal(err)
		}
		b = reload(t, b)
		if _, err := b.Fit(ctx, x, y, append(opts, Epochs(3))...); err != nil {
			t.Fatal(err)
		}
		sameState(t, name, a, b)
		// Train after Fit starts a new epoch either way.
		if _, err := a.Train(ctx, x, y, 4, BatchSize(8)); err != nil {
			t.Fatal(err)
		}
		b = reload(t, b)
		if _, err := b.Train(ctx, x, y, 4, BatchSize(8)); err != nil {
			t.Fatal(err)
		}
		sameState(t, name+", then Train", a, b)
	}
}

// TestEstimatorResumesExactly: an estimator re-created on the model
// directory continues exactly like the instance that wrote it.
func TestEstimatorResumesExactly(t *testing.T) {
	d := blobs(130, 4)
	ctx := context.Background()
	for _, extra := range [][]EstimatorOption{
		nil,
		{DropoutRate(0.2), BatchNormalization(true), UseOptimizer(Adam(0.01)), InputScaling("standard")},
		{ShuffleData(false), CheckpointEvery(4)},
	} {
		opts := func(dir string) []EstimatorOption {
			return append([]EstimatorOption{HiddenUnits(7, 5), NClasses(3), TrainBatchSize(20), ModelDir(dir)}, extra...)
		}
		one, err := NewDNNClassifier(opts(t.TempDir())...)
		if err != nil {
			t.Fatal(err)
		}
		for _, steps := range []int{9, 13} {
			if _, err := one.Train(ctx, d, steps); err != nil {
				t.Fatal(err)
			}
		}
		dir := t.TempDir()
		first, _ := NewDNNClassifier(opts(dir)...)
		if _, err := first.Train(ctx, d, 9); err != nil {
			t.Fatal(err)
		}
		second, _ := NewDNNClassifier(opts(dir)...)
		if _, err := second.Train(ctx, d, 13); err != nil {
			t.Fatal(err)
		}
		sameState(t, "re-created estimator", one.Network(), second.Network())
	}
}
