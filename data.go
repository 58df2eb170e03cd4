package ann

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CSVOption configures ReadCSV.
type CSVOption func(*csvOptions) error

type csvOptions struct {
	labelName  string // set by CSVLabel
	labelIndex int    // set by CSVLabelIndex
	labelBy    int    // labelDefault, labelByName, labelByIndex or labelNone
	regression bool
	classes    []string
	features   []string
	comma      rune
}

const (
	labelDefault = iota
	labelByName
	labelByIndex
	labelNone
)

func (o *csvOptions) setLabel(by int) error {
	if o.labelBy != labelDefault && o.labelBy != by {
		return fmt.Errorf("%w: csv: choose the label with one of CSVLabel, CSVLabelIndex and CSVNoLabel", ErrConfig)
	}
	o.labelBy = by
	return nil
}

// CSVLabel names the label column by its header. By default the label is
// the last column. When CSVFeatures is also given and the header has no
// such column, the data is read without labels (see CSVFeatures).
func CSVLabel(name string) CSVOption {
	return func(o *csvOptions) error {
		o.labelName = name
		return o.setLabel(labelByName)
	}
}

// CSVLabelIndex picks the label column by position: 0 is the first column,
// and a negative index counts from the end, so -1 (the default) is the last.
func CSVLabelIndex(i int) CSVOption {
	return func(o *csvOptions) error {
		o.labelIndex = i
		return o.setLabel(labelByIndex)
	}
}

// CSVNoLabel reads the data without a label column: every column (or those
// CSVFeatures names) is a feature, and the Dataset has neither Labels nor Y.
func CSVNoLabel() CSVOption {
	return func(o *csvOptions) error { return o.setLabel(labelNone) }
}

// CSVRegression reads the label column as a number into Y (n×1) instead of
// mapping it to class ids. The default is classification.
func CSVRegression() CSVOption {
	return func(o *csvOptions) error {
		if o.classes != nil {
			return fmt.Errorf("%w: csv: CSVClasses and CSVRegression exclude each other", ErrConfig)
		}
		o.regression = true
		return nil
	}
}

// CSVClasses fixes the class vocabulary: the label vocab[i] becomes class
// id i, and a label not in vocab is an error. Without it, labels get ids in
// the order in which they first appear. vocab must be non-empty without
// duplicates.
func CSVClasses(vocab []string) CSVOption {
	return func(o *csvOptions) error {
		if o.regression {
			return fmt.Errorf("%w: csv: CSVClasses and CSVRegression exclude each other", ErrConfig)
		}
		if len(vocab) == 0 {
			return fmt.Errorf("%w: csv: empty class vocabulary", ErrConfig)
		}
		if dup := firstDuplicate(vocab); dup >= 0 {
			return fmt.Errorf("%w: csv: class %q listed twice", ErrConfig, vocab[dup])
		}
		o.classes = slices.Clone(vocab)
		return nil
	}
}

// CSVFeatures selects exactly these feature columns by header name, in this
// order; other columns are ignored and may hold anything. It is how data is
// read for a model trained on a known list of features. A named column
// missing from the header is an error.
//
// With CSVFeatures the label is read only when chosen explicitly: with
// CSVLabelIndex it must exist; with CSVLabel a missing column yields an
// unlabeled Dataset, so the same call reads both evaluation data (with the
// label) and raw data to predict on (without it). Without a label option no
// label is read.
func CSVFeatures(names []string) CSVOption {
	return func(o *csvOptions) error {
		if len(names) == 0 {
			return fmt.Errorf("%w: csv: CSVFeatures with no names", ErrConfig)
		}
		if dup := firstDuplicate(names); dup >= 0 {
			return fmt.Errorf("%w: csv: feature %q listed twice", ErrConfig, names[dup])
		}
		o.features = slices.Clone(names)
		return nil
	}
}

// CSVComma sets the field delimiter; the default is ','. It must be a
// valid rune other than '"', '\r', '\n' and the Unicode replacement
// character.
func CSVComma(r rune) CSVOption {
	return func(o *csvOptions) error {
		if r == '"' || r == '\r' || r == '\n' || r == 0xFFFD || r <= 0 || r > 0x10FFFF {
			return fmt.Errorf("%w: csv: invalid delimiter %q", ErrConfig, r)
		}
		o.comma = r
		return nil
	}
}

