package ann

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// eps32 is float32's machine epsilon, 2⁻²³.
const eps32 = 0x1p-23

func mustCSV(t *testing.T, in string, opts ...CSVOption) *Dataset {
	t.Helper()
	d, err := ReadCSV(strings.NewReader(in), opts...)
	if err != nil {
		t.Fatalf("ReadCSV: %v", err)
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("ReadCSV result does not validate: %v", err)
	}
	return d
}

func xRows(d *Dataset) [][]float32 {
	var rows [][]float32
	for i := 0; i < d.X.Rows; i++ {
		rows = append(rows, slices.Clone(d.X.Row(i)))
	}
	return rows
}

func TestReadCSVDefault(t *testing.T) {
	d := mustCSV(t, "len, width ,species\n1.5,2,setosa\n-3,4e2, virginica\n0.25,0,setosa\n")
	want := [][]float32{{1.5, 2}, {-3, 400}, {0.25, 0}}
	if got := xRows(d); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("X = %v, want %v", got, want)
	}
	if !slices.Equal(d.Labels, []int{0, 1, 0}) || !slices.Equal(d.Classes, []string{"setosa", "virginica"}) {
		t.Errorf("labels %v classes %q", d.Labels, d.Classes)
	}
	if !slices.Equal(d.FeatureNames, []string{"len", "width"}) || d.LabelName != "species" {
		t.Errorf("names %q, label %q", d.FeatureNames, d.LabelName)
	}
	if d.hasY() {
		t.Errorf("classification set has Y %+v", d.Y)
	}
}

func TestReadCSVOptions(t *testing.T) {
	const in = "id,y,a,b\nx1,10,1,2\nx2,20,3,4\n"
	// Label by name in the middle; the non-numeric id column excluded by
	// CSVFeatures.
	d := mustCSV(t, in, CSVLabel("y"), CSVFeatures([]string{"b", "a"}), CSVRegression())
	if got := xRows(d); !slices.EqualFunc(got, [][]float32{{2, 1}, {4, 3}}, slices.Equal) {
		t.Errorf("CSVFeatures order: X = %v", got)
	}
	if d.Y.Rows != 2 || d.Y.Cols != 1 || !slices.Equal(d.Y.Data, []float32{10, 20}) || d.Labels != nil || d.Classes != nil {
		t.Errorf("regression: Y %+v labels %v classes %v", d.Y, d.Labels, d.Classes)
	}
	if !slices.Equal(d.FeatureNames, []string{"b", "a"}) || d.LabelName != "y" {
		t.Errorf("names %q %q", d.FeatureNames, d.LabelName)
	}

	// The same call on data without the label column: unlabeled.
	d = mustCSV(t, "a,b,id\n1,2,q\n", CSVLabel("y"), CSVFeatures([]string{"a", "b"}))
	if d.Labels != nil || d.hasY() || d.LabelName != "" || !slices.Equal(d.X.Data, []float32{1, 2}) {
		t.Errorf("absent label: %+v", d)
	}
	// CSVFeatures alone reads no label.
	d = mustCSV(t, in, CSVFeatures([]string{"a"}))
	if d.Labels != nil || d.LabelName != "" || d.X.Cols != 1 {
		t.Errorf("features only: %+v", d)
	}

	// Label by index, from the start and from the end.
	d = mustCSV(t, "c,a,b\ncat,1,2\ndog,3,4\ncat,5,6\n", CSVLabelIndex(0))
	if !slices.Equal(d.Labels, []int{0, 1, 0}) || !slices.Equal(d.FeatureNames, []string{"a", "b"}) || d.LabelName != "c" {
		t.Errorf("CSVLabelIndex(0): %v %q %q", d.Labels, d.FeatureNames, d.LabelName)
	}
	d = mustCSV(t, "a,c,b\n1,cat,2\n", CSVLabelIndex(-2))
	if d.LabelName != "c" || !slices.Equal(d.X.Data, []float32{1, 2}) {
		t.Errorf("CSVLabelIndex(-2): %q %v", d.LabelName, d.X.Data)
	}

	// A fixed vocabulary sets the ids regardless of order of appearance.
	d = mustCSV(t, "a,c\n1,dog\n2,cat\n", CSVClasses([]string{"cat", "dog", "eel"}))
	if !slices.Equal(d.Labels, []int{1, 0}) || !slices.Equal(d.Classes, []string{"cat", "dog", "eel"}) {
		t.Errorf("CSVClasses: %v %q", d.Labels, d.Classes)
	}

	// No label at all, and another delimiter.
	d = mustCSV(t, "a\tb\n1\t2\n", CSVNoLabel(), CSVComma('\t'))
	if d.Labels != nil || !slices.Equal(d.X.Data, []float32{1, 2}) || !slices.Equal(d.FeatureNames, []string{"a", "b"}) {
		t.Errorf("CSVNoLabel: %+v", d)
	}
}

