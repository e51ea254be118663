package fragment_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"allot/adapters/fragment"
	"allot/adapters/fragment/fragmenttest"
)

// The budget holds on the fake clock: every window of requests, the api
// hash fetch included, is no denser than Burst plus Rate a second.
func TestClient_BudgetRespected(t *testing.T) {
	const rate, burst, calls = 2.0, 2, 12
	var mu sync.Mutex
	var sent []time.Time
	var e *env
	e = newEnv(t, nil, func(o *fragment.Options) {
		o.Rate, o.Burst = rate, burst
		o.HTTP = &http.Client{Transport: tamper(t, func(*http.Request) {
			mu.Lock()
			sent = append(sent, e.clock.Now())
			mu.Unlock()
		}, nil)}
	})
	for range calls {
		if _, err := e.c.LoginCodes(context.Background(), num1); err != nil {
			t.Fatal(err)
		}
	}
	if len(sent) != calls+1 {
		t.Fatalf("%d requests, want %d calls and one hash fetch", len(sent), calls+1)
	}
	for i := range sent {
		for j := i + burst; j < len(sent); j++ {
			span, allowed := sent[j].Sub(sent[i]), time.Duration(float64(j-i+1-burst)/rate*float64(time.Second))
			if span < allowed {
				t.Fatalf("requests %d..%d went in %v; the budget allows no less than %v", i, j, span, allowed)
			}
		}
	}
	if s := e.c.Stats(); s.Requests["updateLoginCodes"] != calls || s.Requests["page"] != 1 {
		t.Errorf("Stats.Requests = %v", s.Requests)
	}
}

// A caller that gives up while waiting for the budget sends nothing.
func TestClient_BudgetWaitCanceled(t *testing.T) {
	e := newEnv(t, nil, func(o *fragment.Options) {
		o.Rate, o.Burst, o.Sleep = 0.001, 1, nil // the real sleep: a thousand seconds a request
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(20 * time.Millisecond)
		cancel()
	}()
	_, err := e.c.LoginCodes(ctx, num1) // the hash fetch takes the one token
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("%v, want context.Canceled", err)
	}
	if req := e.srv.Requests(); req[fragmenttest.PageFront] != 1 || req[fragmenttest.MethodUpdateLoginCodes] != 0 {
		t.Errorf("requests %v: want the hash fetch only", req)
	}
	if h := e.c.Health(); h.State != fragment.HealthOK {
		t.Errorf("a caller giving up degraded Health: %+v", h)
	}
}

// Many calls at once, with the hash rotated and the cookies replaced
// under them: for the race detector, and no call may fail.
func TestClient_Concurrent(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.srv.AddNumber(num2)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				var err error
				switch i % 3 {
				case 0:
					_, err = e.c.LoginCodes(ctx, num1)
				case 1:
					_, err = e.c.MyNumbers(ctx)
				default:
					err = e.c.SetLoginCodes(ctx, num2, true)
				}
				if err != nil {
					errs <- err
				}
				_ = e.c.Health()
				_ = e.c.Stats()
			}
		}()
	}
	e.srv.RotateHash() // once: a call meets at most one stale hash
	for range 3 {
		e.c.SetCookies(mustCookies(t, e.srv.Cookies()))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
