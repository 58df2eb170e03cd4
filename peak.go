package ann

import (
	"slices"
	"time"
)

// PeakSpreadLimit is the largest spread between the runs of a peak probe,
// (best − worst)/best, at which the best run is taken as the machine's
// peak: beyond it the machine (shared, throttling, or busy with other
// work) is too noisy to judge a "% of peak" figure.
const PeakSpreadLimit = 0.10

// PeakMeasurement is the result of PeakProbe.
type PeakMeasurement struct {
	// GFLOPS is the best run's rate: the peak, since interference only
	// ever slows a run down. 0 for the generic kernel.
	GFLOPS float64
	// Runs holds every run's rate in GFLOP/s, in the order measured.
	Runs []float64
	// Spread is (best − worst)/best over the runs, 0 for a single run.
	Spread float64
}

// Noisy reports whether the runs disagree by more than PeakSpreadLimit,
// so that the peak cannot be trusted as a reference.
func (p PeakMeasurement) Noisy() bool { return p.Spread > PeakSpreadLimit }

// PeakProbe measures the attainable single-core float32 FMA throughput of
// the active kernel's instruction set — a register-only loop of
// independent FMAs on the calling goroutine — in runs separate runs
// (at least 1) of about d/runs each after an untimed warm-up, and returns
// the best rate with every run's rate and their spread. The generic
// kernel has no such probe and gives a zero PeakMeasurement.
func PeakProbe(d time.Duration, runs int) PeakMeasurement {
	k := activeKernel
	if k.peak == nil {
		return PeakMeasurement{}
	}
	runs = max(runs, 1)
	const iters = 1 << 12
	// Wide vector units may need a moment to power up (and clocks to
	// settle) after scalar work: warm up untimed first.
	for warm := time.Now(); time.Since(warm) < d/4; {
		k.peak(iters)
	}
	rates := make([]float64, runs)
	for r := range rates {
		start := time.Now()
		n := 0
		for n == 0 || time.Since(start) < d/time.Duration(runs) {
			k.peak(iters)
			n++
		}
		rates[r] = float64(k.peakFlops) * iters * float64(n) / time.Since(start).Seconds() / 1e9
	}
	return peakOf(rates)
}

// peakOf summarises the rates of several runs.
func peakOf(rates []float64) PeakMeasurement {
	p := PeakMeasurement{Runs: rates}
	if len(rates) == 0 {
		return p
	}
	p.GFLOPS = slices.Max(rates)
	if p.GFLOPS > 0 {
		p.Spread = (p.GFLOPS - slices.Min(rates)) / p.GFLOPS
	}
	return p
}

// PeakGFLOPS measures the attainable single-core float32 FMA throughput of
// the active kernel's instruction set for about d and returns it in
// GFLOP/s: the best of 5 runs (see PeakProbe), or 0 for the generic
// kernel. It is the reference for "% of peak" figures: compare it with GEMM
// rates measured in the same run, since a shared machine's speed varies.
func PeakGFLOPS(d time.Duration) float64 { return PeakProbe(d, 5).GFLOPS }
