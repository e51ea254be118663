package actors

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"allot/domain"
)

// fakeAccounts plays the MTProto checker: each number answers the verdicts
// queued for it in turn (clean when none is left), or fails while fail > 0.
// It notes whether the number's login codes were on at each check, as a
// real sign-in needs them.
type fakeAccounts struct {
	mu       sync.Mutex
	frag     *fakeFragment
	verdicts map[string][]domain.AccountVerdict
	checks   map[string]int
	codesOff int // checks made while the number's codes were off
	fail     int
}

func newFakeAccounts(f *fakeFragment) *fakeAccounts {
	return &fakeAccounts{frag: f, verdicts: map[string][]domain.AccountVerdict{}, checks: map[string]int{}}
}

func (a *fakeAccounts) CheckAccount(_ context.Context, number string) (domain.AccountVerdict, error) {
	on, _ := a.frag.state(number)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail > 0 {
		a.fail--
		return domain.AccountVerdict{}, errors.New("mtproto: no code arrived")
	}
	a.checks[number]++
	if !on {
		a.codesOff++
	}
	q := a.verdicts[number]
	if len(q) == 0 {
		return domain.AccountVerdict{Outcome: domain.AccountClean}, nil
	}
	a.verdicts[number] = q[1:]
	return q[0], nil
}

func (a *fakeAccounts) queue(number string, v ...domain.AccountVerdict) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.verdicts[number] = append(a.verdicts[number], v...)
}

func (a *fakeAccounts) count(number string) (checks, codesOff int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.checks[number], a.codesOff
}

func accountEngine(t *testing.T, dir string, c *clock, f *fakeFragment, a AccountChecker, notify func(Notice)) *Engine {
	t.Helper()
	return openTest(t, dir, c, func(o *Options) {
		o.Fragment, o.Accounts, o.HandoverBackoff, o.HandoverAlertAfter, o.Notify = f, a, time.Millisecond, 3, notify
	})
}

// rentAndCancel rents num1 to alice and has the admin cancel it: the
// number comes back and owes an account check.
func rentAndCancel(t *testing.T, e *Engine) {
	t.Helper()
	ctx := ctxT(t)
	if _, err := e.RentFromBalance(ctx, "tg:1001:rent", alice, num1, 30); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CancelRental(ctx, "tg:1:cancel", admin, num1, 0); err != nil {
		t.Fatal(err)
	}
}

