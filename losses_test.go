package ann

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// lossEps64 is float64's machine epsilon, 2⁻⁵².
const lossEps64 = 0x1p-52

func lossAll() []Loss {
	ls := make([]Loss, numLosses)
	for i := range ls {
		ls[i] = Loss(i)
	}
	return ls
}

// lossRef64 is the float64 twin of one example's loss, written from the
// textbook definitions: the regression losses from the outputs y, the
// cross-entropies naively from the logits z (accurate for |z| ≤ 5, where
// neither log(1 + eᶻ) nor Σeᶻ can overflow).
func lossRef64(l Loss, z, y, t []float64) float64 {
	c := float64(len(z))
	var s float64
	switch l {
	case MeanSquaredError:
		for j := range y {
			s += (y[j] - t[j]) * (y[j] - t[j]) / c
		}
	case BinaryCrossEntropy:
		// −t·log σ(z) − (1−t)·log(1−σ(z)), with σ(z) = 1/(1+e⁻ᶻ).
		for j := range z {
			s += (t[j]*math.Log(1+math.Exp(-z[j])) + (1-t[j])*math.Log(1+math.Exp(z[j]))) / c
		}
	case SoftmaxCrossEntropy:
		var sum float64
		for _, v := range z {
			sum += math.Exp(v)
		}
		for j := range z {
			s -= t[j] * math.Log(math.Exp(z[j])/sum)
		}
	case MeanAbsoluteError:
		for j := range y {
			s += math.Abs(y[j]-t[j]) / c
		}
	case Huber:
		for j := range y {
			if e := math.Abs(y[j] - t[j]); e <= 1 {
				s += e * e / 2 / c
			} else {
				s += (e - 0.5) / c
			}
		}
	case HalfSquaredError:
		for j := range y {
			s += (y[j] - t[j]) * (y[j] - t[j]) / 2
		}
	default:
		panic("lossRef64: " + l.String())
	}
	return s
}

// lossDLossDy64 is ∂loss/∂yⱼ of a regression loss, in float64.
func lossDLossDy64(l Loss, y, t float64, cols int) float64 {
	e, c := y-t, float64(cols)
	switch l {
	case MeanSquaredError:
		return 2 * e / c
	case MeanAbsoluteError:
		return math.Copysign(1, e) / c
	case Huber:
		return max(-1, min(1, e)) / c
	case HalfSquaredError:
		return e
	}
	panic("lossDLossDy64: " + l.String())
}

// lossGradErr bounds the float32 rounding error of eval's dzⱼ (ε/2 per
// float32 rounding; y from forward carries at most 3ε/2 relative, Softmax's
// two roundings plus float64 noise):
//   - the gradient factor k = scale·(2 or 1)/cols is rounded once;
//   - BinaryCrossEntropy, k·(y − t): |k|·(Δy + 3ε/2·|y − t|), the
//     subtraction's and product's roundings included;
//   - SoftmaxCrossEntropy, k·(y·T − t) with T = Σt rounded: |k|·(T·Δy +
//     2ε·(|y|·T + |t|));
//   - the regression losses form g = k·(y − t) (sign or clamp for MAE and
//     Huber, exact apart from k), with error Δg ≤ |k|·(Δy + 3ε/2·|y − t|),
//     and pass it through backward, which adds actGradErr for dy = g and
//     turns Δg into |f'|·Δg (elementwise) or yⱼ·(Δgⱼ + Σ Δgₖ·yₖ)
//     (Softmax).
//
// y holds the float32 outputs, g the reference ∂loss/∂y·scale, fp the
// reference f'(zⱼ) of an elementwise activation, dzRef the reference dzⱼ.
func lossGradErr(l Loss, a Activation, z, y, t, g []float64, fp float64, j int, scale, alpha, dzRef float64) float64 {
	c := float64(len(y))
	dy := func(k int) float64 { return 1.5 * actEps * math.Abs(y[k]) }
	switch l {
	case BinaryCrossEntropy:
		return math.Abs(scale) / c * (dy(j) + 1.5*actEps*math.Abs(y[j]-t[j]))
	case SoftmaxCrossEntropy:
		var ts float64
		for _, v := range t {
			ts += v
		}
		return math.Abs(scale) * (ts*dy(j) + 2*actEps*(math.Abs(y[j])*ts+math.Abs(t[j])))
	}
	k := math.Abs(scale)
	switch l {
	case MeanSquaredError:
		k *= 2 / c
	case MeanAbsoluteError, Huber:
		k /= c
	}
	dg := func(m int) float64 {
		switch {
		case l == MeanAbsoluteError, l == Huber && math.Abs(y[m]-t[m]) > 1:
			return actEps / 2 * math.Abs(g[m])
		}
		return k * (dy(m) + 1.5*actEps*math.Abs(y[m]-t[m]))
	}
	back := actGradErr(a, z[j], y, g, j, dzRef, alpha)
	if a == Softmax {
		var s float64
		for m := range y {
			s += dg(m) * y[m]
		}
		return y[j]*(dg(j)+s) + back
	}
	return math.Abs(fp)*dg(j) + back
}

