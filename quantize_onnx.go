package ann

import (
	"encoding/binary"
	"fmt"
	"io"
)

// TensorProto.DataType values of the quantized export.
const (
	onnxUint8 = 2
	onnxInt8  = 3
	onnxInt32 = 6
)

// rawTensor appends an initializer of the given data type with its
// little-endian bytes in raw_data (TensorProto: dims 1, data_type 2,
// name 8, raw_data 9).
func (g *onnxGraph) rawTensor(name string, dims []int, dtype int, raw []byte) {
	b := make(pbuf, 0, len(name)+8*len(dims)+len(raw)+24)
	for _, d := range dims {
		b = b.int64Field(1, int64(d))
	}
	b = b.int64Field(2, int64(dtype)).stringField(8, name).bytesField(9, raw)
	g.inits = append(g.inits, b)
}

// String summarises the quantized network, e.g.
// "int8 static: 784 → dense 300 relu → dense 10 softmax".
func (q *QuantizedNetwork) String() string {
	if q.usable() != nil {
		return "int8: empty"
	}
	s := fmt.Sprintf("int8 %s: %d", q.Mode(), q.inputs)
	for _, l := range q.layers {
		s += fmt.Sprintf(" → dense %d %v", l.out, l.act)
	}
	return s
}

// ExportONNX writes the quantized network as an ONNX model (binary
// ModelProto, IR version 7, opset 13, as Network.ExportONNX) with the same
// interface as the float export: input "input" float32 [batch, Inputs],
// outputs "probabilities" (what Predict returns) and "logits" (the output
// layer's pre-activation values), float32 [batch, Outputs].
//
// Weights are stored as int8 initializers ("layerN/kernel_q", Inputs×Units)
// with their per-unit float32 scales ("layerN/kernel_scale"). The input
// stage (scaler and leading batch norms) is Sub, Mul, Add in float. Then,
// per dense layer:
//
//   - static models, in QDQ form: QuantizeLinear (the layer's input scale
//     and uint8 zero point) → DequantizeLinear → MatMul with the weights
//     through DequantizeLinear (per-unit scales, axis 1, int8 zero point
//     0) → Add bias → activation; the form onnxruntime's QDQ optimizer
//     turns into integer kernels.
//   - dynamic models: ann's per-row quantization written out in float ops
//     (ReduceMin/ReduceMax over the row, the scale and zero point as
//     quantParams computes them, Mul by the reciprocal scale, Round, Add,
//     Clip, Cast to uint8) → MatMulInteger with the int8 weights (an
//     integer kernel in onnxruntime) → minus zero point · column sums in
//     int32 → Cast to float → Mul by (row scale · weight scales) → Add bias
//     → activation: the same arithmetic, step for step, as Predict.
//     DynamicQuantizeLinear was not used: it takes one range for the whole
//     batch, so a row's result would depend on the rows beside it, and
//     MatMulInteger in onnxruntime takes only a per-tensor zero point.
//
// Against Predict (TestONNXRuntime; the first 1,000 MNIST test images and
// the CSV model with every activation) the dynamic export agrees to
// float32 rounding: max |Δprobability| 1.8e-7 on MNIST, 1.3e-4 on the CSV
// model. The static export differs a little more, because onnxruntime
// rewrites the QDQ pattern into its own integer kernels, which requantize
// with their own arithmetic (not the division in QuantizeLinear: making
// ann divide instead of multiplying by the reciprocal changed nothing), so
// an activation near a rounding boundary can land one step away: max 0.005
// (MNIST) and 0.007 (CSV), every class agreeing. The test bounds both by
// 0.02 and requires 99 % of the classes to agree.
// Write errors are wrapped with "ann: writing ONNX model".
func (q *QuantizedNetwork) ExportONNX(w io.Writer) error {
	if err := q.usable(); err != nil {
		return err
	}
	g := &onnxGraph{consts: map[string]bool{}}
	cur := "input"
	if q.inMul != nil {
		g.tensor("input_stage/offset", []int{q.inputs}, q.inOff)
		g.tensor("input_stage/scale", []int{q.inputs}, q.inMul)
		g.tensor("input_stage/shift", []int{q.inputs}, q.inAdd)
		g.node("Sub", "input_stage/sub", []string{cur, "input_stage/offset"}, []string{"input_stage/centred"})
		g.node("Mul", "input_stage/mul", []string{"input_stage/centred", "input_stage/scale"}, []string{"input_stage/scaled"})
		g.node("Add", "input_stage/add", []string{"input_stage/scaled", "input_stage/shift"}, []string{"scaled_input"})
		cur = "scaled_input"
	}
	last := len(q.layers) - 1
	for i, l := range q.layers {
		p := fmt.Sprintf("layer%d", i+1)
		raw := make([]byte, len(l.w))
		for k, v := range l.w {
			raw[k] = byte(v)
		}
		g.rawTensor(p+"/kernel_q", []int{l.in, l.out}, onnxInt8, raw)
		g.tensor(p+"/bias", []int{l.out}, l.bias)
		z, y := p+"/z", p+"/y"
		if i == last {
			z, y = "logits", "probabilities"
		}
		if q.dynamic {
			q.onnxDynamicLayer(g, p, cur, l)
		} else {
			g.tensor(p+"/x_scale", nil, []float32{l.inScale})
			g.rawTensor(p+"/x_zero", nil, onnxUint8, []byte{byte(l.inZero)})
			g.node("QuantizeLinear", p+"/QuantizeLinear", []string{cur, p + "/x_scale", p + "/x_zero"}, []string{p + "/x_q"})
			g.node("DequantizeLinear", p+"/DequantizeLinear", []string{p + "/x_q", p + "/x_scale", p + "/x_zero"}, []string{p + "/x_dq"})
			g.tensor(p+"/kernel_scale", []int{l.out}, l.wScale)
			g.rawTensor(p+"/kernel_zero", []int{l.out}, onnxInt8, make([]byte, l.out))
			g.node("DequantizeLinear", p+"/kernel/DequantizeLinear", []string{p + "/kernel_q", p + "/kernel_scale", p + "/kernel_zero"},
				[]string{p + "/kernel"}, intAttr("axis", 1))
			g.node("MatMul", p+"/MatMul", []string{p + "/x_dq", p + "/kernel"}, []string{p + "/matmul"})
		}
		g.node("Add", p+"/Add", []string{p + "/matmul", p + "/bias"}, []string{z})
		if err := g.activation(l.act, l.alpha, z, y, p); err != nil {
			return fmt.Errorf("layer %d: %w", i+1, err)
		}
		cur = y
	}
	return g.write(w, q.inputs, q.Outputs(), q.String(), q.meta)
}

