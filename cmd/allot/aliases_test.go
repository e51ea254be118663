package main

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"allot/domain"
)

const (
	testToken     = "123456:ABCdefGhIJKlmnOPQRstuVWXyz012345678"
	otherToken    = "654321:ABCdefGhIJKlmnOPQRstuVWXyz012345678"
	testKindsFile = "../../testdata/kinds.json"
)

// warningsAbout returns the warnings that name name as a whole word.
func warningsAbout(c config, name string) []string {
	var out []string
	for _, w := range c.Warnings {
		if mentions(w, name) {
			out = append(out, w)
		}
	}
	return out
}

// TestLoadConfig_SeedDistributionBotEnv is the distribution seed's .env,
// as its README gives it: today its ADMIN_ID is ignored without a word and
// the bot has no admins.
func TestLoadConfig_SeedDistributionBotEnv(t *testing.T) {
	c, err := loadConfig(envOf(map[string]string{
		"BOT_TOKEN": testToken, "ADMIN_ID": "123456789",
		"KINDS_FILE": testKindsFile, "SHEETS_ENDPOINT": "http://127.0.0.1:1",
		"SPREADSHEET_ACCOUNTS": "1abcxyz", "SPREADSHEET_ISSUED": "1defuvw", "REGIONS": "495,812,383,343",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.AdminIDs, []domain.UserID{123456789}) {
		t.Errorf("admins = %v, want ADMIN_ID's 123456789", c.AdminIDs)
	}
	if c.Sheets.StockSpreadsheet != "1abcxyz" {
		t.Errorf("stock spreadsheet = %q, want SPREADSHEET_ACCOUNTS'", c.Sheets.StockSpreadsheet)
	}
	for _, name := range []string{"ADMIN_ID", "SPREADSHEET_ACCOUNTS", "REGIONS"} {
		if n := len(warningsAbout(c, name)); n != 1 {
			t.Errorf("%d warnings name %s, want 1: %q", n, name, c.Warnings)
		}
	}
}

func TestLoadConfig_SeedNames(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		check func(config) bool
		wSays string // in the one warning naming the seed name
	}{
		{"TELEGRAM_TOKEN read", map[string]string{"TELEGRAM_TOKEN": testToken},
			func(c config) bool { return c.BotToken == testToken }, "TELEGRAM_TOKEN is read as BOT_TOKEN"},
		{"BOT_TOKEN wins", map[string]string{"TELEGRAM_TOKEN": otherToken, "BOT_TOKEN": testToken},
			func(c config) bool { return c.BotToken == testToken }, "TELEGRAM_TOKEN is ignored: BOT_TOKEN is set"},
		{"ADMIN_ID read beside OWNER_ID", map[string]string{"ADMIN_ID": "7", "OWNER_ID": "42"},
			func(c config) bool { return c.OwnerID == 42 && slices.Equal(c.AdminIDs, []domain.UserID{7}) },
			"ADMIN_ID is read as ADMIN_IDS"},
		{"ADMIN_IDS wins", map[string]string{"ADMIN_ID": "7", "ADMIN_IDS": "8,9"},
			func(c config) bool { return slices.Equal(c.AdminIDs, []domain.UserID{8, 9}) }, "ADMIN_ID is ignored"},
		{"SPREADSHEET_STOCK wins", map[string]string{"KINDS_FILE": testKindsFile, "SHEETS_ENDPOINT": "http://127.0.0.1:1",
			"SPREADSHEET_ACCOUNTS": "old", "SPREADSHEET_STOCK": "new"},
			func(c config) bool { return c.Sheets.StockSpreadsheet == "new" }, "SPREADSHEET_ACCOUNTS is ignored"},
		{"RATE_LIMIT_OPERATIONS read", map[string]string{"RATE_LIMIT_OPERATIONS": "12"},
			func(c config) bool { return c.Limits.OperationsPerMin == 12 }, "read as RATE_LIMIT_USER_OPERATIONS"},
		{"RATE_LIMIT_PAYMENTS read", map[string]string{"RATE_LIMIT_PAYMENTS": "off"},
			func(c config) bool { return c.Limits.PaymentsPerMin < 0 }, "read as RATE_LIMIT_USER_PAYMENTS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadConfig(envOf(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("config = %+v", c)
			}
			if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], tt.wSays) {
				t.Errorf("warnings = %q, want one saying %q", c.Warnings, tt.wSays)
			}
		})
	}
}