// lossTargets returns one row of targets for l, given the float64 twin's
// outputs y64 of the row: one-hot, soft or sub-unit rows for
// SoftmaxCrossEntropy (row i picks which), 0, 1 or a probability for
// BinaryCrossEntropy, and for the regression losses values in [−1.5, 1.5]
// that keep y − t at least 0.05 from MAE's kink at 0 and Huber's at ±1, far
// more than the 2·actFD·max|f'| ≤ 0.003 the difference quotient moves y.
func lossTargets(r *rand.Rand, l Loss, i int, y64 []float64) []float32 {
	t := make([]float32, len(y64))
	switch l {
	case SoftmaxCrossEntropy:
		switch i % 4 {
		case 0, 1:
			t[r.IntN(len(t))] = 1
		case 2, 3: // soft labels summing to 1, then to 0.7 (Σt ≠ 1 path)
			sum := 0.0
			for j := range t {
				t[j] = float32(r.Float64())
				sum += float64(t[j])
			}
			want := 1.0
			if i%4 == 3 {
				want = 0.7
			}
			for j := range t {
				t[j] = float32(float64(t[j]) / sum * want)
			}
		}
	case BinaryCrossEntropy:
		for j := range t {
			t[j] = []float32{0, 1, float32(r.Float64())}[r.IntN(3)]
		}
	default:
		for j := range t {
			for {
				t[j] = float32(3*r.Float64() - 1.5)
				e := math.Abs(y64[j] - float64(t[j]))
				if e > 0.05 && math.Abs(e-1) > 0.05 {
					break
				}
			}
		}
	}
	return t
}

