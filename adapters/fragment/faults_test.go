package fragment_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"allot/adapters/fragment"
	"allot/adapters/fragment/fragmenttest"
	"allot/domain"
)

func TestClient_SessionExpired(t *testing.T) {
	for name, expiry := range map[string]fragmenttest.Expiry{
		"access denied": fragmenttest.ExpiryAccessDenied, "401": fragmenttest.ExpiryUnauthorized,
		"403": fragmenttest.ExpiryForbidden, "logged out": fragmenttest.ExpiryLoggedOut,
		"redirect": fragmenttest.ExpiryRedirect,
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, []fragmenttest.Option{fragmenttest.WithExpiry(expiry)}, nil)
			ctx := context.Background()
			if _, err := e.c.LoginCodes(ctx, num1); err != nil {
				t.Fatal(err)
			}
			e.srv.ExpireSession()
			_, err := e.c.LoginCodes(ctx, num1)
			wantExpired(t, e.c, "LoginCodes", err)
			_, err = e.c.MyNumbers(ctx)
			wantExpired(t, e.c, "MyNumbers", err)
			wantExpired(t, e.c, "TerminateSessions", e.c.TerminateSessions(ctx, num1))

			if n := calls(e.c, fragment.CallMyNumbers, "session_expired"); n != 1 {
				t.Errorf("Stats counts %d expired MyNumbers, want 1", n)
			}
			e.c.SetCookies(mustCookies(t, e.srv.Renew()))
			if h := e.c.Health(); h.State != fragment.HealthOK {
				t.Errorf("Health after SetCookies = %+v", h)
			}
			if _, err := e.c.LoginCodes(ctx, num1); err != nil {
				t.Fatalf("LoginCodes with the new cookies: %v", err)
			}
		})
	}
}

func wantExpired(t *testing.T, c *fragment.Client, call string, err error) {
	t.Helper()
	if !errors.Is(err, fragment.ErrSessionExpired) {
		t.Fatalf("%s: %v, want ErrSessionExpired", call, err)
	}
	if h := c.Health(); h.State != fragment.HealthDegraded || !strings.Contains(h.Why, "expired") {
		t.Errorf("%s: Health = %+v, want degraded for the session", call, h)
	}
}

// A client that starts on a dead login learns it from the front page.
func TestClient_SessionExpiredBeforeTheHash(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.srv.ExpireSession()
	_, err := e.c.LoginCodes(context.Background(), num1)
	wantExpired(t, e.c, "LoginCodes", err)
	if n := e.srv.Requests()[fragmenttest.MethodUpdateLoginCodes]; n != 0 {
		t.Errorf("%d API calls on a page that shows the wallet logged out", n)
	}
}

func TestClient_NoCookies(t *testing.T) {
	e := newEnv(t, nil, func(o *fragment.Options) { o.Cookies = fragment.Cookies{} })
	if h := e.c.Health(); h.State != fragment.HealthOff {
		t.Errorf("Health without cookies = %+v, want off", h)
	}
	_, err := e.c.LoginCodes(context.Background(), num1)
	if !errors.Is(err, fragment.ErrSessionExpired) || len(e.srv.Requests()) != 0 {
		t.Fatalf("LoginCodes without cookies: %v after %v requests", err, e.srv.Requests())
	}
	e.c.SetCookies(mustCookies(t, e.srv.Cookies()))
	if _, err := e.c.LoginCodes(context.Background(), num1); err != nil {
		t.Fatal(err)
	}
	var nilClient *fragment.Client
	if h := nilClient.Health(); h.State != fragment.HealthOff {
		t.Errorf("a nil client's Health = %+v", h)
	}
}

func TestClient_StaleHashRefreshedOnce(t *testing.T) {
	e := newEnv(t, nil, nil)
	ctx := context.Background()
	if _, err := e.c.LoginCodes(ctx, num1); err != nil {
		t.Fatal(err)
	}
	e.srv.RotateHash()
	if _, err := e.c.LoginCodes(ctx, num1); err != nil {
		t.Fatalf("LoginCodes after the hash changed: %v", err)
	}
	req := e.srv.Requests()
	if req[fragmenttest.PageFront] != 2 || req[fragmenttest.MethodUpdateLoginCodes] != 3 {
		t.Errorf("requests %v: want the front page twice and updateLoginCodes 3 times", req)
	}
	if s := e.c.Stats(); s.HashFetches != 2 {
		t.Errorf("HashFetches = %d, want 2", s.HashFetches)
	}
}

