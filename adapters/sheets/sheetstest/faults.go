package sheetstest

import (
	"fmt"
	"time"
)

// CutConnection, given as the code to FailNext or FailAfterApply, closes
// the connection instead of answering: the client sees EOF or a reset, as
// when a proxy or the network fails mid-request.
const CutConnection = 0

// AnyMethod, given as the method to FailNext or FailAfterApply, matches
// every method.
const AnyMethod = ""

type fault struct {
	method     string
	left       int
	code       int
	afterApply bool
}

func (f fault) outcome() outcome {
	if f.code == CutConnection {
		return outcome{cut: true}
	}
	return failure(errForCode(f.code))
}

var knownMethods = map[string]bool{
	AnyMethod: true, MethodGet: true, MethodBatchUpdate: true, MethodValuesGet: true,
	MethodValuesBatchGet: true, MethodValuesAppend: true, MethodValuesUpdate: true,
	MethodValuesBatchUpd: true, MethodValuesClear: true, MethodValuesBatchClear: true,
}

// FailNext makes the next n calls of method fail with code before they
// touch anything: nothing is applied and no quota is charged. Codes get
// Google's bodies (429 the quota body, 500 INTERNAL, 503 UNAVAILABLE, 502
// an HTML page); CutConnection closes the connection. It panics on an
// unknown method name, which is a typo in the test.
func (s *Server) FailNext(method string, n, code int) { s.addFault(method, n, code, false) }

// FailAfterApply makes the next n successful calls of method apply their
// change and then fail with code, or cut the connection: the ambiguous
// failure after which a blind retry duplicates rows. Calls that fail on
// their own (400, 404, 429) do not use it up.
func (s *Server) FailAfterApply(method string, n, code int) { s.addFault(method, n, code, true) }

func (s *Server) addFault(method string, n, code int, afterApply bool) {
	if !knownMethods[method] {
		panic(fmt.Sprintf("sheetstest: unknown method %q", method))
	}
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{method: method, left: n, code: code, afterApply: afterApply})
}

// takeFault uses up one failure planned for method at this stage, oldest
// plan first.
func (s *Server) takeFault(method string, afterApply bool) (fault, bool) {
	for i := range s.faults {
		f := &s.faults[i]
		if f.afterApply != afterApply || f.method != AnyMethod && f.method != method {
			continue
		}
		got := *f
		if f.left--; f.left == 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		s.stats.Faults++
		return got, true
	}
	return fault{}, false
}

// SetDelay makes every call wait d before it is handled, as Google's
// latency does; the wait happens outside the lock, so calls overlap. Zero
// removes the delay.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}
