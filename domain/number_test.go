package domain

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestAddNumber(t *testing.T) {
	tests := []struct {
		name string
		in   string
		wID  string
		wErr error
	}{
		{"canonical", testNum, testNum, nil},
		{"as typed", "+888 0123 4567", testNum, nil},
		{"bad", "+7 900", "", ErrBadNumber},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := AddNumber(tc.in, t0)
			wantErr(t, err, tc.wErr)
			if tc.wErr != nil {
				if e != nil {
					t.Errorf("event %#v with error", e)
				}
				return
			}
			wantEvent(t, e, &NumberAdded{ID: tc.wID, At: t0})
			n := &Number{ID: "junk", Blocked: true, Ops: []OpID{"x"}}
			n.Apply(e, 9)
			sameState(t, "added number", n, &Number{ID: tc.wID, Added: t0, Seq: 9})
			wantStatus(t, n, StatusAvailable)
		})
	}
}

func TestNumber_SetPrice(t *testing.T) {
	runNumberCases(t, []numberCase{
		{name: "set", setup: freeNumber,
			decide: func(n *Number) (NumberEvent, error) { return ev(n.SetPrice(30, TONMoney(TON(7)))) },
			check: func(t *testing.T, n *Number, _ NumberEvent) {
				sameState(t, "prices", n.Prices, PriceList{{Days: 30, Amount: TON(7)}})
			}},
		{name: "remove", setup: func(t testing.TB) *Number {
			n := freeNumber(t)
			must(t, n)(ev(n.SetPrice(30, TONMoney(TON(7)))))
			must(t, n)(ev(n.SetPrice(7, TONMoney(TON(3)))))
			return n
		}, decide: func(n *Number) (NumberEvent, error) { return ev(n.SetPrice(30, TONMoney(0))) },
			check: func(t *testing.T, n *Number, _ NumberEvent) {
				sameState(t, "prices", n.Prices, PriceList{{Days: 7, Amount: TON(3)}})
			}},
		{name: "zero days", setup: freeNumber, wErr: ErrBadPeriod,
			decide: func(n *Number) (NumberEvent, error) { return ev(n.SetPrice(0, TONMoney(TON(1)))) }},
		{name: "too many days", setup: freeNumber, wErr: ErrBadPeriod,
			decide: func(n *Number) (NumberEvent, error) { return ev(n.SetPrice(3661, TONMoney(TON(1)))) }},
		{name: "negative amount", setup: freeNumber, wErr: ErrBadAmount,
			decide: func(n *Number) (NumberEvent, error) { return ev(n.SetPrice(30, TONMoney(-1))) }},
		{name: "too large", setup: freeNumber, wErr: ErrAmountTooLarge,
			decide: func(n *Number) (NumberEvent, error) { return ev(n.SetPrice(30, TONMoney(MaxAmount+1))) }},
	})
}

