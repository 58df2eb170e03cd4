package ann

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
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
			if diff > 0.2 {
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

// TestQuantizedKernelsMatchReference: through every int8 kernel, the
// quantized network's outputs are bit-identical to the same arithmetic with
// the integer products summed in int64 by a plain loop (gemmRef), in both
// modes; and the first layer's dequantized values match a float64
// evaluation of Σ(x_q − zp)·w_q·s_x·s_w + b to float32 rounding.
func TestQuantizedKernelsMatchReference(t *testing.T) {
	net, calib := qTrained(t)
	xt, _ := qData(700, 4) // more rows than a chunk
	for _, opt := range []QuantizeOption{StaticQuantization(), DynamicQuantization()} {
		q, err := net.Quantize(calib, opt)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := NewMatrix(xt.Rows, q.Outputs())
		if err := q.infer(want, xt, nil); err != nil {
			t.Fatal(err)
		}
		forEachInt8Kernel(t, func(t *testing.T, k *int8Kernel) {
			got, err := q.Predict(xt)
			if err != nil {
				t.Fatal(err)
			}
			if q.packed.Load().kern != k {
				t.Fatalf("predicted with %s's packing, %s active", q.packed.Load().kern.name, k.name)
			}
			for i := range got.Data {
				if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
					t.Fatalf("%s %s: output %d = %v, reference %v", q.Mode(), k.name, i, got.Data[i], want.Data[i])
				}
			}
		})

		// The first layer alone, against float64.
		l0 := q.layers[0]
		l0.act = Identity
		q1 := &QuantizedNetwork{inputs: q.inputs, dynamic: q.dynamic, inOff: q.inOff, inMul: q.inMul, inAdd: q.inAdd, layers: []qLayer{l0}}
		q1.finish()
		z, err := q1.Predict(xt)
		if err != nil {
			t.Fatal(err)
		}
		s := q1.getScratch()
		for i := 0; i < xt.Rows; i++ {
			v := make([]float32, q.inputs)
			applyInput(v, xt.Row(i), q.inOff, q.inMul, q.inAdd)
			q1.quantizeInto(s, 0, &q1.layers[0], v, &genericInt8)
			sx, zp := float64(s.sx[0]), float64(s.zp[0])
			for j := 0; j < l0.out; j++ {
				var acc float64
				for p := 0; p < l0.in; p++ {
					acc += (float64(s.xq[p]) - zp) * float64(l0.w[p*l0.out+j])
				}
				ref := acc*sx*float64(l0.wScale[j]) + float64(l0.bias[j])
				got := float64(z.At(i, j))
				if tol := 1e-6 * (math.Abs(acc*sx*float64(l0.wScale[j])) + math.Abs(float64(l0.bias[j]))); math.Abs(got-ref) > tol {
					t.Fatalf("%s: row %d unit %d: %v, float64 reference %v", q.Mode(), i, j, got, ref)
				}
			}
		}
	}
}

