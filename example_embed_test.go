package ann_test

import (
	_ "embed"
	"fmt"

	"github.com/annlib/ann"
)

// goldenModel is a small classifier (6 features a…f, a standard scaler,
// classes x, y, z) compiled into the binary: no file system is needed at
// run time, so the same code works in a static binary on a board.
//
//go:embed testdata/golden.model
var goldenModel []byte

// ExampleLoadBytes loads a model embedded with go:embed and classifies three
// rows of raw features: the model's own scaler standardises them, and its
// Meta names the classes.
func ExampleLoadBytes() {
	net, err := ann.LoadBytes(goldenModel)
	if err != nil {
		fmt.Println(err)
		return
	}
	x, _ := ann.MatrixFromRows([][]float32{
		{-0.3, 2.3, 3.8, 1.5, -1.8, 1.2},
		{0, 2, 0, 0, 0, 0},
		{0, -2, 0, 0, 0, 0},
	})
	probs, err := net.Predict(x)
	if err != nil {
		fmt.Println(err)
		return
	}
	classes, err := net.PredictClass(x)
	if err != nil {
		fmt.Println(err)
		return
	}
	names := net.Meta().Classes
	for i, c := range classes {
		fmt.Printf("row %d: %s (p = %.2f)\n", i, names[c], probs.At(i, c))
	}
	// Output:
	// row 0: x (p = 0.57)
	// row 1: y (p = 0.63)
	// row 2: z (p = 0.57)
}
