package main

// The models the inference commands (predict, eval, export, bench) run: a
// float network or an int8 quantized one, told apart by the file's first
// bytes and read once.

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/annlib/ann"
)

// model is a loaded model: exactly one of net (float32) and q (int8).
type model struct {
	net *ann.Network
	q   *ann.QuantizedNetwork
}

// quantized reports whether the model is an int8 quantized network.
func (m *model) quantized() bool { return m.q != nil }

// Inputs is the number of input features.
func (m *model) Inputs() int {
	if m.q != nil {
		return m.q.Inputs()
	}
	return m.net.Inputs()
}

// Outputs is the number of outputs.
func (m *model) Outputs() int {
	if m.q != nil {
		return m.q.Outputs()
	}
	return m.net.Outputs()
}

// Meta is what the model knows about its columns and classes.
func (m *model) Meta() ann.Meta {
	if m.q != nil {
		return m.q.Meta()
	}
	return m.net.Meta()
}

// classifier reports whether the model's outputs are class probabilities.
// A QuantizedNetwork does not say what its output layer or loss is; the
// float models the commands write (ann train -task classify, ann mnist) name
// one class per output, and the regressors none, so a quantized model with
// a class name per output (two or more) is a classifier.
func (m *model) classifier() bool {
	if m.q != nil {
		c := m.q.Meta().Classes
		return len(c) >= 2 && len(c) == m.q.Outputs()
	}
	return isClassifier(m.net)
}

// Predict runs x through the model.
func (m *model) Predict(x ann.Matrix) (ann.Matrix, error) {
	if m.q != nil {
		return m.q.Predict(x)
	}
	return m.net.Predict(x)
}

// PredictClass returns the predicted class of each row of x.
func (m *model) PredictClass(x ann.Matrix) ([]int, error) {
	if m.q != nil {
		return m.q.PredictClass(x)
	}
	return m.net.PredictClass(x)
}

// String describes the model in one line.
func (m *model) String() string {
	if m.q != nil {
		return fmt.Sprintf("int8 quantized network (%s, %d inputs, %d outputs)", m.q.Mode(), m.q.Inputs(), m.q.Outputs())
	}
	return m.net.String()
}

// modelPrefix is how many bytes of a model file tell a quantized model
// from a float one.
const modelPrefix = 16

// loadAnyModel reads a model file, float or quantized, deciding by its
// first bytes which loader reads the rest, so the file is read once; or
// the newest checkpoint of a model directory that loads (checkpoints are
// float networks).
func loadAnyModel(path string, stderr io.Writer) (*model, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("-model: %w", err)
	}
	if st.IsDir() {
		net, err := loadModel(path, stderr)
		if err != nil {
			return nil, err
		}
		return &model{net: net}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("-model: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	head, _ := br.Peek(modelPrefix) // a short file is the loader's to refuse
	if ann.IsQuantizedModel(head) {
		q, err := ann.LoadQuantized(br)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return &model{q: q}, nil
	}
	net, err := ann.Load(br)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &model{net: net}, nil
}

// loadFloatModel is loadAnyModel for the commands that need a float
// network (quantize): a quantized file is refused with a message saying so.
func loadFloatModel(path, what string, stderr io.Writer) (*ann.Network, error) {
	m, err := loadAnyModel(path, stderr)
	if err != nil {
		return nil, err
	}
	if m.quantized() {
		return nil, fmt.Errorf("-model %s is an int8 quantized model; %s needs the float model it was quantized from", path, what)
	}
	return m.net, nil
}

// quantizedMetrics evaluates a quantized model on d with targets y, with
// the float model's keys: accuracy (classifier), average_loss (the mean
// cross-entropy of the probabilities, or the mean squared error) and loss
// (their sum), rmse and r2 (regressor), examples.
func quantizedMetrics(m *model, d *ann.Dataset, y ann.Matrix) (map[string]any, error) {
	p, err := m.Predict(d.X)
	if err != nil {
		return nil, err
	}
	res := map[string]any{"examples": d.X.Rows, "quantized": true, "quantize_mode": m.q.Mode()}
	var sum float64
	if m.classifier() {
		correct := 0
		// −log of the probability of the true class, kept finite for a
		// probability that rounded to 0 as the float model's log-softmax
		// is: the smallest normal float32 bounds it at about 87.3.
		const tiny = 0x1p-126
		for i := range p.Rows {
			row := p.Row(i)
			best := 0
			for j, v := range row {
				if v > row[best] {
					best = j
				}
			}
			t := d.Labels[i]
			if best == t {
				correct++
			}
			sum -= math.Log(max(float64(row[t]), tiny))
		}
		res["accuracy"] = float64(correct) / float64(p.Rows)
	} else {
		for i := range p.Rows {
			pr, yr := p.Row(i), y.Row(i)
			var s float64
			for j := range pr {
				e := float64(pr[j]) - float64(yr[j])
				s += e * e
			}
			sum += s / float64(len(pr))
		}
		if err := addRegressionMetrics(res, p, y); err != nil {
			return nil, err
		}
	}
	res["loss"] = sum
	res["average_loss"] = sum / float64(p.Rows)
	return res, nil
}
