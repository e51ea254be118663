package actors

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"allot/domain"
)

// Totals are sums over all entities, for conservation checks: money is
// never created or destroyed, so what came in (recharged, bonus, credit
// adjustments) equals what is held (balances) plus what was spent, in each
// currency on its own. The money fields are TON's, named as they were
// before currencies; USDT holds the same sums in USDT.
type Totals struct {
	Numbers, Rented, Wallets int
	Balances                 domain.Nano // sum of all TON balances
	Recharged                domain.Nano // completed recharges
	Purchased                domain.Nano // completed and processing purchases
	Spent                    domain.Nano // completed purchases: what rentals were paid for
	Refunded                 domain.Nano // completed refunds
	USDT                     Sums        // the sums above, and RentalPaid and Sold, in USDT
	RentalPaid               domain.Nano // sum of Paid in TON over current rentals
	Sold                     domain.Nano // every rental and renewal the numbers were paid for in TON, ever
	Processing               int         // purchases still held by an unfinished saga
	Deposits                 int         // transactions credited to a wallet under their own op
	Applied                  int         // transactions the payments register has applied
	Orphans                  int         // of which kept for an admin
	PaidInvoices             int         // invoices paid by a transaction
}

// Sums are one currency's money totals, in its smallest unit (nanotons,
// millionths of a USDT); see Totals.
type Sums struct {
	Balances, Recharged, Purchased, Spent, Refunded int64
	RentalPaid, Sold                                int64
}

// Check verifies the engine's invariants over every entity and returns the
// totals. Call it after Drain, when nothing is in flight: it reads states
// directly. The invariants prove money and time:
//   - each wallet's balance in each currency is the sum of its ledger in
//     that currency and never negative, so what came in equals what is held
//     plus what was spent, per wallet, per currency and in total; no
//     operation appears twice in a ledger; no transaction is credited twice
//     anywhere;
//   - what wallets spent on rentals (completed purchases) in each currency
//     is what the numbers were sold for in that currency, so no rental or
//     renewal was given for nothing, none was paid for without being given,
//     and no money in one currency paid for a price in the other;
//   - no rental ends later than its start plus the days paid for and the
//     time admins granted;
//   - a number has at most one renter and its history at most one open
//     holding, which is the renter's; none is held or rented again before
//     the last holder's sessions were ended;
//   - every replacement item was owed to its holder for an item they
//     reported (CheckPools).
func (e *Engine) Check() (Totals, error) {
	var t Totals
	var errs []error
	txs := map[domain.OpID]domain.UserID{}
	sums := map[domain.Currency]*Sums{}
	for _, c := range domain.Currencies() {
		sums[c] = &Sums{}
	}
	errs = append(errs, e.eachState(domain.KindWallet, func(state any) {
		w, _ := state.(*domain.Wallet)
		if w == nil || w.Empty() { // one only looked at: never journaled, nothing to count
			return
		}
		t.Wallets++
		errs = append(errs, checkWallet(w, txs, sums, &t)...)
	}))
	t.setSums(*sums[domain.CurrencyTON], *sums[domain.CurrencyUSDT])
	errs = append(errs, e.eachState(domain.KindNumber, func(state any) {
		n, _ := state.(*domain.Number)
		if n == nil {
			return
		}
		t.Numbers++
		if n.Rental != nil {
			t.Rented++
			t.RentalPaid += n.Rental.Paid
			t.USDT.RentalPaid += int64(n.Rental.PaidUSDT)
		}
		t.Sold += n.Sold
		t.USDT.Sold += int64(n.SoldUSDT)
		errs = append(errs, checkNumber(n))
	}))
	errs = append(errs, e.CheckPools())
	errs = append(errs, t.checkSold()...)
	applied := map[string]string{} // transaction → shard
	e.dir.each(domain.KindPayments, func(en *entry, _ bool) {
		p, _ := en.state.(*domain.Payments)
		if p == nil {
			return
		}
		for tx := range p.Applied.All() {
			if other, dup := applied[tx]; dup {
				errs = append(errs, fmt.Errorf("transaction %s applied in shards %s and %s", tx, other, en.id))
			}
			applied[tx] = en.id
		}
		t.Applied += p.Applied.Len()
		t.Orphans += len(p.Orphans)
		for _, inv := range p.Invoices {
			if inv.Status == domain.InvoicePaid {
				t.PaidInvoices++
				if _, ok := p.Applied.Outcome(inv.Tx); !ok {
					errs = append(errs, fmt.Errorf("invoice %s paid by %s, which is not applied", inv.Code, inv.Tx))
				}
			}
		}
	})
	return t, errors.Join(errs...)
}

// checkSold compares, per currency, what wallets spent on rentals with
// what the numbers were sold for.
func (t *Totals) checkSold() []error {
	var errs []error
	for _, c := range []struct {
		cur         domain.Currency
		spent, sold int64
	}{{domain.CurrencyTON, int64(t.Spent), int64(t.Sold)}, {domain.CurrencyUSDT, t.USDT.Spent, t.USDT.Sold}} {
		if c.spent != c.sold {
			errs = append(errs, fmt.Errorf("wallets spent %s on rentals but the numbers were sold for %s",
				domain.Money{Currency: c.cur, Units: c.spent}, domain.Money{Currency: c.cur, Units: c.sold}))
		}
	}
	return errs
}

