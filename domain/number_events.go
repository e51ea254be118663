package domain

import "time"

// NumberEvent is an event that changes one Number.
type NumberEvent interface {
	Event
	applyNumber(n *Number)
}

// Apply applies e to n and records seq as n's last applied sequence.
// n may be a zero Number for NumberAdded.
func (n *Number) Apply(e NumberEvent, seq uint64) {
	e.applyNumber(n)
	n.settleNotices(seq)
	n.Seq = seq
}

// LastSeq is the sequence of the last event applied (State).
func (n *Number) LastSeq() uint64 { return n.Seq }

// ApplyEvent applies ev if it is an event of a number (State).
func (n *Number) ApplyEvent(ev Event, seq uint64) error {
	return applyAs(KindNumber, ev, seq, n.Apply)
}

// NumberAdded puts a new number in the catalogue.
type NumberAdded struct {
	ID string    `msgpack:"id"`
	At time.Time `msgpack:"at"`
}

// NumberPriceSet sets (or with 0 removes) a per-number price.
type NumberPriceSet struct {
	Days     int      `msgpack:"d"`
	Amount   Nano     `msgpack:"a"`
	Currency Currency `msgpack:"cu,omitempty"` // absent in records from before currencies: TON
}

// NumberReserved holds the number for an invoice.
type NumberReserved struct {
	Op       OpID      `msgpack:"op"`
	User     UserID    `msgpack:"u"`
	Days     int       `msgpack:"d"`
	Price    Nano      `msgpack:"p"`
	Currency Currency  `msgpack:"cu,omitempty"` // Price's; absent (TON) in records from before currencies
	Until    time.Time `msgpack:"t"`
}

// NumberReleased drops a reservation.
type NumberReleased struct {
	Op     OpID      `msgpack:"op"`
	Reason string    `msgpack:"r"`
	At     time.Time `msgpack:"at,omitempty"` // zero in records from before it was kept
}

// NumberRented starts a rental.
type NumberRented struct {
	Op       OpID      `msgpack:"op"`
	User     UserID    `msgpack:"u"`
	Days     int       `msgpack:"d"`
	Price    Nano      `msgpack:"p"`
	Currency Currency  `msgpack:"cu,omitempty"` // Price's; absent (TON) in records from before currencies
	Since    time.Time `msgpack:"s"`
	Until    time.Time `msgpack:"t"`
	Reminded int       `msgpack:"r"`
}

// NumberRenewed extends the rental.
type NumberRenewed struct {
	Op       OpID      `msgpack:"op"`
	Days     int       `msgpack:"d"`
	Price    Nano      `msgpack:"p"`
	Currency Currency  `msgpack:"cu,omitempty"` // Price's; absent (TON) in records from before currencies
	Until    time.Time `msgpack:"t"`
	Reminded int       `msgpack:"r"`
	At       time.Time `msgpack:"at,omitempty"` // zero in records from before it was kept
}

// TransferOffered records a pending transfer.
type TransferOffered struct {
	Op      OpID      `msgpack:"op"`
	From    UserID    `msgpack:"f"`
	To      UserID    `msgpack:"to"`
	Expires time.Time `msgpack:"x"`
	At      time.Time `msgpack:"at,omitempty"` // zero in records from before it was kept
}

// TransferAccepted moves the rental to the recipient.
type TransferAccepted struct {
	Op   OpID      `msgpack:"op"`
	From UserID    `msgpack:"f"`
	To   UserID    `msgpack:"to"`
	At   time.Time `msgpack:"at"`
}

// TransferClosed ends an offer without a transfer: declined, cancelled or expired.
type TransferClosed struct {
	Op  OpID   `msgpack:"op"`
	Why string `msgpack:"w"`
}

// ReminderDue records that reminder Step was sent, so it is sent once.
type ReminderDue struct {
	Step   int       `msgpack:"s"`
	Renter UserID    `msgpack:"u"`
	Until  time.Time `msgpack:"t"`
}

