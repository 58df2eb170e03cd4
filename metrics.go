package ann

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Evaluation metrics. Every function here is pure: it reads its arguments,
// keeps nothing, and is safe for concurrent use. Sums run in float64 so that
// a metric over millions of float32 examples does not lose the small terms.
//
// The definitions follow scikit-learn (sklearn.metrics), whose numbers most
// readers will compare against; where TensorFlow's estimators report a
// different quantity under a similar name, the doc comment says how they
// differ.

// maxConfusionClasses bounds the class count of a ConfusionMatrix. The
// matrix is dense, so a count passed by mistake (a label value, a sample
// count) would otherwise ask for classes² ints and take the process down
// instead of returning an error. 8192 classes is 64 Mi counts (512 MiB on
// 64-bit), far past any table a person reads.
const maxConfusionClasses = 1 << 13

// checkPaired checks that two parallel slices have equal, non-zero length.
func checkPaired(op string, nPred, nTrue int) error {
	if nPred != nTrue {
		return fmt.Errorf("%w: %s: %d predictions for %d targets", ErrShape, op, nPred, nTrue)
	}
	if nPred == 0 {
		return fmt.Errorf("%w: %s: no examples", ErrShape, op)
	}
	return nil
}

// Accuracy returns the fraction of examples whose predicted class equals the
// label. Class ids must be non-negative (they index Dataset.Classes); the
// number of classes is not needed, so it is not checked. pred and labels
// must have the same, non-zero length.
func Accuracy(pred, labels []int) (float64, error) {
	if err := checkPaired("accuracy", len(pred), len(labels)); err != nil {
		return 0, err
	}
	correct := 0
	for i, p := range pred {
		y := labels[i]
		if p < 0 || y < 0 {
			return 0, fmt.Errorf("%w: accuracy: negative class id at %d (pred %d, label %d)", ErrValue, i, p, y)
		}
		if p == y {
			correct++
		}
	}
	return float64(correct) / float64(len(pred)), nil
}

// ConfusionMatrix counts (true class, predicted class) pairs of a
// classification. Rows are true classes and columns predicted classes, as in
// sklearn.metrics.confusion_matrix.
//
// Per-class scores follow sklearn with zero_division=0: a class that was
// never predicted has precision 0, a class with no support has recall 0, and
// F1 is 0 when both are 0. Macro averages are unweighted means over all
// Classes() classes, including classes absent from both labels and
// predictions; this equals sklearn given labels=range(classes) (sklearn's
// default averages only over the classes that occur). Weighted averages
// weight each class by its support, so absent classes do not affect them.
//
// A ConfusionMatrix is immutable after NewConfusionMatrix and safe for
// concurrent use. The zero value is an empty matrix with no classes, whose
// scores are all 0.
type ConfusionMatrix struct {
	classes   int
	total     int
	counts    []int // classes×classes, row-major, row = true class
	support   []int // row sums: examples whose label is the class
	predicted []int // column sums: examples predicted as the class
}

// NewConfusionMatrix counts pred against labels for classes classes
// (1 ≤ classes ≤ 8192). Every prediction and label must lie in
// [0, classes): a value outside is ErrValue, because it means the caller's
// class count and data disagree. pred and labels must have the same, non-zero
// length (ErrShape).
func NewConfusionMatrix(pred, labels []int, classes int) (*ConfusionMatrix, error) {
	if classes < 1 || classes > maxConfusionClasses {
		return nil, fmt.Errorf("%w: confusion matrix: %d classes, want 1..%d", ErrValue, classes, maxConfusionClasses)
	}
	if err := checkPaired("confusion matrix", len(pred), len(labels)); err != nil {
		return nil, err
	}
	m := &ConfusionMatrix{
		classes:   classes,
		total:     len(pred),
		counts:    make([]int, classes*classes),
		support:   make([]int, classes),
		predicted: make([]int, classes),
	}
	for i, p := range pred {
		y := labels[i]
		// One unsigned compare per value also rejects negatives.
		if uint(y) >= uint(classes) {
			return nil, fmt.Errorf("%w: confusion matrix: label %d at %d outside [0, %d)", ErrValue, y, i, classes)
		}
		if uint(p) >= uint(classes) {
			return nil, fmt.Errorf("%w: confusion matrix: prediction %d at %d outside [0, %d)", ErrValue, p, i, classes)
		}
		m.counts[y*classes+p]++
		m.support[y]++
		m.predicted[p]++
	}
	return m, nil
}

