package domain

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Statistics of the distribution: how many accounts, e-mails and phone
// numbers staff were given in a period, and what they said about them.
// The figures come from Pool.Daily, which counts by the UTC day an item was
// issued, so feedback given today on an item issued last week counts in
// last week's day. A report is built from copies of those counters, outside
// the actor owning the pools, and is plain data for the bot to render.

// ErrBadStatsPeriod refuses a statistics period other than d, w or m. It is
// declared here rather than among the decision errors: it refuses a
// question, not a change of state.
var ErrBadStatsPeriod = errors.New("domain: unknown statistics period")

// PoolDays is one pool's daily counters, the input of BuildStats. The
// caller copies them out of the pool, so the report never reads state an
// actor is changing.
type PoolDays struct {
	Kind, Region, Variant string
	Days                  map[string]DayCount // by UTC day, "2006-01-02", as Pool.Daily
}

// Period is the window a report covers: whole UTC days ending with today,
// because Pool.Daily is keyed by UTC day and a window of partial days
// could not be answered from it.
type Period string

// The periods. A week is the 7 UTC days ending today and a month the 30,
// rather than the calendar's week or month, so that every period is as
// long on the 1st of a month as on the 28th.
const (
	PeriodDay   Period = "d" // today (UTC) only
	PeriodWeek  Period = "w" // today and the 6 UTC days before it
	PeriodMonth Period = "m" // today and the 29 UTC days before it
)

// statsDay is the layout of Pool.Daily's keys.
const statsDay = "2006-01-02"

// ParsePeriod reads a period's code, as it travels in callback data and
// commands.
func ParsePeriod(s string) (Period, error) {
	switch p := Period(s); p {
	case PeriodDay, PeriodWeek, PeriodMonth:
		return p, nil
	}
	return "", fmt.Errorf("%w: %.16q", ErrBadStatsPeriod, s)
}

// Days is the number of UTC days p covers; 0 for an unknown period.
func (p Period) Days() int {
	switch p {
	case PeriodDay:
		return 1
	case PeriodWeek:
		return 7
	case PeriodMonth:
		return 30
	}
	return 0
}

// window returns the keys of the UTC days p covers at now, oldest first.
func (p Period) window(now time.Time) []string {
	y, m, d := now.UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	n := p.Days()
	days := make([]string, 0, n)
	for i := n - 1; i >= 0; i-- {
		days = append(days, today.AddDate(0, 0, -i).Format(statsDay))
	}
	return days
}

// StatsReport is what was issued in one category over one period, and the
// feedback on it, grouped kind → variant → region, with totals by kind, by
// region and overall.
type StatsReport struct {
	Category Category
	Period   Period
	From, To string // the first and last UTC day covered, "2006-01-02"; empty for an unknown period
	// Statuses are the columns of Regions and Total: every status of the
	// report's kinds, in the order they first appear. Kinds of one category
	// usually share them; when they do not, the totals still add up.
	Statuses []FeedbackStatus
	Kinds    []KindStats   // in config order, then kinds the config no longer names, by code
	Regions  []RegionStats // in config order, then regions the config does not name, sorted
	Total    StatsCounts
}

// KindStats is one kind's share of a report.
type KindStats struct {
	Code, Name string
	// Known is false for a kind the data has and the config no longer
	// names. Its category is unknown, so it shows in every category's
	// report rather than vanish; its statuses are the codes its data has.
	Known    bool
	Statuses []FeedbackStatus // the columns of Rows and Total, in the kind's order
	Rows     []StatsRow       // variants in config order, regions in config order, unknown ones last and sorted
	Total    StatsCounts
}

// StatsRow is one pool's figures: a kind's variant ("" for a kind without
// variants) in a region.
type StatsRow struct {
	Variant, Region string
	StatsCounts
}

// RegionStats is one region's figures across the report's kinds.
type RegionStats struct {
	Region string
	StatsCounts
}

// StatsCounts are the figures of a row or a total.
type StatsCounts struct {
	Issued int
	Status []int // one per status of whatever holds the counts, in its order
	// Other is feedback under a status the config no longer names: not
	// pending any more, so counted, but without a column of its own.
	Other int
	// Pending is issued items with no feedback yet: Issued less all the
	// feedback, never negative.
	Pending int
}

