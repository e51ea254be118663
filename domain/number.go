package domain

import (
	"fmt"
	"slices"
	"time"
)

// NumberStatus is where a number is in its lifecycle:
// available → reserved → rented → expired → available, and blocked at any time.
type NumberStatus uint8

// The number statuses. Blocked is shown over the lifecycle status while an
// admin block is in force; the rental clock keeps running underneath.
const (
	StatusAvailable NumberStatus = iota + 1
	StatusReserved
	StatusRented
	StatusExpired
	StatusBlocked
	StatusRemoved
	StatusHandover // a holder lost it; its sessions are being ended before it is offered again
)

var statusNames = [...]string{"", "available", "reserved", "rented", "expired", "blocked", "removed", "handover"}

// String names the status in logs and on the admins' screens.
func (s NumberStatus) String() string {
	if int(s) < len(statusNames) && s > 0 {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", s)
}

// recentOps is how many applied operation ids a number remembers at least,
// beyond those of the last OpRetention, so that a saga step retried after a
// crash or a button pressed again is recognised as done. Purchases are
// also remembered for ever by the wallet that paid, which answers their
// replays (actors/wallet.go).
const recentOps = 8

// Number is one +888 number and everything that happened to it.
type Number struct {
	ID      string    `msgpack:"id"`
	Added   time.Time `msgpack:"ad"`
	Prices  PriceList `msgpack:"pr,omitempty"` // per-number overrides of the defaults
	Blocked bool      `msgpack:"bl,omitempty"`
	Removed bool      `msgpack:"rx,omitempty"` // taken out of the catalogue by an admin; history kept
	Reason  string    `msgpack:"br,omitempty"` // why it is blocked, for admins
	Hold    *Hold     `msgpack:"ho,omitempty"`
	Rental  *Rental   `msgpack:"re,omitempty"`
	Offer   *Offer    `msgpack:"of,omitempty"`
	History []Holding `msgpack:"hi,omitempty"`
	Ops     []OpID    `msgpack:"op,omitempty"` // recent applied operations, newest last
	// OpsAt is when each of Ops was applied (shorter in states from before
	// times were kept: the oldest then have none).
	OpsAt []time.Time `msgpack:"oa,omitempty"`
	Sold  Nano        `msgpack:"so,omitempty"` // every rental and renewal ever paid for it in TON, for the money check
	// SoldUSDT is Sold's counterpart in USDT: a number may be rented for one
	// currency and renewed for the other, and the sums are never mixed.
	SoldUSDT Nano `msgpack:"su,omitempty"`
	// Handover is the clean hand-over owed since a holder lost the number
	// (handover.go); Codes is what Fragment last confirmed of its login codes.
	Handover *Handover  `msgpack:"hv,omitempty"`
	Codes    CodesState `msgpack:"cs,omitempty"`
	// Refunds are cancels' refunds not yet confirmed by the renter's
	// wallet (refund.go).
	Refunds []OwedRefund `msgpack:"rf,omitempty"`
	// Account is the look at the number's Telegram account owed since it
	// came back to the operator (account.go).
	Account *AccountCheck `msgpack:"ac,omitempty"`
	// Notices are those its events owe people until the bot has told them
	// (notice.go), oldest first.
	Notices []OwedNotice `msgpack:"nt,omitempty"`
	Seq     uint64       `msgpack:"sq"` // journal sequence of the last applied event

	opIdx *opIndex // Ops indexed once they are many (ops.go); not stored
}

// Hold reserves a number for one invoice until Until.
type Hold struct {
	Op       OpID      `msgpack:"op"`
	User     UserID    `msgpack:"u"`
	Days     int       `msgpack:"d"`
	Price    Nano      `msgpack:"p"` // in Currency's smallest unit
	Currency Currency  `msgpack:"cu,omitempty"`
	Until    time.Time `msgpack:"t"`
}

// Money is the reserved price in its currency.
func (h *Hold) Money() Money { return Money{Currency: h.Currency, Units: int64(h.Price)} }

// Rental is the current renter's right to the number until Until.
type Rental struct {
	Renter   UserID    `msgpack:"u"`
	Since    time.Time `msgpack:"s"`
	Until    time.Time `msgpack:"t"`
	Paid     Nano      `msgpack:"p"`            // paid in TON in total by this renter for this rental, for refunds
	PaidUSDT Nano      `msgpack:"pu,omitempty"` // the same in USDT: a refund is in what was paid
	Expired  bool      `msgpack:"x,omitempty"`
	Reminded int       `msgpack:"r,omitempty"` // reminder steps already sent
	// Days and Granted account for Until: days paid for (rent and renewals)
	// and the time admins added or took away, so that Until is always Since
	// + Days + Granted and a rental longer than that is a bug the engine's
	// check reports. Rentals started before they were kept have Days 0.
	Days    int           `msgpack:"d,omitempty"`
	Granted time.Duration `msgpack:"g,omitempty"`
}

// PaidIn is what this renter paid for this rental in currency c.
func (r *Rental) PaidIn(c Currency) Nano { return *sumIn(c, &r.Paid, &r.PaidUSDT) }

func (r *Rental) addPaid(m Money) { *sumIn(m.Currency, &r.Paid, &r.PaidUSDT) += Nano(m.Units) }

// SoldIn is every rental and renewal n was ever paid for in currency c.
func (n *Number) SoldIn(c Currency) Nano { return *sumIn(c, &n.Sold, &n.SoldUSDT) }

func (n *Number) addSold(m Money) { *sumIn(m.Currency, &n.Sold, &n.SoldUSDT) += Nano(m.Units) }

// sumIn picks, of a TON and a USDT sum, the one that counts currency c.
// The TON one keeps its name from before currencies, so states from then
// decode as they were.
func sumIn(c Currency, ton, usdt *Nano) *Nano {
	if c == CurrencyUSDT {
		return usdt
	}
	return ton
}

// PaidUntil is where the rental would end by what was paid and granted,
// or zero when the rental predates that accounting.
func (r *Rental) PaidUntil() time.Time {
	if r.Days == 0 {
		return time.Time{}
	}
	return addDays(r.Since, r.Days).Add(r.Granted)
}

// Offer is a transfer of the rental that waits for the recipient.
type Offer struct {
	Op      OpID      `msgpack:"op"`
	From    UserID    `msgpack:"f"`
	To      UserID    `msgpack:"to"`
	Expires time.Time `msgpack:"x"`
}

// Holding is one entry of a number's ownership history.
type Holding struct {
	User  UserID    `msgpack:"u"`
	From  time.Time `msgpack:"f"`
	To    time.Time `msgpack:"t,omitempty"` // zero while current
	How   string    `msgpack:"h"`           // rented, transferred, cancelled, reclaimed
	Until time.Time `msgpack:"e,omitempty"` // paid-up end when the holding began
}

// Status is the number's status as people see it.
func (n *Number) Status() NumberStatus {
	switch {
	case n.Removed:
		return StatusRemoved
	case n.Blocked:
		return StatusBlocked
	case n.Rental != nil && n.Rental.Expired:
		return StatusExpired
	case n.Rental == nil && (n.Handover != nil || n.Account.Holds()):
		return StatusHandover
	case n.Rental != nil:
		return StatusRented
	case n.Hold != nil:
		return StatusReserved
	}
	return StatusAvailable
}

// Renter returns the current renter, or 0.
func (n *Number) Renter() UserID {
	if n.Rental == nil || n.Rental.Expired {
		return 0
	}
	return n.Rental.Renter
}

// HasOp reports whether op was applied to this number recently.
func (n *Number) HasOp(op OpID) bool { return hasOp(&n.opIdx, n.Ops, op) }

func (n *Number) noteOp(op OpID, at time.Time) {
	if op == "" {
		return
	}
	n.Ops, n.OpsAt = rememberIndexed(&n.opIdx, n.Ops, n.OpsAt, op, at, recentOps)
}

func (n *Number) closeHolding(at time.Time) {
	if k := len(n.History); k > 0 && n.History[k-1].To.IsZero() {
		n.History[k-1].To = at
	}
}

func (n *Number) openHolding(u UserID, at, until time.Time, how string) {
	n.closeHolding(at)
	n.History = append(n.History, Holding{User: u, From: at, Until: until, How: how})
}

// NextWake is the earliest moment something must happen to n without anyone
// asking: a reservation or transfer offer lapses, a reminder is due, or the
// rental ends. Zero means nothing is scheduled. The scheduler arms one timer
// for this instant and re-asks after it fires, so a million numbers need no
// million timers.
func (n *Number) NextWake(schedule []time.Duration) time.Time {
	var t time.Time
	earliest := func(c time.Time) {
		if !c.IsZero() && (t.IsZero() || c.Before(t)) {
			t = c
		}
	}
	if n.Hold != nil {
		earliest(n.Hold.Until)
	}
	if n.Offer != nil {
		earliest(n.Offer.Expires)
	}
	if r := n.Rental; r != nil && !r.Expired {
		earliest(r.Until)
		if r.Reminded < len(schedule) {
			earliest(r.Until.Add(-schedule[r.Reminded]))
		}
	}
	if a := n.Account; a.Holds() {
		earliest(a.DeleteAt) // a pending deletion can be finished
	}
	return t
}

// Clone returns a copy, for readers outside the number's actor, that no
// later change of either copy shows in the other.
//
// The lists no event writes in place are shared rather than copied, capped
// at their length so that an append to either copy reallocates instead of
// writing where the other could see: Prices (copy on write: PriceList.With),
// Ops and OpsAt (appended to and cut from the front: rememberOp) and
// Refunds (appended to; settling one copies the others: refund.go). A
// reply to a transfer copied them all, a third of its turn
// (`loadtest -mode engine`). History (the last holding is closed in place)
// and Notices (deleted from in place) are copied.
func (n *Number) Clone() *Number {
	c := *n
	c.Prices = slices.Clip(n.Prices)
	c.History = slices.Clone(n.History)
	c.Ops = slices.Clip(n.Ops)
	c.OpsAt = slices.Clip(n.OpsAt)
	c.opIdx = nil // an index describes the Ops of the copy that built it (opIndex.describes)
	c.Refunds = slices.Clip(n.Refunds)
	c.Notices = slices.Clone(n.Notices)
	if n.Hold != nil {
		h := *n.Hold
		c.Hold = &h
	}
	if n.Rental != nil {
		r := *n.Rental
		c.Rental = &r
	}
	if n.Offer != nil {
		o := *n.Offer
		c.Offer = &o
	}
	if n.Handover != nil {
		h := *n.Handover
		c.Handover = &h
	}
	if n.Account != nil {
		a := *n.Account
		c.Account = &a
	}
	return &c
}
