package actors

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"allot/domain"
)

func TestEngine_RentFromBalance(t *testing.T) {
	c := newClock()
	e := openTest(t, t.TempDir(), c, nil)
	seed(t, e, domain.TON(100), num1)
	ctx := ctxT(t)

	r, err := e.RentFromBalance(ctx, "op-1", alice, num1, 30)
	if err != nil {
		t.Fatalf("RentFromBalance: %v", err)
	}
	wUntil := c.Now().Add(30 * 24 * time.Hour)
	if r.Price != domain.TON(10) || !r.Until.Equal(wUntil) {
		t.Errorf("receipt = %+v, want price 10 TON until %v", r, wUntil)
	}
	if got := balance(t, e, alice); got != domain.TON(90) {
		t.Errorf("balance = %s, want 90 TON", got)
	}
	n := mustNumber(t, e, num1)
	if n.Status() != domain.StatusRented || n.Renter() != alice {
		t.Errorf("number = %s by %d, want rented by alice", n.Status(), n.Renter())
	}

	t.Run("same op again is the same rental, charged once", func(t *testing.T) {
		r2, err := e.RentFromBalance(ctx, "op-1", alice, num1, 30)
		if err != nil || !r2.Until.Equal(r.Until) {
			t.Fatalf("retry = %+v, %v; want the first receipt", r2, err)
		}
		if got := balance(t, e, alice); got != domain.TON(90) {
			t.Errorf("balance after retry = %s, want 90 TON", got)
		}
	})
	t.Run("someone else cannot rent it", func(t *testing.T) {
		_, err := e.RentFromBalance(ctx, "op-2", bob, num1, 30)
		if !errors.Is(err, domain.ErrNotAvailable) {
			t.Fatalf("err = %v, want ErrNotAvailable", err)
		}
		if got := balance(t, e, bob); got != domain.TON(100) {
			t.Errorf("bob's balance = %s, want 100 TON untouched", got)
		}
	})
	t.Run("entry is completed", func(t *testing.T) {
		mustCheck(t, e)
		w, _ := e.Wallet(ctx, alice)
		x, ok := w.Entry("op-1")
		if !ok || x.Status != domain.EntryCompleted || x.Kind != domain.KindPurchase {
			t.Errorf("entry = %+v, %v; want a completed purchase", x, ok)
		}
	})
}

func TestEngine_RentRefusals(t *testing.T) {
	e := openTest(t, t.TempDir(), newClock(), nil)
	seed(t, e, domain.TON(5), num1)
	ctx := ctxT(t)
	tests := []struct {
		name   string
		number string
		days   int
		user   domain.UserID
		op     domain.OpID
		wErr   error
	}{
		{"insufficient funds", num1, 30, alice, "a", domain.ErrInsufficientFunds},
		{"unknown number", "+88899999999", 30, alice, "b", domain.ErrNumberNotFound},
		{"malformed number", "12345", 30, alice, "c", domain.ErrBadNumber},
		{"no such period", num1, 7, alice, "d", domain.ErrBadPeriod},
		{"no op id", num1, 30, alice, "", domain.ErrBadOp},
		{"bad user", num1, 30, -5, "e", domain.ErrBadUser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.RentFromBalance(ctx, tt.op, tt.user, tt.number, tt.days)
			if !errors.Is(err, tt.wErr) {
				t.Fatalf("err = %v, want %v", err, tt.wErr)
			}
			if n := mustNumber(t, e, num1); n.Status() != domain.StatusAvailable {
				t.Errorf("number became %s", n.Status())
			}
			if got := balance(t, e, alice); got != domain.TON(5) {
				t.Errorf("balance = %s, want 5 TON untouched", got)
			}
		})
	}
	var ife *domain.InsufficientFundsError
	_, err := e.RentFromBalance(ctx, "f", alice, num1, 30)
	if !errors.As(err, &ife) || ife.Need != domain.TON(10) {
		t.Errorf("err = %v, want InsufficientFundsError needing 10 TON", err)
	}
	mustCheck(t, e)
}

// The wallet's step of a purchase naming a number the directory does not
// have (a retry after the number's only trace was lost) gives the money
// back and answers why, instead of leaving the asker waiting.
func TestEngine_PurchaseOfANumberNobodyHasIsRefunded(t *testing.T) {
	e := openTest(t, t.TempDir(), newClock(), nil)
	depositT(t, e, alice, domain.TON(10))
	r := make(replyTo, 1)
	e.dir.route(nil, domain.KindWallet, walletID(alice), &debitForNumber{asker: asker{r}, op: "buy-1", user: alice,
		amount: domain.TONMoney(domain.TON(10)), number: "+88899999999", days: 30, purpose: purposeRent}, true)
	select {
	case res := <-r:
		if !errors.Is(res.err, domain.ErrNumberNotFound) {
			t.Fatalf("answered %v, %v; want ErrNumberNotFound", res.v, res.err)
		}
	case <-ctxT(t).Done():
		t.Fatal("the purchase was never answered")
	}
	if got := balance(t, e, alice); got != domain.TON(10) {
		t.Fatalf("alice has %s, want her 10 TON back", got)
	}
	if tot := mustCheck(t, e); tot.Processing != 0 {
		t.Fatalf("%d purchases still processing", tot.Processing)
	}
}