func TestNumber_Reserve(t *testing.T) {
	p := DefaultPolicy()
	reserve := func(op OpID, u UserID, days int) func(n *Number) (NumberEvent, error) {
		return func(n *Number) (NumberEvent, error) {
			return ev(n.Reserve(op, u, days, CurrencyTON, p, t0.Add(time.Minute)))
		}
	}
	runNumberCases(t, []numberCase{
		{name: "free", setup: freeNumber, decide: reserve("r1", alice, 30),
			check: func(t *testing.T, n *Number, e NumberEvent) {
				w := &NumberReserved{Op: "r1", User: alice, Days: 30, Price: TON(10), Until: t0.Add(31 * time.Minute)}
				wantEvent(t, e, w)
				sameState(t, "hold", n.Hold, &Hold{Op: "r1", User: alice, Days: 30, Price: TON(10), Until: w.Until})
				wantStatus(t, n, StatusReserved)
			}},
		{name: "longer period default price", setup: freeNumber, decide: reserve("r1", alice, 90),
			check: func(t *testing.T, n *Number, _ NumberEvent) {
				if n.Hold.Price != TON(25) || n.Hold.Days != 90 {
					t.Errorf("hold = %+v, want 90 days for 25 TON", n.Hold)
				}
			}},
		{name: "price override", setup: func(t testing.TB) *Number {
			n := freeNumber(t)
			must(t, n)(ev(n.SetPrice(30, TONMoney(TON(7)))))
			return n
		}, decide: reserve("r1", alice, 30),
			check: func(t *testing.T, n *Number, _ NumberEvent) {
				if n.Hold.Price != TON(7) {
					t.Errorf("price = %v, want the number's own 7 TON", n.Hold.Price)
				}
			}},
		{name: "override adds a period", setup: func(t testing.TB) *Number {
			n := freeNumber(t)
			must(t, n)(ev(n.SetPrice(7, TONMoney(TON(3)))))
			return n
		}, decide: reserve("r1", alice, 7),
			check: func(t *testing.T, n *Number, _ NumberEvent) {
				if n.Hold.Price != TON(3) {
					t.Errorf("price = %v, want 3 TON", n.Hold.Price)
				}
			}},
		{name: "override leaves other periods at default", setup: func(t testing.TB) *Number {
			n := freeNumber(t)
			must(t, n)(ev(n.SetPrice(30, TONMoney(TON(7)))))
			return n
		}, decide: reserve("r1", alice, 60),
			check: func(t *testing.T, n *Number, _ NumberEvent) {
				if n.Hold.Price != TON(18) {
					t.Errorf("price = %v, want the default 18 TON", n.Hold.Price)
				}
			}},
		{name: "same user replaces own hold", setup: func(t testing.TB) *Number { return heldNumber(t, alice) },
			decide: reserve("r2", alice, 60),
			check: func(t *testing.T, n *Number, _ NumberEvent) {
				if n.Hold.Op != "r2" || n.Hold.Days != 60 {
					t.Errorf("hold = %+v, want the new one", n.Hold)
				}
			}},
		{name: "bad period", setup: freeNumber, decide: reserve("r1", alice, 45), wErr: ErrBadPeriod},
		{name: "removed period", setup: func(t testing.TB) *Number {
			n := freeNumber(t)
			must(t, n)(ev(n.SetPrice(45, TONMoney(TON(1)))))
			must(t, n)(ev(n.SetPrice(45, TONMoney(0))))
			return n
		}, decide: reserve("r1", alice, 45), wErr: ErrBadPeriod},
		{name: "blocked", setup: func(t testing.TB) *Number { return blocked(t, freeNumber(t)) },
			decide: reserve("r1", alice, 30), wErr: ErrBlocked},
		{name: "already rented", setup: func(t testing.TB) *Number { return rentedNumber(t, bob) },
			decide: reserve("r1", alice, 30), wErr: ErrNotAvailable},
		{name: "rented by the same user", setup: func(t testing.TB) *Number { return rentedNumber(t, alice) },
			decide: reserve("r1", alice, 30), wErr: ErrNotAvailable},
		{name: "expired awaiting reclaim", setup: expiredNumber, decide: reserve("r1", bob, 30), wErr: ErrNotAvailable},
		{name: "held by another user", setup: func(t testing.TB) *Number { return heldNumber(t, bob) },
			decide: reserve("r1", alice, 30), wErr: ErrNotAvailable},
		{name: "duplicate op", setup: func(t testing.TB) *Number { return heldNumber(t, alice) },
			decide: reserve("hold", alice, 30), wErr: ErrDuplicateOp},
		// Like Rent, Renew, OfferTransfer and Cancel, a reservation is a saga
		// step keyed by its op: a retry after the hold was released (or
		// used by Rent and the number since reclaimed) must not reserve again.
		{name: "retried op after release", setup: func(t testing.TB) *Number {
			n := heldNumber(t, alice)
			must(t, n)(ev(n.Release("hold", "payment failed", t0)))
			return n
		}, decide: reserve("hold", alice, 30), wErr: ErrDuplicateOp},
		{name: "retried op after rent and reclaim", setup: func(t testing.TB) *Number {
			n := expiredNumber(t)
			must(t, n)(ev(n.Reclaim(t0.Add(31 * day))))
			return n
		}, decide: reserve("rent", alice, 30), wErr: ErrDuplicateOp},
		{name: "no op", setup: freeNumber, decide: reserve("", alice, 30), wErr: ErrBadOp},
		{name: "op too long", setup: freeNumber, decide: reserve(OpID(strings.Repeat("o", 129)), alice, 30), wErr: ErrBadOp},
		{name: "zero user", setup: freeNumber, decide: reserve("r1", 0, 30), wErr: ErrBadUser},
		{name: "negative user", setup: freeNumber, decide: reserve("r1", -5, 30), wErr: ErrBadUser},
	})
}

