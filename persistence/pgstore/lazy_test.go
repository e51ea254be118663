package pgstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"allot/actors"
	"allot/domain"
	"allot/persistence/pgstore"
	"allot/persistence/pgstore/pgtest"
)

// The engine on PostgreSQL keeps wallets in the database until they are
// used: these tests restart it in every way a wallet's history can be
// split between its own snapshot, the events after it and the whole-state
// snapshots, and hold it to the money it had.

// lazyEngine opens the engine on the database at url, with o's options.
func lazyEngine(t *testing.T, url string, o actors.Options) *actors.Engine {
	t.Helper()
	o.Dir = t.TempDir()
	o.NoFinalSnapshot = true // every close is a crash unless a test snapshots first
	o.Store = func(h actors.StoreHooks) (actors.Store, error) {
		return pgstore.OpenEngine(context.Background(), url, pgstore.EngineOptions{
			OnSync: h.OnSync, OnFatal: h.OnFatal, Logger: h.Logger})
	}
	e, err := actors.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func closeEngine(t *testing.T, e *actors.Engine) {
	t.Helper()
	if err := e.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func deposit(t *testing.T, e *actors.Engine, user int, tag string) {
	t.Helper()
	_, err := e.Deposit(context.Background(), domain.Payment{Tx: domain.TxID{Account: tag, LT: uint64(user), Hash: "h"},
		Amount: domain.TON(10), User: domain.UserID(user), At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
}

func check(t *testing.T, e *actors.Engine) actors.Totals {
	t.Helper()
	if err := e.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	tot, err := e.Check()
	if err != nil {
		t.Fatal(err)
	}
	return tot
}

func balance(t *testing.T, e *actors.Engine, user int) domain.Nano {
	t.Helper()
	w, err := e.Wallet(context.Background(), domain.UserID(user))
	if err != nil {
		t.Fatal(err)
	}
	return domain.Nano(w.BalanceIn(domain.CurrencyTON).Units)
}

func snapshot(t *testing.T, e *actors.Engine) {
	t.Helper()
	if _, err := e.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A restart leaves the wallets in the database; Check still counts every
// one of them, and the first use of one loads it with the money it had,
// and it goes on from there.
func TestLazy_WalletsLoadOnFirstUse(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	e := lazyEngine(t, url, actors.Options{})
	if _, err := e.AddNumber(ctx, 0, "+88800000001"); err != nil {
		t.Fatal(err)
	}
	for u := 1; u <= 20; u++ {
		deposit(t, e, u, "a")
	}
	rc, err := e.RentFromBalance(ctx, "buy-1", 1, "+88800000001", 30)
	if err != nil {
		t.Fatal(err)
	}
	// Until its completion is written the wallet holds the purchase
	// (actors/completions.go), and a snapshot keeps such a wallet in memory.
	if err := e.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	snapshot(t, e)
	for u := 11; u <= 20; u++ { // after the snapshot: in the events only
		deposit(t, e, u, "b")
	}
	before := check(t, e)
	closeEngine(t, e)

	e = lazyEngine(t, url, actors.Options{})
	defer closeEngine(t, e)
	if n := e.Stats().Loaded; n != 0 {
		t.Fatalf("%d entities loaded by the restart; the wallets should wait in the database", n)
	}
	if after := check(t, e); after != before {
		t.Fatalf("totals after the restart %+v, before %+v", after, before)
	}
	if n := e.Stats().Loaded; n != 0 {
		t.Fatalf("Check loaded %d entities into memory", n)
	}
	if b := balance(t, e, 15); b != domain.TON(20) {
		t.Fatalf("user 15 has %v, want 20 TON", b)
	}
	if b := balance(t, e, 1); b != domain.TON(10)-rc.Price {
		t.Fatalf("user 1 has %v, want 10 TON less the %v rent", b, rc.Price)
	}
	if n := e.Stats().Loaded; n != 2 {
		t.Fatalf("%d entities loaded, want the 2 wallets read", n)
	}
	deposit(t, e, 15, "c") // appends after the loaded history: no fence trips
	if b := balance(t, e, 15); b != domain.TON(30) {
		t.Fatalf("user 15 has %v after a third deposit, want 30 TON", b)
	}
	if b := balance(t, e, 99); b != 0 {
		t.Fatalf("a user who never paid has %v", b)
	}
}

// A crash leaves wallets whose own snapshots are older than their events.
// Snapshots taken after it, with those wallets never loaded, compact the
// events: every event an own snapshot does not cover must stay.
func TestLazy_CompactionKeepsWhatNoOwnSnapshotCovers(t *testing.T) {
	url := pgtest.DB(t)
	o := actors.Options{SnapshotKeep: 1}
	e := lazyEngine(t, url, o)
	for u := 1; u <= 10; u++ {
		deposit(t, e, u, "a")
	}
	snapshot(t, e) // every wallet's own snapshot: 10 TON
	for u := 1; u <= 10; u++ {
		deposit(t, e, u, "b")
	}
	before := check(t, e)
	closeEngine(t, e) // no snapshot: the second deposits are events only

	e = lazyEngine(t, url, o)
	snapshot(t, e)
	snapshot(t, e)
	closeEngine(t, e)

	e = lazyEngine(t, url, o)
	defer closeEngine(t, e)
	if after := check(t, e); after != before {
		t.Fatalf("totals after compaction %+v, before %+v", after, before)
	}
	for u := 1; u <= 10; u++ {
		if b := balance(t, e, u); b != domain.TON(20) {
			t.Fatalf("user %d has %v after compaction, want 20 TON", u, b)
		}
	}
}

// A purchase a crash left processing, its wallet not in the whole-state
// snapshot: the replay finds the debit, loads the wallet, and recovery
// finishes the purchase.
func TestLazy_ResumesAPurchaseLeftProcessing(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	e := lazyEngine(t, url, actors.Options{})
	for _, n := range []string{"+88800000001", "+88800000002"} {
		if _, err := e.AddNumber(ctx, 0, n); err != nil {
			t.Fatal(err)
		}
	}
	deposit(t, e, 7, "a")
	deposit(t, e, 7, "b")
	rc, err := e.RentFromBalance(ctx, "buy-1", 7, "+88800000001", 30)
	if err != nil {
		t.Fatal(err)
	}
	snapshot(t, e)
	closeEngine(t, e)

	// What a crash between the wallet's debit and the number's step
	// leaves: the debit, written after the snapshot, and nothing more.
	pg, err := pgstore.OpenEngine(ctx, url, pgstore.EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := pg.LoadEntity(ctx, domain.KindWallet, "7")
	if err != nil {
		t.Fatal(err)
	}
	last := h.Seq
	if n := len(h.Records); n > 0 {
		last = h.Records[n-1].Seq
	}
	payload, err := domain.EncodeRecord(domain.Record{Kind: domain.KindWallet, ID: "7", Event: &domain.WalletDebited{
		Op: "buy-2", Kind: domain.KindPurchase, Amount: rc.Price, Status: domain.EntryProcessing,
		Ref: "+88800000002", Days: 30, Note: "rent", At: time.Now().UTC()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.WaitDurable(ctx, pg.Append(domain.KindWallet, "7", last, payload)); err != nil {
		t.Fatal(err)
	}
	if err := pg.Close(); err != nil {
		t.Fatal(err)
	}

	e = lazyEngine(t, url, actors.Options{})
	defer closeEngine(t, e)
	tot := check(t, e)
	if tot.Processing != 0 || tot.Rented != 2 {
		t.Fatalf("after recovery: %d processing, %d rented; want the purchase finished (0, 2)", tot.Processing, tot.Rented)
	}
	if b := balance(t, e, 7); b != domain.TON(20)-2*rc.Price {
		t.Fatalf("user 7 has %v, want 20 TON less two rents of %v", b, rc.Price)
	}
}

// Idle wallets whose own snapshots hold them leave memory, and come back
// with their money when used.
func TestLazy_IdleWalletsLeaveMemory(t *testing.T) {
	url := pgtest.DB(t)
	e := lazyEngine(t, url, actors.Options{IdleTimeout: 20 * time.Millisecond})
	defer closeEngine(t, e)
	const users = 30
	for u := 1; u <= users; u++ {
		deposit(t, e, u, "a")
	}
	snapshot(t, e) // their own snapshots: now they may go
	deadline := time.Now().Add(20 * time.Second)
	for e.Stats().Evicted < users && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := e.Stats().Evicted; n < users {
		t.Fatalf("%d wallets left memory, want %d", n, users)
	}
	for u := 1; u <= users; u++ {
		if b := balance(t, e, u); b != domain.TON(10) {
			t.Fatalf("user %d has %v after leaving memory, want 10 TON", u, b)
		}
	}
	if n := e.Stats().Loaded; n < users {
		t.Fatalf("%d wallets loaded back, want %d", n, users)
	}
	if tot := check(t, e); tot.Wallets != users || tot.Balances != users*domain.TON(10) {
		t.Fatalf("totals %+v", tot)
	}
}

// A data directory copied in (allot migrate) is a snapshot that holds every
// wallet: a restart from it replays the wallets' events after it rather
// than skipping them as if each wallet were in the database on its own.
func TestLazy_ASnapshotHoldingEveryWalletIsReplayedWhole(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	files, err := actors.Open(actors.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	deposit(t, files, 5, "a")
	closeEngine(t, files) // its final snapshot holds the wallet

	url := pgtest.DB(t)
	src, err := actors.OpenFileStore(actors.Options{Dir: dir}, actors.StoreHooks{})
	if err != nil {
		t.Fatal(err)
	}
	dst, err := pgstore.OpenEngine(ctx, url, pgstore.EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := actors.CopyState(ctx, src, dst); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(src.Close(), dst.Close()); err != nil {
		t.Fatal(err)
	}

	e := lazyEngine(t, url, actors.Options{})
	deposit(t, e, 5, "b") // an event after the copied snapshot
	closeEngine(t, e)     // and no snapshot of the database's own

	e = lazyEngine(t, url, actors.Options{})
	defer closeEngine(t, e)
	if b := balance(t, e, 5); b != domain.TON(20) {
		t.Fatalf("user 5 has %v after a restart from the copied snapshot, want 20 TON", b)
	}
}
