package ann_test

import (
	"fmt"

	"github.com/annlib/ann"
)

func ExampleMatMul() {
	a, _ := ann.MatrixFromRows([][]float32{{1, 2}, {3, 4}})
	b, _ := ann.MatrixFromRows([][]float32{{5, 6}, {7, 8}})
	c, _ := ann.NewMatrix(2, 2)
	if err := ann.MatMul(c, a, b); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Row(0), c.Row(1))
	// Output: [19 22] [43 50]
}

func ExampleSgemm() {
	// C = 2·A·Bᵀ + 1·C with A 2×3, B 2×3 (so op(B) = Bᵀ is 3×2), C 2×2.
	a := []float32{1, 2, 3, 4, 5, 6}
	b := []float32{1, 0, 1, 0, 1, 0}
	c := []float32{1, 1, 1, 1}
	ann.Sgemm(false, true, 2, 2, 3, 2, a, 3, b, 3, 1, c, 2)
	fmt.Println(c)
	// Output: [9 5 21 11]
}

func ExampleGemm() {
	a, _ := ann.MatrixFromRows([][]float32{{1, 2, 3}})
	c, _ := ann.NewMatrix(1, 2)
	err := ann.Gemm(false, false, 1, a, a, 0, c) // 1×3 · 1×3: inner sizes differ
	fmt.Println(err)
	// Output: ann: shape mismatch: gemm op(a) 1×3 · op(b) 1×3 into c 1×2
}
