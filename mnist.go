package ann

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
)

// IDXType is the element type code of an IDX file, the third byte of its
// magic number.
type IDXType byte

// The element types the IDX format defines. Multi-byte elements are stored
// big-endian.
const (
	IDXUint8   IDXType = 0x08 // unsigned byte
	IDXInt8    IDXType = 0x09 // signed byte
	IDXInt16   IDXType = 0x0B // 16-bit signed integer
	IDXInt32   IDXType = 0x0C // 32-bit signed integer
	IDXFloat32 IDXType = 0x0D // IEEE 754 single precision
	IDXFloat64 IDXType = 0x0E // IEEE 754 double precision
)

// String returns the C name of the type ("ubyte", "int32", ...), or
// "IDXType(0x..)" for a code the format does not define.
func (t IDXType) String() string {
	switch t {
	case IDXUint8:
		return "ubyte"
	case IDXInt8:
		return "sbyte"
	case IDXInt16:
		return "int16"
	case IDXInt32:
		return "int32"
	case IDXFloat32:
		return "float32"
	case IDXFloat64:
		return "float64"
	}
	return fmt.Sprintf("IDXType(%#02x)", byte(t))
}

// Size returns the size of one element in bytes, or 0 for an unknown type.
func (t IDXType) Size() int {
	switch t {
	case IDXUint8, IDXInt8:
		return 1
	case IDXInt16:
		return 2
	case IDXInt32, IDXFloat32:
		return 4
	case IDXFloat64:
		return 8
	}
	return 0
}

// MaxIDXRank is the largest number of dimensions ReadIDX and WriteIDX
// accept. The format allows 255, but no real data set has more than a
// handful, and a cap keeps a hostile header from costing 255 reads of
// nonsense before it is rejected.
const MaxIDXRank = 16

// maxIDXBytes caps the payload ReadIDX will hold: 4 GiB (just under 2 GiB
// on 32-bit targets). MNIST's largest file is 47 MB.
const maxIDXBytes = (1<<32 - 1) & math.MaxInt

// idxChunk is the most ReadIDX allocates ahead of bytes actually read, so a
// header that lies about its size costs at most this much memory.
const idxChunk = 1 << 20

// IDX is one array in the IDX format used by MNIST: an element type, the
// dimensions (outermost first), and the elements as raw big-endian bytes,
// exactly as stored in the file. len(Data) is the product of Dims times
// Type.Size(); a rank-0 array holds one element.
type IDX struct {
	Type IDXType
	Dims []int
	Data []byte
}

// Len returns the number of elements, the product of the dimensions, for
// an array that ReadIDX returned or that WriteIDX accepts.
func (x *IDX) Len() int {
	n := 1
	for _, d := range x.Dims {
		n *= d
	}
	return n
}

// check reports whether x is self-consistent, with sizes that fit the
// format's uint32 dimensions and the payload cap.
func (x *IDX) check() error {
	if x == nil {
		return fmt.Errorf("%w: idx: nil array", ErrValue)
	}
	size := x.Type.Size()
	if size == 0 {
		return fmt.Errorf("%w: idx: unknown element type %#02x", ErrFormat, byte(x.Type))
	}
	if len(x.Dims) > MaxIDXRank {
		return fmt.Errorf("%w: idx: rank %d exceeds %d", ErrFormat, len(x.Dims), MaxIDXRank)
	}
	dims := make([]uint64, len(x.Dims))
	for i, d := range x.Dims {
		if d < 0 || uint64(d) > math.MaxUint32 {
			return fmt.Errorf("%w: idx: dimension %d is %d, outside [0, 2³²)", ErrFormat, i, d)
		}
		dims[i] = uint64(d)
	}
	n, err := idxPayload(dims, size)
	if err != nil {
		return err
	}
	if uint64(len(x.Data)) != n {
		return fmt.Errorf("%w: idx: %v %s array needs %d bytes, has %d", ErrFormat, x.Dims, x.Type, n, len(x.Data))
	}
	return nil
}

