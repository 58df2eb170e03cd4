package ann

// The int8 kernels: products of uint8 activations and int8 weights summed in
// int32, the inner loop of a quantized network. Every kernel computes the
// same integers as the Go reference below, exactly: there is no rounding in
// integer arithmetic, so the sweep tests compare for equality.

import "os"

// An int8Kernel multiplies uint8 activations by int8 weights packed in the
// layout it reads.
//
// pack lays out the k×n weight matrix w (row-major, w[p·n+j]) for gemm and
// returns the packed bytes; the layout is the kernel's own (padding, column
// blocks, groups of depth steps), so weights are packed once per kernel when
// a network is quantized and a packed matrix is only given to the kernel
// that packed it.
//
// gemm computes, for 0 ≤ i < m and 0 ≤ j < n,
//
//	c[i·ldc+j] = Σ_{p<k} int32(a[i·lda+p]) · int32(w[p·n+j])
//
// exactly, overwriting c. The caller keeps k ≤ maxInt8Depth so that no sum
// can overflow int32. a, packed and c need no alignment.
//
// quantize, dequantize, rowRange and softmax are the row operations around
// the products: vector kernels with the result bits of the Go loops
// quantizeRow, dequantizeRow, rowRange (quantize.go) and softmaxRow32
// (quantize_softmax.go), or those loops themselves (see withGoRows).
// requantize, when set, is dequantizeRow, ReLU or the identity, and
// quantizeRow in one pass (a hidden layer under static quantization), with
// the same bits.
type int8Kernel struct {
	name string
	set  string // the float kernel set whose registers it uses (see chooseInt8)
	pack func(w []int8, k, n int) []byte
	gemm func(m, n, k int, a []uint8, lda int, packed []byte, c []int32, ldc int)

	quantize   func(out []uint8, v []float32, inv float32, zero int32) bool
	dequantize func(z []float32, acc []int32, ws, bias []float32, cs []int32, sx float32, zp int32)
	rowRange   func(v []float32) (lo, hi float32)
	softmax    func(x, y []float32)
	requantize func(out []uint8, acc []int32, ws, bias []float32, cs []int32, sx float32, zp int32, relu bool, inv float32, zero int32) bool
}

// maxInt8Depth bounds the depth of an int8 product: 255·128·k must stay
// below 2³¹ for every partial sum a kernel may form.
const maxInt8Depth = (1<<31 - 1) / (255 * 128)

// The int8 dispatch table. int8Kernels lists every int8 kernel this CPU and
// build can run, generic first, best last; activeInt8 is the one quantized
// networks use. archInt8Kernels (beside archKernels) is the only code that
// asks the CPU. ANN_KERNEL chooses with the float kernels (see
// chooseInt8), or names an int8 kernel directly (as Int8Kernels lists
// them), for tests.
var (
	int8Kernels = []*int8Kernel{&genericInt8}
	activeInt8  = &genericInt8
)

func init() {
	int8Kernels = append(int8Kernels, archInt8Kernels()...)
	for _, k := range int8Kernels {
		k.withGoRows()
	}
	activeInt8 = chooseInt8(os.Getenv("ANN_KERNEL"))
}

// withGoRows gives k the Go loops for the row operations it has no vector
// kernel for, so callers never ask which it has (requantize stays
// optional: without it the caller runs the three steps it fuses).
func (k *int8Kernel) withGoRows() {
	if k.quantize == nil {
		k.quantize = quantizeRow
	}
	if k.dequantize == nil {
		k.dequantize = dequantizeRow
	}
	if k.rowRange == nil {
		k.rowRange = rowRange
	}
	if k.softmax == nil {
		k.softmax = softmaxRow32
	}
}

// int8Width is the widest vector register each int8 kernel uses, by the
// name of the float kernel set of that width; a kernel set not listed
// here counts as the widest.
var int8Width = map[string]int{"generic": 0, "avx2": 256, "neon": 128}

// chooseInt8 returns the int8 kernel for the ANN_KERNEL value name: the
// best kernel for "" or an unknown name; the named int8 kernel; or, for a
// float kernel set, the best int8 kernel that uses no wider registers than
// that set (ANN_KERNEL=avx2, the switch for CPUs that slow down under zmm
// load, keeps the int8 kernels off zmm too; generic selects generic).
func chooseInt8(name string) *int8Kernel {
	for _, k := range int8Kernels {
		if k.name == name {
			return k
		}
	}
	limit, isSet := int8Width[name]
	best := int8Kernels[len(int8Kernels)-1]
	if !isSet {
		return best
	}
	for _, k := range int8Kernels {
		if w, ok := int8Width[k.set]; (ok && w <= limit) || k == &genericInt8 {
			best = k
		}
	}
	return best
}

// Int8Kernel returns the name of the int8 kernel quantized networks use:
// the best the CPU supports unless ANN_KERNEL chose another.
func Int8Kernel() string { return activeInt8.name }

// Int8Kernels returns the names of the int8 kernels this CPU and build can
// run, "generic" first.
func Int8Kernels() []string {
	names := make([]string, len(int8Kernels))
	for i, k := range int8Kernels {
		names[i] = k.name
	}
	return names
}

// useInt8Kernel makes the named int8 kernel active and returns a function
// that restores the previous one; for tests, which must not run quantized
// inference concurrently with it.
func useInt8Kernel(name string) (undo func(), ok bool) {
	prev := activeInt8
	for _, k := range int8Kernels {
		if k.name == name {
			activeInt8 = k
			return func() { activeInt8 = prev }, true
		}
	}
	return func() {}, false
}

// genericInt8 is the reference every int8 kernel is tested against; its
// packed layout is w itself.
var genericInt8 = int8Kernel{
	name: "generic",
	set:  "generic",
	pack: func(w []int8, k, n int) []byte {
		out := make([]byte, k*n)
		for i, v := range w[:k*n] {
			out[i] = byte(v)
		}
		return out
	},
	gemm: gemmInt8Generic,
}

func gemmInt8Generic(m, n, k int, a []uint8, lda int, packed []byte, c []int32, ldc int) {
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		clear(ci)
		ai := a[i*lda : i*lda+k]
		for p, av := range ai {
			if av == 0 {
				continue
			}
			x := int32(av)
			wp := packed[p*n : p*n+n]
			for j, w := range wp {
				ci[j] += x * int32(int8(w))
			}
		}
	}
}
