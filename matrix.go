package ann

import (
	"fmt"
	"math"
	"unsafe"
)

// Matrix is a dense row-major float32 matrix. Element (i, j) lives at
// Data[i*Stride+j]; Stride (the leading dimension) is at least Cols, so a
// Matrix can be a view into a wider one without copying. Data needs only
// (Rows-1)*Stride+Cols elements: the last row carries no padding.
//
// The zero value is a valid 0×0 matrix. A Matrix is a small value that shares
// its Data: copying the struct copies the view, not the numbers. Functions
// that take a Matrix check its fields and return ErrShape when they do not
// describe a valid matrix.
type Matrix struct {
	Rows, Cols int
	Stride     int
	Data       []float32
}

// maxElements bounds rows×cols for constructors so that an absurd request is
// an error instead of an out-of-memory crash or an integer overflow: 2³⁷
// elements (512 GiB) on 64-bit targets, just under 2³¹ on 32-bit ones.
const maxElements = math.MaxInt32 * 64 & math.MaxInt

// NewMatrix returns a zeroed rows×cols matrix with Stride equal to cols.
func NewMatrix(rows, cols int) (Matrix, error) {
	if err := checkDims(rows, cols); err != nil {
		return Matrix{}, err
	}
	return Matrix{Rows: rows, Cols: cols, Stride: max(cols, 1), Data: make([]float32, rows*cols)}, nil
}

// MatrixFrom wraps data as a rows×cols matrix with Stride equal to cols,
// without copying. It fails with ErrShape unless len(data) == rows*cols.
func MatrixFrom(rows, cols int, data []float32) (Matrix, error) {
	if err := checkDims(rows, cols); err != nil {
		return Matrix{}, err
	}
	if len(data) != rows*cols {
		return Matrix{}, fmt.Errorf("%w: %d×%d matrix needs %d elements, got %d", ErrShape, rows, cols, rows*cols, len(data))
	}
	return Matrix{Rows: rows, Cols: cols, Stride: max(cols, 1), Data: data}, nil
}

// MatrixFromRows copies rows into a new matrix. All rows must have the same
// length.
func MatrixFromRows(rows [][]float32) (Matrix, error) {
	if len(rows) == 0 {
		return Matrix{}, nil
	}
	cols := len(rows[0])
	m, err := NewMatrix(len(rows), cols)
	if err != nil {
		return Matrix{}, err
	}
	for i, r := range rows {
		if len(r) != cols {
			return Matrix{}, fmt.Errorf("%w: row %d has %d columns, row 0 has %d", ErrShape, i, len(r), cols)
		}
		copy(m.Data[i*cols:], r)
	}
	return m, nil
}

func checkDims(rows, cols int) error {
	if rows < 0 || cols < 0 {
		return fmt.Errorf("%w: negative dimensions %d×%d", ErrShape, rows, cols)
	}
	if cols != 0 && rows > maxElements/cols {
		return fmt.Errorf("%w: %d×%d matrix is too large", ErrShape, rows, cols)
	}
	return nil
}

// Check reports whether m's fields describe a valid matrix: non-negative
// dimensions and, unless it is empty, Stride ≥ Cols and Data long enough for
// the last row.
func (m Matrix) Check() error {
	if err := checkDims(m.Rows, m.Cols); err != nil {
		return err
	}
	if m.Stride < max(m.Cols, 1) && m.Rows*m.Cols != 0 {
		return fmt.Errorf("%w: stride %d smaller than %d columns", ErrShape, m.Stride, m.Cols)
	}
	if need := m.need(); len(m.Data) < need {
		return fmt.Errorf("%w: %d×%d matrix with stride %d needs %d elements, has %d", ErrShape, m.Rows, m.Cols, m.Stride, need, len(m.Data))
	}
	return nil
}

// need is the number of elements a valid m spans.
func (m Matrix) need() int {
	if m.Rows == 0 || m.Cols == 0 {
		return 0
	}
	return (m.Rows-1)*m.Stride + m.Cols
}

// Dims returns the number of rows and columns.
func (m Matrix) Dims() (rows, cols int) { return m.Rows, m.Cols }

// At returns element (i, j). It panics if the index is out of range, like a
// slice index.
func (m Matrix) At(i, j int) float32 {
	if uint(i) >= uint(m.Rows) || uint(j) >= uint(m.Cols) {
		panic(fmt.Sprintf("ann: index (%d, %d) out of range for %d×%d matrix", i, j, m.Rows, m.Cols))
	}
	return m.Data[i*m.Stride+j]
}

// Set sets element (i, j). It panics if the index is out of range.
func (m Matrix) Set(i, j int, v float32) {
	if uint(i) >= uint(m.Rows) || uint(j) >= uint(m.Cols) {
		panic(fmt.Sprintf("ann: index (%d, %d) out of range for %d×%d matrix", i, j, m.Rows, m.Cols))
	}
	m.Data[i*m.Stride+j] = v
}

// Row returns row i as a slice that shares m's storage. It panics if i is
// out of range.
func (m Matrix) Row(i int) []float32 {
	if uint(i) >= uint(m.Rows) {
		panic(fmt.Sprintf("ann: row %d out of range for %d×%d matrix", i, m.Rows, m.Cols))
	}
	return m.Data[i*m.Stride : i*m.Stride+m.Cols : i*m.Stride+m.Cols]
}

