package ann

// This file has no build tags: these loops are the definition of the
// optimizers' element-wise updates. They run on every target without an
// asm version, finish the tails the vector kernels leave, and are the
// oracle the kernels are tested against bit for bit.
//
// Every product that feeds an addition is wrapped in float32(...): that
// stops the compiler from fusing x*y+z into one FMA (it does on arm64 and
// with GOAMD64=v3), so each step rounds exactly like the vector kernels,
// which use no FMA, and results are the same on every architecture.
//
// Every state value (momentum, accumulators, Adam's moments) goes through
// flushTiny as it is computed, before anything else uses it: a gradient
// that stays exactly 0 (a dead ReLU unit) would otherwise decay the state
// geometrically into float32 denormals, where every vector operation takes
// a microcode assist (a batch-10 training step went from 0.8 to 1.3 ms).
// TensorFlow's CPU kernels get the same effect from running with
// flush-to-zero set, which also zeroes every denormal intermediate of an
// update. ann's kernels leave MXCSR alone, so the floor sits where no
// intermediate can be denormal: flushing at 2⁻¹²⁶ still left Adam's
// (g−m)·(1−β₁) denormal for every moment in [2⁻¹²⁶, 2⁻¹²⁶/(1−β₁)), a
// stream of assists that cost 30 % of a batch-10 step on MNIST.

// stateFloor is the magnitude below which optimizer state is flushed to +0:
// 2⁻¹⁰⁰ ≈ 7.9·10⁻³¹. Above it every intermediate of every rule stays normal
// for decay factors 1−β down to 10⁻⁴ and step sizes lr·(state)/(√v+ε)
// down to 2⁻²³·state (lr ≥ 10⁻⁶); below it a moment or accumulator moves
// no float32 weight of magnitude above 2⁻⁷⁰.
const stateFloor = 0x1p-100

// flushTiny returns +0 for x with |x| < stateFloor (tiny values, denormals
// and ±0), and x otherwise, NaN included: the vector kernels' compare, mask
// and and-not.
func flushTiny(x float32) float32 {
	if optAbs32(x) < stateFloor {
		return 0
	}
	return x
}

// sgdGeneric does w -= lr·g.
func sgdGeneric(w, g []float32, lr float32) {
	g = g[:len(w)]
	for i := range w {
		w[i] -= float32(lr * g[i])
	}
}

// momentumGeneric does a = μ·a + g; w -= lr·a.
func momentumGeneric(w, g, a []float32, lr, mu float32) {
	g, a = g[:len(w)], a[:len(w)]
	for i := range w {
		a[i] = flushTiny(float32(mu*a[i]) + g[i])
		w[i] -= float32(lr * a[i])
	}
}

// nesterovGeneric does a = μ·a + g; w -= lr·g + lrμ·a, with lrμ = lr·μ.
func nesterovGeneric(w, g, a []float32, lr, lrmu, mu float32) {
	g, a = g[:len(w)], a[:len(w)]
	for i := range w {
		a[i] = flushTiny(float32(mu*a[i]) + g[i])
		w[i] -= float32(lr*g[i]) + float32(lrmu*a[i])
	}
}

// adagradGeneric does acc += g²; w -= lr·g/√acc.
func adagradGeneric(w, g, acc []float32, lr float32) {
	g, acc = g[:len(w)], acc[:len(w)]
	for i := range w {
		acc[i] = flushTiny(acc[i] + float32(g[i]*g[i]))
		w[i] -= float32(lr*g[i]) / optSqrt32(acc[i])
	}
}

// adamGeneric does m += (g − m)·c1; v += (g² − v)·c2;
// w = w·keep − α·m/(√v + ε).
func adamGeneric(w, g, m, v []float32, alpha, keep, c1, c2, eps float32) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for i := range w {
		gi := g[i]
		m[i] = flushTiny(m[i] + float32((gi-m[i])*c1))
		v[i] = flushTiny(v[i] + float32((float32(gi*gi)-v[i])*c2))
		w[i] = float32(w[i]*keep) - float32(alpha*m[i])/(optSqrt32(v[i])+eps)
	}
}

