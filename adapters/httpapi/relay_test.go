package httpapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"allot/actors"
)

type handoversStub struct{ pending, failing, alerted int }

func (h handoversStub) HandoversPending() int                    { return h.pending }
func (h handoversStub) HandoversFailing() (failing, alerted int) { return h.failing, h.alerted }

func TestRelayCollector(t *testing.T) {
	e := openEngine(t, nil)
	counts := func() FragmentCounts {
		return FragmentCounts{
			Calls:    map[FragmentCall]uint64{{"login_codes", "ok"}: 7, {"my_numbers", "session_expired"}: 1},
			Requests: map[string]uint64{"page": 9, "updateLoginCodes": 2}, Retries: 3,
		}
	}
	srv := serve(t, e, Options{Addr: "127.0.0.1:8080", Collectors: []prometheus.Collector{
		NewRelayCollector(handoversStub{pending: 4, failing: 2, alerted: 1}, counts)}})
	code, _, body := get(t, srv, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	for series, want := range map[string]float64{
		`allot_fragment_calls_total{method="login_codes",outcome="ok"}`:             7,
		`allot_fragment_calls_total{method="my_numbers",outcome="session_expired"}`: 1,
		`allot_fragment_requests_total{method="page"}`:                              9,
		`allot_fragment_requests_total{method="updateLoginCodes"}`:                  2,
		`allot_fragment_retries_total`:                                              3,
		`allot_handovers_pending`:                                                   4,
		`allot_handovers_failing`:                                                   2,
		`allot_handovers_alerted`:                                                   1,
	} {
		if got := metricValue(t, body, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
}

func TestRelayCollector_off(t *testing.T) {
	e := openEngine(t, nil)
	var none *actors.Engine
	srv := serve(t, e, Options{Addr: "127.0.0.1:8080", Collectors: []prometheus.Collector{NewRelayCollector(none, nil)}})
	_, _, body := get(t, srv, "/metrics")
	if strings.Contains(body, "allot_fragment_") || strings.Contains(body, "allot_handovers_") {
		t.Errorf("relay series with no relay and no engine:\n%s", body)
	}

	// An engine without Fragment owes it nothing.
	srv = serve(t, e, Options{Addr: "127.0.0.1:8080", Collectors: []prometheus.Collector{NewRelayCollector(e, nil)}})
	_, _, body = get(t, srv, "/metrics")
	if metricValue(t, body, "allot_handovers_pending") != 0 || strings.Contains(body, "allot_fragment_") {
		t.Errorf("relay off:\n%s", body)
	}
}
