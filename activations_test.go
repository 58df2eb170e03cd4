package ann

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// actEps is float32's machine epsilon, 2⁻²³: one rounding to float32 moves a
// value by at most actEps/2 relative.
const actEps = 0x1p-23

// actTiny is the smallest positive subnormal float32, 2⁻¹⁴⁹: a result that
// underflows is off by at most half of it, whatever its relative error.
const actTiny = 0x1p-149

// actSentinelBits is a quiet NaN with a payload no arithmetic produces. It
// fills the padding of every test view, so a write past Cols shows up as a
// changed bit pattern.
const actSentinelBits = 0x7fc5a5a5

// actFD is the step of the five-point central difference
// f'(x) ≈ [8(f(x+h) − f(x−h)) − (f(x+2h) − f(x−2h))]/(12h). Its truncation
// error is h⁴/30·|f⁽⁵⁾| ≈ 3·10⁻¹⁴·|f⁽⁵⁾|; with float64 evaluations whose
// rounding error is a few ε₆₄·Σ|terms|, the rounding error of the quotient
// is about 18/(12h)·4ε₆₄·Σ|terms| ≈ 1.3·10⁻¹²·Σ|terms|. Both are far below
// the float32 tolerances (≥ 10⁻⁷ relative) the results are held to, so the
// difference quotient is a reference, not a second source of error. Kinks
// must stay more than 2h away from every evaluation point.
const actFD = 1e-3

// actFDErr bounds the five-point difference's error relative to
// 1 + Σ|terms| of the function differenced (see actFD: the estimate is
// ~1.3·10⁻¹², so 10⁻¹⁰ leaves a factor of 75 and is still 1000 times below
// float32's ε).
const actFDErr = 1e-10

// actKinkMargin is how far test inputs stay from a kink (> 2·actFD).
const actKinkMargin = 0.01

func actAll() []Activation {
	as := make([]Activation, numActivations)
	for i := range as {
		as[i] = Activation(i)
	}
	return as
}

// actPadded returns a rows×cols view with stride cols+pad whose padding holds
// the sentinel NaN and whose elements are f(i, j).
func actPadded(rows, cols, pad int, f func(i, j int) float32) Matrix {
	m := Matrix{Rows: rows, Cols: cols, Stride: cols + pad, Data: make([]float32, rows*(cols+pad))}
	for k := range m.Data {
		m.Data[k] = math.Float32frombits(actSentinelBits)
	}
	for i := range rows {
		for j := range cols {
			m.Data[i*m.Stride+j] = f(i, j)
		}
	}
	return m
}

// actCheckPad fails t if anything outside m's rows×cols window changed.
func actCheckPad(t *testing.T, what string, m Matrix) {
	t.Helper()
	for i := range m.Rows {
		for j := m.Cols; j < m.Stride; j++ {
			if b := math.Float32bits(m.Data[i*m.Stride+j]); b != actSentinelBits {
				t.Fatalf("%s: padding (%d, %d) overwritten with %#x", what, i, j, b)
			}
		}
	}
}

// actSameBits reports whether a and b hold bit-identical windows.
func actSameBits(a, b Matrix) bool {
	for i := range a.Rows {
		for j := range a.Cols {
			if math.Float32bits(a.Data[i*a.Stride+j]) != math.Float32bits(b.Data[i*b.Stride+j]) {
				return false
			}
		}
	}
	return true
}

