package ann

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/klauspost/cpuid/v2"
)

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
// Sgemm is safe for concurrent use when the calls write disjoint C that
// overlaps no A or B. Large products are split across up to GOMAXPROCS
// goroutines; every element is computed in the same order whatever their
// number, so results are bit-identical at any GOMAXPROCS.
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
	if alpha == 0 || k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	raceSgemm(ar, ac, a, lda, br, bc, b, ldb, m, n, c, ldc)
	kern := activeKernel
	if kern.narrow != nil && (n <= kern.narrow.nr || m == 1) {
		kern = kern.narrow
	}
	g := jobPool.Get().(*gemmJob)
	*g = gemmJob{
		kern: kern, transA: transA, transB: transB, m: m, n: n, k: k,
		alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc,
		bpack: g.bpack,
	}
	g.run(workersFor(m, n, k))
	g.a, g.b, g.c = nil, nil, nil
	jobPool.Put(g)
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

// A gemmKernel is one micro-kernel with its tile shape and cache blocking.
// run computes C[mr×nr] = alpha·(packedA·B) + beta·C over k steps, where
// packedA holds mr values per step (see packA) and b nr values per step, ldb
// apart (ldb = nr for a strip made by packB); with beta == 0 it does not read
// C. c starts at the tile's top-left element and spans (mr−1)·ldc+nr
// elements.
type gemmKernel struct {
	name       string
	mr, nr     int
	kc, mc, nc int
	run        func(k int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

	// rows, when set, computes C[r×nr] for 0 < r < mr rows with run's
	// contract, except that A's element (i, p) is a[i·rs+p·ss]: a packed
	// strip (rs = 1, ss = mr) or A read in place. Short row strips then
	// cost r rows of work instead of mr, and a product with m < mr needs
	// no packed A at all. Without it they go through run and scratch.
	rows func(r, k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

	// peak, when set, runs n iterations of peakFlops flops of independent
	// FMAs on registers alone: the attainable peak this kernel's ISA has.
	peak      func(n int)
	peakFlops int

	// narrow, when set, computes the products with n ≤ narrow.nr instead,
	// where a wide tile would spend most of its work on zero padding, and
	// those with m == 1 (a vector-matrix product, bound by reading B, where
	// it measured faster too). The choice depends on the sizes alone, so
	// results stay bit-identical at any GOMAXPROCS.
	narrow *gemmKernel
}

// The dispatch table. kernels lists every kernel this CPU and build can run,
// generic first; activeKernel is the one Sgemm uses. Only the init below
// fills them, from archKernels (gemm_amd64.go, gemm_arm64.go, gemm_noasm.go:
// the only code that asks about the CPU); tests swap activeKernel through
// useKernel.
var (
	kernels      = []*gemmKernel{&genericKernel}
	activeKernel = &genericKernel
)

func init() {
	kernels = append(kernels, archKernels()...)
	for _, k := range kernels {
		setBlocking(k)
	}
	activeKernel = kernels[len(kernels)-1]
	if name := os.Getenv("ANN_KERNEL"); name != "" {
		// Only a kernel the CPU supports can be chosen; an unknown or
		// unsupported name leaves the default, and Kernel reports it.
		for _, k := range kernels {
			if k.name == name {
				activeKernel = k
			}
		}
	}
}

// Kernel returns the name of the GEMM micro-kernel in use: "avx512",
// "avx2", "neon" or "generic"; the default is the best the CPU supports. The
// environment variable ANN_KERNEL, read once at start-up, can choose any of
// [Kernels] (ANN_KERNEL=avx2 turns AVX-512 off, for CPUs that downclock
// under it); a name the CPU cannot run is ignored.
func Kernel() string { return activeKernel.name }

// Kernels returns the names of the GEMM micro-kernels this CPU and build can
// run, "generic" first.
func Kernels() []string {
	names := make([]string, len(kernels))
	for i, k := range kernels {
		names[i] = k.name
	}
	return names
}

// useKernel makes the named kernel active and returns a function that
// restores the previous one. It is for tests and benchmarks, which must not
// run Sgemm concurrently with it.
func useKernel(name string) (undo func(), ok bool) {
	prev := activeKernel
	for _, k := range kernels {
		if k.name == name {
			activeKernel = k
			return func() { activeKernel = prev }, true
		}
	}
	return func() {}, false
}

// setBlocking derives the cache blocking from the cache sizes cpuid reports:
// a kc×nr strip of packed B fills half of L1, an mc×kc block of packed A half
// of L2, and a kc×nc panel of packed B a share of L3. Unknown sizes (-1) get
// common defaults.
func setBlocking(k *gemmKernel) {
	l1, l2, l3 := cpuid.CPU.Cache.L1D, cpuid.CPU.Cache.L2, cpuid.CPU.Cache.L3
	if l1 <= 0 {
		l1 = 32 << 10
	}
	if l2 <= 0 {
		l2 = 512 << 10
	}
	if l3 <= 0 {
		l3 = 4 << 20
	}
	kc := l1 / 2 / (4 * k.nr)
	kc = max(64, min(kc, 512)) &^ 7
	mc := l2 / 2 / (4 * kc)
	mc = max(k.mr, min(mc, 1024)/k.mr*k.mr)
	nc := min(l3/4, 4<<20) / (4 * kc)
	nc = max(k.nr, min(nc, 8192)/k.nr*k.nr)
	k.kc, k.mc, k.nc = kc, mc, nc
}

// minParallelFlops is the product size below which Sgemm runs on the calling
// goroutine alone: smaller products finish before a second worker pays off.
var minParallelFlops = 2 * 128 * 128 * 128

func workersFor(m, n, k int) int {
	nw := runtime.GOMAXPROCS(0)
	if nw <= 1 || 2*m*n*k < minParallelFlops {
		return 1
	}
	return nw
}

// gemmJob is one Sgemm call, shared by the workers that compute it. Jobs are
// pooled so a call allocates nothing in steady state.
type gemmJob struct {
	kern           *gemmKernel
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int

	kc, mc, nc int  // blocking balanced for this product's sizes
	directB    bool // the kernel reads op(B) = B in place; only edge strips are packed

	// The current (jc, pc) block: columns [jc, jc+nb), depth [pc, pc+kb).
	jc, nb, pc, kb int
	betaBlock      float32
	bpack          []float32 // packed B panel, shared read-only by workers
	nw             int
	byRows         bool // split the tile grid by row strips (else by column strips)
	wg             sync.WaitGroup
}

var jobPool = sync.Pool{New: func() any { return new(gemmJob) }}

// workspace is one worker's private packing memory.
type workspace struct {
	apack   []float32
	bedge   []float32 // the partial last strip of B when B is not packed
	scratch []float32
}

var workspacePool = sync.Pool{New: func() any { return new(workspace) }}

const (
	phasePackB = iota
	phaseCompute
)

type gemmTask struct {
	job   *gemmJob
	phase int
	part  int
}

// The worker pool: long-lived goroutines, each with its own workspace, fed
// through one channel. Workers start lazily, up to GOMAXPROCS−1 of them; the
// calling goroutine always does part 0 itself.
var (
	taskQueue      = make(chan gemmTask, 64)
	workersMu      sync.Mutex
	workersRunning atomic.Int32
)

func ensureWorkers(n int) {
	if int(workersRunning.Load()) >= n {
		return
	}
	workersMu.Lock()
	defer workersMu.Unlock()
	for int(workersRunning.Load()) < n {
		workersRunning.Add(1)
		go func() {
			ws := new(workspace)
			for t := range taskQueue {
				t.job.do(t.phase, t.part, ws)
				t.job.wg.Done()
			}
		}()
	}
}

// parallel runs phase on parts 0..nw−1: part 0 on the calling goroutine,
// the rest on the pool, and waits for all of them.
func (g *gemmJob) parallel(phase int, ws *workspace) {
	if g.nw > 1 {
		g.wg.Add(g.nw - 1)
		for p := 1; p < g.nw; p++ {
			taskQueue <- gemmTask{job: g, phase: phase, part: p}
		}
	}
	g.do(phase, 0, ws)
	if g.nw > 1 {
		g.wg.Wait()
	}
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

// directAMaxStrips is the number of nr-wide column strips of C up to which
// A is read in place by the rows kernels instead of packed (see compute):
// at n = 100 and nr = 32 a packed A would be used four times, too few to
// repay copying it (measured: the avx512 n = 100 products gain 5–20%).
const directAMaxStrips = 4

// run is the BLIS loop nest's two outer loops (jc over nc-wide panels, pc
// over kc-deep slices); the inner three are in compute. The blocking depends
// only on the sizes, never on nw, so every element is summed in the same
// order whatever the number of workers.
func (g *gemmJob) run(nw int) {
	kern := g.kern
	mr, nr := kern.mr, kern.nr
	g.nw = nw
	if nw > 1 {
		ensureWorkers(nw - 1)
	}
	g.kc = balanced(g.k, kern.kc, 4)
	g.mc = balanced(g.m, kern.mc, mr)
	g.nc = balanced(g.n, kern.nc, nr)
	g.directB = !g.transB && ceilDiv(g.m, mr) <= directBMaxStrips
	if !g.directB {
		g.bpack = growAligned(g.bpack, min(g.nc, roundUp(g.n, nr))*min(g.kc, g.k))
	}
	ws := workspacePool.Get().(*workspace)
	for jc := 0; jc < g.n; jc += g.nc {
		g.jc, g.nb = jc, min(g.nc, g.n-jc)
		mStrips, nStrips := ceilDiv(g.m, mr), ceilDiv(g.nb, nr)
		g.byRows = mStrips >= 4*nw || nStrips < nw
		for pc := 0; pc < g.k; pc += g.kc {
			g.pc, g.kb = pc, min(g.kc, g.k-pc)
			g.betaBlock = 1
			if pc == 0 {
				g.betaBlock = g.beta
			}
			if !g.directB {
				g.parallel(phasePackB, ws)
			}
			g.parallel(phaseCompute, ws)
		}
	}
	workspacePool.Put(ws)
}

func (g *gemmJob) do(phase, part int, ws *workspace) {
	nr := g.kern.nr
	nStrips := ceilDiv(g.nb, nr)
	if phase == phasePackB {
		s0, s1 := split(nStrips, g.nw, part)
		packB(g.bpack, g.b, g.ldb, g.transB, g.pc, g.kb, g.jc, g.nb, nr, s0, s1)
		return
	}
	mr := g.kern.mr
	mStrips := ceilDiv(g.m, mr)
	rs0, rs1, cs0, cs1 := 0, mStrips, 0, nStrips
	if g.byRows {
		rs0, rs1 = split(mStrips, g.nw, part)
	} else {
		cs0, cs1 = split(nStrips, g.nw, part)
	}
	g.compute(ws, rs0*mr, min(rs1*mr, g.m), cs0, cs1)
}

// compute runs the three inner BLIS loops over rows [i0, i1) of C and column
// strips [cs0, cs1) of the current panel: ic over mc-tall blocks (packing
// A), jr over nr-wide strips, ir over mr-tall strips.
func (g *gemmJob) compute(ws *workspace, i0, i1, cs0, cs1 int) {
	if i0 >= i1 || cs0 >= cs1 {
		return
	}
	kern := g.kern
	mr, nr, kb := kern.mr, kern.nr, g.kb
	// With fewer rows than one tile, or with so few column strips in the
	// whole product that a packed A would be read at most
	// directAMaxStrips times, the rows kernel reads A in place.
	inPlaceA := kern.rows != nil && (g.m < mr || ceilDiv(g.n, nr) <= directAMaxStrips)
	if !inPlaceA {
		ws.apack = growAligned(ws.apack, min(g.mc, roundUp(i1-i0, mr))*kb)
	}
	ws.scratch = growAligned(ws.scratch, mr*nr)
	for ic := i0; ic < i1; ic += g.mc {
		mb := min(g.mc, i1-ic)
		if !inPlaceA {
			packA(ws.apack, g.a, g.lda, g.transA, ic, mb, g.pc, kb, mr)
		}
		for s := cs0; s < cs1; s++ {
			j := g.jc + s*nr
			cols := min(nr, g.jc+g.nb-j)
			bp, ldb, shift := g.bStrip(ws, s, j, cols)
			for ir := 0; ir < mb; ir += mr {
				rows := min(mr, mb-ir)
				off := (ic+ir)*g.ldc + j
				if rows < mr && kern.rows != nil || inPlaceA {
					a, rs, ss := g.aRows(ws, inPlaceA, ic+ir, ir, rows)
					g.rowsTile(ws.scratch, a, rs, ss, bp, ldb, off, rows, cols, shift)
					continue
				}
				ap := ws.apack[ir*kb : (ir+mr)*kb]
				if rows == mr && cols == nr {
					kern.run(kb, ap, bp, ldb, g.c[off:off+(mr-1)*g.ldc+nr], g.ldc, g.alpha, g.betaBlock)
					continue
				}
				g.edgeTile(ws.scratch, ap, bp, ldb, off, rows, cols, shift)
			}
		}
	}
}

// bStrip returns the kb×nr strip s of op(B) in the current block, starting at
// column j with cols valid columns, and its row stride: a strip of the
// shared pack, B itself when it is read in place, or for a partial strip of
// an unpacked B the full-width strip ending at the same column (read in
// place; shift > 0 says how many leading columns of the tile are not
// wanted) or, when B is narrower than nr, a zero-padded copy in the worker's
// workspace. Each column of C depends only on the same column of B, so a
// shifted strip gives the wanted columns exactly the arithmetic of a packed
// one.
func (g *gemmJob) bStrip(ws *workspace, s, j, cols int) (b []float32, ldb, shift int) {
	nr, kb := g.kern.nr, g.kb
	if !g.directB {
		return g.bpack[s*nr*kb : (s+1)*nr*kb], nr, 0
	}
	if cols == nr || j+cols >= nr {
		shift = nr - cols
		off := g.pc*g.ldb + j - shift
		return g.b[off : off+(kb-1)*g.ldb+nr], g.ldb, shift
	}
	ws.bedge = growAligned(ws.bedge, nr*kb)
	packB(ws.bedge, g.b, g.ldb, false, g.pc, kb, j, cols, nr, 0, 1)
	return ws.bedge, nr, 0
}

// edgeTile runs the kernel on a partial tile through an mr×nr scratch tile,
// so the kernel neither reads nor writes outside C. C's values are copied in
// first (when beta needs them), so edge elements get exactly the arithmetic
// of full tiles.
func (g *gemmJob) edgeTile(scratch, ap, bp []float32, ldb, off, rows, cols, shift int) {
	mr, nr := g.kern.mr, g.kern.nr
	if g.betaBlock != 0 {
		for i := 0; i < rows; i++ {
			copy(scratch[i*nr+shift:i*nr+shift+cols], g.c[off+i*g.ldc:off+i*g.ldc+cols])
		}
	}
	g.kern.run(g.kb, ap, bp, ldb, scratch[:mr*nr], nr, g.alpha, g.betaBlock)
	for i := 0; i < rows; i++ {
		copy(g.c[off+i*g.ldc:off+i*g.ldc+cols], scratch[i*nr+shift:i*nr+shift+cols])
	}
}

// aRows returns the rows rows of op(A) from row i (strip offset ir in the
// packed block) over the current depth slice, with the strides of element
// (r, p): A itself when inPlace, else the packed strip. The slice spans
// exactly the elements read.
func (g *gemmJob) aRows(ws *workspace, inPlace bool, i, ir, rows int) ([]float32, int, int) {
	kb, mr := g.kb, g.kern.mr
	switch {
	case !inPlace:
		off := ir * kb
		return ws.apack[off : off+(kb-1)*mr+rows], 1, mr
	case g.transA:
		off := g.pc*g.lda + i
		return g.a[off : off+(kb-1)*g.lda+rows], 1, g.lda
	default:
		off := i*g.lda + g.pc
		return g.a[off : off+(rows-1)*g.lda+kb], g.lda, 1
	}
}

// rowsTile runs the rows kernel on a strip of rows ≤ mr rows: straight into
// C when the strip has all nr columns, else through scratch as edgeTile
// does.
func (g *gemmJob) rowsTile(scratch, a []float32, rs, ss int, bp []float32, ldb, off, rows, cols, shift int) {
	nr := g.kern.nr
	if cols == nr {
		g.kern.rows(rows, g.kb, a, rs, ss, bp, ldb, g.c[off:off+(rows-1)*g.ldc+nr], g.ldc, g.alpha, g.betaBlock)
		return
	}
	if g.betaBlock != 0 {
		for i := 0; i < rows; i++ {
			copy(scratch[i*nr+shift:i*nr+shift+cols], g.c[off+i*g.ldc:off+i*g.ldc+cols])
		}
	}
	g.kern.rows(rows, g.kb, a, rs, ss, bp, ldb, scratch[:rows*nr], nr, g.alpha, g.betaBlock)
	for i := 0; i < rows; i++ {
		copy(g.c[off+i*g.ldc:off+i*g.ldc+cols], scratch[i*nr+shift:i*nr+shift+cols])
	}
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
