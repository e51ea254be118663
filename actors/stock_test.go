package actors

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"

	"allot/domain"
)

// The engine's half of the stock sync, with a stand-in for the loop: the
// real one (adapters/sheets/stocker) imports this package, so its tests
// live there.

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

// fakeStock is a stock loop without a spreadsheet: refill loads every row
// of its tabs into their pools at once, and a flush finishes every batch
// as if written.
type fakeStock struct {
	e       *Engine
	h       *Stocker
	tabs    map[string][][]string // stock tab → rows, header first
	pokes   atomic.Int32
	flushes atomic.Int32
	closed  atomic.Int32
	seq     int
}

func attachFake(t testing.TB, e *Engine, tabs map[string][][]string) *fakeStock {
	t.Helper()
	f := &fakeStock{e: e, tabs: tabs}
	h, err := e.AttachStock(f)
	if err != nil {
		t.Fatal(err)
	}
	f.h = h
	return f
}

func (f *fakeStock) Poke(string)         { f.pokes.Add(1) }
func (f *fakeStock) Status() StockStatus { return StockStatus{Flushes: uint64(f.flushes.Load())} }
func (f *fakeStock) Close() {
	f.closed.Add(1)
	f.e.DetachStock(f.h)
}

func (f *fakeStock) FlushNow(ctx context.Context) error {
	f.flushes.Add(1)
	f.seq++
	for _, c := range f.e.Pools() {
		if c.Buffer == 0 && c.Flushing == 0 {
			continue
		}
		attempts, err := f.e.StartFlush(ctx, c.Key, fmt.Sprint("f", f.seq))
		if err != nil {
			return err
		}
		if err := f.e.FinishFlush(ctx, c.Key, slices.Sorted(maps.Keys(attempts))); err != nil {
			return err
		}
	}
	return nil
}

// refill loads every row of the tabs into its pool, and forgets the
// claims as the real loop does once the rows are deleted.
func (f *fakeStock) refill(ctx context.Context) error {
	for _, k := range f.e.Kinds().Kinds {
		for _, t := range k.StockTabs() {
			rows := f.tabs[t.Tab]
			for i := 1; i < len(rows); i++ {
				region, variant, err := k.Route(t, i, rows[i])
				if err != nil {
					return err
				}
				key, claim := domain.PoolKey(k.Code, region, variant), fmt.Sprintf("claim:%s:%d", t.Tab, i)
				if _, err := f.e.LoadStock(ctx, key, [][]string{rows[i]}, []string{claim}); err != nil {
					return err
				}
				if err := f.e.StockDeleted(ctx, key, []string{claim}); err != nil {
					return err
				}
			}
			f.tabs[t.Tab] = rows[:min(1, len(rows))]
		}
	}
	return nil
}

// stockRig is an engine with the seed's kinds and a fakeStock.
type stockRig struct {
	t   *testing.T
	dir string
	clk *clock
	e   *Engine
	s   *fakeStock
}

func newStockRig(t *testing.T, tabs map[string][][]string) *stockRig {
	r := &stockRig{t: t, dir: t.TempDir(), clk: newClock()}
	r.e = openTest(t, r.dir, r.clk, func(o *Options) { o.Kinds = testKinds(t) })
	r.s = attachFake(t, r.e, tabs)
	return r
}

func (r *stockRig) restart() {
	r.t.Helper()
	if err := r.e.Close(ctxT(r.t)); err != nil {
		r.t.Fatal(err)
	}
	r.e = openTest(r.t, r.dir, r.clk, func(o *Options) { o.Kinds = testKinds(r.t) })
	r.s = attachFake(r.t, r.e, r.s.tabs)
}

func (r *stockRig) refill() {
	r.t.Helper()
	if err := r.s.refill(ctxT(r.t)); err != nil {
		r.t.Fatalf("refill: %v", err)
	}
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

// TestEngine_AttachStock: one loop at a time; pools poke it, FlushStock
// and Close reach it, and a detached engine takes a new one.
func TestEngine_AttachStock(t *testing.T) {
	vk := append([][]string{{"login", "password", "gender", "region"}}, vkRows("495", 0, 3)...)
	r := newStockRig(t, map[string][][]string{"ВКонтакте": vk})
	ctx := ctxT(t)
	if _, err := r.e.AttachStock(&fakeStock{e: r.e}); !errors.Is(err, ErrStockerRunning) {
		t.Fatalf("a second loop: %v, want ErrStockerRunning", err)
	}
	r.refill()
	if _, err := r.e.IssueStock(ctx, "op1", alice, "vk", "495", "male", 3); err != nil {
		t.Fatal(err)
	}
	if r.s.pokes.Load() == 0 {
		t.Error("an emptied pool did not poke the loop")
	}
	if err := r.e.FlushStock(ctx, admin); err != nil || r.s.flushes.Load() != 1 {
		t.Fatalf("FlushStock: %v, %d flushes", err, r.s.flushes.Load())
	}
	old := r.s
	r.restart()
	if old.closed.Load() != 1 {
		t.Errorf("closing the engine closed the loop %d times, want once", old.closed.Load())
	}
	r.s.Close()
	if err := r.e.FlushStock(ctx, admin); err == nil {
		t.Error("FlushStock without a loop worked")
	}
	attachFake(t, r.e, nil)
}
