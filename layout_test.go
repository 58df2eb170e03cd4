package ann

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestKernelLayout: dense kernels of 16 units or more are stored with rows
// padded to 64 bytes and every parameter starts on 64 bytes; the padding
// of the weights and gradients stays exactly 0 through training with every
// optimizer, L1/L2, max-norm and clipping (the optimizer slots there keep
// their initial values, decayed, and move nothing); the file
// holds the values only (the same bytes as a compact layout would write)
// and loads back to the same network.
func TestKernelLayout(t *testing.T) {
	opts := []Optimizer{SGD(0.1), Momentum(0.05, 0.9), Nesterov(0.05, 0.9), AdaGrad(0.1), Adam(0.01),
		AdamW(0.01, 0.01), ProximalAdaGrad(0.1, 1e-3, 1e-3), RMSProp(0.01), FTRL(0.1, 1e-3, 1e-3)}
	rng := rand.New(rand.NewPCG(3, 4))
	x, y := randMatrix(rng, 40, 7), randMatrix(rng, 40, 3)
	for r := 0; r < y.Rows; r++ {
		row := y.Row(r)
		for j := range row {
			row[j] = 0
		}
		row[r%3] = 1
	}
	for _, opt := range opts {
		for _, l1clip := range []bool{false, true} {
			b := New(7).Dense(20, ReLU, MaxNorm(2)).Dense(33, Tanh).BatchNorm().Dense(16, LeakyReLU).Dense(3, Softmax).
				Optimizer(opt).L2(1e-3).ClipNorm(5).Seed(9)
			if l1clip {
				b = b.L1(1e-3, L1ClipAtZero())
			} else {
				b = b.L1(1e-3)
			}
			net, err := b.Build()
			if err != nil {
				t.Fatal(err)
			}
			if got, want := net.Params(), 7*20+20+20*33+33+2*33+33*16+16+16*3+3; got != want {
				t.Fatalf("Params() = %d, want %d", got, want)
			}
			if _, err := net.Fit(context.Background(), x, y, Epochs(3), BatchSize(8)); err != nil {
				t.Fatal(err)
			}
			for i, l := range net.Layers() {
				if l.Kind != "dense" {
					continue
				}
				w := l.Weights
				if want := kernelStride(l.Units); w.Stride != want || (l.Units >= 16 && w.Stride%16 != 0) {
					t.Fatalf("layer %d: %d units stored with stride %d", i, l.Units, w.Stride)
				}
				if len(w.Data) != (w.Rows-1)*w.Stride+w.Cols {
					t.Fatalf("layer %d: Data holds %d floats for %d×%d at stride %d", i, len(w.Data), w.Rows, w.Cols, w.Stride)
				}
			}
			for i, p := range net.params {
				if addr := uintptr(unsafe.Pointer(&p.w[0])); addr%64 != 0 {
					t.Fatalf("param %d starts at %#x, not on 64 bytes", i, addr)
				}
				bufs := append([][]float32{p.w, p.g}, p.state.slots()...)
				for s, buf := range bufs {
					if len(buf) != len(p.w) {
						t.Fatalf("%v: param %d buffer %d has %d floats, w %d", opt, i, s, len(buf), len(p.w))
					}
					for k, v := range buf {
						r, c := k/p.stride, k%p.stride
						inside := r < p.rows && c < p.cols
						if !inside && s < 2 && v != 0 {
							t.Fatalf("%v: param %d buffer %d: padding element %d (row %d col %d) is %v", opt, i, s, k, r, c, v)
						}
						if !finite32(v) {
							t.Fatalf("%v: param %d buffer %d: NaN", opt, i, s)
						}
					}
				}
			}
			var buf bytes.Buffer
			if err := net.Save(&buf); err != nil {
				t.Fatal(err)
			}
			hlen := int(binary.LittleEndian.Uint32(buf.Bytes()[12:]))
			if want := 16 + hlen + 4*compactFileFloats(net) + 32; buf.Len() != want {
				t.Fatalf("%v: file of %d bytes, want %d (header, the values without padding, checksum)", opt, buf.Len(), want)
			}
			got, err := Load(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			for i := range net.weights {
				if math.Float32bits(net.weights[i]) != math.Float32bits(got.weights[i]) {
					t.Fatalf("%v: weight %d is %v after loading, %v before", opt, i, got.weights[i], net.weights[i])
				}
			}
			for i := range net.params {
				a, b := net.params[i].state.slots(), got.params[i].state.slots()
				p := net.params[i]
				for s := range a {
					for r := 0; r < p.rows; r++ {
						for c := 0; c < p.cols; c++ {
							k := r*p.stride + c
							if math.Float32bits(a[s][k]) != math.Float32bits(b[s][k]) {
								t.Fatalf("%v: param %d slot %d (%d, %d) is %v after loading, %v before", opt, i, s, r, c, b[s][k], a[s][k])
							}
						}
					}
				}
			}
		}
	}
}

// compactFileFloats is the number of values a file of net with optimizer
// state holds: every tensor without padding.
func compactFileFloats(net *Network) int {
	c := 0
	for _, t := range net.tensors(true) {
		c += t.size()
	}
	return c
}
