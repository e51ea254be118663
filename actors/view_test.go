package actors

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"allot/domain"
)

func TestCatalogueAndRentalsFollowEveryChange(t *testing.T) {
	c := newClock()
	dir := t.TempDir()
	e := openTest(t, dir, c, nil)
	seed(t, e, domain.TON(100), num1, num2, "+88800000003")
	ctx := ctxT(t)
	if _, err := e.RentFromBalance(ctx, "r1", alice, num2, 30); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OfferTransfer(ctx, "t1", alice, num2, "@Bob"); err != nil {
		t.Fatal(err)
	}
	p := e.Catalogue(ctx, 1, 2)
	if p.Pages != 2 || p.Page != 1 || len(p.Numbers) != 1 || p.Numbers[0].ID != "+88800000003" {
		t.Fatalf("page 1: %+v", p)
	}
	if p := e.Catalogue(ctx, 99, 2); p.Page != 1 {
		t.Fatalf("a page past the end: %+v", p)
	}
	rented, offered := e.RentalsOf(ctx, alice)
	if len(rented) != 1 || rented[0].ID != num2 || rented[0].Status != domain.StatusRented || len(offered) != 0 {
		t.Fatalf("alice: %+v %+v", rented, offered)
	}
	if _, offered := e.RentalsOf(ctx, bob); len(offered) != 1 || offered[0].ID != num2 {
		t.Fatalf("bob's offers: %+v", offered)
	}
	// After a restart the view is rebuilt from the restored state.
	if err := e.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	e = openTest(t, dir, c, nil)
	if rented, _ := e.RentalsOf(ctx, alice); len(rented) != 1 || rented[0].ID != num2 {
		t.Fatalf("after restart: %+v", rented)
	}
	if v := e.Catalogue(ctx, 0, 10); len(v.Numbers) != 3 {
		t.Fatalf("catalogue after restart: %+v", v)
	}
	if price, ok := e.PriceOf(e.Catalogue(ctx, 0, 10).Numbers[0], 30); !ok || price <= 0 {
		t.Fatalf("price: %v %v", price, ok)
	}
}

func TestARemovedNumberLeavesTheCatalogueAndComesBackWhenAdded(t *testing.T) {
	c := newClock()
	e := openTest(t, t.TempDir(), c, nil)
	seed(t, e, domain.TON(100), num1, num2)
	ctx := ctxT(t)
	if _, err := e.RentFromBalance(ctx, "r1", alice, num2, 30); err != nil {
		t.Fatal(err)
	}
	if _, err := e.RemoveNumber(ctx, admin, num2); !errors.Is(err, domain.ErrNotAvailable) {
		t.Fatalf("removing a rented number: %v", err)
	}
	if p := e.Catalogue(ctx, 0, 10); len(p.Numbers) != 2 { // the page's list is kept from here
		t.Fatalf("catalogue before removal: %+v", p)
	}
	if _, err := e.RemoveNumber(ctx, admin, num1); err != nil {
		t.Fatal(err)
	}
	if p := e.Catalogue(ctx, 0, 10); len(p.Numbers) != 1 || p.Numbers[0].ID != num2 {
		t.Fatalf("catalogue after removal: %+v", p)
	}
	if _, err := e.RentFromBalance(ctx, "r2", bob, num1, 30); !errors.Is(err, domain.ErrNumberNotFound) {
		t.Fatalf("renting a removed number: %v", err)
	}
	if _, err := e.AddNumber(ctx, admin, num1); err != nil {
		t.Fatal(err)
	}
	if p := e.Catalogue(ctx, 0, 10); len(p.Numbers) != 2 {
		t.Fatalf("catalogue after adding it back: %+v", p)
	}
	if _, err := e.AddNumber(ctx, admin, "+888 0000 0999"); err != nil {
		t.Fatal(err)
	}
	if p := e.Catalogue(ctx, 0, 10); len(p.Numbers) != 3 || p.Numbers[2].ID != "+88800000999" {
		t.Fatalf("catalogue after a new number: %+v", p)
	}
	page, _ := e.AuditLog(ctx, 0, 10)
	if len(page.Entries) == 0 || page.Entries[len(page.Entries)-1].Action == "" {
		t.Fatalf("audit: %+v", page)
	}
	mustCheck(t, e)
}

