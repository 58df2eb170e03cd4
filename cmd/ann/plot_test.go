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
	"testing"

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

func mapRect() image.Rectangle {
	return image.Rect(pgMapX, pgMapY, pgMapX+pgMapSize, pgMapY+pgMapSize)
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

func TestRenderPlaygroundCircle(t *testing.T) {
	sizes, weights, biases, neuron := circleNet()
	train, trainY := playgroundPoints(t, "circle", 250, 1)
	test, testY := playgroundPoints(t, "circle", 250, 2)
	var buf bytes.Buffer
	err := renderPlayground(&buf, playgroundPicture{
		title:   "epoch 300  test loss 0.012  train loss 0.010",
		predict: func(x1, x2 float64) float64 { return neuron(2, 0, x1, x2) },
		train:   train, trainLabels: trainY, test: test, testLabels: testY,
		sizes: sizes, weights: weights, biases: biases, neuron: neuron,
	})
	if err != nil {
		t.Fatal(err)
	}
	keepPNG(t, "playground_circle.png", buf.Bytes())
	img := decodePNG(t, buf.Bytes(), pgWidth, pgHeight, 100)
	// The centre of the map is inside the circle (blue), its corners far
	// outside (orange), before any point is drawn there.
	// The centre of the map is inside the circle (blue background and
	// mostly blue points), the corners are far outside (orange, no points).
	centre := image.Rect(pgMapX+pgMapSize/2-30, pgMapY+pgMapSize/2-30, pgMapX+pgMapSize/2+30, pgMapY+pgMapSize/2+30)
	if n := countIn(img, centre, blueish); n < centre.Dx()*centre.Dy()/2 {
		t.Errorf("%d of %d pixels in the map centre are blue-ish, want most", n, centre.Dx()*centre.Dy())
	}
	for _, corner := range []image.Point{{pgMapX, pgMapY}, {pgMapX + pgMapSize - 20, pgMapY + pgMapSize - 20}} {
		r := image.Rectangle{corner, corner.Add(image.Pt(20, 20))}
		if n := countIn(img, r, orangeish); n != r.Dx()*r.Dy() {
			t.Errorf("%d of %d pixels at map corner %v are orange-ish, want all", n, r.Dx()*r.Dy(), corner)
		}
	}
}

// TestRenderPlaygroundTanh checks the heat map's orientation, the colours
// and placement of points, and the colours of weights, with a predict
// function whose picture is known: tanh(x1) is orange on the left, blue on
// the right.
func TestRenderPlaygroundTanh(t *testing.T) {
	pic := playgroundPicture{
		title:   "tanh(x1)",
		predict: func(x1, _ float64) float64 { return math.Tanh(x1) },
		// Half a pixel (0.015) off round values, points are centred on a
		// pixel's centre, so the pixels 4 away lie mid-outline.
		train:       [][2]float64{{3.015, -3.015}, {-2.985, 2.985}, {100, 0}},
		trainLabels: []float64{1, -1, 1},
		test:        [][2]float64{{-4.485, -4.515}},
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

	left := image.Rect(0, 0, pgWidth/2, pgHeight)
	if countIn(img, left, orangeish) < 1000 || countIn(img, left, blueish) < 1000 {
		t.Errorf("left half: %d orange-ish, %d blue-ish pixels; want both plentiful",
			countIn(img, left, orangeish), countIn(img, left, blueish))
	}
	// Left third of the map (x1 < −2, tanh < −0.96) orange, right third blue;
	// a column at x1 = 0 is Playground's near-white middle.
	// The top 60 rows (x2 > 4.2) hold no points.
	third := pgMapSize / 3
	if r := image.Rect(pgMapX, pgMapY, pgMapX+third, pgMapY+60); countIn(img, r, orangeish) != r.Dx()*r.Dy() {
		t.Errorf("%d of %d pixels orange-ish where tanh(x1) < −0.96", countIn(img, r, orangeish), r.Dx()*r.Dy())
	}
	if r := image.Rect(pgMapX+pgMapSize-third, pgMapY, pgMapX+pgMapSize, pgMapY+60); countIn(img, r, blueish) != r.Dx()*r.Dy() {
		t.Errorf("%d of %d pixels blue-ish where tanh(x1) > 0.96", countIn(img, r, blueish), r.Dx()*r.Dy())
	}
	if c := at(img, pgMapX+pgMapSize/2, pgMapY+10); orangeish(c) || blueish(c) || c.R < 200 {
		t.Errorf("pixel at x1 ≈ 0 is %v, want near white", c)
	}
	// A point at (x1, x2) is centred at (62 + (x1+6)/12·400, 52 +
	// (6−x2)/12·400), here the middle of a pixel: full colour there, the
	// outline colour in the pixel 4 to the right, between radii 3.5 and 4.5.
	if c := at(img, 362, 352); c != rgb(hexBlue) {
		t.Errorf("train point (3, −3) centre is %v, want %v", c, rgb(hexBlue))
	}
	if c := at(img, 362+4, 352); c.R < 200 || c.G < 200 || c.B < 200 {
		t.Errorf("train point outline is %v, want white", c)
	}
	if c := at(img, 162, 152); c != rgb(hexOrange) {
		t.Errorf("train point (−3, 3) centre is %v, want %v", c, rgb(hexOrange))
	}
	if c := at(img, 112, 402); c != rgb(hexBlue) {
		t.Errorf("test point (−4.5, −4.5) centre is %v, want %v", c, rgb(hexBlue))
	}
	if c := at(img, 112+4, 402); c.R > 60 || c.G > 60 || c.B > 60 {
		t.Errorf("test point outline is %v, want black", c)
	}
	// The weight from x1 is +4 (blue), from x2 −4 (orange): look at the
	// middle of each link, the midpoint of its curve.
	lay := pic.layout()
	mid := func(i int) color.RGBA {
		return at(img, int((lay.xs[0]+lay.xs[1])/2), int((lay.ys[0][i]+lay.ys[1][0])/2))
	}
	if c := mid(0); !blueish(c) {
		t.Errorf("link for weight +4 is %v, want blue", c)
	}
	if c := mid(1); !orangeish(c) {
		t.Errorf("link for weight −4 is %v, want orange", c)
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
	}{{0, 1, "0"}, {-6, 2, "-6"}, {0.4, 0.2, "0.4"}, {0.05, 0.05, "0.05"}, {120, 20, "120"}, {2.5e6, 5e5, "2.5e+06"}, {3e-5, 1e-5, "3e-05"}} {
		if got := formatTick(tc.v, tc.step); got != tc.want {
			t.Errorf("formatTick(%v, %v) = %q, want %q", tc.v, tc.step, got, tc.want)
		}
	}
}

func TestGlyphs(t *testing.T) {
	var seen [][9]uint8
	for _, r := range "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.,:;-+=()[]/%_" {
		g := glyph(r)
		if g == glyph('?') || g == ([9]uint8{}) {
			t.Errorf("%q has no glyph", r)
		}
		if slices.Contains(seen, g) {
			t.Errorf("%q looks like another character", r)
		}
		seen = append(seen, g)
		for _, row := range g {
			if row >= 1<<glyphW {
				t.Errorf("%q has a row wider than %d pixels", r, glyphW)
			}
		}
	}
	if glyph('€') != glyph('?') {
		t.Error("a rune without a glyph is not drawn as '?'")
	}
	if w := textWidth("ab", 2); w != (2*glyphAdvance-1)*2 {
		t.Errorf("textWidth(ab, 2) = %d", w)
	}
	if textWidth("", 3) != 0 {
		t.Error("empty text has width")
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
