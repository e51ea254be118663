package mtprototest_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"go.uber.org/goleak"

	"allot/adapters/mtproto/mtprototest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// codeLog keeps the codes OnCode saw.
type codeLog struct {
	mu    sync.Mutex
	codes map[string][]string
}

func (l *codeLog) add(number, code string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.codes[number] = append(l.codes[number], code)
}

func (l *codeLog) last(number string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.codes[number]
	if len(c) == 0 {
		return ""
	}
	return c[len(c)-1]
}

func (l *codeLog) count(number string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.codes[number])
}

// dial runs f on a gotd client connected to srv: one key exchange, so
// one client does all the protocol cases.
func dial(t *testing.T, srv *mtprototest.Server, f func(ctx context.Context, api *tg.Client)) {
	t.Helper()
	host, port, _ := net.SplitHostPort(srv.Addr())
	p, _ := strconv.Atoi(port)
	client := telegram.NewClient(1, "00112233445566778899aabbccddeeff", telegram.Options{
		DCList:     dcs.List{Options: []tg.DCOption{{ID: 2, IPAddress: host, Port: p}}},
		PublicKeys: []telegram.PublicKey{{RSA: srv.Keys()[0]}},
		NoUpdates:  true,
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := client.Run(ctx, func(ctx context.Context) error { f(ctx, client.API()); return nil }); err != nil {
		t.Fatal(err)
	}
}

// wantRPC fails t unless err is Telegram's error of type typ.
func wantRPC(t *testing.T, what string, err error, typ string) {
	t.Helper()
	if rpc, ok := tgerr.As(err); !ok || rpc.Type != typ {
		t.Errorf("%s: err = %v, want %s", what, err, typ)
	}
}

const (
	clean    = "+88800000001"
	password = "+88800000002"
	live     = "+88800000003"
	banned   = "+88800000004"
	absent   = "+88800000005"
)

func newServer(t *testing.T) (*mtprototest.Server, *codeLog) {
	t.Helper()
	srv, err := mtprototest.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	codes := &codeLog{codes: map[string][]string{}}
	srv.OnCode(codes.add)
	srv.AddAccount(clean, mtprototest.Account{})
	srv.AddAccount(password, mtprototest.Account{Password: true, DeleteWait: time.Hour})
	srv.AddAccount(live, mtprototest.Account{})
	srv.SessionsLive(live, true)
	srv.Ban(banned)
	return srv, codes
}

func sendCode(ctx context.Context, api *tg.Client, number string) (*tg.AuthSentCode, error) {
	sent, err := api.AuthSendCode(ctx, &tg.AuthSendCodeRequest{
		PhoneNumber: strings.TrimPrefix(number, "+"), APIID: 1, APIHash: "00112233445566778899aabbccddeeff",
	})
	if err != nil {
		return nil, err
	}
	s, _ := sent.(*tg.AuthSentCode)
	return s, nil
}

func signIn(ctx context.Context, api *tg.Client, number, hash, code string) (tg.AuthAuthorizationClass, error) {
	return api.AuthSignIn(ctx, &tg.AuthSignInRequest{PhoneNumber: strings.TrimPrefix(number, "+"), PhoneCodeHash: hash, PhoneCode: code})
}

func TestServer_protocol(t *testing.T) {
	srv, codes := newServer(t)
	// A connection that closes before saying anything stops tgtest's
	// serving; the fake serves on.
	if c, err := net.Dial("tcp", srv.Addr()); err == nil {
		_ = c.Close()
	}
	dial(t, srv, func(ctx context.Context, api *tg.Client) {
		t.Run("clean account", func(t *testing.T) { cleanAccount(ctx, t, srv, api, codes) })
		t.Run("password account", func(t *testing.T) { passwordAccount(ctx, t, srv, api, codes) })
		t.Run("live sessions", func(t *testing.T) { liveSessions(ctx, t, api, codes) })
		t.Run("refusals", func(t *testing.T) { refusals(ctx, t, srv, api) })
	})
}

func cleanAccount(ctx context.Context, t *testing.T, srv *mtprototest.Server, api *tg.Client, codes *codeLog) {
	sent, err := sendCode(ctx, api, clean)
	if err != nil || sent == nil {
		t.Fatalf("sendCode = %v, %v", sent, err)
	}
	if ty, ok := sent.Type.(*tg.AuthSentCodeTypeFragmentSMS); !ok || !strings.Contains(ty.URL, "fragment.com") || ty.Length != 5 {
		t.Errorf("sent type = %v, want Fragment with a URL and length 5", sent.Type)
	}
	code := codes.last(clean)
	if _, err := strconv.Atoi(code); len(code) != 5 || err != nil {
		t.Fatalf("OnCode got %q, want 5 digits", code)
	}
	wrong := strconv.Itoa((mustAtoi(code)+1)%100000 + 100000)[1:]
	_, err = signIn(ctx, api, clean, sent.PhoneCodeHash, wrong)
	wantRPC(t, "wrong code", err, "PHONE_CODE_INVALID")
	if auth, err := signIn(ctx, api, clean, sent.PhoneCodeHash, code); err != nil {
		t.Fatalf("signIn = %v", err)
	} else if _, ok := auth.(*tg.AuthAuthorization); !ok {
		t.Fatalf("signIn = %T, want an authorization", auth)
	}
	if got := srv.Sessions(clean); got != 1 {
		t.Errorf("Sessions = %d, want 1", got)
	}
	_, err = signIn(ctx, api, clean, sent.PhoneCodeHash, code)
	wantRPC(t, "used hash", err, "PHONE_CODE_EXPIRED")
	if got := srv.SignIns(clean); got != 3 {
		t.Errorf("SignIns = %d, want 3", got)
	}
	if _, err := api.AuthLogOut(ctx); err != nil {
		t.Fatalf("logOut = %v", err)
	}
	if got := srv.Sessions(clean); got != 0 {
		t.Errorf("Sessions after logOut = %d, want 0", got)
	}
	_, err = api.AuthLogOut(ctx)
	wantRPC(t, "second logOut", err, "AUTH_KEY_UNREGISTERED")
	_, err = api.AccountDeleteAccount(ctx, &tg.AccountDeleteAccountRequest{Reason: "x"})
	wantRPC(t, "deleteAccount signed out", err, "AUTH_KEY_UNREGISTERED")
}

func mustAtoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func passwordAccount(ctx context.Context, t *testing.T, srv *mtprototest.Server, api *tg.Client, codes *codeLog) {
	sent, err := sendCode(ctx, api, password)
	if err != nil {
		t.Fatal(err)
	}
	_, err = signIn(ctx, api, password, sent.PhoneCodeHash, codes.last(password))
	wantRPC(t, "signIn", err, "SESSION_PASSWORD_NEEDED")
	_, err = api.AccountDeleteAccount(ctx, &tg.AccountDeleteAccountRequest{Reason: "x", Password: &tg.InputCheckPasswordEmpty{}})
	wantRPC(t, "deleteAccount with a password", err, "PASSWORD_HASH_INVALID")
	start := srv.Now()
	for _, left := range []int{3600, 1800} {
		_, err = api.AccountDeleteAccount(ctx, &tg.AccountDeleteAccountRequest{Reason: "x"})
		if rpc, ok := tgerr.As(err); !ok || rpc.Code != 420 || rpc.Type != "2FA_CONFIRM_WAIT" || rpc.Argument != left {
			t.Errorf("deleteAccount = %v, want 420 2FA_CONFIRM_WAIT_%d", err, left)
		}
		srv.Advance(30 * time.Minute)
	}
	if at, ok := srv.DeletionRequested(password); !ok || !at.Equal(start) {
		t.Errorf("DeletionRequested = %v, %v; want %v", at, ok, start)
	}
	if ok, err := api.AccountDeleteAccount(ctx, &tg.AccountDeleteAccountRequest{Reason: "x"}); err != nil || !ok {
		t.Fatalf("deleteAccount after the wait = %v, %v", ok, err)
	}
	if !srv.Deleted(password) {
		t.Error("not deleted")
	}
	sent, _ = sendCode(ctx, api, password)
	if auth, err := signIn(ctx, api, password, sent.PhoneCodeHash, codes.last(password)); err != nil {
		t.Errorf("signIn after deletion = %v", err)
	} else if _, ok := auth.(*tg.AuthAuthorizationSignUpRequired); !ok {
		t.Errorf("signIn after deletion = %T, want sign-up required", auth)
	}
}

func liveSessions(ctx context.Context, t *testing.T, api *tg.Client, codes *codeLog) {
	sent, err := sendCode(ctx, api, live)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sent.Type.(*tg.AuthSentCodeTypeApp); !ok {
		t.Errorf("type = %v, want in-app", sent.Type)
	}
	if _, ok := sent.NextType.(*tg.AuthCodeTypeFragmentSMS); !ok {
		t.Errorf("next type = %v, want Fragment", sent.NextType)
	}
	if got := codes.count(live); got != 0 {
		t.Errorf("OnCode saw %d in-app codes", got)
	}
	resent, err := api.AuthResendCode(ctx, &tg.AuthResendCodeRequest{PhoneNumber: live[1:], PhoneCodeHash: sent.PhoneCodeHash})
	if s, ok := resent.(*tg.AuthSentCode); err != nil || !ok {
		t.Fatalf("resendCode = %v, %v", resent, err)
	} else if _, ok := s.Type.(*tg.AuthSentCodeTypeFragmentSMS); !ok {
		t.Errorf("resent type = %v, want Fragment", s.Type)
	}
	if got := codes.count(live); got != 1 {
		t.Errorf("OnCode saw %d codes, want the resent one", got)
	}
	_, err = api.AuthResendCode(ctx, &tg.AuthResendCodeRequest{PhoneNumber: live[1:], PhoneCodeHash: sent.PhoneCodeHash})
	wantRPC(t, "resend with a used hash", err, "PHONE_CODE_EXPIRED")
}

func refusals(ctx context.Context, t *testing.T, srv *mtprototest.Server, api *tg.Client) {
	_, err := sendCode(ctx, api, banned)
	wantRPC(t, "banned", err, "PHONE_NUMBER_BANNED")
	_, err = sendCode(ctx, api, "+888abc")
	wantRPC(t, "odd number", err, "PHONE_NUMBER_INVALID")
	_, err = api.AuthSendCode(ctx, &tg.AuthSendCodeRequest{PhoneNumber: absent[1:]})
	wantRPC(t, "no api id", err, "API_ID_INVALID")
	_, err = signIn(ctx, api, absent, "", "12345")
	wantRPC(t, "no hash", err, "PHONE_CODE_HASH_EMPTY")
	_, err = signIn(ctx, api, absent, "nohash", "")
	wantRPC(t, "no code", err, "PHONE_CODE_EMPTY")
	_, err = signIn(ctx, api, absent, "nohash", "12345")
	wantRPC(t, "unknown hash", err, "PHONE_CODE_EXPIRED")
	_, err = api.HelpGetNearestDC(ctx)
	wantRPC(t, "unknown method", err, "INPUT_METHOD_INVALID")

	srv.FailNext(mtprototest.MethodSendCode, tgerr.New(420, "FLOOD_WAIT_30"))
	_, err = sendCode(ctx, api, absent)
	wantRPC(t, "injected", err, "FLOOD_WAIT")
	if _, err := sendCode(ctx, api, absent); err != nil {
		t.Errorf("after the injected fault: %v", err)
	}
}

// Close returns while a client holds a connection that says nothing.
func TestServer_Close(t *testing.T) {
	srv, err := mtprototest.New()
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv.Close()
	srv.Close() // again: nothing
}

// The state methods may be called from any goroutine while RPCs run.
func TestServer_concurrentState(t *testing.T) {
	srv, err := mtprototest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			n := "+8880000001" + strconv.Itoa(i)
			srv.AddAccount(n, mtprototest.Account{Password: i%2 == 0})
			srv.SessionsLive(n, true)
			srv.Advance(time.Second)
			srv.FailNext(mtprototest.MethodSignIn, tgerr.New(500, "X"))
			_ = srv.Sessions(n) + srv.SignIns(n)
			_, _ = srv.DeletionRequested(n)
			_ = srv.Deleted(n)
			srv.Ban(n)
		})
	}
	wg.Wait()
}

// A playground keeps its key and port across restarts.
func TestNew_options(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 1024) // not used for an exchange here
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mtprototest.New(mtprototest.WithKey(key), mtprototest.WithAddr("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if keys := srv.Keys(); len(keys) != 1 || !keys[0].Equal(&key.PublicKey) {
		t.Errorf("Keys = %v, want the given key's public half", keys)
	}
	if _, err := mtprototest.New(mtprototest.WithAddr(srv.Addr())); err == nil {
		t.Error("New listened on a port in use")
	}
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	srv.SetNow(at)
	if got := srv.Now(); !got.Equal(at) {
		t.Errorf("Now = %v, want %v", got, at)
	}
}