// IsZero reports whether c counts nothing at all.
func (c StatsCounts) IsZero() bool {
	return c.Issued == 0 && c.Other == 0 && c.Pending == 0 && !slices.ContainsFunc(c.Status, func(n int) bool { return n != 0 })
}

// add adds o to c, o's statuses going to the columns at[i] of c's.
func (c *StatsCounts) add(o StatsCounts, at []int) {
	c.Issued += o.Issued
	c.Other += o.Other
	c.Pending += o.Pending
	for i, n := range o.Status {
		c.Status[at[i]] += n
	}
}

// statsCell is one pool's counters summed over the window.
type statsCell struct {
	issued int
	status map[string]int
}

// statsKey names a pool inside one kind.
type statsKey struct{ variant, region string }

// BuildStats reports what was issued in category cat over the period p
// ending at now, from every pool's daily counters. It is deterministic:
// the same input gives the same report, whatever the order of pools or
// maps. Pools listed twice add up. An unknown period covers no day, so
// the report is empty; negative counters are read as zero.
func BuildStats(kinds KindsConfig, pools []PoolDays, cat Category, p Period, now time.Time) StatsReport {
	r := StatsReport{Category: cat, Period: p}
	days := p.window(now)
	if len(days) > 0 {
		r.From, r.To = days[0], days[len(days)-1]
	}
	cells := sumStats(kinds, pools, cat, days)
	for _, code := range statsKindOrder(kinds, cells) {
		k, known := kinds.Kind(code)
		ks := kindStats(kinds, k, known, code, cells[code])
		if len(ks.Rows) > 0 {
			r.Kinds = append(r.Kinds, ks)
		}
	}
	r.totals(kinds)
	return r
}

// sumStats sums each pool's counters over days, by kind and pool, keeping
// the kinds of cat and the kinds the config does not name.
func sumStats(kinds KindsConfig, pools []PoolDays, cat Category, days []string) map[string]map[statsKey]*statsCell {
	cells := map[string]map[statsKey]*statsCell{}
	for _, pd := range pools {
		if k, ok := kinds.Kind(pd.Kind); pd.Kind == "" || ok && k.Category != cat {
			continue
		}
		byPool := cells[pd.Kind]
		if byPool == nil {
			byPool = map[statsKey]*statsCell{}
			cells[pd.Kind] = byPool
		}
		key := statsKey{pd.Variant, pd.Region}
		c := byPool[key]
		if c == nil {
			c = &statsCell{status: map[string]int{}}
			byPool[key] = c
		}
		for _, d := range days {
			dc := pd.Days[d]
			c.issued += max(dc.Issued, 0)
			for s, n := range dc.Status {
				c.status[s] += max(n, 0)
			}
		}
	}
	return cells
}

// statsKindOrder lists the kinds with data: config order, then the kinds
// the config does not name, sorted.
func statsKindOrder(kinds KindsConfig, cells map[string]map[statsKey]*statsCell) []string {
	var order []string
	for _, k := range kinds.Kinds {
		if _, ok := cells[k.Code]; ok {
			order = append(order, k.Code)
		}
	}
	for _, code := range slices.Sorted(maps.Keys(cells)) {
		if _, ok := kinds.Kind(code); !ok {
			order = append(order, code)
		}
	}
	return order
}

// kindStats builds one kind's rows and total, leaving out rows of zeros.
func kindStats(kinds KindsConfig, k ResourceKind, known bool, code string, cells map[statsKey]*statsCell) KindStats {
	ks := KindStats{Code: code, Name: cmp.Or(k.Name, code), Known: known, Statuses: slices.Clone(k.Statuses)}
	if !known {
		ks.Statuses = unknownStatuses(cells)
	}
	ks.Total.Status = zeros(len(ks.Statuses))
	same := identity(len(ks.Statuses))
	keys := slices.Collect(maps.Keys(cells))
	slices.SortFunc(keys, statsKeyOrder(k.Variants, kinds.RegionsOf(k)))
	for _, key := range keys {
		row := StatsRow{Variant: key.variant, Region: key.region, StatsCounts: cells[key].counts(ks.Statuses)}
		if row.IsZero() {
			continue
		}
		ks.Rows = append(ks.Rows, row)
		ks.Total.add(row.StatsCounts, same)
	}
	return ks
}

