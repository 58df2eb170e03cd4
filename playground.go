package ann

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
)

// Playground data sets: the four classification problems of TensorFlow
// Playground (playground.tensorflow.org), generated the way its dataset.ts
// does, so that a network trained here can be compared with one trained in
// the browser. Points live in Playground's square −6..6 domain; the label
// of each point is ±1.

// playgroundMaxPoints bounds n so that a typo is an error, not an attempt to
// allocate gigabytes: Playground itself uses 500 points, and a heat map of a
// million is already unreadable.
const playgroundMaxPoints = 1 << 24

// playgroundMaxNoise is the top of Playground's noise slider (0–50 %).
const playgroundMaxNoise = 50

// playgroundGenerator returns n labelled points. noise is the slider value
// divided by 100, as Playground passes it to its generators. Labels travel
// with the points because noise may put a point's label on the wrong side
// of the boundary, so class counts are not fixed for every kind.
type playgroundGenerator func(r *rand.Rand, n int, noise float64) []playgroundPoint

type playgroundPoint struct {
	x, y  float64
	label float64 // −1 or +1
}

// playgroundKinds lists the generators in Playground's menu order. It is a
// function rather than a package variable so that no caller can mutate it.
func playgroundKinds() []struct {
	name string
	gen  playgroundGenerator
} {
	return []struct {
		name string
		gen  playgroundGenerator
	}{
		{"circle", playgroundCircle},
		{"xor", playgroundXOR},
		{"gauss", playgroundGauss},
		{"spiral", playgroundSpiral},
	}
}

// playgroundRegressionKinds lists the regression generators in the order
// of Playground's regression data menu.
func playgroundRegressionKinds() []struct {
	name string
	gen  playgroundGenerator
} {
	return []struct {
		name string
		gen  playgroundGenerator
	}{
		{"reg-plane", playgroundRegPlane},
		{"reg-gauss", playgroundRegGauss},
	}
}

// PlaygroundKinds returns the classification data sets PlaygroundData
// accepts, in the order of Playground's data menu: "circle", "xor",
// "gauss", "spiral".
func PlaygroundKinds() []string {
	kinds := playgroundKinds()
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.name
	}
	return names
}

// PlaygroundRegressionKinds returns the regression data sets PlaygroundData
// accepts, under Playground's names (its URL's regDataset values), in the
// order of its regression menu: "reg-plane", "reg-gauss".
func PlaygroundRegressionKinds() []string {
	kinds := playgroundRegressionKinds()
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.name
	}
	return names
}

