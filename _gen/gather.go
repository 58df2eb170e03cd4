package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// gatherAhead is how many steps ahead the gather kernels prefetch B's
// row: its rows are picked by the list, a pattern the hardware prefetchers
// cannot follow.
const gatherAhead = 8

// skipISA is one form of the zero-column-skipping kernels: a dense layer's
// forward product over the input columns that are not zero in the whole
// batch (gather), its weight gradient over the same columns (scatter), and
// the scan that finds them (orColumns). The forms differ in register width
// and in how the last, partial column strip is masked: opmask registers
// on AVX-512, VMASKMOVPS/VPMASKMOVD vectors on AVX2.
type skipISA struct {
	v isa
	// gatherMax and scatterMax are the most rows of a gather kernel (two
	// accumulators a row) and the most columns of a scatter kernel (two
	// accumulators each, and a general register for the column's offset).
	gatherMax, scatterMax int
	// gb and sb: the first of the two registers holding B's row in the
	// gather and in the scatter kernels; a: the first of the two
	// alternating broadcasts; mask, on AVX2, the first of the scatter
	// kernels' two column masks.
	gb, sb, a, mask int
	// exts is what the caller's dispatch has checked.
	exts string
}

var (
	skip512 = skipISA{v: avx512, gatherMax: 12, scatterMax: 8, gb: 24, sb: 24, a: 26, exts: "AVX512F, BMI2, POPCNT"}
	skip256 = skipISA{v: avx2, gatherMax: 6, scatterMax: 5, gb: 12, sb: 10, a: 14, mask: 12, exts: "AVX2 + FMA3"}
)

func (s skipISA) masked() bool { return s.v.bytes == 32 }

// nr is the width of a column strip: two registers.
func (s skipISA) nr() int { return 2 * s.v.lanes() }

// genSkipAll writes every form's gather and scatter kernels and scan.
func genSkipAll() {
	for _, s := range []skipISA{skip512, skip256} {
		for r := 1; r <= s.gatherMax; r++ {
			genGather(s, r)
		}
		for r := 1; r <= s.scatterMax; r++ {
			genScatter(s, r)
		}
		genOrColumns(s)
	}
}

