package ann

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// forEachInt8Kernel runs body once per int8 kernel this CPU and build can
// run, as a subtest named after the kernel, with that kernel active.
func forEachInt8Kernel(t *testing.T, body func(t *testing.T, k *int8Kernel)) {
	t.Helper()
	for _, k := range int8Kernels {
		t.Run(k.name, func(t *testing.T) {
			undo, ok := useInt8Kernel(k.name)
			if !ok {
				t.Fatalf("int8 kernel %s listed but not selectable", k.name)
			}
			defer undo()
			body(t, k)
		})
	}
}

// int8Case runs one product through kern and the reference loop: A at an
// odd offset with a padded leading dimension, C with guard values around
// each row, extreme values (0, 255, −128, 127) mixed in.
func int8Case(t *testing.T, rng *rand.Rand, kern *int8Kernel, m, n, k int) {
	t.Helper()
	lda, ldc := k+rng.IntN(5), n+1+rng.IntN(3)
	off := 1 + rng.IntN(7)
	abuf := make([]uint8, off+m*lda)
	a := abuf[off:]
	for i := range a {
		switch rng.IntN(8) {
		case 0:
			a[i] = 255
		case 1:
			a[i] = 0
		default:
			a[i] = uint8(rng.IntN(256))
		}
	}
	w := make([]int8, k*n)
	for i := range w {
		switch rng.IntN(8) {
		case 0:
			w[i] = -128
		case 1:
			w[i] = 127
		default:
			w[i] = int8(rng.IntN(256) - 128)
		}
	}
	want := make([]int64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s int64
			for p := 0; p < k; p++ {
				s += int64(a[i*lda+p]) * int64(w[p*n+j])
			}
			want[i*n+j] = s
		}
	}
	const guard = -0x5a5a5a5a
	cbuf := make([]int32, 3+m*ldc)
	c := cbuf[3:]
	for i := range cbuf {
		cbuf[i] = guard
	}
	kern.gemm(m, n, k, a, lda, kern.pack(w, k, n), c, ldc)
	for i := range cbuf[:3] {
		if cbuf[i] != guard {
			t.Fatalf("%s m=%d n=%d k=%d: wrote before C", kern.name, m, n, k)
		}
	}
	for i := 0; i < m; i++ {
		for j := 0; j < ldc; j++ {
			got := c[i*ldc+j]
			if j >= n {
				if got != guard {
					t.Fatalf("%s m=%d n=%d k=%d: wrote C[%d][%d] past n", kern.name, m, n, k, i, j)
				}
				continue
			}
			if int64(got) != want[i*n+j] {
				t.Fatalf("%s m=%d n=%d k=%d: C[%d][%d] = %d, want %d", kern.name, m, n, k, i, j, got, want[i*n+j])
			}
		}
	}
}

func TestInt8KernelsMatchReference(t *testing.T) {
	top := 70
	if testing.Short() {
		top = 40
	}
	forEachInt8Kernel(t, func(t *testing.T, kern *int8Kernel) {
		rng := rand.New(rand.NewPCG(3, 4))
		for m := 1; m <= 9; m++ {
			for n := 1; n <= top; n += 1 + rng.IntN(3) {
				for k := 1; k <= top; k += 1 + rng.IntN(4) {
					int8Case(t, rng, kern, m, n, k)
				}
			}
		}
		// The network's shapes, and depths long enough for every
		// accumulation path.
		// Empty products: k = 0 zeroes C's m×n, m = 0 or n = 0 writes nothing.
		for _, s := range [][3]int{{1, 300, 784}, {13, 100, 300}, {33, 10, 100}, {2, 17, 1031}, {64, 300, 784},
			{3, 5, 0}, {0, 5, 7}, {4, 0, 9}} {
			int8Case(t, rng, kern, s[0], s[1], s[2])
		}
	})
}

func TestInt8KernelsListed(t *testing.T) {
	names := Int8Kernels()
	if len(names) == 0 || names[0] != "generic" {
		t.Fatalf("Int8Kernels() = %v, want generic first", names)
	}
	found := false
	for _, n := range names {
		found = found || n == Int8Kernel()
	}
	if !found {
		t.Fatalf("Int8Kernel() = %q not in %v", Int8Kernel(), names)
	}
	t.Log(fmt.Sprint("int8 kernels: ", names, ", active ", Int8Kernel()))
}

