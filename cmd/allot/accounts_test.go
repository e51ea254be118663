package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goodHash is an app hash of the right shape, distinctive enough to be
// found in an error that quoted it.
const goodHash = "0123456789abcdef0123456789abcdef"

func TestAccountsFromEnv(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "keys.pem")
	if err := os.WriteFile(keys, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     map[string]string
		relay   bool
		wOn     bool
		wErrVar string
	}{
		{"off", nil, true, false, ""},
		{"on", map[string]string{"API_ID": "12345", "API_HASH": goodHash}, true, true, ""},
		{"without the relay", map[string]string{"API_ID": "12345", "API_HASH": goodHash}, false, false, "FRAGMENT_COOKIES"},
		{"id alone", map[string]string{"API_ID": "12345"}, true, false, "API_HASH"},
		{"hash alone", map[string]string{"API_HASH": goodHash}, true, false, "API_ID"},
		{"id not a number", map[string]string{"API_ID": "abc", "API_HASH": goodHash}, true, false, "API_ID"},
		{"hash of the wrong shape", map[string]string{"API_ID": "12345", "API_HASH": goodHash + "ff"}, true, false, "API_HASH"},
		{"server without credentials", map[string]string{"MTPROTO_SERVER": "127.0.0.1:1"}, true, false, "MTPROTO_SERVER"},
		{"server with bad keys", map[string]string{"API_ID": "12345", "API_HASH": goodHash, "MTPROTO_SERVER": "127.0.0.1:1",
			"MTPROTO_SERVER_KEYS_FILE": keys}, true, false, "MTPROTO_SERVER_KEYS_FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := accountsFromEnv(envOf(tt.env), tt.relay)
			if tt.wErrVar != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wErrVar) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wErrVar)
				}
				if strings.Contains(err.Error(), goodHash) {
					t.Fatalf("the error quotes the app hash: %v", err)
				}
				return
			}
			if err != nil || c.enabled() != tt.wOn {
				t.Fatalf("enabled %v, err %v; want %v", c.enabled(), err, tt.wOn)
			}
		})
	}
}
