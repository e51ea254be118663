package actors

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"allot/domain"
)

const vkPool = "vk/495/male"

func vkItem(n int) string { return fmt.Sprintf("%s#%d", vkPool, n) }

// stockedEngine is an engine with the seed's kinds and n items loaded
// into vkPool (vkItem(1) to vkItem(n)), without a stocker.
func stockedEngine(t *testing.T, n int) (*Engine, *clock) {
	t.Helper()
	c := newClock()
	e := openTest(t, t.TempDir(), c, func(o *Options) { o.Kinds = testKinds(t) })
	rows := vkRows("495", 0, n)
	claims := make([]string, n)
	for i := range claims {
		claims[i] = fmt.Sprint("claim", i)
	}
	if got, err := e.LoadStock(ctxT(t), vkPool, rows, claims); err != nil || got != n {
		t.Fatalf("LoadStock: %d, %v", got, err)
	}
	return e, c
}

func ids(items []domain.StockItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

func mustCheckPools(t testing.TB, e *Engine) {
	t.Helper()
	if err := e.Drain(ctxT(t)); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if err := e.CheckPools(); err != nil {
		t.Fatalf("pool invariants: %v", err)
	}
}

// TestEngine_Replace presses "replace" for an item: alice was issued #1
// and #2 and gave #1 a status; only a status offering a replacement, on her
// own item, gives one, and nothing else changes the pool.
func TestEngine_Replace(t *testing.T) {
	tests := []struct {
		name   string
		status string // alice's feedback on #1
		by     domain.UserID
		item   string
		wErr   error
	}{
		{"the holder, after a status offering one", "blocked", alice, vkItem(1), nil},
		{"another staffer", "blocked", bob, vkItem(1), domain.ErrNotPermitted},
		{"a status offering none", "good", alice, vkItem(1), domain.ErrNotPermitted},
		{"an item awaiting feedback", "blocked", alice, vkItem(2), domain.ErrNotPermitted},
		{"an item in stock, never issued", "blocked", alice, vkItem(5), domain.ErrNotPermitted},
		{"an id never issued", "blocked", alice, vkItem(999), domain.ErrNotPermitted},
		{"an id of a pool never stocked", "blocked", alice, "vk/495/female#1", domain.ErrItemNotFound},
		{"an id of an unknown region", "blocked", alice, "vk/999/male#1", domain.ErrBadRegion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := stockedEngine(t, 8)
			ctx := ctxT(t)
			if _, err := e.IssueStock(ctx, "tg:1001:d1", alice, "vk", "495", "male", 2); err != nil {
				t.Fatal(err)
			}
			if _, err := e.StockFeedback(ctx, alice, vkItem(1), tt.status); err != nil {
				t.Fatal(err)
			}
			before, _ := e.Pool(ctx, vkPool)
			got, err := e.Replace(ctx, tt.by, tt.item)
			after, _ := e.Pool(ctx, vkPool)
			if tt.wErr != nil {
				if !errors.Is(err, tt.wErr) || len(got) != 0 {
					t.Fatalf("Replace = %v, %v; want nothing and %v", ids(got), err, tt.wErr)
				}
				if len(after.Available) != len(before.Available) || len(after.Pending) != len(before.Pending) {
					t.Fatalf("a refusal issued: %d → %d available", len(before.Available), len(after.Available))
				}
				if key, _ := domain.PoolOfItem(tt.item); key != vkPool && e.knows(domain.KindPool, key) {
					t.Fatalf("a forged item id created the pool %s", key)
				}
			} else {
				if err != nil || len(got) != 1 {
					t.Fatalf("Replace = %v, %v; want one item", ids(got), err)
				}
				it := after.Pending[got[0].ID]
				if it == nil || it.User != tt.by || it.Op != domain.ReplacementOp(tt.by, tt.item)+"/male" {
					t.Fatalf("replacement pending as %+v", it)
				}
			}
			mustCheckPools(t, e)
		})
	}
}

