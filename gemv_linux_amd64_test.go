//go:build gc && !purego && !noasm

package ann

import (
	"math"
	"syscall"
	"testing"
	"unsafe"

	"github.com/klauspost/cpuid/v2"
)

// guardedFloats returns n float32s ending exactly at an inaccessible page,
// so that reading or writing one element past them faults.
func guardedFloats(t *testing.T, n int) []float32 {
	t.Helper()
	page := syscall.Getpagesize()
	size := (n*4+page-1)/page*page + page
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[size-page:], syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	all := unsafe.Slice((*float32)(unsafe.Pointer(&mem[0])), (size-page)/4)
	return all[len(all)-n:]
}

// TestSgemvRowAVX512GuardPage runs sgemvRowAVX512 with a, B and c each
// ending at a protected page, for every n ≤ gemvPanel: a read or write past
// a[k-1], B[k-1, n-1] or c[n-1] (an unmasked access of the last column
// group) would fault.
func TestSgemvRowAVX512GuardPage(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F) {
		t.Skip("no AVX512F")
	}
	for n := 1; n <= gemvPanel; n++ {
		for _, k := range []int{1, 5} {
			a := guardedFloats(t, k)
			b := guardedFloats(t, k*n)
			c := guardedFloats(t, n)
			for i := range a {
				a[i] = float32(i + 1)
			}
			for i := range b {
				b[i] = 1
			}
			for j := range c {
				c[j] = 1
			}
			sgemvRowAVX512(k, a, b, n, c, n, 1, 0.5)
			want := float32(k*(k+1)/2) + 0.5
			for j := range c {
				if c[j] != want || math.IsNaN(float64(c[j])) {
					t.Fatalf("k=%d n=%d: c[%d] = %v, want %v", k, n, j, c[j], want)
				}
			}
		}
	}
}

// TestSgemmNarrowAVX512GuardPage runs sgemmNarrowAVX512 with A, B and C
// each ending at a protected page, tightly packed (lda = k, ldb = ldc = n),
// for every n ≤ 16: a read or write past the last row's n columns (an
// unmasked access) would fault.
func TestSgemmNarrowAVX512GuardPage(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F) {
		t.Skip("no AVX512F")
	}
	for n := 1; n <= 16; n++ {
		for _, m := range []int{1, 5, 12, 13} {
			for _, k := range []int{1, 5} {
				a := guardedFloats(t, m*k)
				b := guardedFloats(t, k*n)
				c := guardedFloats(t, m*n)
				for i := range a {
					a[i] = float32(i%k + 1)
				}
				for i := range b {
					b[i] = 1
				}
				for j := range c {
					c[j] = 1
				}
				sgemmNarrowAVX512(m, k, a, k, 1, b, n, c, n, n, 1, 0.5)
				want := float32(k*(k+1)/2) + 0.5
				for j := range c {
					if c[j] != want {
						t.Fatalf("m=%d k=%d n=%d: c[%d] = %v, want %v", m, k, n, j, c[j], want)
					}
				}
			}
		}
	}
}

// TestSgemmDotAVX512GuardPage runs sgemmDotAVX512 with A, every column of
// B and C ending at a protected page, for k across the masked tail and
// every cols: an access past A's last row, a column's k-th float or C's
// last used column would fault.
func TestSgemmDotAVX512GuardPage(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F) {
		t.Skip("no AVX512F")
	}
	for _, k := range []int{1, 15, 16, 17, 40} {
		for cols := 1; cols <= 4; cols++ {
			for _, m := range []int{1, 2, 3} {
				a := guardedFloats(t, (m-1)*k+k)
				var bc [4][]float32
				for j := range bc {
					bc[j] = guardedFloats(t, k)
					for p := range bc[j] {
						bc[j][p] = float32(j + 1)
					}
				}
				for i := range a {
					a[i] = 1
				}
				c := guardedFloats(t, (m-1)*cols+cols)
				for _, beta := range []float32{0, 1} {
					for i := range c {
						c[i] = 1
					}
					sgemmDotAVX512(m, k, a, k, bc[0], bc[1], bc[2], bc[3], cols, c, cols, 1, beta)
					for i := range c {
						if want := float32(k*(i%cols+1)) + beta; c[i] != want {
							t.Fatalf("k=%d cols=%d m=%d beta=%v: c[%d] = %v, want %v", k, cols, m, beta, i, c[i], want)
						}
					}
				}
			}
		}
	}
}

