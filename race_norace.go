//go:build !race

package ann

// raceEnabled reports a -race build; see race.go.
const raceEnabled = false

func raceSgemm(ar, ac int, a []float32, lda int, br, bc int, b []float32, ldb int, m, n int, c []float32, ldc int) {
}

func raceInt8(m, n, k int, a []uint8, lda int, packed []byte, c []int32, ldc int) {}
