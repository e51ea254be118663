package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"allot/actors"
	"allot/adapters/telegram/telegramtest"
	"allot/domain"
)

// The adversarial suite presses "code" like every other button: with the
// relay off (its world has no Codes), a renter is told so and anyone else
// is refused, and nothing durable changes. (Its line belongs in
// accessCases, access_cases_test.go; it is added here until it moves.)
// fakeCodes is Fragment as the bot's port sees it: the codes of each
// number, newest first, an error to answer with instead, and how many
// times each number was asked for.
type fakeCodes struct {
	mu    sync.Mutex
	codes map[string][]domain.LoginCode
	err   error
	calls map[string]int
}

var _ LoginCodes = (*fakeCodes)(nil)

func newFakeCodes() *fakeCodes {
	return &fakeCodes{codes: map[string][]domain.LoginCode{}, calls: map[string]int{}}
}

func (f *fakeCodes) LoginCodes(_ context.Context, number string) ([]domain.LoginCode, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[number]++
	if f.err != nil {
		return nil, f.err
	}
	return slices.Clone(f.codes[number]), nil
}

// Arrive is Telegram sending code to number at at.
func (f *fakeCodes) Arrive(number, code string, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.codes[number] = append([]domain.LoginCode{{Code: code, At: at}}, f.codes[number]...)
}

// Fail makes every call answer err (nil: answer again).
func (f *fakeCodes) Fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func (f *fakeCodes) Calls(number string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[number]
}

const codeNumber = "+88800000001"

var mallory = telegramtest.User{ID: 1666, FirstName: "Mallory", Username: "mallory", LanguageCode: "en"}

// codeWorld is a world whose bot relays codes from fake, waiting watch and
// looking every poll. Its clock starts a minute ago, so codes that arrive
// "now" in real time come after a rental begins.
func codeWorld(t *testing.T, fake LoginCodes, watch, poll time.Duration, limits ...LimitOptions) (*world, *testClock) {
	t.Helper()
	return codeWorldLogged(t, fake, watch, poll, nil, limits...)
}

// codeWorldLogged is codeWorld whose bot logs to log.
func codeWorldLogged(t *testing.T, fake LoginCodes, watch, poll time.Duration, log *slog.Logger,
	limits ...LimitOptions) (*world, *testClock) {
	t.Helper()
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	clock := &testClock{t: time.Now().UTC().Add(-time.Minute).Truncate(time.Second)}
	w := newWorldLogged(t, srv, t.TempDir(), clock, func(_ *actors.Options, c *Config) {
		c.Codes, c.CodeWatch, c.CodePoll = fake, watch, poll
	}, log, limits...)
	return w, clock
}

// rentByHand has u (who speaks English) rent number from the balance the
// admin gives them, as a person does, and returns their rental's card.
func (w *world) rentByHand(u telegramtest.User, number string) telegramtest.Message {
	w.t.Helper()
	w.admin("add_number", number)
	before := lastID(w.srv, u)
	w.srv.Command(u, "start", "")
	m := w.seeOn(u, -before, "Hello, "+u.FirstName)
	w.admin("adjust", "@"+u.Username+" 50 start")
	w.press(u, m, "📱 Numbers")
	w.press(u, w.seeOn(u, m.ID, "Numbers — page"), number)
	w.press(u, w.seeOn(u, m.ID, "Status: free"), "Rent for 30 days")
	w.press(u, w.seeOn(u, m.ID, "goes back to the operator"), "💰 From balance")
	w.press(u, w.seeOn(u, m.ID, "is yours until"), "🗂 My rentals")
	w.press(u, w.seeOn(u, m.ID, "My rentals"), number)
	return w.seeOn(u, m.ID, "Rented until")
}

// barrier returns once u's session has handled everything sent before:
// their updates are handled in order, so a menu asked for now comes last.
func (w *world) barrier(u telegramtest.User, greeting string) {
	w.t.Helper()
	before := lastID(w.srv, u)
	w.srv.Command(u, "start", "")
	w.seeOn(u, -before, greeting)
}

func waiting(b *Bot, u telegramtest.User, number string) bool {
	_, _, ok := b.watches.get(watchKey{domain.UserID(u.ID), number})
	return ok
}

// codesIn returns the text of m's code entities: what copies on a tap.
func codesIn(m telegramtest.Message) []string {
	units := utf16.Encode([]rune(m.Text))
	var out []string
	for _, e := range m.Entities {
		if e.Type == "code" && e.Offset+e.Length <= len(units) {
			out = append(out, string(utf16.Decode(units[e.Offset:e.Offset+e.Length])))
		}
	}
	return out
}

