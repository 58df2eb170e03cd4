package ann

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// sgemmShape is one benchmarked product: C[m×n] = op(A)·op(B) with depth k.
type sgemmShape struct {
	name           string
	transA, transB bool
	m, n, k        int
}

// benchShapes are the squares 64..1024 and the products of a 784-300-100-10
// network at batch 10, 128 and 1024: forward X·W, backward Xᵀ·dY (weight
// gradient) and dY·Wᵀ (input gradient).
func benchShapes() []sgemmShape {
	var s []sgemmShape
	for _, n := range []int{64, 128, 256, 512, 1024} {
		s = append(s, sgemmShape{name: fmt.Sprintf("%dx%dx%d", n, n, n), m: n, n: n, k: n})
	}
	layers := [][2]int{{784, 300}, {300, 100}, {100, 10}}
	for _, batch := range []int{10, 128, 1024} {
		for _, l := range layers {
			in, out := l[0], l[1]
			s = append(s,
				sgemmShape{name: fmt.Sprintf("fwd-B%d-%dx%d", batch, in, out), m: batch, n: out, k: in},
				sgemmShape{name: fmt.Sprintf("dW-B%d-%dx%d", batch, in, out), transA: true, m: in, n: out, k: batch},
				sgemmShape{name: fmt.Sprintf("dX-B%d-%dx%d", batch, in, out), transB: true, m: batch, n: in, k: out},
			)
		}
	}
	return s
}

// BenchmarkSgemm reports GFLOP/s for every kernel on every shape, so one run
// gives the ratio of each asm kernel to the generic one.
// Run: go test -run ^$ -bench Sgemm -cpu 1,2
func BenchmarkSgemm(b *testing.B) {
	for _, kern := range kernels {
		for _, s := range benchShapes() {
			benchRun(b, kern.name+"/"+s.name, func(b *testing.B) {
				undo, _ := useKernel(kern.name)
				defer undo()
				benchSgemm(b, s)
			})
		}
	}
}