// Classes returns the number of classes.
func (m *ConfusionMatrix) Classes() int { return m.classes }

// Total returns the number of examples counted.
func (m *ConfusionMatrix) Total() int { return m.total }

// checkClass panics on a class id outside the matrix, like a slice index:
// it is a programming error, not bad data, and Matrix.At behaves the same.
func (m *ConfusionMatrix) checkClass(c int) {
	if uint(c) >= uint(m.classes) {
		panic(fmt.Sprintf("ann: class %d out of range for a %d-class confusion matrix", c, m.classes))
	}
}

// At returns the number of examples of class trueClass that were predicted
// as predClass. It panics if either index is out of range, like Matrix.At.
func (m *ConfusionMatrix) At(trueClass, predClass int) int {
	m.checkClass(trueClass)
	m.checkClass(predClass)
	return m.counts[trueClass*m.classes+predClass]
}

// Support returns the number of examples whose label is c (row sum).
// It panics if c is out of range.
func (m *ConfusionMatrix) Support(c int) int {
	m.checkClass(c)
	return m.support[c]
}

// Predicted returns the number of examples predicted as c (column sum).
// It panics if c is out of range.
func (m *ConfusionMatrix) Predicted(c int) int {
	m.checkClass(c)
	return m.predicted[c]
}

// ratio returns a/b, or 0 when b is 0: sklearn's zero_division=0.
func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Precision returns TP/(TP+FP) for class c: the fraction of examples
// predicted as c that are c. It is 0 if c was never predicted. It panics if c
// is out of range.
func (m *ConfusionMatrix) Precision(c int) float64 {
	m.checkClass(c)
	return ratio(m.counts[c*m.classes+c], m.predicted[c])
}

// Recall returns TP/(TP+FN) for class c: the fraction of examples of class c
// predicted as c. It is 0 if c has no support. It panics if c is out of range.
func (m *ConfusionMatrix) Recall(c int) float64 {
	m.checkClass(c)
	return ratio(m.counts[c*m.classes+c], m.support[c])
}

// F1 returns the harmonic mean of Precision(c) and Recall(c), computed as
// 2·TP/(2·TP+FP+FN) from the integer counts (the same value, rounded once).
// It is 0 when c has neither support nor predictions, or no true positives.
// It panics if c is out of range.
func (m *ConfusionMatrix) F1(c int) float64 {
	m.checkClass(c)
	tp := m.counts[c*m.classes+c]
	// 2TP+FP+FN = (TP+FP) + (TP+FN).
	return ratio(2*tp, m.predicted[c]+m.support[c])
}

// Accuracy returns the fraction of examples on the diagonal; 0 for the zero
// value.
func (m *ConfusionMatrix) Accuracy() float64 {
	diag := 0
	for c := range m.classes {
		diag += m.counts[c*m.classes+c]
	}
	return ratio(diag, m.total)
}

// macro returns the unweighted mean of score over all classes.
func (m *ConfusionMatrix) macro(score func(int) float64) float64 {
	if m.classes == 0 {
		return 0
	}
	s := 0.0
	for c := range m.classes {
		s += score(c)
	}
	return s / float64(m.classes)
}

// weighted returns the support-weighted mean of score.
func (m *ConfusionMatrix) weighted(score func(int) float64) float64 {
	if m.total == 0 {
		return 0
	}
	s := 0.0
	for c := range m.classes {
		s += float64(m.support[c]) * score(c)
	}
	return s / float64(m.total)
}

// MacroPrecision returns the mean of Precision over all classes.
func (m *ConfusionMatrix) MacroPrecision() float64 { return m.macro(m.Precision) }

// MacroRecall returns the mean of Recall over all classes.
func (m *ConfusionMatrix) MacroRecall() float64 { return m.macro(m.Recall) }

// MacroF1 returns the mean of the per-class F1 over all classes (sklearn's
// f1_score(average="macro"), not the F1 of MacroPrecision and MacroRecall).
func (m *ConfusionMatrix) MacroF1() float64 { return m.macro(m.F1) }

