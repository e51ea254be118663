package domain

import (
	"testing"
	"time"
)

func TestNumber_OfferTransfer(t *testing.T) {
	p := DefaultPolicy()
	at := t0.Add(2 * time.Hour)
	offer := func(op OpID, from, to UserID, now time.Time) func(n *Number) (NumberEvent, error) {
		return func(n *Number) (NumberEvent, error) { return ev(n.OfferTransfer(op, from, to, p, now)) }
	}
	rented := func(t testing.TB) *Number { return rentedNumber(t, alice) }
	runNumberCases(t, []numberCase{
		{name: "offer", setup: rented, decide: offer("o1", alice, bob, at),
			check: func(t *testing.T, n *Number, e NumberEvent) {
				wantEvent(t, e, &TransferOffered{Op: "o1", From: alice, To: bob, Expires: at.Add(24 * time.Hour), At: at})
				sameState(t, "offer", n.Offer, &Offer{Op: "o1", From: alice, To: bob, Expires: at.Add(24 * time.Hour)})
				if !n.HasOp("o1") || n.Renter() != alice {
					t.Errorf("HasOp(o1) = %v, renter %d", n.HasOp("o1"), n.Renter())
				}
			}},
		{name: "to self", setup: rented, decide: offer("o1", alice, alice, at), wErr: ErrSelfTransfer},
		{name: "to zero", setup: rented, decide: offer("o1", alice, 0, at), wErr: ErrUnknownUser},
		{name: "to negative", setup: rented, decide: offer("o1", alice, -3, at), wErr: ErrUnknownUser},
		{name: "by someone else", setup: rented, decide: offer("o1", bob, carol, at), wErr: ErrNotRenter},
		{name: "not rented", setup: freeNumber, decide: offer("o1", alice, bob, at), wErr: ErrNotRented},
		{name: "expired rental", setup: expiredNumber, decide: offer("o1", alice, bob, t0.Add(31*day)), wErr: ErrNotRented},
		{name: "blocked", setup: func(t testing.TB) *Number { return blocked(t, rented(t)) },
			decide: offer("o1", alice, bob, at), wErr: ErrBlocked},
		{name: "pending offer", setup: offeredNumber, decide: offer("o2", alice, carol, at), wErr: ErrTransferPending},
		{name: "pending offer same op", setup: offeredNumber, decide: offer("offer", alice, bob, at), wErr: ErrDuplicateOp},
		{name: "expired offer replaced", setup: offeredNumber, decide: offer("o2", alice, carol, t0.Add(25*time.Hour)),
			check: func(t *testing.T, n *Number, _ NumberEvent) {
				w := &Offer{Op: "o2", From: alice, To: carol, Expires: t0.Add(49 * time.Hour)}
				sameState(t, "offer", n.Offer, w)
			}},
		{name: "no op", setup: rented, decide: offer("", alice, bob, at), wErr: ErrBadOp},
		{name: "zero sender", setup: rented, decide: offer("o1", 0, bob, at), wErr: ErrBadUser},
		// The op of an offer is noted on the number (HasOp), like a rent's or
		// a renewal's, so that a retried command is recognised. A retry after
		// the first offer was declined must not open a second offer.
		{name: "retried op after decline", setup: func(t testing.TB) *Number {
			n := offeredNumber(t)
			must(t, n)(ev(n.DeclineTransfer(bob, t0.Add(90*time.Minute))))
			return n
		}, decide: offer("offer", alice, bob, at), wErr: ErrDuplicateOp},
		{name: "retried op after the offer lapsed", setup: offeredNumber,
			decide: offer("offer", alice, bob, t0.Add(26*time.Hour)), wErr: ErrDuplicateOp},
	})
}

