package sheetstest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Method names, as FailNext, Stats and Requests spell them. They are the
// API's own method names without the "sheets.spreadsheets." prefix.
const (
	MethodGet              = "spreadsheets.get"
	MethodBatchUpdate      = "spreadsheets.batchUpdate"
	MethodValuesGet        = "values.get"
	MethodValuesBatchGet   = "values.batchGet"
	MethodValuesAppend     = "values.append"
	MethodValuesUpdate     = "values.update"
	MethodValuesBatchUpd   = "values.batchUpdate"
	MethodValuesClear      = "values.clear"
	MethodValuesBatchClear = "values.batchClear"
)

// isRead says which quota a method draws from; everything else is a write.
var isRead = map[string]bool{MethodGet: true, MethodValuesGet: true, MethodValuesBatchGet: true}

// Errors of the test-side calls. They name the mistake in the test; API
// failures go to the client as HTTP answers.
var (
	ErrNoSpreadsheet = errors.New("sheetstest: no such spreadsheet")
	ErrNoTab         = errors.New("sheetstest: no such tab")
	ErrTabExists     = errors.New("sheetstest: a tab with that title exists")
	ErrLastTab       = errors.New("sheetstest: a spreadsheet keeps at least one tab")
)

// Option configures a Server.
type Option func(*config)

type config struct {
	now   func() time.Time
	quota Quota
	auto  autoEdit
}

// WithClock sets where the fake reads the time: quota windows and the
// request log. Quota tests pass a clock they move by hand.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithQuota replaces Google's default per-user limits (DefaultQuota).
func WithQuota(q Quota) Option { return func(c *config) { c.quota = q } }

// WithHumanEditEvery starts the server with HumanEditEvery already set, for
// a load run that configures everything up front.
func WithHumanEditEvery(n int, spreadsheetID, tab string, edit Edit) Option {
	return func(c *config) { c.auto = autoEdit{every: n, spreadsheetID: spreadsheetID, tab: tab, edit: edit} }
}

// WithoutQuotas turns the per-minute limits off, for tests and load runs
// that measure something else. Stats still counts requests per minute.
func WithoutQuotas() Option { return WithQuota(Quota{}) }

// Server is the fake Sheets API. Create it with New and Close it when done;
// all methods are safe for concurrent use.
type Server struct {
	cfg  config
	mux  *http.ServeMux
	hs   *httptest.Server
	done chan struct{} // closed by Close: wakes delayed requests
	once sync.Once

	mu     sync.Mutex
	sheets map[string]*spreadsheet
	faults []fault
	delay  time.Duration
	auto   autoEdit
	reads  window
	writes window
	stats  Stats
	log    []Request
}

// New starts a fake Sheets API on a free port of 127.0.0.1, with Google's
// quotas on and no spreadsheets (see AddSpreadsheet and SetRows).
func New(opts ...Option) *Server {
	cfg := config{now: time.Now, quota: DefaultQuota()}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		cfg:    cfg,
		done:   make(chan struct{}),
		sheets: map[string]*spreadsheet{},
		auto:   cfg.auto,
		stats:  Stats{Methods: map[string]int{}},
	}
	s.mux = s.routes()
	s.hs = httptest.NewServer(s.mux)
	return s
}

// URL is the server's root, without a trailing slash. The Go client wants
// one: option.WithEndpoint(srv.URL()+"/").
func (s *Server) URL() string { return s.hs.URL }

// Handler serves the API, for mounting on another server. Its paths start
// with /v4/, so mount it at the root or behind http.StripPrefix.
func (s *Server) Handler() http.Handler { return s.mux }

// Close stops the server. Delayed requests are cut short; it returns once
// every request in flight has been answered.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.done)
		s.hs.Close()
	})
}

// handler is one API method. It runs with s.mu held and returns the JSON
// answer, or the error Google would give.
type handler func(c *call) (any, *apiError)

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	p := "/v4/spreadsheets/{id}"
	m.HandleFunc("GET "+p, s.serve(MethodGet, s.getSpreadsheet))
	m.HandleFunc("POST "+p, s.verbs(map[string]verb{"batchUpdate": {MethodBatchUpdate, s.batchUpdate}}))
	m.HandleFunc("GET "+p+"/values/{range}", s.serve(MethodValuesGet, s.valuesGet))
	m.HandleFunc("PUT "+p+"/values/{range}", s.serve(MethodValuesUpdate, s.valuesUpdate))
	m.HandleFunc("POST "+p+"/values/{range}", s.verbs(map[string]verb{
		"append": {MethodValuesAppend, s.valuesAppend},
		"clear":  {MethodValuesClear, s.valuesClear},
	}))
	m.HandleFunc("GET "+p+"/values:batchGet", s.serve(MethodValuesBatchGet, s.valuesBatchGet))
	m.HandleFunc("POST "+p+"/values:batchUpdate", s.serve(MethodValuesBatchUpd, s.valuesBatchUpdate))
	m.HandleFunc("POST "+p+"/values:batchClear", s.serve(MethodValuesBatchClear, s.valuesBatchClear))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeOutcome(w, failure(errNotFoundPath(r.URL.Path)))
	})
	return m
}

type verb struct {
	method string
	h      handler
}

// verbs dispatches the custom verbs Google puts after a colon in the last
// path segment ("...:append"). Go's ServeMux decodes the segment, so the
// verb is cut from the decoded value; an escaped colon in a range ("%3A")
// decodes too, which is why only the last colon counts.
func (s *Server) verbs(table map[string]verb) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := "id"
		if r.PathValue("range") != "" {
			name = "range"
		}
		v := r.PathValue(name)
		i := strings.LastIndexByte(v, ':')
		vb, ok := table[v[i+1:]]
		if i < 0 || !ok {
			writeOutcome(w, failure(errNotFoundPath(r.URL.Path)))
			return
		}
		r.SetPathValue(name, v[:i])
		s.serve(vb.method, vb.h)(w, r)
	}
}

// serve runs one API call: it reads the body, waits the configured delay,
// then under the lock applies scheduled human edits, injected faults, the
// quota and the method itself, in the order Google's front end would.
func (s *Server) serve(method string, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := newCall(method, r)
		if err != nil {
			writeOutcome(w, failure(err))
			return
		}
		if !s.wait(r.Context()) {
			writeOutcome(w, failure(errUnavailable()))
			return
		}
		out := s.process(c, h)
		if out.cut {
			cutConnection(w)
			return
		}
		writeOutcome(w, out)
	}
}

// wait sleeps the configured delay; false if the server closed meanwhile.
func (s *Server) wait(ctx context.Context) bool {
	s.mu.Lock()
	d := s.delay
	s.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

func (s *Server) process(c *call, h handler) (out outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.now()
	s.stats.Requests++
	s.stats.Methods[c.method]++
	s.runAutoEdit()
	defer func() { s.record(c, now, out) }()
	if f, ok := s.takeFault(c.method, false); ok {
		return f.outcome()
	}
	if err := s.admit(c.method, now); err != nil {
		return failure(err)
	}
	res, aerr := h(c)
	if aerr != nil {
		return failure(aerr)
	}
	if f, ok := s.takeFault(c.method, true); ok {
		return f.outcome()
	}
	return success(res)
}

// record appends the call to the request log.
func (s *Server) record(c *call, now time.Time, out outcome) {
	s.log = append(s.log, Request{
		Time: now, Method: c.method, SpreadsheetID: c.id,
		Ranges: c.ranges, Kinds: c.kinds, Status: out.status,
	})
}
