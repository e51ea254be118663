package mtproto

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"allot/domain"
)

// fakeAPI is a tg.Invoker that answers each method with a function of the
// request, so that the flow can be tested without a key exchange (a
// second of CPU each under -race). The end-to-end tests use mtprototest.
type fakeAPI struct {
	mu     sync.Mutex
	calls  []string
	answer map[uint32]func(req bin.Encoder) (bin.Encoder, error)
}

func (f *fakeAPI) on(id uint32, h func(req bin.Encoder) (bin.Encoder, error)) *fakeAPI {
	if f.answer == nil {
		f.answer = map[uint32]func(bin.Encoder) (bin.Encoder, error){}
	}
	f.answer[id] = h
	return f
}

// reply answers id with res always.
func (f *fakeAPI) reply(id uint32, res bin.Encoder) *fakeAPI {
	return f.on(id, func(bin.Encoder) (bin.Encoder, error) { return res, nil })
}

// fail answers id with err always.
func (f *fakeAPI) fail(id uint32, err error) *fakeAPI {
	return f.on(id, func(bin.Encoder) (bin.Encoder, error) { return nil, err })
}

func (f *fakeAPI) Invoke(ctx context.Context, in bin.Encoder, out bin.Decoder) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	typed, _ := in.(interface {
		TypeID() uint32
		TypeName() string
	})
	f.mu.Lock()
	f.calls = append(f.calls, typed.TypeName())
	h := f.answer[typed.TypeID()]
	f.mu.Unlock()
	if h == nil {
		return tgerr.New(400, "INPUT_METHOD_INVALID")
	}
	res, err := h(in)
	if err != nil {
		return err
	}
	var b bin.Buffer
	if err := res.Encode(&b); err != nil {
		return err
	}
	return out.Decode(&b)
}

func (f *fakeAPI) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// staticCodes shows the same codes on every look, after the first (the
// look before the code is asked for), which shows before.
type staticCodes struct {
	mu     sync.Mutex
	looks  int
	before []domain.LoginCode
	after  []domain.LoginCode
	err    func(look int) error
}

func (s *staticCodes) LoginCodes(ctx context.Context, _ string) ([]domain.LoginCode, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.looks++
	if s.err != nil {
		if err := s.err(s.looks); err != nil {
			return nil, err
		}
	}
	if s.looks == 1 {
		return s.before, nil
	}
	return s.after, nil
}

const (
	testHash   = "00112233445566778899aabbccddeeff"
	testNumber = "+88801234567"
)

var testNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// newTestChecker makes a Checker for internal tests: quick polls, a short
// wait, a fixed clock.
func newTestChecker(t testing.TB, codes Codes) *Checker {
	t.Helper()
	c, err := New(Options{
		AppID: 1, AppHash: testHash, Codes: codes, CodeWait: time.Second, CodePoll: time.Millisecond,
		Now: func() time.Time { return testNow }, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// runFlow runs the flow after connecting on api, with codes showing one
// fresh code, as CheckAccount does.
func runFlow(t testing.TB, api *fakeAPI) (domain.AccountVerdict, error) {
	t.Helper()
	codes := &staticCodes{after: []domain.LoginCode{{Code: "12345"}}}
	c := newTestChecker(t, codes)
	ctx := context.Background()
	a := &attempt{c: c, api: tg.NewClient(api), outer: ctx, number: testNumber, phone: testNumber[1:], seen: noteCodes(nil)}
	return a.run(ctx)
}

// fragmentSent is a sentCode as +888 numbers get it: on Fragment.
var fragmentSent = &tg.AuthSentCode{
	Type: &tg.AuthSentCodeTypeFragmentSMS{URL: "https://fragment.com/", Length: 5}, PhoneCodeHash: "h1",
}
