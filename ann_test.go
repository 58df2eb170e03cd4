package ann

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"sync"
	"testing"
)

// ---------------------------------------------------------------- float64 twin

// twinObjective is the loss a network minimises on x, t, computed in float64
// from scratch with parameters w (laid out as Network.weights): the reduced
// per-example loss plus λ₁·Σ|W| + ½λ₂·ΣW² over dense kernels. Batch norm
// uses the batch statistics (training mode); dropout layers multiply by the
// masks the network drew in its last training forward pass (masks[i] for
// layer i), so the twin differentiates the same function.
func twinObjective(n *Network, w []float64, x, t Matrix, masks map[int][]float32) float64 {
	rows := x.Rows
	a := make([][]float64, rows)
	for r := range a {
		a[r] = make([]float64, x.Cols)
		for j := range a[r] {
			a[r][j] = float64(x.At(r, j))
		}
	}
	// param returns parameter i's values in w (row r at [r*stride:]) and
	// its stride.
	pi := 0
	param := func() ([]float64, int) {
		p := n.params[pi]
		pi++
		return w[p.off : p.off+(p.rows-1)*p.stride+p.cols], p.stride
	}
	for li, l := range n.layers {
		next := make([][]float64, rows)
		switch l.kind {
		case layerDense:
			wk, stride := param()
			b, _ := param()
			for r := range a {
				z := make([]float64, l.out)
				for o := range z {
					s := b[o]
					for i := range a[r] {
						s += a[r][i] * wk[i*stride+o]
					}
					z[o] = s
				}
				next[r] = actRef64(l.act, z, float64(l.alpha))
			}
		case layerDropout:
			m := masks[li]
			for r := range a {
				next[r] = make([]float64, l.out)
				for j := range next[r] {
					next[r][j] = a[r][j] * float64(m[r*l.out+j])
				}
			}
		case layerBatchNorm:
			gamma, _ := param()
			beta, _ := param()
			for r := range next {
				next[r] = make([]float64, l.out)
			}
			for j := 0; j < l.out; j++ {
				var mean, v float64
				for r := range a {
					mean += a[r][j]
				}
				mean /= float64(rows)
				for r := range a {
					v += (a[r][j] - mean) * (a[r][j] - mean)
				}
				v /= float64(rows)
				for r := range a {
					next[r][j] = gamma[j]*(a[r][j]-mean)/math.Sqrt(v+float64(l.eps)) + beta[j]
				}
			}
		}
		a = next
	}
	var total float64
	for r := range a {
		var li float64
		switch n.cfg.Loss {
		case SoftmaxCrossEntropy:
			for o, p := range a[r] {
				li -= float64(t.At(r, o)) * math.Log(p)
			}
		case MeanSquaredError:
			for o, p := range a[r] {
				e := p - float64(t.At(r, o))
				li += e * e / float64(len(a[r]))
			}
		case HalfSquaredError:
			for o, p := range a[r] {
				e := p - float64(t.At(r, o))
				li += 0.5 * e * e
			}
		default:
			panic("twin: unsupported loss")
		}
		total += li
	}
	if n.cfg.Reduction == MeanReduction {
		total /= float64(rows)
	}
	for _, p := range n.params {
		if p.kernel {
			// The padding between the rows is 0 and adds nothing.
			for _, v := range w[p.off : p.off+len(p.w)] {
				total += n.cfg.L1*math.Abs(v) + 0.5*n.cfg.L2*v*v
			}
		}
	}
	return total
}

func randMatrix(rng *rand.Rand, rows, cols int) Matrix {
	m, _ := NewMatrix(rows, cols)
	for i := range m.Data {
		m.Data[i] = float32(rng.NormFloat64())
	}
	return m
}

func oneHotRows(rng *rand.Rand, rows, classes int) Matrix {
	m, _ := NewMatrix(rows, classes)
	for i := 0; i < rows; i++ {
		m.Set(i, rng.IntN(classes), 1)
	}
	return m
}