func firstDuplicate(s []string) int {
	seen := make(map[string]bool, len(s))
	for i, v := range s {
		if seen[v] {
			return i
		}
		seen[v] = true
	}
	return -1
}

// ReadCSV reads a table of examples from r. The first row is a header that
// names the columns. By default the last column is the label, read as a
// class name (see CSVClasses, CSVRegression), and every other column is a
// numeric feature; the options choose otherwise. Cells are trimmed of
// surrounding spaces. The Dataset's FeatureNames, LabelName and Classes are
// filled from the header and the labels.
//
// Input without a header or without data rows, a duplicate or missing
// column name, and a malformed row (wrong number of fields, a feature that
// is not a number, NaN or ±Inf, an unknown class) fail with ErrFormat, and
// the message names the line and column. Bad option combinations fail
// with ErrConfig, and so does an error reading r (wrapping it too).
func ReadCSV(r io.Reader, opts ...CSVOption) (*Dataset, error) {
	o := csvOptions{comma: ','}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	cr := csv.NewReader(r)
	cr.Comma = o.comma
	cr.FieldsPerRecord = -1 // checked here, to name the line in our terms
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: csv: empty input", ErrFormat)
	}
	if err != nil {
		return nil, csvErr(err)
	}
	header = slices.Clone(header)
	// A byte-order mark (Excel writes one) is not part of the first name.
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	if dup := firstDuplicate(header); dup >= 0 {
		return nil, fmt.Errorf("%w: csv: line 1: column %s appears twice", ErrFormat, quoteCell(header[dup]))
	}
	label, featCols, err := o.columns(header)
	if err != nil {
		return nil, err
	}

	d := &Dataset{FeatureNames: make([]string, len(featCols))}
	for i, c := range featCols {
		d.FeatureNames[i] = header[c]
	}
	classID := map[string]int{}
	if label >= 0 {
		d.LabelName = header[label]
		if !o.regression {
			d.Classes = o.classes
			for i, c := range o.classes {
				classID[c] = i
			}
		}
	}
	var x, y []float32
	var labels []int
	rows := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvErr(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			return nil, fmt.Errorf("%w: csv: line %d has %d fields, the header has %d", ErrFormat, line, len(rec), len(header))
		}
		for _, c := range featCols {
			v, err := parseCell(rec[c])
			if err != nil {
				return nil, fmt.Errorf("%w: csv: line %d, column %d (%s): %v", ErrFormat, line, c+1, quoteCell(header[c]), err)
			}
			x = append(x, v)
		}
		if label >= 0 {
			cell := strings.TrimSpace(rec[label])
			if o.regression {
				v, err := parseCell(cell)
				if err != nil {
					return nil, fmt.Errorf("%w: csv: line %d, label column %d (%s): %v", ErrFormat, line, label+1, quoteCell(header[label]), err)
				}
				y = append(y, v)
			} else {
				if cell == "" {
					return nil, fmt.Errorf("%w: csv: line %d, label column %d (%s): empty label", ErrFormat, line, label+1, quoteCell(header[label]))
				}
				id, ok := classID[cell]
				if !ok {
					if o.classes != nil {
						return nil, fmt.Errorf("%w: csv: line %d, label column %d (%s): class %s is not in the vocabulary", ErrFormat, line, label+1, quoteCell(header[label]), quoteCell(cell))
					}
					id = len(d.Classes)
					classID[cell] = id
					d.Classes = append(d.Classes, cell)
				}
				labels = append(labels, id)
			}
		}
		rows++
	}
	if rows == 0 {
		return nil, fmt.Errorf("%w: csv: no data rows after the header", ErrFormat)
	}
	if d.X, err = MatrixFrom(rows, len(featCols), x); err != nil {
		return nil, err
	}
	if o.regression && label >= 0 {
		if d.Y, err = MatrixFrom(rows, 1, y); err != nil {
			return nil, err
		}
	}
	d.Labels = labels
	return d, nil
}