// saw counts u's messages that hold part.
func saw(srv *telegramtest.Server, u telegramtest.User, part string) int {
	n := 0
	for _, m := range srv.Messages(u.ID) {
		if strings.Contains(m.Text, part) {
			n++
		}
	}
	return n
}

func TestLoginCode_ShowsTheLatestThenPushesANewOne(t *testing.T) {
	fake := newFakeCodes()
	w, clock := codeWorld(t, fake, time.Minute, 10*time.Millisecond)
	fake.Arrive(codeNumber, "52741", clock.Now().Add(-time.Hour)) // a former holder's
	card := w.rentByHand(alice, codeNumber)
	fake.Arrive(codeNumber, "11111", time.Now())

	w.press(alice, card, "🔑 Login code")
	shown := w.seeOn(alice, card.ID, "latest login code", "11111", "official Telegram app", "Never set a cloud password",
		"every session on the number is ended", "Waiting for a new code")
	if got := codesIn(shown); !slices.Contains(got, "11111") {
		t.Fatalf("the code is not in a <code> entity to copy: %q", got)
	}
	if !waiting(w.bot, alice, codeNumber) {
		t.Fatal("no wait for a new code")
	}

	fake.Arrive(codeNumber, "22222", time.Now())
	pushed := w.see(alice, "A new login code", "22222")
	if pushed.ID == card.ID || !slices.Contains(codesIn(pushed), "22222") {
		t.Fatalf("the new code was not pushed as a new message with a code to copy: %+v", pushed)
	}
	waitUntil(t, func() bool { return !waiting(w.bot, alice, codeNumber) })
	w.barrier(alice, "Hello, Alice")
	if n := saw(w.srv, alice, "22222"); n != 1 {
		t.Fatalf("the new code was shown %d times, want once", n)
	}
	if n := saw(w.srv, alice, "52741"); n != 0 {
		t.Fatal("a code sent before the rental began was shown")
	}
}

func TestLoginCode_AStrangerIsRefusedAndFragmentNeverAsked(t *testing.T) {
	fake := newFakeCodes()
	w, _ := codeWorld(t, fake, time.Minute, 10*time.Millisecond)
	w.rentByHand(alice, codeNumber)
	fake.Arrive(codeNumber, "31337", time.Now())
	w.barrier(mallory, "Hello, Mallory")

	before := lastID(w.srv, mallory)
	w.forge(mallory, "1:code:"+codeNumber)
	w.seeOn(mallory, -before, "You do not rent this number")
	before = lastID(w.srv, mallory)
	w.srv.Command(mallory, "code", codeNumber)
	w.seeOn(mallory, -before, "You do not rent this number")
	before = lastID(w.srv, mallory)
	w.srv.Command(mallory, "code", "+88899999999")
	w.seeOn(mallory, -before, "no longer available")
	before = lastID(w.srv, mallory)
	w.srv.Command(mallory, "code", "+1 555 0100")
	w.seeOn(mallory, -before, "not a +888 number")
	before = lastID(w.srv, mallory)
	w.srv.Command(mallory, "code", "")
	w.seeOn(mallory, -before, "You have no rentals")

	// The last guard: a code handed to the wrong person's session is
	// authorized again there, and dropped.
	w.bot.enqueue(mallory.ID, true, func(s *session) {
		s.pushCode(codeNumber, domain.LoginCode{Code: "31337", At: time.Now()})
	})
	w.barrier(mallory, "Hello, Mallory")

	if n := fake.Calls(codeNumber); n != 0 {
		t.Fatalf("Fragment was asked %d times for a stranger", n)
	}
	if n := saw(w.srv, mallory, "31337"); n != 0 || waiting(w.bot, mallory, codeNumber) {
		t.Fatal("a stranger saw a code, or waits for one")
	}
}

