package ann

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// qData makes a 3-class problem of n rows and 8 features of very different
// scales (so the scaler matters): class c shifts features by c·(j%3−1)·2
// standard deviations.
func qData(n int, seed uint64) (x, y Matrix) {
	rng := rand.New(rand.NewPCG(seed, 11))
	x, _ = NewMatrix(n, 8)
	y, _ = NewMatrix(n, 3)
	for i := 0; i < n; i++ {
		c := rng.IntN(3)
		y.Set(i, c, 1)
		for j := 0; j < 8; j++ {
			scale := math.Pow(10, float64(j%4)-1) // 0.1 … 100
			v := rng.NormFloat64() + float64(c)*float64(j%3-1)*2
			x.Set(i, j, float32(v*scale+float64(j)))
		}
	}
	return x, y
}

// qTrained trains a network with a scaler, batch norm after a ReLU layer,
// batch norm after an Identity layer, and dropout, on qData.
func qTrained(t testing.TB) (*Network, Matrix) {
	t.Helper()
	x, y := qData(1200, 1)
	net, err := New(8).Dense(32, ReLU).BatchNorm().Dropout(0.1).
		Dense(16, Identity).BatchNorm().
		Dense(12, Tanh).
		Dense(3, Softmax).Optimizer(Adam(0.01)).Seed(3).Build()
	if err != nil {
		t.Fatal(err)
	}
	sc, err := FitStandardScaler(x)
	if err != nil {
		t.Fatal(err)
	}
	if err := net.SetScaler(sc); err != nil {
		t.Fatal(err)
	}
	if _, err := net.Fit(context.Background(), x, y, Epochs(8), BatchSize(32)); err != nil {
		t.Fatal(err)
	}
	return net, x
}

// agreement returns the fraction of rows whose arg-max agrees and the
// largest absolute difference of the outputs.
func agreement(a, b Matrix) (agree float64, maxDiff float64) {
	same := 0
	for i := 0; i < a.Rows; i++ {
		if argmax(a.Row(i)) == argmax(b.Row(i)) {
			same++
		}
		for j := 0; j < a.Cols; j++ {
			maxDiff = max(maxDiff, math.Abs(float64(a.At(i, j)-b.At(i, j))))
		}
	}
	return float64(same) / float64(a.Rows), maxDiff
}

func TestQuantizeAgreesWithFloat(t *testing.T) {
	net, calib := qTrained(t)
	xt, _ := qData(2000, 2)
	want, err := net.Predict(xt)
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []struct {
		name string
		opt  QuantizeOption
	}{{"static", StaticQuantization()}, {"dynamic", DynamicQuantization()}} {
		t.Run(mode.name, func(t *testing.T) {
			q, err := net.Quantize(calib, mode.opt)
			if err != nil {
				t.Fatal(err)
			}
			if q.Mode() != mode.name || q.Inputs() != 8 || q.Outputs() != 3 {
				t.Fatalf("mode %q, %d inputs, %d outputs", q.Mode(), q.Inputs(), q.Outputs())
			}
			got, err := q.Predict(xt)
			if err != nil {
				t.Fatal(err)
			}
			agree, diff := agreement(want, got)
			t.Logf("%s: agreement %.4f, max |Δp| %.4f", mode.name, agree, diff)
			if agree < 0.99 {
				t.Errorf("classes agree on %.4f of rows, want ≥ 0.99", agree)
			}
			if diff > 0.1 {
				t.Errorf("probabilities differ by up to %v", diff)
			}
			cls, err := q.PredictClass(xt)
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range cls {
				if c != argmax(got.Row(i)) {
					t.Fatalf("row %d: PredictClass %d, arg-max of Predict %d", i, c, argmax(got.Row(i)))
				}
			}
		})
	}
}

func TestQuantizedSaveLoadRoundTrip(t *testing.T) {
	net, calib := qTrained(t)
	xt, _ := qData(300, 3)
	for _, opt := range []QuantizeOption{StaticQuantization(), DynamicQuantization()} {
		q, err := net.Quantize(calib, opt)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := q.Save(&buf); err != nil {
			t.Fatal(err)
		}
		if !IsQuantizedModel(buf.Bytes()) {
			t.Fatal("IsQuantizedModel is false on a quantized file")
		}
		q2, err := LoadQuantized(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		q3, err := LoadQuantizedBytes(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		p1, _ := q.Predict(xt)
		for _, l := range []*QuantizedNetwork{q2, q3} {
			p2, err := l.Predict(xt)
			if err != nil {
				t.Fatal(err)
			}
			for i := range p1.Data {
				if math.Float32bits(p1.Data[i]) != math.Float32bits(p2.Data[i]) {
					t.Fatalf("%s: output %d: %v before save, %v after load", q.Mode(), i, p1.Data[i], p2.Data[i])
				}
			}
		}
		if l := q2.Meta(); len(l.Classes) != len(net.Meta().Classes) {
			t.Fatalf("meta not kept: %+v", l)
		}
		// Each loader names the other for the other's files.
		if _, err := Load(bytes.NewReader(buf.Bytes())); !errors.Is(err, ErrFormat) || !bytes.Contains([]byte(err.Error()), []byte("LoadQuantized")) {
			t.Fatalf("Load on a quantized file: %v", err)
		}
		if _, err := LoadBytes(buf.Bytes()); !errors.Is(err, ErrFormat) || !bytes.Contains([]byte(err.Error()), []byte("LoadQuantized")) {
			t.Fatalf("LoadBytes on a quantized file: %v", err)
		}
	}
	var fbuf bytes.Buffer
	if err := net.SaveWeights(&fbuf); err != nil {
		t.Fatal(err)
	}
	if IsQuantizedModel(fbuf.Bytes()) {
		t.Fatal("IsQuantizedModel is true on a float file")
	}
	for _, err := range []error{
		func() error { _, err := LoadQuantized(bytes.NewReader(fbuf.Bytes())); return err }(),
		func() error { _, err := LoadQuantizedBytes(fbuf.Bytes()); return err }(),
	} {
		if !errors.Is(err, ErrFormat) || !bytes.Contains([]byte(err.Error()), []byte("Load ")) {
			t.Fatalf("LoadQuantized on a float file: %v", err)
		}
	}
}
