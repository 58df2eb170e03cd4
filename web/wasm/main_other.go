//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// main explains the build: this package only makes sense as WebAssembly,
// but it builds everywhere so that `go build ./...` and `go vet ./...` on
// any platform check the session code it shares with the browser build.
func main() {
	fmt.Fprintln(os.Stderr, "web/wasm is the Playground page's WebAssembly module: build it with GOOS=js GOARCH=wasm (go generate ./cmd/ann does)")
	os.Exit(2)
}
