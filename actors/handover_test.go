package actors

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"allot/domain"
)

// fakeFragment records what the hand-over asked of Fragment; fail makes
// the next calls fail.
type fakeFragment struct {
	mu    sync.Mutex
	codes map[string]bool
	ended map[string]int
	calls int
	fail  int // calls still to fail
}

func newFakeFragment() *fakeFragment {
	return &fakeFragment{codes: map[string]bool{}, ended: map[string]int{}}
}

var errFragmentDown = errors.New("fragment: unavailable")

func (f *fakeFragment) call() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail > 0 {
		f.fail--
		return errFragmentDown
	}
	return nil
}

func (f *fakeFragment) TerminateSessions(_ context.Context, number string) error {
	if err := f.call(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ended[number]++
	return nil
}

func (f *fakeFragment) SetLoginCodes(_ context.Context, number string, on bool) error {
	if err := f.call(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.codes[number] = on
	return nil
}

func (f *fakeFragment) state(number string) (codes bool, ended int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.codes[number], f.ended[number]
}

// eventually polls cond until it holds or ten seconds pass: the worker is
// a goroutine of its own (no timed assertion: the bound only ends a hang).
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("never: %s", what)
}

func handoverEngine(t *testing.T, dir string, c *clock, f *fakeFragment, notify func(Notice)) *Engine {
	t.Helper()
	return openTest(t, dir, c, func(o *Options) {
		o.Fragment, o.HandoverBackoff, o.HandoverAlertAfter, o.Notify = f, time.Millisecond, 3, notify
	})
}

func TestHandover_ExpiryEndsSessionsBeforeTheNumberIsOffered(t *testing.T) {
	c, f := newClock(), newFakeFragment()
	e := handoverEngine(t, t.TempDir(), c, f, nil)
	seed(t, e, domain.TON(100), num1)
	ctx := ctxT(t)
	if _, err := e.RentFromBalance(ctx, "tg:1001:rent", alice, num1, 30); err != nil {
		t.Fatal(err)
	}
	eventually(t, "login codes on for the renter", func() bool { on, _ := f.state(num1); return on })
	f.mu.Lock()
	f.fail = 1 << 30 // Fragment down: the hand-over must wait for it
	f.mu.Unlock()
	c.Add(31 * 24 * time.Hour)
	e.Advance()
	eventually(t, "the expiry", func() bool { return mustNumber(t, e, num1).Handover != nil })
	if _, err := e.Reclaim(ctx, admin, num1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.RentFromBalance(ctx, "tg:1002:rent", bob, num1, 30); !errors.Is(err, domain.ErrNotAvailable) {
		t.Fatalf("bob rented before alice's sessions were ended: %v", err)
	}
	if st := mustNumber(t, e, num1).Status(); st != domain.StatusHandover {
		t.Errorf("status %s, want handover", st)
	}
	f.mu.Lock()
	f.fail = 0
	f.mu.Unlock()
	eventually(t, "alice's sessions ended", func() bool { return mustNumber(t, e, num1).Handover == nil })
	if on, ended := f.state(num1); on || ended != 1 {
		t.Errorf("codes on %v, sessions ended %d times; want off, once", on, ended)
	}
	if _, err := e.RentFromBalance(ctx, "tg:1002:rent", bob, num1, 30); err != nil {
		t.Fatalf("bob renting after the hand-over: %v", err)
	}
	mustCheck(t, e)
}

func TestHandover_TransferEndsTheGiversSessions(t *testing.T) {
	c, f := newClock(), newFakeFragment()
	e := handoverEngine(t, t.TempDir(), c, f, nil)
	seed(t, e, domain.TON(100), num1)
	ctx := ctxT(t)
	if _, err := e.RentFromBalance(ctx, "tg:1001:rent", alice, num1, 30); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OfferTransfer(ctx, "tg:1001:o", alice, num1, "@bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.AcceptTransfer(ctx, bob, num1); err != nil {
		t.Fatal(err)
	}
	eventually(t, "alice's sessions ended", func() bool { _, n := f.state(num1); return n == 1 })
	eventually(t, "the hand-over recorded", func() bool { return mustNumber(t, e, num1).Handover == nil })
	if on, _ := f.state(num1); !on {
		t.Error("codes off after a transfer: bob cannot log in")
	}
	if _, err := e.AuthorizeLoginCode(ctx, alice, num1); !errors.Is(err, domain.ErrNotRenter) {
		t.Errorf("alice reading codes after giving the number away: %v", err)
	}
	if _, err := e.AuthorizeLoginCode(ctx, bob, num1); err != nil {
		t.Errorf("bob reading codes: %v", err)
	}
	mustCheck(t, e)
}

func TestHandover_KeepsFailingTellsTheAdminsOnce(t *testing.T) {
	c, f := newClock(), newFakeFragment()
	var mu sync.Mutex
	var alerts []Notice
	notify := func(n Notice) {
		if _, ok := n.Event.(*domain.HandoverAlerted); ok {
			mu.Lock()
			alerts = append(alerts, n)
			mu.Unlock()
		}
	}
	e := handoverEngine(t, t.TempDir(), c, f, notify)
	seed(t, e, domain.TON(100), num1)
	ctx := ctxT(t)
	if _, err := e.RentFromBalance(ctx, "tg:1001:rent", alice, num1, 30); err != nil {
		t.Fatal(err)
	}
	eventually(t, "codes on", func() bool { on, _ := f.state(num1); return on })
	f.mu.Lock()
	f.fail = 12 // four alert thresholds' worth
	f.mu.Unlock()
	if _, err := e.CancelRental(ctx, "tg:1:u5", admin, num1, 0); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the hand-over done once Fragment answers", func() bool { return mustNumber(t, e, num1).Handover == nil })
	mu.Lock()
	defer mu.Unlock()
	if len(alerts) != 1 || alerts[0].Number != num1 {
		t.Errorf("admins told %d times (%+v), want once", len(alerts), alerts)
	}
}

// TestHandover_ResumesAfterACrash: the journal holds a rental's end and no
// hand-over: the engine that opens it ends the sessions.
func TestHandover_ResumesAfterACrash(t *testing.T) {
	now := newClock().Now()
	dir := t.TempDir()
	writeJournal(t, dir,
		domain.Record{Kind: domain.KindNumber, ID: num1, Event: &domain.NumberAdded{ID: num1, At: now}},
		domain.Record{Kind: domain.KindWallet, ID: "1001", Event: &domain.WalletCredited{Op: "tx:1", Kind: domain.KindRecharge, Amount: domain.TON(10), At: now}},
		domain.Record{Kind: domain.KindWallet, ID: "1001", Event: &domain.WalletDebited{Op: "p1", Kind: domain.KindPurchase,
			Amount: domain.TON(10), Status: domain.EntryCompleted, Ref: num1, Days: 30, Note: purposeRent, At: now}},
		domain.Record{Kind: domain.KindNumber, ID: num1, Event: &domain.NumberRented{Op: "p1", User: alice, Days: 30,
			Price: domain.TON(10), Since: now, Until: now.Add(720 * time.Hour)}},
		domain.Record{Kind: domain.KindNumber, ID: num1, Event: &domain.RentalExpired{At: now.Add(720 * time.Hour)}})
	f := newFakeFragment()
	e := handoverEngine(t, dir, newClock(), f, nil)
	eventually(t, "the sessions ended after the restart", func() bool { return mustNumber(t, e, num1).Handover == nil })
	if _, ended := f.state(num1); ended != 1 {
		t.Errorf("sessions ended %d times, want once", ended)
	}
	mustCheck(t, e)
}

// TestHandover_RelayOffSkips: without Fragment a hand-over is recorded as
// skipped in the same turn, and the number is offered as before.
func TestHandover_RelayOffSkips(t *testing.T) {
	c := newClock()
	e := openTest(t, t.TempDir(), c, nil)
	seed(t, e, domain.TON(100), num1)
	ctx := ctxT(t)
	if _, err := e.RentFromBalance(ctx, "tg:1001:rent", alice, num1, 30); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CancelRental(ctx, "tg:1:u1", admin, num1, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := e.RentFromBalance(ctx, "tg:1002:rent", bob, num1, 30); err != nil {
		t.Fatalf("renting again with the relay off: %v", err)
	}
	mustCheck(t, e)
}

// TestRefund_ResumedAfterACrash: the journal holds an admin's cancel with
// its refund and no wallet credit (the crash came between): the engine that
// opens it credits the refund once.
func TestRefund_ResumedAfterACrash(t *testing.T) {
	now := newClock().Now()
	dir := t.TempDir()
	writeJournal(t, dir,
		domain.Record{Kind: domain.KindNumber, ID: num1, Event: &domain.NumberAdded{ID: num1, At: now}},
		domain.Record{Kind: domain.KindWallet, ID: "1001", Event: &domain.WalletCredited{Op: "tx:1", Kind: domain.KindRecharge, Amount: domain.TON(10), At: now}},
		domain.Record{Kind: domain.KindWallet, ID: "1001", Event: &domain.WalletDebited{Op: "p1", Kind: domain.KindPurchase,
			Amount: domain.TON(10), Status: domain.EntryCompleted, Ref: num1, Days: 30, Note: purposeRent, At: now}},
		domain.Record{Kind: domain.KindNumber, ID: num1, Event: &domain.NumberRented{Op: "p1", User: alice, Days: 30,
			Price: domain.TON(10), Since: now, Until: now.Add(720 * time.Hour)}},
		domain.Record{Kind: domain.KindNumber, ID: num1, Event: &domain.RentalCancelled{Op: "c1", Renter: alice,
			Refund: domain.TON(4), At: now.Add(time.Hour)}})
	for range 2 { // and a second start credits nothing more
		e := openTest(t, dir, newClock(), nil)
		eventually(t, "the refund credited", func() bool { return len(mustNumber(t, e, num1).Refunds) == 0 })
		if got := balance(t, e, alice); got != domain.TON(4) {
			t.Fatalf("balance %s, want the 4 TON refund once", got)
		}
		mustCheck(t, e)
		if err := e.Close(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	}
}

// doubtfulFragment switches codes on and then loses the answer.
type doubtfulFragment struct{ *fakeFragment }

func (f doubtfulFragment) SetLoginCodes(ctx context.Context, number string, on bool) error {
	_ = f.fakeFragment.SetLoginCodes(ctx, number, on)
	if on {
		return errFragmentDown // applied at Fragment, but the answer was lost
	}
	return nil
}

// TestHandover_CodesSwitchedButTheAnswerLost: Fragment switched the codes
// on and the answer was lost; the rental then ends. The codes must still
// end up off: the record said "in doubt", not "off".
func TestHandover_CodesSwitchedButTheAnswerLost(t *testing.T) {
	c, f := newClock(), newFakeFragment()
	e := openTest(t, t.TempDir(), c, func(o *Options) {
		o.Fragment, o.HandoverBackoff = doubtfulFragment{f}, time.Hour // no retry during the test
	})
	seed(t, e, domain.TON(100), num1)
	ctx := ctxT(t)
	if _, err := e.RentFromBalance(ctx, "tg:1001:rent", alice, num1, 30); err != nil {
		t.Fatal(err)
	}
	eventually(t, "codes switched on at Fragment, and the lost answer counted as a failure", func() bool {
		on, _ := f.state(num1)
		e.handovers.mu.Lock()
		defer e.handovers.mu.Unlock()
		return on && e.handovers.fails[num1] > 0
	})
	if _, err := e.CancelRental(ctx, "tg:1:u1", admin, num1, 0); err != nil {
		t.Fatal(err)
	}
	e.handovers.mu.Lock()
	e.handovers.due[num1] = time.Time{} // past the backoff: look now
	e.handovers.mu.Unlock()
	e.handovers.poke(num1)
	eventually(t, "codes off at Fragment", func() bool { on, _ := f.state(num1); return !on })
	eventually(t, "the hand-over done", func() bool { return mustNumber(t, e, num1).Handover == nil })
	mustCheck(t, e)
}

// A number poked while the worker was finding it owed nothing (a rent just
// after the worker's look) stays due; one nobody poked is settled.
func TestHandovers_PokeDuringWorkIsNotLost(t *testing.T) {
	h := &handovers{now: time.Now, due: map[string]time.Time{}, fails: map[string]int{}, pokes: map[string]uint64{},
		kick: make(chan struct{}, 1)}
	h.poke(num1)
	seen := h.pokes[num1] // the worker's look begins
	h.poke(num1)          // a rent meanwhile
	h.settleUnpoked(num1, seen)
	if _, due := h.due[num1]; !due {
		t.Fatal("a poke during the worker's look was lost")
	}
	h.settleUnpoked(num1, h.pokes[num1])
	if _, due := h.due[num1]; due {
		t.Fatal("a number nobody poked again stayed due")
	}
}
