//go:build !amd64 || !gc || purego || noasm

package ann

// Builds without the vector optimizer kernels run the Go loops of
// vecops_generic.go directly. This file's tag line is the exact complement
// of vecops_amd64.{go,s}'s; it must stay free of CPU checks.

func sgdUpdate(w, g []float32, lr float32) { sgdGeneric(w, g, lr) }

func momentumUpdate(w, g, a []float32, lr, mu float32) { momentumGeneric(w, g, a, lr, mu) }

func nesterovUpdate(w, g, a []float32, lr, lrmu, mu float32) {
	nesterovGeneric(w, g, a, lr, lrmu, mu)
}

func adagradUpdate(w, g, acc []float32, lr float32) { adagradGeneric(w, g, acc, lr) }

func adamUpdate(w, g, m, v []float32, alpha, keep, c1, c2, eps float32) {
	adamGeneric(w, g, m, v, alpha, keep, c1, c2, eps)
}

func proximalAdaGradUpdate(w, g, acc []float32, lr, l1, l2 float32) {
	proximalAdaGradGeneric(w, g, acc, lr, l1, l2)
}

func rmspropUpdate(w, g, ms, mom []float32, lr, c, mu, eps float32) {
	rmspropGeneric(w, g, ms, mom, lr, c, mu, eps)
}
