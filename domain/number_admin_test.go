package domain

import (
	"errors"
	"testing"
	"time"
)

func TestNumber_Reclaim(t *testing.T) {
	at := t0.Add(31 * day)
	reclaim := func(n *Number) (NumberEvent, error) { return ev(n.Reclaim(at)) }
	runNumberCases(t, []numberCase{
		{name: "expired", setup: expiredNumber, decide: reclaim,
			check: func(t *testing.T, n *Number, e NumberEvent) {
				wantEvent(t, e, &NumberReclaimed{At: at, Check: true})
				wantStatus(t, n, StatusHandover) // offered once the renter's sessions are ended
				if n.Handover == nil || n.Handover.From != alice || n.Handover.Reason != HandoverExpired {
					t.Errorf("handover %+v, want alice's, from the expiry", n.Handover)
				}
				if n.Rental != nil {
					t.Errorf("rental %+v after reclaim", n.Rental)
				}
				if a := n.Account; a == nil || a.From != alice || !a.Since.Equal(at) || !a.Holds() {
					t.Errorf("account check %+v, want one owed for alice's return", a)
				}
				sameState(t, "history", n.History, []Holding{
					{User: alice, From: t0, To: at, Until: t0.Add(30 * day), How: "rented"},
					{From: at, To: at, How: "reclaimed"},
				})
			}},
		{name: "still rented", setup: func(t testing.TB) *Number { return rentedNumber(t, alice) }, decide: reclaim, wErr: ErrNotExpired},
		{name: "free", setup: freeNumber, decide: reclaim, wErr: ErrNotExpired},
		{name: "held", setup: func(t testing.TB) *Number { return heldNumber(t, alice) }, decide: reclaim, wErr: ErrNotExpired},
	})

	t.Run("rentable again", func(t *testing.T) {
		n := expiredNumber(t)
		must(t, n)(ev(n.Reclaim(at)))
		if _, err := n.Rent("early", bob, 30, TONMoney(TON(10)), DefaultPolicy(), at); !errors.Is(err, ErrNotAvailable) {
			t.Fatalf("rented before the hand-over: %v", err)
		}
		must(t, n)(ev(n.SessionsEnded(n.Handover.Since, false, at)))
		if _, err := n.Rent("early", bob, 30, TONMoney(TON(10)), DefaultPolicy(), at); !errors.Is(err, ErrNotAvailable) {
			t.Fatalf("rented before its account was checked: %v", err)
		}
		must(t, n)(ev(n.AccountFound(at, AccountVerdict{Outcome: AccountAbsent}, at)))
		wantStatus(t, n, StatusAvailable)
		must(t, n)(ev(n.Rent("again", bob, 30, TONMoney(TON(10)), DefaultPolicy(), at)))
		if n.Renter() != bob || len(n.History) != 3 || n.History[2].How != "rented" {
			t.Errorf("renter %d, history %+v", n.Renter(), n.History)
		}
	})
}

func TestNumber_Block(t *testing.T) {
	block := func(n *Number) (NumberEvent, error) { return ev(n.Block("spam")) }
	unblock := func(n *Number) (NumberEvent, error) { return ev(n.Unblock()) }
	runNumberCases(t, []numberCase{
		{name: "block free", setup: freeNumber, decide: block,
			check: func(t *testing.T, n *Number, _ NumberEvent) {
				wantStatus(t, n, StatusBlocked)
				if !n.Blocked || n.Reason != "spam" {
					t.Errorf("blocked %v reason %q", n.Blocked, n.Reason)
				}
			}},
		{name: "block rented keeps the rental", setup: func(t testing.TB) *Number { return rentedNumber(t, alice) }, decide: block,
			check: func(t *testing.T, n *Number, _ NumberEvent) {
				wantStatus(t, n, StatusBlocked)
				if n.Renter() != alice || !n.Rental.Until.Equal(t0.Add(30*day)) {
					t.Errorf("rental %+v", n.Rental)
				}
			}},
		{name: "block twice", setup: func(t testing.TB) *Number { return blocked(t, freeNumber(t)) }, decide: block, wErr: ErrBlocked},
		{name: "unblock", setup: func(t testing.TB) *Number { return blocked(t, rentedNumber(t, alice)) }, decide: unblock,
			check: func(t *testing.T, n *Number, _ NumberEvent) {
				wantStatus(t, n, StatusRented)
				if n.Blocked || n.Reason != "" {
					t.Errorf("blocked %v reason %q", n.Blocked, n.Reason)
				}
			}},
		{name: "unblock free", setup: freeNumber, decide: unblock, wErr: ErrNotBlocked},
	})

	t.Run("rental clock runs while blocked", func(t *testing.T) {
		n := blocked(t, rentedNumber(t, alice))
		evs := n.Tick(DefaultPolicy(), t0.Add(30*day))
		if len(evs) != 1 {
			t.Fatalf("Tick at the end = %#v, want the expiry", evs)
		}
		applyN(t, n, evs[0].(NumberEvent))
		wantStatus(t, n, StatusBlocked)
		must(t, n)(ev(n.Unblock()))
		wantStatus(t, n, StatusExpired)
	})
}