// unknownStatuses makes columns of the status codes the data of a kind
// the config does not name has, sorted, as nothing says their order.
func unknownStatuses(cells map[statsKey]*statsCell) []FeedbackStatus {
	codes := map[string]bool{}
	for _, c := range cells {
		for s := range c.status {
			codes[s] = true
		}
	}
	var out []FeedbackStatus
	for _, s := range slices.Sorted(maps.Keys(codes)) {
		out = append(out, FeedbackStatus{Code: s})
	}
	return out
}

// counts turns a pool's sums into columns of statuses.
func (c *statsCell) counts(statuses []FeedbackStatus) StatsCounts {
	out := StatsCounts{Issued: c.issued, Status: zeros(len(statuses))}
	given := 0
	for s, n := range c.status {
		given += n
		if i := slices.IndexFunc(statuses, func(f FeedbackStatus) bool { return f.Code == s }); i >= 0 {
			out.Status[i] = n
		} else {
			out.Other += n
		}
	}
	out.Pending = max(c.issued-given, 0)
	return out
}

// statsKeyOrder orders pools by variant, then region: first those in the
// config's order, then the others sorted.
func statsKeyOrder(variants, regions []string) func(a, b statsKey) int {
	return func(a, b statsKey) int {
		return cmp.Or(
			cmp.Compare(rankIn(variants, a.variant), rankIn(variants, b.variant)),
			cmp.Compare(a.variant, b.variant),
			cmp.Compare(rankIn(regions, a.region), rankIn(regions, b.region)),
			cmp.Compare(a.region, b.region),
		)
	}
}

// rankIn is s's place in order, or after all of it.
func rankIn(order []string, s string) int {
	if i := slices.Index(order, s); i >= 0 {
		return i
	}
	return len(order)
}

// zeros is n zero counts; nil for none, so that reports compare equal
// however they were built.
func zeros(n int) []int {
	if n == 0 {
		return nil
	}
	return make([]int, n)
}

// identity maps each of n columns to itself.
func identity(n int) []int {
	at := make([]int, n)
	for i := range at {
		at[i] = i
	}
	return at
}

// totals fills in the report's columns, its regions and its grand total
// from its kinds.
func (r *StatsReport) totals(kinds KindsConfig) {
	for _, ks := range r.Kinds {
		for _, s := range ks.Statuses {
			if !slices.ContainsFunc(r.Statuses, func(f FeedbackStatus) bool { return f.Code == s.Code }) {
				r.Statuses = append(r.Statuses, s)
			}
		}
	}
	r.Total.Status = zeros(len(r.Statuses))
	byRegion := map[string]*StatsCounts{}
	for _, ks := range r.Kinds {
		at := r.columnsOf(ks.Statuses)
		r.Total.add(ks.Total, at)
		for _, row := range ks.Rows {
			rc := byRegion[row.Region]
			if rc == nil {
				rc = &StatsCounts{Status: zeros(len(r.Statuses))}
				byRegion[row.Region] = rc
			}
			rc.add(row.StatsCounts, at)
		}
	}
	regions := slices.Collect(maps.Keys(byRegion))
	slices.SortFunc(regions, func(a, b string) int {
		return cmp.Or(cmp.Compare(rankIn(kinds.Regions, a), rankIn(kinds.Regions, b)), cmp.Compare(a, b))
	})
	for _, reg := range regions {
		r.Regions = append(r.Regions, RegionStats{Region: reg, StatsCounts: *byRegion[reg]})
	}
}

// columnsOf maps each of statuses to its column among the report's.
func (r *StatsReport) columnsOf(statuses []FeedbackStatus) []int {
	at := make([]int, len(statuses))
	for i, s := range statuses {
		at[i] = slices.IndexFunc(r.Statuses, func(f FeedbackStatus) bool { return f.Code == s.Code })
	}
	return at
}
