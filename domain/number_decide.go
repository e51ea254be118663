package domain

import (
	"fmt"
	"time"
)

// AddNumber decides that a new number enters the catalogue.
func AddNumber(id string, now time.Time) (*NumberAdded, error) {
	cid, err := ParseNumber(id)
	if err != nil {
		return nil, err
	}
	return &NumberAdded{ID: cid, At: now}, nil
}

// SetPrice sets or (an amount of 0) removes this number's own price for a
// period in m's currency; its price in the other currency is left alone.
func (n *Number) SetPrice(days int, m Money) (*NumberPriceSet, error) {
	if err := ValidatePrice(days, m); err != nil {
		return nil, err
	}
	return &NumberPriceSet{Days: days, Amount: Nano(m.Units), Currency: m.Currency}, nil
}

func (n *Number) checkFree(user UserID) error {
	switch {
	case n.Removed:
		return ErrNumberNotFound
	case n.Blocked:
		return ErrBlocked
	case n.Rental != nil, n.Hold != nil && n.Hold.User != user:
		return ErrNotAvailable
	case n.Handover != nil: // offered again only once the last holder's sessions are ended
		return ErrNotAvailable
	case n.Account.Holds(): // and once their account is known to let the next renter in
		return ErrNotAvailable
	}
	return nil
}

// Reserve holds the number for an unpaid invoice of user for days at its
// price in currency c, until now + p.HoldTTL.
func (n *Number) Reserve(op OpID, user UserID, days int, c Currency, p Policy, now time.Time) (*NumberReserved, error) {
	if err := validateOpUser(op, user); err != nil {
		return nil, err
	}
	if n.Hold != nil && n.Hold.Op == op || n.HasOp(op) {
		return nil, ErrDuplicateOp
	}
	if err := n.checkFree(user); err != nil {
		return nil, err
	}
	price, err := Quote(n, p.Prices, days, c)
	if err != nil {
		return nil, err
	}
	return &NumberReserved{Op: op, User: user, Days: days, Price: Nano(price.Units), Currency: c,
		Until: now.Add(p.HoldTTL)}, nil
}

// Release drops the reservation of op (invoice cancelled or unpaid in time).
func (n *Number) Release(op OpID, reason string, now time.Time) (*NumberReleased, error) {
	if n.Hold == nil || n.Hold.Op != op {
		return nil, ErrNoHold
	}
	return &NumberReleased{Op: op, Reason: reason, At: now}, nil
}

// Rent starts a rental paid by op. With a reservation for op, the reserved
// period and price apply and the reservation must not have lapsed. Without
// one (paid from the balance), the number must be free and price must still
// be the current quote in price's currency, so an admin's price change
// between quote and payment is caught rather than charged.
func (n *Number) Rent(op OpID, user UserID, days int, price Money, p Policy, now time.Time) (*NumberRented, error) {
	if err := validateOpUser(op, user); err != nil {
		return nil, err
	}
	if n.HasOp(op) {
		return nil, ErrDuplicateOp
	}
	if h := n.Hold; h != nil && h.Op == op {
		if n.Blocked {
			return nil, ErrBlocked
		}
		if !now.Before(h.Until) { // at Until the scheduler releases it: both must agree
			return nil, ErrHoldExpired
		}
		return n.rented(op, h.User, h.Days, h.Money(), p, now), nil
	}
	if err := n.checkFree(user); err != nil {
		return nil, err
	}
	if err := n.checkQuote(days, price, p); err != nil {
		return nil, err
	}
	return n.rented(op, user, days, price, p, now), nil
}

// checkQuote refuses price unless it is what days cost now in its currency.
func (n *Number) checkQuote(days int, price Money, p Policy) error {
	q, err := Quote(n, p.Prices, days, price.Currency)
	if err != nil {
		return err
	}
	if q != price {
		return fmt.Errorf("%w: now %s", ErrPriceChanged, q)
	}
	return nil
}

func (n *Number) rented(op OpID, user UserID, days int, price Money, p Policy, now time.Time) *NumberRented {
	until := addDays(now, days)
	return &NumberRented{Op: op, User: user, Days: days, Price: Nano(price.Units), Currency: price.Currency,
		Since: now, Until: until, Reminded: stepsPassed(until, now, p.Reminders)}
}

