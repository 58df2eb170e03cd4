package ann

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// ---------------------------------------------------------------- a tiny protobuf reader

// pbField is one decoded protobuf field: v holds a varint or fixed32 value,
// b a length-delimited payload.
type pbField struct {
	num, wire int
	v         uint64
	b         []byte
}

// pbParse splits one message into its fields, independently of onnx.go's
// encoder so that a wrong tag or length there fails here.
func pbParse(b []byte) ([]pbField, error) {
	var out []pbField
	for len(b) > 0 {
		key, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, errors.New("bad key varint")
		}
		b = b[k:]
		f := pbField{num: int(key >> 3), wire: int(key & 7)}
		if f.num == 0 {
			return nil, errors.New("field number 0")
		}
		switch f.wire {
		case 0:
			v, k := binary.Uvarint(b)
			if k <= 0 {
				return nil, errors.New("bad varint")
			}
			f.v, b = v, b[k:]
		case 2:
			l, k := binary.Uvarint(b)
			if k <= 0 || l > uint64(len(b)-k) {
				return nil, fmt.Errorf("field %d: bad length", f.num)
			}
			f.b, b = b[k:k+int(l)], b[k+int(l):]
		case 5:
			if len(b) < 4 {
				return nil, errors.New("short fixed32")
			}
			f.v, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
		default:
			return nil, fmt.Errorf("field %d: unexpected wire type %d", f.num, f.wire)
		}
		out = append(out, f)
	}
	return out, nil
}

// Decoded ONNX messages, only the fields ExportONNX writes.
type (
	onnxModelT struct {
		irVersion int64
		opsets    map[string]int64
		producer  string
		doc       string
		meta      map[string]string
		graph     onnxGraphT
	}
	onnxGraphT struct {
		name           string
		nodes          []onnxNodeT
		inits          map[string]onnxTensorT
		initOrder      []string
		inputs, output []onnxValueT
	}
	onnxNodeT struct {
		op, name string
		in, out  []string
		attrs    map[string]onnxAttrT
	}
	onnxAttrT struct {
		typ  int64
		f    float32
		i    int64
		ints []int64
	}
	onnxTensorT struct {
		dims     []int
		dataType int64
		data     []float32
	}
	onnxValueT struct {
		name string
		elem int64
		dims []string // dim_param, or dim_value in decimal
	}
)

// onnxDecode decodes an exported model, failing on any field ExportONNX is
// not expected to write (so a wrong field number cannot go unnoticed).
func onnxDecode(b []byte) (*onnxModelT, error) {
	fs, err := pbParse(b)
	if err != nil {
		return nil, err
	}
	m := &onnxModelT{opsets: map[string]int64{}, meta: map[string]string{}}
	graphs := 0
	for _, f := range fs {
		switch {
		case f.num == 1 && f.wire == 0:
			m.irVersion = int64(f.v)
		case f.num == 2 && f.wire == 2:
			m.producer = string(f.b)
		case f.num == 6 && f.wire == 2:
			m.doc = string(f.b)
		case f.num == 7 && f.wire == 2:
			graphs++
			if m.graph, err = onnxDecodeGraph(f.b); err != nil {
				return nil, fmt.Errorf("graph: %w", err)
			}
		case f.num == 8 && f.wire == 2:
			sub, err := pbParse(f.b)
			if err != nil {
				return nil, err
			}
			var dom string
			var ver int64
			for _, s := range sub {
				switch s.num {
				case 1:
					dom = string(s.b)
				case 2:
					ver = int64(s.v)
				}
			}
			m.opsets[dom] = ver
		case f.num == 14 && f.wire == 2:
			sub, err := pbParse(f.b)
			if err != nil {
				return nil, err
			}
			var k, v string
			for _, s := range sub {
				switch s.num {
				case 1:
					k = string(s.b)
				case 2:
					v = string(s.b)
				}
			}
			m.meta[k] = v
		default:
			return nil, fmt.Errorf("model: unexpected field %d (wire %d)", f.num, f.wire)
		}
	}
	if graphs != 1 {
		return nil, fmt.Errorf("%d graphs", graphs)
	}
	return m, nil
}

