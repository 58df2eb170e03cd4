//go:build (!amd64 && !arm64) || !gc || purego || noasm

package ann

// archKernels returns no kernel: builds without assembly run genericKernel,
// which is always in the dispatch table (gemm.go). This file's tag line is
// the exact complement of the asm files'; it must stay free of CPU checks.
func archKernels() []*gemmKernel { return nil }

// archInt8Kernels returns no kernel for the same builds: quantized networks
// run genericInt8 (int8.go).
func archInt8Kernels() []*int8Kernel { return nil }
