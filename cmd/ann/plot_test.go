package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"

	"github.com/annlib/ann"
)

// keepPNG writes data to $ANN_PLOT_DIR/name when that variable is set, so
// the pictures can be looked at after a test run.
func keepPNG(t *testing.T, name string, data []byte) {
	t.Helper()
	if dir := os.Getenv("ANN_PLOT_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// decodePNG decodes a picture and checks its size and that it is not
// blank: a plot with axes, text and colour has many distinct colours.
func decodePNG(t *testing.T, data []byte, w, h, minColours int) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decoding PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("picture is %d×%d, want %d×%d", b.Dx(), b.Dy(), w, h)
	}
	if n := distinctColours(img, img.Bounds()); n < minColours {
		t.Fatalf("picture has %d distinct colours, want at least %d", n, minColours)
	}
	return img
}

func distinctColours(img image.Image, r image.Rectangle) int {
	seen := map[color.RGBA]bool{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			seen[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)] = true
		}
	}
	return len(seen)
}

func at(img image.Image, x, y int) color.RGBA {
	return color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
}

// orangeish and blueish tell Playground's two hues apart (orange has far
// more red than blue, blue the reverse) at any intensity worth seeing.
func orangeish(c color.RGBA) bool { return int(c.R) > int(c.B)+40 }
func blueish(c color.RGBA) bool   { return int(c.B) > int(c.R)+40 }

func countIn(img image.Image, r image.Rectangle, f func(color.RGBA) bool) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if f(at(img, x, y)) {
				n++
			}
		}
	}
	return n
}

// circleNet is a hand-set 2-4-1 tanh network for Playground's circle: each
// hidden unit fires when a point is more than 3 out along ±x1 or ±x2, and
// the output is positive (blue, the circle's class +1) when none fires.
func circleNet() (sizes []int, weights, biases [][]float32, neuron func(l, u int, x1, x2 float64) float64) {
	sizes = []int{2, 4, 1}
	weights = [][]float32{
		{1.2, -1.2, 0, 0, 0, 0, 1.2, -1.2}, // 2×4: x1 feeds units 0, 1; x2 units 2, 3
		{-1.5, -1.5, -1.5, -1.5},
	}
	biases = [][]float32{{-3.6, -3.6, -3.6, -3.6}, {-4.5}}
	neuron = func(l, u int, x1, x2 float64) float64 {
		in := []float64{x1, x2}
		if l == 0 {
			return in[u] / 6
		}
		h := make([]float64, 4)
		for j := range h {
			h[j] = math.Tanh(float64(weights[0][j])*x1 + float64(weights[0][4+j])*x2 + float64(biases[0][j]))
		}
		if l == 1 {
			return h[u]
		}
		s := float64(biases[1][0])
		for j := range h {
			s += float64(weights[1][j]) * h[j]
		}
		return math.Tanh(s)
	}
	return sizes, weights, biases, neuron
}

func playgroundPoints(t *testing.T, kind string, n int, seed uint64) ([][2]float64, []float64) {
	t.Helper()
	d, err := ann.PlaygroundData(kind, n, 10, seed)
	if err != nil {
		t.Fatal(err)
	}
	pts := make([][2]float64, d.Len())
	labels := make([]float64, d.Len())
	for i := range pts {
		pts[i] = [2]float64{float64(d.X.Data[2*i]), float64(d.X.Data[2*i+1])}
		labels[i] = float64(d.Y.Data[i])
	}
	return pts, labels
}

// testFace is a face the pictures set text in, for computing where text
// goes in tests.
func testFace(t *testing.T, size float64) font.Face {
	t.Helper()
	f, err := newFace(size)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// grey reports whether c is a neutral grey (text and axes are drawn in
// greys, anti-aliased over white) and its level.
func grey(c color.RGBA) (bool, int) {
	lo, hi := min(c.R, c.G, c.B), max(c.R, c.G, c.B)
	return hi-lo <= 6, int(c.G)
}

// antialiasedText checks that r holds text: solid ink pixels and, around
// them, the intermediate grey levels of anti-aliasing (a bitmap font has
// only the two).
func antialiasedText(t *testing.T, img image.Image, r image.Rectangle, what string) {
	t.Helper()
	ink, mid := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ok, v := grey(at(img, x, y))
			switch {
			case !ok:
			case v < 0x80:
				ink++
			case v < 0xf0:
				mid++
			}
		}
	}
	if ink < 5 || mid < 5 {
		t.Errorf("%s in %v: %d ink and %d intermediate grey pixels, want text with anti-aliased edges", what, r, ink, mid)
	}
}

// chromatic reports whether c has a hue: anything a curve, a point or a
// heat map paints, as opposed to the page, grid, frame and text greys.
func chromatic(c color.RGBA) bool { return max(c.R, c.G, c.B)-min(c.R, c.G, c.B) > 24 }