func TestNumber_Release(t *testing.T) {
	runNumberCases(t, []numberCase{
		{name: "own hold", setup: func(t testing.TB) *Number { return heldNumber(t, alice) },
			decide: func(n *Number) (NumberEvent, error) { return ev(n.Release("hold", "cancelled", t0)) },
			check: func(t *testing.T, n *Number, e NumberEvent) {
				wantEvent(t, e, &NumberReleased{Op: "hold", Reason: "cancelled", At: t0})
				if n.Hold != nil {
					t.Errorf("hold = %+v after release", n.Hold)
				}
				wantStatus(t, n, StatusAvailable)
			}},
		{name: "other op", setup: func(t testing.TB) *Number { return heldNumber(t, alice) }, wErr: ErrNoHold,
			decide: func(n *Number) (NumberEvent, error) { return ev(n.Release("other", "x", t0)) }},
		{name: "no hold", setup: freeNumber, wErr: ErrNoHold,
			decide: func(n *Number) (NumberEvent, error) { return ev(n.Release("hold", "x", t0)) }},
	})

	t.Run("stale release keeps a newer hold", func(t *testing.T) {
		n := heldNumber(t, alice)
		must(t, n)(ev(n.Reserve("newer", alice, 60, CurrencyTON, DefaultPolicy(), t0)))
		applyN(t, n, &NumberReleased{Op: "hold", Reason: "expired"})
		if n.Hold == nil || n.Hold.Op != "newer" {
			t.Errorf("hold = %+v, want the newer hold kept", n.Hold)
		}
	})
}