func TestEngine_RenewExtendsFromUntil(t *testing.T) {
	c := newClock()
	e := openTest(t, t.TempDir(), c, nil)
	seed(t, e, domain.TON(100), num1)
	ctx := ctxT(t)
	r, err := e.RentFromBalance(ctx, "rent", alice, num1, 30)
	if err != nil {
		t.Fatal(err)
	}
	c.Add(10 * 24 * time.Hour)
	r2, err := e.RenewFromBalance(ctx, "renew", alice, num1, 60)
	if err != nil {
		t.Fatalf("RenewFromBalance: %v", err)
	}
	if w := r.Until.Add(60 * 24 * time.Hour); !r2.Until.Equal(w) {
		t.Errorf("until = %v, want %v (from the old end, not from now)", r2.Until, w)
	}
	if got := balance(t, e, alice); got != domain.TON(100-10-18) {
		t.Errorf("balance = %s, want 72 TON", got)
	}
	if _, err := e.RenewFromBalance(ctx, "renew-bob", bob, num1, 30); !errors.Is(err, domain.ErrNotRenter) {
		t.Errorf("bob renewing: err = %v, want ErrNotRenter", err)
	}
	if got := balance(t, e, bob); got != domain.TON(100) {
		t.Errorf("bob charged: balance %s", got)
	}
	mustCheck(t, e)
}

func TestEngine_Transfer(t *testing.T) {
	c := newClock()
	e := openTest(t, t.TempDir(), c, nil)
	seed(t, e, domain.TON(100), num1)
	ctx := ctxT(t)
	r, err := e.RentFromBalance(ctx, "rent", alice, num1, 30)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.OfferTransfer(ctx, "t0", alice, num1, "@nobody"); !errors.Is(err, domain.ErrUnknownUser) {
		t.Errorf("offer to unknown: err = %v, want ErrUnknownUser", err)
	}
	if _, err := e.OfferTransfer(ctx, "t0", alice, num1, "@alice"); !errors.Is(err, domain.ErrSelfTransfer) {
		t.Errorf("offer to self: err = %v, want ErrSelfTransfer", err)
	}
	if _, err := e.OfferTransfer(ctx, "t1", alice, num1, "@bob"); err != nil {
		t.Fatalf("offer to @bob (username is case-insensitive): %v", err)
	}
	c.Add(time.Hour)
	n, err := e.AcceptTransfer(ctx, bob, num1)
	if err != nil {
		t.Fatalf("AcceptTransfer: %v", err)
	}
	if n.Renter() != bob || !n.Rental.Until.Equal(r.Until) {
		t.Errorf("after accept: renter %d until %v; want bob until %v", n.Renter(), n.Rental.Until, r.Until)
	}
	if _, err := e.AcceptTransfer(ctx, bob, num1); !errors.Is(err, domain.ErrNoTransfer) {
		t.Errorf("second accept: err = %v, want ErrNoTransfer", err)
	}
	if len(n.History) != 2 || n.History[0].User != alice || n.History[1].User != bob || n.History[0].To.IsZero() {
		t.Errorf("history = %+v, want alice (closed) then bob", n.History)
	}
	mustCheck(t, e)
}

func TestEngine_DepositOnceEver(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	e := openTest(t, dir, c, nil)
	seed(t, e, 0)
	ctx := ctxT(t)
	pay := domain.Payment{Tx: domain.TxID{Account: "EQx", LT: 42, Hash: "ab"}, Amount: domain.TON(3), User: alice}
	if _, err := e.Deposit(ctx, pay); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Deposit(ctx, pay); !errors.Is(err, domain.ErrDuplicateTx) {
		t.Fatalf("second deposit: err = %v, want ErrDuplicateTx", err)
	}
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	e2 := openTest(t, dir, c, nil)
	if _, err := e2.Deposit(ctx, pay); !errors.Is(err, domain.ErrDuplicateTx) {
		t.Fatalf("deposit after restart: err = %v, want ErrDuplicateTx", err)
	}
	if got := balance(t, e2, alice); got != domain.TON(3) {
		t.Errorf("balance = %s, want 3 TON", got)
	}
}

