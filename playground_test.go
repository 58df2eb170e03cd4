package ann

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
)

// playgroundEps32 is float32's machine epsilon: coordinates are generated in float64
// and stored as float32, so geometric checks allow a few ulps of rounding.
const playgroundEps32 = 0x1p-23

func mustPlayground(t *testing.T, kind string, n int, noise float64, seed uint64) *Dataset {
	t.Helper()
	d, err := PlaygroundData(kind, n, noise, seed)
	if err != nil {
		t.Fatalf("PlaygroundData(%q, %d, %v, %d): %v", kind, n, noise, seed, err)
	}
	return d
}

func TestPlaygroundKinds(t *testing.T) {
	want := []string{"circle", "xor", "gauss", "spiral"}
	if got := PlaygroundKinds(); !slices.Equal(got, want) {
		t.Fatalf("PlaygroundKinds() = %v, want %v", got, want)
	}
	// The returned slice is a copy: changing it must not change the kinds.
	PlaygroundKinds()[0] = "square"
	if _, err := PlaygroundData("circle", 4, 0, 1); err != nil {
		t.Fatalf("circle after mutating the returned slice: %v", err)
	}
}

// TestPlaygroundShape checks the Dataset's fields and that Y, Labels and
// Classes agree, for every kind and for odd and tiny n.
func TestPlaygroundShape(t *testing.T) {
	for _, kind := range PlaygroundKinds() {
		for _, n := range []int{1, 2, 7, 200} {
			t.Run(fmt.Sprintf("%s/%d", kind, n), func(t *testing.T) {
				d := mustPlayground(t, kind, n, 25, 3)
				if d.Len() != n || d.X.Rows != n || d.X.Cols != 2 || d.Y.Rows != n || d.Y.Cols != 1 || len(d.Labels) != n {
					t.Fatalf("shapes: X %d×%d, Y %d×%d, %d labels; want %d rows", d.X.Rows, d.X.Cols, d.Y.Rows, d.Y.Cols, len(d.Labels), n)
				}
				if err := d.X.Check(); err != nil {
					t.Fatal(err)
				}
				if err := d.Y.Check(); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(d.Classes, []string{"-1", "1"}) || !slices.Equal(d.FeatureNames, []string{"x1", "x2"}) {
					t.Fatalf("Classes %v, FeatureNames %v", d.Classes, d.FeatureNames)
				}
				for i := range n {
					y := d.Y.Data[i]
					if (y != -1 && y != 1) || (y == 1) != (d.Labels[i] == 1) || (y == -1) != (d.Labels[i] == 0) {
						t.Fatalf("row %d: Y %v, label %d", i, y, d.Labels[i])
					}
				}
			})
		}
	}
}

func TestPlaygroundDeterministic(t *testing.T) {
	for _, kind := range PlaygroundKinds() {
		a := mustPlayground(t, kind, 101, 35, 42)
		b := mustPlayground(t, kind, 101, 35, 42)
		c := mustPlayground(t, kind, 101, 35, 43)
		if !slices.Equal(a.X.Data, b.X.Data) || !slices.Equal(a.Y.Data, b.Y.Data) || !slices.Equal(a.Labels, b.Labels) {
			t.Errorf("%s: same seed gave different data", kind)
		}
		if slices.Equal(a.X.Data, c.X.Data) {
			t.Errorf("%s: seeds 42 and 43 gave the same points", kind)
		}
	}
}

// TestPlaygroundBalance: circle, gauss and spiral generate ⌈n/2⌉ positive
// and ⌊n/2⌋ negative points (circle only while no noise flips a label). xor
// labels each point by a fair coin in effect, so its count of positives is
// Binomial(n, ½); five standard deviations keep a fixed seed far from the
// edge while still catching a biased generator.
func TestPlaygroundBalance(t *testing.T) {
	positives := func(d *Dataset) int {
		c := 0
		for _, l := range d.Labels {
			c += l
		}
		return c
	}
	for _, kind := range []string{"circle", "gauss", "spiral"} {
		for _, n := range []int{1, 2, 99, 500} {
			noise := 50.0
			if kind == "circle" {
				noise = 0
			}
			if got, want := positives(mustPlayground(t, kind, n, noise, 7)), (n+1)/2; got != want {
				t.Errorf("%s n=%d: %d positives, want %d", kind, n, got, want)
			}
		}
	}
	const n = 4000
	for _, noise := range []float64{0, 50} {
		got := positives(mustPlayground(t, "xor", n, noise, 7))
		if sd := math.Sqrt(n) / 2; math.Abs(float64(got)-n/2) > 5*sd {
			t.Errorf("xor noise %v: %d of %d positive, want %d ± %.0f", noise, got, n, n/2, 5*sd)
		}
	}
}

