//go:build gc && !purego && !noasm

package ann

import (
	"encoding/binary"

	"github.com/klauspost/cpuid/v2"
)

// The arm64 int8 kernels (int8_arm64.s). Both compute 16 columns at a time
// from panels of packed weights, 4 rows per tile (1 row for m = 1 and the
// rows a 4-row tile leaves over, streaming the weights once). The Go driver
// below copies the last k mod 8 (neon-int8) or k mod 16 (sdot) activations
// of each row into a zero-padded scratch so the assembly never reads past a
// row, and routes the last partial 16-column panel through a scratch tile so
// exactly n values per row are written.

// int8NEON4x16 computes panels 4×16 tiles of C with SMLAL; see int8_arm64.s.
//
//go:noescape
func int8NEON4x16(kg int, a *uint8, lda int, tail *uint8, w *uint8, panels int, c *int32, ldc int)

// int8NEON1x16 computes panels 1×16 tiles of C with SMLAL; see int8_arm64.s.
//
//go:noescape
func int8NEON1x16(kg int, a *uint8, tail *uint8, w *uint8, panels int, c *int32)

// int8SDOT4x16 computes panels 4×16 tiles of C with SDOT; see int8_arm64.s.
//
//go:noescape
func int8SDOT4x16(kg int, a *uint8, lda int, tail *uint8, w *uint8, panels int, c *int32, ldc int)

// int8SDOT1x16 computes panels 1×16 tiles of C with SDOT; see int8_arm64.s.
//
//go:noescape
func int8SDOT1x16(kg int, a *uint8, tail *uint8, w *uint8, panels int, c *int32)

// int8NR is the column width of a packed panel in both arm64 kernels.
const int8NR = 16

var (
	neonInt8 = int8Kernel{name: "neon-int8", set: "neon", pack: packInt8NEON,
		gemm: func(m, n, k int, a []uint8, lda int, packed []byte, c []int32, ldc int) {
			gemmInt8Arm64(false, m, n, k, a, lda, packed, c, ldc)
		}}
	sdotInt8 = int8Kernel{name: "sdot", set: "neon", pack: packInt8SDOT,
		gemm: func(m, n, k int, a []uint8, lda int, packed []byte, c []int32, ldc int) {
			gemmInt8Arm64(true, m, n, k, a, lda, packed, c, ldc)
		}}
)

// archInt8Kernels returns the int8 kernels this CPU can run, best last.
func archInt8Kernels() []*int8Kernel {
	var ks []*int8Kernel
	// ASIMD is mandatory in ARMv8-A but asked for anyway, as archKernels
	// does. The dot product (ARMv8.2 FEAT_DotProd) is optional: cpuid/v2
	// reads it from HWCAP bit 20 (ASIMDDP), which Linux and qemu-user set
	// when the CPU has it.
	if cpuid.CPU.Supports(cpuid.ASIMD) {
		ks = append(ks, &neonInt8)
		if cpuid.CPU.Supports(cpuid.ASIMDDP) {
			ks = append(ks, &sdotInt8)
		}
	}
	return ks
}

// int8Depth returns the depth group of a kernel (8 for neon-int8, 16 for
// sdot) and the bytes of its panel header (the column sums of sdot).
func int8Depth(sdot bool) (ku, hdr int) {
	if sdot {
		return 16, 4 * int8NR
	}
	return 8, 0
}

// int8PanelStride returns the bytes of one packed 16-column panel of depth k.
func int8PanelStride(sdot bool, k int) int {
	ku, hdr := int8Depth(sdot)
	return hdr + (k+ku-1)/ku*ku*int8NR
}

// packInt8NEON packs w (k×n) for neon-int8: panels of 16 columns, in each
// one row of 16 weights per depth step, k padded to a multiple of 8 and the
// columns to 16 with zeros.
func packInt8NEON(w []int8, k, n int) []byte {
	stride := int8PanelStride(false, k)
	panels := (n + int8NR - 1) / int8NR
	out := make([]byte, panels*stride)
	for q := 0; q < panels; q++ {
		panel := out[q*stride : (q+1)*stride]
		for p := 0; p < k; p++ {
			for jj := 0; jj < int8NR && q*int8NR+jj < n; jj++ {
				panel[p*int8NR+jj] = byte(w[p*n+q*int8NR+jj])
			}
		}
	}
	return out
}

