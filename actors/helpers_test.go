package actors

import (
	"context"
	"sync"
	"testing"
	"time"

	"allot/domain"
	"allot/persistence"
)

// clock is a test clock moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// openTest opens an engine in dir with a manual clock; it is closed when
// the test ends unless the test closed it.
func openTest(t testing.TB, dir string, c *clock, mod func(*Options)) *Engine {
	t.Helper()
	o := Options{Dir: dir, Fsync: persistence.FsyncOS, Clock: c.Now, ManualClock: true}
	if mod != nil {
		mod(&o)
	}
	e, err := Open(o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = e.Close(context.Background()) })
	return e
}

func ctxT(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

const (
	admin domain.UserID = 1
	alice domain.UserID = 1001
	bob   domain.UserID = 1002
	num1                = "+88800000001"
	num2                = "+88800000002"
)

var txSeq uint64

// seed adds numbers, users alice and bob, and gives each a balance.
func seed(t testing.TB, e *Engine, balance domain.Nano, numbers ...string) {
	t.Helper()
	ctx := ctxT(t)
	for _, n := range numbers {
		if _, err := e.AddNumber(ctx, admin, n); err != nil {
			t.Fatalf("AddNumber(%s): %v", n, err)
		}
	}
	for _, u := range []domain.UserID{alice, bob} {
		if err := e.SeeUser(ctx, domain.User{ID: u, Username: map[domain.UserID]string{alice: "alice", bob: "Bob"}[u]}); err != nil {
			t.Fatalf("SeeUser: %v", err)
		}
		if balance > 0 {
			depositT(t, e, u, balance)
		}
	}
}

func depositT(t testing.TB, e *Engine, u domain.UserID, amount domain.Nano) DepositResult {
	t.Helper()
	txSeq++
	r, err := e.Deposit(ctxT(t), domain.Payment{Tx: domain.TxID{Account: "test", LT: txSeq, Hash: "h"}, Amount: amount, User: u})
	if err != nil {
		t.Fatalf("Deposit: %v", err)
	}
	return r
}

func balance(t testing.TB, e *Engine, u domain.UserID) domain.Nano {
	t.Helper()
	w, err := e.Wallet(ctxT(t), u)
	if err != nil {
		t.Fatalf("Wallet: %v", err)
	}
	return w.Balance
}

func mustNumber(t testing.TB, e *Engine, id string) *domain.Number {
	t.Helper()
	n, err := e.Number(ctxT(t), id)
	if err != nil {
		t.Fatalf("Number(%s): %v", id, err)
	}
	return n
}

func mustCheck(t testing.TB, e *Engine) Totals {
	t.Helper()
	if err := e.Drain(ctxT(t)); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	tot, err := e.Check()
	if err != nil {
		t.Fatalf("invariants: %v", err)
	}
	return tot
}
