package ann

import (
	"fmt"
	"math"
	"math/rand/v2"
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

// PlaygroundKinds returns the names PlaygroundData accepts, in the order of
// Playground's data menu: "circle", "xor", "gauss", "spiral".
func PlaygroundKinds() []string {
	kinds := playgroundKinds()
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.name
	}
	return names
}

// PlaygroundData generates n points of one of TensorFlow Playground's
// classification problems (see PlaygroundKinds):
//
//   - circle: class +1 is a disc of radius 2.5 around the origin, class −1 a
//     ring between radii 3.5 and 5;
//   - xor: points uniform in the four quadrants, kept 0.3 away from the axes,
//     labelled by the sign of x·y (+1 for the first and third quadrant);
//   - gauss: two Gaussian clouds around (2, 2) (+1) and (−2, −2) (−1) whose
//     variance grows with noise from 0.5 to 4;
//   - spiral: two interleaved spirals of radius 5, 1.75 turns each.
//
// noise is Playground's slider value, 0 to 50 (percent). As in Playground,
// it jitters the points of the spiral, widens the Gaussians, and for circle
// and xor it perturbs the position at which a point's label is decided, so
// that some labels land on the wrong side of the true boundary.
//
// Half the points (rounded up) are generated as class +1 and half as −1, as
// Playground does, and then shuffled so that any prefix is a fair sample.
// Points stay within −6..6 except for gauss, whose clouds are unbounded
// normal draws as in Playground (at noise 0 a point leaves the square with
// probability below 10⁻⁸; at noise 50 with about 2 %).
//
// The result has X n×2 (columns "x1", "x2"), Y n×1 holding the targets −1
// and +1 (for a tanh output and squared loss, as Playground trains), and
// Labels 0 for −1 and 1 for +1 with Classes {"-1", "1"}. The same kind, n,
// noise and seed always give the same data.
//
// An unknown kind, n < 1 or n > 2²⁴, or noise outside [0, 50] (or NaN) is an
// ErrValue.
func PlaygroundData(kind string, n int, noise float64, seed uint64) (*Dataset, error) {
	var gen playgroundGenerator
	for _, k := range playgroundKinds() {
		if k.name == kind {
			gen = k.gen
		}
	}
	if gen == nil {
		return nil, fmt.Errorf("%w: unknown playground data set %q (want one of %v)", ErrValue, kind, PlaygroundKinds())
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