// TestPlaygroundRange checks the bounds each generator implies: circle's
// outer ring has radius 5, xor's padded coordinates reach 5.3, spiral arms
// reach radius 5 plus at most 0.5 of jitter per coordinate. gauss is
// unbounded; at noise 0 (sd 0.71) a fixed seed stays well inside ±6.
func TestPlaygroundRange(t *testing.T) {
	bound := map[string]float64{"circle": 5, "xor": 5.3, "spiral": 5.5, "gauss": 6}
	for _, kind := range PlaygroundKinds() {
		for _, noise := range []float64{0, 50} {
			if kind == "gauss" && noise > 0 {
				continue
			}
			d := mustPlayground(t, kind, 1000, noise, 11)
			b := bound[kind] * (1 + 4*playgroundEps32)
			for i, v := range d.X.Data {
				if math.IsNaN(float64(v)) || math.Abs(float64(v)) > b {
					t.Fatalf("%s noise %v: coordinate %d = %v outside ±%v", kind, noise, i, v, bound[kind])
				}
			}
		}
	}
}

func TestPlaygroundCircle(t *testing.T) {
	d := mustPlayground(t, "circle", 1000, 0, 5)
	tol := 4 * playgroundEps32 * 5
	for i := range d.Len() {
		r := math.Hypot(float64(d.X.Data[2*i]), float64(d.X.Data[2*i+1]))
		if d.Y.Data[i] == 1 && r > 2.5+tol {
			t.Fatalf("point %d: +1 at radius %v, want < 2.5", i, r)
		}
		if d.Y.Data[i] == -1 && (r < 3.5-tol || r > 5+tol) {
			t.Fatalf("point %d: −1 at radius %v, want in [3.5, 5]", i, r)
		}
	}
	// With noise the label is read at a perturbed position, so some points
	// carry the label of the other side; their positions stay in the rings.
	d = mustPlayground(t, "circle", 1000, 50, 5)
	flipped := 0
	for i := range d.Len() {
		r := math.Hypot(float64(d.X.Data[2*i]), float64(d.X.Data[2*i+1]))
		if (r < 2.5) != (d.Y.Data[i] == 1) {
			flipped++
		}
		if r > 2.5+tol && r < 3.5-tol {
			t.Fatalf("point %d at radius %v, inside the empty band (2.5, 3.5)", i, r)
		}
	}
	if flipped == 0 {
		t.Error("noise 50 flipped no circle label")
	}
}

func TestPlaygroundXOR(t *testing.T) {
	d := mustPlayground(t, "xor", 1000, 0, 9)
	quadrants := map[[2]bool]int{}
	for i := range d.Len() {
		x, y := d.X.Data[2*i], d.X.Data[2*i+1]
		if math.Abs(float64(x)) < 0.3 || math.Abs(float64(y)) < 0.3 {
			t.Fatalf("point %d (%v, %v) inside the 0.3 padding band", i, x, y)
		}
		want := float32(-1)
		if x*y >= 0 {
			want = 1
		}
		if d.Y.Data[i] != want {
			t.Fatalf("point %d (%v, %v): label %v, want sign(x·y) = %v", i, x, y, d.Y.Data[i], want)
		}
		quadrants[[2]bool{x > 0, y > 0}]++
	}
	if len(quadrants) != 4 {
		t.Errorf("points cover %d quadrants, want 4", len(quadrants))
	}
	d = mustPlayground(t, "xor", 1000, 50, 9)
	flipped := 0
	for i := range d.Len() {
		if (d.X.Data[2*i]*d.X.Data[2*i+1] >= 0) != (d.Y.Data[i] == 1) {
			flipped++
		}
	}
	if flipped == 0 {
		t.Error("noise 50 flipped no xor label")
	}
}

