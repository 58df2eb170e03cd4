package ann

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