func TestClient_HashRefusedTwice(t *testing.T) {
	e := newEnv(t, nil, func(o *fragment.Options) {
		o.HTTP = &http.Client{Transport: tamper(t, func(r *http.Request) {
			if r.URL.Path == "/api" {
				r.URL.RawQuery = "hash=0bad"
			}
		}, nil)}
	})
	_, err := e.c.LoginCodes(context.Background(), num1)
	if !errors.Is(err, fragment.ErrBadReply) {
		t.Fatalf("LoginCodes with a hash always refused: %v, want ErrBadReply", err)
	}
	if req := e.srv.Requests(); req[fragmenttest.PageFront] != 2 || req[fragmenttest.MethodUpdateLoginCodes] != 2 {
		t.Errorf("requests %v: want one refresh, no more", req)
	}
}

func TestClient_RateLimited(t *testing.T) {
	ctx := context.Background()
	t.Run("Retry-After", func(t *testing.T) {
		e := newEnv(t, []fragmenttest.Option{fragmenttest.WithRetryAfter(3)}, nil)
		e.srv.FailNext(fragmenttest.MethodUpdateLoginCodes, 1, http.StatusTooManyRequests)
		if _, err := e.c.LoginCodes(ctx, num1); err != nil {
			t.Fatal(err)
		}
		wantSleeps(t, e.clock, 3*time.Second)
	})
	t.Run("(1+n)s without Retry-After", func(t *testing.T) {
		e := newEnv(t, []fragmenttest.Option{fragmenttest.WithRetryAfter(-1)}, nil)
		e.srv.FailNext(fragmenttest.MethodToggleLoginCodes, 2, http.StatusTooManyRequests)
		if err := e.c.SetLoginCodes(ctx, num1, false); err != nil {
			t.Fatal(err)
		}
		wantSleeps(t, e.clock, time.Second, 2*time.Second)
	})
	t.Run("every attempt", func(t *testing.T) {
		e := newEnv(t, nil, nil)
		e.srv.FailNext(fragmenttest.MethodUpdateLoginCodes, 3, http.StatusTooManyRequests)
		_, err := e.c.LoginCodes(ctx, num1)
		if !errors.Is(err, fragment.ErrRateLimited) {
			t.Fatalf("%v, want ErrRateLimited", err)
		}
		if n := e.srv.Requests()[fragmenttest.MethodUpdateLoginCodes]; n != 3 {
			t.Errorf("%d requests, want 1 + 2 retries", n)
		}
	})
	t.Run("a long Retry-After is the caller's", func(t *testing.T) {
		e := newEnv(t, []fragmenttest.Option{fragmenttest.WithRetryAfter(600)}, nil)
		e.srv.FailNext(fragmenttest.MethodUpdateLoginCodes, 1, http.StatusTooManyRequests)
		if _, err := e.c.LoginCodes(ctx, num1); !errors.Is(err, fragment.ErrRateLimited) {
			t.Fatalf("%v, want ErrRateLimited at once", err)
		}
		wantSleeps(t, e.clock)
	})
}

func wantSleeps(t *testing.T, c *fakeClock, want ...time.Duration) {
	t.Helper()
	got := c.Sleeps()
	if len(got) != len(want) {
		t.Fatalf("waits %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("waits %v, want %v", got, want)
		}
	}
}

