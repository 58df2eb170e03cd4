//go:build gc && !purego && !noasm

#include "textflag.h"

// Element-wise optimizer updates, 8 floats per ymm step. Each kernel is the
// loop of the same name in vecops_generic.go with every operation in the
// same order and no FMA (products are rounded before they are added, as
// the Go loops force with float32(...)), so results are bit-identical to
// the Go loops. VSQRTPS and VDIVPS are correctly rounded, like SQRTSS and
// DIVSS.
//
// Common contract: the caller (vecops_amd64.go) has checked AVX, passes
// slices of equal length n with n a multiple of 8 (n may be 0), and runs
// the Go loop on the remainder. Nothing past n is touched. Loads and stores
// are VMOVUPS: no alignment is assumed.
//
// Operand order reminder (Go syntax reverses Intel's): VSUBPS X, Y, Z means
// Z = Y − X; VDIVPS X, Y, Z means Z = Y / X; VMAXPS X, Y, Z means
// Z = (Y > X) ? Y : X, so Z = X when either is NaN.

// Constants, loaded with VBROADCASTSS from memory (the register-source
// form needs AVX2; these kernels need only AVX).
DATA vecAbsMask<>+0(SB)/4, $0x7fffffff
GLOBL vecAbsMask<>(SB), RODATA|NOPTR, $4
DATA vecSignBit<>+0(SB)/4, $0x80000000
GLOBL vecSignBit<>(SB), RODATA|NOPTR, $4
DATA vecOne<>+0(SB)/4, $0x3f800000
GLOBL vecOne<>(SB), RODATA|NOPTR, $4
DATA vecMinNormal<>+0(SB)/4, $0x00800000
GLOBL vecMinNormal<>(SB), RODATA|NOPTR, $4

// Every state value is flushed as it is computed, exactly like flushTiny
// in vecops_generic.go: +0 where |x| < 2⁻¹²⁶, x otherwise (NaN too: the
// ordered less-than is false for NaN). FLUSH_CONSTS loads Y8 = abs mask
// and Y9 = 2⁻¹²⁶; FLUSH(x, t) flushes x in place with t as scratch.
#define FLUSH_CONSTS \
	VBROADCASTSS vecAbsMask<>(SB), Y8; \
	VBROADCASTSS vecMinNormal<>(SB), Y9

#define FLUSH(x, t) \
	VANDPS  Y8, x, t; \
	VCMPPS  $1, Y9, t, t; \
	VANDNPS x, t, x

#define WPTR DI
#define GPTR SI
#define S1 R8
#define S2 R9
#define CNT CX

// func adamAVX(w, g, m, v []float32, alpha, keep, c1, c2, eps float32)
//
// m += (g − m)·c1; v += (g·g − v)·c2; w = w·keep − (α·m)/(√v + ε).
// Y10 = α, Y11 = keep, Y12 = c1, Y13 = c2, Y14 = ε; Y0..Y7 temporaries.
TEXT ·adamAVX(SB), NOSPLIT, $0-116
	MOVQ w_base+0(FP), WPTR
	MOVQ w_len+8(FP), CNT
	MOVQ g_base+24(FP), GPTR
	MOVQ m_base+48(FP), S1
	MOVQ v_base+72(FP), S2
	VBROADCASTSS alpha+96(FP), Y10
	VBROADCASTSS keep+100(FP), Y11
	VBROADCASTSS c1+104(FP), Y12
	VBROADCASTSS c2+108(FP), Y13
	VBROADCASTSS eps+112(FP), Y14
	FLUSH_CONSTS
	SHRQ $3, CNT
	JEQ  adam_done