func TestRenderPlaygroundCircle(t *testing.T) {
	sizes, weights, biases, neuron := circleNet()
	train, trainY := playgroundPoints(t, "circle", 250, 1)
	test, testY := playgroundPoints(t, "circle", 250, 2)
	var buf bytes.Buffer
	pic := playgroundPicture{
		title:   "circle  epoch 300  test loss 0.012  train loss 0.010",
		predict: func(x1, x2 float64) float64 { return neuron(2, 0, x1, x2) },
		train:   train, trainLabels: trainY, test: test, testLabels: testY,
		sizes: sizes, weights: weights, biases: biases, neuron: neuron,
	}
	if err := renderPlayground(&buf, pic); err != nil {
		t.Fatal(err)
	}
	keepPNG(t, "playground_circle.png", buf.Bytes())
	img := decodePNG(t, buf.Bytes(), pgWidth, pgHeight, 100)
	// The centre of the map is inside the circle (blue background and
	// mostly blue points), the corners are far outside (orange, no points).
	m := mapRect()
	centre := image.Rect(m.Min.X+m.Dx()/2-30, m.Min.Y+m.Dy()/2-30, m.Min.X+m.Dx()/2+30, m.Min.Y+m.Dy()/2+30)
	if n := countIn(img, centre, blueish); n < centre.Dx()*centre.Dy()/2 {
		t.Errorf("%d of %d pixels in the map centre are blue-ish, want most", n, centre.Dx()*centre.Dy())
	}
	for _, corner := range []image.Point{m.Min, m.Max.Sub(image.Pt(20, 20))} {
		r := image.Rectangle{corner, corner.Add(image.Pt(20, 20))}
		if n := countIn(img, r, orangeish); n != r.Dx()*r.Dy() {
			t.Errorf("%d of %d pixels at map corner %v are orange-ish, want all", n, r.Dx()*r.Dy(), corner)
		}
	}
	// Every node shows its own heat map: the features x1 and x2 and each
	// hidden unit (a tanh that fires beyond ±3 along one axis) run from
	// orange to blue across their squares, and the output is blue in the
	// middle and orange at the corners, like the big map.
	lay := pic.layout(testFace(t, smallSize))
	for l, n := range sizes {
		for j := range n {
			r := lay.node(l, j)
			o, b := countIn(img, r, orangeish), countIn(img, r, blueish)
			if o < r.Dx() || b < r.Dx() {
				t.Errorf("node %d of layer %d at %v: %d orange-ish and %d blue-ish pixels, want its own heat map with both", j, l, r, o, b)
			}
		}
	}
	out := lay.node(len(sizes)-1, 0)
	if c := at(img, (out.Min.X+out.Max.X)/2, (out.Min.Y+out.Max.Y)/2); !blueish(c) {
		t.Errorf("output node centre is %v, want blue", c)
	}
	if c := at(img, out.Min.X+1, out.Min.Y+1); !orangeish(c) {
		t.Errorf("output node corner is %v, want orange", c)
	}
	// The title, the feature names and the column headers are real text.
	antialiasedText(t, img, textBox(testFace(t, titleSize), pgNetLeft, pgTitleY, pic.title, alignLeft), "title")
	names := image.Rect(pgNetLeft, lay.node(0, 0).Min.Y, lay.node(0, 0).Min.X-1, lay.node(0, 1).Max.Y)
	antialiasedText(t, img, names, "feature names")
}

// TestRenderPlaygroundTanh checks the heat map's orientation, the colours
// and placement of points, and the colours of weights, with a predict
// function whose picture is known: tanh(x1) is orange on the left, blue on
// the right.
func TestRenderPlaygroundTanh(t *testing.T) {
	// Points at pixel centres of the map, so that the pixel 4 to the right
	// of a centre lies between the radii pgPointRadius and pgPointRadius+1.
	lo, hi := -6.0, 6.0
	px := func(k float64) float64 { return lo + (k+0.5)/pgMapSize*(hi-lo) }
	py := func(k float64) float64 { return hi - (k+0.5)/pgMapSize*(hi-lo) }
	q := float64(pgMapSize / 4) // whole pixels
	pic := playgroundPicture{
		title:       "tanh(x₁) × 1",
		predict:     func(x1, _ float64) float64 { return math.Tanh(x1) },
		train:       [][2]float64{{px(3 * q), py(3 * q)}, {px(q), py(q)}, {100, 0}},
		trainLabels: []float64{1, -1, 1},
		test:        [][2]float64{{px(math.Floor(q / 2)), py(math.Floor(3.5 * q))}},
		testLabels:  []float64{1},
		sizes:       []int{2, 1},
		weights:     [][]float32{{4, -4}},
	}
	var buf bytes.Buffer
	if err := renderPlayground(&buf, pic); err != nil {
		t.Fatal(err)
	}
	keepPNG(t, "playground_tanh.png", buf.Bytes())
	img := decodePNG(t, buf.Bytes(), pgWidth, pgHeight, 100)

	m := mapRect()
	if countIn(img, m, orangeish) < 1000 || countIn(img, m, blueish) < 1000 {
		t.Errorf("map: %d orange-ish, %d blue-ish pixels; want both plentiful", countIn(img, m, orangeish), countIn(img, m, blueish))
	}
	// Left third of the map (x1 < −2, tanh < −0.96) orange, right third
	// blue, in the top rows that hold no point; a column at x1 = 0 is
	// Playground's near-white middle.
	third, rows := pgMapSize/3, int(q)-8
	if r := image.Rect(m.Min.X, m.Min.Y, m.Min.X+third, m.Min.Y+rows); countIn(img, r, orangeish) != r.Dx()*r.Dy() {
		t.Errorf("%d of %d pixels orange-ish where tanh(x1) < −0.96", countIn(img, r, orangeish), r.Dx()*r.Dy())
	}
	if r := image.Rect(m.Max.X-third, m.Min.Y, m.Max.X, m.Min.Y+rows); countIn(img, r, blueish) != r.Dx()*r.Dy() {
		t.Errorf("%d of %d pixels blue-ish where tanh(x1) > 0.96", countIn(img, r, blueish), r.Dx()*r.Dy())
	}
	if c := at(img, m.Min.X+pgMapSize/2, m.Min.Y+10); orangeish(c) || blueish(c) || c.R < 200 {
		t.Errorf("pixel at x1 ≈ 0 is %v, want near white", c)
	}
	// Full colour at a point's centre, its outline colour 4 pixels right.
	point := func(pt [2]float64) (int, int) {
		x, y, ok := pic.toMap(pt)
		if !ok {
			t.Fatalf("%v is off the map", pt)
		}
		return int(x), int(y)
	}
	x, y := point(pic.train[0])
	if c := at(img, x, y); c != rgb(hexBlue) {
		t.Errorf("blue train point centre is %v, want %v", c, rgb(hexBlue))
	}
	if c := at(img, x+4, y); c.R < 200 || c.G < 200 || c.B < 200 {
		t.Errorf("train point outline is %v, want white", c)
	}
	if x, y := point(pic.train[1]); at(img, x, y) != rgb(hexOrange) {
		t.Errorf("orange train point centre is %v, want %v", at(img, x, y), rgb(hexOrange))
	}
	x, y = point(pic.test[0])
	if c := at(img, x, y); c != rgb(hexBlue) {
		t.Errorf("test point centre is %v, want %v", c, rgb(hexBlue))
	}
	if c := at(img, x+4, y); c.R > 60 || c.G > 60 || c.B > 60 {
		t.Errorf("test point outline is %v, want black", c)
	}
	// The weight from x1 is +4 (blue), from x2 −4 (orange): look at the
	// middle of each link, the midpoint of its curve.
	lay := pic.layout(testFace(t, smallSize))
	mid := func(i int) color.RGBA {
		return at(img, int((lay.xs[0]+lay.xs[1])/2), int((lay.ys[0][i]+lay.ys[1][0])/2))
	}
	if c := mid(0); !blueish(c) {
		t.Errorf("link for weight +4 is %v, want blue", c)
	}
	if c := mid(1); !orangeish(c) {
		t.Errorf("link for weight −4 is %v, want orange", c)
	}
	// The tick labels are anti-aliased text with a real minus sign: the
	// label "−6" under the map's left end is wider than "6" and inked over
	// its left part, where the minus stands.
	small := testFace(t, smallSize)
	label := textBox(small, m.Min.X, m.Max.Y+8+capHeight(small), "−6", alignCenter)
	antialiasedText(t, img, label, "tick label −6")
	minusW := textWidth(small, "−6") - textWidth(small, "6")
	if minusW < 4 {
		t.Fatalf("the minus sign is %d pixels wide", minusW)
	}
	minus := image.Rect(label.Min.X, label.Min.Y, label.Min.X+minusW, label.Max.Y)
	if n := countIn(img, minus, func(c color.RGBA) bool { ok, v := grey(c); return ok && v < 0xc0 }); n < 3 {
		t.Errorf("%d dark pixels where the minus of −6 goes (%v)", n, minus)
	}
}

