package fragment_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"allot/adapters/fragment"
	"allot/adapters/fragment/fragmenttest"
)

// cookieValues are the values of a Cookie header, the secrets in it.
func cookieValues(header string) []string {
	var vals []string
	for _, item := range strings.Split(header, ";") {
		if _, v, ok := strings.Cut(item, "="); ok && len(v) > 4 {
			vals = append(vals, strings.TrimSpace(v))
		}
	}
	return vals
}

// Every error and every log line of a run through successes and faults
// is free of codes and cookie values.
func TestClient_NoSecretsInErrorsOrLogs(t *testing.T) {
	codes := []string{"52817", "60493", "731946"}
	var errs []error
	var secrets []string
	for name, opts := range map[string][]fragmenttest.Option{
		"access denied": nil,
		"401":           {fragmenttest.WithExpiry(fragmenttest.ExpiryUnauthorized)},
		"logged out":    {fragmenttest.WithExpiry(fragmenttest.ExpiryLoggedOut)},
	} {
		e := newEnv(t, opts, nil)
		secrets = append(secrets, cookieValues(e.srv.Cookies())...)
		errs = append(errs, faultyRun(e, codes)...)
		for _, s := range append(secrets, codes...) {
			if strings.Contains(e.logs.String(), s) {
				t.Errorf("%s: the log holds a secret:\n%s", name, e.logs.String())
			}
		}
	}
	if len(errs) < 8 {
		t.Fatalf("only %d errors: the run did not meet its faults", len(errs))
	}
	for _, err := range errs {
		for _, s := range append(secrets, codes...) {
			if strings.Contains(err.Error(), s) || strings.Contains(fmt.Sprintf("%+v", err), s) {
				t.Errorf("an error holds a secret: %v", err)
			}
		}
	}
}

// faultyRun makes calls that succeed and calls that fail every way the
// fake can fail, and returns the errors.
func faultyRun(e *env, codes []string) []error {
	ctx := context.Background()
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	for i, c := range codes {
		e.srv.ArriveCode(num1, c, time.Date(2026, 11, 21, 10, i, 0, 0, time.UTC))
	}
	_, err := e.c.LoginCodes(ctx, num1)
	keep(err)
	e.srv.FailNext(fragmenttest.MethodUpdateLoginCodes, 3, http.StatusTooManyRequests)
	_, err = e.c.LoginCodes(ctx, num1)
	keep(err)
	e.srv.FailNext(fragmenttest.MethodUpdateLoginCodes, 3, http.StatusBadGateway)
	_, err = e.c.LoginCodes(ctx, num1)
	keep(err)
	_, err = e.c.LoginCodes(ctx, "+88855555555")
	keep(err)
	e.srv.OddHTML(true)
	_, err = e.c.LoginCodes(ctx, num1)
	keep(err)
	_, err = e.c.MyNumbers(ctx)
	keep(err)
	e.srv.OddHTML(false)
	e.srv.RotateHash()
	e.srv.ExpireSession()
	_, err = e.c.LoginCodes(ctx, num1)
	keep(err)
	keep(e.c.TerminateSessions(ctx, num1))
	_, err = e.c.MyNumbers(ctx)
	keep(err)
	return errs
}

func TestCookies_Redacted(t *testing.T) {
	const header = "stel_ssid=ssid0secret; stel_dt=-180; stel_token=token0secret; stel_ton_token=ton0secret; cf_clearance=cf0secret"
	ck, err := fragment.ParseCookies(header)
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	slog.New(slog.NewJSONHandler(&log, nil)).Info("x", "cookies", ck, "ptr", &ck)
	js, _ := json.Marshal(struct{ C fragment.Cookies }{ck})
	out := fmt.Sprintf("%v %+v %#v %s %q %x %X %d %T %v", ck, ck, ck, ck, ck, ck, ck, ck, ck, &ck) + log.String() + string(js)
	if strings.Contains(out, "0secret") {
		t.Errorf("a cookie value was printed: %s", out)
	}
}
