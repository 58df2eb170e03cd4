package ann

import (
	"context"
	"testing"
)

// TestQuantizeMNIST trains on MNIST (a [300, 100] ReLU network, as ann
// mnist's default, for 1,500 steps of 128; under -short a [64] network for
// 150 steps), quantizes it with 2,000 training images as calibration, and
// checks on the 10,000 test images that each mode's accuracy is at most 0.3
// points below the float network's and that the classes agree on at least
// 99.5 % of the images.
func TestQuantizeMNIST(t *testing.T) {
	dir := MNISTDir()
	if dir == "" {
		t.Skip("ANN_MNIST_DIR is unset: no MNIST data, so the MNIST quantization check does not run")
	}
	train, test, err := LoadMNIST(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, steps := New(784).Dense(300, ReLU).Dense(100, ReLU), 1500
	if testing.Short() {
		b, steps = New(784).Dense(64, ReLU), 150
	}
	net, err := b.Dense(10, Softmax).Optimizer(Adam(0.001)).Seed(42).Build()
	if err != nil {
		t.Fatal(err)
	}
	y, err := OneHot(train.Labels, 10)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := net.Train(context.Background(), train.X, y, steps, BatchSize(128)); err != nil {
		t.Fatal(err)
	}
	accuracy := func(classes []int) float64 {
		c := 0
		for i, k := range classes {
			if k == test.Labels[i] {
				c++
			}
		}
		return float64(c) / float64(len(classes))
	}
	fc, err := net.PredictClass(test.X)
	if err != nil {
		t.Fatal(err)
	}
	fa := accuracy(fc)
	calib, _ := train.X.RowView(0, 2000)
	for _, opt := range []QuantizeOption{StaticQuantization(), DynamicQuantization()} {
		q, err := net.Quantize(calib, opt)
		if err != nil {
			t.Fatal(err)
		}
		qc, err := q.PredictClass(test.X)
		if err != nil {
			t.Fatal(err)
		}
		same := 0
		for i := range qc {
			if qc[i] == fc[i] {
				same++
			}
		}
		qa, agree := accuracy(qc), float64(same)/float64(len(qc))
		t.Logf("%s (%d steps): float accuracy %.4f, int8 %s %.4f (Δ %+.2f points), classes agree %.4f",
			net, steps, fa, q.Mode(), qa, 100*(qa-fa), agree)
		if qa < fa-0.003 {
			t.Errorf("%s: int8 accuracy %.4f more than 0.3 points below float %.4f", q.Mode(), qa, fa)
		}
		if agree < 0.995 {
			t.Errorf("%s: classes agree on %.4f of the test images, want ≥ 0.995", q.Mode(), agree)
		}
	}
}
