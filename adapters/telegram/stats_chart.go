package telegram

import (
	"bytes"
	"cmp"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"allot/domain"
)

// The statistics as a PNG bar chart, drawn with the standard library and
// the Go font, which has Cyrillic: its words are in the reader's language.

// Bounds of the chart: Telegram takes photos up to 10 MB and 10000 pixels
// a side, but a phone shows a wide picture small, so a chart draws at
// most chartMaxGroups bars' groups, the rows with most issued.
const (
	chartMaxW        = 1600
	chartMinW        = 480
	chartMaxGroups   = 20
	chartMaxStatuses = 12 // bars of one group besides issued; more would be hairlines
	chartPlotH       = 400
	chartFontSize    = 12 // pixels to the em
	chartLine        = 16 // a line of text in chartFontSize
	chartMargin      = 10
	chartGroupGap    = 14
	chartBarW        = 12
	chartLabelMaxW   = 96   // a group's label may widen its group up to this
	chartLegendMaxW  = 200  // a legend's label is cut beyond this
	chartMaxRunes    = 200  // a text is cut to this many runes before it is measured
	chartMaxScale    = 1e15 // beyond any real count; higher bars are cut, the grid's sums never overflow
)

// Colours of the chart's own parts; statuses bring theirs from the config.
var (
	chartBackground = color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}
	chartInk        = color.RGBA{0x22, 0x22, 0x22, 0xFF}
	chartGrid       = color.RGBA{0xDD, 0xDD, 0xDD, 0xFF}
	chartIssued     = color.RGBA{0x4A, 0x6F, 0xA5, 0xFF}
	// chartFallback colours statuses without a colour of their own (those
	// of a kind the config no longer names), told apart by their place.
	chartFallback = []color.RGBA{{0x99, 0x99, 0x99, 0xFF}, {0xC2, 0x7B, 0xA0, 0xFF}, {0x8E, 0x7C, 0xC3, 0xFF}, {0x6A, 0xA8, 0x4F, 0xFF}}
)

// chartFont is the Go font, parsed once; it covers WGL4 (Latin, Greek,
// Cyrillic), so both of the bot's languages draw. A parsed font is safe
// for concurrent use; a face made from it is not, so each chart makes its
// own (chartFace).
var chartFont = sync.OnceValues(func() (*opentype.Font, error) { return opentype.Parse(goregular.TTF) })

// chartTexts are the catalog's texts for the chart's words. The chart is
// drawn from the report and a language alone, so it loads its own copy of
// the embedded catalog, once.
var chartTexts = sync.OnceValues(loadCatalog)