func TestLoginCode_FollowsATransfer(t *testing.T) {
	fake := newFakeCodes()
	w, clock := codeWorld(t, fake, time.Minute, 10*time.Millisecond)
	card := w.rentByHand(alice, codeNumber)
	fake.Arrive(codeNumber, "11111", time.Now())
	w.press(alice, card, "🔑 Login code")
	shown := w.seeOn(alice, card.ID, "11111", "Waiting for a new code")

	// Alice hands the number to Bob while she waits for a code.
	w.barrier(bob, "Здравствуйте, Bob")
	w.srv.Command(alice, "start", "")
	menu := w.see(alice, "Hello, Alice")
	w.press(alice, menu, "🗂 My rentals")
	w.press(alice, w.seeOn(alice, menu.ID, "My rentals"), codeNumber)
	w.press(alice, w.seeOn(alice, menu.ID, "Rented until"), "🎁 Transfer")
	w.seeOn(alice, menu.ID, "@username")
	w.srv.SendText(alice, "@bob")
	offer := w.see(bob, "предлагает вам аренду")
	clock.Set(time.Now().UTC()) // Bob's holding begins after Alice's code came
	w.press(bob, offer, "✅ Принять")
	w.see(bob, "ваш до")

	// Her wait ends by itself; her old button is refused, and asks nobody.
	waitUntil(t, func() bool { return !waiting(w.bot, alice, codeNumber) })
	fake.Arrive(codeNumber, "22222", time.Now())
	calls := fake.Calls(codeNumber)
	w.press(alice, shown, "🔑 Login code")
	w.seeOn(alice, shown.ID, "You do not rent this number")
	if n := fake.Calls(codeNumber); n != calls {
		t.Fatalf("the former holder's press asked Fragment (%d calls, then %d)", calls, n)
	}

	// Bob, who rents one number, asks with /code alone: his code, not hers.
	before := lastID(w.srv, bob)
	w.srv.Command(bob, "code", "")
	got := w.seeOn(bob, -before, "22222")
	if strings.Contains(got.Text, "11111") {
		t.Fatalf("the new holder was shown the former holder's code: %q", got.Text)
	}
	w.barrier(alice, "Hello, Alice")
	if n := saw(w.srv, alice, "22222"); n != 0 {
		t.Fatal("the former holder saw the new holder's code")
	}
}

func TestLoginCode_ExpiryEndsIt(t *testing.T) {
	fake := newFakeCodes()
	w, clock := codeWorld(t, fake, time.Minute, 10*time.Millisecond)
	card := w.rentByHand(alice, codeNumber)
	fake.Arrive(codeNumber, "11111", time.Now())
	n, err := w.eng.Number(context.Background(), codeNumber)
	if err != nil || n.Rental == nil {
		t.Fatalf("after renting: %+v, %v", n, err)
	}
	clock.Set(n.Rental.Until.Add(time.Minute))
	w.eng.Advance()
	w.see(alice, "has ended")

	w.press(alice, card, "🔑 Login code")
	w.seeOn(alice, card.ID, "You do not rent this number")
	if calls := fake.Calls(codeNumber); calls != 0 || saw(w.srv, alice, "11111") != 0 {
		t.Fatalf("after the end: %d calls to Fragment, code shown %d times", calls, saw(w.srv, alice, "11111"))
	}
}

func TestLoginCode_FiftyPressesOneWatcher(t *testing.T) {
	fake := newFakeCodes()
	// A wait longer than the test, looking less often than that: only
	// presses could ask Fragment.
	w, _ := codeWorld(t, fake, 2*time.Hour, time.Hour,
		LimitOptions{MessagesPerMin: 6000, MessageBurst: 1000, OperationsPerMin: 6000, OperationBurst: 1000, PaymentsPerMin: 6000})
	card := w.rentByHand(alice, codeNumber)
	fake.Arrive(codeNumber, "11111", time.Now())
	data := ""
	for _, b := range card.Buttons() {
		if strings.HasPrefix(b.Text, "🔑 Login code") {
			data = b.CallbackData
		}
	}
	for range 50 { // one after another: a person's queue holds 32 updates
		handled := w.bot.handled.count.Load()
		if _, err := w.srv.PressButton(alice, card.ID, data); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, func() bool { return w.bot.handled.count.Load() > handled })
	}
	w.barrier(alice, "Hello, Alice")
	if n := fake.Calls(codeNumber); n != 1 {
		t.Fatalf("fifty presses asked Fragment %d times, want once", n)
	}
	if !waiting(w.bot, alice, codeNumber) {
		t.Fatal("no wait")
	}
	if shown := w.srv.Messages(alice.ID); !slices.ContainsFunc(shown, func(m telegramtest.Message) bool {
		return m.ID == card.ID && strings.Contains(m.Text, "11111") && strings.Contains(m.Text, "Waiting for a new code")
	}) {
		t.Fatal("a press while waiting does not show the latest code and the wait")
	}
	// The wait outlives the test: closing the bot ends it (world.close
	// waits for it with the sessions).
}

