package main

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"allot/persistence/pgstore/pgtest"
)

func TestCheckStoreFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    flags
		wErr string // "" for none
	}{
		{"file", flags{mode: "telegram", store: storeFile, fsync: "os"}, ""},
		{"postgres engine", flags{mode: "engine", store: storePostgres, fsync: "always"}, ""},
		{"postgres paycrash with a URL", flags{mode: "paycrash", store: storePostgres, fsync: "always", databaseURL: "postgres://x/y"}, ""},
		{"unknown store", flags{mode: "engine", store: "redis", fsync: "always"}, "unknown -store"},
		{"URL without postgres", flags{mode: "engine", store: storeFile, fsync: "always", databaseURL: "postgres://x/y"}, "needs -store postgres"},
		{"postgres restore", flags{mode: "restore", store: storePostgres, fsync: "always"}, ""},
		{"postgres telegram", flags{mode: "telegram", store: storePostgres, fsync: "always"}, "not telegram"},
		{"postgres fsync os", flags{mode: "engine", store: storePostgres, fsync: "os"}, "-fsync"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkStoreFlags(tc.f)
			if tc.wErr == "" && err != nil || tc.wErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wErr)) {
				t.Fatalf("got %v, want an error containing %q", err, tc.wErr)
			}
		})
	}
}

// TestChildCommand checks that a child gets the parent's database through
// its environment, never on its command line, and finds it there.
func TestChildCommand(t *testing.T) {
	const url = "postgres://u:secret@127.0.0.1:5/db"
	cmd := childCommand(flags{store: storePostgres, databaseURL: url}, "-mode", "crash-child")
	if strings.Contains(strings.Join(cmd.Args, " "), "secret") {
		t.Fatalf("the URL is on the command line: %q", cmd.Args)
	}
	if !slices.Contains(cmd.Env, childURLEnv+"="+url) || !slices.Contains(cmd.Args, storePostgres) {
		t.Fatalf("args %q env %q: the child would not find the store", cmd.Args, cmd.Env)
	}
	t.Setenv(childURLEnv, url)
	if got := childStore(flags{store: storePostgres}); got.databaseURL != url {
		t.Fatalf("the child reads %q", got.databaseURL)
	}
	if file := childCommand(flags{store: storeFile}, "-mode", "crash-child"); file.Env != nil {
		t.Fatalf("a file child gets an environment of its own: %q", file.Env)
	}
}

// TestWithStore_stopsTheServer runs a mode that fails on a throwaway
// server: the mode can write to its database, the result records the
// store, and the server is gone afterwards all the same.
func TestWithStore_stopsTheServer(t *testing.T) {
	var url string
	boom := errors.New("boom")
	run := withStore(func(f flags) (map[string]any, error) {
		url = f.databaseURL
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			return nil, err
		}
		defer conn.Close(context.Background())
		_, err = conn.Exec(context.Background(), "CREATE TABLE x (v int)")
		return map[string]any{"mode": "engine"}, errors.Join(boom, err)
	})
	res, err := run(flags{mode: "engine", store: storePostgres, fsync: "always"})
	if errors.Is(err, pgtest.ErrNotInstalled) {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	if err == nil || err.Error() != boom.Error() {
		t.Fatalf("got %v, want only the mode's failure", err)
	}
	if res["store"] != storePostgres {
		t.Fatalf("result %v does not record the store", res)
	}
	if c, err := pgx.Connect(context.Background(), url); err == nil {
		c.Close(context.Background())
		t.Fatalf("the server at %s still accepts connections", url)
	}
}