// TestInt8KernelsNoAlloc checks that gemm allocates nothing, also when the
// last rows of A are too short for a kernel's whole depth units and are
// copied (k = 100 and 301, A exactly m·k bytes), as quantized inference's
// PredictInto promises.
func TestInt8KernelsNoAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	forEachInt8Kernel(t, func(t *testing.T, kern *int8Kernel) {
		for _, s := range [][3]int{{1, 10, 100}, {3, 100, 301}, {7, 300, 784}} {
			m, n, k := s[0], s[1], s[2]
			a := make([]uint8, m*k)
			packed := kern.pack(make([]int8, k*n), k, n)
			c := make([]int32, m*n)
			if allocs := testing.AllocsPerRun(10, func() { kern.gemm(m, n, k, a, k, packed, c, n) }); allocs != 0 {
				t.Errorf("%s m=%d n=%d k=%d: %v allocations per gemm, want 0", kern.name, m, n, k, allocs)
			}
		}
	})
}

// TestInt8KernelsExtremes runs every kernel where saturation or overflow
// would show: A all 255 against columns of −128 and of 127, at the deepest
// allowed product (maxInt8Depth, sums within 128 of −2³¹) and at widths
// that give every row count of a strip a full 64-column panel.
func TestInt8KernelsExtremes(t *testing.T) {
	forEachInt8Kernel(t, func(t *testing.T, kern *int8Kernel) {
		for _, s := range [][3]int{{1, 17, maxInt8Depth}, {2, 64, 1031}, {3, 70, 515}, {5, 130, 64}, {7, 33, 999}} {
			m, n, k := s[0], s[1], s[2]
			a := make([]uint8, m*k)
			for i := range a {
				a[i] = 255
			}
			w := make([]int8, k*n)
			for p := 0; p < k; p++ {
				for j := 0; j < n; j++ {
					w[p*n+j] = -128
					if j%3 == 1 {
						w[p*n+j] = 127
					}
				}
			}
			c := make([]int32, m*n)
			kern.gemm(m, n, k, a, k, kern.pack(w, k, n), c, n)
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					want := int64(255) * int64(w[j]) * int64(k)
					if int64(c[i*n+j]) != want {
						t.Fatalf("%s m=%d n=%d k=%d: C[%d][%d] = %d, want %d", kern.name, m, n, k, i, j, c[i*n+j], want)
					}
				}
			}
		}
	})
}

