//go:build gc && !purego && !noasm

#include "textflag.h"

// The arm64 int8 kernels: uint8 activations times int8 weights, summed
// exactly in int32. Go's arm64 assembler knows neither SXTL nor the by-element
// SMLAL nor SDOT, so those are encoded by hand (Arm ARM C7.2; checked against
// `llvm-mc -triple=aarch64 -mattr=+dotprod -show-encoding`, and proved by
// TestInt8KernelsMatchReference under qemu):
//
//   SXTL_8H(d, n)          SXTL   Vd.8H, Vn.8B          (SSHLL #0, Q=0)
//   SXTL2_8H(d, n)         SXTL2  Vd.8H, Vn.16B         (SSHLL2 #0, Q=1)
//   SMLAL_H(d, n, m, i)    SMLAL  Vd.4S, Vn.4H, Vm.H[i] Vd += lanes 0..3 of Vn · Vm[i]
//   SMLAL2_H(d, n, m, i)   SMLAL2 Vd.4S, Vn.8H, Vm.H[i] Vd += lanes 4..7 of Vn · Vm[i]
//   SDOT_E(d, n, m, i)     SDOT   Vd.4S, Vn.16B, Vm.4B[i]
//                          Vd.S[l] += Σ_{b<4} Vn.B[4l+b] · Vm.B[4i+b]
//
// d, n and m are register numbers. For the halfword by-element forms m must
// be V0..V15 (Rm is 4 bits) and the lane i (0..7) is H:L:M (bits 11, 21,
// 20); for SDOT m is M:Rm (V0..V31) and i (0..3) is H:L. Examples from
// llvm-mc: smlal2 v16.4s, v5.8h, v15.h[7] = 0x4f7f28b0; sdot v3.4s, v4.16b,
// v17.4b[3] = 0x4fb1e883; sxtl v5.8h, v4.8b = 0x0f08a405.
#define SXTL_8H(d, n) WORD $(0x0F08A400 | ((n)<<5) | (d))
#define SXTL2_8H(d, n) WORD $(0x4F08A400 | ((n)<<5) | (d))
#define SMLAL_H(d, n, m, i) WORD $(0x0F402000 | ((((i)>>1)&1)<<21) | (((i)&1)<<20) | ((m)<<16) | (((i)>>2)<<11) | ((n)<<5) | (d))
#define SMLAL2_H(d, n, m, i) WORD $(0x4F402000 | ((((i)>>1)&1)<<21) | (((i)&1)<<20) | ((m)<<16) | (((i)>>2)<<11) | ((n)<<5) | (d))
#define SDOT_E(d, n, m, i) WORD $(0x4F80E000 | (((i)&1)<<21) | ((m)<<16) | (((i)>>1)<<11) | ((n)<<5) | (d))

// ---------------------------------------------------------------------------
// neon-int8: plain ARMv8 NEON. Packed weights: panels of 16 columns, each
// panel kpad·16 bytes (kpad = k rounded up to 8), one row of 16 int8 weights
// per depth step, zero padded. An activation (0..255, zero-extended to 16
// bits) times a weight (−128..127, sign-extended) is in −32640..32385, so the
// widening SMLAL of the int16 operands into int32 lanes is exact.

// N4STEP adds the weights of one depth step (16 int16 in registers lo, hi)
// times activation lane e of rows 0..3 (V0..V3) to the 4×16 accumulators.
#define N4STEP(e, lo, hi) \
	SMLAL_H(16, lo, 0, e); SMLAL2_H(17, lo, 0, e); SMLAL_H(18, hi, 0, e); SMLAL2_H(19, hi, 0, e); \
	SMLAL_H(20, lo, 1, e); SMLAL2_H(21, lo, 1, e); SMLAL_H(22, hi, 1, e); SMLAL2_H(23, hi, 1, e); \
	SMLAL_H(24, lo, 2, e); SMLAL2_H(25, lo, 2, e); SMLAL_H(26, hi, 2, e); SMLAL2_H(27, hi, 2, e); \
	SMLAL_H(28, lo, 3, e); SMLAL2_H(29, lo, 3, e); SMLAL_H(30, hi, 3, e); SMLAL2_H(31, hi, 3, e)

