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

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"allot/domain"
)

// The statistics as a PNG bar chart, drawn with the standard library and a
// bitmap font.

// Bounds of the chart: Telegram takes photos up to 10 MB and 10000 pixels
// a side, but a phone shows a wide picture small, so a chart draws at
// most chartMaxGroups bars' groups, the rows with most issued.
const (
	chartMaxW        = 1600
	chartMinW        = 480
	chartMaxGroups   = 20
	chartMaxStatuses = 12 // bars of one group besides issued; more would be hairlines
	chartPlotH       = 400
	chartLine        = 14 // a line of basicfont.Face7x13 text
	chartChar        = 7  // its advance
	chartMargin      = 10
	chartGroupGap    = 14
	chartBarW        = 12
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

// statsChart draws r as a PNG bar chart: a group of bars per row of the
// report (kind, variant, region), the first bar issued and one per status
// of the kind in the status's colour, a legend and a title with the
// period. The font has ASCII only, so groups are labelled with codes,
// which are ASCII, and the legend falls back from the label in lang to the
// English one to the code. At most chartMaxGroups groups are drawn, the
// rows with most issued, and the chart says so when it leaves rows out.
func statsChart(r domain.StatsReport, _ domain.KindsConfig, lang string) ([]byte, error) {
	c := newChart(r, lang)
	c.draw()
	var buf bytes.Buffer
	if err := png.Encode(&buf, c.img); err != nil {
		return nil, fmt.Errorf("telegram: encode the statistics chart: %w", err)
	}
	return buf.Bytes(), nil
}

// chartGroup is one row of the report, as its bars.
type chartGroup struct {
	label  [3]string // kind, region, variant: codes, one a line
	values []int     // issued, then one per status of the chart
	drawn  []bool    // whether values[i] has a bar: the row's kind has the status
}

// chart is a chart laid out, ready to draw.
type chart struct {
	img      *image.RGBA
	title    string
	note     string
	statuses []domain.FeedbackStatus
	colors   []color.RGBA // issued, then one per status
	legend   []string
	groups   []chartGroup
	plot     image.Rectangle
	yMax     int
	barW     int
}

// newChart lays out r's chart; tests read its plot to look for bars.
func newChart(r domain.StatsReport, lang string) *chart {
	c := &chart{title: chartTitle(r), statuses: r.Statuses[:min(len(r.Statuses), chartMaxStatuses)]}
	c.colors = []color.RGBA{chartIssued}
	c.legend = []string{"Issued"}
	for i, s := range c.statuses {
		c.colors = append(c.colors, parseColor(s.Color, chartFallback[i%len(chartFallback)]))
		c.legend = append(c.legend, asciiLabel(s, lang))
	}
	c.groups, c.note = chartGroups(r, c.statuses)
	c.layout()
	return c
}

// chartTitle is the title in English: the font cannot draw Cyrillic.
func chartTitle(r domain.StatsReport) string {
	what := map[domain.Category]string{domain.CategoryAccount: "Accounts", domain.CategoryEmail: "E-mails", domain.CategoryPhone: "Phone numbers"}[r.Category]
	when := map[domain.Period]string{domain.PeriodDay: "today", domain.PeriodWeek: "last 7 days", domain.PeriodMonth: "last 30 days"}[r.Period]
	title := cmp.Or(what, string(r.Category), "Statistics")
	if when = cmp.Or(when, string(r.Period)); when != "" {
		title += ", " + when
	}
	if r.From != "" || r.To != "" {
		title += ": " + r.From + ".." + r.To + " UTC"
	}
	return title
}

// chartGroups picks the rows to draw: the chartMaxGroups with most issued,
// in the report's order, and a note when some are left out.
func chartGroups(r domain.StatsReport, statuses []domain.FeedbackStatus) ([]chartGroup, string) {
	var all []chartGroup
	for _, k := range r.Kinds {
		cols := columnsIn(statuses, k.Statuses)
		for _, row := range k.Rows {
			g := chartGroup{label: [3]string{k.Code, row.Region, row.Variant}, values: []int{row.Issued}, drawn: []bool{true}}
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
		return all, ""
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
	return picked, fmt.Sprintf("top %d of %d rows by issued", chartMaxGroups, len(all))
}

// layout sizes the image for its groups and legend, within chartMaxW.
func (c *chart) layout() {
	bars := 1 + len(c.statuses)
	for _, g := range c.groups {
		for _, v := range g.values {
			c.yMax = max(c.yMax, v)
		}
	}
	c.yMax = niceStep((min(c.yMax, chartMaxScale)+3)/4) * 4
	left := chartMargin + chartChar*len(strconv.Itoa(c.yMax)) + 6
	c.barW = chartBarW
	if n := len(c.groups); n > 0 && left+n*(bars*c.barW+chartGroupGap)+chartMargin > chartMaxW {
		c.barW = max(1, ((chartMaxW-left-chartMargin)/n-chartGroupGap)/bars)
	}
	w := left + len(c.groups)*(bars*c.barW+chartGroupGap) + chartMargin
	w = min(max(w, chartMinW, chartMargin*2+chartChar*len(c.title)), chartMaxW)
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
		iw := 16 + chartChar*len(l) + 12 // swatch, gap, label, gap
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
		c.fill(image.Rect(p.X, p.Y+1, p.X+12, p.Y+13), c.colors[i])
		c.text(p.X+16, p.Y, c.legend[i])
	}
	if len(c.groups) == 0 {
		c.text(c.plot.Min.X+(c.plot.Dx()-chartChar*len("no data"))/2, c.plot.Min.Y+chartLine, "no data")
		return
	}
	c.drawGrid()
	for i, g := range c.groups {
		c.drawGroup(i, g)
	}
}

// drawGroup draws the i-th group's bars, a bar at least a pixel high so
// that a count of 1 among thousands still shows, and its label below.
func (c *chart) drawGroup(i int, g chartGroup) {
	groupW := (1+len(c.statuses))*c.barW + chartGroupGap
	x0 := c.plot.Min.X + chartGroupGap/2 + i*groupW
	for j, v := range g.values {
		if g.drawn[j] && v > 0 {
			h := min(max(1, int(float64(v)/float64(c.yMax)*float64(c.plot.Dy()))), c.plot.Dy())
			c.fill(image.Rect(x0+j*c.barW, c.plot.Max.Y-h, x0+(j+1)*c.barW-1, c.plot.Max.Y), c.colors[j])
		}
	}
	chars := max(1, (groupW-2)/chartChar)
	for li, l := range g.label {
		c.text(x0, c.plot.Max.Y+4+li*chartLine, truncASCII(l, chars))
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
		c.text(c.plot.Min.X-6-chartChar*len(v), y-chartLine/2, v)
	}
}

func (c *chart) fill(r image.Rectangle, col color.RGBA) {
	draw.Draw(c.img, r, image.NewUniform(col), image.Point{}, draw.Src)
}

// text draws s with its top left at x, y. Runes the font lacks become '?',
// so that no label is ever wider than it was measured.
func (c *chart) text(x, y int, s string) {
	d := font.Drawer{Dst: c.img, Src: image.NewUniform(chartInk), Face: basicfont.Face7x13,
		Dot: fixed.P(x, y+basicfont.Face7x13.Ascent)}
	d.DrawString(truncASCII(s, len(s)))
}

// truncASCII is s with non-ASCII runes as '?', cut to n characters.
func truncASCII(s string, n int) string {
	b := make([]byte, 0, min(len(s), n))
	for _, r := range s {
		if len(b) == n {
			break
		}
		if r < ' ' || r > '~' {
			r = '?'
		}
		b = append(b, byte(r))
	}
	return string(b)
}

// asciiLabel is the legend's name of s: its label in lang, in English, or
// its code, the first the font can draw.
func asciiLabel(s domain.FeedbackStatus, lang string) string {
	for _, l := range []string{s.LabelIn(lang), s.Label["en"]} {
		if l != "" && truncASCII(l, len(l)) == l {
			return truncASCII(l, 24)
		}
	}
	return truncASCII(s.Code, 24)
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