// genGather writes sgemmGather<r>x<nr><ISA>: a dense layer's forward
// product over only the input columns that are not zero in the whole batch
// (most pixels of a batch of MNIST digits are 0 in every image). The A
// elements of those columns are read in place through the index list, and
// so are B's rows: neither is copied, unlike a product on a compacted
// batch, whose copy of the weights' rows cost as much as the multiply-adds
// it saved at batch 10.
func genGather(s skipISA, r int) {
	v, nr := s.v, s.nr()
	name := fmt.Sprintf("sgemmGather%dx%d%s", r, nr, v.name)
	TEXT(name, NOSPLIT, "func(q int, idx []int32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s computes C[%d×%d] = Σ_t A[0:%d, idx[t]] ⊗ B[idx[t], 0:%d] over", name, r, nr, r, nr),
		"t < q, A's rows lda floats apart, B's ldb, C's ldc, overwriting C: each",
		"element one FMA chain over t ascending from zero, so over the columns of A",
		"that are not zero everywhere it has the bits of the chain over all of them",
		"whenever those rows of B are finite. The caller guarantees q ≥ 1,",
		fmt.Sprintf("len(idx) ≥ q, idx[q..q+%d) readable too (it prefetches B's row idx[t+%d]),", gatherAhead, gatherAhead),
		"0 ≤ idx[t] ≤ idx[q−1] for all of them, with A's column and B's row idx[q−1]",
		fmt.Sprintf("within a and b (%d rows of A, %d columns of B), and c spanning", r, nr),
		fmt.Sprintf("%d·ldc+%d elements.", r-1, nr))
	bLo, bHi := v.regs[s.gb], v.regs[s.gb+1]
	Commentf("Register plan (%s, checked by the caller's dispatch):", s.exts)
	Commentf("  %s: row i of C in %s(2i) (columns 0..%d) and %s(2i+1) (%d..%d)", v.span(0, 2*r-1),
		v.reg(0)[:1], v.lanes()-1, v.reg(0)[:1], v.lanes(), nr-1)
	Commentf("  %s, %s: B's row idx[t]; %s, %s: A broadcasts, alternating rows", bLo.Asm(), bHi.Asm(), v.reg(s.a), v.reg(s.a+1))
	Comment("  CX = steps left, R8 = &idx[t], AX = idx[t] and then its row's offset in B,",
		fmt.Sprintf("  then that of row idx[t+%d], prefetched", gatherAhead),
		"  SI = A, R9 = A at column idx[t], R13/R14 = the same at rows 4/8,",
		"  R10 = lda, R12 = 3·lda, R11 = ldb, DX = ldc (bytes), BX = B, DI = C")
	MOVQ(param("q"), RCX)
	MOVQ(param("idx_base"), R8)
	MOVQ(param("a_base"), RSI)
	MOVQ(param("lda"), R10)
	MOVQ(param("b_base"), RBX)
	MOVQ(param("ldb"), R11)
	MOVQ(param("c_base"), RDI)
	MOVQ(param("ldc"), RDX)
	SHLQ(U8(2), R10)
	LEAQ(Mem{Base: R10, Index: R10, Scale: 2}, R12)
	SHLQ(U8(2), R11)
	SHLQ(U8(2), RDX)
	for i := 0; i < 2*r; i++ {
		v.zero(v.regs[i])
	}
	from := func(base Register) []Mem {
		return []Mem{{Base: base}, {Base: base, Index: R10, Scale: 1}, {Base: base, Index: R10, Scale: 2}, {Base: base, Index: R12, Scale: 1}}
	}
	aAddr := append(append(from(R9), from(R13)...), from(R14)...)
	Label("loop")
	MOVLQSX(Mem{Base: R8}, RAX)
	LEAQ(Mem{Base: RSI, Index: RAX, Scale: 4}, R9)
	if r > 4 {
		LEAQ(Mem{Base: R9, Index: R10, Scale: 4}, R13)
	}
	if r > 8 {
		LEAQ(Mem{Base: R9, Index: R10, Scale: 8}, R14)
	}
	IMULQ(R11, RAX)
	VMOVUPS(Mem{Base: RBX, Index: RAX, Scale: 1}, bLo)
	VMOVUPS(Mem{Base: RBX, Index: RAX, Scale: 1, Disp: v.bytes}, bHi)
	MOVLQSX(Mem{Base: R8, Disp: 4 * gatherAhead}, RAX)
	IMULQ(R11, RAX)
	Comment("The strip's first and last bytes: both its cache lines even when unaligned.")
	PREFETCHT0(Mem{Base: RBX, Index: RAX, Scale: 1})
	PREFETCHT0(Mem{Base: RBX, Index: RAX, Scale: 1, Disp: 2*v.bytes - 1})
	for i := 0; i < r; i++ {
		a := v.regs[s.a+i%2]
		VBROADCASTSS(aAddr[i], a)
		VFMADD231PS(bLo, a, v.regs[2*i])
		VFMADD231PS(bHi, a, v.regs[2*i+1])
	}
	ADDQ(Imm(4), R8)
	DECQ(RCX)
	JNE(LabelRef("loop"))
	for i := 0; i < r; i++ {
		VMOVUPS(v.regs[2*i], Mem{Base: RDI})
		VMOVUPS(v.regs[2*i+1], Mem{Base: RDI, Disp: v.bytes})
		if i < r-1 {
			ADDQ(RDX, RDI)
		}
	}
	VZEROUPPER()
	RET()
}

// scatterOffs are the registers of the scatter kernels' column offsets.
var scatterOffs = []GPPhysical{RAX, RDI, R9, R10, R11, R12, R13, R14}

