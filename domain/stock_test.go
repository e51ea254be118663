package domain

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func seedKinds(t *testing.T) KindsConfig {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "kinds.json"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParseKinds(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRowKey(t *testing.T) {
	for _, c := range []struct {
		row  []string
		want string
	}{
		{nil, ""},
		{[]string{"", " "}, ""},
		{[]string{" a ", "b", "", ""}, "a\x1fb"},
		{[]string{"a", "", "c"}, "a\x1f\x1fc"},
	} {
		if got := RowKey(c.row); got != c.want {
			t.Errorf("RowKey(%q) = %q, want %q", c.row, got, c.want)
		}
	}
}

func TestRoute(t *testing.T) {
	kinds := seedKinds(t)
	gmail, _ := kinds.Kind("gmail")
	mamba, _ := kinds.Kind("mamba")
	vk, _ := kinds.Kind("ok") // a kind without variants
	tab := func(k ResourceKind, v string) StockTab {
		for _, t := range k.StockTabs() {
			if t.Variant == v {
				return t
			}
		}
		t.Fatalf("%s has no tab for %q", k.Code, v)
		return StockTab{}
	}
	for _, c := range []struct {
		k        ResourceKind
		t        StockTab
		cells    []string
		region   string
		variant  string
		wantCell string // of the error; "" for none
	}{
		{vk, tab(vk, ""), []string{"a", "b", "495"}, "495", "", ""},
		{vk, tab(vk, ""), []string{"a", "b"}, "", "", "C5"},
		{vk, tab(vk, ""), []string{"", "b", "495"}, "", "", "A5"},
		{gmail, tab(gmail, ""), []string{"a", "b", "Female", "812"}, "812", "female", ""},
		{gmail, tab(gmail, ""), []string{"a", "b", "any", "812"}, "", "", "C5"},
		{gmail, tab(gmail, ""), []string{"a", "b", "robot", "812"}, "", "", "C5"},
		{mamba, tab(mamba, "male"), []string{"a", "b", "495"}, "495", "male", ""},
		{vk, tab(vk, ""), []string{"a", string(make([]byte, 50_000)), "495"}, "", "", "B5"},
		{vk, tab(vk, ""), []string{"a", "#REF!", "495"}, "", "", "B5"},
		{vk, tab(vk, ""), []string{"7.99912E+10", "b", "495"}, "", "", "A5"},
		{vk, tab(vk, ""), []string{}, "", "", "A5"},
	} {
		region, variant, err := c.k.Route(c.t, 4, c.cells)
		var re *RowError
		switch {
		case c.wantCell == "" && (err != nil || region != c.region || variant != c.variant):
			t.Errorf("%s %q: %q %q %v; want %q %q", c.k.Code, c.cells, region, variant, err, c.region, c.variant)
		case c.wantCell != "" && (!errors.As(err, &re) || re.Cell != c.wantCell):
			t.Errorf("%s %q: error %v, want one at %s", c.k.Code, c.cells[:min(len(c.cells), 3)], err, c.wantCell)
		}
	}
}

func TestA1(t *testing.T) {
	for _, c := range []struct {
		row, col int
		want     string
	}{{0, 0, "A1"}, {9, 25, "Z10"}, {0, 26, "AA1"}, {1, 701, "ZZ2"}} {
		if got := A1(c.row, c.col); got != c.want {
			t.Errorf("A1(%d, %d) = %s, want %s", c.row, c.col, got, c.want)
		}
	}
}

func TestDatesAndReturnPosition(t *testing.T) {
	beboo, _ := seedKinds(t).Kind("beboo")
	now := time.Date(2025, 12, 22, 10, 0, 0, 0, time.UTC)
	for s, want := range map[string]bool{"22.12.25": true, "22.12.2025": true, "2025-12-22": true, "21.12.25": false, "soon": false} {
		if got := beboo.DatedToday([]string{s, "7999", "495"}, now, time.UTC); got != want {
			t.Errorf("DatedToday(%q) = %v", s, got)
		}
	}
	rows := [][]string{{"date", "number", "region"},
		{"20.12.25", "1", "495"}, {"21.12.25", "2", "495"}, {"21.12.25", "3", "495"}, {"22.12.25", "4", "495"}}
	for date, want := range map[string]int{"21.12.25": 4, "20.12.25": 2, "19.12.25": 5, "23.12.25": 5, "21.12.2025": 4} {
		if got := beboo.ReturnPosition(rows, []string{date, "9", "495"}); got != want {
			t.Errorf("ReturnPosition(%s) = %d, want %d", date, got, want)
		}
	}
	// 20 < 20.5: a date between two runs goes after the earlier run.
	if got := beboo.ReturnPosition(rows[:2], []string{"21.12.25", "9", "495"}); got != 2 {
		t.Errorf("ReturnPosition after the last earlier date = %d", got)
	}
}

func TestPoolClaimsReturnsAndDays(t *testing.T) {
	p := NewPool("vk/495")
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	ev, err := p.Load([][]string{{"a", "1"}, {"b", "2"}, {"a", "1"}, {}}, []string{"m1", "m2", "m3", "m4"}, at)
	if err != nil || len(ev.Rows) != 2 {
		t.Fatalf("Load with a duplicate and an empty row: %+v, %v", ev, err)
	}
	p.Apply(ev, 1)
	if again, _ := p.Load([][]string{{"a", "1"}}, []string{"m9"}, at); again != nil {
		t.Fatalf("a row with the content of a claimed one loaded again: %+v", again)
	}
	p.Apply(p.Deleted([]string{"m1", "zz"}), 2)
	if _, ok := p.Claimed["m1"]; ok || len(p.Claimed) != 1 {
		t.Fatalf("claims after a delete: %v", p.Claimed)
	}
	iss, _ := p.Issue("op", 7, 1, 5, at)
	p.Apply(iss, 3)
	fb, _ := p.Feedback(7, iss.IDs[0], "good", []string{"good"}, at.Add(48*time.Hour))
	p.Apply(fb, 4)
	if d := p.Daily["2026-11-01"]; d == nil || d.Issued != 1 || d.Status["good"] != 1 {
		t.Fatalf("feedback counts on the day of issue: %+v", p.Daily)
	}
	ret := p.Return(nil, at)
	p.Apply(ret, 5)
	if len(p.Available) != 0 || len(p.Returning) != 1 {
		t.Fatalf("return: %+v", p)
	}
	if p.Returned([]string{"nope"}) != nil {
		t.Fatal("Returned of an unknown item decided something")
	}
	p.Apply(p.Returned(ret.IDs), 6)
	if len(p.Returning) != 0 {
		t.Fatal("returned item still returning")
	}
	c := p.Clone()
	c.Daily["2026-11-01"].Status["good"] = 99
	if p.Daily["2026-11-01"].Status["good"] != 1 {
		t.Fatal("Clone shares daily counts")
	}
}

func TestPoolKeys(t *testing.T) {
	if k := PoolKey("vk", "495", ""); k != "vk/495" {
		t.Fatal(k)
	}
	kind, region, variant, err := SplitPoolKey("mamba/812/male")
	if err != nil || kind != "mamba" || region != "812" || variant != "male" {
		t.Fatal(kind, region, variant, err)
	}
	for _, bad := range []string{"", "vk", "/495", "a/b/c/d", "vk/"} {
		if _, _, _, err := SplitPoolKey(bad); err == nil {
			t.Errorf("SplitPoolKey(%q) accepted", bad)
		}
	}
	if k, err := PoolOfItem("vk/495#12"); err != nil || k != "vk/495" {
		t.Fatal(k, err)
	}
	for _, bad := range []string{"vk/495", "vk/495#", "#1"} {
		if _, err := PoolOfItem(bad); err == nil {
			t.Errorf("PoolOfItem(%q) accepted", bad)
		}
	}
}

func TestCatalogRegions(t *testing.T) {
	var c Catalog
	conf := []string{"495", "812"}
	ev, err := c.AddRegion("383", conf)
	if err != nil {
		t.Fatal(err)
	}
	c.Apply(ev, 1)
	if !slices.Equal(c.RegionsNow(conf), []string{"495", "812", "383"}) {
		t.Fatal(c.RegionsNow(conf))
	}
	if _, err := c.AddRegion("383", conf); !errors.Is(err, ErrAlreadyDecided) {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "no such", "a:b"} {
		if _, err := c.AddRegion(bad, conf); !errors.Is(err, ErrBadRegion) {
			t.Errorf("AddRegion(%q): %v", bad, err)
		}
	}
	ev, _ = c.RemoveRegion("495", conf)
	c.Apply(ev, 2)
	ev, _ = c.RemoveRegion("812", conf)
	c.Apply(ev, 3)
	ev, _ = c.RemoveRegion("383", conf)
	c.Apply(ev, 4)
	if got := c.RegionsNow(conf); len(got) != 0 {
		t.Fatalf("every region removed, yet %v", got)
	}
	if _, err := c.RemoveRegion("495", conf); !errors.Is(err, ErrBadRegion) {
		t.Fatal(err)
	}
}

// FuzzRoute feeds stock rows as a spreadsheet could hold them: any row is
// routed or refused with its cell, never a panic.
func FuzzRoute(f *testing.F) {
	for _, s := range []string{"a\x1fb\x1f495", "a\x1fb\x1fmale\x1f812", "\x1f\x1f", "7.9E+10", "#N/A\x1fx"} {
		f.Add(s, 3)
	}
	b, err := os.ReadFile(filepath.Join("..", "testdata", "kinds.json"))
	if err != nil {
		f.Fatal(err)
	}
	kinds, err := ParseKinds(b)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, row string, which int) {
		k := kinds.Kinds[(which%len(kinds.Kinds)+len(kinds.Kinds))%len(kinds.Kinds)]
		cells := strings.Split(row, "\x1f")
		for _, st := range k.StockTabs() {
			region, _, err := k.Route(st, 7, cells)
			var re *RowError
			if err != nil && (!errors.As(err, &re) || re.Tab != st.Tab || re.Cell == "") {
				t.Fatalf("%q: error %v names no cell", cells, err)
			}
			if err == nil && k.RegionColumn != "" && region == "" {
				t.Fatalf("%q: routed without a region", cells)
			}
		}
	})
}

func TestPoolKeepsBoundedDailyFigures(t *testing.T) {
	p := NewPool("vk/495")
	start := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := 0; i <= keepDays; i++ {
		p.Apply(&StockIssued{Op: OpID(fmt.Sprint("op", i)), User: 7, At: start.AddDate(0, 0, i)}, uint64(i+1))
	}
	if len(p.Daily) != keepDays {
		t.Fatalf("%d days kept, want %d", len(p.Daily), keepDays)
	}
	if _, ok := p.Daily[start.Format(time.DateOnly)]; ok {
		t.Fatal("the oldest day was kept")
	}
}