// TestLossGradients checks eval's loss values against the float64 twin and
// its gradient against a five-point difference of the twin loss∘activation,
// for every loss and every activation checkOutput accepts, on one and three
// outputs and at two scales.
func TestLossGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const rows = 4
	pairs := 0
	for _, l := range lossAll() {
		for _, a := range actAll() {
			for _, cols := range []int{1, 3} {
				if l.checkOutput(a, cols) != nil {
					continue
				}
				pairs++
				alpha := a.defaultAlpha()
				z := actPadded(rows, cols, 2, func(int, int) float32 { return actDraw(r, a, -3, 3) })
				y := actPadded(rows, cols, 1, func(int, int) float32 { return 0 })
				a.forward(z, y, alpha)
				z64 := make([][]float64, rows)
				tg := make([][]float32, rows)
				for i := range rows {
					z64[i] = make([]float64, cols)
					for j := range cols {
						z64[i][j] = float64(z.At(i, j))
					}
					tg[i] = lossTargets(r, l, i, actRef64(a, z64[i], float64(alpha)))
				}
				tm := actPadded(rows, cols, 3, func(i, j int) float32 { return tg[i][j] })
				for _, scale := range []float32{1, 1.0 / rows} {
					name := fmt.Sprintf("%v∘%v cols=%d scale=%v", l, a, cols, scale)
					dz := actPadded(rows, cols, 4, func(int, int) float32 { return 0 })
					ex := make([]float64, rows+1)
					ex[rows] = -42
					total := l.eval(z, y, tm, a, alpha, ex, dz, scale, nil)
					actCheckPad(t, name+" dz", dz)
					if ex[rows] != -42 {
						t.Errorf("%s: ex[%d] written", name, rows)
					}
					var sum float64
					for i := range rows {
						sum += ex[i]
					}
					if total != sum {
						t.Errorf("%s: eval returned %v, Σ ex = %v", name, total, sum)
					}
					for i := range rows {
						zi := z64[i]
						yi, ti := make([]float64, cols), make([]float64, cols)
						for j := range cols {
							yi[j], ti[j] = float64(y.At(i, j)), float64(tm.At(i, j))
						}
						// The twin from the same float32 y (or z): only
						// float64 rounding separates them, a few ε₆₄ per
						// term of a sum of non-negative terms.
						want := lossRef64(l, zi, yi, ti)
						if tol := 16 * lossEps64 * (1 + want); !(math.Abs(ex[i]-want) <= tol) {
							t.Errorf("%s: row %d loss %v, reference %v", name, i, ex[i], want)
						}
						li := func(z []float64) float64 {
							return lossRef64(l, z, actRef64(a, z, float64(alpha)), ti)
						}
						y64 := actRef64(a, zi, float64(alpha))
						g := make([]float64, cols)
						if !l.fused() {
							for j := range cols {
								g[j] = float64(scale) * lossDLossDy64(l, y64[j], ti[j], cols)
							}
						}
						for j := range cols {
							ref := float64(scale) * actFivePoint(li, zi, j)
							var fp float64
							if a != Softmax {
								fp = actFivePoint(func(x []float64) float64 { return actRef64(a, x, float64(alpha))[j] }, zi, j)
							}
							got := float64(dz.At(i, j))
							tol := 2*lossGradErr(l, a, zi, yi, ti, g, fp, j, float64(scale), float64(alpha), ref) +
								math.Abs(float64(scale))*actFDErr*(1+li(zi)) + actTiny
							if !(math.Abs(got-ref) <= tol) {
								t.Errorf("%s: dz[%d][%d] = %v, difference quotient %v (|diff| %.3g > %.3g)",
									name, i, j, got, ref, math.Abs(got-ref), tol)
							}
						}
					}
				}
			}
		}
	}
	// 4 regression losses × (11 activations on 1 unit + 11 on 3), BCE with
	// Sigmoid on 1 and 3, SCE with Softmax on 3.
	if want := 4*(numActivations-1+numActivations) + 2 + 1; pairs != want {
		t.Errorf("checked %d loss∘activation pairs, want %d", pairs, want)
	}
}

// lossRow wraps one row as a 1×n matrix.
func lossRow(v ...float32) Matrix { return Matrix{Rows: 1, Cols: len(v), Stride: len(v), Data: v} }