adam_loop:
	VMOVUPS (GPTR), Y0
	VMOVUPS (S1), Y1
	VSUBPS  Y1, Y0, Y2   // g − m
	VMULPS  Y12, Y2, Y2  // ·c1
	VADDPS  Y2, Y1, Y1   // m + …
	FLUSH(Y1, Y2)
	VMOVUPS Y1, (S1)
	VMULPS  Y0, Y0, Y3   // g·g
	VMOVUPS (S2), Y4
	VSUBPS  Y4, Y3, Y3   // g·g − v
	VMULPS  Y13, Y3, Y3  // ·c2
	VADDPS  Y3, Y4, Y4   // v + …
	FLUSH(Y4, Y3)
	VMOVUPS Y4, (S2)
	VSQRTPS Y4, Y5
	VADDPS  Y14, Y5, Y5  // √v + ε
	VMULPS  Y1, Y10, Y6  // α·m
	VDIVPS  Y5, Y6, Y6   // (α·m)/(√v + ε)
	VMOVUPS (WPTR), Y7
	VMULPS  Y11, Y7, Y7  // w·keep
	VSUBPS  Y6, Y7, Y7
	VMOVUPS Y7, (WPTR)
	ADDQ    $32, GPTR
	ADDQ    $32, S1
	ADDQ    $32, S2
	ADDQ    $32, WPTR
	DECQ    CNT
	JNE     adam_loop

adam_done:
	VZEROUPPER
	RET

// func adagradAVX(w, g, acc []float32, lr float32)
//
// acc += g·g; w −= (lr·g)/√acc. Y10 = lr.
TEXT ·adagradAVX(SB), NOSPLIT, $0-76
	MOVQ w_base+0(FP), WPTR
	MOVQ w_len+8(FP), CNT
	MOVQ g_base+24(FP), GPTR
	MOVQ acc_base+48(FP), S1
	VBROADCASTSS lr+72(FP), Y10
	FLUSH_CONSTS
	SHRQ $3, CNT
	JEQ  adagrad_done

adagrad_loop:
	VMOVUPS (GPTR), Y0
	VMULPS  Y0, Y0, Y1   // g·g
	VADDPS  (S1), Y1, Y1 // acc + g·g
	FLUSH(Y1, Y2)
	VMOVUPS Y1, (S1)
	VSQRTPS Y1, Y1
	VMULPS  Y10, Y0, Y2  // lr·g
	VDIVPS  Y1, Y2, Y2
	VMOVUPS (WPTR), Y3
	VSUBPS  Y2, Y3, Y3
	VMOVUPS Y3, (WPTR)
	ADDQ    $32, GPTR
	ADDQ    $32, S1
	ADDQ    $32, WPTR
	DECQ    CNT
	JNE     adagrad_loop

adagrad_done:
	VZEROUPPER
	RET

// func sgdAVX(w, g []float32, lr float32)
//
// w −= lr·g. Y10 = lr.
TEXT ·sgdAVX(SB), NOSPLIT, $0-52
	MOVQ w_base+0(FP), WPTR
	MOVQ w_len+8(FP), CNT
	MOVQ g_base+24(FP), GPTR
	VBROADCASTSS lr+48(FP), Y10
	SHRQ $3, CNT
	JEQ  sgd_done

sgd_loop:
	VMULPS  (GPTR), Y10, Y0
	VMOVUPS (WPTR), Y1
	VSUBPS  Y0, Y1, Y1
	VMOVUPS Y1, (WPTR)
	ADDQ    $32, GPTR
	ADDQ    $32, WPTR
	DECQ    CNT
	JNE     sgd_loop

sgd_done:
	VZEROUPPER
	RET

// func momentumAVX(w, g, a []float32, lr, mu float32)
//
// a = μ·a + g; w −= lr·a. Y10 = lr, Y11 = μ.
TEXT ·momentumAVX(SB), NOSPLIT, $0-80
	MOVQ w_base+0(FP), WPTR
	MOVQ w_len+8(FP), CNT
	MOVQ g_base+24(FP), GPTR
	MOVQ a_base+48(FP), S1
	VBROADCASTSS lr+72(FP), Y10
	VBROADCASTSS mu+76(FP), Y11
	FLUSH_CONSTS
	SHRQ $3, CNT
	JEQ  momentum_done

