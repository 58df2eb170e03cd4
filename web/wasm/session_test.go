package main

import (
	"bytes"
	"context"
	"errors"
	"math"
	"slices"
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
		`{"problem":"ranking"}`,
		`{"regDataset":"reg-cubic"}`,
		`{"features":[]}`,
		`{"features":["cosX"]}`,
		`{"seed":-1}`,
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

// TestSessionModelLoads: the bytes the page's "download model" button saves
// load with ann.Load and predict what the page's network predicts, and the
// file names the features the network reads.
func TestSessionModelLoads(t *testing.T) {
	c, err := parseConfig(`{"dataset":"xor","hidden":[3],"features":["x","y","xTimesY"],"regularization":"L1","regRate":0.001}`)
	if err != nil {
		t.Fatal(err)
	}
	s, err := newSession(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.step(context.Background(), 3); err != nil {
		t.Fatal(err)
	}
	b, err := s.model()
	if err != nil {
		t.Fatal(err)
	}
	net, err := ann.Load(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("ann.Load of the downloaded model: %v", err)
	}
	if got := net.Meta().FeatureNames; !slices.Equal(got, []string{"x1", "x2", "x1x2"}) {
		t.Errorf("model feature names %v, want x1, x2, x1x2", got)
	}
	want, err := s.net.Predict(s.test.X)
	if err != nil {
		t.Fatal(err)
	}
	got, err := net.Predict(s.test.X)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.Rows {
		if got.At(i, 0) != want.At(i, 0) {
			t.Fatalf("test point %d: loaded model predicts %v, the page's network %v", i, got.At(i, 0), want.At(i, 0))
		}
	}
}

// TestSessionRegression: problem=regression with reg-plane and no hidden
// layer is a linear output on x1, x2, which fits the plane: the test loss
// falls from its initial value below 0.01; the data are Playground's 1200
// points.
func TestSessionRegression(t *testing.T) {
	c, err := parseConfig(`{"problem":"regression","regDataset":"reg-plane","hidden":[],"activation":"linear","seed":"0.123"}`)
	if err != nil {
		t.Fatal(err)
	}
	if c.Points != 1200 {
		t.Errorf("regression points %d, want Playground's 1200", c.Points)
	}
	s, err := newSession(c)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.resetReply()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Train)+len(r.Test) != 1200 {
		t.Fatalf("%d+%d points", len(r.Train), len(r.Test))
	}
	// Targets are (x1+x2)/10, not ±1.
	if p := r.Train[0]; math.Abs(float64(p[2])-float64(p[0]+p[1])/10) > 1e-6 {
		t.Errorf("point %v: target is not (x1+x2)/10", p)
	}
	st, err := s.step(context.Background(), 20)
	if err != nil {
		t.Fatal(err)
	}
	if !(st.TestLoss < 0.01) || !(r.Stats.TestLoss > 0.01) {
		t.Errorf("regression test loss %v → %v after 20 epochs, want from above to below 0.01", r.Stats.TestLoss, st.TestLoss)
	}
}

// TestSessionFeatures: xTimesY alone, no hidden layer, a linear output:
// the xor problem becomes linear and is learnt; x and y alone cannot
// learn it. This is the page's first feature-engineering lesson.
func TestSessionFeatures(t *testing.T) {
	loss := func(features string) float64 {
		c, err := parseConfig(`{"dataset":"xor","hidden":[],"activation":"linear","features":` + features + `}`)
		if err != nil {
			t.Fatal(err)
		}
		s, err := newSession(c)
		if err != nil {
			t.Fatal(err)
		}
		st, err := s.step(context.Background(), 50)
		if err != nil {
			t.Fatal(err)
		}
		return st.TestLoss
	}
	if l := loss(`["xTimesY"]`); !(l < 0.1) {
		t.Errorf("xor on x1x2: test loss %v, want below 0.1", l)
	}
	if l := loss(`["x","y"]`); !(l > 0.3) {
		t.Errorf("xor on x1, x2 with no hidden layer: test loss %v, want above 0.3", l)
	}
}

// TestSessionNeuronsAndWeights: annNeurons' last node is the output that
// annGrid draws; its first is the x1 feature scaled by 1/6; editing a
// weight changes it in the network and in annWeights.
func TestSessionNeuronsAndWeights(t *testing.T) {
	c, _ := parseConfig(`{"dataset":"circle","hidden":[3,2],"activation":"tanh","features":["x","y","xSquared"]}`)
	s, err := newSession(c)
	if err != nil {
		t.Fatal(err)
	}
	const n = 5
	v, err := s.neurons(n)
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != (3+3+2+1)*n*n {
		t.Fatalf("%d values, want %d nodes × %d", len(v), 3+3+2+1, n*n)
	}
	out, err := s.outputs(n)
	if err != nil {
		t.Fatal(err)
	}
	last := v[len(v)-n*n:]
	for i := range out {
		if math.Abs(float64(last[i]-out[i])) > 1e-5 {
			t.Fatalf("pixel %d: output node %v, annGrid %v", i, last[i], out[i])
		}
	}
	if left := v[0]; math.Abs(float64(left)-(-6+1.2)/6) > 1e-6 {
		t.Errorf("x1 node at the left column: %v, want %v", left, (-6+1.2)/6)
	}
	if err := s.setWeight(1, 2, 1, 0.75); err != nil {
		t.Fatal(err)
	}
	if w := s.weights().Layers[1].W[2][1]; w != 0.75 {
		t.Errorf("weight after setWeight: %v, want 0.75", w)
	}
	for _, bad := range [][3]int{{3, 0, 0}, {1, 3, 0}, {1, 0, 2}, {-1, 0, 0}} {
		if err := s.setWeight(bad[0], bad[1], bad[2], 1); !errors.Is(err, ann.ErrValue) {
			t.Errorf("setWeight%v: %v, want ErrValue", bad, err)
		}
	}
	if err := s.setWeight(0, 0, 0, math.NaN()); !errors.Is(err, ann.ErrValue) {
		t.Errorf("setWeight NaN: %v, want ErrValue", err)
	}
}
