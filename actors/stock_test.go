package actors

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"allot/adapters/sheets/csvstore"
	"allot/domain"
)

func testKinds(t testing.TB) domain.KindsConfig {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "kinds.json"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := domain.ParseKinds(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// stockRig is an engine with the seed's kinds, distributing from CSV tabs.
type stockRig struct {
	t     *testing.T
	dir   string
	clk   *clock
	store *csvstore.Store
	e     *Engine
	s     *Stocker

	mu     sync.Mutex
	alerts []string
}

func newStockRig(t *testing.T, tabs map[string][][]string) *stockRig {
	dir := t.TempDir()
	if _, ok := tabs["Прокси"]; !ok {
		tabs["Прокси"] = nil
	}
	for _, k := range testKinds(t).Kinds {
		for _, st := range k.StockTabs() {
			if _, ok := tabs[st.Tab]; !ok {
				tabs[st.Tab] = [][]string{k.Columns}
			}
		}
	}
	if err := csvstore.WriteSample(filepath.Join(dir, "sheets"), "stock", tabs); err != nil {
		t.Fatal(err)
	}
	issued := map[string][][]string{}
	for _, k := range testKinds(t).Kinds {
		issued[k.IssuedTab] = nil
	}
	if err := csvstore.WriteSample(filepath.Join(dir, "sheets"), "issued", issued); err != nil {
		t.Fatal(err)
	}
	store, err := csvstore.Open(filepath.Join(dir, "sheets"))
	if err != nil {
		t.Fatal(err)
	}
	r := &stockRig{t: t, dir: dir, clk: newClock(), store: store}
	r.open()
	return r
}

func (r *stockRig) open() {
	r.e = openTest(r.t, filepath.Join(r.dir, "data"), r.clk, func(o *Options) { o.Kinds = testKinds(r.t) })
	s, err := r.e.Distribute(StockOptions{Store: r.store, StockSheet: "stock", IssuedSheet: "issued", FlushEvery: time.Hour,
		Alert: func(text string) {
			r.mu.Lock()
			r.alerts = append(r.alerts, text)
			r.mu.Unlock()
		}})
	if err != nil {
		r.t.Fatal(err)
	}
	r.s = s
}

func (r *stockRig) restart() {
	r.t.Helper()
	if err := r.e.Close(ctxT(r.t)); err != nil {
		r.t.Fatal(err)
	}
	r.open()
}

func (r *stockRig) refill() {
	r.t.Helper()
	if err := r.s.RefillNow(ctxT(r.t)); err != nil {
		r.t.Fatalf("refill: %v", err)
	}
}

func (r *stockRig) rows(sheet, tab string) [][]string {
	r.t.Helper()
	rows, err := r.store.ReadRows(ctxT(r.t), sheet, tab)
	if err != nil {
		r.t.Fatal(err)
	}
	return rows
}

func (r *stockRig) pool(key string) *domain.Pool {
	r.t.Helper()
	p, err := r.e.Pool(ctxT(r.t), key)
	if err != nil {
		r.t.Fatal(err)
	}
	return p
}

func vkRows(region string, from, n int) [][]string {
	var rows [][]string
	for i := from; i < from+n; i++ {
		rows = append(rows, []string{fmt.Sprintf("vk%s_%03d", region, i), fmt.Sprint("pw", i), "male", region})
	}
	return rows
}

func TestStockJourney(t *testing.T) {
	vk := append([][]string{{"login", "password", "gender", "region"}}, vkRows("495", 0, 40)...)
	vk = append(vk, vkRows("812", 0, 5)...)
	r := newStockRig(t, map[string][][]string{"ВКонтакте": vk})
	ctx := ctxT(t)

	r.refill()
	if got := len(r.pool("vk/495/male").Available); got != 30 {
		t.Fatalf("vk/495 has %d available after a refill, want a batch of 30", got)
	}
	if got := len(r.pool("vk/812/male").Available); got != 5 {
		t.Fatalf("vk/812 has %d, want the 5 there were", got)
	}
	if left := r.rows("stock", "ВКонтакте"); len(left) != 11 || left[0][0] != "login" {
		t.Fatalf("stock tab after the load: %d rows (want the header and 10), first %v", len(left), left[0])
	}
	if p := r.pool("vk/495/male"); len(p.Claimed) != 0 {
		t.Fatalf("claims not forgotten after their rows were deleted: %v", p.Claimed)
	}

	// The introspection copy hides the password column; the pool keeps it.
	view, err := r.e.Entity(ctx, domain.KindPool, "vk/495/male")
	if err != nil {
		t.Fatal(err)
	}
	if vp := view.(*domain.Pool); vp.Available[0].Cells[1] != "***" || vp.Available[0].Cells[0] == "***" {
		t.Fatalf("introspection shows %v", vp.Available[0].Cells)
	}
	if p := r.pool("vk/495/male"); !strings.HasPrefix(p.Available[0].Cells[1], "pw") {
		t.Fatalf("redaction reached the pool itself: %v", p.Available[0].Cells)
	}

	got, err := r.e.IssueStock(ctx, "op1", alice, "vk", "495", "male", 3)
	if err != nil || len(got) != 3 {
		t.Fatalf("issue 3: %v, %v", got, err)
	}
	again, err := r.e.IssueStock(ctx, "op1", alice, "vk", "495", "male", 3)
	if err != nil || !slices.EqualFunc(got, again, func(a, b domain.StockItem) bool { return a.ID == b.ID }) {
		t.Fatalf("a retried issue gave %v, %v; want the same items", again, err)
	}
	if _, err := r.e.IssueStock(ctx, "op2", alice, "vk", "999", "male", 1); !errors.Is(err, domain.ErrBadRegion) {
		t.Fatalf("unknown region: %v", err)
	}
	if _, err := r.e.IssueStock(ctx, "op3", alice, "vk", "495", "any", 6); !errors.Is(err, domain.ErrNotPermitted) {
		t.Fatalf("six at once: %v", err)
	}

	if _, err := r.e.StockFeedback(ctx, bob, got[0].ID, "good"); !errors.Is(err, domain.ErrNotPermitted) {
		t.Fatalf("someone else's feedback: %v", err)
	}
	if res, err := r.e.StockFeedback(ctx, alice, got[0].ID, "good"); err != nil || res.Replace {
		t.Fatalf("good: %+v, %v", res, err)
	}
	res, err := r.e.StockFeedback(ctx, alice, got[1].ID, "blocked")
	if err != nil || !res.Replace {
		t.Fatalf("blocked: %+v, %v; want a replacement offered", res, err)
	}
	rep, err := r.e.Replace(ctx, alice, got[1].ID)
	if err != nil || len(rep) != 1 {
		t.Fatalf("replacement: %v, %v", rep, err)
	}
	if rep2, _ := r.e.Replace(ctx, alice, got[1].ID); len(rep2) != 1 || rep2[0].ID != rep[0].ID {
		t.Fatalf("pressing replace twice gave %v, then %v", rep, rep2)
	}
	if _, err := r.e.StockFeedback(ctx, alice, got[2].ID, "defective"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.e.StockFeedback(ctx, alice, got[2].ID, "good"); !errors.Is(err, domain.ErrAlreadyDecided) {
		t.Fatalf("feedback twice: %v", err)
	}

	// The replacement is ignored: a restart in the middle keeps it pending.
	r.restart()
	p := r.pool("vk/495/male")
	if len(p.Pending) != 1 || len(p.Buffer) != 3 || len(p.Available) != 26 {
		t.Fatalf("after a restart: %d pending, %d buffered, %d available; want 1, 3, 26",
			len(p.Pending), len(p.Buffer), len(p.Available))
	}
	r.clk.Add(10 * time.Minute)
	r.e.Advance()
	waitFor(t, func() bool { return len(r.pool("vk/495/male").Pending) == 0 })

	var reports []FlushReport
	r.s.o.OnFlush = func(f FlushReport) { reports = append(reports, f) }
	if err := r.s.FlushNow(ctx); err != nil {
		t.Fatal(err)
	}
	if len(reports) != 1 || reports[0].Requests != 1 || reports[0].Rows != 4 {
		t.Fatalf("flush reports %+v; want one request with 4 rows", reports)
	}
	issued := r.rows("issued", "ВКонтакте_Выдано")
	colors := r.store.Colors("issued", "ВКонтакте_Выдано")
	want := map[string]string{got[0].ID: "#B7E1CD", got[1].ID: "#F4C7C3", got[2].ID: "#FCE8B2", rep[0].ID: "#B7E1CD"}
	if len(issued) != 4 {
		t.Fatalf("issued tab has %d rows: %v", len(issued), issued)
	}
	for i, row := range issued {
		if c, ok := want[row[0]]; !ok || !strings.EqualFold(colors[i], c) {
			t.Errorf("issued row %v has colour %q, want %q", row, colors[i], c)
		}
		delete(want, row[0])
	}
	if p := r.pool("vk/495/male"); len(p.Buffer)+len(p.Flushing) != 0 {
		t.Fatalf("buffer not emptied: %+v", p)
	}
	if err := r.s.FlushNow(ctx); err != nil || len(reports) != 1 {
		t.Fatalf("an empty flush wrote: %v, %+v", err, reports)
	}
	day := r.pool("vk/495/male").Daily[r.clk.Now().Format(time.DateOnly)]
	if day == nil || day.Issued != 4 || day.Status["good"] != 2 || day.Status["blocked"] != 1 || day.Status["defective"] != 1 {
		t.Fatalf("daily counts %+v", day)
	}
}

func TestStockTodayOnly(t *testing.T) {
	today := newClock().Now().Format("02.01.06")
	yesterday := newClock().Now().Add(-24 * time.Hour).Format("02.01.06")
	tab := [][]string{{"date", "number", "region"},
		{yesterday, "79990000001", "495"}, {yesterday, "79990000002", "495"},
		{today, "79990000003", "495"}}
	r := newStockRig(t, map[string][][]string{"Номера Beboo": tab})
	r.refill()
	if got := len(r.pool("beboo/495").Available); got != 3 {
		t.Fatalf("loaded %d numbers, want 3", got)
	}
	// A person adds more rows meanwhile: an older date, and today's.
	add := [][]string{{yesterday, "79990000004", "495"}, {today, "79990000005", "495"}}
	if err := r.store.InsertRows(ctxT(t), "stock", "Номера Beboo", 1, add); err != nil {
		t.Fatal(err)
	}
	if err := r.e.SetTodayOnly(ctxT(t), admin, true); err != nil {
		t.Fatal(err)
	}
	r.refill()
	r.refill() // returned items are written after their claims are gone
	p := r.pool("beboo/495")
	var avail []string
	for _, it := range p.Available {
		avail = append(avail, it.Cells[1])
	}
	slices.Sort(avail)
	if !slices.Equal(avail, []string{"79990000003", "79990000005"}) || len(p.Returning) != 0 {
		t.Fatalf("today-only pool: available %v, returning %d", avail, len(p.Returning))
	}
	left := r.rows("stock", "Номера Beboo")
	var order []string
	for _, row := range left[1:] {
		order = append(order, row[1])
	}
	// Stale numbers go back after the last row of their date.
	if !slices.Equal(order, []string{"79990000004", "79990000001", "79990000002"}) {
		t.Fatalf("stock tab after returning stale numbers: %v", left)
	}
}

func TestProxiesSheetKeepsOneRowPerChange(t *testing.T) {
	r := newStockRig(t, map[string][][]string{})
	ctx := ctxT(t)
	addr, err := domain.ParseProxy("10.0.0.1:8080:u:secret")
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.e.AddProxy(ctx, admin, domain.ProxySpec{Type: domain.ProxySOCKS5, Addr: addr,
		Resources: []string{"vk"}, Country: "RU", Days: 5})
	if err != nil {
		t.Fatal(err)
	}
	flush := func() {
		t.Helper()
		if err := r.s.FlushNow(ctx); err != nil {
			t.Fatal(err)
		}
	}
	flush()
	flush() // nothing changed: nothing written
	if _, err := r.e.ReserveProxy(ctx, alice, p.ID); err != nil {
		t.Fatal(err)
	}
	flush() // a five-minute hold is not a change the sheet keeps
	if _, err := r.e.ConfirmProxy(ctx, alice, p.ID); err != nil {
		t.Fatal(err)
	}
	r.restart() // the sync state survives: the next flush writes the issue once
	flush()
	flush()
	rows := r.rows("stock", "Прокси")
	if len(rows) != 2 || rows[0][6] != "available" || rows[1][6] != "issued" || rows[1][3] != addr.String() {
		t.Fatalf("proxies tab: %v", rows)
	}
}

func TestBadStockIsToldToTheAdminsOnce(t *testing.T) {
	vk := [][]string{{"login", "password", "gender", "region"},
		{"ok1", "pw", "male", "495"}, {"bad1", "pw", "male", "999"}, {"bad2", "pw", "robot", "495"}}
	r := newStockRig(t, map[string][][]string{"ВКонтакте": vk})
	if err := os.Remove(filepath.Join(r.dir, "sheets", "stock", "Номера Табор.csv")); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		_ = r.s.RefillNow(ctxT(t)) // the missing tab fails every pass; the others go on
	}
	if got := len(r.pool("vk/495/male").Available); got != 1 {
		t.Fatalf("the good row was not loaded: %d", got)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var region, variant, tab int
	for _, a := range r.alerts {
		switch {
		case strings.Contains(a, "ВКонтакте!D3") && strings.Contains(a, "999"):
			region++
		case strings.Contains(a, "ВКонтакте!C4") && strings.Contains(a, "robot"):
			variant++
		case strings.Contains(a, "Номера Табор"):
			tab++
		}
	}
	if region != 1 || variant != 1 || tab != 1 {
		t.Fatalf("alerts (want each problem once, with its cell): %q", r.alerts)
	}
	if left := r.rows("stock", "ВКонтакте"); len(left) != 3 {
		t.Fatalf("bad rows must stay in the sheet for a person to fix: %v", left)
	}
}

func TestOneFlushIsOneWriteForEveryIssuedTab(t *testing.T) {
	r := newStockRig(t, map[string][][]string{
		"ВКонтакте":     {{"login", "password", "gender", "region"}, {"v1", "p", "male", "495"}},
		"Одноклассники": {{"login", "password", "region"}, {"o1", "p", "495"}},
	})
	ctx := ctxT(t)
	r.refill()
	for _, c := range []struct{ kind, variant string }{{"vk", "male"}, {"ok", ""}} {
		items, err := r.e.IssueStock(ctx, domain.OpID("op-"+c.kind), alice, c.kind, "495", c.variant, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.e.StockFeedback(ctx, alice, items[0].ID, "good"); err != nil {
			t.Fatal(err)
		}
	}
	var reports []FlushReport
	r.s.o.OnFlush = func(f FlushReport) { reports = append(reports, f) }
	if err := r.s.FlushNow(ctx); err != nil {
		t.Fatal(err)
	}
	if len(reports) != 1 || reports[0].Requests != 1 || reports[0].Rows != 2 {
		t.Fatalf("flush reports %+v; want one request carrying both tabs' rows", reports)
	}
	for _, tab := range []string{"ВКонтакте_Выдано", "Одноклассники_Выдано"} {
		if rows := r.rows("issued", tab); len(rows) != 1 {
			t.Errorf("%s: %v", tab, rows)
		}
	}
}

// trashReadFailing fails the next n reads of a trash tab, as Google's 500
// would: a step after the claim fails.
type trashReadFailing struct {
	StockStore
	n atomic.Int32
}

func (s *trashReadFailing) ReadRows(ctx context.Context, sheet, tab string) ([][]string, error) {
	if tab == trashOf("ВКонтакте") && s.n.Add(-1) >= 0 {
		return nil, errors.New("google: 500 INTERNAL: internal error encountered")
	}
	return s.StockStore.ReadRows(ctx, sheet, tab)
}

// TestStockLoadIsCountedWhenALaterStepFails: the pools got their rows, then
// deleting them from the tab failed. The load happened and is counted
// (the load test waited for a count that never came).
func TestStockLoadIsCountedWhenALaterStepFails(t *testing.T) {
	r := newStockRig(t, map[string][][]string{}) // nothing to load at the start
	r.s.Close()
	ctx := ctxT(t)
	var rows []domain.SheetRow
	for _, c := range vkRows("495", 0, 40) {
		rows = append(rows, domain.SheetRow{Cells: c})
	}
	if err := r.store.AppendRows(ctx, "stock", "ВКонтакте", rows); err != nil {
		t.Fatal(err)
	}
	w := &trashReadFailing{StockStore: r.store}
	w.n.Store(1)
	s, err := r.e.Distribute(StockOptions{Store: w, StockSheet: "stock", IssuedSheet: "issued", FlushEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	eventually(t, "the pool loaded", func() bool { return len(r.pool("vk/495/male").Available) > 0 })
	_ = s.RefillNow(ctx) // after the first pass, whatever it met
	if st := s.Status(); st.Loads == 0 || st.RowsLoaded == 0 || !strings.Contains(st.LastError, "deleting claimed rows") {
		t.Errorf("status %+v: want the load counted and the failed delete told", st)
	}
}
