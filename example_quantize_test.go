package ann_test

import (
	"context"
	"fmt"

	"github.com/annlib/ann"
)

// Quantize a trained network to int8 and run it: the quantized classes
// match the float network's.
func ExampleNetwork_Quantize() {
	// Two well-separated classes in 2-D.
	var rows [][]float32
	var labels []int
	for i := 0; i < 40; i++ {
		c := i % 2
		dx, dy := float32(i%5)*0.1, float32(i%7)*0.1
		rows = append(rows, []float32{float32(4*c-2) + dx, float32(2-4*c) + dy})
		labels = append(labels, c)
	}
	x, _ := ann.MatrixFromRows(rows)
	y, _ := ann.OneHot(labels, 2)
	net, err := ann.New(2).Dense(8, ann.ReLU).Dense(2, ann.Softmax).Optimizer(ann.Adam(0.05)).Seed(1).Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := net.Fit(context.Background(), x, y, ann.Epochs(50), ann.BatchSize(8)); err != nil {
		fmt.Println(err)
		return
	}

	q, err := net.Quantize(x) // x doubles as the calibration data
	if err != nil {
		fmt.Println(err)
		return
	}
	test, _ := ann.MatrixFromRows([][]float32{{-2, 2}, {2, -2}, {-1.5, 2.5}, {2.5, -1.5}})
	fc, _ := net.PredictClass(test)
	qc, _ := q.PredictClass(test)
	fmt.Println(q.Mode(), q.Inputs(), "→", q.Outputs())
	fmt.Println("float:", fc, "int8:", qc)
	// Output:
	// static 2 → 2
	// float: [0 1 0 1] int8: [0 1 0 1]
}