// N4PAIR loads two depth steps of weights (32 bytes), widens them and runs
// them against activation lanes e0 and e1.
#define N4PAIR(e0, e1) \
	VLD1.P 32(R7), [V4.B16, V5.B16]; \
	SXTL_8H(6, 4); SXTL2_8H(7, 4); SXTL_8H(8, 5); SXTL2_8H(9, 5); \
	N4STEP(e0, 6, 7); \
	N4STEP(e1, 8, 9)

// func int8NEON4x16(kg int, a *uint8, lda int, tail *uint8, w *uint8, panels int, c *int32, ldc int)
//
// Tile 4 rows × 16 columns, 8 depth steps per iteration. For each of
// `panels` consecutive 16-column panels of w: C[4×16] = A[4×k]·W, with A's
// rows lda bytes apart, kg full groups of 8 read from a, then, if tail is not
// nil, one more group from tail (4 rows of 8 bytes, zero padded: the k mod 8
// last activations, copied by the caller so no row is read past its end).
// Rows of C are ldc int32 apart; panel q goes to columns 16q..16q+15.
//
// Register plan:
//   V16..V31  accumulators: row r, columns 4q..4q+3 in V(16+4r+q)
//   V0..V3    8 activations of rows 0..3, widened to int16 (by-element
//             SMLAL needs them in V0..V15)
//   V4, V5    two depth steps of raw weights; V6..V9 the same widened
//   R0 = kg, R1..R4 = row pointers, R5 = lda, R6 = tail, R7 = weight stream,
//   R8 = panels left, R10 = C panel pointer, R11 = ldc in bytes,
//   R12 = groups left, R13 = tail still to do, R14 = C row pointer, R20 = a.
// Leaf, frame $0; R18, R26..R30 untouched.
TEXT ·int8NEON4x16(SB), NOSPLIT, $0-64
	MOVD kg+0(FP), R0
	MOVD a+8(FP), R20
	MOVD lda+16(FP), R5
	MOVD tail+24(FP), R6
	MOVD w+32(FP), R7
	MOVD panels+40(FP), R8
	MOVD c+48(FP), R10
	MOVD ldc+56(FP), R11
	LSL  $2, R11

n4panel:
	MOVD R20, R1
	ADD  R5, R1, R2
	ADD  R5, R2, R3
	ADD  R5, R3, R4
	MOVD R6, R13
	MOVD R0, R12
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16
	VEOR V24.B16, V24.B16, V24.B16
	VEOR V25.B16, V25.B16, V25.B16
	VEOR V26.B16, V26.B16, V26.B16
	VEOR V27.B16, V27.B16, V27.B16
	VEOR V28.B16, V28.B16, V28.B16
	VEOR V29.B16, V29.B16, V29.B16
	VEOR V30.B16, V30.B16, V30.B16
	VEOR V31.B16, V31.B16, V31.B16

n4loop:
	CBZ R12, n4tail

n4body:
	VLD1.P 8(R1), [V0.B8]
	VLD1.P 8(R2), [V1.B8]
	VLD1.P 8(R3), [V2.B8]
	VLD1.P 8(R4), [V3.B8]
	VUXTL  V0.B8, V0.H8
	VUXTL  V1.B8, V1.H8
	VUXTL  V2.B8, V2.H8
	VUXTL  V3.B8, V3.H8
	N4PAIR(0, 1)
	N4PAIR(2, 3)
	N4PAIR(4, 5)
	N4PAIR(6, 7)
	SUB    $1, R12
	B      n4loop

n4tail:
	CBZ  R13, n4store
	MOVD R13, R1
	ADD  $8, R13, R2
	ADD  $16, R13, R3
	ADD  $24, R13, R4
	MOVD ZR, R13
	MOVD $1, R12
	B    n4body

n4store:
	MOVD R10, R14
	VST1 [V16.S4, V17.S4, V18.S4, V19.S4], (R14)
	ADD  R11, R14
	VST1 [V20.S4, V21.S4, V22.S4, V23.S4], (R14)
	ADD  R11, R14
	VST1 [V24.S4, V25.S4, V26.S4, V27.S4], (R14)
	ADD  R11, R14
	VST1 [V28.S4, V29.S4, V30.S4, V31.S4], (R14)
	ADD  $64, R10
	SUB  $1, R8
	CBNZ R8, n4panel
	RET