// TestNetworkGradient checks the whole-network gradient (backpropagation
// through three dense layers, the loss and the L1+L2 penalty) against
// central finite differences of a float64 twin of the objective. The twin's
// differences are accurate to about 1e-9; our gradients are float32 sums
// of at most a few dozen terms of size ≲ 1, so they carry errors of a few
// ulps of the largest gradient: the bound 1e-4·max|g| leaves a wide margin
// while a wrong term (a missing factor, a transposed product, a dropped
// penalty) is off by far more.
func TestNetworkGradient(t *testing.T) {
	cases := []struct {
		name   string
		build  *Builder
		target func(rng *rand.Rand, rows int) Matrix
	}{
		{"tanh-sigmoid-softmax/sce/mean/l1l2",
			New(4).Dense(5, Tanh).Dense(3, Sigmoid).Dense(3, Softmax).L1(0.01).L2(0.03),
			func(rng *rand.Rand, rows int) Matrix { return oneHotRows(rng, rows, 3) }},
		{"tanh-identity/mse/sum/l2",
			New(3).Dense(6, Tanh).Dense(4, Tanh).Dense(2, Identity).Loss(MeanSquaredError).Reduction(SumReduction).L2(0.1),
			func(rng *rand.Rand, rows int) Matrix { return randMatrix(rng, rows, 2) }},
		{"dropout-batchnorm/sce/sum/l2",
			New(3).Dense(6, Tanh).Dropout(0.4).BatchNorm().Dense(5, Sigmoid).BatchNorm().Dense(3, Softmax).Reduction(SumReduction).L2(0.05),
			func(rng *rand.Rand, rows int) Matrix { return oneHotRows(rng, rows, 3) }},
		// Layers of 16 units or more keep their weights in padded rows
		// (kernelStride): the products read them through the stride, and
		// the twin indexes them the same way.
		{"wide-padded/sce/mean/l1l2",
			New(5).Dense(20, Sigmoid).Dropout(0.3).BatchNorm().Dense(17, Tanh).Dense(33, Sigmoid).Dense(3, Softmax).L1(0.01).L2(0.02),
			func(rng *rand.Rand, rows int) Matrix { return oneHotRows(rng, rows, 3) }},
		{"wide-padded/mse/sum",
			New(3).Dense(18, Tanh).Dense(20, Identity).Loss(MeanSquaredError).Reduction(SumReduction),
			func(rng *rand.Rand, rows int) Matrix { return randMatrix(rng, rows, 20) }},
		{"sigmoid-tanh/half-squared/mean/l1",
			New(2).Dense(4, Sigmoid).Dense(3, Tanh).Dense(1, Tanh).Loss(HalfSquaredError).L1(0.02),
			func(rng *rand.Rand, rows int) Matrix { return randMatrix(rng, rows, 1) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 8))
			net, err := c.build.Seed(3).Build()
			if err != nil {
				t.Fatal(err)
			}
			const rows = 6
			x := randMatrix(rng, rows, net.Inputs())
			y := c.target(rng, rows)
			net.prepare(x, rows)
			if _, _, err := net.gradients(x, y, nil); err != nil {
				t.Fatal(err)
			}
			masks := map[int][]float32{}
			for i, l := range net.layers {
				if l.kind == layerDropout {
					masks[i] = net.train.ls[i].mask
				}
			}
			// Batch norm's γ start at 1 and β at 0; move them so their
			// gradients are not special.
			for _, l := range net.layers {
				for i := range l.gamma {
					l.gamma[i] = float32(0.5 + rng.Float64())
					l.beta[i] = float32(rng.NormFloat64() * 0.3)
				}
			}
			if _, _, err := net.gradients(x, y, nil); err != nil {
				t.Fatal(err)
			}
			w := make([]float64, len(net.weights))
			for i, v := range net.weights {
				w[i] = float64(v)
			}
			gmax := 0.0
			for _, g := range net.grads {
				gmax = math.Max(gmax, math.Abs(float64(g)))
			}
			const h = 1e-5
			for i := range w {
				keep := w[i]
				w[i] = keep + h
				fp := twinObjective(net, w, x, y, masks)
				w[i] = keep - h
				fm := twinObjective(net, w, x, y, masks)
				w[i] = keep
				fd := (fp - fm) / (2 * h)
				if d := math.Abs(fd - float64(net.grads[i])); d > 1e-4*gmax {
					t.Errorf("param %d: backprop %.7g, finite difference %.7g (|diff| %.3g > %.3g)", i, net.grads[i], fd, d, 1e-4*gmax)
				}
			}
		})
	}
}

// ---------------------------------------------------------------- learning

func xorData() (Matrix, Matrix) {
	x, _ := MatrixFromRows([][]float32{{0, 0}, {0, 1}, {1, 0}, {1, 1}})
	y, _ := MatrixFromRows([][]float32{{1, 0}, {0, 1}, {0, 1}, {1, 0}})
	return x, y
}

