package playground

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"allot/actors"
	"allot/adapters/httpapi"
	"allot/adapters/telegram"
	"allot/adapters/telegram/telegramtest"
	"allot/persistence"
)

// world is a running playground as cmd/allot runs it: the engine, the
// playground with its bot, and one HTTP server with the page, its API and
// the introspection view.
type world struct {
	t    testing.TB
	eng  *actors.Engine
	pg   *Playground
	frag *Fragment
	srv  *httptest.Server
	stop func()
}

// newWorld starts a playground on dir (a fresh one when dir is "").
// Journeys click faster than people, so the bot's limits are raised.
func newWorld(t testing.TB, dir string) *world {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	w := &world{t: t}
	frag, err := StartFragment()
	if err != nil {
		t.Fatal(err)
	}
	w.frag = frag
	var bot atomic.Pointer[telegram.Bot]
	eng, err := actors.Open(actors.Options{Dir: filepath.Join(dir, "engine"), Fsync: persistence.FsyncOS,
		Fragment: frag.Client(), HandoverBackoff: 20 * time.Millisecond,
		Notify: func(n actors.Notice) {
			if b := bot.Load(); b != nil {
				b.Notify(n)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	w.eng = eng
	pg, err := New(context.Background(), Options{Engine: eng, Dir: filepath.Join(dir, "simulated"),
		WatchInterval: 20 * time.Millisecond, BotAPI: []telegramtest.Option{telegramtest.WithoutLimits()},
		Fragment: frag,
		Bot: telegram.Config{PollTimeout: 1, CodePoll: 50 * time.Millisecond,
			Limits: telegram.LimitOptions{MessagesPerMin: 6000, MessageBurst: 1000, OperationsPerMin: 6000,
				OperationBurst: 1000, PaymentsPerMin: 6000, PaymentBurst: 1000},
			Outbox: telegram.OutboxOptions{Global: 1000, GlobalBurst: 1000, PerChat: 1000, ChatBurst: 1000}}})
	if err != nil {
		_ = eng.Close(context.Background())
		frag.Close()
		t.Fatal(err)
	}
	w.pg = pg
	bot.Store(pg.Bot())
	mux := http.NewServeMux()
	pg.Register(mux)
	api, err := httpapi.New(eng, httpapi.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	api.Register(mux)
	w.srv = httptest.NewServer(mux)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := pg.Run(ctx); err != nil && ctx.Err() == nil { // a test may end before the bot has started
			t.Errorf("Run: %v", err)
		}
	}()
	w.stop = func() {
		cancel()
		<-done
		w.srv.Close()
		pg.Close()
		drained, undrain := context.WithTimeout(context.Background(), 20*time.Second)
		defer undrain()
		if err := eng.Drain(drained); err != nil {
			t.Errorf("drain: %v", err)
		} else if _, err := eng.Check(); err != nil { // every journey ends with money and time proved
			t.Errorf("invariants after the test: %v", err)
		}
		if err := eng.Close(context.Background()); err != nil {
			t.Errorf("closing the engine: %v", err)
		}
		frag.Close()
	}
	t.Cleanup(w.close)
	return w
}

func (w *world) close() {
	if w.stop != nil {
		w.stop()
		w.stop = nil
	}
}

// call sends a request to the API and decodes the answer into out (when
// not nil); it returns the status code.
func (w *world) call(method, path string, body, out any) int {
	w.t.Helper()
	var r *http.Request
	var err error
	if body != nil {
		b, _ := json.Marshal(body)
		r, err = http.NewRequest(method, w.srv.URL+path, bytes.NewReader(b))
		if err == nil {
			r.Header.Set("Content-Type", "application/json")
		}
	} else {
		r, err = http.NewRequest(method, w.srv.URL+path, nil)
	}
	if err != nil {
		w.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			w.t.Fatalf("%s %s: decoding the answer: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

// waitChat polls the chat as the page does until a bot message contains
// every one of parts, and returns the newest that does.
func (w *world) waitChat(user string, parts ...string) MessageView {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var last ChatView
	for time.Now().Before(deadline) {
		var v ChatView
		w.call("GET", "/play/api/chat?user="+user+"&after=0", nil, &v)
		last = v
		for i := len(v.Messages) - 1; i >= 0; i-- {
			if m := v.Messages[i]; !m.FromUser && containsAll(m.Text, parts) {
				return m
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	var texts []string
	for _, m := range last.Messages {
		texts = append(texts, m.Text)
	}
	w.t.Fatalf("no message with %q in the chat of %s:\n%s", parts, user, strings.Join(texts, "\n---\n"))
	return MessageView{}
}

// press presses the button whose label starts with label on m.
func (w *world) press(user string, m MessageView, label string) {
	w.t.Helper()
	for _, row := range m.Keyboard {
		for _, b := range row {
			if strings.HasPrefix(b.Text, label) && b.Data != "" {
				if code := w.call("POST", "/play/api/press", map[string]any{"user": user, "message": m.ID, "data": b.Data}, nil); code != http.StatusOK {
					w.t.Fatalf("pressing %q: status %d", label, code)
				}
				return
			}
		}
	}
	w.t.Fatalf("no button %q on %q", label, m.Text)
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