// RentalExpired marks the rental as over; the number awaits reclaim.
type RentalExpired struct {
	At time.Time `msgpack:"at"`
}

// NumberReclaimed returns an expired number to stock.
type NumberReclaimed struct {
	At time.Time `msgpack:"at"`
	// Check: the returned number owes a look at its account (account.go).
	// Unset in events from before the check existed.
	Check bool `msgpack:"ck,omitempty"`
}

// NumberRemoved takes a number out of the catalogue.
type NumberRemoved struct{}

// NumberRestored puts a removed number back.
type NumberRestored struct{}

// NumberBlocked takes a number out of use.
type NumberBlocked struct {
	Reason string `msgpack:"r"`
}

// NumberUnblocked puts it back.
type NumberUnblocked struct{}

// RentalExtended is an admin's change of the rental's end. Days is the
// change asked for (0 in records from before ExtendBy, which set an end).
// Op is the admin's update, remembered so that Telegram delivering it again
// extends once (empty in older records).
type RentalExtended struct {
	Until    time.Time `msgpack:"t"`
	Reminded int       `msgpack:"r"`
	Days     int       `msgpack:"d,omitempty"`
	Op       OpID      `msgpack:"op,omitempty"`
	At       time.Time `msgpack:"at,omitempty"`
}

// RentalCancelled ends a rental early; Refund goes to the renter's balance
// in Currency.
type RentalCancelled struct {
	Op       OpID      `msgpack:"op"`
	Renter   UserID    `msgpack:"u"`
	Refund   Nano      `msgpack:"rf"`
	Currency Currency  `msgpack:"cu,omitempty"` // Refund's; absent (TON) in records from before currencies
	At       time.Time `msgpack:"at"`
	// Check: as NumberReclaimed's.
	Check bool `msgpack:"ck,omitempty"`
}

