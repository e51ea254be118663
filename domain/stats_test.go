package domain

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// statsNow is the "now" of the statistics tests: midday, so that a test
// moving it by hours stays on the same UTC day.
var statsNow = time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)

// statsKinds is the example kinds file.
func statsKinds(t testing.TB) KindsConfig {
	t.Helper()
	b, err := os.ReadFile(exampleKinds)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseKinds(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// statsDaysAgo is the Pool.Daily key of n UTC days before statsNow.
func statsDaysAgo(n int) string { return statsNow.AddDate(0, 0, -n).Format(statsDay) }

// statsPool is one pool with one day's counts: issued, then status, count,
// status, count...
func statsPool(key string, daysAgo, issued int, status ...any) PoolDays {
	kind, region, variant, _ := SplitPoolKey(key)
	dc := DayCount{Issued: issued, Status: map[string]int{}}
	for i := 0; i+1 < len(status); i += 2 {
		dc.Status[status[i].(string)] = status[i+1].(int)
	}
	return PoolDays{Kind: kind, Region: region, Variant: variant, Days: map[string]DayCount{statsDaysAgo(daysAgo): dc}}
}

// statsShape is a report as lines a person can read in a failure.
func statsShape(r StatsReport) []string {
	out := []string{"columns " + statusCodes(r.Statuses)}
	for _, k := range r.Kinds {
		out = append(out, fmt.Sprintf("kind %s %q known=%v columns %s", k.Code, k.Name, k.Known, statusCodes(k.Statuses)))
		for _, row := range k.Rows {
			out = append(out, fmt.Sprintf("  %s/%s %s", row.Variant, row.Region, statsCountsShape(row.StatsCounts)))
		}
		out = append(out, "  total "+statsCountsShape(k.Total))
	}
	for _, reg := range r.Regions {
		out = append(out, "region "+reg.Region+" "+statsCountsShape(reg.StatsCounts))
	}
	return append(out, "total "+statsCountsShape(r.Total))
}

func statusCodes(ss []FeedbackStatus) string {
	var codes []string
	for _, s := range ss {
		codes = append(codes, s.Code)
	}
	return strings.Join(codes, ",")
}

func statsCountsShape(c StatsCounts) string {
	return fmt.Sprintf("i%d %v o%d p%d", c.Issued, c.Status, c.Other, c.Pending)
}

func TestParsePeriod(t *testing.T) {
	for _, tc := range []struct {
		in    string
		want  Period
		wDays int
		wErr  error
	}{
		{in: "d", want: PeriodDay, wDays: 1},
		{in: "w", want: PeriodWeek, wDays: 7},
		{in: "m", want: PeriodMonth, wDays: 30},
		{in: "", wErr: ErrBadStatsPeriod},
		{in: "D", wErr: ErrBadStatsPeriod},
		{in: "week", wErr: ErrBadStatsPeriod},
		{in: " d", wErr: ErrBadStatsPeriod},
	} {
		t.Run(fmt.Sprintf("%q", tc.in), func(t *testing.T) {
			got, err := ParsePeriod(tc.in)
			wantErr(t, err, tc.wErr)
			if got != tc.want || got.Days() != tc.wDays {
				t.Fatalf("ParsePeriod(%q) = %q (%d days), want %q (%d days)", tc.in, got, got.Days(), tc.want, tc.wDays)
			}
		})
	}
}

func TestBuildStats_Windows(t *testing.T) {
	kinds := statsKinds(t)
	for _, tc := range []struct {
		name    string
		daysAgo int
		now     time.Time
		wIn     string // the periods that count the item
	}{
		{name: "today", daysAgo: 0, wIn: "dwm"},
		{name: "yesterday", daysAgo: 1, wIn: "wm"},
		{name: "6 days ago is the week's first day", daysAgo: 6, wIn: "wm"},
		{name: "7 days ago is in the month, not the week", daysAgo: 7, wIn: "m"},
		{name: "29 days ago is the month's first day", daysAgo: 29, wIn: "m"},
		{name: "30 days ago is in none", daysAgo: 30, wIn: ""},
		{name: "tomorrow is in none", daysAgo: -1, wIn: ""},
		{name: "today, at the day's first instant", daysAgo: 0, now: time.Date(2026, time.March, 1, 0, 0, 0, 0, time.UTC), wIn: "dwm"},
		{name: "today, at the day's last instant", daysAgo: 0, now: time.Date(2026, time.March, 1, 23, 59, 59, 999999999, time.UTC), wIn: "dwm"},
		{name: "now in Moscow after midnight is still the day before in UTC", daysAgo: 0,
			now: time.Date(2026, time.March, 2, 1, 0, 0, 0, time.FixedZone("MSK", 3*3600)), wIn: "dwm"},
		{name: "now west of UTC before midnight is already tomorrow in UTC", daysAgo: 0,
			now: time.Date(2026, time.February, 28, 23, 0, 0, 0, time.FixedZone("X", -3*3600)), wIn: "dwm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := tc.now
			if now.IsZero() {
				now = statsNow
			}
			pools := []PoolDays{statsPool("vk/495", tc.daysAgo, 1)}
			for _, p := range []Period{PeriodDay, PeriodWeek, PeriodMonth} {
				want := 0
				if strings.Contains(tc.wIn, string(p)) {
					want = 1
				}
				if got := BuildStats(kinds, pools, CategoryAccount, p, now).Total.Issued; got != want {
					t.Errorf("period %s: issued %d, want %d", p, got, want)
				}
			}
		})
	}
}

func TestBuildStats_Range(t *testing.T) {
	kinds := statsKinds(t)
	for _, tc := range []struct {
		p          Period
		wFrom, wTo string
	}{
		{p: PeriodDay, wFrom: "2026-03-01", wTo: "2026-03-01"},
		{p: PeriodWeek, wFrom: "2026-02-23", wTo: "2026-03-01"},
		{p: PeriodMonth, wFrom: "2026-01-31", wTo: "2026-03-01"},
		{p: "x"},
	} {
		t.Run(string(tc.p), func(t *testing.T) {
			r := BuildStats(kinds, []PoolDays{statsPool("vk/495", 0, 1)}, CategoryAccount, tc.p, statsNow)
			if r.From != tc.wFrom || r.To != tc.wTo || r.Period != tc.p || r.Category != CategoryAccount {
				t.Fatalf("report covers %s %s..%s (%s), want %s..%s", r.Period, r.From, r.To, r.Category, tc.wFrom, tc.wTo)
			}
		})
	}
}

func TestBuildStats(t *testing.T) {
	kinds := statsKinds(t)
	for _, tc := range []struct {
		name  string
		cat   Category
		pools []PoolDays
		want  []string
	}{
		{name: "no data", cat: CategoryAccount, want: []string{"columns ", "total i0 [] o0 p0"}},
		{name: "kinds with and without variants, in config order, with totals", cat: CategoryAccount, pools: []PoolDays{
			statsPool("mamba/495/female", 0, 3, "good", 1),
			statsPool("mamba/495/male", 1, 2, "blocked", 2),
			statsPool("vk/812", 2, 5, "good", 2, "defective", 1),
			statsPool("vk/495", 3, 1),
			statsPool("beboo/495", 0, 9, "working", 9), // a phone: another report's
			statsPool("email_gmail/495", 0, 4),         // an e-mail: another report's
		}, want: []string{
			"columns good,blocked,defective",
			`kind vk "ВКонтакте" known=true columns good,blocked,defective`,
			"  /495 i1 [0 0 0] o0 p1",
			"  /812 i5 [2 0 1] o0 p2",
			"  total i6 [2 0 1] o0 p3",
			`kind mamba "Мамба" known=true columns good,blocked,defective`,
			"  male/495 i2 [0 2 0] o0 p0",
			"  female/495 i3 [1 0 0] o0 p2",
			"  total i5 [1 2 0] o0 p2",
			"region 495 i6 [1 2 0] o0 p3",
			"region 812 i5 [2 0 1] o0 p2",
			"total i11 [3 2 1] o0 p5",
		}},
		{name: "phones follow their kinds' statuses", cat: CategoryPhone, pools: []PoolDays{
			statsPool("tabor/495", 0, 2, "registered", 2),
			statsPool("beboo/383", 0, 4, "working", 1, "reset", 1, "registered", 1),
			statsPool("vk/495", 0, 7),
		}, want: []string{
			"columns working,reset,registered",
			`kind beboo "Beboo" known=true columns working,reset,registered`,
			"  /383 i4 [1 1 1] o0 p1",
			"  total i4 [1 1 1] o0 p1",
			`kind tabor "Табор" known=true columns working,reset,registered`,
			"  /495 i2 [0 0 2] o0 p0",
			"  total i2 [0 0 2] o0 p0",
			"region 495 i2 [0 0 2] o0 p0",
			"region 383 i4 [1 1 1] o0 p1",
			"total i6 [1 1 3] o0 p1",
		}},
		{name: "kinds and regions the config does not name come last, sorted", cat: CategoryEmail, pools: []PoolDays{
			statsPool("zz/495", 0, 2, "x", 1),
			statsPool("email_rambler/999", 0, 1),
			statsPool("email_rambler/343", 0, 1),
			statsPool("email_rambler/100", 0, 1),
			statsPool("aa/777", 0, 1, "good", 1),
		}, want: []string{
			"columns good,blocked,defective,x",
			`kind email_rambler "Rambler" known=true columns good,blocked,defective`,
			"  /343 i1 [0 0 0] o0 p1",
			"  /100 i1 [0 0 0] o0 p1",
			"  /999 i1 [0 0 0] o0 p1",
			"  total i3 [0 0 0] o0 p3",
			`kind aa "aa" known=false columns good`,
			"  /777 i1 [1] o0 p0",
			"  total i1 [1] o0 p0",
			`kind zz "zz" known=false columns x`,
			"  /495 i2 [1] o0 p1",
			"  total i2 [1] o0 p1",
			"region 495 i2 [0 0 0 1] o0 p1",
			"region 343 i1 [0 0 0 0] o0 p1",
			"region 100 i1 [0 0 0 0] o0 p1",
			"region 777 i1 [1 0 0 0] o0 p0",
			"region 999 i1 [0 0 0 0] o0 p1",
			"total i6 [1 0 0 1] o0 p4",
		}},
		{name: "variants the config does not name come last, sorted", cat: CategoryAccount, pools: []PoolDays{
			statsPool("gmail/812/zz", 0, 1),
			statsPool("gmail/812", 0, 1),
			statsPool("gmail/812/any", 0, 1),
			statsPool("gmail/495/female", 0, 1),
			statsPool("gmail/812/female", 0, 1),
		}, want: []string{
			"columns good,blocked,defective",
			`kind gmail "Gmail" known=true columns good,blocked,defective`,
			"  female/495 i1 [0 0 0] o0 p1",
			"  female/812 i1 [0 0 0] o0 p1",
			"  any/812 i1 [0 0 0] o0 p1",
			"  /812 i1 [0 0 0] o0 p1",
			"  zz/812 i1 [0 0 0] o0 p1",
			"  total i5 [0 0 0] o0 p5",
			"region 495 i1 [0 0 0] o0 p1",
			"region 812 i4 [0 0 0] o0 p4",
			"total i5 [0 0 0] o0 p5",
		}},
		{name: "a status the config no longer names is feedback, not pending", cat: CategoryAccount, pools: []PoolDays{
			statsPool("vk/495", 0, 4, "good", 1, "gone", 2),
		}, want: []string{
			"columns good,blocked,defective",
			`kind vk "ВКонтакте" known=true columns good,blocked,defective`,
			"  /495 i4 [1 0 0] o2 p1",
			"  total i4 [1 0 0] o2 p1",
			"region 495 i4 [1 0 0] o2 p1",
			"total i4 [1 0 0] o2 p1",
		}},
		{name: "more feedback than issued never makes pending negative, nor do negative counts", cat: CategoryAccount, pools: []PoolDays{
			statsPool("vk/495", 0, 1, "good", 3),
			statsPool("ok/495", 0, -5, "good", -1),
		}, want: []string{
			"columns good,blocked,defective",
			`kind vk "ВКонтакте" known=true columns good,blocked,defective`,
			"  /495 i1 [3 0 0] o0 p0",
			"  total i1 [3 0 0] o0 p0",
			"region 495 i1 [3 0 0] o0 p0",
			"total i1 [3 0 0] o0 p0",
		}},
		{name: "rows of zeros and kinds without rows are left out", cat: CategoryAccount, pools: []PoolDays{
			statsPool("vk/495", 8, 3),
			statsPool("vk/812", 0, 0),
			statsPool("ok/812", 0, 0, "good", 0),
			{Kind: "mamba", Region: "495", Variant: "male"},
			statsPool("mamba/495/female", 0, 1),
		}, want: []string{
			"columns good,blocked,defective",
			`kind mamba "Мамба" known=true columns good,blocked,defective`,
			"  female/495 i1 [0 0 0] o0 p1",
			"  total i1 [0 0 0] o0 p1",
			"region 495 i1 [0 0 0] o0 p1",
			"total i1 [0 0 0] o0 p1",
		}},
		{name: "a pool listed twice adds up, days of the window add up", cat: CategoryAccount, pools: []PoolDays{
			statsPool("vk/495", 0, 1, "good", 1),
			statsPool("vk/495", 3, 2),
			statsPool("vk/495", 6, 4, "blocked", 1),
		}, want: []string{
			"columns good,blocked,defective",
			`kind vk "ВКонтакте" known=true columns good,blocked,defective`,
			"  /495 i7 [1 1 0] o0 p5",
			"  total i7 [1 1 0] o0 p5",
			"region 495 i7 [1 1 0] o0 p5",
			"total i7 [1 1 0] o0 p5",
		}},
		{name: "a pool without a kind is no pool", cat: CategoryAccount, pools: []PoolDays{
			statsPool("vk/495", 0, 1),
			{Region: "495", Days: map[string]DayCount{statsDaysAgo(0): {Issued: 5}}},
		}, want: []string{
			"columns good,blocked,defective",
			`kind vk "ВКонтакте" known=true columns good,blocked,defective`,
			"  /495 i1 [0 0 0] o0 p1",
			"  total i1 [0 0 0] o0 p1",
			"region 495 i1 [0 0 0] o0 p1",
			"total i1 [0 0 0] o0 p1",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := BuildStats(kinds, tc.pools, tc.cat, PeriodWeek, statsNow)
			sameState(t, "report", statsShape(r), tc.want)
		})
	}
}

func TestBuildStats_IgnoresTheOrderOfItsInput(t *testing.T) {
	kinds := statsKinds(t)
	var pools []PoolDays
	for i, key := range []string{"vk/495", "vk/812", "mamba/495/male", "mamba/812/female", "zz/1", "ok/383", "gmail/343/any"} {
		pools = append(pools, statsPool(key, i%7, i+1, "good", i%2, "blocked", 1, "gone", i%3))
	}
	want := BuildStats(kinds, pools, CategoryAccount, PeriodWeek, statsNow)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		rng.Shuffle(len(pools), func(i, j int) { pools[i], pools[j] = pools[j], pools[i] })
		sameState(t, "report of shuffled pools", BuildStats(kinds, pools, CategoryAccount, PeriodWeek, statsNow), want)
	}
}

