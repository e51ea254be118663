package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"allot/adapters/telegram/telegramtest"
)

// syncBuffer collects log lines from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestServe_RealBotAgainstAFakeBotAPI runs `allot run` with BOT_TOKEN and
// TELEGRAM_API_URL pointing at the fake Bot API: the same binary that
// talks to Telegram answers a person, stops promptly, and never logs the
// token.
func TestServe_RealBotAgainstAFakeBotAPI(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	cfg, err := loadConfig(envOf(map[string]string{"DATA_DIR": t.TempDir(), "HTTP_ADDR": freeAddr(t), "FSYNC": "os",
		"BOT_TOKEN": srv.Token(), "TELEGRAM_API_URL": srv.URL(), "OWNER_ID": "42", "LOG_LEVEL": "debug"}))
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	}()

	person := telegramtest.User{ID: 5005, FirstName: "Dana", LanguageCode: "ru"}
	srv.Command(person, "start", "")
	wctx, wcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer wcancel()
	if _, err := srv.WaitFor(wctx, person.ID, func(m telegramtest.Message) bool {
		return strings.Contains(m.Text, "Здравствуйте, Dana")
	}); err != nil {
		t.Fatalf("no menu from the real binary: %v", err)
	}
	// Ready, and Telegram reported as taking the bot's calls.
	res, err := http.Get("http://" + cfg.HTTPAddr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "telegram: ok") {
		t.Errorf("/readyz: %d %q", res.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	secret := srv.Token()[strings.Index(srv.Token(), ":")+1:]
	if out := logs.String(); strings.Contains(out, secret) {
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, secret) {
				t.Errorf("the bot token appears in the log: %s", l)
			}
		}
	}
	if !strings.Contains(logs.String(), "long polling") {
		t.Errorf("the log does not say how the bot gets updates:\n%s", logs.String())
	}
}

func TestConfig_IntrospectionNeedsATokenOffLoopback(t *testing.T) {
	_, err := loadConfig(envOf(map[string]string{"HTTP_ADDR": "0.0.0.0:8080"}))
	if err == nil || !strings.Contains(err.Error(), "INTROSPECTION_TOKEN") {
		t.Fatalf("a public address without a token: %v", err)
	}
	token := "a-long-enough-introspection-token"
	if _, err := loadConfig(envOf(map[string]string{"HTTP_ADDR": "0.0.0.0:8080", "INTROSPECTION_TOKEN": token})); err != nil {
		t.Fatal(err)
	}
	_, err = loadConfig(envOf(map[string]string{"INTROSPECTION_TOKEN": "tiny-tok"}))
	if err == nil || strings.Contains(err.Error(), "tiny-tok") {
		t.Fatalf("a weak token: %v (and the message must not quote it)", err)
	}
}

func TestServe_MetricsAndActorsOnLoopback(t *testing.T) {
	addr := freeAddr(t)
	cfg, err := loadConfig(envOf(map[string]string{"DATA_DIR": t.TempDir(), "HTTP_ADDR": addr, "FSYNC": "os"}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.DiscardHandler)) }()
	defer func() { cancel(); <-done }()
	for _, path := range []string{"/metrics", "/actors?format=json"} {
		if code := getStatus(t, "http://"+addr+path); code != 200 {
			t.Errorf("GET %s = %d", path, code)
		}
	}
}
