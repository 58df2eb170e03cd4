package ann

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// idxBytes builds a raw IDX file from a header and a payload.
func idxBytes(typ byte, dims []uint32, payload []byte) []byte {
	b := []byte{0, 0, typ, byte(len(dims))}
	for _, d := range dims {
		b = append(b, byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
	}
	return append(b, payload...)
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadIDXTypes(t *testing.T) {
	// Each case: a payload written by hand in big-endian, and the values it
	// must decode to.
	cases := []struct {
		typ     IDXType
		dims    []int
		payload []byte
		floats  []float32
		ints    []int // nil for float types
	}{
		{IDXUint8, []int{2, 2}, []byte{0, 1, 128, 255}, []float32{0, 1, 128, 255}, []int{0, 1, 128, 255}},
		{IDXInt8, []int{3}, []byte{0x7f, 0x80, 0xff}, []float32{127, -128, -1}, []int{127, -128, -1}},
		{IDXInt16, []int{2}, []byte{0x01, 0x02, 0xff, 0xfe}, []float32{258, -2}, []int{258, -2}},
		{IDXInt32, []int{1, 2}, []byte{0, 1, 0, 0, 0x80, 0, 0, 0}, []float32{65536, -2147483648}, []int{65536, -2147483648}},
		{IDXFloat32, []int{2}, []byte{0x3f, 0x80, 0, 0, 0xc0, 0x49, 0x0f, 0xdb}, []float32{1, -math.Pi}, nil},
		{IDXFloat64, []int{1}, []byte{0x3f, 0xf8, 0, 0, 0, 0, 0, 0}, []float32{1.5}, nil},
		{IDXUint8, nil, []byte{42}, []float32{42}, []int{42}},                                                // rank 0: one element
		{IDXInt32, []int{0, 5}, nil, []float32{}, []int{}},                                                   // empty array
		{IDXUint8, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, []byte{7}, []float32{7}, []int{7}}, // MaxIDXRank
	}
	for _, c := range cases {
		dims32 := make([]uint32, len(c.dims))
		for i, d := range c.dims {
			dims32[i] = uint32(d)
		}
		raw := idxBytes(byte(c.typ), dims32, c.payload)
		for _, gz := range []bool{false, true} {
			name := fmt.Sprintf("%s%v/gzip=%v", c.typ, c.dims, gz)
			in := raw
			if gz {
				in = gzipBytes(t, raw)
			}
			x, err := ReadIDX(bytes.NewReader(in))
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if x.Type != c.typ || !slices.Equal(x.Dims, c.dims) || !bytes.Equal(x.Data, c.payload) {
				t.Errorf("%s: got %s %v % x", name, x.Type, x.Dims, x.Data)
			}
			if x.Len() != len(c.floats) {
				t.Errorf("%s: Len %d, want %d", name, x.Len(), len(c.floats))
			}
			f, err := x.Float32s()
			if err != nil || !slices.Equal(f, c.floats) {
				t.Errorf("%s: Float32s = %v, %v; want %v", name, f, err, c.floats)
			}
			ints, err := x.Ints()
			if c.ints == nil {
				if !errors.Is(err, ErrFormat) {
					t.Errorf("%s: Ints on float type: err %v, want ErrFormat", name, err)
				}
			} else if err != nil || !slices.Equal(ints, c.ints) {
				t.Errorf("%s: Ints = %v, %v; want %v", name, ints, err, c.ints)
			}
			var out bytes.Buffer
			if err := WriteIDX(&out, x); err != nil || !bytes.Equal(out.Bytes(), raw) {
				t.Errorf("%s: WriteIDX = % x, %v; want % x", name, out.Bytes(), err, raw)
			}
		}
	}
}

func TestReadIDXHostile(t *testing.T) {
	valid := idxBytes(0x08, []uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	gz := gzipBytes(t, valid)
	badCRC := slices.Clone(gz)
	badCRC[len(badCRC)-8] ^= 1 // the CRC-32 trailer
	badBlock := slices.Clone(gz)
	badBlock[10] = 0x07 // first deflate block: final, reserved type 11
	cases := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"short magic", []byte{0, 0, 8}},
		{"wrong magic", []byte{1, 0, 8, 1, 0, 0, 0, 1, 5}},
		{"png", []byte("\x89PNG\r\n\x1a\n")},
		{"unknown type", idxBytes(0x0A, []uint32{1}, []byte{0})},
		{"rank 17", idxBytes(0x08, make([]uint32, 17), nil)},
		{"rank 255", append([]byte{0, 0, 8, 255}, make([]byte, 4*255)...)},
		{"truncated dims", valid[:9]},
		{"truncated payload", valid[:len(valid)-1]},
		{"no payload", valid[:12]},
		{"trailing garbage", append(slices.Clone(valid), 0)},
		{"10^12 items", idxBytes(0x08, []uint32{1000000, 1000000}, []byte{1, 2, 3})},
		{"overflowing product", idxBytes(0x0E, []uint32{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, nil)},
		{"float64 over cap", idxBytes(0x0E, []uint32{0x80000000}, nil)},
		{"gzip truncated", gz[:len(gz)-5]},
		{"gzip bad crc", badCRC},
		{"gzip short trailing garbage", append(slices.Clone(gz), 1, 2, 3)},
		{"gzip trailing garbage", append(slices.Clone(gz), make([]byte, 40)...)},
		{"gzip reserved block type", badBlock},
		{"gzip of garbage", gzipBytes(t, []byte("hello, world"))},
		{"gzip header only", gz[:10]},
		{"gzip magic only", []byte{0x1f, 0x8b}},
	}
	for _, c := range cases {
		x, err := ReadIDX(bytes.NewReader(c.in))
		if !errors.Is(err, ErrFormat) {
			t.Errorf("%s: ReadIDX = %v, %v; want ErrFormat", c.name, x, err)
		}
	}
}

// TestReadIDXLyingHeader checks that a header claiming far more than the
// stream holds costs memory in proportion to the bytes present, not the
// claim: 2³¹ bytes claimed, 1000 present.
func TestReadIDXLyingHeader(t *testing.T) {
	in := idxBytes(0x08, []uint32{1 << 31}, make([]byte, 1000))
	if math.MaxInt == math.MaxInt32 {
		in = idxBytes(0x08, []uint32{1 << 30}, make([]byte, 1000))
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadIDX(bytes.NewReader(in))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrFormat) {
		t.Fatalf("err = %v, want ErrFormat", err)
	}
	// idxChunk plus the bufio buffer and small change; far below the claim.
	if got := after.TotalAlloc - before.TotalAlloc; got > 2*idxChunk {
		t.Errorf("allocated %d bytes for a 1000-byte payload", got)
	}
}

// TestReadIDXChunks reads payloads around the chunk size through a reader
// that hands out a few bytes at a time, so the growth path runs.
func TestReadIDXChunks(t *testing.T) {
	for _, n := range []int{0, 1, idxChunk - 1, idxChunk, idxChunk + 1, 3*idxChunk + 7} {
		payload := make([]byte, n)
		for i := range payload {
			payload[i] = byte(i * 7)
		}
		in := idxBytes(0x08, []uint32{uint32(n)}, payload)
		cut := min(len(in), 100)
		x, err := ReadIDX(io.MultiReader(bytes.NewReader(in[:cut]), bytes.NewReader(in[cut:])))
		if err != nil || !bytes.Equal(x.Data, payload) {
			t.Errorf("n=%d: err %v, data equal %v", n, err, err == nil && bytes.Equal(x.Data, payload))
		}
		if _, err := readIDX(bytes.NewReader(in), uint64(n)-1); n > 0 && !errors.Is(err, ErrFormat) {
			t.Errorf("n=%d: limit n-1: err %v, want ErrFormat", n, err)
		}
	}
}

type failReader struct{ err error }

func (f failReader) Read([]byte) (int, error) { return 0, f.err }

func TestReadIDXReaderError(t *testing.T) {
	boom := errors.New("boom")
	valid := idxBytes(0x08, []uint32{4}, []byte{1, 2, 3, 4})
	for _, cut := range []int{0, 2, 6, 9} {
		_, err := ReadIDX(io.MultiReader(bytes.NewReader(valid[:cut]), failReader{boom}))
		if !errors.Is(err, boom) || errors.Is(err, ErrFormat) {
			t.Errorf("cut %d: err %v, want the reader's error, not ErrFormat", cut, err)
		}
	}
}

func TestWriteIDXInvalid(t *testing.T) {
	cases := []*IDX{
		nil,
		{Type: 0x0A, Dims: []int{1}, Data: []byte{1}},
		{Type: IDXUint8, Dims: []int{2}, Data: []byte{1}},
		{Type: IDXInt16, Dims: []int{2}, Data: []byte{1, 2, 3}},
		{Type: IDXUint8, Dims: []int{-1}, Data: nil},
		{Type: IDXUint8, Dims: make([]int, MaxIDXRank+1), Data: nil},
		{Type: IDXUint8, Dims: nil, Data: nil}, // rank 0 holds one element
	}
	if math.MaxInt > math.MaxUint32 {
		cases = append(cases, &IDX{Type: IDXUint8, Dims: []int{math.MaxInt}})
	}
	for i, x := range cases {
		var buf bytes.Buffer
		if err := WriteIDX(&buf, x); err == nil || buf.Len() != 0 {
			t.Errorf("case %d: WriteIDX wrote %d bytes, err %v", i, buf.Len(), err)
		}
		if i > 0 {
			if _, err := x.Float32s(); !errors.Is(err, ErrFormat) {
				t.Errorf("case %d: Float32s err %v", i, err)
			}
			if _, err := x.Ints(); !errors.Is(err, ErrFormat) {
				t.Errorf("case %d: Ints err %v", i, err)
			}
		}
	}
}

func TestIDXTypeString(t *testing.T) {
	want := map[IDXType]string{IDXUint8: "ubyte", IDXInt8: "sbyte", IDXInt16: "int16", IDXInt32: "int32",
		IDXFloat32: "float32", IDXFloat64: "float64", 0x0A: "IDXType(0x0a)"}
	for typ, s := range want {
		if typ.String() != s {
			t.Errorf("%#x: %q, want %q", byte(typ), typ.String(), s)
		}
	}
}

// writeMNIST writes a synthetic MNIST pair (raw or gzip) into dir.
func writeMNIST(t *testing.T, dir, images, labels string, imgDims []uint32, img []byte, lab []byte, gz bool) {
	t.Helper()
	write := func(name string, b []byte) {
		if gz {
			name += ".gz"
			b = gzipBytes(t, b)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(images, idxBytes(0x08, imgDims, img))
	write(labels, idxBytes(0x08, []uint32{uint32(len(lab))}, lab))
}

func TestLoadMNISTSynthetic(t *testing.T) {
	dir := t.TempDir()
	// Training set gzipped, test set raw: both names must work.
	img := make([]byte, 3*784)
	for i := range img {
		img[i] = byte(i % 256)
	}
	writeMNIST(t, dir, mnistTrainImages, mnistTrainLabels, []uint32{3, 28, 28}, img, []byte{9, 0, 4}, true)
	writeMNIST(t, dir, mnistTestImages, mnistTestLabels, []uint32{1, 28, 28}, img[:784], []byte{7}, false)
	train, test, err := LoadMNIST(dir)
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 3 || test.Len() != 1 || train.X.Cols != 784 || !slices.Equal(train.Labels, []int{9, 0, 4}) ||
		!slices.Equal(test.Labels, []int{7}) {
		t.Fatalf("train %d×%d %v, test %d %v", train.X.Rows, train.X.Cols, train.Labels, test.Len(), test.Labels)
	}
	for i, v := range train.X.Data {
		if want := float32(i%256) / 255; v != want {
			t.Fatalf("pixel %d = %v, want %v", i, v, want)
		}
	}
	if train.LabelName != "label" || !slices.Equal(train.Classes, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}) {
		t.Errorf("names: %q %q", train.LabelName, train.Classes)
	}
	if err := train.Validate(); err != nil {
		t.Error(err)
	}

	bad := []struct {
		name    string
		dims    []uint32
		img     []byte
		labels  []byte
		wantErr error
	}{
		{"count mismatch", []uint32{2, 28, 28}, make([]byte, 2*784), []byte{1}, ErrFormat},
		{"wrong side", []uint32{1, 28, 27}, make([]byte, 28*27), []byte{1}, ErrFormat},
		{"rank 2", []uint32{1, 784}, make([]byte, 784), []byte{1}, ErrFormat},
		{"label 10", []uint32{1, 28, 28}, make([]byte, 784), []byte{10}, ErrFormat},
	}
	for _, c := range bad {
		d := t.TempDir()
		writeMNIST(t, d, mnistTrainImages, mnistTrainLabels, c.dims, c.img, c.labels, false)
		writeMNIST(t, d, mnistTestImages, mnistTestLabels, []uint32{1, 28, 28}, img[:784], []byte{7}, false)
		if _, _, err := LoadMNIST(d); !errors.Is(err, c.wantErr) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.wantErr)
		}
	}
	if _, _, err := LoadMNIST(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("empty dir: err %v, want fs.ErrNotExist", err)
	}
	// A float label file is a format error, not a panic.
	x, err := ReadMNIST(bytes.NewReader(idxBytes(0x08, []uint32{1, 28, 28}, make([]byte, 784))),
		bytes.NewReader(idxBytes(0x0D, []uint32{1}, make([]byte, 4))))
	if !errors.Is(err, ErrFormat) {
		t.Errorf("float labels: %v, %v", x, err)
	}
}

// TestLoadMNIST checks the real data set against facts published with it:
// the set sizes, the first labels, and the number of each digit.
func TestLoadMNIST(t *testing.T) {
	dir := MNISTDir()
	if dir == "" {
		t.Skip("set ANN_MNIST_DIR to the directory holding the MNIST files")
	}
	train, test, err := LoadMNIST(dir)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, d *Dataset, n int, first []int, counts [10]int) {
		if d.Len() != n || d.X.Cols != 784 || len(d.Labels) != n {
			t.Fatalf("%s: %d×%d with %d labels, want %d×784", name, d.X.Rows, d.X.Cols, len(d.Labels), n)
		}
		if !slices.Equal(d.Labels[:len(first)], first) {
			t.Errorf("%s: first labels %v, want %v", name, d.Labels[:len(first)], first)
		}
		var got [10]int
		for _, l := range d.Labels {
			got[l]++
		}
		if got != counts {
			t.Errorf("%s: digit counts %v, want %v", name, got, counts)
		}
		lo, hi := float32(1), float32(0)
		for _, v := range d.X.Data {
			lo, hi = min(lo, v), max(hi, v)
			// Every pixel is k/255 for an integer k, to float32 rounding.
			if k := float64(v) * 255; math.Abs(k-math.Round(k)) > 255*0x1p-24 {
				t.Fatalf("%s: pixel %v is not k/255", name, v)
			}
		}
		if lo != 0 || hi != 1 {
			t.Errorf("%s: pixel range [%v, %v], want [0, 1]", name, lo, hi)
		}
		if err := d.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	check("train", train, 60000, []int{5, 0, 4, 1, 9, 2, 1, 3, 1, 4},
		[10]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949})
	check("test", test, 10000, []int{7, 2, 1, 0, 4, 1, 4, 9, 5, 9},
		[10]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009})
}

