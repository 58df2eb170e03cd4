package ann

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// The model file format, version 1. All integers are little-endian.
//
//	offset  size  content
//	0       8     magic "ANNMODEL"
//	8       4     format version (uint32, 1)
//	12      4     header length H (uint32)
//	16      H     header: JSON (modelHeader) — architecture, training
//	              configuration (learning-rate schedule included), global
//	              step, Meta, the tensor table; saved with state also the
//	              random generator, the position in the epoch, the
//	              generator state the epoch's shuffle started from, and a
//	              ReduceOnPlateau schedule's progress (optional fields:
//	              files written before they existed still load)
//	16+H    4·T   the tensors, float32, in the order of the tensor table
//	end−32  32    SHA-256 of every byte before it
//
// The tensor table names every tensor with its length: the parameters
// (dense kernels row-major in×out, biases, batch-norm γ and β), batch-norm
// moving statistics, the scaler's offset and scale, and (when saved with
// state) the optimizer's slots for each parameter. A reader checks the
// checksum first, then that the table matches the architecture exactly, so
// a truncated, bit-flipped, foreign or future-version file is an ErrFormat
// error and never a panic or an allocation larger than the file.
const (
	modelMagic   = "ANNMODEL"
	modelVersion = 1
	// maxModelBytes bounds what Load reads: 4 GiB (256 MiB on 32-bit).
	maxModelBytes = min(4<<30, math.MaxInt/8)
)

type layerHeader struct {
	Kind       string  `json:"kind"`
	Units      int     `json:"units"`
	Activation string  `json:"activation,omitempty"`
	Alpha      float32 `json:"alpha,omitempty"`
	Rate       float32 `json:"rate,omitempty"`
	MaxNorm    float32 `json:"max_norm,omitempty"`
	Momentum   float32 `json:"momentum,omitempty"`
	Epsilon    float32 `json:"epsilon,omitempty"`
}

type tensorHeader struct {
	Name string `json:"name"`
	Len  int    `json:"len"`
}

type modelHeader struct {
	Inputs     int            `json:"inputs"`
	Layers     []layerHeader  `json:"layers"`
	Loss       string         `json:"loss"`
	Optimizer  string         `json:"optimizer"`
	Schedule   string         `json:"schedule,omitempty"`
	L1         float64        `json:"l1,omitempty"`
	L1Clip     bool           `json:"l1_clip_at_zero,omitempty"`
	L2         float64        `json:"l2,omitempty"`
	Clip       float64        `json:"clip,omitempty"`
	Reduction  string         `json:"reduction"`
	Seed       uint64         `json:"seed"`
	Step       int64          `json:"global_step"`
	Cursor     int            `json:"cursor,omitempty"`
	CursorRows int            `json:"cursor_rows,omitempty"`
	Epoch      int            `json:"epoch,omitempty"`
	RNG        []byte         `json:"rng,omitempty"`
	PermRNG    []byte         `json:"perm_rng,omitempty"`
	Plateau    *plateauState  `json:"plateau,omitempty"`
	Scaler     string         `json:"scaler,omitempty"`
	Meta       Meta           `json:"meta"`
	Tensors    []tensorHeader `json:"tensors"`
}

// namedTensor pairs a tensor's name with the network storage it lives in:
// rows×cols values, row i at data[i*stride:]. The file holds the values
// only, row after row, never the padding between the rows.
type namedTensor struct {
	name               string
	data               []float32
	rows, cols, stride int
}

// vectorTensor names a plain vector.
func vectorTensor(name string, data []float32) namedTensor {
	return namedTensor{name: name, data: data, rows: 1, cols: len(data), stride: len(data)}
}

// size returns the number of values the file holds for t.
func (t namedTensor) size() int { return t.rows * t.cols }

// row returns row i of t.
func (t namedTensor) row(i int) []float32 { return t.data[i*t.stride : i*t.stride+t.cols] }