func onnxDecodeGraph(b []byte) (onnxGraphT, error) {
	g := onnxGraphT{inits: map[string]onnxTensorT{}}
	fs, err := pbParse(b)
	if err != nil {
		return g, err
	}
	for _, f := range fs {
		if f.wire != 2 {
			return g, fmt.Errorf("field %d: wire type %d", f.num, f.wire)
		}
		switch f.num {
		case 1:
			n, err := onnxDecodeNode(f.b)
			if err != nil {
				return g, err
			}
			g.nodes = append(g.nodes, n)
		case 2:
			g.name = string(f.b)
		case 5:
			name, t, err := onnxDecodeTensor(f.b)
			if err != nil {
				return g, err
			}
			if _, dup := g.inits[name]; dup {
				return g, fmt.Errorf("initializer %q twice", name)
			}
			g.inits[name] = t
			g.initOrder = append(g.initOrder, name)
		case 11, 12:
			v, err := onnxDecodeValue(f.b)
			if err != nil {
				return g, err
			}
			if f.num == 11 {
				g.inputs = append(g.inputs, v)
			} else {
				g.output = append(g.output, v)
			}
		default:
			return g, fmt.Errorf("unexpected field %d", f.num)
		}
	}
	return g, nil
}

func onnxDecodeNode(b []byte) (onnxNodeT, error) {
	n := onnxNodeT{attrs: map[string]onnxAttrT{}}
	fs, err := pbParse(b)
	if err != nil {
		return n, err
	}
	for _, f := range fs {
		switch f.num {
		case 1:
			n.in = append(n.in, string(f.b))
		case 2:
			n.out = append(n.out, string(f.b))
		case 3:
			n.name = string(f.b)
		case 4:
			n.op = string(f.b)
		case 5:
			sub, err := pbParse(f.b)
			if err != nil {
				return n, err
			}
			var name string
			var a onnxAttrT
			for _, s := range sub {
				switch {
				case s.num == 1 && s.wire == 2:
					name = string(s.b)
				case s.num == 2 && s.wire == 5:
					a.f = math.Float32frombits(uint32(s.v))
				case s.num == 3 && s.wire == 0:
					a.i = int64(s.v)
				case s.num == 8 && s.wire == 0: // ints (the quantized export's axes)
					a.ints = append(a.ints, int64(s.v))
				case s.num == 20 && s.wire == 0:
					a.typ = int64(s.v)
				default:
					return n, fmt.Errorf("attribute: unexpected field %d", s.num)
				}
			}
			n.attrs[name] = a
		default:
			return n, fmt.Errorf("node: unexpected field %d", f.num)
		}
	}
	return n, nil
}