// PlaygroundData generates n points of one of TensorFlow Playground's
// classification problems (see PlaygroundKinds) or regression problems
// (see PlaygroundRegressionKinds):
//
//   - circle: class +1 is a disc of radius 2.5 around the origin, class −1 a
//     ring between radii 3.5 and 5;
//   - xor: points uniform in the four quadrants, kept 0.3 away from the axes,
//     labelled by the sign of x·y (+1 for the first and third quadrant);
//   - gauss: two Gaussian clouds around (2, 2) (+1) and (−2, −2) (−1) whose
//     variance grows with noise from 0.5 to 4;
//   - spiral: two interleaved spirals of radius 5, 1.75 turns each;
//   - reg-plane: points uniform in −6..6, target (x1+x2)/10, a plane from
//     −1.2 to 1.2 over the square;
//   - reg-gauss: points uniform in −6..6, target the strongest of six
//     signed bumps at (±4 or 0, ±2.5), each 1 at its centre falling
//     linearly to 0 at distance 2 (sign + at (−4, 2.5), (4, 2.5) and
//     (0, −2.5), − at the other three).
//
// noise is Playground's slider value, 0 to 50 (percent). As in Playground,
// it jitters the points of the spiral, widens the Gaussians, and for
// circle, xor and both regression sets it perturbs the position at which a
// point's target is read, so that some labels land on the wrong side of
// the true boundary and regression targets scatter around the surface.
//
// For classification half the points (rounded up) are generated as class
// +1 and half as −1, as Playground does; every kind is then shuffled so
// that any prefix is a fair sample.
// Points stay within −6..6 except for gauss, whose clouds are unbounded
// normal draws as in Playground (at noise 0 a point leaves the square with
// probability below 10⁻⁸; at noise 50 with about 2 %).
//
// The result has X n×2 (columns "x1", "x2"), Y n×1 holding the targets −1
// and +1 (for a tanh output and squared loss, as Playground trains), and
// Labels 0 for −1 and 1 for +1 with Classes {"-1", "1"}. A regression set
// has Y holding the targets in [−1.2, 1.2] and no Labels or Classes. The
// same kind, n, noise and seed always give the same data.
//
// An unknown kind, n < 1 or n > 2²⁴, or noise outside [0, 50] (or NaN) is an
// ErrValue.
func PlaygroundData(kind string, n int, noise float64, seed uint64) (*Dataset, error) {
	var gen playgroundGenerator
	regression := false
	for _, k := range playgroundKinds() {
		if k.name == kind {
			gen = k.gen
		}
	}
	for _, k := range playgroundRegressionKinds() {
		if k.name == kind {
			gen, regression = k.gen, true
		}
	}
	if gen == nil {
		return nil, fmt.Errorf("%w: unknown playground data set %q (want one of %v or %v)", ErrValue, kind, PlaygroundKinds(), PlaygroundRegressionKinds())
	}
	if n < 1 || n > playgroundMaxPoints {
		return nil, fmt.Errorf("%w: playground data set needs 1 to %d points, got %d", ErrValue, playgroundMaxPoints, n)
	}
	if !(noise >= 0 && noise <= playgroundMaxNoise) {
		return nil, fmt.Errorf("%w: playground noise must be in [0, %d], got %v", ErrValue, playgroundMaxNoise, noise)
	}

	// The second PCG word is fixed so that one seed names one data set;
	// it is arbitrary (the bytes of "playgrnd").
	r := rand.New(rand.NewPCG(seed, 0x706c617967726e64))
	pts := gen(r, n, noise/100)
	r.Shuffle(len(pts), func(i, j int) { pts[i], pts[j] = pts[j], pts[i] })

	x, err := NewMatrix(n, 2)
	if err != nil {
		return nil, err
	}
	y, err := NewMatrix(n, 1)
	if err != nil {
		return nil, err
	}
	labels := make([]int, n)
	for i, p := range pts {
		x.Data[2*i] = float32(p.x)
		x.Data[2*i+1] = float32(p.y)
		y.Data[i] = float32(p.label)
		if p.label > 0 {
			labels[i] = 1
		}
	}
	if regression {
		return &Dataset{X: x, Y: y, FeatureNames: []string{"x1", "x2"}, LabelName: "target"}, nil
	}
	return &Dataset{
		X:            x,
		Y:            y,
		Labels:       labels,
		FeatureNames: []string{"x1", "x2"},
		LabelName:    "label",
		Classes:      []string{"-1", "1"},
	}, nil
}

// playgroundSplit returns how many of n points belong to the positive and
// the negative class. Playground loops to numSamples/2 for each class, which
// for an odd count makes one point too many; here the extra point goes to
// the positive class so that exactly n points come out.
func playgroundSplit(n int) (pos, neg int) { return (n + 1) / 2, n / 2 }

func playgroundUniform(r *rand.Rand, a, b float64) float64 { return a + (b-a)*r.Float64() }

func playgroundCircle(r *rand.Rand, n int, noise float64) []playgroundPoint {
	const radius = 5.0
	label := func(x, y float64) float64 {
		if math.Hypot(x, y) < radius*0.5 {
			return 1
		}
		return -1
	}
	pos, neg := playgroundSplit(n)
	pts := make([]playgroundPoint, 0, n)
	ring := func(count int, rMin, rMax float64) {
		for range count {
			rad := playgroundUniform(r, rMin, rMax)
			angle := playgroundUniform(r, 0, 2*math.Pi)
			x, y := rad*math.Sin(angle), rad*math.Cos(angle)
			// Noise moves only the point at which the label is read, so
			// the picture keeps its clean rings while some labels flip.
			nx := playgroundUniform(r, -radius, radius) * noise
			ny := playgroundUniform(r, -radius, radius) * noise
			pts = append(pts, playgroundPoint{x, y, label(x+nx, y+ny)})
		}
	}
	ring(pos, 0, radius*0.5)
	ring(neg, radius*0.7, radius)
	return pts
}

func playgroundXOR(r *rand.Rand, n int, noise float64) []playgroundPoint {
	const padding = 0.3
	// Shifting each coordinate away from zero leaves an empty band along
	// the axes, so at noise 0 the classes are separated by a margin.
	pad := func(v float64) float64 {
		if v > 0 {
			return v + padding
		}
		return v - padding
	}
	pts := make([]playgroundPoint, 0, n)
	for range n {
		x := pad(playgroundUniform(r, -5, 5))
		y := pad(playgroundUniform(r, -5, 5))
		nx := playgroundUniform(r, -5, 5) * noise
		ny := playgroundUniform(r, -5, 5) * noise
		label := -1.0
		if (x+nx)*(y+ny) >= 0 {
			label = 1
		}
		pts = append(pts, playgroundPoint{x, y, label})
	}
	return pts
}