// N1STEP adds one depth step of widened weights (lo, hi) times activation
// lane e of V0 to the accumulator set starting at register number acc.
#define N1STEP(acc, e, lo, hi) \
	SMLAL_H(acc, lo, 0, e); SMLAL2_H(acc+1, lo, 0, e); SMLAL_H(acc+2, hi, 0, e); SMLAL2_H(acc+3, hi, 0, e)

// N1QUAD loads four depth steps of weights (64 bytes), widens them and runs
// them against activation lanes e0..e3, alternating the two accumulator sets.
#define N1QUAD(e0, e1, e2, e3) \
	VLD1.P 64(R7), [V4.B16, V5.B16, V6.B16, V7.B16]; \
	SXTL_8H(8, 4); SXTL2_8H(9, 4); SXTL_8H(10, 5); SXTL2_8H(11, 5); \
	SXTL_8H(12, 6); SXTL2_8H(13, 6); SXTL_8H(14, 7); SXTL2_8H(15, 7); \
	N1STEP(16, e0, 8, 9); \
	N1STEP(20, e1, 10, 11); \
	N1STEP(16, e2, 12, 13); \
	N1STEP(20, e3, 14, 15)

// func int8NEON1x16(kg int, a *uint8, tail *uint8, w *uint8, panels int, c *int32)
//
// Tile 1 row × 16 columns, 8 depth steps per iteration: the batch-1 kernel
// (and the rows left over by the 4-row tiles). It streams the weights once,
// 64 bytes per load; the row's activations stay in V0. Same panels and tail
// convention as int8NEON4x16 (tail: 8 bytes). C's panels are contiguous.
//
// Register plan:
//   V16..V19  accumulators of even depth steps (columns 0..3, ..., 12..15)
//   V20..V23  accumulators of odd depth steps, so consecutive SMLALs into one
//             lane group are two steps apart; summed into V16..V19 at the end
//   V0        8 activations widened to int16
//   V4..V7    four depth steps of raw weights; V8..V15 the same widened
//   R0 = kg, R1 = row pointer, R6 = tail, R7 = weight stream, R8 = panels
//   left, R10 = C pointer, R12 = groups left, R13 = tail still to do, R20 = a.
TEXT ·int8NEON1x16(SB), NOSPLIT, $0-48
	MOVD kg+0(FP), R0
	MOVD a+8(FP), R20
	MOVD tail+16(FP), R6
	MOVD w+24(FP), R7
	MOVD panels+32(FP), R8
	MOVD c+40(FP), R10

n1panel:
	MOVD R20, R1
	MOVD R6, R13
	MOVD R0, R12
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16

n1loop:
	CBZ R12, n1tail

n1body:
	VLD1.P 8(R1), [V0.B8]
	VUXTL  V0.B8, V0.H8
	N1QUAD(0, 1, 2, 3)
	N1QUAD(4, 5, 6, 7)
	SUB    $1, R12
	B      n1loop

n1tail:
	CBZ  R13, n1store
	MOVD R13, R1
	MOVD ZR, R13
	MOVD $1, R12
	B    n1body

n1store:
	VADD   V20.S4, V16.S4, V16.S4
	VADD   V21.S4, V17.S4, V17.S4
	VADD   V22.S4, V18.S4, V18.S4
	VADD   V23.S4, V19.S4, V19.S4
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R10)
	SUB    $1, R8
	CBNZ   R8, n1panel
	RET

// ---------------------------------------------------------------------------
// sdot: the ARMv8.2 dot product. SDOT multiplies signed by signed bytes and
// there is no mixed-sign form outside I8MM, so the activations are shifted:
// a' = a − 128 is a signed byte (a XOR 0x80), and
//
//   Σ_p a_p·w_p = Σ_p a'_p·w_p + 128·Σ_p w_p.
//
// The pack stores 128·colsum(w) (int32) at the head of each panel, and the
// accumulators start from it. All arithmetic is modular in int32 (SDOT and
// ADD do not saturate), so the result is exact whenever the true sum fits in
// int32, which k ≤ maxInt8Depth guarantees, even if a partial sum of the
// shifted form does not.
//
// Packed weights: panels of 16 columns, each 64 + kpad·16 bytes (kpad = k
// rounded up to 16): 16 int32 of 128·colsum, then per group of 4 depth steps
// 4 vectors of 16 bytes, vector v holding columns 4v..4v+3, each as its 4
// consecutive depth steps (the 4 bytes one SDOT lane sums). Padding is zero,
// so a padded activation (0, shifted to −128) adds nothing.

