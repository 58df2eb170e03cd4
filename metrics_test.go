package ann_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/annlib/ann"
)

// eps64 is the float64 unit roundoff. The metrics sum at most a few dozen
// float64 terms of magnitude ≤ 1 (or ≤ 30 for the regression examples), so
// their error is a small multiple of it; the hand-computed wants are exact
// rationals rounded once.
const eps64 = 0x1p-52

// closeTo reports whether got is within k·eps64 of want, relative to
// max(1, |want|).
func closeTo(got, want float64, k float64) bool {
	return math.Abs(got-want) <= k*eps64*max(1, math.Abs(want))
}

func TestAccuracy(t *testing.T) {
	// Three of four agree: 3/4.
	got, err := ann.Accuracy([]int{0, 1, 2, 1}, []int{0, 2, 2, 1})
	if err != nil || got != 0.75 {
		t.Errorf("Accuracy = %v, %v; want 0.75", got, err)
	}
	// Class ids need no upper bound: 7 ≠ 9, 9 = 9 → 1/2.
	got, err = ann.Accuracy([]int{7, 9}, []int{9, 9})
	if err != nil || got != 0.5 {
		t.Errorf("Accuracy = %v, %v; want 0.5", got, err)
	}
}

// sklearnExample is the multi-class example of sklearn's
// classification_report documentation: y_true = [0, 1, 2, 2, 2],
// y_pred = [0, 0, 2, 2, 1].
//
//	confusion (rows true, cols pred)   per class   P     R     F1 = 2TP/(2TP+FP+FN)
//	0: [1 0 0]                          0         1/2   1/1   2/3
//	1: [1 0 0]                          1         0/1   0/1   0
//	2: [0 1 2]                          2         2/2   2/3   4/5
//
// column sums (predicted) = 2, 1, 2; supports = 1, 1, 3; diagonal = 3 of 5.
var (
	skPred   = []int{0, 0, 2, 2, 1}
	skLabels = []int{0, 1, 2, 2, 2}
)

