package main

import (
	"strings"
	"testing"
	"time"

	"allot/domain"
	"allot/persistence"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadConfig_Defaults(t *testing.T) {
	c, err := loadConfig(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "./data" || c.HTTPAddr != "127.0.0.1:8080" || c.Fsync != persistence.FsyncAlways ||
		c.SnapshotInterval != 10*time.Minute || c.SnapshotKeep != 3 {
		t.Errorf("defaults = %+v", c)
	}
}

func TestLoadConfig_Values(t *testing.T) {
	c, err := loadConfig(envOf(map[string]string{"OWNER_ID": "42", "ADMIN_IDS": "7, 8", "FSYNC": "os",
		"SNAPSHOT_INTERVAL": "30s", "LOG_FORMAT": "json", "LOG_LEVEL": "debug"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.OwnerID != 42 || len(c.AdminIDs) != 2 || c.AdminIDs[1] != domain.UserID(8) || c.Fsync != persistence.FsyncOS ||
		c.SnapshotInterval != 30*time.Second || c.LogFormat != "json" {
		t.Errorf("config = %+v", c)
	}
}

func TestLoadConfig_ErrorsNameTheVariable(t *testing.T) {
	tests := []struct{ name, key, value string }{
		{"owner not a number", "OWNER_ID", "me"},
		{"negative admin", "ADMIN_IDS", "5,-3"},
		{"fsync mode", "FSYNC", "sometimes"},
		{"interval", "SNAPSHOT_INTERVAL", "often"},
		{"keep zero", "SNAPSHOT_KEEP", "0"},
		{"log level", "LOG_LEVEL", "loud"},
		{"log format", "LOG_FORMAT", "xml"},
		{"http addr", "HTTP_ADDR", "localhost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig(envOf(map[string]string{tt.key: tt.value}))
			if err == nil || !strings.Contains(err.Error(), tt.key) {
				t.Fatalf("err = %v, want one naming %s", err, tt.key)
			}
		})
	}
}

func TestLoadConfig_TokenNeverInErrors(t *testing.T) {
	const token = "123456:ABCdefGhIJKlmnOPQRstuVWXyz0123456789"
	_, err := loadConfig(envOf(map[string]string{"BOT_TOKEN": token, "FSYNC": "bad"}))
	if err == nil || strings.Contains(err.Error(), token) {
		t.Fatalf("err = %v: want an error that does not echo the token", err)
	}
}

func TestRun_UnknownCommand(t *testing.T) {
	if code := run([]string{"frobnicate"}); code != 2 {
		t.Errorf("exit code = %d, want 2", code)
	}
}

func TestLoadConfig_WebhookSecret(t *testing.T) {
	const url = "https://bot.example.com/telegram/webhook"
	tests := []struct {
		name, secret string
		wErr         string // a part of the error; "" for none
	}{
		{"missing", "", "required"},
		{"one character", "x", "16–256"},
		{"fifteen characters", strings.Repeat("a", 15), "got 15"},
		{"sixteen characters", "0123456789abcDEF", ""},
		{"256 characters", strings.Repeat("_-", 128), ""},
		{"257 characters", strings.Repeat("a", 257), "16–256"},
		{"a character Telegram refuses", "0123456789abcdef!", "A-Z a-z 0-9 _ -"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig(envOf(map[string]string{"WEBHOOK_URL": url, "WEBHOOK_SECRET": tt.secret}))
			if tt.wErr == "" {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "WEBHOOK_SECRET") || !strings.Contains(err.Error(), tt.wErr) {
				t.Fatalf("err = %v, want one naming WEBHOOK_SECRET and saying %q", err, tt.wErr)
			}
			if len(tt.secret) > 1 && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("err = %v quotes the secret", err)
			}
		})
	}
}