func TestClient_ServerErrorsRetriedWhereSafe(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil, nil)
	e.srv.FailNext(fragmenttest.MethodUpdateLoginCodes, 2, http.StatusBadGateway)
	if _, err := e.c.LoginCodes(ctx, num1); err != nil {
		t.Fatalf("a read after two 502s: %v", err)
	}
	wantSleeps(t, e.clock, time.Second, 2*time.Second)

	e.srv.AddSession(num1)
	e.srv.FailNext(fragmenttest.MethodTerminateConfirm, 1, http.StatusInternalServerError)
	err := e.c.TerminateSessions(ctx, num1)
	if !errors.Is(err, fragment.ErrUnavailable) {
		t.Fatalf("TerminateSessions after a 500 on its second step: %v, want ErrUnavailable", err)
	}
	if n := e.srv.Requests()[fragmenttest.MethodTerminatePhoneSessions]; n != 2 {
		t.Errorf("%d terminate requests, want 2: the second step is not repeated", n)
	}
	if err := e.c.TerminateSessions(ctx, num1); err != nil || e.srv.Sessions(num1) != 0 {
		t.Fatalf("calling again: %v, %d sessions left", err, e.srv.Sessions(num1))
	}

	e.srv.AddSession(num1)
	e.srv.FailNext(fragmenttest.MethodTerminateConfirm, 1, http.StatusTooManyRequests)
	if err := e.c.TerminateSessions(ctx, num1); err != nil || e.srv.Sessions(num1) != 0 {
		t.Fatalf("a 429 on the second step is repeated: %v, %d sessions left", err, e.srv.Sessions(num1))
	}
}

// A second step done by Fragment whose answer is lost: ambiguous, and the
// next call finds nothing left to end.
func TestClient_TerminateAnswerLost(t *testing.T) {
	e := newEnv(t, nil, func(o *fragment.Options) {
		o.HTTP = &http.Client{Transport: tamper(t, nil, func(_ *http.Request, body string, resp *http.Response) {
			if strings.Contains(body, "terminate_hash=") {
				resp.StatusCode, resp.Body = http.StatusBadGateway, io.NopCloser(strings.NewReader("bad gateway"))
			}
		})}
	})
	e.srv.AddSession(num1)
	ctx := context.Background()
	err := e.c.TerminateSessions(ctx, num1)
	if !errors.Is(err, fragment.ErrUnavailable) || !strings.Contains(err.Error(), "may or may not") {
		t.Fatalf("%v, want ErrUnavailable saying it may have been done", err)
	}
	if e.srv.Sessions(num1) != 0 || e.srv.Terminations(num1) != 1 {
		t.Fatalf("the fake ended %d times, %d sessions left", e.srv.Terminations(num1), e.srv.Sessions(num1))
	}
	if err := e.c.TerminateSessions(ctx, num1); err != nil || e.srv.Terminations(num1) != 1 {
		t.Fatalf("calling again: %v, %d terminations", err, e.srv.Terminations(num1))
	}
}

func TestClient_BreakerOpens(t *testing.T) {
	e := newEnv(t, nil, func(o *fragment.Options) { o.Retries, o.BreakerFailures = -1, 3 })
	ctx := context.Background()
	if _, err := e.c.LoginCodes(ctx, num1); err != nil { // the hash, before the failures
		t.Fatal(err)
	}
	e.srv.FailNext(fragmenttest.MethodUpdateLoginCodes, 4, http.StatusServiceUnavailable)
	for range 4 {
		if _, err := e.c.LoginCodes(ctx, num1); !errors.Is(err, fragment.ErrUnavailable) {
			t.Fatalf("%v, want ErrUnavailable", err)
		}
	}
	if n := e.srv.Requests()[fragmenttest.MethodUpdateLoginCodes]; n != 4 {
		t.Errorf("%d requests, want 1 + 3 before the breaker opened", n)
	}
	if h := e.c.Health(); h.State != fragment.HealthDegraded || !strings.Contains(h.Why, "breaker") {
		t.Errorf("Health = %+v, want degraded by the breaker", h)
	}
	e.clock.Advance(fragment.DefaultBreakerCoolDown)
	if _, err := e.c.LoginCodes(ctx, num1); !errors.Is(err, fragment.ErrUnavailable) {
		t.Fatalf("the failing probe: %v", err)
	}
	e.clock.Advance(fragment.DefaultBreakerCoolDown)
	if _, err := e.c.LoginCodes(ctx, num1); err != nil {
		t.Fatalf("the probe after the cool-down: %v", err)
	}
	if s := e.c.Stats(); s.BreakerOpens != 2 || e.c.Health().State != fragment.HealthOK {
		t.Errorf("BreakerOpens %d, Health %+v; want 2 and ok", s.BreakerOpens, e.c.Health())
	}
}