// columns resolves the label column (-1 for none) and the feature columns
// from the header.
func (o *csvOptions) columns(header []string) (label int, feats []int, err error) {
	index := make(map[string]int, len(header))
	for i, h := range header {
		index[h] = i
	}
	label = -1
	switch o.labelBy {
	case labelDefault:
		if o.features == nil {
			label = len(header) - 1
		}
	case labelByName:
		i, ok := index[o.labelName]
		if !ok && o.features == nil {
			return 0, nil, fmt.Errorf("%w: csv: no label column %s in the header", ErrFormat, quoteCell(o.labelName))
		}
		if ok {
			label = i
		}
	case labelByIndex:
		i := o.labelIndex
		if i < 0 {
			i += len(header)
		}
		if i < 0 || i >= len(header) {
			return 0, nil, fmt.Errorf("%w: csv: label column index %d outside the header's %d columns", ErrFormat, o.labelIndex, len(header))
		}
		label = i
	}
	if o.features == nil {
		for i := range header {
			if i != label {
				feats = append(feats, i)
			}
		}
		if len(feats) == 0 {
			return 0, nil, fmt.Errorf("%w: csv: no feature columns", ErrFormat)
		}
		return label, feats, nil
	}
	for _, name := range o.features {
		i, ok := index[name]
		if !ok {
			return 0, nil, fmt.Errorf("%w: csv: no feature column %s in the header", ErrFormat, quoteCell(name))
		}
		if i == label {
			return 0, nil, fmt.Errorf("%w: csv: column %s is both the label and a feature", ErrConfig, quoteCell(name))
		}
		feats = append(feats, i)
	}
	return label, feats, nil
}

// parseCell parses a finite number.
func parseCell(s string) (float32, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty cell")
	}
	v, err := strconv.ParseFloat(s, 32)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, fmt.Errorf("%s is out of float32 range", quoteCell(s))
		}
		return 0, fmt.Errorf("%s is not a number", quoteCell(s))
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%s is not finite", quoteCell(s))
	}
	return float32(v), nil
}

// maxQuoted is how many bytes of a cell an error message quotes.
const maxQuoted = 60

// quoteCell quotes s for an error message: whole when short, otherwise its
// first maxQuoted bytes (cut at a character boundary), "…" and its length,
// so a 20 MB cell does not make a 20 MB error.
func quoteCell(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(s[:cut]), len(s))
}

// csvErr wraps an encoding/csv parse error (which names its line) as
// ErrFormat; a read error from the underlying reader wraps ErrConfig and
// itself.
func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%w: csv: %v", ErrFormat, pe)
	}
	return fmt.Errorf("%w: csv: %w", ErrConfig, err)
}

// Scaler is a per-column affine map x' = (x − Offset[j])·Scale[j], the one
// representation of both min-max and standard scaling, so that a saved
// model or an exported graph applies either as a subtraction and a
// multiplication. Kind records how it was fitted ("minmax" or "standard")
// and is informational.
//
// Fit a Scaler on the training set only and apply the same Scaler to the
// validation and test sets: fitting on data that is later used to evaluate
// the model leaks its statistics into training.
type Scaler struct {
	Kind          string
	Offset, Scale []float32
}

// FitMinMaxScaler returns the Scaler that maps each column's minimum to 0
// and its maximum to 1 on x. A constant column gets scale 1, so it maps to
// 0 rather than dividing by zero. x must have at least one row and no NaN or
// ±Inf (ErrValue), and no column whose scaled values overflow float32 —
// values near ±3.4e38 of both signs do (ErrValue, naming the 0-based column;
// Dataset.FitScaler names it by its feature name). An invalid x fails with
// ErrShape.
func FitMinMaxScaler(x Matrix) (*Scaler, error) { return fitScaler(x, "minmax", nil) }

// FitStandardScaler returns the Scaler that maps each column of x to mean 0
// and (population) standard deviation 1. A constant column gets scale 1.
// Sums run in float64. Errors are as for FitMinMaxScaler.
func FitStandardScaler(x Matrix) (*Scaler, error) { return fitScaler(x, "standard", nil) }

// FitScaler fits a Scaler of the given kind, "minmax" or "standard" (see
// FitMinMaxScaler and FitStandardScaler), on d.X; errors name a column by
// its feature name when d has FeatureNames. An unknown kind is ErrConfig.
func (d *Dataset) FitScaler(kind string) (*Scaler, error) {
	if kind != "minmax" && kind != "standard" {
		return nil, fmt.Errorf("%w: unknown scaler %q (want minmax or standard)", ErrConfig, kind)
	}
	names := d.FeatureNames
	if len(names) != d.X.Cols {
		names = nil
	}
	return fitScaler(d.X, kind, names)
}