// TestPlaygroundLegendClear: the legend under the network covers neither
// the map, nor a node, nor the title, and it holds the colour bar and text.
func TestPlaygroundLegendClear(t *testing.T) {
	small := testFace(t, smallSize)
	for _, regression := range []bool{false, true} {
		g := legendLayout(small, regression)
		if g.box.Overlaps(mapRect().Inset(-12)) {
			t.Errorf("regression %v: legend %v overlaps the map and its tick labels %v", regression, g.box, mapRect().Inset(-12))
		}
		if !g.box.In(image.Rect(0, 0, pgWidth, pgHeight)) {
			t.Errorf("regression %v: legend %v is not inside the picture", regression, g.box)
		}
		if capt := textBox(small, g.bar.Min.X, g.captionY, g.caption, alignLeft); !capt.In(g.box) {
			t.Errorf("regression %v: caption %q at %v sticks out of the legend box %v", regression, g.caption, capt, g.box)
		}
	}
	g := legendLayout(small, false)
	for _, sizes := range [][]int{{2, 1}, {2, 4, 2, 1}, {2, 8, 8, 8, 8, 8, 8, 1}, {784, 300, 100, 10}} {
		p := playgroundPicture{sizes: sizes}
		lay := p.layout(small)
		for l, n := range sizes {
			for j := range drawn(n) {
				// The node with its bias tab.
				r := lay.node(l, j).Inset(-lay.node(l, j).Dx() / 4)
				if r.Overlaps(g.box) {
					t.Errorf("sizes %v: node %d of layer %d at %v overlaps the legend %v", sizes, j, l, r, g.box)
				}
				if n := lay.node(l, j); n.Min.X < pgNetLeft || n.Max.X > pgNetRight || n.Min.Y < pgNetTop || n.Max.Y > pgNetBottom {
					t.Errorf("sizes %v: node %d of layer %d at %v leaves the network panel", sizes, j, l, n)
				}
			}
		}
	}
	pic := playgroundPicture{predict: func(x1, _ float64) float64 { return x1 / 6 }, sizes: []int{2, 1}, weights: [][]float32{{1, 1}}}
	var buf bytes.Buffer
	if err := renderPlayground(&buf, pic); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, buf.Bytes(), pgWidth, pgHeight, 50)
	bar := g.bar
	if c := at(img, bar.Min.X+1, bar.Min.Y+bar.Dy()/2); c != heatColor(-1) {
		t.Errorf("legend bar's left end is %v, want %v", c, heatColor(-1))
	}
	if c := at(img, bar.Max.X-2, bar.Min.Y+bar.Dy()/2); c != heatColor(1) {
		t.Errorf("legend bar's right end is %v, want %v", c, heatColor(1))
	}
	antialiasedText(t, img, textBox(small, bar.Min.X, g.captionY, "network output", alignLeft), "legend caption")
}

// playgroundLabels are the display names of all seven Playground
// features, as the picture labels their nodes.
func playgroundLabels(t *testing.T) []string {
	t.Helper()
	_, labels, err := ann.PlaygroundFeatures(ann.Matrix{Rows: 1, Cols: 2, Stride: 2, Data: make([]float32, 2)}, ann.PlaygroundFeatureNames())
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(labels))
	for i, l := range labels {
		out[i] = subscripted(l)
	}
	return out
}