// tensors lists what the file stores, in file order; withState adds the
// optimizer slots.
func (n *Network) tensors(withState bool) []namedTensor {
	var ts []namedTensor
	for i, l := range n.layers {
		switch l.kind {
		case layerDense:
			ts = append(ts, namedTensor{fmt.Sprintf("layer%d/kernel", i), l.w.Data, l.in, l.out, l.w.Stride}, vectorTensor(fmt.Sprintf("layer%d/bias", i), l.b))
		case layerBatchNorm:
			ts = append(ts, vectorTensor(fmt.Sprintf("layer%d/gamma", i), l.gamma), vectorTensor(fmt.Sprintf("layer%d/beta", i), l.beta),
				vectorTensor(fmt.Sprintf("layer%d/moving_mean", i), l.movingMean), vectorTensor(fmt.Sprintf("layer%d/moving_variance", i), l.movingVar))
		}
	}
	if n.scaler != nil {
		ts = append(ts, vectorTensor("scaler/offset", n.scaler.Offset), vectorTensor("scaler/scale", n.scaler.Scale))
	}
	if withState {
		for i, p := range n.params {
			for s, slot := range p.state.slots() {
				ts = append(ts, namedTensor{fmt.Sprintf("param%d/slot%d", i, s), slot, p.rows, p.cols, p.stride})
			}
		}
	}
	return ts
}

func (n *Network) header(withState bool) (modelHeader, error) {
	h := modelHeader{
		Inputs: n.cfg.Inputs, Loss: n.cfg.Loss.String(), Optimizer: n.cfg.Optimizer.String(),
		L1: n.cfg.L1, L1Clip: n.cfg.L1Clip, L2: n.cfg.L2, Clip: n.cfg.Clip, Reduction: n.cfg.Reduction.String(), Seed: n.cfg.Seed,
		Step: n.step, Meta: n.meta,
	}
	if _, ok := n.cfg.Schedule.(constantRate); !ok {
		h.Schedule = n.cfg.Schedule.String()
	}
	if n.scaler != nil {
		h.Scaler = n.scaler.Kind
		if h.Scaler == "" {
			h.Scaler = "custom"
		}
	}
	for _, l := range n.layers {
		lh := layerHeader{Kind: l.kind.String(), Units: l.out}
		switch l.kind {
		case layerDense:
			lh.Activation, lh.Alpha, lh.MaxNorm = l.act.String(), l.alpha, l.maxNorm
		case layerDropout:
			lh.Rate = l.rate
		case layerBatchNorm:
			lh.Momentum, lh.Epsilon = l.momentum, l.eps
		}
		h.Layers = append(h.Layers, lh)
	}
	if withState {
		rng, err := n.pcg.MarshalBinary()
		if err != nil {
			return h, fmt.Errorf("%w: saving the random generator: %w", ErrValue, err)
		}
		h.RNG, h.Cursor, h.CursorRows, h.Epoch = rng, n.cursor, n.cursorRows, n.epoch
		h.PermRNG = n.permRNG
		if ps, ok := n.cfg.Schedule.(*PlateauSchedule); ok {
			h.Plateau = ps.state()
		}
	}
	for _, t := range n.tensors(withState) {
		h.Tensors = append(h.Tensors, tensorHeader{t.name, t.size()})
	}
	return h, nil
}

// Save writes the network — architecture, weights, Meta and scaler, and the
// optimizer state, random generator, global step, position in the epoch
// and shuffle order needed to resume training — to w in the format
// described in persist.go. Training a loaded copy on the same data goes on
// bit-identically as the original would have. A network holding
// NaN or ±Inf anywhere (weights, batch-norm statistics, scaler, optimizer
// state) is not written: Save returns an ErrValue naming the tensor before
// writing a byte, so a diverged run never leaves a file Load refuses.
func (n *Network) Save(w io.Writer) error { return n.save(w, true) }

// SaveWeights writes the network like Save but without the optimizer
// state: a smaller file that predicts identically and trains on from the
// saved weights with a fresh optimizer.
func (n *Network) SaveWeights(w io.Writer) error { return n.save(w, false) }

// nonFinite returns the name of the first tensor the file would store
// (with the optimizer slots when withState) that holds NaN or ±Inf, or "".
func (n *Network) nonFinite(withState bool) string {
	for _, t := range n.tensors(withState) {
		for i := 0; i < t.rows; i++ {
			if !allFinite(t.row(i)) {
				return t.name
			}
		}
	}
	return ""
}

// errNonFinite is the ErrValue a save returns for a network whose tensor
// name holds NaN or ±Inf: Load would refuse such a file.
func errNonFinite(name string) error {
	return fmt.Errorf("%w: tensor %q holds NaN or ±Inf (the training diverged); the model was not written", ErrValue, name)
}

