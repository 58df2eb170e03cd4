package ann

import (
	"fmt"
	"math"
)

// Sgemm computes C = alpha·op(A)·op(B) + beta·C in single precision, with
// exactly the semantics of cblas_sgemm in row-major order: op(A) is m×k, op(B)
// is k×n and C is m×n; op(X) is X, or Xᵀ when transX is true. lda, ldb and
// ldc are the leading dimensions (row strides) of the slices as stored.
//
// With beta == 0, C is only written, never read, so NaNs already in C do not
// propagate. With alpha == 0 or k == 0, A and B are not read and C is only
// scaled by beta. A vector-matrix product (m == 1) may skip the rows of B
// that zero elements of A multiply, as reference BLAS's SGEMV skips zero
// elements of x: the result is the same unless such a row holds Inf or NaN,
// which then does not reach C (the avx512 kernel set does this: batch-1
// inference reads only the weights of nonzero inputs).
//
// A matrix stored as r rows of c columns with leading dimension ld needs a
// slice of at least (r−1)·ld + c elements; the last row needs no padding.
// Inconsistent arguments (negative sizes, a leading dimension smaller than
// the stored row, a slice too short) panic with a message starting "ann:",
// the BLAS convention; the Matrix-level [Gemm] returns errors instead.
//
// Sgemm is safe for concurrent use when the calls write disjoint C that
// overlaps no A or B. Large products are split across up to GOMAXPROCS
// goroutines; every element is computed in the same order whatever their
// number, so results are bit-identical at any GOMAXPROCS.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("ann: Sgemm negative size m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := stored(transA, m, k)
	br, bc := stored(transB, k, n)
	checkOperand("A", a, ar, ac, lda)
	checkOperand("B", b, br, bc, ldb)
	checkOperand("C", c, m, n, ldc)
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	raceSgemm(ar, ac, a, lda, br, bc, b, ldb, m, n, c, ldc)
	sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epilogue{})
}

// An epilogue finishes each tile of C as the product stores the tile's last
// depth block, while the tile is still in L1. A dense layer's forward pass
// is one product with an epilogue instead of a product framed by a pass that
// copies the bias into C and one that applies the activation, each a trip
// through a batch of outputs too large for L1; its backward pass folds the
// activation derivative of the layer below into the product that computes
// the gradient of that layer's output.
//
// Forward (grad false): C += bias (bias[j] added to column j, when bias is
// set), then out = act(C) element by element (when out is set).
// Backward (grad true): C = act'(z, y) ⊙ C in place, where z and y are the
// pre-activation and output the derivative is taken at, laid out like C
// with their own strides.
// act must not be Softmax, which needs whole rows.
type epilogue struct {
	on    bool
	grad  bool
	act   Activation
	alpha float32
	bias  []float32
	out   []float32 // forward: the activation's destination, ldo apart (may be C); nil: none
	ldo   int
	z, y  []float32 // backward: where the derivative is taken, ldz and ldy apart
	ldz   int
	ldy   int
	// bWritten says B is a layer's weights, which the optimizer step
	// rewrites after the product (training's forward pass); see
	// splitByRows.
	bWritten bool
}

// sgemmEpilogue computes C = op(A)·op(B) (beta 0, alpha 1) finishing every
// tile with e; sizes and slices are trusted (the dense layers made them).
func sgemmEpilogue(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, e epilogue) {
	if m == 0 || n == 0 {
		return
	}
	e.on = e.grad || e.bias != nil || e.out != nil
	ar, ac := stored(transA, m, k)
	br, bc := stored(transB, k, n)
	raceSgemm(ar, ac, a, lda, br, bc, b, ldb, m, n, c, ldc)
	sgemm(transA, transB, m, n, k, 1, a, lda, b, ldb, 0, c, ldc, e)
}