// TestPlaygroundFeatureLabels: with all seven features the input nodes are
// labelled as Playground's page names them, every index a subscript
// (x₁², x₁x₂, sin(x₁), not x1², x1x2, sin(x1)); the labels are real text,
// differ from the ASCII names drawn in the same place, and overlap neither
// the thumbnails nor each other.
func TestPlaygroundFeatureLabels(t *testing.T) {
	want := []string{"x₁", "x₂", "x₁²", "x₂²", "x₁x₂", "sin(x₁)", "sin(x₂)"}
	if got := playgroundLabels(t); !slices.Equal(got, want) {
		t.Errorf("feature labels %q, want %q", got, want)
	}
	_, ascii, err := ann.PlaygroundFeatures(ann.Matrix{Rows: 1, Cols: 2, Stride: 2, Data: make([]float32, 2)}, ann.PlaygroundFeatureNames())
	if err != nil {
		t.Fatal(err)
	}
	n := len(ascii)
	w := make([]float32, n)
	for i := range w {
		w[i] = float32(i%3) - 1
	}
	pic := playgroundPicture{
		predict: func(x1, x2 float64) float64 { return math.Tanh(x1 * x2 / 8) },
		sizes:   []int{n, 1}, weights: [][]float32{w}, inputNames: ascii,
		neuron: func(l, u int, x1, x2 float64) float64 { return math.Sin(x1 + float64(u)*x2) },
	}
	var buf bytes.Buffer
	if err := renderPlayground(&buf, pic); err != nil {
		t.Fatal(err)
	}
	keepPNG(t, "playground_features.png", buf.Bytes())
	img := decodePNG(t, buf.Bytes(), pgWidth, pgHeight, 100)

	small := testFace(t, smallSize)
	lay := pic.layout(small)
	names := pic.names()
	if !slices.Equal(names, want) {
		t.Errorf("picture labels %q, want %q", names, want)
	}
	// Where drawNetwork sets each label: right-aligned 6 pixels left of
	// the node, its baseline half a cap height below the node's centre.
	box := func(j int, s string) (int, int, image.Rectangle) {
		x, y := int(lay.xs[0]-lay.size/2)-6, int(lay.ys[0][j])+capHeight(small)/2
		return x, y, textBox(small, x, y, s, alignRight)
	}
	for j, name := range names {
		_, _, r := box(j, name)
		antialiasedText(t, img, r, "label "+name)
		if node := lay.node(0, j).Inset(-1); r.Overlaps(node) {
			t.Errorf("label %q at %v overlaps its thumbnail %v", name, r, node)
		}
		for k := range j {
			if _, _, q := box(k, names[k]); q.Overlaps(r) {
				t.Errorf("labels %q at %v and %q at %v overlap", names[k], q, name, r)
			}
		}
		if !r.In(image.Rect(0, 0, pgWidth, pgHeight)) || r.Min.X < pgNetLeft {
			t.Errorf("label %q at %v leaves the network panel", name, r)
		}
		// The same place with the ASCII name drawn instead must look
		// different wherever the name has an index to subscript.
		if want[j] == ascii[j] {
			continue
		}
		c, err := newCanvas(pgWidth, pgHeight)
		if err != nil {
			t.Fatal(err)
		}
		x, y, _ := box(j, name)
		c.text(c.small, x, y, ascii[j], alignRight, rgb(hexInk))
		_, _, ra := box(j, ascii[j])
		u := r.Union(ra)
		diff := 0
		for py := u.Min.Y; py < u.Max.Y; py++ {
			for px := u.Min.X; px < u.Max.X; px++ {
				if at(img, px, py) != at(c.img, px, py) {
					diff++
				}
			}
		}
		if diff < 10 {
			t.Errorf("label %q is drawn like the ASCII %q (%d pixels differ)", name, ascii[j], diff)
		}
	}
}

// TestRenderPlaygroundRegression: in regression the points are coloured by
// their target on the diverging scale (0 light grey, +1 the scale's blue,
// −1 its orange, ½ in between), keeping the white/black outlines of train
// and test points, and the legend says the scale shows the targets; the
// same picture as classification colours by sign, as before.
func TestRenderPlaygroundRegression(t *testing.T) {
	lo, hi := -6.0, 6.0
	px := func(k float64) float64 { return lo + (k+0.5)/pgMapSize*(hi-lo) }
	py := func(k float64) float64 { return hi - (k+0.5)/pgMapSize*(hi-lo) }
	q := float64(pgMapSize / 5)
	base := playgroundPicture{
		predict:     func(x1, _ float64) float64 { return x1 / 6 },
		train:       [][2]float64{{px(q), py(q)}, {px(2 * q), py(q)}, {px(3 * q), py(q)}, {px(4 * q), py(q)}},
		trainLabels: []float64{0.02, 1, -1, 0.5},
		test:        [][2]float64{{px(2 * q), py(3 * q)}},
		testLabels:  []float64{-0.03},
		sizes:       []int{2, 1},
		weights:     [][]float32{{1, 0}},
	}
	render := func(regression bool) image.Image {
		p := base
		p.regression = regression
		var buf bytes.Buffer
		if err := renderPlayground(&buf, p); err != nil {
			t.Fatal(err)
		}
		keepPNG(t, "playground_regression_"+map[bool]string{false: "off", true: "on"}[regression]+".png", buf.Bytes())
		return decodePNG(t, buf.Bytes(), pgWidth, pgHeight, 100)
	}
	point := func(pt [2]float64) (int, int) {
		x, y, ok := base.toMap(pt)
		if !ok {
			t.Fatalf("%v is off the map", pt)
		}
		return int(x), int(y)
	}
	light := func(c color.RGBA) bool { return min(c.R, c.G, c.B) > 200 && !orangeish(c) && !blueish(c) }

	reg := render(true)
	x, y := point(base.train[0])
	if c := at(reg, x, y); !light(c) || c != valueColor(base.trainLabels[0]) {
		t.Errorf("regression point with target %v is %v, want the light %v", base.trainLabels[0], c, valueColor(base.trainLabels[0]))
	}
	if c := at(reg, x+4, y); c.R < 200 || c.G < 200 || c.B < 200 {
		t.Errorf("regression train point outline is %v, want white", c)
	}
	for i, want := range map[int]color.RGBA{1: rgb(hexBlue), 2: rgb(hexOrange)} {
		if x, y := point(base.train[i]); at(reg, x, y) != want {
			t.Errorf("regression point with target %v is %v, want %v", base.trainLabels[i], at(reg, x, y), want)
		}
	}
	x, y = point(base.train[3])
	if c, b := at(reg, x, y), rgb(hexBlue); !blueish(c) || c == b || c.R <= b.R {
		t.Errorf("regression point with target ½ is %v, want a blue lighter than %v", c, b)
	}
	x, y = point(base.test[0])
	if c := at(reg, x, y); !light(c) {
		t.Errorf("regression test point with target %v is %v, want light", base.testLabels[0], c)
	}
	if c := at(reg, x+4, y); c.R > 60 || c.G > 60 || c.B > 60 {
		t.Errorf("regression test point outline is %v, want black", c)
	}
	small := testFace(t, smallSize)
	g := legendLayout(small, true)
	antialiasedText(t, reg, textBox(small, g.bar.Min.X, g.captionY, g.caption, alignLeft), "regression legend caption")
	if g.caption == legendCaption(false) || !strings.Contains(g.caption, "target") {
		t.Errorf("regression legend caption %q does not say the colours show the targets", g.caption)
	}

	cls := render(false)
	for i, pt := range base.train {
		want := rgb(hexOrange)
		if base.trainLabels[i] > 0 {
			want = rgb(hexBlue)
		}
		if x, y := point(pt); at(cls, x, y) != want {
			t.Errorf("classification point with label %v is %v, want %v", base.trainLabels[i], at(cls, x, y), want)
		}
	}
}

