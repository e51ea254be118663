package httpapi

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// vault is a state full of things that must not be shown.
type vault struct {
	ID          string
	Password    string
	ProxyPass   string
	APIToken    string `json:"api_token"`
	Passwd      string
	PW          string
	Empty       string `json:"password_empty_is_kept"`
	NoToken     *string
	Nested      vaultNested
	Credentials map[string]string
	Labels      map[string]string
	Proxies     []string
	Balance     int64
	Passenger   string // a word that merely starts like "pass"
	Bypass      string
}

type vaultNested struct {
	ClientSecret string `json:"client-secret"`
	Hosts        []string
}

func newVault() vault {
	return vault{
		ID: "v1", Password: "pw-1", ProxyPass: "pw-2", APIToken: "pw-3", Passwd: "pw-4", PW: "pw-5",
		Nested:      vaultNested{ClientSecret: "pw-6", Hosts: []string{"socks5://bob:pw-7@10.0.0.1:1080", "http://example.com/x"}},
		Credentials: map[string]string{"user": "pw-8"},
		Labels:      map[string]string{"bot_token": "pw-9", "sheetsSecretKey": "pw-10", "owner": "kept-1"},
		Proxies:     []string{"10.0.0.2:3128:carol:pw-11", "[2001:db8::1]:8080:dave:pw-12", "10.0.0.3:3128", "2026-11-01T12:00:00Z"},
		Balance:     9007199254740993, // 2^53+1: lost by a float64
		Passenger:   "kept-2",
		Bypass:      "kept-3",
	}
}

func TestRedactedJSON(t *testing.T) {
	out, err := redactedJSON(newVault())
	must(t, err)
	s := string(out)
	if strings.Contains(s, "pw-") {
		t.Errorf("a secret survived:\n%s", s)
	}
	for _, want := range []string{
		`"Password": "***"`, `"ProxyPass": "***"`, `"api_token": "***"`, `"Passwd": "***"`, `"PW": "***"`,
		`"password_empty_is_kept": ""`, `"NoToken": null`, `"client-secret": "***"`, `"Credentials": "***"`,
		`"bot_token": "***"`, `"sheetsSecretKey": "***"`, `"owner": "kept-1"`,
		`"socks5://bob:***@10.0.0.1:1080"`, `"http://example.com/x"`,
		`"10.0.0.2:3128:carol:***"`, `"[2001:db8::1]:8080:dave:***"`, `"10.0.0.3:3128"`, `"2026-11-01T12:00:00Z"`,
		`"Balance": 9007199254740993`, `"Passenger": "kept-2"`, `"Bypass": "kept-3"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %s in\n%s", want, s)
		}
	}
	if !json.Valid(out) {
		t.Errorf("not JSON:\n%s", s)
	}
	// Fields keep the struct's order: a person reads ID first.
	if i, j := strings.Index(s, `"ID"`), strings.Index(s, `"Balance"`); i < 0 || j < i {
		t.Errorf("fields out of order:\n%s", s)
	}
}

func TestRedactedJSON_shapes(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{nil, "null"},
		{[]any{}, "[]"},
		{map[string]any{}, "{}"},
		{"plain", `"plain"`},
		{[]map[string]any{{"token": 1, "n": 2.5}}, "[\n  {\n    \"n\": 2.5,\n    \"token\": \"***\"\n  }\n]"},
		{map[string]any{"secret": map[string]any{"a": 1}, "b": []any{true, nil}}, "{\n  \"b\": [\n    true,\n    null\n  ],\n  \"secret\": \"***\"\n}"},
	}
	for _, c := range cases {
		out, err := redactedJSON(c.in)
		must(t, err)
		if string(out) != c.want {
			t.Errorf("redactedJSON(%#v) =\n%s\nwant\n%s", c.in, out, c.want)
		}
	}
}

func TestKeyWords(t *testing.T) {
	cases := map[string][]string{
		"ProxyPass":       {"proxy", "pass"},
		"api_token":       {"api", "token"},
		"APIKey":          {"api", "key"},
		"client-secret":   {"client", "secret"},
		"PW":              {"pw"},
		"sheetsSecretKey": {"sheets", "secret", "key"},
		"ID":              {"id"},
		"user2FA":         {"user2", "fa"},
		"":                nil,
	}
	for in, want := range cases {
		if got := keyWords(in); !slices.Equal(got, want) {
			t.Errorf("keyWords(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSecretKey(t *testing.T) {
	for _, k := range []string{"password", "Password", "pass", "proxy_pass", "PW", "pwd", "token", "BotToken",
		"secret", "WebhookSecret", "credentials", "Credential", "api-key", "apiKey", "private_key", "Authorization", "Cookie", "passphrase"} {
		if !secretKey(k) {
			t.Errorf("%q is not taken for a secret", k)
		}
	}
	for _, k := range []string{"ID", "User", "Passenger", "Passport", "Bypass", "Compass", "Renter", "Key", "Hash", "Pool"} {
		if secretKey(k) {
			t.Errorf("%q is taken for a secret", k)
		}
	}
}
