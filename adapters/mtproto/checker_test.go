package mtproto_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/gotd/td/tgerr"
	"go.uber.org/goleak"

	"allot/adapters/mtproto"
	"allot/adapters/mtproto/mtprototest"
	"allot/domain"
)

// Each check is a real MTProto key exchange, a second or two of CPU under
// -race: tests make few checks and run in parallel. The leak test alone
// runs first, on its own, so that no other test's goroutines count.

const week = 7 * 24 * time.Hour

func TestChecker_CheckAccount_clean(t *testing.T) {
	before := goleak.IgnoreCurrent()
	e := newEnv(t, nil)
	e.srv.AddAccount(num, mtprototest.Account{})
	// Old codes on Fragment: trying one first would end in
	// PHONE_CODE_INVALID, or in a second signIn.
	e.box.Arrive(num, "13579", time.Time{})
	e.box.Arrive(num, "24680", time.Now().Add(-time.Minute))
	v := e.mustVerdict(t, num, domain.AccountClean)
	if !v.Until.IsZero() {
		t.Errorf("Until = %v, want zero", v.Until)
	}
	if got := e.srv.Sessions(num); got != 0 {
		t.Errorf("Sessions = %d after a clean check, want 0: the checker must log itself out", got)
	}
	if got := e.srv.SignIns(num); got != 1 {
		t.Errorf("SignIns = %d, want 1: an old code was tried", got)
	}
	e.srv.Close()
	goleak.VerifyNone(t, before) // neither the check nor the fake left one
}

// TestChecker_CheckAccount_outcomes checks several numbers of one fake at
// once, which also shows a Checker is safe for concurrent use.
func TestChecker_CheckAccount_outcomes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tests := []struct {
		name   string
		number string
		setup  func(n string)
		want   domain.AccountOutcome
	}{
		{"no account", "+88800000001", func(string) {}, domain.AccountAbsent},
		{"password, deleted at once", "+88800000002", func(n string) {
			e.srv.AddAccount(n, mtprototest.Account{Password: true})
		}, domain.AccountDeleted},
		{"banned", "+88800000003", func(n string) {
			e.srv.AddAccount(n, mtprototest.Account{})
			e.srv.Ban(n)
		}, domain.AccountBanned},
		// The in-app code never reaches Fragment: only a resent one can.
		{"first code in-app", "+88800000004", func(n string) {
			e.srv.AddAccount(n, mtprototest.Account{})
			e.srv.SessionsLive(n, true)
		}, domain.AccountClean},
	}
	for _, tt := range tests {
		tt.setup(tt.number)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := e.mustVerdict(t, tt.number, tt.want)
			if !v.Until.IsZero() {
				t.Errorf("Until = %v, want zero", v.Until)
			}
			if got := e.srv.Sessions(tt.number); got != 0 {
				t.Errorf("Sessions = %d, want 0", got)
			}
			if got, want := e.srv.SignIns(tt.number), wantSignIns(tt.want); got != want {
				t.Errorf("SignIns = %d, want %d", got, want)
			}
			if got := e.srv.Deleted(tt.number); got != (tt.want == domain.AccountDeleted) {
				t.Errorf("Deleted = %v", got)
			}
		})
	}
}

func wantSignIns(o domain.AccountOutcome) int {
	if o == domain.AccountBanned {
		return 0
	}
	return 1
}

func TestChecker_CheckAccount_passwordDeletionWaits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.srv.AddAccount(num, mtprototest.Account{Password: true, DeleteWait: week})

	// gotd must hand the 420 back, not sleep it off: a week-long sleep
	// would hang here.
	v := e.mustVerdict(t, num, domain.AccountDeletionPending)
	if want := t0.Add(week); !v.Until.Equal(want) {
		t.Errorf("Until = %v, want %v", v.Until, want)
	}
	if at, ok := e.srv.DeletionRequested(num); !ok || !at.Equal(t0) {
		t.Errorf("DeletionRequested = %v, %v; want %v, true", at, ok, t0)
	}
	if e.srv.Deleted(num) || e.srv.Sessions(num) != 0 {
		t.Fatalf("Deleted = %v, Sessions = %d; want false, 0", e.srv.Deleted(num), e.srv.Sessions(num))
	}

	e.srv.Advance(week)
	e.mustVerdict(t, num, domain.AccountDeleted)
	if !e.srv.Deleted(num) {
		t.Error("the fake says the account is not deleted")
	}
}

