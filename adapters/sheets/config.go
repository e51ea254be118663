package sheets

import (
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Environment variables read by ConfigFromEnv.
const (
	EnvCredentialsJSON   = "GOOGLE_CREDENTIALS_JSON"
	EnvCredentialsFile   = "GOOGLE_CREDENTIALS_FILE"
	EnvStockSpreadsheet  = "SPREADSHEET_STOCK"
	EnvIssuedSpreadsheet = "SPREADSHEET_ISSUED"
	EnvEndpoint          = "SHEETS_ENDPOINT"
	EnvReadsPerMinute    = "SHEETS_READS_PER_MIN"
	EnvWritesPerMinute   = "SHEETS_WRITES_PER_MIN"
)

// Defaults and limits of the request budgets. Google allows 60 read and 60
// write requests a minute per user (a service account is one user); 50
// leaves room for a person's script or a second instance during a deploy.
const (
	DefaultReadsPerMinute  = 50
	DefaultWritesPerMinute = 50
	MaxPerMinute           = 60
)

// Spreadsheet ids used against a fake when SHEETS_ENDPOINT is set without
// SPREADSHEET_STOCK or SPREADSHEET_ISSUED, so a demo needs one variable.
const (
	FakeStockSpreadsheet  = "stock"
	FakeIssuedSpreadsheet = "issued"
)

// Config says whether and how to reach Google Sheets. It is built by
// ConfigFromEnv; zero durations and counts mean the defaults of NewClient.
type Config struct {
	// Enabled is false when neither credentials nor an endpoint are given:
	// the program then keeps its stock in CSV files instead.
	Enabled bool
	// Credentials is a service account's JSON key. It never prints.
	Credentials Secret
	// Endpoint, when set, is a fake Sheets API (sheetstest) reached
	// without authentication, with no trailing slash.
	Endpoint string
	// StockSpreadsheet and IssuedSpreadsheet are spreadsheet ids, as in
	// https://docs.google.com/spreadsheets/d/{id}/edit.
	StockSpreadsheet, IssuedSpreadsheet string
	// ReadsPerMinute and WritesPerMinute are the request budgets.
	ReadsPerMinute, WritesPerMinute int
	// Timeout bounds one HTTP exchange (default 30 s). A write cut short
	// by it is ambiguous.
	Timeout time.Duration
	// Attempts bounds the tries of one call that may be retried (default
	// 8: backoffs of up to 1+2+4+...+32 s outlast Google's quota minute).
	Attempts int
	// BreakerFailures is how many failures in a row (5xx, timeouts, cut
	// connections) open the circuit breaker (default 5).
	BreakerFailures int
	// BreakerCoolDown is how long the breaker stays open before it lets
	// one call through to probe (default 30 s).
	BreakerCoolDown time.Duration
}

// Secret holds credentials. Its String, Format, LogValue and MarshalJSON
// hide the content, so a Config can be printed with any verb, logged or
// dumped without leaking the service account's private key.
type Secret []byte

const redacted = "[redacted]"

// String hides the secret from fmt's %v and %s.
func (s Secret) String() string {
	if len(s) == 0 {
		return ""
	}
	return redacted
}

// Format hides the secret from every fmt verb, %#v and %d included.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// LogValue hides the secret from slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON hides the secret from encoding/json.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// ConfigFromEnv reads the Sheets settings from the environment through
// getenv (os.Getenv in main, a map in tests). No credentials and no
// endpoint is not an error: it returns a Config that is not Enabled. Every
// error names the variable at fault and never quotes the credentials.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	creds, err := credentialsFromEnv(getenv)
	if err != nil {
		return Config{}, err
	}
	endpoint, err := endpointFromEnv(getenv)
	if err != nil {
		return Config{}, err
	}
	if creds == nil && endpoint == "" {
		return Config{Enabled: false}, nil
	}
	if creds != nil && endpoint != "" {
		// The bearer token would go to whatever the endpoint is.
		return Config{}, fmt.Errorf("sheets: %s is for a fake Sheets API and takes no credentials; unset it or the %s/%s variable",
			EnvEndpoint, EnvCredentialsJSON, EnvCredentialsFile)
	}
	cfg := Config{Enabled: true, Credentials: creds, Endpoint: endpoint}
	if cfg.StockSpreadsheet, err = spreadsheetFromEnv(getenv, EnvStockSpreadsheet, FakeStockSpreadsheet, endpoint); err != nil {
		return Config{}, err
	}
	if cfg.IssuedSpreadsheet, err = spreadsheetFromEnv(getenv, EnvIssuedSpreadsheet, FakeIssuedSpreadsheet, endpoint); err != nil {
		return Config{}, err
	}
	if cfg.ReadsPerMinute, err = perMinuteFromEnv(getenv, EnvReadsPerMinute, DefaultReadsPerMinute); err != nil {
		return Config{}, err
	}
	if cfg.WritesPerMinute, err = perMinuteFromEnv(getenv, EnvWritesPerMinute, DefaultWritesPerMinute); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// credentialsFromEnv returns the service account key from either variable,
// checked, or nil if neither is set.
func credentialsFromEnv(getenv func(string) string) (Secret, error) {
	inline, file := getenv(EnvCredentialsJSON), strings.TrimSpace(getenv(EnvCredentialsFile))
	switch {
	case inline != "" && file != "":
		return nil, fmt.Errorf("sheets: set %s or %s, not both", EnvCredentialsJSON, EnvCredentialsFile)
	case inline != "":
		if err := checkServiceAccount([]byte(inline)); err != nil {
			return nil, fmt.Errorf("sheets: %s: %w", EnvCredentialsJSON, err)
		}
		return Secret(inline), nil
	case file != "":
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("sheets: %s: %w", EnvCredentialsFile, err)
		}
		if err := checkServiceAccount(data); err != nil {
			return nil, fmt.Errorf("sheets: %s (%s): %w", EnvCredentialsFile, file, err)
		}
		return Secret(data), nil
	}
	return nil, nil
}

