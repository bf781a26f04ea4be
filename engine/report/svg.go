package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Charts are hand-written SVG: GitHub shows an SVG file linked from
// Markdown as an image, never inline <svg>. The output is deterministic
// (fixed layout, numbers written with one decimal at most) so that a report
// regenerated from the same state is byte for byte the same, and accessible:
// each chart has a title and a description listing its data.

const (
	chartWidth = 720
	chartFont  = `-apple-system, BlinkMacSystemFont, 'Segoe UI', Helvetica, Arial, sans-serif`
	inkColor   = "#24292f"
	mutedColor = "#57606a"
	gridColor  = "#d0d7de"
)

// networkColors are the networks' own colours, darkened where needed so
// that white text is not required and bars stand out on white.
var networkColors = map[string]string{
	"mastodon":  "#6364ff",
	"bluesky":   "#1185fe",
	"x":         "#0f1419",
	"linkedin":  "#004182",
	"facebook":  "#3b5998",
	"instagram": "#d62976",
	"telegram":  "#229ed9",
	"discord":   "#5865f2",
	"slack":     "#4a154b",
	"webhook":   "#6e7781",
	"sandbox":   "#8250df",
}

// seriesColors colour lines in order when several share a network.
var seriesColors = []string{"#0969da", "#cf222e", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#1b7c83", "#953800"}

// NetworkColor returns a network's colour.
func NetworkColor(network string) string {
	if c, ok := networkColors[network]; ok {
		return c
	}
	return mutedColor
}

// Bar is one bar of a BarChart.
type Bar struct {
	Label string
	Value float64
	// Text is written after the bar (the value, formatted).
	Text  string
	Color string
}

// BarChart is a horizontal bar chart, one labelled bar per row.
type BarChart struct {
	Title string
	// Desc says what the chart shows; the bars' labels and texts are
	// appended to it for screen readers.
	Desc string
	Bars []Bar
	// Reference draws a dashed line at that value (a goal's 100 %), with
	// ReferenceLabel above it.
	Reference      *float64
	ReferenceLabel string
	// Note is a line under the chart.
	Note string
}

const (
	barRow    = 28
	barHeight = 18
	barTop    = 52
	labelEnd  = 262
	barStart  = 270
	// charWidth is a generous width of a character of the value texts, at
	// 13 px, to keep room for them right of the longest bar.
	charWidth = 7.5
)

// SVG renders the chart.
func (c BarChart) SVG() []byte {
	top := 0.0
	for _, b := range c.Bars {
		top = math.Max(top, b.Value)
	}
	if c.Reference != nil {
		top = math.Max(top, *c.Reference)
	}
	if top <= 0 {
		top = 1
	}
	longest := 0
	for _, b := range c.Bars {
		longest = max(longest, utf8.RuneCountInString(b.Text))
	}
	barEnd := float64(chartWidth) - 16 - 6 - float64(longest)*charWidth
	scale := (barEnd - barStart) / top
	height := barTop + len(c.Bars)*barRow + 16
	if c.Note != "" {
		height += 20
	}
	var desc []string
	for _, b := range c.Bars {
		desc = append(desc, b.Label+": "+b.Text)
	}
	w := newSVG(chartWidth, height, c.Title, joinDesc(c.Desc, desc))
	for i, b := range c.Bars {
		y := barTop + i*barRow
		w.text(labelEnd, float64(y)+13, "end", 13, inkColor, truncate(b.Label, 38))
		width := math.Max(b.Value, 0) * scale
		if b.Value > 0 && width < 2 {
			width = 2
		}
		fmt.Fprintf(w, `<rect x="%d" y="%d" width="%s" height="%d" rx="3" fill="%s"/>`+"\n", barStart, y, num(width), barHeight, b.Color)
		// The text goes right of the bar, and of the reference line it
		// would otherwise cross.
		end := float64(barStart) + width
		if c.Reference != nil && b.Value < *c.Reference {
			end = float64(barStart) + *c.Reference*scale
		}
		w.text(end+6, float64(y)+13, "start", 13, inkColor, b.Text)
	}
	if c.Reference != nil {
		x := float64(barStart) + *c.Reference*scale
		bottom := barTop + len(c.Bars)*barRow - 6
		fmt.Fprintf(w, `<line x1="%s" y1="%d" x2="%s" y2="%d" stroke="%s" stroke-width="1.5" stroke-dasharray="4 3"/>`+"\n",
			num(x), barTop-8, num(x), bottom, inkColor)
		w.text(x, float64(barTop-12), "middle", 11, mutedColor, c.ReferenceLabel)
	}
	if c.Note != "" {
		w.text(16, float64(height-14), "start", 12, mutedColor, c.Note)
	}
	return w.close()
}

// Series is one line of a LineChart.
type Series struct {
	Name   string
	Color  string
	Points []XY
}

// XY is a point of a series.
type XY struct{ X, Y float64 }

// Tick is a labelled position on the x axis.
type Tick struct {
	X     float64
	Label string
}

// LineChart draws series over a shared x axis.
type LineChart struct {
	Title string
	Desc  string
	// Series are drawn in order; a series with one point is a dot.
	Series []Series
	// XMin and XMax bound the x axis; XTicks label it.
	XMin, XMax float64
	XTicks     []Tick
	// YFormat writes y values (axis and description).
	YFormat func(float64) string
	// DescribeX writes x values in the description.
	DescribeX func(float64) string
}

const (
	plotLeft   = 72
	plotRight  = chartWidth - 24
	plotTop    = 52
	plotBottom = 260
)

// SVG renders the chart.
func (c LineChart) SVG() []byte {
	yf := c.YFormat
	if yf == nil {
		yf = func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	}
	xf := c.DescribeX
	if xf == nil {
		xf = func(v float64) string { return num(v) }
	}
	lo, hi := 0.0, 0.0
	var desc []string
	for _, s := range c.Series {
		var pts []string
		for _, p := range s.Points {
			lo, hi = math.Min(lo, p.Y), math.Max(hi, p.Y)
			pts = append(pts, xf(p.X)+" "+yf(p.Y))
		}
		desc = append(desc, s.Name+": "+strings.Join(pts, ", "))
	}
	step := niceStep((hi - lo) / 4)
	lo, hi = math.Floor(lo/step)*step, math.Ceil(hi/step)*step
	if hi == lo {
		hi = lo + step
	}
	xmin, xmax := c.XMin, c.XMax
	if xmax <= xmin {
		xmax = xmin + 1
	}
	px := func(x float64) float64 { return plotLeft + (x-xmin)/(xmax-xmin)*(plotRight-plotLeft) }
	py := func(y float64) float64 { return plotBottom - (y-lo)/(hi-lo)*(plotBottom-plotTop) }

	legendRows := (len(c.Series) + 2) / 3
	height := plotBottom + 36 + legendRows*20 + 8
	w := newSVG(chartWidth, height, c.Title, joinDesc(c.Desc, desc))
	for y := lo; y <= hi+step/2; y += step {
		fmt.Fprintf(w, `<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="%s" stroke-width="1"/>`+"\n", plotLeft, num(py(y)), plotRight, num(py(y)), gridColor)
		w.text(plotLeft-8, py(y)+4, "end", 11, mutedColor, yf(y))
	}
	for _, t := range c.XTicks {
		x := px(t.X)
		fmt.Fprintf(w, `<line x1="%s" y1="%d" x2="%s" y2="%d" stroke="%s" stroke-width="1"/>`+"\n", num(x), plotBottom, num(x), plotBottom+5, mutedColor)
		w.text(x, plotBottom+18, "middle", 11, mutedColor, t.Label)
	}
	for _, s := range c.Series {
		var pts []string
		for _, p := range s.Points {
			pts = append(pts, num(px(p.X))+","+num(py(p.Y)))
		}
		if len(pts) > 1 {
			fmt.Fprintf(w, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round"/>`+"\n", strings.Join(pts, " "), s.Color)
		}
		for _, p := range s.Points {
			fmt.Fprintf(w, `<circle cx="%s" cy="%s" r="3" fill="%s"/>`+"\n", num(px(p.X)), num(py(p.Y)), s.Color)
		}
	}
	for i, s := range c.Series {
		x := 16 + (i%3)*232
		y := plotBottom + 36 + (i/3)*20
		fmt.Fprintf(w, `<rect x="%d" y="%d" width="12" height="12" rx="2" fill="%s"/>`+"\n", x, y, s.Color)
		w.text(float64(x+18), float64(y+10), "start", 12, inkColor, truncate(s.Name, 30))
	}
	return w.close()
}

// niceStep rounds a raw step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// svgWriter writes an SVG document.
type svgWriter struct{ bytes.Buffer }

func newSVG(width, height int, title, desc string) *svgWriter {
	w := &svgWriter{}
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="title desc" font-family="%s">`+"\n",
		width, height, width, height, chartFont)
	fmt.Fprintf(w, "<title id=\"title\">%s</title>\n<desc id=\"desc\">%s</desc>\n", esc(title), esc(desc))
	fmt.Fprintf(w, `<rect width="%d" height="%d" rx="6" fill="#ffffff"/>`+"\n", width, height)
	w.text(16, 30, "start", 16, inkColor, title, `font-weight="600"`)
	return w
}

func (w *svgWriter) text(x, y float64, anchor string, size int, color, s string, extra ...string) {
	attrs := ""
	if len(extra) > 0 {
		attrs = " " + strings.Join(extra, " ")
	}
	fmt.Fprintf(w, `<text x="%s" y="%s" text-anchor="%s" font-size="%d" fill="%s"%s>%s</text>`+"\n", num(x), num(y), anchor, size, color, attrs, esc(s))
}

func (w *svgWriter) close() []byte {
	w.WriteString("</svg>\n")
	return w.Bytes()
}

// num writes a coordinate with one decimal at most.
func num(v float64) string {
	s := strconv.FormatFloat(math.Round(v*10)/10, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		s = "0"
	}
	return s
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func joinDesc(desc string, items []string) string {
	if len(items) == 0 {
		return desc
	}
	return desc + " " + strings.Join(items, "; ") + "."
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