// setSums puts each currency's sums where Totals keeps them.
func (t *Totals) setSums(ton, usdt Sums) {
	t.Balances, t.Recharged, t.Purchased = domain.Nano(ton.Balances), domain.Nano(ton.Recharged), domain.Nano(ton.Purchased)
	t.Spent, t.Refunded = domain.Nano(ton.Spent), domain.Nano(ton.Refunded)
	t.USDT = usdt
}

func checkWallet(w *domain.Wallet, txs map[domain.OpID]domain.UserID, sums map[domain.Currency]*Sums, t *Totals) []error {
	errs := []error{w.Check()}
	seen := make(map[domain.OpID]bool, len(w.Entries))
	for c, s := range sums {
		s.Balances += w.BalanceIn(c).Units
	}
	for _, x := range w.Entries {
		if seen[x.Op] {
			errs = append(errs, fmt.Errorf("wallet %d: operation %s twice", w.User, x.Op))
		}
		seen[x.Op] = true
		if strings.HasPrefix(string(x.Op), "tx:") {
			if other, dup := txs[x.Op]; dup {
				errs = append(errs, fmt.Errorf("transaction %s credited to %d and %d", x.Op, other, w.User))
			}
			txs[x.Op] = w.User
			t.Deposits++
		}
		if s := sums[x.Currency]; s != nil { // an unknown currency is w.Check's error
			t.Processing += tally(x, s)
		}
	}
	return errs
}

// tally adds x to its currency's sums and returns 1 for a purchase still
// held by an unfinished saga.
func tally(x domain.Entry, s *Sums) int {
	a := int64(x.Amount)
	switch {
	case x.Debit && x.Status == domain.EntryProcessing:
		s.Purchased += a
		return 1
	case x.Status != domain.EntryCompleted:
	case x.Kind == domain.KindPurchase:
		s.Purchased += a
		s.Spent += a
	case x.Kind == domain.KindRecharge:
		s.Recharged += a
	case x.Kind == domain.KindRefund:
		s.Refunded += a
	}
	return 0
}

func checkNumber(n *domain.Number) error {
	open := 0
	var holder domain.UserID
	for _, h := range n.History {
		if h.To.IsZero() {
			open++
			holder = h.User
		}
	}
	switch {
	case open > 1:
		return fmt.Errorf("number %s: %d open holdings", n.ID, open)
	case n.Rental != nil && !n.Rental.Expired && (open != 1 || holder != n.Rental.Renter):
		return fmt.Errorf("number %s: renter %d but history holder %d", n.ID, n.Rental.Renter, holder)
	case n.Rental == nil && open != 0:
		return fmt.Errorf("number %s: not rented but history has a holder", n.ID)
	}
	if len(n.Refunds) > 0 {
		return fmt.Errorf("number %s: %d cancel refunds owed and never credited", n.ID, len(n.Refunds))
	}
	if h := n.Handover; h != nil && (n.Hold != nil || n.Rental != nil && n.Rental.Since.After(h.Since)) {
		return fmt.Errorf("number %s: held or rented again before %d's sessions were ended", n.ID, h.From)
	}
	if a := n.Account; a.Holds() && (n.Hold != nil || n.Rental != nil) {
		return fmt.Errorf("number %s: held or rented again before the account %d gave back was checked", n.ID, a.From)
	}
	if r := n.Rental; r != nil {
		if paid := r.PaidUntil(); !paid.IsZero() && !r.Until.Equal(paid) {
			return fmt.Errorf("number %s: rental ends %s, but what was paid and granted ends it %s",
				n.ID, r.Until.UTC().Format(time.RFC3339), paid.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// eachState calls fn with the state of every entity of kind: a passive
// one's read in place, an active one's as a copy its actor makes in its own
// turn. Drain leaves nothing of the engine's own in flight, but the outside
// may still be talking to an entity (the bot acknowledging a notice it just
// sent), and reading that state in place would race with it.
//
// An entity of a lazy kind that is not in memory is read from the store.
func (e *Engine) eachState(kind domain.Kind, fn func(state any)) error {
	var active []string
	lazy := e.dir.lazy[kind]
	loaded := map[string]bool{}
	e.dir.each(kind, func(en *entry, passive bool) {
		switch {
		case !passive:
			active = append(active, en.id)
		case lazy && en.flags&flagUnloaded != 0:
			return
		case en.state != nil:
			fn(en.state)
		}
		if lazy {
			loaded[en.id] = true
		}
	})
	var errs []error
	for _, id := range active {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		v, err := e.ask(ctx, kind, id, false, func(r replyTo) command { return &copyState{asker{r}} })
		cancel()
		var state any
		if b, _ := v.([]byte); err == nil && b != nil { // nil: the entity holds no state
			state, err = decodeState(kind, id, b, nil)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("reading %s %s: %w", kind, id, err))
			continue
		}
		fn(state)
	}
	if lazy {
		errs = append(errs, e.eachStored(kind, loaded, fn))
	}
	return errors.Join(errs...)
}