// Renew extends the current rental by days from its current end, never from
// now, so renewing early loses nothing.
func (n *Number) Renew(op OpID, user UserID, days int, price Money, p Policy, now time.Time) (*NumberRenewed, error) {
	if err := validateOpUser(op, user); err != nil {
		return nil, err
	}
	if n.HasOp(op) {
		return nil, ErrDuplicateOp
	}
	if err := n.checkRenter(user); err != nil {
		return nil, err
	}
	if err := n.checkQuote(days, price, p); err != nil {
		return nil, err
	}
	until := addDays(n.Rental.Until, days)
	return &NumberRenewed{Op: op, Days: days, Price: Nano(price.Units), Currency: price.Currency, Until: until,
		Reminded: stepsPassed(until, now, p.Reminders), At: now}, nil
}

// MayReadCodes reports whether user may see the number's login codes:
// only its current renter, during the rental, while it is not blocked.
// After a transfer only the new holder may; after the end, nobody.
func (n *Number) MayReadCodes(user UserID) error {
	if n.Removed {
		return ErrNumberNotFound
	}
	return n.checkRenter(user)
}

func (n *Number) checkRenter(user UserID) error {
	switch {
	case n.Blocked:
		return ErrBlocked
	case n.Rental == nil || n.Rental.Expired:
		return ErrNotRented
	case n.Rental.Renter != user:
		return ErrNotRenter
	}
	return nil
}

// OfferTransfer offers the rental, with its remaining time, to another user
// who must accept before now + p.OfferTTL. Whether the recipient exists is
// the caller's check (the user directory is another entity).
func (n *Number) OfferTransfer(op OpID, from, to UserID, p Policy, now time.Time) (*TransferOffered, error) {
	if err := validateOpUser(op, from); err != nil {
		return nil, err
	}
	if err := to.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnknownUser, err)
	}
	if n.HasOp(op) {
		return nil, ErrDuplicateOp
	}
	if err := n.checkRenter(from); err != nil {
		return nil, err
	}
	if from == to {
		return nil, ErrSelfTransfer
	}
	if o := n.Offer; o != nil && now.Before(o.Expires) {
		if o.Op == op {
			return nil, ErrDuplicateOp
		}
		return nil, ErrTransferPending
	}
	return &TransferOffered{Op: op, From: from, To: to, Expires: now.Add(p.OfferTTL), At: now}, nil
}

// AcceptTransfer moves the rental to the recipient with its remaining time.
func (n *Number) AcceptTransfer(to UserID, now time.Time) (*TransferAccepted, error) {
	o, err := n.offerFor(to, now)
	if err != nil {
		return nil, err
	}
	if err := n.checkRenter(o.From); err != nil {
		return nil, err
	}
	return &TransferAccepted{Op: o.Op, From: o.From, To: to, At: now}, nil
}

// DeclineTransfer lets the recipient refuse; the rental stays where it is.
func (n *Number) DeclineTransfer(to UserID, now time.Time) (*TransferClosed, error) {
	o, err := n.offerFor(to, now)
	if err != nil {
		return nil, err
	}
	return &TransferClosed{Op: o.Op, Why: "declined"}, nil
}

// CancelTransfer lets the renter withdraw an offer not yet accepted.
func (n *Number) CancelTransfer(from UserID) (*TransferClosed, error) {
	if n.Offer == nil {
		return nil, ErrNoTransfer
	}
	if n.Offer.From != from {
		return nil, ErrNotRenter
	}
	return &TransferClosed{Op: n.Offer.Op, Why: "cancelled"}, nil
}

func (n *Number) offerFor(to UserID, now time.Time) (*Offer, error) {
	o := n.Offer
	switch {
	case o == nil:
		return nil, ErrNoTransfer
	case o.To != to:
		return nil, ErrNotRecipient
	case !now.Before(o.Expires):
		return nil, ErrTransferExpired
	}
	return o, nil
}

