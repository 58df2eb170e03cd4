//go:build gc && !purego && !noasm && linux

package ann

import (
	"encoding/binary"
	"math/rand/v2"
	"os"
	"slices"
	"syscall"
	"testing"
	"unsafe"

	"github.com/klauspost/cpuid/v2"
)

// auxvHWCAP reads AT_HWCAP from /proc/self/auxv, independently of cpuid (and
// of qemu-user, which fills the auxiliary vector from its CPU model).
func auxvHWCAP(t *testing.T) uint64 {
	t.Helper()
	buf, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		t.Skipf("no auxiliary vector: %v", err)
	}
	const atHWCAP = 16
	for ; len(buf) >= 16; buf = buf[16:] {
		if binary.LittleEndian.Uint64(buf) == atHWCAP {
			return binary.LittleEndian.Uint64(buf[8:])
		}
	}
	t.Skip("AT_HWCAP not in the auxiliary vector")
	return 0
}

// TestInt8ArmKernelsDetected fails when the int8 kernels listed disagree with
// what the kernel reports of the CPU: neon-int8 needs only ASIMD (mandatory),
// sdot exactly when HWCAP has ASIMDDP (bit 20). qemu's default CPU model has
// the dot product, so under qemu both kernels must be swept; on a core
// without it (Cortex-A53) sdot must stay out of the list, not SIGILL.
func TestInt8ArmKernelsDetected(t *testing.T) {
	const hwcapASIMD, hwcapASIMDDP = 1 << 1, 1 << 20
	hw := auxvHWCAP(t)
	names := Int8Kernels()
	t.Logf("AT_HWCAP %#x, cpuid ASIMDDP %v, int8 kernels %v", hw, cpuid.CPU.Supports(cpuid.ASIMDDP), names)
	if want := hw&hwcapASIMD != 0; slices.Contains(names, "neon-int8") != want {
		t.Errorf("neon-int8 listed = %v, HWCAP ASIMD = %v", !want, want)
	}
	if want := hw&hwcapASIMDDP != 0; slices.Contains(names, "sdot") != want {
		t.Errorf("sdot listed = %v, HWCAP ASIMDDP = %v", !want, want)
	}
}

// guardedBytes returns a slice of n elements of size bytes each whose last
// element ends exactly where a PROT_NONE page begins, so a kernel reading
// or writing one element past it faults.
func guardedBytes(t *testing.T, n, size int) []byte {
	t.Helper()
	page := os.Getpagesize()
	bytes := n * size
	span := (bytes+page-1)/page*page + page
	mem, err := syscall.Mmap(-1, 0, span, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[span-page:], syscall.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	return mem[span-page-bytes : span-page]
}

// TestInt8KernelsStayInBounds runs every int8 kernel with A, the packed
// weights and C each ending right before an unmapped page, with lda = k and
// ldc = n (no slack): a kernel that reads a row's k tail as a full vector,
// reads past its packed panels or writes a 16-column tile over the last
// partial one crashes the test.
func TestInt8KernelsStayInBounds(t *testing.T) {
	forEachInt8Kernel(t, func(t *testing.T, kern *int8Kernel) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, s := range [][3]int{{1, 1, 1}, {1, 17, 9}, {4, 16, 16}, {5, 21, 37}, {3, 300, 100}, {6, 10, 300}, {1, 300, 784}, {9, 33, 23}} {
			m, n, k := s[0], s[1], s[2]
			a := guardedBytes(t, m*k, 1)
			for i := range a {
				a[i] = uint8(rng.IntN(256))
			}
			w := make([]int8, k*n)
			for i := range w {
				w[i] = int8(rng.IntN(256) - 128)
			}
			p := kern.pack(w, k, n)
			packed := guardedBytes(t, len(p), 1)
			copy(packed, p)
			cb := guardedBytes(t, m*n, 4)
			cg := unsafe.Slice((*int32)(unsafe.Pointer(&cb[0])), m*n) // page-aligned end, so 4-byte aligned
			c := make([]int32, m*n)
			kern.gemm(m, n, k, a, k, packed, cg, n)
			gemmInt8Generic(m, n, k, a, k, genericInt8.pack(w, k, n), c, n)
			if !slices.Equal(cg, c) {
				t.Fatalf("%s m=%d n=%d k=%d: guarded result differs from the reference", kern.name, m, n, k)
			}
		}
	})
}

// TestInt8KernelsAllocateNothing: quantized PredictInto promises 0
// allocations, so the kernels' scratch (k tail, partial C tile) must stay on
// the stack.
func TestInt8KernelsAllocateNothing(t *testing.T) {
	forEachInt8Kernel(t, func(t *testing.T, kern *int8Kernel) {
		const m, n, k = 5, 21, 37
		a := make([]uint8, m*k)
		packed := kern.pack(make([]int8, k*n), k, n)
		c := make([]int32, m*n)
		if allocs := testing.AllocsPerRun(10, func() { kern.gemm(m, n, k, a, k, packed, c, n) }); allocs != 0 {
			t.Fatalf("%s gemm allocates %v times per call", kern.name, allocs)
		}
	})
}