// TestQuantizeErrorBound: the first layer's quantized pre-activations stay
// within the bound the scales give. With x' the dequantized input
// (|x − x'| ≤ s_x/2, no clamping since calibration saw the rows) and w' the
// dequantized weight (|w − w'| ≤ s_w/2),
//
//	|Σ x·w − Σ x'·w'| ≤ s_w/2·Σ|x| + s_x/2·Σ|w'|
//
// plus float32 rounding.
func TestQuantizeErrorBound(t *testing.T) {
	net, calib := qTrained(t)
	f, err := net.fold()
	if err != nil {
		t.Fatal(err)
	}
	for _, opt := range []QuantizeOption{StaticQuantization(), DynamicQuantization()} {
		q, err := net.Quantize(calib, opt)
		if err != nil {
			t.Fatal(err)
		}
		l0 := q.layers[0]
		l0.act = Identity
		q1 := &QuantizedNetwork{inputs: q.inputs, dynamic: q.dynamic, inOff: q.inOff, inMul: q.inMul, inAdd: q.inAdd, layers: []qLayer{l0}}
		q1.finish()
		z, err := q1.Predict(calib)
		if err != nil {
			t.Fatal(err)
		}
		s := q1.getScratch()
		d := f.layers[0]
		worst := 0.0
		for i := 0; i < calib.Rows; i++ {
			v := make([]float32, q.inputs)
			applyInput(v, calib.Row(i), f.inOff, f.inMul, f.inAdd)
			q1.quantizeInto(s, 0, &q1.layers[0], v, &genericInt8)
			sx := float64(s.sx[0])
			for j := 0; j < d.out; j++ {
				exact, sumX, sumW := float64(d.b[j]), 0.0, 0.0
				sw := float64(l0.wScale[j])
				for p := 0; p < d.in; p++ {
					exact += float64(v[p]) * float64(d.w[p*d.out+j])
					sumX += math.Abs(float64(v[p]))
					sumW += math.Abs(float64(l0.w[p*d.out+j])) * sw
				}
				bound := sw/2*sumX + sx/2*sumW + 1e-5*(math.Abs(exact)+1)
				e := math.Abs(float64(z.At(i, j)) - exact)
				worst = max(worst, e/bound)
				if e > bound {
					t.Fatalf("%s: row %d unit %d: quantized %v, float %v, error %g beyond the bound %g", q.Mode(), i, j, z.At(i, j), exact, e, bound)
				}
			}
		}
		t.Logf("%s: largest error / bound = %.3f", q.Mode(), worst)
	}
}

// TestQuantizeFoldsBatchNorm: the folded float network (batch norm folded
// into the dense layer before it when that layer is linear, into the one
// after otherwise, or into the input stage before the first dense layer;
// dropout removed; scaler in the input stage) computes what Predict does,
// within 1e-5, with random batch-norm statistics.
func TestQuantizeFoldsBatchNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	net, err := New(8).BatchNorm().Dense(16, ReLU).BatchNorm().Dropout(0.2).BatchNorm().
		Dense(12, Identity).BatchNorm().Dense(10, Tanh).Dropout(0.3).BatchNorm().Dense(3, Softmax).Seed(4).Build()
	if err != nil {
		t.Fatal(err)
	}
	x, _ := qData(400, 7)
	sc, _ := FitStandardScaler(x)
	if err := net.SetScaler(sc); err != nil {
		t.Fatal(err)
	}
	bn := 0
	for _, l := range net.layers {
		if l.kind != layerBatchNorm {
			continue
		}
		bn++
		for j := range l.gamma {
			l.gamma[j] = float32(0.7 + 0.6*rng.Float64())
			l.beta[j] = float32(0.5 * rng.NormFloat64())
			l.movingMean[j] = float32(0.5 * rng.NormFloat64())
			l.movingVar[j] = float32(0.5 + rng.Float64())
		}
	}
	f, err := net.fold()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.layers) != 4 || f.inMul == nil {
		t.Fatalf("folded into %d dense layers (input stage %v), want 4 with an input stage", len(f.layers), f.inMul != nil)
	}
	want, err := net.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	var got Matrix
	f.forward(x, func(l int, m Matrix) {
		if l == len(f.layers) {
			got = m // one chunk: 400 rows
		}
	})
	if got.Rows != x.Rows {
		t.Fatalf("folded forward gave %d rows", got.Rows)
	}
	worst := 0.0
	for i := 0; i < x.Rows; i++ {
		for j := 0; j < 3; j++ {
			worst = max(worst, math.Abs(float64(got.At(i, j)-want.At(i, j))))
		}
	}
	t.Logf("%d batch norms folded; max |Δ| = %.3g", bn, worst)
	if worst > 1e-5 {
		t.Fatalf("folded network differs from Predict by %g", worst)
	}
	// And the quantized network stays near it (an untrained network's
	// probabilities are close to one another, so classes are not compared).
	q, err := net.Quantize(x)
	if err != nil {
		t.Fatal(err)
	}
	p, err := q.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	if _, diff := agreement(want, p); diff > 0.05 {
		t.Fatalf("quantized probabilities differ by up to %v", diff)
	} else {
		t.Logf("quantized: max |Δp| = %.3g", diff)
	}
}