momentum_loop:
	VMULPS  (S1), Y11, Y0  // μ·a
	VADDPS  (GPTR), Y0, Y0 // + g
	FLUSH(Y0, Y1)
	VMOVUPS Y0, (S1)
	VMULPS  Y10, Y0, Y0    // lr·a
	VMOVUPS (WPTR), Y1
	VSUBPS  Y0, Y1, Y1
	VMOVUPS Y1, (WPTR)
	ADDQ    $32, GPTR
	ADDQ    $32, S1
	ADDQ    $32, WPTR
	DECQ    CNT
	JNE     momentum_loop

momentum_done:
	VZEROUPPER
	RET

// func nesterovAVX(w, g, a []float32, lr, lrmu, mu float32)
//
// a = μ·a + g; w −= lr·g + lrμ·a. Y10 = lr, Y11 = μ, Y12 = lrμ.
TEXT ·nesterovAVX(SB), NOSPLIT, $0-84
	MOVQ w_base+0(FP), WPTR
	MOVQ w_len+8(FP), CNT
	MOVQ g_base+24(FP), GPTR
	MOVQ a_base+48(FP), S1
	VBROADCASTSS lr+72(FP), Y10
	VBROADCASTSS lrmu+76(FP), Y12
	VBROADCASTSS mu+80(FP), Y11
	FLUSH_CONSTS
	SHRQ $3, CNT
	JEQ  nesterov_done

nesterov_loop:
	VMOVUPS (GPTR), Y2
	VMULPS  (S1), Y11, Y0 // μ·a
	VADDPS  Y2, Y0, Y0    // + g
	FLUSH(Y0, Y1)
	VMOVUPS Y0, (S1)
	VMULPS  Y10, Y2, Y2   // lr·g
	VMULPS  Y12, Y0, Y0   // lrμ·a
	VADDPS  Y0, Y2, Y2
	VMOVUPS (WPTR), Y1
	VSUBPS  Y2, Y1, Y1
	VMOVUPS Y1, (WPTR)
	ADDQ    $32, GPTR
	ADDQ    $32, S1
	ADDQ    $32, WPTR
	DECQ    CNT
	JNE     nesterov_loop

nesterov_done:
	VZEROUPPER
	RET

// func rmspropAVX(w, g, ms, mom []float32, lr, c, mu, eps float32)
//
// ms += (g·g − ms)·c; mom = μ·mom + (lr·g)/√(ms + ε); w −= mom.
// Y10 = lr, Y11 = c, Y12 = μ, Y13 = ε.
TEXT ·rmspropAVX(SB), NOSPLIT, $0-112
	MOVQ w_base+0(FP), WPTR
	MOVQ w_len+8(FP), CNT
	MOVQ g_base+24(FP), GPTR
	MOVQ ms_base+48(FP), S1
	MOVQ mom_base+72(FP), S2
	VBROADCASTSS lr+96(FP), Y10
	VBROADCASTSS c+100(FP), Y11
	VBROADCASTSS mu+104(FP), Y12
	VBROADCASTSS eps+108(FP), Y13
	FLUSH_CONSTS
	SHRQ $3, CNT
	JEQ  rmsprop_done

rmsprop_loop:
	VMOVUPS (GPTR), Y0
	VMOVUPS (S1), Y1
	VMULPS  Y0, Y0, Y2    // g·g
	VSUBPS  Y1, Y2, Y2    // − ms
	VMULPS  Y11, Y2, Y2   // ·c
	VADDPS  Y2, Y1, Y1    // ms + …
	FLUSH(Y1, Y2)
	VMOVUPS Y1, (S1)
	VADDPS  Y13, Y1, Y1   // ms + ε
	VSQRTPS Y1, Y1
	VMULPS  Y10, Y0, Y0   // lr·g
	VDIVPS  Y1, Y0, Y0
	VMULPS  (S2), Y12, Y3 // μ·mom
	VADDPS  Y0, Y3, Y3
	FLUSH(Y3, Y4)
	VMOVUPS Y3, (S2)
	VMOVUPS (WPTR), Y4
	VSUBPS  Y3, Y4, Y4
	VMOVUPS Y4, (WPTR)
	ADDQ    $32, GPTR
	ADDQ    $32, S1
	ADDQ    $32, S2
	ADDQ    $32, WPTR
	DECQ    CNT
	JNE     rmsprop_loop