func TestLearnXOR(t *testing.T) {
	x, y := xorData()
	net, err := New(2).Dense(8, Tanh).Dense(2, Softmax).Optimizer(Adam(0.05)).Seed(5).Build()
	if err != nil {
		t.Fatal(err)
	}
	h, err := net.Fit(context.Background(), x, y, Epochs(300), BatchSize(4))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := net.Evaluate(x, y)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Accuracy != 1 || ev.AverageLoss > 0.05 {
		t.Fatalf("XOR not learned: accuracy %v, loss %v (first epoch loss %v)", ev.Accuracy, ev.AverageLoss, h.Epochs[0].Loss)
	}
	if got := net.Step(); got != 300 {
		t.Errorf("global step %d after 300 epochs of one batch, want 300", got)
	}
}

// spirals returns the classic two-spirals problem: n points per arm.
func spirals(n int, seed uint64) (Matrix, Matrix) {
	rng := rand.New(rand.NewPCG(seed, 1))
	x, _ := NewMatrix(2*n, 2)
	y, _ := NewMatrix(2*n, 2)
	for i := 0; i < n; i++ {
		r := float64(i) / float64(n) * 5
		th := 1.75 * float64(i) / float64(n) * 2 * math.Pi
		for c := 0; c < 2; c++ {
			ph := th + float64(c)*math.Pi
			row := 2*i + c
			x.Set(row, 0, float32(r*math.Sin(ph)+0.05*rng.NormFloat64()))
			x.Set(row, 1, float32(r*math.Cos(ph)+0.05*rng.NormFloat64()))
			y.Set(row, c, 1)
		}
	}
	return x, y
}

func TestLearnTwoSpirals(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	x, y := spirals(200, 1)
	net, err := New(2).Dense(32, Tanh).Dense(32, Tanh).Dense(2, Softmax).Optimizer(Adam(0.01)).Seed(2).Build()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := net.Fit(context.Background(), x, y, Epochs(400), BatchSize(32)); err != nil {
		t.Fatal(err)
	}
	ev, _ := net.Evaluate(x, y)
	if ev.Accuracy < 0.98 {
		t.Fatalf("two spirals: training accuracy %.3f, want ≥ 0.98", ev.Accuracy)
	}
}

// TestLearnRegression fits y = sin(x₁) + x₂²/2 on [−2, 2]² and asserts the
// held-out R² ≥ 0.98.
func TestLearnRegression(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	gen := func(n int) (Matrix, Matrix) {
		x, _ := NewMatrix(n, 2)
		y, _ := NewMatrix(n, 1)
		for i := 0; i < n; i++ {
			a, b := 4*rng.Float64()-2, 4*rng.Float64()-2
			x.Set(i, 0, float32(a))
			x.Set(i, 1, float32(b))
			y.Set(i, 0, float32(math.Sin(a)+b*b/2))
		}
		return x, y
	}
	x, y := gen(1000)
	xt, yt := gen(300)
	net, err := New(2).Dense(32, Tanh).Dense(32, Tanh).Dense(1, Identity).Optimizer(Adam(0.01)).Seed(9).Build()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := net.Fit(context.Background(), x, y, Epochs(150), BatchSize(32)); err != nil {
		t.Fatal(err)
	}
	p, err := net.Predict(xt)
	if err != nil {
		t.Fatal(err)
	}
	var ssRes, ssTot, mean float64
	for i := 0; i < yt.Rows; i++ {
		mean += float64(yt.At(i, 0))
	}
	mean /= float64(yt.Rows)
	for i := 0; i < yt.Rows; i++ {
		d := float64(p.At(i, 0) - yt.At(i, 0))
		ssRes += d * d
		e := float64(yt.At(i, 0)) - mean
		ssTot += e * e
	}
	if r2 := 1 - ssRes/ssTot; r2 < 0.98 {
		t.Fatalf("regression R² = %.4f, want ≥ 0.98", r2)
	}
}

// ---------------------------------------------------------------- determinism, allocations, concurrency