// WeightedPrecision returns the mean of Precision weighted by each class's
// support.
func (m *ConfusionMatrix) WeightedPrecision() float64 { return m.weighted(m.Precision) }

// WeightedRecall returns the mean of Recall weighted by support. It always
// equals Accuracy up to rounding: support·TP/support summed is the diagonal.
func (m *ConfusionMatrix) WeightedRecall() float64 { return m.weighted(m.Recall) }

// WeightedF1 returns the mean of F1 weighted by support.
func (m *ConfusionMatrix) WeightedF1() float64 { return m.weighted(m.F1) }

// String returns the counts as a table with true classes down the side and
// predicted classes across the top, columns right-aligned:
//
//	true\pred  0  1  2
//	        0  1  0  0
//	        1  1  0  0
//	        2  0  1  2
func (m *ConfusionMatrix) String() string {
	const corner = `true\pred`
	w := len(strconv.Itoa(max(m.classes-1, 0)))
	for _, n := range m.counts {
		w = max(w, len(strconv.Itoa(n)))
	}
	var b strings.Builder
	b.WriteString(corner)
	for p := range m.classes {
		fmt.Fprintf(&b, "  %*d", w, p)
	}
	b.WriteByte('\n')
	for t := range m.classes {
		fmt.Fprintf(&b, "%*d", len(corner), t)
		for p := range m.classes {
			fmt.Fprintf(&b, "  %*d", w, m.counts[t*m.classes+p])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// ClassMetrics is one row of a ClassificationReport.
type ClassMetrics struct {
	Precision float64
	Recall    float64
	F1        float64
	// Support is the number of examples of the class; on the average rows,
	// the total number of examples.
	Support int
}

// ClassificationReport holds what sklearn.metrics.classification_report
// prints: per-class precision, recall, F1 and support, the accuracy, and the
// macro and support-weighted averages (see ConfusionMatrix for the
// zero-division and averaging rules).
type ClassificationReport struct {
	// PerClass is indexed by class id.
	PerClass []ClassMetrics
	Accuracy float64
	Macro    ClassMetrics
	Weighted ClassMetrics
}

// ClassificationReport collects the per-class and averaged scores of m.
func (m *ConfusionMatrix) ClassificationReport() ClassificationReport {
	r := ClassificationReport{
		PerClass: make([]ClassMetrics, m.classes),
		Accuracy: m.Accuracy(),
		Macro: ClassMetrics{
			Precision: m.MacroPrecision(), Recall: m.MacroRecall(), F1: m.MacroF1(), Support: m.total,
		},
		Weighted: ClassMetrics{
			Precision: m.WeightedPrecision(), Recall: m.WeightedRecall(), F1: m.WeightedF1(), Support: m.total,
		},
	}
	for c := range r.PerClass {
		r.PerClass[c] = ClassMetrics{Precision: m.Precision(c), Recall: m.Recall(c), F1: m.F1(c), Support: m.support[c]}
	}
	return r
}

// Report is shorthand for m.ClassificationReport().Report(classNames).
func (m *ConfusionMatrix) Report(classNames []string) string {
	return m.ClassificationReport().Report(classNames)
}

// Report formats r in the layout of sklearn's classification_report with
// two digits, so the two can be compared line by line. classNames[c] labels
// row c; a class without a name (classNames nil or shorter than the class
// count) is labelled by its id, and extra names are ignored, because a report
// is for reading and should not fail over a label.
func (r ClassificationReport) Report(classNames []string) string {
	const lastHeading = "weighted avg"
	names := make([]string, len(r.PerClass))
	width := utf8.RuneCountInString(lastHeading)
	for c := range names {
		if c < len(classNames) {
			names[c] = classNames[c]
		} else {
			names[c] = strconv.Itoa(c)
		}
		// fmt pads by runes, so widths are counted in runes.
		width = max(width, utf8.RuneCountInString(names[c]))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%*s  %9s %9s %9s %9s\n\n", width, "", "precision", "recall", "f1-score", "support")
	row := func(name string, s ClassMetrics) {
		fmt.Fprintf(&b, "%*s  %9.2f %9.2f %9.2f %9d\n", width, name, s.Precision, s.Recall, s.F1, s.Support)
	}
	for c, s := range r.PerClass {
		row(names[c], s)
	}
	b.WriteByte('\n')
	fmt.Fprintf(&b, "%*s  %9s %9s %9.2f %9d\n", width, "accuracy", "", "", r.Accuracy, r.Macro.Support)
	row("macro avg", r.Macro)
	row(lastHeading, r.Weighted)
	return b.String()
}

// String formats r with class ids as row names; see Report.
func (r ClassificationReport) String() string { return r.Report(nil) }

// checkBinary validates binary-classification inputs and counts the
// classes. NaN scores cannot be ranked, so they are ErrValue; ±Inf are
// ordered like any other value and accepted (an overflowed logit still ranks
// correctly).
func checkBinary(op string, scores []float32, labels []int) (nPos, nNeg int, err error) {
	if err := checkPaired(op, len(scores), len(labels)); err != nil {
		return 0, 0, err
	}
	for i, y := range labels {
		switch y {
		case 0:
			nNeg++
		case 1:
			nPos++
		default:
			return 0, 0, fmt.Errorf("%w: %s: label %d at %d, want 0 or 1", ErrValue, op, y, i)
		}
		if math.IsNaN(float64(scores[i])) {
			return 0, 0, fmt.Errorf("%w: %s: NaN score at %d", ErrValue, op, i)
		}
	}
	return nPos, nNeg, nil
}

// scoreOrder returns the indices of scores sorted by score, ascending. Ties
// keep no particular order; callers treat a run of equal scores as a group.
// -0 and +0 compare equal and so tie.
func scoreOrder(scores []float32) []int {
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(scores[a], scores[b]) })
	return order
}

// ROCAUC returns the area under the ROC curve of a binary classifier:
// the probability that a random positive scores higher than a random
// negative, counting ties as one half. This is the Mann–Whitney U statistic
// divided by nPos·nNeg, which equals the trapezoidal area under the exact ROC
// curve and sklearn's roc_auc_score. The count is kept in integers and
// divided once, so the result is exact up to that division's rounding.
//
// labels must be 0 or 1, and both must occur (ErrValue otherwise: the area is
// undefined); a NaN score is ErrValue. Only the order of scores matters, so
// probabilities and logits give the same area.
//
// TensorFlow's estimators report "auc" from tf.metrics.auc, which buckets
// scores into 200 fixed thresholds in [0, 1] and sums trapezoids between
// them: an approximation that differs from this value when scores are close
// together or outside [0, 1] (logits).
func ROCAUC(scores []float32, labels []int) (float64, error) {
	const op = "roc auc"
	nPos, nNeg, err := checkBinary(op, scores, labels)
	if err != nil {
		return 0, err
	}
	if nPos == 0 || nNeg == 0 {
		return 0, fmt.Errorf("%w: %s: undefined with %d positive and %d negative examples", ErrValue, op, nPos, nNeg)
	}
	order := scoreOrder(scores)
	// 2U = Σ over groups of equal score of 2·p·(negatives below) + p·q,
	// where the group holds p positives and q negatives: each positive beats
	// every lower negative and ties with the q in its group. Doubling keeps
	// the half-counts of ties in integers; int64 because on 32-bit platforms
	// n² overflows int.
	var twiceU, negBelow int64
	for i := 0; i < len(order); {
		s := scores[order[i]]
		var p, q int64
		for ; i < len(order) && scores[order[i]] == s; i++ {
			if labels[order[i]] == 1 {
				p++
			} else {
				q++
			}
		}
		twiceU += 2*p*negBelow + p*q
		negBelow += q
	}
	return float64(twiceU) / (2 * float64(nPos) * float64(nNeg)), nil
}

// PRAUC returns the area under the precision-recall curve as average
// precision, sklearn's average_precision_score:
//
//	AP = Σₖ (Rₖ − Rₖ₋₁) · Pₖ
//
// over the distinct scores taken as thresholds from high to low, where Pₖ and
// Rₖ are the precision and recall of predicting positive every example
// scoring at least the k-th threshold, and R₀ = 0. This is a step-wise sum
// that never interpolates between points, because linear interpolation of
// precision overstates the area (Davis & Goadrich 2006). Tied scores form
// one threshold.
//
// labels must be 0 or 1 and at least one must be 1 (ErrValue otherwise:
// recall is undefined); with no negatives the result is 1. A NaN score is
// ErrValue.
//
// TensorFlow's estimators report "auc_precision_recall" from
// tf.metrics.auc(curve="PR"), a Riemann sum over 200 fixed thresholds in
// [0, 1] with the trapezoidal rule by default: it quantizes the scores and
// interpolates precision linearly between buckets, which tends to overstate
// the area, so the two are not comparable digit by digit.
func PRAUC(scores []float32, labels []int) (float64, error) {
	const op = "pr auc"
	nPos, _, err := checkBinary(op, scores, labels)
	if err != nil {
		return 0, err
	}
	if nPos == 0 {
		return 0, fmt.Errorf("%w: %s: undefined with no positive examples", ErrValue, op)
	}
	order := scoreOrder(scores)
	// Walk from the highest score down; recall rises only by the positives
	// of each group, so each group adds (its positives / nPos) · precision.
	var sum float64
	tp, seen := 0, 0
	for i := len(order) - 1; i >= 0; {
		s := scores[order[i]]
		p := 0
		for ; i >= 0 && scores[order[i]] == s; i-- {
			seen++
			if labels[order[i]] == 1 {
				p++
			}
		}
		tp += p
		if p > 0 {
			sum += float64(p) * float64(tp) / float64(seen)
		}
	}
	return sum / float64(nPos), nil
}

// checkRegression validates regression inputs: equal, non-zero lengths and
// finite values.
func checkRegression(op string, pred, target []float32) error {
	if err := checkPaired(op, len(pred), len(target)); err != nil {
		return err
	}
	for i, p := range pred {
		if math.IsNaN(float64(p)) || math.IsInf(float64(p), 0) {
			return fmt.Errorf("%w: %s: prediction %v at %d", ErrValue, op, p, i)
		}
		if t := target[i]; math.IsNaN(float64(t)) || math.IsInf(float64(t), 0) {
			return fmt.Errorf("%w: %s: target %v at %d", ErrValue, op, t, i)
		}
	}
	return nil
}

// R2 returns the coefficient of determination 1 − SSres/SStot, where
// SSres = Σ(target − pred)² and SStot = Σ(target − mean(target))²: 1 for a
// perfect fit, 0 for predicting the mean, negative for worse. It matches
// sklearn's r2_score.
//
// For a constant target SStot is 0 and the ratio is undefined. Like sklearn
// (force_finite=True), R2 then returns 1 if the predictions are exact and 0
// otherwise, rather than an error or ±Inf, so that a batch that happens to
// hold one target value does not break an evaluation loop.
//
// pred and target must have the same, non-zero length (ErrShape) and hold
// finite values (ErrValue). The mean is taken first and the squares summed
// in a second pass, in float64, to avoid the cancellation of Σy² − n·ȳ².
func R2(pred, target []float32) (float64, error) {
	if err := checkRegression("r2", pred, target); err != nil {
		return 0, err
	}
	mean := 0.0
	for _, t := range target {
		mean += float64(t)
	}
	mean /= float64(len(target))
	var ssRes, ssTot float64
	for i, p := range pred {
		t := float64(target[i])
		d := t - float64(p)
		ssRes += d * d
		e := t - mean
		ssTot += e * e
	}
	if ssTot == 0 {
		if ssRes == 0 {
			return 1, nil
		}
		return 0, nil
	}
	return 1 - ssRes/ssTot, nil
}

// RMSE returns the root mean squared error √(Σ(pred − target)²/n).
// pred and target must have the same, non-zero length (ErrShape) and hold
// finite values (ErrValue).
func RMSE(pred, target []float32) (float64, error) {
	if err := checkRegression("rmse", pred, target); err != nil {
		return 0, err
	}
	s := 0.0
	for i, p := range pred {
		d := float64(p) - float64(target[i])
		s += d * d
	}
	return math.Sqrt(s / float64(len(pred))), nil
}

// MAE returns the mean absolute error Σ|pred − target|/n.
// pred and target must have the same, non-zero length (ErrShape) and hold
// finite values (ErrValue).
func MAE(pred, target []float32) (float64, error) {
	if err := checkRegression("mae", pred, target); err != nil {
		return 0, err
	}
	s := 0.0
	for i, p := range pred {
		s += math.Abs(float64(p) - float64(target[i]))
	}
	return s / float64(len(pred)), nil
}