// TestLossKnownValues checks closed-form losses and gradients.
func TestLossKnownValues(t *testing.T) {
	third := float32(1.0 / 3)
	f30 := float64(float32(1e30)) // the logit actually stored
	for _, c := range []struct {
		l       Loss
		a       Activation
		z, t    []float32
		loss    float64
		dz      []float32 // at scale 1
		relTol  float64   // of the loss, in units of ε₆₄
		dzExact bool
	}{
		{MeanSquaredError, Identity, []float32{1, 2, 3}, []float32{0, 2, 5}, 5.0 / 3,
			[]float32{float32(2.0 / 3), 0, float32(2.0/3) * -2}, 4, true},
		{MeanAbsoluteError, Identity, []float32{1, 2, 3}, []float32{0, 2, 5}, 1,
			[]float32{third, 0, -third}, 4, true},
		{HalfSquaredError, Identity, []float32{1, 2, 3}, []float32{0, 2, 5}, 2.5,
			[]float32{1, 0, -2}, 0, true},
		// Huber's branches: e = ½ and 1 (quadratic, ½e²), −2 and 1.5 (linear, |e| − ½).
		{Huber, Identity, []float32{0.5, -2, 1, 1.5}, []float32{0, 0, 0, 0}, (0.125 + 1.5 + 0.5 + 1) / 4,
			[]float32{0.125, -0.25, 0.25, 0.25}, 0, true},
		{Huber, Identity, []float32{3.25}, []float32{0.25}, 2.5, []float32{1}, 0, true},
		// BCE at z = 0 is log 2; gradient σ(0) − t.
		{BinaryCrossEntropy, Sigmoid, []float32{0, 0}, []float32{1, 0}, math.Ln2,
			[]float32{-0.25, 0.25}, 4, true},
		// Far logits: finite, correct to the last place.
		{BinaryCrossEntropy, Sigmoid, []float32{100}, []float32{1}, math.Exp(-100), []float32{0}, 4, true},
		{BinaryCrossEntropy, Sigmoid, []float32{-100}, []float32{1}, 100, []float32{-1}, 4, true},
		{BinaryCrossEntropy, Sigmoid, []float32{100}, []float32{0}, 100, []float32{1}, 4, true},
		{BinaryCrossEntropy, Sigmoid, []float32{1e30}, []float32{0}, f30, []float32{1}, 4, true},
		{BinaryCrossEntropy, Sigmoid, []float32{-1e30}, []float32{0}, 0, []float32{0}, 0, true},
		{BinaryCrossEntropy, Sigmoid, []float32{1e30}, []float32{1}, 0, []float32{0}, 0, true},
		// SCE: log-sum-exp with huge logits.
		{SoftmaxCrossEntropy, Softmax, []float32{1000, -1000}, []float32{1, 0}, 0, []float32{0, 0}, 0, true},
		{SoftmaxCrossEntropy, Softmax, []float32{1000, -1000}, []float32{0, 1}, 2000, []float32{1, -1}, 0, true},
		{SoftmaxCrossEntropy, Softmax, []float32{1e30, -1e30}, []float32{0, 1}, 2 * f30, []float32{1, -1}, 1, true},
		{SoftmaxCrossEntropy, Softmax, []float32{-1e30, 1e30, -1e30}, []float32{0, 1, 0}, 0, []float32{0, 0, 0}, 0, true},
		{SoftmaxCrossEntropy, Softmax, []float32{-1000, -1000, -1000}, []float32{0, 0, 1}, math.Log(3),
			[]float32{third, third, third - 1}, 4, false},
		// A −Inf logit where t = 0 contributes nothing.
		{SoftmaxCrossEntropy, Softmax, []float32{float32(math.Inf(-1)), 0}, []float32{0, 1}, 0, []float32{0, 0}, 0, true},
		// log(e + e² + e³) − 3
		{SoftmaxCrossEntropy, Softmax, []float32{1, 2, 3}, []float32{0, 0, 1}, 0.40760596444438013,
			[]float32{0.09003057317038046, 0.24472847105479767, 0.6652409557748219 - 1}, 4, false},
	} {
		n := len(c.z)
		z := lossRow(c.z...)
		y := lossRow(make([]float32, n)...)
		c.a.forward(z, y, c.a.defaultAlpha())
		dz := lossRow(make([]float32, n)...)
		ex := make([]float64, 1)
		got := c.l.eval(z, y, lossRow(c.t...), c.a, c.a.defaultAlpha(), ex, dz, 1, nil)
		if tol := c.relTol * lossEps64 * math.Abs(c.loss); !(math.Abs(got-c.loss) <= tol) || ex[0] != got {
			t.Errorf("%v(z=%v, t=%v) = %v (ex %v), want %v", c.l, c.z, c.t, got, ex[0], c.loss)
		}
		for j, w := range c.dz {
			g := dz.Data[j]
			// Inexact cases went through a float32 softmax: y rounded
			// twice (ε) and one subtraction (ε/2).
			tol := 0.0
			if !c.dzExact {
				tol = 1.5 * actEps
			}
			if !(math.Abs(float64(g)-float64(w)) <= tol) {
				t.Errorf("%v(z=%v, t=%v): dz[%d] = %v, want %v", c.l, c.z, c.t, j, g, w)
			}
		}
	}
}