func TestQuantizeErrors(t *testing.T) {
	net, calib := qTrained(t)
	nan := calib
	nan.Data = append([]float32(nil), calib.Data...)
	nan.Data[5] = float32(math.NaN())
	narrow, _ := NewMatrix(4, 7)
	cases := []struct {
		name string
		err  func() error
		want error
	}{
		{"static without calibration", func() error { _, err := net.Quantize(Matrix{}); return err }, ErrValue},
		{"NaN calibration", func() error { _, err := net.Quantize(nan); return err }, ErrValue},
		{"calibration width", func() error { _, err := net.Quantize(narrow); return err }, ErrShape},
		{"invalid calibration", func() error { _, err := net.Quantize(Matrix{Rows: 2, Cols: 8}); return err }, ErrShape},
	}
	q, err := net.Quantize(Matrix{}, DynamicQuantization())
	if err != nil {
		t.Fatalf("dynamic without calibration: %v", err)
	}
	dst, _ := NewMatrix(3, 3)
	x3, _ := NewMatrix(3, 8)
	xnan, _ := NewMatrix(3, 8)
	xnan.Data[4] = float32(math.Inf(1))
	cases = append(cases, []struct {
		name string
		err  func() error
		want error
	}{
		{"input width", func() error { _, err := q.Predict(narrow); return err }, ErrShape},
		{"Inf input", func() error { _, err := q.Predict(xnan); return err }, ErrValue},
		{"NaN input class", func() error { _, err := q.PredictClass(xnan); return err }, ErrValue},
		{"dst rows", func() error { return q.PredictInto(dst, calib) }, ErrShape},
		{"dst cols", func() error { d, _ := NewMatrix(3, 2); return q.PredictInto(d, x3) }, ErrShape},
		{"huge input", func() error {
			big, _ := NewMatrix(1, 8)
			for j := range big.Data {
				big.Data[j] = 3e38
				if j%2 == 1 {
					big.Data[j] = -3e38
				}
			}
			_, err := q.Predict(big)
			return err
		}, ErrValue},
	}...)
	deep, err := New(maxInt8Depth+1).Dense(1, Sigmoid).Build()
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases, struct {
		name string
		err  func() error
		want error
	}{"depth beyond maxInt8Depth", func() error { _, err := deep.Quantize(Matrix{}, DynamicQuantization()); return err }, ErrConfig})
	for _, c := range cases {
		err := c.err()
		if !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		}
	}
	if err := q.PredictInto(dst, x3); err != nil {
		t.Fatalf("a good call after errors: %v", err)
	}
	// A zero or nil QuantizedNetwork errors instead of panicking.
	for _, z := range []*QuantizedNetwork{nil, {}} {
		var buf bytes.Buffer
		_, e1 := z.Predict(x3)
		_, e2 := z.PredictClass(x3)
		for i, err := range []error{e1, e2, z.PredictInto(dst, x3), z.Save(&buf), z.ExportONNX(&buf), z.SaveFile(t.TempDir() + "/q")} {
			if !errors.Is(err, ErrConfig) {
				t.Errorf("empty network, call %d: %v, want ErrConfig", i, err)
			}
		}
		if z.Inputs() != 0 || z.Outputs() != 0 || z.String() == "" || z.Mode() == "" || z.Meta().Classes != nil {
			t.Errorf("empty network: %d inputs, %d outputs", z.Inputs(), z.Outputs())
		}
	}
}

func TestQuantizedPredictIntoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	net, calib := qTrained(t)
	for _, opt := range []QuantizeOption{StaticQuantization(), DynamicQuantization()} {
		q, err := net.Quantize(calib, opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, rows := range []int{1, 300} {
			x, _ := calib.RowView(0, rows)
			dst, _ := NewMatrix(rows, q.Outputs())
			if err := q.PredictInto(dst, x); err != nil {
				t.Fatal(err)
			}
			if n := testing.AllocsPerRun(20, func() { _ = q.PredictInto(dst, x) }); n != 0 {
				t.Errorf("%s, %d rows: %v allocations per PredictInto", q.Mode(), rows, n)
			}
		}
	}
}

// TestQuantizedConcurrent: goroutines sharing one quantized network get
// the serial results (run it under -race too).
func TestQuantizedConcurrent(t *testing.T) {
	net, calib := qTrained(t)
	for _, opt := range []QuantizeOption{StaticQuantization(), DynamicQuantization()} {
		q, err := net.Quantize(calib, opt)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := q.Predict(calib)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				r0 := (g * 97) % (calib.Rows - 50)
				x, _ := calib.RowView(r0, r0+1+g*7)
				dst, _ := NewMatrix(x.Rows, q.Outputs())
				for it := 0; it < 20; it++ {
					if err := q.PredictInto(dst, x); err != nil {
						errs <- err
						return
					}
					for i := 0; i < x.Rows; i++ {
						for j := 0; j < dst.Cols; j++ {
							if dst.At(i, j) != want.At(r0+i, j) {
								errs <- fmt.Errorf("goroutine %d: row %d differs", g, r0+i)
								return
							}
						}
					}
				}
			}(g)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
}