func TestNumber_AcceptTransfer(t *testing.T) {
	acceptAt := t0.Add(2 * time.Hour)
	accept := func(u UserID, at time.Time) func(n *Number) (NumberEvent, error) {
		return func(n *Number) (NumberEvent, error) { return ev(n.AcceptTransfer(u, at)) }
	}
	accepted := func(t testing.TB) *Number {
		n := offeredNumber(t)
		must(t, n)(ev(n.AcceptTransfer(bob, acceptAt)))
		return n
	}
	runNumberCases(t, []numberCase{
		{name: "moves the rental with its remaining time", setup: offeredNumber, decide: accept(bob, acceptAt),
			check: func(t *testing.T, n *Number, e NumberEvent) {
				wantEvent(t, e, &TransferAccepted{Op: "offer", From: alice, To: bob, At: acceptAt})
				sameState(t, "rental", n.Rental, &Rental{Renter: bob, Since: t0, Until: t0.Add(30 * day), Paid: TON(10), Days: 30})
				if n.Offer != nil {
					t.Errorf("offer %+v left after accept", n.Offer)
				}
				sameState(t, "history", n.History, []Holding{
					{User: alice, From: t0, To: acceptAt, Until: t0.Add(30 * day), How: "rented"},
					{User: bob, From: acceptAt, Until: t0.Add(30 * day), How: "transferred"},
				})
				if n.Renter() != bob {
					t.Errorf("Renter() = %d, want bob", n.Renter())
				}
			}},
		{name: "just before the offer lapses", setup: offeredNumber, decide: accept(bob, t0.Add(25*time.Hour-1)),
			check: func(t *testing.T, n *Number, _ NumberEvent) {
				if n.Renter() != bob || !n.Rental.Until.Equal(t0.Add(30*day)) {
					t.Errorf("rental = %+v", n.Rental)
				}
			}},
		{name: "second accept", setup: accepted, decide: accept(bob, acceptAt.Add(time.Minute)), wErr: ErrNoTransfer},
		{name: "wrong user", setup: offeredNumber, decide: accept(carol, acceptAt), wErr: ErrNotRecipient},
		{name: "the offerer", setup: offeredNumber, decide: accept(alice, acceptAt), wErr: ErrNotRecipient},
		{name: "at expiry", setup: offeredNumber, decide: accept(bob, t0.Add(25*time.Hour)), wErr: ErrTransferExpired},
		{name: "after expiry", setup: offeredNumber, decide: accept(bob, t0.Add(40*time.Hour)), wErr: ErrTransferExpired},
		{name: "no offer", setup: func(t testing.TB) *Number { return rentedNumber(t, alice) },
			decide: accept(bob, acceptAt), wErr: ErrNoTransfer},
		{name: "blocked meanwhile", setup: func(t testing.TB) *Number { return blocked(t, offeredNumber(t)) },
			decide: accept(bob, acceptAt), wErr: ErrBlocked},
		{name: "declined", setup: func(t testing.TB) *Number {
			n := offeredNumber(t)
			must(t, n)(ev(n.DeclineTransfer(bob, acceptAt)))
			return n
		}, decide: accept(bob, acceptAt), wErr: ErrNoTransfer},
	})
}

func TestNumber_DeclineTransfer(t *testing.T) {
	at := t0.Add(2 * time.Hour)
	decline := func(u UserID, now time.Time) func(n *Number) (NumberEvent, error) {
		return func(n *Number) (NumberEvent, error) { return ev(n.DeclineTransfer(u, now)) }
	}
	runNumberCases(t, []numberCase{
		{name: "recipient declines", setup: offeredNumber, decide: decline(bob, at),
			check: func(t *testing.T, n *Number, e NumberEvent) {
				wantEvent(t, e, &TransferClosed{Op: "offer", Why: "declined"})
				if n.Offer != nil || n.Renter() != alice || len(n.History) != 1 {
					t.Errorf("offer %+v, renter %d, history %+v", n.Offer, n.Renter(), n.History)
				}
			}},
		{name: "wrong user", setup: offeredNumber, decide: decline(carol, at), wErr: ErrNotRecipient},
		{name: "expired", setup: offeredNumber, decide: decline(bob, t0.Add(25*time.Hour)), wErr: ErrTransferExpired},
		{name: "no offer", setup: func(t testing.TB) *Number { return rentedNumber(t, alice) }, decide: decline(bob, at), wErr: ErrNoTransfer},
	})
}

func TestNumber_CancelTransfer(t *testing.T) {
	cancel := func(u UserID) func(n *Number) (NumberEvent, error) {
		return func(n *Number) (NumberEvent, error) { return ev(n.CancelTransfer(u)) }
	}
	runNumberCases(t, []numberCase{
		{name: "renter withdraws", setup: offeredNumber, decide: cancel(alice),
			check: func(t *testing.T, n *Number, e NumberEvent) {
				wantEvent(t, e, &TransferClosed{Op: "offer", Why: "cancelled"})
				if n.Offer != nil || n.Renter() != alice {
					t.Errorf("offer %+v, renter %d", n.Offer, n.Renter())
				}
			}},
		{name: "recipient cannot withdraw", setup: offeredNumber, decide: cancel(bob), wErr: ErrNotRenter},
		{name: "no offer", setup: func(t testing.TB) *Number { return rentedNumber(t, alice) }, decide: cancel(alice), wErr: ErrNoTransfer},
	})

	t.Run("stale close keeps a newer offer", func(t *testing.T) {
		n := offeredNumber(t)
		must(t, n)(ev(n.OfferTransfer("o2", alice, carol, DefaultPolicy(), t0.Add(26*time.Hour))))
		applyN(t, n, &TransferClosed{Op: "offer", Why: "expired"})
		if n.Offer == nil || n.Offer.Op != "o2" {
			t.Errorf("offer = %+v, want o2 kept", n.Offer)
		}
	})
}