// actRef64 is the float64 twin of a on one row, written from each textbook
// definition, not from the code under test (naive formulas, accurate for the
// moderate inputs, |x| ≤ 5, the tests feed it; softmax shifts by the row's
// maximum, which changes nothing mathematically). It is the one float64
// activation reference of the tests: the activation tests, the losses, the
// whole-network twin (ann_test.go) and the ONNX interpreter (onnx_test.go)
// all use it.
func actRef64(a Activation, x []float64, alpha float64) []float64 {
	y := make([]float64, len(x))
	if a == Softmax {
		m := math.Inf(-1)
		for _, v := range x {
			m = math.Max(m, v)
		}
		var s float64
		for j, v := range x {
			y[j] = math.Exp(v - m)
			s += y[j]
		}
		for j := range y {
			y[j] /= s
		}
		return y
	}
	for j, v := range x {
		var f float64
		switch a {
		case Identity:
			f = v
		case ReLU:
			if v > 0 {
				f = v
			}
		case PiecewiseLinear:
			switch {
			case v < -0.5:
				f = 0
			case v > 0.5:
				f = 1
			default:
				f = v + 0.5
			}
		case Sigmoid:
			f = 1 / (1 + math.Exp(-v))
		case Tanh:
			f = 2/(1+math.Exp(-2*v)) - 1
		case LeakyReLU:
			f = v
			if v < 0 {
				f = alpha * v
			}
		case ELU:
			f = v
			if v < 0 {
				f = alpha * (math.Exp(v) - 1)
			}
		case GELU:
			f = 0.5 * v * (1 + math.Erf(v/math.Sqrt2))
		case SiLU:
			f = v / (1 + math.Exp(-v))
		case Softplus:
			f = math.Log(1 + math.Exp(v))
		default:
			panic("actRef64: " + a.String())
		}
		y[j] = f
	}
	return y
}

// actKinks returns the points where a's derivative jumps.
func actKinks(a Activation) []float64 {
	switch a {
	case ReLU, LeakyReLU, ELU:
		return []float64{0}
	case PiecewiseLinear:
		return []float64{-0.5, 0.5}
	}
	return nil
}

// actDraw returns a uniform value in [lo, hi) at least actKinkMargin from
// every kink of a.
func actDraw(r *rand.Rand, a Activation, lo, hi float64) float32 {
	for {
		v := float32(lo + (hi-lo)*r.Float64())
		ok := true
		for _, k := range actKinks(a) {
			if math.Abs(float64(v)-k) < actKinkMargin {
				ok = false
			}
		}
		if ok {
			return v
		}
	}
}

// actFivePoint is the five-point central difference of f at x[i] (see
// actFD); it restores x[i].
func actFivePoint(f func([]float64) float64, x []float64, i int) float64 {
	x0 := x[i]
	at := func(d float64) float64 { x[i] = x0 + d; return f(x) }
	g := (8*(at(actFD)-at(-actFD)) - (at(2*actFD) - at(-2*actFD))) / (12 * actFD)
	x[i] = x0
	return g
}

func TestActivationStringParse(t *testing.T) {
	want := []string{"identity", "relu", "piecewise_linear", "sigmoid", "tanh", "leaky_relu",
		"softmax", "elu", "gelu", "silu", "softplus"}
	if len(want) != numActivations {
		t.Fatalf("test lists %d names, package has %d activations", len(want), numActivations)
	}
	for _, a := range actAll() {
		if a.String() != want[a] || !a.valid() {
			t.Errorf("Activation(%d): String %q valid %v, want %q true", a, a.String(), a.valid(), want[a])
		}
		for _, s := range []string{a.String(), strings.ToUpper(a.String()), " " + a.String() + "\t",
			strings.ReplaceAll(a.String(), "_", "-")} {
			if got, err := ParseActivation(s); err != nil || got != a {
				t.Errorf("ParseActivation(%q) = %v, %v; want %v", s, got, err, a)
			}
		}
	}
	for s, a := range map[string]Activation{"linear": Identity, "Linear": Identity, "swish": SiLU,
		"SWISH": SiLU, "LeakyReLU": LeakyReLU, "leaky-relu": LeakyReLU, "GELU": GELU} {
		if got, err := ParseActivation(s); err != nil || got != a {
			t.Errorf("ParseActivation(%q) = %v, %v; want %v", s, got, err, a)
		}
	}
	for _, a := range []Activation{Activation(numActivations), 42, 255} {
		if a.valid() {
			t.Errorf("Activation(%d).valid() = true", a)
		}
		if s, want := a.String(), fmt.Sprintf("Activation(%d)", uint8(a)); s != want {
			t.Errorf("String() = %q, want %q", s, want)
		}
	}
	for _, s := range []string{"", "rel u", "sigmoidal", "Activation(3)", "3", "soft max", "linear_"} {
		a, err := ParseActivation(s)
		if !errors.Is(err, ErrConfig) || a != 0 || !strings.HasPrefix(err.Error(), "ann: ") {
			t.Errorf("ParseActivation(%q) = %v, %v; want an ErrConfig", s, a, err)
		}
	}
}

