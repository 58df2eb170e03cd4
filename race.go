//go:build race

package ann

import (
	"runtime"
	"unsafe"
)

// raceEnabled reports a -race build: sync.Pool drops items at random there,
// so allocation counts are not meaningful.
const raceEnabled = true

// raceSgemm tells the race detector what Sgemm reads and writes, since it
// cannot see inside the asm kernels: each row of A and B read, each row of C
// written (row by row, so padding between rows stays free for others).
func raceSgemm(ar, ac int, a []float32, lda int, br, bc int, b []float32, ldb int, m, n int, c []float32, ldc int) {
	raceRows(runtime.RaceReadRange, ar, ac, a, lda)
	raceRows(runtime.RaceReadRange, br, bc, b, ldb)
	raceRows(runtime.RaceWriteRange, m, n, c, ldc)
}

// raceInt8 tells the race detector what an int8 asm kernel reads and
// writes: A's m rows of k bytes, the packed weights, C's m rows of n values.
// (The kernels also read up to unit−1 bytes past k in rows other than the
// last ones, bytes inside a that do not change the sums; they are not
// reported.)
func raceInt8(m, n, k int, a []uint8, lda int, packed []byte, c []int32, ldc int) {
	for i := 0; i < m; i++ {
		if k > 0 {
			runtime.RaceReadRange(unsafe.Pointer(&a[i*lda]), k)
		}
		runtime.RaceWriteRange(unsafe.Pointer(&c[i*ldc]), n*4)
	}
	if len(packed) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(&packed[0]), len(packed))
	}
}

func raceRows(mark func(unsafe.Pointer, int), rows, cols int, x []float32, ld int) {
	if rows == 0 || cols == 0 {
		return
	}
	for i := 0; i < rows; i++ {
		mark(unsafe.Pointer(&x[i*ld]), cols*4)
	}
}