func (e *NumberAdded) applyNumber(n *Number) { *n = Number{ID: e.ID, Added: e.At} }
func (e *NumberPriceSet) applyNumber(n *Number) {
	n.Prices = n.Prices.With(e.Days, e.Currency, e.Amount)
}
func (e *NumberReserved) applyNumber(n *Number) {
	n.Hold = &Hold{Op: e.Op, User: e.User, Days: e.Days, Price: e.Price, Currency: e.Currency, Until: e.Until}
}
func (e *NumberReleased) applyNumber(n *Number) {
	if n.Hold != nil && n.Hold.Op == e.Op {
		if e.Reason == lapsed { // not when the person cancelled their invoice
			n.owe(OwedNotice{About: NoticeHoldLapsed, User: n.Hold.User, Op: e.Op, At: e.At})
		}
		n.Hold = nil
		n.noteOp(e.Op, e.At) // a retried reservation of this op is recognised, not made anew
	}
}
func (e *NumberRented) applyNumber(n *Number) {
	n.Hold = nil
	n.Offer = nil
	n.Rental = &Rental{Renter: e.User, Since: e.Since, Until: e.Until, Reminded: e.Reminded, Days: e.Days}
	n.Rental.addPaid(e.Money())
	n.addSold(e.Money())
	n.openHolding(e.User, e.Since, e.Until, "rented")
	n.noteOp(e.Op, e.Since)
	n.Handover = nil // only in journals from before hand-overs: Rent waits for one now
	n.Account = nil  // a check left to the admins is moot once someone rents it again
}
func (e *NumberRenewed) applyNumber(n *Number) {
	if n.Rental != nil {
		n.Rental.Until, n.Rental.Reminded = e.Until, e.Reminded
		n.Rental.addPaid(e.Money())
		if n.Rental.Days > 0 {
			n.Rental.Days += e.Days
		}
	}
	n.addSold(e.Money())
	n.noteOp(e.Op, e.At)
}
func (e *TransferOffered) applyNumber(n *Number) {
	n.Offer = &Offer{Op: e.Op, From: e.From, To: e.To, Expires: e.Expires}
	n.noteOp(e.Op, e.At)
}
func (e *TransferAccepted) applyNumber(n *Number) {
	n.Offer = nil
	if n.Rental != nil {
		n.Rental.Renter = e.To
		n.openHolding(e.To, e.At, n.Rental.Until, "transferred")
		n.startHandover(HandoverTransferred, e.From, e.At) // the giver must lose access
	}
}
func (e *TransferClosed) applyNumber(n *Number) {
	if n.Offer != nil && n.Offer.Op == e.Op {
		n.Offer = nil
	}
}
func (e *ReminderDue) applyNumber(n *Number) {
	if n.Rental != nil && e.Step+1 > n.Rental.Reminded {
		n.Rental.Reminded = e.Step + 1
		n.owe(OwedNotice{About: NoticeReminder, User: n.Rental.Renter, Until: n.Rental.Until, Step: e.Step})
	}
}
func (e *RentalExpired) applyNumber(n *Number) {
	n.Offer = nil
	if n.Rental != nil {
		n.Rental.Expired = true
		n.startHandover(HandoverExpired, n.Rental.Renter, e.At)
		n.owe(OwedNotice{About: NoticeExpired, User: n.Rental.Renter, Until: n.Rental.Until, At: e.At})
	}
}
func (e *NumberReclaimed) applyNumber(n *Number) {
	if e.Check && n.Rental != nil {
		n.owesAccountCheck(n.Rental.Renter, e.At)
	}
	n.Rental = nil
	n.closeHolding(e.At)
	n.History = append(n.History, Holding{From: e.At, To: e.At, How: "reclaimed"})
}
func (e *NumberBlocked) applyNumber(n *Number)   { n.Blocked, n.Reason = true, e.Reason }
func (e *NumberRemoved) applyNumber(n *Number)   { n.Removed = true }
func (e *NumberRestored) applyNumber(n *Number)  { n.Removed = false }
func (e *NumberUnblocked) applyNumber(n *Number) { n.Blocked, n.Reason = false, "" }
func (e *RentalExtended) applyNumber(n *Number) {
	if n.Rental != nil {
		n.Rental.Granted += e.Until.Sub(n.Rental.Until)
		n.Rental.Until, n.Rental.Reminded, n.Rental.Expired = e.Until, e.Reminded, false
		if h := n.Handover; h != nil && h.Reason == HandoverExpired {
			n.Handover = nil // revived before its sessions were ended: the renter keeps them
		}
	}
	n.noteOp(e.Op, e.At)
}
func (e *RentalCancelled) applyNumber(n *Number) {
	if n.Rental != nil {
		n.startHandover(HandoverCancelled, n.Rental.Renter, e.At)
	}
	if e.Refund > 0 {
		n.Refunds = append(n.Refunds, OwedRefund{Op: e.Op, User: e.Renter, Amount: e.Refund, Currency: e.Currency})
	}
	if e.Check {
		n.owesAccountCheck(e.Renter, e.At)
	}
	n.Rental, n.Offer = nil, nil
	n.closeHolding(e.At)
	n.History = append(n.History, Holding{User: e.Renter, From: e.At, To: e.At, How: "cancelled"})
	n.noteOp(e.Op, e.At)
}

// Money is the reservation's price in its currency.
func (e *NumberReserved) Money() Money { return Money{Currency: e.Currency, Units: int64(e.Price)} }

// Money is what the rental was paid, in its currency.
func (e *NumberRented) Money() Money { return Money{Currency: e.Currency, Units: int64(e.Price)} }

// Money is what the renewal was paid, in its currency.
func (e *NumberRenewed) Money() Money { return Money{Currency: e.Currency, Units: int64(e.Price)} }

// RefundMoney is the refund in its currency.
func (e *RentalCancelled) RefundMoney() Money {
	return Money{Currency: e.Currency, Units: int64(e.Refund)}
}
