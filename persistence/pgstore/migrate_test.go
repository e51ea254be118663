package pgstore

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"allot/persistence/pgstore/pgtest"
)

func TestOpen_migrations(t *testing.T) {
	t.Parallel()
	url := pgtest.DB(t)
	s := openT(t, url, Options{})
	conn := db(t, url)
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, conn, "SELECT count(*) FROM allot_schema_migrations"); n != len(ms) {
		t.Fatalf("%d migrations recorded, want %d", n, len(ms))
	}
	for _, table := range []string{"allot_events", "allot_snapshots", "allot_operations", "allot_leases", "allot_cursors"} {
		if n := queryInt(t, conn, "SELECT count(*) FROM pg_tables WHERE tablename = $1", table); n != 1 {
			t.Errorf("table %s missing", table)
		}
	}
	// 0004: the snapshot parts are compressed with lz4 where the server has
	// it (Debian's PostgreSQL 14 and later do), else with pglz as before.
	var method string
	if err := conn.QueryRow(ctxT(t), `SELECT attcompression::text FROM pg_attribute
		WHERE attrelid = 'allot_state_snapshot_parts'::regclass AND attname = 'data'`).Scan(&method); err != nil {
		t.Fatal(err)
	}
	_, lz4err := conn.Exec(ctxT(t), "CREATE TEMP TABLE lz4_probe (b bytea COMPRESSION lz4)")
	if want := map[bool]string{true: "l", false: ""}[lz4err == nil]; method != want {
		t.Errorf("snapshot parts compressed with %q, want %q (lz4 on this server: %v)", method, want, lz4err)
	}
	// 0005: they are stored uncompressed all the same (attstorage 'e',
	// external), so that no backend compresses them on the commits' cores.
	var storage string
	if err := conn.QueryRow(ctxT(t), `SELECT attstorage::text FROM pg_attribute
		WHERE attrelid = 'allot_state_snapshot_parts'::regclass AND attname = 'data'`).Scan(&storage); err != nil {
		t.Fatal(err)
	}
	if storage != "e" {
		t.Errorf("snapshot parts stored with strategy %q, want \"e\" (external, uncompressed)", storage)
	}
	var applied time.Time
	if err := conn.QueryRow(ctxT(t), "SELECT applied_at FROM allot_schema_migrations WHERE version = 1").Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	t.Run("reopen is a no-op", func(t *testing.T) {
		openT(t, url, Options{})
		var again time.Time
		if err := conn.QueryRow(ctxT(t), "SELECT applied_at FROM allot_schema_migrations WHERE version = 1").Scan(&again); err != nil {
			t.Fatal(err)
		}
		if n := queryInt(t, conn, "SELECT count(*) FROM allot_schema_migrations"); n != len(ms) || !again.Equal(applied) {
			t.Fatalf("reopen changed the migrations: %d rows, applied_at %v then %v", n, applied, again)
		}
	})

	t.Run("newer schema refused", func(t *testing.T) {
		if _, err := conn.Exec(ctxT(t), "INSERT INTO allot_schema_migrations (version, name) VALUES (99, 'from_the_future')"); err != nil {
			t.Fatal(err)
		}
		_, err := Open(ctxT(t), url, Options{})
		if !errors.Is(err, ErrSchemaTooNew) {
			t.Fatalf("got %v, want ErrSchemaTooNew", err)
		}
		for _, want := range []string{"version 99", fmt.Sprintf("up to %d", len(ms)), dbNameOf(t, url)} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %q", err, want)
			}
		}
		if n := queryInt(t, conn, "SELECT count(*) FROM allot_schema_migrations"); n != len(ms)+1 {
			t.Errorf("the refused open changed the migrations table: %d rows", n)
		}
	})
}

// TestOpen_concurrentMigrations starts several processes' worth of Opens
// on an empty database at once: all succeed and each step is applied once.
func TestOpen_concurrentMigrations(t *testing.T) {
	t.Parallel()
	url := pgtest.DB(t)
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	stores := make([]*Store, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = Open(ctxT(t), url, Options{})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("open %d: %v", i, err)
			continue
		}
		stores[i].Close()
	}
	conn := db(t, url)
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	if got := queryInt(t, conn, "SELECT count(*) FROM allot_schema_migrations"); got != len(ms) {
		t.Fatalf("%d migration rows, want %d", got, len(ms))
	}
}

func TestLoadMigrations(t *testing.T) {
	sql := &fstest.MapFile{Data: []byte("SELECT 1")}
	for _, c := range []struct {
		name  string
		files fstest.MapFS
		want  string // substring of the error, "" for success
	}{
		{"ok", fstest.MapFS{"migrations/0002_b.sql": sql, "migrations/0001_a.sql": sql}, ""},
		{"gap", fstest.MapFS{"migrations/0001_a.sql": sql, "migrations/0003_c.sql": sql}, "numbered"},
		{"repeat", fstest.MapFS{"migrations/0001_a.sql": sql, "migrations/01_b.sql": sql}, "numbered"},
		{"bad name", fstest.MapFS{"migrations/init.sql": sql}, "NNNN_name.sql"},
		{"zero", fstest.MapFS{"migrations/0000_a.sql": sql}, "NNNN_name.sql"},
		{"none", fstest.MapFS{}, "no migrations"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ms, err := loadMigrations(c.files)
			if c.want == "" {
				if err != nil || len(ms) != 2 || ms[0].name != "a" || ms[1].version != 2 {
					t.Fatalf("got %v, %v", ms, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error about %q", err, c.want)
			}
		})
	}
}
