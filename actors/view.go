package actors

import (
	"context"
	"slices"
	"sync"
	"time"
	"unsafe"

	"allot/domain"
)

// The catalogue read model. A number's actor owns its state, so a list of
// numbers cannot be read from the states without asking every actor; the
// bot's catalogue and "my rentals" read this summary instead, which each
// number's actor refreshes after every event it applies (and recovery
// rebuilds from the restored states). It lags a change by nothing: the
// summary is written in the same step that applies the event.

// NumberView is what a list shows of a number.
type NumberView struct {
	ID      string
	Status  domain.NumberStatus
	Renter  domain.UserID    // the current renter, or the user holding a reservation
	Until   time.Time        // rental end, or reservation end
	Offer   domain.UserID    // a pending transfer offer to this user
	Prices  domain.PriceList // per-number overrides of the default prices
	Blocked bool
	// Unchecked: the number came back and its account was not looked at
	// yet (domain.AccountCheck); DeleteAt is when a pending deletion of an
	// account left with a cloud password can finish.
	Unchecked bool
	DeleteAt  time.Time
}

type numberView struct {
	mu   sync.RWMutex
	rows []viewRow // one per number, in the order they were added (view_row.go)
	// index is a number's place in rows, split as the directory splits
	// numbers (shardIndex): a restart rebuilds each part on its own core.
	index  [shardCount]map[string]int32
	sorted []string // ids in order; nil when a number was added or removed since
	// shown is sorted without the removed numbers: what the catalogue
	// pages through. It is kept, like sorted, until a number is added or
	// leaves or re-enters the catalogue, so that a page costs its own
	// numbers rather than a walk over all of them. Never modified once
	// handed out: readers share it.
	shown []string
	// byUser indexes the numbers each person rents, holds or is offered, so
	// "my rentals" costs what the person has, not the size of the catalogue;
	// split by user, so that a restart rebuilds each part on its own core.
	// A person has a few numbers: a slice costs less than a set.
	byUser [shardCount]map[domain.UserID][]string
}

func newNumberView() *numberView {
	v := &numberView{}
	for i := range v.index {
		v.index[i], v.byUser[i] = map[string]int32{}, map[domain.UserID][]string{}
	}
	return v
}

// slot is the part of the index that holds id.
func (v *numberView) slot(id string) map[string]int32 {
	return v.index[shardIndex(id)]
}

// people is the part of byUser that holds user u.
func (v *numberView) people(u domain.UserID) map[domain.UserID][]string {
	return v.byUser[peopleOf(u)]
}

// link adds id to u's numbers; relink makes sure it is not there yet.
func (v *numberView) link(u domain.UserID, id string) {
	if u == 0 {
		return
	}
	m := v.people(u)
	m[u] = append(m[u], id)
}

// relink moves a number's links from the people of old to those of now.
// Someone in both keeps theirs untouched, so that a rent, an offer or a
// renewal scans nobody's list: the scan (in unlink) is left to those who
// lose the number, under the view's lock, and a reseller holds hundreds.
func (v *numberView) relink(old, now NumberView) {
	kept := func(u domain.UserID, in NumberView) bool { return u != 0 && (u == in.Renter || u == in.Offer) }
	for _, u := range [2]domain.UserID{old.Renter, old.Offer} {
		if !kept(u, now) {
			v.unlink(u, now.ID)
		}
	}
	for i, u := range [2]domain.UserID{now.Renter, now.Offer} {
		if !kept(u, old) && (i == 0 || u != now.Renter) {
			v.link(u, now.ID)
		}
	}
}

func (v *numberView) unlink(u domain.UserID, id string) {
	m := v.people(u)
	ids := m[u]
	switch i := indexOfID(ids, id); {
	case i < 0:
	case len(ids) == 1:
		delete(m, u)
	default:
		m[u] = slices.Delete(ids, i, i+1)
	}
}

// indexOfID is slices.Index for a person's numbers. The id unlink is given
// is, nearly always, the very string link stored (both are the number's
// ID), so a first pass compares where the strings' bytes are, not the
// bytes: every id of a person has the same length and prefix, and
// comparing their bytes read a cache line per id, for each of a reseller's
// hundreds at every change of renter. The second pass is the plain search,
// for an id that arrived in a string of its own.
func indexOfID(ids []string, id string) int {
	at := unsafe.StringData(id)
	for i, s := range ids {
		if unsafe.StringData(s) == at && len(s) == len(id) {
			return i
		}
	}
	return slices.Index(ids, id)
}