// TestSgemmDot2AVX512GuardPage runs the two-column dot kernel with A, both
// columns of B and C each ending at a protected page: rows 1..8 (the rows
// past the last repeat row 0), k across the 16-lane tail, cols 1 and 2.
func TestSgemmDot2AVX512GuardPage(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512VL) {
		t.Skip("no AVX512F and AVX512VL")
	}
	for _, k := range []int{1, 15, 16, 17, 40} {
		for cols := 1; cols <= 2; cols++ {
			for rows := 1; rows <= 8; rows++ {
				a := guardedFloats(t, (rows-1)*k+k)
				for i := range a {
					a[i] = 1
				}
				b0, b1 := guardedFloats(t, k), guardedFloats(t, k)
				for p := range b0 {
					b0[p], b1[p] = 1, 2
				}
				c := guardedFloats(t, (rows-1)*cols+cols)
				for _, beta := range []float32{0, 1} {
					for i := range c {
						c[i] = 1
					}
					sgemmDot2AVX512(rows, k, a, k, b0, b1, cols, c, cols, 1, beta)
					for i := range c {
						if want := float32(k*(i%cols+1)) + beta; c[i] != want {
							t.Fatalf("k=%d cols=%d rows=%d beta=%v: c[%d] = %v, want %v", k, cols, rows, beta, i, c[i], want)
						}
					}
				}
			}
		}
	}
}

// TestSgemvSkipZerosGuardPage runs the compaction and the sparse product
// with a, the pair lists, B and c each ending at a protected page.
func TestSgemvSkipZerosGuardPage(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F, cpuid.BMI2, cpuid.POPCNT) {
		t.Skip("no AVX512F/BMI2/POPCNT")
	}
	for _, k := range []int{1, 15, 16, 17, 33, 50} {
		for _, n := range []int{1, 16, 17, 300} {
			a := guardedFloats(t, k)
			for i := range a {
				if i%3 != 1 {
					a[i] = 1
				}
			}
			a[k-1] = 1 // the last row of B is used
			vals := guardedFloats(t, k)
			idxF := guardedFloats(t, k)
			idx := unsafe.Slice((*int32)(unsafe.Pointer(&idxF[0])), k)
			nnz := sgemvCompactAVX512(k, a, vals, idx)
			b := guardedFloats(t, (k-1)*n+n)
			for i := range b {
				b[i] = 1
			}
			c := guardedFloats(t, n)
			sgemvSparseRowAVX512(nnz, vals[:nnz], idx[:nnz], b, n, c, n, 1, 0)
			for j := range c {
				if c[j] != float32(nnz) {
					t.Fatalf("k=%d n=%d: c[%d] = %v, want %d", k, n, j, c[j], nnz)
				}
			}
		}
	}
}

// TestSgemmColsTAVX512GuardPage runs the transposed-A column kernel with A,
// B and t each ending at a protected page, m across the 16- and 32-row
// chunk edges.
func TestSgemmColsTAVX512GuardPage(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F) {
		t.Skip("no AVX512F")
	}
	for _, m := range []int{1, 15, 16, 17, 31, 32, 33, 50} {
		for _, k := range []int{1, 3} {
			for cols := 1; cols <= 4; cols++ {
				a := guardedFloats(t, (k-1)*m+m)
				for i := range a {
					a[i] = 1
				}
				b := guardedFloats(t, (k-1)*cols+cols)
				for i := range b {
					b[i] = float32(i%cols + 1)
				}
				out := guardedFloats(t, cols*m)
				sgemmColsTAVX512(m, k, a, m, b, cols, 1, cols, out)
				for i, v := range out {
					if want := float32(k * (i/m + 1)); v != want {
						t.Fatalf("m=%d k=%d cols=%d: t[%d] = %v, want %v", m, k, cols, i, v, want)
					}
				}
			}
		}
	}
}

// TestSgemmColsT4AVX512GuardPage runs the 4-column kernel with A, B and C
// each ending against a protected page: the rows of a last partial chunk
// must be neither loaded nor stored past m.
func TestSgemmColsT4AVX512GuardPage(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F) {
		t.Skip("no AVX512F")
	}
	for _, m := range []int{1, 15, 16, 17, 31, 32, 33, 50} {
		for _, k := range []int{1, 3} {
			for _, beta := range []float32{0, 1} {
				a := guardedFloats(t, (k-1)*m+m)
				for i := range a {
					a[i] = 1
				}
				b := guardedFloats(t, (k-1)*4+4)
				for i := range b {
					b[i] = float32(i%4 + 1)
				}
				c := guardedFloats(t, 4*m)
				for i := range c {
					c[i] = 1
				}
				sgemmColsT4AVX512(m, k, a, m, b, 4, 1, c, 4, 1, beta)
				for i, v := range c {
					if want := float32(k*(i%4+1)) + beta; v != want {
						t.Fatalf("m=%d k=%d beta=%v: C[%d] = %v, want %v", m, k, beta, i, v, want)
					}
				}
			}
		}
	}
}
