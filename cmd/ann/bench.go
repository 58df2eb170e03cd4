package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/annlib/ann"
)

const benchUsage = `Usage: ann bench [-json] [-quiet] [-time D] [-threads N] [-model FILE]

Measures, in a few seconds, what this machine does with ann: the GEMM
kernel in use, the single-core FMA peak of its instruction set (the best
of 5 runs of a register-only loop of independent FMAs: the reference for
"% of peak"; when the runs differ by more than 10%, or a product runs
faster than the peak, the machine is too noisy to judge and no % is given), the
single-thread GFLOP/s of a 480×512×512 product, the GFLOP/s of the products
one training step of 784-300-100-10 at batch 128 runs, and training and
inference samples/s of that network on random data, float32 and quantized
to int8 (static, calibrated on the same data) with the int8 kernel in use.
With -model, only the inference samples/s of that saved model, float or
int8 quantized, at batch 1 and batch 1000 on random inputs (and the
kernels it runs on).

Flags:
  -model FILE         measure this model instead (float or quantized)
  -time D             time spent on each measurement (default 300ms)
  -threads N          worker threads (default: all CPUs)
  -json               print the results as one JSON object on stdout
  -quiet              no progress on stderr
`

const versionUsage = `Usage: ann version [-json]

Prints the module version, the Go version and platform, the GEMM kernel and
the int8 kernel in use and the ones this CPU can run, and the CPU's vector
features.
`

// gemmShape is one Sgemm call of the benchmark.
type gemmShape struct {
	name           string
	transA, transB bool
	m, n, k        int
}

// refShape is a reference product: big enough that packing and calls are
// amortised, small enough that its panels stay in the caches. Its
// single-thread rate stands in for the peak when the kernel has no FMA
// probe (the generic kernel).
var refShape = gemmShape{"reference", false, false, 480, 512, 512}

// The products of one training step of 784-300-100-10 at batch 128: the
// forward pass of each layer, and the first layer's weight gradient
// (Xᵀ·dZ), the largest backward product.
var mlpShapes = []gemmShape{
	{"forward 784→300", false, false, 128, 300, 784},
	{"forward 300→100", false, false, 128, 100, 300},
	{"forward 100→10", false, false, 128, 10, 100},
	{"gradient 784×300", true, false, 784, 300, 128},
	{"backward 300→784", false, true, 128, 784, 300},
}