func TestClient_OddHTML(t *testing.T) {
	e := newEnv(t, nil, nil)
	ctx := context.Background()
	e.srv.ArriveCode(num1, "52817", time.Now())
	e.srv.OddHTML(true)
	_, err := e.c.LoginCodes(ctx, num1)
	if !errors.Is(err, fragment.ErrBadReply) || !strings.Contains(err.Error(), "table") {
		t.Fatalf("codes without their table: %v, want ErrBadReply naming the table", err)
	}
	_, err = e.c.MyNumbers(ctx)
	if !errors.Is(err, fragment.ErrBadReply) {
		t.Fatalf("numbers in a grid: %v, want ErrBadReply", err)
	}
	if h := e.c.Health(); h.State != fragment.HealthDegraded {
		t.Errorf("Health = %+v, want degraded after a failed call", h)
	}
	if !strings.Contains(e.logs.String(), "tm-login-card") {
		t.Errorf("the log does not describe the shape seen")
	}
	e.clock.Advance(time.Minute)
	if h := e.c.Health(); h.State != fragment.HealthOK {
		t.Errorf("Health a minute later = %+v, want ok", h)
	}
}

func TestClient_HTMLWhereJSONWasDue(t *testing.T) {
	e := newEnv(t, nil, func(o *fragment.Options) {
		o.HTTP = &http.Client{Transport: tamper(t, nil, func(r *http.Request, _ string, resp *http.Response) {
			if r.URL.Path == "/api" {
				resp.Header.Set("Content-Type", "text/html")
				resp.Body = io.NopCloser(strings.NewReader("<html><body>Just a moment...</body></html>"))
			}
		})}
	})
	err := e.c.SetLoginCodes(context.Background(), num1, true)
	if !errors.Is(err, fragment.ErrBadReply) || !strings.Contains(err.Error(), "wanted a JSON object, got text/html") {
		t.Fatalf("%v, want ErrBadReply saying JSON was wanted", err)
	}
}

func TestClient_BadNumber(t *testing.T) {
	e := newEnv(t, nil, nil)
	_, err := e.c.LoginCodes(context.Background(), "+7 999 123")
	if !errors.Is(err, domain.ErrBadNumber) {
		t.Fatalf("%v, want domain.ErrBadNumber", err)
	}
	if h := e.c.Health(); h.State != fragment.HealthOK || len(e.srv.Requests()) != 0 {
		t.Errorf("a bad argument touched Fragment or Health: %+v, %v", h, e.srv.Requests())
	}
	if n := calls(e.c, fragment.CallLoginCodes, "bad_number"); n != 1 {
		t.Errorf("Stats counts %d bad numbers, want 1", n)
	}
}

func TestClient_RefreshedCookieKept(t *testing.T) {
	e := newEnv(t, nil, nil)
	stale := mustCookies(t, e.srv.Cookies())
	ctx := context.Background()
	e.srv.RefreshSSID()
	for range 2 {
		if _, err := e.c.LoginCodes(ctx, num1); err != nil {
			t.Fatal(err)
		}
	}
	if s := e.c.Stats(); s.CookieUpdates != 1 {
		t.Errorf("CookieUpdates = %d, want 1", s.CookieUpdates)
	}
	e.c.SetCookies(stale) // the fake has seen the new stel_ssid: the old one is gone
	if _, err := e.c.LoginCodes(ctx, num1); !errors.Is(err, fragment.ErrSessionExpired) {
		t.Fatalf("the replaced stel_ssid: %v, want ErrSessionExpired", err)
	}
}

// A caller that gives up while its request is out: neither Fragment's
// fault nor a retry.
func TestClient_CanceledInFlight(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := newEnv(t, nil, func(o *fragment.Options) {
		o.HTTP = &http.Client{Transport: tamper(t, func(r *http.Request) {
			if r.URL.Path == "/api" {
				cancel()
			}
		}, nil)}
	})
	_, err := e.c.LoginCodes(ctx, num1)
	if !errors.Is(err, context.Canceled) || errors.Is(err, fragment.ErrUnavailable) {
		t.Fatalf("%v, want context.Canceled only", err)
	}
	if h := e.c.Health(); h.State != fragment.HealthOK || calls(e.c, fragment.CallLoginCodes, "canceled") != 1 {
		t.Errorf("Health %+v, stats %v", h, e.c.Stats().Calls)
	}
	if s := e.c.Stats(); s.Retries != 0 {
		t.Errorf("%d retries of a canceled call", s.Retries)
	}
}
