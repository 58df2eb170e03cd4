package ann

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// int8Layers are the 784-300-100-10 network's layers (depth, width).
var int8Layers = [][2]int{{784, 300}, {300, 100}, {100, 10}}

// BenchmarkInt8Gemm reports GMAC/s (multiply-adds per second) of every int8
// kernel on the products of a 784-300-100-10 network at batch 1, 10, 128
// and 1000, and of float32 Sgemm (the active float kernel, sub-benchmarks
// named sgemm-<kernel>) on the same shapes, so one run gives the int8
// kernels' ratio to the generic one and to float32. The mlp sub-benchmarks
// run the three products in a row, the kernels' share of an inference
// (no quantization, bias or activation).
// Run: go test -run '^$' -bench Int8Gemm -cpu 1
func BenchmarkInt8Gemm(b *testing.B) {
	batches := []int{1, 10, 128, 1000}
	for _, kern := range int8Kernels {
		for _, m := range batches {
			for _, l := range int8Layers {
				benchRun(b, fmt.Sprintf("%s/B%d-%dx%d", kern.name, m, l[0], l[1]), func(b *testing.B) {
					benchInt8(b, kern, m, [][2]int{l})
				})
			}
			benchRun(b, fmt.Sprintf("%s/B%d-mlp", kern.name, m), func(b *testing.B) {
				benchInt8(b, kern, m, int8Layers)
			})
		}
	}
	for _, m := range batches {
		for _, l := range int8Layers {
			benchRun(b, fmt.Sprintf("sgemm-%s/B%d-%dx%d", Kernel(), m, l[0], l[1]), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				x, w := randSlice(rng, m*l[0]), randSlice(rng, l[0]*l[1])
				c := make([]float32, m*l[1])
				b.ReportAllocs()
				for b.Loop() {
					Sgemm(false, false, m, l[1], l[0], 1, x, l[0], w, l[1], 0, c, l[1])
				}
				b.ReportMetric(float64(m*l[0]*l[1])*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
			})
		}
	}
}

// benchInt8 times kern on the chain of layers at batch m, each product's
// input the previous one's output width (the int32 results are not
// requantized: only the products are timed).
func benchInt8(b *testing.B, kern *int8Kernel, m int, layers [][2]int) {
	rng := rand.New(rand.NewPCG(1, 2))
	type layer struct {
		k, n   int
		a      []uint8
		packed []byte
		c      []int32
	}
	ls := make([]layer, len(layers))
	macs := 0
	for i, l := range layers {
		k, n := l[0], l[1]
		a := make([]uint8, m*k)
		for j := range a {
			a[j] = uint8(rng.IntN(256))
		}
		w := make([]int8, k*n)
		for j := range w {
			w[j] = int8(rng.IntN(256) - 128)
		}
		ls[i] = layer{k: k, n: n, a: a, packed: kern.pack(w, k, n), c: make([]int32, m*n)}
		macs += m * k * n
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range ls {
			kern.gemm(m, l.n, l.k, l.a, l.k, l.packed, l.c, l.n)
		}
	}
	b.ReportMetric(float64(macs)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
}
