package ann

import (
	"fmt"
	"slices"
)

// Dataset is a table of examples: one row of X per example, and its target,
// either a class id in Labels (classification) or a row of Y (regression).
// Loaders (LoadMNIST, ReadCSV) fill the names so that a model trained on a
// Dataset can report and predict in the data's own terms.
//
// A Dataset is a plain value; it is not safe to mutate it while another
// goroutine trains on it.
type Dataset struct {
	// X holds the features, one row per example.
	X Matrix
	// Labels holds the class id of each example, 0 ≤ id < len(Classes)
	// when Classes is set; nil for a regression set.
	Labels []int
	// Y holds regression targets, one row per example; the zero Matrix for
	// a classification set.
	Y Matrix
	// FeatureNames names the columns of X (optional; len(X.Cols) when set).
	FeatureNames []string
	// LabelName names the target column (optional).
	LabelName string
	// Classes is the label vocabulary: Classes[id] is the name of class id.
	Classes []string
}

// Len returns the number of examples.
func (d *Dataset) Len() int { return d.X.Rows }

// Validate checks that d is consistent: X a valid matrix; Labels nil or one
// per row; Y the zero Matrix or one row per example; FeatureNames nil or one
// per column; with Classes set, every label in [0, len(Classes)) and no
// class named twice; without, every label non-negative; no NaN or ±Inf in X
// or Y. Shape problems fail with ErrShape, values with ErrValue.
func (d *Dataset) Validate() error {
	if d == nil {
		return fmt.Errorf("%w: nil Dataset", ErrValue)
	}
	if err := d.X.Check(); err != nil {
		return fmt.Errorf("dataset X: %w", err)
	}
	n := d.X.Rows
	if d.Labels != nil && len(d.Labels) != n {
		return fmt.Errorf("%w: dataset has %d rows but %d labels", ErrShape, n, len(d.Labels))
	}
	if d.hasY() {
		if err := d.Y.Check(); err != nil {
			return fmt.Errorf("dataset Y: %w", err)
		}
		if d.Y.Rows != n {
			return fmt.Errorf("%w: dataset has %d rows in X but %d in Y", ErrShape, n, d.Y.Rows)
		}
	}
	if d.FeatureNames != nil && len(d.FeatureNames) != d.X.Cols {
		return fmt.Errorf("%w: dataset has %d columns but %d feature names", ErrShape, d.X.Cols, len(d.FeatureNames))
	}
	if dup := firstDuplicate(d.Classes); dup >= 0 {
		return fmt.Errorf("%w: dataset class %q appears twice", ErrValue, d.Classes[dup])
	}
	for i, l := range d.Labels {
		if l < 0 || d.Classes != nil && l >= len(d.Classes) {
			return fmt.Errorf("%w: label %d of example %d outside [0, %d)", ErrValue, l, i, len(d.Classes))
		}
	}
	if d.X.HasNaN() {
		return fmt.Errorf("%w: dataset X has NaN or Inf", ErrValue)
	}
	if d.Y.HasNaN() {
		return fmt.Errorf("%w: dataset Y has NaN or Inf", ErrValue)
	}
	return nil
}

// hasY reports whether d carries regression targets: any field of Y set.
func (d *Dataset) hasY() bool {
	return d.Y.Rows != 0 || d.Y.Cols != 0 || d.Y.Data != nil
}

// Subset returns a new Dataset holding copies of the examples idx names, in
// that order (repeats allowed). The names are copied too. An index outside
// [0, d.Len()) fails with ErrShape, an inconsistent d as Validate says.
func (d *Dataset) Subset(idx []int) (*Dataset, error) {
	if err := d.checkShape(); err != nil {
		return nil, err
	}
	for k, i := range idx {
		if i < 0 || i >= d.X.Rows {
			return nil, fmt.Errorf("%w: subset index %d (position %d) outside [0, %d)", ErrShape, i, k, d.X.Rows)
		}
	}
	s := d.emptyLike(len(idx))
	for k, i := range idx {
		copy(s.X.Data[k*s.X.Stride:k*s.X.Stride+s.X.Cols], d.X.Data[i*d.X.Stride:i*d.X.Stride+d.X.Cols])
		if d.Labels != nil {
			s.Labels[k] = d.Labels[i]
		}
		if d.hasY() {
			copy(s.Y.Data[k*s.Y.Stride:k*s.Y.Stride+s.Y.Cols], d.Y.Data[i*d.Y.Stride:i*d.Y.Stride+d.Y.Cols])
		}
	}
	return s, nil
}