func TestNumber_Rent(t *testing.T) {
	p := DefaultPolicy()
	rent := func(op OpID, u UserID, days int, price Nano, at time.Time) func(n *Number) (NumberEvent, error) {
		return func(n *Number) (NumberEvent, error) { return ev(n.Rent(op, u, days, TONMoney(price), p, at)) }
	}
	held := func(t testing.TB) *Number { return heldNumber(t, alice) }
	now := t0.Add(10 * time.Minute)
	wantRental := func(u UserID, since time.Time, days int, paid Nano) func(t *testing.T, n *Number, _ NumberEvent) {
		return func(t *testing.T, n *Number, _ NumberEvent) {
			until := since.Add(time.Duration(days) * day)
			sameState(t, "rental", n.Rental, &Rental{Renter: u, Since: since, Until: until, Paid: paid, Days: days})
			if n.Hold != nil {
				t.Errorf("hold %+v left after renting", n.Hold)
			}
			sameState(t, "history", n.History, []Holding{{User: u, From: since, Until: until, How: "rented"}})
			wantStatus(t, n, StatusRented)
			if n.Renter() != u {
				t.Errorf("Renter() = %d, want %d", n.Renter(), u)
			}
		}
	}
	runNumberCases(t, []numberCase{
		{name: "with hold uses reserved period and price", setup: held, decide: rent("hold", alice, 0, 0, now),
			check: func(t *testing.T, n *Number, e NumberEvent) {
				wantEvent(t, e, &NumberRented{Op: "hold", User: alice, Days: 30, Price: TON(10), Since: now,
					Until: now.Add(30 * day)})
				wantRental(alice, now, 30, TON(10))(t, n, e)
				if !n.HasOp("hold") {
					t.Error("HasOp(hold) = false after renting")
				}
			}},
		{name: "with hold keeps reserved price after a price change", setup: func(t testing.TB) *Number {
			n := held(t)
			must(t, n)(ev(n.SetPrice(30, TONMoney(TON(50)))))
			return n
		}, decide: rent("hold", alice, 30, TON(50), now), check: wantRental(alice, now, 30, TON(10))},
		{name: "with hold just before it lapses", setup: held, decide: rent("hold", alice, 30, TON(10), t0.Add(30*time.Minute-1)),
			check: wantRental(alice, t0.Add(30*time.Minute-1), 30, TON(10))},
		{name: "hold expired", setup: held, decide: rent("hold", alice, 30, TON(10), t0.Add(31*time.Minute)), wErr: ErrHoldExpired},
		{name: "hold but blocked", setup: func(t testing.TB) *Number { return blocked(t, held(t)) },
			decide: rent("hold", alice, 30, TON(10), now), wErr: ErrBlocked},
		{name: "without hold", setup: freeNumber, decide: rent("buy", alice, 30, TON(10), now),
			check: wantRental(alice, now, 30, TON(10))},
		{name: "without hold longer period", setup: freeNumber, decide: rent("buy", alice, 90, TON(25), now),
			check: wantRental(alice, now, 90, TON(25))},
		{name: "price changed", setup: freeNumber, decide: rent("buy", alice, 30, TON(9), now), wErr: ErrPriceChanged},
		{name: "override price", setup: func(t testing.TB) *Number {
			n := freeNumber(t)
			must(t, n)(ev(n.SetPrice(30, TONMoney(TON(7)))))
			return n
		}, decide: rent("buy", alice, 30, TON(7), now), check: wantRental(alice, now, 30, TON(7))},
		{name: "default price despite override", setup: func(t testing.TB) *Number {
			n := freeNumber(t)
			must(t, n)(ev(n.SetPrice(30, TONMoney(TON(7)))))
			return n
		}, decide: rent("buy", alice, 30, TON(10), now), wErr: ErrPriceChanged},
		{name: "bad period", setup: freeNumber, decide: rent("buy", alice, 31, TON(10), now), wErr: ErrBadPeriod},
		{name: "own hold under another op", setup: held, decide: rent("buy", alice, 60, TON(18), now),
			check: wantRental(alice, now, 60, TON(18))},
		{name: "held by another user", setup: func(t testing.TB) *Number { return heldNumber(t, bob) },
			decide: rent("buy", alice, 30, TON(10), now), wErr: ErrNotAvailable},
		{name: "already rented", setup: func(t testing.TB) *Number { return rentedNumber(t, bob) },
			decide: rent("buy", alice, 30, TON(10), now), wErr: ErrNotAvailable},
		{name: "expired awaiting reclaim", setup: expiredNumber,
			decide: rent("buy", bob, 30, TON(10), t0.Add(31*day)), wErr: ErrNotAvailable},
		{name: "blocked", setup: func(t testing.TB) *Number { return blocked(t, freeNumber(t)) },
			decide: rent("buy", alice, 30, TON(10), now), wErr: ErrBlocked},
		{name: "duplicate op while rented", setup: func(t testing.TB) *Number { return rentedNumber(t, alice) },
			decide: rent("rent", alice, 30, TON(10), now), wErr: ErrDuplicateOp},
		{name: "duplicate op after reclaim", setup: func(t testing.TB) *Number {
			n := expiredNumber(t)
			must(t, n)(ev(n.Reclaim(t0.Add(31 * day))))
			return n
		}, decide: rent("rent", alice, 30, TON(10), t0.Add(32*day)), wErr: ErrDuplicateOp},
		{name: "no op", setup: freeNumber, decide: rent("", alice, 30, TON(10), now), wErr: ErrBadOp},
		{name: "no user", setup: freeNumber, decide: rent("buy", 0, 30, TON(10), now), wErr: ErrBadUser},
		{name: "short rental skips reminders already past", setup: freeNumber,
			decide: func(n *Number) (NumberEvent, error) {
				return ev(n.Rent("buy", alice, 2, TONMoney(TON(1)), twoDayPolicy(), now))
			},
			check: func(t *testing.T, n *Number, _ NumberEvent) {
				if n.Rental.Reminded != 1 {
					t.Errorf("Reminded = %d, want 1: the 72 h reminder is already past for a 2-day rental", n.Rental.Reminded)
				}
			}},
	})
}