// TestSoftmaxCrossEntropyIsNegLogSoftmax checks that for one-hot targets the
// loss equals −log of the softmax output, computed from the float32 forward:
// y carries ≤ 3ε/2 relative error, so −log y is off by ≤ 3ε/2 absolute.
func TestSoftmaxCrossEntropyIsNegLogSoftmax(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const rows, cols = 20, 6
	z := actPadded(rows, cols, 1, func(int, int) float32 { return float32(20*r.Float64() - 10) })
	y := actPadded(rows, cols, 0, func(int, int) float32 { return 0 })
	Softmax.forward(z, y, 0)
	hot := make([]int, rows)
	tm := actPadded(rows, cols, 2, func(i, j int) float32 {
		if j == 0 {
			hot[i] = r.IntN(cols)
		}
		if j == hot[i] {
			return 1
		}
		return 0
	})
	ex := make([]float64, rows)
	SoftmaxCrossEntropy.eval(z, y, tm, Softmax, 0, ex, Matrix{}, 1, nil)
	for i := range rows {
		want := -math.Log(float64(y.At(i, hot[i])))
		if !(math.Abs(ex[i]-want) <= 1.5*actEps+16*lossEps64*want) {
			t.Errorf("row %d: loss %v, −log softmax %v", i, ex[i], want)
		}
	}
}

// TestLossViewsAndNoGradient checks that strided views give the same bits as
// compact matrices, that inputs and padding are untouched, and that without
// dz (and without ex) eval returns the same total and writes nothing.
func TestLossViewsAndNoGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const rows, cols = 5, 4
	zs, ts := make([]float32, rows*cols), make([]float32, rows*cols)
	for k := range zs {
		zs[k] = float32(4*r.Float64() - 2)
		ts[k] = float32(r.IntN(2))
	}
	at := func(s []float32) func(i, j int) float32 { return func(i, j int) float32 { return s[i*cols+j] } }
	zero := func(int, int) float32 { return 0 }
	for _, l := range lossAll() {
		for _, a := range actAll() {
			if l.checkOutput(a, cols) != nil {
				continue
			}
			alpha := a.defaultAlpha()
			z0, y0, t0, dz0 := actPadded(rows, cols, 0, at(zs)), actPadded(rows, cols, 0, zero),
				actPadded(rows, cols, 0, at(ts)), actPadded(rows, cols, 0, zero)
			a.forward(z0, y0, alpha)
			ex0 := make([]float64, rows)
			tot0 := l.eval(z0, y0, t0, a, alpha, ex0, dz0, 0.5, nil)

			z, y, tm, dz := actPadded(rows, cols, 3, at(zs)), actPadded(rows, cols, 1, zero),
				actPadded(rows, cols, 6, at(ts)), actPadded(rows, cols, 2, zero)
			a.forward(z, y, alpha)
			y1 := y.Clone()
			ex := make([]float64, rows)
			tot := l.eval(z, y, tm, a, alpha, ex, dz, 0.5, nil)
			name := l.String() + "∘" + a.String()
			for _, m := range []struct {
				name string
				m    Matrix
			}{{"z", z}, {"y", y}, {"t", tm}, {"dz", dz}} {
				actCheckPad(t, name+" "+m.name, m.m)
			}
			if !actSameBits(z, z0) || !actSameBits(tm, t0) || !actSameBits(y, y1) {
				t.Errorf("%s: eval changed z, y or t", name)
			}
			if tot != tot0 || !actSameBits(dz, dz0) {
				t.Errorf("%s: strided views give %v, compact %v (or different dz)", name, tot, tot0)
			}
			for i := range rows {
				if ex[i] != ex0[i] {
					t.Errorf("%s: ex[%d] = %v strided, %v compact", name, i, ex[i], ex0[i])
				}
			}
			// No gradient, no ex: same total; a zero-row dz with data
			// must stay untouched.
			guard := Matrix{Rows: 0, Cols: cols, Stride: cols, Data: []float32{math.Float32frombits(actSentinelBits)}}
			if got := l.eval(z, y, tm, a, alpha, nil, guard, 0.5, nil); got != tot0 {
				t.Errorf("%s: without gradient eval returns %v, with %v", name, got, tot0)
			}
			if math.Float32bits(guard.Data[0]) != actSentinelBits {
				t.Errorf("%s: eval wrote into a dz with 0 rows", name)
			}
		}
	}
}