// TestEngine_ReplacePressedAgain follows one replacement: alice's second
// press gives the same item, bob can neither take nor see it, and once it
// had feedback a press is "already done", across a flush and a restart.
func TestEngine_ReplacePressedAgain(t *testing.T) {
	vk := append([][]string{{"login", "password", "gender", "region"}}, vkRows("495", 0, 12)...)
	r := newStockRig(t, map[string][][]string{"ВКонтакте": vk})
	ctx := ctxT(t)
	r.refill()
	issued, err := r.e.IssueStock(ctx, "tg:1001:d1", alice, "vk", "495", "male", 1)
	if err != nil {
		t.Fatal(err)
	}
	item := issued[0].ID
	if _, err := r.e.StockFeedback(ctx, alice, item, "blocked"); err != nil {
		t.Fatal(err)
	}
	if err := r.s.FlushNow(ctx); err != nil { // the feedback leaves the pool
		t.Fatal(err)
	}
	var first []string
	press := func(u domain.UserID) func(*testing.T) ([]domain.StockItem, error) {
		return func(*testing.T) ([]domain.StockItem, error) { return r.e.Replace(ctx, u, item) }
	}
	steps := []struct {
		name    string
		press   func(t *testing.T) ([]domain.StockItem, error)
		restart bool // before pressing
		wSame   bool // the first replacement again
		wErr    error
	}{
		{name: "another staffer first", press: press(bob), wErr: domain.ErrNotPermitted},
		{name: "the holder", press: press(alice)},
		{name: "the holder again", press: press(alice), wSame: true},
		{name: "the holder after a restart", restart: true, press: press(alice), wSame: true},
		{name: "another staffer after", press: press(bob), wErr: domain.ErrNotPermitted},
		{name: "another staffer replaying the holder's operation", press: func(*testing.T) ([]domain.StockItem, error) {
			return r.e.IssueStock(ctx, domain.ReplacementOp(alice, item), bob, "vk", "495", "male", 1)
		}, wErr: domain.ErrDuplicateOp},
		{name: "the holder after feedback on the replacement", press: func(t *testing.T) ([]domain.StockItem, error) {
			if _, err := r.e.StockFeedback(ctx, alice, first[0], "good"); err != nil {
				t.Fatal(err)
			}
			return r.e.Replace(ctx, alice, item)
		}, wErr: domain.ErrDuplicateOp},
		{name: "the holder after feedback and a restart", restart: true, press: press(alice), wErr: domain.ErrDuplicateOp},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.restart {
				r.restart()
			}
			before := len(r.pool(vkPool).Available)
			got, err := st.press(t)
			switch {
			case st.wErr != nil:
				if !errors.Is(err, st.wErr) || len(got) != 0 {
					t.Fatalf("= %v, %v; want nothing and %v", ids(got), err, st.wErr)
				}
				if after := len(r.pool(vkPool).Available); after != before {
					t.Fatalf("a refusal took stock: %d → %d available", before, after)
				}
			case err != nil || len(got) != 1 || strings.Contains(got[0].Cells[1], "***"):
				t.Fatalf("= %v, %v; want one item", got, err)
			case first == nil:
				first = ids(got)
			case st.wSame && !slices.Equal(ids(got), first):
				t.Fatalf("= %v; want the first replacement %v", ids(got), first)
			}
			mustCheckPools(t, r.e)
		})
	}
}

// TestEngine_IssueReplayedAfterManyIssues replays an "issue" button after
// 300 other issues, all within OpRetention: the pool still knows the
// operation, and gives the same item, or "already done" once it had
// feedback; never a fresh item.
func TestEngine_IssueReplayedAfterManyIssues(t *testing.T) {
	tests := []struct {
		name     string
		feedback bool // alice gave feedback before the replay
		wErr     error
	}{
		{"still awaiting feedback", false, nil},
		{"after feedback", true, domain.ErrDuplicateOp},
	}
	const others = 300
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, c := stockedEngine(t, others+5)
			ctx := ctxT(t)
			first, err := e.IssueStock(ctx, "tg:1001:dA", alice, "vk", "495", "male", 1)
			if err != nil {
				t.Fatal(err)
			}
			if tt.feedback {
				if _, err := e.StockFeedback(ctx, alice, first[0].ID, "good"); err != nil {
					t.Fatal(err)
				}
			}
			for i := range others {
				c.Add(domain.OpRetention / (others + 10))
				if _, err := e.IssueStock(ctx, domain.OpID(fmt.Sprint("tg:1002:d", i)), bob, "vk", "495", "male", 1); err != nil {
					t.Fatalf("issue %d: %v", i, err)
				}
			}
			got, err := e.IssueStock(ctx, "tg:1001:dA", alice, "vk", "495", "male", 1)
			if tt.wErr != nil {
				if !errors.Is(err, tt.wErr) || len(got) != 0 {
					t.Fatalf("replay = %v, %v; want nothing and %v", ids(got), err, tt.wErr)
				}
			} else if err != nil || !slices.Equal(ids(got), ids(first)) {
				t.Fatalf("replay = %v, %v; want %v", ids(got), err, ids(first))
			}
			if p, _ := e.Pool(ctx, vkPool); len(p.Available) != 4 {
				t.Fatalf("%d available after %d issues and a replay, want 4", len(p.Available), others+1)
			}
			mustCheckPools(t, e)
		})
	}
}

// TestEngine_CheckPools shows the check finding what it looks for.
func TestEngine_CheckPools(t *testing.T) {
	tests := []struct {
		name  string
		spoil func(t *testing.T, e *Engine)
		wErr  string
	}{
		{"sound", func(*testing.T, *Engine) {}, ""},
		{"a replacement nobody was owed", func(t *testing.T, e *Engine) {
			op := domain.ReplacementOp(bob, vkItem(1))
			if _, err := e.IssueStock(ctxT(t), op, bob, "vk", "495", "male", 1); err != nil {
				t.Fatal(err)
			}
		}, "does not owe them"},
		{"an item in two places", func(t *testing.T, e *Engine) {
			if err := e.Drain(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			en, _ := e.dir.peek(domain.KindPool, vkPool)
			p := en.state.(*domain.Pool)
			p.Available = append(p.Available, p.Pending[vkItem(1)].Item)
		}, "is both in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := stockedEngine(t, 5)
			ctx := ctxT(t)
			if _, err := e.IssueStock(ctx, "tg:1001:d1", alice, "vk", "495", "male", 2); err != nil {
				t.Fatal(err)
			}
			if _, err := e.StockFeedback(ctx, alice, vkItem(2), "blocked"); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Replace(ctx, alice, vkItem(2)); err != nil {
				t.Fatal(err)
			}
			tt.spoil(t, e)
			if err := e.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			err := e.CheckPools()
			if (err == nil) != (tt.wErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wErr)) {
				t.Fatalf("CheckPools = %v; want %q", err, tt.wErr)
			}
		})
	}
}
