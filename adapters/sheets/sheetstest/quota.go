package sheetstest

import (
	"maps"
	"slices"
	"time"
)

// Quota is the per-minute request budget of the one "user" (service
// account) the fake serves. Zero means unlimited.
type Quota struct {
	ReadsPerMinute  int
	WritesPerMinute int
}

// DefaultQuota is Google's default: 60 read and 60 write requests a minute
// per user. (The 300 a minute per project cannot bind with one user.)
func DefaultQuota() Quota { return Quota{ReadsPerMinute: 60, WritesPerMinute: 60} }

// window holds the times of the requests admitted in the last minute. It
// is a sliding window, stricter than a fixed one: a client that passes it
// passes Google's, whichever way Google slices its minutes.
type window struct {
	times []time.Time
	peak  int
}

// count drops what left the window at now and says how many remain.
func (w *window) count(now time.Time) int {
	cut := now.Add(-time.Minute)
	i := 0
	for i < len(w.times) && !w.times[i].After(cut) {
		i++
	}
	w.times = w.times[i:]
	return len(w.times)
}

func (w *window) add(now time.Time) {
	w.times = append(w.times, now)
	w.peak = max(w.peak, len(w.times))
}

// admit charges one request to its quota, or returns Google's 429. A
// request is charged even if it then fails with 400 or 404, as on Google.
func (s *Server) admit(method string, now time.Time) *apiError {
	read := isRead[method]
	w, limit := &s.writes, s.cfg.quota.WritesPerMinute
	if read {
		w, limit = &s.reads, s.cfg.quota.ReadsPerMinute
	}
	if limit > 0 && w.count(now) >= limit {
		s.stats.RateLimited++
		return errQuota(read, limit)
	}
	w.count(now)
	w.add(now)
	if read {
		s.stats.Reads++
	} else {
		s.stats.Writes++
	}
	return nil
}

// Stats counts what the server saw, for tests and the load test's report.
type Stats struct {
	Requests           int            // API requests received, whatever their fate
	Reads              int            // read requests charged to the quota
	Writes             int            // write requests charged to the quota
	RateLimited        int            // requests answered 429 by the quota
	Faults             int            // failures injected by FailNext and FailAfterApply
	MaxReadsPerMinute  int            // most reads charged within any 60 seconds
	MaxWritesPerMinute int            // most writes charged within any 60 seconds
	HumanEdits         int            // edits applied by HumanEdit and HumanEditEvery
	Methods            map[string]int // requests received per method (Method* names)
}

// Request is one entry of the request log.
type Request struct {
	Time          time.Time
	Method        string   // a Method* name
	SpreadsheetID string   // as in the path
	Ranges        []string // the A1 ranges the call named, decoded
	Kinds         []string // spreadsheets.batchUpdate: the kinds of its requests, in order
	Status        int      // the HTTP status answered; 0 if the connection was cut
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Methods = maps.Clone(s.stats.Methods)
	st.MaxReadsPerMinute, st.MaxWritesPerMinute = s.reads.peak, s.writes.peak
	return st
}

// Requests returns the request log, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}
