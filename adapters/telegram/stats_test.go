package telegram

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"

	"allot/domain"
)

// statsNow is the "now" of the statistics tests.
var statsNow = time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)

// statsExampleKinds is the example kinds file of the repository.
func statsExampleKinds(t testing.TB) domain.KindsConfig {
	t.Helper()
	b, err := os.ReadFile("../../testdata/kinds.json")
	if err != nil {
		t.Fatal(err)
	}
	k, err := domain.ParseKinds(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// statsTr is the catalog's translation in lang, as a session's t.
func statsTr(t testing.TB, lang string) func(string, ...any) string {
	t.Helper()
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return func(key string, kv ...any) string { return c.T(lang, key, kv...) }
}

// today is one pool's counts issued today: issued, then status, count...
func statsToday(key string, issued int, status ...any) domain.PoolDays {
	kind, region, variant, _ := domain.SplitPoolKey(key)
	dc := domain.DayCount{Issued: issued, Status: map[string]int{}}
	for i := 0; i+1 < len(status); i += 2 {
		dc.Status[status[i].(string)] = status[i+1].(int)
	}
	return domain.PoolDays{Kind: kind, Region: region, Variant: variant,
		Days: map[string]domain.DayCount{statsNow.Format("2006-01-02"): dc}}
}

// statsPreLines is the lines of the <pre> block of a statistics message.
func statsPreLines(t testing.TB, msg string) []string {
	t.Helper()
	_, in, ok := strings.Cut(msg, "<pre>\n")
	in, _, ok2 := strings.Cut(in, "</pre>")
	if !ok || !ok2 {
		t.Fatalf("no <pre> block in %q", msg)
	}
	return strings.Split(in, "\n")
}

// statsHugeReport has n rows whose names are long and need escaping.
func statsHugeReport(n int) domain.StatsReport {
	st := []domain.FeedbackStatus{{Code: "good", Label: map[string]string{"en": "Good"}, Color: "#B7E1CD"}}
	r := domain.StatsReport{Category: domain.CategoryAccount, Period: domain.PeriodMonth, From: "2026-01-31", To: "2026-03-01", Statuses: st}
	for i := range n {
		k := domain.KindStats{Code: fmt.Sprintf("k%d", i), Name: strings.Repeat("<&>", 20), Known: true, Statuses: st}
		k.Rows = []domain.StatsRow{{Region: "495", StatsCounts: domain.StatsCounts{Issued: i + 1, Status: []int{i}, Pending: 1}}}
		k.Total = k.Rows[0].StatsCounts
		r.Kinds = append(r.Kinds, k)
		r.Total.Issued += i + 1
	}
	r.Total.Status = []int{0}
	return r
}

func TestStatsText_Table(t *testing.T) {
	kinds := statsExampleKinds(t)
	pools := []domain.PoolDays{
		statsToday("vk/495", 10, "good", 5, "blocked", 1),
		statsToday("vk/812", 2),
		statsToday("mamba/495/female", 3, "defective", 3),
	}
	r := domain.BuildStats(kinds, pools, domain.CategoryAccount, domain.PeriodWeek, statsNow)
	for _, tc := range []struct {
		lang  string
		wHead []string
		wLine []string
	}{
		{lang: "en", wHead: []string{"📊 <b>Accounts</b> · 7 days · 2026-02-23 – 2026-03-01 UTC"},
			wLine: []string{"Issued", "Good", "Blocked", "Defecti…", "Pending", "Total", "ВКонтакте", " 495", " 812", "Мамба", " female 495", "Regions"}},
		{lang: "ru", wHead: []string{"📊 <b>Аккаунты</b> · 7 дней · 2026-02-23 – 2026-03-01 UTC"},
			wLine: []string{"Выдано", "Хороший", "Блок", "Дефектн…", "Ждут", "Итого", "Регионы"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			msg := statsText(tc.lang, r, kinds, statsTr(t, tc.lang))
			for _, w := range tc.wHead {
				if !strings.HasPrefix(msg, w) {
					t.Errorf("message starts %q, want %q", msg[:min(len(msg), 80)], w)
				}
			}
			lines := statsPreLines(t, msg)
			for _, w := range tc.wLine {
				if !strings.Contains(strings.Join(lines, "\n"), w) {
					t.Errorf("no %q in\n%s", w, strings.Join(lines, "\n"))
				}
			}
			if got := strings.Fields(lines[1]); strings.Join(got[1:], " ") != "15 5 1 3 6" {
				t.Errorf("the total comes first: %q", lines[1])
			}
			width := utf8.RuneCountInString(lines[0])
			for _, l := range lines {
				if n := utf8.RuneCountInString(l); n != width && strings.ContainsAny(l, "0123456789") {
					t.Errorf("line %q is %d wide, the header %d: numbers are not aligned", l, n, width)
				}
			}
		})
	}
}

func TestStatsText_EscapesWhatTheConfigSays(t *testing.T) {
	st := []domain.FeedbackStatus{{Code: "x", Label: map[string]string{"en": "<i>&"}, Color: "#FF0000"}}
	r := domain.StatsReport{Category: domain.CategoryPhone, Period: domain.PeriodDay, From: "d<", To: "d>", Statuses: st,
		Kinds: []domain.KindStats{{Code: "k", Name: "<b>Eve</b>", Known: true, Statuses: st,
			Rows:  []domain.StatsRow{{Variant: "<v>", Region: "<r>", StatsCounts: domain.StatsCounts{Issued: 1, Status: []int{1}}}},
			Total: domain.StatsCounts{Issued: 1, Status: []int{1}}}},
		Regions: []domain.RegionStats{{Region: "<r>", StatsCounts: domain.StatsCounts{Issued: 1, Status: []int{1}}}},
		Total:   domain.StatsCounts{Issued: 1, Status: []int{1}},
	}
	msg := statsText("en", r, domain.KindsConfig{}, statsTr(t, "en"))
	for _, w := range []string{"&lt;b&gt;Eve&lt;/b&gt;", "&lt;i&gt;&amp;", "&lt;v&gt; &lt;r&gt;", "d&lt;", "d&gt;"} {
		if !strings.Contains(msg, w) {
			t.Errorf("no %q in %s", w, msg)
		}
	}
	tags := regexp.MustCompile(`</?(b|pre)>`).ReplaceAllString(msg, "")
	if strings.ContainsAny(tags, "<>") {
		t.Fatalf("something unescaped: %s", msg)
	}
}

func TestStatsText_StaysUnderTelegramsLimit(t *testing.T) {
	tr := statsTr(t, "ru")
	for _, tc := range []struct {
		name string
		r    domain.StatsReport
	}{
		{name: "many rows", r: statsHugeReport(2000)},
		{name: "one line longer than a message", r: func() domain.StatsReport {
			r := statsHugeReport(1)
			for i := range 2000 {
				r.Statuses = append(r.Statuses, domain.FeedbackStatus{Code: fmt.Sprint("s", i), Label: map[string]string{"en": "😀😀😀"}})
			}
			return r
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := statsText("ru", tc.r, domain.KindsConfig{}, tr)
			if n := utf16Len(msg); n >= statsMaxChars || utf8.RuneCountInString(msg) >= statsMaxChars {
				t.Fatalf("%d characters, want fewer than %d", n, statsMaxChars)
			}
			lines := statsPreLines(t, msg)
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, "…") {
				t.Fatalf("the last line is %q, want one saying lines were left out", last)
			}
			if strings.Contains(msg, "<&>") {
				t.Fatal("a name is not escaped")
			}
		})
	}
	msg := statsText("en", statsHugeReport(3), domain.KindsConfig{}, tr)
	if lines := statsPreLines(t, msg); len(lines) != 8 || strings.HasPrefix(lines[len(lines)-1], "…") {
		t.Fatalf("a short report was cut: %s", msg)
	}
}

func TestStatsText_Empty(t *testing.T) {
	r := domain.BuildStats(statsExampleKinds(t), nil, domain.CategoryEmail, domain.PeriodDay, statsNow)
	msg := statsText("en", r, domain.KindsConfig{}, statsTr(t, "en"))
	if want := "📊 <b>E-mails</b> · today · 2026-03-01 – 2026-03-01 UTC\n\nNothing was issued in this period."; msg != want {
		t.Fatalf("got %q, want %q", msg, want)
	}
}

// decodeChart decodes a chart and checks its size.
func decodeChart(t testing.TB, b []byte, err error) image.Image {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if s := img.Bounds().Size(); s.X < 100 || s.Y < 100 || s.X > 1600 || s.Y > 1200 {
		t.Fatalf("size %v, want within 100×100 and 1600×1200", s)
	}
	return img
}

// chartHasColor reports whether some pixel of img in r is c.
func chartHasColor(img image.Image, r image.Rectangle, c color.RGBA) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)) == c {
				return true
			}
		}
	}
	return false
}