// A reservation that Tick already treats as lapsed must not be usable by
// Rent at the same instant: both must agree on when Hold.Until is over.
func TestNumber_RentAtHoldEnd(t *testing.T) {
	n := heldNumber(t, alice)
	end := n.Hold.Until
	lapsed := len(n.Tick(DefaultPolicy(), end)) > 0
	_, err := n.Rent("hold", alice, 30, TONMoney(TON(10)), DefaultPolicy(), end)
	if lapsed && err == nil {
		t.Errorf("at Hold.Until Tick releases the hold (lapsed) but Rent still accepts it; want ErrHoldExpired")
	}
}

func TestNumber_Renew(t *testing.T) {
	p := DefaultPolicy()
	end := t0.Add(30 * day)
	renew := func(op OpID, u UserID, days int, price Nano, at time.Time) func(n *Number) (NumberEvent, error) {
		return func(n *Number) (NumberEvent, error) { return ev(n.Renew(op, u, days, TONMoney(price), p, at)) }
	}
	wantUntil := func(until time.Time, paid Nano) func(t *testing.T, n *Number, _ NumberEvent) {
		return func(t *testing.T, n *Number, _ NumberEvent) {
			if !n.Rental.Until.Equal(until) {
				t.Errorf("Until = %v, want %v", n.Rental.Until, until)
			}
			if n.Rental.Paid != paid {
				t.Errorf("Paid = %v, want %v", n.Rental.Paid, paid)
			}
			if n.Rental.Reminded != 0 {
				t.Errorf("Reminded = %d, want 0: the reminders restart for the new end", n.Rental.Reminded)
			}
			if !n.Rental.Since.Equal(t0) || n.Rental.Renter != alice {
				t.Errorf("rental %+v lost its renter or start", n.Rental)
			}
			if len(n.History) != 1 {
				t.Errorf("history %+v: a renewal is no change of holder", n.History)
			}
		}
	}
	remindedAll := func(t testing.TB) *Number {
		n := rentedNumber(t, alice)
		applyN(t, n, n.Tick(p, end.Add(-30*time.Minute))[0].(NumberEvent))
		if n.Rental.Reminded != 4 {
			t.Fatalf("Reminded = %d after the last reminder", n.Rental.Reminded)
		}
		return n
	}
	rented := func(t testing.TB) *Number { return rentedNumber(t, alice) }
	runNumberCases(t, []numberCase{
		{name: "early extends from the end", setup: rented, decide: renew("r2", alice, 30, TON(10), t0.Add(day)),
			check: func(t *testing.T, n *Number, e NumberEvent) {
				wantEvent(t, e, &NumberRenewed{Op: "r2", Days: 30, Price: TON(10), Until: t0.Add(60 * day), At: t0.Add(day)})
				wantUntil(t0.Add(60*day), TON(20))(t, n, e)
				if !n.HasOp("r2") {
					t.Error("HasOp(r2) = false after renewing")
				}
			}},
		{name: "right before expiry", setup: remindedAll, decide: renew("r2", alice, 30, TON(10), end.Add(-time.Minute)),
			check: wantUntil(t0.Add(60*day), TON(20))},
		{name: "one nanosecond before expiry", setup: rented, decide: renew("r2", alice, 60, TON(18), end.Add(-1)),
			check: wantUntil(t0.Add(90*day), TON(28))},
		{name: "twice", setup: func(t testing.TB) *Number {
			n := rented(t)
			must(t, n)(ev(n.Renew("r2", alice, 30, TONMoney(TON(10)), p, t0.Add(day))))
			return n
		}, decide: renew("r3", alice, 90, TON(25), t0.Add(2*day)), check: wantUntil(t0.Add(150*day), TON(45))},
		{name: "close to the new end keeps the passed reminders", setup: rented,
			decide: func(n *Number) (NumberEvent, error) {
				return ev(n.Renew("r2", alice, 2, TONMoney(TON(1)), twoDayPolicy(), end.Add(-time.Minute)))
			},
			check: func(t *testing.T, n *Number, _ NumberEvent) {
				// the new end is 2 days minus a minute away: the 72 h step is past
				if n.Rental.Reminded != 1 || !n.Rental.Until.Equal(end.Add(2*day)) {
					t.Errorf("rental %+v, want Until %v and Reminded 1", n.Rental, end.Add(2*day))
				}
			}},
		{name: "not the renter", setup: rented, decide: renew("r2", bob, 30, TON(10), t0.Add(day)), wErr: ErrNotRenter},
		{name: "blocked", setup: func(t testing.TB) *Number { return blocked(t, rented(t)) },
			decide: renew("r2", alice, 30, TON(10), t0.Add(day)), wErr: ErrBlocked},
		{name: "not rented", setup: freeNumber, decide: renew("r2", alice, 30, TON(10), t0), wErr: ErrNotRented},
		{name: "only held", setup: func(t testing.TB) *Number { return heldNumber(t, alice) },
			decide: renew("r2", alice, 30, TON(10), t0), wErr: ErrNotRented},
		{name: "expired", setup: expiredNumber, decide: renew("r2", alice, 30, TON(10), end.Add(time.Hour)), wErr: ErrNotRented},
		{name: "price changed", setup: rented, decide: renew("r2", alice, 30, TON(8), t0.Add(day)), wErr: ErrPriceChanged},
		{name: "bad period", setup: rented, decide: renew("r2", alice, 29, TON(10), t0.Add(day)), wErr: ErrBadPeriod},
		{name: "duplicate op of the rent", setup: rented, decide: renew("rent", alice, 30, TON(10), t0.Add(day)), wErr: ErrDuplicateOp},
		{name: "duplicate op of a renewal", setup: func(t testing.TB) *Number {
			n := rented(t)
			must(t, n)(ev(n.Renew("r2", alice, 30, TONMoney(TON(10)), p, t0.Add(day))))
			return n
		}, decide: renew("r2", alice, 30, TON(10), t0.Add(day)), wErr: ErrDuplicateOp},
		{name: "no op", setup: rented, decide: renew("", alice, 30, TON(10), t0), wErr: ErrBadOp},
		{name: "after transfer the new renter renews", setup: func(t testing.TB) *Number {
			n := offeredNumber(t)
			must(t, n)(ev(n.AcceptTransfer(bob, t0.Add(2*time.Hour))))
			return n
		}, decide: renew("r2", bob, 30, TON(10), t0.Add(3*time.Hour)),
			check: func(t *testing.T, n *Number, _ NumberEvent) {
				if !n.Rental.Until.Equal(t0.Add(60*day)) || n.Rental.Renter != bob {
					t.Errorf("rental = %+v", n.Rental)
				}
			}},
		{name: "after transfer the old renter cannot", setup: func(t testing.TB) *Number {
			n := offeredNumber(t)
			must(t, n)(ev(n.AcceptTransfer(bob, t0.Add(2*time.Hour))))
			return n
		}, decide: renew("r2", alice, 30, TON(10), t0.Add(3*time.Hour)), wErr: ErrNotRenter},
	})
}

