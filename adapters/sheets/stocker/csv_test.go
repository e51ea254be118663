package stocker_test

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

	"allot/actors"
	"allot/adapters/sheets/csvstore"
	"allot/adapters/sheets/sheetstest"
	"allot/adapters/sheets/stocker"
	"allot/domain"
	"allot/persistence"
)

// The stocker on CSV tabs with the seed's kinds: the journeys of a stock
// tab, an issued tab and the proxies tab, on an engine whose clock moves
// only by hand.

const (
	alice domain.UserID = 1001
	bob   domain.UserID = 1002
)

// seedKinds is the kinds file the seed data uses.
func seedKinds(t testing.TB) domain.KindsConfig {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "kinds.json"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := domain.ParseKinds(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// csvRig is an engine with the seed's kinds, distributing from CSV tabs.
type csvRig struct {
	t     *testing.T
	dir   string
	clk   *sheetstest.Clock
	store *csvstore.Store
	e     *actors.Engine
	s     *stocker.Stocker

	mu      sync.Mutex
	alerts  []string
	reports []stocker.FlushReport
}

func newCSVRig(t *testing.T, tabs map[string][][]string) *csvRig {
	t.Helper()
	dir := t.TempDir()
	if _, ok := tabs["Прокси"]; !ok {
		tabs["Прокси"] = nil
	}
	issued := map[string][][]string{}
	for _, k := range seedKinds(t).Kinds {
		issued[k.IssuedTab] = nil
		for _, st := range k.StockTabs() {
			if _, ok := tabs[st.Tab]; !ok {
				tabs[st.Tab] = [][]string{k.Columns}
			}
		}
	}
	must(t, csvstore.WriteSample(filepath.Join(dir, "sheets"), "stock", tabs))
	must(t, csvstore.WriteSample(filepath.Join(dir, "sheets"), "issued", issued))
	store, err := csvstore.Open(filepath.Join(dir, "sheets"))
	must(t, err)
	r := &csvRig{t: t, dir: dir, clk: newSimClock(), store: store}
	r.open()
	return r
}

// open opens the engine on the rig's directory and starts a stocker.
func (r *csvRig) open() {
	e, err := actors.Open(actors.Options{Dir: filepath.Join(r.dir, "data"), Fsync: persistence.FsyncOS,
		Clock: r.clk.Now, ManualClock: true, Kinds: seedKinds(r.t)})
	must(r.t, err)
	r.t.Cleanup(func() { _ = e.Close(context.Background()) })
	r.e = e
	r.s, err = stocker.Start(e, stocker.Options{Store: r.store, StockSheet: "stock", IssuedSheet: "issued", FlushEvery: time.Hour,
		Alert: func(text string) {
			r.mu.Lock()
			r.alerts = append(r.alerts, text)
			r.mu.Unlock()
		},
		OnFlush: func(f stocker.FlushReport) {
			r.mu.Lock()
			r.reports = append(r.reports, f)
			r.mu.Unlock()
		}})
	must(r.t, err)
}

// flushReports returns the flushes reported since the last call.
func (r *csvRig) flushReports() []stocker.FlushReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reports
	r.reports = nil
	return out
}

func (r *csvRig) restart() {
	r.t.Helper()
	must(r.t, r.e.Close(ctxFor(r.t)))
	r.open()
}

func (r *csvRig) refill() {
	r.t.Helper()
	if err := r.s.RefillNow(ctxFor(r.t)); err != nil {
		r.t.Fatalf("refill: %v", err)
	}
}

func (r *csvRig) rows(sheet, tab string) [][]string {
	r.t.Helper()
	rows, err := r.store.ReadRows(ctxFor(r.t), sheet, tab)
	must(r.t, err)
	return rows
}

func (r *csvRig) pool(key string) *domain.Pool {
	r.t.Helper()
	p, err := r.e.Pool(ctxFor(r.t), key)
	must(r.t, err)
	return p
}

func ctxFor(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls cond until it holds or ten seconds pass (the bound
// only ends a hang).
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("never: %s", what)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func vkRows(region string, from, n int) [][]string {
	var rows [][]string
	for i := from; i < from+n; i++ {
		rows = append(rows, []string{fmt.Sprintf("vk%s_%03d", region, i), fmt.Sprint("pw", i), "male", region})
	}
	return rows
}

func TestStocker_Journey(t *testing.T) {
	vk := append([][]string{{"login", "password", "gender", "region"}}, vkRows("495", 0, 40)...)
	vk = append(vk, vkRows("812", 0, 5)...)
	r := newCSVRig(t, map[string][][]string{"ВКонтакте": vk})
	ctx := ctxFor(t)

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
	r.clk.Advance(10 * time.Minute)
	r.e.Advance()
	eventually(t, "the timer confirmed the pending item", func() bool { return len(r.pool("vk/495/male").Pending) == 0 })

	r.flushReports()
	if err := r.s.FlushNow(ctx); err != nil {
		t.Fatal(err)
	}
	reports := r.flushReports()
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
	if err := r.s.FlushNow(ctx); err != nil || len(r.flushReports()) != 0 {
		t.Fatalf("an empty flush wrote: %v, %+v", err, reports)
	}
	day := r.pool("vk/495/male").Daily[r.clk.Now().Format(time.DateOnly)]
	if day == nil || day.Issued != 4 || day.Status["good"] != 2 || day.Status["blocked"] != 1 || day.Status["defective"] != 1 {
		t.Fatalf("daily counts %+v", day)
	}
}

func TestStocker_TodayOnly(t *testing.T) {
	today := newSimClock().Now().Format("02.01.06")
	yesterday := newSimClock().Now().Add(-24 * time.Hour).Format("02.01.06")
	tab := [][]string{{"date", "number", "region"},
		{yesterday, "79990000001", "495"}, {yesterday, "79990000002", "495"},
		{today, "79990000003", "495"}}
	r := newCSVRig(t, map[string][][]string{"Номера Beboo": tab})
	r.refill()
	if got := len(r.pool("beboo/495").Available); got != 3 {
		t.Fatalf("loaded %d numbers, want 3", got)
	}
	// A person adds more rows meanwhile: an older date, and today's.
	add := [][]string{{yesterday, "79990000004", "495"}, {today, "79990000005", "495"}}
	if err := r.store.InsertRows(ctxFor(t), "stock", "Номера Beboo", 1, add); err != nil {
		t.Fatal(err)
	}
	if err := r.e.SetTodayOnly(ctxFor(t), admin, true); err != nil {
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

func TestStocker_ProxiesTabKeepsOneRowPerChange(t *testing.T) {
	r := newCSVRig(t, map[string][][]string{})
	ctx := ctxFor(t)
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

func TestStocker_BadStockIsToldToTheAdminsOnce(t *testing.T) {
	vk := [][]string{{"login", "password", "gender", "region"},
		{"ok1", "pw", "male", "495"}, {"bad1", "pw", "male", "999"}, {"bad2", "pw", "robot", "495"}}
	r := newCSVRig(t, map[string][][]string{"ВКонтакте": vk})
	if err := os.Remove(filepath.Join(r.dir, "sheets", "stock", "Номера Табор.csv")); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		_ = r.s.RefillNow(ctxFor(t)) // the missing tab fails every pass; the others go on
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

func TestStocker_OneFlushIsOneWriteForEveryIssuedTab(t *testing.T) {
	r := newCSVRig(t, map[string][][]string{
		"ВКонтакте":     {{"login", "password", "gender", "region"}, {"v1", "p", "male", "495"}},
		"Одноклассники": {{"login", "password", "region"}, {"o1", "p", "495"}},
	})
	ctx := ctxFor(t)
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
	r.flushReports()
	if err := r.s.FlushNow(ctx); err != nil {
		t.Fatal(err)
	}
	if reports := r.flushReports(); len(reports) != 1 || reports[0].Requests != 1 || reports[0].Rows != 2 {
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
	stocker.Store
	n atomic.Int32
}

func (s *trashReadFailing) ReadRows(ctx context.Context, sheet, tab string) ([][]string, error) {
	if tab == "allot trash · ВКонтакте" && s.n.Add(-1) >= 0 {
		return nil, errors.New("google: 500 INTERNAL: internal error encountered")
	}
	return s.Store.ReadRows(ctx, sheet, tab)
}

// TestStocker_LoadIsCountedWhenALaterStepFails: the pools got their rows, then
// deleting them from the tab failed. The load happened and is counted
// (the load test waited for a count that never came).
func TestStocker_LoadIsCountedWhenALaterStepFails(t *testing.T) {
	r := newCSVRig(t, map[string][][]string{}) // nothing to load at the start
	r.s.Close()
	ctx := ctxFor(t)
	var rows []stocker.Row
	for _, c := range vkRows("495", 0, 40) {
		rows = append(rows, stocker.Row{Cells: c})
	}
	if err := r.store.AppendRows(ctx, "stock", "ВКонтакте", rows); err != nil {
		t.Fatal(err)
	}
	w := &trashReadFailing{Store: r.store}
	w.n.Store(1)
	s, err := stocker.Start(r.e, stocker.Options{Store: w, StockSheet: "stock", IssuedSheet: "issued", FlushEvery: time.Hour})
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