// checkServiceAccount catches a wrong or truncated key at startup rather
// than at the first token exchange. Its errors say where, never what: a
// json error would quote the offending character of the private key.
func checkServiceAccount(data []byte) error {
	var key struct {
		Type        string `json:"type"`
		ClientEmail string `json:"client_email"`
		PrivateKey  string `json:"private_key"`
	}
	if err := json.Unmarshal(data, &key); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return fmt.Errorf("not valid JSON (error at byte %d of %d)", syntax.Offset, len(data))
		}
		return errors.New("not a service account key (a JSON object with string fields)")
	}
	switch {
	case key.Type != "service_account":
		return errors.New(`not a service account key ("type" must be "service_account")`)
	case key.ClientEmail == "":
		return errors.New(`the service account key has no "client_email"`)
	case key.PrivateKey == "":
		return errors.New(`the service account key has no "private_key"`)
	}
	if block, _ := pem.Decode([]byte(key.PrivateKey)); block == nil {
		return errors.New(`the service account key's "private_key" is not a PEM block`)
	}
	return nil
}

// endpointFromEnv returns SHEETS_ENDPOINT without its trailing slash, after
// checking that it is an http(s) URL.
func endpointFromEnv(getenv func(string) string) (string, error) {
	raw := strings.TrimSpace(getenv(EnvEndpoint))
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("sheets: %s=%q is not an http(s) URL", EnvEndpoint, raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

// spreadsheetFromEnv returns a spreadsheet id, required with credentials;
// a fake gets a default.
func spreadsheetFromEnv(getenv func(string) string, name, fake, endpoint string) (string, error) {
	id := strings.TrimSpace(getenv(name))
	switch {
	case id != "":
		return id, nil
	case endpoint != "":
		return fake, nil
	}
	return "", fmt.Errorf("sheets: %s is required with Google credentials (the id in the spreadsheet's URL)", name)
}

// perMinuteFromEnv reads a budget of 1 to MaxPerMinute requests a minute.
func perMinuteFromEnv(getenv func(string) string, name string, def int) (int, error) {
	raw := strings.TrimSpace(getenv(name))
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > MaxPerMinute {
		return 0, fmt.Errorf("sheets: %s=%q must be a whole number from 1 to %d (Google allows %d a minute per user)",
			name, raw, MaxPerMinute, MaxPerMinute)
	}
	return n, nil
}