// Tick is what the scheduler asks when n's wake-up time comes: it returns
// the events now due (a lapsed reservation or offer, the rental's end, one
// reminder), possibly none. Missed reminder steps are skipped: after a long
// outage the renter gets the latest one that applies, not all of them.
func (n *Number) Tick(p Policy, now time.Time) []Event {
	var evs []Event
	if h := n.Hold; h != nil && !now.Before(h.Until) {
		evs = append(evs, &NumberReleased{Op: h.Op, Reason: "expired", At: now})
	}
	if o := n.Offer; o != nil && !now.Before(o.Expires) {
		evs = append(evs, &TransferClosed{Op: o.Op, Why: "expired"})
	}
	r := n.Rental
	if r == nil || r.Expired {
		return evs
	}
	if !now.Before(r.Until) {
		return append(evs, &RentalExpired{At: now})
	}
	if k := stepsPassed(r.Until, now, p.Reminders); k > r.Reminded {
		evs = append(evs, &ReminderDue{Step: k - 1, Renter: r.Renter, Until: r.Until})
	}
	return evs
}

// Reclaim returns an expired number to the operator's stock.
func (n *Number) Reclaim(now time.Time) (*NumberReclaimed, error) {
	if n.Rental == nil || !n.Rental.Expired {
		return nil, ErrNotExpired
	}
	return &NumberReclaimed{At: now, Check: true}, nil
}

// Remove takes the number out of the catalogue. Only a number nobody holds
// can go: a rental is cancelled (with its refund) or reclaimed first, so
// removing never takes a number from under a renter. Its history stays.
func (n *Number) Remove() (*NumberRemoved, error) {
	switch {
	case n.Removed:
		return nil, ErrNumberNotFound
	case n.Rental != nil, n.Hold != nil, n.Offer != nil:
		return nil, ErrNotAvailable
	}
	return &NumberRemoved{}, nil
}

// Restore puts a removed number back in the catalogue, as it was.
func (n *Number) Restore() (*NumberRestored, error) {
	if !n.Removed {
		return nil, ErrNumberExists
	}
	return &NumberRestored{}, nil
}

// Block takes the number out of use; the rental clock keeps running.
func (n *Number) Block(reason string) (*NumberBlocked, error) {
	if n.Blocked {
		return nil, ErrBlocked
	}
	return &NumberBlocked{Reason: reason}, nil
}

// Unblock puts a blocked number back in use.
func (n *Number) Unblock() (*NumberUnblocked, error) {
	if !n.Blocked {
		return nil, ErrNotBlocked
	}
	return &NumberUnblocked{}, nil
}

// ExtendBy is an admin's change of the rental's end by days (negative
// shortens). It is decided in the number's own turn, against the end as it
// stands then, so a renewal paid between the admin's look and this change is
// kept, never overwritten. The new end must be in the future.
func (n *Number) ExtendBy(op OpID, days int, p Policy, now time.Time) (*RentalExtended, error) {
	if err := op.Validate(); err != nil {
		return nil, err
	}
	if n.HasOp(op) {
		return nil, ErrDuplicateOp
	}
	if err := CheckAdminDays(days, true); err != nil {
		return nil, err
	}
	if n.Rental == nil {
		return nil, ErrNotRented
	}
	until := addDays(n.Rental.Until, days)
	if !until.After(now) {
		return nil, fmt.Errorf("%w: the end would be %s, not in the future", ErrNotPermitted, until.UTC().Format(time.RFC3339))
	}
	return &RentalExtended{Until: until, Days: days, Reminded: stepsPassed(until, now, p.Reminders), Op: op, At: now}, nil
}

// Cancel ends a rental early on an admin's decision; refund (possibly 0, at
// most what this renter paid for the rental in refund's currency) goes
// back to the renter's balance in that currency.
func (n *Number) Cancel(op OpID, refund Money, now time.Time) (*RentalCancelled, error) {
	if err := op.Validate(); err != nil {
		return nil, err
	}
	if n.HasOp(op) {
		return nil, ErrDuplicateOp
	}
	if n.Rental == nil {
		return nil, ErrNotRented
	}
	paid := Money{Currency: refund.Currency, Units: int64(n.Rental.PaidIn(refund.Currency))}
	if !refund.Currency.Known() || refund.Units < 0 || refund.Units > paid.Units {
		return nil, fmt.Errorf("%w: refund must be between 0 and %s", ErrBadAmount, paid)
	}
	return &RentalCancelled{Op: op, Renter: n.Rental.Renter, Refund: Nano(refund.Units), Currency: refund.Currency,
		At: now, Check: true}, nil
}

func validateOpUser(op OpID, user UserID) error {
	if err := op.Validate(); err != nil {
		return err
	}
	return user.Validate()
}
