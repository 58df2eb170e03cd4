package ann

// The forward product of a dense layer over only the input columns that
// are not zero in the whole batch.

import "fmt"

// gatherAhead is the number of entries past the column list that the
// gather kernels read (they prefetch B's row gatherAhead steps ahead);
// _gen/gather.go has the same constant.
const gatherAhead = 8

// skipKernels are a kernel set's zero-column-skipping kernels.
type skipKernels struct {
	// nr is the width of the column strips the kernels compute: 32 for
	// the AVX-512 forms, 16 for the AVX2 ones.
	nr int
	// gather[r] (1 ≤ r < len(gather)) computes C[r×nr] = Σ_t A[0:r,
	// idx[t]] ⊗ B[idx[t], 0:nr] over t < q, overwriting C, each element
	// one FMA chain over t ascending (sgemmGather<r>x<nr><ISA>).
	gather []func(q int, idx []int32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int)
	// scatter[r] (1 ≤ r < len(scatter)) computes C[rows[i], 0:n] = Σ_p
	// X[p, rows[i]]·B[p, 0:n] for i < r, overwriting those elements of C,
	// each one FMA chain over p ascending (sgemmScatter<r>x<nr><ISA>:
	// strips of nr in one call).
	scatter []func(k int, rows []int32, x []float32, ldx int, b []float32, ldb int, c []float32, ldc, n int)
	// orColumns sets acc[j] to the OR of the bits of column j of x's rows:
	// ±0 exactly when the column holds only zeros.
	orColumns func(rows, k int, x []float32, ldx int, acc []float32)
	// compact writes the elements of a[0:k] that are not ±0 to vals and
	// their positions to idx, in order, and returns how many.
	compact func(k int, a, vals []float32, idx []int32) int
}

// compactGo is skipKernels.compact in Go (sgemvCompactAVX512's contract),
// for the sets without a compress instruction: k is the layer's width, a
// few hundred comparisons.
func compactGo(k int, a, vals []float32, idx []int32) int {
	q := 0
	for j, v := range a[:k] {
		if v != 0 || v != v {
			vals[q], idx[q] = v, int32(j)
			q++
		}
	}
	return q
}

// skipZeros switches the skipping on (tests compare it with the dense
// product).
var skipZeros = true

// skipMinK is the depth below which no product skips zero columns.
const skipMinK = 8

// skipPays reports whether skipping pays for a product of depth k and n
// columns that keeps q columns: when the kept work, in whole column strips
// (the gather and scatter kernels' last strip costs a full one), is at most
// 7/8 of the dense product's: at n = 300, 18 % of the columns zero; at
// n = 100, 32 % (in 784-300-100-10 at batch 10, about 12 % of the first
// hidden layer's units are 0 for a whole batch, which k/8 let through and
// which measured no faster skipped).
func skipPays(q, k, n, nr int) bool {
	return q > 0 && 8*q*roundUp(n, nr) <= 7*k*n
}

// A skipJob computes a dense layer's forward product, with its epilogue,
// over only the columns of the input that are not zero in every row of
// the batch (when skipPays) — and so reads only the matching rows of the weights. Most
// pixels of a batch of MNIST digits are 0 in every image: on average 51 %
// of the 784 columns at batch 10 and 33 % at batch 128. The products
// with a column of zeros are exact zeros, so every element is the FMA
// chain over the other columns in their order, and equals the chain over
// all of them whenever the weights are finite (an Inf or NaN in a skipped
// row no longer reaches the output). The kernels read A and B in place
// through the list of columns: a product on a copy of the batch's nonzero
// columns and of the weights' matching rows cost, at batch 10, as much
// for the copy as it saved in multiply-adds. Each element is computed by
// one kernel call whatever the number of parts, so results do not depend
// on GOMAXPROCS; they depend on which columns are zero, as a product that
// skips zeros must.
type skipJob struct {
	kern      *gemmKernel
	idx       []int32   // the columns kept, ascending
	acc, vals []float32 // the scan's scratch
	tiles     []float32 // one tile of the gather kernels' rows×nr per part (the partial last strip)

	m, n, k int
	a, b, c []float32
	lda     int
	ldb     int
	ldc     int
	e       epilogue
	fn      func(part, parts int) // part, bound once
	gradFn  func(part, parts int) // gradPart, bound once

	// scanned is the input the last forward product scanned, and whether
	// skipping paid: the weight gradient that follows takes the same input
	// (a layer's backward pass is given its forward pass's operands) and
	// reuses idx instead of scanning it again. Any forward call resets it
	// and the gradient consumes it.
	scanned struct {
		a           *float32
		m, k, n, ld int
		pays        bool
	}
}

