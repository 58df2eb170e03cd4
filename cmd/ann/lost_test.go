package main

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/annlib/ann"
)

// TestDivergedRunKeepsGoodCheckpoint: a run whose weights blow up exits
// non-zero naming the step, writes no NaN checkpoint, and leaves the last
// good one as the latest, which eval and resuming use.
func TestDivergedRunKeepsGoodCheckpoint(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "lin.csv")
	writeLinear(t, data, 200)
	md := filepath.Join(dir, "D")
	save := filepath.Join(dir, "m.ann")
	code, _, stderr := cli(t, "train", "-train", data, "-task", "regress", "-scale", "none", "-optimizer", "sgd", "-lr", "3",
		"-batch", "1000", "-epochs", "300", "-model-dir", md, "-save", save, "-quiet")
	if code != exitFailure || !strings.Contains(stderr, "diverged") || !strings.Contains(stderr, "step") || !strings.Contains(stderr, "stays") {
		t.Fatalf("diverged run: exit %d, stderr %q; want exit 1 naming the step and the kept checkpoint", code, stderr)
	}
	if _, err := os.Stat(save); err == nil {
		t.Errorf("-save wrote a diverged model")
	}
	latest, err := ann.LatestCheckpoint(md)
	if err != nil || latest == "" {
		t.Fatalf("no checkpoint left: %q %v", latest, err)
	}
	if _, err := ann.LoadFile(latest); err != nil {
		t.Fatalf("the latest checkpoint does not load: %v", err)
	}
	mustRun(t, "eval", "-model", md, "-data", data)

	// A NaN checkpoint an older version wrote, named by the index: eval
	// falls back to the previous one and warns.
	b, err := os.ReadFile(latest)
	if err != nil {
		t.Fatal(err)
	}
	hl := binary.LittleEndian.Uint32(b[12:])
	binary.LittleEndian.PutUint32(b[16+hl:], math.Float32bits(float32(math.NaN())))
	sum := sha256.Sum256(b[:len(b)-32])
	copy(b[len(b)-32:], sum[:])
	bad := filepath.Join(md, "model.ckpt-999.ann")
	if err := os.WriteFile(bad, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(md, "checkpoint"), []byte(`{"latest":"model.ckpt-999.ann"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr = mustRun(t, "eval", "-model", md, "-data", data)
	if !strings.Contains(stderr, "warning") || !strings.Contains(stderr, "model.ckpt-999.ann") || !strings.Contains(stderr, filepath.Base(latest)) {
		t.Errorf("eval fell back without saying so: stderr %q", stderr)
	}
	// Resuming training falls back the same way (and, with the same
	// learning rate, diverges again: only the warning matters here).
	_, _, stderr = cli(t, "train", "-train", data, "-task", "regress", "-scale", "none", "-epochs", "1", "-model-dir", md, "-quiet")
	if !strings.Contains(stderr, "warning") || !strings.Contains(stderr, filepath.Base(latest)) {
		t.Errorf("resume fell back without saying so: stderr %q", stderr)
	}
}
