package main

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
	"allot/adapters/playground"
	"allot/adapters/telegram"
	"allot/adapters/telegram/telegramtest"
	"allot/persistence"
)

// playWorld is a running playground as serve runs it: the engine, the
// sandbox with its bot, and one HTTP server with the page, its API and the
// introspection view.
type playWorld struct {
	t    testing.TB
	eng  *actors.Engine
	pg   *sandbox
	frag *playground.Fragment
	srv  *httptest.Server
	stop func()
}

// newPlayWorld starts a playground on dir (a fresh one when dir is "").
func newPlayWorld(t testing.TB, dir string) *playWorld {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	w := &playWorld{t: t}
	frag, err := playground.StartFragment()
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
	if w.pg, err = newSandbox(context.Background(), fastSandbox(eng, frag, filepath.Join(dir, "simulated"))); err != nil {
		_ = eng.Close(context.Background())
		frag.Close()
		t.Fatal(err)
	}
	bot.Store(w.pg.bot)
	w.serve()
	t.Cleanup(w.close)
	return w
}

// fastSandbox is the sandbox's options for a journey: journeys click faster
// than people, so the bot's limits are raised and the chain polled often.
func fastSandbox(eng *actors.Engine, frag *playground.Fragment, dir string) sandboxOptions {
	return sandboxOptions{engine: eng, dir: dir, fragment: frag,
		watchInterval: 20 * time.Millisecond, botAPI: []telegramtest.Option{telegramtest.WithoutLimits()},
		bot: telegram.Config{PollTimeout: 1, CodePoll: 50 * time.Millisecond,
			Limits: telegram.LimitOptions{MessagesPerMin: 6000, MessageBurst: 1000, OperationsPerMin: 6000,
				OperationBurst: 1000, PaymentsPerMin: 6000, PaymentBurst: 1000},
			Outbox: telegram.OutboxOptions{Global: 1000, GlobalBurst: 1000, PerChat: 1000, ChatBurst: 1000}}}
}

// serve serves the page and the introspection view on one server, as
// serve does, and runs the bot; stop undoes it all.
func (w *playWorld) serve() {
	mux := http.NewServeMux()
	w.pg.register(mux)
	api, err := httpapi.New(w.eng, httpapi.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		w.t.Fatal(err)
	}
	api.Register(mux)
	w.srv = httptest.NewServer(mux)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.pg.run(ctx); err != nil && ctx.Err() == nil { // a test may end before the bot has started
			w.t.Errorf("Run: %v", err)
		}
	}()
	w.stop = func() {
		cancel()
		<-done
		w.srv.Close()
		w.pg.close()
		w.drainEngine()
		w.frag.Close()
	}
}

// drainEngine drains the engine, checks its invariants and closes it:
// every journey ends with money and time proved.
func (w *playWorld) drainEngine() {
	drained, undrain := context.WithTimeout(context.Background(), 20*time.Second)
	defer undrain()
	if err := w.eng.Drain(drained); err != nil {
		w.t.Errorf("drain: %v", err)
	} else if _, err := w.eng.Check(); err != nil {
		w.t.Errorf("invariants after the test: %v", err)
	}
	if err := w.eng.Close(context.Background()); err != nil {
		w.t.Errorf("closing the engine: %v", err)
	}
}

func (w *playWorld) close() {
	if w.stop != nil {
		w.stop()
		w.stop = nil
	}
}

// call sends a request to the API and decodes the answer into out (when
// not nil); it returns the status code.
func (w *playWorld) call(method, path string, body, out any) int {
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
func (w *playWorld) waitChat(user string, parts ...string) playground.MessageView {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var last playground.ChatView
	for time.Now().Before(deadline) {
		var v playground.ChatView
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
	return playground.MessageView{}
}

// press presses the button whose label starts with label on m.
func (w *playWorld) press(user string, m playground.MessageView, label string) {
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
