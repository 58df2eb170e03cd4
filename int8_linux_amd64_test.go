package ann

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"unsafe"
)

// guardedBytes returns n bytes ending exactly at an inaccessible page, so
// that reading or writing one byte past them faults.
func guardedBytes(t *testing.T, n int) []byte {
	t.Helper()
	page := syscall.Getpagesize()
	size := (n+page-1)/page*page + page
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[size-page:], syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	return mem[size-page-n : size-page]
}

// TestInt8KernelsGuardPage runs every int8 kernel with A (its last row's
// k-th byte), the packed weights and C (its last row's n-th value) each
// ending at a protected page: reading A's rows in whole depth units past
// the slice, reading past the packed panels, or writing past column n of
// the last row would fault. Depths that are not a multiple of 4 or 8 and
// widths around the block and panel sizes (8, 16, 24, 64) cover the tails.
func TestInt8KernelsGuardPage(t *testing.T) {
	forEachInt8Kernel(t, func(t *testing.T, kern *int8Kernel) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, m := range []int{1, 2, 5, 7} {
			for _, n := range []int{1, 7, 8, 9, 16, 17, 24, 25, 63, 64, 65} {
				for _, k := range []int{1, 2, 3, 4, 5, 7, 8, 9, 13} {
					lda, ldc := k+rng.IntN(3), n+rng.IntN(3)
					a := guardedBytes(t, (m-1)*lda+k)
					for i := range a {
						a[i] = uint8(rng.IntN(256))
					}
					w := make([]int8, k*n)
					for i := range w {
						w[i] = int8(rng.IntN(256) - 128)
					}
					p := kern.pack(w, k, n)
					packed := guardedBytes(t, len(p))
					copy(packed, p)
					cb := guardedBytes(t, 4*((m-1)*ldc+n))
					c := unsafe.Slice((*int32)(unsafe.Pointer(&cb[0])), (m-1)*ldc+n)
					kern.gemm(m, n, k, a, lda, packed, c, ldc)
					for i := 0; i < m; i++ {
						for j := 0; j < n; j++ {
							var want int32
							for q := 0; q < k; q++ {
								want += int32(a[i*lda+q]) * int32(w[q*n+j])
							}
							if c[i*ldc+j] != want {
								t.Fatalf("%s m=%d n=%d k=%d: C[%d][%d] = %d, want %d", kern.name, m, n, k, i, j, c[i*ldc+j], want)
							}
						}
					}
				}
			}
		}
	})
}