// chartHasText reports whether img shows s, drawn in the chart's font and ink.
func chartHasText(t testing.TB, img image.Image, s string) bool {
	t.Helper()
	face, err := chartFace()
	if err != nil {
		t.Fatal(err)
	}
	want := image.NewRGBA(image.Rect(0, 0, font.MeasureString(face, s).Ceil(), chartLine-1))
	draw.Draw(want, want.Bounds(), image.NewUniform(chartBackground), image.Point{}, draw.Src)
	d := font.Drawer{Dst: want, Src: image.NewUniform(chartInk), Face: face, Dot: fixed.Point26_6{Y: face.Metrics().Ascent}}
	d.DrawString(s)
	b, w := img.Bounds(), want.Bounds().Size()
	for y := b.Min.Y; y+w.Y <= b.Max.Y; y++ {
		for x := b.Min.X; x+w.X <= b.Max.X; x++ {
			if chartSameAt(img, want, x, y) {
				return true
			}
		}
	}
	return false
}

func chartSameAt(img image.Image, want *image.RGBA, x0, y0 int) bool {
	for y := range want.Bounds().Dy() {
		for x := range want.Bounds().Dx() {
			if color.RGBAModel.Convert(img.At(x0+x, y0+y)) != want.RGBAAt(x, y) {
				return false
			}
		}
	}
	return true
}