func TestActivationDefaultAlpha(t *testing.T) {
	for _, a := range actAll() {
		want := float32(0)
		switch a {
		case LeakyReLU:
			want = 0.2
		case ELU:
			want = 1
		}
		if got := a.defaultAlpha(); got != want {
			t.Errorf("%v.defaultAlpha() = %v, want %v", a, got, want)
		}
	}
}

// TestActivationForwardReference compares forward with the float64 twin on
// random inputs. Each function rounds a float64 result once (PiecewiseLinear
// and LeakyReLU round one float32 operation), so the error is ≤ ε/2·|f| plus
// the twin's own float64 error; Softmax rounds twice (exp, then the
// normalisation), ≤ ε·|f|. The tolerance is ε·|f| + actTiny for all.
func TestActivationForwardReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const rows, cols = 7, 5
	for _, a := range actAll() {
		for _, alpha := range []float32{a.defaultAlpha(), 0.7} {
			x := actPadded(rows, cols, 3, func(int, int) float32 { return actDraw(r, a, -5, 5) })
			y := actPadded(rows, cols, 2, func(int, int) float32 { return 0 })
			a.forward(x, y, alpha)
			actCheckPad(t, a.String()+" y", y)
			for i := range rows {
				x64 := make([]float64, cols)
				for j := range cols {
					x64[j] = float64(x.At(i, j))
				}
				ref := actRef64(a, x64, float64(alpha))
				for j := range cols {
					got := float64(y.At(i, j))
					if tol := actEps*math.Abs(ref[j]) + actTiny; !(math.Abs(got-ref[j]) <= tol) {
						t.Errorf("%v(α=%v)(%v) = %v, reference %v (|diff| %.3g > %.3g)", a, alpha, x64[j], got, ref[j], math.Abs(got-ref[j]), tol)
					}
				}
			}
		}
	}
}

// TestActivationKnownValues checks closed forms at a few points.
func TestActivationKnownValues(t *testing.T) {
	for _, c := range []struct {
		a    Activation
		x    float32
		want float64
	}{
		{Sigmoid, 0, 0.5},
		{Sigmoid, 2, 0.8807970779778823},
		{Tanh, 1, 0.7615941559557649},
		{GELU, 1, 0.8413447460685429},    // Φ(1)
		{GELU, -1, -0.15865525393145707}, // −Φ(−1)
		{SiLU, 1, 0.7310585786300049},
		{Softplus, 0, math.Ln2},
		{Softplus, 1, 1.3132616875182228},
		{ELU, -1, -0.6321205588285577}, // e⁻¹ − 1
		{LeakyReLU, -1, -0.2},
		{PiecewiseLinear, 0.25, 0.75},
		{PiecewiseLinear, -0.5, 0},
		{PiecewiseLinear, 0.5, 1},
	} {
		x := Matrix{Rows: 1, Cols: 1, Stride: 1, Data: []float32{c.x}}
		y := Matrix{Rows: 1, Cols: 1, Stride: 1, Data: []float32{-7}}
		c.a.forward(x, y, c.a.defaultAlpha())
		if got := float64(y.Data[0]); math.Abs(got-c.want) > actEps/2*math.Abs(c.want) {
			t.Errorf("%v(%v) = %v, want %v", c.a, c.x, got, c.want)
		}
	}
}

