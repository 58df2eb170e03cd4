package ann

// The BLIS-style driver: one product split into parts, each running the
// loop nest over its tiles, packing what it reads.

import (
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// gemmJob is one Sgemm call, shared by the workers that compute it. Jobs are
// pooled so a call allocates nothing in steady state.
type gemmJob struct {
	kern           *gemmKernel
	transA, transB bool
	m, n, k        int
	// transC says the job computes Cᵀ = op(B)ᵀ·op(A)ᵀ: its tiles are
	// stored transposed into the caller's C (see swapMaxM).
	transC        bool
	alpha, beta   float32
	a, b, c       []float32
	lda, ldb, ldc int
	epi           epilogue // applied to each tile after its last depth block

	// fn, when set, makes the job a plain parallel loop (see runParts)
	// rather than a product.
	fn func(part, parts int)
	// gemv makes it a vector-matrix product split by columns (see
	// gemvPart).
	gemv bool

	kc, mc, nc int  // blocking balanced for this product's sizes
	masked     bool // the whole product runs on kern.masked (see maskedPart)
	directB    bool // the kernel reads op(B) = B in place; only edge strips are packed
	nw         int  // the number of parts, one per goroutine

	// ws is the caller's workspace, for part 0: pooled with the job, it
	// costs no second pool round trip, a few percent of a 1 µs product.
	ws workspace

	// bpack holds op(B) packed: with one part, one (jc, pc) block at a
	// time; with parts sharing it (see sharedB), every block in its own
	// place, so no part waits for the others to finish reading a block.
	bpack []float32
	// packed counts, per (jc, pc) block, the strips of B claimed and
	// packed, when the parts split the rows and so share every strip.
	packed []blockPack

	// left counts the helper parts still running, plus joinParked once the
	// caller has stopped spinning and blocks on joined.
	left    atomic.Int32
	joined  chan struct{}
	helpers []helper // the workers running parts 1..nw−1
}

type blockPack struct {
	claimed, done atomic.Int32
	_             [56]byte // one cache line per block: parts poll it
}

var jobPool = sync.Pool{New: func() any { return &gemmJob{joined: make(chan struct{}, 1)} }}

// workspace is one goroutine's private packing memory.
type workspace struct {
	apack   []float32
	bpack   []float32 // B packed for this part alone
	bedge   []float32 // the partial last strip of B when B is not packed
	bdot    []float32 // B's columns of a dot strip (dotTiles), or a colsT strip's sums (colsTTiles)
	scratch []float32
}

// balanced splits total into the fewest blocks of at most block and returns
// their common size rounded up to unit, so no block is a sliver: k = 784 with
// kc = 256 gives four slices of 196, not 256, 256, 256 and 16.
func balanced(total, block, unit int) int {
	return min(block, roundUp(ceilDiv(total, ceilDiv(total, block)), unit))
}

// directBMaxStrips is the number of row strips of C up to which a
// non-transposed B is read in place instead of packed: each element of B is
// then used at most this many times, too few to repay copying it.
const directBMaxStrips = 2

// directBNarrowK is the depth from which a B narrower than one strip is
// read in place whatever m (see bStrip), its last steps through a tail:
// copying all of it into a zero-padded pack then costs more than the
// tail's extra kernel call on each tile. Measured, avx512 n = 10: k = 128
// and 1024 gain 5% and 15%, k = 100 at m = 1024 loses 10%.
const directBNarrowK = 128

// directBMaxElems bounds the B read in place because its rows are aligned
// (see alignedB): 4 MiB, a weight matrix that stays in this core's L2 and
// the L3 between calls.
const directBMaxElems = 1 << 20

// alignedB reports whether B (not transposed) has every row on a 64-byte
// boundary, as the network's weight matrices do (kernelStride), so the
// kernel's loads of a strip read whole cache lines: then reading B in
// place is faster than packing it whatever m. Measured (Xeon, avx512,
// ldb 304 and 112, best of three alternating runs), X·W with W 784×300 at
// m = 128/256/1000: 135/135/132 GFLOP/s packed, 150/148/141 in place on
// one thread; W 300×100: 112/118/118 against 123/122/122, and on two
// threads 143/143/166 against 188/219/213 (no part packs a copy of B).
// Row strides that are multiples of 2 KiB are left to packing: their rows
// fall into the same few L1 sets (1024³: 123 packed, 115 in place), as are
// matrices too large to stay cached between the kernel's passes, and the
// weight gradient Xᵀ·dY (transposed A): with k the batch, its B is a small
// copy used by every strip of A, and read in place it measured 5–10 %
// slower (784×300 at batch 10 and 128).
func (g *gemmJob) alignedB() bool {
	// A B narrower than a strip read in place ends in a separate tail call
	// (see bStrip), which rounds differently from one packed pass: results
	// must not depend on where B happens to be allocated.
	if g.transA || g.n < g.kern.nr || g.ldb%16 != 0 || g.ldb%512 == 0 || g.k*g.n > directBMaxElems || len(g.b) == 0 {
		return false
	}
	return uintptr(unsafe.Pointer(unsafe.SliceData(g.b)))%64 == 0
}

// directAMaxStrips is the number of nr-wide column strips of C up to which
// A is read in place by the rows kernels instead of packed (see compute):
// at n = 100 and nr = 32 a packed A would be used four times, too few to
// repay copying it (measured: the avx512 n = 100 products gain 5–20%).
const directAMaxStrips = 4

// run computes the product in nw parts at most: part 0 on the calling
// goroutine, the others on claimed workers. The blocking depends only on
// the sizes, never on the number of parts, so every element is summed in
// the same order whatever it is.
func (g *gemmJob) run(nw int) {
	kern := g.kern
	mr, nr := kern.mr, kern.nr
	g.masked = kern.masked != nil && g.n <= kern.maskedCols && !g.transC
	if g.masked {
		g.spread(nw)
		return
	}
	g.kc = balanced(g.k, kern.kc, 4)
	g.mc = balanced(g.m, kern.mc, mr)
	g.nc = balanced(g.n, kern.nc, nr)
	g.directB = !g.transB && (ceilDiv(g.m, mr) <= directBMaxStrips || g.n < nr && g.k >= directBNarrowK || g.alignedB())
	g.claim(nw)
	if g.nw > 1 {
		g.prepare()
	}
	g.start()
	if g.nw == 1 && !g.directB {
		g.bpack = growAligned(g.bpack, min(g.nc, roundUp(g.n, nr))*min(g.kc, g.k))
	}
	g.finish()
}

// prepare sizes the state the parts may share: a pack of all of op(B), each
// block in its own place so no part waits for another to finish reading
// one, and the per-block claim counters, zeroed.
func (g *gemmJob) prepare() {
	if g.sharedB() {
		g.bpack = growAligned(g.bpack, roundUp(g.n, g.kern.nr)*g.k)
	}
	nb := ceilDiv(g.n, g.nc) * ceilDiv(g.k, g.kc)
	if cap(g.packed) < nb {
		g.packed = make([]blockPack, nb)
	}
	g.packed = g.packed[:nb]
	for i := range g.packed {
		g.packed[i].claimed.Store(0)
		g.packed[i].done.Store(0)
	}
}

// gemmBlock is one (jc, pc) block of the loop nest: columns [jc, jc+nb) of
// C and depth [pc, pc+kb), with the pack of its B and the beta it applies.
type gemmBlock struct {
	jc, nb, pc, kb int
	beta           float32
	bpack          []float32

	// kIn and tail describe the current column strip's B (see bStrip):
	// its first kIn steps are read from the strip, the rest from tail.
	kIn  int
	tail []float32
}

// runPart is part p of the product: the BLIS loop nest's two outer loops
// (jc over nc-wide panels, pc over kc-deep slices) over this part's share
// of the tile grid, a range of row strips or of column strips (see
// splitByRows); the inner three loops are in compute. Each part packs the B
// it reads into its own workspace, except that parts splitting the rows of
// a transposed B share one pack (see sharedB), and only then wait for each
// other.
func (g *gemmJob) runPart(p int, ws *workspace) {
	if g.fn != nil {
		g.fn(p, g.nw)
		return
	}
	if g.gemv {
		g.gemvPart(p)
		return
	}
	if g.masked {
		g.maskedPart(p, ws)
		return
	}
	mr, nr := g.kern.mr, g.kern.nr
	mStrips := ceilDiv(g.m, mr)
	blockIdx := 0
	for jc := 0; jc < g.n; jc += g.nc {
		nb := min(g.nc, g.n-jc)
		nStrips := ceilDiv(nb, nr)
		byRows := g.splitByRows(mStrips, nStrips, nb)
		rs0, rs1, cs0, cs1 := 0, mStrips, 0, nStrips
		lo, hi := 0, g.m // the rows of the first and of the last strip
		if byRows {
			rs0, rs1 = split(mStrips, g.nw, p)
		} else {
			var r0, r1 int
			cs0, r0, cs1, r1 = g.columnShare(mStrips, nb, p)
			lo, hi = r0*mr, min(r1*mr, g.m)
		}
		for pc := 0; pc < g.k; pc += g.kc {
			blk := gemmBlock{jc: jc, nb: nb, pc: pc, kb: min(g.kc, g.k-pc), beta: 1}
			if pc == 0 {
				blk.beta = g.beta
			}
			if !g.directB {
				size := nStrips * nr * blk.kb
				switch {
				case g.nw > 1 && byRows && g.sharedB():
					off := jc*g.k + pc*nStrips*nr
					blk.bpack = g.bpack[off : off+size]
					g.packShared(&blk, &g.packed[blockIdx], nStrips)
				case g.nw > 1:
					ws.bpack = growAligned(ws.bpack, size)
					blk.bpack = ws.bpack
					packB(blk.bpack, g.b, g.ldb, g.transB, pc, blk.kb, jc, nb, nr, cs0, cs1)
				default:
					blk.bpack = g.bpack[:size]
					packB(blk.bpack, g.b, g.ldb, g.transB, pc, blk.kb, jc, nb, nr, cs0, cs1)
				}
			}
			g.compute(ws, &blk, rs0*mr, min(rs1*mr, g.m), cs0, cs1, lo, hi)
			blockIdx++
		}
	}
}

// maskedEpiRows is the number of rows of C the masked kernel computes in
// one call when an epilogue follows: eight 12-row strips, which with at
// most 16 columns stay in L1 until the epilogue has finished them.
const maskedEpiRows = 96

// maskedPart is part p of a product with n ≤ kern.maskedCols: its share of
// the row strips, every element in one pass over all of k, A read in place
// and B too (a transposed B is first copied into a k×n row-major pack in
// the part's workspace). The strips start at row 0 whatever the number of
// parts and every call starts at a strip boundary, so each element gets
// the same arithmetic at any GOMAXPROCS.
func (g *gemmJob) maskedPart(p int, ws *workspace) {
	kern := g.kern
	rowsPer := kern.maskedRows
	s0, s1 := split(ceilDiv(g.m, rowsPer), g.nw, p)
	i0, i1 := s0*rowsPer, min(s1*rowsPer, g.m)
	if i0 >= i1 {
		return
	}
	b, ldb := g.b, g.ldb
	if g.transB {
		ws.bedge = growAligned(ws.bedge, g.k*g.n)
		for j := 0; j < g.n; j++ {
			src := g.b[j*g.ldb : j*g.ldb+g.k]
			for q, v := range src {
				ws.bedge[q*g.n+j] = v
			}
		}
		b, ldb = ws.bedge, g.n
	}
	rs, ss := g.lda, 1
	if g.transA {
		rs, ss = 1, g.lda
	}
	// With dot2, columns 8.. go to it, their vectors of B contiguous.
	cols := g.n
	var b8, b9 []float32
	if g.useDot2() {
		cols = 8
		if g.transB {
			b8 = g.b[8*g.ldb : 8*g.ldb+g.k]
			b9 = g.b[(g.n-1)*g.ldb : (g.n-1)*g.ldb+g.k]
		} else {
			ws.bdot = growAligned(ws.bdot, 2*g.k)
			b8, b9 = ws.bdot[:g.k], ws.bdot[g.k:]
			for p := range b8 {
				row := g.b[p*g.ldb+8 : p*g.ldb+g.n]
				b8[p], b9[p] = row[0], row[len(row)-1]
			}
		}
	}
	chunk := i1 - i0
	if g.epi.on {
		chunk = maskedEpiRows
	}
	for i := i0; i < i1; i += chunk {
		r := min(chunk, i1-i)
		kern.masked(r, g.k, g.a[i*rs:], rs, ss, b, ldb, g.c[i*g.ldc:], g.ldc, cols, g.alpha, g.beta)
		for q := i; q < i+r && cols < g.n; q += 8 {
			kern.dot2(min(8, i+r-q), g.k, g.a[q*g.lda:], g.lda, b8, b9, g.n-8, g.c[q*g.ldc+8:], g.ldc, g.alpha, g.beta)
		}
		if g.epi.on {
			finishTile(g.kern, &g.epi, g.c, g.ldc, i, 0, r, g.n)
		}
	}
}

// dot2MinRows and dot2MinK are the smallest m and k for which a product of
// 9 or 10 columns computes its last columns on gemmKernel.dot2: below, the
// copy of B's columns, the rows left over from its eight-row groups and the
// reduction cost more than the masked kernel's idle lanes. Measured (Zen 4,
// one thread, best of six alternating rounds, n = 10): k = 100 at m = 10,
// 16, 32, 48, 128, 1024: 0.70, 0.85, 1.03, 1.11, 1.18, 1.23× the masked
// kernel's speed; m = 128 at k = 16, 32, 48, 64, 300: 0.90, 1.09, 1.15,
// 1.16, 1.25×.
const (
	dot2MinRows = 32
	dot2MinK    = 32
)

// useDot2 reports whether the masked product's last columns go to dot2;
// it depends on the sizes alone, so the bits do not depend on the split.
func (g *gemmJob) useDot2() bool {
	return g.kern.dot2 != nil && !g.transA && (g.n == 9 || g.n == 10) && g.m >= dot2MinRows && g.k >= dot2MinK
}

// maskedTiles computes rows [ic+ir0, ic+ir1) of a partial column strip
// (cols < nr, cols ≤ kern.maskedCols) at column j on the masked kernel, one
// mr-row tile at a time, straight into C: no scratch tile and no tail, as
// its loads of B are masked to the strip's columns too.
func (g *gemmJob) maskedTiles(ws *workspace, blk *gemmBlock, inPlaceA bool, s, ic, ir0, ir1, j, cols int, finish bool) {
	mr, nr, kb := g.kern.mr, g.kern.nr, blk.kb
	var b []float32
	ldb := nr
	if g.directB {
		b, ldb = g.b[blk.pc*g.ldb+j:], g.ldb
	} else {
		b = blk.bpack[s*nr*kb : (s+1)*nr*kb]
	}
	for ir := ir0; ir < ir1; ir += mr {
		rows := min(mr, ir1-ir)
		a, rs, ss := g.aRows(ws, blk, inPlaceA, ic+ir, ir, rows)
		g.kern.masked(rows, kb, a, rs, ss, b, ldb, g.c[(ic+ir)*g.ldc+j:], g.ldc, cols, g.alpha, blk.beta)
		if finish {
			finishTile(g.kern, &g.epi, g.c, g.ldc, ic+ir, j, rows, cols)
		}
	}
}

// stripEpiRows is the number of rows kern.strip computes in one call when
// an epilogue follows: 96 rows of 32 columns (12 KB) are still in L1 when
// finishTile reads them.
const stripEpiRows = 96

// wholeTiles computes the whole mr-row tiles of rows [ic+ir0, ic+ir1) of a
// full column strip at column j (ir0 a multiple of mr) in as few kernel
// calls as it can — kern.strip on an A read in place, kern.tiles on the
// packed A — and returns the row (from ic) where it stopped; the rest go
// through the rows kernel as before. Every element gets the arithmetic the
// per-tile kernels would give it.
func (g *gemmJob) wholeTiles(ws *workspace, blk *gemmBlock, inPlaceA bool, bp []float32, ldb, ic, ir0, ir1, j int, finish bool, pf int) int {
	mr, nr, kb := g.kern.mr, g.kern.nr, blk.kb
	full := ir0 + (ir1-ir0)/mr*mr
	chunk := full - ir0
	if finish {
		chunk = stripEpiRows
	}
	for ir := ir0; ir < full; ir += chunk {
		rows := min(chunk, full-ir)
		off := (ic+ir)*g.ldc + j
		c := g.c[off : off+(rows-1)*g.ldc+nr]
		if inPlaceA {
			a, rs, ss := g.aRows(nil, blk, true, ic+ir, ir, rows)
			g.kern.strip(rows, kb, a, rs, ss, bp, ldb, c, g.ldc, g.alpha, blk.beta)
		} else {
			g.kern.tiles(rows, kb, ws.apack[ir*kb:(ir+rows)*kb], bp, ldb, c, g.ldc, g.alpha, blk.beta, pf)
		}
		if finish {
			finishTile(g.kern, &g.epi, g.c, g.ldc, ic+ir, j, rows, nr)
		}
	}
	return full
}

// nextStripDistance is the distance in floats from the rows of strip s−1
// of the current block's B to the same rows of strip s, the next this part
// computes, for the tile kernel to prefetch (see gemmKernel.tiles): nr when
// B is read in place, 0 past the part's last strip and for a packed B,
// whose strips lie one after another in L2 where the hardware prefetchers
// find them. A weight matrix's strip is kb rows ldb floats apart, a stride
// they follow poorly: measured (Xeon model 207, one thread,
// 128×784·784×300 with W 64-byte aligned, alternating runs), 145.5 → 152.0
// GFLOP/s best with W evicted to L3 between calls, 153.6 → 159.5 with W in
// L2; batch-1000 prediction 241k → 250k samples/s best, the batch-128
// training step 93.0k → 97.0k. With B packed (1024³, 1024×784·784×300) it
// measured within noise.
func (g *gemmJob) nextStripDistance(s, cs1 int) int {
	if s >= cs1 || !g.directB {
		return 0
	}
	return g.kern.nr
}

// prefetchDistance is nextStripDistance for the rows kernel (see
// gemmKernel.rows), but only when B is a weight matrix that the optimizer
// step rewrites after the product (epilogue.bWritten), so that it has left
// this core's L2 by the next training step. Measured (Xeon model 207, one
// thread, alternating runs), the batch-10 training step 29.6k → 30.9k
// samples/s best, 26.2k → 28.3k median (and 25.8k → 27.4k, 21.3k → 23.3k in
// a slower phase); prefetching a B still in L2 cost the 10×784·784×300
// product 10–13 % instead (132 → 115 GFLOP/s best), so other products get 0.
func (g *gemmJob) prefetchDistance(s, cs1 int) int {
	if !g.epi.bWritten {
		return 0
	}
	return g.nextStripDistance(s, cs1)
}

// dotTiles computes rows [ic, ic+mb) of a last column strip of at most
// dotCols columns at column j with kern.dot: lanes along k instead of
// along the strip's columns, where the masked kernel would use cols of its
// 16 lanes (n = 100: a 4-column strip, about 6 % of batch-1000 inference
// on the masked kernel). A is read in place; B's columns are copied into
// contiguous vectors unless B is transposed (its rows are B's columns).
// Which columns take this path depends on the sizes alone.
func (g *gemmJob) dotTiles(ws *workspace, blk *gemmBlock, ic, mb, j, cols int, finish bool) {
	kb, pc := blk.kb, blk.pc
	var bc [dotCols][]float32
	if g.transB {
		for q := range bc {
			off := (j+min(q, cols-1))*g.ldb + pc
			bc[q] = g.b[off : off+kb]
		}
	} else {
		ws.bdot = growAligned(ws.bdot, cols*kb)
		if cols == dotCols {
			// Four columns at once: at batch 10 the general loop below
			// took a fifth of the forward product of the 300×100 layer.
			d0, d1, d2, d3 := ws.bdot[:kb], ws.bdot[kb:2*kb], ws.bdot[2*kb:3*kb], ws.bdot[3*kb:4*kb]
			off := pc*g.ldb + j
			for p := range d0 {
				row := g.b[off : off+dotCols : off+dotCols]
				d0[p], d1[p], d2[p], d3[p] = row[0], row[1], row[2], row[3]
				off += g.ldb
			}
		} else {
			for p := 0; p < kb; p++ {
				row := g.b[(pc+p)*g.ldb+j : (pc+p)*g.ldb+j+cols]
				for q, v := range row {
					ws.bdot[q*kb+p] = v
				}
			}
		}
		for q := range bc {
			off := min(q, cols-1) * kb
			bc[q] = ws.bdot[off : off+kb]
		}
	}
	a := g.a[ic*g.lda+pc : (ic+mb-1)*g.lda+pc+kb]
	c := g.c[ic*g.ldc+j : (ic+mb-1)*g.ldc+j+cols]
	g.kern.dot(mb, kb, a, g.lda, bc[0], bc[1], bc[2], bc[3], cols, c, g.ldc, g.alpha, blk.beta)
	if finish {
		finishTile(g.kern, &g.epi, g.c, g.ldc, ic, j, mb, cols)
	}
}

// dotMinRows is the number of rows of C up to which a last strip of at most
// dotCols columns goes to the masked kernel instead of dotTiles: B's
// columns are copied for every call, and a few rows do not repay the copy
// (10×300×100, one thread, Xeon model 207, ten alternating rounds: best
// 119.2 → 123.4 GFLOP/s, median 114.1 → 118.5; 16 rows equal).
const dotMinRows = 12

// colsTMinK is the depth from which colsTTiles pays. With the sums scaled
// into C by a general Go loop it was 64 (at batch 10, k = 10, that loop
// cost more than the masked kernel's idle lanes: dW 300×100 78 → 71
// GFLOP/s); with a four-column Go loop (since replaced by
// sgemmColsT4AVX512, faster still), k = 10 gains (dW 300×100 at batch
// 10, one thread, Xeon model 207, eight alternating runs: medians 61.4 →
// 67.5 GFLOP/s in a slow phase of the host, best 74.7 → 97.2). Below 8 it
// is not measured.
const colsTMinK = 8

// colsTTiles is dotTiles for a transposed A (the weight gradient Xᵀ·dY):
// there C's rows are contiguous in A's storage, so the kernels run their
// lanes along the rows. kern.colsT4 stores a strip of exactly dotCols
// columns into C itself; for a narrower one kern.colsT writes the raw sums
// transposed into the workspace and this scales them into C (alpha, then
// beta·C, which is not read when beta is 0). The masked kernel would use
// cols of its 16 lanes (n = 100: 4). Which columns take this path depends
// on the sizes alone.
func (g *gemmJob) colsTTiles(ws *workspace, blk *gemmBlock, ic, mb, j, cols int, finish bool) {
	kb, pc := blk.kb, blk.pc
	var b []float32
	sp, sq := g.ldb, 1
	if g.transB {
		sp, sq = 1, g.ldb
		b = g.b[j*g.ldb+pc : (j+cols-1)*g.ldb+pc+kb]
	} else {
		b = g.b[pc*g.ldb+j : (pc+kb-1)*g.ldb+j+cols]
	}
	a := g.a[pc*g.lda+ic : (pc+kb-1)*g.lda+ic+mb]
	if cols == dotCols && g.kern.colsT4 != nil {
		off := ic*g.ldc + j
		g.kern.colsT4(mb, kb, a, g.lda, b, sp, sq, g.c[off:off+(mb-1)*g.ldc+dotCols], g.ldc, g.alpha, blk.beta)
	} else {
		ws.bdot = growAligned(ws.bdot, cols*mb)
		t := ws.bdot[:cols*mb]
		g.kern.colsT(mb, kb, a, g.lda, b, sp, sq, cols, t)
		alpha, beta := g.alpha, blk.beta
		for i := 0; i < mb; i++ {
			c := g.c[(ic+i)*g.ldc+j : (ic+i)*g.ldc+j+cols]
			for q := range c {
				v := alpha * t[q*mb+i]
				if beta != 0 {
					v += beta * c[q]
				}
				c[q] = v
			}
		}
	}
	if finish {
		finishTile(g.kern, &g.epi, g.c, g.ldc, ic, j, mb, cols)
	}
}

// splitByRows says how the parts divide a panel nb columns wide: by row
// strips (each part then reads all of the panel's B and its own rows of A)
// or by column strips (all of A and its own columns of B). It picks the
// split that makes each part read and pack the less: a strided gather
// (A untransposed, B transposed) costs about twice a contiguous copy. The
// measured alternative, sharing one pack of B between row parts, moves
// half of it between cores and waits once per block: a 128³ product ran
// at 183 GFLOP/s that way, 274 with each part packing all of B.
//
// A B read in place costs nothing to pack, unless the optimizer rewrites it
// after the product (epilogue.bWritten): every core that read all of it
// then holds copies of lines the update must invalidate, one cross-core
// round trip each. Counted as read, it moves training's first-layer forward
// pass at batch 128 to column strips, each core reading only its half of
// the weights, and the Adam step that follows scaled 1.60× on two threads
// instead of 1.08× (the whole step 1.38× → 1.53×, at batch 32 1.11× →
// 1.34×; medians of 60 alternating pairs, Xeon model 207); at batch 1024
// rows still win.
func (g *gemmJob) splitByRows(mStrips, nStrips, nb int) bool {
	if nStrips < g.nw {
		return true
	}
	if mStrips < g.nw {
		return false
	}
	readA, readB := g.m, nb
	if !g.transA {
		readA *= 2
	}
	if g.transB {
		readB *= 2
	}
	if g.directB && !g.epi.bWritten {
		readB = 0
	}
	return readA >= readB
}

// columnShare is part p's share of the tile grid of a panel nb columns wide
// when the parts split its column strips: the tiles taken strip by strip,
// each strip top to bottom, cut into g.nw runs of near-equal cost at row-strip
// boundaries. Part p computes strips [cs0, cs1), the first from row strip
// r0 on and the last up to row strip r1 (exclusive). A row strip of a strip
// costs its width rounded up to 8 columns, what its vector lanes cost. The
// 300 columns of the first layer are nine strips of 32 and one of 12: five
// whole strips to each of two parts gave one 160 columns and the other 144
// (measured, Zen 4, batch-128 forward pass of 784×300 on two threads:
// 1.80× one thread). A tile's arithmetic does not depend on the part that
// computes it, so the results do not depend on the split.
func (g *gemmJob) columnShare(mStrips, nb, p int) (cs0, r0, cs1, r1 int) {
	nr := g.kern.nr
	nStrips := ceilDiv(nb, nr)
	cost := func(s int) int { return roundUp(min(nr, nb-s*nr), 8) }
	total := 0
	for s := range nStrips {
		total += cost(s)
	}
	// at returns the index (strip·mStrips + row strip) of the first tile
	// of part q: the tile boundary nearest to cost total·q/nw.
	at := func(q int) int {
		if q >= g.nw {
			return nStrips * mStrips
		}
		target := total * mStrips * q / g.nw
		for s := range nStrips {
			w := cost(s) * mStrips
			if target < w {
				return s*mStrips + (2*target/cost(s)+1)/2
			}
			target -= w
		}
		return nStrips * mStrips
	}
	t0, t1 := at(p), at(p+1)
	if t0 >= t1 {
		return 0, 0, 0, 0
	}
	return t0 / mStrips, t0 % mStrips, (t1-1)/mStrips + 1, (t1-1)%mStrips + 1
}

// sharedB says whether parts splitting rows share one pack of B instead of
// each packing all of it: when B is transposed, gathering it twice cost
// more than sharing it (dY·Wᵀ at batch 1024: 350 GFLOP/s shared, 332
// private); copied contiguously, packing it twice was as fast or faster.
func (g *gemmJob) sharedB() bool { return g.transB && !g.directB }

// packShared packs strips of blk's B until none is left unclaimed, then
// waits for the strips other parts claimed. A part that starts late finds
// them packed and does not wait at all.
func (g *gemmJob) packShared(blk *gemmBlock, bp *blockPack, nStrips int) {
	nr := g.kern.nr
	for {
		s := int(bp.claimed.Add(1)) - 1
		if s >= nStrips {
			break
		}
		packB(blk.bpack, g.b, g.ldb, g.transB, blk.pc, blk.kb, blk.jc, blk.nb, nr, s, s+1)
		bp.done.Add(1)
	}
	for i := 1; int(bp.done.Load()) < nStrips; i++ {
		if i%16 == 0 {
			runtime.Gosched()
		}
	}
}

// compute runs the three inner BLIS loops over rows [i0, i1) of C and column
// strips [cs0, cs1) of the current panel, the first strip from row lo on
// and the last up to row hi (see columnShare): ic over mc-tall blocks
// (packing A), jr over nr-wide strips, ir over mr-tall strips.
func (g *gemmJob) compute(ws *workspace, blk *gemmBlock, i0, i1, cs0, cs1, lo, hi int) {
	if i0 >= i1 || cs0 >= cs1 {
		return
	}
	kern := g.kern
	mr, nr, kb := kern.mr, kern.nr, blk.kb
	// With fewer rows than one tile, or with so few column strips in the
	// whole product that a packed A would be read at most
	// directAMaxStrips times (kern.stripAStrips for a set whose strip
	// kernel reads A in place), the rows kernel reads A in place.
	maxStrips := directAMaxStrips
	if kern.strip != nil {
		maxStrips = max(maxStrips, kern.stripAStrips)
	}
	inPlaceA := kern.rows != nil && (g.m < mr || g.m <= kern.rowsMax || ceilDiv(g.n, nr) <= maxStrips)
	if !inPlaceA {
		ws.apack = growAligned(ws.apack, min(g.mc, roundUp(i1-i0, mr))*kb)
	}
	// A row block of at most rowsMax rows read in place goes to the rows
	// kernel in one call per strip (step rows at a time).
	step := mr
	if inPlaceA && i1-i0 <= kern.rowsMax && !g.transC {
		step = i1 - i0
	}
	ws.scratch = growAligned(ws.scratch, max(mr, step)*nr)
	finish := g.epi.on && blk.pc+kb == g.k
	for ic := i0; ic < i1; ic += g.mc {
		mb := min(g.mc, i1-ic)
		if !inPlaceA {
			packA(ws.apack, g.a, g.lda, g.transA, ic, mb, blk.pc, kb, mr)
		}
		for s := cs0; s < cs1; s++ {
			// This strip's rows of the block, [ir0, ir1) from ic.
			ir0, ir1 := 0, mb
			if s == cs0 {
				ir0 = max(ir0, lo-ic)
			}
			if s == cs1-1 {
				ir1 = min(ir1, hi-ic)
			}
			if ir0 >= ir1 {
				continue
			}
			j := blk.jc + s*nr
			cols := min(nr, blk.jc+blk.nb-j)
			if cols <= dotCols && kern.dot != nil && !g.transA && !g.transC && g.m > dotMinRows {
				g.dotTiles(ws, blk, ic+ir0, ir1-ir0, j, cols, finish)
				continue
			}
			if cols <= dotCols && kern.colsT != nil && g.transA && !g.transC && blk.kb >= colsTMinK {
				g.colsTTiles(ws, blk, ic+ir0, ir1-ir0, j, cols, finish)
				continue
			}
			if cols < nr && cols <= kern.maskedCols && kern.masked != nil && !g.transC {
				g.maskedTiles(ws, blk, inPlaceA, s, ic, ir0, ir1, j, cols, finish)
				continue
			}
			bp, ldb, shift := g.bStrip(ws, blk, s, j, cols)
			pf, rowsPf := g.nextStripDistance(s+1, cs1), g.prefetchDistance(s+1, cs1)
			if step == mr && cols == nr && !g.transC && blk.kIn == kb && (inPlaceA && kern.strip != nil || !inPlaceA && kern.tiles != nil) {
				ir0 = g.wholeTiles(ws, blk, inPlaceA, bp, ldb, ic, ir0, ir1, j, finish, pf)
			}
			for ir := ir0; ir < ir1; ir += step {
				rows := min(step, ir1-ir)
				switch {
				case rows < mr && kern.rows != nil || inPlaceA:
					a, rs, ss := g.aRows(ws, blk, inPlaceA, ic+ir, ir, rows)
					g.rowsTile(blk, ws.scratch, a, rs, ss, bp, ldb, ic+ir, j, rows, cols, shift, rowsPf)
				case rows == mr && cols == nr && !g.transC:
					ap := ws.apack[ir*kb : (ir+mr)*kb]
					off := (ic+ir)*g.ldc + j
					kern.run(kb, ap, bp, ldb, g.c[off:off+(mr-1)*g.ldc+nr], g.ldc, g.alpha, blk.beta)
				default:
					ap := ws.apack[ir*kb : (ir+mr)*kb]
					g.edgeTile(blk, ws.scratch, ap, bp, ldb, ic+ir, j, rows, cols, shift)
				}
				switch {
				case !finish:
				case g.transC:
					finishTile(g.kern, &g.epi, g.c, g.ldc, j, ic+ir, cols, rows)
				default:
					finishTile(g.kern, &g.epi, g.c, g.ldc, ic+ir, j, rows, cols)
				}
			}
		}
	}
}

// bStrip returns the kb×nr strip s of op(B) in the current block, starting at
// column j with cols valid columns, and its row stride: a strip of the
// shared pack, B itself when it is read in place, or for a partial strip of
// an unpacked B the full-width strip ending at the same column (read in
// place; shift > 0 says how many leading columns of the tile are not
// wanted). Each column of C depends only on the same column of B, so a
// shifted strip gives the wanted columns exactly the arithmetic of a packed
// one.
//
// When B is narrower than nr, its first kIn steps are read in place too,
// nr wide: the columns past n are the start of B's next row, which only
// reach tile columns that are thrown away. The last narrowTail steps of the
// product would read past B's last row, so they come back in tail, a
// zero-padded nr-wide copy in the worker's workspace; bStrip records both
// in blk (kIn = kb and no tail otherwise). Where
// k splits depends on n and k alone, so the results stay bit-identical.
func (g *gemmJob) bStrip(ws *workspace, blk *gemmBlock, s, j, cols int) (b []float32, ldb, shift int) {
	nr, kb := g.kern.nr, blk.kb
	blk.kIn, blk.tail = kb, nil
	if !g.directB {
		return blk.bpack[s*nr*kb : (s+1)*nr*kb], nr, 0
	}
	if cols == nr || j+cols >= nr {
		shift = nr - cols
		off := blk.pc*g.ldb + j - shift
		return g.b[off : off+(kb-1)*g.ldb+nr], g.ldb, shift
	}
	kIn := min(kb, max(0, g.k-narrowTail(g.n, nr)-blk.pc))
	ws.bedge = growAligned(ws.bedge, nr*(kb-kIn))
	packB(ws.bedge, g.b, g.ldb, false, blk.pc+kIn, kb-kIn, j, cols, nr, 0, 1)
	if kIn == 0 {
		return ws.bedge, nr, 0
	}
	blk.kIn, blk.tail = kIn, ws.bedge
	off := blk.pc*g.ldb + j
	return g.b[off : off+(kIn-1)*g.ldb+nr], g.ldb, 0
}

// narrowTail is the number of final steps of k at which an nr-wide row of
// a B only n < nr columns wide would reach past B's last element: step p
// reads up to p·ldb+nr, and ldb ≥ n.
func narrowTail(n, nr int) int { return ceilDiv(nr-n, n) }

// edgeTile runs the kernel on a partial tile through an mr×nr scratch tile,
// so the kernel neither reads nor writes outside C. C's values are copied in
// first (when beta needs them), so edge elements get exactly the arithmetic
// of full tiles. With a tail (see bStrip), the kernel runs twice: kIn steps
// on bp, then the rest on tail, adding to the first.
func (g *gemmJob) edgeTile(blk *gemmBlock, scratch, ap, bp []float32, ldb, i0, j0, rows, cols, shift int) {
	mr, nr := g.kern.mr, g.kern.nr
	if blk.beta != 0 {
		g.loadTile(scratch, i0, j0, rows, cols, shift)
	}
	g.kern.run(blk.kIn, ap, bp, ldb, scratch[:mr*nr], nr, g.alpha, blk.beta)
	if kIn := blk.kIn; kIn < blk.kb {
		g.kern.run(blk.kb-kIn, ap[kIn*mr:], blk.tail, nr, scratch[:mr*nr], nr, g.alpha, 1)
	}
	g.storeTile(scratch, i0, j0, rows, cols, shift)
}

// loadTile copies C's rows×cols tile at (i0, j0) into scratch, nr apart
// from column shift; storeTile copies it back. With transC, the tile's
// element (i, j) is C's element (j, i).
func (g *gemmJob) loadTile(scratch []float32, i0, j0, rows, cols, shift int) {
	nr := g.kern.nr
	if g.transC {
		for i := 0; i < rows; i++ {
			dst := scratch[i*nr+shift : i*nr+shift+cols]
			for j := range dst {
				dst[j] = g.c[(j0+j)*g.ldc+i0+i]
			}
		}
		return
	}
	off := i0*g.ldc + j0
	for i := 0; i < rows; i++ {
		copy(scratch[i*nr+shift:i*nr+shift+cols], g.c[off+i*g.ldc:off+i*g.ldc+cols])
	}
}

func (g *gemmJob) storeTile(scratch []float32, i0, j0, rows, cols, shift int) {
	nr := g.kern.nr
	if g.transC {
		for i := 0; i < rows; i++ {
			src := scratch[i*nr+shift : i*nr+shift+cols]
			for j, v := range src {
				g.c[(j0+j)*g.ldc+i0+i] = v
			}
		}
		return
	}
	off := i0*g.ldc + j0
	for i := 0; i < rows; i++ {
		copy(g.c[off+i*g.ldc:off+i*g.ldc+cols], scratch[i*nr+shift:i*nr+shift+cols])
	}
}

// aRows returns the rows rows of op(A) from row i (strip offset ir in the
// packed block) over the current depth slice, with the strides of element
// (r, p): A itself when inPlace, else the packed strip. The slice spans
// exactly the elements read.
func (g *gemmJob) aRows(ws *workspace, blk *gemmBlock, inPlace bool, i, ir, rows int) ([]float32, int, int) {
	kb, mr := blk.kb, g.kern.mr
	switch {
	case !inPlace:
		off := ir * kb
		return ws.apack[off : off+(kb-1)*mr+rows], 1, mr
	case g.transA:
		off := blk.pc*g.lda + i
		return g.a[off : off+(kb-1)*g.lda+rows], 1, g.lda
	default:
		off := i*g.lda + blk.pc
		return g.a[off : off+(rows-1)*g.lda+kb], g.lda, 1
	}
}

// rowsTile runs the rows kernel on a strip of rows ≤ mr rows: straight into
// C when the strip has all nr columns, else through scratch as edgeTile
// does, twice when B comes with a tail.
func (g *gemmJob) rowsTile(blk *gemmBlock, scratch, a []float32, rs, ss int, bp []float32, ldb, i0, j0, rows, cols, shift, pf int) {
	nr := g.kern.nr
	if cols == nr && !g.transC {
		off := i0*g.ldc + j0
		g.kern.rows(rows, blk.kb, a, rs, ss, bp, ldb, g.c[off:off+(rows-1)*g.ldc+nr], g.ldc, g.alpha, blk.beta, pf)
		return
	}
	if blk.beta != 0 {
		g.loadTile(scratch, i0, j0, rows, cols, shift)
	}
	g.kern.rows(rows, blk.kIn, a, rs, ss, bp, ldb, scratch[:rows*nr], nr, g.alpha, blk.beta, 0)
	if kIn := blk.kIn; kIn < blk.kb {
		g.kern.rows(rows, blk.kb-kIn, a[kIn*ss:], rs, ss, blk.tail, nr, scratch[:rows*nr], nr, g.alpha, 1, 0)
	}
	g.storeTile(scratch, i0, j0, rows, cols, shift)
}

// split returns the range of part p when n items are divided into nw
// near-equal contiguous parts.
func split(n, nw, p int) (int, int) { return n * p / nw, n * (p + 1) / nw }

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func roundUp(a, b int) int { return ceilDiv(a, b) * b }

// growAligned returns a slice of length n whose first element is 64-byte
// aligned (a cache line, and a zmm vector), reusing buf when it is large
// enough.
func growAligned(buf []float32, n int) []float32 {
	if cap(buf) >= n {
		return buf[:n]
	}
	raw := make([]float32, n+16)
	off := 0
	if r := uintptr(unsafe.Pointer(&raw[0])) & 63; r != 0 {
		off = int((64 - r) / 4)
	}
	return raw[off : off+n : off+n]
}