// TestLossNaN checks that a NaN in one row makes that row's loss NaN and
// leaves the others alone.
func TestLossNaN(t *testing.T) {
	nan := float32(math.NaN())
	for _, l := range lossAll() {
		a := Identity
		switch l {
		case BinaryCrossEntropy:
			a = Sigmoid
		case SoftmaxCrossEntropy:
			a = Softmax
		}
		z := Matrix{Rows: 2, Cols: 2, Stride: 2, Data: []float32{0.5, nan, 0.5, -0.25}}
		y := Matrix{Rows: 2, Cols: 2, Stride: 2, Data: make([]float32, 4)}
		a.forward(z, y, 0)
		tm := Matrix{Rows: 2, Cols: 2, Stride: 2, Data: []float32{1, 0, 0, 1}}
		dz := Matrix{Rows: 2, Cols: 2, Stride: 2, Data: make([]float32, 4)}
		ex := make([]float64, 2)
		total := l.eval(z, y, tm, a, 0, ex, dz, 1, nil)
		if !math.IsNaN(ex[0]) || math.IsNaN(ex[1]) || math.IsInf(ex[1], 0) || !math.IsNaN(total) {
			t.Errorf("%v: losses %v, total %v; want NaN for row 0 only", l, ex, total)
		}
		for _, v := range dz.Data[2:] {
			if v != v {
				t.Errorf("%v: NaN leaked into row 1's gradient %v", l, dz.Data[2:])
			}
		}
	}
}

func TestLossStringParse(t *testing.T) {
	want := []string{"mse", "binary_crossentropy", "softmax_crossentropy", "mae", "huber", "half_squared_error"}
	if len(want) != numLosses {
		t.Fatalf("test lists %d names, package has %d losses", len(want), numLosses)
	}
	for _, l := range lossAll() {
		if l.String() != want[l] || !l.valid() {
			t.Errorf("Loss(%d): String %q valid %v, want %q true", l, l.String(), l.valid(), want[l])
		}
		for _, s := range []string{l.String(), strings.ToUpper(l.String()), "  " + l.String() + " "} {
			if got, err := ParseLoss(s); err != nil || got != l {
				t.Errorf("ParseLoss(%q) = %v, %v; want %v", s, got, err, l)
			}
		}
	}
	for s, l := range map[string]Loss{
		"mean_squared_error": MeanSquaredError, "Mean-Squared-Error": MeanSquaredError,
		"binary_cross_entropy": BinaryCrossEntropy, "BCE": BinaryCrossEntropy, "sigmoid_cross_entropy": BinaryCrossEntropy,
		"categorical_crossentropy": SoftmaxCrossEntropy, "cross_entropy": SoftmaxCrossEntropy,
		"crossentropy": SoftmaxCrossEntropy, "softmax_cross_entropy": SoftmaxCrossEntropy,
		"sparse_categorical_crossentropy": SoftmaxCrossEntropy,
		"mean_absolute_error":             MeanAbsoluteError, "huber_loss": Huber,
		"half-squared-error": HalfSquaredError,
	} {
		if got, err := ParseLoss(s); err != nil || got != l {
			t.Errorf("ParseLoss(%q) = %v, %v; want %v", s, got, err, l)
		}
	}
	for _, l := range []Loss{Loss(numLosses), 42, 255} {
		if l.valid() {
			t.Errorf("Loss(%d).valid() = true", l)
		}
		if s, want := l.String(), fmt.Sprintf("Loss(%d)", uint8(l)); s != want {
			t.Errorf("String() = %q, want %q", s, want)
		}
	}
	for _, s := range []string{"", "msee", "Loss(0)", "0", "l2", "hinge", "cross entropy"} {
		l, err := ParseLoss(s)
		if !errors.Is(err, ErrConfig) || l != 0 || !strings.HasPrefix(err.Error(), "ann: ") {
			t.Errorf("ParseLoss(%q) = %v, %v; want an ErrConfig", s, l, err)
		}
	}
}

