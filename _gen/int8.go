package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/ir"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The int8 kernels: C[m×n] = A[m×k]·W[k×n] in int32, A's uint8 rows lda
// bytes apart, W's int8 weights packed by int8_amd64.go, exact (no
// saturation anywhere). Each kernel computes one column panel of W (nb ≤
// nbMax blocks of one register width of columns) for all m rows: row strips
// of mr rows from the top, the last strip m mod mr rows, each strip one pass
// over the panel's packed weights. The panel's last block is stored through
// a mask (K1 on AVX-512, VPMASKMOVD on AVX2), so exactly n columns of C are
// written.
//
// Packed layout (int8Desc.pack in int8_amd64.go): panels of nbMax blocks
// (the last one nb ≤ nbMax), one after the other; within a panel, for each
// group of depth steps, the nb blocks' columns side by side, each column's
// group of depth steps adjacent (4 int8 for VPDPBUSD, 2 int16 for
// VPMADDWD), depth padded with zero weights to a whole number of units
// (4 steps for VNNI, 8 for AVX2) and columns to whole blocks. A strip reads
// its panel as one contiguous stream.
//
// A's rows are read in whole units, up to 3 (VNNI) or 7 (AVX2) bytes past
// k: those bytes meet zero weights, so they do not change the sums; the Go
// wrapper copies any row whose padded read would leave the slice.

// int8Kern is one int8 panel kernel.
type int8Kern struct {
	name  string // the TEXT symbol
	v     isa    // ymm or zmm
	mr    int    // rows per full strip
	nbMax int    // blocks per full panel
	vex   bool   // VPDPBUSD as raw VEX bytes (AVX-VNNI) instead of EVEX
	exts  string // what the caller's dispatch has checked
}

var (
	int8AVX512  = int8Kern{name: "int8PanelAVX512VNNI", v: avx512, mr: 6, nbMax: 4, exts: "AVX512F + AVX512VNNI"}
	int8AVXVNNI = int8Kern{name: "int8PanelAVXVNNI", v: avx2, mr: 4, nbMax: 3, vex: true, exts: "AVX2 + AVX-VNNI"}
	int8AVX2    = int8Kern{name: "int8PanelAVX2", v: avx2, mr: 4, nbMax: 3, exts: "AVX2"}
)

// The general-purpose register plan of the int8 kernels.
var (
	i8A0    = RAX // A at rows 0..2 of the strip, current depth
	i8A3    = RBX // A at rows 3..5 of the strip, current depth
	i8W     = RDX // packed W, current depth group
	i8Cnt   = RCX // depth units left
	i8C     = RDI // C at the strip's first row
	i8Row   = RSI // C row pointer while storing
	i8Lda   = R8  // lda
	i8Lda3  = R9  // 3·lda
	i8Ldc   = R10 // ldc in bytes
	i8M     = R11 // rows left
	i8Strip = R12 // A at the strip's first row
	i8Mask  = R13 // AVX2 kernels: address of the last block's store mask
)

var int8GPRPlan = []string{
	"  AX = A at rows 0..2, BX = A at rows 3..5 (current depth), R8 = lda, R9 = 3·lda,",
	"  DX = packed W, CX = depth units left, DI = C at the strip's first row,",
	"  SI = C row while storing, R10 = ldc in bytes, R11 = rows left,",
	"  R12 = A at the strip's first row",
}

var int8MaskTab Mem

func genInt8() {
	int8MaskTab = GLOBL("int8Mask", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		v := uint32(0)
		if i < 8 {
			v = 0xffffffff
		}
		DATA(4*i, U32(v))
	}
	genInt8Panel(int8AVX2)
	genInt8Panel(int8AVXVNNI)
	genInt8Panel(int8AVX512)
	genQuant()
}

// vnni reports whether the kernel uses VPDPBUSD (4 depth steps per unit)
// rather than VPMADDWD on int16 weights (8 depth steps per unit).
func (t int8Kern) vnni() bool { return t.vex || t.v.bytes == 64 }

// unitDepth is the depth steps per loop iteration: one VPDPBUSD group, or
// 4 VPMADDWD pairs.
func (t int8Kern) unitDepth() int {
	if t.vnni() {
		return 4
	}
	return 8
}

// blockBytes is the packed bytes of one block for one loop iteration:
// lanes columns × unitDepth steps, int8 (VNNI) or int16 weights.
func (t int8Kern) blockBytes() int {
	if t.vnni() {
		return t.v.lanes() * t.unitDepth()
	}
	return 2 * t.v.lanes() * t.unitDepth()
}

