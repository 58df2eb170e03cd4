package main

// PNG pictures for the CLI: a TensorFlow-Playground-style view of a network
// trained on a 2-D data set, and per-epoch loss and accuracy curves. Only
// the standard library draws them: a small anti-aliased rasteriser (discs
// and polylines by distance to the shape) and a built-in 5×7 bitmap font.

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"slices"
	"strconv"
)

// Playground's palette (heatmap.ts): orange for −1, a light grey for 0 and
// blue for +1; the heat map is that colour at alpha 160/255 over white.
const (
	hexOrange  = 0xf59322
	hexMiddle  = 0xe8eaeb
	hexBlue    = 0x0877bd
	hexInk     = 0x333333 // text and axes
	hexSubtle  = 0x777777 // secondary text, tick marks
	hexGrid    = 0xe4e4e4
	hexFrame   = 0xa0a4a8
	hexMissing = 0x9e9e9e // NaN outputs
	heatAlpha  = 160.0 / 255
	heatShades = 30 // Playground quantises the heat map into 31 colours
)

func rgb(hex uint32) color.RGBA {
	return color.RGBA{uint8(hex >> 16), uint8(hex >> 8), uint8(hex), 0xff}
}

func mix(a, b color.RGBA, t float64) color.RGBA {
	f := func(x, y uint8) uint8 { return uint8(float64(x) + (float64(y)-float64(x))*t + 0.5) }
	return color.RGBA{f(a.R, b.R), f(a.G, b.G), f(a.B, b.B), 0xff}
}

// divergingColor maps t ∈ [0, 1] through orange → grey → blue.
func divergingColor(t float64) color.RGBA {
	t = clamp(t, 0, 1)
	if t < 0.5 {
		return mix(rgb(hexOrange), rgb(hexMiddle), t/0.5)
	}
	return mix(rgb(hexMiddle), rgb(hexBlue), (t-0.5)/0.5)
}

// heatColor is the heat-map colour of a network output v ∈ [−1, 1]:
// Playground's quantised scale, drawn translucent over white so that the
// points on top stand out.
func heatColor(v float64) color.RGBA {
	if math.IsNaN(v) {
		return rgb(hexMissing)
	}
	i := math.Floor((clamp(v, -1, 1) + 1) / 2 * (heatShades + 1))
	c := divergingColor(min(i, heatShades) / heatShades)
	return mix(rgb(0xffffff), c, heatAlpha)
}

// pointColor is the fill of a data point: full orange or blue by sign.
func pointColor(label float64) color.RGBA {
	if label > 0 {
		return rgb(hexBlue)
	}
	return rgb(hexOrange)
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// toPixel converts a coordinate to an int without the undefined results Go
// gives for out-of-range float conversions: anything far off the canvas is
// pinned just outside it, and NaN goes to lo.
func toPixel(v float64, lo, hi int) int {
	if !(v >= float64(lo)) {
		return lo
	}
	if v > float64(hi) {
		return hi
	}
	return int(math.Floor(v))
}

// canvas is an opaque RGBA image with a clip rectangle; every primitive
// blends into the pixels it covers and ignores what falls outside clip.
type canvas struct {
	img  *image.RGBA
	clip image.Rectangle
}

func newCanvas(w, h int) *canvas {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	return &canvas{img: img, clip: img.Rect}
}

// blend paints col over (x, y) with coverage a ∈ [0, 1].
func (c *canvas) blend(x, y int, col color.RGBA, a float64) {
	if a <= 0 || !image.Pt(x, y).In(c.clip) {
		return
	}
	a = min(a, 1)
	i := c.img.PixOffset(x, y)
	p := c.img.Pix[i : i+3 : i+3]
	p[0] = uint8(float64(p[0]) + (float64(col.R)-float64(p[0]))*a + 0.5)
	p[1] = uint8(float64(p[1]) + (float64(col.G)-float64(p[1]))*a + 0.5)
	p[2] = uint8(float64(p[2]) + (float64(col.B)-float64(p[2]))*a + 0.5)
}

func (c *canvas) fillRect(r image.Rectangle, col color.RGBA) {
	r = r.Intersect(c.clip)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			i := c.img.PixOffset(x, y)
			c.img.Pix[i], c.img.Pix[i+1], c.img.Pix[i+2] = col.R, col.G, col.B
		}
	}
}

// strokeRect draws a one-pixel frame just inside r.
func (c *canvas) strokeRect(r image.Rectangle, col color.RGBA) {
	c.fillRect(image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+1), col)
	c.fillRect(image.Rect(r.Min.X, r.Max.Y-1, r.Max.X, r.Max.Y), col)
	c.fillRect(image.Rect(r.Min.X, r.Min.Y, r.Min.X+1, r.Max.Y), col)
	c.fillRect(image.Rect(r.Max.X-1, r.Min.Y, r.Max.X, r.Max.Y), col)
}

// disc draws a filled anti-aliased circle of radius r centred at (cx, cy),
// in pixel coordinates where pixel (x, y) covers [x, x+1)×[y, y+1).
func (c *canvas) disc(cx, cy, r float64, col color.RGBA) {
	b := image.Rect(toPixel(cx-r-1, -1, c.img.Rect.Max.X), toPixel(cy-r-1, -1, c.img.Rect.Max.Y),
		toPixel(cx+r+2, -1, c.img.Rect.Max.X), toPixel(cy+r+2, -1, c.img.Rect.Max.Y)).Intersect(c.clip)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			d := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy)
			c.blend(x, y, col, clamp(r+0.5-d, 0, 1))
		}
	}
}

