package ann

// This file has no build tags: the Go kernel and the reference product
// always compile, on every target, so tests can compare any asm kernel with
// them.

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

// genericKernel is the portable micro-kernel: a 4×4 register tile in plain
// Go, small enough that the compiler keeps the 16 accumulators in registers
// on most targets.
var genericKernel = gemmKernel{name: "generic", mr: 4, nr: 4, run: kernel4x4Generic, vec: &genericVec}

// kernel4x4Generic computes C[4×4] = alpha·(packedA[4×k]·B[k×4]) + beta·C,
// where packedA holds 4 values of a column of A per step of k and B 4 values
// of a row of B per step, ldb apart. With beta == 0, C is not read.
func kernel4x4Generic(k int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	var c20, c21, c22, c23 float32
	var c30, c31, c32, c33 float32
	a = a[:4*k]
	for p := 0; p < k; p++ {
		ap := a[4*p : 4*p+4 : 4*p+4]
		bp := b[p*ldb : p*ldb+4 : p*ldb+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0 := ap[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := ap[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a2 := ap[2]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		a3 := ap[3]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	storeRow4(c[0:4:4], alpha, beta, c00, c01, c02, c03)
	storeRow4(c[ldc:ldc+4:ldc+4], alpha, beta, c10, c11, c12, c13)
	storeRow4(c[2*ldc:2*ldc+4:2*ldc+4], alpha, beta, c20, c21, c22, c23)
	storeRow4(c[3*ldc:3*ldc+4:3*ldc+4], alpha, beta, c30, c31, c32, c33)
}

func storeRow4(c []float32, alpha, beta, s0, s1, s2, s3 float32) {
	if beta == 0 {
		c[0], c[1], c[2], c[3] = alpha*s0, alpha*s1, alpha*s2, alpha*s3
		return
	}
	c[0] = alpha*s0 + beta*c[0]
	c[1] = alpha*s1 + beta*c[1]
	c[2] = alpha*s2 + beta*c[2]
	c[3] = alpha*s3 + beta*c[3]
}

// packA copies the mb×kb block of op(A) starting at row i0 and depth p0 into
// dst as ⌈mb/mr⌉ strips; strip s holds rows s·mr… of the block, one column
// of mr values per step of k, zero-padded to mr rows.
func packA(dst, a []float32, lda int, transA bool, i0, mb, p0, kb, mr int) {
	for s := 0; s*mr < mb; s++ {
		rows := min(mr, mb-s*mr)
		d := dst[s*mr*kb : (s+1)*mr*kb]
		r0 := i0 + s*mr
		switch {
		case transA:
			// op(A)[i][p] = a[p*lda+i]: each step of k is a contiguous run.
			packRuns(d, a, (p0*lda)+r0, lda, kb, rows, mr)
		case rows == 6 && mr == 6:
			packAFast(packAsm.a6, packA6, 6, d, a, r0*lda+p0, lda, kb)
		case rows == 8 && mr == 8:
			packAFast(packAsm.a8, packA8, 8, d, a, r0*lda+p0, lda, kb)
		default:
			packGather(d, a, r0*lda+p0, lda, kb, rows, mr)
		}
	}
}

// packAsm holds the assembly packers: nil (the Go loops) unless archKernels
// (gemm_amd64.go) installs them with the kernel set whose tile they serve
// (a6 and runs16 with avx2Kernel, a8, runs32 and runs8 with avx512Kernel), so
// their CPU check is the kernel table's. They copy exactly what the Go loops
// copy: packing is bit-identical either way.
var packAsm struct {
	// a6 and a8 are packA6 and packA8 for kb a multiple of 8, a from off.
	a6, a8 func(d, a []float32, lda, kb int)
	// runs32 is packRuns for w = 32, src from off: the columns n ≤ 32 in
	// mask = 2ⁿ−1.
	runs32 func(d, src []float32, ld, kb int, mask uint32)
	// runs8 is packRuns for w = 8, src from off: the columns n ≤ 8 in
	// mask = 2ⁿ−1.
	runs8 func(d, src []float32, ld, kb int, mask uint32)
	// runs16 is packRuns for w = 16 and n ≤ 16, src from off.
	runs16 func(d, src []float32, ld, kb, n int)
	// gather32 is packGather for n = w = 32, src from off.
	gather32 func(d, src []float32, ld, kb int)
}

// packAFast packs mr rows of A like ref (packA6 or packA8) with the
// assembly packer asm, when set, for the multiple of 8 steps of kb and ref
// for the rest. The slice expressions check the bounds ref would.
func packAFast(asm func(d, a []float32, lda, kb int), ref func(d, a []float32, off, lda, kb int), mr int, d, a []float32, off, lda, kb int) {
	k8 := kb &^ 7
	if asm == nil || k8 == 0 {
		ref(d, a, off, lda, kb)
		return
	}
	asm(d[:mr*kb], a[off:off+(mr-1)*lda+kb], lda, k8)
	if k8 < kb {
		ref(d[mr*k8:], a, off+k8, lda, kb-k8)
	}
}

// packA6 interleaves six rows of A, each kb long and lda apart from off,
// into d: d[6p+i] = row i at depth p. The six streams are read in step, so
// every write is sequential.
func packA6(d, a []float32, off, lda, kb int) {
	r0 := a[off : off+kb]
	r1 := a[off+lda : off+lda+kb]
	r2 := a[off+2*lda : off+2*lda+kb]
	r3 := a[off+3*lda : off+3*lda+kb]
	r4 := a[off+4*lda : off+4*lda+kb]
	r5 := a[off+5*lda : off+5*lda+kb]
	d = d[:6*kb]
	for p := range r0 {
		q := (*[6]float32)(d[6*p:])
		q[0], q[1], q[2], q[3], q[4], q[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
	}
}

// packA8 is packA6 for eight rows: d[8p+i] = row i at depth p.
func packA8(d, a []float32, off, lda, kb int) {
	r0 := a[off : off+kb]
	r1 := a[off+lda : off+lda+kb]
	r2 := a[off+2*lda : off+2*lda+kb]
	r3 := a[off+3*lda : off+3*lda+kb]
	r4 := a[off+4*lda : off+4*lda+kb]
	r5 := a[off+5*lda : off+5*lda+kb]
	r6 := a[off+6*lda : off+6*lda+kb]
	r7 := a[off+7*lda : off+7*lda+kb]
	d = d[:8*kb]
	for p := range r0 {
		q := (*[8]float32)(d[8*p:])
		q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p], r6[p], r7[p]
	}
}

// packRuns copies kb runs of n contiguous values, ld apart from off, into d
// at stride w, zero-padding each to w: d[w·p+j] = src[off+p·ld+j].
func packRuns(d, src []float32, off, ld, kb, n, w int) {
	if kb > 0 {
		switch {
		case w == 32 && packAsm.runs32 != nil:
			packAsm.runs32(d[:32*kb], src[off:off+(kb-1)*ld+n], ld, kb, uint32(1<<n-1))
			return
		case w == 8 && packAsm.runs8 != nil:
			packAsm.runs8(d[:8*kb], src[off:off+(kb-1)*ld+n], ld, kb, uint32(1<<n-1))
			return
		case w == 16 && packAsm.runs16 != nil:
			packAsm.runs16(d[:16*kb], src[off:off+(kb-1)*ld+n], ld, kb, n)
			return
		}
	}
	packRunsGo(d, src, off, ld, kb, n, w)
}

// packRunsGo is packRuns in Go: the reference of the assembly packers.
func packRunsGo(d, src []float32, off, ld, kb, n, w int) {
	if n == w {
		switch w {
		case 32:
			for p := 0; p < kb; p++ {
				*(*[32]float32)(d[32*p:]) = *(*[32]float32)(src[off+p*ld:])
			}
			return
		case 16:
			for p := 0; p < kb; p++ {
				*(*[16]float32)(d[16*p:]) = *(*[16]float32)(src[off+p*ld:])
			}
			return
		case 8:
			for p := 0; p < kb; p++ {
				*(*[8]float32)(d[8*p:]) = *(*[8]float32)(src[off+p*ld:])
			}
			return
		case 6:
			for p := 0; p < kb; p++ {
				*(*[6]float32)(d[6*p:]) = *(*[6]float32)(src[off+p*ld:])
			}
			return
		case 4:
			for p := 0; p < kb; p++ {
				*(*[4]float32)(d[4*p:]) = *(*[4]float32)(src[off+p*ld:])
			}
			return
		}
	}
	for p := 0; p < kb; p++ {
		dp := d[p*w : p*w+w]
		copy(dp, src[off+p*ld:off+p*ld+n])
		clear(dp[n:])
	}
}

// packGather is the transposing copy: n runs of kb contiguous values, ld
// apart from off, become the columns of a kb×w strip d (zero-padded to w
// columns): d[w·p+j] = src[off+j·ld+p]. Full 32-wide strips go through the
// assembly packer when there is one (packAsm.gather32); everything else is
// packGatherGo.
func packGather(d, src []float32, off, ld, kb, n, w int) {
	if w == 32 && n == 32 && kb > 0 && packAsm.gather32 != nil {
		packAsm.gather32(d[:32*kb], src[off:off+31*ld+kb], ld, kb)
		return
	}
	packGatherGo(d, src, off, ld, kb, n, w)
}

// packGatherGo is packGather in Go, the reference of the assembly packer.
// It goes four steps of k at a time: four contiguous values of each run land
// in four rows of d, so each run is read a vector at a time and the four rows being written stay in L1
// (measured against the column-at-a-time copy, avx512: dX-B10-100x10 19 →
// 21.5 GFLOP/s, dX-B128-300x100 130 → 137).
func packGatherGo(d, src []float32, off, ld, kb, n, w int) {
	d = d[:w*kb]
	p := 0
	for ; p+4 <= kb; p += 4 {
		d0 := d[p*w : p*w+w]
		d1 := d[(p+1)*w : (p+1)*w+w]
		d2 := d[(p+2)*w : (p+2)*w+w]
		d3 := d[(p+3)*w : (p+3)*w+w]
		d0, d1, d2, d3 = d0[:n], d1[:n], d2[:n], d3[:n]
		for j := range d0 {
			r := (*[4]float32)(src[off+j*ld+p:])
			d0[j], d1[j], d2[j], d3[j] = r[0], r[1], r[2], r[3]
		}
	}
	for ; p < kb; p++ {
		dp := d[p*w : p*w+n]
		for j := range dp {
			dp[j] = src[off+j*ld+p]
		}
	}
	if n < w {
		for p := 0; p < kb; p++ {
			pad := d[p*w+n : p*w+w]
			for j := range pad {
				pad[j] = 0
			}
		}
	}
}

// packB copies the kb×nb block of op(B) starting at depth p0 and column j0
// into dst as ⌈nb/nr⌉ strips, strips [s0, s1) only; strip s holds columns
// s·nr… of the block, one row of nr values per step of k, zero-padded to nr
// columns.
func packB(dst, b []float32, ldb int, transB bool, p0, kb, j0, nb, nr, s0, s1 int) {
	for s := s0; s < s1; s++ {
		cols := min(nr, nb-s*nr)
		d := dst[s*nr*kb : (s+1)*nr*kb]
		c0 := j0 + s*nr
		if transB {
			// op(B)[p][j] = b[j*ldb+p]: each column of the strip is a contiguous run.
			packGather(d, b, c0*ldb+p0, ldb, kb, cols, nr)
			continue
		}
		packRuns(d, b, p0*ldb+c0, ldb, kb, cols, nr)
	}
}
