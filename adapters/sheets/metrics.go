package sheets

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"
)

// The client's series, read from its counters at scrape time.
var (
	descRequests  = sheetsDesc("requests_total", "Requests sent to Google Sheets, retries included.", "op")
	descTooMany   = sheetsDesc("too_many_requests_total", "Requests Google answered 429 (quota exceeded).")
	descRetries   = sheetsDesc("retries_total", "Requests repeated after a 429, 5xx, timeout or failed connection.")
	descAmbiguous = sheetsDesc("ambiguous_writes_total", "Writes that may or may not have been applied.")
	descRefused   = sheetsDesc("breaker_refused_total", "Calls refused at once because the circuit breaker was open.")
	descOpened    = sheetsDesc("breaker_opened_total", "Times the circuit breaker opened.")
	descBreaker   = sheetsDesc("breaker_state", "1 for the circuit breaker's current state (closed, half-open, open), 0 for the others.", "state")
)

var breakerStates = []gobreaker.State{gobreaker.StateClosed, gobreaker.StateHalfOpen, gobreaker.StateOpen}

func sheetsDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("allot_sheets_"+name, help, labels, nil)
}

// clientCollector reads a Client's counters at each scrape.
type clientCollector struct{ c *Client }

// NewCollector returns c's Prometheus series (allot_sheets_*): requests
// by op (read, write), 429s, retries, ambiguous writes and the circuit
// breaker. A nil c (the stock in CSV files) gives no series.
func NewCollector(c *Client) prometheus.Collector { return &clientCollector{c: c} }

func (cc *clientCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRequests, descTooMany, descRetries, descAmbiguous, descRefused, descOpened, descBreaker} {
		ch <- d
	}
}

func (cc *clientCollector) Collect(ch chan<- prometheus.Metric) {
	if cc.c == nil {
		return
	}
	s := cc.c.Stats()
	ch <- sheetsCounter(descRequests, s.Reads, "read")
	ch <- sheetsCounter(descRequests, s.Writes, "write")
	ch <- sheetsCounter(descTooMany, s.RateLimited)
	ch <- sheetsCounter(descRetries, s.Retries)
	ch <- sheetsCounter(descAmbiguous, s.Ambiguous)
	ch <- sheetsCounter(descRefused, s.BreakerOpen)
	ch <- sheetsCounter(descOpened, s.BreakerOpens)
	now := cc.c.breaker.State()
	for _, st := range breakerStates {
		v := 0.0
		if st == now {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(descBreaker, prometheus.GaugeValue, v, st.String())
	}
}

func sheetsCounter(d *prometheus.Desc, v uint64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
}
