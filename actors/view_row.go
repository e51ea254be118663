package actors

import (
	"time"

	"allot/domain"
)

// viewRow is what the catalogue view keeps of one number: NumberView
// without its id (the index's key), with its rarely set parts behind
// pointers and its end as seconds and nanoseconds rather than a time.Time
// (24 bytes with its location, which is always UTC here). There is one per number,
// so its size is the view's: 48 bytes rather than NumberView's 120, in a
// slice rather than a map, whose table is at most half full after it
// doubles.
type viewRow struct {
	untilSec  int64             // the end (rental or reservation), with untilNsec: see untilOf
	deleteAt  *time.Time        // nil when zero: set only while an account deletion waits
	prices    *domain.PriceList // nil when the number has no overrides
	renter    domain.UserID
	offer     domain.UserID
	untilNsec int32 // here rather than beside untilSec, where it would be padded to 8 bytes
	status    domain.NumberStatus
	blocked   bool
	unchecked bool
}

// unixOf splits a UTC time (what the states hold: the engine's clock is
// UTC, and so is what a replay decodes) into seconds and nanoseconds.
func unixOf(t time.Time) (int64, int32) { return t.Unix(), int32(t.Nanosecond()) }

// zeroSec is the zero time's seconds: it reads back as time.Time{}, which
// has no location, rather than as the same instant in UTC.
var zeroSec, _ = unixOf(time.Time{})

// timeOf is the time unixOf split.
func timeOf(sec int64, nsec int32) time.Time {
	if sec == zeroSec && nsec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

// rowOf compacts a summary.
func rowOf(s NumberView) viewRow {
	r := viewRow{renter: s.Renter, offer: s.Offer, status: s.Status, blocked: s.Blocked, unchecked: s.Unchecked}
	r.untilSec, r.untilNsec = unixOf(s.Until)
	if !s.DeleteAt.IsZero() {
		at := s.DeleteAt
		r.deleteAt = &at
	}
	if len(s.Prices) > 0 {
		p := s.Prices
		r.prices = &p
	}
	return r
}

// view expands the row of number id; it shares the price list, which
// nobody changes in place (a number's new prices are a new list).
func (r viewRow) view(id string) NumberView {
	v := NumberView{ID: id, Status: r.status, Renter: r.renter, Until: timeOf(r.untilSec, r.untilNsec), Offer: r.offer,
		Blocked: r.blocked, Unchecked: r.unchecked}
	if r.deleteAt != nil {
		v.DeleteAt = *r.deleteAt
	}
	if r.prices != nil {
		v.Prices = *r.prices
	}
	return v
}

// get returns the summary of number id; the caller holds v.mu.
func (v *numberView) get(id string) (NumberView, bool) {
	i, ok := v.slot(id)[id]
	if !ok {
		return NumberView{}, false
	}
	return v.rows[i].view(id), true
}

// set stores the summary s and returns the one it replaces, if any; the
// caller holds v.mu for writing. Numbers are never taken out of the view
// (a removed one keeps its row), and rows are only added to once the view
// is built at the start (rebuildView), so a number's row never moves: row
// (its row plus one, 0 when not known yet) spares the lookup of the id
// that put, after every event of a number, made otherwise (a map's cache
// misses: 1.7 % of the engine load test's CPU).
func (v *numberView) set(s NumberView, row *int32) (old NumberView, ok bool) {
	if *row == 0 {
		m := v.slot(s.ID)
		i, known := m[s.ID]
		if !known {
			i = int32(len(v.rows))
			m[s.ID] = i
			v.rows = append(v.rows, rowOf(s))
			*row = i + 1
			return NumberView{}, false
		}
		*row = i + 1
	}
	i := *row - 1
	old = v.rows[i].view(s.ID)
	v.rows[i] = rowOf(s)
	return old, true
}