// quantizedFile returns a small quantized model file (static, with an
// input stage) for the hostile-file tests.
func quantizedFile(t testing.TB) []byte {
	net, _, _ := smallTrained(t)
	x, _ := qData(50, 9)
	x6, _ := x.View(0, 50, 0, 6)
	q, err := net.Quantize(x6)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := q.Save(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// resum replaces a file's checksum so that hostile contents get past it.
func resum(b []byte) []byte {
	out := append([]byte(nil), b[:len(b)-32]...)
	return append(out, sha256Sum(out)...)
}

// withHeader rebuilds a quantized file around a different header JSON.
func withHeader(b []byte, edit func(h map[string]any)) []byte {
	hl := binary.LittleEndian.Uint32(b[12:])
	var h map[string]any
	if err := json.Unmarshal(b[16:16+hl], &h); err != nil {
		panic(err)
	}
	edit(h)
	js, _ := json.Marshal(h)
	out := append([]byte(nil), b[:12]...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(js)))
	out = append(out, js...)
	out = append(out, b[16+hl:len(b)-32]...)
	return append(out, sha256Sum(out)...)
}

func TestLoadQuantizedHostile(t *testing.T) {
	good := quantizedFile(t)
	if _, err := LoadQuantizedBytes(good); err != nil {
		t.Fatal(err)
	}
	bad := map[string][]byte{
		"empty":   nil,
		"magic":   []byte(quantMagic),
		"float":   append([]byte(modelMagic), make([]byte, 60)...),
		"version": resum(append(append([]byte(quantMagic), 2, 0, 0, 0), good[12:]...)),
		"flipped": func() []byte { b := append([]byte(nil), good...); b[len(b)/2] ^= 1; return b }(),
		"extra":   resum(append(append([]byte(nil), good[:len(good)-32]...), 0, 0, 0, 0, 0, 0, 0, 0)),
		"huge units": withHeader(good, func(h map[string]any) {
			h["layers"].([]any)[0].(map[string]any)["units"] = 1e12
		}),
		"huge inputs": withHeader(good, func(h map[string]any) { h["inputs"] = 1e15 }),
		"mode":        withHeader(good, func(h map[string]any) { h["mode"] = "fast" }),
		"zero point": withHeader(good, func(h map[string]any) {
			h["layers"].([]any)[0].(map[string]any)["in_zero"] = 300
		}),
		"scale": withHeader(good, func(h map[string]any) {
			h["layers"].([]any)[1].(map[string]any)["in_scale"] = -1
		}),
		"activation": withHeader(good, func(h map[string]any) {
			h["layers"].([]any)[0].(map[string]any)["activation"] = "softmax"
		}),
		"no layers":  withHeader(good, func(h map[string]any) { h["layers"] = []any{} }),
		"unknown":    withHeader(good, func(h map[string]any) { h["extra"] = 1 }),
		"classes":    withHeader(good, func(h map[string]any) { h["meta"].(map[string]any)["classes"] = []string{"a"} }),
		"header len": resum(append(append(append([]byte(nil), good[:12]...), 0xff, 0xff, 0xff, 0x7f), good[16:]...)),
		"weight scale": resum(func() []byte {
			b := append([]byte(nil), good...)
			binary.LittleEndian.PutUint32(b[16+binary.LittleEndian.Uint32(good[12:])+72:], 0x7fc00000)
			return b
		}()),
	}
	for i := 0; i < len(good); i += 1 + i/7 {
		bad[fmt.Sprintf("truncated at %d", i)] = good[:i]
	}
	for name, b := range bad {
		var err error
		alloc := allocatedBy(func() { _, err = LoadQuantizedBytes(b) })
		if !errors.Is(err, ErrFormat) {
			t.Errorf("%s: error %v, want ErrFormat", name, err)
		}
		if alloc > 1<<20 {
			t.Errorf("%s: allocated %d bytes", name, alloc)
		}
		if _, err := LoadQuantized(bytes.NewReader(b)); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: LoadQuantized error %v, want ErrFormat", name, err)
		}
	}
	// A stream that never ends is refused at its first bytes, and one
	// that goes on after a good model is read only as far as the header
	// says.
	c := &countingReader{b: 'A'}
	if _, err := LoadQuantized(c); !errors.Is(err, ErrFormat) || c.n > 1<<16 {
		t.Fatalf("endless stream: %v after %d bytes", err, c.n)
	}
	c = &countingReader{b: 0}
	if _, err := LoadQuantized(io.MultiReader(bytes.NewReader(good), c)); !errors.Is(err, ErrFormat) || c.n > 1<<16 {
		t.Fatalf("a model followed by an endless stream: %v after %d more bytes", err, c.n)
	}
}

func FuzzLoadQuantized(f *testing.F) {
	good := quantizedFile(f)
	f.Add(good)
	f.Add([]byte(quantMagic))
	f.Add(good[:len(good)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		q, err := LoadQuantizedBytes(data)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		x, _ := NewMatrix(2, q.Inputs())
		if _, err := q.Predict(x); err != nil && !errors.Is(err, ErrValue) {
			t.Fatalf("a loaded model fails to predict: %v", err)
		}
		var out bytes.Buffer
		if err := q.Save(&out); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadQuantizedBytes(out.Bytes()); err != nil {
			t.Fatalf("a re-saved model does not load: %v", err)
		}
	})
}