// View returns the sub-matrix of rows [r0, r1) and columns [c0, c1), sharing
// m's storage. It fails with ErrShape if the window is not inside m.
func (m Matrix) View(r0, r1, c0, c1 int) (Matrix, error) {
	if r0 < 0 || r1 < r0 || r1 > m.Rows || c0 < 0 || c1 < c0 || c1 > m.Cols {
		return Matrix{}, fmt.Errorf("%w: view [%d:%d, %d:%d] outside %d×%d matrix", ErrShape, r0, r1, c0, c1, m.Rows, m.Cols)
	}
	v := Matrix{Rows: r1 - r0, Cols: c1 - c0, Stride: m.Stride}
	if n := v.need(); n > 0 {
		off := r0*m.Stride + c0
		v.Data = m.Data[off : off+n]
	}
	return v, nil
}

// RowView returns rows [r0, r1) of m, sharing storage.
func (m Matrix) RowView(r0, r1 int) (Matrix, error) { return m.View(r0, r1, 0, m.Cols) }

// Clone returns a compact copy of m (Stride == Cols).
func (m Matrix) Clone() Matrix {
	c := Matrix{Rows: m.Rows, Cols: m.Cols, Stride: max(m.Cols, 1), Data: make([]float32, m.Rows*m.Cols)}
	for i := 0; i < m.Rows; i++ {
		copy(c.Data[i*m.Cols:(i+1)*m.Cols], m.Data[i*m.Stride:i*m.Stride+m.Cols])
	}
	return c
}

// CopyFrom copies src into m. The dimensions must match.
func (m Matrix) CopyFrom(src Matrix) error {
	if err := sameShape(m, src); err != nil {
		return err
	}
	for i := 0; i < m.Rows; i++ {
		copy(m.Data[i*m.Stride:i*m.Stride+m.Cols], src.Data[i*src.Stride:i*src.Stride+src.Cols])
	}
	return nil
}

// HasNaN reports whether any element is NaN or ±Inf.
func (m Matrix) HasNaN() bool {
	if m.Stride == m.Cols {
		return !allFinite(m.Data[:m.Rows*m.Cols])
	}
	for i := 0; i < m.Rows; i++ {
		if !allFinite(m.Data[i*m.Stride : i*m.Stride+m.Cols]) {
			return true
		}
	}
	return false
}

// allFinite reports whether v holds no NaN and no ±Inf, with the active
// kernel set's vector kernel when it has one (predict checks every input
// this way), else allFiniteGo.
func allFinite(v []float32) bool {
	if f := activeKernel.allFinite; f != nil {
		return f(v)
	}
	return allFiniteGo(v)
}

// allFiniteGo is allFinite in Go. A float32 is not finite when its
// exponent bits are all ones; adding one to the exponent field then carries
// into the sign bit, so OR-ing the sums of every element tests them all
// without a branch per element (the float64 tests cost a tenth of a batch's
// inference).
func allFiniteGo(v []float32) bool {
	const exp, one, carry = 0x7f800000, 0x00800000, 0x80000000
	var a0, a1, a2, a3 uint32
	i := 0
	for ; i+4 <= len(v); i += 4 {
		a0 |= math.Float32bits(v[i])&exp + one
		a1 |= math.Float32bits(v[i+1])&exp + one
		a2 |= math.Float32bits(v[i+2])&exp + one
		a3 |= math.Float32bits(v[i+3])&exp + one
	}
	for ; i < len(v); i++ {
		a0 |= math.Float32bits(v[i])&exp + one
	}
	return (a0|a1|a2|a3)&carry == 0
}

func sameShape(a, b Matrix) error {
	if err := a.Check(); err != nil {
		return err
	}
	if err := b.Check(); err != nil {
		return err
	}
	if a.Rows != b.Rows || a.Cols != b.Cols {
		return fmt.Errorf("%w: %d×%d vs %d×%d", ErrShape, a.Rows, a.Cols, b.Rows, b.Cols)
	}
	return nil
}

// MatMul sets dst = a·b. dst must be a.Rows×b.Cols and must not overlap a or
// b.
func MatMul(dst, a, b Matrix) error { return Gemm(false, false, 1, a, b, 0, dst) }

// Gemm computes c = alpha·op(a)·op(b) + beta·c, where op(x) is x or its
// transpose as transA and transB say. It is the checked, error-returning form
// of [Sgemm]; c must not overlap a or b. With beta == 0, c is not read.
func Gemm(transA, transB bool, alpha float32, a, b Matrix, beta float32, c Matrix) error {
	if err := a.Check(); err != nil {
		return fmt.Errorf("gemm a: %w", err)
	}
	if err := b.Check(); err != nil {
		return fmt.Errorf("gemm b: %w", err)
	}
	if err := c.Check(); err != nil {
		return fmt.Errorf("gemm c: %w", err)
	}
	m, k := a.Rows, a.Cols
	if transA {
		m, k = k, m
	}
	kb, n := b.Rows, b.Cols
	if transB {
		kb, n = n, kb
	}
	if k != kb || c.Rows != m || c.Cols != n {
		return fmt.Errorf("%w: gemm op(a) %d×%d · op(b) %d×%d into c %d×%d", ErrShape, m, k, kb, n, c.Rows, c.Cols)
	}
	// An empty operand may have stride 0 (the zero Matrix); cblas wants ≥ 1.
	Sgemm(transA, transB, m, n, k, alpha, a.Data, max(a.Stride, a.Cols, 1), b.Data, max(b.Stride, b.Cols, 1),
		beta, c.Data, max(c.Stride, c.Cols, 1))
	return nil
}

// alignedFloats returns n zeroed floats starting on a 64-byte boundary,
// with capacity n.
func alignedFloats(n int) []float32 {
	s := make([]float32, n+15)
	skip := 0
	if n > 0 {
		skip = int(-uintptr(unsafe.Pointer(&s[0])) % 64 / 4)
	}
	return s[skip : skip+n : skip+n]
}
