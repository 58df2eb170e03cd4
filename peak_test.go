package ann

import (
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