// genScatter writes sgemmScatter<r>x<nr><ISA>: the weight gradient Xᵀ·dY of
// a dense layer for r of the input columns that are not zero in the whole
// batch, each written to its own row of C, over all of C's columns in
// strips of nr in one call (the columns' offsets stay in registers; at
// batch 10 a strip is only 10 steps). The rows of the other columns are
// zero: the caller clears them instead of computing them.
func genScatter(s skipISA, r int) {
	v, nr := s.v, s.nr()
	name := fmt.Sprintf("sgemmScatter%dx%d%s", r, nr, v.name)
	TEXT(name, NOSPLIT, "func(k int, rows []int32, x []float32, ldx int, b []float32, ldb int, c []float32, ldc, n int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s computes C[rows[i], 0:n] = Σ_p X[p, rows[i]]·B[p, 0:n]", name),
		fmt.Sprintf("for i < %d and p < k, X's rows ldx floats apart, B's ldb, C's ldc,", r),
		"overwriting those elements of C: each one FMA chain over p ascending from",
		"zero, the arithmetic of the strip kernel's Xᵀ·B. The columns go in strips",
		fmt.Sprintf("of %d, B and C read and written through masks: nothing past column n is", nr),
		fmt.Sprintf("touched. The caller guarantees k ≥ 1, n ≥ 1, len(rows) ≥ %d, 0 ≤ rows[i] ≤", r),
		fmt.Sprintf("rows[%d], x spanning (k−1)·ldx+rows[%d]+1 elements, b (k−1)·ldb+n and c", r-1, r-1),
		fmt.Sprintf("rows[%d]·ldc+n.", r-1))
	offs := scatterOffs[:r]
	var names []string
	for _, o := range offs {
		names = append(names, o.Asm())
	}
	bLo, bHi := v.regs[s.sb], v.regs[s.sb+1]
	colB, left, ldcB := AllocLocal(8), AllocLocal(8), AllocLocal(8)
	Commentf("Register plan (%s, checked by the caller's dispatch):", s.exts)
	Commentf("  %s: C's row rows[i] in %s(2i) (columns 0..%d) and %s(2i+1) (%d..%d)", v.span(0, 2*r-1),
		v.reg(0)[:1], v.lanes()-1, v.reg(0)[:1], v.lanes(), nr-1)
	Commentf("  %s, %s: B's row p; %s, %s: X broadcasts, alternating rows", bLo.Asm(), bHi.Asm(), v.reg(s.a), v.reg(s.a+1))
	var lo, hi Op = K1, K2
	if s.masked() {
		lo, hi = v.regs[s.mask], v.regs[s.mask+1]
	}
	Commentf("  %s, %s: the strip's columns below n, each half (loads of B, stores of C)", lo.Asm(), hi.Asm())
	Commentf("  %v = 4·rows[i], the columns' offsets in X's rows", names)
	Comment("  SI = X's row p, BX = B's row p, DX = ldx, R8 = ldb (bytes), CX = steps left;",
		"  at a strip's end SI = C at the strip, BX = rows, CX = a row's offset in C",
		"  locals: the strip's offset in bytes, the columns left, ldc in bytes")
	MOVQ(param("rows_base"), RBX)
	for i, o := range offs {
		MOVLQSX(Mem{Base: RBX, Disp: 4 * i}, o)
		SHLQ(U8(2), o)
	}
	MOVQ(param("ldx"), RDX)
	MOVQ(param("ldb"), R8)
	SHLQ(U8(2), RDX)
	SHLQ(U8(2), R8)
	MOVQ(param("ldc"), RCX)
	SHLQ(U8(2), RCX)
	MOVQ(RCX, ldcB)
	MOVQ(param("n"), RCX)
	MOVQ(RCX, left)
	MOVQ(U32(0), colB)
	Label("strip")
	Commentf("The masks: lanes below min(left, %d).", nr)
	MOVQ(left, RCX)
	MOVL(U32(uint64(nr)), ESI)
	CMPQ(RCX, RSI)
	CMOVQGT(RSI, RCX)
	if s.masked() {
		laneMasks256(ECX, v.regs[s.mask], v.regs[s.mask+1])
	} else {
		laneMasks512(RSI)
	}
	for i := 0; i < 2*r; i++ {
		v.zero(v.regs[i])
	}
	MOVQ(param("x_base"), RSI)
	MOVQ(param("b_base"), RBX)
	ADDQ(colB, RBX)
	MOVQ(param("k"), RCX)
	load := func(m Mem, mask Op, dst VecPhysical) {
		if s.masked() {
			VMASKMOVPS(m, mask, dst)
		} else {
			VMOVUPS_Z(m, mask, dst)
		}
	}
	store := func(src VecPhysical, mask Op, m Mem) {
		if s.masked() {
			VMASKMOVPS(src, mask, m)
		} else {
			VMOVUPS(src, mask, m)
		}
	}
	Label("loop")
	load(Mem{Base: RBX}, lo, bLo)
	load(Mem{Base: RBX, Disp: v.bytes}, hi, bHi)
	for i, o := range offs {
		a := v.regs[s.a+i%2]
		VBROADCASTSS(Mem{Base: RSI, Index: o, Scale: 1}, a)
		VFMADD231PS(bLo, a, v.regs[2*i])
		VFMADD231PS(bHi, a, v.regs[2*i+1])
	}
	ADDQ(RDX, RSI)
	ADDQ(R8, RBX)
	DECQ(RCX)
	JNE(LabelRef("loop"))
	MOVQ(param("c_base"), RSI)
	ADDQ(colB, RSI)
	MOVQ(param("rows_base"), RBX)
	for i := 0; i < r; i++ {
		MOVLQSX(Mem{Base: RBX, Disp: 4 * i}, RCX)
		IMULQ(ldcB, RCX)
		store(v.regs[2*i], lo, Mem{Base: RSI, Index: RCX, Scale: 1})
		store(v.regs[2*i+1], hi, Mem{Base: RSI, Index: RCX, Scale: 1, Disp: v.bytes})
	}
	ADDQ(U32(uint64(4*nr)), colB)
	SUBQ(U32(uint64(nr)), left)
	JG(LabelRef("strip"))
	VZEROUPPER()
	RET()
}

