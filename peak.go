package ann

import "time"

// PeakGFLOPS measures the attainable single-core float32 FMA throughput of
// the active kernel's instruction set — a register-only loop of independent
// FMAs on the calling goroutine — for about d, and returns it in GFLOP/s
// (0 for the generic kernel, which has no such probe). It is the reference
// for "% of peak" figures: compare it with GEMM rates measured in the same
// run, since a shared machine's speed varies.
func PeakGFLOPS(d time.Duration) float64 {
	k := activeKernel
	if k.peak == nil {
		return 0
	}
	const iters = 1 << 12
	// Wide vector units may need a moment to power up (and clocks to
	// settle) after scalar work: warm up untimed first.
	for warm := time.Now(); time.Since(warm) < d/4; {
		k.peak(iters)
	}
	start := time.Now()
	runs := 0
	for runs == 0 || time.Since(start) < d {
		k.peak(iters)
		runs++
	}
	sec := time.Since(start).Seconds()
	return float64(k.peakFlops) * iters * float64(runs) / sec / 1e9
}
