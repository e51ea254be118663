package actors

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"allot/domain"
)

// TestEngine_ReplayedRenewalAfterTheNumberMovedOn replays an old "renew from
// balance" button after many other operations on the number. The wallet
// remembers every purchase; the number only recent operations. A replay must
// answer the old receipt and never renew again for nothing.
func TestEngine_ReplayedRenewalAfterTheNumberMovedOn(t *testing.T) {
	for _, others := range []int{0, 1, 8, 50} {
		t.Run(fmt.Sprintf("after %d offers", others), func(t *testing.T) {
			e, ctx := rentedEngine(t, domain.TON(100))
			r, err := e.RenewFromBalance(ctx, "tg:1001:renew", alice, num1, 30)
			if err != nil {
				t.Fatal(err)
			}
			for i := range others {
				if _, err := e.OfferTransfer(ctx, domain.OpID(fmt.Sprintf("tg:1001:offer%d", i)), alice, num1, "@bob"); err != nil {
					t.Fatalf("offer %d: %v", i, err)
				}
				if _, err := e.CancelTransfer(ctx, alice, num1); err != nil {
					t.Fatalf("cancel %d: %v", i, err)
				}
			}
			paid := balance(t, e, alice)
			for range 3 {
				rc, err := e.RenewFromBalance(ctx, "tg:1001:renew", alice, num1, 30)
				if err == nil && !rc.Repeat {
					t.Fatalf("replay renewed again: %+v", rc)
				}
			}
			if got := mustNumber(t, e, num1).Rental.Until; !got.Equal(r.Until) {
				t.Errorf("until = %v after replays, want %v", got, r.Until)
			}
			if got := balance(t, e, alice); got != paid {
				t.Errorf("balance = %s after replays, want %s", got, paid)
			}
			mustCheck(t, e)
		})
	}
}

// TestEngine_CheckCatchesRentalsNobodyPaidFor: Check compares what wallets
// spent on rentals with what numbers sold, so time given away shows.
func TestEngine_CheckCatchesRentalsNobodyPaidFor(t *testing.T) {
	e, ctx := rentedEngine(t, domain.TON(100))
	mustCheck(t, e)
	// A number step the wallet never paid for, as the replay bug made.
	_, err := e.change(ctx, num1, func(n *domain.Number, p domain.Policy, now time.Time) (domain.Event, error) {
		price, _ := domain.Quote(n, p.Prices, 30, domain.CurrencyTON)
		return n.Renew("tg:1001:free", alice, 30, price, p, now)
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Check(); err == nil {
		t.Error("Check holds though a renewal was never paid for")
	}
}

// TestEngine_ExtendRacingRenewalsKeepsEveryDay: an admin's /extend and a
// renter's paid renewal land in either order; the end moves by both.
func TestEngine_ExtendRacingRenewalsKeepsEveryDay(t *testing.T) {
	e, ctx := rentedEngine(t, domain.TON(100_000))
	until := mustNumber(t, e, num1).Rental.Until
	for round := range 400 {
		errs := make(chan error, 2)
		go func() {
			_, err := e.RenewFromBalance(ctx, domain.OpID(fmt.Sprintf("tg:1001:r%d", round)), alice, num1, 30)
			errs <- err
		}()
		go func() {
			_, err := e.Extend(ctx, domain.OpID(fmt.Sprintf("tg:1:x%d", round)), admin, num1, 1)
			errs <- err
		}()
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		until = until.Add(31 * 24 * time.Hour)
		if got := mustNumber(t, e, num1).Rental.Until; !got.Equal(until) {
			t.Fatalf("round %d: until %v, want %v (a renewal or an extension was lost)", round, got, until)
		}
	}
	mustCheck(t, e)
}

// TestEngine_ExtendIsBounded: a period that would overflow a duration is
// refused with its bound, not wrapped around into minutes.
func TestEngine_ExtendIsBounded(t *testing.T) {
	e, ctx := rentedEngine(t, domain.TON(100))
	before := mustNumber(t, e, num1).Rental.Until
	_, err := e.Extend(ctx, "tg:1:x", admin, num1, 213504)
	var bound *domain.RangeError
	if !errors.As(err, &bound) || bound.Max != "3660" {
		t.Fatalf("Extend(213504 days) = %v, want a RangeError naming 3660", err)
	}
	if got := mustNumber(t, e, num1).Rental.Until; !got.Equal(before) {
		t.Errorf("until moved to %v", got)
	}
	if _, err := e.AdjustBalance(ctx, "adj", admin, alice, domain.MaxAdminAmount+1, "typo"); !errors.Is(err, domain.ErrOutOfRange) {
		t.Errorf("AdjustBalance past the bound: %v", err)
	}
	mustCheck(t, e)
}

// TestEngine_AnUpdateDeliveredAgainAppliesAndAuditsOnce: Telegram delivers
// an admin's update again after a crash; the change and its audit entry
// happen once, and an entry lost between the change and the log (the
// crash) is written by the second delivery.
func TestEngine_AnUpdateDeliveredAgainAppliesAndAuditsOnce(t *testing.T) {
	e, ctx := rentedEngine(t, domain.TON(100))
	before := mustNumber(t, e, num1).Rental.Until
	op := domain.OpID("tg:1:u41")
	if _, err := e.Extend(ctx, op, admin, num1, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Extend(ctx, op, admin, num1, 2); !errors.Is(err, domain.ErrDuplicateOp) {
		t.Errorf("the same update again: %v, want ErrDuplicateOp", err)
	}
	if got := mustNumber(t, e, num1).Rental.Until; !got.Equal(before.Add(48 * time.Hour)) {
		t.Errorf("until %v, want two days after %v", got, before)
	}
	upd := WithOperation(ctx, "tg:1:u42")
	for range 2 {
		if err := e.SetDefaultPrice(upd, admin, 7, domain.TON(3)); err != nil {
			t.Fatal(err)
		}
	}
	// The adjustment's entry is lost, as by a crash before the log had it:
	// the wallet applied it, and the second delivery writes the entry.
	if _, err := e.ask(ctx, domain.KindWallet, walletID(alice), true, func(r replyTo) command {
		return &credit{asker: asker{r}, op: "tg:1:u43", kind: domain.KindAdjustment, amount: domain.TON(1), note: "gift"}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.AdjustBalance(ctx, "tg:1:u43", admin, alice, domain.TON(1), "gift"); !errors.Is(err, domain.ErrDuplicateOp) {
		t.Errorf("the adjustment again: %v, want ErrDuplicateOp", err)
	}
	if err := e.Drain(ctx); err != nil { // the audit entries are written after the changes
		t.Fatal(err)
	}
	page, err := e.AuditLog(ctx, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, a := range page.Entries {
		count[a.Action]++
	}
	if count["rental.extend"] != 1 || count["price.default"] != 1 || count["wallet.adjust"] != 1 {
		t.Errorf("audit entries by action %v, want one each of rental.extend, price.default, wallet.adjust", count)
	}
	mustCheck(t, e)
}

// rentedEngine is an engine where alice and bob have balance and alice
// rents num1 for 30 days from hers.
func rentedEngine(t *testing.T, balance domain.Nano) (*Engine, context.Context) {
	t.Helper()
	e := openTest(t, t.TempDir(), newClock(), nil)
	seed(t, e, balance, num1)
	ctx := ctxT(t)
	if _, err := e.RentFromBalance(ctx, "tg:1001:rent", alice, num1, 30); err != nil {
		t.Fatal(err)
	}
	return e, ctx
}
