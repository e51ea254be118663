package main

import (
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"allot/adapters/sheets/sheetstest"
)

// faultPlan stands in front of the fake and, while on, fails each request
// with probability p: reads with a 429, a 5xx or a cut connection; writes
// with a 429 or a 5xx before applying, or applied and then answered with
// a 500 or a cut connection, after which only a read tells what happened.
// Only the stocker sends requests, one at a time, so a failure planned
// for a request is its own.
type faultPlan struct {
	srv *sheetstest.Server
	p   float64
	on  atomic.Bool

	mu  sync.Mutex
	rnd *rand.Rand
}

func (fp *faultPlan) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if fp.on.Load() {
		fp.plan(r)
	}
	fp.srv.Handler().ServeHTTP(w, r)
}

func (fp *faultPlan) plan(r *http.Request) {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	if fp.rnd.Float64() >= fp.p {
		return
	}
	k := fp.rnd.IntN(10)
	method := sheetstest.MethodBatchUpdate
	switch p := r.URL.Path; {
	case r.Method == http.MethodGet && strings.Contains(p, "/values/"):
		fp.srv.FailNext(sheetstest.MethodValuesGet, 1, []int{429, 429, 500, 503, sheetstest.CutConnection}[k%5])
		return
	case r.Method == http.MethodGet:
		fp.srv.FailNext(sheetstest.MethodGet, 1, 503)
		return
	case strings.HasSuffix(p, "/values:batchUpdate"):
		method = sheetstest.MethodValuesBatchUpd
	}
	if k < 5 {
		fp.srv.FailNext(method, 1, []int{429, 502, 503}[k%3])
		return
	}
	fp.srv.FailAfterApply(method, 1, []int{500, sheetstest.CutConnection}[k%2])
}