// viewContents is everything a view answers, in comparable form.
type viewContents struct {
	sorted, shown []string
	rows          map[string]NumberView
	byUser        map[domain.UserID][]string
}

func contentsOf(v *numberView) viewContents {
	ids, shown := v.ids(), v.listed()
	v.mu.RLock()
	defer v.mu.RUnlock()
	c := viewContents{sorted: ids, shown: shown, rows: map[string]NumberView{}, byUser: map[domain.UserID][]string{}}
	for _, id := range ids {
		c.rows[id], _ = v.get(id)
	}
	for _, m := range v.byUser {
		for u, ids := range m {
			c.byUser[u] = slices.Sorted(slices.Values(ids))
		}
	}
	return c
}

// The view rebuilt at a restart, on every core and merged, is the one the
// events built one by one: every row, both orders, every person's links.
// After a clean close it comes from the final snapshot; after a crash,
// from an older snapshot and the journal after it, which rented, offered,
// removed and added numbers since.
func TestTheRebuiltViewIsTheOneEventsBuilt(t *testing.T) {
	for _, crash := range []bool{false, true} {
		t.Run(map[bool]string{false: "after a close", true: "after a crash"}[crash], func(t *testing.T) {
			c := newClock()
			dir := t.TempDir()
			e := openTest(t, dir, c, func(o *Options) { o.NoFinalSnapshot = crash })
			var ids []string
			for i := range 700 { // several numbers in most of the directory's shards
				ids = append(ids, fmt.Sprintf("+888%08d", 7*i+3))
			}
			seed(t, e, domain.TON(100000), ids...)
			changeNumbers(t, e, ids[:400], "a")
			if _, err := e.Snapshot(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			changeNumbers(t, e, ids[400:], "b") // in the journal only, when the close takes no snapshot
			if _, err := e.AddNumber(ctxT(t), admin, "+88899999999"); err != nil {
				t.Fatal(err)
			}
			want := contentsOf(e.view)
			if len(want.sorted) != len(ids)+1 || len(want.shown) != len(ids)+1-len(ids)/7 || len(want.byUser) != 2 {
				t.Fatalf("the events' view: %d ids, %d shown, %d people", len(want.sorted), len(want.shown), len(want.byUser))
			}
			if err := e.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			e = openTest(t, dir, c, nil)
			if crash && e.Recovery().Replayed == 0 {
				t.Fatal("nothing was replayed: the test does not cover the journal")
			}
			if got := contentsOf(e.view); !reflect.DeepEqual(got, want) {
				t.Fatalf("rebuilt view differs:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// changeNumbers rents, offers, removes or leaves each number by its
// place, with operation ids tagged so that two calls never share one.
func changeNumbers(t *testing.T, e *Engine, ids []string, tag string) {
	ctx := ctxT(t)
	for i, id := range ids {
		op := func(kind string) domain.OpID { return domain.OpID(fmt.Sprint(kind, tag, i)) }
		var err error
		switch i % 7 {
		case 1:
			_, err = e.RentFromBalance(ctx, op("r"), alice, id, 30)
		case 2:
			if _, err = e.RentFromBalance(ctx, op("r"), alice, id, 30); err == nil {
				_, err = e.OfferTransfer(ctx, op("t"), alice, id, "@Bob")
			}
		case 3:
			_, err = e.RemoveNumber(ctx, admin, id)
		case 4:
			_, err = e.RentFromBalance(ctx, op("r"), bob, id, 60)
		}
		if err != nil {
			t.Fatalf("number %s: %v", id, err)
		}
	}
}

// compareIDs orders any two strings as strings.Compare does: those that
// differ within their first 16 bytes by their keys, the rest by the
// strings; zero bytes and lengths either side of 16 included.
func TestCompareIDsIsStringOrder(t *testing.T) {
	alphabet := []string{"", "\x00", "+", "8", "9", "+888", "+8880000000", "+88800000001", "0123456789abcdef", "\xff"}
	var ids []string
	for _, a := range alphabet {
		for _, b := range alphabet {
			for _, c := range []string{"", "\x00", "1", "\x00\x00", "zz"} {
				ids = append(ids, a+b+c)
			}
		}
	}
	for _, a := range ids {
		for _, b := range ids {
			if got, want := compareIDs(keyOf(a), a, keyOf(b), b), strings.Compare(a, b); got != want {
				t.Fatalf("compareIDs(%q, %q) = %d, strings.Compare says %d", a, b, got, want)
			}
		}
	}
}

// A row keeps a number's end as seconds and nanoseconds: every UTC time
// the states can hold reads back equal, the zero time included.
func TestUnixTimeReadsBackTheSameTime(t *testing.T) {
	for _, tm := range []time.Time{{}, time.Unix(0, 0).UTC(), time.Unix(-1, 999_999_999).UTC(),
		time.Date(2026, 12, 6, 19, 30, 0, 123_456_789, time.UTC), time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC)} {
		if got := timeOf(unixOf(tm)); !reflect.DeepEqual(got, tm) {
			t.Errorf("%v read back as %v", tm, got)
		}
	}
	if size := unsafe.Sizeof(viewRow{}); size != 48 {
		t.Errorf("a view row is %d bytes, want 48: one per number", size)
	}
}

// TestIndexOfID finds an id by where its bytes are and, failing that, by
// the bytes themselves: an id decoded into a string of its own is found.
func TestIndexOfID(t *testing.T) {
	ids := []string{"+888 0000 0001", "+888 0000 0002", "+888 0000 0003"}
	copyOf := func(s string) string { return string([]byte(s)) }
	for _, c := range []struct {
		id   string
		want int
	}{
		{ids[1], 1},
		{copyOf(ids[2]), 2},
		{ids[0][:5], -1}, // the same bytes, shorter
		{"+888 0000 0004", -1},
	} {
		if got := indexOfID(ids, c.id); got != c.want {
			t.Errorf("indexOfID(%q) = %d, want %d", c.id, got, c.want)
		}
	}
	if got := indexOfID(nil, ids[0]); got != -1 {
		t.Errorf("indexOfID in none = %d", got)
	}
}

// TestNumberView_PutRemembersTheRow: put notes each number's row for its
// actor, and a put through that note changes that number's row and no
// other; a number whose actor knows no row yet is looked up.
func TestNumberView_PutRemembersTheRow(t *testing.T) {
	v := newNumberView()
	var a, b int32
	v.put(NumberView{ID: "+888 1", Status: domain.StatusAvailable}, &a)
	v.put(NumberView{ID: "+888 2", Status: domain.StatusAvailable}, &b)
	if a != 1 || b != 2 {
		t.Fatalf("rows noted %d and %d, want 1 and 2", a, b)
	}
	v.put(NumberView{ID: "+888 2", Status: domain.StatusRented, Renter: 7}, &b)
	var fresh int32 // a restarted actor's
	v.put(NumberView{ID: "+888 1", Status: domain.StatusRented, Renter: 9}, &fresh)
	if fresh != 1 {
		t.Fatalf("a number put without its row noted row %d, want 1", fresh)
	}
	for id, renter := range map[string]domain.UserID{"+888 1": 9, "+888 2": 7} {
		if got, ok := v.get(id); !ok || got.Renter != renter || got.Status != domain.StatusRented {
			t.Errorf("%s reads %+v, want rented by %d", id, got, renter)
		}
	}
	if rented, _ := v.people(7)[7], 0; len(rented) != 1 || rented[0] != "+888 2" {
		t.Errorf("person 7 holds %v, want +888 2", rented)
	}
}
