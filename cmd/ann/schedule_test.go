package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestScheduleFlag(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.csv")
	writeClasses(t, data, 60, 3)
	code, _, stderr := cli(t, "train", "-train", data, "-schedule", "bogus")
	if code != exitUsage || !strings.Contains(stderr, "-schedule") {
		t.Fatalf("bad -schedule: exit %d, %q", code, stderr)
	}
	o, _ := mustRun(t, "train", "-train", data, "-label", "species", "-schedule", "cosine", "-epochs", "3", "-json", "-quiet")
	if m := decodeOne(t, o); num(t, m, "global_step") != 3*2 { // 48 training rows, batch 32
		t.Fatalf("cosine run: %v", m)
	}
}
