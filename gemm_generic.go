package ann

// sgemmNaive is the triple loop that defines Sgemm's result, accumulating
// in float64. It is the oracle tests compare every kernel against.
func sgemmNaive(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			if alpha != 0 {
				for p := 0; p < k; p++ {
					av := a[i*lda+p]
					if transA {
						av = a[p*lda+i]
					}
					bv := b[p*ldb+j]
					if transB {
						bv = b[j*ldb+p]
					}
					s += float64(av) * float64(bv)
				}
			}
			r := float64(alpha) * s
			if beta != 0 {
				r += float64(beta) * float64(c[i*ldc+j])
			}
			c[i*ldc+j] = float32(r)
		}
	}
}
