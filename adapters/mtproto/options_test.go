package mtproto_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"testing"

	"allot/adapters/mtproto"
	"allot/domain"
)

type noCodes struct{}

func (noCodes) LoginCodes(context.Context, string) ([]domain.LoginCode, error) { return nil, nil }

func goodOptions() mtproto.Options {
	return mtproto.Options{AppID: appID, AppHash: appHash, Codes: noCodes{}}
}

func TestNew(t *testing.T) {
	key := &rsa.PublicKey{N: big.NewInt(0).Lsh(big.NewInt(1), 2047), E: 65537}
	badHash := "zz3c9a1e7b2d4c6e8f0a1b2c3d4e5f60" // 32 characters, not hex
	tests := []struct {
		name    string
		change  func(*mtproto.Options)
		wantErr string // "": no error; else a word the message must hold
		secret  string // a value the message must not hold
	}{
		{"good", func(*mtproto.Options) {}, "", ""},
		{"upper-case hash", func(o *mtproto.Options) { o.AppHash = strings.ToUpper(appHash) }, "", ""},
		{"with a server", func(o *mtproto.Options) { o.Server, o.ServerKeys = "127.0.0.1:443", []*rsa.PublicKey{key} }, "", ""},
		{"no API_ID", func(o *mtproto.Options) { o.AppID = 0 }, "API_ID", ""},
		{"negative API_ID", func(o *mtproto.Options) { o.AppID = -94575 }, "API_ID", "94575"},
		{"no API_HASH", func(o *mtproto.Options) { o.AppHash = "" }, "API_HASH", ""},
		{"short API_HASH", func(o *mtproto.Options) { o.AppHash = appHash[:31] }, "API_HASH", appHash[:31]},
		{"long API_HASH", func(o *mtproto.Options) { o.AppHash = appHash + "0" }, "API_HASH", appHash},
		{"API_HASH not hex", func(o *mtproto.Options) { o.AppHash = badHash }, "API_HASH", badHash},
		{"API_HASH with spaces", func(o *mtproto.Options) { o.AppHash = " " + appHash[1:] }, "API_HASH", appHash[1:]},
		{"no Codes", func(o *mtproto.Options) { o.Codes = nil }, "Codes", ""},
		{"negative wait", func(o *mtproto.Options) { o.CodeWait = -1 }, "CodeWait", ""},
		{"server without keys", func(o *mtproto.Options) { o.Server = "127.0.0.1:443" }, "ServerKeys", ""},
		{"keys without server", func(o *mtproto.Options) { o.ServerKeys = []*rsa.PublicKey{key} }, "Server", ""},
		{"nil key", func(o *mtproto.Options) { o.Server, o.ServerKeys = "127.0.0.1:443", []*rsa.PublicKey{nil} }, "ServerKeys", ""},
		{"server without port", func(o *mtproto.Options) { o.Server, o.ServerKeys = "127.0.0.1", []*rsa.PublicKey{key} }, "host:port", ""},
		{"server with a bad port", func(o *mtproto.Options) { o.Server, o.ServerKeys = "localhost:http", []*rsa.PublicKey{key} }, "host:port", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := goodOptions()
			tt.change(&o)
			c, err := mtproto.New(o)
			if tt.wantErr == "" {
				if err != nil || c == nil {
					t.Fatalf("New = %v, %v", c, err)
				}
				return
			}
			if err == nil {
				t.Fatal("New took bad options")
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantErr) {
				t.Errorf("%q does not name %s", msg, tt.wantErr)
			}
			if strings.Contains(strings.ToLower(msg), appHash) || tt.secret != "" && strings.Contains(msg, tt.secret) {
				t.Errorf("%q echoes the value", msg)
			}
		})
	}
}

// No way of printing Options or a Checker shows the app hash.
func TestOptions_printing(t *testing.T) {
	o := goodOptions()
	c, err := mtproto.New(o)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X"} {
		texts = append(texts, fmt.Sprintf(verb, o), fmt.Sprintf(verb, &o), fmt.Sprintf(verb, c), fmt.Sprintf(verb, *c))
		texts = append(texts, fmt.Sprintf(verb, struct{ O mtproto.Options }{o}))
	}
	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&logs, nil), slog.NewJSONHandler(&logs, nil)} {
		slog.New(h).Info("settings", "options", o, "checker", c)
	}
	texts = append(texts, logs.String())
	for _, s := range texts {
		low := strings.ToLower(s)
		if strings.Contains(low, appHash) || strings.Contains(low, fmt.Sprintf("%x", appHash)) {
			t.Errorf("the app hash shows in %q", s)
		}
	}
	if !strings.Contains(o.String(), "AppID: 94575") {
		t.Errorf("String = %q, want the app id", o.String())
	}
}