// S4GROUP loads one group of 4 depth steps (64 bytes, into r0..r3, register
// number w = r0's) and adds their dot products with activation group i of
// rows 0..3 (V0..V3) to the 4×16 accumulators.
#define S4GROUP(i, r0, r1, r2, r3, w) \
	VLD1.P 64(R7), [r0.B16, r1.B16, r2.B16, r3.B16]; \
	SDOT_E(16, w, 0, i); SDOT_E(17, w+1, 0, i); SDOT_E(18, w+2, 0, i); SDOT_E(19, w+3, 0, i); \
	SDOT_E(20, w, 1, i); SDOT_E(21, w+1, 1, i); SDOT_E(22, w+2, 1, i); SDOT_E(23, w+3, 1, i); \
	SDOT_E(24, w, 2, i); SDOT_E(25, w+1, 2, i); SDOT_E(26, w+2, 2, i); SDOT_E(27, w+3, 2, i); \
	SDOT_E(28, w, 3, i); SDOT_E(29, w+1, 3, i); SDOT_E(30, w+2, 3, i); SDOT_E(31, w+3, 3, i)

// func int8SDOT4x16(kg int, a *uint8, lda int, tail *uint8, w *uint8, panels int, c *int32, ldc int)
//
// Tile 4 rows × 16 columns, 16 depth steps per iteration; otherwise the
// contract of int8NEON4x16, with groups of 16 and tail rows of 16 bytes.
//
// Register plan:
//   V16..V31  accumulators: row r, columns 4q..4q+3 in V(16+4r+q)
//   V0..V3    16 activations of rows 0..3, shifted to signed (a XOR 0x80)
//   V4..V7    one group of weights, V8..V11 the next (alternating, so a load
//             does not wait for the SDOTs still reading the previous group)
//   V12       0x80 in every byte
//   R0 = kg, R1..R4 = row pointers, R5 = lda, R6 = tail, R7 = weight stream,
//   R8 = panels left, R10 = C panel pointer, R11 = ldc in bytes,
//   R12 = groups left, R13 = tail still to do, R14 = C row pointer, R20 = a.
TEXT ·int8SDOT4x16(SB), NOSPLIT, $0-64
	MOVD kg+0(FP), R0
	MOVD a+8(FP), R20
	MOVD lda+16(FP), R5
	MOVD tail+24(FP), R6
	MOVD w+32(FP), R7
	MOVD panels+40(FP), R8
	MOVD c+48(FP), R10
	MOVD ldc+56(FP), R11
	LSL  $2, R11
	VMOVI $128, V12.B16

s4panel:
	MOVD   R20, R1
	ADD    R5, R1, R2
	ADD    R5, R2, R3
	ADD    R5, R3, R4
	MOVD   R6, R13
	MOVD   R0, R12
	VLD1.P 64(R7), [V16.S4, V17.S4, V18.S4, V19.S4]
	VORR   V16.B16, V16.B16, V20.B16
	VORR   V17.B16, V17.B16, V21.B16
	VORR   V18.B16, V18.B16, V22.B16
	VORR   V19.B16, V19.B16, V23.B16
	VORR   V16.B16, V16.B16, V24.B16
	VORR   V17.B16, V17.B16, V25.B16
	VORR   V18.B16, V18.B16, V26.B16
	VORR   V19.B16, V19.B16, V27.B16
	VORR   V16.B16, V16.B16, V28.B16
	VORR   V17.B16, V17.B16, V29.B16
	VORR   V18.B16, V18.B16, V30.B16
	VORR   V19.B16, V19.B16, V31.B16

s4loop:
	CBZ R12, s4tail

s4body:
	VLD1.P 16(R1), [V0.B16]
	VLD1.P 16(R2), [V1.B16]
	VLD1.P 16(R3), [V2.B16]
	VLD1.P 16(R4), [V3.B16]
	VEOR   V12.B16, V0.B16, V0.B16
	VEOR   V12.B16, V1.B16, V1.B16
	VEOR   V12.B16, V2.B16, V2.B16
	VEOR   V12.B16, V3.B16, V3.B16
	S4GROUP(0, V4, V5, V6, V7, 4)
	S4GROUP(1, V8, V9, V10, V11, 8)
	S4GROUP(2, V4, V5, V6, V7, 4)
	S4GROUP(3, V8, V9, V10, V11, 8)
	SUB    $1, R12
	B      s4loop