func TestReadCSVErrors(t *testing.T) {
	cases := []struct {
		name string
		in   string
		opts []CSVOption
		want error
		msg  string // a piece the message must contain
	}{
		{"empty", "", nil, ErrFormat, "empty"},
		{"header only", "a,b\n", nil, ErrFormat, "no data rows"},
		{"one column", "y\n1\n", nil, ErrFormat, "no feature"},
		{"short row", "a,b,c\n1,2,x\n1,2\n", nil, ErrFormat, "line 3"},
		{"long row", "a,b\n1,x\n1,2,3\n", nil, ErrFormat, "line 3"},
		{"word", "a,b,c\n1,2,x\n1,two,y\n", nil, ErrFormat, `line 3, column 2 ("b")`},
		{"empty cell", "a,b\n,x\n", nil, ErrFormat, "line 2, column 1"},
		{"NaN", "a,b\nNaN,x\n", nil, ErrFormat, "not finite"},
		{"Inf", "a,b\n-inf,x\n", nil, ErrFormat, "not finite"},
		{"out of range", "a,b\n1e39,x\n", nil, ErrFormat, "range"},
		{"bare quote", "a,b\n1,x\"y\n", nil, ErrFormat, "line 2"},
		{"duplicate header", "a,a,y\n1,2,x\n", nil, ErrFormat, `"a"`},
		{"empty label", "a,y\n1,\n", nil, ErrFormat, "empty label"},
		{"unknown class", "a,y\n1,cat\n2,cow\n", []CSVOption{CSVClasses([]string{"cat", "dog"})}, ErrFormat, `line 3, label column 2 ("y"): class "cow"`},
		{"regression word", "a,y\n1,cat\n", []CSVOption{CSVRegression()}, ErrFormat, "line 2, label column 2"},
		{"missing label", "a,b\n1,2\n", []CSVOption{CSVLabel("y")}, ErrFormat, `"y"`},
		{"missing feature", "a,b\n1,2\n", []CSVOption{CSVFeatures([]string{"a", "zz"})}, ErrFormat, `"zz"`},
		{"label index range", "a,b\n1,2\n", []CSVOption{CSVLabelIndex(2)}, ErrFormat, "index 2"},
		{"label index range neg", "a,b\n1,2\n", []CSVOption{CSVLabelIndex(-3)}, ErrFormat, "index -3"},
		{"label is feature", "a,b\n1,2\n", []CSVOption{CSVLabel("a"), CSVFeatures([]string{"a"})}, ErrConfig, `"a"`},
		{"two label options", "a,b\n1,2\n", []CSVOption{CSVLabel("a"), CSVLabelIndex(0)}, ErrConfig, "one of"},
		{"classes and regression", "a,b\n1,2\n", []CSVOption{CSVRegression(), CSVClasses([]string{"x"})}, ErrConfig, "exclude"},
		{"empty vocab", "a,b\n1,2\n", []CSVOption{CSVClasses(nil)}, ErrConfig, "empty"},
		{"duplicate vocab", "a,b\n1,2\n", []CSVOption{CSVClasses([]string{"x", "x"})}, ErrConfig, `"x"`},
		{"duplicate feature", "a,b\n1,2\n", []CSVOption{CSVFeatures([]string{"a", "a"})}, ErrConfig, `"a"`},
		{"bad comma", "a,b\n1,2\n", []CSVOption{CSVComma('"')}, ErrConfig, "delimiter"},
	}
	for _, c := range cases {
		d, err := ReadCSV(strings.NewReader(c.in), c.opts...)
		if !errors.Is(err, c.want) || d != nil {
			t.Errorf("%s: ReadCSV = %v, %v; want %v", c.name, d, err, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.msg) || !strings.HasPrefix(err.Error(), "ann: ") {
			t.Errorf("%s: message %q lacks %q", c.name, err, c.msg)
		}
	}
	boom := errors.New("boom")
	if _, err := ReadCSV(failReader{boom}); !errors.Is(err, boom) || errors.Is(err, ErrFormat) {
		t.Errorf("reader error: %v", err)
	}
}

// writeCSV writes d back as CSV with its names, the label (class name or
// Y) last, using the shortest float32 text that reads back exactly.
func writeCSV(d *Dataset) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	labeled := d.Labels != nil || d.hasY()
	header := slices.Clone(d.FeatureNames)
	if labeled {
		header = append(header, d.LabelName)
	}
	w.Write(header)
	for i := 0; i < d.X.Rows; i++ {
		var rec []string
		for _, v := range d.X.Row(i) {
			rec = append(rec, strconv.FormatFloat(float64(v), 'g', -1, 32))
		}
		switch {
		case d.Labels != nil:
			rec = append(rec, d.Classes[d.Labels[i]])
		case d.hasY():
			rec = append(rec, strconv.FormatFloat(float64(d.Y.Data[i]), 'g', -1, 32))
		}
		w.Write(rec)
	}
	w.Flush()
	return buf.Bytes()
}

