package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// TestOutputPathsCheckedFirst: an output path that cannot be written fails
// at once, naming the flag, before any data is read or any training runs.
func TestOutputPathsCheckedFirst(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "c.csv")
	writeClasses(t, data, 60, 1)
	lin := filepath.Join(dir, "lin.csv")
	writeLinear(t, lin, 50)
	model := filepath.Join(dir, "m.ann")
	mustRun(t, "train", "-train", data, "-label", "species", "-epochs", "1", "-save", model, "-quiet")
	aFile := filepath.Join(dir, "plain.txt")
	if err := os.WriteFile(aFile, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "no-such-dir")
	bad := []struct{ flag, path string }{
		{"save", filepath.Join(missing, "m.ann")},
		{"save", dir}, // a directory
		{"save", filepath.Join(aFile, "m.ann")},
		{"plot", filepath.Join(missing, "p.png")},
		{"model-dir", aFile},
		{"model-dir", filepath.Join(aFile, "sub")},
	}
	if st, err := os.Stat("/proc/self"); err == nil && st.IsDir() {
		bad = append(bad, struct{ flag, path string }{"save", "/proc/ann-cannot-write.ann"})
	}
	// "-epochs 100000" would take minutes: failing fast proves the check
	// comes first.
	for _, b := range bad {
		start := time.Now()
		code, _, stderr := cli(t, "train", "-train", data, "-label", "species", "-epochs", "100000", "-"+b.flag, b.path, "-quiet")
		if code != exitUsage || !strings.Contains(stderr, "-"+b.flag) || time.Since(start) > 5*time.Second {
			t.Errorf("train -%s %s: exit %d after %v, stderr %q; want an immediate usage error naming the flag", b.flag, b.path, code, time.Since(start), stderr)
		}
	}
	for _, args := range [][]string{
		{"mnist", "-data", missing, "-plot", filepath.Join(missing, "p.png")},
		{"mnist", "-data", missing, "-model-dir", filepath.Join(aFile, "d")},
		{"playground", "-epochs", "100000", "-out", filepath.Join(missing, "b.png")},
		{"playground", "-epochs", "100000", "-plot", filepath.Join(missing, "c.png")},
		{"predict", "-model", model, "-data", data, "-out", filepath.Join(missing, "p.csv")},
		{"export", "-model", model, "-onnx", filepath.Join(missing, "m.onnx")},
		{"quantize", "-model", model, "-calib", data, "-out", filepath.Join(missing, "m.q.ann")},
		// The MNIST directory is missing too: the -out error must come first.
		{"quantize", "-model", model, "-calib", "mnist", "-data", missing, "-out", filepath.Join(aFile, "m.q.ann")},
	} {
		code, _, stderr := cli(t, args...)
		if code != exitUsage || !strings.Contains(stderr, missing) && !strings.Contains(stderr, aFile) {
			t.Errorf("ann %s: exit %d, stderr %q; want a usage error naming the path", strings.Join(args, " "), code, stderr)
		}
	}
	// An unwritable directory (not testable as root, who may write anywhere).
	if os.Geteuid() != 0 {
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := cli(t, "train", "-train", data, "-label", "species", "-epochs", "100000", "-save", filepath.Join(ro, "m.ann"), "-quiet")
		if code != exitUsage || !strings.Contains(stderr, "cannot write") {
			t.Errorf("unwritable -save directory: exit %d, stderr %q", code, stderr)
		}
	}
	// Valid outputs, including a -model-dir still to be created, work.
	mustRun(t, "train", "-train", lin, "-task", "regress", "-epochs", "1", "-quiet",
		"-model-dir", filepath.Join(dir, "new", "deeper"), "-save", filepath.Join(dir, "r.ann"), "-plot", filepath.Join(dir, "r.png"))
}

// TestCommandResumesExactly: "ann train -model-dir" run as 7 steps then 9
// more ends with the same model, bit for bit, as one run of 16 steps, with
// shuffling and dropout drawing from the generator.
func TestCommandResumesExactly(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "c.csv")
	writeClasses(t, data, 90, 2)
	common := []string{"train", "-train", data, "-label", "species", "-batch", "10", "-dropout", "0.2", "-quiet"}
	run := func(md string, steps ...string) []byte {
		for _, s := range steps {
			mustRun(t, append(append([]string{}, common...), "-model-dir", md, "-steps", s)...)
		}
		latest, err := ann.LatestCheckpoint(md)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(latest)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	one := run(filepath.Join(dir, "one"), "16")
	two := run(filepath.Join(dir, "two"), "7", "9")
	if !bytes.Equal(one, two) {
		t.Fatal("7 + 9 resumed steps do not give the model of 16 steps")
	}
}
