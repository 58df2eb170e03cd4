package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// aPtr8 is the A pointer of row 8 in the 8+t-row kernels.
var aPtr8 = R14

// rows8PlusName is the name of the kernel computing 8+t rows.
func rows8PlusName(t int) string { return fmt.Sprintf("sgemmKernel%dx32RowsAVX512", 8+t) }

// genRows8Plus writes the AVX-512 rows kernel for 8+t rows (t = 1, 2 or
// 4): sgemmKernel8x32RowsAVX512 on rows 0..7 and the t-row kernel of
// genRows on rows 8..8+t−1 in one pass over k, B's row loaded once for all
// of them. Each row gets exactly the arithmetic of the kernel it fuses —
// one FMA chain for rows 0..7, the t-row kernel's accumulator sets for the
// others (step p of an iteration of max(sets, 2) steps into set p mod
// sets, single steps past the last iteration into set 0, the sets summed
// pairwise) — so the result has the bits of the two calls it replaces,
// whatever rows a caller groups. At batch 10 the two calls (8 rows, then
// 2 at half the FMA rate) took a third of a forward product's time for a
// fifth of its rows.
func genRows8Plus(t int) {
	v := avx512
	r := 8 + t
	name := rows8PlusName(t)
	TEXT(name, NOSPLIT, "func(k int, a []float32, rs, ss int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32, pf int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s computes C[%d×32] = alpha·(A[%d×k]·B[k×32]) + beta·C,", name, r, r),
		"A's element (i, p) at a[i·rs+p·ss] (A in place or a packed strip), B's rows ldb",
		"apart, C's ldc apart, beta == 0 (either sign) not reading C. Rows 0..7 get the",
		fmt.Sprintf("arithmetic of sgemmKernel8x32RowsAVX512 and rows 8..%d that of %s,", r-1, rowsName(v, t)),
		"bit for bit: it is those two calls fused, B's row loaded once. The caller",
		"guarantees k ≥ 1 and that a spans (r−1)·rs+(k−1)·ss+1 elements, b (k−1)·ldb+32",
		"and c (r−1)·ldc+32. pf, when not 0, is the distance in floats to the same rows",
		"of the column strip run next, which it prefetches into L2 (see",
		"gemmJob.prefetchDistance).")
	sets := max(4/t, 1)
	steps := max(sets, 2)
	Comment("Register plan (AVX512F, checked by the caller's dispatch):",
		"  Z0..Z15: rows 0..7, row i in Z(2i) (columns 0..15) and Z(2i+1) (16..31)",
		fmt.Sprintf("  Z16..Z23: rows 8..%d in %d set(s): row 8+i of set s in Z(16+2(s·%d+i)), +1", r-1, sets, t),
		"  Z24, Z25: B's row; Z26, Z27: A broadcasts, alternating rows; Z26 = alpha and",
		"  Z31 = beta in the epilogue",
		"  "+gemmGPRPlan+",",
		"  R10 = rs, R11 = ss, R12 = 3·rs (bytes), R13/R14 = A at rows 4/8",
		fmt.Sprintf("Loop: %d steps of k per iteration, then single steps (rows 8.. into set 0).", steps))
	Comment(prefetchNote...)
	acc := func(set, row, half int) VecPhysical {
		if row < 8 {
			return Z(2*row + half)
		}
		return Z(16 + 2*(set*t+row-8) + half)
	}
	aAddr := append(rowsAAddr(8), rowsAAddrFrom(aPtr8)[:t]...)

	rowsProlog()
	pfStep := rowsPrefetch(v)
	LEAQ(Mem{Base: aPtr, Index: rsB, Scale: 4}, aPtr4)
	LEAQ(Mem{Base: aPtr, Index: rsB, Scale: 8}, aPtr8)
	for i := 0; i < 24; i++ {
		v.zero(Z(i))
	}
	step := func(s int) {
		VMOVUPS(Mem{Base: bPtr}, Z(24))
		VMOVUPS(Mem{Base: bPtr, Disp: v.bytes}, Z(25))
		pfStep()
		for i := 0; i < r; i++ {
			a := Z(26 + i%2)
			VBROADCASTSS(aAddr[i], a)
			VFMADD231PS(Z(24), a, acc(s, i, 0))
			VFMADD231PS(Z(25), a, acc(s, i, 1))
		}
	}
	nextK := func() {
		ADDQ(ssB, aPtr)
		ADDQ(ssB, aPtr4)
		ADDQ(ssB, aPtr8)
		ADDQ(ldb, bPtr)
	}
	rowsKSteps(steps, sets, step, nextK)
	var scale []VecPhysical
	for i := 0; i < r; i++ {
		scale = append(scale, acc(0, i, 0), acc(0, i, 1))
	}
	rowsFinish(v, r, sets, 8, acc, scale, Z(26), Z(31))
}