// idxPayload returns the payload size in bytes for dims of size-byte
// elements, failing on overflow or beyond maxIDXBytes. A zero dimension
// makes the array empty whatever the others claim.
func idxPayload(dims []uint64, size int) (uint64, error) {
	n := uint64(size)
	for _, d := range dims {
		if d == 0 {
			return 0, nil
		}
	}
	for _, d := range dims {
		if n > maxIDXBytes/d {
			return 0, fmt.Errorf("%w: idx: dimensions %v of %d-byte elements exceed the %d-byte limit", ErrFormat, dims, size, uint64(maxIDXBytes))
		}
		n *= d
	}
	return n, nil
}

// ReadIDX reads one IDX array from r, gzip-compressed or not: a gzip stream
// is recognised by its magic bytes 1f 8b. It reads r to the end, and bytes
// after the payload are an error, as are an unknown type, a rank above
// MaxIDXRank, sizes that overflow or exceed 4 GiB, and a short payload; all
// of these wrap ErrFormat. Memory grows with the bytes actually read, never
// with what the header claims. Read errors from r are returned wrapped
// together with ErrConfig.
func ReadIDX(r io.Reader) (*IDX, error) { return readIDX(r, maxIDXBytes) }

func readIDX(r io.Reader, limit uint64) (*IDX, error) {
	s, err := openIDX(r, limit)
	if err != nil {
		return nil, err
	}
	return s.payload()
}

// idxStream is an IDX array whose header has been read and checked and
// whose payload is still in the stream, so a caller can refuse a shape
// before reading (or allocating for) any of the payload.
type idxStream struct {
	x *IDX      // Type and Dims; Data is nil until payload
	n uint64    // payload bytes the header declares
	r io.Reader // positioned at the payload, decompressed
}

// openIDX reads the magic and dimensions of one IDX array, gzip-compressed
// or not, and checks them against the format and limit (bytes).
func openIDX(r io.Reader, limit uint64) (*idxStream, error) {
	br := bufio.NewReader(r)
	if sig, err := br.Peek(2); err == nil && sig[0] == 0x1f && sig[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, streamErr(err, "gzip header")
		}
		return openIDXRaw(zr, limit)
	}
	return openIDXRaw(br, limit)
}

// streamErr classifies an error met while reading what: the stream ending
// early or a corrupt gzip stream is the input's fault (ErrFormat); anything
// else comes from the reader and is passed on wrapped.
func streamErr(err error, what string) error {
	var corrupt flate.CorruptInputError
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return fmt.Errorf("%w: idx: truncated %s", ErrFormat, what)
	case errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, &corrupt):
		return fmt.Errorf("%w: idx: %s: %v", ErrFormat, what, err)
	}
	return fmt.Errorf("%w: idx: reading %s: %w", ErrConfig, what, err)
}

func openIDXRaw(r io.Reader, limit uint64) (*idxStream, error) {
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, streamErr(err, "magic number")
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, fmt.Errorf("%w: idx: magic % x does not start with 00 00", ErrFormat, magic)
	}
	x := &IDX{Type: IDXType(magic[2])}
	size := x.Type.Size()
	if size == 0 {
		return nil, fmt.Errorf("%w: idx: unknown element type %#02x", ErrFormat, magic[2])
	}
	rank := int(magic[3])
	if rank > MaxIDXRank {
		return nil, fmt.Errorf("%w: idx: rank %d exceeds %d", ErrFormat, rank, MaxIDXRank)
	}
	hdr := make([]byte, 4*rank)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, streamErr(err, "dimensions")
	}
	dims := make([]uint64, rank)
	x.Dims = make([]int, rank)
	for i := range dims {
		dims[i] = uint64(binary.BigEndian.Uint32(hdr[4*i:]))
		if dims[i] > math.MaxInt {
			return nil, fmt.Errorf("%w: idx: dimension %d is %d, too large for this platform", ErrFormat, i, dims[i])
		}
		x.Dims[i] = int(dims[i])
	}
	n, err := idxPayload(dims, size)
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, fmt.Errorf("%w: idx: payload of %d bytes exceeds the %d-byte limit", ErrFormat, n, limit)
	}
	return &idxStream{x: x, n: n, r: r}, nil
}

