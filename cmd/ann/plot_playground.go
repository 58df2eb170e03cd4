package main

// The Playground picture: the network drawn as TensorFlow Playground draws
// it (the input features and every neuron with its own small heat map,
// links coloured and thickened by weight) beside the decision surface with
// the data on top.

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"

	"golang.org/x/image/font"
)

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
	// blue for positive, orange otherwise; see regression). Points outside
	// the domain are left out, as Playground does.
	train, test             [][2]float64
	trainLabels, testLabels []float64
	// regression colours each point by its target's value on the heat
	// map's diverging scale (−1 orange … 0 light grey … +1 blue), as
	// Playground draws regression data, instead of by its sign; the
	// legend then says that the scale shows the targets too.
	regression bool
	// sizes are the layer widths from inputs to outputs; weights[l] is the
	// sizes[l]×sizes[l+1] row-major matrix from layer l to layer l+1.
	sizes   []int
	weights [][]float32
	// biases[l] (optional) holds the sizes[l+1] biases of layer l+1.
	biases [][]float32
	// neuron (optional) returns unit u's output in layer l ∈ [0,
	// len(sizes)) at the point (x1, x2), for the small heat map drawn in
	// each node; layer 0 is the input features (scaled to about [−1, 1]).
	// Without it, two inputs show x1 and x2, a single output shows
	// predict, and other nodes are plain.
	neuron func(layer, unit int, x1, x2 float64) float64
	// inputNames label the input nodes; by default x1, x2 for two inputs.
	// A number after a letter is drawn as a subscript (x₁, x₁², sin(x₁)).
	inputNames []string
}

