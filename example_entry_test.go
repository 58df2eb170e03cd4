package ann_test

// Examples for the entry points a newcomer looks for first. Each runs in
// well under a second on small synthetic data, offline, and prints only
// what every GEMM kernel agrees on (classes, counts, rounded figures): the
// kernels sum in different orders, so losses differ in their last digits.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"

	"github.com/annlib/ann"
)

// twoBlobs returns n points in two well separated groups around (−2, −2)
// (class 0) and (2, 2) (class 1), spread on a fixed pattern: the same data
// on every machine, no random generator needed.
func twoBlobs(n int) (x, y ann.Matrix, labels []int) {
	rows := make([][]float32, n)
	labels = make([]int, n)
	for i := range rows {
		c := i % 2
		centre := float32(4*c - 2)
		dx := float32(i%5)/5 - 0.4
		dy := float32(i%7)/7 - 0.43
		rows[i] = []float32{centre + dx, centre + dy}
		labels[i] = c
	}
	x, _ = ann.MatrixFromRows(rows)
	y, _ = ann.OneHot(labels, 2)
	return x, y, labels
}

// Network.Fit trains a network built with New on a matrix of features and
// one of one-hot targets, and returns the per-epoch history.
func ExampleNetwork_Fit() {
	x, y, labels := twoBlobs(40)
	net, err := ann.New(2).
		Dense(8, ann.ReLU).
		Dense(2, ann.Softmax).
		Loss(ann.SoftmaxCrossEntropy).
		Optimizer(ann.Adam(0.05)).
		Seed(1).
		Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	hist, err := net.Fit(context.Background(), x, y, ann.Epochs(20), ann.BatchSize(8))
	if err != nil {
		fmt.Println(err)
		return
	}
	first, last := hist.Epochs[0], hist.Epochs[len(hist.Epochs)-1]
	classes, _ := net.PredictClass(x)
	fmt.Println("epochs:", len(hist.Epochs), "steps:", last.Step)
	fmt.Println("loss went down:", last.Loss < first.Loss/4)
	fmt.Println("training accuracy:", last.Accuracy)
	fmt.Println("all classes right:", slices.Equal(classes, labels))
	// Output:
	// epochs: 20 steps: 100
	// loss went down: true
	// training accuracy: 1
	// all classes right: true
}

// The estimator API follows TensorFlow's DNNClassifier: configure with
// options, Train for a number of steps on a Dataset, Evaluate on another.
// TrainTestSplit holds out a test set.
func ExampleNewDNNClassifier() {
	data, err := ann.PlaygroundData("gauss", 200, 0, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	train, test, err := ann.TrainTestSplit(data, 0.25, 1, true)
	if err != nil {
		fmt.Println(err)
		return
	}
	clf, err := ann.NewDNNClassifier(
		ann.HiddenUnits(8, 4),
		ann.NClasses(2),
		ann.UseOptimizer(ann.Adam(0.03)),
		ann.TrainBatchSize(16),
		ann.RandomSeed(1),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := clf.Train(context.Background(), train, 300); err != nil {
		fmt.Println(err)
		return
	}
	ev, err := clf.Evaluate(test)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("global step:", ev.GlobalStep)
	fmt.Printf("test accuracy: %.2f\n", ev.Accuracy)
	fmt.Println("average loss below 0.1:", ev.AverageLoss < 0.1)
	// Output:
	// global step: 300
	// test accuracy: 1.00
	// average loss below 0.1: true
}

// TrainTestSplit shuffles a Dataset with a seed and holds out a fraction;
// stratified, each class keeps its share in the test set.
func ExampleTrainTestSplit() {
	x, _, labels := twoBlobs(10)
	labels[1] = 0 // six of class 0, four of class 1
	data := &ann.Dataset{X: x, Labels: labels, Classes: []string{"a", "b"}}
	train, test, err := ann.TrainTestSplit(data, 0.5, 42, true)
	if err != nil {
		fmt.Println(err)
		return
	}
	count := func(d *ann.Dataset) []int {
		n := make([]int, len(d.Classes))
		for _, l := range d.Labels {
			n[l]++
		}
		return n
	}
	fmt.Println("train:", train.Len(), "examples, per class", count(train))
	fmt.Println("test: ", test.Len(), "examples, per class", count(test))
	// Output:
	// train: 5 examples, per class [3 2]
	// test:  5 examples, per class [3 2]
}

// Save writes the architecture, the weights and the metadata; Load reads
// them back into a network that predicts exactly as the original did.
// SaveFile and LoadFile do the same with a file, written atomically.
func ExampleNetwork_Save() {
	x, y, _ := twoBlobs(20)
	net, err := ann.New(2).Dense(4, ann.Tanh).Dense(2, ann.Softmax).
		Loss(ann.SoftmaxCrossEntropy).Optimizer(ann.Adam(0.05)).Seed(3).Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := net.Fit(context.Background(), x, y, ann.Epochs(5)); err != nil {
		fmt.Println(err)
		return
	}
	var buf bytes.Buffer
	if err := net.Save(&buf); err != nil {
		fmt.Println(err)
		return
	}
	loaded, err := ann.Load(&buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	before, _ := net.Predict(x)
	after, _ := loaded.Predict(x)
	fmt.Println("same probabilities, bit for bit:", slices.Equal(before.Data, after.Data))
	// Output: same probabilities, bit for bit: true
}

// ExportONNX writes the network as an ONNX ModelProto for onnxruntime and
// other ONNX runtimes; the file begins with its IR version (7).
func ExampleNetwork_ExportONNX() {
	net, err := ann.New(4).Dense(8, ann.ReLU).Dense(3, ann.Softmax).Seed(1).Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	var buf bytes.Buffer
	if err := net.ExportONNX(&buf); err != nil {
		fmt.Println(err)
		return
	}
	// Protocol buffers: field 1 (ir_version) as a varint, value 7.
	fmt.Printf("% x\n", buf.Bytes()[:2])
	// Output: 08 07
}

// FetchMNIST downloads the four MNIST files into a directory for
// LoadMNIST, from the default mirrors or from mirrors of your own
// (FetchMirrors). Every file must have the published size and SHA-256, so
// a mirror serving anything else is refused and nothing is left under the
// file's name. Here a local server stands in for a broken mirror, so the
// example runs offline; the usual call is simply
//
//	err := ann.FetchMNIST(ctx, dir)
//	train, test, err := ann.LoadMNIST(dir)
func ExampleFetchMNIST() {
	mirror := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "not the MNIST data")
	}))
	defer mirror.Close()
	dir, err := os.MkdirTemp("", "mnist-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	err = ann.FetchMNIST(context.Background(), dir, ann.FetchMirrors(mirror.URL+"/mnist/"))
	fmt.Println("refused as bad data:", errors.Is(err, ann.ErrFormat))
	files, _ := filepath.Glob(filepath.Join(dir, "*.gz"))
	fmt.Println("files left behind:", len(files))
	// Output:
	// refused as bad data: true
	// files left behind: 0
}

// ExampleFetchMNIST_download shows the usual call: download the four MNIST
// files once into a cache directory (a no-op when they are there and match
// their checksums), then load them. It needs the network, so it is compiled
// but not run; offline, point ANN_MNIST_DIR at a copy of the files instead.
func ExampleFetchMNIST_download() {
	dir := ann.MNISTDir()
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			fmt.Println(err)
			return
		}
		dir = filepath.Join(cache, "ann", "mnist")
		if err := ann.FetchMNIST(context.Background(), dir); err != nil {
			fmt.Println(err)
			return
		}
	}
	train, test, err := ann.LoadMNIST(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(train.Len(), test.Len())
}
