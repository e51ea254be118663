package telegram

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"allot/actors"
	"allot/adapters/sheets"
	"allot/adapters/sheets/sheetstest"
	"allot/adapters/sheets/stocker"
	"allot/adapters/telegram/telegramtest"
	"allot/domain"
)

func seedKinds(t *testing.T) domain.KindsConfig {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "kinds.json"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := domain.ParseKinds(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// distWorld is the bot with distribution on: the seed's kinds, stock in the
// fake Sheets server, reached by the real Sheets client.
type distWorld struct {
	*world
	sheets *sheetstest.Server
	stock  *stocker.Stocker
	kinds  domain.KindsConfig
}

func newDistWorld(t *testing.T, tg *telegramtest.Server, sh *sheetstest.Server, dir string, clock *testClock) *distWorld {
	t.Helper()
	kinds := seedKinds(t)
	w := newWorldWith(t, tg, dir, clock, func(o *actors.Options, c *Config) { o.Kinds, c.Kinds = kinds, kinds })
	cfg, err := sheets.ConfigFromEnv(func(k string) string {
		if k == sheets.EnvEndpoint {
			return sh.URL()
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	// The client's budget would pace requests in real seconds; the fake's
	// own quota still answers 429 if the pace is ever exceeded.
	noWait := func(context.Context, time.Duration) error { return nil }
	client, err := sheets.NewClient(context.Background(), cfg, sheets.WithClock(time.Now, noWait))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	st, err := stocker.Start(w.eng, stocker.Options{Store: client, StockSheet: cfg.StockSpreadsheet,
		IssuedSheet: cfg.IssuedSpreadsheet, FlushEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return &distWorld{world: w, sheets: sh, stock: st, kinds: kinds}
}

// fakeStock fills the fake spreadsheets: every kind's tabs with a header,
// and VK with male accounts for region 495.
func fakeStock(t *testing.T, kinds domain.KindsConfig) *sheetstest.Server {
	sh := sheetstest.New()
	t.Cleanup(sh.Close)
	var stockTabs, issuedTabs []string
	for _, k := range kinds.Kinds {
		for _, st := range k.StockTabs() {
			stockTabs = append(stockTabs, st.Tab)
		}
		issuedTabs = append(issuedTabs, k.IssuedTab)
	}
	sh.AddSpreadsheet(sheets.FakeStockSpreadsheet, uniq(stockTabs)...)
	sh.AddSpreadsheet(sheets.FakeIssuedSpreadsheet, uniq(issuedTabs)...)
	for _, k := range kinds.Kinds {
		for _, st := range k.StockTabs() {
			sh.SetRows(sheets.FakeStockSpreadsheet, st.Tab, [][]string{k.Columns})
		}
	}
	rows := [][]string{{"login", "password", "gender", "region"}}
	for i := 0; i < 12; i++ {
		rows = append(rows, []string{fmt.Sprintf("vk_m_%02d", i), fmt.Sprintf("pw%02d", i), "male", "495"})
	}
	sh.SetRows(sheets.FakeStockSpreadsheet, "ВКонтакте", rows)
	return sh
}

func uniq(xs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func TestDistributionJourney(t *testing.T) {
	kinds := seedKinds(t)
	tg := telegramtest.New()
	defer tg.Close()
	sh := fakeStock(t, kinds)
	dir := t.TempDir()
	clock := &testClock{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	w := newDistWorld(t, tg, sh, dir, clock)
	ctx := context.Background()
	if err := w.stock.RefillNow(ctx); err != nil {
		t.Fatal(err)
	}

	tg.Command(admin, "/start", "") // a bot can write only to people who opened it
	w.see(admin, "Hello")
	tg.Command(bob, "/start", "")
	w.see(bob, "Здравствуйте")

	// Registration: a stranger asks for access under a nickname; the
	// admin approves it from the message the bot sends them.
	tg.Command(alice, "/start", "")
	menu := w.see(alice, "Hello")
	w.press(alice, menu, "🪪")
	w.see(alice, "work nickname")
	tg.SendText(alice, "Alice W")
	w.see(alice, "went to the admins")
	req := w.see(admin, "Staff request", "Alice W")

	// Until then, every distribution update of hers is refused.
	tg.Command(alice, "/get", "")
	w.see(alice, "approved staff only")
	w.forge(bob, "1:dk:vk")
	w.see(bob, "только для одобренных")
	w.press(admin, req, "✅")
	w.seeOn(admin, req.ID, "is approved")
	w.see(alice, "access is approved")

	// Three male VK accounts in region 495.
	before := lastID(tg, alice)
	tg.Command(alice, "/get", "")
	m := w.seeOn(alice, -before, "Distribution")
	w.press(alice, m, "👤 ВКонтакте")
	m = w.seeOn(alice, m.ID, "which region")
	w.press(alice, m, "495")
	m = w.seeOn(alice, m.ID, "how many")
	w.press(alice, m, "3")
	m = w.seeOn(alice, m.ID, "which kind")
	before = lastID(tg, alice)
	w.press(alice, m, "♂")
	w.seeOn(alice, m.ID, "Here are 3")
	var items []telegramtest.Message
	for i := 0; i < 3; i++ {
		it := w.seeOn(alice, -before, "vk/495/male#")
		items, before = append(items, it), it.ID
	}

	// Good, blocked with a replacement, defective.
	w.press(alice, items[0], "Good")
	w.seeOn(alice, items[0].ID, "Marked: Good")
	w.press(alice, items[1], "Blocked")
	blocked := w.seeOn(alice, items[1].ID, "replacement?")
	before = lastID(tg, alice)
	w.press(alice, blocked, "🔁")
	repl := w.seeOn(alice, -before, "vk/495/male#")
	w.press(alice, items[2], "Defective")
	w.seeOn(alice, items[2].ID, "Marked: Defective")
	_ = repl // ignored: the timer confirms it

	// A restart in the middle loses nothing: pending and buffer come back.
	w.close()
	w = newDistWorld(t, tg, sh, dir, clock)
	p, err := w.eng.Pool(ctx, "vk/495/male")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Pending) != 1 || len(p.Buffer) != 3 || len(p.Available) != 8 {
		t.Fatalf("after a restart: %d pending, %d buffered, %d available; want 1, 3, 8",
			len(p.Pending), len(p.Buffer), len(p.Available))
	}
	clock.Set(clock.Now().Add(10 * time.Minute))
	w.eng.Advance()
	waitUntil(t, func() bool { p, _ := w.eng.Pool(ctx, "vk/495/male"); return len(p.Pending) == 0 })

	// One write request lands every row with its colour.
	writes := sh.Stats().Writes
	if err := w.stock.FlushNow(ctx); err != nil {
		t.Fatal(err)
	}
	if n := sh.Stats().Writes - writes; n != 1 {
		t.Fatalf("the flush made %d write requests, want 1", n)
	}
	issued := sh.Rows(sheets.FakeIssuedSpreadsheet, "ВКонтакте_Выдано")
	if len(issued) != 4 {
		t.Fatalf("issued tab: %v", issued)
	}
	want := map[string]string{"Хороший": "#B7E1CD", "Блок": "#F4C7C3", "Дефектный": "#FCE8B2"}
	auto := 0
	for i, row := range issued {
		status := row[8]
		c := sh.Cell(sheets.FakeIssuedSpreadsheet, "ВКонтакте_Выдано", i, 0)
		if got := hexColor(c.Background); !strings.EqualFold(got, want[status]) {
			t.Errorf("row %v: colour %q, want %q", row, got, want[status])
		}
		if len(row) > 11 && row[11] == "auto" {
			auto++
		}
	}
	if auto != 1 {
		t.Errorf("%d rows auto-confirmed, want the ignored replacement", auto)
	}

	// Statistics for today, the week and the month.
	for _, period := range []string{"d", "w", "m"} {
		before = lastID(tg, alice)
		w.forge(alice, "1:sts:a:"+period)
		st := w.seeOn(alice, -before, "ВКонтакте")
		if st.Photo == nil || len(st.Photo.Data) == 0 {
			t.Errorf("statistics for %s came without a chart", period)
		}
		r := domain.BuildStats(kinds, w.eng.PoolDays(), domain.CategoryAccount, domain.Period(period), clock.Now())
		if len(r.Kinds) != 1 || r.Total.Issued != 4 {
			t.Errorf("statistics for %s: %+v", period, r.Total)
		}
	}
	// Three days later one more is issued; ten days after that, today and
	// the week are empty and the month still counts all five.
	clock.Set(clock.Now().Add(72 * time.Hour))
	if _, err := w.eng.IssueStock(ctx, "later", domain.UserID(alice.ID), "vk", "495", "male", 1); err != nil {
		t.Fatal(err)
	}
	issuedIn := func(p domain.Period) int {
		return domain.BuildStats(kinds, w.eng.PoolDays(), domain.CategoryAccount, p, clock.Now()).Total.Issued
	}
	if d, wk, m := issuedIn(domain.PeriodDay), issuedIn(domain.PeriodWeek), issuedIn(domain.PeriodMonth); d != 1 || wk != 5 || m != 5 {
		t.Errorf("three days later: day %d, week %d, month %d; want 1, 5, 5", d, wk, m)
	}
	clock.Set(clock.Now().Add(10 * 24 * time.Hour))
	for period, empty := range map[string]bool{"d": true, "w": true, "m": false} {
		before = lastID(tg, alice)
		w.forge(alice, "1:sts:a:"+period)
		if empty {
			w.seeOn(alice, -before, "Nothing was issued")
		} else {
			w.seeOn(alice, -before, "ВКонтакте")
		}
	}
	if m := issuedIn(domain.PeriodMonth); m != 5 {
		t.Errorf("thirteen days later the month counts %d, want 5", m)
	}
	// An admin's destructive command waits for its confirmation.
	before = lastID(tg, admin)
	tg.Command(admin, "/buffer_release", "")
	ask := w.seeOn(admin, -before, "Give every loaded")
	w.press(admin, ask, "⚠️")
	w.seeOn(admin, ask.ID, "going back")
}

func hexColor(c *sheetstest.Color) string {
	if c == nil {
		return ""
	}
	b := func(f float64) int { return int(f*255 + 0.5) }
	return fmt.Sprintf("#%02X%02X%02X", b(c.Red), b(c.Green), b(c.Blue))
}

// waitUntil polls cond for up to 10 s: for the engine's own goroutines, not
// a timing assertion.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not reached in 10 s")
}