// sgemmSkipZeros computes C = A·B (m×k times k×n, both row-major, beta 0,
// alpha 1) finishing each tile with e, like sgemmEpilogue, over only the
// columns of A that are not zero in every row, when the active kernel set
// has the kernels, n ≥ its strip width and enough columns are zero; it reports
// whether it did (if not, nothing was written). j holds its scratch.
func sgemmSkipZeros(j *skipJob, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, e epilogue) bool {
	j.scanned.a = nil
	kern := activeKernel
	sk := kern.skip
	// A vector-matrix product (m = 1) goes to kern.gemv, which skips the
	// zero elements itself and streams whole rows of B: 3.9 µs per MNIST
	// digit against 4.8 here (Zen 4).
	if sk == nil || !skipZeros || m == 0 || m == 1 && kern.gemv != nil || n < sk.nr || k < skipMinK || (m-1)*lda+k > len(a) || ldb < n || (k-1)*ldb+n > len(b) || ldc < n || (m-1)*ldc+n > len(c) {
		return false
	}
	pays := j.scan(sk, m, k, n, a, lda)
	j.scanned.a, j.scanned.m, j.scanned.k, j.scanned.n, j.scanned.ld, j.scanned.pays = &a[0], m, k, n, lda, pays
	if !pays {
		return false
	}
	e.on = e.grad || e.bias != nil || e.out != nil
	raceSgemm(m, k, a, lda, k, n, b, ldb, m, n, c, ldc)
	if j.fn == nil {
		j.fn = j.part
	}
	j.kern, j.m, j.n = kern, m, n
	j.a, j.lda, j.b, j.ldb, j.c, j.ldc, j.e = a, lda, b, ldb, c, ldc, e
	nw := workersFor(m, n, len(j.idx))
	j.tiles = growAligned(j.tiles, nw*(len(sk.gather)-1)*sk.nr)
	runParts(nw, j.fn)
	j.a, j.b, j.c, j.e = nil, nil, nil, epilogue{}
	return true
}

// part computes part p's share of the column strips: each strip's rows in
// blocks of the gather kernels' most rows from the top, every tile
// finished with the epilogue while in L1. The partial last strip is the
// full-width one ending at column n (n ≥ nr), computed into the part's
// tile and its last columns copied out.
func (j *skipJob) part(p, parts int) {
	nr, maxRows := j.kern.skip.nr, len(j.kern.skip.gather)-1
	strips := ceilDiv(j.n, nr)
	s0, s1 := split(strips, parts, p)
	tile := j.tiles[p*maxRows*nr : (p+1)*maxRows*nr]
	for s := s0; s < s1; s++ {
		col := s * nr
		cols := min(nr, j.n-col)
		shift := nr - cols
		b := j.b[col-shift:]
		for i := 0; i < j.m; i += maxRows {
			r := min(maxRows, j.m-i)
			a := j.a[i*j.lda:]
			if shift == 0 {
				j.gather(r, a, b, j.c[i*j.ldc+col:], j.ldc)
			} else {
				j.gather(r, a, b, tile, nr)
				for t := 0; t < r; t++ {
					copy(j.c[(i+t)*j.ldc+col:(i+t)*j.ldc+col+cols], tile[t*nr+shift:(t+1)*nr])
				}
			}
			if j.e.on {
				finishTile(j.kern, &j.e, j.c, j.ldc, i, col, r, cols)
			}
		}
	}
}

// gather runs the r-row kernel after checking that its reads and writes
// stay inside a, b and c (the columns are ascending, so the last is the
// largest).
func (j *skipJob) gather(r int, a, b, c []float32, ldc int) {
	last, nr := int(j.idx[len(j.idx)-1]), j.kern.skip.nr
	if (r-1)*j.lda+last >= len(a) || last*j.ldb+nr > len(b) || (r-1)*ldc+nr > len(c) {
		panic(fmt.Sprintf("ann: gather kernel out of bounds (r=%d, column %d, lda=%d, ldb=%d, ldc=%d)", r, last, j.lda, j.ldb, ldc))
	}
	j.kern.skip.gather[r](len(j.idx), j.idx, a, j.lda, b, j.ldb, c, ldc)
}

