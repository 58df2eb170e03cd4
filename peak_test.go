package ann

import (
	"slices"
	"testing"
	"time"
)

// TestPeakGFLOPS: the probe returns a plausible positive rate for an asm
// kernel (above 0 — under qemu's emulation it can be below 1 GFLOP/s — and
// below what 64 FMA lanes at 10 GHz could do) and 0 for the generic kernel.
func TestPeakGFLOPS(t *testing.T) {
	for _, k := range kernels {
		undo, _ := useKernel(k.name)
		p := PeakGFLOPS(5 * time.Millisecond)
		undo()
		if k.peak == nil {
			if p != 0 {
				t.Errorf("%s: peak %v, want 0 (no probe)", k.name, p)
			}
			continue
		}
		if !(p > 0 && p < 64*2*10) {
			t.Errorf("%s: peak %v GFLOP/s is not plausible", k.name, p)
		}
		t.Logf("%s: %.1f GFLOP/s", k.name, p)
	}
}

// TestPeakProbe: the peak is the best of the runs, and the spread says
// how far the worst fell behind it.
func TestPeakProbe(t *testing.T) {
	p := peakOf([]float64{90, 100, 95})
	if p.GFLOPS != 100 || p.Spread != 0.1 || p.Noisy() {
		t.Errorf("peakOf(90, 100, 95) = %+v, want best 100, spread 0.1, not noisy", p)
	}
	if p := peakOf([]float64{100, 60}); !p.Noisy() {
		t.Errorf("peakOf(100, 60) = %+v, want noisy", p)
	}
	for _, k := range kernels {
		undo, _ := useKernel(k.name)
		p := PeakProbe(5*time.Millisecond, 5)
		undo()
		if k.peak == nil {
			if p.GFLOPS != 0 {
				t.Errorf("%s: %+v, want zero (no probe)", k.name, p)
			}
			continue
		}
		if len(p.Runs) != 5 || p.GFLOPS != slices.Max(p.Runs) || !(p.Spread >= 0 && p.Spread < 1) {
			t.Errorf("%s: %+v, want 5 runs, the best as the peak, a spread in [0, 1)", k.name, p)
		}
	}
}
