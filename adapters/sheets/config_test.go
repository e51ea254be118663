package sheets

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// serviceAccountKey is a service account key in Google's format, with a
// fresh RSA key and the token exchange at tokenURI.
func serviceAccountKey(t testing.TB, tokenURI string) []byte {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]string{
		"type":           "service_account",
		"project_id":     "allot-test",
		"private_key_id": "0123456789abcdef",
		"private_key":    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":   "allot@allot-test.iam.gserviceaccount.com",
		"client_id":      "123456789",
		"token_uri":      tokenURI,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func getenv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestConfigFromEnv(t *testing.T) {
	key := serviceAccountKey(t, "https://oauth2.googleapis.com/token")
	file := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(file, key, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		vars map[string]string
		want Config
	}{
		{"nothing: CSV", nil, Config{}},
		{"only spreadsheet ids: CSV", map[string]string{EnvStockSpreadsheet: "s"}, Config{}},
		{"fake", map[string]string{EnvEndpoint: "http://127.0.0.1:8080/"}, Config{
			Enabled: true, Endpoint: "http://127.0.0.1:8080", StockSpreadsheet: "stock", IssuedSpreadsheet: "issued",
			ReadsPerMinute: 50, WritesPerMinute: 50,
		}},
		{"key inline", map[string]string{
			EnvCredentialsJSON: string(key), EnvStockSpreadsheet: " s1 ", EnvIssuedSpreadsheet: "s2",
			EnvReadsPerMinute: "60", EnvWritesPerMinute: "1",
		}, Config{
			Enabled: true, Credentials: key, StockSpreadsheet: "s1", IssuedSpreadsheet: "s2",
			ReadsPerMinute: 60, WritesPerMinute: 1,
		}},
		{"key file", map[string]string{EnvCredentialsFile: file, EnvStockSpreadsheet: "s1", EnvIssuedSpreadsheet: "s2"}, Config{
			Enabled: true, Credentials: key, StockSpreadsheet: "s1", IssuedSpreadsheet: "s2",
			ReadsPerMinute: 50, WritesPerMinute: 50,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConfigFromEnv(getenv(tt.vars))
			if err != nil {
				t.Fatalf("ConfigFromEnv: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestConfigFromEnv_errors(t *testing.T) {
	key := string(serviceAccountKey(t, "https://oauth2.googleapis.com/token"))
	ids := map[string]string{EnvStockSpreadsheet: "s1", EnvIssuedSpreadsheet: "s2"}
	with := func(more map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range ids {
			m[k] = v
		}
		for k, v := range more {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name  string
		vars  map[string]string
		wvars []string // variables the error must name
	}{
		{"both keys", with(map[string]string{EnvCredentialsJSON: key, EnvCredentialsFile: "/k.json"}), []string{EnvCredentialsJSON, EnvCredentialsFile}},
		{"key and endpoint", with(map[string]string{EnvCredentialsJSON: key, EnvEndpoint: "http://x"}), []string{EnvEndpoint}},
		{"no stock id", map[string]string{EnvCredentialsJSON: key, EnvIssuedSpreadsheet: "s2"}, []string{EnvStockSpreadsheet}},
		{"no issued id", map[string]string{EnvCredentialsJSON: key, EnvStockSpreadsheet: "s1"}, []string{EnvIssuedSpreadsheet}},
		{"missing file", with(map[string]string{EnvCredentialsFile: "/nonexistent/k.json"}), []string{EnvCredentialsFile}},
		{"bad endpoint", map[string]string{EnvEndpoint: "localhost:8080"}, []string{EnvEndpoint}},
		{"reads 61", with(map[string]string{EnvCredentialsJSON: key, EnvReadsPerMinute: "61"}), []string{EnvReadsPerMinute}},
		{"writes 0", with(map[string]string{EnvCredentialsJSON: key, EnvWritesPerMinute: "0"}), []string{EnvWritesPerMinute}},
		{"writes word", map[string]string{EnvEndpoint: "http://x", EnvWritesPerMinute: "fifty"}, []string{EnvWritesPerMinute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ConfigFromEnv(getenv(tt.vars))
			if err == nil {
				t.Fatal("no error")
			}
			for _, v := range tt.wvars {
				if !strings.Contains(err.Error(), v) {
					t.Errorf("error %q does not name %s", err, v)
				}
			}
			if strings.Contains(err.Error(), "PRIVATE KEY") {
				t.Errorf("error %q quotes the key", err)
			}
		})
	}
}

// TestConfigFromEnv_badKeyNotEchoed: a broken key's error says which
// variable is wrong and never repeats any of the key.
func TestConfigFromEnv_badKeyNotEchoed(t *testing.T) {
	const secret = "SuperSecretKeyMaterial"
	good := serviceAccountKey(t, "https://oauth2.googleapis.com/token")
	var fields map[string]string
	if err := json.Unmarshal(good, &fields); err != nil {
		t.Fatal(err)
	}
	remarshal := func(change func(map[string]string)) string {
		m := map[string]string{}
		for k, v := range fields {
			m[k] = v
		}
		change(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	keys := map[string]string{
		"syntax":          `{"type":"service_account","private_key":` + secret + `}`,
		"unterminated":    `{"type":"service_account","private_key":"` + secret,
		"number key":      `{"type":"service_account","private_key":1` + secret + `}`,
		"array":           `["` + secret + `"]`,
		"user credential": remarshal(func(m map[string]string) { m["type"] = "authorized_user"; m["client_id"] = secret }),
		"no email":        remarshal(func(m map[string]string) { m["client_email"] = ""; m["private_key_id"] = secret }),
		"key not PEM":     remarshal(func(m map[string]string) { m["private_key"] = secret }),
	}
	dir := t.TempDir()
	for name, key := range keys {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
			if err := os.WriteFile(file, []byte(key), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, vars := range []map[string]string{
				{EnvCredentialsJSON: key, EnvStockSpreadsheet: "s", EnvIssuedSpreadsheet: "s"},
				{EnvCredentialsFile: file, EnvStockSpreadsheet: "s", EnvIssuedSpreadsheet: "s"},
			} {
				_, err := ConfigFromEnv(getenv(vars))
				if err == nil {
					t.Fatal("no error")
				}
				msg := err.Error()
				if !strings.Contains(msg, EnvCredentialsJSON) && !strings.Contains(msg, EnvCredentialsFile) {
					t.Errorf("error %q names no variable", msg)
				}
				if strings.Contains(msg, secret) || strings.Contains(msg, "'S'") || strings.Contains(msg, "Super") {
					t.Errorf("error %q echoes the key", msg)
				}
			}
		})
	}
}

// TestConfig_redacted: a Config printed, logged or marshalled hides the key.
func TestConfig_redacted(t *testing.T) {
	key := serviceAccountKey(t, "https://oauth2.googleapis.com/token")
	cfg, err := ConfigFromEnv(getenv(map[string]string{
		EnvCredentialsJSON: string(key), EnvStockSpreadsheet: "s1", EnvIssuedSpreadsheet: "s2",
	}))
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "sheets", cfg, "key", cfg.Credentials)
	asJSON, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{
		fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%s %q %x %d %#v", cfg.Credentials, cfg.Credentials, cfg.Credentials, cfg.Credentials, cfg.Credentials),
		logged.String(), string(asJSON),
	} {
		if strings.Contains(out, "PRIVATE") || strings.Contains(out, "client_email") || strings.Contains(out, "allot@") {
			t.Errorf("the key leaks: %s", out)
		}
	}
	if !strings.Contains(fmt.Sprint(cfg), "[redacted]") {
		t.Errorf("%v shows no redaction mark", cfg)
	}
}