func sameDataset(a, b *Dataset) bool {
	return a.X.Rows == b.X.Rows && a.X.Cols == b.X.Cols && slices.Equal(a.X.Data, b.X.Data) &&
		slices.Equal(a.Labels, b.Labels) && slices.Equal(a.Y.Data, b.Y.Data) && a.Y.Cols == b.Y.Cols &&
		slices.Equal(a.FeatureNames, b.FeatureNames) && a.LabelName == b.LabelName && slices.Equal(a.Classes, b.Classes)
}

func TestReadCSVRoundTrip(t *testing.T) {
	in := "a,\"b,c\",y\n0.1,-7,\"x \"\"q\"\"\"\n3.4028235e38,1e-45,z\n"
	d := mustCSV(t, in)
	back := mustCSV(t, string(writeCSV(d)))
	if !sameDataset(d, back) {
		t.Errorf("round trip:\n%+v\n%+v", d, back)
	}
	if d.X.Data[2] != math.MaxFloat32 || d.X.Data[3] != math.SmallestNonzeroFloat32 || d.Classes[0] != `x "q"` {
		t.Errorf("extremes: %v %q", d.X.Data, d.Classes)
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add("a,b,y\n1,2,x\n3,4,z\n", false)
	f.Add("a,y\n1.5,2\n-3,4\n", true)
	f.Add("a,\"b\"\"\",y\n1,2,\"p,q\"\n", false)
	f.Add("a;b\n1;2\n", false)
	f.Add("", false)
	f.Add(",\"0\r\r\n\"\"\",0\n0,0,0", false)
	f.Fuzz(func(t *testing.T, in string, regression bool) {
		var opts []CSVOption
		if regression {
			opts = append(opts, CSVRegression())
		}
		d, err := ReadCSV(strings.NewReader(in), opts...)
		if err != nil {
			if d != nil || !errors.Is(err, ErrFormat) {
				t.Fatalf("ReadCSV error %v with dataset %v", err, d)
			}
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("accepted data does not validate: %v", err)
		}
		// encoding/csv turns \r\n inside quotes into \n, so a name holding
		// \r before a line break reads back shorter; skip those.
		for _, name := range slices.Concat(d.FeatureNames, d.Classes, []string{d.LabelName}) {
			if strings.Contains(name, "\r") {
				return
			}
		}
		back, err := ReadCSV(bytes.NewReader(writeCSV(d)), opts...)
		if err != nil || !sameDataset(d, back) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, d, back)
		}
	})
}

// viewWithPadding returns rows as a matrix whose stride exceeds its width,
// the padding filled with NaN so any write or read there shows.
func viewWithPadding(t *testing.T, rows [][]float32) Matrix {
	t.Helper()
	cols := len(rows[0])
	wide, err := NewMatrix(len(rows), cols+2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range wide.Data {
		wide.Data[i] = float32(math.NaN())
	}
	m, err := wide.View(0, len(rows), 1, 1+cols)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		copy(m.Row(i), r)
	}
	return m
}

