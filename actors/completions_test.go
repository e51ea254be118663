package actors

import (
	"context"
	"testing"
	"time"

	"allot/domain"
)

// entryStatus reads the status of the wallet entry op of u.
func entryStatus(t *testing.T, e *Engine, u domain.UserID, op domain.OpID) domain.EntryStatus {
	t.Helper()
	w, err := e.Wallet(ctxT(t), u)
	if err != nil {
		t.Fatal(err)
	}
	x, ok := w.Entry(op)
	if !ok {
		t.Fatalf("wallet %d has no entry %s", u, op)
	}
	return x.Status
}

func TestCompletions_RideInTheWalletsNextDebit(t *testing.T) {
	dir := t.TempDir()
	e := openTest(t, dir, newClock(), nil)
	e.completions.delay = time.Hour // only a debit, Drain or Close writes them
	seed(t, e, domain.TON(100), num1)
	ctx := ctxT(t)
	if _, err := e.RentFromBalance(ctx, "rent-1", alice, num1, 30); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return e.dir.inflight() == 0 })
	before := e.store.LastSeq()
	if _, err := e.RenewFromBalance(ctx, "renew-1", alice, num1, 30); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return e.dir.inflight() == 0 })
	// The renewal's debit and the number's renewal; the rent's completion
	// rode in the debit, and the renewal's own waits.
	if n := e.store.LastSeq() - before; n != 2 {
		t.Errorf("a renewal wrote %d records, want 2", n)
	}
	if s := entryStatus(t, e, alice, "rent-1"); s != domain.EntryCompleted {
		t.Errorf("rent-1 is %s, want completed", s)
	}
	if s := entryStatus(t, e, alice, "renew-1"); s != domain.EntryProcessing {
		t.Errorf("renew-1 is %s before any flush, want processing", s)
	}
	if err := e.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if s := entryStatus(t, e, alice, "renew-1"); s != domain.EntryCompleted {
		t.Errorf("renew-1 is %s after Drain, want completed", s)
	}
	if err := e.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	e = openTest(t, dir, newClock(), nil)
	if t1 := mustCheck(t, e); t1.Processing != 0 {
		t.Errorf("%d purchases processing after the restart", t1.Processing)
	}
	for _, op := range []domain.OpID{"rent-1", "renew-1"} {
		if s := entryStatus(t, e, alice, op); s != domain.EntryCompleted {
			t.Errorf("after the restart %s is %s, want completed", op, s)
		}
	}
}

func TestCompletions_CloseWritesThem(t *testing.T) {
	dir := t.TempDir()
	e := openTest(t, dir, newClock(), nil)
	e.completions.delay = time.Hour
	seed(t, e, domain.TON(100), num1)
	if _, err := e.RentFromBalance(ctxT(t), "rent-1", alice, num1, 30); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Recovery would complete it too, but only after a read: the wallet
	// is read before anything else could have written it.
	e = openTest(t, dir, newClock(), func(o *Options) { o.NoFinalSnapshot = true })
	e.completions.delay = time.Hour
	if s := entryStatus(t, e, alice, "rent-1"); s != domain.EntryCompleted {
		t.Errorf("rent-1 is %s after a clean restart, want completed", s)
	}
}

func TestCompletions_LostWithACrashAreResumed(t *testing.T) {
	now := newClock().Now()
	rent := &domain.WalletDebited{Op: "p1", Kind: domain.KindPurchase, Amount: domain.TON(10),
		Status: domain.EntryProcessing, Ref: num1, Days: 30, Note: purposeRent, At: now}
	dir := t.TempDir()
	// The crash came after the number applied the rent, before the
	// wallet wrote its completion.
	writeJournal(t, dir,
		domain.Record{Kind: domain.KindNumber, ID: num1, Event: &domain.NumberAdded{ID: num1, At: now}},
		domain.Record{Kind: domain.KindWallet, ID: "1001", Event: &domain.WalletCredited{Op: "tx:1", Kind: domain.KindRecharge, Amount: domain.TON(50), At: now}},
		domain.Record{Kind: domain.KindWallet, ID: "1001", Event: rent},
		domain.Record{Kind: domain.KindNumber, ID: num1, Event: &domain.NumberRented{
			Op: "p1", User: alice, Days: 30, Price: domain.TON(10), Since: now, Until: now.Add(720 * time.Hour)}})
	e := openTest(t, dir, newClock(), nil)
	if t1 := mustCheck(t, e); t1.Processing != 0 {
		t.Errorf("%d purchases processing after recovery", t1.Processing)
	}
	w, _ := e.Wallet(ctxT(t), alice)
	if x, _ := w.Entry("p1"); x.Status != domain.EntryCompleted || w.Balance != domain.TON(40) {
		t.Errorf("p1 %s, balance %s; want completed, 40 TON", x.Status, w.Balance)
	}
	n := mustNumber(t, e, num1)
	if want := now.Add(720 * time.Hour); !n.Rental.Until.Equal(want) {
		t.Errorf("rental until %v, want %v: the rent was applied twice", n.Rental.Until, want)
	}
}

// TestCompletions_NegativeDelayWritesEachAtOnce: Options.CompletionDelay
// below zero turns the deferral off, for engines whose clock runs faster
// than a number's memory of its purchases allows (Options); a rent's entry
// is then completed by the time its wallet is asked, with no flush.
func TestCompletions_NegativeDelayWritesEachAtOnce(t *testing.T) {
	e := openTest(t, t.TempDir(), newClock(), func(o *Options) { o.CompletionDelay = -1 })
	seed(t, e, domain.TON(100), num1)
	if _, err := e.RentFromBalance(ctxT(t), "rent-1", alice, num1, 30); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return e.dir.inflight() == 0 })
	if s := entryStatus(t, e, alice, "rent-1"); s != domain.EntryCompleted {
		t.Errorf("rent-1 is %s with the deferral off, want completed", s)
	}
	if ws := e.completions.wallets; len(ws) != 0 {
		t.Errorf("%d wallets wait for a flush with the deferral off", len(ws))
	}
}