func trainedWeights(t *testing.T, procs, batch int, opt Optimizer) []float32 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	rng := rand.New(rand.NewPCG(1, 2))
	rows := 512
	if testing.Short() {
		rows = 256 // two epochs of one step each still cover split products and updates
	}
	x := randMatrix(rng, rows, 200)
	y := oneHotRows(rng, rows, 10)
	net, err := New(200).Dense(300, ReLU).Dropout(0.2).Dense(100, ReLU).Dense(10, Softmax).Optimizer(opt).Seed(11).Build()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := net.Fit(context.Background(), x, y, Epochs(2), BatchSize(batch)); err != nil {
		t.Fatal(err)
	}
	return append([]float32(nil), net.weights...)
}

// TestTrainingDeterministic: the same seed gives bit-identical weights at
// GOMAXPROCS 1 and 2 with every optimizer (the products are large enough
// to run in parallel, and the 91k parameters are updated in two parts), at
// batch 256 and at batch 64, where the first layer's forward product is
// split by column strips instead of rows (see splitByRows).
func TestTrainingDeterministic(t *testing.T) {
	defer setMinParallel(1)()
	opts := []Optimizer{SGD(0.1), Momentum(0.05, 0.9), Nesterov(0.05, 0.9), AdaGrad(0.1), Adam(0.001),
		AdamW(0.001, 0.01), ProximalAdaGrad(0.1, 1e-3, 1e-3), RMSProp(0.001), FTRL(0.1, 1e-3, 1e-3)}
	if testing.Short() {
		// Under emulation (qemu) one vector rule, one Go-loop rule and
		// plain SGD cover the split; native runs check all nine.
		opts = []Optimizer{SGD(0.1), Adam(0.001), FTRL(0.1, 1e-3, 1e-3)}
	}
	for _, batch := range []int{256, 64} {
		for _, opt := range opts {
			a := trainedWeights(t, 1, batch, opt)
			b := trainedWeights(t, 2, batch, opt)
			for i := range a {
				if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
					t.Fatalf("%v, batch %d: weight %d differs: %v at GOMAXPROCS 1, %v at 2", opt, batch, i, a[i], b[i])
				}
			}
		}
	}
}