// TestRenderPlaygroundDeep draws a wide and deep network with random-ish
// weights, a layer too wide to show in full, NaN weights and outputs.
func TestRenderPlaygroundDeep(t *testing.T) {
	sizes := []int{2, 8, 8, 8, 8, 8, 8, 1}
	for _, tc := range []struct {
		name  string
		sizes []int
	}{{"deep", sizes}, {"wide", []int{784, 300, 100, 10}}} {
		t.Run(tc.name, func(t *testing.T) {
			var weights, biases [][]float32
			k := 0
			for l := range len(tc.sizes) - 1 {
				w := make([]float32, tc.sizes[l]*tc.sizes[l+1])
				for i := range w {
					k++
					w[i] = float32(math.Sin(float64(k)*1.7) * 2.5)
				}
				weights = append(weights, w)
				b := make([]float32, tc.sizes[l+1])
				for i := range b {
					b[i] = float32(math.Cos(float64(i)))
				}
				biases = append(biases, b)
			}
			weights[0][0] = float32(math.NaN())
			biases[0][0] = float32(math.Inf(1))
			var buf bytes.Buffer
			err := renderPlayground(&buf, playgroundPicture{
				title: tc.name,
				predict: func(x1, x2 float64) float64 {
					if x1 > 5 {
						return math.NaN()
					}
					return math.Sin(x1) * math.Cos(x2)
				},
				sizes: tc.sizes, weights: weights, biases: biases,
			})
			if err != nil {
				t.Fatal(err)
			}
			keepPNG(t, "playground_"+tc.name+".png", buf.Bytes())
			decodePNG(t, buf.Bytes(), pgWidth, pgHeight, 100)
		})
	}
}

func TestRenderPlaygroundBadInput(t *testing.T) {
	good := func() playgroundPicture {
		return playgroundPicture{
			predict: func(x1, _ float64) float64 { return x1 },
			sizes:   []int{2, 1}, weights: [][]float32{{1, 1}},
		}
	}
	for name, edit := range map[string]func(*playgroundPicture){
		"no predict":    func(p *playgroundPicture) { p.predict = nil },
		"one layer":     func(p *playgroundPicture) { p.sizes = []int{2}; p.weights = nil },
		"zero units":    func(p *playgroundPicture) { p.sizes = []int{0, 1}; p.weights = [][]float32{{}} },
		"weights count": func(p *playgroundPicture) { p.weights = [][]float32{{1, 1}, {1}} },
		"weights size":  func(p *playgroundPicture) { p.weights = [][]float32{{1}} },
		"weights overflow": func(p *playgroundPicture) {
			p.sizes = []int{1 << 20, 1 << 20}
			p.weights = [][]float32{{}}
		},
		"biases count":    func(p *playgroundPicture) { p.biases = [][]float32{{1}, {1}} },
		"biases size":     func(p *playgroundPicture) { p.biases = [][]float32{{1, 2}} },
		"labels":          func(p *playgroundPicture) { p.train = [][2]float64{{0, 0}} },
		"test labels":     func(p *playgroundPicture) { p.testLabels = []float64{1} },
		"empty domain":    func(p *playgroundPicture) { p.lo, p.hi = 1, 1 },
		"reversed domain": func(p *playgroundPicture) { p.lo, p.hi = 6, -6 },
		"NaN domain":      func(p *playgroundPicture) { p.lo = math.NaN() },
		"huge domain":     func(p *playgroundPicture) { p.lo, p.hi = -math.MaxFloat64, math.MaxFloat64 },
	} {
		p := good()
		edit(&p)
		var buf bytes.Buffer
		if err := renderPlayground(&buf, p); err == nil {
			t.Errorf("%s: no error", name)
		} else if buf.Len() != 0 {
			t.Errorf("%s: wrote %d bytes before failing", name, buf.Len())
		}
	}
	var buf bytes.Buffer
	if err := renderPlayground(&buf, good()); err != nil {
		t.Errorf("the unedited picture fails: %v", err)
	}
}

// renderCurvesPNG renders and decodes a single-panel plot.
func renderCurvesPNG(t *testing.T, name string, series []curve) image.Image {
	t.Helper()
	var buf bytes.Buffer
	if err := renderCurves(&buf, name, series, "epoch", "loss"); err != nil {
		t.Fatal(err)
	}
	keepPNG(t, "curves_"+name+".png", buf.Bytes())
	return decodePNG(t, buf.Bytes(), 900, curveHeight, 10)
}

func hasColour(img image.Image, r image.Rectangle, c color.RGBA) bool {
	return countIn(img, r, func(p color.RGBA) bool { return p == c }) > 0
}

