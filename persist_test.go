package ann

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func smallTrained(t testing.TB) (*Network, Matrix, Matrix) {
	rng := rand.New(rand.NewPCG(9, 9))
	x := randMatrix(rng, 60, 6)
	y := oneHotRows(rng, 60, 3)
	net, err := New(6).Dense(8, Tanh).Dropout(0.1).BatchNorm().Dense(3, Softmax).Optimizer(Adam(0.01)).L2(0.01).Seed(5).Build()
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
	if err := net.SetMeta(Meta{FeatureNames: []string{"a", "b", "c", "d", "e", "f"}, LabelName: "kind", Classes: []string{"x", "y", "z"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := net.Fit(context.Background(), x, y, Epochs(3), BatchSize(16)); err != nil {
		t.Fatal(err)
	}
	return net, x, y
}

func TestSaveLoadRoundTrip(t *testing.T) {
	net, x, y := smallTrained(t)
	var buf bytes.Buffer
	if err := net.Save(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := Load(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	p1, _ := net.Predict(x)
	p2, _ := got.Predict(x)
	for i := range p1.Data {
		if p1.Data[i] != p2.Data[i] {
			t.Fatalf("prediction %d: %v before save, %v after load", i, p1.Data[i], p2.Data[i])
		}
	}
	if got.Step() != net.Step() || got.Meta().LabelName != "kind" || got.Meta().Classes[2] != "z" || got.Scaler() == nil {
		t.Fatalf("metadata lost: step %d/%d, meta %+v", got.Step(), net.Step(), got.Meta())
	}
	// Training on from the loaded copy matches training on the original:
	// weights, optimizer state and generator all came back.
	ctx := context.Background()
	if _, err := net.Fit(ctx, x, y, Epochs(2), BatchSize(16)); err != nil {
		t.Fatal(err)
	}
	if _, err := got.Fit(ctx, x, y, Epochs(2), BatchSize(16)); err != nil {
		t.Fatal(err)
	}
	for i := range net.weights {
		if net.weights[i] != got.weights[i] {
			t.Fatalf("weight %d after resumed training: %v vs %v", i, net.weights[i], got.weights[i])
		}
	}
	// SaveWeights: same predictions, smaller file.
	var small bytes.Buffer
	if err := net.SaveWeights(&small); err != nil {
		t.Fatal(err)
	}
	if small.Len() >= buf.Len() {
		t.Errorf("SaveWeights wrote %d bytes, Save %d", small.Len(), buf.Len())
	}
	w, err := LoadBytes(small.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	p3, _ := w.Predict(x)
	p4, _ := net.Predict(x)
	for i := range p3.Data {
		if p3.Data[i] != p4.Data[i] {
			t.Fatalf("SaveWeights prediction %d differs", i)
		}
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	net, _, _ := smallTrained(t)
	var buf bytes.Buffer
	if err := net.Save(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	mutate := func(f func([]byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	cases := map[string][]byte{
		"empty":     nil,
		"foreign":   []byte("\x89PNG\r\n\x1a\n this is not a model at all, just bytes long enough......."),
		"truncated": good[:len(good)-100],
		"half":      good[:len(good)/2],
		"bit flip":  mutate(func(b []byte) []byte { b[len(b)/2] ^= 4; return b }),
		"future": mutate(func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[8:], 99)
			return b
		}),
		"trailing": append(append([]byte(nil), good...), 0),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := LoadBytes(data); !errors.Is(err, ErrFormat) {
				t.Fatalf("LoadBytes: %v, want ErrFormat", err)
			}
		})
	}
}

// resign recomputes a file's checksum after a test edits its header, so the
// header checks themselves are exercised.
func forgeModel(t *testing.T, h modelHeader, payload []byte) []byte {
	js, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString(modelMagic)
	binary.Write(&b, binary.LittleEndian, uint32(modelVersion))
	binary.Write(&b, binary.LittleEndian, uint32(len(js)))
	b.Write(js)
	b.Write(payload)
	return append(b.Bytes(), sha256Sum(b.Bytes())...)
}

// TestLoadHostileHeader: a correctly checksummed file whose header claims
// a huge architecture is refused before anything of that size is allocated.
func TestLoadHostileHeader(t *testing.T) {
	h := modelHeader{Inputs: 1 << 30, Loss: "mse", Optimizer: "sgd(lr=0.1)", Reduction: "mean",
		Layers:  []layerHeader{{Kind: "dense", Units: 1 << 30, Activation: "identity"}},
		Tensors: []tensorHeader{{"layer0/kernel", math.MaxInt}, {"layer0/bias", 1 << 30}}}
	if _, err := LoadBytes(forgeModel(t, h, make([]byte, 64))); !errors.Is(err, ErrFormat) {
		t.Fatalf("huge tensor claim: %v", err)
	}
	h.Tensors = []tensorHeader{{"layer0/kernel", 8}, {"layer0/bias", 8}}
	if _, err := LoadBytes(forgeModel(t, h, make([]byte, 64))); !errors.Is(err, ErrFormat) {
		t.Fatalf("huge layer claim: %v", err)
	}
	nan := make([]byte, 8)
	binary.LittleEndian.PutUint32(nan, math.Float32bits(float32(math.NaN())))
	h = modelHeader{Inputs: 1, Loss: "mse", Optimizer: "sgd(lr=0.1)", Reduction: "mean",
		Layers:  []layerHeader{{Kind: "dense", Units: 1, Activation: "identity"}},
		Tensors: []tensorHeader{{"layer0/kernel", 1}, {"layer0/bias", 1}}}
	if _, err := LoadBytes(forgeModel(t, h, nan)); !errors.Is(err, ErrFormat) {
		t.Fatalf("NaN weight: %v", err)
	}
	if _, err := LoadBytes(forgeModel(t, h, make([]byte, 8))); err != nil {
		t.Fatalf("a valid forged 1-1 model: %v", err)
	}
}

func TestSaveFileAtomic(t *testing.T) {
	net, x, _ := smallTrained(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "model.ann")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := net.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("SaveFile left %d files behind", len(entries))
	}
	got, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := got.Predict(x)
	b, _ := net.Predict(x)
	if a.Data[0] != b.Data[0] {
		t.Fatal("reloaded file predicts differently")
	}
	if _, err := LoadFile(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("LoadFile of a missing file succeeded")
	}
	if err := net.SaveFile(filepath.Join(dir, "no-such-dir", "m")); err == nil {
		t.Fatal("SaveFile into a missing directory succeeded")
	}
}

// TestGoldenModel loads a model saved on amd64 (testdata/golden.model) and
// checks its predictions against the ones recorded there; CI runs it on
// arm64 under qemu too, so a model moves between architectures. The
// kernels sum in different orders on different CPUs, so probabilities may
// differ by a few ulps; classes must be identical.
func TestGoldenModel(t *testing.T) {
	model := filepath.Join("testdata", "golden.model")
	want := filepath.Join("testdata", "golden_predictions.json")
	rng := rand.New(rand.NewPCG(21, 21))
	x := randMatrix(rng, 40, 6)
	if *update {
		net, _, _ := smallTrained(t)
		if err := net.SaveFile(model); err != nil {
			t.Fatal(err)
		}
		p, _ := net.Predict(x)
		js, _ := json.Marshal(p.Data)
		if err := os.WriteFile(want, js, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	net, err := LoadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	var probs []float32
	if err := json.Unmarshal(js, &probs); err != nil {
		t.Fatal(err)
	}
	p, err := net.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < x.Rows; i++ {
		got, exp := p.Row(i), probs[3*i:3*i+3]
		if argmax(got) != argmax(exp) {
			t.Fatalf("row %d: class %d, recorded %d", i, argmax(got), argmax(exp))
		}
		for j := range got {
			if d := math.Abs(float64(got[j] - exp[j])); d > 1e-5 {
				t.Fatalf("row %d: probability %v, recorded %v", i, got[j], exp[j])
			}
		}
	}
}

func FuzzLoad(f *testing.F) {
	net, _, _ := smallTrained(f)
	var buf bytes.Buffer
	if err := net.SaveWeights(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(modelMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := LoadBytes(data)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		var out bytes.Buffer
		if err := n.Save(&out); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadBytes(out.Bytes()); err != nil {
			t.Fatalf("a re-saved model does not load: %v", err)
		}
	})
}

func sha256Sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

// countingReader serves an endless stream of one byte value and counts
// what it has served.
type countingReader struct {
	b byte
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = c.b
	}
	c.n += int64(len(p))
	return len(p), nil
}

// allocatedBy reports the bytes allocated while f runs.
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestLoadRefusesEarly: Load refuses a stream after its first bytes when
// they are not a model (`ann predict -model /dev/zero` used to read 4 GiB),
// and a header that is garbage after a good prefix at its first bad byte.
func TestLoadRefusesEarly(t *testing.T) {
	const budget = 1 << 20
	for _, tc := range []struct {
		name   string
		prefix []byte
	}{
		{"zeros", nil},
		{"good prefix, zero header", func() []byte {
			b := []byte(modelMagic + "\x01\x00\x00\x00\x00\x00\x00\x00")
			binary.LittleEndian.PutUint32(b[12:], 4<<30-100)
			return b
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			zr := &countingReader{}
			var err error
			alloc := allocatedBy(func() { _, err = Load(io.MultiReader(bytes.NewReader(tc.prefix), zr)) })
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("Load: %v, want ErrFormat", err)
			}
			if zr.n > budget || alloc > budget {
				t.Fatalf("Load read %d bytes and allocated %d before refusing; want at most %d", zr.n, alloc, budget)
			}
		})
	}
}

// TestLoadRandomAndTrailing: random bytes, a header whose tensor table
// claims more than follows, and a valid model followed by more data are
// all ErrFormat through the reader path, and a valid model still loads.
func TestLoadRandomAndTrailing(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	junk := make([]byte, 1<<16)
	for i := range junk {
		junk[i] = byte(rng.Uint32())
	}
	path := filepath.Join(t.TempDir(), "random.model")
	if err := os.WriteFile(path, junk, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(path); !errors.Is(err, ErrFormat) {
		t.Fatalf("random file: %v, want ErrFormat", err)
	}
	if _, err := Load(bytes.NewReader(append([]byte(modelMagic+"\x01\x00\x00\x00\x10\x00\x00\x00"), junk...))); !errors.Is(err, ErrFormat) {
		t.Fatalf("random header: %v, want ErrFormat", err)
	}
	h := modelHeader{Inputs: 1, Loss: "mse", Optimizer: "sgd(lr=0.1)", Reduction: "mean",
		Layers:  []layerHeader{{Kind: "dense", Units: 1, Activation: "identity"}},
		Tensors: []tensorHeader{{"layer0/kernel", 1}, {"layer0/bias", math.MaxInt32}}}
	zr := &countingReader{}
	forged := forgeModel(t, h, nil)
	if _, err := Load(io.MultiReader(bytes.NewReader(forged[:len(forged)-32]), zr)); !errors.Is(err, ErrFormat) || zr.n != 0 {
		t.Fatalf("tensor claim beyond the size limit: %v after reading %d more bytes, want ErrFormat at once", err, zr.n)
	}
	h.Tensors[1].Len = 1
	good := forgeModel(t, h, make([]byte, 8))
	if _, err := Load(bytes.NewReader(good)); err != nil {
		t.Fatalf("valid model: %v", err)
	}
	if _, err := Load(io.MultiReader(bytes.NewReader(good), &countingReader{})); !errors.Is(err, ErrFormat) {
		t.Fatalf("model followed by data: %v, want ErrFormat", err)
	}
	if _, err := Load(bytes.NewReader(good[:len(good)-1])); !errors.Is(err, ErrFormat) {
		t.Fatalf("truncated model: %v, want ErrFormat", err)
	}
}