func TestNumber_ExtendBy(t *testing.T) {
	p := DefaultPolicy()
	now := t0.Add(day)
	extend := func(days int, at time.Time) func(n *Number) (NumberEvent, error) {
		return func(n *Number) (NumberEvent, error) { return ev(n.ExtendBy("x1", days, p, at)) }
	}
	extendedOnce := func(t testing.TB) *Number { // an admin's update, handled
		n := rentedNumber(t, alice)
		must(t, n)(ev(n.ExtendBy("x1", 10, p, now)))
		return n
	}
	rented := func(t testing.TB) *Number { return rentedNumber(t, alice) }
	renewed := func(t testing.TB) *Number { // a renewal paid after the admin looked
		n := rentedNumber(t, alice)
		must(t, n)(ev(n.Renew("r2", alice, 30, TONMoney(TON(10)), p, now)))
		return n
	}
	runNumberCases(t, []numberCase{
		{name: "longer", setup: rented, decide: extend(10, now),
			check: func(t *testing.T, n *Number, e NumberEvent) {
				wantEvent(t, e, &RentalExtended{Until: t0.Add(40 * day), Days: 10, Op: "x1", At: now})
				if !n.Rental.Until.Equal(t0.Add(40*day)) || n.Rental.Reminded != 0 || n.Rental.Paid != TON(10) {
					t.Errorf("rental %+v", n.Rental)
				}
				if n.Rental.Granted != 10*day || !n.Rental.PaidUntil().Equal(n.Rental.Until) {
					t.Errorf("granted %v, paid until %v; want 10 days, the end", n.Rental.Granted, n.Rental.PaidUntil())
				}
			}},
		{name: "keeps a renewal paid meanwhile", setup: renewed, decide: extend(1, now),
			check: func(t *testing.T, n *Number, _ NumberEvent) {
				if want := t0.Add(61 * day); !n.Rental.Until.Equal(want) {
					t.Errorf("until %v, want %v (30 rented + 30 renewed + 1 granted)", n.Rental.Until, want)
				}
			}},
		{name: "shorter skips passed reminders", setup: rented, decide: extend(-29, t0.Add(day-5*time.Hour)),
			check: func(t *testing.T, n *Number, _ NumberEvent) {
				if n.Rental.Reminded != 3 {
					t.Errorf("Reminded = %d, want 3 (72 h, 24 h and 6 h already past)", n.Rental.Reminded)
				}
			}},
		{name: "revives an expired rental", setup: expiredNumber, decide: extend(10, t0.Add(31*day)),
			check: func(t *testing.T, n *Number, _ NumberEvent) {
				wantStatus(t, n, StatusRented)
				if n.Renter() != alice {
					t.Errorf("renter %d", n.Renter())
				}
			}},
		{name: "end now", setup: rented, decide: extend(-29, now), wErr: ErrNotPermitted},
		{name: "end in the past", setup: rented, decide: extend(-30, now), wErr: ErrNotPermitted},
		{name: "not rented", setup: freeNumber, decide: extend(10, now), wErr: ErrNotRented},
		{name: "zero days", setup: rented, decide: extend(0, now), wErr: ErrOutOfRange},
		{name: "overflowing days", setup: rented, decide: extend(213504, now), wErr: ErrOutOfRange},
		{name: "past the bound", setup: rented, decide: extend(MaxAdminDays+1, now), wErr: ErrOutOfRange},
		{name: "at the bound", setup: rented, decide: extend(MaxAdminDays, now)},
		{name: "the same update again", setup: extendedOnce, decide: extend(10, now.Add(time.Hour)), wErr: ErrDuplicateOp},
		{name: "no operation", setup: rented, decide: func(n *Number) (NumberEvent, error) { return ev(n.ExtendBy("", 1, p, now)) },
			wErr: ErrBadOp},
	})
}

