package actors

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"allot/domain"
	"allot/persistence"
)

// dump encodes every entity's state, keyed by kind and id, to compare two
// engines byte for byte. Call after Drain.
func dump(t testing.TB, e *Engine) map[string][]byte {
	t.Helper()
	if err := e.Drain(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for k := range e.dir.held() {
		e.dir.each(k, func(en *entry, _ bool) {
			if en.state == nil {
				return
			}
			b, err := json.Marshal(en.state) // JSON sorts map keys, so equal states give equal bytes
			if err != nil {
				t.Fatal(err)
			}
			out[k.String()+"/"+en.id] = b
		})
	}
	return out
}

func sameState(t testing.TB, want, got map[string][]byte) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("entities: %d after restart, want %d", len(got), len(want))
	}
	for k, w := range want {
		if !bytes.Equal(w, got[k]) {
			t.Errorf("%s differs after restart", k)
		}
	}
}

// busy runs a mix of operations on a few numbers from a few users.
func busy(t testing.TB, e *Engine, tag string, rounds int) {
	t.Helper()
	ctx := ctxT(t)
	var wg sync.WaitGroup
	for _, u := range []domain.UserID{alice, bob} {
		wg.Add(1)
		go func(u domain.UserID) {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				op := domain.OpID(fmt.Sprintf("%s-%d-%d", tag, u, i))
				for _, n := range []string{num1, num2} {
					_, _ = e.RentFromBalance(ctx, op+"r", u, n, 30)
					_, _ = e.RenewFromBalance(ctx, op+"n", u, n, 30)
				}
				_, _ = e.Deposit(ctx, domain.Payment{Tx: domain.TxID{Account: tag, LT: uint64(i), Hash: fmt.Sprint(u)},
					Amount: domain.TON(11), User: u})
			}
		}(u)
	}
	wg.Wait()
}