func TestStatsChart_BarsInTheStatusesColours(t *testing.T) {
	kinds := statsExampleKinds(t)
	good, blocked, defective := parseColor("#B7E1CD", chartInk), parseColor("#F4C7C3", chartInk), parseColor("#FCE8B2", chartInk)
	for _, tc := range []struct {
		name  string
		pools []domain.PoolDays
		wHas  []color.RGBA
		wNot  []color.RGBA
	}{
		{name: "good and defective", pools: []domain.PoolDays{statsToday("vk/495", 5, "good", 2, "defective", 1)},
			wHas: []color.RGBA{chartIssued, good, defective}, wNot: []color.RGBA{blocked}},
		{name: "blocked only", pools: []domain.PoolDays{statsToday("mamba/812/male", 1, "blocked", 1)},
			wHas: []color.RGBA{chartIssued, blocked}, wNot: []color.RGBA{good, defective}},
		{name: "no feedback yet", pools: []domain.PoolDays{statsToday("ok/383", 1)},
			wHas: []color.RGBA{chartIssued}, wNot: []color.RGBA{good, blocked, defective}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := domain.BuildStats(kinds, tc.pools, domain.CategoryAccount, domain.PeriodWeek, statsNow)
			b, err := statsChart(r, kinds, "ru")
			img := decodeChart(t, b, err)
			plot := mustChart(t, r, "ru").plot
			for _, c := range tc.wHas {
				if !chartHasColor(img, plot, c) {
					t.Errorf("no bar of %v", c)
				}
				if !chartHasColor(img, img.Bounds(), c) {
					t.Errorf("%v is not in the legend", c)
				}
			}
			for _, c := range tc.wNot {
				if chartHasColor(img, plot, c) {
					t.Errorf("a bar of %v, which has no counts", c)
				}
			}
			if !chartHasText(t, img, "Аккаунты, 7 дней: 2026-02-23 – 2026-03-01 UTC") || !chartHasText(t, img, "Хороший") {
				t.Error("no Russian title or legend")
			}
		})
	}
}

