package httpapi

import (
	"github.com/prometheus/client_golang/prometheus"

	"allot/actors"
)

// HandoverSource gives the chores numbers owe Fragment; *actors.Engine is
// one. Both methods must be cheap and safe to call from any goroutine.
type HandoverSource interface {
	HandoversPending() int
	HandoversFailing() (failing, alerted int)
}

var _ HandoverSource = (*actors.Engine)(nil)

// FragmentCall is one kind of call of the Fragment client, as /metrics
// counts it: the call's name and how it ended, both from short fixed sets.
// Neither ever holds a number, a code or a cookie.
type FragmentCall struct {
	Method, Outcome string
}

// FragmentCounts is what the Fragment client counted since it started;
// every count only grows.
type FragmentCounts struct {
	Calls    map[FragmentCall]uint64 // calls by name and outcome
	Requests map[string]uint64       // HTTP requests by Fragment method, retries included
	Retries  uint64                  // requests repeated after a 429, a 5xx or a lost answer
}

// The login-code relay's series: what the Fragment client did, and the
// hand-overs numbers owe Fragment.
var (
	descFragmentCalls = desc("fragment_calls_total", "Calls of the Fragment client by method (login_codes, "+
		"terminate_sessions, set_login_codes, my_numbers) and outcome (ok, session_expired, not_owned, ...).",
		"method", "outcome")
	descFragmentRequests = desc("fragment_requests_total", "HTTP requests to fragment.com by Fragment method "+
		`("page" for page loads), retries included.`, "method")
	descFragmentRetries = desc("fragment_retries_total", "Requests to fragment.com repeated after a 429, a 5xx or a lost answer.")
	descHandoverPending = desc("handovers_pending", "Numbers that owe Fragment a chore now: login codes to switch, "+
		"or every session to end before the number is offered again.")
	descHandoverFailing = desc("handovers_failing", "Numbers whose last hand-over step failed; it is retried with backoff.")
	descHandoverAlerted = desc("handovers_alerted", "Numbers whose hand-over failed so often that the admins were told, "+
		"and still fails.")
)

var relayDescs = []*prometheus.Desc{descFragmentCalls, descFragmentRequests, descFragmentRetries,
	descHandoverPending, descHandoverFailing, descHandoverAlerted}

type relayCollector struct {
	handovers HandoverSource
	fragment  func() FragmentCounts
}

// NewRelayCollector returns the login-code relay's series: the Fragment
// client's counts, read from fragment at each scrape (nil when the relay
// is off: those series are then absent), and the hand-overs the numbers
// owe Fragment (absent with a nil handovers, a nil *actors.Engine
// included). fragment must be safe to call from any goroutine.
func NewRelayCollector(handovers HandoverSource, fragment func() FragmentCounts) prometheus.Collector {
	if e, ok := handovers.(*actors.Engine); ok && e == nil {
		handovers = nil
	}
	return &relayCollector{handovers: handovers, fragment: fragment}
}

func (c *relayCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range relayDescs {
		ch <- d
	}
}

func (c *relayCollector) Collect(ch chan<- prometheus.Metric) {
	if c.fragment != nil {
		f := c.fragment()
		for call, n := range f.Calls {
			ch <- counter(descFragmentCalls, float64(n), call.Method, call.Outcome)
		}
		for method, n := range f.Requests {
			ch <- counter(descFragmentRequests, float64(n), method)
		}
		ch <- counter(descFragmentRetries, float64(f.Retries))
	}
	if c.handovers != nil {
		failing, alerted := c.handovers.HandoversFailing()
		ch <- gauge(descHandoverPending, float64(c.handovers.HandoversPending()))
		ch <- gauge(descHandoverFailing, float64(failing))
		ch <- gauge(descHandoverAlerted, float64(alerted))
	}
}
