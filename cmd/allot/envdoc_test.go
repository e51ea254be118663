package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/joho/godotenv"

	"allot/adapters/fragment"
	"allot/adapters/sheets"
)

// The files envVars is held to, from this package's directory.
const (
	readmePath     = "../../README.md"
	envExamplePath = "../../.env.example"
	makefilePath   = "../../Makefile"
)

// envDefaults is envVars as name → default.
func envDefaults(t testing.TB, withTestOnly bool) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, v := range envVars {
		if _, dup := m[v.Name]; dup {
			t.Errorf("envVars lists %s twice", v.Name)
		}
		if withTestOnly || !v.TestOnly {
			m[v.Name] = v.Default
		}
	}
	return m
}

// configSection is README's "## Configuration" section.
func configSection(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "\n## Configuration\n")
	if i < 0 {
		t.Fatal("README has no ## Configuration section")
	}
	s = s[i+1:]
	if j := strings.Index(s, "\n## "); j >= 0 {
		s = s[:j]
	}
	return s
}

var (
	tableCell    = regexp.MustCompile(`(?:\\\||[^|])*`) // a cell, with \| kept in it
	backtickName = regexp.MustCompile("^`([A-Z][A-Z0-9_]*)`$")
)

// readmeVars parses the first table of README's Configuration section,
// "| `NAME` | default | meaning |" a row, into name → default (without
// backticks).
func readmeVars(t testing.TB) map[string]string {
	t.Helper()
	m := map[string]string{}
	lines := strings.Split(configSection(t), "\n")
	start := slices.Index(lines, "| variable | default | meaning |")
	if start < 0 || start+1 >= len(lines) || !strings.HasPrefix(lines[start+1], "|---") {
		t.Fatal("README's Configuration section has no | variable | default | meaning | table")
	}
	for _, line := range lines[start+2:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := tableCell.FindAllString(strings.Trim(line, "|"), -1)
		if len(cells) != 3 {
			t.Errorf("README row %q: want 3 cells, got %d", line, len(cells))
			continue
		}
		name := backtickName.FindStringSubmatch(strings.TrimSpace(cells[0]))
		if name == nil {
			t.Errorf("README row %q: want one `NAME` a row", line)
			continue
		}
		if _, dup := m[name[1]]; dup {
			t.Errorf("README lists %s twice", name[1])
		}
		m[name[1]] = strings.Trim(strings.TrimSpace(cells[1]), "`")
	}
	return m
}

// sameDefaults reports every name in one map and not the other, and every
// default that differs.
func sameDefaults(t testing.TB, what string, got, want map[string]string) {
	t.Helper()
	for name, def := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s lacks %s (in envVars)", what, name)
		case g != def:
			t.Errorf("%s: %s default %q, envVars says %q", what, name, g, def)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s has %s, which envVars lacks", what, name)
		}
	}
}

func TestEnvVars_READMETable(t *testing.T) {
	sameDefaults(t, "README's Configuration table", readmeVars(t), envDefaults(t, true))
}

func TestEnvVars_READMENamesSeedNames(t *testing.T) {
	s := configSection(t)
	for _, a := range seedAliases {
		if !strings.Contains(s, "`"+a.Seed+"`") {
			t.Errorf("README's Configuration section does not say the seed name %s is read as %s", a.Seed, a.Name)
		}
	}
	for _, r := range seedRetiredVars {
		if !strings.Contains(s, "`"+r.Name+"`") {
			t.Errorf("README's Configuration section does not say what replaces the seed's %s", r.Name)
		}
	}
}

// TestEnvVars_EnvExample: .env.example lists every variable an operator
// sets, and where it gives a value, it is the default.
func TestEnvVars_EnvExample(t *testing.T) {
	file, err := godotenv.Read(envExamplePath)
	if err != nil {
		t.Fatal(err)
	}
	want := envDefaults(t, false)
	for name, v := range file {
		def, ok := want[name]
		switch {
		case !ok:
			t.Errorf(".env.example sets %s, which envVars lacks (or marks for tests only)", name)
		case v != "" && v != def:
			t.Errorf(".env.example: %s=%s, but its default is %q: an example is the default or empty", name, v, def)
		}
	}
	for name := range want {
		if _, ok := file[name]; !ok {
			t.Errorf(".env.example lacks %s", name)
		}
	}
}

// TestEnvVars_EnvExampleStartsClean: a copy of .env.example, unedited, is
// a valid configuration that says nothing at start.
func TestEnvVars_EnvExampleStartsClean(t *testing.T) {
	file, err := godotenv.Read(envExamplePath)
	if err != nil {
		t.Fatal(err)
	}
	c, err := loadConfig(envOf(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) > 0 {
		t.Errorf("warnings = %q", c.Warnings)
	}
}

// getenvName finds the variables the code reads: getenv("X"), os.Getenv("X").
var getenvName = regexp.MustCompile(`(?i:getenv)\("([A-Z][A-Z0-9_]*)"\)`)

// sourcesReadingEnv are the files whose getenv calls `allot run` makes:
// this package and the adapters' ConfigFromEnv.
func sourcesReadingEnv(t testing.TB) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "../../adapters/ton/config.go", "../../adapters/sheets/config.go")
	src := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "envdoc.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src[f] = string(b)
	}
	return src
}