func fitScaler(x Matrix, kind string, names []string) (*Scaler, error) {
	if err := checkFit(x); err != nil {
		return nil, err
	}
	s := &Scaler{Kind: kind, Offset: make([]float32, x.Cols), Scale: make([]float32, x.Cols)}
	n := float64(x.Rows)
	for j := 0; j < x.Cols; j++ {
		lo, hi := x.Data[j], x.Data[j]
		var sum float64
		for i := 0; i < x.Rows; i++ {
			v := x.Data[i*x.Stride+j]
			lo, hi = min(lo, v), max(hi, v)
			sum += float64(v)
		}
		if kind == "minmax" {
			s.Offset[j] = lo
			s.Scale[j] = invScale(float64(hi) - float64(lo))
		} else {
			mean := sum / n
			// Two passes: the textbook E[x²]−E[x]² cancels catastrophically.
			var ss float64
			for i := 0; i < x.Rows; i++ {
				d := float64(x.Data[i*x.Stride+j]) - mean
				ss += d * d
			}
			s.Offset[j] = float32(mean)
			s.Scale[j] = invScale(math.Sqrt(ss / n))
		}
		// Transform computes (v − offset)·scale in float32; the extremes
		// of the column bound every value's result.
		for _, v := range [2]float32{lo, hi} {
			if t := (v - s.Offset[j]) * s.Scale[j]; math.IsInf(float64(t), 0) || math.IsNaN(float64(t)) {
				col := fmt.Sprintf("column %d", j)
				if names != nil {
					col = "feature " + quoteCell(names[j])
				}
				return nil, fmt.Errorf("%w: %s: values from %g to %g overflow float32 once scaled (%s); rescale this column before training", ErrValue, col, lo, hi, kind)
			}
		}
	}
	return s, nil
}

// invScale returns 1/r in float32, or 1 when r is zero or so small that
// the reciprocal is not a finite float32 (a column constant up to noise).
func invScale(r float64) float32 {
	inv := float32(1 / r)
	if r == 0 || math.IsInf(float64(inv), 0) {
		return 1
	}
	return inv
}

func checkFit(x Matrix) error {
	if err := x.Check(); err != nil {
		return err
	}
	if x.Rows == 0 {
		return fmt.Errorf("%w: cannot fit a scaler on 0 rows", ErrValue)
	}
	if x.HasNaN() {
		return fmt.Errorf("%w: cannot fit a scaler on data with NaN or Inf", ErrValue)
	}
	return nil
}

func (s *Scaler) check(x Matrix) error {
	if s == nil {
		return fmt.Errorf("%w: nil Scaler", ErrConfig)
	}
	if len(s.Offset) != len(s.Scale) {
		return fmt.Errorf("%w: scaler has %d offsets and %d scales", ErrShape, len(s.Offset), len(s.Scale))
	}
	if err := x.Check(); err != nil {
		return err
	}
	if x.Cols != len(s.Offset) {
		return fmt.Errorf("%w: scaler fitted on %d columns applied to %d", ErrShape, len(s.Offset), x.Cols)
	}
	return nil
}

// Transform applies the scaling to x in place. x must have as many columns
// as the Scaler was fitted on (ErrShape otherwise).
func (s *Scaler) Transform(x Matrix) error {
	if err := s.check(x); err != nil {
		return err
	}
	for i := 0; i < x.Rows; i++ {
		row := x.Data[i*x.Stride : i*x.Stride+x.Cols]
		for j, v := range row {
			row[j] = (v - s.Offset[j]) * s.Scale[j]
		}
	}
	return nil
}

// Inverse undoes Transform in place, x = x'/Scale[j] + Offset[j], up to
// float32 rounding. A zero scale fails with ErrValue.
func (s *Scaler) Inverse(x Matrix) error {
	if err := s.check(x); err != nil {
		return err
	}
	for j, sc := range s.Scale {
		if sc == 0 {
			return fmt.Errorf("%w: scaler column %d has scale 0 and cannot be inverted", ErrValue, j)
		}
	}
	for i := 0; i < x.Rows; i++ {
		row := x.Data[i*x.Stride : i*x.Stride+x.Cols]
		for j, v := range row {
			row[j] = v/s.Scale[j] + s.Offset[j]
		}
	}
	return nil
}

// OneHot returns the len(labels)×classes matrix with a 1 in column
// labels[i] of row i and 0 elsewhere. classes must be at least 1 (ErrValue)
// and every label in [0, classes) (ErrValue).
func OneHot(labels []int, classes int) (Matrix, error) {
	if classes < 1 {
		return Matrix{}, fmt.Errorf("%w: one-hot with %d classes", ErrValue, classes)
	}
	m, err := NewMatrix(len(labels), classes)
	if err != nil {
		return Matrix{}, err
	}
	for i, l := range labels {
		if l < 0 || l >= classes {
			return Matrix{}, fmt.Errorf("%w: label %d of example %d outside [0, %d)", ErrValue, l, i, classes)
		}
		m.Data[i*classes+l] = 1
	}
	return m, nil
}