// onnxDynamicLayer appends the nodes of a dynamic layer's integer product,
// "<p>/matmul" = float32(Σ(x_q − zp)·w_q)·(s_x·s_w), with one range per
// row computed exactly as quantParams and quantizeRow do (see ExportONNX).
func (q *QuantizedNetwork) onnxDynamicLayer(g *onnxGraph, p, x string, l qLayer) {
	n := func(op, name string, in []string, attrs ...[]byte) string {
		out := p + "/" + name
		g.node(op, out, in, []string{out}, attrs...)
		return out
	}
	zero, one := g.scalar("const/zero", 0), g.scalar("const/one", 1)
	c255 := g.scalar("const/255", 255)
	lo := n("Min", "lo", []string{n("ReduceMin", "row_min", []string{x}, intsAttr("axes", 1), intAttr("keepdims", 1)), zero})
	hi := n("Max", "hi", []string{n("ReduceMax", "row_max", []string{x}, intsAttr("axes", 1), intAttr("keepdims", 1)), zero})
	s0 := n("Div", "scale0", []string{n("Sub", "range", []string{hi, lo}), c255})
	scale := n("Where", "x_scale", []string{n("Equal", "scale_is_0", []string{s0, zero}), one, s0})
	zp := n("Clip", "x_zero", []string{n("Round", "zero_round", []string{n("Div", "zero_div", []string{n("Neg", "neg_lo", []string{lo}), scale})}), zero, c255})
	inv := n("Reciprocal", "x_inv", []string{scale})
	xr := n("Round", "x_round", []string{n("Mul", "x_scaled", []string{x, inv})})
	xq := n("Cast", "x_q", []string{n("Clip", "x_clip", []string{n("Add", "x_shift", []string{xr, zp}), zero, c255})}, intAttr("to", onnxUint8))
	acc := n("MatMulInteger", "acc", []string{xq, p + "/kernel_q"})
	cs := make([]byte, 0, 4*l.out)
	for _, v := range l.colSum {
		cs = binary.LittleEndian.AppendUint32(cs, uint32(v))
	}
	g.rawTensor(p+"/kernel_colsum", []int{l.out}, onnxInt32, cs)
	zi := n("Cast", "x_zero_i32", []string{zp}, intAttr("to", onnxInt32))
	d := n("Sub", "acc_centred", []string{acc, n("Mul", "zero_colsum", []string{zi, p + "/kernel_colsum"})})
	df := n("Cast", "acc_f", []string{d}, intAttr("to", onnxFloat))
	g.tensor(p+"/kernel_scale", []int{l.out}, l.wScale)
	sc := n("Mul", "scale", []string{scale, p + "/kernel_scale"})
	g.node("Mul", p+"/dequantize", []string{df, sc}, []string{p + "/matmul"})
}

// intsAttr encodes an AttributeProto of type INTS (ints 8, type 20 = 7).
func intsAttr(name string, v ...int64) []byte {
	b := pbuf(nil).stringField(1, name)
	for _, x := range v {
		b = b.int64Field(8, x)
	}
	return b.int64Field(20, 7)
}