func TestNumber_Cancel(t *testing.T) {
	at := t0.Add(5 * day)
	cancel := func(op OpID, refund Nano) func(n *Number) (NumberEvent, error) {
		return func(n *Number) (NumberEvent, error) { return ev(n.Cancel(op, TONMoney(refund), at)) }
	}
	renewed := func(t testing.TB) *Number {
		n := rentedNumber(t, alice)
		must(t, n)(ev(n.Renew("r2", alice, 30, TONMoney(TON(10)), DefaultPolicy(), t0.Add(day))))
		return n
	}
	wantCancelled := func(refund Nano) func(t *testing.T, n *Number, e NumberEvent) {
		return func(t *testing.T, n *Number, e NumberEvent) {
			wantEvent(t, e, &RentalCancelled{Op: "c1", Renter: alice, Refund: refund, At: at, Check: true})
			wantStatus(t, n, StatusHandover)
			if n.Rental != nil || n.Offer != nil || !n.HasOp("c1") {
				t.Errorf("rental %+v, offer %+v, HasOp %v", n.Rental, n.Offer, n.HasOp("c1"))
			}
			k := len(n.History)
			if k < 2 || !n.History[k-2].To.Equal(at) ||
				!sameHolding(n.History[k-1], Holding{User: alice, From: at, To: at, How: "cancelled"}) {
				t.Errorf("history %+v", n.History)
			}
		}
	}
	runNumberCases(t, []numberCase{
		{name: "no refund", setup: func(t testing.TB) *Number { return rentedNumber(t, alice) }, decide: cancel("c1", 0),
			check: wantCancelled(0)},
		{name: "full refund", setup: func(t testing.TB) *Number { return rentedNumber(t, alice) }, decide: cancel("c1", TON(10)),
			check: wantCancelled(TON(10))},
		{name: "refund of renewals too", setup: renewed, decide: cancel("c1", TON(20)), check: wantCancelled(TON(20))},
		{name: "cancels a pending offer", setup: offeredNumber, decide: cancel("c1", 1), check: wantCancelled(1)},
		{name: "refund above paid", setup: func(t testing.TB) *Number { return rentedNumber(t, alice) },
			decide: cancel("c1", TON(10)+1), wErr: ErrBadAmount},
		{name: "negative refund", setup: func(t testing.TB) *Number { return rentedNumber(t, alice) },
			decide: cancel("c1", -1), wErr: ErrBadAmount},
		{name: "not rented", setup: freeNumber, decide: cancel("c1", 0), wErr: ErrNotRented},
		{name: "no op", setup: func(t testing.TB) *Number { return rentedNumber(t, alice) }, decide: cancel("", 0), wErr: ErrBadOp},
		// RentalCancelled notes its op on the number: a cancel retried by a
		// saga after a crash must be recognised, not cancel a later rental.
		{name: "retried op cancels nobody else", setup: func(t testing.TB) *Number {
			n := rentedNumber(t, alice)
			must(t, n)(ev(n.Cancel("c1", TONMoney(0), at)))
			must(t, n)(ev(n.SessionsEnded(at, false, at)))
			must(t, n)(ev(n.AccountFound(at, AccountVerdict{Outcome: AccountAbsent}, at)))
			must(t, n)(ev(n.Rent("later", bob, 30, TONMoney(TON(10)), DefaultPolicy(), at.Add(time.Hour))))
			return n
		}, decide: cancel("c1", 0), wErr: ErrDuplicateOp},
	})
}

func sameHolding(a, b Holding) bool {
	return a.User == b.User && a.From.Equal(b.From) && a.To.Equal(b.To) && a.Until.Equal(b.Until) && a.How == b.How
}

func TestRemoveOnlyWhatNobodyHoldsAndRestoreIt(t *testing.T) {
	n := &Number{ID: "+88800000001"}
	n.Rental = &Rental{Renter: 7}
	if _, err := n.Remove(); !errors.Is(err, ErrNotAvailable) {
		t.Fatalf("removing a rented number: %v", err)
	}
	n.Rental = nil
	ev, err := n.Remove()
	if err != nil {
		t.Fatal(err)
	}
	n.Apply(ev, 1)
	if n.Status() != StatusRemoved {
		t.Fatalf("status %s", n.Status())
	}
	if _, err := n.Reserve("op", 7, 30, CurrencyTON, DefaultPolicy(), time.Now()); !errors.Is(err, ErrNumberNotFound) {
		t.Fatalf("reserving a removed number: %v", err)
	}
	if _, err := n.Remove(); !errors.Is(err, ErrNumberNotFound) {
		t.Fatalf("removing twice: %v", err)
	}
	back, err := n.Restore()
	if err != nil {
		t.Fatal(err)
	}
	n.Apply(back, 2)
	if n.Status() != StatusAvailable {
		t.Fatalf("restored status %s", n.Status())
	}
	if _, err := n.Restore(); !errors.Is(err, ErrNumberExists) {
		t.Fatalf("restoring a number in the catalogue: %v", err)
	}
}
