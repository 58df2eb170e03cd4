package ann

import (
	"fmt"
	"math"
)

// predictChunk returns how many rows one inference pass holds: up to 256,
// fewer for very wide networks so a pass stays within about 16 MiB. The
// whole network runs on one chunk before the next, so its features (read
// twice: the NaN check, then the first product's packing) and activations
// stay in L2: batch-1000 inference of 784-300-100-10 on one thread of the
// Xeon model 207 went from 222k to 242k samples/s (medians of eight
// alternating runs; two threads 325k → 378k) with chunks of 256 rows
// instead of 1024; 128 and 512 were in between.
func (n *Network) predictChunk() int {
	width := n.cfg.Inputs
	for _, l := range n.layers {
		width += 2 * l.out
	}
	return max(1, min(256, (4<<20)/width))
}

// getPass takes an inference pass from the free list (or makes one).
func (n *Network) getPass() *pass {
	n.predMu.Lock()
	defer n.predMu.Unlock()
	if k := len(n.predFree); k > 0 {
		p := n.predFree[k-1]
		n.predFree = n.predFree[:k-1]
		return p
	}
	return n.newPass(n.predictChunk(), false)
}

func (n *Network) putPass(p *pass) {
	n.predMu.Lock()
	n.predFree = append(n.predFree, p)
	n.predMu.Unlock()
}

// infer runs x through the network in inference mode, chunk by chunk, and
// calls emit with each chunk's first row and its output-layer space.
func (n *Network) infer(x Matrix, emit func(r0 int, out *layerSpace)) error {
	if err := x.Check(); err != nil {
		return fmt.Errorf("features: %w", err)
	}
	if x.Cols != n.cfg.Inputs {
		return fmt.Errorf("%w: features have %d columns, the network takes %d", ErrShape, x.Cols, n.cfg.Inputs)
	}
	p := n.getPass()
	defer n.putPass(p)
	for r0 := 0; r0 < x.Rows; r0 += p.rows {
		chunk, _ := x.RowView(r0, min(r0+p.rows, x.Rows))
		if chunk.HasNaN() {
			return fmt.Errorf("%w: features contain NaN or Inf (row %d from 0)", ErrValue, r0+firstNonFiniteRow(chunk, chunk))
		}
		out := n.forward(p, chunk, false)
		if i := firstNonFiniteRow(out.z, out.y); i >= 0 {
			return fmt.Errorf("%w: row %d (from 0): the network's output is not finite (features far outside the range it was trained on, or a scaler that overflows on them)", ErrValue, r0+i)
		}
		emit(r0, out)
	}
	return nil
}

// firstNonFiniteRow returns the first row of a or b (same shape) holding
// NaN or ±Inf, or -1.
func firstNonFiniteRow(a, b Matrix) int {
	for i := 0; i < a.Rows; i++ {
		if !allFinite(a.Data[i*a.Stride:i*a.Stride+a.Cols]) || !allFinite(b.Data[i*b.Stride:i*b.Stride+b.Cols]) {
			return i
		}
	}
	return -1
}

func (n *Network) checkDst(dst Matrix, rows int) error {
	if err := dst.Check(); err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	if dst.Rows != rows || dst.Cols != n.Outputs() {
		return fmt.Errorf("%w: destination is %d×%d, want %d×%d", ErrShape, dst.Rows, dst.Cols, rows, n.Outputs())
	}
	return nil
}

// PredictInto writes the network's outputs for x into dst (x.Rows ×
// Outputs): probabilities for a softmax or sigmoid output, values
// otherwise. Dropout is off and batch norm uses its moving averages. After
// the first call it allocates nothing; it is safe for concurrent use.
// A row of features holding NaN or ±Inf is refused with ErrValue, and so
// is a row whose outputs (or logits) are not finite, with the row named;
// the outputs of rows before it may then have been written.
func (n *Network) PredictInto(dst, x Matrix) error {
	if err := n.checkDst(dst, x.Rows); err != nil {
		return err
	}
	return n.infer(x, func(r0 int, out *layerSpace) {
		part, _ := dst.RowView(r0, r0+out.y.Rows)
		_ = part.CopyFrom(out.y)
	})
}

// Predict returns the network's outputs for x in a new matrix; see
// PredictInto.
func (n *Network) Predict(x Matrix) (Matrix, error) {
	dst, err := NewMatrix(x.Rows, n.Outputs())
	if err != nil {
		return Matrix{}, err
	}
	if err := n.PredictInto(dst, x); err != nil {
		return Matrix{}, err
	}
	return dst, nil
}

