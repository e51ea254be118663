package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"

	"allot/adapters/httpapi"
	"allot/adapters/sheets"
	"allot/adapters/telegram"
	"allot/adapters/ton"
	"allot/domain"
	"allot/persistence"
)

// config is everything `allot run` reads from the environment and .env.
// Each bad value is reported with the variable's name, before anything starts.
type config struct {
	BotToken         string
	OwnerID          domain.UserID
	AdminIDs         []domain.UserID
	DataDir          string
	DatabaseURL      string // DATABASE_URL: the state in PostgreSQL, not DataDir; holds a password, never logged
	HTTPAddr         string
	Fsync            persistence.FsyncMode
	SnapshotInterval time.Duration
	SnapshotKeep     int
	LogLevel         slog.Level
	LogFormat        string
	TON              ton.Config // TON_CONFIG, TON_NETWORK, TON_WALLET; off without TON_WALLET
	USDT             usdtConfig // USDT_MASTER (usdt.go): which USDT the watcher reads
	TelegramAPIURL   string     // TELEGRAM_API_URL: a local Bot API server or a fake; default Telegram's
	WebhookURL       string     // WEBHOOK_URL: webhook mode (with WEBHOOK_SECRET); else long polling
	WebhookSecret    string
	// IntrospectionToken guards /metrics and /actors; required when
	// HTTP_ADDR is not a loopback address.
	IntrospectionToken string
	// Distribution: KINDS_FILE names the resource kinds (off without it);
	// the stock is in Google Sheets with credentials or SHEETS_ENDPOINT,
	// else in CSV files under DATA_DIR/sheets. STOCK_TIMEZONE is where
	// "today" is for today-only phone numbers.
	KindsFile     string
	Kinds         domain.KindsConfig
	Sheets        sheets.Config
	StockLocation *time.Location
	// Fragment is the login-code relay's settings (fragment.go); off
	// without FRAGMENT_COOKIES or FRAGMENT_COOKIES_FILE.
	Fragment fragmentConfig
	// Accounts signs in to returned numbers' accounts (accounts.go); off
	// without API_ID and API_HASH.
	Accounts accountsConfig
	// Backup is the scheduled backups (backup_schedule.go); off without
	// BACKUP_DIR.
	Backup backupConfig
	// Limits are the per-person rate limits, RATE_LIMIT_* (limits.go);
	// zero fields are the telegram adapter's defaults. For
	// telegram.Config.Limits.
	Limits telegram.LimitOptions
	// Breaker is CIRCUIT_BREAKER_* (limits.go), already copied into
	// Sheets' BreakerFailures and BreakerCoolDown when Sheets is on; the
	// Fragment client takes the same two.
	Breaker breakerConfig
	// Warnings are for the start to log, once: the seed bots' names read
	// as Allot's or ignored, seed variables that mean nothing here and
	// what replaces each, settings not applied (aliases.go, limits.go).
	Warnings []string
}

// loadConfig reads the settings through getenv (envWithDotenv: the
// environment, then .env) and validates them. The seed bots' names stand
// in for Allot's that are unset (aliases.go); an error about a value read
// under a seed name says that name.
func loadConfig(getenv func(string) string) (config, error) {
	seeds := withSeedNames(getenv)
	getenv = seeds.get
	c := config{DataDir: "./data", HTTPAddr: "127.0.0.1:8080", SnapshotInterval: 10 * time.Minute,
		SnapshotKeep: 3, LogFormat: "text"}
	var errs []error
	bad := func(name string, err error) { errs = append(errs, fmt.Errorf("%s: %w", name, err)) }
	c.loadTelegram(getenv, bad)
	if v := getenv("DATA_DIR"); v != "" {
		c.DataDir = v
	}
	c.DatabaseURL = strings.TrimSpace(getenv("DATABASE_URL"))
	if v := getenv("HTTP_ADDR"); v != "" {
		if _, _, err := net.SplitHostPort(v); err != nil {
			bad("HTTP_ADDR", err)
		}
		c.HTTPAddr = v
	}
	if v := getenv("FSYNC"); v != "" {
		m, err := persistence.ParseFsyncMode(v)
		if err != nil {
			bad("FSYNC", err)
		}
		c.Fsync = m
	}
	if v := getenv("SNAPSHOT_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			bad("SNAPSHOT_INTERVAL", fmt.Errorf("want a duration such as 10m, got %q", v))
		}
		c.SnapshotInterval = d
	}
	if v := getenv("SNAPSHOT_KEEP"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			bad("SNAPSHOT_KEEP", fmt.Errorf("want a whole number from 1 to 100, got %q", v))
		}
		c.SnapshotKeep = n
	}
	if v := getenv("LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			bad("LOG_LEVEL", fmt.Errorf("want debug, info, warn or error, got %q", v))
		}
	}
	if v := getenv("LOG_FORMAT"); v != "" {
		if v != "text" && v != "json" {
			bad("LOG_FORMAT", fmt.Errorf("want text or json, got %q", v))
		}
		c.LogFormat = v
	}
	c.IntrospectionToken = strings.TrimSpace(getenv("INTROSPECTION_TOKEN"))
	if err := httpapi.CheckAccess(c.HTTPAddr, c.IntrospectionToken); err != nil {
		bad("INTROSPECTION_TOKEN", err) // the message never quotes the token
	}
	errs = append(errs, c.loadServices(getenv)...)
	errs = append(errs, c.loadLimits(getenv)...)
	c.Warnings = append(seeds.warnings(&c), c.Warnings...)
	return c, errors.Join(seeds.blame(errs)...)
}