func TestMinMaxScaler(t *testing.T) {
	x := viewWithPadding(t, [][]float32{{1, 2, -4}, {3, 2, 0}, {5, 2, 4}})
	s, err := FitMinMaxScaler(x)
	if err != nil {
		t.Fatal(err)
	}
	// Ranges 4, 0 (constant: scale 1) and 8; all exact in binary.
	if s.Kind != "minmax" || !slices.Equal(s.Offset, []float32{1, 2, -4}) || !slices.Equal(s.Scale, []float32{0.25, 1, 0.125}) {
		t.Fatalf("scaler %+v", s)
	}
	if err := s.Transform(x); err != nil {
		t.Fatal(err)
	}
	want := [][]float32{{0, 0, 0}, {0.5, 0, 0.5}, {1, 0, 1}}
	for i, w := range want {
		if !slices.Equal(x.Row(i), w) {
			t.Errorf("row %d = %v, want %v", i, x.Row(i), w)
		}
	}
	if !math.IsNaN(float64(x.Data[3])) {
		t.Error("Transform wrote into the stride padding")
	}
	if err := s.Inverse(x); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x.Row(1), []float32{3, 2, 0}) {
		t.Errorf("Inverse row 1 = %v", x.Row(1))
	}
}

func TestStandardScaler(t *testing.T) {
	// A large common offset: a one-pass E[x²]−E[x]² would lose the spread.
	rows := [][]float32{{10001, 7}, {10002, 7}, {10003, 7}, {10006, 7}}
	x := viewWithPadding(t, rows)
	s, err := FitStandardScaler(x)
	if err != nil {
		t.Fatal(err)
	}
	// Mean 10003, population variance (4+1+0+9)/4 = 3.5.
	if s.Kind != "standard" || !slices.Equal(s.Offset, []float32{10003, 7}) ||
		!slices.Equal(s.Scale, []float32{float32(1 / math.Sqrt(3.5)), 1}) {
		t.Fatalf("scaler %+v", s)
	}
	if err := s.Transform(x); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		// (x−o) is exact here (Sterbenz), so only the product rounds.
		want := (float64(r[0]) - 10003) / math.Sqrt(3.5)
		if got := float64(x.At(i, 0)); math.Abs(got-want) > eps32*math.Abs(want) {
			t.Errorf("row %d: %v, want %v", i, got, want)
		}
		if x.At(i, 1) != 0 {
			t.Errorf("constant column row %d: %v", i, x.At(i, 1))
		}
	}
	if err := s.Inverse(x); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		// Three roundings (product, quotient, sum), each ≤ ε/2 of a value
		// bounded by |x| + |offset|.
		tol := 1.5 * eps32 * (math.Abs(float64(r[0])) + 10003)
		if got := x.At(i, 0); math.Abs(float64(got-r[0])) > tol {
			t.Errorf("Inverse row %d: %v, want %v ± %v", i, got, r[0], tol)
		}
	}
}

func TestScalerErrors(t *testing.T) {
	nan, _ := MatrixFromRows([][]float32{{1}, {float32(math.NaN())}})
	inf, _ := MatrixFromRows([][]float32{{float32(math.Inf(1))}})
	empty, _ := NewMatrix(0, 3)
	for _, fit := range []func(Matrix) (*Scaler, error){FitMinMaxScaler, FitStandardScaler} {
		for _, c := range []struct {
			x    Matrix
			want error
		}{{nan, ErrValue}, {inf, ErrValue}, {empty, ErrValue}, {Matrix{Rows: 2, Cols: 2}, ErrShape}} {
			if s, err := fit(c.x); !errors.Is(err, c.want) {
				t.Errorf("fit %+v: %v, %v; want %v", c.x, s, err, c.want)
			}
		}
	}
	s := &Scaler{Offset: []float32{0, 0}, Scale: []float32{1, 1}}
	x3, _ := NewMatrix(2, 3)
	if err := s.Transform(x3); !errors.Is(err, ErrShape) {
		t.Errorf("width mismatch: %v", err)
	}
	if err := (&Scaler{Offset: []float32{0}, Scale: []float32{1, 1}}).Transform(x3); !errors.Is(err, ErrShape) {
		t.Errorf("ragged scaler: %v", err)
	}
	x2, _ := NewMatrix(1, 2)
	if err := (&Scaler{Offset: []float32{0, 0}, Scale: []float32{1, 0}}).Inverse(x2); !errors.Is(err, ErrValue) {
		t.Errorf("zero scale inverse: %v", err)
	}
	var nilScaler *Scaler
	if err := nilScaler.Transform(x2); !errors.Is(err, ErrConfig) {
		t.Errorf("nil scaler: %v", err)
	}
	// A column constant up to a denormal step: 1/range overflows float32,
	// so it counts as constant.
	tiny, _ := MatrixFromRows([][]float32{{0}, {math.SmallestNonzeroFloat32}})
	if s, err := FitMinMaxScaler(tiny); err != nil || s.Scale[0] != 1 {
		t.Errorf("denormal range: %+v, %v", s, err)
	}
}

