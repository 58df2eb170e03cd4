package main

// Curve pictures: loss and accuracy per epoch, one or more panels side by
// side, each with ticks, axis names and a legend that never covers a curve.

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
)

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

func (s curve) colour(k int) color.RGBA {
	if s.color == (color.RGBA{}) {
		return palette(k)
	}
	return s.color
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
	curveLeft       = 84 // plot area inset from the panel's left edge
	curveRight      = 24
	curveTop        = 76
	curveBottom     = 62
	curveTitleY     = 32 // title baseline
	curveMarkerMax  = 60 // series this short get a dot per epoch
	curveLineWidth  = 2
	curveDotRadius  = 2.8
	legendRowH      = 18
	legendPad       = 8
	legendSample    = 22
	legendMargin    = 4 // clear space kept between the legend and any curve
)

// renderCurvePanels writes one PNG with the panels side by side under a
// common title: 900 pixels wide for one panel, 550 per panel for more,
// 500 high. It fails if there are no panels, a panel has no series, or a
// panel has no finite value at all; single non-finite values are skipped.
func renderCurvePanels(w io.Writer, title string, panels []curvePanel) error {
	c, _, err := drawCurvePanels(title, panels, true)
	if err != nil {
		return err
	}
	return c.encode(w)
}

// drawCurvePanels draws the picture renderCurvePanels writes, with or
// without the legends, and returns each panel's layout.
func drawCurvePanels(title string, panels []curvePanel, legends bool) (*canvas, []panelLayout, error) {
	if len(panels) == 0 {
		return nil, nil, errors.New("curve plot: no panels")
	}
	if len(panels) > 8 {
		return nil, nil, fmt.Errorf("curve plot: %d panels, at most 8 fit", len(panels))
	}
	for i, pn := range panels {
		if len(pn.series) == 0 {
			return nil, nil, fmt.Errorf("curve plot: panel %d (%q) has no series", i, pn.title)
		}
		if _, _, ok := extent(pn.series); !ok {
			return nil, nil, fmt.Errorf("curve plot: panel %d (%q) has no finite value to plot", i, pn.title)
		}
	}
	width := 900
	if len(panels) > 1 {
		width = curvePanelWidth * len(panels)
	}
	c, err := newCanvas(width, curveHeight)
	if err != nil {
		return nil, nil, err
	}
	c.text(c.title, curveLeft, curveTitleY, title, alignLeft, rgb(hexInk))
	pw := width / len(panels)
	lays := make([]panelLayout, len(panels))
	for i, pn := range panels {
		lays[i] = layoutPanel(c, image.Rect(i*pw, 0, (i+1)*pw, curveHeight), pn)
		drawPanel(c, lays[i], pn, legends)
	}
	return c, lays, nil
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

// panelLayout is where a panel's parts go: the plot area, the axes, each
// series' points on the screen (NaN where the data has a gap) and the
// legend, with its rows.
type panelLayout struct {
	area, plot       image.Rectangle
	n                int // epochs on the x axis
	xlo, xhi         float64
	ylo, yhi         float64
	yticks           []float64
	ystep            float64
	lines            [][][2]float64
	dots             bool
	legend           image.Rectangle
	legendRows       []image.Point // top-left of each series' entry
	legendNames      []string
	legendOutside    bool
	legendTextHeight int
}

func (l *panelLayout) sx(x float64) float64 {
	return float64(l.plot.Min.X) + (x-l.xlo)/(l.xhi-l.xlo)*float64(l.plot.Dx()-1)
}

func (l *panelLayout) sy(y float64) float64 {
	return float64(l.plot.Max.Y-1) - (y/2-l.ylo/2)/(l.yhi/2-l.ylo/2)*float64(l.plot.Dy()-1)
}

func layoutPanel(c *canvas, area image.Rectangle, pn curvePanel) panelLayout {
	l := panelLayout{area: area}
	l.plot = image.Rect(area.Min.X+curveLeft, area.Min.Y+curveTop, area.Max.X-curveRight, area.Max.Y-curveBottom)
	for _, s := range pn.series {
		l.n = max(l.n, len(s.y))
	}
	l.xlo, l.xhi = 1, float64(l.n)
	if l.n < 2 {
		l.xlo, l.xhi = 0, 2 // a single epoch sits in the middle
	}
	dlo, dhi, _ := extent(pn.series)
	l.ylo, l.yhi, l.yticks, l.ystep = yRange(dlo, dhi, max(2, l.plot.Dy()/50))
	l.dots = l.n <= curveMarkerMax
	for _, s := range pn.series {
		pts := make([][2]float64, len(s.y))
		for i, v := range s.y {
			pts[i] = [2]float64{math.NaN(), math.NaN()}
			if finite(v) {
				pts[i] = [2]float64{l.sx(float64(i + 1)), l.sy(v)}
			}
		}
		l.lines = append(l.lines, pts)
	}
	l.placeLegend(c, pn.series)
	return l
}

// placeLegend sizes the legend and puts it in the first corner of the plot
// (top right, bottom right, top left, bottom left) that no curve, dot or
// isolated point comes near; when every corner is taken it goes outside,
// above the plot's top right corner, one row per series upwards.
func (l *panelLayout) placeLegend(c *canvas, series []curve) {
	wMax := 0
	for k, s := range series {
		name := s.name
		if _, _, ok := extent(series[k : k+1]); !ok {
			name += " (no data)" // a series with nothing to draw says so rather than vanish
		}
		l.legendNames = append(l.legendNames, name)
		wMax = max(wMax, textWidth(c.small, name))
	}
	l.legendTextHeight = capHeight(c.small)
	lw := legendPad + legendSample + 6 + wMax + legendPad
	lh := legendPad + legendRowH*len(series) - (legendRowH - l.legendTextHeight) + legendPad
	size := image.Pt(lw, lh)
	corners := []image.Point{
		{l.plot.Max.X - 10 - lw, l.plot.Min.Y + 10},
		{l.plot.Max.X - 10 - lw, l.plot.Max.Y - 10 - lh},
		{l.plot.Min.X + 10, l.plot.Min.Y + 10},
		{l.plot.Min.X + 10, l.plot.Max.Y - 10 - lh},
	}
	l.legendOutside = true
	for _, pt := range corners {
		r := image.Rectangle{pt, pt.Add(size)}
		if r.In(l.plot) && !l.covers(r) {
			l.legend, l.legendOutside = r, false
			break
		}
	}
	if l.legendOutside {
		l.legend = image.Rect(l.plot.Max.X-lw, l.plot.Min.Y-4-lh, l.plot.Max.X, l.plot.Min.Y-4)
	}
	for k := range series {
		l.legendRows = append(l.legendRows, image.Pt(l.legend.Min.X+legendPad, l.legend.Min.Y+legendPad+k*legendRowH))
	}
}

// reach is how far from a point of a line the drawing goes: half the line,
// or a dot.
func (l *panelLayout) reach() float64 {
	return math.Max(curveLineWidth/2, curveDotRadius)
}

// covers reports whether any drawn part of a curve comes within
// legendMargin of r.
func (l *panelLayout) covers(r image.Rectangle) bool {
	m := l.reach() + legendMargin
	x0, y0 := float64(r.Min.X)-m, float64(r.Min.Y)-m
	x1, y1 := float64(r.Max.X)+m, float64(r.Max.Y)+m
	for _, pts := range l.lines {
		for i, p := range pts {
			if !finite(p[0]) {
				continue
			}
			if p[0] >= x0 && p[0] <= x1 && p[1] >= y0 && p[1] <= y1 {
				return true
			}
			if i > 0 && finite(pts[i-1][0]) && segmentHitsRect(pts[i-1], p, x0, y0, x1, y1) {
				return true
			}
		}
	}
	return false
}

// segmentHitsRect reports whether the segment p–q meets the rectangle
// [x0, x1]×[y0, y1] (Liang–Barsky clipping).
func segmentHitsRect(p, q [2]float64, x0, y0, x1, y1 float64) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := q[0]-p[0], q[1]-p[1]
	for _, e := range [4][2]float64{{-dx, p[0] - x0}, {dx, x1 - p[0]}, {-dy, p[1] - y0}, {dy, y1 - p[1]}} {
		pe, qe := e[0], e[1]
		if pe == 0 {
			if qe < 0 {
				return false
			}
			continue
		}
		t := qe / pe
		if pe < 0 {
			t0 = math.Max(t0, t)
		} else {
			t1 = math.Min(t1, t)
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}

func drawPanel(c *canvas, l panelLayout, pn curvePanel, legend bool) {
	plot := l.plot
	ink, subtle := rgb(hexInk), rgb(hexSubtle)
	if pn.title != "" {
		c.text(c.label, plot.Min.X, plot.Min.Y-10, pn.title, alignLeft, ink)
	}

	// Grid and tick labels.
	labelW := 0
	capH := capHeight(c.small)
	for _, t := range l.yticks {
		y := int(math.Round(l.sy(t)))
		label := formatTick(t, l.ystep)
		labelW = max(labelW, textWidth(c.small, label))
		c.fillRect(image.Rect(plot.Min.X, y, plot.Max.X, y+1), rgb(hexGrid))
		c.fillRect(image.Rect(plot.Min.X-5, y, plot.Min.X, y+1), subtle)
		c.text(c.small, plot.Min.X-8, y+capH/2, label, alignRight, subtle)
	}
	xticks, xstep := niceTicks(l.xlo, l.xhi, max(2, plot.Dx()/70))
	if xstep < 1 {
		// Epochs are whole numbers.
		xticks, _ = niceTicks(l.xlo, l.xhi, int(l.xhi-l.xlo))
		xstep = 1
	}
	for _, t := range xticks {
		if t != math.Trunc(t) || t < 1 || t > float64(max(l.n, 1)) {
			continue
		}
		x := int(math.Round(l.sx(t)))
		c.fillRect(image.Rect(x, plot.Min.Y, x+1, plot.Max.Y), rgb(hexGrid))
		c.fillRect(image.Rect(x, plot.Max.Y, x+1, plot.Max.Y+5), subtle)
		c.text(c.small, x, plot.Max.Y+8+capH, formatTick(t, xstep), alignCenter, subtle)
	}
	c.strokeRect(plot.Inset(-1), rgb(hexFrame))
	c.text(c.label, plot.Min.X+plot.Dx()/2, plot.Max.Y+8+capH+12+capHeight(c.label), pn.xLabel, alignCenter, ink)
	// The y name stands clear of the widest tick label.
	c.textUp(c.label, max(l.area.Min.X+capHeight(c.label)+4, plot.Min.X-8-labelW-10), plot.Min.Y+plot.Dy()/2, pn.yLabel, ink)

	// The lines, clipped to the plot area.
	c.clip = plot
	for k, s := range pn.series {
		col := s.colour(k)
		pts := l.lines[k]
		c.polyline(pts, curveLineWidth, col)
		for i, pt := range pts {
			isolated := (i == 0 || !finite(pts[i-1][0])) && (i == len(pts)-1 || !finite(pts[i+1][0]))
			if finite(pt[0]) && (l.dots || isolated) {
				c.disc(pt[0], pt[1], curveDotRadius, col)
			}
		}
	}
	c.clip = c.img.Rect
	if legend {
		drawCurveLegend(c, l, pn.series)
	}
}

// drawCurveLegend draws the legend box layoutPanel placed. Its samples
// carry a dot when the curves do.
func drawCurveLegend(c *canvas, l panelLayout, series []curve) {
	c.fillRect(l.legend, rgb(0xffffff))
	c.strokeRect(l.legend, rgb(hexFrame))
	for k, s := range series {
		col := s.colour(k)
		row := l.legendRows[k]
		mid := float64(row.Y) + float64(l.legendTextHeight)/2
		x0 := float64(row.X)
		c.polyline([][2]float64{{x0 + 1, mid}, {x0 + legendSample - 1, mid}}, curveLineWidth, col)
		if l.dots {
			c.disc(x0+legendSample/2, mid, curveDotRadius, col)
		}
		c.text(c.small, row.X+legendSample+6, row.Y+l.legendTextHeight, l.legendNames[k], alignLeft, rgb(hexInk))
	}
}
