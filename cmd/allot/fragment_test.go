package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const goodCookies = "stel_ssid=s3cr3tssid; stel_dt=-180; stel_token=s3cr3ttoken; stel_ton_token=s3cr3tton"

func TestFragmentFromEnv(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cookies")
	if err := os.WriteFile(file, []byte(goodCookies+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     map[string]string
		wOn     bool
		wErrVar string
	}{
		{"off", nil, false, ""},
		{"cookies", map[string]string{"FRAGMENT_COOKIES": goodCookies}, true, ""},
		{"cookie file", map[string]string{"FRAGMENT_COOKIES_FILE": file}, true, ""},
		{"both", map[string]string{"FRAGMENT_COOKIES": goodCookies, "FRAGMENT_COOKIES_FILE": file}, false, "FRAGMENT_COOKIES"},
		{"malformed", map[string]string{"FRAGMENT_COOKIES": "stel_ssid=s3cr3tssid"}, false, "FRAGMENT_COOKIES"},
		{"missing file", map[string]string{"FRAGMENT_COOKIES_FILE": file + ".nope"}, false, "FRAGMENT_COOKIES_FILE"},
		{"bad url", map[string]string{"FRAGMENT_COOKIES": goodCookies, "FRAGMENT_URL": "ftp://x"}, false, "FRAGMENT_URL"},
		{"bad rate", map[string]string{"FRAGMENT_COOKIES": goodCookies, "FRAGMENT_RATE": "100"}, false, "FRAGMENT_RATE"},
		{"bad watch", map[string]string{"FRAGMENT_COOKIES": goodCookies, "CODE_WATCH": "1s"}, false, "CODE_WATCH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := fragmentFromEnv(envOf(tt.env))
			if tt.wErrVar != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wErrVar) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wErrVar)
				}
				if strings.Contains(err.Error(), "s3cr3t") {
					t.Fatalf("the error quotes a cookie: %v", err)
				}
				return
			}
			if err != nil || c.enabled() != tt.wOn {
				t.Fatalf("enabled %v, err %v; want %v", c.enabled(), err, tt.wOn)
			}
		})
	}
	c, err := fragmentFromEnv(envOf(map[string]string{"FRAGMENT_COOKIES": goodCookies, "CODE_WATCH": "5m"}))
	if err != nil || c.CodeWatch != 5*time.Minute {
		t.Errorf("CODE_WATCH: %v, %v", c.CodeWatch, err)
	}
}