func (n *Network) save(w io.Writer, withState bool) error {
	if bad := n.nonFinite(withState); bad != "" {
		return errNonFinite(bad)
	}
	h, err := n.header(withState)
	if err != nil {
		return err
	}
	js, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("%w: encoding the model header: %w", ErrValue, err)
	}
	sum := sha256.New()
	out := io.MultiWriter(w, sum)
	var pre [16]byte
	copy(pre[:], modelMagic)
	binary.LittleEndian.PutUint32(pre[8:], modelVersion)
	binary.LittleEndian.PutUint32(pre[12:], uint32(len(js)))
	if _, err := out.Write(pre[:]); err != nil {
		return fmt.Errorf("%w: writing model: %w", ErrConfig, err)
	}
	if _, err := out.Write(js); err != nil {
		return fmt.Errorf("%w: writing model: %w", ErrConfig, err)
	}
	buf := make([]float32, 0, 4096)
	bytesBuf := make([]byte, 4*4096)
	for _, t := range n.tensors(withState) {
		for r := 0; r < t.rows; r++ {
			row := t.row(r)
			for i := 0; i < len(row); i += cap(buf) {
				chunk := row[i:min(i+cap(buf), len(row))]
				b := bytesBuf[:4*len(chunk)]
				for j, v := range chunk {
					binary.LittleEndian.PutUint32(b[4*j:], math.Float32bits(v))
				}
				if _, err := out.Write(b); err != nil {
					return fmt.Errorf("%w: writing model: %w", ErrConfig, err)
				}
			}
		}
	}
	if _, err := w.Write(sum.Sum(nil)); err != nil {
		return fmt.Errorf("%w: writing model: %w", ErrConfig, err)
	}
	return nil
}

// SaveFile writes the network to path atomically: into a temporary file in
// the same directory, synced, then renamed over path, so a crash leaves
// either the old file or the new one, never a torn one. Like Save, it
// refuses a network with non-finite values, leaving path untouched.
func (n *Network) SaveFile(path string) error {
	return writeFileAtomic(path, n.Save)
}

// writeFileAtomic writes path through write via a synced temporary file
// and a rename. Failures of the file system (a missing or unwritable
// directory, a full disk) wrap ErrConfig: the destination is unusable.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if err = write(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync() // make the rename durable where the OS allows it
		d.Close()
	}
	return nil
}

// readStreamHeader reads the hl-byte JSON header that follows a model
// file's 16-byte prefix, float or quantized, from r into h (unknown fields
// refused), appending its bytes to buf. It decodes as the bytes stream in,
// so a header of garbage is refused at its first bad byte, not after hl
// bytes of it.
func readStreamHeader(r io.Reader, buf *bytes.Buffer, hl uint32, h any) error {
	start := buf.Len()
	hr := io.LimitReader(r, int64(hl))
	dec := json.NewDecoder(io.TeeReader(hr, buf))
	dec.DisallowUnknownFields()
	if err := dec.Decode(h); err != nil {
		return fmt.Errorf("%w: model header: %v", ErrFormat, err)
	}
	if _, err := io.Copy(buf, hr); err != nil {
		return fmt.Errorf("%w: reading model: %w", ErrConfig, err)
	}
	if got := buf.Len() - start; got != int(hl) {
		return fmt.Errorf("%w: model header truncated (%d of %d bytes)", ErrFormat, got, hl)
	}
	return nil
}

// checkStreamEnd refuses data after a model's checksum.
func checkStreamEnd(r io.Reader) error {
	var one [1]byte
	if n, _ := io.ReadFull(r, one[:]); n != 0 {
		return fmt.Errorf("%w: data after the model's checksum", ErrFormat)
	}
	return nil
}