func TestNumber_Ops(t *testing.T) {
	p := DefaultPolicy()
	t.Run("the last OpRetention are all remembered", func(t *testing.T) {
		n := rentedNumber(t, alice)
		for i := range 50 {
			must(t, n)(ev(n.Renew(OpID(fmt.Sprintf("r%d", i)), alice, 30, TONMoney(TON(10)), p, t0.Add(time.Duration(i)*time.Hour))))
		}
		for _, op := range []OpID{"rent", "r0", "r49"} {
			if !n.HasOp(op) {
				t.Errorf("%s forgotten within OpRetention", op)
			}
		}
	})
	t.Run("older ones beyond the last 8 are forgotten", func(t *testing.T) {
		n := rentedNumber(t, alice)
		for i := range 10 {
			must(t, n)(ev(n.Renew(OpID(fmt.Sprintf("r%d", i)), alice, 30, TONMoney(TON(10)), p, t0.Add(time.Duration(i+1)*(OpRetention+time.Hour)))))
		}
		if len(n.Ops) != recentOps || len(n.OpsAt) != recentOps {
			t.Fatalf("len(Ops) = %d, len(OpsAt) = %d, want %d", len(n.Ops), len(n.OpsAt), recentOps)
		}
		for _, tc := range []struct {
			op   OpID
			wHas bool
		}{{"rent", false}, {"r0", false}, {"r1", false}, {"r2", true}, {"r9", true}} {
			if n.HasOp(tc.op) != tc.wHas {
				t.Errorf("HasOp(%s) = %v, want %v", tc.op, !tc.wHas, tc.wHas)
			}
		}
	})
	t.Run("ops from a state without times count as old", func(t *testing.T) {
		n := rentedNumber(t, alice)
		n.Ops, n.OpsAt = []OpID{"a", "b", "c", "d", "e", "f", "g", "h"}, nil
		must(t, n)(ev(n.Renew("new", alice, 30, TONMoney(TON(10)), p, t0)))
		if n.HasOp("a") || !n.HasOp("b") || !n.HasOp("new") || len(n.OpsAt) != len(n.Ops) {
			t.Errorf("ops %v at %v", n.Ops, n.OpsAt)
		}
	})
}