// scan sets j.idx to the columns of the m×k matrix a that are not zero in
// every row and reports whether skipping them pays for a product with n
// columns (skipPays).
func (j *skipJob) scan(sk *skipKernels, m, k, n int, a []float32, lda int) bool {
	j.acc = growAligned(j.acc, k)
	j.vals = growAligned(j.vals, k)
	if cap(j.idx) < k+gatherAhead {
		j.idx = make([]int32, k+gatherAhead)
	}
	j.idx = j.idx[:k+gatherAhead]
	sk.orColumns(m, k, a, lda, j.acc)
	compact := sk.compact
	if compact == nil {
		compact = compactGo
	}
	q := compact(k, j.acc, j.vals, j.idx[:k])
	if q > 0 {
		// The gather kernels prefetch gatherAhead entries past the list.
		tail := j.idx[q : q+gatherAhead]
		for i := range tail {
			tail[i] = j.idx[q-1]
		}
	}
	j.idx = j.idx[:q]
	return skipPays(q, k, n, sk.nr)
}

// sgemmSkipZerosGrad computes a dense layer's weight gradient C = Xᵀ·D
// (X rows×k, D rows×n, C k×n, all row-major, alpha 1, beta 0) computing
// only the rows of C whose column of X is not zero in every row and
// clearing the others, when the kernel set has the kernels, n ≥ its strip width and
// enough columns are zero (see skipJob); it reports whether it did (if
// not, nothing was written). Each computed element is one FMA chain over
// the batch ascending, the arithmetic of the dense product's full column
// strips, and a cleared row is the +0 that chain gives a zero column when
// D is finite.
func sgemmSkipZerosGrad(j *skipJob, rows, k, n int, x []float32, ldx int, d []float32, ldd int, c []float32, ldc int) bool {
	scanned := j.scanned
	j.scanned.a = nil
	kern := activeKernel
	sk := kern.skip
	if sk == nil || !skipZeros || rows == 0 || n < sk.nr || k < skipMinK || (rows-1)*ldx+k > len(x) || (rows-1)*ldd+n > len(d) || ldc < n || (k-1)*ldc+n > len(c) {
		return false
	}
	pays := scanned.pays
	if s := scanned; s.a != &x[0] || s.m != rows || s.k != k || s.n != n || s.ld != ldx {
		pays = j.scan(sk, rows, k, n, x, ldx)
	}
	if !pays {
		return false
	}
	raceSgemm(rows, k, x, ldx, rows, n, d, ldd, k, n, c, ldc)
	if j.gradFn == nil {
		j.gradFn = j.gradPart
	}
	j.kern, j.m, j.n, j.k = kern, rows, n, k
	j.a, j.lda, j.b, j.ldb, j.c, j.ldc = x, ldx, d, ldd, c, ldc
	nw := workersFor(len(j.idx), n, rows)
	runParts(nw, j.gradFn)
	j.a, j.b, j.c = nil, nil, nil
	return true
}

// gradPart computes part p's share of the column strips of the weight
// gradient, the kept rows in tiles of the scatter kernels' most columns
// (each tile over all the part's columns in one call), and clears the
// other rows of its columns.
func (j *skipJob) gradPart(p, parts int) {
	nr, maxRows := j.kern.skip.nr, len(j.kern.skip.scatter)-1
	strips := ceilDiv(j.n, nr)
	s0, s1 := split(strips, parts, p)
	if s0 >= s1 {
		return
	}
	q := len(j.idx)
	last := int(j.idx[q-1])
	if (j.m-1)*j.lda+last >= len(j.a) || last >= j.k {
		panic(fmt.Sprintf("ann: scatter kernel out of bounds (column %d of %d, ldx=%d)", last, j.k, j.lda))
	}
	c0, c1 := s0*nr, min(s1*nr, j.n)
	b := j.b[c0 : (j.m-1)*j.ldb+c1]
	c := j.c[c0 : last*j.ldc+c1]
	for t := 0; t < q; t += maxRows {
		r := min(maxRows, q-t)
		j.kern.skip.scatter[r](j.m, j.idx[t:t+r], j.a, j.lda, b, j.ldb, c, j.ldc, c1-c0)
	}
	next := 0 // the first row not yet kept or cleared
	for t := 0; t <= q; t++ {
		row := j.k
		if t < q {
			row = int(j.idx[t])
		}
		for ; next < row; next++ {
			clear(j.c[next*j.ldc+c0 : next*j.ldc+c1])
		}
		next = row + 1
	}
}