func FuzzReadIDX(f *testing.F) {
	f.Add(idxBytes(0x08, []uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6}))
	f.Add(idxBytes(0x0D, []uint32{1}, []byte{0x3f, 0x80, 0, 0}))
	f.Add(idxBytes(0x0B, nil, []byte{1, 2}))
	f.Add(idxBytes(0x0E, []uint32{0, 9}, nil))
	f.Add(idxBytes(0x08, []uint32{1000000, 1000000}, []byte{1}))
	f.Add(gzipBytes(f, idxBytes(0x0C, []uint32{1, 1}, []byte{1, 2, 3, 4})))
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, in []byte) {
		x, err := ReadIDX(bytes.NewReader(in))
		if err != nil {
			if x != nil {
				t.Fatal("non-nil IDX with an error")
			}
			return
		}
		if _, err := x.Float32s(); err != nil {
			t.Fatalf("accepted array does not decode: %v", err)
		}
		var out bytes.Buffer
		if err := WriteIDX(&out, x); err != nil {
			t.Fatalf("accepted array does not write: %v", err)
		}
		// A raw input is reproduced byte for byte.
		if len(in) > 0 && in[0] == 0 && !bytes.Equal(out.Bytes(), in) {
			t.Fatalf("round trip changed the bytes:\n% x\n% x", in, out.Bytes())
		}
		y, err := ReadIDX(&out)
		if err != nil || y.Type != x.Type || !slices.Equal(y.Dims, x.Dims) || !bytes.Equal(y.Data, x.Data) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func ExampleLoadMNIST() {
	dir := MNISTDir() // $ANN_MNIST_DIR, e.g. after FetchMNIST(ctx, dir)
	if dir == "" {
		fmt.Println("set ANN_MNIST_DIR")
		return
	}
	train, test, err := LoadMNIST(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(train.Len(), test.Len(), train.X.Cols, train.Classes[train.Labels[0]])
}

// errPayloadRead marks a read past an IDX header.
var errPayloadRead = errors.New("payload read")

// headerOnly returns an IDX header, raw or gzip-compressed (flushed so the
// header decompresses on its own), followed by a stream that fails if read:
// a reader that checks the header first never touches it.
func headerOnly(t *testing.T, dims []uint32, gz bool) io.Reader {
	t.Helper()
	h := idxBytes(0x08, dims, nil)
	if gz {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(h); err != nil {
			t.Fatal(err)
		}
		if err := zw.Flush(); err != nil {
			t.Fatal(err)
		}
		h = buf.Bytes()
	}
	return io.MultiReader(bytes.NewReader(h), failReader{errPayloadRead})
}

// TestReadMNISTHeaderFirst: a wrong shape, a count mismatch and a claim
// beyond MNISTMaxItems are refused from the headers, before any payload is
// read or allocated, for raw and gzip input.
func TestReadMNISTHeaderFirst(t *testing.T) {
	max := uint32(MNISTMaxItems)
	cases := []struct {
		name     string
		img, lab []uint32
	}{
		{"wrong side", []uint32{1000, 28, 27}, []uint32{1000}},
		{"rank 2", []uint32{1000, 784}, []uint32{1000}},
		{"labels rank 2", []uint32{1000, 28, 28}, []uint32{1000, 1}},
		{"count mismatch", []uint32{1000, 28, 28}, []uint32{999}},
		{"over MNISTMaxItems", []uint32{max + 1, 28, 28}, []uint32{max + 1}},
		{"4e9 labels", []uint32{1000, 28, 28}, []uint32{0xffffffff}},
	}
	for _, gz := range []bool{false, true} {
		for _, c := range cases {
			var err error
			img, lab := headerOnly(t, c.img, gz), headerOnly(t, c.lab, gz)
			alloc := allocatedBy(func() { _, err = ReadMNIST(img, lab) })
			if !errors.Is(err, ErrFormat) || errors.Is(err, errPayloadRead) {
				t.Errorf("gz %v, %s: %v; want ErrFormat before reading a payload", gz, c.name, err)
			}
			if alloc > 1<<20 {
				t.Errorf("gz %v, %s: allocated %d bytes", gz, c.name, alloc)
			}
		}
	}
}

// TestMNISTMaxItems: the limit is adjustable and applies to LoadMNIST's
// files, and a payload longer or shorter than the header declares is
// refused after decompression.
func TestMNISTMaxItems(t *testing.T) {
	dir := t.TempDir()
	img := make([]byte, 3*784)
	writeMNIST(t, dir, mnistTrainImages, mnistTrainLabels, []uint32{3, 28, 28}, img, []byte{1, 2, 3}, true)
	writeMNIST(t, dir, mnistTestImages, mnistTestLabels, []uint32{1, 28, 28}, img[:784], []byte{7}, false)
	defer func(old int) { MNISTMaxItems = old }(MNISTMaxItems)
	MNISTMaxItems = 2
	if _, _, err := LoadMNIST(dir); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "MNISTMaxItems") {
		t.Errorf("3 items with MNISTMaxItems 2: %v, want ErrFormat naming the limit", err)
	}
	MNISTMaxItems = 3
	if _, _, err := LoadMNIST(dir); err != nil {
		t.Errorf("3 items with MNISTMaxItems 3: %v", err)
	}
	lab := idxBytes(0x08, []uint32{2}, []byte{1, 2})
	for _, gz := range []bool{false, true} {
		for _, k := range []int{1, 3} { // header says 2 images
			in := idxBytes(0x08, []uint32{2, 28, 28}, img[:k*784])
			l := lab
			if gz {
				in, l = gzipBytes(t, in), gzipBytes(t, lab)
			}
			if _, err := ReadMNIST(bytes.NewReader(in), bytes.NewReader(l)); !errors.Is(err, ErrFormat) {
				t.Errorf("gz %v, %d images for a header of 2: %v, want ErrFormat", gz, k, err)
			}
		}
	}
}

// FuzzReadMNIST: any pair of streams gives a valid Dataset or an error;
// never a panic, and never a Dataset whose size disagrees with itself.
func FuzzReadMNIST(f *testing.F) {
	f.Add(idxBytes(0x08, []uint32{1, 28, 28}, make([]byte, 784)), idxBytes(0x08, []uint32{1}, []byte{3}))
	f.Add(idxBytes(0x08, []uint32{0, 28, 28}, nil), idxBytes(0x08, []uint32{0}, nil))
	f.Add(gzipBytes(f, idxBytes(0x08, []uint32{1, 28, 28}, make([]byte, 784))), gzipBytes(f, idxBytes(0x08, []uint32{1}, []byte{9})))
	f.Add(idxBytes(0x08, []uint32{0xffffffff, 28, 28}, nil), idxBytes(0x08, []uint32{0xffffffff}, nil))
	f.Fuzz(func(t *testing.T, images, labels []byte) {
		d, err := ReadMNIST(bytes.NewReader(images), bytes.NewReader(labels))
		if err != nil {
			return
		}
		if d.X.Cols != mnistPixels || d.X.Rows != len(d.Labels) {
			t.Fatalf("dataset %d×%d with %d labels", d.X.Rows, d.X.Cols, len(d.Labels))
		}
		if err := d.Validate(); err != nil && d.Len() > 0 {
			t.Fatal(err)
		}
	})
}
