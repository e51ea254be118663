package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
)

const seedKindsFile = "../../testdata/kinds.json"

func TestPlaygroundConfig(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name     string
		env      map[string]string
		wDataDir string
	}{
		{"no token: the playground", map[string]string{"DATA_DIR": dir, "KINDS_FILE": seedKindsFile,
			"TON_WALLET": ton.Friendly(tontest.Address("a real wallet"), false)},
			filepath.Join(dir, playgroundDir)},
		{"a token: the real bot", map[string]string{"DATA_DIR": dir, "BOT_TOKEN": "123456789:AAFakeTokenOfTheAllotTelegramFake01"}, dir},
		{"off loopback: the engine alone", map[string]string{"DATA_DIR": dir, "HTTP_ADDR": "0.0.0.0:8080",
			"INTROSPECTION_TOKEN": "a-long-enough-introspection-token"}, dir},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := loadConfig(envOf(c.env))
			if err != nil {
				t.Fatal(err)
			}
			got, err := playgroundConfig(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got.DataDir != c.wDataDir {
				t.Errorf("DATA_DIR %s, want %s", got.DataDir, c.wDataDir)
			}
			if got.DataDir != dir && (got.TON.Enabled || got.Sheets.Enabled) {
				t.Error("the playground would use the real chain or Google Sheets")
			}
		})
	}
	if rows, _ := os.ReadFile(filepath.Join(dir, playgroundDir, "sheets", "stock", "Gmail.csv")); bytes.Count(rows, []byte("\n")) < 10 {
		t.Errorf("no sample stock was written:\n%s", rows)
	}
}

// TestServe_Playground runs `allot run` without BOT_TOKEN: the page and its
// API answer on HTTP_ADDR, a simulated person gets the bot's menu, and the
// data lands in DATA_DIR/playground only.
func TestServe_Playground(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg, err := loadConfig(envOf(map[string]string{"DATA_DIR": dir, "HTTP_ADDR": addr, "FSYNC": "os", "KINDS_FILE": seedKindsFile}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err = playgroundConfig(cfg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.DiscardHandler)) }()
	base := "http://" + addr
	getStatus(t, base+"/healthz") // the page comes a moment after the server
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(get(t, base+"/"), "Allot playground") {
		if time.Now().After(deadline) {
			t.Fatal("no playground page at /")
		}
		time.Sleep(20 * time.Millisecond)
	}
	post(t, base+"/play/api/send", `{"user":"2001","text":"/start"}`)
	for !strings.Contains(get(t, base+"/play/api/chat?user=2001"), "Hello, Alice") {
		if time.Now().After(deadline) {
			t.Fatal("no menu in Alice's chat")
		}
		time.Sleep(50 * time.Millisecond)
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
	if snaps, _ := filepath.Glob(filepath.Join(dir, playgroundDir, "snapshots", "*.snap")); len(snaps) != 1 {
		t.Errorf("snapshots in %s: %v, want one", filepath.Join(dir, playgroundDir), snaps)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 || entries[0].Name() != playgroundDir {
		t.Errorf("DATA_DIR holds %v besides the playground", entries)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func post(t *testing.T, url, body string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&e)
		t.Fatalf("POST %s = %d %v", url, resp.StatusCode, e)
	}
}