// TestPlaygroundGauss checks each cloud's mean and variance against the
// generator's parameters. With m points per cloud the sample mean has
// standard error sqrt(v/m) and the sample variance sqrt(2/(m−1))·v; the
// tolerances are five of those.
func TestPlaygroundGauss(t *testing.T) {
	const n = 8000
	for _, tc := range []struct{ noise, variance float64 }{{0, 0.5}, {25, 2.25}, {50, 4}} {
		if got := playgroundGaussVariance(tc.noise / 100); math.Abs(got-tc.variance) > 1e-12 {
			t.Errorf("variance at noise %v = %v, want %v", tc.noise, got, tc.variance)
		}
		d := mustPlayground(t, "gauss", n, tc.noise, 13)
		for _, label := range []float32{1, -1} {
			var xs []float64
			for i := range d.Len() {
				if d.Y.Data[i] == label {
					xs = append(xs, float64(d.X.Data[2*i]), float64(d.X.Data[2*i+1]))
				}
			}
			m := float64(len(xs))
			mean, sq := 0.0, 0.0
			for _, v := range xs {
				mean += v
			}
			mean /= m
			for _, v := range xs {
				sq += (v - mean) * (v - mean)
			}
			variance := sq / (m - 1)
			wantMean := 2 * float64(label)
			if math.Abs(mean-wantMean) > 5*math.Sqrt(tc.variance/m) {
				t.Errorf("noise %v, class %v: mean %v, want %v", tc.noise, label, mean, wantMean)
			}
			if math.Abs(variance-tc.variance) > 5*math.Sqrt(2/(m-1))*tc.variance {
				t.Errorf("noise %v, class %v: variance %v, want %v", tc.noise, label, variance, tc.variance)
			}
		}
	}
}

// TestPlaygroundSpiral checks that without noise every point lies on its
// arm: a point at radius r sits at fraction f = r/5 of the way along, where
// the +1 arm has angle 3.5πf and the −1 arm the same plus π. The tolerance
// covers float32 storage of coordinates up to 5 in size, whose error the
// angle's slope (3.5π/5 per unit of radius) carries around the arm.
func TestPlaygroundSpiral(t *testing.T) {
	// The arm written out independently of the generator: Playground's
	// r = 5f, t = 1.75·2π·f + δ, with x = r·sin t, y = r·cos t.
	spiralArm := func(r, delta float64) (x, y float64) {
		t := 3.5*math.Pi*r/5 + delta
		return r * math.Sin(t), r * math.Cos(t)
	}
	d := mustPlayground(t, "spiral", 600, 0, 17)
	tol := 16 * playgroundEps32 * 5 * (1 + 5*3.5*math.Pi/5)
	for i := range d.Len() {
		x, y := float64(d.X.Data[2*i]), float64(d.X.Data[2*i+1])
		delta := 0.0
		if d.Y.Data[i] == -1 {
			delta = math.Pi
		}
		wx, wy := spiralArm(math.Hypot(x, y), delta)
		if math.Hypot(x-wx, y-wy) > tol {
			t.Fatalf("point %d (%v, %v), label %v: off its arm, nearest arm point (%v, %v)", i, x, y, d.Y.Data[i], wx, wy)
		}
	}
	// Noise jitters each coordinate by at most ±0.5 at the top of the slider.
	d = mustPlayground(t, "spiral", 600, 50, 17)
	moved := false
	for i := range d.Len() {
		x, y := float64(d.X.Data[2*i]), float64(d.X.Data[2*i+1])
		if math.Hypot(x, y) > 5*(1+4*playgroundEps32)+0.5*math.Sqrt2 {
			t.Fatalf("point %d (%v, %v) too far out for jitter 0.5", i, x, y)
		}
		delta := 0.0
		if d.Y.Data[i] == -1 {
			delta = math.Pi
		}
		wx, wy := spiralArm(math.Hypot(x, y), delta)
		if math.Hypot(x-wx, y-wy) > tol {
			moved = true
		}
	}
	if !moved {
		t.Error("noise 50 moved no spiral point off its arm")
	}
}

func TestPlaygroundBadInput(t *testing.T) {
	for _, tc := range []struct {
		kind  string
		n     int
		noise float64
	}{
		{"moons", 10, 0},
		{"", 10, 0},
		{"Circle", 10, 0},
		{"circle", 0, 0},
		{"circle", -5, 0},
		{"circle", playgroundMaxPoints + 1, 0},
		{"xor", 10, -1},
		{"xor", 10, 50.5},
		{"xor", 10, math.NaN()},
		{"xor", 10, math.Inf(1)},
	} {
		d, err := PlaygroundData(tc.kind, tc.n, tc.noise, 1)
		if !errors.Is(err, ErrValue) || d != nil {
			t.Errorf("PlaygroundData(%q, %d, %v) = %v, %v; want nil, ErrValue", tc.kind, tc.n, tc.noise, d, err)
		}
	}
}

