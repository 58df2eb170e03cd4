//go:build gc && !purego && !noasm

package ann

// archInt8Kernels returns the int8 kernels this CPU can run, best last.
func archInt8Kernels() []*int8Kernel {
	return nil
}
