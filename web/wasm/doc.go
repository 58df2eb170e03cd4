// Command wasm is the Playground page's engine: the ann library compiled to
// WebAssembly (GOOS=js GOARCH=wasm), training a network in the browser tab.
// JavaScript only wires the controls and draws; every number it shows comes
// from these functions, which main installs on the global object:
//
//	annReset(configJSON) → JSON {train, test, network, stats} or {error}
//	annStep(epochs)      → JSON {epoch, step, trainLoss, testLoss} or {error}
//	annGrid(n)           → Float32Array of the output on an n×n grid over
//	                       −6..6, top row first (or a JSON {error} string)
//	annNeurons(n)        → Float32Array of every node's output on that grid,
//	                       features, hidden units, output, n² values each
//	annWeights()         → JSON {layers: [{w: [[from][to]], b}]}
//	annSetWeight(l, i, j, v) sets one weight; → the new annWeights()
//	annThumbnail(name)   → JSON [[x1, x2, target]…]: 200 points, no noise
//	annModel()           → Uint8Array: the network in ann's model format
//
// Build it with `go generate ./cmd/ann`, which also copies Go's
// wasm_exec.js next to it; `ann playground -serve ADDR` serves the page.
package main
