package ann_test

import (
	"context"
	"fmt"

	"github.com/annlib/ann"
)

// The fluent API: XOR with one hidden layer.
func Example() {
	x, _ := ann.MatrixFromRows([][]float32{{0, 0}, {0, 1}, {1, 0}, {1, 1}})
	y, _ := ann.OneHot([]int{0, 1, 1, 0}, 2)

	net, err := ann.New(2).
		Dense(8, ann.Tanh).
		Dense(2, ann.Softmax).
		Loss(ann.SoftmaxCrossEntropy).
		Optimizer(ann.Adam(0.05)).
		Seed(5).
		Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := net.Fit(context.Background(), x, y, ann.Epochs(300), ann.BatchSize(4)); err != nil {
		fmt.Println(err)
		return
	}
	classes, _ := net.PredictClass(x)
	ev, _ := net.Evaluate(x, y)
	fmt.Println("classes:", classes, "accuracy:", ev.Accuracy)
	// Output: classes: [0 1 1 0] accuracy: 1
}

// Configuration mistakes surface from Build, never as a panic later.
func ExampleBuilder_Build() {
	_, err := ann.New(784).Dense(300, ann.ReLU).Dropout(1.5).Dense(10, ann.Softmax).Build()
	fmt.Println(err)
	// Output: ann: invalid value: layer 2: dropout rate must be in [0, 1), got 1.5
}
