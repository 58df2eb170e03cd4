//go:build linux

package ann

import (
	"fmt"
	"runtime/debug"
	"syscall"
	"testing"
	"unsafe"
)

// pageFloats returns n float32s next to an inaccessible page: ending
// exactly at it (after) or starting right behind it (before), so that an
// access one element past either end of them faults.
func pageFloats(t *testing.T, n int, after bool) []float32 {
	t.Helper()
	page := syscall.Getpagesize()
	data := (n*4 + page - 1) / page * page
	mem, err := syscall.Mmap(-1, 0, data+page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	guard, body := mem[data:], mem[:data]
	if !after {
		guard, body = mem[:page], mem[page:]
	}
	if err := syscall.Mprotect(guard, syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	all := unsafe.Slice((*float32)(unsafe.Pointer(&body[0])), data/4)
	if after {
		return all[len(all)-n:]
	}
	return all[:n]
}

// TestMaskedKernelsGuardPage runs every masked kernel with A, B and C
// tightly packed (lda = k or m, ldb = ldc = cols) against a protected page,
// after their last element and before their first, for every cols ≤
// maskedCols, A row-major and transposed, beta 0 and not: an access past
// the last row's cols columns, or before the first element, faults (turned
// into a test failure by SetPanicOnFault). Small integers make every sum
// exact, so the values are checked too.
func TestMaskedKernelsGuardPage(t *testing.T) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	for _, set := range maskedSets(t) {
		r := set.k.maskedRows
		for n := 1; n <= set.k.maskedCols; n++ {
			for _, m := range []int{1, 3, r, r + 1, 2*r + 3} {
				for _, k := range []int{1, 5} {
					for _, trans := range []bool{false, true} {
						for _, after := range []bool{true, false} {
							for _, beta := range []float32{0, 0.5} {
								if err := maskedGuardCase(t, set.k, m, n, k, trans, after, beta); err != nil {
									t.Fatalf("%s m=%d n=%d k=%d trans=%v guard after=%v beta=%v: %v",
										set.name, m, n, k, trans, after, beta, err)
								}
							}
						}
					}
				}
			}
		}
	}
}

func maskedGuardCase(t *testing.T, kern *gemmKernel, m, n, k int, trans, after bool, beta float32) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("fault: %v", r)
		}
	}()
	a := pageFloats(t, m*k, after)
	b := pageFloats(t, k*n, after)
	c := pageFloats(t, m*n, after)
	rs, ss := k, 1
	if trans {
		rs, ss = 1, m
	}
	for i := 0; i < m; i++ {
		for p := 0; p < k; p++ {
			a[i*rs+p*ss] = float32(i%5 + p + 1)
		}
	}
	for p := 0; p < k; p++ {
		for j := 0; j < n; j++ {
			b[p*n+j] = float32(j%3 + 1)
		}
	}
	for i := range c {
		c[i] = 2
	}
	kern.masked(m, k, a, rs, ss, b, n, c, n, n, 1, beta)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var want float32
			for p := 0; p < k; p++ {
				want += float32(i%5+p+1) * float32(j%3+1)
			}
			want += 2 * beta
			if got := c[i*n+j]; got != want {
				return fmt.Errorf("C[%d,%d] = %v, want %v", i, j, got, want)
			}
		}
	}
	return nil
}
