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

func raceRows(mark func(unsafe.Pointer, int), rows, cols int, x []float32, ld int) {
	if rows == 0 || cols == 0 {
		return
	}
	for i := 0; i < rows; i++ {
		mark(unsafe.Pointer(&x[i*ld]), cols*4)
	}
}
