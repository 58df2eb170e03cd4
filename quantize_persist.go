package ann

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
)

// The quantized model file format, version 1. All integers are
// little-endian. It has the float format's frame (persist.go) with its own
// magic, so that each loader recognises the other's files and says which
// loader to use:
//
//	offset  size  content
//	0       8     magic "ANNQUANT"
//	8       4     format version (uint32, 1)
//	12      4     header length H (uint32)
//	16      H     header: JSON (quantHeader) — inputs, mode, whether an
//	              input stage is stored, each dense layer's units,
//	              activation, α and (static mode) input scale and zero
//	              point, Meta
//	16+H    …     payload: the input stage (offset, multiplier, addend:
//	              3·inputs float32) when stored; then per layer its weight
//	              scales (units float32), biases (units float32) and
//	              weights (inputs×units int8, row-major)
//	end−32  32    SHA-256 of every byte before it
//
// A reader checks the checksum, then that the header's sizes account for
// the payload exactly before allocating anything they size, and that every
// scale is finite and positive, every bias finite and every zero point in
// [0, 255]: a truncated, corrupted or hostile file is an ErrFormat error,
// never a panic or an allocation larger than the file.
const (
	quantMagic   = "ANNQUANT"
	quantVersion = 1
)

type quantLayerHeader struct {
	Units      int     `json:"units"`
	Activation string  `json:"activation"`
	Alpha      float32 `json:"alpha,omitempty"`
	InScale    float32 `json:"in_scale,omitempty"`
	InZero     int32   `json:"in_zero,omitempty"`
}

type quantHeader struct {
	Inputs     int                `json:"inputs"`
	Mode       string             `json:"mode"`
	InputStage bool               `json:"input_stage,omitempty"`
	Layers     []quantLayerHeader `json:"layers"`
	Meta       Meta               `json:"meta"`
}

// Save writes the quantized network to w in the quantized model format
// (see quantize_persist.go); LoadQuantized reads it back, predicting
// bit-identically. Write errors wrap ErrConfig.
func (q *QuantizedNetwork) Save(w io.Writer) error {
	if err := q.usable(); err != nil {
		return err
	}
	h := quantHeader{Inputs: q.inputs, Mode: q.Mode(), InputStage: q.inMul != nil, Meta: q.meta}
	for _, l := range q.layers {
		lh := quantLayerHeader{Units: l.out, Activation: l.act.String(), Alpha: l.alpha}
		if !q.dynamic {
			lh.InScale, lh.InZero = l.inScale, l.inZero
		}
		h.Layers = append(h.Layers, lh)
	}
	js, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("%w: encoding the model header: %w", ErrValue, err)
	}
	var b []byte
	b = append(b, quantMagic...)
	b = binary.LittleEndian.AppendUint32(b, quantVersion)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(js)))
	b = append(b, js...)
	f32 := func(v []float32) {
		for _, x := range v {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
	}
	if q.inMul != nil {
		f32(q.inOff)
		f32(q.inMul)
		f32(q.inAdd)
	}
	for _, l := range q.layers {
		f32(l.wScale)
		f32(l.bias)
		for _, v := range l.w {
			b = append(b, byte(v))
		}
	}
	sum := sha256.Sum256(b)
	b = append(b, sum[:]...)
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("%w: writing model: %w", ErrConfig, err)
	}
	return nil
}

// SaveFile writes the quantized network to path atomically (a synced
// temporary file renamed over path).
func (q *QuantizedNetwork) SaveFile(path string) error {
	return writeFileAtomic(path, q.Save)
}

// IsQuantizedModel reports whether b starts like a quantized model file
// (its magic), as opposed to a float model file or anything else.
func IsQuantizedModel(b []byte) bool {
	return len(b) >= len(quantMagic) && string(b[:len(quantMagic)]) == quantMagic
}