func curvePlotRect() image.Rectangle {
	return image.Rect(curveLeft, curveTop, 900-curveRight, curveHeight-curveBottom)
}

func TestRenderCurves(t *testing.T) {
	train := make([]float64, 40)
	val := make([]float64, 40)
	for i := range train {
		train[i] = 0.7*math.Exp(-float64(i)/8) + 0.05
		val[i] = 0.7*math.Exp(-float64(i)/10) + 0.09 + 0.01*math.Sin(float64(i))
	}
	img := renderCurvesPNG(t, "loss", []curve{{name: "train", y: train}, {name: "validation", y: val}})
	plot := curvePlotRect()
	if !hasColour(img, plot, palette(0)) || !hasColour(img, plot, palette(1)) {
		t.Error("the plot area lacks one of the two series' colours")
	}
}

// TestRenderCurvesOnePoint: a single epoch is drawn as a dot in the middle
// of the x axis.
func TestRenderCurvesOnePoint(t *testing.T) {
	img := renderCurvesPNG(t, "one", []curve{{name: "train", y: []float64{0.5}}})
	plot := curvePlotRect()
	x := plot.Min.X + (plot.Dx()-1)/2
	found := false
	for y := plot.Min.Y; y < plot.Max.Y; y++ {
		found = found || at(img, x, y) == palette(0)
	}
	if !found {
		t.Errorf("no dot in column %d", x)
	}
}

// TestRenderCurvesConstant: a constant series gets a band around its value,
// so it is drawn as a horizontal line across the plot, mid-height.
func TestRenderCurvesConstant(t *testing.T) {
	img := renderCurvesPNG(t, "constant", []curve{{name: "acc", y: []float64{1, 1, 1, 1, 1}}})
	plot := curvePlotRect()
	for _, x := range []int{plot.Min.X + 20, plot.Min.X + plot.Dx()/2, plot.Max.X - 20} {
		rows := []int{}
		for y := plot.Min.Y; y < plot.Max.Y; y++ {
			if at(img, x, y) == palette(0) {
				rows = append(rows, y)
			}
		}
		if len(rows) == 0 {
			t.Fatalf("column %d: no line", x)
		}
		mid := (plot.Min.Y + plot.Max.Y) / 2
		if d := rows[0] - mid; d < -3 || d > 3 {
			t.Errorf("column %d: line at row %d, want about %d", x, rows[0], mid)
		}
	}
}

func TestRenderCurvesNonFinite(t *testing.T) {
	// Gaps, infinities, a lone finite value between NaNs, an empty series.
	y := []float64{1, 0.8, math.NaN(), 0.5, math.Inf(1), 0.4, math.NaN(), 0.3, math.NaN(), math.Inf(-1), 0.2}
	renderCurvesPNG(t, "gaps", []curve{{name: "train", y: y}, {name: "empty"}, {name: "nan", y: []float64{math.NaN()}}})
	// Extreme magnitudes stay on the canvas and do not overflow the axis.
	renderCurvesPNG(t, "huge", []curve{{name: "train", y: []float64{-math.MaxFloat64, 0, math.MaxFloat64}}})
	renderCurvesPNG(t, "tiny", []curve{{name: "train", y: []float64{1e-300, 2e-300, 1.5e-300}}})
	renderCurvesPNG(t, "max", []curve{{name: "train", y: []float64{math.MaxFloat64, math.MaxFloat64}}})
	renderCurvesPNG(t, "zero", []curve{{name: "train", y: []float64{0, 0, 0}}})

	for name, series := range map[string][]curve{
		"no series": nil,
		"all NaN":   {{name: "a", y: []float64{math.NaN(), math.Inf(1)}}},
		"empty":     {{name: "a"}},
	} {
		var buf bytes.Buffer
		if err := renderCurves(&buf, name, series, "epoch", "loss"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	var buf bytes.Buffer
	if err := renderCurvePanels(&buf, "none", nil); err == nil {
		t.Error("no panels: no error")
	}
}

func TestRenderTrainingCurves(t *testing.T) {
	const n = 120
	var tl, vl, ta, va []float64
	for i := range n {
		e := float64(i)
		tl = append(tl, 2.3*math.Exp(-e/15)+0.04)
		vl = append(vl, 2.3*math.Exp(-e/18)+0.09+0.002*e)
		ta = append(ta, 1-0.9*math.Exp(-e/12))
		va = append(va, 0.97-0.87*math.Exp(-e/14))
	}
	var buf bytes.Buffer
	if err := renderTrainingCurves(&buf, "mnist 784-300-100-10", tl, vl, ta, va); err != nil {
		t.Fatal(err)
	}
	keepPNG(t, "curves_training.png", buf.Bytes())
	decodePNG(t, buf.Bytes(), 2*curvePanelWidth, curveHeight, 10)

	// Without accuracy (a regression run) only the loss panel is drawn.
	buf.Reset()
	if err := renderTrainingCurves(&buf, "regression", tl, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	decodePNG(t, buf.Bytes(), 900, curveHeight, 10)
	if err := renderTrainingCurves(&buf, "nothing", nil, nil, nil, nil); err == nil {
		t.Error("no series at all: no error")
	}
}

func TestNiceTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		max    int
		want   []float64
		step   float64
	}{
		{-6, 6, 7, []float64{-6, -4, -2, 0, 2, 4, 6}, 2},
		{0, 1, 5, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}, 0.2},
		{1, 120, 8, []float64{20, 40, 60, 80, 100, 120}, 20},
		{0.03, 0.07, 4, []float64{0.03, 0.04, 0.05, 0.06, 0.07}, 0.01},
		{-0.1, 0.1, 4, []float64{-0.1, -0.05, 0, 0.05, 0.1}, 0.05},
	} {
		got, step := niceTicks(tc.lo, tc.hi, tc.max)
		if math.Abs(step-tc.step) > 1e-12*tc.step || len(got) != len(tc.want) {
			t.Errorf("niceTicks(%v, %v, %d) = %v step %v, want %v step %v", tc.lo, tc.hi, tc.max, got, step, tc.want, tc.step)
			continue
		}
		for i := range got {
			if math.Abs(got[i]-tc.want[i]) > 1e-9*tc.step {
				t.Errorf("niceTicks(%v, %v, %d) = %v, want %v", tc.lo, tc.hi, tc.max, got, tc.want)
				break
			}
		}
	}
	for _, tc := range []struct {
		v, step float64
		want    string
	}{{0, 1, "0"}, {-6, 2, "−6"}, {-0.25, 0.05, "−0.25"}, {0.4, 0.2, "0.4"}, {0.05, 0.05, "0.05"}, {120, 20, "120"},
		{2.5e6, 5e5, "2.5×10⁶"}, {-1.25e12, 1e11, "−1.25×10¹²"}, {3e-5, 1e-5, "3×10⁻⁵"}} {
		if got := formatTick(tc.v, tc.step); got != tc.want {
			t.Errorf("formatTick(%v, %v) = %q, want %q", tc.v, tc.step, got, tc.want)
		}
	}
}