func TestBuildStats_LeavesTheConfigAlone(t *testing.T) {
	kinds := statsKinds(t)
	r := BuildStats(kinds, []PoolDays{statsPool("vk/495", 0, 1)}, CategoryAccount, PeriodDay, statsNow)
	r.Kinds[0].Statuses[0].Code = "changed"
	if vk, _ := kinds.Kind("vk"); vk.Statuses[0].Code != "good" {
		t.Fatal("changing a report changed the kinds config")
	}
}

// FuzzBuildStats checks that no data makes BuildStats panic or break the
// arithmetic of its totals.
func FuzzBuildStats(f *testing.F) {
	f.Add("vk", "495", "", 0, 3, "good", 1, "m")
	f.Add("zz", "", "x", -1, -3, "", 9, "w")
	f.Add("mamba", "812", "any", 29, 1<<40, "blocked", 1<<40, "d")
	kinds := statsKinds(f)
	f.Fuzz(func(t *testing.T, kind, region, variant string, daysAgo, issued int, status string, n int, period string) {
		pools := []PoolDays{statsPool("vk/495", 0, 2, "good", 1), {Kind: kind, Region: region, Variant: variant,
			Days: map[string]DayCount{statsDaysAgo(daysAgo % 100): {Issued: issued, Status: map[string]int{status: n}}}}}
		var r StatsReport
		noPanic(t, "BuildStats", func() { r = BuildStats(kinds, pools, CategoryAccount, Period(period), statsNow) })
		issuedSum, pendingSum := 0, 0
		for _, k := range r.Kinds {
			issuedSum += k.Total.Issued
			pendingSum += k.Total.Pending
			if len(k.Rows) == 0 || slices.ContainsFunc(k.Rows, func(row StatsRow) bool { return row.Pending < 0 || row.IsZero() }) {
				t.Fatalf("kind %q: bad rows %+v", k.Code, k.Rows)
			}
		}
		if issuedSum != r.Total.Issued || pendingSum != r.Total.Pending || len(r.Total.Status) != len(r.Statuses) {
			t.Fatalf("totals do not add up: %v", statsShape(r))
		}
	})
}
