package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"allot/actors"
	"allot/domain"
	"allot/persistence"
	"allot/persistence/pgstore/pgtest"
)

// `allot migrate` copies a stopped bot's data directory into an empty
// database, says what it copied and that the copy checked; a second run
// into the same database, a directory with no journal and a running bot's
// directory are refused, the database untouched.
func TestMigrate_DataDirIntoPostgres(t *testing.T) {
	dir, url := t.TempDir(), pgtest.DB(t)
	ctx := context.Background()
	e, err := actors.Open(actors.Options{Dir: dir, Fsync: persistence.FsyncOS})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.AddNumber(ctx, 1, "+88800000001"); err != nil {
		t.Fatal(err)
	}
	pay := domain.Payment{Tx: domain.TxID{Account: "EQshop", LT: 1, Hash: "h"}, Amount: domain.TON(25), User: 1001, At: time.Now()}
	if _, err := e.Deposit(ctx, pay); err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, dir, url, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "still running") {
		t.Fatalf("a running bot's directory: %v", err)
	}
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := migrate(ctx, dir, url, &out); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	for _, want := range []string{"1 number", "1 wallet", "balances 25 TON", "every entity equal", "done"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
	if err := migrate(ctx, dir, url, &out); !errors.Is(err, actors.ErrNotEmpty) {
		t.Fatalf("a second migrate into the same database: %v", err)
	}
	if err := migrate(ctx, t.TempDir(), url, &out); err == nil || !strings.Contains(err.Error(), "no journal") {
		t.Fatalf("a directory without a journal: %v", err)
	}
}

// With the state in PostgreSQL, the file backups refuse and say what to
// use, unless --data names a directory.
func TestBackup_RefusedWithDatabaseURL(t *testing.T) {
	t.Chdir(t.TempDir()) // no .env
	t.Setenv("DATABASE_URL", "postgres://allot:secret@db/allot")
	if _, err := fileState(""); err == nil || !strings.Contains(err.Error(), "pg_dump") || strings.Contains(err.Error(), "secret") {
		t.Fatalf("backup with DATABASE_URL: %v", err)
	}
	if dir, err := fileState("/some/dir"); err != nil || dir != "/some/dir" {
		t.Fatalf("--data given: %q, %v", dir, err)
	}
}