// sgemm runs a checked product: Sgemm's body after its argument checks.
func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int, e epilogue) {
	if k == 0 {
		scaleC(m, n, beta, c, ldc)
		if e.on {
			finishTile(activeKernel, &e, c, ldc, 0, 0, m, n)
		}
		return
	}
	kern := activeKernel
	if m == 1 && kern.gemv != nil && !transB && (!transA || lda == 1) {
		if nw := gemvWorkers(n, k); nw > 1 {
			g := jobPool.Get().(*gemmJob)
			g.kern, g.gemv, g.m, g.n, g.k = kern, true, 1, n, k
			g.alpha, g.a, g.b, g.ldb, g.beta, g.c, g.ldc, g.epi = alpha, a, b, ldb, beta, c, ldc, e
			g.spread(nw)
			g.gemv, g.a, g.b, g.c, g.epi = false, nil, nil, nil, epilogue{}
			jobPool.Put(g)
			return
		}
		kern.gemv(k, a, b, ldb, c, n, alpha, beta)
		if e.on {
			finishTile(kern, &e, c, ldc, 0, 0, 1, n)
		}
		return
	}
	if useColsTN(kern, transA, transB, m, n, k, beta, ldc) {
		kern.colsTN(m, k, a, lda, b, ldb, c, ldc, n, alpha)
		if e.on {
			finishTile(kern, &e, c, ldc, 0, 0, m, n)
		}
		return
	}
	if kern.narrow != nil && (n <= kern.narrow.nr || m == 1) {
		kern = kern.narrow
	}
	g := jobPool.Get().(*gemmJob)
	g.kern, g.transA, g.transB, g.m, g.n, g.k = kern, transA, transB, m, n, k
	g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc = alpha, a, lda, b, ldb, beta, c, ldc
	g.epi = e
	g.transC = transB && m <= swapMaxM && m < n && k >= 4*m && !gathersInAsm(kern)
	if g.transC {
		// Cᵀ = B·op(A)ᵀ: the n×k B becomes the left operand, read in
		// place, and only the small op(A) is gathered.
		g.kern = activeKernel
		if g.kern.narrow != nil && m <= g.kern.narrow.nr {
			g.kern = g.kern.narrow
		}
		g.transA, g.transB, g.m, g.n = false, !transA, n, m
		g.a, g.lda, g.b, g.ldb = b, ldb, a, lda
	}
	g.run(workersFor(m, n, k))
	g.a, g.b, g.c, g.epi = nil, nil, nil, epilogue{}
	jobPool.Put(g)
}

// The products gemmKernel.colsTN takes: colsTNMin to colsTNMax columns
// (the range _gen/colstn.go writes sgemmColsTNAVX512 for: below 4 its FMA
// chains are too few to cover the latency; 12 columns fill its registers), at least colsTNMinM rows (its lanes run along them) and
// colsTNMinK steps (below, its scatters of C cost more than the masked
// kernel's idle lanes), and at most colsTNMaxWork multiply-adds: it runs on
// the caller alone whatever GOMAXPROCS is, so the bits do not depend on it,
// and a bigger product is better split between the workers.
const (
	colsTNMin, colsTNMax = 4, 12
	colsTNMinM           = 32
	colsTNMinK           = 48
	colsTNMaxWork        = 1 << 22
)

// useColsTN reports whether kern.colsTN computes C = alpha·op(A)·op(B) +
// beta·C (see the constants above; beta must be 0, C is not read).
func useColsTN(kern *gemmKernel, transA, transB bool, m, n, k int, beta float32, ldc int) bool {
	return kern.colsTN != nil && transA && !transB && beta == 0 &&
		n >= colsTNMin && n <= colsTNMax && m >= colsTNMinM && k >= colsTNMinK &&
		m*n*k <= colsTNMaxWork && 15*ldc < math.MaxInt32
}

