package domain

import (
	"cmp"
	"slices"
	"time"
)

// MaxOpenTopUps is how many top-up invoices one person may have open at
// once. Each is also a pending entry in their wallet; a new one beyond
// this cancels the oldest (Wallet.TopUpsOverCap says which).
const MaxOpenTopUps = 3

// InvoiceRetention is how long a closed invoice is kept after it stopped
// taking payments, so that a late payment naming its code is still
// credited to its owner rather than kept as an orphan; and how long an
// ended pending recharge stays in its wallet. The journal keeps both for
// ever.
const InvoiceRetention = 30 * 24 * time.Hour

// pruneBatch bounds what one prune event names, so that the first sweep
// over a long history still makes records of a modest size; the sweep
// decides again until nothing is left.
const pruneBatch = 1000

// InvoicesPruned forgets closed invoices past their retention.
type InvoicesPruned struct {
	Codes []string  `msgpack:"c"`
	At    time.Time `msgpack:"at"`
}

// EntriesPruned forgets ended pending recharges past their retention.
type EntriesPruned struct {
	Ops []OpID    `msgpack:"op"`
	At  time.Time `msgpack:"at"`
}

// ended is when an invoice stopped taking payments: when it was closed,
// but never before its window ended, because a person who cancelled, or
// whose invoice was paid, may still pay late to the code they were shown.
// An invoice closed before close times were kept counts from its expiry.
func (inv *Invoice) ended() time.Time {
	if inv.Closed.After(inv.Expires) {
		return inv.Closed
	}
	return inv.Expires
}

// Prune decides which closed invoices (paid, expired, cancelled) to forget:
// those that ended (see InvoiceRetention) more than keep before now, oldest
// first, at most pruneBatch of them. Open invoices are never pruned, nor
// are those whose window overlaps a history gap still open (held): a
// payment made in the gap that an admin imports late must still find its
// invoice's code, or it would land as an orphan. It returns nil when there
// is nothing to prune.
func (p *Payments) Prune(now time.Time, keep time.Duration, held ...ChainGap) *InvoicesPruned {
	var due []*Invoice
	for _, inv := range p.Invoices {
		if inv.Status != InvoiceOpen && now.Sub(inv.ended()) > keep && !inv.heldBy(held, now) {
			due = append(due, inv)
		}
	}
	if len(due) == 0 {
		return nil
	}
	slices.SortFunc(due, func(a, b *Invoice) int {
		return cmp.Or(a.ended().Compare(b.ended()), cmp.Compare(a.Code, b.Code))
	})
	ev := &InvoicesPruned{At: now}
	for _, inv := range due[:min(len(due), pruneBatch)] {
		ev.Codes = append(ev.Codes, inv.Code)
	}
	return ev
}

// heldBy reports whether an open gap in gaps overlaps the invoice's window,
// from its opening until it stopped taking payments.
func (inv *Invoice) heldBy(gaps []ChainGap, now time.Time) bool {
	for _, g := range gaps {
		if g.Open(now) && g.Overlaps(inv.Created, inv.ended()) {
			return true
		}
	}
	return false
}

func (e *InvoicesPruned) applyPayments(p *Payments) {
	for _, code := range e.Codes {
		if inv, ok := p.Invoices[code]; ok && inv.Status != InvoiceOpen {
			delete(p.Invoices, code)
		}
	}
}

// TopUpsOverCap returns the wallet's open top-ups (pending recharges)
// beyond the newest limit, oldest first: the ones a new top-up cancels.
func (w *Wallet) TopUpsOverCap(limit int) []Entry {
	var open []Entry
	for _, x := range w.Entries {
		if x.Kind == KindRecharge && !x.Debit && x.Status == EntryPending {
			open = append(open, x)
		}
	}
	return open[:max(len(open)-max(limit, 0), 0)]
}

// ended reports whether x is a pending recharge that ended without money
// (expired, cancelled, failed), and when. Such an entry never counted in
// the balance, so forgetting it changes no sum.
func (x *Entry) ended() (time.Time, bool) {
	if x.Kind != KindRecharge || x.Debit ||
		x.Status != EntryExpired && x.Status != EntryCancelled && x.Status != EntryFailed {
		return time.Time{}, false
	}
	if x.Updated.IsZero() {
		return x.Created, true
	}
	return x.Updated, true
}

// Prune decides which ended pending recharges to forget: those that ended
// more than keep before now, at most pruneBatch of them. Completed
// recharges, purchases, refunds and adjustments are the ledger of money
// and are never pruned. It returns nil when there is nothing to prune.
func (w *Wallet) Prune(now time.Time, keep time.Duration) *EntriesPruned {
	var ev *EntriesPruned
	for i := range w.Entries {
		at, ok := w.Entries[i].ended()
		if !ok || now.Sub(at) <= keep {
			continue
		}
		if ev == nil {
			ev = &EntriesPruned{At: now}
		}
		if ev.Ops = append(ev.Ops, w.Entries[i].Op); len(ev.Ops) == pruneBatch {
			break
		}
	}
	return ev
}

func (e *EntriesPruned) applyWallet(w *Wallet) {
	drop := make(map[OpID]bool, len(e.Ops))
	for _, op := range e.Ops {
		drop[op] = true
	}
	w.Entries = slices.DeleteFunc(w.Entries, func(x Entry) bool {
		_, ended := x.ended()
		return ended && drop[x.Op]
	})
	if w.side != nil {
		w.side.index = nil // positions moved; rebuilt when next needed
	}
}
