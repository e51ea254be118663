package pgstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"allot/persistence/pgstore/pgtest"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// ctxT is a context bounded well above anything a test waits for, so a
// hang fails the test with a message instead of timing out the binary.
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// openT opens a store on url and closes it when the test ends.
func openT(t testing.TB, url string, opts Options) *Store {
	t.Helper()
	s, err := Open(ctxT(t), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// newStore opens a store on a fresh database.
func newStore(t testing.TB) (*Store, string) {
	t.Helper()
	url := pgtest.DB(t)
	return openT(t, url, Options{}), url
}

// db is a plain connection for checking the tables behind the store's back.
func db(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctxT(t), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func queryInt(t testing.TB, conn *pgx.Conn, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(ctxT(t), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func ev(kind uint8, entity string, seq uint64, payload string) Event {
	return Event{Kind: kind, Entity: entity, Seq: seq, Payload: []byte(payload)}
}

// mustAppend appends synchronously and fails the test on an error.
func mustAppend(t testing.TB, s *Store, e Event) uint64 {
	t.Helper()
	g, err := s.AppendSync(e)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// outcome collects done callbacks.
type outcome struct {
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs map[string]error // "entity/seq" → error
	gseq map[string]uint64
}

func newOutcome() *outcome {
	return &outcome{errs: map[string]error{}, gseq: map[string]uint64{}}
}

// add appends e and records its outcome under "entity/seq".
func (o *outcome) add(s *Store, e Event) {
	o.wg.Add(1)
	key := fmt.Sprintf("%s/%d", e.Entity, e.Seq)
	s.Append(e, func(g uint64, err error) {
		o.mu.Lock()
		o.errs[key], o.gseq[key] = err, g
		o.mu.Unlock()
		o.wg.Done()
	})
}

func (o *outcome) err(key string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.errs[key]
}

// wantErr checks the outcome of "entity/seq": nil, or wrapping want.
func (o *outcome) wantErr(t testing.TB, key string, want error) {
	t.Helper()
	got := o.err(key)
	if (want == nil) != (got == nil) || (want != nil && !errors.Is(got, want)) {
		t.Errorf("%s: got %v, want %v", key, got, want)
	}
}

// gate holds a store's writer each time it is about to look at its
// queue, until the test releases it for one batch: a test queues exactly
// the batch it wants, then lets it go.
type gate struct {
	permits chan struct{}
	freed   chan struct{}
	once    sync.Once
}

// gatedStore opens a store whose writer waits for the gate; the gate is
// freed before the store closes, so Close can drain.
func gatedStore(t testing.TB, url string, opts Options) (*Store, *gate) {
	t.Helper()
	g := &gate{permits: make(chan struct{}, 1), freed: make(chan struct{})}
	opts.beforeTake = g.wait
	s := openT(t, url, opts)
	t.Cleanup(g.free)
	return s, g
}

// wait is the store's beforeTake hook.
func (g *gate) wait() {
	select {
	case <-g.permits:
	case <-g.freed:
	}
}

// release lets the writer take one batch: everything queued by now.
func (g *gate) release() { g.permits <- struct{}{} }

// free lets the writer run unhindered from now on.
func (g *gate) free() { g.once.Do(func() { close(g.freed) }) }

// dbNameOf is the database a pgtest URL points at.
func dbNameOf(t testing.TB, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

// withUser is rawURL with other credentials.
func withUser(t testing.TB, rawURL, user, password string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(user, password)
	return u.String()
}