// stored returns the rows and columns of an operand as stored, for op(X)
// of rows×cols: X itself, or Xᵀ when trans.
func stored(trans bool, rows, cols int) (int, int) {
	if trans {
		return cols, rows
	}
	return rows, cols
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

// scaleC sets C = beta·C; beta == 0 writes zeros without reading C.
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// swapMaxM is the largest m at which a product with a transposed B is
// computed as Cᵀ = B·op(A)ᵀ, tiles stored transposed. Packing op(B) = Bᵀ is
// a strided gather of all n·k elements, which took three quarters of
// dX-B10-300x100 (m = 10, n = 300, k = 100); swapped, the gather is of the
// m·k elements of A and the transposed store of the m·n of C, every tile
// through scratch: worth it only when k is several times m (measured:
// dX-B10-300x100 28 → 46 GFLOP/s, but dX-B10-100x10, k = m = 10, 19 → 13).
// The choice depends on the sizes alone, so results stay bit-identical.
// A kernel set whose strips are gathered in assembly (gathersInAsm) packs
// op(B) faster than the swap stores C: avx512 does not swap (dX-B10-300x100
// 21.8 → 35.8 GFLOP/s, m = 2, 4 and 16 likewise 1.6–2.4× faster unswapped;
// avx2, which gathers in Go, stays 1.6× faster swapped).
const swapMaxM = 16

// gathersInAsm says whether kern's column strips of a transposed B are
// packed by an assembly gather (packGather with w = 32).
func gathersInAsm(kern *gemmKernel) bool { return kern.nr == 32 && packAsm.gather32 != nil }

// The tile-epilogue kernels' operations (the op argument of epiForward and
// epiBackward; _gen/epi.go numbers them the same way).
const (
	epiNone      = iota // forward: no out (the bias alone)
	epiCopy             // forward: out = z; backward: nothing
	epiReLU             // reluRow, reluGradRow
	epiLeaky            // leakyRow, leakyGradRow
	epiPiecewise        // piecewiseRow, piecewiseGradRow
)

// epiOp returns act's tile-epilogue operation, or -1 when the kernels do
// not have it (it stays in Go).
func epiOp(act Activation) int {
	switch act {
	case Identity:
		return epiCopy
	case ReLU:
		return epiReLU
	case LeakyReLU:
		return epiLeaky
	case PiecewiseLinear:
		return epiPiecewise
	}
	return -1
}

// finishTile applies e to the rows×cols tile of c at (i0, j0): with kern's
// tile-epilogue kernels when it has them and the activation is one of
// theirs (in chunks of kern.epiWidth columns), else with the Go rows. Both
// give the same bits.
func finishTile(kern *gemmKernel, e *epilogue, c []float32, ldc, i0, j0, rows, cols int) {
	if kern.epiForward != nil && rows > 0 && cols > 0 {
		if op := epiOp(e.act); op >= 0 {
			finishTileAsm(kern, e, op, c, ldc, i0, j0, rows, cols)
			return
		}
	}
	if e.grad {
		for i := i0; i < i0+rows; i++ {
			d := c[i*ldc+j0 : i*ldc+j0+cols]
			e.act.backwardRow(e.z[i*e.ldz+j0:i*e.ldz+j0+cols], e.y[i*e.ldy+j0:i*e.ldy+j0+cols], d, d, e.alpha)
		}
		return
	}
	for i := i0; i < i0+rows; i++ {
		z := c[i*ldc+j0 : i*ldc+j0+cols]
		if e.bias != nil {
			addRow(z, e.bias[j0:j0+cols])
		}
		if e.out != nil {
			e.act.forwardRow(z, e.out[i*e.ldo+j0:i*e.ldo+j0+cols], e.alpha)
		}
	}
}

// finishTileAsm is finishTile with kern's tile-epilogue kernels, op =
// epiOp(e.act). Every slice handed to them is cut to exactly the tile here,
// so a tile outside its matrix panics instead of reaching the asm.
func finishTileAsm(kern *gemmKernel, e *epilogue, op int, c []float32, ldc, i0, j0, rows, cols int) {
	z := c[i0*ldc+j0 : (i0+rows-1)*ldc+j0+cols]
	w := kern.epiWidth
	if e.grad {
		if op == epiCopy {
			return // Identity: d = d
		}
		zt := e.z[i0*e.ldz+j0 : (i0+rows-1)*e.ldz+j0+cols]
		for j := 0; j < cols; j += w {
			kern.epiBackward(rows, min(w, cols-j), zt[j:], e.ldz, z[j:], ldc, op, e.alpha)
		}
		return
	}
	var out, bias []float32
	if e.out == nil {
		op = epiNone
	} else {
		out = e.out[i0*e.ldo+j0 : (i0+rows-1)*e.ldo+j0+cols]
		if op == epiCopy && &out[0] == &z[0] && e.ldo == ldc {
			op = epiNone // out is z
		}
	}
	if e.bias != nil {
		bias = e.bias[j0 : j0+cols]
	} else if op == epiNone {
		return
	}
	for j := 0; j < cols; j += w {
		var b, o []float32
		if bias != nil {
			b = bias[j:]
		}
		if op != epiNone {
			o = out[j:]
		}
		kern.epiForward(rows, min(w, cols-j), z[j:], ldc, b, o, e.ldo, op, e.alpha)
	}
}

// addRow sets z[j] += b[j].
func addRow(z, b []float32) {
	b = b[:len(z)]
	for j := range z {
		z[j] += b[j]
	}
}
