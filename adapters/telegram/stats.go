package telegram

import (
	"cmp"
	"html"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"allot/actors"
	"allot/adapters/telegram/outbox"
	"allot/domain"

	"github.com/mymmrac/telego"
)

// The statistics of the distribution, as a message and as a picture. Both
// render a domain.StatsReport, which already carries the names, statuses
// and colours of its kinds, so the kinds config is not consulted again: a
// kind the config no longer names renders like any other.

// statsEngine is what the statistics screen asks of the engine.
type statsEngine interface {
	PoolDays() []domain.PoolDays
	Now() time.Time
}

var _ statsEngine = (*actors.Engine)(nil)

func (s *session) statsMenu(msgID int) { s.stats(msgID, "a", "d") }

// stats shows a category's figures for a period as a table and a chart.
func (s *session) stats(msgID int, cat, period string) {
	cats := map[string]domain.Category{"a": domain.CategoryAccount, "e": domain.CategoryEmail, "p": domain.CategoryPhone}
	c, ok1 := cats[cat]
	p, err := domain.ParsePeriod(period)
	if !ok1 || err != nil {
		s.show(msgID, s.t("stale_button"), s.kb(s.row(s.btn("btn_back", "dm"))))
		return
	}
	r := domain.BuildStats(s.bot.cfg.Kinds, s.bot.eng.PoolDays(), c, p, s.bot.eng.Now())
	var catRow, perRow []telego.InlineKeyboardButton
	for _, x := range []string{"a", "e", "p"} {
		label := s.t("stats_cat_" + string(cats[x]))
		if x == cat {
			label = "• " + label
		}
		catRow = append(catRow, s.btnText(label, "sts", x, period))
	}
	for _, x := range []string{"d", "w", "m"} {
		label := s.t("stats_period_" + x)
		if x == period {
			label = "• " + label
		}
		perRow = append(perRow, s.btnText(label, "sts", cat, x))
	}
	kb := s.kb(catRow, perRow, s.row(s.btn("btn_back", "dm")))
	out := outbox.Message{Text: statsText(s.lang, r, s.bot.cfg.Kinds, s.t), Keyboard: kb}
	if png, err := statsChart(r, s.bot.cfg.Kinds, s.lang); err == nil {
		out.Photo, out.PhotoName = png, "stats.png"
		msgID = 0 // a message with a picture is sent, not edited from text
	} else {
		s.bot.log.Warn("drawing the statistics chart failed", "err", err)
	}
	s.showOut(msgID, out)
}

// Bounds of the statistics message.
const (
	// statsMaxChars keeps a message under Telegram's 4096 characters
	// (counted in UTF-16), with room to spare for a caller's buttons text.
	statsMaxChars = 4000
	// statsNameRunes and statsLabelRunes keep a row narrow enough for a
	// phone, where a wider <pre> line wraps and the columns fall apart.
	statsNameRunes  = 14
	statsLabelRunes = 8
)

// statsText renders r as a message in HTML parse mode: a title, then a
// monospaced table with the grand total first (so a table cut short still
// shows it), each kind with its total and its rows, and the regions'
// totals. Status columns carry the statuses' labels in lang; the other
// words come from tr (a session's t). Whatever came from the config or the
// data is escaped. The result is always under statsMaxChars: lines that do
// not fit give way to a last line saying how many were left out.
func statsText(lang string, r domain.StatsReport, _ domain.KindsConfig, tr func(key string, kv ...any) string) string {
	title := tr("stats_title", "category", statsCategory(r.Category, tr),
		"period", statsPeriod(r.Period, tr), "from", r.From, "to", r.To)
	if len(r.Kinds) == 0 {
		return title + "\n\n" + tr("stats_empty")
	}
	lines := newStatsTable(lang, r, tr).render()
	return fitLines(title+"\n<pre>", lines, "</pre>", func(n int) string { return tr("stats_more", "n", n) })
}

// statsCategory names a category in the reader's language.
func statsCategory(c domain.Category, tr func(string, ...any) string) string {
	switch c {
	case domain.CategoryAccount, domain.CategoryEmail, domain.CategoryPhone:
		return tr("stats_cat_" + string(c))
	}
	return truncRunes(string(c), statsNameRunes)
}

// statsPeriod names a period in the reader's language.
func statsPeriod(p domain.Period, tr func(string, ...any) string) string {
	switch p {
	case domain.PeriodDay, domain.PeriodWeek, domain.PeriodMonth:
		return tr("stats_period_" + string(p))
	}
	return truncRunes(string(p), statsNameRunes)
}

// statsTable is the table of a report before it becomes text: a name and
// the cells of each line, plain (not yet escaped).
type statsTable struct {
	head  []string
	other bool // a column of feedback under statuses the config no longer names
	names []string
	cells [][]string // nil for a line that only names a section
}

