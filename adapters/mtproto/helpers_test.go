package mtproto_test

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"allot/adapters/mtproto"
	"allot/adapters/mtproto/mtprototest"
	"allot/domain"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	appID   = 94575
	appHash = "5f3c9a1e7b2d4c6e8f0a1b2c3d4e5f60"
	num     = "+88801234567"
	num2    = "+88809876543"
)

var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// codeBox is an in-test fragment.com: codes arrive, LoginCodes lists
// them newest first. fail, when set, may fail the n-th look (from 1).
type codeBox struct {
	mu    sync.Mutex
	codes map[string][]domain.LoginCode // newest first
	looks int
	fail  func(n int) error
}

func newCodeBox() *codeBox { return &codeBox{codes: map[string][]domain.LoginCode{}} }

func (b *codeBox) Arrive(number, code string, at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.codes[number] = append([]domain.LoginCode{{Code: code, At: at}}, b.codes[number]...)
}

func (b *codeBox) LoginCodes(ctx context.Context, number string) ([]domain.LoginCode, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.looks++
	if b.fail != nil {
		if err := b.fail(b.looks); err != nil {
			return nil, err
		}
	}
	return append([]domain.LoginCode(nil), b.codes[number]...), nil
}

func (b *codeBox) Looks() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.looks
}

// syncBuffer is a log sink safe for concurrent checks.
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

// env is a fake Telegram whose codes land in a codeBox, and a Checker
// against both, logging at debug level into logs. Every code the fake
// sent is in issued.
type env struct {
	srv     *mtprototest.Server
	box     *codeBox
	logs    *syncBuffer
	checker *mtproto.Checker

	mu       sync.Mutex
	issued   []string                  // every code the fake sent
	errTexts []string                  // every error check returned
	deliver  func(number, code string) // what becomes of a code: into box by default
}

// newEnv starts the fake and makes the checker; tweak may change the
// checker's options before New. The checker's clock is the fake's.
func newEnv(t testing.TB, tweak func(*mtproto.Options)) *env {
	t.Helper()
	srv, err := mtprototest.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	srv.SetNow(t0)
	e := &env{srv: srv, box: newCodeBox(), logs: &syncBuffer{}}
	e.deliver = func(number, code string) { e.box.Arrive(number, code, time.Now()) }
	srv.OnCode(e.onCode)
	o := mtproto.Options{
		AppID: appID, AppHash: appHash, Codes: e.box,
		CodeWait: 20 * time.Second, CodePoll: 10 * time.Millisecond, DialTimeout: 10 * time.Second,
		Server: srv.Addr(), ServerKeys: srv.Keys(), Now: srv.Now,
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if tweak != nil {
		tweak(&o)
	}
	if e.checker, err = mtproto.New(o); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.assertNoSecrets(t) })
	return e
}

var digitRuns = regexp.MustCompile(`\d+`)

// assertNoSecrets fails t when the app hash or a code the fake sent shows
// in the logs or in an error a check returned: every test that uses an
// env is a secrets test too. Codes are matched as whole digit runs, so a
// port or a number that happens to hold the same five digits is no alarm.
func (e *env) assertNoSecrets(t testing.TB) {
	t.Helper()
	e.mu.Lock()
	texts := append([]string{e.logs.String()}, e.errTexts...)
	codes := append([]string(nil), e.issued...)
	e.mu.Unlock()
	for _, text := range texts {
		if strings.Contains(strings.ToLower(text), appHash) {
			t.Errorf("the app hash shows in %q", text)
		}
		runs := digitRuns.FindAllString(text, -1)
		for _, c := range codes {
			if slices.Contains(runs, c) || slices.Contains(runs, wrong(c)) {
				t.Errorf("login code %s shows in %q", c, text)
			}
		}
	}
}

func (e *env) onCode(number, code string) {
	e.mu.Lock()
	e.issued = append(e.issued, code)
	deliver := e.deliver
	e.mu.Unlock()
	deliver(number, code)
}

// Deliver changes what becomes of the codes the fake sends.
func (e *env) Deliver(f func(number, code string)) {
	e.mu.Lock()
	e.deliver = f
	e.mu.Unlock()
}

// Issued returns every code the fake sent.
func (e *env) Issued() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.issued...)
}

// check runs one CheckAccount, bounded so that a hang fails the test
// instead of stalling it.
func (e *env) check(t testing.TB, number string) (domain.AccountVerdict, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, err := e.checker.CheckAccount(ctx, number)
	if err != nil {
		e.mu.Lock()
		e.errTexts = append(e.errTexts, err.Error())
		e.mu.Unlock()
	}
	return v, err
}

// mustVerdict runs a check that must succeed with outcome want.
func (e *env) mustVerdict(t testing.TB, number string, want domain.AccountOutcome) domain.AccountVerdict {
	t.Helper()
	v, err := e.check(t, number)
	if err != nil {
		t.Fatalf("CheckAccount(%s): %v", number, err)
	}
	if v.Outcome != want {
		t.Fatalf("CheckAccount(%s) = %v, want %v", number, v.Outcome, want)
	}
	return v
}

// wrong returns a code that is not code.
func wrong(code string) string {
	b := []byte(code)
	b[len(b)-1] = '0' + (b[len(b)-1]-'0'+1)%10
	return string(b)
}