func genInt8Panel(t int8Kern) {
	v := t.v
	TEXT(t.name, NOSPLIT, "func(m, ku, nb, last int, a []uint8, lda int, w []byte, c []int32, ldc int)")
	Pragma("noescape")
	unit := "4 depth steps (one VPDPBUSD group)"
	if !t.vnni() {
		unit = "8 depth steps (4 VPMADDWD pairs)"
	}
	Doc(fmt.Sprintf("%s computes one column panel of an int8 product: for 0 ≤ i < m and", t.name),
		fmt.Sprintf("0 ≤ j < %d·(nb−1)+last, c[i·ldc+j] = Σ_p a[i·lda+p]·W[p, j], W the panel", v.lanes()),
		fmt.Sprintf("of nb ≤ %d blocks of %d columns packed by int8_amd64.go and ku units of", t.nbMax, v.lanes()),
		fmt.Sprintf("%s deep. Rows go in strips of %d; C is overwritten, the", unit, t.mr),
		fmt.Sprintf("last block through a mask of its 1 ≤ last ≤ %d columns. The caller has checked", v.lanes()),
		fmt.Sprintf("%s and guarantees m, ku ≥ 1, that every row i < m has ku·%d bytes", t.exts, t.unitDepth()),
		"from a[i·lda], that w holds the panel and that c spans the m rows written.")
	plan := []string{fmt.Sprintf("Register plan (%s), tile %d rows × nb·%d columns (nb ≤ %d):", t.exts, t.mr, v.lanes(), t.nbMax)}
	switch {
	case v.bytes == 64:
		plan = append(plan,
			"  Z0..Z23 accumulators: row i, block b in Z(4i+b); short strips add sets for",
			"  more dependency chains (int8Sets): one row set s in Z(4s+b), unit u in set",
			"  u mod 4 (nb ≤ 2) or 2; 2..6 rows of one block or 2..3 of two: set 1 in Z(4i+nb+b);",
			"  the sets are summed at the end",
			"  Z24..Z27: the group's weights, block b in Z(24+b); Z28: 4 bytes of A broadcast",
			"  K1 = the low last bits: the last block's columns",
			"Per group and strip: nb loads, mr VPBROADCASTD, mr·nb VPDPBUSD (EVEX).")
	case t.vex:
		plan = append(plan,
			"  Y0..Y11 accumulators: row i, block b in Y(3i+b); short strips add sets for",
			"  more dependency chains (int8Sets): one row set s in Y(3s+b), unit u in set",
			"  u mod 4 (nb ≤ 2) or 2; 2..4 rows of one block: set 1 in Y(3i+1); the sets are",
			"  summed at the end",
			"  Y12..Y14: the group's weights, block b in Y(12+b); Y15: 4 bytes of A broadcast",
			"  Y12 = the last block's store mask at the end (R13 = its address)",
			"Per group and strip: nb loads, mr VPBROADCASTD, mr·nb VPDPBUSD (VEX, written as",
			"bytes: Go's assembler has only the EVEX form, which AVX-VNNI parts lack).")
	default:
		plan = append(plan,
			"  Y0..Y11 accumulators: row i, block b in Y(3i+b); one row uses a second set",
			"  Y(3+b) for odd pairs, added at the end",
			"  Y13: 8 bytes of a row zero-extended to int16, both lanes alike; Y14: one",
			"  pair of them broadcast (VPSHUFD); Y15: the VPMADDWD product (weights are",
			"  memory operands); Y12 = the last block's store mask at the end (R13 = its address)",
			"Per 8 steps and row: VPBROADCASTQ, VPMOVZXBW, 4 VPSHUFD, 4·nb VPMADDWD + VPADDD.",
			"u8·i8 pairs sum to at most 2·255·128 in magnitude: no int16 or int32 overflow.")
	}
	plan = append(plan, int8GPRPlan...)
	Comment(plan...)

	MOVQ(param("m"), i8M)
	MOVQ(param("a_base"), i8Strip)
	MOVQ(param("lda"), i8Lda)
	LEAQ(Mem{Base: i8Lda, Index: i8Lda, Scale: 2}, i8Lda3)
	MOVQ(param("c_base"), i8C)
	MOVQ(param("ldc"), i8Ldc)
	SHLQ(U8(2), i8Ldc)
	MOVQ(param("last"), RCX)
	if v.bytes == 64 {
		Comment("K1 = 2^last − 1: the last block's columns.")
		lowLanes(EAX, K1)
	} else {
		Comment("R13 = &int8Mask[8−last]: last all-ones dwords, then zeros.")
		LEAQ(int8MaskTab.Offset(32), i8Mask)
		SHLQ(U8(2), RCX)
		SUBQ(RCX, i8Mask)
	}
	MOVQ(param("nb"), RAX)
	for nb := 1; nb < t.nbMax; nb++ {
		CMPQ(RAX, Imm(uint64(nb)))
		JEQ(LabelRef(fmt.Sprintf("nb%d", nb)))
	}
	for nb := t.nbMax; nb >= 1; nb-- {
		l := func(s string) string { return fmt.Sprintf("nb%d_%s", nb, s) }
		Label(fmt.Sprintf("nb%d", nb))
		Label(l("strip"))
		CMPQ(i8M, Imm(uint64(t.mr)))
		JLT(LabelRef(l("rest")))
		int8Body(t, t.mr, nb)
		Commentf("Next strip: A %d rows on (C moved on while storing).", t.mr)
		if t.mr == 6 {
			LEAQ(Mem{Base: i8Strip, Index: i8Lda3, Scale: 2}, i8Strip)
		} else {
			LEAQ(Mem{Base: i8Strip, Index: i8Lda, Scale: uint8(t.mr)}, i8Strip)
		}
		SUBQ(Imm(uint64(t.mr)), i8M)
		JMP(LabelRef(l("strip")))
		Label(l("rest"))
		TESTQ(i8M, i8M)
		JEQ(LabelRef("done"))
		for r := 1; r < t.mr-1; r++ {
			CMPQ(i8M, Imm(uint64(r)))
			JEQ(LabelRef(l(fmt.Sprintf("r%d", r))))
		}
		for r := t.mr - 1; r >= 1; r-- {
			Label(l(fmt.Sprintf("r%d", r)))
			int8Body(t, r, nb)
			JMP(LabelRef("done"))
		}
	}
	Label("done")
	VZEROUPPER()
	RET()
}