// TrainTestSplit shuffles d's examples with a PCG generator seeded by seed
// and copies round(testFraction·n) of them into test and the rest into
// train, both in shuffled order. With stratified, each class contributes
// to test in proportion to its size (largest remainders settle the
// rounding, so the total is still round(testFraction·n)); it needs Labels.
// The same seed gives the same split.
//
// testFraction must lie in (0, 1) and leave at least one example on each
// side (ErrValue); d must pass Validate's shape checks.
func TrainTestSplit(d *Dataset, testFraction float64, seed uint64, stratified bool) (train, test *Dataset, err error) {
	if err := d.checkShape(); err != nil {
		return nil, nil, err
	}
	if !(testFraction > 0 && testFraction < 1) {
		return nil, nil, fmt.Errorf("%w: test fraction %v outside (0, 1)", ErrValue, testFraction)
	}
	n := d.X.Rows
	nTest := int(math.Round(testFraction * float64(n)))
	if nTest == 0 || nTest == n {
		return nil, nil, fmt.Errorf("%w: test fraction %v of %d examples leaves one side empty", ErrValue, testFraction, n)
	}
	if stratified && d.Labels == nil {
		return nil, nil, fmt.Errorf("%w: stratified split needs Labels", ErrConfig)
	}
	// The second PCG word is fixed so that seed alone names the split.
	rng := rand.New(rand.NewPCG(seed, 0x616e6e2d73706c74))
	perm := rng.Perm(n)
	var testIdx, trainIdx []int
	if !stratified {
		testIdx, trainIdx = perm[:nTest], perm[nTest:]
	} else {
		testIdx, trainIdx, err = stratify(d.Labels, perm, nTest, testFraction)
		if err != nil {
			return nil, nil, err
		}
		// Interleave the classes again: a model fed rows in order should
		// not see one class after another.
		rng.Shuffle(len(testIdx), func(i, j int) { testIdx[i], testIdx[j] = testIdx[j], testIdx[i] })
		rng.Shuffle(len(trainIdx), func(i, j int) { trainIdx[i], trainIdx[j] = trainIdx[j], trainIdx[i] })
	}
	if train, err = d.Subset(trainIdx); err != nil {
		return nil, nil, err
	}
	if test, err = d.Subset(testIdx); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// stratify splits the shuffled indices perm so that class c puts q_c of its
// examples into test, where the q_c are testFraction·count_c rounded by the
// largest-remainder method to sum to nTest.
func stratify(labels, perm []int, nTest int, frac float64) (testIdx, trainIdx []int, err error) {
	byClass := map[int][]int{}
	var ids []int
	for _, i := range perm {
		l := labels[i]
		if l < 0 {
			return nil, nil, fmt.Errorf("%w: label %d of example %d is negative", ErrValue, l, i)
		}
		if _, ok := byClass[l]; !ok {
			ids = append(ids, l)
		}
		byClass[l] = append(byClass[l], i)
	}
	slices.Sort(ids)
	quota := make(map[int]int, len(ids))
	rem := make([]float64, len(ids))
	sum := 0
	for k, c := range ids {
		exact := frac * float64(len(byClass[c]))
		quota[c] = int(exact)
		rem[k] = exact - math.Floor(exact)
		sum += quota[c]
	}
	order := make([]int, len(ids))
	for k := range order {
		order[k] = k
	}
	// Largest remainder first; ties go to the smaller class id.
	slices.SortStableFunc(order, func(p, q int) int {
		switch {
		case rem[p] > rem[q]:
			return -1
		case rem[p] < rem[q]:
			return 1
		}
		return 0
	})
	for k := 0; sum < nTest && k < len(order); k++ {
		c := ids[order[k]]
		if quota[c] < len(byClass[c]) {
			quota[c]++
			sum++
		}
	}
	for _, c := range ids {
		idx := byClass[c]
		testIdx = append(testIdx, idx[:quota[c]]...)
		trainIdx = append(trainIdx, idx[quota[c]:]...)
	}
	return testIdx, trainIdx, nil
}