// chartFace is a face of the Go font in chartFontSize. Full hinting makes
// advances and metrics whole pixels, so a text draws the same wherever it
// is put.
func chartFace() (font.Face, error) {
	f, err := chartFont()
	if err != nil {
		return nil, fmt.Errorf("telegram: parse the chart's font: %w", err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: chartFontSize, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("telegram: make the chart's font face: %w", err)
	}
	return face, nil
}

// statsChart draws r as a PNG bar chart: a group of bars per row of the
// report (kind, variant, region), the first bar issued and one per status
// of the kind in the status's colour, a legend and a title with the
// period, all in lang. At most chartMaxGroups groups are drawn, the rows
// with most issued, and the chart says so when it leaves rows out.
func statsChart(r domain.StatsReport, _ domain.KindsConfig, lang string) ([]byte, error) {
	c, err := newChart(r, lang)
	if err != nil {
		return nil, err
	}
	c.draw()
	var buf bytes.Buffer
	if err := png.Encode(&buf, c.img); err != nil {
		return nil, fmt.Errorf("telegram: encode the statistics chart: %w", err)
	}
	return buf.Bytes(), nil
}

// chartGroup is one row of the report, as its bars.
type chartGroup struct {
	label  [3]string // kind, region, variant, one a line
	values []int     // issued, then one per status of the chart
	drawn  []bool    // whether values[i] has a bar: the row's kind has the status
}

// chart is a chart laid out, ready to draw.
type chart struct {
	face     font.Face
	tr       func(key string, kv ...any) string // the catalog's text in the reader's language, not escaped
	img      *image.RGBA
	title    string
	note     string
	noData   string
	statuses []domain.FeedbackStatus
	colors   []color.RGBA // issued, then one per status
	legend   []string
	groups   []chartGroup
	plot     image.Rectangle
	yMax     int
	barW     int
	groupW   int
}

// newChart lays out r's chart in lang; tests read its plot to look for
// bars, and its face to draw what they look for.
func newChart(r domain.StatsReport, lang string) (*chart, error) {
	face, err := chartFace()
	if err != nil {
		return nil, err
	}
	texts, err := chartTexts()
	if err != nil {
		return nil, err
	}
	c := &chart{face: face, statuses: r.Statuses[:min(len(r.Statuses), chartMaxStatuses)]}
	c.tr = func(key string, kv ...any) string { return texts.T(lang, key, plainArgs(kv)...) }
	c.title = c.fit(chartTitle(r, c.tr), chartMaxW-2*chartMargin)
	c.noData = c.drawable(c.tr("chart_no_data"))
	c.colors = []color.RGBA{chartIssued}
	c.legend = []string{c.fit(c.tr("stats_issued"), chartLegendMaxW)}
	for i, s := range c.statuses {
		c.colors = append(c.colors, parseColor(s.Color, chartFallback[i%len(chartFallback)]))
		c.legend = append(c.legend, c.fit(cmp.Or(s.LabelIn(lang), s.Code), chartLegendMaxW))
	}
	var left int
	c.groups, left = chartGroups(r, c.statuses)
	if left > 0 {
		c.note = c.fit(c.tr("chart_top", "n", len(c.groups), "all", len(c.groups)+left), chartMaxW-2*chartMargin)
	}
	c.layout()
	return c, nil
}

// plainArgs marks every value of a catalog call as raw: the chart draws
// text, so nothing is HTML-escaped.
func plainArgs(kv []any) []any {
	out := slices.Clone(kv)
	for i := 1; i < len(out); i += 2 {
		out[i] = raw(fmt.Sprint(out[i]))
	}
	return out
}

// chartTitle is the title in the reader's language: the category, the
// period and, when the period is known, its days.
func chartTitle(r domain.StatsReport, tr func(string, ...any) string) string {
	what := cmp.Or(statsCategory(r.Category, tr), "?")
	when := cmp.Or(statsPeriod(r.Period, tr), "?")
	if r.From == "" && r.To == "" {
		return tr("chart_title_undated", "category", what, "period", when)
	}
	return tr("chart_title", "category", what, "period", when, "from", r.From, "to", r.To)
}

// chartGroups picks the rows to draw, the chartMaxGroups with most issued
// in the report's order, and says how many it left out. A group is
// labelled with its kind's name, which the config gives in one language.
func chartGroups(r domain.StatsReport, statuses []domain.FeedbackStatus) ([]chartGroup, int) {
	var all []chartGroup
	for _, k := range r.Kinds {
		cols := columnsIn(statuses, k.Statuses)
		name := k.Name
		if !k.Known || name == "" {
			name = k.Code + " ?" // the config no longer names it, as in the table
		}
		for _, row := range k.Rows {
			g := chartGroup{label: [3]string{name, row.Region, row.Variant}, values: []int{row.Issued}, drawn: []bool{true}}
			for _, i := range cols {
				has := i >= 0 && i < len(row.Status)
				g.values = append(g.values, 0)
				g.drawn = append(g.drawn, has)
				if has {
					g.values[len(g.values)-1] = row.Status[i]
				}
			}
			all = append(all, g)
		}
	}
	if len(all) <= chartMaxGroups {
		return all, 0
	}
	order := make([]int, len(all))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(all[b].values[0], all[a].values[0]) })
	keep := order[:chartMaxGroups]
	slices.Sort(keep)
	picked := make([]chartGroup, 0, len(keep))
	for _, i := range keep {
		picked = append(picked, all[i])
	}
	return picked, len(all) - len(picked)
}

// layout sizes the image for its groups and legend, within chartMaxW: a
// group is as wide as its bars, or its widest label up to chartLabelMaxW,
// and narrower bars and labels make room for many groups.
func (c *chart) layout() {
	bars := 1 + len(c.statuses)
	labelW := 0
	for _, g := range c.groups {
		for _, v := range g.values {
			c.yMax = max(c.yMax, v)
		}
		for _, l := range g.label {
			labelW = max(labelW, c.width(l))
		}
	}
	c.yMax = niceStep((min(c.yMax, chartMaxScale)+3)/4) * 4
	left := chartMargin + c.width(strconv.Itoa(c.yMax)) + 6
	c.barW = chartBarW
	c.groupW = max(bars*c.barW, min(labelW, chartLabelMaxW)) + chartGroupGap
	if n := len(c.groups); n > 0 && left+n*c.groupW+chartMargin > chartMaxW {
		c.groupW = max(chartGroupGap+bars, (chartMaxW-left-chartMargin)/n)
		c.barW = min(c.barW, max(1, (c.groupW-chartGroupGap)/bars))
	}
	w := left + len(c.groups)*c.groupW + chartMargin
	w = min(max(w, chartMinW, chartMargin*2+c.width(c.title), chartMargin*2+c.width(c.note)), chartMaxW)
	at := c.legendAt(w)
	top := at[len(at)-1].Y + 2*chartLine // below the legend, a line's room for the grid's top value
	c.plot = image.Rect(left, top, w-chartMargin, top+chartPlotH)
	if len(c.groups) == 0 {
		c.plot = image.Rect(left, top, w-chartMargin, top+4*chartLine)
	}
	c.img = image.NewRGBA(image.Rect(0, 0, w, c.plot.Max.Y+3*chartLine+chartMargin))
}

