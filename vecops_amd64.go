//go:build gc && !purego && !noasm

package ann

// The kernels (adamAVX ↔ adamGeneric, …) are generated with avo by the
// program in _gen: vecops_amd64.s and their declarations in
// vecops_stubs_amd64.go. They process the first n&^7 elements, n = len(w),
// with the same rounding as the Go loops; the wrappers below run the Go loop
// on the rest. Every other slice must be at least as long as w.
//
//go:generate go run -C _gen . -kernels vecops -out ../vecops_amd64.s -stubs ../vecops_stubs_amd64.go -pkg ann

// avxVec is the vector kernel set of the avx2 and avx512 kernels (AVX,
// which both imply, is all the optimizer kernels use).
var avxVec = vecOps{sgdAVXVec, momentumAVXVec, nesterovAVXVec, adagradAVXVec,
	adamAVXVec, proximalAdaGradAVXVec, rmspropAVXVec}

// allFiniteAVX2Vec is allFinite with allFiniteAVX2 on the leading multiple
// of 8 elements and the Go loop on the rest.
func allFiniteAVX2Vec(v []float32) bool {
	n := len(v) &^ 7
	return allFiniteAVX2(v[:n]) && allFiniteGo(v[n:])
}

// allFiniteAVX512Vec is allFinite with allFiniteAVX512 on the leading
// multiple of 16 elements and the Go loop on the rest.
func allFiniteAVX512Vec(v []float32) bool {
	n := len(v) &^ 15
	return allFiniteAVX512(v[:n]) && allFiniteGo(v[n:])
}

// vecSplit returns how many leading elements of an n-element update the
// vector kernels take.
func vecSplit(n int) int { return n &^ 7 }

func sgdAVXVec(w, g []float32, lr float32) {
	g = g[:len(w)]
	n := vecSplit(len(w))
	if n > 0 {
		sgdAVX(w[:n], g[:n], lr)
	}
	sgdGeneric(w[n:], g[n:], lr)
}

func momentumAVXVec(w, g, a []float32, lr, mu float32) {
	g, a = g[:len(w)], a[:len(w)]
	n := vecSplit(len(w))
	if n > 0 {
		momentumAVX(w[:n], g[:n], a[:n], lr, mu)
	}
	momentumGeneric(w[n:], g[n:], a[n:], lr, mu)
}

func nesterovAVXVec(w, g, a []float32, lr, lrmu, mu float32) {
	g, a = g[:len(w)], a[:len(w)]
	n := vecSplit(len(w))
	if n > 0 {
		nesterovAVX(w[:n], g[:n], a[:n], lr, lrmu, mu)
	}
	nesterovGeneric(w[n:], g[n:], a[n:], lr, lrmu, mu)
}

func adagradAVXVec(w, g, acc []float32, lr float32) {
	g, acc = g[:len(w)], acc[:len(w)]
	n := vecSplit(len(w))
	if n > 0 {
		adagradAVX(w[:n], g[:n], acc[:n], lr)
	}
	adagradGeneric(w[n:], g[n:], acc[n:], lr)
}

func adamAVXVec(w, g, m, v []float32, alpha, keep, c1, c2, eps float32) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	n := vecSplit(len(w))
	if n > 0 {
		adamAVX(w[:n], g[:n], m[:n], v[:n], alpha, keep, c1, c2, eps)
	}
	adamGeneric(w[n:], g[n:], m[n:], v[n:], alpha, keep, c1, c2, eps)
}

func proximalAdaGradAVXVec(w, g, acc []float32, lr, l1, l2 float32) {
	g, acc = g[:len(w)], acc[:len(w)]
	n := vecSplit(len(w))
	if n > 0 {
		proximalAdaGradAVX(w[:n], g[:n], acc[:n], lr, l1, l2)
	}
	proximalAdaGradGeneric(w[n:], g[n:], acc[n:], lr, l1, l2)
}

func rmspropAVXVec(w, g, ms, mom []float32, lr, c, mu, eps float32) {
	g, ms, mom = g[:len(w)], ms[:len(w)], mom[:len(w)]
	n := vecSplit(len(w))
	if n > 0 {
		rmspropAVX(w[:n], g[:n], ms[:n], mom[:n], lr, c, mu, eps)
	}
	rmspropGeneric(w[n:], g[n:], ms[n:], mom[n:], lr, c, mu, eps)
}