// packInt8SDOT packs w (k×n) for sdot: panels of 16 columns, each headed by
// 16 little-endian int32 holding 128·Σ_p w[p][j] (the correction for the
// activations' shift to signed), then per group of 4 depth steps 4 vectors
// of 16 bytes, vector v holding columns 4v..4v+3 as 4 consecutive depth
// steps each. k is padded to a multiple of 16 and the columns to 16, with
// zeros.
func packInt8SDOT(w []int8, k, n int) []byte {
	stride := int8PanelStride(true, k)
	panels := (n + int8NR - 1) / int8NR
	out := make([]byte, panels*stride)
	for q := 0; q < panels; q++ {
		panel := out[q*stride : (q+1)*stride]
		for jj := 0; jj < int8NR && q*int8NR+jj < n; jj++ {
			j := q*int8NR + jj
			var sum int32
			for p := 0; p < k; p++ {
				v := w[p*n+j]
				sum += int32(v)
				panel[4*int8NR+p/4*64+jj*4+p%4] = byte(v)
			}
			binary.LittleEndian.PutUint32(panel[4*jj:], uint32(128*sum))
		}
	}
	return out
}

// gemmInt8Arm64 is the driver of both arm64 kernels (sdot selects which):
// 4-row tiles, then single rows; full 16-column panels straight into C, the
// last partial panel through a scratch tile. It allocates nothing: the
// scratch arrays stay on the stack (the assembly does not let them escape).
func gemmInt8Arm64(sdot bool, m, n, k int, a []uint8, lda int, packed []byte, c []int32, ldc int) {
	if m <= 0 || n <= 0 {
		return
	}
	if k <= 0 {
		for i := 0; i < m; i++ {
			clear(c[i*ldc : i*ldc+n])
		}
		return
	}
	ku, _ := int8Depth(sdot)
	kg, kt := k/ku, k%ku
	stride := int8PanelStride(sdot, k)
	full, rem := n/int8NR, n%int8NR
	panels := (n + int8NR - 1) / int8NR
	// The assembly reads and writes within these bounds only; check them
	// here so a bad call panics in Go instead of touching other memory.
	_ = a[(m-1)*lda+k-1]
	_ = c[(m-1)*ldc+n-1]
	_ = packed[panels*stride-1]

	var tail [4 * 16]byte
	var tile [4 * int8NR]int32
	var tp *uint8
	if kt > 0 {
		tp = &tail[0]
	}
	// fillTail copies the last kt activations of rows i..i+rows−1 into the
	// zero-padded tail scratch, ku bytes per row.
	fillTail := func(i, rows int) {
		for r := 0; r < rows; r++ {
			row := tail[r*ku : (r+1)*ku]
			s := (i+r)*lda + kg*ku
			clear(row[copy(row, a[s:s+kt]):])
		}
	}
	i := 0
	for ; i+4 <= m; i += 4 {
		if kt > 0 {
			fillTail(i, 4)
		}
		if full > 0 {
			if sdot {
				int8SDOT4x16(kg, &a[i*lda], lda, tp, &packed[0], full, &c[i*ldc], ldc)
			} else {
				int8NEON4x16(kg, &a[i*lda], lda, tp, &packed[0], full, &c[i*ldc], ldc)
			}
		}
		if rem > 0 {
			if sdot {
				int8SDOT4x16(kg, &a[i*lda], lda, tp, &packed[full*stride], 1, &tile[0], int8NR)
			} else {
				int8NEON4x16(kg, &a[i*lda], lda, tp, &packed[full*stride], 1, &tile[0], int8NR)
			}
			for r := 0; r < 4; r++ {
				copy(c[(i+r)*ldc+full*int8NR:(i+r)*ldc+n], tile[r*int8NR:])
			}
		}
	}
	for ; i < m; i++ {
		if kt > 0 {
			fillTail(i, 1)
		}
		if full > 0 {
			if sdot {
				int8SDOT1x16(kg, &a[i*lda], tp, &packed[0], full, &c[i*ldc])
			} else {
				int8NEON1x16(kg, &a[i*lda], tp, &packed[0], full, &c[i*ldc])
			}
		}
		if rem > 0 {
			if sdot {
				int8SDOT1x16(kg, &a[i*lda], tp, &packed[full*stride], 1, &tile[0])
			} else {
				int8NEON1x16(kg, &a[i*lda], tp, &packed[full*stride], 1, &tile[0])
			}
			copy(c[i*ldc+full*int8NR:i*ldc+n], tile[:rem])
		}
	}
}
