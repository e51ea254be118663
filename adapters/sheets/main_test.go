package sheets

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"allot/adapters/sheets/sheetstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeClock is a hand-moved clock shared by the client and the fake
// server: the client's waits move it, so a quota minute passes at once;
// it records the waits.
type fakeClock struct {
	*sheetstest.Clock
	mu     sync.Mutex
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{Clock: sheetstest.NewClock(time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC))}
}

// Sleep moves the clock instead of waiting, and records the wait.
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := c.Clock.Sleep(ctx, d); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.sleeps = append(c.sleeps, d)
	}
	return nil
}

// Sleeps returns the recorded waits and forgets them.
func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sleeps
	c.sleeps = nil
	return s
}

// env is a fake Sheets server and a Client on it, built the way main
// builds one: ConfigFromEnv with SHEETS_ENDPOINT, then NewClient.
type env struct {
	srv *sheetstest.Server
	c   *Client
	clk *fakeClock
}

type envOptions struct {
	vars   map[string]string // more environment
	config func(*Config)
	server []sheetstest.Option
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	clk := newFakeClock()
	srv := sheetstest.New(append([]sheetstest.Option{sheetstest.WithClock(clk.Now)}, o.server...)...)
	t.Cleanup(srv.Close)
	vars := map[string]string{EnvEndpoint: srv.URL()}
	for k, v := range o.vars {
		vars[k] = v
	}
	cfg, err := ConfigFromEnv(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatalf("ConfigFromEnv: %v", err)
	}
	if o.config != nil {
		o.config(&cfg)
	}
	c, err := NewClient(context.Background(), cfg, WithClock(clk.Now, clk.Sleep), noJitter)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &env{srv: srv, c: c, clk: clk}
}

// noJitter makes every backoff its maximum, so tests know the waits.
func noJitter(c *Client) { c.backoff.jitter = func(limit time.Duration) time.Duration { return limit } }

// methodCalls counts the fake's requests of one method.
func (e *env) methodCalls(method string) int { return e.srv.Stats().Methods[method] }

// lastRequest is the fake's last logged request.
func (e *env) lastRequest(t testing.TB) sheetstest.Request {
	t.Helper()
	reqs := e.srv.Requests()
	if len(reqs) == 0 {
		t.Fatal("the fake saw no request")
	}
	return reqs[len(reqs)-1]
}