func TestAccount_CleanAccountIsCheckedBeforeTheNumberIsOffered(t *testing.T) {
	c, f := newClock(), newFakeFragment()
	a := newFakeAccounts(f)
	e := accountEngine(t, t.TempDir(), c, f, a, nil)
	seed(t, e, domain.TON(100), num1)
	rentAndCancel(t, e)
	if err := e.Drain(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	n := mustNumber(t, e, num1)
	if n.Account != nil || n.Status() != domain.StatusAvailable {
		t.Fatalf("account %+v, status %s; want checked and available", n.Account, n.Status())
	}
	checks, off := a.count(num1)
	if checks != 1 || off != 0 {
		t.Errorf("%d checks, %d with codes off; want one, with codes on", checks, off)
	}
	// Ended twice: for alice, and after the bot's own sign-in.
	if on, ended := f.state(num1); on || ended != 2 {
		t.Errorf("codes on %v, sessions ended %d times; want codes off again, sessions ended twice", on, ended)
	}
	if _, err := e.RentFromBalance(ctxT(t), "tg:1002:rent", bob, num1, 30); err != nil {
		t.Fatalf("bob renting the checked number: %v", err)
	}
	mustCheck(t, e)
}

func TestAccount_CloudPasswordBlocksUntilTheDeletionFinishes(t *testing.T) {
	c, f := newClock(), newFakeFragment()
	a := newFakeAccounts(f)
	var mu sync.Mutex
	var told []domain.Event
	e := accountEngine(t, t.TempDir(), c, f, a, func(n Notice) { mu.Lock(); told = append(told, n.Event); mu.Unlock() })
	seed(t, e, domain.TON(100), num1)
	until := c.Now().Add(7 * 24 * time.Hour)
	a.queue(num1, domain.AccountVerdict{Outcome: domain.AccountDeletionPending, Until: until},
		domain.AccountVerdict{Outcome: domain.AccountDeleted})
	rentAndCancel(t, e)
	if err := e.Drain(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	n := mustNumber(t, e, num1)
	if !n.Blocked || !strings.Contains(n.Reason, until.UTC().Format("2006-01-02")) || n.Account == nil || !n.Account.DeleteAt.Equal(until) {
		t.Fatalf("blocked %v (%q), account %+v; want blocked until %s with the date shown", n.Blocked, n.Reason, n.Account, until)
	}
	if un := e.UncheckedNumbers(ctxT(t)); len(un) != 1 || !un[0].DeleteAt.Equal(until) {
		t.Errorf("unchecked list %+v, want num1 with its deletion date", un)
	}
	if on, _ := f.state(num1); on {
		t.Error("login codes left on while the deletion waits")
	}
	if _, err := e.RentFromBalance(ctxT(t), "tg:1002:rent", bob, num1, 30); !errors.Is(err, domain.ErrBlocked) {
		t.Fatalf("bob rented a number whose account is locked: %v", err)
	}
	mu.Lock()
	if len(told) != 1 {
		t.Errorf("admins told %d times (%#v), want once", len(told), told)
	}
	mu.Unlock()

	c.Add(7*24*time.Hour + time.Minute) // the wait is over: the scheduler wakes the number
	e.Advance()
	if err := e.Drain(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the deletion finished", func() bool { return mustNumber(t, e, num1).Account == nil })
	if n := mustNumber(t, e, num1); n.Blocked || n.Status() != domain.StatusAvailable {
		t.Errorf("blocked %v (%q), status %s after the deletion; want available", n.Blocked, n.Reason, n.Status())
	}
	if checks, off := a.count(num1); checks != 2 || off != 0 {
		t.Errorf("%d checks, %d with codes off; want two, with codes on", checks, off)
	}
	mustCheck(t, e)
}

func TestAccount_AnAdminsOwnBlockOutlivesTheCheck(t *testing.T) {
	c, f := newClock(), newFakeFragment()
	a := newFakeAccounts(f)
	e := accountEngine(t, t.TempDir(), c, f, a, nil)
	seed(t, e, domain.TON(100), num1)
	a.queue(num1, domain.AccountVerdict{Outcome: domain.AccountDeletionPending, Until: c.Now().Add(time.Hour)})
	if _, err := e.RentFromBalance(ctxT(t), "tg:1001:rent", alice, num1, 30); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Block(ctxT(t), admin, num1, "fraud"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CancelRental(ctxT(t), "tg:1:cancel", admin, num1, 0); err != nil {
		t.Fatal(err)
	}
	if err := e.Drain(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.MarkAccountChecked(ctxT(t), admin, num1); err != nil {
		t.Fatal(err)
	}
	if n := mustNumber(t, e, num1); !n.Blocked || n.Reason != "fraud" || n.Account != nil {
		t.Errorf("blocked %v (%q), account %+v; want the admin's block kept, the check done", n.Blocked, n.Reason, n.Account)
	}
	if _, err := e.MarkAccountChecked(ctxT(t), admin, num1); !errors.Is(err, domain.ErrNoAccountCheck) {
		t.Errorf("second mark: %v, want ErrNoAccountCheck", err)
	}
}

func TestAccount_WithoutMTProtoTheAdminsCheck(t *testing.T) {
	for _, withFragment := range []bool{true, false} {
		name := map[bool]string{true: "fragment only", false: "no fragment"}[withFragment]
		t.Run(name, func(t *testing.T) {
			c, f := newClock(), newFakeFragment()
			e := openTest(t, t.TempDir(), c, func(o *Options) {
				if withFragment {
					o.Fragment, o.HandoverBackoff = f, time.Millisecond
				}
			})
			seed(t, e, domain.TON(100), num1)
			rentAndCancel(t, e)
			if err := e.Drain(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			n := mustNumber(t, e, num1)
			if n.Status() != domain.StatusAvailable || n.Account == nil || !n.Account.Manual {
				t.Fatalf("status %s, account %+v; want offered, the check left to the admins", n.Status(), n.Account)
			}
			if un := e.UncheckedNumbers(ctxT(t)); len(un) != 1 || un[0].ID != num1 {
				t.Errorf("unchecked list %+v, want num1", un)
			}
			if _, err := e.MarkAccountChecked(ctxT(t), admin, num1); err != nil {
				t.Fatal(err)
			}
			if un := e.UncheckedNumbers(ctxT(t)); len(un) != 0 {
				t.Errorf("unchecked list %+v after the admin's check", un)
			}
			mustCheck(t, e)
		})
	}
}

func TestAccount_FailingChecksAreRetriedAndToldOnce(t *testing.T) {
	c, f := newClock(), newFakeFragment()
	a := newFakeAccounts(f)
	a.fail = 5
	var mu sync.Mutex
	var alerts int
	e := accountEngine(t, t.TempDir(), c, f, a, func(n Notice) {
		if _, ok := n.Event.(*domain.HandoverAlerted); ok {
			mu.Lock()
			alerts++
			mu.Unlock()
		}
	})
	seed(t, e, domain.TON(100), num1)
	rentAndCancel(t, e)
	eventually(t, "the check done after the failures", func() bool { return mustNumber(t, e, num1).Account == nil })
	if err := e.Drain(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if alerts != 1 {
		t.Errorf("admins told %d times, want once", alerts)
	}
}

func TestAccount_PendingDeletionSurvivesARestart(t *testing.T) {
	dir, c, f := t.TempDir(), newClock(), newFakeFragment()
	a := newFakeAccounts(f)
	until := c.Now().Add(7 * 24 * time.Hour)
	a.queue(num1, domain.AccountVerdict{Outcome: domain.AccountDeletionPending, Until: until})
	e := accountEngine(t, dir, c, f, a, nil)
	seed(t, e, domain.TON(100), num1)
	rentAndCancel(t, e)
	if err := e.Drain(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	c.Add(8 * 24 * time.Hour) // down over the date: recovery finds the check due
	e = accountEngine(t, dir, c, f, a, nil)
	eventually(t, "the deletion finished after the restart", func() bool { return mustNumber(t, e, num1).Account == nil })
	if n := mustNumber(t, e, num1); n.Blocked {
		t.Errorf("still blocked (%q)", n.Reason)
	}
	if checks, _ := a.count(num1); checks != 2 {
		t.Errorf("%d checks, want 2", checks)
	}
}

// floodErr is a checker's error that asks for a wait, as a flood wait does.
type floodErr struct{ wait time.Duration }

func (e floodErr) Error() string             { return "mtproto: flood wait" }
func (e floodErr) RetryAfter() time.Duration { return e.wait }

type floodingAccounts struct{ calls atomic.Int32 }

func (a *floodingAccounts) CheckAccount(context.Context, string) (domain.AccountVerdict, error) {
	a.calls.Add(1)
	return domain.AccountVerdict{}, fmt.Errorf("account check: %w", floodErr{time.Hour})
}

func TestAccount_AFloodWaitIsKeptTo(t *testing.T) {
	c, f := newClock(), newFakeFragment()
	a := &floodingAccounts{}
	e := accountEngine(t, t.TempDir(), c, f, a, nil)
	seed(t, e, domain.TON(100), num1)
	rentAndCancel(t, e)
	eventually(t, "the first check", func() bool { return a.calls.Load() == 1 })
	h := e.handovers
	eventually(t, "the next try scheduled", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return !h.due[num1].IsZero() && h.fails[num1] == 1
	})
	h.mu.Lock()
	next := h.due[num1]
	h.mu.Unlock()
	if wait := time.Until(next); wait < 59*time.Minute {
		t.Errorf("the next try in %v, want no sooner than the hour Telegram asked for", wait)
	}
}

// blockingAccounts holds every check until release is closed.
type blockingAccounts struct {
	started chan string
	release chan struct{}
}

func (a *blockingAccounts) CheckAccount(ctx context.Context, number string) (domain.AccountVerdict, error) {
	a.started <- number
	select {
	case <-a.release:
		return domain.AccountVerdict{Outcome: domain.AccountAbsent}, nil
	case <-ctx.Done():
		return domain.AccountVerdict{}, ctx.Err()
	}
}

// TestAccount_ASlowCheckHoldsUpNoOtherHandover: a check waits for a code
// for minutes; meanwhile another number's transfer has its giver's
// sessions ended all the same.
func TestAccount_ASlowCheckHoldsUpNoOtherHandover(t *testing.T) {
	c, f := newClock(), newFakeFragment()
	a := &blockingAccounts{started: make(chan string, 4), release: make(chan struct{})}
	e := accountEngine(t, t.TempDir(), c, f, a, nil)
	seed(t, e, domain.TON(100), num1, num2)
	rentAndCancel(t, e)
	if got := <-a.started; got != num1 {
		t.Fatalf("check of %s, want %s", got, num1)
	}
	ctx := ctxT(t)
	if _, err := e.RentFromBalance(ctx, "tg:1002:rent", bob, num2, 30); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OfferTransfer(ctx, "tg:1002:o", bob, num2, "@alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.AcceptTransfer(ctx, alice, num2); err != nil {
		t.Fatal(err)
	}
	eventually(t, "bob's sessions ended while num1's check waits", func() bool {
		_, ended := f.state(num2)
		return ended == 1 && mustNumber(t, e, num2).Handover == nil
	})
	if n := mustNumber(t, e, num1); n.Account == nil || n.Status() != domain.StatusHandover {
		t.Fatalf("num1 %s with account %+v: its check should still be running", n.Status(), n.Account)
	}
	close(a.release)
	if err := e.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if n := mustNumber(t, e, num1); n.Account != nil || n.Status() != domain.StatusAvailable {
		t.Errorf("num1 %s, account %+v after its check; want available", n.Status(), n.Account)
	}
	mustCheck(t, e)
}