// TestQuantizeStaticVsDynamic: dynamic quantization ignores the
// calibration data (bit-identical outputs with none), and on inputs
// spread three times wider than the calibration rows — which static
// quantization saturates — it stays closer to the float network.
func TestQuantizeStaticVsDynamic(t *testing.T) {
	net, calib := qTrained(t)
	d1, err := net.Quantize(calib, DynamicQuantization())
	if err != nil {
		t.Fatal(err)
	}
	d0, err := net.Quantize(Matrix{}, DynamicQuantization())
	if err != nil {
		t.Fatal(err)
	}
	st, err := net.Quantize(calib, StaticQuantization())
	if err != nil {
		t.Fatal(err)
	}
	xt, _ := qData(1000, 8)
	sc := net.Scaler()
	for i := 0; i < xt.Rows; i++ {
		r := xt.Row(i)
		for j := range r {
			r[j] = (r[j]-sc.Offset[j])*3 + sc.Offset[j]
		}
	}
	p1, _ := d1.Predict(xt)
	p0, _ := d0.Predict(xt)
	for i := range p1.Data {
		if math.Float32bits(p1.Data[i]) != math.Float32bits(p0.Data[i]) {
			t.Fatalf("dynamic output %d depends on the calibration data: %v vs %v", i, p1.Data[i], p0.Data[i])
		}
	}
	want, _ := net.Predict(xt)
	ps, _ := st.Predict(xt)
	agreeS, diffS := agreement(want, ps)
	agreeD, diffD := agreement(want, p1)
	t.Logf("3× wider inputs: static agreement %.4f max |Δp| %.3f; dynamic %.4f, %.3f", agreeS, diffS, agreeD, diffD)
	if agreeD < agreeS || diffD > diffS {
		t.Errorf("dynamic (%.4f, %.3f) is not closer to the float network than static (%.4f, %.3f) outside the calibration range", agreeD, diffD, agreeS, diffS)
	}
}

// TestQuantizedPredictClassSigmoid: a single sigmoid output is classified
// at 0.5 as the float network does.
func TestQuantizedPredictClassSigmoid(t *testing.T) {
	x, y3 := qData(1000, 12)
	y, _ := NewMatrix(x.Rows, 1)
	for i := 0; i < x.Rows; i++ {
		y.Set(i, 0, y3.At(i, 0))
	}
	net, err := New(8).Dense(16, ReLU).Dense(1, Sigmoid).Optimizer(Adam(0.01)).Seed(2).Build()
	if err != nil {
		t.Fatal(err)
	}
	sc, _ := FitStandardScaler(x)
	if err := net.SetScaler(sc); err != nil {
		t.Fatal(err)
	}
	if _, err := net.Fit(context.Background(), x, y, Epochs(5), BatchSize(32)); err != nil {
		t.Fatal(err)
	}
	q, err := net.Quantize(x)
	if err != nil {
		t.Fatal(err)
	}
	fc, _ := net.PredictClass(x)
	qc, err := q.PredictClass(x)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := q.Predict(x)
	same, ones := 0, 0
	for i := range fc {
		if qc[i] != 0 && qc[i] != 1 || (qc[i] == 1) != (p.At(i, 0) > 0.5) {
			t.Fatalf("row %d: class %d for probability %v", i, qc[i], p.At(i, 0))
		}
		if qc[i] == fc[i] {
			same++
		}
		ones += qc[i]
	}
	t.Logf("agreement %d/%d, %d rows of class 1", same, len(fc), ones)
	if same < len(fc)*99/100 || ones == 0 || ones == len(fc) {
		t.Fatalf("classes agree on %d of %d rows (%d ones)", same, len(fc), ones)
	}
}

// TestQuantizeRowRounding: quantizeRow against the formula in float64 —
// round half to even of the float32 product, plus the zero point, clamped
// — on random values, exact ties, the clamping edges, ±Inf and NaN.
func TestQuantizeRowRounding(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, zero := range []int32{0, 1, 77, 128, 254, 255} {
		for _, scale := range []float32{1, 0.0039215689, 0.37, 1e-30, 3e30} {
			inv := 1 / scale
			var v []float32
			for k := -300; k <= 300; k++ {
				v = append(v, (float32(k)+0.5)*scale, float32(k)*scale, (float32(k)+0.49999997)*scale)
			}
			for i := 0; i < 2000; i++ {
				v = append(v, float32(rng.NormFloat64()*300)*scale)
			}
			v = append(v, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 0, float32(math.Copysign(0, -1)))
			out := make([]uint8, len(v))
			quantizeRow(out, v, inv, zero)
			for p, x := range v {
				want := 0.0
				if t := float64(x * inv); !math.IsNaN(t) {
					want = min(max(math.RoundToEven(t)+float64(zero), 0), 255)
				}
				if float64(out[p]) != want {
					t.Fatalf("zero %d scale %v: %v·%v → %d, want %v", zero, scale, x, inv, out[p], want)
				}
			}
		}
	}
}

