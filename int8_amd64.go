//go:build gc && !purego && !noasm

package ann

import (
	"encoding/binary"

	"github.com/klauspost/cpuid/v2"
)

// The int8 panel kernels (int8PanelAVX2, int8PanelAVXVNNI,
// int8PanelAVX512VNNI) are generated with avo by the program in _gen:
// int8_amd64.s and their declarations in int8_stubs_amd64.go. This file
// holds their packing, the Go driver around them and the dispatch.
//
//go:generate go run -C _gen . -kernels int8 -out ../int8_amd64.s -stubs ../int8_stubs_amd64.go -pkg ann

// int8Desc describes one panel kernel and its packed layout: blocks of
// lanes columns (one register of int32 sums), panels of up to nbMax blocks,
// depth in units of unit steps (zero weights pad the last unit and the last
// block). Within a panel of nb blocks, unit u holds for each block its
// lanes columns' unit depth steps: VPDPBUSD kernels (wide false) store each
// column's 4 steps as adjacent int8; the AVX2 kernel stores 4 pairs, pair q
// of every block before pair q+1, each column's 2 steps as adjacent int16.
type int8Desc struct {
	lanes, nbMax, unit int
	wide               bool // int16 weights (VPMADDWD) instead of int8 (VPDPBUSD)
	asm                int8Asm
}

// int8Asm names a panel kernel. panel calls it directly rather than
// through a function value, so that the compiler sees its go:noescape and
// gemm's stack buffer stays on the stack.
type int8Asm int

const (
	int8AsmAVX2 int8Asm = iota
	int8AsmAVXVNNI
	int8AsmAVX512VNNI
)

// panel runs d's kernel on one column panel.
func (d *int8Desc) panel(m, ku, nb, last int, a []uint8, lda int, w []byte, c []int32, ldc int) {
	switch d.asm {
	case int8AsmAVX2:
		int8PanelAVX2(m, ku, nb, last, a, lda, w, c, ldc)
	case int8AsmAVXVNNI:
		int8PanelAVXVNNI(m, ku, nb, last, a, lda, w, c, ldc)
	default:
		int8PanelAVX512VNNI(m, ku, nb, last, a, lda, w, c, ldc)
	}
}

// unitBytes is the packed size of one depth unit of one block.
func (d *int8Desc) unitBytes() int {
	if d.wide {
		return 2 * d.lanes * d.unit
	}
	return d.lanes * d.unit
}

// pack lays out the k×n matrix w for d.panel.
func (d *int8Desc) pack(w []int8, k, n int) []byte {
	ku := (k + d.unit - 1) / d.unit
	blocks := (n + d.lanes - 1) / d.lanes
	out := make([]byte, blocks*ku*d.unitBytes())
	for pb := 0; pb < blocks; pb += d.nbMax {
		nb := min(d.nbMax, blocks-pb)
		base := pb * ku * d.unitBytes()
		for p := 0; p < k; p++ {
			u, s := p/d.unit, p%d.unit
			row := w[p*n : p*n+n]
			for b := 0; b < nb; b++ {
				for c := 0; c < d.lanes; c++ {
					j := (pb+b)*d.lanes + c
					if j >= n {
						break
					}
					if d.wide {
						off := base + u*nb*d.unitBytes() + (s/2)*nb*2*2*d.lanes + b*2*2*d.lanes + c*4 + (s%2)*2
						binary.LittleEndian.PutUint16(out[off:], uint16(int16(row[j])))
					} else {
						out[base+u*nb*d.unitBytes()+b*d.unitBytes()+c*d.unit+s] = byte(row[j])
					}
				}
			}
		}
	}
	return out
}

// gemm is the int8Kernel gemm of d: the rows whose padded read (⌈k/unit⌉
// whole units) stays inside a run on a in place, the others (at most the
// last unit−1 rows) one at a time from a zero-padded copy.
func (d *int8Desc) gemm(m, n, k int, a []uint8, lda int, packed []byte, c []int32, ldc int) {
	if m <= 0 || n <= 0 {
		return
	}
	_ = c[(m-1)*ldc+n-1]
	raceInt8(m, n, k, a, lda, packed, c, ldc)
	if k <= 0 {
		for i := 0; i < m; i++ {
			clear(c[i*ldc : i*ldc+n])
		}
		return
	}
	_ = a[(m-1)*lda+k-1]
	ku := (k + d.unit - 1) / d.unit
	blocks := (n + d.lanes - 1) / d.lanes
	_ = packed[blocks*ku*d.unitBytes()-1]
	kp := ku * d.unit
	safe := m
	for safe > 0 && (safe-1)*lda+kp > len(a) {
		safe--
	}
	if safe > 0 {
		d.panels(safe, n, ku, a, lda, packed, c, ldc)
	}
	for i := safe; i < m; i++ {
		var buf [1024]byte
		row := buf[:]
		if kp > len(buf) {
			row = make([]byte, kp)
		}
		copy(row, a[i*lda:i*lda+k])
		d.panels(1, n, ku, row, kp, packed, c[i*ldc:], ldc)
	}
}

// panels runs d.panel on each column panel in turn.
func (d *int8Desc) panels(m, n, ku int, a []uint8, lda int, packed []byte, c []int32, ldc int) {
	blocks := (n + d.lanes - 1) / d.lanes
	off := 0
	for pb := 0; pb < blocks; pb += d.nbMax {
		nb := min(d.nbMax, blocks-pb)
		j0 := pb * d.lanes
		last := min(nb*d.lanes, n-j0) - (nb-1)*d.lanes
		size := nb * ku * d.unitBytes()
		d.panel(m, ku, nb, last, a, lda, packed[off:off+size], c[j0:], ldc)
		off += size
	}
}

func (d *int8Desc) kernel(name, set string) *int8Kernel {
	return &int8Kernel{name: name, set: set, pack: d.pack, gemm: d.gemm}
}

// The three kernels' descriptions; the tile shapes are in the comments of
// the generated kernels: AVX2 and AVX-VNNI 4 rows × 24 columns (12 ymm
// accumulators), AVX-512 VNNI 6 rows × 64 columns (24 zmm accumulators).
var (
	int8AVX2Desc       = int8Desc{lanes: 8, nbMax: 3, unit: 8, wide: true, asm: int8AsmAVX2}
	int8AVXVNNIDesc    = int8Desc{lanes: 8, nbMax: 3, unit: 4, asm: int8AsmAVXVNNI}
	int8AVX512VNNIDesc = int8Desc{lanes: 16, nbMax: 4, unit: 4, asm: int8AsmAVX512VNNI}
)

// archInt8Kernels returns the int8 kernels this CPU can run, best last.
// cpuid/v2 reports AVX2 and AVX-VNNI only when the OS saves the ymm state,
// and AVX512F (and with it AVX512VNNI) only when it saves the zmm and
// opmask state.
func archInt8Kernels() []*int8Kernel {
	var ks []*int8Kernel
	if cpuid.CPU.Supports(cpuid.AVX2) {
		ks = append(ks, int8AVX2Desc.kernel("avx2-int8", "avx2"))
		if cpuid.CPU.Supports(cpuid.AVXVNNI) {
			ks = append(ks, int8AVXVNNIDesc.kernel("avxvnni", "avx2"))
		}
	}
	if cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512VNNI) {
		k := int8AVX512VNNIDesc.kernel("avx512vnni", "avx512")
		k.quantize, k.dequantize, k.rowRange = quantizeRowAVX512, dequantizeRowAVX512, rowRangeAVX512
		k.softmax, k.requantize = softmaxRowAVX512, requantizeRowAVX512
		ks = append(ks, k)
	}
	return ks
}
