package telegram

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mymmrac/telego"

	"allot/actors"
	"allot/adapters/telegram/telegramtest"
	"allot/persistence"
)

// endless is a body of n bytes that are made as they are read, counting
// how many were, so a test can see that a handler stopped early.
type endless struct{ n, read int64 }

func (e *endless) Read(p []byte) (int, error) {
	if e.read >= e.n {
		return 0, io.EOF
	}
	k := min(int64(len(p)), e.n-e.read)
	for i := range p[:k] {
		p[i] = ' '
	}
	e.read += k
	return int(k), nil
}

func TestWebhookHandler(t *testing.T) {
	const secret = "0123456789abcdef"
	update := []byte(`{"update_id":7}`)
	tests := []struct {
		name    string
		secret  string
		body    io.Reader
		length  int64 // Content-Length; -1 for a chunked body
		refuse  error // what the update handler answers
		wStatus int
		wData   []byte // what the update handler got; nil: not called
	}{
		{"an update", secret, bytes.NewReader(update), int64(len(update)), nil, http.StatusOK, update},
		{"no secret", "", bytes.NewReader(update), int64(len(update)), nil, http.StatusUnauthorized, nil},
		{"wrong secret", secret + "x", bytes.NewReader(update), int64(len(update)), nil, http.StatusUnauthorized, nil},
		{"refused update", secret, bytes.NewReader(update), int64(len(update)), errors.New("bad"), http.StatusInternalServerError, update},
		{"at the limit", secret, &endless{n: webhookBodyLimit}, webhookBodyLimit, nil, http.StatusOK, bytes.Repeat([]byte{' '}, webhookBodyLimit)},
		{"declared over the limit", secret, &endless{n: 64 << 20}, 64 << 20, nil, http.StatusRequestEntityTooLarge, nil},
		{"chunked over the limit", secret, &endless{n: 64 << 20}, -1, nil, http.StatusRequestEntityTooLarge, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []byte
			h := webhookHandler(secret, webhookBodyLimit, func(_ context.Context, data []byte) error {
				got = data
				return tc.refuse
			})
			r := httptest.NewRequest(http.MethodPost, "/telegram/webhook", tc.body)
			r.ContentLength = tc.length
			if tc.secret != "" {
				r.Header.Set(telego.WebhookSecretTokenHeader, tc.secret)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.wStatus {
				t.Errorf("status %d, want %d", w.Code, tc.wStatus)
			}
			if !bytes.Equal(got, tc.wData) || (got == nil) != (tc.wData == nil) {
				t.Errorf("the update handler got %d bytes, want %d (called: %v)", len(got), len(tc.wData), tc.wData != nil)
			}
			if e, ok := tc.body.(*endless); ok && e.read > webhookBodyLimit+1 {
				t.Errorf("read %d bytes of the body, want at most the limit and one", e.read)
			}
		})
	}
}

// TestBot_WebhookRefusesAnOversizedPost: a post with the right secret and a
// body over the limit is refused with 413 by the bot's own webhook, not
// read whole and handed to telego (whose handler reads any size).
func TestBot_WebhookRefusesAnOversizedPost(t *testing.T) {
	const secret = "s3cret_-s3cret_-"
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	eng, err := actors.Open(actors.Options{Dir: t.TempDir(), Fsync: persistence.FsyncOS})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close(context.Background()) })
	mux := http.NewServeMux()
	hook := httptest.NewServer(mux)
	t.Cleanup(hook.Close)
	api, err := NewAPI(srv.Token(), srv.URL(), &http.Client{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(eng, api, Config{WebhookURL: hook.URL + "/telegram/webhook", WebhookSecret: secret,
		WebhookPath: "/telegram/webhook", Mux: mux}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return")
		}
	})
	post := func(body []byte) int {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			req, _ := http.NewRequest(http.MethodPost, hook.URL+"/telegram/webhook", bytes.NewReader(body))
			req.Header.Set(telego.WebhookSecretTokenHeader, secret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound || time.Now().After(deadline) {
				return resp.StatusCode // 404 until Run has registered the webhook
			}
		}
	}
	if code := post([]byte(`{"update_id":1}`)); code != http.StatusOK {
		t.Fatalf("a small update got %d", code)
	}
	// Valid JSON, padded with spaces past the limit: read whole, it would be taken.
	big := []byte(`{"update_id":2}` + strings.Repeat(" ", webhookBodyLimit))
	if code := post(big); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("a post of %d bytes with the secret got %d, want 413", len(big), code)
	}
}