// int8Row is A's row i of the strip at the current depth, plus disp bytes.
func int8Row(i, disp int) Mem {
	m := Mem{Base: i8A0, Disp: disp}
	if i >= 3 {
		m.Base = i8A3
	}
	switch i % 3 {
	case 1:
		m.Index, m.Scale = i8Lda, 1
	case 2:
		m.Index, m.Scale = i8Lda, 2
	}
	return m
}

// vpdpbusd writes acc += Σ4 u8(bc)·s8(w) per dword lane: the EVEX form
// through Go's assembler (avo v0.5.0 does not list it), or the VEX form as
// bytes.
func vpdpbusd(vex bool, w, bc, acc VecPhysical) {
	if !vex {
		Instruction(&ir.Instruction{Opcode: "VPDPBUSD", Operands: []Op{w, bc, acc},
			Inputs: []Op{w, bc, acc}, Outputs: []Op{acc}})
		return
	}
	// VEX.256.66.0F38.W0 50 /r: C4 [R̄ X̄ B̄ 00010] [W ṽṽṽṽ L pp] 50 ModRM,
	// ModRM.reg = acc, VEX.vvvv = bc (the unsigned source), ModRM.rm = w.
	a, b, s := int(acc.PhysicalIndex()), int(bc.PhysicalIndex()), int(w.PhysicalIndex())
	inv := func(x int) int { return (^x) & 1 }
	bytes := []int{
		0xc4,
		inv(a>>3)<<7 | 1<<6 | inv(s>>3)<<5 | 0x02,
		(^b&0xf)<<3 | 1<<2 | 0x01,
		0x50,
		0xc0 | (a&7)<<3 | s&7,
	}
	Commentf("VPDPBUSD %s, %s, %s (VEX, AVX-VNNI)", w.Asm(), bc.Asm(), acc.Asm())
	for _, x := range bytes {
		Instruction(&ir.Instruction{Opcode: "BYTE", Operands: []Op{U8(x)}})
	}
}

// int8Sets is the number of accumulator sets of a strip of r rows × nb
// blocks: the VNNI kernels give one row 4 sets when nb ≤ 2 (else 2), and
// more rows 2 sets when fewer than 8 chains would remain and row i's slots
// past nb hold them, so that VPDPBUSD's latency (5 cycles, 2 per cycle on
// zmm) is covered; the AVX2 kernel gives one row 2 sets, alternate pairs.
func int8Sets(t int8Kern, r, nb int) int {
	switch {
	case !t.vnni():
		if r == 1 {
			return 2
		}
		return 1
	case r == 1 && nb <= 2:
		return 4
	case r == 1:
		return 2
	case r*nb < 8 && 2*nb <= t.nbMax:
		return 2
	}
	return 1
}

