package telegramtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mymmrac/telego"
)

func TestServer_Webhook(t *testing.T) {
	const secret = "s3cret_Token-1"
	srv := newServer(t, WithoutLimits())
	bot := newBot(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	mux := http.NewServeMux()
	updates, err := bot.UpdatesViaWebhook(ctx, telego.WebhookHTTPServeMux(mux, "POST /hook", secret))
	if err != nil {
		t.Fatalf("UpdatesViaWebhook: %v", err)
	}
	headers := make(chan string, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		headers <- r.Header.Get(telego.WebhookSecretTokenHeader)
		mux.ServeHTTP(w, r)
	}))
	defer receiver.Close()

	if err := bot.SetWebhook(ctx, &telego.SetWebhookParams{URL: receiver.URL + "/hook", SecretToken: secret}); err != nil {
		t.Fatalf("SetWebhook: %v", err)
	}
	info, err := bot.GetWebhookInfo(ctx)
	if err != nil || info.URL != receiver.URL+"/hook" {
		t.Fatalf("GetWebhookInfo = %+v, %v", info, err)
	}
	_, err = bot.GetUpdates(ctx, &telego.GetUpdatesParams{})
	wantAPIError(t, err, 409, "can't use getUpdates method while webhook is active")

	id := srv.SendText(alice, "via webhook")
	if u := receive(t, updates); u.UpdateID != id || u.Message.Text != "via webhook" {
		t.Fatalf("webhook update = %+v", u)
	}
	if h := <-headers; h != secret {
		t.Fatalf("secret header %q, want %q", h, secret)
	}

	if err := bot.DeleteWebhook(ctx, &telego.DeleteWebhookParams{}); err != nil {
		t.Fatalf("DeleteWebhook: %v", err)
	}
	id2 := srv.SendText(alice, "via polling")
	ups, err := bot.GetUpdates(ctx, &telego.GetUpdatesParams{})
	if err != nil || len(ups) != 1 || ups[0].UpdateID != id2 {
		t.Fatalf("GetUpdates after DeleteWebhook = %+v, %v; want only %d", ups, err, id2)
	}
	if st := srv.Stats(); st.WebhookPosts != 1 {
		t.Fatalf("WebhookPosts = %d", st.WebhookPosts)
	}
	cancel()
	for range updates {
	}
}

func TestServer_WebhookRetries(t *testing.T) {
	srv := newServer(t, WithoutLimits())
	bot := newBot(t, srv)
	ctx := testContext(t)
	failures := 2
	got := make(chan string, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failures > 0 { // one sender, one request at a time
			failures--
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		got <- r.Header.Get(telego.WebhookSecretTokenHeader)
	}))
	defer receiver.Close()
	if err := bot.SetWebhook(ctx, &telego.SetWebhookParams{URL: receiver.URL}); err != nil {
		t.Fatalf("SetWebhook: %v", err)
	}
	srv.SendText(alice, "again and again")
	select {
	case h := <-got:
		if h != "" {
			t.Fatalf("secret header %q without a secret", h)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the update never arrived")
	}
	info, err := bot.GetWebhookInfo(ctx)
	if err != nil || !strings.Contains(info.LastErrorMessage, "401") || info.LastErrorDate == 0 {
		t.Fatalf("GetWebhookInfo = %+v, %v; want the 401 as last error", info, err)
	}
}

func TestServer_SetWebhookChecks(t *testing.T) {
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	srv := newServer(t, WithClock(clk.now))
	bot := newBot(t, srv)
	ctx := testContext(t)
	for _, tc := range []struct{ name, url, secret, want string }{
		{"not http", "ftp://example.com/hook", "", "bad webhook"},
		{"secret with a space", "https://example.com/hook", "a b", "secret token contains unallowed characters"},
		{"secret of 257 characters", "https://example.com/hook", strings.Repeat("a", 257), "secret token is too long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := bot.SetWebhook(ctx, &telego.SetWebhookParams{URL: tc.url, SecretToken: tc.secret})
			wantAPIError(t, err, 400, tc.want)
		})
	}
	t.Run("once a second", func(t *testing.T) {
		if err := bot.SetWebhook(ctx, &telego.SetWebhookParams{URL: "https://127.0.0.1:1/a"}); err != nil {
			t.Fatalf("SetWebhook: %v", err)
		}
		wantAPIError(t, bot.SetWebhook(ctx, &telego.SetWebhookParams{URL: "https://127.0.0.1:1/b"}), 429, "retry after 1")
		clk.advance(time.Second)
		if err := bot.SetWebhook(ctx, &telego.SetWebhookParams{URL: "https://127.0.0.1:1/b"}); err != nil {
			t.Fatalf("SetWebhook a second later: %v", err)
		}
	})
}