// TestFontCoverage: every character the pictures print has a glyph in the
// Go font (none falls back to the empty box): tick labels with minus
// signs, × and superscripts, subscripted feature names, the legends.
func TestFontCoverage(t *testing.T) {
	f, err := goFont()
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"0123456789.+−×⁰¹²³⁴⁵⁶⁷⁸⁹⁻", subscripted("x0123456789"), legendCaption(false), legendCaption(true), "train test validation (no data)",
		"features inputs hidden neurons output epoch loss accuracy", "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ,:;()[]/%_-"}
	texts = append(texts, playgroundLabels(t)...)
	for v := -1e13; v < 1e13; v = v*-7 + 3 {
		texts = append(texts, formatTick(v, math.Abs(v)/5), formatTick(v/1e9, math.Abs(v)/5e9))
	}
	var b sfnt.Buffer
	for _, s := range texts {
		for _, r := range s {
			if i, err := f.GlyphIndex(&b, r); err != nil || i == 0 {
				t.Errorf("%q (in %q) has no glyph in the Go font", r, s)
			}
		}
	}
	if got := subscripted("x1"); got != "x₁" {
		t.Errorf("subscripted(x1) = %q", got)
	}
	for _, name := range []string{"x", "12", "sin", "", "2x"} {
		if got := subscripted(name); got != name {
			t.Errorf("subscripted(%q) = %q, want it unchanged", name, got)
		}
	}
	if strings.ContainsRune(formatTick(-3, 1), '-') {
		t.Error("a tick label carries an ASCII hyphen for its minus sign")
	}
}

// legendCases are curve sets whose legend lands in each place: top right
// (a falling loss), bottom right (a rising accuracy), and outside the plot
// (a zigzag through every corner).
func legendCases() map[string][]curve {
	fall, rise, zig, zag := make([]float64, 40), make([]float64, 40), make([]float64, 30), make([]float64, 30)
	for i := range fall {
		e := float64(i)
		fall[i] = 2.3*math.Exp(-e/6) + 0.05
		rise[i] = 1 - 0.9*math.Exp(-e/8)
	}
	for i := range zig {
		zig[i], zag[i] = float64(i%2), float64((i+1)%2)
	}
	return map[string][]curve{
		"falling": {{name: "train", y: fall}, {name: "validation", y: rise[:0]}},
		"rising":  {{name: "train", y: rise}},
		"zigzag":  {{name: "train", y: zig}, {name: "validation (a long name)", y: zag}},
	}
}

// TestCurveLegendClear draws each case without and with its legend: in
// the picture without it, no pixel of a curve or dot lies where the
// legend box goes, and no plotted point comes within its reach of the box;
// with it, the box holds the series' names as anti-aliased text.
func TestCurveLegendClear(t *testing.T) {
	places := map[string]bool{}
	for name, series := range legendCases() {
		t.Run(name, func(t *testing.T) {
			panels := []curvePanel{{xLabel: "epoch", yLabel: "loss", series: series}}
			bare, lays, err := drawCurvePanels(name, panels, false)
			if err != nil {
				t.Fatal(err)
			}
			l := lays[0]
			box := l.legend
			if !box.In(bare.img.Rect) {
				t.Fatalf("legend %v is not inside the picture", box)
			}
			if l.legendOutside == box.Overlaps(l.plot.Inset(-1)) {
				t.Errorf("legend %v: outside %v, plot %v", box, l.legendOutside, l.plot)
			}
			if n := countIn(bare.img, box.Inset(-1), chromatic); n > 0 {
				t.Errorf("%d curve pixels where the legend %v goes", n, box)
			}
			for k, pts := range l.lines {
				for i, p := range pts {
					if !finite(p[0]) {
						continue
					}
					dx := math.Max(math.Max(float64(box.Min.X)-p[0], p[0]-float64(box.Max.X)), 0)
					dy := math.Max(math.Max(float64(box.Min.Y)-p[1], p[1]-float64(box.Max.Y)), 0)
					if math.Hypot(dx, dy) <= l.reach() {
						t.Errorf("series %d point %d at %v is within %v of the legend %v", k, i, p, l.reach(), box)
					}
				}
			}
			switch {
			case l.legendOutside:
				places["outside"] = true
			case box.Max.Y < l.plot.Min.Y+l.plot.Dy()/2:
				places["top"] = true
			default:
				places["bottom"] = true
			}

			drawn, _, err := drawCurvePanels(name, panels, true)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := drawn.encode(&buf); err != nil {
				t.Fatal(err)
			}
			keepPNG(t, "curves_legend_"+name+".png", buf.Bytes())
			small := testFace(t, smallSize)
			for k, row := range l.legendRows {
				r := textBox(small, row.X+legendSample+6, row.Y+l.legendTextHeight, l.legendNames[k], alignLeft)
				antialiasedText(t, drawn.img, r, "legend entry "+l.legendNames[k])
				if c := at(drawn.img, row.X+legendSample/2, row.Y+l.legendTextHeight/2); c != series[k].colour(k) {
					t.Errorf("legend sample %d is %v, want %v", k, c, series[k].colour(k))
				}
			}
		})
	}
	for _, want := range []string{"top", "bottom", "outside"} {
		if !places[want] {
			t.Errorf("no case puts the legend %s: the cases no longer cover the placements", want)
		}
	}
}