// loadTelegram reads the bot's token, how it receives updates, and who
// its admins are; each error goes to bad with its variable's name.
func (c *config) loadTelegram(getenv func(string) string, bad func(string, error)) {
	c.BotToken = strings.TrimSpace(getenv("BOT_TOKEN"))
	if c.BotToken != "" && !botToken.MatchString(c.BotToken) {
		bad("BOT_TOKEN", errors.New("want the token BotFather gave, digits:35 characters")) // the token itself is never echoed
	}
	if v := strings.TrimSpace(getenv("TELEGRAM_API_URL")); v != "" {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("TELEGRAM_API_URL", fmt.Errorf("want an http(s) URL, got %q", v))
		}
		c.TelegramAPIURL = strings.TrimRight(v, "/")
	}
	c.WebhookURL, c.WebhookSecret = strings.TrimSpace(getenv("WEBHOOK_URL")), strings.TrimSpace(getenv("WEBHOOK_SECRET"))
	if c.WebhookURL != "" {
		if u, err := url.Parse(c.WebhookURL); err != nil || u.Scheme != "https" || u.Host == "" {
			bad("WEBHOOK_URL", fmt.Errorf("want an https URL Telegram can reach, got %q", c.WebhookURL))
		}
		if err := checkWebhookSecret(c.WebhookSecret); err != nil {
			bad("WEBHOOK_SECRET", err)
		}
	}
	if v := getenv("OWNER_ID"); v != "" {
		id, err := parseUserID(v)
		if err != nil {
			bad("OWNER_ID", err)
		}
		c.OwnerID = id
	}
	for _, f := range strings.FieldsFunc(getenv("ADMIN_IDS"), func(r rune) bool { return r == ',' || r == ' ' }) {
		id, err := parseUserID(f)
		if err != nil {
			bad("ADMIN_IDS", err)
			continue
		}
		c.AdminIDs = append(c.AdminIDs, id)
	}
}

// loadServices reads the settings of the services outside the bot: TON,
// Fragment, and the distribution's kinds and stock. Each error names its
// variable and never quotes a secret.
func (c *config) loadServices(getenv func(string) string) []error {
	var errs []error
	bad := func(name string, err error) { errs = append(errs, fmt.Errorf("%s: %w", name, err)) }
	tc, err := ton.ConfigFromEnv(getenv)
	if err != nil {
		errs = append(errs, err) // names its variable
	}
	c.TON = tc
	uc, err := usdtFromEnv(getenv, tc.Testnet)
	if err != nil {
		errs = append(errs, err) // names its variable
	}
	c.USDT = uc
	fc, err := fragmentFromEnv(getenv)
	if err != nil {
		errs = append(errs, err) // names its variable, never a cookie
	}
	c.Fragment = fc
	ac, err := accountsFromEnv(getenv, fc.enabled())
	if err != nil {
		errs = append(errs, err) // names its variable, never the hash
	}
	c.Accounts = ac
	bc, err := backupFromEnv(getenv)
	if err != nil {
		errs = append(errs, err) // names its variable
	}
	c.Backup = bc
	if bc.enabled() && c.DatabaseURL != "" {
		bad("BACKUP_DIR", errors.New(pgBackupAdvice))
	}
	c.StockLocation = time.UTC
	if v := strings.TrimSpace(getenv("STOCK_TIMEZONE")); v != "" {
		loc, err := time.LoadLocation(v)
		if err != nil {
			bad("STOCK_TIMEZONE", fmt.Errorf("want an IANA zone such as Europe/Moscow, got %q", v))
		}
		c.StockLocation = loc
	}
	if c.KindsFile = strings.TrimSpace(getenv("KINDS_FILE")); c.KindsFile != "" {
		b, err := os.ReadFile(c.KindsFile)
		if err == nil {
			c.Kinds, err = domain.ParseKinds(b)
		}
		if err != nil {
			bad("KINDS_FILE", err)
		}
		sc, err := sheets.ConfigFromEnv(getenv)
		if err != nil {
			errs = append(errs, err) // names its variable, never the credentials
		}
		c.Sheets = sc
	}
	return errs
}

var (
	botToken      = regexp.MustCompile(`^\d+:[\w-]{35}$`)
	webhookSecret = regexp.MustCompile(`^[A-Za-z0-9_-]*$`)
)

// minWebhookSecret is the shortest WEBHOOK_SECRET accepted. Telegram allows
// one character; the secret is all that stands between the internet and the
// webhook, so it must not be guessable.
const minWebhookSecret = 16

// checkWebhookSecret says what is wrong with a webhook secret, never
// quoting it.
func checkWebhookSecret(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("required with WEBHOOK_URL: %d–256 of A-Z a-z 0-9 _ -", minWebhookSecret)
	case len(s) < minWebhookSecret || len(s) > 256:
		return fmt.Errorf("want %d–256 characters, got %d", minWebhookSecret, len(s))
	case !webhookSecret.MatchString(s):
		return errors.New("want only A-Z a-z 0-9 _ -")
	}
	return nil
}

func parseUserID(s string) (domain.UserID, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("want a positive Telegram user id, got %q", s)
	}
	return domain.UserID(n), nil
}

// envWithDotenv returns a getenv that falls back to .env in the working
// directory. A missing .env is normal; an unreadable one is an error.
func envWithDotenv(path string) (func(string) string, error) {
	file, err := godotenv.Read(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return func(k string) string {
		if v, ok := os.LookupEnv(k); ok {
			return v
		}
		return file[k]
	}, nil
}

func newLogger(c config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
