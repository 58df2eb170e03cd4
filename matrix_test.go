package ann

import (
	"errors"
	"math"
	"testing"
)

func TestMatrixConstructors(t *testing.T) {
	if _, err := NewMatrix(-1, 3); !errors.Is(err, ErrShape) {
		t.Errorf("NewMatrix(-1, 3) err = %v, want ErrShape", err)
	}
	if _, err := NewMatrix(math.MaxInt32, math.MaxInt32); !errors.Is(err, ErrShape) {
		t.Errorf("NewMatrix(huge) err = %v, want ErrShape", err)
	}
	if _, err := MatrixFrom(2, 3, make([]float32, 5)); !errors.Is(err, ErrShape) {
		t.Errorf("MatrixFrom short err = %v, want ErrShape", err)
	}
	if _, err := MatrixFromRows([][]float32{{1, 2}, {3}}); !errors.Is(err, ErrShape) {
		t.Errorf("ragged rows err = %v, want ErrShape", err)
	}
	var z Matrix
	if err := z.Check(); err != nil {
		t.Errorf("zero Matrix: %v", err)
	}
	if err := MatMul(z, z, z); err != nil {
		t.Errorf("0×0 product: %v", err)
	}
	e, _ := NewMatrix(3, 0)
	f, _ := NewMatrix(0, 2)
	g, _ := NewMatrix(3, 2)
	g.Set(0, 0, 5)
	if err := MatMul(g, e, f); err != nil || g.At(0, 0) != 0 {
		t.Errorf("k = 0 product must zero C: %v, %v", err, g.At(0, 0))
	}
	m, err := NewMatrix(0, 0)
	if err != nil || m.Check() != nil {
		t.Fatalf("NewMatrix(0, 0) = %v, %v", m, err)
	}
}

func TestMatrixViewsShareStorage(t *testing.T) {
	m, _ := MatrixFromRows([][]float32{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}})
	v, err := m.View(1, 3, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if v.Rows != 2 || v.Cols != 2 || v.Stride != 3 || v.At(0, 0) != 5 || v.At(1, 1) != 9 {
		t.Fatalf("view = %+v", v)
	}
	// The last row of a view carries no padding.
	if len(v.Data) != 5 {
		t.Errorf("view spans %d elements, want 5", len(v.Data))
	}
	v.Set(0, 0, 50)
	if m.At(1, 1) != 50 {
		t.Errorf("write through view not seen in parent")
	}
	r := m.Row(2)
	r[0] = 70
	if m.At(2, 0) != 70 || len(r) != 3 || cap(r) != 3 {
		t.Errorf("Row does not share storage or leaks capacity: %v cap %d", r, cap(r))
	}
	if _, err := m.View(0, 4, 0, 1); !errors.Is(err, ErrShape) {
		t.Errorf("view outside err = %v", err)
	}
	c := v.Clone()
	c.Set(0, 0, -1)
	if m.At(1, 1) != 50 || c.Stride != 2 {
		t.Errorf("Clone shares storage or has stride %d", c.Stride)
	}
	if err := c.CopyFrom(v); err != nil || c.At(0, 0) != 50 {
		t.Errorf("CopyFrom: %v, %v", err, c.At(0, 0))
	}
	if err := c.CopyFrom(m); !errors.Is(err, ErrShape) {
		t.Errorf("CopyFrom shape mismatch err = %v", err)
	}
	m.Set(0, 0, float32(math.Inf(1)))
	if !m.HasNaN() || v.HasNaN() {
		t.Errorf("HasNaN wrong")
	}
}