// TestCurveText: the title, the axis names and the tick labels of a curve
// picture are anti-aliased text, and the y axis name reads upwards.
func TestCurveText(t *testing.T) {
	panels := []curvePanel{{xLabel: "epoch", yLabel: "loss", series: []curve{{name: "train", y: []float64{-0.4, -0.1, 0.3}}}}}
	c, lays, err := drawCurvePanels("loss × 10", panels, true)
	if err != nil {
		t.Fatal(err)
	}
	l := lays[0]
	antialiasedText(t, c.img, textBox(c.title, curveLeft, curveTitleY, "loss × 10", alignLeft), "title")
	capH := capHeight(c.small)
	// The lowest tick is negative: its label carries the minus sign.
	lowest := l.yticks[0]
	if lowest >= 0 {
		t.Fatalf("lowest tick %v, want a negative one", lowest)
	}
	y := int(math.Round(l.sy(lowest)))
	antialiasedText(t, c.img, textBox(c.small, l.plot.Min.X-8, y+capH/2, formatTick(lowest, l.ystep), alignRight), "y tick label")
	antialiasedText(t, c.img, textBox(c.label, l.plot.Min.X+l.plot.Dx()/2, l.plot.Max.Y+8+capH+12+capHeight(c.label), "epoch", alignCenter), "x axis name")
	// The rotated y name lies in a column left of the tick labels, taller
	// than wide.
	col := image.Rect(l.area.Min.X, l.plot.Min.Y, l.plot.Min.X-8-textWidth(c.small, formatTick(lowest, l.ystep))-2, l.plot.Max.Y)
	antialiasedText(t, c.img, col, "y axis name")
	var ys, xs []int
	for y := col.Min.Y; y < col.Max.Y; y++ {
		for x := col.Min.X; x < col.Max.X; x++ {
			if ok, v := grey(at(c.img, x, y)); ok && v < 0x80 {
				ys, xs = append(ys, y), append(xs, x)
			}
		}
	}
	if len(ys) == 0 {
		t.Fatal("no y axis name")
	}
	if h, w := slices.Max(ys)-slices.Min(ys), slices.Max(xs)-slices.Min(xs); h <= w {
		t.Errorf("the y axis name's ink is %d wide and %d tall, want it set upwards", w, h)
	}
}

// TestYRangeExtremes: the axis for data spanning the whole float64 range
// has finite ends and finite ticks, and the data's ends map inside it.
func TestYRangeExtremes(t *testing.T) {
	for _, d := range [][2]float64{{-math.MaxFloat64, math.MaxFloat64}, {math.MaxFloat64, math.MaxFloat64}, {-math.MaxFloat64, -math.MaxFloat64}, {1e-300, 2e-300}, {0, 0}} {
		lo, hi, ticks, step := yRange(d[0], d[1], 7)
		if !finite(lo) || !finite(hi) || !(lo < hi) || !(lo <= d[0]) || !(hi >= d[1]) || !finite(step) || step <= 0 {
			t.Errorf("yRange(%v, %v) = [%v, %v] step %v", d[0], d[1], lo, hi, step)
		}
		if len(ticks) < 2 || len(ticks) > 10 {
			t.Errorf("yRange(%v, %v): %d ticks %v", d[0], d[1], len(ticks), ticks)
		}
		for _, v := range ticks {
			if !finite(v) || v < lo || v > hi {
				t.Errorf("yRange(%v, %v): tick %v outside [%v, %v]", d[0], d[1], v, lo, hi)
			}
		}
	}
}

// TestPolylineEven: a stroke is laid once, so a straight translucent line
// drawn through many points has the same pixels in every column between
// its ends (no darker notch at a joint), and a line that doubles back on
// itself at a sharp corner is not cancelled where the pieces overlap.
func TestPolylineEven(t *testing.T) {
	c, err := newCanvas(200, 40)
	if err != nil {
		t.Fatal(err)
	}
	var pts [][2]float64
	for x := 10.0; x <= 190; x += 3.7 {
		pts = append(pts, [2]float64{x, 20.3})
	}
	col := color.NRGBA{0x08, 0x77, 0xbd, 0x99}
	c.polyline(pts, 3, col)
	column := func(x int) []color.RGBA {
		var s []color.RGBA
		for y := range 40 {
			s = append(s, at(c.img, x, y))
		}
		return s
	}
	ref := column(20)
	if !slices.ContainsFunc(ref, chromatic) {
		t.Fatal("no line drawn")
	}
	for x := 20; x < 180; x++ {
		if got := column(x); !slices.Equal(got, ref) {
			t.Fatalf("column %d differs from column 20: %v vs %v", x, got, ref)
		}
	}
	// A zigzag: every pixel on the centre line of each leg is painted.
	z, err := newCanvas(100, 100)
	if err != nil {
		t.Fatal(err)
	}
	legs := [][2]float64{{10, 50}, {50, 10}, {55, 90}, {60, 10}, {90, 50}}
	z.polyline(legs, 2, rgb(hexOrange))
	for i := 1; i < len(legs); i++ {
		a, b := legs[i-1], legs[i]
		for k := range 21 {
			f := float64(k) / 20
			x, y := a[0]+(b[0]-a[0])*f, a[1]+(b[1]-a[1])*f
			if p := at(z.img, int(x), int(y)); !orangeish(p) {
				t.Errorf("leg %d at (%.1f, %.1f) is %v, want the line's colour", i, x, y, p)
			}
		}
	}
}
