// Package pgtest gives tests a throwaway PostgreSQL: a cluster made with
// initdb in a temporary directory, started on a free loopback port and
// removed afterwards, so the PostgreSQL store is tested against the real
// server without any setup beyond installing the binaries (Debian's
// postgresql package, which .ci/run installs).
//
// The server itself needs no test: StartServer, CreateDB, DropDB and Close
// are what a command uses (loadtest -store postgres runs its engines on a
// server of its own this way), and the helpers below are built on them.
//
// A cluster starts in about a second, so a test binary shares one: its
// TestMain calls Main, and each test takes a fresh database of its own
// from DB, dropped when the test ends. Tests in one binary can then run in
// parallel without seeing each other's rows.
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestX(t *testing.T) {
//		url := pgtest.DB(t) // postgres://postgres@127.0.0.1:PORT/NAME?sslmode=disable
//		...
//	}
//
// The binaries are looked up on PATH, then under /usr/lib/postgresql/*/bin
// (where Debian puts them). PostgreSQL refuses to run as root, so a root
// test process runs initdb and the server as the postgres user in a
// directory handed to that user; anyone else runs them as themselves. The
// server runs with fsync=on: tests of the store check durability, and a
// faster but unsafe server would hide commit costs and behaviour.
//
// When PostgreSQL is not installed a test is skipped with a message saying
// so, except under CI=true, where it fails: CI installs PostgreSQL, and a
// silently skipped store suite would pass a broken build.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// shared is the test binary's server while Main runs; it starts on first
// use, so a binary whose selected tests need no database starts none.
var shared struct {
	mu     sync.Mutex
	active bool // Main is running the tests
	server *Server
	err    error // why the server could not start; reported to every test
}

// Main runs the tests of a binary that shares one server, then stops the
// server and exits with the tests' status. Call it from TestMain.
func Main(m *testing.M) {
	shared.mu.Lock()
	shared.active = true
	shared.mu.Unlock()
	code := m.Run()
	shared.mu.Lock()
	if shared.server != nil {
		shared.server.Stop()
	}
	shared.active = false
	shared.mu.Unlock()
	os.Exit(code)
}

// Shared returns the test binary's server, starting it on first use. Without
// Main in TestMain there is nobody to stop a shared server, so each test
// then gets a server of its own (Start), which costs about a second.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.active {
		return Start(tb)
	}
	if shared.server == nil && shared.err == nil {
		shared.server, shared.err = StartServer(context.Background())
	}
	if shared.err != nil {
		unavailable(tb, shared.err)
	}
	return shared.server
}

// DB creates an empty database on the shared server for this test alone,
// drops it when the test ends, and returns its URL (superuser, TCP).
func DB(tb testing.TB) string {
	tb.Helper()
	return Shared(tb).NewDB(tb)
}

// Start starts a server for one test and stops it when the test ends: for
// a test that must stop or break its server, which would break a shared
// one for every other test.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := StartServer(context.Background())
	if err != nil {
		unavailable(tb, err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

// unavailable skips the test when PostgreSQL is simply not installed and
// CI is not set; any other failure to start a server is a failure.
func unavailable(tb testing.TB, err error) {
	tb.Helper()
	switch {
	case !errors.Is(err, ErrNotInstalled):
		tb.Fatal(err)
	case os.Getenv("CI") == "true":
		tb.Fatalf("%v\n(CI=true: .ci/run installs Debian's postgresql, so its absence is a failure)", err)
	default:
		tb.Skip(err.Error())
	}
}

// NewDB creates an empty database named after the test, drops it (closing
// any connection left to it) when the test ends, and returns its URL.
func (s *Server) NewDB(tb testing.TB) string {
	tb.Helper()
	s.mu.Lock()
	s.n++
	name := dbName(tb.Name(), s.n)
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u, err := s.CreateDB(ctx, name)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.DropDB(ctx, name); err != nil {
			tb.Error(err)
		}
	})
	return u
}

// dbName makes a database name that says which test made it and is unique
// on its server: lower-case letters, digits and underscores, within
// PostgreSQL's 63-byte limit.
func dbName(test string, n int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(test) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	base := b.String()
	if len(base) > 50 {
		base = base[:50]
	}
	return fmt.Sprintf("t%d_%s", n, base)
}
