package ann

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// ONNX export. The ModelProto is encoded by hand: the ONNX schema
// (onnx/onnx.proto3) has been stable since IR version 3, the subset used
// here is a dozen messages, and a protobuf library would be the package's
// third dependency.
//
// The versions are fixed so that a model exported today reads the same in
// every runtime: IR version 7 with the default domain at opset 13 (ONNX
// 1.8, 2020), which every onnxruntime since 1.6 and onnx's checker since 1.8
// accept. Every op below exists unchanged in that opset.

const (
	// onnxIRVersion is the ModelProto ir_version (ONNX 1.8's).
	onnxIRVersion = 7
	// onnxOpset is the version of the default ("ai.onnx") operator set.
	onnxOpset = 13
	// onnxFloat is TensorProto.DataType FLOAT.
	onnxFloat = 1
	// onnxMaxBytes is protobuf's hard message limit (2 GiB − 1); larger
	// models need ONNX external data, which ExportONNX does not write.
	onnxMaxBytes = math.MaxInt32
)

// AttributeProto.AttributeType values.
const (
	onnxAttrFloat = 1
	onnxAttrInt   = 2
)

// Protobuf wire types.
const (
	wireVarint  = 0
	wireBytes   = 2
	wireFixed32 = 5
)

// pbuf is an append-only protobuf encoder: each method appends one field.
type pbuf []byte

func (b pbuf) varint(v uint64) pbuf { return binary.AppendUvarint(b, v) }

func (b pbuf) tag(field, wire int) pbuf { return b.varint(uint64(field)<<3 | uint64(wire)) }

// int64Field appends a varint field; proto's int64 encodes negatives as
// their 64-bit two's complement.
func (b pbuf) int64Field(field int, v int64) pbuf { return b.tag(field, wireVarint).varint(uint64(v)) }

func (b pbuf) bytesField(field int, p []byte) pbuf {
	return append(b.tag(field, wireBytes).varint(uint64(len(p))), p...)
}

func (b pbuf) stringField(field int, s string) pbuf {
	return append(b.tag(field, wireBytes).varint(uint64(len(s))), s...)
}

func (b pbuf) float32Field(field int, v float32) pbuf {
	return binary.LittleEndian.AppendUint32(b.tag(field, wireFixed32), math.Float32bits(v))
}

// onnxGraph collects a GraphProto's nodes and initializers, each already
// encoded, so that the weights are copied once on their way to the writer.
type onnxGraph struct {
	nodes, inits [][]byte
	consts       map[string]bool // scalar constants already emitted
}

// node appends a NodeProto (fields: input 1, output 2, name 3, op_type 4,
// attribute 5).
func (g *onnxGraph) node(op, name string, in, out []string, attrs ...[]byte) {
	var b pbuf
	for _, s := range in {
		b = b.stringField(1, s)
	}
	for _, s := range out {
		b = b.stringField(2, s)
	}
	b = b.stringField(3, name).stringField(4, op)
	for _, a := range attrs {
		b = b.bytesField(5, a)
	}
	g.nodes = append(g.nodes, b)
}

// floatAttr and intAttr encode an AttributeProto (name 1, f 2, i 3,
// type 20).
func floatAttr(name string, v float32) []byte {
	return pbuf(nil).stringField(1, name).float32Field(2, v).int64Field(20, onnxAttrFloat)
}

func intAttr(name string, v int64) []byte {
	return pbuf(nil).stringField(1, name).int64Field(3, v).int64Field(20, onnxAttrInt)
}