func ExamplePlaygroundData() {
	d, err := PlaygroundData("xor", 200, 0, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.X.Rows, d.X.Cols, d.Classes, d.FeatureNames)
	// Every xor label is the sign of x·y when there is no noise.
	agree := 0
	for i := range d.Len() {
		if (d.X.Data[2*i]*d.X.Data[2*i+1] >= 0) == (d.Labels[i] == 1) {
			agree++
		}
	}
	fmt.Println(agree, "of", d.Len())
	// Output:
	// 200 2 [-1 1] [x1 x2]
	// 200 of 200
}

// playgroundRefGauss is reg-gauss's label written from Playground's
// dataset.ts independently of the generator: the signed bump
// sign·clamp(1 − d/2, 0, 1) of largest magnitude over the six centres.
func playgroundRefGauss(x, y float64) float64 {
	centres := []struct{ cx, cy, sign float64 }{
		{-4, 2.5, 1}, {0, 2.5, -1}, {4, 2.5, 1}, {-4, -2.5, -1}, {0, -2.5, 1}, {4, -2.5, -1},
	}
	best := 0.0
	for _, c := range centres {
		d := math.Sqrt((x-c.cx)*(x-c.cx) + (y-c.cy)*(y-c.cy))
		v := 1 - d/2
		if v < 0 {
			v = 0
		}
		if v > 1 {
			v = 1
		}
		if math.Abs(c.sign*v) > math.Abs(best) {
			best = c.sign * v
		}
	}
	return best
}

// TestPlaygroundRegression checks reg-plane and reg-gauss against
// Playground's formulas: at noise 0 every target is the formula at the
// point (up to float32 rounding), points fill the −6..6 square, and noise
// moves targets off the surface.
func TestPlaygroundRegression(t *testing.T) {
	if got, want := PlaygroundRegressionKinds(), []string{"reg-plane", "reg-gauss"}; !slices.Equal(got, want) {
		t.Fatalf("PlaygroundRegressionKinds() = %v, want %v", got, want)
	}
	refs := map[string]func(x, y float64) float64{
		// labelScale maps −10..10 to −1..1 without clamping.
		"reg-plane": func(x, y float64) float64 { return (x + y) / 20 * 2 },
		"reg-gauss": playgroundRefGauss,
	}
	for kind, ref := range refs {
		d := mustPlayground(t, kind, 1200, 0, 3)
		if d.Labels != nil || d.Classes != nil || d.Y.Rows != 1200 || d.Y.Cols != 1 || d.X.Cols != 2 {
			t.Fatalf("%s: labels %v, classes %v, Y %d×%d, X cols %d; want a regression set", kind, d.Labels != nil, d.Classes, d.Y.Rows, d.Y.Cols, d.X.Cols)
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		quadrants := [4]int{}
		for i := range d.Len() {
			x, y := float64(d.X.At(i, 0)), float64(d.X.At(i, 1))
			if math.Abs(x) > 6 || math.Abs(y) > 6 {
				t.Fatalf("%s: point (%v, %v) outside −6..6", kind, x, y)
			}
			q := 0
			if x > 0 {
				q++
			}
			if y > 0 {
				q += 2
			}
			quadrants[q]++
			// X is float32, so the formula is evaluated at a point up
			// to 6·2⁻²⁴ away; both targets have slope ≤ 0.5.
			got, want := float64(d.Y.At(i, 0)), ref(x, y)
			if math.Abs(got-want) > 8*6*playgroundEps32 {
				t.Fatalf("%s point %d (%v, %v): target %v, Playground's formula gives %v", kind, i, x, y, got, want)
			}
			lo, hi = min(lo, got), max(hi, got)
		}
		for q, c := range quadrants {
			if c < 1200/4/2 {
				t.Errorf("%s: %d of 1200 points in quadrant %d: not uniform over the square", kind, c, q)
			}
		}
		// The plane spans ±1.2, the bumps reach near ±1.
		if lo > -0.8 || hi < 0.8 {
			t.Errorf("%s: targets span [%v, %v], want past ±0.8", kind, lo, hi)
		}
		noisy := mustPlayground(t, kind, 1200, 50, 3)
		off := 0
		for i := range noisy.Len() {
			if math.Abs(float64(noisy.Y.At(i, 0))-ref(float64(noisy.X.At(i, 0)), float64(noisy.X.At(i, 1)))) > 0.05 {
				off++
			}
		}
		if off < 1200/4 {
			t.Errorf("%s at noise 50: %d of 1200 targets off the surface by more than 0.05, want many", kind, off)
		}
	}
	// Spot values straight from the formulas.
	for _, c := range []struct{ x, y, want float64 }{
		{-4, 2.5, 1}, {0, 2.5, -1}, {4, -2.5, -1}, {0, -1.5, 0.5}, {-6, 0, 0}, {2, 0, 0},
	} {
		if got := playgroundGaussTarget(c.x, c.y); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("reg-gauss target at (%v, %v) = %v, want %v", c.x, c.y, got, c.want)
		}
	}
	if got := playgroundPlaneTarget(6, 6); math.Abs(got-1.2) > 1e-12 {
		t.Errorf("reg-plane target at (6, 6) = %v, want 1.2", got)
	}
}

