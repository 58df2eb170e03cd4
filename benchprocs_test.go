package ann

import (
	"flag"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Trustworthy -cpu figures.
//
// A benchmark using b.Loop is measured entirely in the first call of its
// function, and for a sub-benchmark the testing package makes that call from
// b.Run, before it sets GOMAXPROCS to the first value of -cpu: the first
// figure of every sub-benchmark is taken at whatever GOMAXPROCS the previous
// one left, the last -cpu value (golang/go#49980). With -cpu 1,2 the
// "one-thread" rows of the previous round ran on two threads.
//
// benchRun fixes that by setting GOMAXPROCS to the first -cpu value before
// b.Run, and checks in the sub-benchmark that it runs at the GOMAXPROCS its
// name reports: the k-th call of a b.Loop benchmark is the measurement for
// -cpu value cpus[k/count mod len(cpus)]. A mismatch fails the benchmark
// rather than print a wrong figure. Every figure also carries a procs
// metric, the GOMAXPROCS it ran at.
//
// For figures to compare with other programs, set the thread count before
// the process starts: GOMAXPROCS=1 go test -cpu 1 -bench ..., or use
// ../shared/bench/compare.sh.

var benchProcs struct {
	once  sync.Once
	cpus  []int
	count int
	mu    sync.Mutex
	calls map[string]int
}

func benchProcsInit() {
	benchProcs.once.Do(func() {
		benchProcs.calls = map[string]int{}
		benchProcs.count = 1
		if f := flag.Lookup("test.count"); f != nil {
			if c, err := strconv.Atoi(f.Value.String()); err == nil && c > 0 {
				benchProcs.count = c
			}
		}
		if f := flag.Lookup("test.cpu"); f != nil {
			for _, s := range strings.Split(f.Value.String(), ",") {
				if p, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && p > 0 {
					benchProcs.cpus = append(benchProcs.cpus, p)
				}
			}
		}
		if len(benchProcs.cpus) == 0 {
			benchProcs.cpus = []int{runtime.GOMAXPROCS(0)}
		}
	})
}

// benchRun runs f as the sub-benchmark name of b at the GOMAXPROCS its
// reported name says, and reports that GOMAXPROCS as the procs metric.
// f must time its work with b.Loop.
func benchRun(b *testing.B, name string, f func(b *testing.B)) bool {
	benchProcsInit()
	runtime.GOMAXPROCS(benchProcs.cpus[0])
	return b.Run(name, func(b *testing.B) {
		benchProcs.mu.Lock()
		k := benchProcs.calls[b.Name()]
		benchProcs.calls[b.Name()]++
		benchProcs.mu.Unlock()
		want := benchProcs.cpus[k/benchProcs.count%len(benchProcs.cpus)]
		if got := runtime.GOMAXPROCS(0); got != want {
			b.Fatalf("runs at GOMAXPROCS %d but is reported as -cpu %d (golang/go#49980); its figure would be wrong", got, want)
		}
		f(b)
		b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
	})
}