func onnxDecodeTensor(b []byte) (string, onnxTensorT, error) {
	var t onnxTensorT
	var name string
	fs, err := pbParse(b)
	if err != nil {
		return "", t, err
	}
	var raw []byte
	for _, f := range fs {
		switch {
		case f.num == 1 && f.wire == 0:
			t.dims = append(t.dims, int(f.v))
		case f.num == 2 && f.wire == 0:
			t.dataType = int64(f.v)
		case f.num == 8 && f.wire == 2:
			name = string(f.b)
		case f.num == 9 && f.wire == 2:
			raw = f.b
		default:
			return "", t, fmt.Errorf("tensor: unexpected field %d", f.num)
		}
	}
	want := 1
	for _, d := range t.dims {
		want *= d
	}
	// The quantized export also stores int8 and uint8 tensors (one byte an
	// element); their values are widened into data.
	size := 4
	if t.dataType == onnxInt8 || t.dataType == onnxUint8 {
		size = 1
	}
	if len(raw) != size*want {
		return "", t, fmt.Errorf("tensor %q: %d raw bytes for dims %v", name, len(raw), t.dims)
	}
	t.data = make([]float32, want)
	for i := range t.data {
		switch t.dataType {
		case onnxInt8:
			t.data[i] = float32(int8(raw[i]))
		case onnxUint8:
			t.data[i] = float32(raw[i])
		case onnxInt32:
			t.data[i] = float32(int32(binary.LittleEndian.Uint32(raw[4*i:])))
		default:
			t.data[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	}
	return name, t, nil
}

func onnxDecodeValue(b []byte) (onnxValueT, error) {
	var v onnxValueT
	// ValueInfoProto{name 1, type 2{tensor_type 1{elem_type 1, shape 2{dim 1{dim_value 1 | dim_param 2}}}}}
	fs, err := pbParse(b)
	if err != nil {
		return v, err
	}
	for _, f := range fs {
		switch f.num {
		case 1:
			v.name = string(f.b)
		case 2:
			typ, err := pbParse(f.b)
			if err != nil || len(typ) != 1 || typ[0].num != 1 {
				return v, fmt.Errorf("value %q: bad type", v.name)
			}
			tt, err := pbParse(typ[0].b)
			if err != nil {
				return v, err
			}
			for _, t := range tt {
				switch t.num {
				case 1:
					v.elem = int64(t.v)
				case 2:
					dims, err := pbParse(t.b)
					if err != nil {
						return v, err
					}
					for _, d := range dims {
						dd, err := pbParse(d.b)
						if err != nil || len(dd) != 1 {
							return v, fmt.Errorf("value %q: bad dim", v.name)
						}
						if dd[0].num == 1 {
							v.dims = append(v.dims, strconv.FormatUint(dd[0].v, 10))
						} else {
							v.dims = append(v.dims, string(dd[0].b))
						}
					}
				}
			}
		}
	}
	return v, nil
}

// ---------------------------------------------------------------- a float64 reference interpreter

// onnxEval runs the decoded graph on x (rows × cols) in float64, with each
// op written from the ONNX operator specification (opset 13), not from
// ann's code, and returns every graph output.
func onnxEval(g onnxGraphT, x [][]float64) (map[string][][]float64, error) {
	type tensor struct {
		scalar bool
		vec    []float64   // a 1-D tensor
		mat    [][]float64 // a [batch, n] tensor
	}
	env := map[string]tensor{}
	for name, t := range g.inits {
		v := make([]float64, len(t.data))
		for i, f := range t.data {
			v[i] = float64(f)
		}
		switch len(t.dims) {
		case 0:
			env[name] = tensor{scalar: true, vec: v}
		case 1:
			env[name] = tensor{vec: v}
		case 2:
			m := make([][]float64, t.dims[0])
			for i := range m {
				m[i] = v[i*t.dims[1] : (i+1)*t.dims[1]]
			}
			env[name] = tensor{mat: m}
		default:
			return nil, fmt.Errorf("initializer %q has rank %d", name, len(t.dims))
		}
	}
	env[g.inputs[0].name] = tensor{mat: x}
	mapRows := func(a [][]float64, f func(i, j int, v float64) float64) [][]float64 {
		out := make([][]float64, len(a))
		for i, r := range a {
			out[i] = make([]float64, len(r))
			for j, v := range r {
				out[i][j] = f(i, j, v)
			}
		}
		return out
	}
	for _, n := range g.nodes {
		in := make([]tensor, len(n.in))
		for k, name := range n.in {
			t, ok := env[name]
			if !ok {
				return nil, fmt.Errorf("node %s: input %q not yet defined", n.name, name)
			}
			in[k] = t
		}
		a := in[0].mat
		attr := func(name string) float64 { return float64(n.attrs[name].f) }
		actRows := func(act Activation, alpha float64) [][]float64 {
			out := make([][]float64, len(a))
			for i, r := range a {
				out[i] = actRef64(act, r, alpha)
			}
			return out
		}
		var out [][]float64
		switch n.op {
		case "Sub", "Mul", "Add":
			// Numpy-style broadcasting of a [batch, n] tensor with a [n]
			// vector, a scalar or another [batch, n] tensor.
			b := in[1]
			out = mapRows(a, func(i, j int, v float64) float64 {
				w := 0.0
				switch {
				case b.scalar:
					w = b.vec[0]
				case b.mat != nil:
					w = b.mat[i][j]
				default:
					w = b.vec[j]
				}
				switch n.op {
				case "Sub":
					return v - w
				case "Mul":
					return v * w
				}
				return v + w
			})
		case "Gemm":
			if len(n.attrs) != 0 {
				return nil, fmt.Errorf("Gemm with attributes %v", n.attrs)
			}
			w, c := in[1].mat, in[2].vec
			out = make([][]float64, len(a))
			for i, r := range a {
				out[i] = slices.Clone(c)
				for k, v := range r {
					for j := range c {
						out[i][j] += v * w[k][j]
					}
				}
			}
		case "BatchNormalization":
			gamma, beta, mean, vr := in[1].vec, in[2].vec, in[3].vec, in[4].vec
			eps := attr("epsilon")
			out = mapRows(a, func(_, j int, v float64) float64 {
				return (v-mean[j])/math.Sqrt(vr[j]+eps)*gamma[j] + beta[j]
			})
		// The ONNX operators that are ann activations use the one float64
		// reference of the tests, actRef64 (activations_test.go): their
		// definitions in the ONNX spec are the same functions.
		case "Identity":
			out = actRows(Identity, 0)
		case "Relu":
			out = actRows(ReLU, 0)
		case "Sigmoid":
			out = actRows(Sigmoid, 0)
		case "Tanh":
			out = actRows(Tanh, 0)
		case "Softplus":
			out = actRows(Softplus, 0)
		case "LeakyRelu":
			out = actRows(LeakyReLU, attr("alpha"))
		case "Elu":
			out = actRows(ELU, attr("alpha"))
		case "Erf":
			out = mapRows(a, func(_, _ int, v float64) float64 { return math.Erf(v) })
		case "HardSigmoid":
			out = mapRows(a, func(_, _ int, v float64) float64 {
				return math.Max(0, math.Min(1, attr("alpha")*v+attr("beta")))
			})
		case "Softmax":
			if ax := n.attrs["axis"].i; ax != 1 && ax != -1 {
				return nil, fmt.Errorf("Softmax axis %d", ax)
			}
			out = actRows(Softmax, 0)
		default:
			return nil, fmt.Errorf("interpreter has no op %q", n.op)
		}
		if len(n.out) != 1 {
			return nil, fmt.Errorf("node %s has %d outputs", n.name, len(n.out))
		}
		if _, dup := env[n.out[0]]; dup {
			return nil, fmt.Errorf("tensor %q assigned twice", n.out[0])
		}
		env[n.out[0]] = tensor{mat: out}
	}
	res := map[string][][]float64{}
	for _, o := range g.output {
		t, ok := env[o.name]
		if !ok || t.mat == nil {
			return nil, fmt.Errorf("output %q not computed", o.name)
		}
		res[o.name] = t.mat
	}
	return res, nil
}

// ---------------------------------------------------------------- test models

// onnxTestData returns rows of 6 synthetic features with very different
// offsets and spreads (so the scaler matters) and a 3-class label that
// depends on them non-linearly.
func onnxTestData(rows int, seed uint64) (Matrix, []int) {
	rng := rand.New(rand.NewPCG(seed, 7))
	x, _ := NewMatrix(rows, 6)
	labels := make([]int, rows)
	offsets := []float64{100, -3, 0.01, 5000, 0, 42}
	spreads := []float64{20, 0.5, 0.002, 800, 3, 1}
	for i := 0; i < rows; i++ {
		r := x.Row(i)
		var z [6]float64
		for j := range r {
			z[j] = rng.NormFloat64()
			r[j] = float32(offsets[j] + spreads[j]*z[j])
		}
		s := z[0] + z[1]*z[2] - 0.5*z[3] + math.Sin(2*z[4])
		switch {
		case s < -0.6:
			labels[i] = 0
		case s < 0.6:
			labels[i] = 1
		default:
			labels[i] = 2
		}
	}
	return x, labels
}

// onnxCSVModel builds the "CSV-like" model: a standard scaler, every
// activation kind, batch norm and dropout, trained briefly on synthetic
// data. It returns the network and held-out rows.
func onnxCSVModel(t *testing.T) (*Network, Matrix) {
	t.Helper()
	net, err := New(6).
		Dense(16, ReLU).BatchNorm().Dropout(0.2).
		Dense(12, PiecewiseLinear).
		Dense(12, Sigmoid).
		Dense(12, Tanh).Dropout(0.1).
		Dense(12, LeakyReLU, Alpha(0.1)).BatchNorm().
		Dense(12, ELU, Alpha(0.7)).
		Dense(12, GELU).
		Dense(12, SiLU).
		Dense(12, Softplus).
		Dense(12, Identity).
		Dense(3, Softmax).
		Optimizer(Adam(0.01)).Seed(3).Build()
	if err != nil {
		t.Fatal(err)
	}
	x, labels := onnxTestData(600, 1)
	sc, err := FitStandardScaler(x)
	if err != nil {
		t.Fatal(err)
	}
	if err := net.SetScaler(sc); err != nil {
		t.Fatal(err)
	}
	if err := net.SetMeta(Meta{FeatureNames: []string{"a", "b", "c", "d", "e", "f"}, LabelName: "kind", Classes: []string{"x", "y", "z"}}); err != nil {
		t.Fatal(err)
	}
	y, err := OneHot(labels, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := net.Fit(context.Background(), x, y, Epochs(5), BatchSize(32)); err != nil {
		t.Fatal(err)
	}
	// Held-out rows, partly far outside the training range, so that the
	// saturating units and the exponential tails are exercised.
	xt, _ := onnxTestData(300, 2)
	for i := 0; i < 60; i++ {
		r := xt.Row(i)
		for j := range r {
			r[j] = (r[j]-sc.Offset[j])*4 + sc.Offset[j]
		}
	}
	return net, xt
}

// onnxCSVOps is the node sequence onnxCSVModel must export to.
var onnxCSVOps = []string{
	"Sub", "Mul",
	"Gemm", "Relu", "BatchNormalization",
	"Gemm", "HardSigmoid",
	"Gemm", "Sigmoid",
	"Gemm", "Tanh",
	"Gemm", "LeakyRelu", "BatchNormalization",
	"Gemm", "Elu",
	"Gemm", "Mul", "Erf", "Add", "Mul", "Mul",
	"Gemm", "Sigmoid", "Mul",
	"Gemm", "Softplus",
	"Gemm", "Identity",
	"Gemm", "Softmax",
}

func exportONNX(t *testing.T, net *Network) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := net.ExportONNX(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ---------------------------------------------------------------- structure

// TestExportONNXStructure decodes the exported bytes with the reader above
// and checks the versions, the graph's signature, the node sequence and
// attributes, every initializer bit for bit, and finally runs the graph in
// the float64 interpreter against Predict.
func TestExportONNXStructure(t *testing.T) {
	net, xt := onnxCSVModel(t)
	m, err := onnxDecode(exportONNX(t, net))
	if err != nil {
		t.Fatal(err)
	}
	if m.irVersion != 7 || len(m.opsets) != 1 || m.opsets[""] != 13 {
		t.Fatalf("ir_version %d, opsets %v; want 7 and ai.onnx 13", m.irVersion, m.opsets)
	}
	if m.producer != "ann" || m.doc != net.String() {
		t.Errorf("producer %q, doc %q", m.producer, m.doc)
	}
	wantMeta := map[string]string{"ann.classes": `["x","y","z"]`, "ann.feature_names": `["a","b","c","d","e","f"]`, "ann.label_name": `"kind"`}
	if fmt.Sprint(m.meta) != fmt.Sprint(wantMeta) {
		t.Errorf("metadata %v, want %v", m.meta, wantMeta)
	}
	g := m.graph
	sig := func(vs []onnxValueT) string {
		s := ""
		for _, v := range vs {
			s += fmt.Sprintf("%s:%d%v ", v.name, v.elem, v.dims)
		}
		return s
	}
	if got, want := sig(g.inputs), "input:1[batch 6] "; got != want {
		t.Errorf("inputs %q, want %q", got, want)
	}
	if got, want := sig(g.output), "probabilities:1[batch 3] logits:1[batch 3] "; got != want {
		t.Errorf("outputs %q, want %q", got, want)
	}
	var ops []string
	for _, n := range g.nodes {
		ops = append(ops, n.op)
	}
	if !slices.Equal(ops, onnxCSVOps) {
		t.Fatalf("ops\n%v\nwant\n%v", ops, onnxCSVOps)
	}
	attrs := map[string]string{}
	for _, n := range g.nodes {
		if len(n.attrs) > 0 {
			attrs[n.op] = fmt.Sprint(n.attrs)
		}
	}
	f32 := func(v float32) string { return fmt.Sprint(onnxAttrT{typ: 1, f: v}) }
	wantAttrs := map[string]string{
		"HardSigmoid":        fmt.Sprintf("map[alpha:%s beta:%s]", f32(1), f32(0.5)),
		"LeakyRelu":          fmt.Sprintf("map[alpha:%s]", f32(0.1)),
		"Elu":                fmt.Sprintf("map[alpha:%s]", f32(0.7)),
		"BatchNormalization": fmt.Sprintf("map[epsilon:%s]", f32(0.001)),
		"Softmax":            fmt.Sprint(map[string]onnxAttrT{"axis": {typ: 2, i: 1}}),
	}
	if fmt.Sprint(attrs) != fmt.Sprint(wantAttrs) {
		t.Errorf("attributes\n%v\nwant\n%v", attrs, wantAttrs)
	}

	// Initializers: names, shapes and bits.
	want := map[string]onnxTensorT{
		"scaler/offset":   {dims: []int{6}, data: net.Scaler().Offset},
		"scaler/scale":    {dims: []int{6}, data: net.Scaler().Scale},
		"const/inv_sqrt2": {data: []float32{float32(1 / math.Sqrt2)}},
		"const/one":       {data: []float32{1}},
		"const/half":      {data: []float32{0.5}},
	}
	for i, l := range net.Layers() {
		p := fmt.Sprintf("layer%d/", i+1)
		switch l.Kind {
		case "dense":
			var k []float32
			for r := range l.Inputs {
				k = append(k, l.Weights.Row(r)...)
			}
			want[p+"kernel"] = onnxTensorT{dims: []int{l.Inputs, l.Units}, data: k}
			want[p+"bias"] = onnxTensorT{dims: []int{l.Units}, data: l.Bias}
		case "batch_norm":
			want[p+"gamma"] = onnxTensorT{dims: []int{l.Units}, data: l.Gamma}
			want[p+"beta"] = onnxTensorT{dims: []int{l.Units}, data: l.Beta}
			want[p+"moving_mean"] = onnxTensorT{dims: []int{l.Units}, data: l.MovingMean}
			want[p+"moving_variance"] = onnxTensorT{dims: []int{l.Units}, data: l.MovingVariance}
		}
	}
	if len(g.inits) != len(want) {
		t.Errorf("%d initializers %v, want %d", len(g.inits), g.initOrder, len(want))
	}
	bits := func(v []float32) []uint32 {
		out := make([]uint32, len(v))
		for i, f := range v {
			out[i] = math.Float32bits(f)
		}
		return out
	}
	for name, w := range want {
		got, ok := g.inits[name]
		if !ok {
			t.Errorf("initializer %q missing", name)
			continue
		}
		if got.dataType != 1 || !slices.Equal(got.dims, w.dims) || !slices.Equal(bits(got.data), bits(w.data)) {
			t.Errorf("initializer %q: type %d dims %v, want float dims %v (or data differs)", name, got.dataType, got.dims, w.dims)
		}
	}
	if m := net.Layers()[1].MovingMean; slices.Max(m) == 0 && slices.Min(m) == 0 {
		t.Error("batch norm moving mean still zero: the model did not train")
	}

	// Semantics: the graph, run by the spec-written interpreter, must give
	// Predict's outputs.
	onnxCompareInterpreter(t, net, g, xt)
}

// onnxCompareInterpreter runs g in the float64 interpreter and compares
// with Predict and Logits. The tolerance, 1e-5 absolute on probabilities
// and 1e-5·(1+|z|) on logits, is about 80 float32 ulps at 1: the float32
// rounding of about a dozen layers of short dot products, far below any
// wrong op, attribute or weight order.
func onnxCompareInterpreter(t *testing.T, net *Network, g onnxGraphT, x Matrix) {
	t.Helper()
	rows := make([][]float64, x.Rows)
	for i := range rows {
		for _, v := range x.Row(i) {
			rows[i] = append(rows[i], float64(v))
		}
	}
	got, err := onnxEval(g, rows)
	if err != nil {
		t.Fatal(err)
	}
	probs, err := net.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	logits, err := net.Logits(x)
	if err != nil {
		t.Fatal(err)
	}
	var dp, dz float64
	for i := 0; i < x.Rows; i++ {
		for j := 0; j < probs.Cols; j++ {
			dp = math.Max(dp, math.Abs(got["probabilities"][i][j]-float64(probs.At(i, j))))
			z := float64(logits.At(i, j))
			dz = math.Max(dz, math.Abs(got["logits"][i][j]-z)/(1+math.Abs(z)))
		}
	}
	t.Logf("interpreter vs Predict on %d rows: max |Δp| = %.3g, max |Δz|/(1+|z|) = %.3g", x.Rows, dp, dz)
	if dp > 1e-5 || dz > 1e-5 {
		t.Errorf("interpreter and Predict differ: max |Δp| = %g, max relative |Δz| = %g (tolerance 1e-5)", dp, dz)
	}
}

// TestExportONNXMNISTShape checks a scaler-free tutorial network: no Sub
// or Mul before the first Gemm, dropout gone, and the outputs' widths.
func TestExportONNXMNISTShape(t *testing.T) {
	net, err := New(784).Dense(30, ReLU).Dropout(0.3).Dense(10, Softmax).Build()
	if err != nil {
		t.Fatal(err)
	}
	m, err := onnxDecode(exportONNX(t, net))
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, n := range m.graph.nodes {
		ops = append(ops, n.op)
	}
	if want := []string{"Gemm", "Relu", "Gemm", "Softmax"}; !slices.Equal(ops, want) {
		t.Errorf("ops %v, want %v", ops, want)
	}
	if len(m.meta) != 0 {
		t.Errorf("metadata %v, want none", m.meta)
	}
	if got := m.graph.inits["layer1/kernel"].dims; !slices.Equal(got, []int{784, 30}) {
		t.Errorf("layer1/kernel dims %v", got)
	}
	if got := m.graph.inits["layer3/kernel"].dims; !slices.Equal(got, []int{30, 10}) {
		t.Errorf("layer3/kernel dims %v", got)
	}
	x, _ := NewMatrix(5, 784)
	for i := range x.Data {
		x.Data[i] = float32(i%255) / 255
	}
	onnxCompareInterpreter(t, net, m.graph, x)
}

type failWriter struct{ after int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.after < len(p) {
		return 0, errors.New("disk full")
	}
	w.after -= len(p)
	return len(p), nil
}

func TestExportONNXErrors(t *testing.T) {
	var nilNet *Network
	if err := nilNet.ExportONNX(&bytes.Buffer{}); !errors.Is(err, ErrConfig) {
		t.Errorf("nil network: %v, want ErrConfig", err)
	}
	g := &onnxGraph{consts: map[string]bool{}}
	if err := g.activation(Activation(200), 0, "x", "y", "l"); !errors.Is(err, ErrConfig) {
		t.Errorf("unknown activation: %v, want ErrConfig", err)
	}
	net, err := New(3).Dense(4, Tanh).Dense(2, Sigmoid).Build()
	if err != nil {
		t.Fatal(err)
	}
	full := exportONNX(t, net)
	for _, after := range []int{0, 10, len(full) / 2, len(full) - 1} {
		err := net.ExportONNX(&failWriter{after: after})
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte("disk full")) {
			t.Errorf("writer failing after %d bytes: %v", after, err)
		}
	}
	if err := net.ExportONNX(&failWriter{after: len(full)}); err != nil {
		t.Errorf("writer with exactly enough room: %v", err)
	}
	// Exporting twice gives the same bytes: nothing depends on map order.
	if again := exportONNX(t, net); !bytes.Equal(again, full) {
		t.Error("two exports differ")
	}
}

// ---------------------------------------------------------------- real runtimes

// onnxRequired reports whether missing runtimes fail the test (CI sets
// ANN_ONNX_REQUIRED=1 after running scripts/onnx/install.sh).
func onnxRequired() bool { return os.Getenv("ANN_ONNX_REQUIRED") == "1" }

func onnxMissing(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if onnxRequired() {
		t.Fatal(msg + " (ANN_ONNX_REQUIRED=1)")
	}
	t.Skip(msg + "; set ANN_ONNX_REQUIRED=1 to make this a failure")
}

// onnxProbe runs a check script with --probe; exit status 3 or a missing
// interpreter means the runtime is not installed.
func onnxProbe(t *testing.T, install string, name string, args ...string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		onnxMissing(t, "%s not found: %s", name, install)
	}
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 3 {
			onnxMissing(t, "%s: %s", bytes.TrimSpace(out), install)
		}
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	t.Logf("%s", bytes.TrimSpace(out))
}

// TestONNXRuntime exports two trained networks, checks each model with
// onnx.checker (full_check) and runs it in onnxruntime, and compares
// onnxruntime's probabilities and classes with Predict's: max abs
// difference ≤ 1e-5 and identical classes. (a) is the tutorial network
// trained briefly on MNIST, compared on the first 1,000 test images; (b)
// is the CSV-like model with a standard scaler, every activation, batch
// norm and dropout.
func TestONNXRuntime(t *testing.T) {
	const install = "run scripts/onnx/install.sh (npm ci --ignore-scripts in scripts/onnx; apt-get install -y python3-onnx)"
	onnxProbe(t, install, "node", filepath.Join("scripts", "onnx", "check.js"), "--probe")
	onnxProbe(t, install, "/usr/bin/python3", filepath.Join("scripts", "onnx", "check.py"), "--probe")

	t.Run("mnist", func(t *testing.T) {
		dir := MNISTDir()
		if dir == "" {
			if onnxRequired() {
				t.Fatal("ANN_ONNX_REQUIRED=1 but ANN_MNIST_DIR is unset")
			}
			t.Skip("set ANN_MNIST_DIR to the directory holding the MNIST files")
		}
		train, test, err := LoadMNIST(dir)
		if err != nil {
			t.Fatal(err)
		}
		net, err := New(784).
			Dense(300, ReLU).Dropout(0.3).
			Dense(100, ReLU).
			Dense(10, Softmax).
			Optimizer(Adam(0.001)).Seed(42).Build()
		if err != nil {
			t.Fatal(err)
		}
		y, err := OneHot(train.Labels, 10)
		if err != nil {
			t.Fatal(err)
		}
		// The comparison needs a trained network, not a good one: -short
		// (which the arm64 steps under qemu run) trains 60 steps.
		steps := 400
		if testing.Short() {
			steps = 60
		}
		if _, err := net.Train(context.Background(), train.X, y, steps, BatchSize(128)); err != nil {
			t.Fatal(err)
		}
		x, _ := test.X.RowView(0, 1000)
		onnxRunCompare(t, net, x, test.Labels[:1000])
		calib, _ := train.X.RowView(0, 1000)
		onnxRunCompareQuantized(t, net, calib, x, test.Labels[:1000])
	})

	t.Run("csv", func(t *testing.T) {
		net, x := onnxCSVModel(t)
		onnxRunCompare(t, net, x, nil)
		onnxRunCompareQuantized(t, net, x, x, nil)
	})
}

// onnxRunCompare exports net, checks and runs the model, and compares.
// labels, when given, are used only to log the accuracy.
func onnxRunCompare(t *testing.T, net *Network, x Matrix, labels []int) {
	t.Helper()
	dir := t.TempDir()
	model := filepath.Join(dir, "model.onnx")
	if err := os.WriteFile(model, exportONNX(t, net), 0o644); err != nil {
		t.Fatal(err)
	}
	in := make([]byte, 0, 4*x.Rows*x.Cols)
	for i := 0; i < x.Rows; i++ {
		for _, v := range x.Row(i) {
			in = binary.LittleEndian.AppendUint32(in, math.Float32bits(v))
		}
	}
	inputs := filepath.Join(dir, "inputs.bin")
	if err := os.WriteFile(inputs, in, 0o644); err != nil {
		t.Fatal(err)
	}

	// onnx's checker.
	out, err := exec.Command("/usr/bin/python3", filepath.Join("scripts", "onnx", "check.py"), model).Output()
	if err != nil {
		t.Fatalf("check.py: %v\n%s", err, stderrOf(err))
	}
	var chk struct {
		Version   string              `json:"version"`
		IRVersion int                 `json:"ir_version"`
		Opsets    map[string]int      `json:"opsets"`
		Ops       []string            `json:"ops"`
		Outputs   map[string][]string `json:"outputs"`
	}
	if err := json.Unmarshal(out, &chk); err != nil {
		t.Fatalf("check.py output: %v\n%s", err, out)
	}
	wantDims := []string{"batch", strconv.Itoa(net.Outputs())}
	if !slices.Equal(chk.Outputs["probabilities"], wantDims) || !slices.Equal(chk.Outputs["logits"], wantDims) {
		t.Errorf("onnx shape inference: outputs %v, want %v", chk.Outputs, wantDims)
	}
	t.Logf("onnx %s checker (full_check): ok; ir_version %d, opsets %v, %d nodes %v", chk.Version, chk.IRVersion, chk.Opsets, len(chk.Ops), chk.Ops)

	// onnxruntime.
	out, err = exec.Command("node", filepath.Join("scripts", "onnx", "check.js"), model, inputs,
		strconv.Itoa(x.Rows), strconv.Itoa(x.Cols)).Output()
	if err != nil {
		t.Fatalf("check.js: %v\n%s", err, stderrOf(err))
	}
	var res struct {
		Version string `json:"version"`
		Outputs map[string]struct {
			Dims []int     `json:"dims"`
			Data []float64 `json:"data"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("check.js output: %v", err)
	}
	probs, err := net.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	logits, err := net.Logits(x)
	if err != nil {
		t.Fatal(err)
	}
	classes, err := net.PredictClass(x)
	if err != nil {
		t.Fatal(err)
	}
	rp, rz := res.Outputs["probabilities"], res.Outputs["logits"]
	want := []int{x.Rows, net.Outputs()}
	if !slices.Equal(rp.Dims, want) || !slices.Equal(rz.Dims, want) || len(rp.Data) != x.Rows*net.Outputs() || len(rz.Data) != len(rp.Data) {
		t.Fatalf("onnxruntime outputs: probabilities %v, logits %v; want dims %v", rp.Dims, rz.Dims, want)
	}
	var dp, dz float64
	agree, correct := 0, 0
	for i := 0; i < x.Rows; i++ {
		row := rp.Data[i*want[1] : (i+1)*want[1]]
		for j, v := range row {
			dp = math.Max(dp, math.Abs(v-float64(probs.At(i, j))))
			dz = math.Max(dz, math.Abs(rz.Data[i*want[1]+j]-float64(logits.At(i, j))))
		}
		c := 0
		for j, v := range row {
			if v > row[c] {
				c = j
			}
		}
		if c == classes[i] {
			agree++
		}
		if labels != nil && classes[i] == labels[i] {
			correct++
		}
	}
	acc := ""
	if labels != nil {
		acc = fmt.Sprintf(", ann accuracy %.4f", float64(correct)/float64(x.Rows))
	}
	t.Logf("onnxruntime %s vs Predict on %d rows: max |Δprobability| = %.3g, max |Δlogit| = %.3g, classes agree %d/%d%s",
		res.Version, x.Rows, dp, dz, agree, x.Rows, acc)
	if dp > 1e-5 {
		t.Errorf("max |Δprobability| = %g > 1e-5", dp)
	}
	if agree != x.Rows {
		t.Errorf("classes agree on %d of %d rows", agree, x.Rows)
	}
}

func stderrOf(err error) []byte {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.Stderr
	}
	return nil
}
