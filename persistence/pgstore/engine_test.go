package pgstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"allot/actors"
	"allot/actors/storetest"
	"allot/domain"
	"allot/persistence/pgstore"
	"allot/persistence/pgstore/pgtest"
)

var _ actors.EntityStore = (*pgstore.Engine)(nil)

// PostgreSQL keeps the engine's store contract, as the data directory does.
func TestEngine_StoreContract(t *testing.T) {
	storetest.Run(t, func(t testing.TB) storetest.Opener {
		url := pgtest.DB(t)
		return func(t testing.TB, h actors.StoreHooks) actors.Store {
			e, err := pgstore.OpenEngine(context.Background(), url, pgstore.EngineOptions{
				OnSync: h.OnSync, OnFatal: h.OnFatal, Logger: h.Logger, SnapshotPart: 4096})
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
	})
}

// Two engines on one database, as two members that both believe they own
// an entity: both append after the same event of it. Exactly one event goes
// in; the other engine stops, never counts its event durable, and refuses
// everything after.
func TestEngine_TwoActivationsOneWins(t *testing.T) {
	url := pgtest.DB(t)
	open := func() (*pgstore.Engine, chan error) {
		fatal := make(chan error, 1)
		e, err := pgstore.OpenEngine(context.Background(), url, pgstore.EngineOptions{OnFatal: func(err error) { fatal <- err }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = e.Close() })
		return e, fatal
	}
	a, fatalA := open()
	b, fatalB := open()
	ctx := context.Background()
	first := a.Append(domain.KindWallet, "7", 0, storetest.Record(t, 7, 1))
	if err := a.WaitDurable(ctx, first); err != nil {
		t.Fatal(err)
	}
	// Both now append the wallet's second event, after the first.
	sa := a.Append(domain.KindWallet, "7", first, storetest.Record(t, 7, 2))
	sb := b.Append(domain.KindWallet, "7", first, storetest.Record(t, 7, 3))
	errA, errB := a.WaitDurable(ctx, sa), b.WaitDurable(ctx, sb)
	if (errA == nil) == (errB == nil) {
		t.Fatalf("both or neither won: %v / %v", errA, errB)
	}
	loser, lost, fatal := b, sb, fatalB
	if errA != nil {
		loser, lost, fatal = a, sa, fatalA
	}
	if !errors.Is(loser.Err(), pgstore.ErrFenced) || loser.DurableSeq() >= lost {
		t.Fatalf("the loser: err %v, durable %d (its event %d)", loser.Err(), loser.DurableSeq(), lost)
	}
	select { // told right after the failure is recorded, on the writer's goroutine
	case <-fatal:
	case <-time.After(10 * time.Second):
		t.Fatal("the loser's engine was not told its store failed")
	}
	if loser.Append(domain.KindWallet, "8", 0, storetest.Record(t, 8, 1)) != 0 {
		t.Fatal("a failed store took another append")
	}
}

// Recovery hands every event over once and in order, across many of
// pgx's reads, and a replay that fails stops it, leaving the store usable.
func TestEngine_RecoverInOrderAndStops(t *testing.T) {
	url := pgtest.DB(t)
	e, err := pgstore.OpenEngine(context.Background(), url, pgstore.EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	const n = 5000
	var last uint64
	for i := range n {
		last = e.Append(domain.KindWallet, "7", last, storetest.Record(t, 7, int64(i+1)))
	}
	if err := e.WaitDurable(context.Background(), last); err != nil {
		t.Fatal(err)
	}
	var seen []uint64
	noRestore := func(uint64, []byte) error { return nil }
	info, err := e.Recover(noRestore, func(seq uint64, _ []byte) error { seen = append(seen, seq); return nil })
	if err != nil || info.Replayed != n || len(seen) != n || seen[0] != 1 || seen[n-1] != last {
		t.Fatalf("replayed %d (%d seen, %v…%v), err %v; want %d, 1…%d", info.Replayed, len(seen), seen[:1], seen[len(seen)-1:], err, n, last)
	}
	for i := 1; i < n; i++ {
		if seen[i] != seen[i-1]+1 {
			t.Fatalf("event %d after %d", seen[i], seen[i-1])
		}
	}
	stop := errors.New("stop here")
	_, err = e.Recover(noRestore, func(seq uint64, _ []byte) error {
		if seq == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("got %v, want the replay's error", err)
	}
	if err := e.WaitDurable(context.Background(), e.Append(domain.KindWallet, "8", 0, storetest.Record(t, 8, 1))); err != nil {
		t.Fatalf("an append after a stopped recovery: %v", err)
	}
}