func TestEngine_ConcurrentRentersOneWinner(t *testing.T) {
	e := openTest(t, t.TempDir(), newClock(), nil)
	ctx := ctxT(t)
	const users, numbers = 40, 5
	var ids []string
	for i := 1; i <= numbers; i++ {
		ids = append(ids, fmt.Sprintf("+8881000000%d", i))
	}
	seed(t, e, 0, ids...)
	for u := 1; u <= users; u++ {
		if err := e.SeeUser(ctx, domain.User{ID: domain.UserID(5000 + u)}); err != nil {
			t.Fatal(err)
		}
		depositT(t, e, domain.UserID(5000+u), domain.TON(25))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := map[string][]domain.UserID{}
	for u := 1; u <= users; u++ {
		wg.Add(1)
		go func(u domain.UserID) {
			defer wg.Done()
			for i, id := range ids {
				_, err := e.RentFromBalance(ctx, domain.OpID(fmt.Sprintf("%d-%d", u, i)), u, id, 30)
				if err == nil {
					mu.Lock()
					won[id] = append(won[id], u)
					mu.Unlock()
				} else if !errors.Is(err, domain.ErrNotAvailable) && !errors.Is(err, domain.ErrInsufficientFunds) {
					t.Errorf("rent: %v", err)
				}
			}
		}(domain.UserID(5000 + u))
	}
	wg.Wait()
	for _, id := range ids {
		if len(won[id]) != 1 {
			t.Errorf("%s rented by %v, want exactly one renter", id, won[id])
		}
	}
	tot := mustCheck(t, e)
	if tot.Purchased != domain.TON(10*numbers) || tot.RentalPaid != tot.Purchased || tot.Processing != 0 {
		t.Errorf("totals = %+v, want %d purchases of 10 TON, all settled", tot, numbers)
	}
}

// A journal failure (an fsync error) is fatal: nothing may be acknowledged
// after it, replies still waiting fail, and new work is refused.
func TestEngine_JournalFailureStopsAcknowledging(t *testing.T) {
	var fatalErr error
	e := openTest(t, t.TempDir(), newClock(), func(o *Options) { o.OnFatal = func(err error) { fatalErr = err } })
	seed(t, e, domain.TON(100), num1)
	waiting := make(chan error, 1)
	e.durable.after(waiter{seq: e.store.LastSeq() + 1_000_000, fn: func(err error) { waiting <- err }})
	disk := errors.New("fdatasync: input/output error")
	e.fatal(disk)
	if err := <-waiting; !errors.Is(err, disk) {
		t.Errorf("waiting reply got %v, want the journal's error", err)
	}
	if fatalErr == nil {
		t.Error("OnFatal was not called")
	}
	if _, err := e.RentFromBalance(ctxT(t), "after", alice, num1, 30); !errors.Is(err, ErrClosed) {
		t.Errorf("rent after failure: err = %v, want ErrClosed", err)
	}
	if e.Ready() == nil {
		t.Error("Ready() = nil after a journal failure")
	}
}

// recordOnly journals a payment's record in its shard and stops there, as
// a crash between the record and the wallet's credit would leave it.
type recordOnly struct {
	asker
	pay domain.Payment
}

func (c *recordOnly) run(x *exec) {
	ev, err := x.e.state.(*domain.Payments).Receive(c.pay, x.now)
	if err == nil {
		_, err = x.emit(ev)
	}
	x.reply(c.r, nil, err)
}

// TestEngine_DepositAgainFinishesACreditACrashCut: a payment recorded but
// never credited (the crash came between the two entities' records) is
// credited when the watcher delivers it again, and only once.
func TestEngine_DepositAgainFinishesACreditACrashCut(t *testing.T) {
	c := newClock()
	dir := t.TempDir()
	e := openTest(t, dir, c, nil)
	ctx := ctxT(t)
	inv, err := e.OpenTopUpInvoice(ctx, "top-1", alice, domain.TON(3))
	if err != nil {
		t.Fatal(err)
	}
	pay := domain.Payment{Tx: domain.TxID{Account: "EQpayer", LT: 9, Hash: "cd"}, Amount: inv.Amount, Comment: inv.Code, At: c.Now()}
	if _, err := e.ask(ctx, domain.KindPayments, paymentShard(pay), false, func(r replyTo) command {
		return &recordOnly{asker{r}, pay}
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	e = openTest(t, dir, c, nil)
	if got := balance(t, e, alice); got != 0 {
		t.Fatalf("balance %v before the re-delivery", got)
	}
	for i := 0; i < 2; i++ { // delivered again, and again
		res, err := e.deliver(ctx, paymentShard(pay), pay)
		if err != nil || !res.Duplicate || res.Balance != domain.TON(3) {
			t.Fatalf("re-delivery %d: %+v, %v; want the duplicate answered with the credit made", i, res, err)
		}
	}
	if got := balance(t, e, alice); got != domain.TON(3) {
		t.Fatalf("balance %v, want the payment credited once", got)
	}
	mustCheck(t, e)
}
