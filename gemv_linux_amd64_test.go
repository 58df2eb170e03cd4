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
