package actors

import (
	"time"

	"allot/domain"
)

// viewRow is what the catalogue view keeps of one number: NumberView
// without its id (the index's key), with its rarely set parts behind
// pointers. There is one per number, so its size is the view's: 64 bytes
// rather than NumberView's 120, in a slice rather than a map, whose table
// is at most half full after it doubles: 168 MB became about 110 at a
// million numbers.
type viewRow struct {
	until     time.Time
	deleteAt  *time.Time        // nil when zero: set only while an account deletion waits
	prices    *domain.PriceList // nil when the number has no overrides
	renter    domain.UserID
	offer     domain.UserID
	status    domain.NumberStatus
	blocked   bool
	unchecked bool
}

// rowOf compacts a summary.
func rowOf(s NumberView) viewRow {
	r := viewRow{until: s.Until, renter: s.Renter, offer: s.Offer, status: s.Status, blocked: s.Blocked, unchecked: s.Unchecked}
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
	v := NumberView{ID: id, Status: r.status, Renter: r.renter, Until: r.until, Offer: r.offer,
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

// set stores the summary s; the caller holds v.mu for writing. Numbers
// are never taken out of the view (a removed one keeps its row), so rows
// only grow.
func (v *numberView) set(s NumberView) {
	m := v.slot(s.ID)
	if i, ok := m[s.ID]; ok {
		v.rows[i] = rowOf(s)
		return
	}
	m[s.ID] = int32(len(v.rows))
	v.rows = append(v.rows, rowOf(s))
}