func TestChecker_CheckAccount_floodWait(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.srv.AddAccount(num, mtprototest.Account{})
	e.srv.FailNext(mtprototest.MethodSendCode, tgerr.New(420, "FLOOD_WAIT_30"))
	_, err := e.check(t, num)
	if !errors.Is(err, mtproto.ErrFloodWait) {
		t.Fatalf("err = %v, want ErrFloodWait", err)
	}
	if got := mtproto.RetryAfter(err); got != 30*time.Second {
		t.Errorf("RetryAfter = %v, want 30s", got)
	}
	// The engine reads the wait through a method, wrapped as it wraps it.
	var ra interface{ RetryAfter() time.Duration }
	if !errors.As(fmt.Errorf("account check: %w", err), &ra) || ra.RetryAfter() != 30*time.Second {
		t.Errorf("err = %v: no RetryAfter method saying 30s", err)
	}
	var rpc *tgerr.Error
	if !errors.As(err, &rpc) || rpc.Type != "FLOOD_WAIT" {
		t.Errorf("err = %v, want Telegram's FLOOD_WAIT in its chain", err)
	}
	if got := e.srv.SignIns(num); got != 0 {
		t.Errorf("SignIns = %d, want 0", got)
	}
}

func TestChecker_CheckAccount_wrongCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.srv.AddAccount(num, mtprototest.Account{})
	e.Deliver(func(number, code string) { e.box.Arrive(number, wrong(code), time.Now()) })
	_, err := e.check(t, num)
	if !errors.Is(err, mtproto.ErrCodeRejected) {
		t.Fatalf("err = %v, want ErrCodeRejected", err)
	}
	if got := e.srv.Sessions(num); got != 0 {
		t.Errorf("Sessions = %d, want 0", got)
	}
}

func TestChecker_CheckAccount_noCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *mtproto.Options) { o.CodeWait = 200 * time.Millisecond })
	e.srv.AddAccount(num, mtprototest.Account{})
	e.Deliver(func(string, string) {})
	_, err := e.check(t, num)
	if !errors.Is(err, mtproto.ErrNoCode) {
		t.Fatalf("err = %v, want ErrNoCode", err)
	}
	if got := e.srv.SignIns(num); got != 0 {
		t.Errorf("SignIns = %d, want 0", got)
	}
}

var errFragment = errors.New("fragment: unavailable")

// The first look at Fragment fails: nothing is sent, nothing dialled.
func TestChecker_CheckAccount_codesFail(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *mtproto.Options) { o.Server = closedAddr(t) })
	e.box.fail = func(int) error { return errFragment }
	_, err := e.check(t, num)
	if !errors.Is(err, errFragment) || errors.Is(err, mtproto.ErrUnavailable) {
		t.Fatalf("err = %v, want the Codes error (and no dial)", err)
	}
}

// A server that takes the connection and never answers: the caller's
// deadline ends the check.
func TestChecker_CheckAccount_callerGivesUp(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	e := newEnv(t, func(o *mtproto.Options) { o.Server = l.Addr().String() })
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = e.checker.CheckAccount(ctx, num)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, mtproto.ErrUnavailable) {
		t.Fatalf("err = %v, want the context's deadline only", err)
	}
}

func TestChecker_CheckAccount_badNumber(t *testing.T) {
	t.Parallel()
	// The checker points at a closed port: a dial would be ErrUnavailable.
	e := newEnv(t, func(o *mtproto.Options) { o.Server = closedAddr(t) })
	for _, n := range []string{"", "+", "88801234567", "+79991234567", "+888 0123 4567", "+888012a4567", "+888", "+8880123456789012"} {
		if _, err := e.check(t, n); !errors.Is(err, mtproto.ErrBadNumber) {
			t.Errorf("CheckAccount(%q) err = %v, want ErrBadNumber", n, err)
		}
	}
	if got := e.box.Looks(); got != 0 {
		t.Errorf("Fragment was asked %d times about bad numbers", got)
	}
}

// closedAddr is a localhost address nothing listens on.
func closedAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

func TestChecker_CheckAccount_unavailable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *mtproto.Options) { o.Server, o.DialTimeout = closedAddr(t), time.Second })
	_, err := e.check(t, num)
	if !errors.Is(err, mtproto.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v reads as the caller's context ending", err)
	}
}
