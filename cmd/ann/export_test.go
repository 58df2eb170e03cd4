package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExport(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "iris.csv")
	writeClasses(t, data, 60, 2)
	model := filepath.Join(dir, "m.ann")
	mustRun(t, "train", "-train", data, "-label", "species", "-epochs", "2", "-save", model, "-quiet")
	out := filepath.Join(dir, "m.onnx")
	mustRun(t, "export", "-model", model, "-onnx", out)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// A ModelProto starts with field 1 (ir_version, varint) and names its
	// producer and the ops it uses.
	if len(b) < 100 || b[0] != 0x08 || !bytes.Contains(b, []byte("Gemm")) || !bytes.Contains(b, []byte("Softmax")) {
		t.Fatalf("%s does not look like an ONNX model (%d bytes)", out, len(b))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 { // iris.csv, m.ann, m.onnx
		t.Errorf("%d files in the directory after export, want 3 (no temporary files left)", len(entries))
	}
	for _, args := range [][]string{
		{"export", "-model", model},
		{"export", "-onnx", out},
		{"export", "-model", filepath.Join(dir, "missing.ann"), "-onnx", out},
		{"export", "-model", data, "-onnx", out},
	} {
		code, stdout, stderr := cli(t, args...)
		if code == 0 || stdout != "" || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.HasPrefix(stderr, "ann export:") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want a one-line error", args, code, stdout, stderr)
		}
	}
}