// Layout of the Playground picture, in pixels: the network on the left
// with the legend under it, the decision surface on the right.
const (
	pgWidth       = 900
	pgHeight      = 500
	pgMapSize     = 380 // heat map side
	pgMapX        = pgWidth - 24 - pgMapSize
	pgMapY        = 62
	pgNetLeft     = 24 // network panel, feature names included
	pgNetRight    = 430
	pgNetTop      = 106 // first node row; the column headers sit above
	pgNetBottom   = 404
	pgLegendTop   = 426 // legend band under the network
	pgTitleY      = 32  // title baseline
	pgMaxShown    = 10  // nodes drawn per column; more are summarised "+N"
	pgMaxNode     = 34  // largest node side
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

// renderPlayground writes p as a pgWidth×pgHeight PNG laid out like
// TensorFlow Playground: the title on top, the network with its features,
// neurons and weights on the left, the decision surface with the data on
// the right, and the legend under the network.
func renderPlayground(w io.Writer, p playgroundPicture) error {
	if err := p.validate(); err != nil {
		return err
	}
	c, err := newCanvas(pgWidth, pgHeight)
	if err != nil {
		return err
	}
	c.text(c.title, pgNetLeft, pgTitleY, p.title, alignLeft, rgb(hexInk))
	p.drawHeatMap(c)
	p.drawNetwork(c)
	p.drawLegend(c)
	return c.encode(w)
}

func mapRect() image.Rectangle {
	return image.Rect(pgMapX, pgMapY, pgMapX+pgMapSize, pgMapY+pgMapSize)
}

// toMap places a data point on the map, reporting false for one outside
// the domain.
func (p *playgroundPicture) toMap(pt [2]float64) (float64, float64, bool) {
	lo, hi := p.domain()
	if !(pt[0] >= lo && pt[0] <= hi && pt[1] >= lo && pt[1] <= hi) {
		return 0, 0, false
	}
	return pgMapX + (pt[0]-lo)/(hi-lo)*pgMapSize, pgMapY + (hi-pt[1])/(hi-lo)*pgMapSize, true
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
	c.strokeRect(mapRect().Inset(-1), rgb(hexFrame))

	// Test points go under the training points, as in Playground, where
	// the training set is the one being fitted.
	c.clip = mapRect()
	draw := func(pts [][2]float64, labels []float64, outline color.RGBA) {
		for i, pt := range pts {
			if x, y, ok := p.toMap(pt); ok {
				c.disc(x, y, pgPointRadius+1, outline)
				fill := pointColor(labels[i])
				if p.regression {
					fill = valueColor(labels[i])
				}
				c.disc(x, y, pgPointRadius, fill)
			}
		}
	}
	draw(p.test, p.testLabels, rgb(0x000000))
	draw(p.train, p.trainLabels, rgb(0xffffff))
	c.clip = c.img.Rect

	ticks, step := niceTicks(lo, hi, 7)
	subtle := rgb(hexSubtle)
	bottom := pgMapY + pgMapSize
	labelW := 0
	for _, t := range ticks {
		off := int(math.Round((t - lo) / span * pgMapSize))
		label := formatTick(t, step)
		labelW = max(labelW, textWidth(c.small, label))
		c.fillRect(image.Rect(pgMapX+off, bottom+1, pgMapX+off+1, bottom+6), subtle)
		c.text(c.small, pgMapX+off, bottom+8+capHeight(c.small), label, alignCenter, subtle)
		c.fillRect(image.Rect(pgMapX-6, bottom-off, pgMapX-1, bottom-off+1), subtle)
		c.text(c.small, pgMapX-9, bottom-off+capHeight(c.small)/2, label, alignRight, subtle)
	}
	xName, yName := "x₁", "x₂"
	if names := p.names(); len(names) == 2 {
		xName, yName = names[0], names[1]
	}
	c.text(c.label, pgMapX+pgMapSize/2, bottom+8+capHeight(c.small)+10+capHeight(c.label), xName, alignCenter, rgb(hexInk))
	c.textUp(c.label, pgMapX-9-labelW-8, pgMapY+pgMapSize/2, yName, rgb(hexInk))
}

// names are the input nodes' labels, subscripted, or nil when there are none.
func (p *playgroundPicture) names() []string {
	var names []string
	switch {
	case len(p.inputNames) == p.sizes[0]:
		names = p.inputNames
	case p.sizes[0] == 2:
		names = []string{"x1", "x2"}
	default:
		return nil
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = subscripted(n)
	}
	return out
}

// netLayout places the drawn nodes: the centre of node j of layer l is
// (xs[l], ys[l][j]), each node a square of side size. A layer wider than
// pgMaxShown shows its first pgMaxShown−1 units and a "+N" slot.
type netLayout struct {
	size float64
	xs   []float64
	ys   [][]float64
}

// node is the square of node j in layer l.
func (lay netLayout) node(l, j int) image.Rectangle {
	x0, y0 := int(math.Round(lay.xs[l]-lay.size/2)), int(math.Round(lay.ys[l][j]-lay.size/2))
	return image.Rect(x0, y0, x0+int(lay.size), y0+int(lay.size))
}

// layout places the network; face is the one the feature names are set in,
// which decides the room left of the input column.
func (p *playgroundPicture) layout(face font.Face) netLayout {
	shown := 0
	for _, n := range p.sizes {
		shown = max(shown, min(n, pgMaxShown))
	}
	nameW := 0
	for _, n := range p.names() {
		nameW = max(nameW, textWidth(face, n))
	}
	const gapRatio = 0.45 // gap between nodes relative to their side
	avail := float64(pgNetBottom - pgNetTop)
	L := len(p.sizes)
	left0 := float64(pgNetLeft + nameW + 8)
	// Nodes take at most half the distance between columns, so the links
	// between them stay visible in deep networks.
	spacing := (pgNetRight - left0) / float64(L)
	size := math.Floor(min(pgMaxNode, spacing/2, avail/(float64(shown)+gapRatio*float64(shown-1))))
	gap := size * gapRatio
	left, right := left0+size/2, pgNetRight-math.Ceil(size/2)
	lay := netLayout{size: size, xs: make([]float64, L), ys: make([][]float64, L)}
	for l, n := range p.sizes {
		lay.xs[l] = math.Round(left + float64(l)*(right-left)/float64(L-1))
		k := min(n, pgMaxShown)
		total := float64(k)*size + float64(k-1)*gap
		top := (pgNetTop+pgNetBottom)/2 - total/2
		lay.ys[l] = make([]float64, k)
		for j := range k {
			lay.ys[l][j] = math.Round(top + size/2 + float64(j)*(size+gap))
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

// linkWidth and linkColor are Playground's links: colour by the weight on
// the diverging scale (saturating at |w| = 1), width growing with |w| up
// to 6 pixels at |w| = 5.
func linkWidth(w float64) float64 { return 0.8 + 5.2*min(math.Abs(w), 5)/5 }
func linkColor(w float64) color.RGBA {
	return divergingColor((clamp(w, -1, 1) + 1) / 2)
}

func (p *playgroundPicture) drawNetwork(c *canvas) {
	lay := p.layout(c.small)
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
		if !finite(e.w) {
			c.polyline(e.pts, 1, rgb(hexMissing))
			continue
		}
		c.polyline(e.pts, linkWidth(e.w), linkColor(e.w))
	}

	// Column headers: "features" over "2 inputs", "hidden 1" over "4
	// neurons", "output"; "h1" over "4" where the columns are narrow.
	spacing := math.Inf(1)
	if last > 0 {
		spacing = lay.xs[1] - lay.xs[0]
	}
	short := spacing < float64(textWidth(c.small, "hidden 10")+8) || spacing < float64(textWidth(c.small, "100 neurons")+8)
	ink, subtle := rgb(hexInk), rgb(hexSubtle)
	// The headers stand in one row, above the tallest column.
	top := math.Inf(1)
	for l := range p.sizes {
		top = math.Min(top, lay.ys[l][0]-half)
	}
	for l, n := range p.sizes {
		name, units := "hidden "+strconv.Itoa(l), strconv.Itoa(n)+" neurons"
		switch {
		case short && l == 0:
			name = "in"
		case short && l == last:
			name = "out"
		case short:
			name = "h" + strconv.Itoa(l)
		case l == 0:
			name, units = "features", strconv.Itoa(n)+" inputs"
		case l == last:
			name = "output"
		}
		switch {
		case short:
			units = strconv.Itoa(n)
		case n == 1 && l == 0:
			units = "1 input"
		case n == 1:
			units = "1 neuron"
		}
		c.text(c.small, int(lay.xs[l]), int(top)-12-capHeight(c.small)-6, name, alignCenter, ink)
		c.text(c.small, int(lay.xs[l]), int(top)-12, units, alignCenter, subtle)
		for j := range drawn(n) {
			p.drawNode(c, lay.node(l, j), l, j)
		}
		if n > pgMaxShown {
			y := lay.ys[l][pgMaxShown-1]
			c.text(c.small, int(lay.xs[l]), int(y)+capHeight(c.small)/2, "+"+strconv.Itoa(n-pgMaxShown+1), alignCenter, subtle)
		}
	}
	if names := p.names(); names != nil {
		for j := range drawn(p.sizes[0]) {
			c.text(c.small, int(lay.xs[0]-half)-6, int(lay.ys[0][j])+capHeight(c.small)/2, names[j], alignRight, ink)
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

// drawNode draws unit j of layer l in the square r: a small heat map of
// its output where one is known, its bias as a tab at the lower left.
func (p *playgroundPicture) drawNode(c *canvas, r image.Rectangle, l, j int) {
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
		t := max(5, r.Dx()/5)
		tab := image.Rect(r.Min.X-t/2-1, r.Max.Y-t/2, r.Min.X+t/2, r.Max.Y+t/2+1)
		col := rgb(hexMissing)
		if finite(b) {
			col = linkColor(b)
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

// pgLegend is where the legend's parts go: the colour bar with its
// caption, and the two point markers.
type pgLegend struct {
	box      image.Rectangle // everything, caption and labels included
	bar      image.Rectangle
	caption  string // what the bar's colours show
	captionY int    // baseline of the caption
	markers  [2]image.Point
}

// legendCaption is what the colour bar stands for: the network's output
// (the heat map), and in regression the points' targets as well.
func legendCaption(regression bool) string {
	if regression {
		return "target / network output"
	}
	return "network output"
}

func legendLayout(face font.Face, regression bool) pgLegend {
	const barW, barH = 150, 10
	capH := capHeight(face)
	g := pgLegend{caption: legendCaption(regression)}
	g.captionY = pgLegendTop + capH
	g.bar = image.Rect(pgNetLeft+12, g.captionY+8, pgNetLeft+12+barW, g.captionY+8+barH)
	labelsY := g.bar.Max.Y + 6 + capH
	mx := g.bar.Max.X + 50
	g.markers = [2]image.Point{{mx, g.bar.Min.Y + barH/2}, {mx + 90, g.bar.Min.Y + barH/2}}
	right := max(g.markers[1].X+14+textWidth(face, "test"), g.bar.Min.X+textWidth(face, g.caption))
	g.box = image.Rect(pgNetLeft, min(pgLegendTop, g.captionY-face.Metrics().Ascent.Ceil())-2, right+2, labelsY+face.Metrics().Descent.Ceil()+2)
	return g
}

// drawLegend explains the colours under the network: a bar for the output
// scale and the two kinds of point.
func (p *playgroundPicture) drawLegend(c *canvas) {
	g := legendLayout(c.small, p.regression)
	ink, subtle := rgb(hexInk), rgb(hexSubtle)
	for x := g.bar.Min.X; x < g.bar.Max.X; x++ {
		v := -1 + 2*(float64(x-g.bar.Min.X)+0.5)/float64(g.bar.Dx())
		c.fillRect(image.Rect(x, g.bar.Min.Y, x+1, g.bar.Max.Y), heatColor(v))
	}
	c.strokeRect(g.bar.Inset(-1), rgb(hexFrame))
	c.text(c.small, g.bar.Min.X, g.captionY, g.caption, alignLeft, ink)
	labelsY := g.bar.Max.Y + 6 + capHeight(c.small)
	c.text(c.small, g.bar.Min.X, labelsY, "−1", alignCenter, subtle)
	c.text(c.small, g.bar.Min.X+g.bar.Dx()/2, labelsY, "0", alignCenter, subtle)
	c.text(c.small, g.bar.Max.X, labelsY, "1", alignCenter, subtle)

	for k, item := range []struct {
		name    string
		outline color.RGBA
		back    color.RGBA
	}{{"train", rgb(0xffffff), heatColor(1)}, {"test", rgb(0x000000), rgb(0xffffff)}} {
		pt := g.markers[k]
		cx, cy := float64(pt.X)+0.5, float64(pt.Y)+0.5
		// The training marker sits on a patch of heat map, since its white
		// outline is invisible on the white page.
		c.fillRect(image.Rect(pt.X-9, pt.Y-9, pt.X+10, pt.Y+10), item.back)
		c.disc(cx, cy, pgPointRadius+1, item.outline)
		c.disc(cx, cy, pgPointRadius, rgb(hexBlue))
		c.text(c.small, pt.X+16, pt.Y+capHeight(c.small)/2, item.name, alignLeft, ink)
	}
}
