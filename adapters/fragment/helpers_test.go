package fragment_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"allot/adapters/fragment"
	"allot/adapters/fragment/fragmenttest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeClock is a hand-moved clock: the client's waits move it, so
// budgets, Retry-After and cool-downs pass at once.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep moves the clock instead of waiting, and records the wait.
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
		c.sleeps = append(c.sleeps, d)
	}
	return nil
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Sleeps returns the recorded waits and forgets them.
func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sleeps
	c.sleeps = nil
	return s
}

// syncBuffer is a log sink safe for the client's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is a fake fragment.com and a Client logged in to it, on a fake
// clock, logging everything at debug level into logs.
type env struct {
	srv   *fragmenttest.Server
	c     *fragment.Client
	clock *fakeClock
	logs  *syncBuffer
}

const (
	num1 = "+88801234567"
	num2 = "+88809876543"
)

// newEnv starts the fake with opts, adds num1, and makes a client;
// tweak may change the client's options before New.
func newEnv(t testing.TB, opts []fragmenttest.Option, tweak func(*fragment.Options)) *env {
	t.Helper()
	e := &env{srv: fragmenttest.New(opts...), clock: newFakeClock(), logs: &syncBuffer{}}
	t.Cleanup(e.srv.Close)
	e.srv.AddNumber(num1)
	o := fragment.Options{
		BaseURL: e.srv.URL(), Cookies: mustCookies(t, e.srv.Cookies()),
		Rate: 1000, Burst: 1000, Now: e.clock.Now, Sleep: e.clock.Sleep,
		Log: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if tweak != nil {
		tweak(&o)
	}
	c, err := fragment.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	e.c = c
	return e
}

func mustCookies(t testing.TB, header string) fragment.Cookies {
	t.Helper()
	ck, err := fragment.ParseCookies(header)
	if err != nil {
		t.Fatal(err)
	}
	return ck
}

// calls is the count of a call's outcome in the client's Stats.
func calls(c *fragment.Client, method, outcome string) uint64 {
	return c.Stats().Calls[fragment.Call{Method: method, Outcome: outcome}]
}

// tamperer changes requests before they leave and replies before the
// client reads them, to play what the fake does not: a reply lost after
// Fragment acted, HTML where JSON was due.
type tamperer struct {
	base   *http.Transport
	before func(r *http.Request)
	after  func(r *http.Request, body string, resp *http.Response)
}

func tamper(t testing.TB, before func(*http.Request), after func(*http.Request, string, *http.Response)) http.RoundTripper {
	tr := &tamperer{base: &http.Transport{}, before: before, after: after}
	t.Cleanup(tr.base.CloseIdleConnections)
	return tr
}

func (tr *tamperer) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	if tr.before != nil {
		tr.before(r)
	}
	resp, err := tr.base.RoundTrip(r)
	if err == nil && tr.after != nil {
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(got))
		tr.after(r, string(body), resp)
	}
	return resp, err
}