// LoadQuantized reads a quantized network written by QuantizedNetwork.Save.
// A float model file is refused with ErrFormat naming Load. Like Load, it
// reads the 16-byte prefix and the header first and refuses what is wrong
// there before reading further; the header's layer sizes then say exactly
// how many bytes follow (at most 4 GiB in all), memory grows only with the
// bytes actually read, and data after the checksum is an ErrFormat error.
func LoadQuantized(r io.Reader) (*QuantizedNetwork, error) {
	var buf bytes.Buffer
	var pre [16]byte
	if n, err := io.ReadFull(r, pre[:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("%w: not an ann quantized model file (%d bytes)", ErrFormat, n)
		}
		return nil, fmt.Errorf("%w: reading model: %w", ErrConfig, err)
	}
	if err := checkQuantPrefix(pre[:]); err != nil {
		return nil, err
	}
	buf.Write(pre[:])
	hl := binary.LittleEndian.Uint32(pre[12:])
	if int64(hl) > maxModelBytes-16-32 {
		return nil, fmt.Errorf("%w: header length %d: model larger than %d bytes", ErrFormat, hl, int64(maxModelBytes))
	}
	// The header's layer sizes say exactly how many bytes follow, so an
	// endless or oversized stream is never read to its end.
	var h quantHeader
	if err := readStreamHeader(r, &buf, hl, &h); err != nil {
		return nil, err
	}
	size, err := quantPayloadSize(&h, maxModelBytes-16-int64(hl)-32)
	if err != nil {
		return nil, err
	}
	if err := copyExactly(&buf, r, size+32, "weights and checksum"); err != nil {
		return nil, err
	}
	if err := checkStreamEnd(r); err != nil {
		return nil, err
	}
	return LoadQuantizedBytes(buf.Bytes())
}

