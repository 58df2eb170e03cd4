package ann

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
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
}

// sgemmEpilogue computes C = op(A)·op(B) (beta 0, alpha 1) finishing every
// tile with e; sizes and slices are trusted (the dense layers made them).
func sgemmEpilogue(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, e epilogue) {
	if m == 0 || n == 0 {
		return
	}
	e.on = e.grad || e.bias != nil || e.out != nil
	ar, ac, br, bc := m, k, k, n
	if transA {
		ar, ac = k, m
	}
	if transB {
		br, bc = n, k
	}
	raceSgemm(ar, ac, a, lda, br, bc, b, ldb, m, n, c, ldc)
	sgemm(transA, transB, m, n, k, 1, a, lda, b, ldb, 0, c, ldc, e)
}

// sgemm runs a checked product: Sgemm's body after its argument checks.
func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int, e epilogue) {
	if k == 0 {
		scaleC(m, n, beta, c, ldc)
		if e.on {
			finishTile(&e, c, ldc, 0, 0, m, n)
		}
		return
	}
	kern := activeKernel
	if kern.narrow != nil && (n <= kern.narrow.nr || m == 1) {
		kern = kern.narrow
	}
	g := jobPool.Get().(*gemmJob)
	g.kern, g.transA, g.transB, g.m, g.n, g.k = kern, transA, transB, m, n, k
	g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc = alpha, a, lda, b, ldb, beta, c, ldc
	g.epi = e
	g.transC = transB && m <= swapMaxM && m < n && k >= 4*m
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

// minParallelDim is the smallest m, n and k that Sgemm splits. With one
// side shorter, each element of the operands is used too few times, so
// moving them to another core's cache costs more than the second core
// computes. In a training step the operands are warm in the caller's cache
// (the layer before wrote them), which a benchmark of Sgemm alone does not
// show: batch-10 products measured 1.5× faster alone on two cores, yet
// made the step 10% slower.
var minParallelDim = 32

// swapMaxM is the largest m at which a product with a transposed B is
// computed as Cᵀ = B·op(A)ᵀ, tiles stored transposed. Packing op(B) = Bᵀ is
// a strided gather of all n·k elements, which took three quarters of
// dX-B10-300x100 (m = 10, n = 300, k = 100); swapped, the gather is of the
// m·k elements of A and the transposed store of the m·n of C, every tile
// through scratch: worth it only when k is several times m (measured:
// dX-B10-300x100 28 → 46 GFLOP/s, but dX-B10-100x10, k = m = 10, 19 → 13).
// The choice depends on the sizes alone, so results stay bit-identical.
const swapMaxM = 16

func workersFor(m, n, k int) int {
	// The sizes first: runtime.GOMAXPROCS takes a lock, 3% of a 1 µs
	// product.
	if 2*m*n*k < minParallelFlops || min(m, n, k) < minParallelDim {
		return 1
	}
	return max(runtime.GOMAXPROCS(0), 1)
}

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

	kc, mc, nc int  // blocking balanced for this product's sizes
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

type helper struct {
	w      *gemmWorker
	parked bool // it was blocked on w.wake when claimed
}

type blockPack struct {
	claimed, done atomic.Int32
	_             [56]byte // one cache line per block: parts poll it
}

// joinParked is the flag the caller adds to gemmJob.left before blocking.
const joinParked = 1 << 30

var jobPool = sync.Pool{New: func() any { return &gemmJob{joined: make(chan struct{}, 1)} }}

// workspace is one goroutine's private packing memory.
type workspace struct {
	apack   []float32
	bpack   []float32 // B packed for this part alone
	bedge   []float32 // the partial last strip of B when B is not packed
	scratch []float32
}

// A gemmWorker is a long-lived helper goroutine. Each product forks once
// and joins once, whatever its number of blocks: a goroutine wake-up costs
// microseconds, as much as a small product. Between products a worker
// spins for workerSpin before it blocks, so the products of one training
// step find it awake.
type gemmWorker struct {
	state atomic.Int32 // workerIdle, workerParked or workerBusy
	job   atomic.Pointer[gemmJob]
	part  int // written by the claimer before job is stored
	wake  chan struct{}
	ws    workspace
	_     [64]byte
}

const (
	workerIdle = iota // spinning on job
	workerParked
	workerBusy // claimed by a caller
)

// workerSpin is how long an idle worker polls for the next product before it
// blocks. The layers of a training step are tens of microseconds apart.
const workerSpin = 200 * time.Microsecond

// The worker pool: up to GOMAXPROCS−1 workers, started lazily and never
// stopped; workers only grows, under workersMu, and is read without it.
var (
	workersMu sync.Mutex
	workers   atomic.Pointer[[]*gemmWorker]
)

// claimWorkers claims up to n idle workers into g.helpers, starting workers
// as needed; other callers may hold the rest. A claimed worker waits for
// publish to hand it its part.
func claimWorkers(g *gemmJob, n int) {
	ws := workers.Load()
	if ws == nil || len(*ws) < n {
		ws = startWorkers(n)
	}
	g.helpers = g.helpers[:0]
	for _, w := range *ws {
		if len(g.helpers) == n {
			break
		}
		if w.state.CompareAndSwap(workerIdle, workerBusy) {
			g.helpers = append(g.helpers, helper{w: w})
		} else if w.state.CompareAndSwap(workerParked, workerBusy) {
			g.helpers = append(g.helpers, helper{w: w, parked: true})
		}
	}
}

// publish hands part i+1 of g to helper i, waking it if it was blocked.
func (g *gemmJob) publish() {
	for i, h := range g.helpers {
		h.w.part = i + 1
		h.w.job.Store(g)
		if h.parked {
			h.w.wake <- struct{}{}
		}
	}
}

func startWorkers(n int) *[]*gemmWorker {
	workersMu.Lock()
	defer workersMu.Unlock()
	var cur []*gemmWorker
	if p := workers.Load(); p != nil {
		cur = *p
	}
	if len(cur) < n {
		next := append(make([]*gemmWorker, 0, n), cur...)
		for len(next) < n {
			w := &gemmWorker{wake: make(chan struct{}, 1)}
			go w.loop()
			next = append(next, w)
		}
		workers.Store(&next)
	}
	return workers.Load()
}

func (w *gemmWorker) loop() {
	for {
		g := w.job.Load()
		if g == nil {
			g = w.poll()
		}
		if g == nil {
			if w.state.CompareAndSwap(workerIdle, workerParked) {
				<-w.wake
			}
			continue
		}
		w.job.Store(nil)
		g.runPart(w.part, &w.ws)
		// The decrement is the worker's last use of g: the caller may
		// recycle it as soon as left reaches zero.
		if g.left.Add(-1) == joinParked {
			g.joined <- struct{}{}
		}
		w.state.Store(workerIdle)
	}
}

// poll waits up to workerSpin for a job, yielding the processor between
// looks so other goroutines still run.
func (w *gemmWorker) poll() *gemmJob {
	start := time.Now()
	for i := 1; ; i++ {
		if g := w.job.Load(); g != nil {
			return g
		}
		if i%16 == 0 {
			if time.Since(start) > workerSpin {
				return nil
			}
			runtime.Gosched()
		}
	}
}

// join waits until every helper part of g has finished: spinning first,
// as the parts are balanced and usually end together, then blocking.
func (g *gemmJob) join() {
	for i := 0; i < 1<<12; i++ {
		if g.left.Load() == 0 {
			return
		}
		if i%16 == 15 {
			runtime.Gosched()
		}
	}
	for {
		cur := g.left.Load()
		if cur == 0 {
			return
		}
		if g.left.CompareAndSwap(cur, cur|joinParked) {
			<-g.joined
			return
		}
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

// directBNarrowK is the depth from which a B narrower than one strip is
// read in place whatever m (see bStrip), its last steps through a tail:
// copying all of it into a zero-padded pack then costs more than the
// tail's extra kernel call on each tile. Measured, avx512 n = 10: k = 128
// and 1024 gain 5% and 15%, k = 100 at m = 1024 loses 10%.
const directBNarrowK = 128

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
	g.kc = balanced(g.k, kern.kc, 4)
	g.mc = balanced(g.m, kern.mc, mr)
	g.nc = balanced(g.n, kern.nc, nr)
	g.directB = !g.transB && (ceilDiv(g.m, mr) <= directBMaxStrips || g.n < nr && g.k >= directBNarrowK)
	g.nw = 1
	if nw > 1 {
		claimWorkers(g, nw-1)
		g.nw = 1 + len(g.helpers)
	}
	if g.nw > 1 {
		g.prepare()
		g.left.Store(int32(g.nw - 1))
		g.publish()
	}
	if g.nw == 1 && !g.directB {
		g.bpack = growAligned(g.bpack, min(g.nc, roundUp(g.n, nr))*min(g.kc, g.k))
	}
	g.runPart(0, &g.ws)
	if g.nw > 1 {
		g.join()
	}
}

// runParts calls f(p, parts) for p = 0..parts−1, part 0 on the calling
// goroutine and the others on the product workers, and returns when all
// have; parts is at most nw, fewer when other callers hold the workers.
// f must be a func value made once (a method value or closure made per
// call would allocate).
func runParts(nw int, f func(part, parts int)) {
	if nw <= 1 {
		f(0, 1)
		return
	}
	g := jobPool.Get().(*gemmJob)
	g.fn, g.nw = f, 1
	claimWorkers(g, nw-1)
	g.nw = 1 + len(g.helpers)
	if g.nw > 1 {
		g.left.Store(int32(g.nw - 1))
		g.publish()
	}
	f(0, g.nw)
	if g.nw > 1 {
		g.join()
	}
	g.fn = nil
	jobPool.Put(g)
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
	mr, nr := g.kern.mr, g.kern.nr
	mStrips := ceilDiv(g.m, mr)
	blockIdx := 0
	for jc := 0; jc < g.n; jc += g.nc {
		nb := min(g.nc, g.n-jc)
		nStrips := ceilDiv(nb, nr)
		byRows := g.splitByRows(mStrips, nStrips, nb)
		rs0, rs1, cs0, cs1 := 0, mStrips, 0, nStrips
		if byRows {
			rs0, rs1 = split(mStrips, g.nw, p)
		} else {
			cs0, cs1 = split(nStrips, g.nw, p)
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
			g.compute(ws, &blk, rs0*mr, min(rs1*mr, g.m), cs0, cs1)
			blockIdx++
		}
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
	if g.directB {
		readB = 0
	}
	return readA >= readB
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
// strips [cs0, cs1) of the current panel: ic over mc-tall blocks (packing
// A), jr over nr-wide strips, ir over mr-tall strips.
func (g *gemmJob) compute(ws *workspace, blk *gemmBlock, i0, i1, cs0, cs1 int) {
	if i0 >= i1 || cs0 >= cs1 {
		return
	}
	kern := g.kern
	mr, nr, kb := kern.mr, kern.nr, blk.kb
	// With fewer rows than one tile, or with so few column strips in the
	// whole product that a packed A would be read at most
	// directAMaxStrips times, the rows kernel reads A in place.
	inPlaceA := kern.rows != nil && (g.m < mr || ceilDiv(g.n, nr) <= directAMaxStrips)
	if !inPlaceA {
		ws.apack = growAligned(ws.apack, min(g.mc, roundUp(i1-i0, mr))*kb)
	}
	ws.scratch = growAligned(ws.scratch, mr*nr)
	finish := g.epi.on && blk.pc+kb == g.k
	for ic := i0; ic < i1; ic += g.mc {
		mb := min(g.mc, i1-ic)
		if !inPlaceA {
			packA(ws.apack, g.a, g.lda, g.transA, ic, mb, blk.pc, kb, mr)
		}
		for s := cs0; s < cs1; s++ {
			j := blk.jc + s*nr
			cols := min(nr, blk.jc+blk.nb-j)
			bp, ldb, shift := g.bStrip(ws, blk, s, j, cols)
			for ir := 0; ir < mb; ir += mr {
				rows := min(mr, mb-ir)
				switch {
				case rows < mr && kern.rows != nil || inPlaceA:
					a, rs, ss := g.aRows(ws, blk, inPlaceA, ic+ir, ir, rows)
					g.rowsTile(blk, ws.scratch, a, rs, ss, bp, ldb, ic+ir, j, rows, cols, shift)
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
					finishTile(&g.epi, g.c, g.ldc, j, ic+ir, cols, rows)
				default:
					finishTile(&g.epi, g.c, g.ldc, ic+ir, j, rows, cols)
				}
			}
		}
	}
}

// finishTile applies e to the rows×cols tile of c at (i0, j0).
func finishTile(e *epilogue, c []float32, ldc, i0, j0, rows, cols int) {
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

// addRow sets z[j] += b[j].
func addRow(z, b []float32) {
	b = b[:len(z)]
	for j := range z {
		z[j] += b[j]
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
func (g *gemmJob) rowsTile(blk *gemmBlock, scratch, a []float32, rs, ss int, bp []float32, ldb, i0, j0, rows, cols, shift int) {
	nr := g.kern.nr
	if cols == nr && !g.transC {
		off := i0*g.ldc + j0
		g.kern.rows(rows, blk.kb, a, rs, ss, bp, ldb, g.c[off:off+(rows-1)*g.ldc+nr], g.ldc, g.alpha, blk.beta)
		return
	}
	if blk.beta != 0 {
		g.loadTile(scratch, i0, j0, rows, cols, shift)
	}
	g.kern.rows(rows, blk.kIn, a, rs, ss, bp, ldb, scratch[:rows*nr], nr, g.alpha, blk.beta)
	if kIn := blk.kIn; kIn < blk.kb {
		g.kern.rows(rows, blk.kb-kIn, a[kIn*ss:], rs, ss, blk.tail, nr, scratch[:rows*nr], nr, g.alpha, 1)
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
