package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"allot/adapters/telegram/telegramtest"
)

// tgWire is the Bot API as the bot in -mode tgcrash sees it: the fake,
// served through a handler that watches the bot's calls. The fake keeps
// what Telegram keeps (the updates not confirmed yet, the chats); the
// wire learns what the fake does not tell: which updates the bot has
// confirmed (the offset of its getUpdates), which bot process each update
// was handed to, the update behind each button press, and when a freshly
// started process first answered someone.
type tgWire struct {
	fake     *telegramtest.Server
	hs       *httptest.Server
	instance atomic.Int64 // the bot process now running, counted from 1

	mu        sync.Mutex
	offset    int                  // every update below it is confirmed
	moved     chan struct{}        // closed and replaced when offset moves
	delivered map[int][]tgDelivery // update_id → the processes it was handed to
	queries   map[string]int       // callback query id → update_id
	answering map[int64]time.Time  // process → its first answering call
	woke      chan struct{}        // closed and replaced when a process first answers
	calls     map[string]int       // the bot's calls by method, failed ones too
}

// tgDelivery is one getUpdates answer that carried an update.
type tgDelivery struct {
	instance int64
	at       time.Time
}

// tgAnswerMethods are the calls that show a person something.
var tgAnswerMethods = map[string]bool{"sendmessage": true, "editmessagetext": true, "answercallbackquery": true,
	"sendphoto": true, "senddocument": true, "editmessagecaption": true, "editmessagereplymarkup": true}

func newTgWire() *tgWire {
	w := &tgWire{fake: telegramtest.New(telegramtest.WithoutLimits(), telegramtest.WithoutListener()),
		moved: make(chan struct{}), delivered: map[int][]tgDelivery{}, queries: map[string]int{},
		answering: map[int64]time.Time{}, woke: make(chan struct{}), calls: map[string]int{}}
	w.hs = httptest.NewServer(w)
	return w
}

// URL is the Bot API's address for the bot's TELEGRAM_API_URL.
func (w *tgWire) URL() string { return w.hs.URL }

// close ends the fake first: that wakes any long poll still open.
func (w *tgWire) close() {
	w.fake.Close()
	w.hs.Close()
}

// ServeHTTP counts the bot's call, watches it, and hands it to the fake.
func (w *tgWire) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	method := strings.ToLower(path.Base(r.URL.Path))
	w.mu.Lock()
	w.calls[method]++
	w.mu.Unlock()
	if method == "getupdates" {
		w.getUpdates(rw, r)
		return
	}
	if tgAnswerMethods[method] {
		w.noteAnswering()
	}
	w.fake.Handler().ServeHTTP(rw, r)
}

// getUpdates notes the offset before the fake sees it (the fake drops the
// confirmed updates on receipt, whatever becomes of the caller) and the
// updates the answer hands over.
func (w *tgWire) getUpdates(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(rw, "loadtest wire: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var p struct {
		Offset int `json:"offset"`
	}
	if json.Unmarshal(body, &p) != nil || p.Offset == 0 {
		p.Offset, _ = strconv.Atoi(r.URL.Query().Get("offset"))
	}
	w.confirm(p.Offset)
	inst := w.instance.Load()
	rec := &teeWriter{ResponseWriter: rw}
	w.fake.Handler().ServeHTTP(rec, r)
	w.deliver(inst, rec.buf.Bytes())
}

func (w *tgWire) confirm(offset int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if offset > w.offset {
		w.offset = offset
		close(w.moved)
		w.moved = make(chan struct{})
	}
}

func (w *tgWire) deliver(inst int64, body []byte) {
	var resp struct {
		Result []struct {
			UpdateID      int `json:"update_id"`
			CallbackQuery *struct {
				ID string `json:"id"`
			} `json:"callback_query"`
		} `json:"result"`
	}
	if json.Unmarshal(body, &resp) != nil {
		return
	}
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, u := range resp.Result {
		if q := u.CallbackQuery; q != nil {
			w.queries[q.ID] = u.UpdateID
		}
		ds := w.delivered[u.UpdateID]
		if len(ds) == 0 || ds[len(ds)-1].instance != inst {
			w.delivered[u.UpdateID] = append(ds, tgDelivery{instance: inst, at: now})
		}
	}
}

func (w *tgWire) noteAnswering() {
	inst := w.instance.Load()
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.answering[inst]; !ok {
		w.answering[inst] = time.Now()
		close(w.woke)
		w.woke = make(chan struct{})
	}
}

// awaitAnswering waits until process inst has answered someone, or until
// done is closed or limit passes; it reports whether it did.
func (w *tgWire) awaitAnswering(inst int64, done <-chan struct{}, limit time.Duration) bool {
	t := time.NewTimer(limit)
	defer t.Stop()
	for {
		w.mu.Lock()
		_, ok := w.answering[inst]
		woke := w.woke
		w.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-woke:
		case <-done:
			return false
		case <-t.C:
			return false
		}
	}
}

// confirmed reports whether the bot has confirmed s, and returns the
// channel that is closed when the offset next moves (taken first, so a
// move between the two is not missed).
func (w *tgWire) confirmed(s *tgSent) (bool, <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	moved := w.moved
	if s.id == 0 && s.query != "" {
		s.id = w.queries[s.query] // known once the update was handed to the bot
	}
	return s.id != 0 && w.offset > s.id, moved
}

// inFlight counts the updates handed to the process now running that it
// has not confirmed: what a kill now cuts short.
func (w *tgWire) inFlight() int {
	inst := w.instance.Load()
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for id, ds := range w.delivered {
		if id >= w.offset && ds[len(ds)-1].instance == inst {
			n++
		}
	}
	return n
}

// deliveries returns the processes update id was handed to.
func (w *tgWire) deliveries(id int) []tgDelivery {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]tgDelivery(nil), w.delivered[id]...)
}

// callCounts returns the bot's calls by method.
func (w *tgWire) callCounts() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[string]int, len(w.calls))
	for k, v := range w.calls {
		out[k] = v
	}
	return out
}

// teeWriter keeps a copy of what a handler writes.
type teeWriter struct {
	http.ResponseWriter
	buf bytes.Buffer
}

// Write copies b and writes it on.
func (t *teeWriter) Write(b []byte) (int, error) {
	t.buf.Write(b)
	return t.ResponseWriter.Write(b)
}
