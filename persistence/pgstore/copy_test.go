package pgstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"allot/actors"
	"allot/domain"
	"allot/persistence"
	"allot/persistence/pgstore"
	"allot/persistence/pgstore/pgtest"
)

const (
	alice domain.UserID = 1001
	bob   domain.UserID = 1002
)

// fileEngine builds a data directory with numbers, balances, two rentals
// and a snapshot between them, and returns its totals.
func fileEngine(t *testing.T, dir string) actors.Totals {
	ctx := context.Background()
	e, err := actors.Open(actors.Options{Dir: dir, Fsync: persistence.FsyncOS})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"+88800000001", "+88800000002"} {
		if _, err := e.AddNumber(ctx, 1, n); err != nil {
			t.Fatal(err)
		}
	}
	for i, u := range []domain.UserID{alice, bob} {
		pay := domain.Payment{Tx: domain.TxID{Account: "EQshop", LT: uint64(i + 1), Hash: "h"}, Amount: domain.TON(100), User: u, At: time.Now()}
		if _, err := e.Deposit(ctx, pay); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.RentFromBalance(ctx, "r1", alice, "+88800000001", 30); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.RentFromBalance(ctx, "r2", bob, "+88800000002", 30); err != nil {
		t.Fatal(err)
	}
	if err := e.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	want, err := e.Check()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	return want
}

// A data directory is copied into PostgreSQL and checked; a second copy
// into the same database is refused; an engine on the database carries on
// from the copy, and a restart of it restores the same state again.
func TestCopyState_FilesIntoPostgres(t *testing.T) {
	dir, url := t.TempDir(), pgtest.DB(t)
	want := fileEngine(t, dir)
	ctx := context.Background()
	src, err := actors.OpenFileStore(actors.Options{Dir: dir, Fsync: persistence.FsyncOS}, actors.StoreHooks{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := pgstore.OpenEngine(ctx, url, pgstore.EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := actors.CopyState(ctx, src, dst)
	if err != nil {
		t.Fatalf("copy: %v", err)
	}
	if r.Totals != want || r.Entities["number"] != 2 || r.Entities["wallet"] != 2 {
		t.Fatalf("report %+v, want totals %+v with 2 numbers and 2 wallets", r, want)
	}
	if _, err := actors.CopyState(ctx, src, dst); !errors.Is(err, actors.ErrNotEmpty) {
		t.Fatalf("a second copy into the same database: %v", err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	onPG := func() *actors.Engine {
		e, err := actors.Open(actors.Options{Dir: t.TempDir(), Store: func(h actors.StoreHooks) (actors.Store, error) {
			return pgstore.OpenEngine(ctx, url, pgstore.EngineOptions{OnSync: h.OnSync, OnFatal: h.OnFatal})
		}})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	e := onPG()
	if got, err := e.Check(); err != nil || got != want {
		t.Fatalf("the copy opened: %+v, %v; want %+v", got, err, want)
	}
	if _, err := e.RentFromBalance(ctx, "r3", alice, "+88800000002", 30); err == nil {
		t.Fatal("bob's rental was lost in the copy: alice rented his number")
	}
	if _, err := e.RenewFromBalance(ctx, "r4", alice, "+88800000001", 30); err != nil {
		t.Fatalf("renew on the copy: %v", err)
	}
	if err := e.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := e.Check()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	e = onPG()
	defer e.Close(ctx)
	if got, err := e.Check(); err != nil || got != after {
		t.Fatalf("after a restart on PostgreSQL: %+v, %v; want %+v", got, err, after)
	}
}