// TestActivationEdgeValues feeds 0, −0, ±Inf, NaN, subnormals, ±MaxFloat32
// and ±100 through forward and, with dy = 1, backward, and checks the exact
// documented results.
func TestActivationEdgeValues(t *testing.T) {
	const d = float32(0x1p-140) // a subnormal
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	mx := float32(math.MaxFloat32)
	in := []float32{0, float32(math.Copysign(0, -1)), inf, -inf, nan, d, -d, mx, -mx, 100, -100}
	e100 := float32(math.Exp(-100)) // e⁻¹⁰⁰ ≈ 3.7e-44, a float32 subnormal
	ln2 := float32(math.Ln2)
	for _, c := range []struct {
		a        Activation
		fwd, bwd []float32
	}{
		{Identity, in, []float32{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{ReLU,
			[]float32{0, 0, inf, 0, nan, d, 0, mx, 0, 100, 0},
			[]float32{0, 0, 1, 0, nan, 1, 0, 1, 0, 1, 0}},
		{PiecewiseLinear,
			[]float32{0.5, 0.5, 1, 0, nan, 0.5, 0.5, 1, 0, 1, 0},
			[]float32{1, 1, 0, 0, nan, 1, 1, 0, 0, 0, 0}},
		{Sigmoid,
			[]float32{0.5, 0.5, 1, 0, nan, 0.5, 0.5, 1, 0, 1, e100},
			[]float32{0.25, 0.25, 0, 0, nan, 0.25, 0.25, 0, 0, 0, e100}},
		{Tanh,
			[]float32{0, 0, 1, -1, nan, d, -d, 1, -1, 1, -1},
			[]float32{1, 1, 0, 0, nan, 1, 1, 0, 0, 0, 0}},
		{LeakyReLU,
			[]float32{0, 0, inf, -inf, nan, d, -d * 0.2, mx, -mx * 0.2, 100, -20},
			[]float32{0.2, 0.2, 1, 0.2, nan, 1, 0.2, 1, 0.2, 1, 0.2}},
		// ELU's backward uses y + α: at −100, y rounds to −1 and the
		// derivative to 0 (true value e⁻¹⁰⁰, below float32's resolution
		// next to α).
		{ELU,
			[]float32{0, 0, inf, -1, nan, d, -d, mx, -1, 100, -1},
			[]float32{1, 1, 1, 0, nan, 1, 1, 1, 0, 1, 0}},
		{GELU,
			[]float32{0, 0, inf, 0, nan, d / 2, -d / 2, mx, 0, 100, 0},
			[]float32{0.5, 0.5, 1, 0, nan, 0.5, 0.5, 1, 0, 1, 0}},
		{SiLU,
			[]float32{0, 0, inf, 0, nan, d / 2, -d / 2, mx, 0, 100, float32(-100 * math.Exp(-100))},
			[]float32{0.5, 0.5, 1, 0, nan, 0.5, 0.5, 1, 0, 1, float32(-99 * math.Exp(-100))}},
		{Softplus,
			[]float32{ln2, ln2, inf, 0, nan, ln2, ln2, mx, 0, 100, e100},
			[]float32{0.5, 0.5, 1, 0, nan, 0.5, 0.5, 1, 0, 1, e100}},
	} {
		n := len(in)
		x := Matrix{Rows: 1, Cols: n, Stride: n, Data: append([]float32(nil), in...)}
		y := Matrix{Rows: 1, Cols: n, Stride: n, Data: make([]float32, n)}
		dy := Matrix{Rows: 1, Cols: n, Stride: n, Data: make([]float32, n)}
		for j := range dy.Data {
			dy.Data[j] = 1
		}
		dx := Matrix{Rows: 1, Cols: n, Stride: n, Data: make([]float32, n)}
		alpha := c.a.defaultAlpha()
		c.a.forward(x, y, alpha)
		c.a.backward(x, y, dy, dx, alpha)
		for j := range in {
			if g, w := y.Data[j], c.fwd[j]; !(g == w || g != g && w != w) {
				t.Errorf("%v(%v) = %v, want %v", c.a, in[j], g, w)
			}
			if g, w := dx.Data[j], c.bwd[j]; !(g == w || g != g && w != w) {
				t.Errorf("%v'(%v) = %v, want %v", c.a, in[j], g, w)
			}
		}
	}
}

// TestSoftmaxRows checks softmax on known rows, large and infinite logits.
func TestSoftmaxRows(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	d := float32(0x1p-140)
	mx := float32(math.MaxFloat32)
	third := float32(1.0 / 3)
	for _, c := range []struct {
		x, want []float32
	}{
		// e^k / (e + e² + e³)
		{[]float32{1, 2, 3}, []float32{0.09003057317038046, 0.24472847105479767, 0.6652409557748219}},
		{[]float32{5, 5, 5, 5}, []float32{0.25, 0.25, 0.25, 0.25}},
		{[]float32{7}, []float32{1}},
		{[]float32{1000, -1000}, []float32{1, 0}},
		{[]float32{-1000, -1000, -1000}, []float32{third, third, third}},
		{[]float32{1e30, -1e30, 0}, []float32{1, 0, 0}},
		{[]float32{-mx, mx}, []float32{0, 1}},
		{[]float32{d, -d, 0}, []float32{third, third, third}},
		{[]float32{-inf, 0, 0}, []float32{0, 0.5, 0.5}},
		// Documented: +Inf, or a row of only −Inf, gives a NaN row.
		{[]float32{inf, 0}, []float32{nan, nan}},
		{[]float32{inf, inf}, []float32{nan, nan}},
		{[]float32{-inf, -inf}, []float32{nan, nan}},
		{[]float32{0, nan, 1}, []float32{nan, nan, nan}},
		{[]float32{nan, 0}, []float32{nan, nan}},
	} {
		n := len(c.x)
		x := Matrix{Rows: 1, Cols: n, Stride: n, Data: append([]float32(nil), c.x...)}
		Softmax.forward(x, x, 0) // in place
		for j, w := range c.want {
			g := x.Data[j]
			// Two roundings: |g − w| ≤ ε·|w|.
			if !(math.Abs(float64(g)-float64(w)) <= actEps*math.Abs(float64(w)) || g != g && w != w) {
				t.Errorf("softmax(%v)[%d] = %v, want %v", c.x, j, g, w)
			}
		}
	}
	// Backward on a known row: y = (½, ½), dy = (1, 0): dx = y⊙(dy − y·dy).
	y := Matrix{Rows: 1, Cols: 2, Stride: 2, Data: []float32{0.5, 0.5}}
	dy := Matrix{Rows: 1, Cols: 2, Stride: 2, Data: []float32{1, 0}}
	Softmax.backward(y, y, dy, dy, 0) // dx aliases dy
	if dy.Data[0] != 0.25 || dy.Data[1] != -0.25 {
		t.Errorf("softmax backward = %v, want [0.25 -0.25]", dy.Data)
	}
}

// TestActivationGradients checks backward against a five-point difference of
// the float64 twin, φ(x) = Σⱼ dyⱼ·f(x)ⱼ per row, whose gradient is dx. The
// tolerance is twice actGradErr's bound, plus the difference quotient's own
// error (actFDErr) and actTiny for results that underflow.
// actGradErr bounds the float32 rounding error of backward's dxⱼ, from
// the operations each function performs (ε/2 per float32 rounding; y from
// forward carries ε/2, Softmax's 3ε/2 relative):
//   - Identity, ReLU, PiecewiseLinear copy dy or write 0: exact.
//   - LeakyReLU, and GELU, SiLU, Softplus (f' in float64, one rounding of
//     dy·f'): ε/2·|dx|, taken as ε·|dx|.
//   - Sigmoid, dy·(y·(1−y)): y's error ε/2·y reaches both factors, and
//     three roundings follow: ≤ ε·|dy|·y + 3ε/2·|dx|.
//   - Tanh, dy·(1−y²): y² carries 2·ε/2 + ε/2 relative, then two roundings:
//     ≤ 3ε/2·|dy|·y² + ε·|dx|.
//   - ELU for x < 0, dy·(y+α): y's error, then two roundings:
//     ≤ ε·|dy|·(|y| + |α|) + ε/2·|dx|; exact for x ≥ 0.
//   - Softmax, yᵢ·(dyᵢ − Σ dyₖyₖ) in float64 from float32 y: each y's
//     3ε/2 relative error gives ≤ 3ε/2·yᵢ·(|dyᵢ| + 2Σ|dyₖ|yₖ), plus one
//     rounding.
//
// dxRef is the reference value of dxⱼ.
func actGradErr(a Activation, x float64, y, dy []float64, j int, dxRef, alpha float64) float64 {
	dx := math.Abs(dxRef)
	switch a {
	case Identity, ReLU, PiecewiseLinear:
		return 0
	case LeakyReLU, GELU, SiLU, Softplus:
		return actEps * dx
	case Sigmoid:
		return actEps*math.Abs(dy[j])*y[j] + 1.5*actEps*dx
	case Tanh:
		return 1.5*actEps*math.Abs(dy[j])*y[j]*y[j] + actEps*dx
	case ELU:
		if x >= 0 {
			return 0
		}
		return actEps*math.Abs(dy[j])*(math.Abs(y[j])+math.Abs(alpha)) + actEps/2*dx
	case Softmax:
		var dot float64
		for k := range y {
			dot += math.Abs(dy[k]) * y[k]
		}
		return 1.5*actEps*y[j]*(math.Abs(dy[j])+2*dot) + actEps/2*dx
	}
	panic("actGradErr: " + a.String())
}

func TestActivationGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const rows, cols = 6, 5
	for _, a := range actAll() {
		for _, alpha := range []float32{a.defaultAlpha(), 0.7} {
			x := actPadded(rows, cols, 1, func(int, int) float32 { return actDraw(r, a, -5, 5) })
			y := actPadded(rows, cols, 2, func(int, int) float32 { return 0 })
			dy := actPadded(rows, cols, 3, func(int, int) float32 { return float32(2*r.Float64() - 1) })
			dx := actPadded(rows, cols, 4, func(int, int) float32 { return 0 })
			a.forward(x, y, alpha)
			a.backward(x, y, dy, dx, alpha)
			actCheckPad(t, a.String()+" dx", dx)
			for i := range rows {
				x64, dy64, y64 := make([]float64, cols), make([]float64, cols), make([]float64, cols)
				for j := range cols {
					x64[j], dy64[j], y64[j] = float64(x.At(i, j)), float64(dy.At(i, j)), float64(y.At(i, j))
				}
				var terms float64
				phi := func(x []float64) float64 {
					var s float64
					for j, f := range actRef64(a, x, float64(alpha)) {
						s += dy64[j] * f
					}
					return s
				}
				for j, f := range actRef64(a, x64, float64(alpha)) {
					terms += math.Abs(dy64[j]) * (1 + math.Abs(f))
				}
				for j := range cols {
					ref := actFivePoint(phi, x64, j)
					got := float64(dx.At(i, j))
					tol := 2*actGradErr(a, x64[j], y64, dy64, j, ref, float64(alpha)) + actFDErr*(1+terms) + actTiny
					if !(math.Abs(got-ref) <= tol) {
						t.Errorf("%v(α=%v) backward at x=%v dy=%v: %v, difference quotient %v (|diff| %.3g > %.3g)",
							a, alpha, x64[j], dy64[j], got, ref, math.Abs(got-ref), tol)
					}
				}
			}
		}
	}
}

// TestActivationViewsAndAliasing checks that strided views give the same bits
// as compact matrices, leave padding and inputs alone, and that forward in
// place and backward with dx = dy give the same bits as separate buffers.
func TestActivationViewsAndAliasing(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const rows, cols = 5, 7
	vals := make([]float32, rows*cols)
	grads := make([]float32, rows*cols)
	for k := range vals {
		vals[k] = float32(6*r.Float64() - 3)
		grads[k] = float32(2*r.Float64() - 1)
	}
	at := func(s []float32) func(i, j int) float32 { return func(i, j int) float32 { return s[i*cols+j] } }
	zero := func(int, int) float32 { return 0 }
	for _, a := range actAll() {
		alpha := a.defaultAlpha()
		// Compact reference.
		x0 := actPadded(rows, cols, 0, at(vals))
		y0 := actPadded(rows, cols, 0, zero)
		dy0 := actPadded(rows, cols, 0, at(grads))
		dx0 := actPadded(rows, cols, 0, zero)
		a.forward(x0, y0, alpha)
		a.backward(x0, y0, dy0, dx0, alpha)

		x := actPadded(rows, cols, 5, at(vals))
		y := actPadded(rows, cols, 1, zero)
		dy := actPadded(rows, cols, 3, at(grads))
		dx := actPadded(rows, cols, 9, zero)
		a.forward(x, y, alpha)
		a.backward(x, y, dy, dx, alpha)
		for _, m := range []struct {
			name string
			m    Matrix
		}{{"x", x}, {"y", y}, {"dy", dy}, {"dx", dx}} {
			actCheckPad(t, a.String()+" "+m.name, m.m)
		}
		if !actSameBits(x, x0) || !actSameBits(dy, dy0) {
			t.Errorf("%v: forward or backward changed its input", a)
		}
		if !actSameBits(y, y0) || !actSameBits(dx, dx0) {
			t.Errorf("%v: strided views give different results from compact matrices", a)
		}

		// In place: y = x, and dx = dy.
		xy := actPadded(rows, cols, 2, at(vals))
		a.forward(xy, xy, alpha)
		if !actSameBits(xy, y0) {
			t.Errorf("%v: forward in place differs", a)
		}
		d := actPadded(rows, cols, 2, at(grads))
		a.backward(x0, y0, d, d, alpha)
		actCheckPad(t, a.String()+" in-place dx", d)
		if !actSameBits(d, dx0) {
			t.Errorf("%v: backward with dx = dy differs", a)
		}
	}
}

// TestActivationEmpty checks that empty batches, including the zero Matrix
// and a matrix with rows but no columns, are accepted and touch nothing.
func TestActivationEmpty(t *testing.T) {
	for _, a := range actAll() {
		a.forward(Matrix{}, Matrix{}, 0)
		a.backward(Matrix{}, Matrix{}, Matrix{}, Matrix{}, 0)
		e := Matrix{Rows: 3, Cols: 0, Stride: 4}
		a.forward(e, e, 0)
		a.backward(e, e, e, e, 0)
	}
}

func TestActivationAllocs(t *testing.T) {
	const rows, cols = 8, 33
	x := actPadded(rows, cols, 3, func(i, j int) float32 { return float32(i-j) / 7 })
	y := actPadded(rows, cols, 1, func(int, int) float32 { return 0 })
	dy := actPadded(rows, cols, 2, func(i, j int) float32 { return float32(i+j) / 9 })
	dx := actPadded(rows, cols, 0, func(int, int) float32 { return 0 })
	for _, a := range actAll() {
		alpha := a.defaultAlpha()
		if n := testing.AllocsPerRun(20, func() { a.forward(x, y, alpha) }); n != 0 {
			t.Errorf("%v forward allocates %v times per call", a, n)
		}
		if n := testing.AllocsPerRun(20, func() { a.backward(x, y, dy, dx, alpha) }); n != 0 {
			t.Errorf("%v backward allocates %v times per call", a, n)
		}
	}
}

// BenchmarkActivation/<name>/<forward|backward> runs on a 64×256 batch, one
// hidden layer's worth in a typical training step.
func BenchmarkActivation(b *testing.B) {
	const rows, cols = 64, 256
	// Pseudo-random signs, as pre-activations have: a periodic pattern
	// would let the branch predictor learn what real data never lets it.
	rng := rand.New(rand.NewPCG(1, 2))
	x := actPadded(rows, cols, 0, func(i, j int) float32 { return float32(rng.NormFloat64() * 2) })
	y := actPadded(rows, cols, 0, func(int, int) float32 { return 0 })
	dy := actPadded(rows, cols, 0, func(i, j int) float32 { return float32((i+j)%5) - 2 })
	for _, a := range actAll() {
		alpha := a.defaultAlpha()
		a.forward(x, y, alpha)
		benchRun(b, a.String()+"/forward", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(2 * 4 * rows * cols)
			for b.Loop() {
				a.forward(x, y, alpha)
			}
		})
		dx := actPadded(rows, cols, 0, func(int, int) float32 { return 0 })
		benchRun(b, a.String()+"/backward", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(4 * 4 * rows * cols)
			for b.Loop() {
				a.backward(x, y, dy, dx, alpha)
			}
		})
	}
}

func ExampleParseActivation() {
	for _, s := range []string{"ReLU", "linear", "swish", "sigmoidal"} {
		a, err := ParseActivation(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(a)
	}
	// Output:
	// relu
	// identity
	// silu
	// ann: invalid configuration: unknown activation "sigmoidal"
}