// int8Body writes one strip of r rows × nb blocks: the loop over depth
// units and the stores; C's pointer ends r rows on.
func int8Body(t int8Kern, r, nb int) {
	v := t.v
	sets := int8Sets(t, r, nb)
	// acc is set s's register for row i, block b: set 0 in row i's slots
	// (v.regs[i·nbMax+b]); with one row, set s in row s's slots; with more
	// rows, set 1 in row i's unused slots past nb.
	acc := func(s, i, b int) VecPhysical {
		switch {
		case s == 0:
			return v.regs[i*t.nbMax+b]
		case r == 1:
			return v.regs[s*t.nbMax+b]
		default:
			return v.regs[i*t.nbMax+nb+b]
		}
	}
	wReg := func(b int) VecPhysical { return v.regs[12+b] }
	bc := v.regs[15]
	if v.bytes == 64 {
		wReg = func(b int) VecPhysical { return v.regs[24+b] }
		bc = v.regs[28]
	}
	l := func(s string) string { return fmt.Sprintf("nb%d_r%d_%s", nb, r, s) }
	step := nb * t.blockBytes()

	MOVQ(i8Strip, i8A0)
	if r > 3 {
		LEAQ(Mem{Base: i8Strip, Index: i8Lda3, Scale: 1}, i8A3)
	}
	MOVQ(param("w_base"), i8W)
	MOVQ(param("ku"), i8Cnt)
	for s := 0; s < sets; s++ {
		for i := 0; i < r; i++ {
			for b := 0; b < nb; b++ {
				v.zero(acc(s, i, b))
			}
		}
	}
	// unitBody accumulates one unit at A offset aOff, W offset wOff into set s.
	unitBody := func(s, aOff, wOff int) {
		if t.vnni() {
			for b := 0; b < nb; b++ {
				m := Mem{Base: i8W, Disp: wOff + b*v.bytes}
				if v.bytes == 64 {
					VMOVDQU32(m, wReg(b))
				} else {
					VMOVDQU(m, wReg(b))
				}
			}
			for i := 0; i < r; i++ {
				VPBROADCASTD(int8Row(i, aOff), bc)
				for b := 0; b < nb; b++ {
					vpdpbusd(t.vex, wReg(b), bc, acc(s, i, b))
				}
			}
			return
		}
		ex, pr, prod := Y13, Y14, Y15
		for i := 0; i < r; i++ {
			VPBROADCASTQ(int8Row(i, aOff), ex.AsX())
			VPMOVZXBW(ex.AsX(), ex)
			for q := 0; q < 4; q++ {
				VPSHUFD(U8(0x55*q), ex, pr)
				for b := 0; b < nb; b++ {
					VPMADDWD(Mem{Base: i8W, Disp: wOff + (q*nb+b)*32}, pr, prod)
					ss := s
					if sets == 2 {
						ss = q & 1 // the AVX2 kernel's one row: pairs alternate sets
					}
					VPADDD(prod, acc(ss, i, b), acc(ss, i, b))
				}
			}
		}
	}
	advance := func(units int) {
		ADDQ(Imm(uint64(units*t.unitDepth())), i8A0)
		if r > 3 {
			ADDQ(Imm(uint64(units*t.unitDepth())), i8A3)
		}
		ADDQ(U32(units*step), i8W)
	}
	if sets > 1 && t.vnni() {
		Commentf("%d accumulator sets: unit u goes to set u mod %d, the last ku mod %d units to set 0.", sets, sets, sets)
		CMPQ(i8Cnt, Imm(uint64(sets)))
		JLT(LabelRef(l("tail")))
		Label(l("loopS"))
		for s := 0; s < sets; s++ {
			unitBody(s, s*t.unitDepth(), s*step)
		}
		advance(sets)
		SUBQ(Imm(uint64(sets)), i8Cnt)
		CMPQ(i8Cnt, Imm(uint64(sets)))
		JGE(LabelRef(l("loopS")))
		Label(l("tail"))
		TESTQ(i8Cnt, i8Cnt)
		JEQ(LabelRef(l("sum")))
	}
	Label(l("loop"))
	unitBody(0, 0, 0)
	advance(1)
	DECQ(i8Cnt)
	JNE(LabelRef(l("loop")))
	if sets > 1 {
		Label(l("sum"))
		for s := sets / 2; s >= 1; s /= 2 {
			for u := 0; u < s; u++ {
				for i := 0; i < r; i++ {
					for b := 0; b < nb; b++ {
						VPADDD(acc(u+s, i, b), acc(u, i, b), acc(u, i, b))
					}
				}
			}
		}
	}
	var mask VecPhysical
	if v.bytes == 32 {
		mask = Y12
		VMOVDQU(Mem{Base: i8Mask}, mask)
	}
	MOVQ(i8C, i8Row)
	for i := 0; i < r; i++ {
		for b := 0; b < nb; b++ {
			m := Mem{Base: i8Row, Disp: b * v.bytes}
			switch {
			case b < nb-1 && v.bytes == 64:
				VMOVDQU32(acc(0, i, b), m)
			case b < nb-1:
				VMOVDQU(acc(0, i, b), m)
			case v.bytes == 64:
				VMOVDQU32(acc(0, i, b), K1, m)
			default:
				VPMASKMOVD(acc(0, i, b), mask, m)
			}
		}
		ADDQ(i8Ldc, i8Row)
	}
	MOVQ(i8Row, i8C)
}