func runBench(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "JSON output")
	per := fs.Duration("time", 300*time.Millisecond, "time per measurement")
	nthreads := fs.Int("threads", 0, "worker threads")
	quiet := fs.Bool("quiet", false, "no progress")
	modelPath := fs.String("model", "", "saved model to measure")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *per <= 0 || *per > time.Minute {
		return usagef("-time %v: must be in (0, 1m]", *per)
	}
	if *nthreads < 0 {
		return usagef("-threads %d: must be ≥ 0", *nthreads)
	}
	if *nthreads > 0 {
		runtime.GOMAXPROCS(*nthreads)
	}
	prog := newProgress(e.stderr, *quiet)
	var user *model
	if *modelPath != "" {
		var err error
		if user, err = loadAnyModel(*modelPath, e.stderr); err != nil {
			return err
		}
	}
	all := threads()
	res := map[string]any{"kernel": ann.Kernel(), "kernels": ann.Kernels(), "threads": all,
		"goos": runtime.GOOS, "goarch": runtime.GOARCH, "int8_kernel": ann.Int8Kernel(), "int8_kernels": ann.Int8Kernels()}
	if user != nil {
		return benchModel(ctx, e, res, user, *modelPath, *per, *asJSON, prog)
	}

	// The reference: small enough that its packed panels stay in L1/L2
	// and it runs on one thread, so it measures the kernel, not memory.
	// The machine may be shared: the best of three short runs is the
	// closest to what the core can do.
	runtime.GOMAXPROCS(1)
	ref := gemmRate(refShape, *per/3, 3)
	runtime.GOMAXPROCS(all)
	// The peak is the best of several runs; runs that disagree, or a
	// kernel measured above it, mean the machine is too noisy to judge.
	pm := ann.PeakProbe(*per, peakRuns)
	peak := pm.GFLOPS
	if peak == 0 {
		peak = ref
	}
	noisy := pm.Noisy()
	res["peak_gflops_1thread"] = peak
	res["peak_runs_gflops"] = pm.Runs
	res["peak_spread"] = pm.Spread
	res["reference_gemm_gflops_1thread"] = ref
	prog.printf("kernel %s (available: %s), %d threads", ann.Kernel(), strings.Join(ann.Kernels(), ", "), all)
	if noisy {
		prog.printf("the %d runs of the peak probe differ by %.0f%%, more than %.0f%%: machine too noisy to judge %% of peak",
			len(pm.Runs), 100*pm.Spread, 100*ann.PeakSpreadLimit)
	}
	refPct, refOK := percentOfPeak(ref, peak, noisy)
	noisy = noisy || !refOK
	prog.printf("FMA peak, 1 core: %.1f GFLOP/s (best of %d runs); reference GEMM %d×%d×%d, 1 thread: %.1f GFLOP/s (%s)",
		peak, max(1, len(pm.Runs)), refShape.m, refShape.n, refShape.k, ref, percentText(refPct, refOK))
	if err := ctx.Err(); err != nil {
		return err
	}

	var shapes []map[string]any
	for _, s := range mlpShapes {
		g := gemmRate(s, *per, 1)
		pct, ok := percentOfPeak(g, peak*float64(all), noisy)
		noisy = noisy || !ok
		entry := map[string]any{"name": s.name, "m": s.m, "n": s.n, "k": s.k,
			"trans_a": s.transA, "trans_b": s.transB, "gflops": g, "percent_of_peak": nil}
		text := percentText(pct, ok)
		if ok {
			entry["percent_of_peak"] = pct
			text = fmt.Sprintf("%5.1f%% of %d× peak", pct, all)
		}
		shapes = append(shapes, entry)
		prog.printf("%-18s %4d×%4d×%4d  %7.1f GFLOP/s  %s", s.name, s.m, s.n, s.k, g, text)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	res["gemm"] = shapes
	res["too_noisy_to_judge"] = noisy

	trainRate, inferRate, qRate, err := mlpRates(ctx, *per)
	if err != nil {
		return err
	}
	res["train_samples_per_second"] = trainRate
	res["inference_samples_per_second"] = inferRate
	res["quantized_inference_samples_per_second"] = qRate
	prog.printf("784-300-100-10, batch 128, Adam: %.0f training samples/s, %.0f inference samples/s", trainRate, inferRate)
	prog.printf("784-300-100-10 quantized to int8 (static), int8 kernel %s: %.0f inference samples/s", ann.Int8Kernel(), qRate)
	if *asJSON {
		return writeJSON(e.stdout, res)
	}
	fmt.Fprintf(e.stdout, "kernel %s, %d threads: peak %.1f GFLOP/s per thread, training %.0f samples/s, inference %.0f samples/s\n",
		ann.Kernel(), all, peak, trainRate, inferRate)
	fmt.Fprintf(e.stdout, "int8 kernel %s: quantized inference %.0f samples/s (%.2f× float32)\n",
		ann.Int8Kernel(), qRate, qRate/inferRate)
	return nil
}

// benchModel is "ann bench -model": the saved model's inference samples/s
// alone, with the kernels it runs on (res), without the machine's suite.
func benchModel(ctx context.Context, e *env, res map[string]any, user *model, path string, per time.Duration, asJSON bool, prog *progress) error {
	userRes, err := modelRates(ctx, user, per)
	if err != nil {
		return err
	}
	userRes["path"] = path
	res["model"] = userRes
	prog.printf("%s: %s; %.0f samples/s at batch 1, %.0f samples/s at batch %d", path, user,
		userRes["batch1_samples_per_second"], userRes["batch_samples_per_second"], userRes["batch"])
	if asJSON {
		return writeJSON(e.stdout, res)
	}
	fmt.Fprintf(e.stdout, "%s (%s), kernel %s, int8 kernel %s, %d threads: %.0f samples/s at batch 1, %.0f samples/s at batch %d\n",
		path, user, ann.Kernel(), ann.Int8Kernel(), res["threads"],
		userRes["batch1_samples_per_second"], userRes["batch_samples_per_second"], userRes["batch"])
	return nil
}