// TestEnvVars_EveryGetenvDocumented: a variable the code reads and the
// table lacks would be missing from help, README and .env.example.
func TestEnvVars_EveryGetenvDocumented(t *testing.T) {
	known := envDefaults(t, true)
	for _, a := range seedAliases {
		known[a.Seed] = ""
	}
	for _, r := range seedRetiredVars {
		known[r.Name] = ""
	}
	sheetsVars := []string{sheets.EnvCredentialsJSON, sheets.EnvCredentialsFile, sheets.EnvStockSpreadsheet,
		sheets.EnvIssuedSpreadsheet, sheets.EnvEndpoint, sheets.EnvReadsPerMinute, sheets.EnvWritesPerMinute}
	found := 0
	for f, src := range sourcesReadingEnv(t) {
		names := sheetsVars
		if !strings.HasSuffix(f, "sheets/config.go") {
			names = nil
			for _, m := range getenvName.FindAllStringSubmatch(src, -1) {
				names = append(names, m[1])
			}
		}
		for _, name := range names {
			found++
			if _, ok := known[name]; !ok {
				t.Errorf("%s reads %s, which envVars lacks", f, name)
			}
		}
	}
	if found < 30 {
		t.Fatalf("found %d getenv calls: the pattern no longer matches the code", found)
	}
}

// TestEnvVars_EveryVariableRead: a variable in the table that no code
// names is a lie in help.
func TestEnvVars_EveryVariableRead(t *testing.T) {
	src := sourcesReadingEnv(t)
	for _, v := range envVars {
		read := false
		for _, s := range src {
			read = read || strings.Contains(s, strconv.Quote(v.Name))
		}
		if !read {
			t.Errorf("envVars documents %s, which no code reads", v.Name)
		}
	}
}

// TestEnvVars_DefaultsAreTheCodes: setting a variable to its documented
// default changes nothing. Where the config keeps zero for "the adapter's
// default", the adapter's constant is compared instead.
func TestEnvVars_DefaultsAreTheCodes(t *testing.T) {
	base := map[string]string{"KINDS_FILE": "../../testdata/kinds.json", "SHEETS_ENDPOINT": "http://127.0.0.1:1",
		"BACKUP_DIR": t.TempDir()}
	adapters := map[string]string{
		"FRAGMENT_RATE":                     strconv.FormatFloat(fragment.DefaultRate, 'g', -1, 64),
		"CIRCUIT_BREAKER_FAILURE_THRESHOLD": strconv.Itoa(sheets.DefaultBreakerFailures),
		"CIRCUIT_BREAKER_TIMEOUT":           sheets.DefaultBreakerCoolDown.String(),
		"CIRCUIT_BREAKER_SUCCESS_THRESHOLD": "1", // gobreaker closes after MaxRequests (1) good probes
		// Not exported by their adapters; their documents say the same:
		"CODE_WATCH": "3m", "RATE_LIMIT_USER_MESSAGES": "30", "RATE_LIMIT_USER_OPERATIONS": "20",
		"RATE_LIMIT_USER_PAYMENTS": "5", "RATE_LIMIT_GLOBAL_MESSAGES": "1000", "RATE_LIMIT_PREMIUM_MULTIPLIER": "2",
	}
	unset, err := loadConfig(envOf(base))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range envVars {
		if v.Default == "" {
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			if want, ok := adapters[v.Name]; ok {
				if v.Default != want {
					t.Errorf("envVars says %s, the adapter's default is %s", v.Default, want)
				}
				return
			}
			env := map[string]string{v.Name: v.Default}
			for k, val := range base {
				env[k] = val
			}
			set, err := loadConfig(envOf(env))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(set, unset) {
				t.Errorf("%s=%s changes the config:\n set   %+v\n unset %+v", v.Name, v.Default, set, unset)
			}
		})
	}
}

var makeTarget = regexp.MustCompile(`(?m)^([a-z][a-z0-9_-]*):([^=]|$)`)

// TestMakefile_HelpListsEveryTarget: `make help` has a line for each rule.
func TestMakefile_HelpListsEveryTarget(t *testing.T) {
	b, err := os.ReadFile(makefilePath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make here:", err)
	}
	var out bytes.Buffer
	cmd := exec.Command("make", "-s", "-C", filepath.Dir(makefilePath), "help")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("make help: %v\n%s", err, out.String())
	}
	targets := makeTarget.FindAllStringSubmatch(string(b), -1)
	if len(targets) < 5 {
		t.Fatalf("found %d targets in the Makefile: the pattern no longer matches", len(targets))
	}
	for _, m := range targets {
		if !regexp.MustCompile(`(?m)^make ` + regexp.QuoteMeta(m[1]) + ` +\S`).Match(out.Bytes()) {
			t.Errorf("make help has no line for the target %s:\n%s", m[1], out.String())
		}
	}
}