// TestPlaygroundFeatures checks the seven features against Playground's
// INPUTS formulas, the column order following the names, and the errors.
func TestPlaygroundFeatures(t *testing.T) {
	want := []string{"x", "y", "xSquared", "ySquared", "xTimesY", "sinX", "sinY"}
	if got := PlaygroundFeatureNames(); !slices.Equal(got, want) {
		t.Fatalf("PlaygroundFeatureNames() = %v, want %v", got, want)
	}
	pts := [][2]float64{{1.5, -2}, {-5.25, 4}, {0, 0.5}}
	x, err := NewMatrix(len(pts), 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range pts {
		x.Set(i, 0, float32(p[0]))
		x.Set(i, 1, float32(p[1]))
	}
	ref := map[string]func(a, b float64) float64{
		"x": func(a, _ float64) float64 { return a }, "y": func(_, b float64) float64 { return b },
		"xSquared": func(a, _ float64) float64 { return a * a }, "ySquared": func(_, b float64) float64 { return b * b },
		"xTimesY": func(a, b float64) float64 { return a * b },
		"sinX":    func(a, _ float64) float64 { return math.Sin(a) }, "sinY": func(_, b float64) float64 { return math.Sin(b) },
	}
	names := []string{"sinY", "xTimesY", "x", "ySquared", "sinX", "xSquared", "y"}
	f, labels, err := PlaygroundFeatures(x, names)
	if err != nil {
		t.Fatal(err)
	}
	if f.Rows != len(pts) || f.Cols != len(names) || len(labels) != len(names) {
		t.Fatalf("features %d×%d with %d labels, want %d×%d", f.Rows, f.Cols, len(labels), len(pts), len(names))
	}
	for i, p := range pts {
		for j, name := range names {
			w := ref[name](p[0], p[1])
			if got := float64(f.At(i, j)); math.Abs(got-w) > playgroundEps32*math.Max(1, math.Abs(w)) {
				t.Errorf("point %v feature %s = %v, want %v", p, name, got, w)
			}
		}
	}
	if labels[1] != "x1x2" || labels[2] != "x1" {
		t.Errorf("labels %v: want Playground's x1x2 for xTimesY and x1 for x", labels)
	}
	three, _ := NewMatrix(1, 3)
	for _, c := range []struct {
		x     Matrix
		names []string
		want  error
	}{
		{x, nil, ErrValue},
		{x, []string{"cosX"}, ErrValue},
		{x, []string{"x", "y", "x"}, ErrValue},
		{three, []string{"x"}, ErrShape},
	} {
		if _, _, err := PlaygroundFeatures(c.x, c.names); !errors.Is(err, c.want) {
			t.Errorf("PlaygroundFeatures(%d cols, %v): error %v, want %v", c.x.Cols, c.names, err, c.want)
		}
	}
}

// l1Net is a one-weight linear network y = w·x + b trained with SGD at lr
// and L1 at lambda, starting from weight w0 and bias 0.
func l1Net(t *testing.T, w0, lr, lambda float64, opts ...L1Option) *Network {
	t.Helper()
	net, err := New(1).Dense(1, Identity).Loss(HalfSquaredError).Reduction(MeanReduction).
		Optimizer(SGD(lr)).L1(lambda, opts...).Init(Uniform(0.5, 0)).Build()
	if err != nil {
		t.Fatal(err)
	}
	net.Layers()[0].Weights.Data[0] = float32(w0)
	return net
}

// TestL1ClipAtZero follows Playground's updateWeights step by step on a
// one-weight network: the loss step w′ = w − η·g, then w″ = w′ − η·λ·sign(w),
// and a w″ across zero from w′ becomes exactly 0. Without the option the
// same network takes the ordinary step w − η·(g + λ·sign(w)) and oscillates
// around zero instead.
func TestL1ClipAtZero(t *testing.T) {
	const lr, lambda, w0 = 0.1, 0.5, 0.12
	one := func(v float32) Matrix {
		m, err := NewMatrix(1, 1)
		if err != nil {
			t.Fatal(err)
		}
		m.Data[0] = v
		return m
	}
	// Input 1 and target 0.03: the loss alone would pull w towards
	// 0.03 − b; the L1 step η·λ = 0.05 then crosses zero.
	x, y := one(1), one(0.03)
	sign := func(v float64) float64 {
		switch {
		case v > 0:
			return 1
		case v < 0:
			return -1
		}
		return 0
	}
	for _, clip := range []bool{true, false} {
		var opts []L1Option
		if clip {
			opts = append(opts, L1ClipAtZero())
		}
		net := l1Net(t, w0, lr, lambda, opts...)
		w, b := float64(w0), 0.0
		sawZero, sawNegative := false, false
		for step := range 6 {
			if _, err := net.Train(t.Context(), x, y, 1, BatchSize(1), Shuffle(false)); err != nil {
				t.Fatal(err)
			}
			// Playground's update, in float64.
			g := w*1 + b - 0.03
			nb := b - lr*g
			w1 := w - lr*g*1
			w2 := w1 - lr*lambda*sign(w)
			if clip {
				if w1*w2 < 0 {
					w2 = 0
				}
			} else {
				w2 = w - lr*(g+lambda*sign(w))
			}
			w, b = w2, nb
			got := float64(net.Layers()[0].Weights.Data[0])
			if math.Abs(got-w) > 1e-6 {
				t.Fatalf("clip %v, step %d: weight %v, Playground's rule gives %v", clip, step+1, got, w)
			}
			if w == 0 && got != 0 {
				t.Fatalf("clip %v, step %d: weight %v, want exactly 0", clip, step+1, got)
			}
			sawZero = sawZero || got == 0
			sawNegative = sawNegative || got < 0
		}
		if clip && (!sawZero || sawNegative) {
			t.Errorf("clip: weight reached 0 %v, went negative %v; want clipped at 0, never negative", sawZero, sawNegative)
		}
		if !clip && (sawZero || !sawNegative) {
			t.Errorf("no clip: weight reached 0 %v, went negative %v; want it to cross zero", sawZero, sawNegative)
		}
	}
}

// TestL1ClipAtZeroSaved: the option survives Save and Load, so a loaded
// network goes on training the same way.
func TestL1ClipAtZeroSaved(t *testing.T) {
	net := l1Net(t, 0.04, 0.1, 0.5, L1ClipAtZero())
	var buf bytes.Buffer
	if err := net.Save(&buf); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := NewMatrix(1, 1) // input 0: only the L1 step moves the weight
	y, _ := NewMatrix(1, 1)
	for _, n := range []*Network{net, loaded} {
		if _, err := n.Train(t.Context(), x, y, 1, BatchSize(1)); err != nil {
			t.Fatal(err)
		}
		if w := n.Layers()[0].Weights.Data[0]; w != 0 {
			t.Errorf("weight 0.04 after an L1 step of 0.05: %v, want exactly 0 (loaded network: %v)", w, n == loaded)
		}
	}
}

// TestPlaygroundSeed: integers stand for themselves, other text hashes to
// a fixed value, different texts to different seeds.
func TestPlaygroundSeed(t *testing.T) {
	if got := PlaygroundSeed("7"); got != 7 {
		t.Errorf("PlaygroundSeed(7) = %d", got)
	}
	a, b := PlaygroundSeed("0.12345"), PlaygroundSeed("0.12346")
	if a == b || a != PlaygroundSeed("0.12345") || a == 0 {
		t.Errorf("PlaygroundSeed(0.12345) = %d, (0.12346) = %d: want distinct, stable, non-zero", a, b)
	}
}
