package ann

// The worker pool: long-lived goroutines that run the parts of a product
// (or of any loop split with runParts), one fork and one join per call.

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

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

// minParallelGemv is the size of B (k·n elements) from which a vector-matrix
// product (m = 1, batch-1 inference) is split by columns across the
// workers: it streams B once and is bound by the cache bandwidth of one
// core, so each core streams its own columns from its own L2, where they
// stay between calls. Below it (the 300×100 layer, 120 KB) the fork and
// join cost as much as the second core saves.
var minParallelGemv = 1 << 16

// gemvWorkers returns the number of parts of a vector-matrix product of
// k×n B.
func gemvWorkers(n, k int) int {
	if k*n < minParallelGemv || n < 2*gemvSplit {
		return 1
	}
	return max(min(runtime.GOMAXPROCS(0), n/gemvSplit), 1)
}

// gemvSplit is the column granule of a split vector-matrix product (a
// job with gemv set, run by spread): a cache line of C and of each row of
// B, so no two parts write one line. Each column is one dot product summed
// in the same order however the columns are split, so the result does not
// depend on the number of parts.
const gemvSplit = 16

// claim sets g.nw to 1 plus the idle workers it claims, up to nw−1 of
// them (see claimWorkers).
func (g *gemmJob) claim(nw int) {
	g.nw = 1
	if nw > 1 {
		claimWorkers(g, nw-1)
		g.nw = 1 + len(g.helpers)
	}
}

// start hands each claimed helper its part; whatever the parts share must
// be ready.
func (g *gemmJob) start() {
	if g.nw > 1 {
		g.left.Store(int32(g.nw - 1))
		g.publish()
	}
}

// finish runs part 0 on the calling goroutine and waits for the helpers.
func (g *gemmJob) finish() {
	g.runPart(0, &g.ws)
	if g.nw > 1 {
		g.join()
	}
}

// spread runs g's parts (see runPart) on up to nw goroutines, part 0 on
// the caller's: for jobs whose parts share no state to prepare.
func (g *gemmJob) spread(nw int) {
	g.claim(nw)
	g.start()
	g.finish()
}

// gemvPart computes part p of g.nw of a split vector-matrix product.
func (g *gemmJob) gemvPart(p int) {
	lo, hi := split(ceilDiv(g.n, gemvSplit), g.nw, p)
	lo, hi = lo*gemvSplit, min(hi*gemvSplit, g.n)
	if lo >= hi {
		return
	}
	g.kern.gemv(g.k, g.a, g.b[lo:], g.ldb, g.c[lo:], hi-lo, g.alpha, g.beta)
	if g.epi.on {
		finishTile(g.kern, &g.epi, g.c, g.ldc, 0, lo, 1, hi-lo)
	}
}

func workersFor(m, n, k int) int {
	// The sizes first: runtime.GOMAXPROCS takes a lock, 3% of a 1 µs
	// product.
	if 2*m*n*k < minParallelFlops || min(m, n, k) < minParallelDim {
		return 1
	}
	return max(runtime.GOMAXPROCS(0), 1)
}

type helper struct {
	w      *gemmWorker
	parked bool // it was blocked on w.wake when claimed
}

// joinParked is the flag the caller adds to gemmJob.left before blocking.
const joinParked = 1 << 30

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
// looks so other goroutines still run. Meanwhile it runs the units of the
// offered idle task, one at a time, so a job waits at most one unit.
func (w *gemmWorker) poll() *gemmJob {
	start := time.Now()
	for i := 1; ; i++ {
		if g := w.job.Load(); g != nil {
			return g
		}
		if t := idleWork.Load(); t != nil && t.runOne() {
			start = time.Now()
			continue
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

// partsFor is the number of parts for runParts of a loop over work
// elements: all of GOMAXPROCS from min elements up, else one.
func partsFor(work, min int) int {
	if work < min {
		return 1
	}
	return runtime.GOMAXPROCS(0)
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
	g.fn = f
	g.spread(nw)
	g.fn = nil
	jobPool.Put(g)
}

// An idleTask is work split into units that the product workers run while
// they wait for the next product (see poll), and that its owner finishes
// itself (complete): in training, the gather of the next shuffled batch,
// which then overlaps the parts of a step that leave the other cores idle
// (the loss, the output layer, the bias gradients). One task at a time is
// offered; the owner of another runs all of its own.
type idleTask struct {
	fn    func(unit int) // set before the task is opened
	next  atomic.Int64   // the next unit to claim; ≥ units once closed
	units atomic.Int64
	done  atomic.Int64 // units finished
}

// idleWork is the task on offer, or nil.
var idleWork atomic.Pointer[idleTask]

// idleClosed is the claim counter of a task that is not open: above any
// number of units, with room for every stale claim to add one.
const idleClosed = 1 << 62

// offer opens t with units units of fn and offers it to idle workers. t
// must not be open (new, or completed).
func (t *idleTask) offer(units int, fn func(unit int)) {
	t.fn = fn
	t.units.Store(int64(units))
	t.done.Store(0)
	t.next.Store(0) // opens t: a claim from now on sees fn and units
	idleWork.CompareAndSwap(nil, t)
}

// runOne claims and runs one unit of t and reports whether there was one.
func (t *idleTask) runOne() bool {
	u := t.next.Add(1) - 1
	if u >= t.units.Load() {
		return false
	}
	t.fn(int(u))
	t.done.Add(1)
	return true
}

// complete runs the units of t no worker has claimed, withdraws the offer,
// waits for the units workers are running and closes t: when it returns,
// every unit has run exactly once and no worker touches what fn writes.
func (t *idleTask) complete() {
	for t.runOne() {
	}
	idleWork.CompareAndSwap(t, nil)
	units := t.units.Load()
	for i := 1; t.done.Load() < units; i++ {
		if i%16 == 0 {
			runtime.Gosched()
		}
	}
	t.next.Store(idleClosed)
}