// polyline strokes the path through pts with the given width. Coverage is
// the maximum over the segments, accumulated before blending, so joints
// are not painted twice and a translucent or curved path stays even.
// Non-finite points break the path.
func (c *canvas) polyline(pts [][2]float64, width float64, col color.RGBA) {
	hw := width / 2
	b := image.Rectangle{}
	for _, p := range pts {
		if finite(p[0]) && finite(p[1]) {
			b = b.Union(image.Rect(toPixel(p[0]-hw-1, -1, c.img.Rect.Max.X), toPixel(p[1]-hw-1, -1, c.img.Rect.Max.Y),
				toPixel(p[0]+hw+2, -1, c.img.Rect.Max.X), toPixel(p[1]+hw+2, -1, c.img.Rect.Max.Y)))
		}
	}
	b = b.Intersect(c.clip)
	if b.Empty() {
		return
	}
	cov := make([]float32, b.Dx()*b.Dy())
	for k := 1; k < len(pts); k++ {
		p, q := pts[k-1], pts[k]
		if !finite(p[0]) || !finite(p[1]) || !finite(q[0]) || !finite(q[1]) {
			continue
		}
		s := image.Rect(toPixel(math.Min(p[0], q[0])-hw-1, b.Min.X, b.Max.X), toPixel(math.Min(p[1], q[1])-hw-1, b.Min.Y, b.Max.Y),
			toPixel(math.Max(p[0], q[0])+hw+2, b.Min.X, b.Max.X), toPixel(math.Max(p[1], q[1])+hw+2, b.Min.Y, b.Max.Y))
		for y := s.Min.Y; y < s.Max.Y; y++ {
			for x := s.Min.X; x < s.Max.X; x++ {
				v := float32(clamp(hw+0.5-segmentDistance(float64(x)+0.5, float64(y)+0.5, p, q), 0, 1))
				i := (y-b.Min.Y)*b.Dx() + x - b.Min.X
				cov[i] = max(cov[i], v)
			}
		}
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c.blend(x, y, col, float64(cov[(y-b.Min.Y)*b.Dx()+x-b.Min.X]))
		}
	}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// segmentDistance is the distance from (x, y) to the segment p–q.
func segmentDistance(x, y float64, p, q [2]float64) float64 {
	dx, dy := q[0]-p[0], q[1]-p[1]
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = clamp(((x-p[0])*dx+(y-p[1])*dy)/l, 0, 1)
	}
	return math.Hypot(x-p[0]-t*dx, y-p[1]-t*dy)
}

// text draws s with its top-left corner at (x, y), each font pixel a
// scale×scale block.
func (c *canvas) text(x, y int, s string, scale int, col color.RGBA) {
	for _, r := range s {
		g := glyph(r)
		for gy, row := range g {
			for gx := range glyphW {
				if row&(1<<(glyphW-1-gx)) != 0 {
					c.fillRect(image.Rect(x+gx*scale, y+gy*scale, x+(gx+1)*scale, y+(gy+1)*scale), col)
				}
			}
		}
		x += glyphAdvance * scale
	}
}

// textUp draws s rotated a quarter turn anticlockwise, reading upwards,
// with the baseline side to the right: (x, y) is where the first glyph's
// top-left corner lands after rotation, its bottom-left on the page.
func (c *canvas) textUp(x, y int, s string, scale int, col color.RGBA) {
	for _, r := range s {
		g := glyph(r)
		for gy, row := range g {
			for gx := range glyphW {
				if row&(1<<(glyphW-1-gx)) != 0 {
					px, py := x+gy*scale, y-(gx+1)*scale
					c.fillRect(image.Rect(px, py, px+scale, py+scale), col)
				}
			}
		}
		y -= glyphAdvance * scale
	}
}

// textCentered draws s centred horizontally on cx.
func (c *canvas) textCentered(cx, y int, s string, scale int, col color.RGBA) {
	c.text(cx-textWidth(s, scale)/2, y, s, scale, col)
}

// textRight draws s ending at x.
func (c *canvas) textRight(x, y int, s string, scale int, col color.RGBA) {
	c.text(x-textWidth(s, scale), y, s, scale, col)
}

func (c *canvas) encode(w io.Writer) error {
	if err := png.Encode(w, c.img); err != nil {
		return fmt.Errorf("writing PNG: %w", err)
	}
	return nil
}

// niceTicks returns round tick values (steps of 1, 2 or 5 times a power of
// ten) covering [lo, hi] with at most about maxTicks of them, and the step.
// lo < hi, both finite, is the caller's promise.
//
// The span is taken in halves so that an axis from −MaxFloat64 to
// +MaxFloat64 does not overflow.
func niceTicks(lo, hi float64, maxTicks int) ([]float64, float64) {
	maxTicks = max(maxTicks, 2)
	raw := (hi/2 - lo/2) / float64(maxTicks) * 2
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		// The tolerance keeps 0.04/4 from rounding past a step of 0.01.
		if m*mag >= raw*(1-1e-9) {
			step = m * mag
			break
		}
	}
	first := math.Ceil(lo/step - 1e-9)
	var ticks []float64
	for i := 0.0; i <= float64(maxTicks)+2; i++ {
		v := (first + i) * step
		// Written as a difference, the bound cannot overflow to +Inf at
		// the top of the float range.
		if !finite(v) || v-hi > step*1e-9 {
			break
		}
		if math.Abs(v) < step*1e-9 {
			v = 0 // no "-0" from rounding
		}
		ticks = append(ticks, v)
	}
	return ticks, step
}

