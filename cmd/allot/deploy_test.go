package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"allot/adapters/httpapi"
	"allot/adapters/sheets"
	"allot/adapters/telegram"
)

// The deployment kit in deploy/ is checked here: the metrics its alert
// rules and dashboard name exist, the files parse, and the tools that
// judge them (promtool, systemd-analyze) accept them where installed.

const deployDir = "deploy"

func readDeploy(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(deployDir, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// exportedMetrics is every metric name allot's /metrics can serve, from
// the descriptions of the collectors `allot run` registers (series that
// appear only with a feature on are included).
func exportedMetrics() map[string]bool {
	names := httpapi.MetricNames(
		telegram.NewCollector(func() *telegram.Bot { return nil }),
		sheets.NewCollector(nil),
		httpapi.NewDistributionCollector(nil, nil),
		httpapi.NewRelayCollector(nil, nil),
		backupCollector{},
	)
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	return set
}

var metricName = regexp.MustCompile(`allot_[a-z0-9_]+`)

// unknownMetrics returns the allot_ names in text that allot does not
// export; a histogram's or summary's _bucket, _sum and _count series
// count as their family's.
func unknownMetrics(text string, exported map[string]bool) (used, unknown []string) {
	seen := map[string]bool{}
	for _, n := range metricName.FindAllString(text, -1) {
		if seen[n] {
			continue
		}
		seen[n] = true
		used = append(used, n)
		base := n
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if b, ok := strings.CutSuffix(n, suffix); ok && exported[b] {
				base = b
			}
		}
		if !exported[base] {
			unknown = append(unknown, n)
		}
	}
	return used, unknown
}

// grafanaDashboard is the part of a dashboard the tests read.
type grafanaDashboard struct {
	UID        string         `json:"uid"`
	Title      string         `json:"title"`
	Panels     []grafanaPanel `json:"panels"`
	Templating struct {
		List []struct {
			Name       string `json:"name"`
			Definition string `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
}

type grafanaPanel struct {
	ID         int            `json:"id"`
	Type       string         `json:"type"`
	Title      string         `json:"title"`
	Datasource map[string]any `json:"datasource"`
	GridPos    struct{ X, Y, W, H int }
	Targets    []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
	Panels []grafanaPanel `json:"panels"` // a collapsed row's
}

func readDashboard(t testing.TB) grafanaDashboard {
	t.Helper()
	var d grafanaDashboard
	dec := json.NewDecoder(bytes.NewReader(readDeploy(t, "grafana/dashboards/allot.json")))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("allot.json: %v", err)
	}
	return d
}

// panels flattens rows: the panels of collapsed rows included, rows not.
func (d grafanaDashboard) panels() []grafanaPanel {
	var out []grafanaPanel
	for _, p := range d.Panels {
		out = append(out, p.Panels...)
		if p.Type != "row" {
			out = append(out, p)
		}
	}
	return out
}

// exprs is every PromQL expression of the dashboard: its targets' and its
// template variables' queries.
func (d grafanaDashboard) exprs() []string {
	var out []string
	for _, p := range d.panels() {
		for _, tg := range p.Targets {
			out = append(out, tg.Expr)
		}
	}
	for _, v := range d.Templating.List {
		if v.Definition != "" {
			out = append(out, v.Definition)
		}
	}
	return out
}

func TestDeploy_metricsExist(t *testing.T) {
	exported := exportedMetrics()
	for _, want := range []string{"allot_engine_ready", "allot_telegram_too_many_requests_total",
		"allot_sheets_breaker_state", "allot_pool_available_items", "allot_handovers_pending",
		"allot_backup_last_success_timestamp_seconds"} {
		if !exported[want] {
			t.Fatalf("%s is not among the exported names: the collectors passed are not allot's", want)
		}
	}
	files := map[string]string{
		"alerts.yml":                    string(readDeploy(t, "alerts.yml")),
		"alerts_test.yml":               string(readDeploy(t, "alerts_test.yml")),
		"grafana/dashboards/allot.json": strings.Join(readDashboard(t).exprs(), "\n"),
	}
	for name, text := range files {
		used, unknown := unknownMetrics(text, exported)
		if len(used) < 5 {
			t.Errorf("%s names only %d allot metrics: %q", name, len(used), used)
		}
		for _, n := range unknown {
			t.Errorf("%s names %s, which allot does not export", name, n)
		}
	}
}

func TestDeploy_unknownMetricsFound(t *testing.T) {
	exported := map[string]bool{"allot_a_seconds": true, "allot_b_total": true}
	used, unknown := unknownMetrics(`rate(allot_a_seconds_bucket[5m]) / allot_a_seconds_count + allot_b_total`+
		` + allot_c + allot_d_bucket + allot_c`, exported)
	if want := []string{"allot_c", "allot_d_bucket"}; !slices.Equal(unknown, want) {
		t.Errorf("unknown = %q, want %q", unknown, want)
	}
	if len(used) != 5 {
		t.Errorf("used = %q, want each name once", used)
	}
}

func TestDeploy_dashboard(t *testing.T) {
	d := readDashboard(t)
	if d.UID == "" || d.Title == "" {
		t.Errorf("uid %q, title %q: both are needed to provision it", d.UID, d.Title)
	}
	ids := map[int]bool{}
	panels := d.panels()
	if len(panels) < 20 {
		t.Errorf("%d panels", len(panels))
	}
	for _, p := range panels {
		if ids[p.ID] || p.ID == 0 {
			t.Errorf("panel %q: id %d missing or repeated", p.Title, p.ID)
		}
		ids[p.ID] = true
		if p.Title == "" || p.Datasource == nil {
			t.Errorf("panel %d: a title and a data source are needed", p.ID)
		}
		if p.GridPos.W <= 0 || p.GridPos.X+p.GridPos.W > 24 || p.GridPos.H <= 0 {
			t.Errorf("panel %q: off the grid: %+v", p.Title, p.GridPos)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			if strings.TrimSpace(tg.Expr) == "" || tg.RefID == "" {
				t.Errorf("panel %q: a target without an expression or refId", p.Title)
			}
		}
	}
	covered := strings.Join(d.exprs(), "\n")
	for _, m := range []string{"allot_rentals_active", "allot_rentals_started_total", "allot_rentals_renewed_total",
		"allot_transfers_total", "allot_payments_total", "allot_journal_fsync_seconds_bucket", "allot_mailbox_messages",
		"allot_messages_in_flight", "allot_telegram_too_many_requests_total", "allot_sheets_too_many_requests_total",
		"allot_pool_available_items", "allot_handovers_pending", "allot_account_checks_total"} {
		if !strings.Contains(covered, m) {
			t.Errorf("no panel shows %s", m)
		}
	}
}

// composeFile is the part of docker-compose.yml the tests read.
type composeFile struct {
	Services map[string]struct {
		Build *struct {
			Context    string `yaml:"context"`
			Dockerfile string `yaml:"dockerfile"`
		} `yaml:"build"`
		Image       string            `yaml:"image"`
		EnvFile     any               `yaml:"env_file"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		Secrets     []struct {
			Source string `yaml:"source"`
		} `yaml:"secrets"`
		StopGrace string `yaml:"stop_grace_period"`
	} `yaml:"services"`
	Secrets map[string]map[string]string `yaml:"secrets"`
	Volumes map[string]any               `yaml:"volumes"`
}

func TestDeploy_compose(t *testing.T) {
	var c composeFile
	if err := yaml.Unmarshal(readDeploy(t, "docker-compose.yml"), &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	allot, ok := c.Services["allot"]
	if !ok || c.Services["prometheus"].Image == "" || c.Services["grafana"].Image == "" {
		t.Fatalf("services: want allot, prometheus and grafana: %v", c.Services)
	}
	if allot.Build == nil || allot.EnvFile != ".env" {
		t.Errorf("allot: build %+v, env_file %v", allot.Build, allot.EnvFile)
	} else if _, err := os.Stat(filepath.Join(deployDir, allot.Build.Context, allot.Build.Dockerfile)); err != nil {
		t.Errorf("allot's build does not find its Dockerfile: %v", err)
	}
	if allot.Environment["DATA_DIR"] != "/data" || allot.Environment["BACKUP_DIR"] == "" {
		t.Errorf("allot's environment: %v", allot.Environment)
	}
	if g, err := time.ParseDuration(allot.StopGrace); err != nil || g < time.Minute {
		t.Errorf("stop_grace_period %q: the final snapshot needs time", allot.StopGrace)
	}
	for name, s := range c.Services {
		for _, v := range s.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if strings.HasPrefix(src, "./") {
				if _, err := os.Stat(filepath.Join(deployDir, src)); err != nil {
					t.Errorf("%s mounts %s: %v", name, src, err)
				}
			} else if _, ok := c.Volumes[src]; !ok {
				t.Errorf("%s mounts the volume %s, which is not declared", name, src)
			}
		}
	}
	// Prometheus reads the token from the secret Compose mounts.
	prom := readPrometheusConfig(t)
	secrets := c.Services["prometheus"].Secrets
	if len(secrets) != 1 || c.Secrets[secrets[0].Source] == nil ||
		prom.tokenFile() != "/run/secrets/"+secrets[0].Source {
		t.Errorf("prometheus's secret %+v and its credentials_file %q disagree", secrets, prom.tokenFile())
	}
}

// prometheusConfig is the part of prometheus.yml the tests read.
type prometheusConfig struct {
	RuleFiles     []string `yaml:"rule_files"`
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		Authorization struct {
			CredentialsFile string `yaml:"credentials_file"`
		} `yaml:"authorization"`
	} `yaml:"scrape_configs"`
}

func readPrometheusConfig(t testing.TB) prometheusConfig {
	t.Helper()
	var p prometheusConfig
	if err := yaml.Unmarshal(readDeploy(t, "prometheus.yml"), &p); err != nil {
		t.Fatalf("prometheus.yml: %v", err)
	}
	return p
}

func (p prometheusConfig) tokenFile() string {
	for _, s := range p.ScrapeConfigs {
		if s.JobName == "allot" {
			return s.Authorization.CredentialsFile
		}
	}
	return ""
}

func TestDeploy_grafanaProvisioning(t *testing.T) {
	for _, name := range []string{"grafana/provisioning/datasources/prometheus.yml",
		"grafana/provisioning/dashboards/allot.yml"} {
		var v struct {
			APIVersion  int              `yaml:"apiVersion"`
			Datasources []map[string]any `yaml:"datasources"`
			Providers   []map[string]any `yaml:"providers"`
		}
		if err := yaml.Unmarshal(readDeploy(t, name), &v); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if v.APIVersion != 1 || len(v.Datasources)+len(v.Providers) == 0 {
			t.Errorf("%s: apiVersion %d, nothing provisioned", name, v.APIVersion)
		}
	}
}

func TestDeploy_dockerfile(t *testing.T) {
	df := string(readDeploy(t, "Dockerfile"))
	for _, want := range []string{
		"ARG GO_VERSION=1.26", "FROM golang:${GO_VERSION} AS build", "--mount=type=cache,target=/go/pkg/mod",
		"ENV CGO_ENABLED=0", "-trimpath", "./cmd/allot ", "./cmd/allot/deploy/healthcheck",
		"DATA_DIR=/data", "HTTP_ADDR=0.0.0.0:8080", `VOLUME ["/data"]`, "EXPOSE 8080", "USER allot",
		"HEALTHCHECK ", `ENTRYPOINT ["/usr/local/bin/allot"]`, `CMD ["run"]`,
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if strings.Count(df, "\nFROM ") != 2 {
		t.Errorf("want two stages, a builder and the runtime")
	}
	ignore := string(readDeploy(t, "Dockerfile.dockerignore"))
	for _, want := range []string{".git", "**/.env", "data", "bin"} {
		if !slices.Contains(strings.Fields(ignore), want) {
			t.Errorf("Dockerfile.dockerignore does not keep %s out of the build context", want)
		}
	}
}

func TestDeploy_unitSettings(t *testing.T) {
	unit := parseUnit(string(readDeploy(t, "allot.service")))
	want := map[string]string{
		"ExecStart": "/usr/local/bin/allot run", "Restart": "on-failure", "StateDirectory": "allot",
		"Environment": "DATA_DIR=/var/lib/allot", "EnvironmentFile": "/etc/allot/env", "NoNewPrivileges": "yes",
		"ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes", "KillSignal": "SIGTERM",
		"User": "allot",
	}
	for k, v := range want {
		if !slices.Contains(unit[k], v) {
			t.Errorf("%s=%s missing (have %q)", k, v, unit[k])
		}
	}
	if len(unit["ReadWritePaths"]) > 0 {
		t.Errorf("ReadWritePaths %q: the state directory is the only writable path", unit["ReadWritePaths"])
	}
	stop, err := time.ParseDuration(strings.TrimSpace(lastOf(unit["TimeoutStopSec"])))
	if err != nil || stop < time.Minute {
		t.Errorf("TimeoutStopSec %q: the final snapshot needs a minute or more", unit["TimeoutStopSec"])
	}
	if n, err := strconv.Atoi(lastOf(unit["LimitNOFILE"])); err != nil || n < 4096 {
		t.Errorf("LimitNOFILE %q", unit["LimitNOFILE"])
	}
}

// parseUnit reads a unit file's settings, every value of each key.
func parseUnit(text string) map[string][]string {
	out := map[string][]string{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == ';' || line[0] == '[' {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			out[k] = append(out[k], v)
		}
	}
	return out
}

func lastOf(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

// tool finds a command-line tool; without it the test is skipped, or
// fails under CI=true, where .ci/run installs it.
func tool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed (Debian package %s; .ci/run installs it)", name, pkg)
	}
	t.Skipf("%s is not installed (apt-get install %s): not checked", name, pkg)
	return ""
}

func runTool(t *testing.T, dir, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestDeploy_promtool(t *testing.T) {
	promtool := tool(t, "promtool", "prometheus")
	dir := t.TempDir()
	for _, name := range []string{"alerts.yml", "alerts_test.yml"} {
		if err := os.WriteFile(filepath.Join(dir, name), readDeploy(t, name), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("rules", func(t *testing.T) {
		if out, err := runTool(t, dir, promtool, "check", "rules", "alerts.yml"); err != nil {
			t.Errorf("promtool check rules alerts.yml: %v\n%s", err, out)
		}
	})
	t.Run("rule tests", func(t *testing.T) {
		if out, err := runTool(t, dir, promtool, "test", "rules", "alerts_test.yml"); err != nil {
			t.Errorf("promtool test rules alerts_test.yml: %v\n%s", err, out)
		}
	})
	t.Run("config", func(t *testing.T) {
		// promtool wants the token file to exist: point it at one here.
		token := filepath.Join(dir, "token")
		if err := os.WriteFile(token, []byte("0123456789abcdef0123\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		conf := strings.ReplaceAll(string(readDeploy(t, "prometheus.yml")), readPrometheusConfig(t).tokenFile(), token)
		if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := runTool(t, dir, promtool, "check", "config", "prometheus.yml"); err != nil {
			t.Errorf("promtool check config prometheus.yml: %v\n%s", err, out)
		}
	})
	t.Run("dashboard queries", func(t *testing.T) {
		// Each query becomes a recording rule, so promtool parses it.
		var rules strings.Builder
		rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
		grafana := strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$instance", ".*")
		for i, e := range readDashboard(t).exprs() {
			if strings.HasPrefix(e, "label_values(") {
				continue // Grafana's, not PromQL
			}
			q, _ := json.Marshal(grafana.Replace(e)) // a JSON string is a YAML string
			fmt.Fprintf(&rules, "      - record: dashboard:query_%d\n        expr: %s\n", i, q)
		}
		if err := os.WriteFile(filepath.Join(dir, "dashboard.yml"), []byte(rules.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := runTool(t, dir, promtool, "check", "rules", "dashboard.yml"); err != nil {
			t.Errorf("a dashboard query does not parse: %v\n%s", err, out)
		}
	})
}

func TestDeploy_systemdUnit(t *testing.T) {
	analyze := tool(t, "systemd-analyze", "systemd")
	dir := t.TempDir()
	// ExecStart must name an executable that exists: this test's own binary.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// A unit that cannot be wrong tells whether systemd-analyze works here
	// at all (it may not in some containers): if not, skip, even under CI.
	control := write("control.service", "[Service]\nExecStart="+self+"\n")
	if out, err := runTool(t, dir, analyze, "verify", control); err != nil || strings.TrimSpace(out) != "" {
		t.Skipf("systemd-analyze verify cannot run here (%v): %s", err, out)
	}
	unit := write("allot.service", strings.ReplaceAll(string(readDeploy(t, "allot.service")), "/usr/local/bin/allot", self))
	out, err := runTool(t, dir, analyze, "verify", unit)
	if err != nil || strings.Contains(out, "allot.service") {
		// Unknown keys and bad values are only warnings: any line naming the unit fails.
		t.Errorf("systemd-analyze verify allot.service: %v\n%s", err, out)
	}
	t.Run("exposure", func(t *testing.T) {
		out, err := runTool(t, dir, analyze, "security", "--offline=yes", unit)
		m := regexp.MustCompile(`Overall exposure level for allot\.service: ([0-9.]+)`).FindStringSubmatch(out)
		if err != nil || m == nil {
			t.Skipf("systemd-analyze security --offline is not supported here (%v)", err)
		}
		if level, _ := strconv.ParseFloat(m[1], 64); level > 2 {
			t.Errorf("exposure level %s, want at most 2 (OK): the hardening was loosened\n%s", m[1], out)
		}
	})
}