// TestTrainGatherAhead: Train in chunks of steps that end mid-epoch and
// cross epochs, with a partial last batch, gives the same weights at
// GOMAXPROCS 1 (every batch gathered when it is needed) and 2 and 3 (each
// next batch of an epoch gathered ahead by idle workers).
func TestTrainGatherAhead(t *testing.T) {
	defer setMinParallel(1)()
	train := func(procs int) []float32 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		rng := rand.New(rand.NewPCG(3, 4))
		x := randMatrix(rng, 300, 40)
		y := oneHotRows(rng, 300, 3)
		net, err := New(40).Dense(20, ReLU).Dense(3, Softmax).Optimizer(Adam(0.01)).Seed(5).Build()
		if err != nil {
			t.Fatal(err)
		}
		for _, steps := range []int{3, 4, 7} {
			if _, err := net.Train(context.Background(), x, y, steps, BatchSize(64)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := net.Fit(context.Background(), x, y, Epochs(2), BatchSize(64)); err != nil {
			t.Fatal(err)
		}
		return append([]float32(nil), net.weights...)
	}
	want := train(1)
	for _, procs := range []int{2, 3} {
		got := train(procs)
		for i := range want {
			if math.Float32bits(want[i]) != math.Float32bits(got[i]) {
				t.Fatalf("GOMAXPROCS %d: weight %d is %v, %v at GOMAXPROCS 1", procs, i, got[i], want[i])
			}
		}
	}
}

// TestUpdatePartsCover: updating the parameters in any number of parts
// touches each element exactly once (SGD with lr 1 and gradient 1 lowers
// every weight by exactly 1): matrices too small to split, matrices split
// by row strips (more parts than strips too) and one-row parameters.
func TestUpdatePartsCover(t *testing.T) {
	for _, sizes := range [][]int{{7, 5, 3}, {70, 37, 17, 3}} {
		b := New(sizes[0])
		for _, s := range sizes[1 : len(sizes)-1] {
			b = b.Dense(s, ReLU)
		}
		net, err := b.Dense(sizes[len(sizes)-1], Softmax).Optimizer(SGD(1)).Build()
		if err != nil {
			t.Fatal(err)
		}
		testUpdatePartsCover(t, net)
	}
}

func testUpdatePartsCover(t *testing.T, net *Network) {
	for parts := 1; parts <= 12; parts++ {
		before := append([]float32(nil), net.weights...)
		for i := range net.grads {
			net.grads[i] = 1
		}
		net.stepLR = 1
		for p := 0; p < parts; p++ {
			net.updatePart(p, parts)
		}
		for i, w := range net.weights {
			if w != before[i]-1 {
				t.Fatalf("%d parts: weight %d went from %v to %v", parts, i, before[i], w)
			}
		}
	}
}

func TestTrainStepZeroAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := randMatrix(rng, 64, 30)
	y := oneHotRows(rng, 64, 4)
	net, err := New(30).Dense(20, ReLU).Dropout(0.3).BatchNorm().Dense(4, Softmax).L2(1e-3).ClipNorm(5).Seed(1).Build()
	if err != nil {
		t.Fatal(err)
	}
	net.prepare(x, 64)
	if _, _, err := net.trainStep(x, y, nil); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(20, func() {
		if _, _, err := net.trainStep(x, y, nil); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("training step allocates %v times, want 0", allocs)
	}
	// A network large enough to update its parameters in parts, on two
	// goroutines.
	func() {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
		big, err := New(30).Dense(2000, ReLU).Dense(4, Softmax).Seed(1).Build()
		if err != nil {
			t.Fatal(err)
		}
		big.prepare(x, 64)
		if _, _, err := big.trainStep(x, y, nil); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(20, func() {
			if _, _, err := big.trainStep(x, y, nil); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Fatalf("training step of %d parameters at GOMAXPROCS 2 allocates %v times, want 0", len(big.weights), allocs)
		}
	}()
	// A shuffled batch large enough to be gathered by both workers: the
	// rows must be the data's rows in the shuffled order, and gathering
	// must not allocate.
	func() {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
		const rows, batch = 300, 256
		xs := randMatrix(rng, rows, minParallelGather/batch+1)
		ys := oneHotRows(rng, rows, 4)
		nb, err := New(xs.Cols).Dense(4, Softmax).Seed(1).Build()
		if err != nil {
			t.Fatal(err)
		}
		nb.prepare(xs, batch)
		nb.shuffle()
		c := fitConfig{shuffle: true}
		b := &batcher{n: nb, x: xs, y: ys, c: &c, batch: batch}
		for _, pos := range []int{0, rows - batch} {
			bx, bt, _ := b.next(pos)
			for i := 0; i < batch; i++ {
				r := nb.perm[pos+i]
				if !reflect.DeepEqual(bx.Data[i*bx.Cols:(i+1)*bx.Cols], xs.Data[r*xs.Stride:r*xs.Stride+xs.Cols]) ||
					!reflect.DeepEqual(bt.Data[i*bt.Cols:(i+1)*bt.Cols], ys.Data[r*ys.Stride:r*ys.Stride+ys.Cols]) {
					t.Fatalf("batch at %d: row %d is not row %d of the data", pos, i, r)
				}
			}
		}
		if allocs := testing.AllocsPerRun(20, func() { b.next(0) }); allocs != 0 {
			t.Fatalf("gathering a batch of %d×%d at GOMAXPROCS 2 allocates %v times, want 0", batch, xs.Cols, allocs)
		}
	}()
	dst, _ := NewMatrix(64, 4)
	_ = net.PredictInto(dst, x)
	allocs = testing.AllocsPerRun(20, func() {
		if err := net.PredictInto(dst, x); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("PredictInto allocates %v times, want 0", allocs)
	}
}

// TestConcurrentPredict runs Predict from several goroutines on one network
// (run it with -race) and checks each result against a serial one.
func TestConcurrentPredict(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	x := randMatrix(rng, 50, 8)
	net, err := New(8).Dense(16, ReLU).Dense(3, Softmax).Build()
	if err != nil {
		t.Fatal(err)
	}
	want, err := net.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := 0; it < 20; it++ {
				got, err := net.Predict(x)
				if err != nil {
					errs <- err
					return
				}
				for i := range got.Data {
					if got.Data[i] != want.Data[i] {
						errs <- errors.New("concurrent Predict differs from serial")
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// ---------------------------------------------------------------- configuration errors

func TestBuildErrors(t *testing.T) {
	cases := []struct {
		name string
		b    *Builder
		want error
	}{
		{"no inputs", New(0).Dense(2, Softmax), ErrConfig},
		{"no layers", New(3), ErrConfig},
		{"zero units", New(3).Dense(0, ReLU).Dense(2, Softmax), ErrConfig},
		{"bad activation", New(3).Dense(4, Activation(200)), ErrConfig},
		{"dropout 1", New(3).Dense(4, ReLU).Dropout(1).Dense(2, Softmax), ErrValue},
		{"dropout NaN", New(3).Dense(4, ReLU).Dropout(math.NaN()).Dense(2, Softmax), ErrValue},
		{"last not dense", New(3).Dense(2, Softmax).Dropout(0.1), ErrConfig},
		{"sce without softmax", New(3).Dense(2, ReLU).Loss(SoftmaxCrossEntropy), ErrConfig},
		{"hidden softmax", New(3).Dense(4, Softmax).Dense(2, Softmax), ErrConfig},
		{"NaN L2", New(3).Dense(2, Softmax).L2(math.NaN()), ErrValue},
		{"negative L1", New(3).Dense(2, Softmax).L1(-1), ErrValue},
		{"NaN learning rate", New(3).Dense(2, Softmax).Optimizer(Adam(math.NaN())), ErrValue},
		{"nil optimizer", New(3).Dense(2, Softmax).Optimizer(nil), ErrConfig},
		{"bad alpha", New(3).Dense(2, LeakyReLU, Alpha(-1)).Dense(2, Softmax), ErrValue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.b.Build()
			if !errors.Is(err, c.want) {
				t.Fatalf("Build() error = %v, want %v", err, c.want)
			}
		})
	}
}

func TestFitErrors(t *testing.T) {
	net, err := New(2).Dense(3, ReLU).Dense(2, Softmax).Build()
	if err != nil {
		t.Fatal(err)
	}
	x, y := xorData()
	wide, _ := NewMatrix(4, 3)
	short, _ := NewMatrix(3, 2)
	nan, _ := MatrixFromRows([][]float32{{0, float32(math.NaN())}, {0, 1}, {1, 0}, {1, 1}})
	ctx := context.Background()
	cases := []struct {
		name string
		x, y Matrix
		opts []FitOption
		want error
	}{
		{"width", wide, y, nil, ErrShape},
		{"rows", x, short, nil, ErrShape},
		{"NaN", nan, y, nil, ErrValue},
		{"batch 0", x, y, []FitOption{BatchSize(0)}, ErrValue},
		{"epochs 0", x, y, []FitOption{Epochs(0)}, ErrValue},
		{"sample weights", x, y, []FitOption{SampleWeights([]float32{1, 2})}, ErrShape},
		{"negative weight", x, y, []FitOption{SampleWeights([]float32{1, -2, 1, 1})}, ErrValue},
		{"validation width", x, y, []FitOption{Validation(wide, y)}, ErrShape},
		{"empty", Matrix{}, Matrix{}, nil, ErrShape},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := net.Fit(ctx, c.x, c.y, c.opts...); !errors.Is(err, c.want) {
				t.Fatalf("Fit error = %v, want %v", err, c.want)
			}
		})
	}
	if _, err := net.Predict(wide); !errors.Is(err, ErrShape) {
		t.Errorf("Predict on wrong width: %v", err)
	}
	if _, err := net.Predict(nan); !errors.Is(err, ErrValue) {
		t.Errorf("Predict on NaN features: %v", err)
	}
	if _, err := New(784).Dense(math.MaxInt, ReLU).Dense(2, Softmax).Build(); !errors.Is(err, ErrConfig) {
		t.Errorf("Build of a layer too large to allocate: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := net.Fit(cctx, x, y); !errors.Is(err, context.Canceled) {
		t.Errorf("Fit with cancelled context: %v", err)
	}
	if net.Step() != 0 {
		t.Errorf("cancelled Fit changed the step to %d", net.Step())
	}
}

// TestDivergenceIsAnError: an absurd learning rate makes the loss overflow;
// Fit must say so instead of returning NaN weights silently.
func TestDivergenceIsAnError(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := randMatrix(rng, 64, 4)
	y := randMatrix(rng, 64, 1)
	for i := range y.Data {
		y.Data[i] *= 1e20
	}
	net, err := New(4).Dense(8, ReLU).Dense(1, Identity).Optimizer(SGD(1e10)).Build()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := net.Fit(context.Background(), x, y, Epochs(20)); !errors.Is(err, ErrValue) {
		t.Fatalf("diverging Fit returned %v, want an ErrValue", err)
	}
}

// TestTrainContinues: two Train calls of k steps equal one of 2k steps, and
// the global step counts them all.
func TestTrainContinues(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	x := randMatrix(rng, 100, 5)
	y := oneHotRows(rng, 100, 3)
	build := func() *Network {
		net, err := New(5).Dense(7, ReLU).Dense(3, Softmax).Optimizer(AdaGrad(0.05)).Reduction(SumReduction).Seed(4).Build()
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	ctx := context.Background()
	a, b := build(), build()
	for _, steps := range []int{7, 8} {
		if _, err := a.Train(ctx, x, y, steps, BatchSize(30)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Train(ctx, x, y, 15, BatchSize(30)); err != nil {
		t.Fatal(err)
	}
	if a.Step() != 15 || b.Step() != 15 {
		t.Fatalf("steps %d and %d, want 15", a.Step(), b.Step())
	}
	for i := range a.weights {
		if a.weights[i] != b.weights[i] {
			t.Fatalf("weight %d: 7+8 steps give %v, 15 steps %v", i, a.weights[i], b.weights[i])
		}
	}
}

func TestEarlyStoppingRestoresBest(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	x := randMatrix(rng, 40, 3)
	y := oneHotRows(rng, 40, 2) // random labels: validation loss soon rises
	xv := randMatrix(rng, 40, 3)
	yv := oneHotRows(rng, 40, 2)
	net, err := New(3).Dense(32, ReLU).Dense(2, Softmax).Optimizer(Adam(0.05)).Seed(3).Build()
	if err != nil {
		t.Fatal(err)
	}
	h, err := net.Fit(context.Background(), x, y, Epochs(200), BatchSize(8), Validation(xv, yv), EarlyStopping(3, true))
	if err != nil {
		t.Fatal(err)
	}
	if !h.EarlyStopped || len(h.Epochs) >= 200 {
		t.Fatalf("early stopping did not stop: %d epochs", len(h.Epochs))
	}
	ev, _ := net.Evaluate(xv, yv)
	best := h.Epochs[h.BestEpoch-1].ValLoss
	if math.Abs(ev.AverageLoss-best) > 1e-6 {
		t.Fatalf("restored weights give validation loss %v, best epoch had %v", ev.AverageLoss, best)
	}
}

// TestDropoutMask: in training about rate of the units drop (within five
// binomial standard deviations), survivors are scaled by 1/(1−rate), and
// inference passes values through unchanged.
func TestDropoutMask(t *testing.T) {
	const rows, cols, rate = 200, 50, 0.3
	x, _ := NewMatrix(rows, cols)
	for i := range x.Data {
		x.Data[i] = 2
	}
	y, _ := NewMatrix(rows, cols)
	mask := make([]float32, rows*cols)
	rng := rand.New(rand.NewPCG(1, 1))
	dropoutForward(x, y, mask, rate, true, rng)
	dropped := 0
	for i, v := range y.Data {
		switch v {
		case 0:
			dropped++
		case 2 / (1 - float32(rate)):
		default:
			t.Fatalf("element %d is %v, want 0 or %v", i, v, 2/(1-rate))
		}
	}
	n := float64(rows * cols)
	if sd := math.Sqrt(n * rate * (1 - rate)); math.Abs(float64(dropped)-n*rate) > 5*sd {
		t.Fatalf("%d of %v dropped, expected %v ± %.0f", dropped, n, n*rate, 5*sd)
	}
	dy, _ := NewMatrix(rows, cols)
	for i := range dy.Data {
		dy.Data[i] = 1
	}
	dx, _ := NewMatrix(rows, cols)
	dropoutBackward(dy, dx, mask, true)
	for i := range dx.Data {
		if dx.Data[i] != mask[i] {
			t.Fatalf("backward element %d: %v, mask %v", i, dx.Data[i], mask[i])
		}
	}
	dropoutForward(x, y, mask, rate, false, rng)
	for i, v := range y.Data {
		if v != 2 {
			t.Fatalf("inference element %d is %v, want 2", i, v)
		}
	}
}

// TestMaxNorm: after training with MaxNorm(c), every unit's incoming
// weight vector has norm ≤ c (up to float32 rounding).
func TestMaxNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	x := randMatrix(rng, 64, 10)
	y := oneHotRows(rng, 64, 3)
	const c = 0.5
	net, err := New(10).Dense(20, ReLU, MaxNorm(c)).Dense(3, Softmax).Optimizer(SGD(1)).Seed(2).Build()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := net.Fit(context.Background(), x, y, Epochs(5), BatchSize(16)); err != nil {
		t.Fatal(err)
	}
	w := net.Layers()[0].Weights
	hit := false
	for j := 0; j < w.Cols; j++ {
		var ss float64
		for i := 0; i < w.Rows; i++ {
			ss += float64(w.At(i, j)) * float64(w.At(i, j))
		}
		if math.Sqrt(ss) > c*(1+1e-6) {
			t.Fatalf("unit %d has norm %v > %v", j, math.Sqrt(ss), c)
		}
		hit = hit || math.Sqrt(ss) > c*(1-1e-3)
	}
	if !hit {
		t.Fatal("no unit reached the max-norm bound: the test does not exercise the constraint")
	}
}

// elementwiseActivations are the activations a dense layer applies
// element by element (all but Softmax), with assembly epilogues and Go ones.
var elementwiseActivations = []Activation{Identity, ReLU, PiecewiseLinear, Sigmoid, Tanh, LeakyReLU, ELU, GELU, SiLU, Softplus}

// TestFusedDerivativeMatchesUnfused: folding each hidden activation's
// derivative into the product that computes its output gradient gives the
// gradients of the separate pass bit for bit, for every element-wise
// activation, at batch sizes that take the transposed-tile path (≤ 16
// rows) and the ordinary one, at GOMAXPROCS 1 and 2.
func TestFusedDerivativeMatchesUnfused(t *testing.T) {
	defer setMinParallel(1)()
	for _, act := range elementwiseActivations {
		for _, rows := range []int{1, 5, 16, 40} {
			for _, procs := range []int{1, 2} {
				grads := func(fuse bool) []float32 {
					defer func(prev bool) { fuseDerivative = prev }(fuseDerivative)
					fuseDerivative = fuse
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
					rng := rand.New(rand.NewPCG(3, uint64(rows)))
					x := randMatrix(rng, rows, 37)
					y := oneHotRows(rng, rows, 3)
					net, err := New(37).Dense(70, act).Dense(33, act).Dropout(0.1).Dense(20, act).Dense(3, Softmax).Seed(5).Build()
					if err != nil {
						t.Fatal(err)
					}
					net.prepare(x, rows)
					if _, _, err := net.gradients(x, y, nil); err != nil {
						t.Fatal(err)
					}
					return append([]float32(nil), net.grads...)
				}
				a, b := grads(true), grads(false)
				for i := range a {
					if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
						t.Fatalf("%v rows %d procs %d: gradient %d fused %v, unfused %v", act, rows, procs, i, a[i], b[i])
					}
				}
			}
		}
	}
}

// TestPredictMatchesTrainingForward: inference finishes each hidden dense
// layer's tiles in its output buffer (no separate pre-activation), which
// must give the outputs of the training forward pass on the same chunks of
// rows (predictChunk: the chunk's size decides how the masked kernel
// groups rows) bit for bit, for every element-wise activation (assembly and
// Go epilogues), at batch sizes below and above one tile and one chunk, at
// GOMAXPROCS 1 and 2.
func TestPredictMatchesTrainingForward(t *testing.T) {
	defer setMinParallel(1)()
	for _, act := range elementwiseActivations {
		for _, rows := range []int{1, 10, 40, 300} {
			for _, procs := range []int{1, 2} {
				func() {
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
					rng := rand.New(rand.NewPCG(7, uint64(rows)))
					x := randMatrix(rng, rows, 37)
					net, err := New(37).Dense(70, act).Dense(33, act).Dense(3, Softmax).Seed(5).Build()
					if err != nil {
						t.Fatal(err)
					}
					got, err := net.Predict(x)
					if err != nil {
						t.Fatal(err)
					}
					c := net.predictChunk()
					for r0 := 0; r0 < rows; r0 += c {
						xc, _ := x.RowView(r0, min(r0+c, rows))
						net.prepare(xc, xc.Rows)
						want := net.forward(net.train, xc, true).y
						for i := 0; i < xc.Rows; i++ {
							for j := 0; j < 3; j++ {
								g, w := got.Data[(r0+i)*got.Stride+j], want.Data[i*want.Stride+j]
								if math.Float32bits(g) != math.Float32bits(w) {
									t.Fatalf("%v rows %d procs %d: output (%d, %d) predicted %v, training forward %v", act, rows, procs, r0+i, j, g, w)
								}
							}
						}
					}
				}()
			}
		}
	}
}
