package ann

import "fmt"

// Sgemm computes C = alpha·op(A)·op(B) + beta·C in single precision, with
// exactly the semantics of cblas_sgemm in row-major order: op(A) is m×k, op(B)
// is k×n and C is m×n; op(X) is X, or Xᵀ when transX is true. lda, ldb and
// ldc are the leading dimensions (row strides) of the slices as stored.
//
// With beta == 0, C is only written, never read, so NaNs already in C do not
// propagate. With alpha == 0 or k == 0, A and B are not read and C is only
// scaled by beta.
//
// A matrix stored as r rows of c columns with leading dimension ld needs a
// slice of at least (r−1)·ld + c elements; the last row needs no padding.
// Inconsistent arguments (negative sizes, a leading dimension smaller than
// the stored row, a slice too short) panic with a message starting "ann:",
// the BLAS convention; the Matrix-level [Gemm] returns errors instead.
//
// Sgemm is safe for concurrent use when the calls write disjoint C. Large
// products are split across up to GOMAXPROCS goroutines; the result is
// bit-identical whatever the number of goroutines.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("ann: Sgemm negative size m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkOperand("A", a, ar, ac, lda)
	checkOperand("B", b, br, bc, ldb)
	checkOperand("C", c, m, n, ldc)
	if m == 0 || n == 0 {
		return
	}
	sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// checkOperand panics unless x can hold an r×c matrix with leading
// dimension ld.
func checkOperand(name string, x []float32, r, c, ld int) {
	if ld < max(c, 1) {
		panic(fmt.Sprintf("ann: Sgemm ld%s=%d smaller than its %d columns", name, ld, c))
	}
	if r == 0 || c == 0 {
		return
	}
	if need := (r-1)*ld + c; len(x) < need {
		panic(fmt.Sprintf("ann: Sgemm %s slice has %d elements, %d×%d with ld %d needs %d", name, len(x), r, c, ld, need))
	}
}

// sgemm is the checked entry point; m, n > 0.
func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmNaive(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