func TestLossCheckOutput(t *testing.T) {
	for _, c := range []struct {
		l     Loss
		a     Activation
		units int
		ok    bool
	}{
		{SoftmaxCrossEntropy, Softmax, 2, true},
		{SoftmaxCrossEntropy, Softmax, 10, true},
		{SoftmaxCrossEntropy, Softmax, 1, false},
		{SoftmaxCrossEntropy, Sigmoid, 3, false},
		{SoftmaxCrossEntropy, Identity, 3, false},
		{BinaryCrossEntropy, Sigmoid, 1, true},
		{BinaryCrossEntropy, Sigmoid, 5, true},
		{BinaryCrossEntropy, Softmax, 2, false},
		{BinaryCrossEntropy, Identity, 1, false},
		{BinaryCrossEntropy, Tanh, 1, false},
		{MeanSquaredError, Identity, 1, true},
		{MeanSquaredError, Softmax, 3, true},
		{MeanSquaredError, Softmax, 1, false},
		{MeanAbsoluteError, ReLU, 4, true},
		{Huber, Tanh, 2, true},
		{HalfSquaredError, Sigmoid, 1, true},
		{HalfSquaredError, Softmax, 1, false},
		{Huber, Tanh, 0, false},
		{MeanSquaredError, Identity, -1, false},
		{Loss(numLosses), Identity, 1, false},
		{MeanSquaredError, Activation(numActivations), 1, false},
	} {
		err := c.l.checkOutput(c.a, c.units)
		if c.ok && err != nil || !c.ok && (!errors.Is(err, ErrConfig) || !strings.HasPrefix(err.Error(), "ann: ")) {
			t.Errorf("%v.checkOutput(%v, %d) = %v; want ok=%v", c.l, c.a, c.units, err, c.ok)
		}
	}
	// The regression losses accept every activation on one unit but Softmax.
	for _, l := range []Loss{MeanSquaredError, MeanAbsoluteError, Huber, HalfSquaredError} {
		for _, a := range actAll() {
			if err := l.checkOutput(a, 1); (err == nil) != (a != Softmax) {
				t.Errorf("%v.checkOutput(%v, 1) = %v", l, a, err)
			}
		}
	}
}

func TestLossEmpty(t *testing.T) {
	ex := []float64{7, 7, 7}
	for _, l := range lossAll() {
		if got := l.eval(Matrix{}, Matrix{}, Matrix{}, Identity, 0, nil, Matrix{}, 1, nil); got != 0 {
			t.Errorf("%v on the zero Matrix = %v", l, got)
		}
		e := Matrix{Rows: 2, Cols: 0, Stride: 1}
		if got := l.eval(e, e, e, Identity, 0, ex, e, 1, nil); got != 0 || ex[0] != 0 || ex[1] != 0 || ex[2] != 7 {
			t.Errorf("%v on 2×0 = %v, ex %v", l, got, ex)
		}
	}
}

func TestLossAllocs(t *testing.T) {
	const rows, cols = 16, 10
	z := actPadded(rows, cols, 2, func(i, j int) float32 { return float32(i-j) / 5 })
	y := actPadded(rows, cols, 0, func(int, int) float32 { return 0 })
	tm := actPadded(rows, cols, 1, func(i, j int) float32 {
		if j == i%cols {
			return 1
		}
		return 0
	})
	dz := actPadded(rows, cols, 3, func(int, int) float32 { return 0 })
	ex := make([]float64, rows)
	for _, l := range lossAll() {
		for _, a := range actAll() {
			if l.checkOutput(a, cols) != nil {
				continue
			}
			alpha := a.defaultAlpha()
			a.forward(z, y, alpha)
			if n := testing.AllocsPerRun(20, func() { l.eval(z, y, tm, a, alpha, ex, dz, 1.0/rows, nil) }); n != 0 {
				t.Errorf("%v∘%v eval allocates %v times per call", l, a, n)
			}
		}
	}
}

