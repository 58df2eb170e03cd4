package main

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/annlib/ann"
)

// TestHostileCSV: a byte-order mark before the first column name, features
// whose scaling overflows float32, and features that make the network's
// outputs non-finite give a working command or a one-line error, never NaN
// probabilities with exit 0.
func TestHostileCSV(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var b strings.Builder
	b.WriteString("\ufeffspecies,a,b\n")
	for i := range 30 {
		b.WriteString([]string{"x", "y"}[i%2])
		b.WriteString([]string{",1,2\n", ",1.5,-1\n"}[i%2])
	}
	bom := write("bom.csv", b.String())
	model := filepath.Join(dir, "m.ann")
	// Column a has a standard deviation of 0.25, so its scale of 4 sends
	// 3.4e38 to +Inf; ReLU lets it through to the outputs.
	mustRun(t, "train", "-train", bom, "-label", "species", "-activation", "relu", "-epochs", "2", "-quiet", "-save", model)

	// The mean is far from 0, so −3.4e38 minus the mean overflows.
	huge := write("huge.csv", "a,big,y\n1,3.4e38,x\n2,-3.4e38,y\n3,3.4e38,x\n4,3.4e38,y\n5,3.4e38,x\n")
	code, _, e := cli(t, "train", "-train", huge, "-test", huge, "-label", "y", "-epochs", "1", "-quiet")
	if code != exitFailure || !strings.Contains(e, `"big"`) || !strings.Contains(e, "overflow") {
		t.Errorf("train on overflowing features: exit %d, %q; want exit %d naming \"big\"", code, e, exitFailure)
	}

	// A model path that is not a model is refused after its first bytes,
	// not after reading 4 GiB of it.
	if _, err := os.Stat("/dev/zero"); err == nil {
		code, _, e := cli(t, "predict", "-model", "/dev/zero", "-data", bom)
		if code != exitFailure || !strings.Contains(e, "not an ann model file") {
			t.Errorf("predict -model /dev/zero: exit %d, %q", code, e)
		}
	}

	far := write("far.csv", "species,a,b\nx,3.4e38,-3.4e38\ny,1,2\n")
	for _, cmd := range []string{"predict", "eval"} {
		code, o, e := cli(t, cmd, "-model", model, "-data", far)
		if code != exitFailure || strings.Contains(o, "NaN") || !strings.Contains(e, "row 0") {
			t.Errorf("%s on features far out of range: exit %d, stdout %q, stderr %q; want exit %d naming row 0", cmd, code, o, e, exitFailure)
		}
	}
}

// TestPercentOfPeak: a rate above the peak, or a noisy peak, gives no
// percentage ("machine too noisy to judge", null in JSON), never >100%.
func TestPercentOfPeak(t *testing.T) {
	cases := []struct {
		rate, peak float64
		noisy, ok  bool
		text       string
	}{
		{50, 100, false, true, "50% of peak"},
		{100, 100, false, true, "100% of peak"},
		{130, 100, false, false, "machine too noisy to judge"},
		{50, 100, true, false, "machine too noisy to judge"},
		{50, 0, false, false, "machine too noisy to judge"},
	}
	for _, c := range cases {
		pct, ok := percentOfPeak(c.rate, c.peak, c.noisy)
		if ok != c.ok || percentText(pct, ok) != c.text || (ok && !(pct <= 100)) || (!ok && !math.IsNaN(pct)) {
			t.Errorf("percentOfPeak(%v, %v, %v) = %v, %v (%q); want ok %v, %q", c.rate, c.peak, c.noisy, pct, ok, percentText(pct, ok), c.ok, c.text)
		}
	}
	o, e := benchOutput(t)
	m := decodeOne(t, o)
	wantKeys(t, m, "peak_runs_gflops", "peak_spread", "too_noisy_to_judge")
	if runs, ok := m["peak_runs_gflops"].([]any); ann.Kernel() != "generic" && (!ok || len(runs) != peakRuns) {
		t.Errorf("peak runs %v, want %d", m["peak_runs_gflops"], peakRuns)
	}
	for _, g := range m["gemm"].([]any) {
		if p, ok := g.(map[string]any)["percent_of_peak"].(float64); ok && p > 100 {
			t.Errorf("%v: %v%% of peak", g, p)
		}
	}
	for _, p := range regexp.MustCompile(`([0-9.]+)% of`).FindAllStringSubmatch(e, -1) {
		if v, err := strconv.ParseFloat(p[1], 64); err != nil || v > 100 {
			t.Errorf("progress shows %s%% of peak:\n%s", p[1], e)
		}
	}
}