func summarize(n *domain.Number, now time.Time) NumberView {
	v := NumberView{ID: n.ID, Status: n.Status(), Blocked: n.Blocked, Prices: n.Prices}
	switch {
	case n.Rental != nil:
		v.Renter, v.Until = n.Rental.Renter, n.Rental.Until
	case n.Hold != nil && now.Before(n.Hold.Until):
		v.Renter, v.Until = n.Hold.User, n.Hold.Until
	}
	if n.Offer != nil {
		v.Offer = n.Offer.To
	}
	if a := n.Account; a != nil {
		v.Unchecked, v.DeleteAt = true, a.DeleteAt
	}
	return v
}

// put stores a number's new summary, after every event of it. row is the
// number's place in the view as its actor last heard it (entry.viewRow:
// the row plus one, 0 when not known), which put fills in.
func (v *numberView) put(s NumberView, row *int32) {
	v.mu.Lock()
	old, ok := v.set(s, row)
	if !ok {
		v.sorted = nil
	}
	if !ok || (old.Status == domain.StatusRemoved) != (s.Status == domain.StatusRemoved) {
		v.shown = nil
	}
	// Most events (a renewal, a reminder) leave the people unchanged:
	// the index is touched only when they change.
	if !ok || old.Renter != s.Renter || old.Offer != s.Offer {
		v.relink(old, s)
	}
	v.mu.Unlock()
}

func (v *numberView) ids() []string {
	v.mu.RLock()
	ids := v.sorted
	v.mu.RUnlock()
	if ids != nil {
		return ids
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.sortedLocked()
}

// sortedLocked is ids with the write lock held.
func (v *numberView) sortedLocked() []string {
	if v.sorted == nil {
		v.sorted = make([]string, 0, len(v.rows))
		for _, m := range v.index {
			for id := range m {
				v.sorted = append(v.sorted, id)
			}
		}
		slices.Sort(v.sorted)
	}
	return v.sorted
}

// listed is the ids of the numbers in the catalogue, all but removed ones,
// in order. The slice is shared: callers must not modify it.
func (v *numberView) listed() []string {
	v.mu.RLock()
	shown := v.shown
	v.mu.RUnlock()
	if shown != nil {
		return shown
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.shown == nil { // built from the order and statuses as they are under this lock
		ids := v.sortedLocked()
		out := make([]string, 0, len(ids))
		for _, id := range ids {
			if v.rows[v.slot(id)[id]].status != domain.StatusRemoved {
				out = append(out, id)
			}
		}
		v.shown = out
	}
	return v.shown
}

// CataloguePage is one page of the catalogue, in number order.
type CataloguePage struct {
	Numbers []NumberView
	Page    int
	Pages   int
}

// Catalogue returns page (from 0) of the catalogue with size numbers per page.
// A page past the end is the last page.
func (e *Engine) Catalogue(_ context.Context, page, size int) CataloguePage {
	size = max(size, 1)
	ids := e.view.listed()
	pages := max(1, (len(ids)+size-1)/size)
	page = min(max(page, 0), pages-1)
	out := CataloguePage{Page: page, Pages: pages}
	e.view.mu.RLock()
	defer e.view.mu.RUnlock()
	onPage := ids[min(page*size, len(ids)):min((page+1)*size, len(ids))]
	out.Numbers = make([]NumberView, 0, len(onPage))
	for _, id := range onPage {
		nv, _ := e.view.get(id)
		out.Numbers = append(out.Numbers, nv)
	}
	return out
}

// RentalsOf returns the numbers a user rents or holds a reservation for,
// and those offered to them by a transfer, in number order.
func (e *Engine) RentalsOf(_ context.Context, user domain.UserID) (rented, offered []NumberView) {
	e.view.mu.RLock()
	ids := slices.Clone(e.view.people(user)[user])
	slices.Sort(ids)
	for _, id := range ids {
		v, _ := e.view.get(id)
		if v.Renter == user && v.Status != domain.StatusAvailable {
			rented = append(rented, v)
		}
		if v.Offer == user {
			offered = append(offered, v)
		}
	}
	e.view.mu.RUnlock()
	return rented, offered
}

// PriceOf quotes a number from its view in TON: its override, else the
// default. PricesOf gives every currency.
func (e *Engine) PriceOf(v NumberView, days int) (domain.Nano, bool) {
	m, err := domain.Quote(&domain.Number{Prices: v.Prices}, e.policy().Prices, days, domain.CurrencyTON)
	return domain.Nano(m.Units), err == nil
}

// PricesOf quotes a number from its view in every currency it is priced
// in for days, TON first; empty when the period is not on offer.
func (e *Engine) PricesOf(v NumberView, days int) []domain.Money {
	return domain.PricesOf(&domain.Number{Prices: v.Prices}, e.policy().Prices, days)
}

// Periods lists the rental periods on offer by default, in days, shortest
// first, whatever currencies they are priced in.
func (e *Engine) Periods() []int { return e.policy().Prices.Periods() }

// Policy returns the prices and timings in force, for showing them.
func (e *Engine) Policy() domain.Policy { return e.policy() }