// Load reads a network written by Save or SaveWeights. It reads the
// fixed 16-byte prefix first and refuses anything whose magic, version or
// header length is wrong before reading further; then the header, whose
// tensor table says how many bytes follow. Memory grows only with the bytes
// actually read, never with a size a header merely claims, and the whole
// file is bounded by 4 GiB. Data after the checksum is an ErrFormat error.
func Load(r io.Reader) (*Network, error) {
	var pre [16]byte
	if n, err := io.ReadFull(r, pre[:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("%w: not an ann model file (%d bytes)", ErrFormat, n)
		}
		return nil, fmt.Errorf("%w: reading model: %w", ErrConfig, err)
	}
	hl, err := checkModelPrefix(pre[:])
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Write(pre[:])
	var h modelHeader
	if err := readStreamHeader(r, &buf, hl, &h); err != nil {
		return nil, err
	}
	rest := int64(32) // the checksum
	for _, t := range h.Tensors {
		if t.Len < 0 || int64(t.Len) > (maxModelBytes-int64(16+hl)-rest)/4 {
			return nil, fmt.Errorf("%w: tensor %q length %d: model larger than %d bytes", ErrFormat, t.Name, t.Len, int64(maxModelBytes))
		}
		rest += 4 * int64(t.Len)
	}
	if err := copyExactly(&buf, r, rest, "tensors and checksum"); err != nil {
		return nil, err
	}
	if err := checkStreamEnd(r); err != nil {
		return nil, err
	}
	return LoadBytes(buf.Bytes())
}

// checkModelPrefix checks the 16-byte prefix of a model file — magic,
// version, header length — and returns the header length.
func checkModelPrefix(pre []byte) (uint32, error) {
	if IsQuantizedModel(pre) {
		return 0, fmt.Errorf("%w: this is a quantized model file; load it with LoadQuantized (or LoadQuantizedFile, LoadQuantizedBytes), not Load", ErrFormat)
	}
	if len(pre) < 16 || string(pre[:8]) != modelMagic {
		return 0, fmt.Errorf("%w: not an ann model file", ErrFormat)
	}
	if v := binary.LittleEndian.Uint32(pre[8:]); v != modelVersion {
		return 0, fmt.Errorf("%w: model format version %d, this build reads version %d", ErrFormat, v, modelVersion)
	}
	hl := binary.LittleEndian.Uint32(pre[12:])
	if int64(hl) > maxModelBytes-16-32 {
		return 0, fmt.Errorf("%w: header length %d: model larger than %d bytes", ErrFormat, hl, int64(maxModelBytes))
	}
	return hl, nil
}

// copyExactly appends exactly n bytes of r to buf; the buffer grows with
// the bytes read, not with n. Too few bytes is an ErrFormat error.
func copyExactly(buf *bytes.Buffer, r io.Reader, n int64, what string) error {
	got, err := io.CopyN(buf, r, n)
	if err == io.EOF {
		return fmt.Errorf("%w: %s truncated (%d of %d bytes)", ErrFormat, what, got, n)
	}
	if err != nil {
		return fmt.Errorf("%w: reading model: %w", ErrConfig, err)
	}
	return nil
}

// LoadFile reads a network from the file at path.
func LoadFile(path string) (*Network, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	defer f.Close()
	n, err := Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}