rmsprop_done:
	VZEROUPPER
	RET

// func proximalAdaGradAVX(w, g, acc []float32, lr, l1, l2 float32)
//
// acc += g·g; η = lr/√acc; v = w − η·g; with l1 > 0,
// v = sign(v)·max(|v| − η·l1, 0); w = v/(1 + l2·η).
// The sign is flipped only where v < 0 (a compare, not v's sign bit), as
// the Go loop does, so v = −0 keeps a +0 magnitude. VMAXPS takes the
// difference as its second source, so a NaN difference passes through like
// Go's max.
// Y10 = lr, Y11 = l1, Y12 = l2, Y13 = 1.0, Y14 = abs mask, Y15 = sign bit;
// DX = 1 when l1 > 0.
TEXT ·proximalAdaGradAVX(SB), NOSPLIT, $0-84
	MOVQ w_base+0(FP), WPTR
	MOVQ w_len+8(FP), CNT
	MOVQ g_base+24(FP), GPTR
	MOVQ acc_base+48(FP), S1
	VBROADCASTSS lr+72(FP), Y10
	VBROADCASTSS l1+76(FP), Y11
	VBROADCASTSS l2+80(FP), Y12
	VBROADCASTSS vecOne<>(SB), Y13
	VBROADCASTSS vecAbsMask<>(SB), Y14
	VBROADCASTSS vecSignBit<>(SB), Y15
	FLUSH_CONSTS
	// l1 > 0 as a float compare: positive, non-NaN.
	XORL DX, DX
	VXORPS X0, X0, X0
	VUCOMISS X0, X11
	SETHI DL
	SHRQ $3, CNT
	JEQ  prox_done

prox_loop:
	VMOVUPS (GPTR), Y0
	VMULPS  Y0, Y0, Y1    // g·g
	VADDPS  (S1), Y1, Y1  // acc + g·g
	FLUSH(Y1, Y2)
	VMOVUPS Y1, (S1)
	VSQRTPS Y1, Y1
	VDIVPS  Y1, Y10, Y1   // η = lr/√acc
	VMULPS  Y0, Y1, Y0    // η·g
	VMOVUPS (WPTR), Y2
	VSUBPS  Y0, Y2, Y2    // v = w − η·g
	TESTL   DX, DX
	JEQ     prox_l2
	VMULPS  Y11, Y1, Y3   // η·l1
	VANDPS  Y14, Y2, Y4   // |v|
	VSUBPS  Y3, Y4, Y4    // |v| − η·l1
	VXORPS  Y5, Y5, Y5
	VMAXPS  Y4, Y5, Y4    // max(…, 0), NaN kept
	VCMPPS  $1, Y5, Y2, Y6 // v < 0 (LT_OS)
	VANDPS  Y15, Y6, Y6   // sign bit where v < 0
	VXORPS  Y6, Y4, Y2    // v = ±mag

prox_l2:
	VMULPS  Y12, Y1, Y1   // l2·η
	VADDPS  Y13, Y1, Y1   // 1 + l2·η
	VDIVPS  Y1, Y2, Y2
	VMOVUPS Y2, (WPTR)
	ADDQ    $32, GPTR
	ADDQ    $32, S1
	ADDQ    $32, WPTR
	DECQ    CNT
	JNE     prox_loop

prox_done:
	VZEROUPPER
	RET