func TestEngine_RestartRestoresExactState(t *testing.T) {
	for _, final := range []bool{true, false} {
		t.Run(fmt.Sprintf("final snapshot %v", final), func(t *testing.T) {
			dir, c := t.TempDir(), newClock()
			e := openTest(t, dir, c, func(o *Options) { o.NoFinalSnapshot = !final })
			seed(t, e, domain.TON(1000), num1, num2)
			busy(t, e, "a", 20)
			if _, err := e.Snapshot(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			busy(t, e, "b", 20)
			if _, err := e.AdjustBalance(ctxT(t), "adj", admin, alice, -domain.TON(1), "typo"); err != nil {
				t.Fatal(err)
			}
			want := dump(t, e)
			if err := e.Close(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			e2 := openTest(t, dir, c, nil)
			sameState(t, want, dump(t, e2))
			if got := e2.Recovery().Replayed; final && got != 0 || !final && got == 0 {
				t.Errorf("replayed %d records (final snapshot %v)", got, final)
			}
			mustCheck(t, e2)
		})
	}
}

// A snapshot taken while operations run must restore, with the journal
// after it, to exactly the state at the end: the fuzzy checkpoint.
func TestEngine_FuzzySnapshotUnderLoad(t *testing.T) {
	dir, c := t.TempDir(), newClock()
	e := openTest(t, dir, c, func(o *Options) { o.NoFinalSnapshot = true })
	seed(t, e, domain.TON(100000), num1, num2)
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; !stop.Load(); i++ {
			busy(t, e, fmt.Sprintf("l%d", i), 2)
		}
	}()
	for i := 0; i < 5; i++ {
		if _, err := e.Snapshot(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	<-done
	want := dump(t, e)
	if err := e.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	sameState(t, want, dump(t, openTest(t, dir, c, nil)))
}

// writeJournal appends records to a fresh data dir's journal, as a crashed
// engine would have left them.
func writeJournal(t testing.TB, dir string, recs ...domain.Record) {
	t.Helper()
	j, err := persistence.OpenJournal(persistence.JournalOptions{Dir: filepath.Join(dir, "journal")})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		b, err := domain.EncodeRecord(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := j.AppendSync(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestEngine_ResumesCutShortPurchase(t *testing.T) {
	now := newClock().Now()
	base := []domain.Record{
		{Kind: domain.KindNumber, ID: num1, Event: &domain.NumberAdded{ID: num1, At: now}},
		{Kind: domain.KindWallet, ID: "1001", Event: &domain.WalletCredited{Op: "tx:1", Kind: domain.KindRecharge, Amount: domain.TON(50), At: now}},
		// The crash came after the debit and before the number's confirmation.
		{Kind: domain.KindWallet, ID: "1001", Event: &domain.WalletDebited{Op: "p1", Kind: domain.KindPurchase,
			Amount: domain.TON(10), Status: domain.EntryProcessing, Ref: num1, Days: 30, Note: purposeRent, At: now}},
	}
	t.Run("number still free: the rental is completed", func(t *testing.T) {
		dir := t.TempDir()
		writeJournal(t, dir, base...)
		e := openTest(t, dir, newClock(), nil)
		mustCheck(t, e)
		if n := mustNumber(t, e, num1); n.Renter() != alice {
			t.Errorf("renter = %d, want alice", n.Renter())
		}
		w, _ := e.Wallet(ctxT(t), alice)
		if x, _ := w.Entry("p1"); x.Status != domain.EntryCompleted || w.Balance != domain.TON(40) {
			t.Errorf("entry %s, balance %s; want completed, 40 TON", x.Status, w.Balance)
		}
	})
	t.Run("number taken meanwhile: the money goes back", func(t *testing.T) {
		dir := t.TempDir()
		writeJournal(t, dir, append(base, // bob paid for it from his balance
			domain.Record{Kind: domain.KindWallet, ID: "1002", Event: &domain.WalletCredited{Op: "tx:2", Kind: domain.KindRecharge, Amount: domain.TON(10), At: now}},
			domain.Record{Kind: domain.KindWallet, ID: "1002", Event: &domain.WalletDebited{Op: "other", Kind: domain.KindPurchase,
				Amount: domain.TON(10), Status: domain.EntryCompleted, Ref: num1, Days: 30, Note: purposeRent, At: now}},
			domain.Record{Kind: domain.KindNumber, ID: num1, Event: &domain.NumberRented{
				Op: "other", User: bob, Days: 30, Price: domain.TON(10), Since: now, Until: now.Add(720 * time.Hour)}})...)
		e := openTest(t, dir, newClock(), nil)
		mustCheck(t, e)
		w, _ := e.Wallet(ctxT(t), alice)
		if x, _ := w.Entry("p1"); x.Status != domain.EntryFailed || w.Balance != domain.TON(50) {
			t.Errorf("entry %s, balance %s; want failed, 50 TON back", x.Status, w.Balance)
		}
	})
}

// panicky is a command whose handler panics, as a bug would.
type panicky struct{ r replyTo }

func (c *panicky) run(*exec)        { panic("boom") }
func (c *panicky) replier() replyTo { return c.r }

func TestEngine_PanicBecomesErrorReply(t *testing.T) {
	e := openTest(t, t.TempDir(), newClock(), nil)
	seed(t, e, domain.TON(100), num1)
	_, err := e.ask(ctxT(t), domain.KindNumber, num1, false, func(r replyTo) command { return &panicky{r} })
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("internal error")) {
		t.Fatalf("err = %v, want an internal error reply", err)
	}
	if _, err := e.RentFromBalance(ctxT(t), "after", alice, num1, 30); err != nil {
		t.Fatalf("the actor should go on after a panic: %v", err)
	}
}

func TestEngine_SchedulerRemindsAndExpires(t *testing.T) {
	c := newClock()
	var mu sync.Mutex
	var got []domain.Event
	e := openTest(t, t.TempDir(), c, func(o *Options) {
		o.Notify = func(n Notice) { mu.Lock(); got = append(got, n.Event); mu.Unlock() }
	})
	seed(t, e, domain.TON(100), num1)
	if _, err := e.RentFromBalance(ctxT(t), "r", alice, num1, 30); err != nil {
		t.Fatal(err)
	}
	step := func(d time.Duration) {
		c.Add(d)
		e.Advance()
		if err := e.Drain(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	}
	step(27*24*time.Hour + time.Minute) // 72 h before the end has passed
	step(2 * 24 * time.Hour)            // 24 h
	step(18 * time.Hour)                // 6 h
	step(5 * time.Hour)                 // 1 h
	step(2 * time.Hour)                 // over
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 5 })
	mu.Lock()
	defer mu.Unlock()
	for i := 0; i < 4; i++ {
		if r, ok := got[i].(*domain.ReminderDue); !ok || r.Step != i {
			t.Errorf("notice %d = %#v, want reminder step %d", i, got[i], i)
		}
	}
	if _, ok := got[4].(*domain.RentalExpired); !ok {
		t.Errorf("last notice = %#v, want RentalExpired", got[4])
	}
	if n := mustNumber(t, e, num1); n.Status() != domain.StatusExpired {
		t.Errorf("status = %s, want expired", n.Status())
	}
}

func TestEngine_PassivatesIdleEntities(t *testing.T) {
	e := openTest(t, t.TempDir(), newClock(), func(o *Options) { o.IdleTimeout = 20 * time.Millisecond })
	seed(t, e, domain.TON(100), num1, num2)
	waitFor(t, func() bool { return e.dir.active.Load() == 0 })
	if _, err := e.RentFromBalance(ctxT(t), "r", alice, num1, 30); err != nil {
		t.Fatalf("rent after passivation: %v", err)
	}
	waitFor(t, func() bool { return e.dir.active.Load() == 0 })
	if n := mustNumber(t, e, num1); n.Renter() != alice {
		t.Errorf("state lost across passivation: renter %d", n.Renter())
	}
	mustCheck(t, e)
}

func TestEngine_ClosedRefusesWork(t *testing.T) {
	e := openTest(t, t.TempDir(), newClock(), nil)
	if err := e.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Wallet(ctxT(t), alice); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: err = %v, want ErrClosed", err)
	}
}

// waitFor polls cond until it holds; the deadline is generous because
// this checks that something happens, not how fast.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 15 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A free number whose login codes were never set owes Fragment a chore
// that only Fragment can do. Without Fragment, a restart must not wake
// every such number: at a million numbers that was most of a start.
func TestEngine_RestartWithoutFragmentWakesNoFreeNumber(t *testing.T) {
	dir, c := t.TempDir(), newClock()
	e := openTest(t, dir, c, nil)
	seed(t, e, domain.TON(100), num1, num2)
	if ch := mustNumber(t, e, num1).Chore(c.Now()); !ch.Any() || ch.EndSessions || ch.CheckAccount {
		t.Fatalf("a fresh number should owe only its codes: %+v", ch)
	}
	if err := e.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	e = openTest(t, dir, c, func(o *Options) { o.IdleTimeout = time.Hour })
	if err := e.Drain(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if n := e.dir.active.Load(); n != 0 {
		t.Errorf("%d entities woken at start, want 0", n)
	}
}
