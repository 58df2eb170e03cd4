package main

// PNG pictures for the CLI: a TensorFlow-Playground-style view of a network
// trained on a 2-D data set (plot_playground.go), and per-epoch loss and
// accuracy curves (plot_curves.go). This file holds what both draw with:
// the palette, a canvas whose shapes are filled anti-aliased by
// golang.org/x/image/vector, text set in the Go font (goregular, through
// golang.org/x/image/font/opentype), and the axis ticks.

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// Playground's palette (heatmap.ts): orange for −1, a light grey for 0 and
// blue for +1; the heat map is that colour at alpha 160/255 over white.
const (
	hexOrange  = 0xf59322
	hexMiddle  = 0xe8eaeb
	hexBlue    = 0x0877bd
	hexInk     = 0x333333 // text and axes
	hexSubtle  = 0x666666 // secondary text, tick marks
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

// valueColor is the fill of a regression point: its target v on the heat
// map's diverging scale, unquantised and opaque, as Playground colours
// regression data (−1 orange, 0 the light middle grey, +1 blue; clamped
// beyond). NaN is grey.
func valueColor(v float64) color.RGBA {
	if math.IsNaN(v) {
		return rgb(hexMissing)
	}
	return divergingColor((clamp(v, -1, 1) + 1) / 2)
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Text sizes in pixels (the Go font at 72 dpi, so points are pixels).
const (
	titleSize = 18
	labelSize = 15 // axis names
	smallSize = 12 // ticks, node headers, legends
)

// goFont is the parsed Go Regular font, shared by every picture; a face
// made from it is not safe for concurrent use, so each canvas makes its own.
var goFont = sync.OnceValues(func() (*opentype.Font, error) { return opentype.Parse(goregular.TTF) })

func newFace(size float64) (font.Face, error) {
	f, err := goFont()
	if err != nil {
		return nil, fmt.Errorf("loading the Go font: %w", err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("loading the Go font: %w", err)
	}
	return face, nil
}

// canvas is an opaque RGBA image with a clip rectangle, the faces its text
// is set in and a rasterizer for its shapes. Shapes ignore what falls
// outside clip; text and rectangles do not clip.
type canvas struct {
	img                 *image.RGBA
	clip                image.Rectangle
	title, label, small font.Face
	z                   vector.Rasterizer
}

func newCanvas(w, h int) (*canvas, error) {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	c := &canvas{img: img, clip: img.Rect}
	var err error
	if c.title, err = newFace(titleSize); err != nil {
		return nil, err
	}
	if c.label, err = newFace(labelSize); err != nil {
		return nil, err
	}
	if c.small, err = newFace(smallSize); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *canvas) fillRect(r image.Rectangle, col color.RGBA) {
	r = r.Intersect(c.img.Rect)
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

// path is a set of closed outlines filled together, in pixel coordinates
// where pixel (x, y) covers [x, x+1)×[y, y+1). Every outline is wound the
// same way (a negative shoelace area in these coordinates), so where two
// overlap the coverage saturates instead of cancelling, and a translucent
// fill is laid once.
type path struct {
	segs []pathSeg
}

type pathSeg struct {
	move  bool // starts a new outline at p[0]; otherwise a line to p[0], or a cubic through p[0], p[1] to p[2]
	cubic bool
	p     [3][2]float64
}

func (p *path) moveTo(x, y float64) {
	p.segs = append(p.segs, pathSeg{move: true, p: [3][2]float64{{x, y}}})
}
func (p *path) lineTo(x, y float64) { p.segs = append(p.segs, pathSeg{p: [3][2]float64{{x, y}}}) }
func (p *path) cubeTo(ax, ay, bx, by, x, y float64) {
	p.segs = append(p.segs, pathSeg{cubic: true, p: [3][2]float64{{ax, ay}, {bx, by}, {x, y}}})
}

// circle adds a circle of radius r centred at (cx, cy): four cubic arcs,
// from 3 o'clock through 12 o'clock.
func (p *path) circle(cx, cy, r float64) {
	const k = 0.5522847498 // 4/3·(√2−1): a quarter circle as one cubic
	p.moveTo(cx+r, cy)
	p.cubeTo(cx+r, cy-k*r, cx+k*r, cy-r, cx, cy-r)
	p.cubeTo(cx-k*r, cy-r, cx-r, cy-k*r, cx-r, cy)
	p.cubeTo(cx-r, cy+k*r, cx-k*r, cy+r, cx, cy+r)
	p.cubeTo(cx+k*r, cy+r, cx+r, cy+k*r, cx+r, cy)
}

// stroke adds the outline of the polyline through pts, w wide with round
// caps. Non-finite points break it. Each stretch is one outline (mitred
// joins), so the anti-aliased edges are laid once and stay smooth; it is
// cut where the line turns by more than 120°, and the round caps of the
// two pieces form the corner.
func (p *path) stroke(pts [][2]float64, w float64) {
	hw := w / 2
	var run [][2]float64
	flush := func() {
		switch len(run) {
		case 0:
		case 1:
			p.circle(run[0][0], run[0][1], hw)
		default:
			start := 0
			for i := 1; i < len(run)-1; i++ {
				n1, n2 := normal(run[i-1], run[i]), normal(run[i], run[i+1])
				if (n1[0]+n2[0])*(n1[0]+n2[0])+(n1[1]+n2[1])*(n1[1]+n2[1]) < 1 { // cos(turn/2) < ½
					p.outline(run[start:i+1], hw)
					start = i
				}
			}
			p.outline(run[start:], hw)
		}
		run = run[:0]
	}
	for _, q := range pts {
		switch {
		case !finite(q[0]) || !finite(q[1]):
			flush()
		case len(run) > 0 && q == run[len(run)-1]:
		default:
			run = append(run, q)
		}
	}
	flush()
}

// normal is the unit normal (−dy, dx)/|d| of the segment a→b, whose ends
// differ.
func normal(a, b [2]float64) [2]float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l := math.Hypot(dx, dy)
	return [2]float64{-dy / l, dx / l}
}

// outline adds the outline of the polyline run (at least two distinct
// points in a row) at half-width hw: along its left side, round the end
// cap, back along its right side and round the start cap, wound as circle
// winds.
func (p *path) outline(run [][2]float64, hw float64) {
	n := len(run)
	offsets := make([][2]float64, n)
	for i := range run {
		switch {
		case i == 0:
			offsets[i] = normal(run[0], run[1])
		case i == n-1:
			offsets[i] = normal(run[n-2], run[n-1])
		default:
			// The mitre: along the bisector, 1/cos(turn/2) long.
			n1, n2 := normal(run[i-1], run[i]), normal(run[i], run[i+1])
			sx, sy := n1[0]+n2[0], n1[1]+n2[1]
			k := 2 / (sx*sx + sy*sy)
			offsets[i] = [2]float64{sx * k, sy * k}
		}
		offsets[i][0] *= hw
		offsets[i][1] *= hw
	}
	steps := max(4, int(math.Ceil(hw*3)))
	// arc goes half round q from q+m to q−m, through q+hw·dir.
	arc := func(q, m, dir [2]float64) {
		for s := 1; s < steps; s++ {
			phi := math.Pi * float64(s) / float64(steps)
			c, sn := math.Cos(phi), math.Sin(phi)
			p.lineTo(q[0]+c*m[0]+sn*hw*dir[0], q[1]+c*m[1]+sn*hw*dir[1])
		}
	}
	p.moveTo(run[0][0]+offsets[0][0], run[0][1]+offsets[0][1])
	for i := 1; i < n; i++ {
		p.lineTo(run[i][0]+offsets[i][0], run[i][1]+offsets[i][1])
	}
	end := normal(run[n-2], run[n-1]) // the direction is the normal turned back a quarter
	arc(run[n-1], offsets[n-1], [2]float64{end[1], -end[0]})
	for i := n - 1; i >= 0; i-- {
		p.lineTo(run[i][0]-offsets[i][0], run[i][1]-offsets[i][1])
	}
	start := normal(run[0], run[1])
	arc(run[0], [2]float64{-offsets[0][0], -offsets[0][1]}, [2]float64{-start[1], start[0]})
}

// bounds is the pixel rectangle covering every point of p.
func (p *path) bounds() image.Rectangle {
	lo := [2]float64{math.Inf(1), math.Inf(1)}
	hi := [2]float64{math.Inf(-1), math.Inf(-1)}
	for _, s := range p.segs {
		n := 1
		if s.cubic {
			n = 3 // a cubic lies inside the hull of its control points
		}
		for _, q := range s.p[:n] {
			for k := range 2 {
				lo[k], hi[k] = math.Min(lo[k], q[k]), math.Max(hi[k], q[k])
			}
		}
	}
	if !(lo[0] <= hi[0] && lo[1] <= hi[1]) {
		return image.Rectangle{}
	}
	// Pinned to a range around any canvas, so the conversions to int are
	// defined.
	pin := func(v float64) int { return int(clamp(v, -1<<20, 1<<20)) }
	return image.Rect(pin(math.Floor(lo[0]))-1, pin(math.Floor(lo[1]))-1, pin(math.Ceil(hi[0]))+1, pin(math.Ceil(hi[1]))+1)
}

// fill paints p in col (which may be translucent), anti-aliased, within
// the clip rectangle. A path with a non-finite coordinate is not drawn.
func (c *canvas) fill(p *path, col color.Color) {
	for _, s := range p.segs {
		for _, q := range s.p {
			if !finite(q[0]) || !finite(q[1]) {
				return
			}
		}
	}
	r := p.bounds().Intersect(c.clip).Intersect(c.img.Rect)
	if r.Empty() {
		return
	}
	c.z.Reset(r.Dx(), r.Dy())
	ox, oy := float64(r.Min.X), float64(r.Min.Y)
	pt := func(q [2]float64) (float32, float32) {
		// Far-off points are pinned a little outside the rasterizer, which
		// keeps its work bounded and changes nothing it draws.
		return float32(clamp(q[0]-ox, -1e4, 1e4)), float32(clamp(q[1]-oy, -1e4, 1e4))
	}
	open := false
	for _, s := range p.segs {
		switch {
		case s.move:
			if open {
				c.z.ClosePath()
			}
			c.z.MoveTo(pt(s.p[0]))
			open = true
		case s.cubic:
			ax, ay := pt(s.p[0])
			bx, by := pt(s.p[1])
			x, y := pt(s.p[2])
			c.z.CubeTo(ax, ay, bx, by, x, y)
		default:
			c.z.LineTo(pt(s.p[0]))
		}
	}
	if open {
		c.z.ClosePath()
	}
	c.z.Draw(c.img, r, image.NewUniform(col), image.Point{})
}

// disc draws a filled anti-aliased circle of radius r centred at (cx, cy).
func (c *canvas) disc(cx, cy, r float64, col color.Color) {
	var p path
	p.circle(cx, cy, r)
	c.fill(&p, col)
}

// polyline strokes the path through pts with the given width; non-finite
// points break it.
func (c *canvas) polyline(pts [][2]float64, width float64, col color.Color) {
	var p path
	p.stroke(pts, width)
	c.fill(&p, col)
}

// Horizontal anchors for text.
const (
	alignLeft = iota
	alignCenter
	alignRight
)

// textWidth is the advance width of s in face, in whole pixels.
func textWidth(face font.Face, s string) int { return font.MeasureString(face, s).Ceil() }

// capHeight is the height of a capital letter in face, in pixels.
func capHeight(face font.Face) int {
	if m := face.Metrics(); m.CapHeight > 0 {
		return m.CapHeight.Ceil()
	}
	return face.Metrics().Ascent.Ceil() * 7 / 10
}

// text draws s with its baseline at y, starting at, centred on or ending
// at x as align says.
func (c *canvas) text(face font.Face, x, y int, s string, align int, col color.RGBA) {
	switch align {
	case alignCenter:
		x -= textWidth(face, s) / 2
	case alignRight:
		x -= textWidth(face, s)
	}
	d := font.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// textBox is the rectangle text(face, x, y, s, align, …) draws in: from the
// face's ascent above the baseline to its descent below.
func textBox(face font.Face, x, y int, s string, align int) image.Rectangle {
	w := textWidth(face, s)
	switch align {
	case alignCenter:
		x -= w / 2
	case alignRight:
		x -= w
	}
	m := face.Metrics()
	return image.Rect(x, y-m.Ascent.Ceil(), x+w, y+m.Descent.Ceil())
}

// textUp draws s rotated a quarter turn anticlockwise, reading upwards and
// centred on cy, with its baseline at x (the glyphs stand to its left).
func (c *canvas) textUp(face font.Face, x, cy int, s string, col color.RGBA) {
	m := face.Metrics()
	w, asc, h := textWidth(face, s), m.Ascent.Ceil(), m.Ascent.Ceil()+m.Descent.Ceil()
	if w == 0 {
		return
	}
	mask := image.NewAlpha(image.Rect(0, 0, w, h))
	d := font.Drawer{Dst: mask, Src: image.Opaque, Face: face, Dot: fixed.P(0, asc)}
	d.DrawString(s)
	// Mask pixel (mx, my) lands at (x − asc + my, cy + w/2 − 1 − mx).
	for my := range h {
		for mx := range w {
			a := mask.AlphaAt(mx, my).A
			px, py := x-asc+my, cy+w/2-1-mx
			if a == 0 || !image.Pt(px, py).In(c.img.Rect) {
				continue
			}
			i := c.img.PixOffset(px, py)
			t := float64(a) / 0xff
			p := c.img.Pix[i : i+3 : i+3]
			p[0] = uint8(float64(p[0]) + (float64(col.R)-float64(p[0]))*t + 0.5)
			p[1] = uint8(float64(p[1]) + (float64(col.G)-float64(p[1]))*t + 0.5)
			p[2] = uint8(float64(p[2]) + (float64(col.B)-float64(p[2]))*t + 0.5)
		}
	}
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

// formatTick prints v with as many decimals as the tick step needs, and as
// a power of ten (2.5×10⁶) for very large or very small magnitudes, with a
// typographic minus sign.
func formatTick(v, step float64) string {
	if v == 0 {
		return "0"
	}
	if a := math.Abs(v); a >= 1e6 || step < 1e-4 {
		s := strconv.FormatFloat(v, 'e', 2, 64)
		mant, exp, _ := strings.Cut(s, "e")
		if strings.Contains(mant, ".") {
			mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
		}
		e, _ := strconv.Atoi(exp)
		return typographic(mant) + "×10" + superscript(e)
	}
	decimals := max(0, int(math.Ceil(-math.Log10(step)-1e-9)))
	return typographic(strconv.FormatFloat(v, 'f', decimals, 64))
}

// typographic replaces ASCII hyphen-minus signs with U+2212 MINUS SIGN.
func typographic(s string) string { return strings.ReplaceAll(s, "-", "−") }

// superscript writes n in superscript digits.
func superscript(n int) string {
	const digits = "⁰¹²³⁴⁵⁶⁷⁸⁹"
	var b strings.Builder
	for _, r := range strconv.Itoa(n) {
		if r == '-' {
			b.WriteString("⁻")
			continue
		}
		b.WriteString(string([]rune(digits)[r-'0']))
	}
	return b.String()
}

// subscripted writes every number that follows a letter in name in
// subscript digits, as Playground's page names its features: "x1" becomes
// "x₁", "x1²" "x₁²", "sin(x1)" "sin(x₁)" and "x1x2" "x₁x₂". Digits with no
// letter before them ("12", "2x") are kept. It is for display only: flags,
// CSV headers and saved models keep the ASCII names.
func subscripted(name string) string {
	const digits = "₀₁₂₃₄₅₆₇₈₉"
	var b strings.Builder
	prevLetter, inRun := false, false
	for _, r := range name {
		isDigit := r >= '0' && r <= '9'
		switch {
		case isDigit && (prevLetter || inRun):
			b.WriteString(string([]rune(digits)[r-'0']))
			inRun = true
		default:
			b.WriteRune(r)
			inRun = false
		}
		prevLetter = unicode.IsLetter(r)
	}
	return b.String()
}