// modelBatch is the large batch "ann bench -model" measures.
const modelBatch = 1000

// modelRates measures a saved model's inference samples/s on random
// inputs in [0, 1), for about d each at batch 1 and at batch modelBatch.
func modelRates(ctx context.Context, m *model, d time.Duration) (map[string]any, error) {
	r := rand.New(rand.NewPCG(5, 6))
	x, err := ann.NewMatrix(modelBatch, m.Inputs())
	if err != nil {
		return nil, err
	}
	for i := range x.Data {
		x.Data[i] = r.Float32()
	}
	one, err := x.RowView(0, 1)
	if err != nil {
		return nil, err
	}
	res := map[string]any{"quantized": m.quantized(), "batch": modelBatch, "inputs": m.Inputs(), "outputs": m.Outputs()}
	if m.quantized() {
		res["quantize_mode"] = m.q.Mode()
	}
	for _, c := range []struct {
		key string
		x   ann.Matrix
	}{{"batch1_samples_per_second", one}, {"batch_samples_per_second", x}} {
		rate, err := inferenceRate(ctx, m.Predict, c.x, d)
		if err != nil {
			return nil, err
		}
		res[c.key] = rate
	}
	return res, nil
}

// inferenceRate runs predict on x repeatedly for about d and returns rows
// per second.
func inferenceRate(ctx context.Context, predict func(ann.Matrix) (ann.Matrix, error), x ann.Matrix, d time.Duration) (float64, error) {
	if _, err := predict(x); err != nil { // warm up
		return 0, err
	}
	n, start := 0, time.Now()
	for time.Since(start) < d {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if _, err := predict(x); err != nil {
			return 0, err
		}
		n += x.Rows
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// peakRuns is how many runs the peak probe takes the best of.
const peakRuns = 5

// percentOfPeak returns rate as a percentage of peak, and whether that
// figure means anything: not on a noisy machine, and not above 100%, since
// a kernel cannot outrun the peak and a measurement that does only shows
// that the machine's speed changed between the two. The percentage is NaN
// (null in JSON) when it does not.
func percentOfPeak(rate, peak float64, noisy bool) (float64, bool) {
	if noisy || !(peak > 0) || rate > peak {
		return math.NaN(), false
	}
	return 100 * rate / peak, true
}

// percentText formats a percentOfPeak result.
func percentText(pct float64, ok bool) string {
	if !ok {
		return "machine too noisy to judge"
	}
	return fmt.Sprintf("%.0f%% of peak", pct)
}

// gemmRate runs the shape repeatedly for about d, runs times after one
// warm-up call, and returns the best run's GFLOP/s. The calls go in batches
// of 1, 2, 4, … 64 between clock readings, so a short d (or a slow,
// emulated machine) costs two calls, not a batch of eight per run.
func gemmRate(s gemmShape, d time.Duration, runs int) float64 {
	r := rand.New(rand.NewPCG(1, 2))
	fill := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = r.Float32() - 0.5
		}
		return v
	}
	a, b, c := fill(s.m*s.k), fill(s.k*s.n), make([]float32, s.m*s.n)
	lda, ldb := s.k, s.n
	if s.transA {
		lda = s.m
	}
	if s.transB {
		ldb = s.k
	}
	call := func() { ann.Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n) }
	call() // warm up: page in, size the workspaces
	best := 0.0
	for range max(runs, 1) {
		iters, batch, start := 0, 1, time.Now()
		for time.Since(start) < d {
			for range batch {
				call()
			}
			iters += batch
			batch = min(2*batch, 64)
		}
		best = max(best, 2*float64(s.m)*float64(s.n)*float64(s.k)*float64(iters)/time.Since(start).Seconds()/1e9)
	}
	return best
}