// TestQuantizedRefusesNonFiniteInput: the input check rides on the
// quantization of the first layer's rows, so it must find NaN and ±Inf at
// every position of a row (vector blocks, the masked tail), in every
// row of a chunk, in both modes and on every int8 kernel, and name the
// input rather than the network.
func TestQuantizedRefusesNonFiniteInput(t *testing.T) {
	net, calib := qTrained(t)
	for _, mode := range []QuantizeOption{StaticQuantization(), DynamicQuantization()} {
		q, err := net.Quantize(calib, mode)
		if err != nil {
			t.Fatal(err)
		}
		forEachInt8Kernel(t, func(t *testing.T, _ *int8Kernel) {
			x, _ := NewMatrix(5, q.Inputs())
			dst, _ := NewMatrix(5, q.Outputs())
			if err := q.PredictInto(dst, x); err != nil {
				t.Fatalf("%s: finite input refused: %v", q.Mode(), err)
			}
			for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
				for row := 0; row < x.Rows; row += 2 {
					for col := 0; col < x.Cols; col++ {
						x.Data[row*x.Stride+col] = bad
						err := q.PredictInto(dst, x)
						x.Data[row*x.Stride+col] = 0
						if !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), "NaN or Inf") {
							t.Fatalf("%s: %g at row %d col %d: err = %v, want ErrValue naming the features", q.Mode(), bad, row, col, err)
						}
					}
				}
			}
		})
	}
}

// TestSoftmaxRow32 checks the quantized network's float32 softmax against
// the float64 definition: exp32 within 2 ulps of eˣ over its range (and 0
// below it), and whole rows within 4 ulps of the float network's softmax
// plus what rounding x − max to float32 costs (the float network subtracts
// in float64).
func TestSoftmaxRow32(t *testing.T) {
	ulps := func(a, b float32) int64 {
		d := int64(math.Float32bits(a)) - int64(math.Float32bits(b))
		if d < 0 {
			d = -d
		}
		return d
	}
	worst := int64(0)
	for x := float32(0); x >= exp32Min; x = math.Nextafter32(x, -100) - 1e-3 {
		want := float32(math.Exp(float64(x)))
		if d := ulps(exp32(x), want); d > 2 {
			t.Fatalf("exp32(%g) = %g, want %g (%d ulps)", x, exp32(x), want, d)
		} else if d > worst {
			worst = d
		}
	}
	for _, x := range []float32{-88, -1000, float32(math.Inf(-1)), float32(math.NaN())} {
		if v := exp32(x); v != 0 {
			t.Errorf("exp32(%g) = %g, want 0", x, v)
		}
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for n := 1; n <= 40; n++ {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 10)
		}
		got, want := make([]float32, n), make([]float32, n)
		softmaxRow32(x, got)
		softmaxRow(x, want)
		m := slices.Max(x)
		for i := range got {
			// 4 ulps, plus the rounding of x − max in float32 (half an
			// ulp of it, which eˣ turns into a relative error).
			tol := float64(want[i]) * (4*0x1p-23 + float64(m-x[i])*0x1p-24)
			if d := math.Abs(float64(got[i] - want[i])); d > tol && d > 1e-38 {
				t.Fatalf("n=%d: softmaxRow32 y[%d] = %g, float64 softmax %g (%d ulps)", n, i, got[i], want[i], ulps(got[i], want[i]))
			}
		}
	}
	t.Logf("exp32: at most %d ulps from math.Exp", worst)
}
