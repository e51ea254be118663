package pgtest

import (
	"context"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

func connect(t *testing.T, u string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestDB checks that each test gets its own empty database on a server
// that really syncs its commits.
func TestDB(t *testing.T) {
	a, b := DB(t), DB(t)
	if a == b {
		t.Fatalf("two databases share the URL %s", a)
	}
	ctx := context.Background()
	ca, cb := connect(t, a), connect(t, b)
	if _, err := ca.Exec(ctx, "CREATE TABLE x (v int)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := cb.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 'x'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("the second database sees the first one's table: n=%d err=%v", n, err)
	}
	for name, want := range map[string]string{"fsync": "on", "synchronous_commit": "on"} {
		var got string
		if err := ca.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&got); err != nil || got != want {
			t.Errorf("%s = %q (err %v), want %q", name, got, err, want)
		}
	}
}

// TestServer_passwordRequired checks the pg_hba rules the store's tests
// rely on: a role other than postgres must give its password over TCP.
func TestServer_passwordRequired(t *testing.T) {
	s := Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Exec(ctx, "CREATE ROLE pgtest_alice LOGIN PASSWORD 'right-one'"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Exec(context.Background(), "DROP ROLE pgtest_alice") })
	u, _ := url.Parse(s.URL("postgres"))
	u.User = url.UserPassword("pgtest_alice", "wrong-one")
	if c, err := pgx.Connect(ctx, u.String()); err == nil {
		c.Close(ctx)
		t.Fatal("a wrong password was accepted")
	} else if !strings.Contains(err.Error(), "password authentication failed") {
		t.Fatalf("unexpected error: %v", err)
	}
	u.User = url.UserPassword("pgtest_alice", "right-one")
	connect(t, u.String())
}

// TestServer_CreateDB checks the API a command uses: a database made by
// CreateDB is reachable at its URL, and DropDB removes it even while a
// connection to it is open, and is no error once it is gone.
func TestServer_CreateDB(t *testing.T) {
	s := Shared(t)
	ctx := context.Background()
	u, err := s.CreateDB(ctx, "pgtest Create-DB")
	if err != nil {
		t.Fatal(err)
	}
	held := connect(t, u)
	if _, err := held.Exec(ctx, "CREATE TABLE x (v int)"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := s.DropDB(ctx, "pgtest Create-DB"); err != nil {
			t.Fatalf("drop %d: %v", i+1, err)
		}
	}
	if c, err := pgx.Connect(ctx, u); err == nil {
		c.Close(ctx)
		t.Fatal("the dropped database still accepts connections")
	} else if !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("unexpected error: %v", err)
	}
}

// TestStartServer_Close checks that a server started without a test stops
// at Close, leaves no directory behind, and that Close can be repeated.
func TestStartServer_Close(t *testing.T) {
	s, err := StartServer(context.Background())
	if err != nil {
		unavailable(t, err)
		return
	}
	u, err := s.CreateDB(context.Background(), "closing")
	if err != nil {
		s.Stop()
		t.Fatal(err)
	}
	connect(t, u).Close(context.Background())
	for i := 0; i < 2; i++ {
		if err := s.Close(); err != nil {
			t.Fatalf("close %d: %v", i+1, err)
		}
	}
	select {
	case <-s.exited:
	default:
		t.Fatal("the postmaster is still running after Close")
	}
	if _, err := os.Stat(s.dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the server's directory %s is still there: %v", s.dir, err)
	}
}

func TestDBName(t *testing.T) {
	for _, c := range []struct{ test, want string }{
		{"TestX", "t1_testx"},
		{"TestStore/sub case-2", "t1_teststore_sub_case_2"},
		{strings.Repeat("A", 80), "t1_" + strings.Repeat("a", 50)},
	} {
		if got := dbName(c.test, 1); got != c.want {
			t.Errorf("dbName(%q) = %q, want %q", c.test, got, c.want)
		}
	}
}

// TestBinaries_notInstalled hides PostgreSQL: the error says so.
func TestBinaries_notInstalled(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	old := debianBins
	debianBins = t.TempDir() + "/*/bin"
	t.Cleanup(func() { debianBins = old })
	if _, err := binaries(); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("got %v, want ErrNotInstalled", err)
	}
}

// recorder is a testing.TB that notes Skip and Fatal instead of stopping.
type recorder struct {
	testing.TB
	skipped, failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Skip(...any)           { r.skipped = true }
func (r *recorder) Fatal(...any)          { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }

// TestUnavailable: a missing PostgreSQL skips, except under CI=true; any
// other failure to start fails.
func TestUnavailable(t *testing.T) {
	for _, c := range []struct {
		ci       string
		err      error
		wantSkip bool
	}{
		{"", ErrNotInstalled, true},
		{"true", ErrNotInstalled, false},
		{"", errors.New("initdb failed"), false},
	} {
		t.Setenv("CI", c.ci)
		r := &recorder{TB: t}
		unavailable(r, c.err)
		if r.skipped != c.wantSkip || r.failed == c.wantSkip {
			t.Errorf("CI=%q err %v: skipped %v failed %v", c.ci, c.err, r.skipped, r.failed)
		}
	}
}
