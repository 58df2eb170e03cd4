package ann

import (
	"fmt"
	"io"
)

// TensorProto.DataType values of the quantized export.
const (
	onnxUint8 = 2
	onnxInt8  = 3
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
// Weights are stored as int8 initializers with their per-unit scales
// (DequantizeLinear, axis 1, zero point 0). The input stage (scaler and
// leading batch norms) is Sub, Mul, Add in float. Then, per dense layer:
//
//   - static models, in QDQ form: QuantizeLinear (the layer's input scale
//     and uint8 zero point) → DequantizeLinear → MatMul with the
//     dequantized weights → Add bias → activation. onnxruntime fuses the
//     DequantizeLinear pairs around MatMul into its integer kernels
//     (MatMulIntegerToFloat or QLinearMatMul).
//   - dynamic models: DynamicQuantizeLinear → MatMulInteger with the int8
//     weights → Cast to float → Mul by (input scale · weight scales) → Add
//     bias → activation. DynamicQuantizeLinear measures one range for the
//     whole batch where ann measures one per row, so the two agree exactly
//     for a batch of one row and otherwise within the quantization error
//     (a wider range is a coarser step).
//
// Quantization rounds ties to even in both; ann multiplies by the inverse
// scale where ONNX divides, so an input that falls within a rounding error
// of a tie may land one step apart, and onnxruntime's fused integer
// kernels requantize in their own order; a step's difference in one hidden
// unit moves the output by about one weight quantum. Against Predict, the
// test (TestONNXRuntime) bounds the probabilities' difference by 0.02 for
// static models and 0.05 for dynamic ones (the batch-wide range), and
// requires 99 % of the classes to agree; measured on the first 1,000 MNIST
// test images: 0.005 static, 0.012 dynamic, all classes but one agreeing.
// Write errors are wrapped with "ann: writing ONNX model".
func (q *QuantizedNetwork) ExportONNX(w io.Writer) error {
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
			g.node("DynamicQuantizeLinear", p+"/DynamicQuantizeLinear", []string{cur},
				[]string{p + "/x_q", p + "/x_scale", p + "/x_zero"})
			g.node("MatMulInteger", p+"/MatMulInteger", []string{p + "/x_q", p + "/kernel_q", p + "/x_zero"}, []string{p + "/acc"})
			g.node("Cast", p+"/Cast", []string{p + "/acc"}, []string{p + "/acc_f"}, intAttr("to", onnxFloat))
			g.tensor(p+"/kernel_scale", []int{l.out}, l.wScale)
			g.node("Mul", p+"/scales", []string{p + "/x_scale", p + "/kernel_scale"}, []string{p + "/scale"})
			g.node("Mul", p+"/dequantize", []string{p + "/acc_f", p + "/scale"}, []string{p + "/matmul"})
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