// payload reads exactly the payload the header declared, then requires the
// end of the stream, and returns the complete array.
func (s *idxStream) payload() (*IDX, error) {
	data, err := readPayload(s.r, int(s.n))
	if err != nil {
		return nil, err
	}
	s.x.Data = data
	return s.x, nil
}

// readPayload reads exactly n bytes and then requires the end of r; going
// on to EOF also makes gzip verify its checksum. The buffer grows only as
// data arrives, so a header that claims more than r holds costs at most
// idxChunk bytes beyond the bytes present (plus doubling slack).
func readPayload(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, idxChunk))
	var err error
	for len(buf) < n && err == nil {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(n, max(2*cap(buf), idxChunk))-len(buf))
		}
		var k int
		k, err = r.Read(buf[len(buf):min(cap(buf), n)])
		buf = buf[:len(buf)+k]
	}
	if len(buf) < n {
		return nil, streamErr(err, fmt.Sprintf("payload (%d of %d bytes)", len(buf), n))
	}
	if err == nil {
		var extra [1]byte
		var k int
		k, err = io.ReadFull(r, extra[:])
		if k > 0 {
			return nil, fmt.Errorf("%w: idx: trailing bytes after the %d-byte payload", ErrFormat, n)
		}
	}
	if err != io.EOF {
		return nil, streamErr(err, "stream after the payload")
	}
	return buf, nil
}

// WriteIDX writes x to w in the raw (uncompressed) IDX format; wrap w in a
// gzip.Writer for a .gz file. It fails with ErrFormat if x is inconsistent
// (unknown type, rank above MaxIDXRank, a dimension outside [0, 2³²), or
// Data not matching the dimensions).
func WriteIDX(w io.Writer, x *IDX) error {
	if err := x.check(); err != nil {
		return err
	}
	hdr := make([]byte, 4+4*len(x.Dims))
	hdr[2], hdr[3] = byte(x.Type), byte(len(x.Dims))
	for i, d := range x.Dims {
		binary.BigEndian.PutUint32(hdr[4+4*i:], uint32(d))
	}
	if _, err := w.Write(hdr); err != nil {
		return fmt.Errorf("%w: idx: write: %w", ErrConfig, err)
	}
	if _, err := w.Write(x.Data); err != nil {
		return fmt.Errorf("%w: idx: write: %w", ErrConfig, err)
	}
	return nil
}

// Float32s decodes the elements as float32, in storage order. Integers
// convert exactly (int32 beyond ±2²⁴ rounds), float64 rounds to nearest.
// It fails with ErrFormat if x is inconsistent.
func (x *IDX) Float32s() ([]float32, error) {
	if err := x.check(); err != nil {
		return nil, err
	}
	d := x.Data
	out := make([]float32, len(d)/x.Type.Size())
	switch x.Type {
	case IDXUint8:
		for i, b := range d {
			out[i] = float32(b)
		}
	case IDXInt8:
		for i, b := range d {
			out[i] = float32(int8(b))
		}
	case IDXInt16:
		for i := range out {
			out[i] = float32(int16(binary.BigEndian.Uint16(d[2*i:])))
		}
	case IDXInt32:
		for i := range out {
			out[i] = float32(int32(binary.BigEndian.Uint32(d[4*i:])))
		}
	case IDXFloat32:
		for i := range out {
			out[i] = math.Float32frombits(binary.BigEndian.Uint32(d[4*i:]))
		}
	case IDXFloat64:
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.BigEndian.Uint64(d[8*i:])))
		}
	}
	return out, nil
}

