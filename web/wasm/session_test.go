package main

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/annlib/ann"
)

func TestParseConfigDefaults(t *testing.T) {
	c, err := parseConfig(`{}`)
	if err != nil {
		t.Fatal(err)
	}
	if c.Dataset != "circle" || c.Points != 500 || c.Batch != 10 || c.LearningRate != 0.03 || len(c.Hidden) != 2 {
		t.Errorf("defaults %+v, want `ann playground`'s", c)
	}
}

func TestParseConfigRejects(t *testing.T) {
	for _, s := range []string{
		`not json`,
		`{"dataset":"moons"}`,
		`{"unknown":1}`,
		`{"noise":-1}`,
		`{"noise":51}`,
		`{"points":3}`,
		`{"points":1000000}`,
		`{"trainPercent":5}`,
		`{"hidden":[1,1,1,1,1,1,1]}`,
		`{"hidden":[0]}`,
		`{"hidden":[17]}`,
		`{"activation":"softmax"}`,
		`{"activation":"nope"}`,
		`{"learningRate":0}`,
		`{"regularization":"l3"}`,
		`{"regRate":-0.1}`,
		`{"batch":0}`,
	} {
		c, err := parseConfig(s)
		if err == nil {
			_, err = newSession(c)
		}
		if !errors.Is(err, ann.ErrValue) && !errors.Is(err, ann.ErrConfig) {
			t.Errorf("%s: error %v, want ErrValue or ErrConfig", s, err)
		}
	}
}

// TestSessionTrains follows the page: reset, train, and the circle's test
// loss falls from near 0.5 (an untrained tanh on ±1 targets) below 0.1,
// with the epoch count and global step kept.
func TestSessionTrains(t *testing.T) {
	c, err := parseConfig(`{"dataset":"circle","regularization":"l2","regRate":0.001}`)
	if err != nil {
		t.Fatal(err)
	}
	s, err := newSession(c)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.resetReply()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Train) != 250 || len(r.Test) != 250 || r.Stats.Epoch != 0 || !(r.Stats.TestLoss > 0.1) {
		t.Fatalf("reset: %d train, %d test points, stats %+v", len(r.Train), len(r.Test), r.Stats)
	}
	var st stats
	for range 15 {
		if st, err = s.step(context.Background(), 10); err != nil {
			t.Fatal(err)
		}
	}
	// 250 points in batches of 10: 25 steps per epoch.
	if st.Epoch != 150 || st.Step != 150*25 {
		t.Errorf("after 15×10 epochs: epoch %d, step %d; want 150, 3750", st.Epoch, st.Step)
	}
	if !(st.TestLoss < 0.1) {
		t.Errorf("test loss %v after 150 epochs, want below 0.1", st.TestLoss)
	}
	if _, err := s.step(context.Background(), 0); !errors.Is(err, ann.ErrValue) {
		t.Errorf("step(0): %v, want ErrValue", err)
	}
}

// TestSessionOutputs checks the heat map's layout against single
// predictions: row-major, top row at x2 = +6, left column at x1 = −6.
func TestSessionOutputs(t *testing.T) {
	c, _ := parseConfig(`{"dataset":"xor","hidden":[3],"activation":"tanh"}`)
	s, err := newSession(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.step(context.Background(), 5); err != nil {
		t.Fatal(err)
	}
	const n = 7
	v, err := s.outputs(n)
	if err != nil {
		t.Fatal(err)
	}
	one, _ := ann.NewMatrix(1, 2)
	for py := range n {
		for px := range n {
			one.Set(0, 0, float32(-6+(float64(px)+0.5)*12/n))
			one.Set(0, 1, float32(6-(float64(py)+0.5)*12/n))
			p, err := s.net.Predict(one)
			if err != nil {
				t.Fatal(err)
			}
			// The same network on the same inputs, batched or not: the
			// output of a tanh, so an absolute bound in ε works.
			if d := math.Abs(float64(v[py*n+px] - p.At(0, 0))); d > 16.0/(1<<23) {
				t.Errorf("pixel (%d, %d): grid %v, single %v", px, py, v[py*n+px], p.At(0, 0))
			}
		}
	}
	for _, bad := range []int{0, -1, maxGrid + 1} {
		if _, err := s.outputs(bad); !errors.Is(err, ann.ErrValue) {
			t.Errorf("outputs(%d): %v, want ErrValue", bad, err)
		}
	}
}
