package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mymmrac/telego"

	"allot/actors"
	"allot/adapters/telegram/telegramtest"
	"allot/domain"
	"allot/persistence"
)

// holder is a dispatch that handles nothing: it counts each update it is
// given and keeps its done until the test calls release.
type holder struct {
	mu    sync.Mutex
	count map[int]int
	done  map[int]func()
}

func newHolder() *holder { return &holder{count: map[int]int{}, done: map[int]func(){}} }

func (h *holder) dispatch(u telego.Update, done func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.count[u.UpdateID]++
	h.done[u.UpdateID] = done
}

func (h *holder) dispatched(id int) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.count[id]
}

func (h *holder) release(id int) {
	h.mu.Lock()
	done := h.done[id]
	h.mu.Unlock()
	done()
}

func testAPI(t testing.TB, srv *telegramtest.Server) *API {
	t.Helper()
	api, err := NewAPI(srv.Token(), srv.URL(), &http.Client{})
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// startIntake polls srv until the test ends, handing updates to dispatch.
func startIntake(t *testing.T, srv *telegramtest.Server, dispatch func(telego.Update, func())) *intake {
	t.Helper()
	in := newIntake(testAPI(t, srv), 1, allowedUpdates, dispatch, slog.New(slog.DiscardHandler))
	in.pause, in.retry = 5*time.Millisecond, 5*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		in.receive(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-stopped
	})
	return in
}