// Ints decodes the elements of an integer array (ubyte, sbyte, int16,
// int32) as ints, in storage order. A float array fails with ErrFormat,
// because truncating it silently would hide a wrong file.
func (x *IDX) Ints() ([]int, error) {
	if err := x.check(); err != nil {
		return nil, err
	}
	d := x.Data
	switch x.Type {
	case IDXUint8:
		out := make([]int, len(d))
		for i, b := range d {
			out[i] = int(b)
		}
		return out, nil
	case IDXInt8:
		out := make([]int, len(d))
		for i, b := range d {
			out[i] = int(int8(b))
		}
		return out, nil
	case IDXInt16:
		out := make([]int, len(d)/2)
		for i := range out {
			out[i] = int(int16(binary.BigEndian.Uint16(d[2*i:])))
		}
		return out, nil
	case IDXInt32:
		out := make([]int, len(d)/4)
		for i := range out {
			out[i] = int(int32(binary.BigEndian.Uint32(d[4*i:])))
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: idx: Ints on a %s array", ErrFormat, x.Type)
}

// MNIST geometry.
const (
	mnistSide    = 28
	mnistPixels  = mnistSide * mnistSide
	mnistClasses = 10
)

// The canonical MNIST file names, without the .gz suffix.
const (
	mnistTrainImages = "train-images-idx3-ubyte"
	mnistTrainLabels = "train-labels-idx1-ubyte"
	mnistTestImages  = "t10k-images-idx3-ubyte"
	mnistTestLabels  = "t10k-labels-idx1-ubyte"
)

// MNISTDir returns the directory named by the environment variable
// ANN_MNIST_DIR, or "" when it is unset. Tests and examples use it to find
// the data without hard-coding a path.
func MNISTDir() string { return os.Getenv("ANN_MNIST_DIR") }

// LoadMNIST reads the MNIST training (60000) and test (10000) sets from the
// four canonical IDX files in dir, each either gzip-compressed with a .gz
// suffix (as downloaded, see FetchMNIST) or uncompressed without one; the
// .gz name is tried first.
//
// Each Dataset has X with one row of 784 pixels per image (row-major 28×28),
// scaled from 0..255 to [0, 1]; Labels with the digit 0..9; Classes "0" to
// "9"; LabelName "label"; and FeatureNames nil (784 pixel names would help
// nobody). Errors from opening files wrap ErrConfig and the os error (test
// with errors.Is(err, fs.ErrNotExist)); a file that is not a valid MNIST file
// fails with ErrFormat.
func LoadMNIST(dir string) (train, test *Dataset, err error) {
	if train, err = loadMNISTPair(dir, mnistTrainImages, mnistTrainLabels); err != nil {
		return nil, nil, err
	}
	if test, err = loadMNISTPair(dir, mnistTestImages, mnistTestLabels); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// MNISTMaxItems is the most images (and labels) LoadMNIST and ReadMNIST
// accept in one file. It is checked against the IDX headers, with their
// shapes and counts, before any payload is read, so a corrupt or hostile
// header that claims billions of items costs no memory. The default,
// 1<<20 = 1,048,576, covers MNIST (60,000 training images), Fashion-MNIST
// and EMNIST's largest split (ByClass, 697,932 training images); each item
// costs 3,136 bytes as float32 features. Set it before loading to accept
// larger sets or to refuse smaller ones.
var MNISTMaxItems = 1 << 20

func loadMNISTPair(dir, images, labels string) (*Dataset, error) {
	img, imgPath, err := openIDXFile(dir, images)
	if err != nil {
		return nil, err
	}
	defer img.Close()
	lab, labPath, err := openIDXFile(dir, labels)
	if err != nil {
		return nil, err
	}
	defer lab.Close()
	d, err := readMNISTPair(img, lab, filepath.Base(imgPath), filepath.Base(labPath))
	if err != nil {
		return nil, fmt.Errorf("%w (%s, %s in %s)", err, images, labels, dir)
	}
	return d, nil
}

// openIDXFile opens dir/name.gz, or dir/name when there is no .gz file.
func openIDXFile(dir, name string) (*os.File, string, error) {
	path := filepath.Join(dir, name+".gz")
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		path = filepath.Join(dir, name)
		f, err = os.Open(path)
	}
	if err != nil {
		return nil, "", fmt.Errorf("%w: mnist: %w", ErrConfig, err)
	}
	return f, path, nil
}

// ReadMNIST reads one MNIST set from an images stream and a labels stream,
// each raw or gzip-compressed IDX, and returns it as LoadMNIST does. It
// reads both headers first and checks that the images are ubyte n×28×28,
// the labels ubyte n with the same n, and n at most MNISTMaxItems, before
// reading either payload; then that each payload is exactly the size its
// header declares and every label is in 0..9. Any violation fails with
// ErrFormat.
func ReadMNIST(images, labels io.Reader) (*Dataset, error) {
	return readMNISTPair(images, labels, "images", "labels")
}

// readMNISTPair reads and checks both headers, then both payloads; the
// names label errors.
func readMNISTPair(images, labels io.Reader, imgName, labName string) (*Dataset, error) {
	img, err := openIDX(images, maxIDXBytes)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, imgName)
	}
	lab, err := openIDX(labels, maxIDXBytes)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, labName)
	}
	if err := checkMNISTShape(img.x, lab.x); err != nil {
		return nil, err
	}
	if _, err := img.payload(); err != nil {
		return nil, fmt.Errorf("%w (%s)", err, imgName)
	}
	if _, err := lab.payload(); err != nil {
		return nil, fmt.Errorf("%w (%s)", err, labName)
	}
	return mnistDataset(img.x, lab.x)
}

