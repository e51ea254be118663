package telegram

import (
	"strings"
	"testing"
	"unicode"

	"allot/domain"
)

// mustChart lays out r's chart in lang.
func mustChart(t testing.TB, r domain.StatsReport, lang string) *chart {
	t.Helper()
	c, err := newChart(r, lang)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// chartWords are every text a chart draws: title, note, legend, labels.
func chartWords(c *chart) []string {
	words := append([]string{c.title, c.note, c.noData}, c.legend...)
	for _, g := range c.groups {
		words = append(words, g.label[:]...)
	}
	return words
}

func TestStatsChart_SpeaksTheReadersLanguage(t *testing.T) {
	kinds := statsExampleKinds(t)
	pools := []domain.PoolDays{statsToday("vk/495", 5, "good", 2, "defective", 1), statsToday("mamba/812/female", 3, "blocked", 1)}
	r := domain.BuildStats(kinds, pools, domain.CategoryAccount, domain.PeriodWeek, statsNow)
	for _, tc := range []struct {
		lang   string
		wTitle string
		wShown []string // drawn somewhere on the chart
	}{
		{lang: "ru", wTitle: "Аккаунты, 7 дней: 2026-02-23 – 2026-03-01 UTC",
			wShown: []string{"Выдано", "Хороший", "Блок", "Дефектный", "ВКонтакте", "Мамба", "female"}},
		{lang: "en", wTitle: "Accounts, 7 days: 2026-02-23 – 2026-03-01 UTC",
			wShown: []string{"Issued", "Good", "Blocked", "Defective", "ВКонтакте", "Мамба"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			c := mustChart(t, r, tc.lang)
			if c.title != tc.wTitle {
				t.Errorf("title %q, want %q", c.title, tc.wTitle)
			}
			b, err := statsChart(r, kinds, tc.lang)
			img := decodeChart(t, b, err)
			if got, want := img.Bounds(), c.img.Bounds(); got != want {
				t.Errorf("the PNG is %v, laid out %v", got, want)
			}
			for _, w := range append([]string{tc.wTitle}, tc.wShown...) {
				if !chartHasText(t, img, w) {
					t.Errorf("%q is not drawn", w)
				}
			}
		})
	}
}

// TestStatsChart_FontHasEveryRune checks the glyphs themselves: every rune
// of a Russian chart's words is in the face, none drawn as the font's
// missing-glyph box, and none was replaced by '?'.
func TestStatsChart_FontHasEveryRune(t *testing.T) {
	kinds := statsExampleKinds(t)
	pools := []domain.PoolDays{statsToday("vk/495", 5, "good", 2, "blocked", 1, "defective", 1)}
	for _, cat := range []domain.Category{domain.CategoryAccount, domain.CategoryEmail, domain.CategoryPhone} {
		for _, p := range []domain.Period{domain.PeriodDay, domain.PeriodWeek, domain.PeriodMonth} {
			c := mustChart(t, domain.BuildStats(kinds, pools, cat, p, statsNow), "ru")
			cyrillic := 0
			for _, w := range chartWords(c) {
				if strings.ContainsRune(w, '?') {
					t.Errorf("%s/%s: %q has a rune the font lacks", cat, p, w)
				}
				for _, r := range w {
					if _, ok := c.face.GlyphAdvance(r); !ok {
						t.Errorf("%s/%s: no glyph for %q in %q", cat, p, r, w)
					}
					if unicode.Is(unicode.Cyrillic, r) {
						cyrillic++
					}
				}
			}
			if cyrillic == 0 {
				t.Errorf("%s/%s: nothing Russian in %q", cat, p, chartWords(c))
			}
		}
	}
}

func TestChart_Drawable(t *testing.T) {
	c := mustChart(t, domain.StatsReport{}, "en")
	for _, tc := range []struct {
		in, want string
	}{
		{in: "Хороший", want: "Хороший"},
		{in: "Good 😀", want: "Good ?"},
		{in: "a\x00b\xffc", want: "a?b?c"},
		{in: "日本", want: "??"},
		{in: strings.Repeat("я", 1000), want: strings.Repeat("я", chartMaxRunes)},
	} {
		if got := c.drawable(tc.in); got != tc.want {
			t.Errorf("drawable(%.20q) = %.20q, want %.20q", tc.in, got, tc.want)
		}
	}
}

func TestChart_Fit(t *testing.T) {
	c := mustChart(t, domain.StatsReport{}, "ru")
	for _, tc := range []struct {
		in    string
		w     int
		wCut  bool
		wGone bool
	}{
		{in: "ВКонтакте", w: 200},
		{in: "Одноклассники", w: 40, wCut: true},
		{in: strings.Repeat("Щ", 500), w: 300, wCut: true},
		{in: "Мамба", w: 1, wGone: true},
	} {
		got := c.fit(tc.in, tc.w)
		switch {
		case c.width(got) > tc.w:
			t.Errorf("fit(%.20q, %d) = %q, %d pixels wide", tc.in, tc.w, got, c.width(got))
		case tc.wGone && got != "":
			t.Errorf("fit(%.20q, %d) = %q, want nothing", tc.in, tc.w, got)
		case tc.wCut != strings.HasSuffix(got, "…") && !tc.wGone:
			t.Errorf("fit(%.20q, %d) = %q, cut %v", tc.in, tc.w, got, tc.wCut)
		case !tc.wCut && !tc.wGone && got != tc.in:
			t.Errorf("fit(%q, %d) = %q", tc.in, tc.w, got)
		}
	}
}

// BenchmarkStatsChart draws the widest chart there is, twenty groups of
// Russian labels, PNG and all: what a press of the statistics button costs.
func BenchmarkStatsChart(b *testing.B) {
	r := statsHugeReport(200)
	for i := range r.Kinds {
		r.Kinds[i].Name = "Одноклассники"
	}
	for b.Loop() {
		if _, err := statsChart(r, domain.KindsConfig{}, "ru"); err != nil {
			b.Fatal(err)
		}
	}
}