// legendAt places the legend's items in an image w wide, wrapping lines;
// layout sizes the image by it, and draw draws by it.
func (c *chart) legendAt(w int) []image.Point {
	at := make([]image.Point, 0, len(c.legend))
	x, y := chartMargin, chartMargin+2*chartLine
	for _, l := range c.legend {
		iw := 16 + c.width(l) + 12 // swatch, gap, label, gap
		if x+iw > w-chartMargin && x > chartMargin {
			x, y = chartMargin, y+chartLine
		}
		at = append(at, image.Pt(x, y))
		x += iw
	}
	return at
}

// draw paints the chart on c.img.
func (c *chart) draw() {
	draw.Draw(c.img, c.img.Bounds(), image.NewUniform(chartBackground), image.Point{}, draw.Src)
	c.text(chartMargin, chartMargin, c.title)
	c.text(chartMargin, chartMargin+chartLine, c.note)
	for i, p := range c.legendAt(c.img.Bounds().Dx()) {
		c.fill(image.Rect(p.X, p.Y+2, p.X+12, p.Y+14), c.colors[i])
		c.text(p.X+16, p.Y, c.legend[i])
	}
	if len(c.groups) == 0 {
		c.text(c.plot.Min.X+max(0, c.plot.Dx()-c.width(c.noData))/2, c.plot.Min.Y+chartLine, c.noData)
		return
	}
	c.drawGrid()
	for i, g := range c.groups {
		c.drawGroup(i, g)
	}
}

// drawGroup draws the i-th group's bars, a bar at least a pixel high so
// that a count of 1 among thousands still shows, and its label below,
// each line cut to the group's width.
func (c *chart) drawGroup(i int, g chartGroup) {
	bars := 1 + len(c.statuses)
	x0 := c.plot.Min.X + chartGroupGap/2 + i*c.groupW
	xb := x0 + max(0, c.groupW-chartGroupGap-bars*c.barW)/2 // bars centred under a wide label
	for j, v := range g.values {
		if g.drawn[j] && v > 0 {
			h := min(max(1, int(float64(v)/float64(c.yMax)*float64(c.plot.Dy()))), c.plot.Dy())
			c.fill(image.Rect(xb+j*c.barW, c.plot.Max.Y-h, xb+(j+1)*c.barW-1, c.plot.Max.Y), c.colors[j])
		}
	}
	for li, l := range g.label {
		c.text(x0, c.plot.Max.Y+4+li*chartLine, c.fit(l, c.groupW-2))
	}
}

// drawGrid draws four lines across the plot, labelled with their values,
// and the axis.
func (c *chart) drawGrid() {
	for i := 0; i <= 4; i++ {
		y := c.plot.Max.Y - i*c.plot.Dy()/4
		col := chartGrid
		if i == 0 {
			col = chartInk
		}
		c.fill(image.Rect(c.plot.Min.X, y, c.plot.Max.X, y+1), col)
		v := strconv.Itoa(c.yMax / 4 * i)
		c.text(c.plot.Min.X-6-c.width(v), y-chartLine/2, v)
	}
}

func (c *chart) fill(r image.Rectangle, col color.RGBA) {
	draw.Draw(c.img, r, image.NewUniform(col), image.Point{}, draw.Src)
}

// text draws s, which fit or drawable has made safe to draw, with its top
// left at x, y.
func (c *chart) text(x, y int, s string) {
	d := font.Drawer{Dst: c.img, Src: image.NewUniform(chartInk), Face: c.face,
		Dot: fixed.Point26_6{X: fixed.I(x), Y: fixed.I(y) + c.face.Metrics().Ascent}}
	d.DrawString(s)
}

// width is how many pixels s takes.
func (c *chart) width(s string) int { return font.MeasureString(c.face, s).Ceil() }

// drawable is s as the face can draw it: control characters and runes the
// font lacks (emoji, scripts beyond WGL4) become '?' rather than boxes, and
// it is cut to chartMaxRunes so that measuring it stays cheap.
func (c *chart) drawable(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == chartMaxRunes {
			break
		}
		if _, ok := c.face.GlyphAdvance(r); !ok || unicode.IsControl(r) || r == utf8.RuneError {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// fit is drawable(s) cut to w pixels, with "…" where it was cut. It adds
// the runes' advances once rather than measuring every shorter prefix.
func (c *chart) fit(s string, w int) string {
	s = c.drawable(s)
	if c.width(s) <= w {
		return s
	}
	limit := fixed.I(w) - font.MeasureString(c.face, "…")
	var x fixed.Int26_6
	prev := rune(-1)
	for i, r := range s {
		if prev >= 0 {
			x += c.face.Kern(prev, r)
		}
		a, _ := c.face.GlyphAdvance(r)
		if x += a; x > limit {
			if i == 0 {
				return ""
			}
			return s[:i] + "…"
		}
		prev = r
	}
	return s
}

// parseColor reads "#RRGGBB", or gives def.
func parseColor(s string, def color.RGBA) color.RGBA {
	if len(s) != 7 || s[0] != '#' {
		return def
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return def
	}
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xFF}
}

// niceStep is the smallest of 1, 2, 5, 10, 20, 50... at least n, so the
// grid's values are round numbers.
func niceStep(n int) int {
	for p := 1; p <= (1<<62)/10; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*p >= n {
				return m * p
			}
		}
	}
	return max(n, 1)
}