// tensor appends a float32 initializer (TensorProto: dims 1, data_type 2,
// name 8, raw_data 9, little-endian as the spec requires). Empty dims
// make a scalar.
func (g *onnxGraph) tensor(name string, dims []int, data []float32) {
	b := make(pbuf, 0, len(name)+8*len(dims)+4*len(data)+24)
	for _, d := range dims {
		b = b.int64Field(1, int64(d))
	}
	b = b.int64Field(2, onnxFloat).stringField(8, name)
	b = b.tag(9, wireBytes).varint(uint64(4 * len(data)))
	for _, v := range data {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	g.inits = append(g.inits, b)
}

// matrix appends m (rows×cols, any stride) as a 2-D initializer.
func (g *onnxGraph) matrix(name string, m Matrix) {
	data := make([]float32, 0, m.Rows*m.Cols)
	for i := 0; i < m.Rows; i++ {
		data = append(data, m.Data[i*m.Stride:i*m.Stride+m.Cols]...)
	}
	g.tensor(name, []int{m.Rows, m.Cols}, data)
}

// scalar returns the name of a 0-d constant initializer holding v, emitting
// it the first time.
func (g *onnxGraph) scalar(name string, v float32) string {
	if !g.consts[name] {
		g.consts[name] = true
		g.tensor(name, nil, []float32{v})
	}
	return name
}

// activation appends the nodes computing y = act(x) element-wise (row-wise
// for Softmax), naming intermediate tensors after prefix.
func (g *onnxGraph) activation(act Activation, alpha float32, x, y, prefix string) error {
	one := func(op string, attrs ...[]byte) {
		g.node(op, prefix+"/"+op, []string{x}, []string{y}, attrs...)
	}
	switch act {
	case Identity:
		one("Identity")
	case ReLU:
		one("Relu")
	case PiecewiseLinear:
		// HardSigmoid is max(0, min(1, α·x + β)): with α = 1, β = 0.5 it is
		// clamp(x + 0.5, 0, 1), exactly the piecewise-linear unit.
		one("HardSigmoid", floatAttr("alpha", 1), floatAttr("beta", 0.5))
	case Sigmoid:
		one("Sigmoid")
	case Tanh:
		one("Tanh")
	case LeakyReLU:
		one("LeakyRelu", floatAttr("alpha", alpha))
	case Softmax:
		// Explicit axis: before opset 13 the default (1) flattened, since
		// then it is −1; for a [batch, units] tensor both are the rows.
		one("Softmax", intAttr("axis", 1))
	case ELU:
		one("Elu", floatAttr("alpha", alpha))
	case GELU:
		// x·Φ(x) = 0.5·x·(1 + erf(x/√2)); opset 13 has Erf but no Gelu
		// (added in opset 20).
		p := prefix + "/gelu"
		g.node("Mul", p+"/scale", []string{x, g.scalar("const/inv_sqrt2", float32(1/math.Sqrt2))}, []string{p + "/u"})
		g.node("Erf", p+"/erf", []string{p + "/u"}, []string{p + "/erf"})
		g.node("Add", p+"/add", []string{p + "/erf", g.scalar("const/one", 1)}, []string{p + "/phi2"})
		g.node("Mul", p+"/mul", []string{x, p + "/phi2"}, []string{p + "/x_phi2"})
		g.node("Mul", p+"/half", []string{p + "/x_phi2", g.scalar("const/half", 0.5)}, []string{y})
	case SiLU:
		p := prefix + "/silu"
		g.node("Sigmoid", p+"/sigmoid", []string{x}, []string{p + "/s"})
		g.node("Mul", p+"/mul", []string{x, p + "/s"}, []string{y})
	case Softplus:
		one("Softplus")
	default:
		return fmt.Errorf("%w: no ONNX export for activation %v", ErrConfig, act)
	}
	return nil
}

// valueInfo encodes a ValueInfoProto for a float32 [batch, width] tensor
// whose first dimension is the symbolic "batch" (ValueInfoProto: name 1,
// type 2; TypeProto.tensor_type 1; Tensor: elem_type 1, shape 2;
// TensorShapeProto.dim 1; Dimension: dim_value 1, dim_param 2).
func valueInfo(name string, width int) []byte {
	shape := pbuf(nil).
		bytesField(1, pbuf(nil).stringField(2, "batch")).
		bytesField(1, pbuf(nil).int64Field(1, int64(width)))
	tensor := pbuf(nil).int64Field(1, onnxFloat).bytesField(2, shape)
	typ := pbuf(nil).bytesField(1, tensor)
	return pbuf(nil).stringField(1, name).bytesField(2, typ)
}

// ExportONNX writes the network as an ONNX model (a binary ModelProto) to w,
// for inference in onnxruntime and other ONNX runtimes.
//
// The model has IR version 7 and imports the default operator set
// (ai.onnx) at opset 13. Its graph takes one input, "input", float32
// [batch, Inputs] with a symbolic batch dimension, and has two outputs,
// float32 [batch, Outputs]: "probabilities", the output layer's activation
// (what Predict returns), and "logits", its pre-activation values (what
// Logits returns). The nodes are, in order:
//
//   - the input Scaler, when set: Sub (offsets) then Mul (scales);
//   - each dense layer: Gemm with the Inputs×Units kernel and the bias,
//     then its activation: Identity, Relu, HardSigmoid (α = 1, β = 0.5, for
//     PiecewiseLinear), Sigmoid, Tanh, LeakyRelu (α), Softmax (axis 1),
//     Elu (α), 0.5·x·(1 + Erf(x/√2)) as Mul, Erf, Add, Mul, Mul (GELU),
//     x·Sigmoid(x) as Sigmoid, Mul (SiLU), or Softplus;
//   - each batch normalization: BatchNormalization in inference form with
//     the layer's γ, β, moving mean, moving variance and ε;
//   - nothing for dropout, which is the identity in inference.
//
// Weights are float32 initializers stored little-endian in raw_data. The
// metadata_props carry the Meta's class names, feature names and label
// name as JSON, under "ann.classes", "ann.feature_names" and
// "ann.label_name", and the model's doc_string the network's String.
//
// An activation without an ONNX form fails with ErrConfig, as does a model
// larger than protobuf's 2 GiB limit; nothing is written then. Write
// errors are wrapped with "ann: writing ONNX model". ExportONNX only reads the network, so it
// may run concurrently with Predict but not with training.
func (n *Network) ExportONNX(w io.Writer) error {
	if n == nil || len(n.layers) == 0 {
		return fmt.Errorf("%w: ExportONNX on an empty network", ErrConfig)
	}
	if n.layers[len(n.layers)-1].kind != layerDense {
		return fmt.Errorf("%w: the last layer must be dense to export, got %v", ErrConfig, n.layers[len(n.layers)-1].kind)
	}
	g := &onnxGraph{consts: map[string]bool{}}
	cur := "input"
	if s := n.scaler; s != nil {
		g.tensor("scaler/offset", []int{n.cfg.Inputs}, s.Offset)
		g.tensor("scaler/scale", []int{n.cfg.Inputs}, s.Scale)
		g.node("Sub", "scaler/sub", []string{cur, "scaler/offset"}, []string{"scaler/centred"})
		g.node("Mul", "scaler/mul", []string{"scaler/centred", "scaler/scale"}, []string{"scaled_input"})
		cur = "scaled_input"
	}
	last := len(n.layers) - 1
	for i, l := range n.layers {
		p := fmt.Sprintf("layer%d", i+1)
		switch l.kind {
		case layerDense:
			z, y := p+"/z", p+"/y"
			if i == last {
				z, y = "logits", "probabilities"
			}
			g.matrix(p+"/kernel", l.w)
			g.tensor(p+"/bias", []int{l.out}, l.b)
			g.node("Gemm", p+"/Gemm", []string{cur, p + "/kernel", p + "/bias"}, []string{z})
			if err := g.activation(l.act, l.alpha, z, y, p); err != nil {
				return fmt.Errorf("layer %d: %w", i+1, err)
			}
			cur = y
		case layerDropout:
			// Inverted dropout scales in training only: inference is the
			// identity, so the layer has no node.
		case layerBatchNorm:
			g.tensor(p+"/gamma", []int{l.out}, l.gamma)
			g.tensor(p+"/beta", []int{l.out}, l.beta)
			g.tensor(p+"/moving_mean", []int{l.out}, l.movingMean)
			g.tensor(p+"/moving_variance", []int{l.out}, l.movingVar)
			g.node("BatchNormalization", p+"/BatchNormalization",
				[]string{cur, p + "/gamma", p + "/beta", p + "/moving_mean", p + "/moving_variance"},
				[]string{p + "/y"}, floatAttr("epsilon", l.eps))
			cur = p + "/y"
		default:
			return fmt.Errorf("%w: layer %d: no ONNX export for %v layers", ErrConfig, i+1, l.kind)
		}
	}

	return g.write(w, n.cfg.Inputs, n.Outputs(), n.String(), n.meta)
}

// write encodes the graph as a ModelProto — one float32 input "input"
// [batch, inputs], outputs "probabilities" and "logits" [batch, outputs],
// doc as the doc_string and meta's names as metadata_props — and writes it
// to w.
func (g *onnxGraph) write(w io.Writer, inputs, outputs int, doc string, meta Meta) error {
	// GraphProto: node 1, name 2, initializer 5, doc_string 10, input 11,
	// output 12. Field order is free in protobuf; nodes must be sorted
	// topologically, which the layer order gives.
	tail := pbuf(nil).stringField(2, "ann").
		bytesField(11, valueInfo("input", inputs)).
		bytesField(12, valueInfo("probabilities", outputs)).
		bytesField(12, valueInfo("logits", outputs))
	size := len(tail)
	var heads [][]byte // the tag and length of each node and initializer
	for _, group := range []struct {
		field int
		parts [][]byte
	}{{1, g.nodes}, {5, g.inits}} {
		for _, part := range group.parts {
			h := pbuf(nil).tag(group.field, wireBytes).varint(uint64(len(part)))
			heads = append(heads, h)
			size += len(h) + len(part)
			if size > onnxMaxBytes {
				return fmt.Errorf("%w: network too large for ONNX's 2 GiB protobuf limit", ErrConfig)
			}
		}
	}

	// ModelProto: ir_version 1, producer_name 2, doc_string 6, graph 7,
	// opset_import 8 (OperatorSetIdProto: domain 1, version 2; the empty
	// domain is ai.onnx), metadata_props 14 (key 1, value 2).
	model := pbuf(nil).int64Field(1, onnxIRVersion).
		stringField(2, "ann").
		stringField(6, doc).
		bytesField(8, pbuf(nil).stringField(1, "").int64Field(2, onnxOpset))
	props := []struct {
		key string
		val any
		set bool
	}{
		{"ann.classes", meta.Classes, meta.Classes != nil},
		{"ann.feature_names", meta.FeatureNames, meta.FeatureNames != nil},
		{"ann.label_name", meta.LabelName, meta.LabelName != ""},
	}
	for _, m := range props {
		if !m.set {
			continue
		}
		js, err := json.Marshal(m.val)
		if err != nil {
			return fmt.Errorf("%w: metadata %s: %v", ErrValue, m.key, err)
		}
		model = model.bytesField(14, pbuf(nil).stringField(1, m.key).stringField(2, string(js)))
	}
	model = model.tag(7, wireBytes).varint(uint64(size))
	if len(model)+size > onnxMaxBytes {
		return fmt.Errorf("%w: network too large for ONNX's 2 GiB protobuf limit", ErrConfig)
	}

	chunks := make([][]byte, 0, 2*len(heads)+2)
	chunks = append(chunks, model)
	k := 0
	for _, parts := range [][][]byte{g.nodes, g.inits} {
		for _, part := range parts {
			chunks = append(chunks, heads[k], part)
			k++
		}
	}
	for _, c := range append(chunks, tail) {
		if _, err := w.Write(c); err != nil {
			return fmt.Errorf("ann: writing ONNX model: %w", err)
		}
	}
	return nil
}