func TestLoginCode_AWaitWithoutACodeSaysSoOnce(t *testing.T) {
	fake := newFakeCodes()
	const watch, poll = 200 * time.Millisecond, 20 * time.Millisecond
	w, _ := codeWorld(t, fake, watch, poll)
	card := w.rentByHand(alice, codeNumber)
	w.press(alice, card, "🔑 Login code")
	w.seeOn(alice, card.ID, "No login code", "has come yet", "Waiting for a new code")
	w.see(alice, "came while waiting")
	waitUntil(t, func() bool { return !waiting(w.bot, alice, codeNumber) })
	w.barrier(alice, "Hello, Alice")
	if n := saw(w.srv, alice, "came while waiting"); n != 1 {
		t.Fatalf("told %d times that no code came, want once", n)
	}
	// One look when pressed, then at most one a poll, and one more a
	// slow scheduler may let through with the end.
	if n, most := fake.Calls(codeNumber), 1+int(watch/poll)+2; n > most {
		t.Fatalf("Fragment was asked %d times, at most %d expected", n, most)
	}
}

func TestLoginCode_RelayOff(t *testing.T) {
	w, _ := codeWorld(t, nil, 0, 0)
	card := w.rentByHand(alice, codeNumber)
	w.press(alice, card, "🔑 Login code")
	w.seeOn(alice, card.ID, "does not relay login codes", "contact the operator")
	w.barrier(mallory, "Hello, Mallory")
	before := lastID(w.srv, mallory)
	w.forge(mallory, "1:code:"+codeNumber)
	w.seeOn(mallory, -before, "You do not rent this number")
}

func TestLoginCode_FragmentErrors(t *testing.T) {
	fake := newFakeCodes()
	w, _ := codeWorld(t, fake, time.Minute, 10*time.Millisecond)
	card := w.rentByHand(alice, codeNumber)
	for _, c := range []struct {
		err  error
		says string
	}{
		{errors.New("fragment: unavailable"), "try again in a minute"},
		{fmt.Errorf("fragment: session expired"), "try again in a minute"},
		{fmt.Errorf("fragment: +888…: %w", ErrCodesNotOwned), "contact the operator"},
	} {
		fake.Fail(c.err)
		w.press(alice, card, "🔑 Login code")
		failed := w.seeOn(alice, card.ID, c.says)
		if waiting(w.bot, alice, codeNumber) {
			t.Fatalf("%v: a wait started on a failed look", c.err)
		}
		w.press(alice, failed, "« Back")
		card = w.seeOn(alice, card.ID, "Rented until")
	}
	fake.Fail(nil)
	fake.Arrive(codeNumber, "11111", time.Now())
	w.press(alice, card, "🔑 Login code")
	w.seeOn(alice, card.ID, "11111")
}

// TestLoginCode_NeverLogged makes every path that logs run with a code in
// hand: a look that fails while waiting, then a pushed code whose message
// Telegram refuses. The log holds neither code.
func TestLoginCode_NeverLogged(t *testing.T) {
	fake := newFakeCodes()
	var log lockedBuffer
	logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w, _ := codeWorldLogged(t, fake, time.Minute, 10*time.Millisecond, logger)
	card := w.rentByHand(alice, codeNumber)
	fake.Arrive(codeNumber, "11111", time.Now())
	w.press(alice, card, "🔑 Login code")
	w.seeOn(alice, card.ID, "11111", "Waiting for a new code")

	fake.Fail(errors.New("fragment: unavailable"))
	waitUntil(t, func() bool { return strings.Contains(log.String(), "fragment: unavailable") })
	w.srv.FailNext("sendMessage", 1, 400, 0)
	fake.Fail(nil)
	fake.Arrive(codeNumber, "22222", time.Now())
	waitUntil(t, func() bool { return strings.Contains(log.String(), "sending failed") })
	for _, code := range []string{"11111", "22222"} {
		if strings.Contains(log.String(), code) {
			t.Fatalf("a code reached the log:\n%s", log.String())
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestVisibleCodes_OnlyThisHoldingNewestFirst(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	n := &domain.Number{ID: codeNumber, Rental: &domain.Rental{Renter: 2, Since: t0.Add(-48 * time.Hour)},
		History: []domain.Holding{{User: 1, From: t0.Add(-48 * time.Hour), To: t0, How: "rented"},
			{User: 2, From: t0, How: "transferred"}}}
	codes := []domain.LoginCode{{Code: "a", At: t0.Add(time.Minute)}, {Code: "b", At: t0.Add(-time.Minute)},
		{Code: "c"}, {Code: "d", At: t0.Add(2 * time.Minute)}, {Code: "e", At: t0}}
	var got []string
	for _, c := range visibleCodes(n, 2, codes) {
		got = append(got, c.Code)
	}
	if want := []string{"d", "a", "e", "c"}; !slices.Equal(got, want) {
		t.Fatalf("visible codes %q, want %q (none before the transfer; undated last)", got, want)
	}
}
