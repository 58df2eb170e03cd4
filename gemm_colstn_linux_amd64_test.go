//go:build gc && !purego && !noasm

package ann

import (
	"fmt"
	"runtime/debug"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// TestSgemmColsTNAVX512GuardPage runs sgemmColsTNAVX512 with A, B and C
// tightly packed (lda = m, ldb = ldc = n) against a protected page, after
// their last element and before their first, for every n it takes and m
// at each kind of chunk rest: an access outside them faults (a test
// failure under SetPanicOnFault). Small integers make every sum exact, so
// the values are checked too.
func TestSgemmColsTNAVX512GuardPage(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F) {
		t.Skip("no AVX512F")
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	for n := colsTNMin; n <= colsTNMax; n++ {
		for _, m := range []int{1, 15, 16, 17, 31, 32, 33, 100} {
			for _, k := range []int{1, 5} {
				for _, after := range []bool{true, false} {
					if err := colsTNGuardCase(t, m, n, k, after); err != nil {
						t.Fatalf("m=%d n=%d k=%d guard after=%v: %v", m, n, k, after, err)
					}
				}
			}
		}
	}
}

func colsTNGuardCase(t *testing.T, m, n, k int, after bool) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("fault: %v", r)
		}
	}()
	a, b, c := pageFloats(t, k*m, after), pageFloats(t, k*n, after), pageFloats(t, m*n, after)
	for p := 0; p < k; p++ {
		for i := 0; i < m; i++ {
			a[p*m+i] = float32(i%5 + p + 1)
		}
		for q := 0; q < n; q++ {
			b[p*n+q] = float32(q%3 + 1)
		}
	}
	sgemmColsTNAVX512(m, k, a, m, b, n, c, n, n, 1)
	for i := 0; i < m; i++ {
		for q := 0; q < n; q++ {
			var want float32
			for p := 0; p < k; p++ {
				want += float32(i%5+p+1) * float32(q%3+1)
			}
			if got := c[i*n+q]; got != want {
				return fmt.Errorf("C[%d,%d] = %v, want %v", i, q, got, want)
			}
		}
	}
	return nil
}