// playgroundGaussVariance maps noise (0–0.5) linearly to the variance of
// each cloud, 0.5 at no noise up to 4 at the top of the slider.
func playgroundGaussVariance(noise float64) float64 { return 0.5 + noise/0.5*3.5 }

func playgroundGauss(r *rand.Rand, n int, noise float64) []playgroundPoint {
	sd := math.Sqrt(playgroundGaussVariance(noise))
	pos, neg := playgroundSplit(n)
	pts := make([]playgroundPoint, 0, n)
	cloud := func(count int, c, label float64) {
		for range count {
			x := c + sd*r.NormFloat64()
			y := c + sd*r.NormFloat64()
			pts = append(pts, playgroundPoint{x, y, label})
		}
	}
	cloud(pos, 2, 1)
	cloud(neg, -2, -1)
	return pts
}

// playgroundSpiralPoint is the noise-free point at fraction f ∈ [0, 1) along
// a spiral arm rotated by delta: radius 5f, angle 1.75 turns times f.
func playgroundSpiralPoint(f, delta float64) (x, y float64) {
	rad := 5 * f
	t := 1.75*2*math.Pi*f + delta
	return rad * math.Sin(t), rad * math.Cos(t)
}

func playgroundSpiral(r *rand.Rand, n int, noise float64) []playgroundPoint {
	pos, neg := playgroundSplit(n)
	pts := make([]playgroundPoint, 0, n)
	arm := func(count int, delta, label float64) {
		for i := range count {
			x, y := playgroundSpiralPoint(float64(i)/float64(count), delta)
			x += playgroundUniform(r, -1, 1) * noise
			y += playgroundUniform(r, -1, 1) * noise
			pts = append(pts, playgroundPoint{x, y, label})
		}
	}
	arm(pos, 0, 1)
	arm(neg, math.Pi, -1)
	return pts
}

// playgroundRadius is the half-width of Playground's square domain, from
// which the regression sets draw their points.
const playgroundRadius = 6.0

// playgroundPlaneTarget is reg-plane's target: x1+x2 mapped linearly from
// −10..10 to −1..1 (Playground's label scale; it is not clamped, so the
// corners of the square reach ±1.2).
func playgroundPlaneTarget(x, y float64) float64 { return (x + y) / 10 }

// playgroundGaussBumps are reg-gauss's six centres with their signs.
var playgroundGaussBumps = [6][3]float64{
	{-4, 2.5, 1}, {0, 2.5, -1}, {4, 2.5, 1},
	{-4, -2.5, -1}, {0, -2.5, 1}, {4, -2.5, -1},
}

// playgroundGaussTarget is reg-gauss's target: of the six signed bumps
// sign·max(0, 1 − d/2) at distance d from their centres, the one largest
// in absolute value (the first on ties), as Playground's getLabel picks.
func playgroundGaussTarget(x, y float64) float64 {
	label := 0.0
	for _, b := range playgroundGaussBumps {
		v := b[2] * min(1, max(0, 1-math.Hypot(x-b[0], y-b[1])/2))
		if math.Abs(v) > math.Abs(label) {
			label = v
		}
	}
	return label
}

// playgroundRegression draws n points uniform in the square and reads each
// target at the point moved by noise·U(−6, 6) in each direction.
func playgroundRegression(target func(x, y float64) float64) playgroundGenerator {
	return func(r *rand.Rand, n int, noise float64) []playgroundPoint {
		pts := make([]playgroundPoint, 0, n)
		for range n {
			x := playgroundUniform(r, -playgroundRadius, playgroundRadius)
			y := playgroundUniform(r, -playgroundRadius, playgroundRadius)
			nx := playgroundUniform(r, -playgroundRadius, playgroundRadius) * noise
			ny := playgroundUniform(r, -playgroundRadius, playgroundRadius) * noise
			pts = append(pts, playgroundPoint{x, y, target(x+nx, y+ny)})
		}
		return pts
	}
}

func playgroundRegPlane(r *rand.Rand, n int, noise float64) []playgroundPoint {
	return playgroundRegression(playgroundPlaneTarget)(r, n, noise)
}