// checkShape is the structural part of Validate, what copying rows needs.
func (d *Dataset) checkShape() error {
	if d == nil {
		return fmt.Errorf("%w: nil Dataset", ErrValue)
	}
	if err := d.X.Check(); err != nil {
		return fmt.Errorf("dataset X: %w", err)
	}
	if d.Labels != nil && len(d.Labels) != d.X.Rows {
		return fmt.Errorf("%w: dataset has %d rows but %d labels", ErrShape, d.X.Rows, len(d.Labels))
	}
	if d.hasY() {
		if err := d.Y.Check(); err != nil {
			return fmt.Errorf("dataset Y: %w", err)
		}
		if d.Y.Rows != d.X.Rows {
			return fmt.Errorf("%w: dataset has %d rows in X but %d in Y", ErrShape, d.X.Rows, d.Y.Rows)
		}
	}
	return nil
}

// emptyLike returns a zeroed Dataset of n rows with d's columns, target
// kind and copied names. d has passed checkShape.
func (d *Dataset) emptyLike(n int) *Dataset {
	s := &Dataset{
		FeatureNames: slices.Clone(d.FeatureNames),
		LabelName:    d.LabelName,
		Classes:      slices.Clone(d.Classes),
	}
	// n ≤ rows of d or a sum of two checked sets, so the sizes fit.
	s.X, _ = NewMatrix(n, d.X.Cols)
	if d.Labels != nil {
		s.Labels = make([]int, n)
	}
	if d.hasY() {
		s.Y, _ = NewMatrix(n, d.Y.Cols)
	}
	return s
}

// Concat returns a new Dataset with the examples of a followed by those of
// b, copied. The two must agree on the number of features, the target kind
// (labels, Y of the same width, or none), the class vocabulary (same names
// in the same order, so ids mean the same) and, where both are set, the
// feature and label names; otherwise it fails with ErrShape.
func Concat(a, b *Dataset) (*Dataset, error) {
	if err := a.checkShape(); err != nil {
		return nil, err
	}
	if err := b.checkShape(); err != nil {
		return nil, err
	}
	switch {
	case a.X.Cols != b.X.Cols:
		return nil, fmt.Errorf("%w: concat of %d and %d features", ErrShape, a.X.Cols, b.X.Cols)
	case (a.Labels == nil) != (b.Labels == nil) || a.hasY() != b.hasY():
		return nil, fmt.Errorf("%w: concat of datasets with different kinds of target", ErrShape)
	case a.hasY() && a.Y.Cols != b.Y.Cols:
		return nil, fmt.Errorf("%w: concat of %d and %d target columns", ErrShape, a.Y.Cols, b.Y.Cols)
	case !slices.Equal(a.Classes, b.Classes):
		return nil, fmt.Errorf("%w: concat of datasets with different class vocabularies", ErrShape)
	case a.FeatureNames != nil && b.FeatureNames != nil && !slices.Equal(a.FeatureNames, b.FeatureNames):
		return nil, fmt.Errorf("%w: concat of datasets with different feature names", ErrShape)
	case a.LabelName != "" && b.LabelName != "" && a.LabelName != b.LabelName:
		return nil, fmt.Errorf("%w: concat of label %q with label %q", ErrShape, a.LabelName, b.LabelName)
	}
	if b.X.Rows > maxElements/max(a.X.Cols, 1)-a.X.Rows {
		return nil, fmt.Errorf("%w: concat of %d and %d rows is too large", ErrShape, a.X.Rows, b.X.Rows)
	}
	c := a.emptyLike(a.X.Rows + b.X.Rows)
	if c.FeatureNames == nil {
		c.FeatureNames = slices.Clone(b.FeatureNames)
	}
	if c.LabelName == "" {
		c.LabelName = b.LabelName
	}
	top, _ := c.X.RowView(0, a.X.Rows)
	bottom, _ := c.X.RowView(a.X.Rows, c.X.Rows)
	_ = top.CopyFrom(a.X) // shapes match by construction
	_ = bottom.CopyFrom(b.X)
	if a.Labels != nil {
		copy(c.Labels, a.Labels)
		copy(c.Labels[a.X.Rows:], b.Labels)
	}
	if a.hasY() {
		top, _ := c.Y.RowView(0, a.X.Rows)
		bottom, _ := c.Y.RowView(a.X.Rows, c.X.Rows)
		_ = top.CopyFrom(a.Y)
		_ = bottom.CopyFrom(b.Y)
	}
	return c, nil
}