// TestLoadConfig_SeedNameBadValue: a wrong value under a seed name is an
// error naming the seed name, the one the operator set, and quoting no
// secret.
func TestLoadConfig_SeedNameBadValue(t *testing.T) {
	tests := []struct{ seed, value string }{
		{"TELEGRAM_TOKEN", "not-a-token-" + strings.Repeat("x", 30)},
		{"ADMIN_ID", "@operator"},
		{"ADMIN_ID", "-5"},
		{"RATE_LIMIT_OPERATIONS", "lots"},
		{"RATE_LIMIT_PAYMENTS", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.seed+"="+tt.value, func(t *testing.T) {
			_, err := loadConfig(envOf(map[string]string{tt.seed: tt.value}))
			if err == nil || !mentions(err.Error(), tt.seed) {
				t.Fatalf("err = %v, want one naming %s", err, tt.seed)
			}
			if tt.seed == "TELEGRAM_TOKEN" && strings.Contains(err.Error(), tt.value) {
				t.Errorf("err = %v quotes the token", err)
			}
		})
	}
}

// TestLoadConfig_SeedNameBlamesOnlyItsOwn: with several errors, only those
// about the variable read under a seed name name the seed.
func TestLoadConfig_SeedNameBlamesOnlyItsOwn(t *testing.T) {
	_, err := loadConfig(envOf(map[string]string{"ADMIN_ID": "x", "FSYNC": "sometimes", "FRAGMENT_RATE": "fast",
		"CODE_WATCH": "forever"}))
	if err == nil {
		t.Fatal("no error")
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if mentions(line, "ADMIN_ID") != strings.HasPrefix(line, "ADMIN_IDS:") {
			t.Errorf("line %q: only the ADMIN_IDS error should name ADMIN_ID", line)
		}
	}
}

func TestLoadConfig_SeedRetiredWarnings(t *testing.T) {
	for _, r := range seedRetiredVars {
		t.Run(r.Name, func(t *testing.T) {
			c, err := loadConfig(envOf(map[string]string{r.Name: "1"}))
			if err != nil {
				t.Fatal(err)
			}
			w := warningsAbout(c, r.Name)
			if len(w) != 1 || len(c.Warnings) != 1 || !strings.Contains(w[0], "not read") {
				t.Fatalf("warnings = %q, want one saying %s is not read", c.Warnings, r.Name)
			}
			if r.Instead != "" && !strings.Contains(w[0], r.Instead) {
				t.Errorf("warning %q does not say what replaces it", w[0])
			}
		})
	}
}

// DATABASE_URL, the seed's name for its PostgreSQL, selects the state's
// store: no warning, and the URL with its password stays out of them.
func TestLoadConfig_DatabaseURL(t *testing.T) {
	c, err := loadConfig(envOf(map[string]string{"DATABASE_URL": "postgresql://user:password@localhost/bot"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "postgresql://user:password@localhost/bot" || strings.Contains(strings.Join(c.Warnings, "\n"), "DATABASE_URL") {
		t.Errorf("DatabaseURL %q, warnings %q", c.DatabaseURL, c.Warnings)
	}
	if w := stateWhere(c); strings.Contains(w, "password") || !strings.Contains(w, "bot") {
		t.Errorf("the start would log %q", w)
	}
	_, err = loadConfig(envOf(map[string]string{"DATABASE_URL": "postgresql://user:password@localhost/bot", "BACKUP_DIR": "/backups"}))
	if err == nil || !strings.Contains(err.Error(), "BACKUP_DIR") || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("scheduled file backups with the state in PostgreSQL: %v", err)
	}
}

func TestLoadConfig_RegionsWarning(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want *regexp.Regexp
	}{
		{"no kinds file", map[string]string{"REGIONS": "495"}, regexp.MustCompile(`KINDS_FILE, unset: distribution is off`)},
		{"the same regions", map[string]string{"REGIONS": "495, 812,383,343", "KINDS_FILE": testKindsFile},
			regexp.MustCompile(`they are the same`)},
		{"other regions", map[string]string{"REGIONS": "495,999", "KINDS_FILE": testKindsFile},
			regexp.MustCompile(`"regions" \(495, 812, 383, 343\), not REGIONS' \(495, 999\)`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadConfig(envOf(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Warnings) != 1 || !tt.want.MatchString(c.Warnings[0]) || !strings.Contains(c.Warnings[0], "/add_region") {
				t.Errorf("warnings = %q, want one matching %s", c.Warnings, tt.want)
			}
		})
	}
}

// TestLoadConfig_NoSeedNamesNoWarnings: an Allot .env starts quietly.
func TestLoadConfig_NoSeedNamesNoWarnings(t *testing.T) {
	c, err := loadConfig(envOf(map[string]string{"BOT_TOKEN": testToken, "OWNER_ID": "1", "ADMIN_IDS": "2"}))
	if err != nil || len(c.Warnings) != 0 {
		t.Errorf("err = %v, warnings = %q", err, c.Warnings)
	}
}

func TestLeaves(t *testing.T) {
	a, b, c := errors.New("a"), errors.New("b"), errors.New("c")
	got := leaves([]error{nil, errors.Join(a, errors.Join(b, nil)), fmt.Errorf("both: %w, %w", b, c)})
	if len(got) != 3 || got[0] != a || got[1] != b || got[2].Error() != "both: b, c" {
		t.Errorf("leaves = %q", got)
	}
}