// LoadQuantizedFile reads a quantized network from the file at path.
func LoadQuantizedFile(path string) (*QuantizedNetwork, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	defer f.Close()
	q, err := LoadQuantized(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return q, nil
}

// checkQuantPrefix checks a quantized file's magic and version.
func checkQuantPrefix(pre []byte) error {
	if len(pre) >= 8 && string(pre[:8]) == modelMagic {
		return fmt.Errorf("%w: this is a float model file; load it with Load (or LoadFile, LoadBytes), not LoadQuantized", ErrFormat)
	}
	if !IsQuantizedModel(pre) || len(pre) < 16 {
		return fmt.Errorf("%w: not an ann quantized model file", ErrFormat)
	}
	if v := binary.LittleEndian.Uint32(pre[8:]); v != quantVersion {
		return fmt.Errorf("%w: quantized model format version %d, this build reads version %d", ErrFormat, v, quantVersion)
	}
	return nil
}

// LoadQuantizedBytes reads a quantized network from a file's bytes, for
// models embedded with go:embed. It does not keep data.
func LoadQuantizedBytes(data []byte) (*QuantizedNetwork, error) {
	if len(data) < 16+32 {
		if err := checkQuantPrefix(data); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: not an ann quantized model file (%d bytes)", ErrFormat, len(data))
	}
	if err := checkQuantPrefix(data[:16]); err != nil {
		return nil, err
	}
	var h quantHeader
	payload, err := decodeFileBytes(data, &h)
	if err != nil {
		return nil, err
	}
	q, err := quantFromHeader(&h, len(payload))
	if err != nil {
		return nil, err
	}
	off := 0
	f32 := func(dst []float32, what string, positive bool) error {
		for j := range dst {
			v := math.Float32frombits(binary.LittleEndian.Uint32(payload[off:]))
			off += 4
			if !finite32(v) || (positive && !(v > 0)) {
				return fmt.Errorf("%w: %s holds %v", ErrFormat, what, v)
			}
			dst[j] = v
		}
		return nil
	}
	if h.InputStage {
		q.inOff, q.inMul, q.inAdd = make([]float32, q.inputs), make([]float32, q.inputs), make([]float32, q.inputs)
		for _, t := range []struct {
			v    []float32
			name string
		}{{q.inOff, "input offset"}, {q.inMul, "input multiplier"}, {q.inAdd, "input addend"}} {
			if err := f32(t.v, t.name, false); err != nil {
				return nil, err
			}
		}
	}
	for i := range q.layers {
		l := &q.layers[i]
		l.wScale, l.bias, l.w = make([]float32, l.out), make([]float32, l.out), make([]int8, l.in*l.out)
		if err := f32(l.wScale, fmt.Sprintf("layer %d weight scales", i+1), true); err != nil {
			return nil, err
		}
		if err := f32(l.bias, fmt.Sprintf("layer %d bias", i+1), false); err != nil {
			return nil, err
		}
		for j := range l.w {
			l.w[j] = int8(payload[off])
			off++
		}
	}
	q.finish()
	return q, nil
}

// quantPayloadSize returns the payload bytes h describes, refusing sizes
// beyond limit (checked before each addition, so nothing overflows).
func quantPayloadSize(h *quantHeader, limit int64) (int64, error) {
	if h.Inputs < 1 || int64(h.Inputs) > limit {
		return 0, fmt.Errorf("%w: %d inputs", ErrFormat, h.Inputs)
	}
	var need int64
	if h.InputStage {
		need = 12 * int64(h.Inputs)
	}
	in := int64(h.Inputs)
	for i, l := range h.Layers {
		u := int64(l.Units)
		if u < 1 || u > limit || in > limit/u {
			return 0, fmt.Errorf("%w: layer %d of %d×%d weights: model larger than %d bytes", ErrFormat, i+1, in, l.Units, int64(maxModelBytes))
		}
		need += in*u + 8*u
		if need > limit {
			return 0, fmt.Errorf("%w: model larger than %d bytes", ErrFormat, int64(maxModelBytes))
		}
		in = u
	}
	return need, nil
}

// quantFromHeader checks h against a payload of n bytes and returns the
// network's skeleton (no tensors allocated yet).
func quantFromHeader(h *quantHeader, n int) (*QuantizedNetwork, error) {
	q := &QuantizedNetwork{inputs: h.Inputs}
	switch h.Mode {
	case "static":
	case "dynamic":
		q.dynamic = true
	default:
		return nil, fmt.Errorf("%w: unknown quantization mode %q", ErrFormat, h.Mode)
	}
	if h.Inputs < 1 || h.Inputs > n {
		return nil, fmt.Errorf("%w: %d inputs", ErrFormat, h.Inputs)
	}
	if len(h.Layers) == 0 || len(h.Layers) > n {
		return nil, fmt.Errorf("%w: %d layers", ErrFormat, len(h.Layers))
	}
	need := 0
	if h.InputStage {
		need = 12 * h.Inputs
	}
	in := h.Inputs
	for i, lh := range h.Layers {
		if lh.Units < 1 || lh.Units > n {
			return nil, fmt.Errorf("%w: layer %d has %d units", ErrFormat, i+1, lh.Units)
		}
		if in > maxInt8Depth {
			return nil, fmt.Errorf("%w: layer %d has %d inputs, more than int8 inference supports (%d)", ErrFormat, i+1, in, maxInt8Depth)
		}
		if in > n/lh.Units {
			return nil, fmt.Errorf("%w: layer %d needs more weights than the file holds", ErrFormat, i+1)
		}
		need += in*lh.Units + 8*lh.Units
		if need > n {
			return nil, fmt.Errorf("%w: the layers need more bytes than the file holds", ErrFormat)
		}
		act, err := ParseActivation(lh.Activation)
		if err != nil {
			return nil, fmt.Errorf("%w: layer %d: %v", ErrFormat, i+1, err)
		}
		if act == Softmax && i != len(h.Layers)-1 {
			return nil, fmt.Errorf("%w: layer %d: softmax only on the output layer", ErrFormat, i+1)
		}
		if !finite32(lh.Alpha) || lh.Alpha < 0 {
			return nil, fmt.Errorf("%w: layer %d: alpha %v", ErrFormat, i+1, lh.Alpha)
		}
		l := qLayer{in: in, out: lh.Units, act: act, alpha: lh.Alpha}
		if q.dynamic {
			if lh.InScale != 0 || lh.InZero != 0 {
				return nil, fmt.Errorf("%w: layer %d: a dynamic model stores no input scale", ErrFormat, i+1)
			}
		} else {
			if !(lh.InScale > 0) || !finite32(lh.InScale) || !finite32(1/lh.InScale) || lh.InZero < 0 || lh.InZero > 255 {
				return nil, fmt.Errorf("%w: layer %d: input scale %v, zero point %d", ErrFormat, i+1, lh.InScale, lh.InZero)
			}
			l.setInput(lh.InScale, lh.InZero)
		}
		q.layers = append(q.layers, l)
		in = lh.Units
	}
	if need != n {
		return nil, fmt.Errorf("%w: the layers hold %d bytes, the file %d", ErrFormat, need, n)
	}
	if h.Meta.FeatureNames != nil && len(h.Meta.FeatureNames) != h.Inputs {
		return nil, fmt.Errorf("%w: %d feature names for %d inputs", ErrFormat, len(h.Meta.FeatureNames), h.Inputs)
	}
	if c, out := len(h.Meta.Classes), in; h.Meta.Classes != nil && c != out && !(out == 1 && c == 2) {
		return nil, fmt.Errorf("%w: %d class names for %d outputs", ErrFormat, c, out)
	}
	q.meta = h.Meta
	return q, nil
}