func TestGemmOnViews(t *testing.T) {
	// Multiply two views inside a larger matrix and compare with a hand result.
	big, _ := MatrixFromRows([][]float32{
		{1, 2, 3, 4},
		{5, 6, 7, 8},
		{9, 10, 11, 12},
	})
	a, _ := big.View(0, 2, 0, 2) // [[1 2] [5 6]]
	b, _ := big.View(1, 3, 2, 4) // [[7 8] [11 12]]
	c, _ := NewMatrix(2, 2)
	if err := MatMul(c, a, b); err != nil {
		t.Fatal(err)
	}
	want := []float32{1*7 + 2*11, 1*8 + 2*12, 5*7 + 6*11, 5*8 + 6*12}
	for i, w := range want {
		if c.Data[i] != w {
			t.Fatalf("c = %v, want %v", c.Data, want)
		}
	}
	// Transposed operands through the checked form.
	if err := Gemm(true, true, 1, a, b, 0, c); err != nil {
		t.Fatal(err)
	}
	// aᵀ·bᵀ = (b·a)ᵀ: (b·a) = [[7+40, 14+48], [11+60, 22+72]] = [[47 62] [71 94]]
	want = []float32{47, 71, 62, 94}
	for i, w := range want {
		if c.Data[i] != w {
			t.Fatalf("aᵀbᵀ = %v, want %v", c.Data, want)
		}
	}
	bad := Matrix{Rows: 2, Cols: 2, Stride: 1, Data: make([]float32, 4)}
	if err := MatMul(c, bad, b); !errors.Is(err, ErrShape) {
		t.Errorf("bad stride err = %v", err)
	}
}

// TestAllFinite puts each special value at every position of slices of
// length 1..9 and compares allFinite with math.IsNaN/IsInf, in strided
// matrices too.
func TestAllFinite(t *testing.T) {
	specials := []float32{0, float32(math.Copysign(0, -1)), 1, -1, math.MaxFloat32, -math.MaxFloat32,
		math.SmallestNonzeroFloat32, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		math.Float32frombits(0x7f800001), math.Float32frombits(0xffc00000), math.Float32frombits(0x7f7fffff)}
	if !allFinite(nil) {
		t.Fatal("allFinite(nil) = false")
	}
	for n := 1; n <= 9; n++ {
		for pos := 0; pos < n; pos++ {
			for _, s := range specials {
				v := make([]float32, n)
				for i := range v {
					v[i] = float32(i) - 3.5
				}
				v[pos] = s
				want := !math.IsNaN(float64(s)) && !math.IsInf(float64(s), 0)
				if got := allFinite(v); got != want {
					t.Fatalf("allFinite(%v) = %v, want %v", v, got, want)
				}
				m := Matrix{Rows: 1, Cols: n - pos, Stride: n, Data: v[pos:]}
				if m.HasNaN() != !want {
					t.Fatalf("HasNaN of %v = %v", m, !want)
				}
			}
		}
	}
}

// TestAllFiniteKernels runs each kernel set's allFinite (the generated
// vector kernels, or the Go loop) on slices of length 0..70 and a few
// longer ones, each special value at every position, every slice cut out
// of a buffer whose neighbouring elements are NaN (they must not be seen).
func TestAllFiniteKernels(t *testing.T) {
	specials := []uint32{0x7fc00000, 0xffc00001, 0x7f800001, 0xff800000, 0x7f800000, 0x7fffffff, 0xffffffff,
		0x7f7fffff, 0xff7fffff, 0x00000001, 0x80000000, 0x00800000}
	lengths := []int{128, 200, 257}
	for n := 0; n <= 70; n++ {
		lengths = append(lengths, n)
	}
	const pad = 3
	for _, k := range kernels {
		f := k.allFinite
		if f == nil {
			f = allFiniteGo
		}
		for _, n := range lengths {
			buf := make([]float32, n+2*pad)
			for i := range buf {
				buf[i] = float32(math.NaN())
			}
			v := buf[pad : pad+n]
			for i := range v {
				v[i] = float32(i) - 30.25
			}
			if !f(v) {
				t.Fatalf("%s: allFinite of %d finite values = false", k.name, n)
			}
			for pos := 0; pos < n; pos++ {
				for _, s := range specials {
					v[pos] = math.Float32frombits(s)
					want := !math.IsNaN(float64(v[pos])) && !math.IsInf(float64(v[pos]), 0)
					if got := f(v); got != want {
						t.Fatalf("%s: allFinite with %#08x at %d of %d = %v, want %v", k.name, s, pos, n, got, want)
					}
				}
				v[pos] = float32(pos) - 30.25
			}
		}
	}
}