// held asks the fake, as a fresh client sending no offset, which updates
// it still holds: those the bot has not confirmed.
func held(t *testing.T, srv *telegramtest.Server) []int {
	t.Helper()
	ups, err := testAPI(t, srv).GetUpdates(context.Background(), &telego.GetUpdatesParams{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int
	for _, u := range ups {
		ids = append(ids, u.UpdateID)
	}
	return ids
}

// polls is how many getUpdates calls the fake has answered.
func polls(srv *telegramtest.Server) int { return srv.Stats().Calls["getUpdates"] }

// waitPolls waits until the intake has polled n more times: it has seen
// what the fake holds now and sent the offset it has now.
func waitPolls(t *testing.T, srv *telegramtest.Server, n int) {
	t.Helper()
	from := polls(srv)
	waitUntil(t, func() bool { return polls(srv) >= from+n })
}

// TestIntake_HoldsAnUpdateUntilHandled: an update whose handling is slow is
// still held by Telegram after later polls, and confirmed once it is done.
func TestIntake_HoldsAnUpdateUntilHandled(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	h := newHolder()
	startIntake(t, srv, h.dispatch)
	slow := srv.SendText(alice, "slow")
	waitUntil(t, func() bool { return h.dispatched(slow) == 1 })
	later := srv.SendText(bob, "later") // fetched by a poll sent after slow was dispatched
	waitUntil(t, func() bool { return h.dispatched(later) == 1 })
	if ids := held(t, srv); !slices.Contains(ids, slow) {
		t.Fatalf("the fake holds %v while update %d is being handled; it was confirmed too early", ids, slow)
	}
	h.release(slow)
	waitUntil(t, func() bool { return !slices.Contains(held(t, srv), slow) })
	if ids := held(t, srv); !slices.Contains(ids, later) {
		t.Fatalf("update %d, not handled, is not held: %v", later, ids)
	}
	h.release(later)
	waitUntil(t, func() bool { return len(held(t, srv)) == 0 })
}

// TestIntake_RedeliveredUpdatesAreHandledOnce: an update Telegram returns
// with every poll while it is in flight is dispatched once.
func TestIntake_RedeliveredUpdatesAreHandledOnce(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	h := newHolder()
	startIntake(t, srv, h.dispatch)
	id := srv.SendText(alice, "once")
	waitUntil(t, func() bool { return h.dispatched(id) == 1 })
	waitPolls(t, srv, 5) // each returned the update again
	if n := h.dispatched(id); n != 1 {
		t.Fatalf("update %d dispatched %d times, want 1", id, n)
	}
	h.release(id)
	waitUntil(t, func() bool { return len(held(t, srv)) == 0 })
	waitPolls(t, srv, 2)
	if n := h.dispatched(id); n != 1 {
		t.Fatalf("update %d dispatched %d times after it was done, want 1", id, n)
	}
}

// TestIntake_OffsetWaitsForTheOldestInFlight: a later update done first
// (another person's) does not move the offset past an earlier one still in
// flight; the earlier one done, both are confirmed.
func TestIntake_OffsetWaitsForTheOldestInFlight(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	h := newHolder()
	in := startIntake(t, srv, h.dispatch)
	first := srv.SendText(alice, "first")
	second := srv.SendText(bob, "second")
	waitUntil(t, func() bool { return h.dispatched(first) == 1 && h.dispatched(second) == 1 })
	h.release(second)
	waitPolls(t, srv, 3)
	if off := in.next(); off > first {
		t.Fatalf("offset %d passes update %d, which is in flight", off, first)
	}
	if ids := held(t, srv); !slices.Contains(ids, first) {
		t.Fatalf("the fake holds %v; update %d, in flight, was confirmed", ids, first)
	}
	h.release(first)
	waitUntil(t, func() bool { return len(held(t, srv)) == 0 })
	if off := in.next(); off != second+1 {
		t.Fatalf("offset %d with both done, want %d", off, second+1)
	}
}

// TestIntake_DroppedUpdatesAreConfirmed: updates the bot ignores (no
// sender) are done at once and do not hold the window.
func TestIntake_DroppedUpdatesAreConfirmed(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	eng := openEngine(t)
	b, err := New(eng, testAPI(t, srv), Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	startIntake(t, srv, b.HandleAck)
	srv.PushUpdate(telego.Update{Message: &telego.Message{MessageID: 1, Chat: telego.Chat{ID: 5, Type: "private"}, Text: "x"}})
	waitUntil(t, func() bool { return len(held(t, srv)) == 0 })
}

func openEngine(t *testing.T) *actors.Engine {
	t.Helper()
	eng, err := actors.Open(actors.Options{Dir: t.TempDir(), Fsync: persistence.FsyncOS})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close(context.Background()) })
	return eng
}

// TestBot_StopConfirmsWhatWasHandled: an update whose handling ends after
// the stop began is confirmed by the last getUpdates, so the next start
// does not get it again.
func TestBot_StopConfirmsWhatWasHandled(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	b, err := New(openEngine(t), testAPI(t, srv), Config{PollTimeout: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	b.dispatch = func(u telego.Update, done func()) {
		b.HandleAck(u, func() { <-release; done() }) // the handler returned; its done waits
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- b.Run(ctx) }()
	id := srv.Command(alice, "start", "")
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if _, err := srv.WaitFor(wctx, alice.ID, func(m telegramtest.Message) bool { return strings.Contains(m.Text, "Hello") }); err != nil {
		t.Fatalf("no answer to /start: %v", err)
	}
	cancel()
	close(release)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if ids := held(t, srv); slices.Contains(ids, id) {
		t.Fatalf("update %d, handled before the stop, is delivered again: %v", id, ids)
	}
}

// TestBot_StopLeavesUnhandledUpdates: an update the stop caught before its
// session ran it is not confirmed: Telegram delivers it again.
func TestBot_StopLeavesUnhandledUpdates(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	b, err := New(openEngine(t), testAPI(t, srv), Config{PollTimeout: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan int, 1)
	b.dispatch = func(u telego.Update, _ func()) { got <- u.UpdateID } // never handled
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- b.Run(ctx) }()
	id := srv.Command(alice, "start", "")
	if g := <-got; g != id {
		t.Fatalf("dispatched %d, want %d", g, id)
	}
	cancel()
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if ids := held(t, srv); !slices.Contains(ids, id) {
		t.Fatalf("update %d, never handled, was confirmed: the fake holds %v", id, ids)
	}
}

// webhookBot runs a bot in webhook mode and returns the URL it is posted at.
func webhookBot(t *testing.T, srv *telegramtest.Server, secret string) string {
	t.Helper()
	mux := http.NewServeMux()
	hook := httptest.NewServer(mux)
	t.Cleanup(hook.Close)
	url := hook.URL + "/telegram/webhook"
	b, err := New(openEngine(t), testAPI(t, srv), Config{WebhookURL: url, WebhookSecret: secret,
		WebhookPath: "/telegram/webhook", Mux: mux}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-stopped; err != nil {
			t.Error(err)
		}
	})
	return url
}

// postUpdate posts body to the webhook, retrying the 404s given until Run
// has registered it, and returns the status.
func postUpdate(t *testing.T, url, secret string, body []byte) int {
	t.Helper()
	for i := 0; ; i++ {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if secret != "" {
			req.Header.Set(telego.WebhookSecretTokenHeader, secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || i == 1000 {
			return resp.StatusCode
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBot_WebhookAnswersAfterHandling: a post is answered 200 only once its
// update is handled (the answer to /start is there when the post returns);
// a body that is not an update gets 400, a post without the secret 401.
func TestBot_WebhookAnswersAfterHandling(t *testing.T) {
	const secret = "s3cret_-s3cret_-"
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	srv.AddUser(alice)
	url := webhookBot(t, srv, secret)
	from := telego.User{ID: alice.ID, FirstName: alice.FirstName, Username: alice.Username, LanguageCode: alice.LanguageCode}
	start, err := json.Marshal(telego.Update{UpdateID: 1, Message: &telego.Message{MessageID: 1, From: &from,
		Chat: telego.Chat{ID: alice.ID, Type: telego.ChatTypePrivate}, Date: time.Now().Unix(), Text: "/start",
		Entities: []telego.MessageEntity{{Type: telego.EntityTypeBotCommand, Length: 6}}}})
	if err != nil {
		t.Fatal(err)
	}
	if code := postUpdate(t, url, secret, start); code != http.StatusOK {
		t.Fatalf("/start got %d", code)
	}
	answered := false
	for _, m := range srv.Messages(alice.ID) {
		answered = answered || !m.FromUser && strings.Contains(m.Text, "Hello")
	}
	if !answered {
		t.Fatalf("the post was answered before the update was handled: no menu in %+v", srv.Messages(alice.ID))
	}
	for _, body := range []string{"not json", `{"update_id":`, `null`, `[1]`, `{"message":{"text":"no id"}}`} {
		if code := postUpdate(t, url, secret, []byte(body)); code != http.StatusBadRequest {
			t.Errorf("body %q got %d, want 400", body, code)
		}
	}
	if code := postUpdate(t, url, "", start); code != http.StatusUnauthorized {
		t.Errorf("a post without the secret got %d, want 401", code)
	}
}

// TestBot_AnUpdateHandledBeforeACrashIsRecognised: the bot handled an
// update, and the process died before Telegram was told (its done never
// ran). The next start gets it again and recognises it by its update_id:
// no second answer, no second effect.
func TestBot_AnUpdateHandledBeforeACrashIsRecognised(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	open := func() *actors.Engine {
		eng, err := actors.Open(actors.Options{Dir: dir, Fsync: persistence.FsyncOS})
		if err != nil {
			t.Fatal(err)
		}
		return eng
	}
	run := func(eng *actors.Engine, confirm bool) (stop func()) {
		b, err := New(eng, testAPI(t, srv), Config{PollTimeout: 1, Owner: domain.UserID(admin.ID)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !confirm {
			b.dispatch = func(u telego.Update, _ func()) { b.HandleAck(u, nil) } // handled; Telegram never told
		}
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan error, 1)
		go func() { stopped <- b.Run(ctx) }()
		return func() {
			cancel()
			if err := <-stopped; err != nil {
				t.Error(err)
			}
		}
	}
	answers := func(part string) int {
		k := 0
		for _, m := range srv.Messages(admin.ID) {
			if strings.Contains(m.Text, part) {
				k++
			}
		}
		return k
	}
	wait := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	eng := open()
	stop := run(eng, false)
	id := srv.Command(admin, "add_number", "+88800000777")
	wait("the first answer", func() bool { return answers("Done") == 1 })
	stop()
	if err := eng.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ids := held(t, srv); !slices.Contains(ids, id) {
		t.Fatalf("update %d was confirmed; the test needs it held: %v", id, ids)
	}

	eng = open()
	t.Cleanup(func() { _ = eng.Close(context.Background()) })
	stop = run(eng, true)
	defer stop()
	srv.Command(admin, "start", "") // handled after the one delivered again: a person's updates are in order
	wait("the answer to /start", func() bool { return answers("Hello") == 1 })
	wait("Telegram told", func() bool { return !slices.Contains(held(t, srv), id) })
	if ms := srv.Messages(admin.ID); len(ms) != 2 { // "Done." before the crash, "Hello" after it
		t.Errorf("the admin got %d messages, want 2: the update handled before the crash was handled again", len(ms))
	}
	if err := eng.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	log, err := eng.AuditLog(context.Background(), 0, 10)
	if err != nil || len(log.Entries) != 1 {
		t.Errorf("audit log %+v, %v: want the one number.add", log.Entries, err)
	}
}

// TestIntake_AwaitRoomWaitsForHalfTheWindow: with pollRoom or more updates
// held past the offset the intake does not poll again until the offset
// has moved past enough of them for the next poll to bring at least as
// many new updates as old; with fewer it polls at once; and a slow update
// holding the offset delays the next poll by roomWait at most.
func TestIntake_AwaitRoomWaitsForHalfTheWindow(t *testing.T) {
	in := newIntake(nil, 1, allowedUpdates, nil, slog.New(slog.DiscardHandler))
	in.roomWait, in.pause = time.Hour, time.Hour
	in.offset = 1
	for id := 1; id <= pollRoom+10; id++ {
		in.fetched = append(in.fetched, id)
		in.done[id] = false
	}
	back := make(chan struct{})
	go func() {
		in.awaitRoom(context.Background())
		close(back)
	}()
	for id := 1; id <= 10; id++ {
		in.finish(id) // the oldest ten done: pollRoom still held
	}
	select {
	case <-back:
		t.Fatalf("polled again with %d updates held", pollRoom)
	case <-time.After(50 * time.Millisecond):
	}
	in.finish(11)
	select {
	case <-back:
	case <-time.After(10 * time.Second):
		t.Fatalf("still waiting with %d updates held", pollRoom-1)
	}
	in.awaitRoom(context.Background()) // room already: at once, not after the hour

	// Update 12 is slow: those done behind it stay held, and the wait ends
	// after roomWait rather than when the offset moves.
	for id := 13; id <= pollRoom+10; id++ {
		in.finish(id)
	}
	for id := pollRoom + 11; id <= pollRoom+20; id++ {
		in.fetched = append(in.fetched, id)
		in.done[id] = false
	}
	in.roomWait = 20 * time.Millisecond
	done := make(chan struct{})
	go func() {
		in.awaitRoom(context.Background())
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a slow update held the next poll beyond roomWait")
	}
	if got := in.next(); got != 12 {
		t.Fatalf("offset %d, want 12: update 12 is still being handled", got)
	}
}