func playgroundRegGauss(r *rand.Rand, n int, noise float64) []playgroundPoint {
	return playgroundRegression(playgroundGaussTarget)(r, n, noise)
}

// playgroundFeatures lists Playground's input features in the order of its
// page (playground.ts's INPUTS), under the names its URL uses.
func playgroundFeatures() []struct {
	name, label string
	f           func(x, y float64) float64
} {
	return []struct {
		name, label string
		f           func(x, y float64) float64
	}{
		{"x", "x1", func(x, _ float64) float64 { return x }},
		{"y", "x2", func(_, y float64) float64 { return y }},
		{"xSquared", "x1²", func(x, _ float64) float64 { return x * x }},
		{"ySquared", "x2²", func(_, y float64) float64 { return y * y }},
		{"xTimesY", "x1x2", func(x, y float64) float64 { return x * y }},
		{"sinX", "sin(x1)", func(x, _ float64) float64 { return math.Sin(x) }},
		{"sinY", "sin(x2)", func(_, y float64) float64 { return math.Sin(y) }},
	}
}

// PlaygroundFeatureNames returns the names of TensorFlow Playground's seven
// input features, as its URL spells them and in the order of its page:
// "x" (x1), "y" (x2), "xSquared" (x1²), "ySquared" (x2²), "xTimesY" (x1·x2),
// "sinX" (sin x1) and "sinY" (sin x2). (Playground's URL also carries cosX
// and cosY, which its page does not offer; neither does this list.)
func PlaygroundFeatureNames() []string {
	fs := playgroundFeatures()
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.name
	}
	return names
}

// PlaygroundFeatures computes Playground input features from points: x is
// n×2 with the coordinates (x1, x2) in its columns, as PlaygroundData
// returns them, and the result is n×len(names), column j holding feature
// names[j] (see PlaygroundFeatureNames) of each point, computed in float64
// and rounded once. The second result names the columns as Playground
// labels its inputs ("x1", "x2", "x1²", "x2²", "x1x2", "sin(x1)",
// "sin(x2)"), for Dataset.FeatureNames.
//
// x with other than two columns is an ErrShape; no names, an unknown name
// or one named twice is an ErrValue.
func PlaygroundFeatures(x Matrix, names []string) (Matrix, []string, error) {
	if err := x.Check(); err != nil {
		return Matrix{}, nil, err
	}
	if x.Cols != 2 {
		return Matrix{}, nil, fmt.Errorf("%w: playground features need n×2 points (x1, x2), got %d columns", ErrShape, x.Cols)
	}
	if len(names) == 0 {
		return Matrix{}, nil, fmt.Errorf("%w: playground features: no feature selected (want some of %v)", ErrValue, PlaygroundFeatureNames())
	}
	all := playgroundFeatures()
	fs := make([]func(x, y float64) float64, len(names))
	labels := make([]string, len(names))
	for j, name := range names {
		if slices.Contains(names[:j], name) {
			return Matrix{}, nil, fmt.Errorf("%w: playground feature %q named twice", ErrValue, name)
		}
		for _, f := range all {
			if f.name == name {
				fs[j], labels[j] = f.f, f.label
			}
		}
		if fs[j] == nil {
			return Matrix{}, nil, fmt.Errorf("%w: unknown playground feature %q (want one of %v)", ErrValue, name, PlaygroundFeatureNames())
		}
	}
	out, err := NewMatrix(x.Rows, len(names))
	if err != nil {
		return Matrix{}, nil, err
	}
	for i := range x.Rows {
		a, b := float64(x.At(i, 0)), float64(x.At(i, 1))
		row := out.Data[i*out.Stride : i*out.Stride+out.Cols]
		for j, f := range fs {
			row[j] = float32(f(a, b))
		}
	}
	return out, labels, nil
}

// PlaygroundSeed turns the seed of a Playground link (#seed=0.12345; any
// text) into a seed for PlaygroundData and Builder.Seed. A decimal integer
// 0 ≤ s < 2⁶⁴ stands for itself, so `ann playground -seed 7` and
// #seed=7 agree; other text is hashed (64-bit FNV-1a), so one link always
// gives the same data and weights here. (They are not Playground's own
// points: its generator is JavaScript's seeded Math.random.)
func PlaygroundSeed(s string) uint64 {
	if v, err := strconv.ParseUint(s, 10, 64); err == nil {
		return v
	}
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}