// decodeFileBytes checks the SHA-256 trailer of a whole model file, float or
// quantized (its 16-byte prefix already checked: the magic, the version and
// at bytes 12–15 the JSON header's length), decodes the header into h,
// refusing unknown fields, and returns the payload that follows it.
func decodeFileBytes(data []byte, h any) ([]byte, error) {
	body, tail := data[:len(data)-32], data[len(data)-32:]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], tail) {
		return nil, fmt.Errorf("%w: checksum mismatch (the file is truncated or corrupted)", ErrFormat)
	}
	hl := binary.LittleEndian.Uint32(data[12:])
	if uint64(hl) > uint64(len(body)-16) {
		return nil, fmt.Errorf("%w: header length %d beyond the file", ErrFormat, hl)
	}
	dec := json.NewDecoder(bytes.NewReader(body[16 : 16+hl]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(h); err != nil {
		return nil, fmt.Errorf("%w: model header: %v", ErrFormat, err)
	}
	return body[16+hl:], nil
}

// LoadBytes reads a network from a model file's bytes, for models embedded
// with go:embed. It does not keep data.
func LoadBytes(data []byte) (*Network, error) {
	if len(data) < 16+32 {
		if IsQuantizedModel(data) {
			_, err := checkModelPrefix(data)
			return nil, err
		}
		return nil, fmt.Errorf("%w: not an ann model file (%d bytes)", ErrFormat, len(data))
	}
	if _, err := checkModelPrefix(data[:16]); err != nil {
		return nil, err
	}
	var h modelHeader
	payload, err := decodeFileBytes(data, &h)
	if err != nil {
		return nil, err
	}
	// The tensor table must account for the payload exactly before any
	// allocation sized by the header happens.
	total := 0
	for _, t := range h.Tensors {
		if t.Len < 0 || t.Len > len(payload)/4-total {
			return nil, fmt.Errorf("%w: tensor %q length %d beyond the file", ErrFormat, t.Name, t.Len)
		}
		total += t.Len
	}
	if 4*total != len(payload) {
		return nil, fmt.Errorf("%w: tensors hold %d bytes, the file %d", ErrFormat, 4*total, len(payload))
	}
	if err := checkArchitectureSize(&h, total); err != nil {
		return nil, err
	}
	n, err := networkFromHeader(&h)
	if err != nil {
		return nil, err
	}
	want := n.tensors(false)
	withState := len(h.Tensors) > len(want)
	if withState {
		want = n.tensors(true)
	}
	if len(want) != len(h.Tensors) {
		return nil, fmt.Errorf("%w: %d tensors in the file, the architecture has %d", ErrFormat, len(h.Tensors), len(want))
	}
	off := 0
	for i, t := range want {
		if h.Tensors[i].Name != t.name || h.Tensors[i].Len != t.size() {
			return nil, fmt.Errorf("%w: tensor %d is %q[%d], the architecture wants %q[%d]", ErrFormat, i, h.Tensors[i].Name, h.Tensors[i].Len, t.name, t.size())
		}
		for r := 0; r < t.rows; r++ {
			row := t.row(r)
			for j := range row {
				v := math.Float32frombits(binary.LittleEndian.Uint32(payload[off:]))
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return nil, fmt.Errorf("%w: tensor %q holds a non-finite value", ErrFormat, t.name)
				}
				row[j] = v
				off += 4
			}
		}
	}
	// The generator and position come with the state (Save), whether or not
	// the optimizer has slots (SGD has none).
	if h.RNG != nil {
		if err := n.pcg.UnmarshalBinary(h.RNG); err != nil {
			return nil, fmt.Errorf("%w: random generator state: %v", ErrFormat, err)
		}
		n.cursor, n.cursorRows, n.epoch = h.Cursor, h.CursorRows, h.Epoch
		if h.PermRNG != nil {
			if err := new(rand.PCG).UnmarshalBinary(h.PermRNG); err != nil {
				return nil, fmt.Errorf("%w: shuffle generator state: %v", ErrFormat, err)
			}
			n.permRNG = h.PermRNG
		}
		if ps, ok := n.cfg.Schedule.(*PlateauSchedule); ok && h.Plateau != nil {
			if err := ps.setState(h.Plateau); err != nil {
				return nil, err
			}
		}
	}
	return n, nil
}

// checkArchitectureSize rejects headers whose layers would need more
// parameters than the file holds, before anything is allocated for them.
func checkArchitectureSize(h *modelHeader, total int) error {
	in := h.Inputs
	if in < 1 || in > total+1 {
		return fmt.Errorf("%w: %d inputs", ErrFormat, h.Inputs)
	}
	need := 0
	for i, l := range h.Layers {
		if l.Units < 1 || l.Units > total {
			return fmt.Errorf("%w: layer %d has %d units", ErrFormat, i+1, l.Units)
		}
		if l.Kind == "dense" {
			if in > total/l.Units {
				return fmt.Errorf("%w: layer %d needs more weights than the file holds", ErrFormat, i+1)
			}
			need += in*l.Units + l.Units
			if need > total {
				return fmt.Errorf("%w: the architecture needs more weights than the file holds", ErrFormat)
			}
		}
		in = l.Units
	}
	return nil
}