// BenchmarkLoss/<loss> evaluates loss and gradient for a 64×10 batch (an
// MNIST-sized output layer).
func BenchmarkLoss(b *testing.B) {
	const rows, cols = 64, 10
	z := actPadded(rows, cols, 0, func(i, j int) float32 { return float32((i*cols+j)%13)/4 - 1.5 })
	y := actPadded(rows, cols, 0, func(int, int) float32 { return 0 })
	tm := actPadded(rows, cols, 0, func(i, j int) float32 {
		if j == i%cols {
			return 1
		}
		return 0
	})
	dz := actPadded(rows, cols, 0, func(int, int) float32 { return 0 })
	for _, l := range lossAll() {
		a := Identity
		switch l {
		case BinaryCrossEntropy:
			a = Sigmoid
		case SoftmaxCrossEntropy:
			a = Softmax
		}
		a.forward(z, y, 0)
		benchRun(b, l.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l.eval(z, y, tm, a, 0, nil, dz, 1.0/rows, nil)
			}
		})
	}
}

func ExampleParseLoss() {
	for _, s := range []string{"categorical_crossentropy", "MSE", "hinge"} {
		l, err := ParseLoss(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(l)
	}
	// Output:
	// softmax_crossentropy
	// mse
	// ann: invalid configuration: unknown loss "hinge"
}

// TestSoftmaxXentReusesForwardSums: the softmax cross entropy computed from
// the max and sum the forward softmax kept (softmaxRowSum) is bit-identical
// to the one that recomputes them, per example and in the gradient.
func TestSoftmaxXentReusesForwardSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const rows, cols = 9, 7
	z, _ := NewMatrix(rows, cols)
	for i := range z.Data {
		z.Data[i] = float32(rng.NormFloat64() * 8)
	}
	copy(z.Row(1), []float32{1e30, -1e30, 0, 1e30, 3, -0, 5})
	copy(z.Row(2), []float32{-0, 0, -0, 0, -0, 0, 0})
	copy(z.Row(3), []float32{-80, -90, -100, -120, -87.5, -104, -88})
	y, _ := NewMatrix(rows, cols)
	sums := make([]float64, 2*rows)
	for i := 0; i < rows; i++ {
		sums[2*i], sums[2*i+1] = softmaxRowSum(z.Row(i), y.Row(i))
	}
	tm := oneHotRows(rng, rows, cols)
	copy(tm.Row(4), []float32{0.25, 0, 0.5, 0, 0, 0.25, 0}) // a soft label
	var ex [2][]float64
	var dz [2]Matrix
	var tot [2]float64
	for k, s := range [][]float64{nil, sums} {
		ex[k] = make([]float64, rows)
		dz[k], _ = NewMatrix(rows, cols)
		tot[k] = SoftmaxCrossEntropy.eval(z, y, tm, Softmax, 0, ex[k], dz[k], 0.5, s)
	}
	if math.Float64bits(tot[0]) != math.Float64bits(tot[1]) {
		t.Fatalf("loss %v recomputed, %v from the forward sums", tot[0], tot[1])
	}
	for i := range ex[0] {
		if math.Float64bits(ex[0][i]) != math.Float64bits(ex[1][i]) {
			t.Fatalf("example %d: loss %v recomputed, %v from the forward sums", i, ex[0][i], ex[1][i])
		}
	}
	for i := range dz[0].Data {
		if math.Float32bits(dz[0].Data[i]) != math.Float32bits(dz[1].Data[i]) {
			t.Fatalf("gradient %d differs", i)
		}
	}
}