func TestConfusionMatrixHandValues(t *testing.T) {
	m, err := ann.NewConfusionMatrix(skPred, skLabels, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := [3][3]int{{1, 0, 0}, {1, 0, 0}, {0, 1, 2}}
	for i := range 3 {
		for j := range 3 {
			if got := m.At(i, j); got != want[i][j] {
				t.Errorf("At(%d, %d) = %d, want %d", i, j, got, want[i][j])
			}
		}
	}
	if m.Classes() != 3 || m.Total() != 5 {
		t.Errorf("Classes, Total = %d, %d; want 3, 5", m.Classes(), m.Total())
	}
	for c, w := range []struct{ support, predicted int }{{1, 2}, {1, 1}, {3, 2}} {
		if m.Support(c) != w.support || m.Predicted(c) != w.predicted {
			t.Errorf("class %d: Support, Predicted = %d, %d; want %d, %d",
				c, m.Support(c), m.Predicted(c), w.support, w.predicted)
		}
	}
	type scores struct{ p, r, f float64 }
	perClass := []scores{{1.0 / 2, 1, 2.0 / 3}, {0, 0, 0}, {1, 2.0 / 3, 4.0 / 5}}
	for c, w := range perClass {
		if got := m.Precision(c); !closeTo(got, w.p, 2) {
			t.Errorf("Precision(%d) = %v, want %v", c, got, w.p)
		}
		if got := m.Recall(c); !closeTo(got, w.r, 2) {
			t.Errorf("Recall(%d) = %v, want %v", c, got, w.r)
		}
		if got := m.F1(c); !closeTo(got, w.f, 2) {
			t.Errorf("F1(%d) = %v, want %v", c, got, w.f)
		}
	}
	// Macro: P = (1/2 + 0 + 1)/3 = 1/2, R = (1 + 0 + 2/3)/3 = 5/9,
	// F1 = (2/3 + 0 + 4/5)/3 = (22/15)/3 = 22/45.
	// Weighted by supports 1, 1, 3 over 5: P = (1/2 + 0 + 3)/5 = 7/10,
	// R = (1 + 0 + 2)/5 = 3/5 (= accuracy), F1 = (2/3 + 0 + 12/5)/5 = 46/75.
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"Accuracy", m.Accuracy(), 3.0 / 5},
		{"MacroPrecision", m.MacroPrecision(), 1.0 / 2},
		{"MacroRecall", m.MacroRecall(), 5.0 / 9},
		{"MacroF1", m.MacroF1(), 22.0 / 45},
		{"WeightedPrecision", m.WeightedPrecision(), 7.0 / 10},
		{"WeightedRecall", m.WeightedRecall(), 3.0 / 5},
		{"WeightedF1", m.WeightedF1(), 46.0 / 75},
	} {
		if !closeTo(c.got, c.want, 8) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestConfusionMatrixAbsentClass(t *testing.T) {
	// Class 3 of 4 never occurs. Macro averages still divide by 4 (sklearn
	// with labels=range(4)); weighted averages ignore it (support 0).
	// Labels [0 1 2], predictions [0 1 1]: per class P = 1, 1/2, 0, 0;
	// R = 1, 1, 0, 0; F1 = 1, 2/3, 0, 0.
	m, err := ann.NewConfusionMatrix([]int{0, 1, 1}, []int{0, 1, 2}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.MacroPrecision(), (1+0.5)/4; !closeTo(got, want, 4) {
		t.Errorf("MacroPrecision = %v, want %v", got, want)
	}
	if got, want := m.MacroF1(), (1+2.0/3)/4; !closeTo(got, want, 4) {
		t.Errorf("MacroF1 = %v, want %v", got, want)
	}
	// Weighted F1 = (1 + 2/3 + 0)/3 = 5/9.
	if got, want := m.WeightedF1(), 5.0/9; !closeTo(got, want, 4) {
		t.Errorf("WeightedF1 = %v, want %v", got, want)
	}
	if p, r, f := m.Precision(3), m.Recall(3), m.F1(3); p != 0 || r != 0 || f != 0 {
		t.Errorf("absent class: P, R, F1 = %v, %v, %v; want zeros", p, r, f)
	}
}

// TestConfusionMatrixRandom checks every count and score against a direct
// count over the samples, and the identities the definitions imply.
func TestConfusionMatrixRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 50 {
		k := 1 + rng.IntN(6)
		n := 1 + rng.IntN(60)
		pred, labels := make([]int, n), make([]int, n)
		for i := range n {
			labels[i] = rng.IntN(k)
			if rng.IntN(3) == 0 {
				pred[i] = labels[i]
			} else {
				pred[i] = rng.IntN(k)
			}
		}
		m, err := ann.NewConfusionMatrix(pred, labels, k)
		if err != nil {
			t.Fatal(err)
		}
		acc, err := ann.Accuracy(pred, labels)
		if err != nil {
			t.Fatal(err)
		}
		correct := 0
		for i := range n {
			if pred[i] == labels[i] {
				correct++
			}
		}
		if want := float64(correct) / float64(n); acc != want || m.Accuracy() != want {
			t.Errorf("trial %d: Accuracy %v, matrix %v; want %v", trial, acc, m.Accuracy(), want)
		}
		for c := range k {
			tp, fp, fn := 0, 0, 0
			for i := range n {
				switch {
				case pred[i] == c && labels[i] == c:
					tp++
				case pred[i] == c:
					fp++
				case labels[i] == c:
					fn++
				}
			}
			for j := range k {
				cnt := 0
				for i := range n {
					if labels[i] == c && pred[i] == j {
						cnt++
					}
				}
				if m.At(c, j) != cnt {
					t.Fatalf("trial %d: At(%d, %d) = %d, want %d", trial, c, j, m.At(c, j), cnt)
				}
			}
			var p, r float64
			if tp+fp > 0 {
				p = float64(tp) / float64(tp+fp)
			}
			if tp+fn > 0 {
				r = float64(tp) / float64(tp+fn)
			}
			if m.Precision(c) != p || m.Recall(c) != r {
				t.Errorf("trial %d class %d: P, R = %v, %v; want %v, %v", trial, c, m.Precision(c), m.Recall(c), p, r)
			}
			// F1 as the harmonic mean; the two formulas round differently.
			f := 0.0
			if p+r > 0 {
				f = 2 * p * r / (p + r)
			}
			if got := m.F1(c); !closeTo(got, f, 8) {
				t.Errorf("trial %d class %d: F1 = %v, want 2PR/(P+R) = %v", trial, c, got, f)
			}
		}
		// Σ support·TP/support is the diagonal, so weighted recall is the
		// accuracy; k+1 roundings at most.
		if got := m.WeightedRecall(); !closeTo(got, acc, float64(2*k+2)) {
			t.Errorf("trial %d: WeightedRecall = %v, Accuracy = %v", trial, got, acc)
		}
	}
}

func TestConfusionMatrixStringAndReport(t *testing.T) {
	m, err := ann.NewConfusionMatrix(skPred, skLabels, 3)
	if err != nil {
		t.Fatal(err)
	}
	wantTable := "" +
		"true\\pred  0  1  2\n" +
		"        0  1  0  0\n" +
		"        1  1  0  0\n" +
		"        2  0  1  2\n"
	if got := m.String(); got != wantTable {
		t.Errorf("String:\n%s\nwant:\n%s", got, wantTable)
	}
	// sklearn's classification_report(y_true, y_pred,
	// target_names=["class 0", "class 1", "class 2"]) prints exactly this
	// (its documented output; the values are those of
	// TestConfusionMatrixHandValues rounded to two digits).
	wantReport := "" +
		"              precision    recall  f1-score   support\n" +
		"\n" +
		"     class 0       0.50      1.00      0.67         1\n" +
		"     class 1       0.00      0.00      0.00         1\n" +
		"     class 2       1.00      0.67      0.80         3\n" +
		"\n" +
		"    accuracy                           0.60         5\n" +
		"   macro avg       0.50      0.56      0.49         5\n" +
		"weighted avg       0.70      0.60      0.61         5\n"
	if got := m.Report([]string{"class 0", "class 1", "class 2"}); got != wantReport {
		t.Errorf("Report:\n%s\nwant:\n%s", got, wantReport)
	}
	// Missing names fall back to ids; a long name widens the first column.
	r := m.ClassificationReport()
	got := r.Report([]string{"a rather long class name"})
	lines := strings.Split(got, "\n")
	if !strings.HasPrefix(lines[2], "a rather long class name  ") || !strings.HasPrefix(lines[3], strings.Repeat(" ", 23)+"1  ") {
		t.Errorf("Report with one long name:\n%s", got)
	}
	if r.String() != r.Report(nil) || !strings.Contains(r.String(), "           2       1.00") {
		t.Errorf("String:\n%s", r.String())
	}
	// Wide counts widen every column.
	big := make([]int, 1000)
	m2, err := ann.NewConfusionMatrix(big, big, 2)
	if err != nil {
		t.Fatal(err)
	}
	wantTable = "" +
		"true\\pred     0     1\n" +
		"        0  1000     0\n" +
		"        1     0     0\n"
	if got := m2.String(); got != wantTable {
		t.Errorf("String:\n%s\nwant:\n%s", got, wantTable)
	}
}

func TestConfusionMatrixZeroValue(t *testing.T) {
	var m ann.ConfusionMatrix
	if m.Classes() != 0 || m.Accuracy() != 0 || m.MacroF1() != 0 || m.WeightedF1() != 0 {
		t.Errorf("zero value scores not 0")
	}
	if s := m.String(); s != "true\\pred\n" {
		t.Errorf("zero value String = %q", s)
	}
	_ = m.Report(nil) // must not panic
}

func TestConfusionMatrixIndexPanics(t *testing.T) {
	m, err := ann.NewConfusionMatrix([]int{0}, []int{1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(){
		"At(2, 0)":      func() { m.At(2, 0) },
		"At(0, -1)":     func() { m.At(0, -1) },
		"Precision(-1)": func() { m.Precision(-1) },
		"Recall(2)":     func() { m.Recall(2) },
		"F1(5)":         func() { m.F1(5) },
		"Support(2)":    func() { m.Support(2) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		}()
	}
}

// pairAUC is the definition of ROC-AUC: the fraction of (positive,
// negative) pairs ranked correctly, ties counting one half. O(n²).
func pairAUC(scores []float32, labels []int) float64 {
	var s float64
	var pairs int
	for i := range scores {
		if labels[i] != 1 {
			continue
		}
		for j := range scores {
			if labels[j] != 0 {
				continue
			}
			pairs++
			switch {
			case scores[i] > scores[j]:
				s++
			case scores[i] == scores[j]:
				s += 0.5
			}
		}
	}
	return s / float64(pairs)
}

// thresholdAP is average precision straight from its definition: for every
// distinct score t from high to low, predict positive when score ≥ t, and
// add (R(t) − R(previous)) · P(t). O(n²).
func thresholdAP(scores []float32, labels []int) float64 {
	ts := slices.Clone(scores)
	slices.Sort(ts)
	ts = slices.Compact(ts)
	slices.Reverse(ts)
	nPos := 0
	for _, y := range labels {
		nPos += y
	}
	ap, prevR := 0.0, 0.0
	for _, th := range ts {
		tp, fp := 0, 0
		for i, s := range scores {
			if s >= th {
				if labels[i] == 1 {
					tp++
				} else {
					fp++
				}
			}
		}
		r := float64(tp) / float64(nPos)
		ap += (r - prevR) * float64(tp) / float64(tp+fp)
		prevR = r
	}
	return ap
}

func TestROCAUCHandValues(t *testing.T) {
	for _, c := range []struct {
		name   string
		scores []float32
		labels []int
		want   float64
	}{
		// sklearn's roc_auc_score doc example. Positives 0.35, 0.8;
		// negatives 0.1, 0.4. Pairs won: 0.35>0.1, 0.8>0.1, 0.8>0.4; lost
		// 0.35<0.4 → 3/4.
		{"sklearn doc", []float32{0.1, 0.4, 0.35, 0.8}, []int{0, 0, 1, 1}, 3.0 / 4},
		// Ties. Positives {0.4, 0.8, 0.4}, negatives {0.1, 0.4}:
		// 0.4 vs 0.1 → 1, vs 0.4 → ½ (twice, one per tied positive);
		// 0.8 beats both → 2. Sum 1+½+2+1+½ = 5 of 6 pairs → 5/6.
		// Average ranks agree: sorted 0.1(1) 0.4,0.4,0.4(ranks 2-4, avg 3)
		// 0.8(5); positive rank sum 3+3+5 = 11; U = 11 − 3·4/2 = 5.
		{"ties", []float32{0.1, 0.4, 0.4, 0.8, 0.4}, []int{0, 0, 1, 1, 1}, 5.0 / 6},
		// All scores equal: every pair ties → ½.
		{"all tied", []float32{0.5, 0.5, 0.5, 0.5}, []int{0, 1, 0, 1}, 0.5},
		{"perfect", []float32{-3, -1, 2, 7}, []int{0, 0, 1, 1}, 1},
		{"reversed", []float32{-3, -1, 2, 7}, []int{1, 1, 0, 0}, 0},
		// ±Inf rank as extremes; -0 and +0 tie: positives {+Inf, +0},
		// negatives {-0, -Inf}: +Inf wins 2, +0 beats -Inf and ties -0 → 3.5/4.
		{"inf and signed zero", []float32{float32(math.Inf(1)), 0, float32(math.Copysign(0, -1)), float32(math.Inf(-1))},
			[]int{1, 1, 0, 0}, 7.0 / 8},
	} {
		in := slices.Clone(c.scores)
		got, err := ann.ROCAUC(c.scores, c.labels)
		// The exact algorithm divides two integers once: bit-identical to
		// the rounded rational.
		if err != nil || got != c.want {
			t.Errorf("%s: ROCAUC = %v, %v; want %v", c.name, got, err, c.want)
		}
		if !slices.Equal(in, c.scores) {
			t.Errorf("%s: ROCAUC modified its input", c.name)
		}
	}
}

func TestROCAUCAgainstPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 200 {
		n := 2 + rng.IntN(80)
		scores, labels := make([]float32, n), make([]int, n)
		levels := 1 + rng.IntN(10) // few levels → many ties
		for i := range n {
			scores[i] = float32(rng.IntN(levels)) / 4
			labels[i] = rng.IntN(2)
		}
		labels[0], labels[1] = 0, 1
		got, err := ann.ROCAUC(scores, labels)
		if err != nil {
			t.Fatal(err)
		}
		// Both sides are (count of half-pairs)/(2·pairs) with exact
		// numerators, so they agree exactly.
		if want := pairAUC(scores, labels); got != want {
			t.Fatalf("trial %d: ROCAUC = %v, pair count %v\nscores %v\nlabels %v", trial, got, want, scores, labels)
		}
		// Only the order matters: a monotone transform (sigmoid of a
		// logit-like rescale) leaves the area unchanged, ties included.
		mapped := make([]float32, n)
		for i, s := range scores {
			mapped[i] = float32(1 / (1 + math.Exp(-float64(s))))
		}
		if g2, _ := ann.ROCAUC(mapped, labels); g2 != got {
			t.Fatalf("trial %d: ROCAUC after sigmoid = %v, before %v", trial, g2, got)
		}
	}
}

func TestPRAUCHandValues(t *testing.T) {
	for _, c := range []struct {
		name   string
		scores []float32
		labels []int
		want   float64
	}{
		// sklearn's average_precision_score doc example, 0.8333...:
		// thresholds high→low 0.8(+): P=1, R=½; 0.4(−): P=½, R=½;
		// 0.35(+): P=⅔, R=1; 0.1(−): P=½, R=1.
		// AP = ½·1 + 0·½ + ½·⅔ + 0·½ = 5/6.
		{"sklearn doc", []float32{0.1, 0.4, 0.35, 0.8}, []int{0, 0, 1, 1}, 5.0 / 6},
		// A tie is one threshold: 0.5 takes {+, −}: P=½, R=½;
		// 0.2(+): P=⅔, R=1. AP = ½·½ + ½·⅔ = 7/12. (Breaking the tie with
		// the positive first would give ½·1 + ½·⅔ = 5/6 instead.)
		{"tie", []float32{0.5, 0.5, 0.2}, []int{1, 0, 1}, 7.0 / 12},
		// No negatives: precision 1 at every threshold.
		{"all positive", []float32{0.3, 0.1, 0.3}, []int{1, 1, 1}, 1},
		// Positive ranked last of four: P=¼ at R=1.
		{"worst", []float32{0.9, 0.8, 0.7, 0.1}, []int{0, 0, 0, 1}, 1.0 / 4},
		{"perfect", []float32{0.9, 0.8, 0.7, 0.1}, []int{1, 1, 0, 0}, 1},
	} {
		got, err := ann.PRAUC(c.scores, c.labels)
		if err != nil || !closeTo(got, c.want, 8) {
			t.Errorf("%s: PRAUC = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
}

func TestPRAUCAgainstThresholds(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 200 {
		n := 1 + rng.IntN(80)
		scores, labels := make([]float32, n), make([]int, n)
		levels := 1 + rng.IntN(12)
		for i := range n {
			scores[i] = float32(rng.IntN(levels)) - 3
			labels[i] = rng.IntN(2)
		}
		labels[0] = 1
		got, err := ann.PRAUC(scores, labels)
		if err != nil {
			t.Fatal(err)
		}
		// Each of ≤ n terms is rounded a few times and both sums run over
		// the same terms in the same order: 4n roundings bound the gap.
		if want := thresholdAP(scores, labels); !closeTo(got, want, float64(4*n)) {
			t.Fatalf("trial %d: PRAUC = %v, by thresholds %v\nscores %v\nlabels %v", trial, got, want, scores, labels)
		}
	}
}

func TestRegressionHandValues(t *testing.T) {
	// sklearn's r2_score / mean_absolute_error / mean_squared_error doc
	// example: target [3, -0.5, 2, 7], pred [2.5, 0, 2, 8].
	// Errors: 0.5, 0.5, 0, 1 → MAE = 2/4 = 1/2; MSE = (¼+¼+0+1)/4 = 3/8.
	// Mean target = 11.5/4 = 2.875; deviations 0.125, -3.375, -0.875, 4.125;
	// SStot = (1 + 729 + 49 + 1089)/64 = 1868/64 = 467/16; SSres = 3/2;
	// R² = 1 − (3/2)/(467/16) = 1 − 24/467 = 443/467 ≈ 0.9486.
	target := []float32{3, -0.5, 2, 7}
	pred := []float32{2.5, 0, 2, 8}
	if got, err := ann.MAE(pred, target); err != nil || got != 0.5 {
		t.Errorf("MAE = %v, %v; want 0.5", got, err)
	}
	if got, err := ann.RMSE(pred, target); err != nil || !closeTo(got, math.Sqrt(3.0/8), 2) {
		t.Errorf("RMSE = %v, %v; want √(3/8) = %v", got, err, math.Sqrt(3.0/8))
	}
	if got, err := ann.R2(pred, target); err != nil || !closeTo(got, 443.0/467, 8) {
		t.Errorf("R2 = %v, %v; want 443/467 = %v", got, err, 443.0/467)
	}
	// Predicting the mean gives R² = 0 exactly: SSres = SStot.
	mean := []float32{2.875, 2.875, 2.875, 2.875}
	if got, err := ann.R2(mean, target); err != nil || got != 0 {
		t.Errorf("R2(mean) = %v, %v; want 0", got, err)
	}
	// Worse than the mean is negative: pred = target reversed
	// [7, 2, -0.5, 3]: errors 4, 2.5, 2.5, 4 → SSres = 16+6.25+6.25+16 =
	// 44.5 = 712/16; R² = 1 − 712/467 = −245/467.
	rev := []float32{7, 2, -0.5, 3}
	if got, err := ann.R2(rev, target); err != nil || !closeTo(got, -245.0/467, 8) {
		t.Errorf("R2(reversed) = %v, %v; want %v", got, err, -245.0/467)
	}
}

func TestRegressionFloat64Accumulation(t *testing.T) {
	// |errors| 1e8, 1, 1e8 (all exact in float32). In float32, 1e8 + 1
	// rounds back to 1e8 (the spacing there is 8), losing the 1; float64
	// keeps it: MAE = 200000001/3.
	pred := []float32{1e8, 1, -1e8}
	zero := []float32{0, 0, 0}
	if got, err := ann.MAE(pred, zero); err != nil || got != 200000001.0/3 {
		t.Errorf("MAE = %v, %v; want %v", got, err, 200000001.0/3)
	}
	// Target 1e4 ± 1, pred 1e4 ± 0.5: SStot = 4, SSres = 4·¼ = 1,
	// R² = 3/4. A one-pass Σy² − n·ȳ² in float32 would cancel 4e8 against
	// 4e8 at a spacing of 32 and return noise.
	target := []float32{1e4 + 1, 1e4 - 1, 1e4 + 1, 1e4 - 1}
	p := []float32{1e4 + 0.5, 1e4 - 0.5, 1e4 + 0.5, 1e4 - 0.5}
	if got, err := ann.R2(p, target); err != nil || got != 0.75 {
		t.Errorf("R2 = %v, %v; want 0.75", got, err)
	}
	// RMSE of errors ±1e19 (squares 1e38 sum near float32's maximum):
	// no overflow in float64.
	huge := []float32{1e19, -1e19}
	if got, err := ann.RMSE(huge, []float32{0, 0}); err != nil || !closeTo(got, float64(float32(1e19)), 4) {
		t.Errorf("RMSE = %v, %v; want %v", got, err, float64(float32(1e19)))
	}
}

func TestR2ConstantTarget(t *testing.T) {
	c := []float32{2, 2, 2}
	if got, err := ann.R2(c, c); err != nil || got != 1 {
		t.Errorf("R2(exact, constant) = %v, %v; want 1", got, err)
	}
	if got, err := ann.R2([]float32{2, 2, 3}, c); err != nil || got != 0 {
		t.Errorf("R2(inexact, constant) = %v, %v; want 0", got, err)
	}
	// One example is a constant target.
	if got, err := ann.R2([]float32{5}, []float32{4}); err != nil || got != 0 {
		t.Errorf("R2 of one example = %v, %v; want 0", got, err)
	}
}

func TestMetricsErrors(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	f := func(v ...float32) []float32 { return v }
	i := func(v ...int) []int { return v }
	wrap := func(fn func() (float64, error)) func() error {
		return func() error { _, err := fn(); return err }
	}
	for _, c := range []struct {
		name string
		call func() error
		want error
	}{
		{"Accuracy empty", wrap(func() (float64, error) { return ann.Accuracy(nil, nil) }), ann.ErrShape},
		{"Accuracy length", wrap(func() (float64, error) { return ann.Accuracy(i(0, 1), i(0)) }), ann.ErrShape},
		{"Accuracy negative", wrap(func() (float64, error) { return ann.Accuracy(i(0, -1), i(0, 1)) }), ann.ErrValue},
		{"Confusion empty", func() error { _, err := ann.NewConfusionMatrix(nil, nil, 2); return err }, ann.ErrShape},
		{"Confusion length", func() error { _, err := ann.NewConfusionMatrix(i(0), i(0, 1), 2); return err }, ann.ErrShape},
		{"Confusion label range", func() error { _, err := ann.NewConfusionMatrix(i(0, 1), i(0, 2), 2); return err }, ann.ErrValue},
		{"Confusion pred range", func() error { _, err := ann.NewConfusionMatrix(i(0, -1), i(0, 1), 2); return err }, ann.ErrValue},
		{"Confusion 0 classes", func() error { _, err := ann.NewConfusionMatrix(i(0), i(0), 0); return err }, ann.ErrValue},
		{"Confusion huge classes", func() error { _, err := ann.NewConfusionMatrix(i(0), i(0), 1<<20); return err }, ann.ErrValue},
		{"ROCAUC empty", wrap(func() (float64, error) { return ann.ROCAUC(nil, nil) }), ann.ErrShape},
		{"ROCAUC length", wrap(func() (float64, error) { return ann.ROCAUC(f(1, 2), i(1)) }), ann.ErrShape},
		{"ROCAUC NaN", wrap(func() (float64, error) { return ann.ROCAUC(f(1, nan), i(0, 1)) }), ann.ErrValue},
		{"ROCAUC label 2", wrap(func() (float64, error) { return ann.ROCAUC(f(1, 2), i(0, 2)) }), ann.ErrValue},
		{"ROCAUC label -1", wrap(func() (float64, error) { return ann.ROCAUC(f(1, 2), i(-1, 1)) }), ann.ErrValue},
		{"ROCAUC no negatives", wrap(func() (float64, error) { return ann.ROCAUC(f(1, 2), i(1, 1)) }), ann.ErrValue},
		{"ROCAUC no positives", wrap(func() (float64, error) { return ann.ROCAUC(f(1, 2), i(0, 0)) }), ann.ErrValue},
		{"PRAUC empty", wrap(func() (float64, error) { return ann.PRAUC(f(), i()) }), ann.ErrShape},
		{"PRAUC length", wrap(func() (float64, error) { return ann.PRAUC(f(1), i(1, 0)) }), ann.ErrShape},
		{"PRAUC NaN", wrap(func() (float64, error) { return ann.PRAUC(f(nan, 1), i(1, 0)) }), ann.ErrValue},
		{"PRAUC label 3", wrap(func() (float64, error) { return ann.PRAUC(f(1, 2), i(1, 3)) }), ann.ErrValue},
		{"PRAUC no positives", wrap(func() (float64, error) { return ann.PRAUC(f(1, 2), i(0, 0)) }), ann.ErrValue},
		{"R2 empty", wrap(func() (float64, error) { return ann.R2(nil, nil) }), ann.ErrShape},
		{"R2 length", wrap(func() (float64, error) { return ann.R2(f(1, 2), f(1)) }), ann.ErrShape},
		{"R2 NaN pred", wrap(func() (float64, error) { return ann.R2(f(nan, 2), f(1, 2)) }), ann.ErrValue},
		{"R2 Inf target", wrap(func() (float64, error) { return ann.R2(f(1, 2), f(1, inf)) }), ann.ErrValue},
		{"RMSE empty", wrap(func() (float64, error) { return ann.RMSE(f(), f()) }), ann.ErrShape},
		{"RMSE length", wrap(func() (float64, error) { return ann.RMSE(f(1), f(1, 2)) }), ann.ErrShape},
		{"RMSE NaN", wrap(func() (float64, error) { return ann.RMSE(f(1), f(nan)) }), ann.ErrValue},
		{"MAE empty", wrap(func() (float64, error) { return ann.MAE(nil, f()) }), ann.ErrShape},
		{"MAE length", wrap(func() (float64, error) { return ann.MAE(f(1, 2, 3), f(1, 2)) }), ann.ErrShape},
		{"MAE -Inf", wrap(func() (float64, error) { return ann.MAE(f(-inf), f(0)) }), ann.ErrValue},
	} {
		err := c.call()
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), "ann: ") {
			t.Errorf("%s: error %q does not start with \"ann: \"", c.name, err)
		}
	}
}

func ExampleConfusionMatrix() {
	labels := []int{0, 1, 2, 2, 2}
	pred := []int{0, 0, 2, 2, 1}
	m, err := ann.NewConfusionMatrix(pred, labels, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(m)
	fmt.Println()
	fmt.Print(m.Report([]string{"cat", "dog", "bird"}))
	// Output:
	// true\pred  0  1  2
	//         0  1  0  0
	//         1  1  0  0
	//         2  0  1  2
	//
	//               precision    recall  f1-score   support
	//
	//          cat       0.50      1.00      0.67         1
	//          dog       0.00      0.00      0.00         1
	//         bird       1.00      0.67      0.80         3
	//
	//     accuracy                           0.60         5
	//    macro avg       0.50      0.56      0.49         5
	// weighted avg       0.70      0.60      0.61         5
}

func ExampleROCAUC() {
	// Scores of two negatives and two positives; one negative (0.4)
	// outranks one positive (0.35), so 3 of the 4 pairs are ordered.
	scores := []float32{0.1, 0.4, 0.35, 0.8}
	labels := []int{0, 0, 1, 1}
	auc, _ := ann.ROCAUC(scores, labels)
	ap, _ := ann.PRAUC(scores, labels)
	fmt.Printf("ROC AUC %.4f, average precision %.4f\n", auc, ap)
	// Output: ROC AUC 0.7500, average precision 0.8333
}
