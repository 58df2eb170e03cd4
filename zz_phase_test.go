package ann

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"sort"
	"testing"
	"time"
)

// zzPhases is gradients + update with a timer after each phase.
func zzPhases(n *Network, x, t Matrix, ts []time.Duration) {
	p := n.train
	rows := x.Rows
	t0 := time.Now()
	mark := func(i int) {
		t1 := time.Now()
		ts[i] += t1.Sub(t0)
		t0 = t1
	}
	in := x
	for i, l := range n.layers {
		ls := &p.ls[i]
		ls.y = view(ls.ybuf, x.Rows, l.out)
		ls.z = view(ls.zbuf, x.Rows, l.out)
		l.forward(in, ls.z, ls.y, ls, true, n.rng)
		in = ls.y
		mark(i)
	}
	out := &p.ls[len(p.ls)-1]
	last := n.layers[len(n.layers)-1]
	dz := view(p.d0, rows, last.out)
	n.cfg.Loss.eval(out.z, out.y, t, last.act, last.alpha, p.ex[:rows], dz, 1/float32(rows), out.sums)
	countCorrect(n.cfg.Loss, out.y, t)
	mark(3)
	dy, spare := dz, p.d1
	fused := true
	for i := len(n.layers) - 1; i >= 0; i-- {
		l := n.layers[i]
		in := x
		var dx Matrix
		var dxEpi epilogue
		if i > 0 {
			in = p.ls[i-1].y
			dx = view(spare, rows, l.in)
			below := n.layers[i-1]
			bz, by := p.ls[i-1].z, p.ls[i-1].y
			dxEpi = epilogue{grad: true, act: below.act, alpha: below.alpha, z: bz.Data, ldz: bz.Stride, y: by.Data, ldy: by.Stride}
		}
		next := dy.Data[:cap(dy.Data)]
		l.backward(in, p.ls[i].z, p.ls[i].y, dy, dx, &p.ls[i], fused, dxEpi)
		fused = dxEpi.grad
		dy, spare = dx, next
		mark(4 + (2 - i))
	}
	n.step++
	if zzAligned {
		n.stepLR = 0.001
		runParts(runtime.GOMAXPROCS(0), zzFn)
	} else {
		n.updateParams(0.001, rows)
	}
	mark(7)
}

var zzAligned bool
var zzProcs = []int{1, 2}
var zzFn func(p, parts int)

func zzUpdatePart(n *Network) func(p, parts int) {
	return func(p, parts int) {
		for i := range n.params {
			pr := &n.params[i]
			if pr.rows >= 16 {
				r0, r1 := split(ceilDiv(pr.rows, 8), parts, p)
				a, b := r0*8*pr.stride, min(r1*8*pr.stride, len(pr.w))
				if a < b {
					pr.state.update(pr.w, pr.g, a, b, n.step, n.stepLR)
				}
			} else if p == parts-1 {
				pr.state.update(pr.w, pr.g, 0, len(pr.w), n.step, n.stepLR)
			}
		}
	}
}

func TestZZPhases(t *testing.T) {
	zzAligned = os.Getenv("ZZAL") != ""
	rng := rand.New(rand.NewPCG(1, 1))
	batch := 128
	if v := os.Getenv("ZZB"); v != "" {
		fmt.Sscan(v, &batch)
	}
	tr, _, err := LoadMNIST(os.Getenv("ANN_MNIST_DIR"))
	if err != nil {
		t.Fatal(err)
	}
	nb := 64
	xs := make([]Matrix, nb)
	ys := make([]Matrix, nb)
	for b := range xs {
		xs[b], _ = NewMatrix(batch, 784)
		ys[b], _ = NewMatrix(batch, 10)
		for i := 0; i < batch; i++ {
			r := rng.IntN(tr.X.Rows)
			copy(xs[b].Data[i*784:(i+1)*784], tr.X.Data[r*tr.X.Stride:r*tr.X.Stride+784])
			ys[b].Data[i*10+tr.Labels[r]] = 1
		}
		if os.Getenv("ZZRAND") != "" {
			xs[b] = randMatrix(rng, batch, 784)
		}
	}
	x := xs[0]
	net, _ := New(784).Dense(300, ReLU).Dense(100, ReLU).Dense(10, Softmax).Optimizer(Adam(0.001)).Seed(1).Build()
	net.prepare(x, batch)
	zzFn = zzUpdatePart(net)
	names := []string{"fwd1", "fwd2", "fwd3", "loss", "bwd3", "bwd2", "bwd1", "adam"}
	var samples [2][8][]float64
	for r := 0; r < 400; r++ {
		for pi, procs := range zzProcs {
			if os.Getenv("ZZSP") != "" {
				skipZeros = pi == 1
				procs = zzProcs[0]
				if os.Getenv("ZZ2") != "" {
					procs = 2
				}
			}
			runtime.GOMAXPROCS(procs)
			var ts [8]time.Duration
			for j := 0; j < 5; j++ {
				zzPhases(net, xs[(r*5+j)%nb], ys[(r*5+j)%nb], ts[:])
			}
			for i := range ts {
				samples[pi][i] = append(samples[pi][i], float64(ts[i].Nanoseconds())/5e3)
			}
		}
	}
	runtime.GOMAXPROCS(2)
	var tot [2]float64
	for i, nm := range names {
		var med [2]float64
		for pi := 0; pi < 2; pi++ {
			s := samples[pi][i]
			sort.Float64s(s)
			med[pi] = s[len(s)/2]
			tot[pi] += med[pi]
		}
		fmt.Printf("%-5s 1T %7.1f us  2T %7.1f us  speedup %.2f  (2T lost vs ideal %.1f us)\n", nm, med[0], med[1], med[0]/med[1], med[1]-med[0]/2)
	}
	fmt.Printf("total 1T %.1f 2T %.1f ratio %.3f\n", tot[0], tot[1], tot[0]/tot[1])
}