// TestInt8RowKernels checks every int8 kernel's quantize and dequantize row
// kernels against the Go loops bit for bit: lengths 0..70 at odd offsets,
// with NaN, ±Inf, ±0, ties at .5 after scaling, values far outside the
// range, and bytes around the row that must stay untouched.
func TestInt8RowKernels(t *testing.T) {
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0,
		float32(math.Copysign(0, -1)), 0.5, 1.5, 2.5, -0.5, -2.5, 1e30, -1e30, 254.5, 255.5, 1e-40}
	forEachInt8Kernel(t, func(t *testing.T, kern *int8Kernel) {
		rng := rand.New(rand.NewPCG(5, 6))
		for n := 0; n <= 70; n++ {
			for _, zero := range []int32{0, 1, 128, 255} {
				off := rng.IntN(5)
				v := make([]float32, off+n)[off:]
				for i := range v {
					if rng.IntN(4) == 0 {
						v[i] = specials[rng.IntN(len(specials))]
					} else {
						v[i] = float32(rng.NormFloat64() * 100)
					}
				}
				inv := []float32{1, 0.37, 3.3, 1 / 0.0123}[rng.IntN(4)]
				{
					got, want := make([]uint8, n+2), make([]uint8, n+2)
					got[n], got[n+1], want[n], want[n+1] = 0xa5, 0x5a, 0xa5, 0x5a
					gotOK := kern.quantize(got[:n], v, inv, zero)
					wantOK := quantizeRow(want[:n], v, inv, zero)
					finite := true
					for _, x := range v {
						finite = finite && !math.IsNaN(float64(x)) && !math.IsInf(float64(x), 0)
					}
					if wantOK != finite {
						t.Fatalf("quantizeRow n=%d reports finite %v for %v", n, wantOK, v)
					}
					if gotOK != wantOK {
						t.Fatalf("quantize n=%d: reports finite %v, the Go loop %v (v = %v)", n, gotOK, wantOK, v)
					}
					for i := range got {
						if got[i] != want[i] {
							t.Fatalf("quantize n=%d zero=%d inv=%g: out[%d] = %d, want %d (v = %g)", n, zero, inv, i, got[i], want[i], v[min(i, max(n-1, 0))])
						}
					}
				}
				{
					glo, ghi := kern.rowRange(v)
					wlo, whi := rowRange(v)
					if math.Float32bits(glo) != math.Float32bits(wlo) || math.Float32bits(ghi) != math.Float32bits(whi) {
						t.Fatalf("rowRange n=%d: (%g, %g), want (%g, %g) (v = %v)", n, glo, ghi, wlo, whi, v)
					}
				}
				if n > 0 {
					x := make([]float32, n)
					for i := range x {
						switch rng.IntN(6) {
						case 0:
							x[i] = 0
						case 1:
							x[i] = float32(math.Copysign(0, -1))
						case 2:
							x[i] = float32(rng.NormFloat64() * 60) // some far below the maximum
						default:
							x[i] = float32(rng.NormFloat64() * 4)
						}
					}
					got, want := make([]float32, n+1), make([]float32, n+1)
					got[n], want[n] = 7, 7
					kern.softmax(x, got[:n])
					softmaxRow32(x, want[:n])
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("softmax n=%d: y[%d] = %g, want %g (x = %v)", n, i, got[i], want[i], x)
						}
					}
				}
				if kern.requantize != nil {
					l := &qLayer{out: n, wScale: make([]float32, n), bias: make([]float32, n), colSum: make([]int32, n)}
					acc := make([]int32, n)
					for j := 0; j < n; j++ {
						l.wScale[j] = float32(rng.Float64() * 0.01)
						l.bias[j] = float32(rng.NormFloat64())
						if rng.IntN(8) == 0 {
							l.bias[j] = specials[rng.IntN(len(specials))]
						}
						l.colSum[j] = int32(rng.IntN(1<<16) - 1<<15)
						acc[j] = int32(rng.Uint32())
					}
					sx := float32(rng.Float64() * 0.1)
					for _, act := range []Activation{ReLU, Identity} {
						z := make([]float32, n)
						dequantizeRow(z, acc, l.wScale, l.bias, l.colSum, sx, zero)
						act.forwardRow(z, z, 0)
						want := make([]uint8, n+1)
						want[n] = 0x3c
						wantOK := quantizeRow(want[:n], z, inv, 255-zero)
						got := make([]uint8, n+1)
						got[n] = 0x3c
						gotOK := kern.requantize(got[:n], acc, l.wScale, l.bias, l.colSum, sx, zero, act == ReLU, inv, 255-zero)
						if gotOK != wantOK || !bytes.Equal(got, want) {
							t.Fatalf("requantize %v n=%d: %v %v, want %v %v", act, n, got, gotOK, want, wantOK)
						}
					}
				}
				{
					l := &qLayer{out: n, wScale: make([]float32, n), bias: make([]float32, n), colSum: make([]int32, n)}
					acc := make([]int32, n)
					for j := 0; j < n; j++ {
						l.wScale[j] = float32(rng.Float64() * 0.01)
						l.bias[j] = float32(rng.NormFloat64())
						l.colSum[j] = int32(rng.IntN(1<<16) - 1<<15)
						acc[j] = int32(rng.Uint32())
					}
					sx := float32(rng.Float64() * 0.1)
					got, want := make([]float32, n+1), make([]float32, n+1)
					got[n], want[n] = 42, 42
					kern.dequantize(got[:n], acc, l.wScale, l.bias, l.colSum, sx, zero)
					dequantizeRow(want[:n], acc, l.wScale, l.bias, l.colSum, sx, zero)
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("dequantize n=%d zero=%d: z[%d] = %g, want %g", n, zero, i, got[i], want[i])
						}
					}
				}
			}
		}
	})
}

// TestChooseInt8 checks how ANN_KERNEL picks the int8 kernel: the best by
// default and for unknown names, an int8 kernel by its name, generic for
// generic, and for a float kernel set the best int8 kernel no wider than
// it (never a zmm kernel under ANN_KERNEL=avx2).
func TestChooseInt8(t *testing.T) {
	best := int8Kernels[len(int8Kernels)-1]
	for _, name := range []string{"", "no-such-kernel"} {
		if k := chooseInt8(name); k != best {
			t.Errorf("chooseInt8(%q) = %s, want the best, %s", name, k.name, best.name)
		}
	}
	for _, k := range int8Kernels {
		if got := chooseInt8(k.name); got != k {
			t.Errorf("chooseInt8(%q) = %s", k.name, got.name)
		}
	}
	if k := chooseInt8("generic"); k != &genericInt8 {
		t.Errorf("chooseInt8(generic) = %s", k.name)
	}
	width := func(set string) int {
		if w, ok := int8Width[set]; ok {
			return w
		}
		return 1 << 30
	}
	for _, set := range Kernels() {
		k := chooseInt8(set)
		if width(k.set) > width(set) {
			t.Errorf("chooseInt8(%q) = %s, which uses %s registers", set, k.name, k.set)
		}
		t.Logf("ANN_KERNEL=%s → int8 kernel %s", set, k.name)
	}
}