// checkMNISTShape checks the types and dimensions of an images and a
// labels array, which need not hold their payloads yet.
func checkMNISTShape(img, lab *IDX) error {
	if img.Type != IDXUint8 || len(img.Dims) != 3 || img.Dims[1] != mnistSide || img.Dims[2] != mnistSide {
		return fmt.Errorf("%w: mnist: images are %s %v, want ubyte [n 28 28]", ErrFormat, img.Type, img.Dims)
	}
	if lab.Type != IDXUint8 || len(lab.Dims) != 1 {
		return fmt.Errorf("%w: mnist: labels are %s %v, want ubyte [n]", ErrFormat, lab.Type, lab.Dims)
	}
	n := img.Dims[0]
	if lab.Dims[0] != n {
		return fmt.Errorf("%w: mnist: %d images but %d labels", ErrFormat, n, lab.Dims[0])
	}
	if n > MNISTMaxItems {
		return fmt.Errorf("%w: mnist: %d items, more than MNISTMaxItems (%d)", ErrFormat, n, MNISTMaxItems)
	}
	return nil
}

// mnistDataset builds the Dataset from a checked images and labels pair
// with their payloads.
func mnistDataset(img, lab *IDX) (*Dataset, error) {
	if err := checkMNISTShape(img, lab); err != nil {
		return nil, err
	}
	n := img.Dims[0]
	labels := make([]int, n)
	for i, b := range lab.Data {
		if b >= mnistClasses {
			return nil, fmt.Errorf("%w: mnist: label %d of item %d is not a digit", ErrFormat, b, i)
		}
		labels[i] = int(b)
	}
	x, err := NewMatrix(n, mnistPixels)
	if err != nil {
		return nil, err
	}
	for i, b := range img.Data {
		x.Data[i] = float32(b) / 255
	}
	classes := make([]string, mnistClasses)
	for i := range classes {
		classes[i] = string(rune('0' + i))
	}
	return &Dataset{X: x, Labels: labels, LabelName: "label", Classes: classes}, nil
}
