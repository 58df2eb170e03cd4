//go:build gc && !purego && !noasm

package ann

// archKernels returns the asm kernels this CPU can run, best last.
// The NEON kernel is not written yet; arm64 runs the generic kernel.
func archKernels() []*gemmKernel { return nil }