// LogitsInto writes the output layer's pre-activation values (the logits of
// a classifier) for x into dst.
func (n *Network) LogitsInto(dst, x Matrix) error {
	if err := n.checkDst(dst, x.Rows); err != nil {
		return err
	}
	return n.infer(x, func(r0 int, out *layerSpace) {
		part, _ := dst.RowView(r0, r0+out.z.Rows)
		_ = part.CopyFrom(out.z)
	})
}

// Logits returns the output layer's pre-activation values for x.
func (n *Network) Logits(x Matrix) (Matrix, error) {
	dst, err := NewMatrix(x.Rows, n.Outputs())
	if err != nil {
		return Matrix{}, err
	}
	if err := n.LogitsInto(dst, x); err != nil {
		return Matrix{}, err
	}
	return dst, nil
}

// PredictClassInto writes the predicted class of each row of x into dst
// (len x.Rows): the arg-max output, or for a single sigmoid or tanh output
// 1 when it is above its midpoint (0.5, or 0 for tanh and identity) and 0
// otherwise.
func (n *Network) PredictClassInto(dst []int, x Matrix) error {
	if len(dst) != x.Rows {
		return fmt.Errorf("%w: %d class slots for %d rows", ErrShape, len(dst), x.Rows)
	}
	act := n.layers[len(n.layers)-1].act
	return n.infer(x, func(r0 int, out *layerSpace) {
		classify(dst[r0:r0+out.y.Rows], out.y, act)
	})
}

// classify writes the predicted class of each row of the outputs y of an
// output layer with activation act into dst: the arg-max, or for a single
// output 1 when it is above its midpoint (0.5 for sigmoid, else 0).
func classify(dst []int, y Matrix, act Activation) {
	mid := float32(0)
	if act == Sigmoid {
		mid = 0.5
	}
	for i := range dst {
		row := y.Data[i*y.Stride : i*y.Stride+y.Cols]
		if len(row) == 1 {
			dst[i] = 0
			if row[0] > mid {
				dst[i] = 1
			}
			continue
		}
		dst[i] = argmax(row)
	}
}

// PredictClass returns the predicted class of each row of x; see
// PredictClassInto.
func (n *Network) PredictClass(x Matrix) ([]int, error) {
	dst := make([]int, x.Rows)
	if err := n.PredictClassInto(dst, x); err != nil {
		return nil, err
	}
	return dst, nil
}

// Evaluation holds the loss and accuracy of a network on a data set.
type Evaluation struct {
	// Examples is the number of rows evaluated.
	Examples int
	// Loss is the sum of the per-example losses (TensorFlow's "loss" for an
	// evaluation run as one batch) and AverageLoss their mean
	// ("average_loss"). Neither includes the L1/L2 penalty.
	Loss, AverageLoss float64
	// Accuracy is the fraction of correct predictions for a classifier
	// (NaN for regression losses).
	Accuracy float64
}

// Evaluate runs x through the network in inference mode and measures the
// loss against the targets y and, for a classifier, the accuracy. It is
// safe for concurrent use.
func (n *Network) Evaluate(x, y Matrix) (Evaluation, error) {
	return n.evaluate(x, y, Matrix{})
}

// evaluate is Evaluate that also writes the outputs into dst when dst has
// rows (x.Rows × Outputs), so callers that need both run the network once.
func (n *Network) evaluate(x, y, dst Matrix) (Evaluation, error) {
	if err := n.checkData("evaluation", x, y); err != nil {
		return Evaluation{}, err
	}
	if dst.Rows > 0 {
		if err := n.checkDst(dst, x.Rows); err != nil {
			return Evaluation{}, err
		}
	}
	last := n.layers[len(n.layers)-1]
	var sum float64
	correct := 0
	err := n.infer(x, func(r0 int, out *layerSpace) {
		t, _ := y.RowView(r0, r0+out.y.Rows)
		sum += n.cfg.Loss.eval(out.z, out.y, t, last.act, last.alpha, nil, Matrix{}, 1, out.sums)
		correct += countCorrect(n.cfg.Loss, out.y, t)
		if dst.Rows > 0 {
			part, _ := dst.RowView(r0, r0+out.y.Rows)
			_ = part.CopyFrom(out.y)
		}
	})
	if err != nil {
		return Evaluation{}, err
	}
	ev := Evaluation{Examples: x.Rows, Loss: sum, AverageLoss: sum / float64(x.Rows), Accuracy: math.NaN()}
	switch n.cfg.Loss {
	case SoftmaxCrossEntropy:
		ev.Accuracy = float64(correct) / float64(x.Rows)
	case BinaryCrossEntropy:
		ev.Accuracy = float64(correct) / float64(x.Rows*n.Outputs())
	}
	return ev, nil
}