// mlpRates measures training and inference throughput of 784-300-100-10
// on random data for about d each, and the inference throughput of the
// trained network quantized to int8 (static, calibrated on that data).
func mlpRates(ctx context.Context, d time.Duration) (train, infer, quantized float64, err error) {
	const rows = 2048
	net, err := ann.New(784).Dense(300, ann.ReLU).Dense(100, ann.ReLU).Dense(10, ann.Softmax).
		Optimizer(ann.Adam(0.001)).Seed(1).Build()
	if err != nil {
		return 0, 0, 0, err
	}
	r := rand.New(rand.NewPCG(3, 4))
	x, err := ann.NewMatrix(rows, 784)
	if err != nil {
		return 0, 0, 0, err
	}
	for i := range x.Data {
		x.Data[i] = r.Float32()
	}
	labels := make([]int, rows)
	for i := range labels {
		labels[i] = r.IntN(10)
	}
	y, err := ann.OneHot(labels, 10)
	if err != nil {
		return 0, 0, 0, err
	}
	const chunk = 4 // steps per Train call
	if _, err := net.Train(ctx, x, y, 1, ann.BatchSize(128)); err != nil {
		return 0, 0, 0, err
	}
	steps, start := 0, time.Now()
	for time.Since(start) < d {
		if _, err := net.Train(ctx, x, y, chunk, ann.BatchSize(128)); err != nil {
			return 0, 0, 0, err
		}
		steps += chunk
	}
	train = float64(steps*128) / time.Since(start).Seconds()

	if infer, err = inferenceRate(ctx, net.Predict, x, d); err != nil {
		return 0, 0, 0, err
	}
	calib, err := spacedRows(x, 1000)
	if err != nil {
		return 0, 0, 0, err
	}
	q, err := net.Quantize(calib, ann.StaticQuantization())
	if err != nil {
		return 0, 0, 0, fmt.Errorf("quantizing the benchmark network: %w", err)
	}
	if quantized, err = inferenceRate(ctx, q.Predict, x, d); err != nil {
		return 0, 0, 0, err
	}
	return train, infer, quantized, nil
}

func runVersion(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "JSON output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	version, path := "(unknown)", "github.com/annlib/ann"
	if bi, ok := debug.ReadBuildInfo(); ok {
		version = bi.Main.Version
		if bi.Main.Path != "" {
			path = bi.Main.Path
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				version += " (" + s.Value[:12] + ")"
			}
		}
	}
	model, feats := cpuInfo()
	if *asJSON {
		return writeJSON(e.stdout, map[string]any{"module": path, "version": version, "go": runtime.Version(),
			"goos": runtime.GOOS, "goarch": runtime.GOARCH, "kernel": ann.Kernel(), "kernels": ann.Kernels(),
			"int8_kernel": ann.Int8Kernel(), "int8_kernels": ann.Int8Kernels(), "cpu": model, "cpu_features": feats, "cpus": runtime.NumCPU()})
	}
	w := e.stdout
	fmt.Fprintf(w, "%s %s\n", path, version)
	fmt.Fprintf(w, "go        %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "kernel    %s (this CPU and build can run: %s)\n", ann.Kernel(), strings.Join(ann.Kernels(), ", "))
	fmt.Fprintf(w, "int8      %s (this CPU and build can run: %s)\n", ann.Int8Kernel(), strings.Join(ann.Int8Kernels(), ", "))
	if model != "" {
		fmt.Fprintf(w, "cpu       %s, %d logical CPUs\n", model, runtime.NumCPU())
	} else {
		fmt.Fprintf(w, "cpu       %d logical CPUs\n", runtime.NumCPU())
	}
	if len(feats) > 0 {
		fmt.Fprintf(w, "features  %s\n", strings.Join(feats, " "))
	} else {
		fmt.Fprintf(w, "features  (not readable on this system)\n")
	}
	return nil
}

// cpuInfo reads the CPU model and the vector features that matter to the
// kernels from /proc/cpuinfo. The command uses the standard library only,
// so on systems without that file it reports nothing; the kernel name says
// what the library detected.
func cpuInfo() (model string, features []string) {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "", nil
	}
	defer f.Close()
	interesting := []string{"sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_bf16", "avx512_vnni", "avx_vnni",
		"asimd", "asimdhp", "asimddp", "sve", "sve2", "neon", "vfpv4"}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		switch key {
		case "model name", "Model", "cpu model":
			if model == "" {
				model = val
			}
		case "flags", "Features":
			if features == nil {
				have := strings.Fields(val)
				for _, want := range interesting {
					if slices.Contains(have, want) {
						features = append(features, want)
					}
				}
			}
		}
	}
	return model, features
}