func benchSgemm(b *testing.B, s sgemmShape) {
	rng := rand.New(rand.NewPCG(1, 2))
	a := randSlice(rng, s.m*s.k)
	bm := randSlice(rng, s.k*s.n)
	c := make([]float32, s.m*s.n)
	lda, ldb := s.k, s.n
	if s.transA {
		lda = s.m
	}
	if s.transB {
		ldb = s.k
	}
	b.ReportAllocs()
	for b.Loop() {
		Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
	}
	b.ReportMetric(2*float64(s.m)*float64(s.n)*float64(s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkPeak measures the attainable FMA throughput of one core with a
// register-only loop of independent FMAs, for efficiency ratios taken in the
// same run as BenchmarkSgemm.
func BenchmarkPeak(b *testing.B) {
	for _, kern := range kernels {
		if kern.peak == nil {
			continue
		}
		benchRun(b, kern.name, func(b *testing.B) {
			const iters = 1 << 16
			for b.Loop() {
				kern.peak(iters)
			}
			b.ReportMetric(float64(kern.peakFlops)*iters*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// mlp784 builds the tutorial's 784-300-100-10 network with Adam, as
// ../shared/bench/torch_mnist.py trains it.
func mlp784(b *testing.B) *Network {
	net, err := New(784).Dense(300, ReLU).Dense(100, ReLU).Dense(10, Softmax).Optimizer(Adam(0.001)).Seed(1).Build()
	if err != nil {
		b.Fatal(err)
	}
	return net
}

// BenchmarkTrainStep measures one training step (forward, backward, Adam
// update) of the 784-300-100-10 network; about 1.126 MFLOP per sample.
func BenchmarkTrainStep(b *testing.B) {
	for _, batch := range []int{10, 128, 1024} {
		benchRun(b, fmt.Sprintf("784-300-100-10/batch%d", batch), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			x := randMatrix(rng, batch, 784)
			y := oneHotRows(rng, batch, 10)
			net := mlp784(b)
			net.prepare(x, batch)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := net.trainStep(x, y, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}

// BenchmarkPredict measures inference of the 784-300-100-10 network into a
// caller-provided matrix.
func BenchmarkPredict(b *testing.B) {
	for _, batch := range []int{1, 1000} {
		benchRun(b, fmt.Sprintf("784-300-100-10/batch%d", batch), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			x := randMatrix(rng, batch, 784)
			net := mlp784(b)
			dst, _ := NewMatrix(batch, 10)
			b.ReportAllocs()
			for b.Loop() {
				if err := net.PredictInto(dst, x); err != nil {
					b.Fatal(err)
				}
			}
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(batch)*float64(b.N)/sec, "samples/s")
			b.ReportMetric(sec/float64(b.N)/float64(batch)*1e6, "µs/sample")
		})
	}
}

// mnistBench loads MNIST for the benchmarks on real digits, or skips the
// benchmark saying why.
func mnistBench(b *testing.B) (train, test *Dataset) {
	dir := MNISTDir()
	if dir == "" {
		b.Skip("set ANN_MNIST_DIR to the directory holding the MNIST files")
	}
	train, test, err := LoadMNIST(dir)
	if err != nil {
		b.Fatal(err)
	}
	return train, test
}

// BenchmarkTrainStepMNIST is BenchmarkTrainStep on batches of real MNIST
// digits (64 batches drawn at random, in turn), the data `ann mnist`
// trains on: most of their pixels are 0 in a whole batch, and the first
// layer's products skip those columns (see skipJob), which random features
// never let them do. Compare `ann mnist -threads 1` with this one.
func BenchmarkTrainStepMNIST(b *testing.B) {
	train, _ := mnistBench(b)
	for _, batch := range []int{10, 128} {
		benchRun(b, fmt.Sprintf("784-300-100-10/batch%d", batch), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			const pool = 64
			xs, ys := make([]Matrix, pool), make([]Matrix, pool)
			for i := range xs {
				xs[i], _ = NewMatrix(batch, 784)
				ys[i], _ = NewMatrix(batch, 10)
				for r := 0; r < batch; r++ {
					e := rng.IntN(train.X.Rows)
					copy(xs[i].Data[r*784:(r+1)*784], train.X.Data[e*train.X.Stride:])
					ys[i].Data[r*10+train.Labels[e]] = 1
				}
			}
			net := mlp784(b)
			net.prepare(xs[0], batch)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, _, err := net.trainStep(xs[i%pool], ys[i%pool], nil); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}

// BenchmarkPredictMNIST is BenchmarkPredict on the first 1000 MNIST test
// digits.
func BenchmarkPredictMNIST(b *testing.B) {
	_, test := mnistBench(b)
	benchRun(b, "784-300-100-10/batch1000", func(b *testing.B) {
		x, _ := test.X.RowView(0, 1000)
		net := mlp784(b)
		dst, _ := NewMatrix(1000, 10)
		b.ReportAllocs()
		for b.Loop() {
			if err := net.PredictInto(dst, x); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(1000*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
	})
}

// BenchmarkPredictQuantized is BenchmarkPredict for the same network
// quantized to int8 (static from 1000 calibration rows, and dynamic), on the
// int8 kernel in use; compare with BenchmarkPredict in the same run.
func BenchmarkPredictQuantized(b *testing.B) {
	for _, mode := range []string{"static", "dynamic"} {
		for _, batch := range []int{1, 1000} {
			benchRun(b, fmt.Sprintf("784-300-100-10/%s/batch%d", mode, batch), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 1))
				calib := randMatrix(rng, 1000, 784)
				opt := StaticQuantization()
				if mode == "dynamic" {
					opt = DynamicQuantization()
				}
				q, err := mlp784(b).Quantize(calib, opt)
				if err != nil {
					b.Fatal(err)
				}
				x := randMatrix(rng, batch, 784)
				dst, _ := NewMatrix(batch, 10)
				b.ReportAllocs()
				for b.Loop() {
					if err := q.PredictInto(dst, x); err != nil {
						b.Fatal(err)
					}
				}
				sec := b.Elapsed().Seconds()
				b.ReportMetric(float64(batch)*float64(b.N)/sec, "samples/s")
				b.ReportMetric(sec/float64(b.N)/float64(batch)*1e6, "µs/sample")
			})
		}
	}
}