func TestStatsChart_NoData(t *testing.T) {
	kinds := statsExampleKinds(t)
	r := domain.BuildStats(kinds, nil, domain.CategoryPhone, domain.PeriodDay, statsNow)
	b, err := statsChart(r, kinds, "en")
	img := decodeChart(t, b, err)
	if !chartHasText(t, img, "no data") {
		t.Fatal("an empty chart does not say there is no data")
	}
}

func TestStatsChart_KeepsToItsBounds(t *testing.T) {
	huge := statsHugeReport(200)
	huge.Kinds[0].Name = "Кириллица"
	huge.Kinds[1].Code = "код\x00\xff"
	huge.Kinds[2].Rows[0].Issued = 1 << 62
	huge.Kinds[2].Rows[0].Status = []int{-5}
	many := statsHugeReport(3)
	for i := range 100 {
		many.Statuses = append(many.Statuses, domain.FeedbackStatus{Code: fmt.Sprint("s", i), Color: "nope"})
	}
	for _, tc := range []struct {
		name  string
		r     domain.StatsReport
		wNote string
	}{
		{name: "many rows", r: huge, wNote: "20 строк из 200, где выдано больше всего"},
		{name: "many statuses", r: many},
		{name: "a report of nothing at all", r: domain.StatsReport{}},
		{name: "rows without status counts", r: domain.StatsReport{Statuses: many.Statuses[:3],
			Kinds: []domain.KindStats{{Code: "x", Statuses: many.Statuses[:2], Rows: []domain.StatsRow{{Region: "1"}}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := statsChart(tc.r, domain.KindsConfig{}, "ru")
			img := decodeChart(t, b, err)
			if tc.wNote != "" && !chartHasText(t, img, tc.wNote) {
				t.Errorf("no note %q", tc.wNote)
			}
		})
	}
}

func TestStatsChart_PicksTheRowsWithMostIssued(t *testing.T) {
	groups, left := chartGroups(statsHugeReport(50), nil)
	if len(groups) != chartMaxGroups || left != 50-chartMaxGroups {
		t.Fatalf("%d groups, %d left out, want %d and %d", len(groups), left, chartMaxGroups, 50-chartMaxGroups)
	}
	for i, g := range groups { // rows issued 31..50, in the report's order
		if g.values[0] != 31+i {
			t.Fatalf("group %d issued %d, want %d", i, g.values[0], 31+i)
		}
	}
}

// FuzzStatsText checks that whatever the data, the message keeps to the
// limit, escapes it, and the chart is a PNG within its bounds.
func FuzzStatsText(f *testing.F) {
	f.Add("vk", "495", "", 3, "good", 1, "<b>")
	f.Add("zz", "<i>", "&", 1<<40, "x\x00", -1, "😀")
	kinds := statsExampleKinds(f)
	tr := statsTr(f, "en")
	f.Fuzz(func(t *testing.T, kind, region, variant string, issued int, status string, n int, name string) {
		pools := []domain.PoolDays{statsToday("vk/495", 2, "good", 1), {Kind: kind, Region: region, Variant: variant,
			Days: map[string]domain.DayCount{statsNow.Format("2006-01-02"): {Issued: issued, Status: map[string]int{status: n}}}}}
		r := domain.BuildStats(kinds, pools, domain.CategoryAccount, domain.PeriodDay, statsNow)
		r.Kinds[0].Name = name
		msg := statsText("ru", r, kinds, tr)
		if utf16Len(msg) >= statsMaxChars {
			t.Fatalf("%d characters", utf16Len(msg))
		}
		if tags := regexp.MustCompile(`</?(b|pre)>`).ReplaceAllString(msg, ""); strings.ContainsAny(tags, "<>") {
			t.Fatalf("something unescaped: %s", msg)
		}
		b, err := statsChart(r, kinds, "ru")
		decodeChart(t, b, err)
	})
}