// formatTick prints v with as many decimals as the tick step needs, and in
// exponent form for very large or very small magnitudes.
func formatTick(v, step float64) string {
	if v == 0 {
		return "0"
	}
	if a := math.Abs(v); a >= 1e6 || step < 1e-4 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	decimals := max(0, int(math.Ceil(-math.Log10(step)-1e-9)))
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// playgroundPicture is what renderPlayground draws: the network's decision
// surface over a square domain with the data on top, and the network.
type playgroundPicture struct {
	// title is printed across the top, e.g. "epoch 120  test loss 0.012
	// train loss 0.010".
	title string
	// predict returns the network output in [−1, 1] at (x1, x2); values
	// outside are clamped, NaN is drawn grey.
	predict func(x1, x2 float64) float64
	// lo and hi bound both axes; both zero means Playground's −6..6.
	lo, hi float64
	// train and test points with their labels (the sign picks the colour:
	// blue for positive, orange otherwise). Points outside the domain are
	// left out, as Playground does.
	train, test             [][2]float64
	trainLabels, testLabels []float64
	// sizes are the layer widths from inputs to outputs; weights[l] is the
	// sizes[l]×sizes[l+1] row-major matrix from layer l to layer l+1.
	sizes   []int
	weights [][]float32
	// biases[l] (optional) holds the sizes[l+1] biases of layer l+1.
	biases [][]float32
	// neuron (optional) returns unit u's output in layer l ∈ [0,
	// len(sizes)) at (x1, x2), for the small heat map drawn in each node.
	// Without it, two inputs show x1 and x2, a single output shows
	// predict, and other nodes are plain.
	neuron func(layer, unit int, x1, x2 float64) float64
	// inputNames label the input nodes; by default x1, x2 for two inputs.
	inputNames []string
}

// Layout of the Playground picture, in pixels.
const (
	pgWidth       = 900
	pgHeight      = 500
	pgMapX        = 62  // heat map left edge
	pgMapY        = 52  // heat map top edge
	pgMapSize     = 400 // heat map side
	pgNetLeft     = 510 // network panel
	pgNetRight    = 884
	pgNetTop      = 96 // first node row
	pgNetBottom   = 428
	pgMaxShown    = 10 // nodes drawn per column; more are summarised "+N"
	pgPointRadius = 3.5
)

func (p *playgroundPicture) domain() (lo, hi float64) {
	if p.lo == 0 && p.hi == 0 {
		return -6, 6
	}
	return p.lo, p.hi
}

func (p *playgroundPicture) validate() error {
	if p.predict == nil {
		return errors.New("playground picture: no predict function")
	}
	lo, hi := p.domain()
	if !finite(lo) || !finite(hi) || !(lo < hi) || !finite(hi-lo) {
		return fmt.Errorf("playground picture: bad domain [%v, %v]", lo, hi)
	}
	if len(p.train) != len(p.trainLabels) || len(p.test) != len(p.testLabels) {
		return fmt.Errorf("playground picture: %d train points with %d labels, %d test points with %d labels",
			len(p.train), len(p.trainLabels), len(p.test), len(p.testLabels))
	}
	if len(p.sizes) < 2 {
		return fmt.Errorf("playground picture: need at least an input and an output layer, got sizes %v", p.sizes)
	}
	for l, n := range p.sizes {
		if n < 1 || n > 1<<20 {
			return fmt.Errorf("playground picture: layer %d has %d units", l, n)
		}
	}
	if len(p.weights) != len(p.sizes)-1 {
		return fmt.Errorf("playground picture: %d layers need %d weight matrices, got %d", len(p.sizes), len(p.sizes)-1, len(p.weights))
	}
	for l, w := range p.weights {
		// In int64 so that two wide layers cannot overflow a 32-bit int.
		if int64(len(w)) != int64(p.sizes[l])*int64(p.sizes[l+1]) {
			return fmt.Errorf("playground picture: weights[%d] has %d values, want %d×%d", l, len(w), p.sizes[l], p.sizes[l+1])
		}
	}
	if p.biases != nil {
		if len(p.biases) != len(p.weights) {
			return fmt.Errorf("playground picture: %d bias vectors for %d weight matrices", len(p.biases), len(p.weights))
		}
		for l, b := range p.biases {
			if len(b) != p.sizes[l+1] {
				return fmt.Errorf("playground picture: biases[%d] has %d values, want %d", l, len(b), p.sizes[l+1])
			}
		}
	}
	return nil
}

// renderPlayground writes p as a 900×500 PNG laid out like TensorFlow
// Playground: the title on top, the decision surface with the data on the
// left, the network with its weights on the right, and a legend.
func renderPlayground(w io.Writer, p playgroundPicture) error {
	if err := p.validate(); err != nil {
		return err
	}
	c := newCanvas(pgWidth, pgHeight)
	c.text(pgMapX, 16, p.title, 2, rgb(hexInk))
	p.drawHeatMap(c)
	p.drawNetwork(c)
	p.drawLegend(c)
	return c.encode(w)
}

func (p *playgroundPicture) drawHeatMap(c *canvas) {
	lo, hi := p.domain()
	span := hi - lo
	for py := range pgMapSize {
		x2 := hi - (float64(py)+0.5)/pgMapSize*span
		for px := range pgMapSize {
			x1 := lo + (float64(px)+0.5)/pgMapSize*span
			col := heatColor(p.predict(x1, x2))
			i := c.img.PixOffset(pgMapX+px, pgMapY+py)
			c.img.Pix[i], c.img.Pix[i+1], c.img.Pix[i+2] = col.R, col.G, col.B
		}
	}
	frame := image.Rect(pgMapX-1, pgMapY-1, pgMapX+pgMapSize+1, pgMapY+pgMapSize+1)
	c.strokeRect(frame, rgb(hexFrame))

	toScreen := func(pt [2]float64) (float64, float64, bool) {
		if !(pt[0] >= lo && pt[0] <= hi && pt[1] >= lo && pt[1] <= hi) {
			return 0, 0, false
		}
		return pgMapX + (pt[0]-lo)/span*pgMapSize, pgMapY + (hi-pt[1])/span*pgMapSize, true
	}
	// Test points go under the training points, as in Playground, where
	// the training set is the one being fitted.
	c.clip = image.Rect(pgMapX, pgMapY, pgMapX+pgMapSize, pgMapY+pgMapSize)
	draw := func(pts [][2]float64, labels []float64, outline color.RGBA) {
		for i, pt := range pts {
			if x, y, ok := toScreen(pt); ok {
				c.disc(x, y, pgPointRadius+1, outline)
				c.disc(x, y, pgPointRadius, pointColor(labels[i]))
			}
		}
	}
	draw(p.test, p.testLabels, rgb(0x000000))
	draw(p.train, p.trainLabels, rgb(0xffffff))
	c.clip = c.img.Rect

	ticks, step := niceTicks(lo, hi, 7)
	for _, t := range ticks {
		off := int(math.Round((t - lo) / span * pgMapSize))
		label := formatTick(t, step)
		c.fillRect(image.Rect(pgMapX+off, pgMapY+pgMapSize+1, pgMapX+off+1, pgMapY+pgMapSize+5), rgb(hexSubtle))
		c.textCentered(pgMapX+off, pgMapY+pgMapSize+8, label, 1, rgb(hexSubtle))
		c.fillRect(image.Rect(pgMapX-5, pgMapY+pgMapSize-off, pgMapX-1, pgMapY+pgMapSize-off+1), rgb(hexSubtle))
		c.textRight(pgMapX-8, pgMapY+pgMapSize-off-3, label, 1, rgb(hexSubtle))
	}
	names := p.names()
	xName, yName := "x1", "x2"
	if len(names) == 2 {
		xName, yName = names[0], names[1]
	}
	c.textCentered(pgMapX+pgMapSize/2, pgMapY+pgMapSize+24, xName, 2, rgb(hexInk))
	c.textUp(pgMapX-50, pgMapY+pgMapSize/2+textWidth(yName, 2)/2, yName, 2, rgb(hexInk))
}

func (p *playgroundPicture) names() []string {
	if len(p.inputNames) == p.sizes[0] {
		return p.inputNames
	}
	if p.sizes[0] == 2 {
		return []string{"x1", "x2"}
	}
	return nil
}

// netLayout places the drawn nodes: the centre of node j of layer l is
// (xs[l], ys[l][j]), each node a square of side size. A layer wider than
// pgMaxShown shows its first pgMaxShown−1 units and a "+N" slot.
type netLayout struct {
	size float64
	xs   []float64
	ys   [][]float64
}

func (p *playgroundPicture) layout() netLayout {
	shown := 0
	for _, n := range p.sizes {
		shown = max(shown, min(n, pgMaxShown))
	}
	const gapRatio = 0.45 // gap between nodes relative to their side
	avail := float64(pgNetBottom - pgNetTop)
	L := len(p.sizes)
	// Nodes take at most half the distance between columns, so the links
	// between them stay visible in deep networks.
	spacing := float64(pgNetRight-pgNetLeft-28) / float64(L)
	size := math.Floor(min(30, spacing/2, avail/(float64(shown)+gapRatio*float64(shown-1))))
	gap := size * gapRatio
	// The input column leaves room on its left for the feature names.
	left, right := pgNetLeft+28+size/2, pgNetRight-size/2
	lay := netLayout{size: size, xs: make([]float64, L), ys: make([][]float64, L)}
	for l, n := range p.sizes {
		lay.xs[l] = left + float64(l)*(right-left)/float64(L-1)
		k := min(n, pgMaxShown)
		total := float64(k)*size + float64(k-1)*gap
		top := (pgNetTop+pgNetBottom)/2 - total/2
		lay.ys[l] = make([]float64, k)
		for j := range k {
			lay.ys[l][j] = top + size/2 + float64(j)*(size+gap)
		}
	}
	return lay
}

// drawn reports how many units of a layer of n get their own node.
func drawn(n int) int {
	if n > pgMaxShown {
		return pgMaxShown - 1
	}
	return n
}

func (p *playgroundPicture) drawNetwork(c *canvas) {
	lay := p.layout()
	half := lay.size / 2
	last := len(p.sizes) - 1

	type edge struct {
		pts [][2]float64
		w   float64
	}
	var edges []edge
	for l, wm := range p.weights {
		from, to := drawn(p.sizes[l]), drawn(p.sizes[l+1])
		x0, x1 := lay.xs[l]+half, lay.xs[l+1]-half
		for i := range from {
			for j := range to {
				edges = append(edges, edge{bezier(x0, lay.ys[l][i], x1, lay.ys[l+1][j]), float64(wm[i*p.sizes[l+1]+j])})
			}
		}
	}
	// Heavier weights last, so they stay visible where lines cross.
	slices.SortStableFunc(edges, func(a, b edge) int {
		return cmpAbs(a.w, b.w)
	})
	for _, e := range edges {
		// Playground's links: colour by the weight on the diverging scale
		// (saturating at |w| = 1), width growing with |w| up to 5.
		w := e.w
		if !finite(w) {
			c.polyline(e.pts, 1, rgb(hexMissing))
			continue
		}
		c.polyline(e.pts, 0.6+5.4*min(math.Abs(w), 5)/5, divergingColor((clamp(w, -1, 1)+1)/2))
	}

	// Column headers: "layer 3" over "8 units" where the columns are wide
	// enough, "h3" over "8" where they are not.
	short := lay.xs[1]-lay.xs[0] < float64(textWidth("100 units", 1)+10)
	for l, n := range p.sizes {
		name, units := "layer "+strconv.Itoa(l), strconv.Itoa(n)+" units"
		switch {
		case short && l == 0:
			name = "in"
		case short && l == last:
			name = "out"
		case short:
			name = "h" + strconv.Itoa(l)
		case l == 0:
			name = "input"
		case l == last:
			name = "output"
		}
		if short {
			units = strconv.Itoa(n)
		} else if n == 1 {
			units = "1 unit"
		}
		c.textCentered(int(lay.xs[l]), pgNetTop-44, name, 1, rgb(hexInk))
		c.textCentered(int(lay.xs[l]), pgNetTop-31, units, 1, rgb(hexSubtle))
		for j := range drawn(n) {
			p.drawNode(c, l, j, lay.xs[l], lay.ys[l][j], lay.size)
		}
		if n > pgMaxShown {
			y := lay.ys[l][pgMaxShown-1]
			c.textCentered(int(lay.xs[l]), int(y)-3, "+"+strconv.Itoa(n-pgMaxShown+1), 1, rgb(hexSubtle))
		}
	}
	if names := p.names(); names != nil {
		for j := range drawn(p.sizes[0]) {
			c.textRight(int(lay.xs[0]-half)-5, int(lay.ys[0][j])-3, names[j], 1, rgb(hexInk))
		}
	}
}

func cmpAbs(a, b float64) int {
	x, y := math.Abs(a), math.Abs(b)
	switch {
	case x < y || (math.IsNaN(x) && !math.IsNaN(y)):
		return -1
	case x > y || (math.IsNaN(y) && !math.IsNaN(x)):
		return 1
	}
	return 0
}

// bezier flattens Playground's link shape, a cubic curve from (x0, y0) to
// (x1, y1) that leaves and arrives horizontally.
func bezier(x0, y0, x1, y1 float64) [][2]float64 {
	const steps = 24
	mx := (x0 + x1) / 2
	pts := make([][2]float64, steps+1)
	for i := range pts {
		t := float64(i) / steps
		u := 1 - t
		// Control points (mx, y0) and (mx, y1).
		pts[i] = [2]float64{
			u*u*u*x0 + 3*u*u*t*mx + 3*u*t*t*mx + t*t*t*x1,
			u*u*u*y0 + 3*u*u*t*y0 + 3*u*t*t*y1 + t*t*t*y1,
		}
	}
	return pts
}

// drawNode draws unit j of layer l as a square centred at (cx, cy): a small
// heat map of its output where one is known, its bias as a tab at the
// lower left.
func (p *playgroundPicture) drawNode(c *canvas, l, j int, cx, cy, size float64) {
	r := image.Rect(int(cx-size/2), int(cy-size/2), int(cx-size/2)+int(size), int(cy-size/2)+int(size))
	if f := p.nodeFunc(l, j); f != nil {
		lo, hi := p.domain()
		for y := r.Min.Y; y < r.Max.Y; y++ {
			x2 := hi - (float64(y-r.Min.Y)+0.5)/float64(r.Dy())*(hi-lo)
			for x := r.Min.X; x < r.Max.X; x++ {
				x1 := lo + (float64(x-r.Min.X)+0.5)/float64(r.Dx())*(hi-lo)
				c.fillRect(image.Rect(x, y, x+1, y+1), heatColor(f(x1, x2)))
			}
		}
	} else {
		c.fillRect(r, rgb(0xf7f7f7))
	}
	c.strokeRect(r.Inset(-1), rgb(hexFrame))
	if l > 0 && p.biases != nil {
		b := float64(p.biases[l-1][j])
		t := max(4, int(size/5))
		tab := image.Rect(r.Min.X-t/2-1, r.Max.Y-t/2, r.Min.X+t/2, r.Max.Y+t/2+1)
		col := rgb(hexMissing)
		if finite(b) {
			col = divergingColor((clamp(b, -1, 1) + 1) / 2)
		}
		c.fillRect(tab, col)
		c.strokeRect(tab, rgb(hexSubtle))
	}
}

// nodeFunc returns the function whose heat map fills node j of layer l, or
// nil for a plain node.
func (p *playgroundPicture) nodeFunc(l, j int) func(x1, x2 float64) float64 {
	switch {
	case p.neuron != nil:
		return func(x1, x2 float64) float64 { return p.neuron(l, j, x1, x2) }
	case l == 0 && p.sizes[0] == 2:
		// Inputs scaled to [−1, 1] across the domain, as Playground
		// shows its X1 and X2 features.
		lo, hi := p.domain()
		return func(x1, x2 float64) float64 {
			v := x1
			if j == 1 {
				v = x2
			}
			return (2*v - lo - hi) / (hi - lo)
		}
	case l == len(p.sizes)-1 && p.sizes[l] == 1:
		return p.predict
	}
	return nil
}

// drawLegend explains the colours under the network: a bar for the output
// scale and the two kinds of point.
func (p *playgroundPicture) drawLegend(c *canvas) {
	y := pgMapY + pgMapSize - 8 // bar's top, level with the heat map's foot
	x := pgNetLeft + 28
	const barW, barH = 140, 10
	for i := range barW {
		v := -1 + 2*(float64(i)+0.5)/barW
		c.fillRect(image.Rect(x+i, y, x+i+1, y+barH), heatColor(v))
	}
	c.strokeRect(image.Rect(x-1, y-1, x+barW+1, y+barH+1), rgb(hexFrame))
	c.text(x, y-14, "output", 1, rgb(hexInk))
	c.textCentered(x, y+barH+5, "-1", 1, rgb(hexSubtle))
	c.textCentered(x+barW/2, y+barH+5, "0", 1, rgb(hexSubtle))
	c.textCentered(x+barW, y+barH+5, "1", 1, rgb(hexSubtle))

	lx := x + barW + 40
	for k, item := range []struct {
		name    string
		outline color.RGBA
		back    color.RGBA
	}{{"train", rgb(0xffffff), heatColor(1)}, {"test", rgb(0x000000), rgb(0xffffff)}} {
		cx := float64(lx + k*90)
		cy := float64(y + barH/2)
		// The training marker sits on a patch of heat map, since its white
		// outline is invisible on the white page.
		c.fillRect(image.Rect(int(cx)-9, int(cy)-9, int(cx)+9, int(cy)+9), item.back)
		c.disc(cx, cy, pgPointRadius+1, item.outline)
		c.disc(cx, cy, pgPointRadius, rgb(hexBlue))
		c.text(int(cx)+14, int(cy)-3, item.name, 1, rgb(hexInk))
	}
}

// curve is one line of a training plot: y[i] is the value after epoch i+1.
// NaN and ±Inf values are left out, breaking the line.
type curve struct {
	name  string
	y     []float64
	color color.RGBA // the zero value picks a colour by position
}

// curvePanel is one chart of a curve picture.
type curvePanel struct {
	title, xLabel, yLabel string
	series                []curve
}

// palette gives distinct colours for curves without one: Playground's blue
// and orange first, for train and validation.
func palette(i int) color.RGBA {
	cols := [...]uint32{hexBlue, hexOrange, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0x17becf, 0x7f7f7f}
	return rgb(cols[i%len(cols)])
}

// renderCurves writes a 900×500 PNG line plot of series against the epoch
// (1, 2, …), with tick labels, axis labels and a legend.
func renderCurves(w io.Writer, title string, series []curve, xLabel, yLabel string) error {
	return renderCurvePanels(w, title, []curvePanel{{xLabel: xLabel, yLabel: yLabel, series: series}})
}

// renderTrainingCurves draws the usual training report: loss per epoch on
// the left and accuracy per epoch on the right, each for the training and
// (when given) the validation set. Empty series are left out, and without
// any accuracy the picture has the loss panel only.
func renderTrainingCurves(w io.Writer, title string, trainLoss, valLoss, trainAcc, valAcc []float64) error {
	pick := func(train, val []float64) []curve {
		var s []curve
		if len(train) > 0 {
			s = append(s, curve{name: "train", y: train, color: palette(0)})
		}
		if len(val) > 0 {
			s = append(s, curve{name: "validation", y: val, color: palette(1)})
		}
		return s
	}
	// The y labels name the panels, so they need no titles of their own.
	panels := []curvePanel{{xLabel: "epoch", yLabel: "loss", series: pick(trainLoss, valLoss)}}
	if acc := pick(trainAcc, valAcc); len(acc) > 0 {
		panels = append(panels, curvePanel{xLabel: "epoch", yLabel: "accuracy", series: acc})
	}
	return renderCurvePanels(w, title, panels)
}

// Layout of curve pictures, in pixels.
const (
	curvePanelWidth = 550 // per panel when there are several
	curveHeight     = 500
	curveLeft       = 78 // plot area inset from the panel's left edge
	curveRight      = 24
	curveTop        = 70
	curveBottom     = 58
	curveMarkerMax  = 60 // series this short get a dot per epoch
)

// renderCurvePanels writes one PNG with the panels side by side under a
// common title: 900 pixels wide for one panel, 550 per panel for more,
// 500 high. It fails if there are no panels, a panel has no series, or a
// panel has no finite value at all; single non-finite values are skipped.
func renderCurvePanels(w io.Writer, title string, panels []curvePanel) error {
	if len(panels) == 0 {
		return errors.New("curve plot: no panels")
	}
	if len(panels) > 8 {
		return fmt.Errorf("curve plot: %d panels, at most 8 fit", len(panels))
	}
	for i, pn := range panels {
		if len(pn.series) == 0 {
			return fmt.Errorf("curve plot: panel %d (%q) has no series", i, pn.title)
		}
		if _, _, ok := extent(pn.series); !ok {
			return fmt.Errorf("curve plot: panel %d (%q) has no finite value to plot", i, pn.title)
		}
	}
	width := 900
	if len(panels) > 1 {
		width = curvePanelWidth * len(panels)
	}
	c := newCanvas(width, curveHeight)
	c.text(curveLeft, 16, title, 2, rgb(hexInk))
	pw := width / len(panels)
	for i, pn := range panels {
		drawPanel(c, image.Rect(i*pw, 0, (i+1)*pw, curveHeight), pn)
	}
	return c.encode(w)
}

// extent returns the smallest and largest finite value over all series.
func extent(series []curve) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, v := range s.y {
			if finite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	return lo, hi, lo <= hi
}

// yRange widens the data's range [lo, hi] to an axis: constant data gets a
// band around it, and both ends get a 5 % margin, which stops at zero for
// data that does not cross it (a loss axis should not go negative) and at
// ±MaxFloat64. Spans are taken in halves, which cannot overflow.
func yRange(lo, hi float64, maxTicks int) (float64, float64, []float64, float64) {
	dlo, dhi := lo, hi
	if hi/2-lo/2 <= 1e-12*math.Max(math.Abs(lo), math.Abs(hi)) {
		pad := math.Max(math.Abs(hi)*0.1, 1e-3)
		lo, hi = lo-pad, hi+pad
	}
	pad := (hi/2 - lo/2) * 0.1
	lo, hi = math.Max(lo-pad, -math.MaxFloat64), math.Min(hi+pad, math.MaxFloat64)
	// All-zero data keeps its band on both sides.
	if dlo >= 0 && dhi > 0 && lo < 0 {
		lo = 0
	}
	if dhi <= 0 && dlo < 0 && hi > 0 {
		hi = 0
	}
	ticks, step := niceTicks(lo, hi, maxTicks)
	return lo, hi, ticks, step
}

func drawPanel(c *canvas, area image.Rectangle, pn curvePanel) {
	plot := image.Rect(area.Min.X+curveLeft, area.Min.Y+curveTop, area.Max.X-curveRight, area.Max.Y-curveBottom)
	ink, subtle := rgb(hexInk), rgb(hexSubtle)
	if pn.title != "" {
		c.textCentered(plot.Min.X+plot.Dx()/2, plot.Min.Y-24, pn.title, 2, ink)
	}

	n := 0
	for _, s := range pn.series {
		n = max(n, len(s.y))
	}
	xlo, xhi := 1.0, float64(n)
	if n < 2 {
		xlo, xhi = 0, 2 // a single epoch sits in the middle
	}
	dlo, dhi, _ := extent(pn.series)
	ylo, yhi, yticks, ystep := yRange(dlo, dhi, max(2, plot.Dy()/50))
	sx := func(x float64) float64 {
		return float64(plot.Min.X) + (x-xlo)/(xhi-xlo)*float64(plot.Dx()-1)
	}
	sy := func(y float64) float64 {
		return float64(plot.Max.Y-1) - (y/2-ylo/2)/(yhi/2-ylo/2)*float64(plot.Dy()-1)
	}

	// Grid and tick labels.
	labelW := 0
	for _, t := range yticks {
		y := int(math.Round(sy(t)))
		label := formatTick(t, ystep)
		labelW = max(labelW, textWidth(label, 1))
		c.fillRect(image.Rect(plot.Min.X, y, plot.Max.X, y+1), rgb(hexGrid))
		c.fillRect(image.Rect(plot.Min.X-5, y, plot.Min.X, y+1), subtle)
		c.textRight(plot.Min.X-8, y-3, label, 1, subtle)
	}
	xticks, xstep := niceTicks(xlo, xhi, max(2, plot.Dx()/70))
	if xstep < 1 {
		// Epochs are whole numbers.
		xticks, _ = niceTicks(xlo, xhi, int(xhi-xlo))
		xstep = 1
	}
	for _, t := range xticks {
		if t != math.Trunc(t) || t < 1 || t > float64(max(n, 1)) {
			continue
		}
		x := int(math.Round(sx(t)))
		c.fillRect(image.Rect(x, plot.Min.Y, x+1, plot.Max.Y), rgb(hexGrid))
		c.fillRect(image.Rect(x, plot.Max.Y, x+1, plot.Max.Y+5), subtle)
		c.textCentered(x, plot.Max.Y+9, formatTick(t, xstep), 1, subtle)
	}
	c.strokeRect(plot.Inset(-1), rgb(hexFrame))
	c.textCentered(plot.Min.X+plot.Dx()/2, plot.Max.Y+26, pn.xLabel, 2, ink)
	// The y label stands clear of the widest tick label.
	ylx := max(area.Min.X+2, plot.Min.X-8-labelW-10-glyphH*2)
	c.textUp(ylx, plot.Min.Y+plot.Dy()/2+textWidth(pn.yLabel, 2)/2, pn.yLabel, 2, ink)

	// The lines, clipped to the plot area.
	c.clip = plot
	var all [][2]float64 // every plotted point, for placing the legend
	for k, s := range pn.series {
		col := s.color
		if col == (color.RGBA{}) {
			col = palette(k)
		}
		pts := make([][2]float64, len(s.y))
		for i, v := range s.y {
			pts[i] = [2]float64{math.NaN(), math.NaN()}
			if finite(v) {
				pts[i] = [2]float64{sx(float64(i + 1)), sy(v)}
				all = append(all, pts[i])
			}
		}
		c.polyline(pts, 2, col)
		for i, pt := range pts {
			isolated := (i == 0 || !finite(pts[i-1][0])) && (i == len(pts)-1 || !finite(pts[i+1][0]))
			if finite(pt[0]) && (n <= curveMarkerMax || isolated) {
				c.disc(pt[0], pt[1], 2.8, col)
			}
		}
	}
	c.clip = c.img.Rect
	drawCurveLegend(c, plot, pn.series, all, n <= curveMarkerMax)
}

// drawCurveLegend puts the legend box in whichever corner of plot hides the
// fewest points.
// Its samples carry a dot when the curves do, and a series with nothing to
// draw says so rather than vanish.
func drawCurveLegend(c *canvas, plot image.Rectangle, series []curve, pts [][2]float64, dots bool) {
	names := make([]string, len(series))
	wMax := 0
	for k, s := range series {
		names[k] = s.name
		if _, _, ok := extent(series[k : k+1]); !ok {
			names[k] += " (no data)"
		}
		wMax = max(wMax, textWidth(names[k], 1))
	}
	const rowH, pad, sample = 16, 8, 22
	lw := pad + sample + 6 + wMax + pad
	lh := pad + rowH*len(series) - (rowH - glyphCap) + pad
	corners := []image.Point{
		{plot.Max.X - 10 - lw, plot.Min.Y + 10}, // top right
		{plot.Max.X - 10 - lw, plot.Max.Y - 10 - lh},
		{plot.Min.X + 10, plot.Min.Y + 10},
		{plot.Min.X + 10, plot.Max.Y - 10 - lh},
	}
	best, bestHidden := corners[0], math.MaxInt
	for _, pt := range corners {
		r := image.Rectangle{pt, pt.Add(image.Pt(lw, lh))}.Inset(-4)
		hidden := 0
		for _, q := range pts {
			if image.Pt(int(q[0]), int(q[1])).In(r) {
				hidden++
			}
		}
		if hidden < bestHidden {
			best, bestHidden = pt, hidden
		}
	}
	box := image.Rectangle{best, best.Add(image.Pt(lw, lh))}
	c.fillRect(box, rgb(0xffffff))
	c.strokeRect(box, rgb(hexFrame))
	for k, s := range series {
		col := s.color
		if col == (color.RGBA{}) {
			col = palette(k)
		}
		y := box.Min.Y + pad + k*rowH
		mid := float64(y) + 3.5
		x0 := float64(box.Min.X + pad)
		c.polyline([][2]float64{{x0, mid}, {x0 + sample, mid}}, 2, col)
		if dots {
			c.disc(x0+sample/2, mid, 2.8, col)
		}
		c.text(box.Min.X+pad+sample+6, y, names[k], 1, rgb(hexInk))
	}
}

// glyph returns the 5×9 bitmap of r: rows top to bottom, bit 4 the leftmost
// pixel. Capitals and digits fill rows 0–6, lower-case letters have their
// x-height in rows 2–6 and descenders in rows 7–8, so a line of text sits on
// the baseline below row 6. A rune without a glyph is drawn as '?', so no
// label is ever silently shortened.
//
// The table is a switch rather than a package-level map so that nothing in
// the program can modify it.
func glyph(r rune) [9]uint8 {
	switch r {
	case ' ':
		return [9]uint8{}
	case '0':
		return [9]uint8{0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110}
	case '1':
		return [9]uint8{0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110}
	case '2':
		return [9]uint8{0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111}
	case '3':
		return [9]uint8{0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110}
	case '4':
		return [9]uint8{0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010}
	case '5':
		return [9]uint8{0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110}
	case '6':
		return [9]uint8{0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110}
	case '7':
		return [9]uint8{0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000}
	case '8':
		return [9]uint8{0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110}
	case '9':
		return [9]uint8{0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100}
	case 'A':
		return [9]uint8{0b01110, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001}
	case 'B':
		return [9]uint8{0b11110, 0b10001, 0b10001, 0b11110, 0b10001, 0b10001, 0b11110}
	case 'C':
		return [9]uint8{0b01110, 0b10001, 0b10000, 0b10000, 0b10000, 0b10001, 0b01110}
	case 'D':
		return [9]uint8{0b11100, 0b10010, 0b10001, 0b10001, 0b10001, 0b10010, 0b11100}
	case 'E':
		return [9]uint8{0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b11111}
	case 'F':
		return [9]uint8{0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b10000}
	case 'G':
		return [9]uint8{0b01110, 0b10001, 0b10000, 0b10111, 0b10001, 0b10001, 0b01111}
	case 'H':
		return [9]uint8{0b10001, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001}
	case 'I':
		return [9]uint8{0b01110, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110}
	case 'J':
		return [9]uint8{0b00111, 0b00010, 0b00010, 0b00010, 0b00010, 0b10010, 0b01100}
	case 'K':
		return [9]uint8{0b10001, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010, 0b10001}
	case 'L':
		return [9]uint8{0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b11111}
	case 'M':
		return [9]uint8{0b10001, 0b11011, 0b10101, 0b10101, 0b10001, 0b10001, 0b10001}
	case 'N':
		return [9]uint8{0b10001, 0b10001, 0b11001, 0b10101, 0b10011, 0b10001, 0b10001}
	case 'O':
		return [9]uint8{0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110}
	case 'P':
		return [9]uint8{0b11110, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000, 0b10000}
	case 'Q':
		return [9]uint8{0b01110, 0b10001, 0b10001, 0b10001, 0b10101, 0b10010, 0b01101}
	case 'R':
		return [9]uint8{0b11110, 0b10001, 0b10001, 0b11110, 0b10100, 0b10010, 0b10001}
	case 'S':
		return [9]uint8{0b01111, 0b10000, 0b10000, 0b01110, 0b00001, 0b00001, 0b11110}
	case 'T':
		return [9]uint8{0b11111, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100}
	case 'U':
		return [9]uint8{0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110}
	case 'V':
		return [9]uint8{0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100}
	case 'W':
		return [9]uint8{0b10001, 0b10001, 0b10001, 0b10101, 0b10101, 0b10101, 0b01010}
	case 'X':
		return [9]uint8{0b10001, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b10001}
	case 'Y':
		return [9]uint8{0b10001, 0b10001, 0b10001, 0b01010, 0b00100, 0b00100, 0b00100}
	case 'Z':
		return [9]uint8{0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b11111}
	case 'a':
		return [9]uint8{0, 0, 0b01110, 0b00001, 0b01111, 0b10001, 0b01111}
	case 'b':
		return [9]uint8{0b10000, 0b10000, 0b10110, 0b11001, 0b10001, 0b10001, 0b11110}
	case 'c':
		return [9]uint8{0, 0, 0b01110, 0b10000, 0b10000, 0b10001, 0b01110}
	case 'd':
		return [9]uint8{0b00001, 0b00001, 0b01101, 0b10011, 0b10001, 0b10001, 0b01111}
	case 'e':
		return [9]uint8{0, 0, 0b01110, 0b10001, 0b11111, 0b10000, 0b01110}
	case 'f':
		return [9]uint8{0b00110, 0b01001, 0b01000, 0b11100, 0b01000, 0b01000, 0b01000}
	case 'g':
		return [9]uint8{0, 0, 0b01111, 0b10001, 0b10001, 0b10001, 0b01111, 0b00001, 0b01110}
	case 'h':
		return [9]uint8{0b10000, 0b10000, 0b10110, 0b11001, 0b10001, 0b10001, 0b10001}
	case 'i':
		return [9]uint8{0b00100, 0, 0b01100, 0b00100, 0b00100, 0b00100, 0b01110}
	case 'j':
		return [9]uint8{0b00010, 0, 0b00110, 0b00010, 0b00010, 0b00010, 0b00010, 0b10010, 0b01100}
	case 'k':
		return [9]uint8{0b10000, 0b10000, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010}
	case 'l':
		return [9]uint8{0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110}
	case 'm':
		return [9]uint8{0, 0, 0b11010, 0b10101, 0b10101, 0b10001, 0b10001}
	case 'n':
		return [9]uint8{0, 0, 0b10110, 0b11001, 0b10001, 0b10001, 0b10001}
	case 'o':
		return [9]uint8{0, 0, 0b01110, 0b10001, 0b10001, 0b10001, 0b01110}
	case 'p':
		return [9]uint8{0, 0, 0b11110, 0b10001, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000}
	case 'q':
		return [9]uint8{0, 0, 0b01111, 0b10001, 0b10001, 0b10001, 0b01111, 0b00001, 0b00001}
	case 'r':
		return [9]uint8{0, 0, 0b10110, 0b11001, 0b10000, 0b10000, 0b10000}
	case 's':
		return [9]uint8{0, 0, 0b01111, 0b10000, 0b01110, 0b00001, 0b11110}
	case 't':
		return [9]uint8{0b01000, 0b01000, 0b11100, 0b01000, 0b01000, 0b01001, 0b00110}
	case 'u':
		return [9]uint8{0, 0, 0b10001, 0b10001, 0b10001, 0b10011, 0b01101}
	case 'v':
		return [9]uint8{0, 0, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100}
	case 'w':
		return [9]uint8{0, 0, 0b10001, 0b10001, 0b10101, 0b10101, 0b01010}
	case 'x':
		return [9]uint8{0, 0, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001}
	case 'y':
		return [9]uint8{0, 0, 0b10001, 0b10001, 0b10001, 0b10001, 0b01111, 0b00001, 0b01110}
	case 'z':
		return [9]uint8{0, 0, 0b11111, 0b00010, 0b00100, 0b01000, 0b11111}
	case '.':
		return [9]uint8{0, 0, 0, 0, 0, 0b01100, 0b01100}
	case ',':
		return [9]uint8{0, 0, 0, 0, 0, 0b01100, 0b01100, 0b00100, 0b01000}
	case ':':
		return [9]uint8{0, 0b01100, 0b01100, 0, 0b01100, 0b01100}
	case ';':
		return [9]uint8{0, 0b01100, 0b01100, 0, 0b01100, 0b01100, 0b00100, 0b01000}
	case '-':
		return [9]uint8{0, 0, 0, 0b01110}
	case '−': // U+2212, the typographic minus, a little wider than a hyphen
		return [9]uint8{0, 0, 0, 0b11111}
	case '+':
		return [9]uint8{0, 0b00100, 0b00100, 0b11111, 0b00100, 0b00100}
	case '=':
		return [9]uint8{0, 0, 0b11111, 0, 0b11111}
	case '×':
		return [9]uint8{0, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001}
	case '·':
		return [9]uint8{0, 0, 0, 0b01100, 0b01100}
	case '*':
		return [9]uint8{0, 0b00100, 0b10101, 0b01110, 0b10101, 0b00100}
	case '/':
		return [9]uint8{0b00001, 0b00010, 0b00010, 0b00100, 0b01000, 0b01000, 0b10000}
	case '\\':
		return [9]uint8{0b10000, 0b01000, 0b01000, 0b00100, 0b00010, 0b00010, 0b00001}
	case '%':
		return [9]uint8{0b11000, 0b11001, 0b00010, 0b00100, 0b01000, 0b10011, 0b00011}
	case '(':
		return [9]uint8{0b00010, 0b00100, 0b01000, 0b01000, 0b01000, 0b00100, 0b00010}
	case ')':
		return [9]uint8{0b01000, 0b00100, 0b00010, 0b00010, 0b00010, 0b00100, 0b01000}
	case '[':
		return [9]uint8{0b01110, 0b01000, 0b01000, 0b01000, 0b01000, 0b01000, 0b01110}
	case ']':
		return [9]uint8{0b01110, 0b00010, 0b00010, 0b00010, 0b00010, 0b00010, 0b01110}
	case '<':
		return [9]uint8{0b00010, 0b00100, 0b01000, 0b10000, 0b01000, 0b00100, 0b00010}
	case '>':
		return [9]uint8{0b01000, 0b00100, 0b00010, 0b00001, 0b00010, 0b00100, 0b01000}
	case '_':
		return [9]uint8{0, 0, 0, 0, 0, 0, 0b11111}
	case '\'':
		return [9]uint8{0b00100, 0b00100, 0b01000}
	case '"':
		return [9]uint8{0b01010, 0b01010, 0b01010}
	case '!':
		return [9]uint8{0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0, 0b00100}
	case '#':
		return [9]uint8{0b01010, 0b01010, 0b11111, 0b01010, 0b11111, 0b01010, 0b01010}
	case '|':
		return [9]uint8{0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100}
	case '&':
		return [9]uint8{0b01100, 0b10010, 0b10100, 0b01000, 0b10101, 0b10010, 0b01101}
	case '…':
		return [9]uint8{0, 0, 0, 0, 0, 0, 0b10101}
	default: // '?'
		return [9]uint8{0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0, 0b00100}
	}
}

// Glyph cell metrics, in font pixels before scaling: 5 wide plus a column
// of spacing, 7 above the baseline plus 2 for descenders.
const (
	glyphW       = 5
	glyphAdvance = glyphW + 1
	glyphCap     = 7
	glyphH       = 9
)

// textWidth returns the width in pixels of s drawn at the given scale.
func textWidth(s string, scale int) int {
	n := 0
	for range s {
		n++
	}
	if n == 0 {
		return 0
	}
	return (n*glyphAdvance - 1) * scale
}