func TestOneHot(t *testing.T) {
	m, err := OneHot([]int{2, 0, 1}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if m.Rows != 3 || m.Cols != 3 || !slices.Equal(m.Data, []float32{0, 0, 1, 1, 0, 0, 0, 1, 0}) {
		t.Errorf("OneHot = %+v", m)
	}
	if m, err := OneHot(nil, 4); err != nil || m.Rows != 0 || m.Cols != 4 {
		t.Errorf("empty: %+v, %v", m, err)
	}
	for _, c := range []struct {
		labels  []int
		classes int
	}{{[]int{3}, 3}, {[]int{-1}, 3}, {nil, 0}, {[]int{0}, -2}} {
		if _, err := OneHot(c.labels, c.classes); !errors.Is(err, ErrValue) {
			t.Errorf("OneHot(%v, %d): %v", c.labels, c.classes, err)
		}
	}
}

// sample returns a classification set whose X rows are (i, -i), so a row's
// origin can be read back from its content.
func sample(t *testing.T, labels []int, classes int) *Dataset {
	t.Helper()
	x, err := NewMatrix(len(labels), 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range labels {
		x.Set(i, 0, float32(i))
		x.Set(i, 1, -float32(i))
	}
	names := make([]string, classes)
	for i := range names {
		names[i] = fmt.Sprint("c", i)
	}
	return &Dataset{X: x, Labels: slices.Clone(labels), FeatureNames: []string{"i", "neg"}, LabelName: "c", Classes: names}
}

func TestValidate(t *testing.T) {
	good := sample(t, []int{0, 1, 1}, 2)
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	y, _ := NewMatrix(3, 1)
	y2, _ := NewMatrix(2, 1)
	yNaN, _ := MatrixFromRows([][]float32{{1}, {2}, {float32(math.NaN())}})
	cases := []struct {
		name   string
		modify func(d *Dataset)
		want   error
	}{
		{"labels short", func(d *Dataset) { d.Labels = d.Labels[:2] }, ErrShape},
		{"label range", func(d *Dataset) { d.Labels[2] = 2 }, ErrValue},
		{"negative label", func(d *Dataset) { d.Labels[0] = -1; d.Classes = nil }, ErrValue},
		{"feature names", func(d *Dataset) { d.FeatureNames = []string{"x"} }, ErrShape},
		{"duplicate class", func(d *Dataset) { d.Classes = []string{"a", "a"} }, ErrValue},
		{"NaN in X", func(d *Dataset) { d.X.Set(1, 1, float32(math.Inf(-1))) }, ErrValue},
		{"Y rows", func(d *Dataset) { d.Y = y2 }, ErrShape},
		{"NaN in Y", func(d *Dataset) { d.Y = yNaN }, ErrValue},
		{"bad X", func(d *Dataset) { d.X.Data = d.X.Data[:3] }, ErrShape},
	}
	for _, c := range cases {
		d := sample(t, []int{0, 1, 1}, 2)
		c.modify(d)
		if err := d.Validate(); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	reg := &Dataset{X: good.X, Y: y}
	if err := reg.Validate(); err != nil {
		t.Errorf("regression set: %v", err)
	}
	if err := (&Dataset{}).Validate(); err != nil {
		t.Errorf("zero Dataset: %v", err)
	}
}

func TestSubsetConcat(t *testing.T) {
	d := sample(t, []int{0, 1, 2, 1}, 3)
	s, err := d.Subset([]int{3, 0, 3})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.X.Data, []float32{3, -3, 0, 0, 3, -3}) || !slices.Equal(s.Labels, []int{1, 0, 1}) ||
		!slices.Equal(s.Classes, d.Classes) || !slices.Equal(s.FeatureNames, d.FeatureNames) || s.LabelName != "c" {
		t.Errorf("Subset = %+v", s)
	}
	s.X.Data[0], s.Labels[0], s.Classes[0] = 99, 2, "changed"
	if d.X.At(3, 0) != 3 || d.Labels[3] != 1 || d.Classes[0] != "c0" {
		t.Error("Subset shares storage with its source")
	}
	for _, idx := range [][]int{{4}, {-1}} {
		if _, err := d.Subset(idx); !errors.Is(err, ErrShape) {
			t.Errorf("Subset(%v): %v", idx, err)
		}
	}
	if e, err := d.Subset(nil); err != nil || e.Len() != 0 || e.X.Cols != 2 || e.Labels == nil {
		t.Errorf("empty subset: %+v, %v", e, err)
	}

	// Regression targets follow their rows, also from a strided view.
	y := viewWithPadding(t, [][]float32{{10}, {11}, {12}, {13}})
	r := &Dataset{X: d.X, Y: y}
	rs, err := r.Subset([]int{2, 1})
	if err != nil || !slices.Equal(rs.Y.Data, []float32{12, 11}) || rs.Labels != nil {
		t.Errorf("regression subset: %+v, %v", rs, err)
	}

	c, err := Concat(d, s)
	if err == nil {
		t.Errorf("Concat accepted different vocabularies: %+v", c)
	}
	s.Classes[0] = "c0"
	c, err = Concat(d, s)
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != 7 || !slices.Equal(c.Labels, []int{0, 1, 2, 1, 2, 0, 1}) || c.X.At(4, 0) != 99 || c.X.At(3, 1) != -3 {
		t.Errorf("Concat = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
	c.X.Data[0] = -5
	if d.X.Data[0] != 0 {
		t.Error("Concat shares storage")
	}
	rc, err := Concat(r, rs)
	if err != nil || !slices.Equal(rc.Y.Data, []float32{10, 11, 12, 13, 12, 11}) {
		t.Errorf("regression Concat: %+v, %v", rc, err)
	}
	narrow, _ := NewMatrix(1, 1)
	otherNames := sample(t, []int{0}, 3)
	otherNames.FeatureNames = []string{"i", "other"}
	for _, c := range []struct {
		name string
		a, b *Dataset
	}{
		{"width", d, &Dataset{X: narrow, Labels: []int{0}, Classes: d.Classes}},
		{"kind", d, r},
		{"names", d, otherNames},
		{"broken", d, &Dataset{X: d.X, Labels: []int{1}}},
	} {
		if _, err := Concat(c.a, c.b); !errors.Is(err, ErrShape) {
			t.Errorf("Concat %s: %v", c.name, err)
		}
	}
}

func TestTrainTestSplit(t *testing.T) {
	labels := make([]int, 100)
	for i := range labels {
		labels[i] = i % 3 // 34, 33, 33
	}
	d := sample(t, labels, 3)
	train, test, err := TrainTestSplit(d, 0.25, 7, false)
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 75 || test.Len() != 25 {
		t.Fatalf("sizes %d/%d, want 75/25", train.Len(), test.Len())
	}
	// Every example lands on exactly one side, with its own label.
	seen := make([]int, 100)
	for _, part := range []*Dataset{train, test} {
		for i := 0; i < part.Len(); i++ {
			id := int(part.X.At(i, 0))
			seen[id]++
			if part.Labels[i] != labels[id] || part.X.At(i, 1) != -float32(id) {
				t.Fatalf("row %d mixed up", id)
			}
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("example %d appears %d times", id, n)
		}
	}
	// Same seed, same split; another seed, another split.
	_, again, _ := TrainTestSplit(d, 0.25, 7, false)
	_, other, _ := TrainTestSplit(d, 0.25, 8, false)
	if !slices.Equal(again.X.Data, test.X.Data) || slices.Equal(other.X.Data, test.X.Data) {
		t.Error("split does not follow the seed")
	}

	count := func(ds *Dataset) [3]int {
		var c [3]int
		for _, l := range ds.Labels {
			c[l]++
		}
		return c
	}
	// Stratified: 0.3·(34, 33, 33) = (10.2, 9.9, 9.9), total 30; floors
	// (10, 9, 9) and the two largest remainders (the 9.9s) get one more.
	train, test, err = TrainTestSplit(d, 0.3, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := count(test); got != [3]int{10, 10, 10} || count(train) != [3]int{24, 23, 23} {
		t.Errorf("stratified counts test %v train %v", got, count(train))
	}
	// Ties go to the smaller class id: 0.5·(7, 7, 6) = (3.5, 3.5, 3), total 10.
	small := sample(t, []int{0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2}, 3)
	_, test, err = TrainTestSplit(small, 0.5, 3, true)
	if err != nil || count(test) != [3]int{4, 3, 3} {
		t.Errorf("tie-break: %v, %v", count(test), err)
	}
	// A stratified test set is shuffled, not sorted by class.
	_, test, _ = TrainTestSplit(d, 0.5, 5, true)
	if slices.IsSorted(test.Labels) {
		t.Error("stratified test set comes sorted by class")
	}

	for _, c := range []struct {
		name  string
		d     *Dataset
		frac  float64
		strat bool
		want  error
	}{
		{"zero", d, 0, false, ErrValue},
		{"one", d, 1, false, ErrValue},
		{"NaN", d, math.NaN(), false, ErrValue},
		{"rounds to none", d, 0.004, false, ErrValue},
		{"rounds to all", d, 0.996, false, ErrValue},
		{"single example", sample(t, []int{0}, 1), 0.5, false, ErrValue},
		{"no labels", &Dataset{X: d.X}, 0.5, true, ErrConfig},
		{"nil", nil, 0.5, false, ErrValue},
	} {
		if _, _, err := TrainTestSplit(c.d, c.frac, 1, c.strat); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func ExampleReadCSV() {
	const data = `sepal_length,sepal_width,species
5.1,3.5,setosa
7.0,3.2,versicolor
6.3,3.3,virginica
4.9,3.0,setosa
`
	d, err := ReadCSV(strings.NewReader(data))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Len(), "examples of", d.FeatureNames)
	fmt.Println(d.LabelName, d.Classes, d.Labels)

	// Scale with statistics of the training data only.
	s, err := FitMinMaxScaler(d.X)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := s.Transform(d.X); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.3f\n", d.X.Row(0))
	// Output:
	// 4 examples of [sepal_length sepal_width]
	// species [setosa versicolor virginica] [0 1 2 0]
	// [0.095 1.000]
}

// TestReadCSVByteOrderMark: the UTF-8 BOM that Excel writes is not part of
// the first column's name.
func TestReadCSVByteOrderMark(t *testing.T) {
	d := mustCSV(t, "\ufeffwidth,height,kind\n1,2,a\n3,4,b\n")
	if d.FeatureNames[0] != "width" {
		t.Fatalf("first feature name %q, want \"width\"", d.FeatureNames[0])
	}
	d = mustCSV(t, "\ufeff label ,x\nb,1\na,2\n", CSVLabel("label"))
	if d.LabelName != "label" {
		t.Fatalf("label name %q, want \"label\"", d.LabelName)
	}
}

// TestReadCSVLongCell: an error quotes at most a short prefix of a huge
// cell, with its length, never the whole cell.
func TestReadCSVLongCell(t *testing.T) {
	huge := strings.Repeat("é", 1<<20) // 2 MiB, two bytes per character
	cases := map[string]struct {
		in   string
		opts []CSVOption
	}{
		"feature":   {"a,label\n" + huge + ",x\n", nil},
		"class":     {"a,label\n1," + huge + "\n", []CSVOption{CSVClasses([]string{"x"})}},
		"regress":   {"a,label\n1," + huge + "\n", []CSVOption{CSVRegression()}},
		"duplicate": {huge + "," + huge + ",label\n1,2,x\n", nil},
		"column":    {"a,label\n1,x\n", []CSVOption{CSVFeatures([]string{huge})}},
	}
	for name, c := range cases {
		_, err := ReadCSV(strings.NewReader(c.in), c.opts...)
		if !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v, want ErrFormat", name, err)
			continue
		}
		msg := err.Error()
		if len(msg) > 300 || !strings.Contains(msg, "…") || !strings.Contains(msg, strconv.Itoa(len(huge))+" bytes") || !utf8.ValidString(msg) {
			t.Errorf("%s: error of %d bytes, want a short one with the cell's length: %.400s", name, len(msg), msg)
		}
	}
	if got := quoteCell("short"); got != `"short"` {
		t.Errorf("quoteCell(short) = %s", got)
	}
}

// TestScalerOverflow: features near the float32 limit whose scaled values
// overflow are refused, naming the column; values near the limit that
// scale to finite numbers are accepted.
func TestScalerOverflow(t *testing.T) {
	x, _ := MatrixFromRows([][]float32{{1, 3.4e38}, {2, -3.4e38}, {3, 3.4e38}})
	d := &Dataset{X: x, FeatureNames: []string{"small", "huge"}}
	for _, kind := range []string{"minmax", "standard"} {
		if _, err := d.FitScaler(kind); !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), `"huge"`) {
			t.Errorf("%s: %v, want ErrValue naming \"huge\"", kind, err)
		}
	}
	for _, fit := range []func(Matrix) (*Scaler, error){FitMinMaxScaler, FitStandardScaler} {
		if _, err := fit(x); !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), "column 1") {
			t.Errorf("%v, want ErrValue naming column 1", err)
		}
	}
	near, _ := MatrixFromRows([][]float32{{3.4e38}, {3.3e38}, {3.2e38}})
	for _, kind := range []string{"minmax", "standard"} {
		s, err := (&Dataset{X: near}).FitScaler(kind)
		if err != nil {
			t.Fatalf("%s near the limit: %v", kind, err)
		}
		if err := s.Transform(near.Clone()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.FitScaler("robust"); !errors.Is(err, ErrConfig) {
		t.Errorf("unknown kind: %v", err)
	}
}

// TestPredictNonFinite: a row whose outputs are not finite (here a scaler
// whose subtraction overflows) is an error naming the row, never NaN
// probabilities.
func TestPredictNonFinite(t *testing.T) {
	net, err := New(1).Dense(3, Softmax).Seed(1).Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := net.SetScaler(&Scaler{Offset: []float32{-3e38}, Scale: []float32{1}}); err != nil {
		t.Fatal(err)
	}
	x, _ := MatrixFromRows([][]float32{{0}, {1}, {3e38}})
	if _, err := net.Predict(x); !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), "row 2") {
		t.Errorf("Predict: %v, want ErrValue naming row 2", err)
	}
	if _, err := net.PredictClass(x); !errors.Is(err, ErrValue) {
		t.Errorf("PredictClass: %v, want ErrValue", err)
	}
	y, _ := OneHot([]int{0, 1, 2}, 3)
	if _, err := net.Evaluate(x, y); !errors.Is(err, ErrValue) {
		t.Errorf("Evaluate: %v, want ErrValue", err)
	}
	ok, _ := x.RowView(0, 2)
	if _, err := net.Predict(ok); err != nil {
		t.Errorf("finite rows: %v", err)
	}
}

// TestPredictNonFiniteFeatures: NaN or ±Inf in any row of the features,
// in the first inference chunk or a later one, is ErrValue naming that
// row, from Predict, PredictClass and Logits; Evaluate refuses it too
// (its data check runs first).
func TestPredictNonFiniteFeatures(t *testing.T) {
	net, err := New(3).Dense(5, ReLU).Dense(2, Softmax).Seed(1).Build()
	if err != nil {
		t.Fatal(err)
	}
	rows := 3*net.predictChunk() + 7
	for _, bad := range []int{0, net.predictChunk() - 1, net.predictChunk(), rows - 1} {
		for _, v := range []float32{float32(math.NaN()), float32(math.Inf(-1))} {
			x, _ := NewMatrix(rows, 3)
			for i := range x.Data {
				x.Data[i] = float32(i%7) / 7
			}
			x.Set(bad, 2, v)
			y, _ := NewMatrix(rows, 2)
			want := fmt.Sprintf("row %d from 0", bad)
			for name, call := range map[string]func() error{
				"Predict":      func() error { _, err := net.Predict(x); return err },
				"PredictClass": func() error { _, err := net.PredictClass(x); return err },
				"Logits":       func() error { _, err := net.Logits(x); return err },
			} {
				if err := call(); !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), want) {
					t.Errorf("%s with %v in row %d of %d: %v, want ErrValue naming %q", name, v, bad, rows, err, want)
				}
			}
			if _, err := net.Evaluate(x, y); !errors.Is(err, ErrValue) {
				t.Errorf("Evaluate with %v in row %d of %d: %v, want ErrValue", v, bad, rows, err)
			}
		}
	}
}