// genOrColumns writes orColumns<ISA>, which ORs the bits of every row of a
// matrix into one vector: an element of the result is ±0 exactly when its
// column holds only ±0.
func genOrColumns(s skipISA) {
	v, w := s.v, s.v.lanes()
	name := "orColumns" + v.name
	TEXT(name, NOSPLIT, "func(rows, k int, x []float32, ldx int, acc []float32)")
	Pragma("noescape")
	Doc(name+" sets the bits of acc[j] to the OR of those of x[i·ldx+j],",
		"i < rows, for j < k: acc[j] compares equal to 0 exactly when column j of x",
		"holds only +0 and −0 (NaN is not 0). The caller guarantees rows ≥ 1, k ≥ 1,",
		"len(acc) ≥ k and x spanning (rows−1)·ldx+k elements; nothing else is read.")
	tailMask := Op(K1)
	if s.masked() {
		tailMask = v.regs[5]
	}
	Commentf("Register plan (%s, checked by the caller's dispatch):", s.exts)
	Commentf("  %s = four %d-float chunks of acc being ORed; %s = a loaded chunk;", v.span(0, 3), w, v.reg(4))
	Commentf("  %s = the tail's lanes", tailMask.Asm())
	Comment("  SI = x at the current row and chunk, DI = acc at the chunk, R8 = ldx in",
		"  bytes, CX = rows left, DX = floats left in the row, BX = rows",
		fmt.Sprintf("Chunks of %d columns run down all the rows before the next, then %d-column", 4*w, w),
		"chunks, then the masked tail, so acc is read and written once.")
	MOVQ(param("rows"), RBX)
	MOVQ(param("k"), RDX)
	MOVQ(param("x_base"), R9)
	MOVQ(param("ldx"), R8)
	MOVQ(param("acc_base"), RDI)
	SHLQ(U8(2), R8)
	or := func(m Mem, dst VecPhysical, masked bool) {
		switch {
		case !masked && s.masked():
			VPOR(m, dst, dst)
		case !masked:
			VPORD(m, dst, dst)
		case s.masked():
			VPMASKMOVD(m, tailMask, v.regs[4])
			VPOR(v.regs[4], dst, dst)
		default:
			VPORD(m, dst, K1, dst)
		}
	}
	put := func(src VecPhysical, m Mem, masked bool) {
		switch {
		case !masked:
			VMOVUPS(src, m)
		case s.masked():
			VPMASKMOVD(src, tailMask, m)
		default:
			VMOVUPS(src, K1, m)
		}
	}
	chunk := func(regs int, label string, masked bool) {
		for j := 0; j < regs; j++ {
			v.zero(v.regs[j])
		}
		MOVQ(R9, RSI)
		MOVQ(RBX, RCX)
		Label(label)
		for j := 0; j < regs; j++ {
			or(Mem{Base: RSI, Disp: v.bytes * j}, v.regs[j], masked)
		}
		ADDQ(R8, RSI)
		DECQ(RCX)
		JNE(LabelRef(label))
		for j := 0; j < regs; j++ {
			put(v.regs[j], Mem{Base: RDI, Disp: v.bytes * j}, masked)
		}
	}
	Label("wide")
	CMPQ(RDX, Imm(uint64(4*w)))
	JLT(LabelRef("one"))
	chunk(4, "rowsWide", false)
	ADDQ(U32(uint64(4*v.bytes)), R9)
	ADDQ(U32(uint64(4*v.bytes)), RDI)
	SUBQ(Imm(uint64(4*w)), RDX)
	JMP(LabelRef("wide"))
	Label("one")
	CMPQ(RDX, Imm(uint64(w)))
	JLT(LabelRef("tail"))
	chunk(1, "rowsOne", false)
	ADDQ(U32(uint64(v.bytes)), R9)
	ADDQ(U32(uint64(v.bytes)), RDI)
	SUBQ(Imm(uint64(w)), RDX)
	JMP(LabelRef("one"))
	Label("tail")
	TESTQ(RDX, RDX)
	JEQ(LabelRef("done"))
	if s.masked() {
		laneMasks256(EDX, v.regs[5], nil)
	} else {
		MOVQ(RDX, RCX)
		lowLanes(EAX, K1)
	}
	chunk(1, "rowsTail", true)
	Label("done")
	VZEROUPPER()
	RET()
}
