// Package ann trains and runs dense neural networks in pure Go.
//
// Everything runs through one float32 matrix multiply, [Sgemm], which uses
// hand-written AVX2/FMA kernels on amd64 and NEON kernels on arm64, chosen
// once at start-up from the CPU's features, with plain-Go kernels everywhere
// else. The build tags noasm and purego force the Go kernels.
package ann
