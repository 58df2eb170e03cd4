//go:build gc && !purego && !noasm

package ann

import "github.com/klauspost/cpuid/v2"

// vecAVX reports AVX with OS ymm support (cpuid/v2 checks OSXSAVE and XCR0):
// everything the optimizer kernels in vecops_amd64.s use. It is read once at
// package initialisation and never changed.
var vecAVX = cpuid.CPU.Supports(cpuid.AVX)

// The kernels (adamAVX ↔ adamGeneric, …) are generated with avo by the
// program in _gen: vecops_amd64.s and their declarations in
// vecops_stubs_amd64.go. They process the first n&^7 elements, n = len(w),
// with the same rounding as the Go loops; the wrappers below run the Go loop
// on the rest. Every other slice must be at least as long as w.
//
//go:generate go run -C _gen . -kernels vecops -out ../vecops_amd64.s -stubs ../vecops_stubs_amd64.go -pkg ann

// vecSplit returns how many leading elements of an n-element update the
// vector kernels take: none without AVX.
func vecSplit(n int) int {
	if !vecAVX {
		return 0
	}
	return n &^ 7
}

func sgdUpdate(w, g []float32, lr float32) {
	g = g[:len(w)]
	n := vecSplit(len(w))
	if n > 0 {
		sgdAVX(w[:n], g[:n], lr)
	}
	sgdGeneric(w[n:], g[n:], lr)
}

func momentumUpdate(w, g, a []float32, lr, mu float32) {
	g, a = g[:len(w)], a[:len(w)]
	n := vecSplit(len(w))
	if n > 0 {
		momentumAVX(w[:n], g[:n], a[:n], lr, mu)
	}
	momentumGeneric(w[n:], g[n:], a[n:], lr, mu)
}

func nesterovUpdate(w, g, a []float32, lr, lrmu, mu float32) {
	g, a = g[:len(w)], a[:len(w)]
	n := vecSplit(len(w))
	if n > 0 {
		nesterovAVX(w[:n], g[:n], a[:n], lr, lrmu, mu)
	}
	nesterovGeneric(w[n:], g[n:], a[n:], lr, lrmu, mu)
}

func adagradUpdate(w, g, acc []float32, lr float32) {
	g, acc = g[:len(w)], acc[:len(w)]
	n := vecSplit(len(w))
	if n > 0 {
		adagradAVX(w[:n], g[:n], acc[:n], lr)
	}
	adagradGeneric(w[n:], g[n:], acc[n:], lr)
}

func adamUpdate(w, g, m, v []float32, alpha, keep, c1, c2, eps float32) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	n := vecSplit(len(w))
	if n > 0 {
		adamAVX(w[:n], g[:n], m[:n], v[:n], alpha, keep, c1, c2, eps)
	}
	adamGeneric(w[n:], g[n:], m[n:], v[n:], alpha, keep, c1, c2, eps)
}

func proximalAdaGradUpdate(w, g, acc []float32, lr, l1, l2 float32) {
	g, acc = g[:len(w)], acc[:len(w)]
	n := vecSplit(len(w))
	if n > 0 {
		proximalAdaGradAVX(w[:n], g[:n], acc[:n], lr, l1, l2)
	}
	proximalAdaGradGeneric(w[n:], g[n:], acc[n:], lr, l1, l2)
}

func rmspropUpdate(w, g, ms, mom []float32, lr, c, mu, eps float32) {
	g, ms, mom = g[:len(w)], ms[:len(w)], mom[:len(w)]
	n := vecSplit(len(w))
	if n > 0 {
		rmspropAVX(w[:n], g[:n], ms[:n], mom[:n], lr, c, mu, eps)
	}
	rmspropGeneric(w[n:], g[n:], ms[n:], mom[n:], lr, c, mu, eps)
}
