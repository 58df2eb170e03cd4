//go:build ignore

// gen_wasm builds the Playground page's WebAssembly module and copies Go's
// wasm_exec.js next to it, into the directory named by its argument:
//
//	go generate ./cmd/ann    # runs: go run gen_wasm.go web/dist
//
// The output is git-ignored and embedded by the next `go build`. It mirrors
// buildPlaygroundModule in serve.go, which does the same at run time for a
// binary built without it.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run gen_wasm.go DIR")
		os.Exit(2)
	}
	if err := generate(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gen_wasm:", err)
		os.Exit(1)
	}
}

func generate(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	build := exec.Command("go", "build",
		"-o", filepath.Join(dir, "ann.wasm"), "github.com/annlib/ann/web/wasm")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("GOOS=js GOARCH=wasm go build: %v", err)
	}
	root, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return fmt.Errorf("go env GOROOT: %v", err)
	}
	// Go 1.24 moved the file from misc/wasm to lib/wasm.
	for _, rel := range []string{"lib/wasm/wasm_exec.js", "misc/wasm/wasm_exec.js"} {
		js, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(root)), filepath.FromSlash(rel)))
		if err == nil {
			return os.WriteFile(filepath.Join(dir, "wasm_exec.js"), js, 0o644)
		}
	}
	return fmt.Errorf("no wasm_exec.js in lib/wasm or misc/wasm under GOROOT %s", strings.TrimSpace(string(root)))
}