// proximalAdaGradGeneric does acc += g²; η = lr/√acc; v = w − η·g;
// with l1 > 0, v = sign(v)·max(|v| − η·l1, 0); then w = v/(1 + l2·η).
func proximalAdaGradGeneric(w, g, acc []float32, lr, l1, l2 float32) {
	g, acc = g[:len(w)], acc[:len(w)]
	for i := range w {
		acc[i] = flushTiny(acc[i] + float32(g[i]*g[i]))
		eta := lr / optSqrt32(acc[i])
		v := w[i] - float32(eta*g[i])
		if l1 > 0 {
			mag := max(optAbs32(v)-float32(eta*l1), 0)
			if v < 0 {
				mag = -mag
			}
			v = mag
		}
		w[i] = v / (1 + float32(l2*eta))
	}
}

// rmspropGeneric does ms += (g² − ms)·c; mom = μ·mom + lr·g/√(ms + ε);
// w -= mom.
func rmspropGeneric(w, g, ms, mom []float32, lr, c, mu, eps float32) {
	g, ms, mom = g[:len(w)], ms[:len(w)], mom[:len(w)]
	for i := range w {
		gi := g[i]
		ms[i] = flushTiny(ms[i] + float32((float32(gi*gi)-ms[i])*c))
		mom[i] = flushTiny(float32(mu*mom[i]) + float32(lr*gi)/optSqrt32(ms[i]+eps))
		w[i] -= mom[i]
	}
}

// vecOps are a kernel set's element-wise optimizer kernels, each taking
// whole vectors (every other slice at least as long as w) and bit-identical
// to the Go loops above: the asm sets run them on their leading multiple of
// the vector width and the loop on the rest.
type vecOps struct {
	sgd             func(w, g []float32, lr float32)
	momentum        func(w, g, a []float32, lr, mu float32)
	nesterov        func(w, g, a []float32, lr, lrmu, mu float32)
	adagrad         func(w, g, acc []float32, lr float32)
	adam            func(w, g, m, v []float32, alpha, keep, c1, c2, eps float32)
	proximalAdaGrad func(w, g, acc []float32, lr, l1, l2 float32)
	rmsprop         func(w, g, ms, mom []float32, lr, c, mu, eps float32)
}

// genericVec is the Go loops, the vector kernels of the generic and NEON
// kernel sets and the oracle of every asm set.
var genericVec = vecOps{sgdGeneric, momentumGeneric, nesterovGeneric, adagradGeneric,
	adamGeneric, proximalAdaGradGeneric, rmspropGeneric}

// The optimizer updates go through the active kernel set, so ANN_KERNEL,
// Kernel and the tests' kernel sweeps cover them as they cover the GEMM.

func sgdUpdate(w, g []float32, lr float32) { activeKernel.vec.sgd(w, g, lr) }

func momentumUpdate(w, g, a []float32, lr, mu float32) { activeKernel.vec.momentum(w, g, a, lr, mu) }

func nesterovUpdate(w, g, a []float32, lr, lrmu, mu float32) {
	activeKernel.vec.nesterov(w, g, a, lr, lrmu, mu)
}

func adagradUpdate(w, g, acc []float32, lr float32) { activeKernel.vec.adagrad(w, g, acc, lr) }

func adamUpdate(w, g, m, v []float32, alpha, keep, c1, c2, eps float32) {
	activeKernel.vec.adam(w, g, m, v, alpha, keep, c1, c2, eps)
}

func proximalAdaGradUpdate(w, g, acc []float32, lr, l1, l2 float32) {
	activeKernel.vec.proximalAdaGrad(w, g, acc, lr, l1, l2)
}

func rmspropUpdate(w, g, ms, mom []float32, lr, c, mu, eps float32) {
	activeKernel.vec.rmsprop(w, g, ms, mom, lr, c, mu, eps)
}