func networkFromHeader(h *modelHeader) (*Network, error) {
	loss, err := ParseLoss(h.Loss)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	opt, err := ParseOptimizer(h.Optimizer, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	var red Reduction
	switch h.Reduction {
	case "mean":
		red = MeanReduction
	case "sum":
		red = SumReduction
	default:
		return nil, fmt.Errorf("%w: unknown reduction %q", ErrFormat, h.Reduction)
	}
	var specs []layerSpec
	in := h.Inputs
	for i, l := range h.Layers {
		s := layerSpec{units: l.Units}
		switch l.Kind {
		case "dense":
			act, err := ParseActivation(l.Activation)
			if err != nil {
				return nil, fmt.Errorf("%w: layer %d: %v", ErrFormat, i+1, err)
			}
			s.kind, s.act, s.alpha, s.alphaOK, s.maxNorm = layerDense, act, float64(l.Alpha), true, float64(l.MaxNorm)
		case "dropout":
			if !(l.Rate >= 0 && l.Rate < 1) || l.Units != in {
				return nil, fmt.Errorf("%w: layer %d: bad dropout", ErrFormat, i+1)
			}
			s.kind, s.rate = layerDropout, float64(l.Rate)
		case "batch_norm":
			if l.Units != in || !(l.Momentum >= 0 && l.Momentum <= 1) || !(l.Epsilon > 0) {
				return nil, fmt.Errorf("%w: layer %d: bad batch norm", ErrFormat, i+1)
			}
			s.kind = layerBatchNorm
		default:
			return nil, fmt.Errorf("%w: layer %d: unknown kind %q", ErrFormat, i+1, l.Kind)
		}
		specs = append(specs, s)
		in = l.Units
	}
	if len(specs) == 0 || specs[len(specs)-1].kind != layerDense {
		return nil, fmt.Errorf("%w: the last layer must be dense", ErrFormat)
	}
	last := specs[len(specs)-1]
	if err := loss.checkOutput(last.act, last.units); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	sched, err := parseSchedule(h.Schedule)
	if err != nil {
		return nil, err
	}
	cfg := netConfig{Inputs: h.Inputs, Loss: loss, Optimizer: opt, Schedule: sched,
		L1: h.L1, L1Clip: h.L1Clip, L2: h.L2, Clip: h.Clip, Reduction: red, Seed: h.Seed}
	for _, v := range []float64{h.L1, h.L2, h.Clip} {
		if !(v >= 0) || math.IsInf(v, 1) {
			return nil, fmt.Errorf("%w: bad regularization or clip value %v", ErrFormat, v)
		}
	}
	n, err := newNetwork(cfg, specs)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	for i, l := range h.Layers {
		if n.layers[i].kind == layerBatchNorm {
			n.layers[i].momentum, n.layers[i].eps = l.Momentum, l.Epsilon
		}
	}
	n.step = h.Step
	if h.Step < 0 {
		return nil, fmt.Errorf("%w: negative global step", ErrFormat)
	}
	if h.Scaler != "" {
		n.scaler = &Scaler{Kind: h.Scaler, Offset: make([]float32, h.Inputs), Scale: make([]float32, h.Inputs)}
	}
	if err := n.SetMeta(h.Meta); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return n, nil
}

// restoreState copies the weights, optimizer state, step and generator of
// src (a network loaded from a checkpoint) into n, whose architecture must
// match. It is how an estimator resumes training with its own settings.
func (n *Network) restoreState(src *Network) error {
	// Dropout layers carry no state, so a checkpoint restores into a
	// network that adds or drops them (the tutorial's "improved" model
	// does): parameters and batch-norm statistics are matched in order.
	if len(n.weights) != len(src.weights) || len(n.params) != len(src.params) {
		return fmt.Errorf("%w: checkpoint architecture differs from the model's", ErrConfig)
	}
	for i := range n.params {
		if len(n.params[i].w) != len(src.params[i].w) {
			return fmt.Errorf("%w: checkpoint architecture differs from the model's", ErrConfig)
		}
	}
	copy(n.weights, src.weights)
	var bn []*layer
	for _, l := range src.layers {
		if l.kind == layerBatchNorm {
			bn = append(bn, l)
		}
	}
	for _, l := range n.layers {
		if l.kind == layerBatchNorm && len(bn) > 0 {
			copy(l.movingMean, bn[0].movingMean)
			copy(l.movingVar, bn[0].movingVar)
			bn = bn[1:]
		}
	}
	if n.cfg.Optimizer.String() == src.cfg.Optimizer.String() {
		for i := range n.params {
			ds, ss := n.params[i].state.slots(), src.params[i].state.slots()
			for s := range ds {
				copy(ds[s], ss[s])
			}
		}
	}
	n.step = src.step
	b, err := src.pcg.MarshalBinary()
	if err == nil {
		err = n.pcg.UnmarshalBinary(b)
	}
	n.cursor, n.cursorRows, n.epoch = src.cursor, src.cursorRows, src.epoch
	n.permRNG = append([]byte(nil), src.permRNG...)
	if src.permRNG == nil {
		n.permRNG = nil
	}
	n.perm = nil // rebuilt by prepare from permRNG
	n.scaler, n.meta = src.scaler, src.meta
	return err
}
