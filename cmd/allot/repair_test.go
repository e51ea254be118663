package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"allot/actors"
	"allot/domain"
	"allot/persistence"
)

// After mid-journal corruption, `snapshot repair` must leave a directory
// the engine starts from, and changes made afterwards must survive a
// restart (no sequence number reused from the fuzzy snapshot's entities).
func TestRepair_CorruptJournalThenStartAndKeepChanges(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, "../../testdata/engine/v1/data", dir)
	seg := filepath.Join(dir, "journal", "0000000000000001.wal")
	b, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	b[600] ^= 0xff
	if err := os.WriteFile(seg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := actors.Open(actors.Options{Dir: dir}); err == nil {
		t.Fatal("the engine started on a corrupt journal")
	}
	if code := runSnapshotQuiet(t, "repair", dir); code != 0 {
		t.Fatalf("repair exit code %d", code)
	}
	ctx := context.Background()
	open := func() *actors.Engine {
		e, err := actors.Open(actors.Options{Dir: dir, Fsync: persistence.FsyncOS, NoFinalSnapshot: true})
		if err != nil {
			t.Fatalf("open after repair: %v", err)
		}
		return e
	}
	e := open()
	if _, err := e.Deposit(ctx, domain.Payment{Tx: domain.TxID{Account: "after", LT: 1, Hash: "r"},
		Amount: domain.TON(7), User: 424242}); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	e = open()
	defer e.Close(ctx)
	w, err := e.Wallet(ctx, 424242)
	if err != nil || w.Balance != domain.TON(7) {
		t.Fatalf("after restart: balance %v, %v; want the 7 TON deposited after the repair", w, err)
	}
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
