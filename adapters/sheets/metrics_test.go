package sheets

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"allot/adapters/sheets/sheetstest"
)

// gather collects c's series as "name{label=value}" → value.
func gather(t testing.TB, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			name := mf.GetName()
			for _, l := range m.GetLabel() {
				name += "{" + l.GetName() + "=" + l.GetValue() + "}"
			}
			out[name] = m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return out
}

func TestNewCollector(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) {
		c.Attempts, c.BreakerFailures, c.BreakerCoolDown = 2, 2, time.Hour
	}})
	e.srv.SetRows("stock", "Склад", [][]string{{"h"}})
	e.srv.FailNext(sheetstest.MethodValuesGet, 1, 429)
	if _, err := e.c.ReadRows(tctx, "stock", "Склад"); err != nil {
		t.Fatal(err)
	}
	got := gather(t, NewCollector(e.c))
	for series, want := range map[string]float64{
		"allot_sheets_requests_total{op=read}":        2,
		"allot_sheets_requests_total{op=write}":       0,
		"allot_sheets_too_many_requests_total":        1,
		"allot_sheets_retries_total":                  1,
		"allot_sheets_breaker_state{state=closed}":    1,
		"allot_sheets_breaker_state{state=open}":      0,
		"allot_sheets_breaker_state{state=half-open}": 0,
		"allot_sheets_breaker_refused_total":          0,
	} {
		if v, ok := got[series]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", series, v, ok, want)
		}
	}

	e.srv.FailNext(sheetstest.MethodValuesGet, 10, 503)
	for range 3 {
		_, _ = e.c.ReadRows(tctx, "stock", "Склад")
	}
	if e.c.Healthy() {
		t.Fatal("the breaker did not open")
	}
	got = gather(t, NewCollector(e.c))
	if got["allot_sheets_breaker_state{state=open}"] != 1 || got["allot_sheets_breaker_state{state=closed}"] != 0 {
		t.Errorf("breaker series while open: %v", got)
	}
	if want := float64(e.c.Stats().BreakerOpen); want == 0 || got["allot_sheets_breaker_refused_total"] != want {
		t.Errorf("refused %v, want %v (> 0)", got["allot_sheets_breaker_refused_total"], want)
	}
	if got["allot_sheets_breaker_opened_total"] != 1 {
		t.Errorf("opened %v, want 1", got["allot_sheets_breaker_opened_total"])
	}
}

func TestNewCollector_nilClient(t *testing.T) {
	if got := gather(t, NewCollector(nil)); len(got) != 0 {
		t.Errorf("series without a client: %v", got)
	}
}