// newStatsTable lays r out: the grand total, each kind's total and rows,
// the regions. The catalog's column words are plain text, escaped later
// with everything else in the table.
func newStatsTable(lang string, r domain.StatsReport, tr func(string, ...any) string) *statsTable {
	t := &statsTable{other: r.Total.Other > 0}
	t.head = append(t.head, tr("stats_issued"))
	for _, s := range r.Statuses {
		t.head = append(t.head, cmp.Or(s.LabelIn(lang), s.Code))
	}
	t.head = append(t.head, tr("stats_pending"))
	if t.other {
		t.head = append(t.head, tr("stats_other"))
	}
	all := columnsIn(r.Statuses, r.Statuses)
	t.add(tr("stats_total"), t.counts(r.Total, all))
	for _, k := range r.Kinds {
		cols := columnsIn(r.Statuses, k.Statuses)
		name := k.Name
		if !k.Known {
			name = k.Code + " ?" // the config no longer names it
		}
		t.add(name, t.counts(k.Total, cols))
		for _, row := range k.Rows {
			t.add(" "+strings.TrimSpace(row.Variant+" "+row.Region), t.counts(row.StatsCounts, cols))
		}
	}
	if len(r.Regions) > 0 {
		t.add(tr("stats_regions"), nil)
	}
	for _, reg := range r.Regions {
		t.add(" "+reg.Region, t.counts(reg.StatsCounts, all))
	}
	return t
}

// add appends a line, its name cut to fit the name column.
func (t *statsTable) add(name string, cells []string) {
	t.names = append(t.names, truncRunes(name, statsNameRunes))
	t.cells = append(t.cells, cells)
}

// counts lays out c's figures under the table's columns: cols[j] is the
// index in c.Status of the report's j-th status, or -1 where c's kind has
// no such status.
func (t *statsTable) counts(c domain.StatsCounts, cols []int) []string {
	cells := []string{strconv.Itoa(c.Issued)}
	for _, i := range cols {
		if i < 0 || i >= len(c.Status) {
			cells = append(cells, "-")
			continue
		}
		cells = append(cells, strconv.Itoa(c.Status[i]))
	}
	cells = append(cells, strconv.Itoa(c.Pending))
	if t.other {
		cells = append(cells, strconv.Itoa(c.Other))
	}
	return cells
}

// columnsIn maps each of want to its index in have, or -1.
func columnsIn(want, have []domain.FeedbackStatus) []int {
	cols := make([]int, len(want))
	for j, s := range want {
		cols[j] = slices.IndexFunc(have, func(h domain.FeedbackStatus) bool { return h.Code == s.Code })
	}
	return cols
}

// render pads the table into escaped lines: names to the left, numbers
// right-aligned under headers cut to statsLabelRunes.
func (t *statsTable) render() []string {
	nameW := 0
	for _, n := range t.names {
		nameW = max(nameW, utf8.RuneCountInString(n))
	}
	head := make([]string, len(t.head))
	widths := make([]int, len(t.head))
	for i, h := range t.head {
		head[i] = truncRunes(h, statsLabelRunes)
		widths[i] = utf8.RuneCountInString(head[i])
		for _, cells := range t.cells {
			if i < len(cells) {
				widths[i] = max(widths[i], len(cells[i]))
			}
		}
	}
	lines := []string{padLine("", nameW, head, widths)}
	for i, n := range t.names {
		lines = append(lines, padLine(n, nameW, t.cells[i], widths))
	}
	return lines
}

// padLine is one escaped line of the table. It pads before escaping, as
// "&lt;" is one character on the screen and four in the string.
func padLine(name string, nameW int, cells []string, widths []int) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteString(strings.Repeat(" ", nameW-utf8.RuneCountInString(name)))
	for i, c := range cells {
		b.WriteString(strings.Repeat(" ", 1+widths[i]-utf8.RuneCountInString(c)))
		b.WriteString(c)
	}
	return html.EscapeString(strings.TrimRight(b.String(), " "))
}

// fitLines joins head, lines and tail, leaving out the lines that would take
// the whole past statsMaxChars and saying how many with more(n), which
// takes the place of the first line left out.
func fitLines(head string, lines []string, tail string, more func(n int) string) string {
	var b strings.Builder
	b.WriteString(head)
	used := utf16Len(head) + utf16Len(tail)
	for i, l := range lines {
		need := 1 + utf16Len(l)
		if rest := len(lines) - i - 1; rest > 0 {
			need += 1 + utf16Len(more(rest)) // room to say the later lines were left out
		}
		if used+need >= statsMaxChars {
			b.WriteString("\n" + more(len(lines)-i))
			break
		}
		b.WriteString("\n" + l)
		used += 1 + utf16Len(l)
	}
	b.WriteString(tail)
	return b.String()
}

// utf16Len is s's length as Telegram counts it.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += max(utf16.RuneLen(r), 1)
	}
	return n
}

// truncRunes cuts s to n runes, the last an ellipsis when s was longer.
func truncRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:max(n-1, 0)]) + "…"
}