func TestNumber_Status(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t testing.TB) *Number
		wStatus NumberStatus
		wRenter UserID
	}{
		{"available", freeNumber, StatusAvailable, 0},
		{"reserved", func(t testing.TB) *Number { return heldNumber(t, alice) }, StatusReserved, 0},
		{"rented", func(t testing.TB) *Number { return rentedNumber(t, alice) }, StatusRented, alice},
		{"expired", expiredNumber, StatusExpired, 0},
		{"blocked over expired", func(t testing.TB) *Number { return blocked(t, expiredNumber(t)) }, StatusBlocked, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.setup(t)
			wantStatus(t, n, tc.wStatus)
			if n.Renter() != tc.wRenter {
				t.Errorf("Renter() = %d, want %d", n.Renter(), tc.wRenter)
			}
		})
	}
}

func TestNumberStatus_String(t *testing.T) {
	for s, w := range map[NumberStatus]string{StatusAvailable: "available", StatusReserved: "reserved",
		StatusRented: "rented", StatusExpired: "expired", StatusBlocked: "blocked", 0: "status(0)", 9: "status(9)"} {
		t.Run(w, func(t *testing.T) {
			if got := s.String(); got != w {
				t.Errorf("String() = %q, want %q", got, w)
			}
		})
	}
}