s4tail:
	CBZ  R13, s4store
	MOVD R13, R1
	ADD  $16, R13, R2
	ADD  $32, R13, R3
	ADD  $48, R13, R4
	MOVD ZR, R13
	MOVD $1, R12
	B    s4body

s4store:
	MOVD R10, R14
	VST1 [V16.S4, V17.S4, V18.S4, V19.S4], (R14)
	ADD  R11, R14
	VST1 [V20.S4, V21.S4, V22.S4, V23.S4], (R14)
	ADD  R11, R14
	VST1 [V24.S4, V25.S4, V26.S4, V27.S4], (R14)
	ADD  R11, R14
	VST1 [V28.S4, V29.S4, V30.S4, V31.S4], (R14)
	ADD  $64, R10
	SUB  $1, R8
	CBNZ R8, s4panel
	RET

// S1GROUP loads one group of 4 depth steps (64 bytes, into r0..r3, register
// number w = r0's) and adds their dot products with activation group i of
// V0 to the accumulator set starting at register number acc.
#define S1GROUP(i, r0, r1, r2, r3, w, acc) \
	VLD1.P 64(R7), [r0.B16, r1.B16, r2.B16, r3.B16]; \
	SDOT_E(acc, w, 0, i); SDOT_E(acc+1, w+1, 0, i); SDOT_E(acc+2, w+2, 0, i); SDOT_E(acc+3, w+3, 0, i)

// func int8SDOT1x16(kg int, a *uint8, tail *uint8, w *uint8, panels int, c *int32)
//
// Tile 1 row × 16 columns, 16 depth steps per iteration: the batch-1 kernel
// (and the rows left over by the 4-row tiles), streaming the weights once,
// 64 bytes per load. Contract of int8NEON1x16 with groups of 16 and a tail of
// 16 bytes.
//
// Register plan:
//   V16..V19  accumulators of even groups (columns 0..3, ..., 12..15),
//             starting from 128·colsum
//   V20..V23  accumulators of odd groups, starting from 0; summed at the end
//   V0        16 activations shifted to signed
//   V4..V7, V8..V11  alternating groups of weights
//   V12       0x80 in every byte
//   R0 = kg, R1 = row pointer, R6 = tail, R7 = weight stream, R8 = panels
//   left, R10 = C pointer, R12 = groups left, R13 = tail still to do, R20 = a.
TEXT ·int8SDOT1x16(SB), NOSPLIT, $0-48
	MOVD  kg+0(FP), R0
	MOVD  a+8(FP), R20
	MOVD  tail+16(FP), R6
	MOVD  w+24(FP), R7
	MOVD  panels+32(FP), R8
	MOVD  c+40(FP), R10
	VMOVI $128, V12.B16

s1panel:
	MOVD   R20, R1
	MOVD   R6, R13
	MOVD   R0, R12
	VLD1.P 64(R7), [V16.S4, V17.S4, V18.S4, V19.S4]
	VEOR   V20.B16, V20.B16, V20.B16
	VEOR   V21.B16, V21.B16, V21.B16
	VEOR   V22.B16, V22.B16, V22.B16
	VEOR   V23.B16, V23.B16, V23.B16

s1loop:
	CBZ R12, s1tail

s1body:
	VLD1.P 16(R1), [V0.B16]
	VEOR   V12.B16, V0.B16, V0.B16
	S1GROUP(0, V4, V5, V6, V7, 4, 16)
	S1GROUP(1, V8, V9, V10, V11, 8, 20)
	S1GROUP(2, V4, V5, V6, V7, 4, 16)
	S1GROUP(3, V8, V9, V10, V11, 8, 20)
	SUB    $1, R12
	B      s1loop

s1tail:
	CBZ  R13, s1store
	MOVD R13, R1
	MOVD ZR, R13
	MOVD $1, R12
	B    s1body

s1store:
	VADD   V20.S4, V16.S4, V16.S4
	VADD   V21.S4, V17.S4, V17.S4
	VADD   V22.S4, V18.S4, V18.S4
	VADD   V23.S4, V19.S4, V19.S4
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R10)
	SUB    $1, R8
	CBNZ   R8, s1panel
	RET
