package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"allot/adapters/fragment/fragmenttest"
)

// termination is one confirmed ending of a number's sessions, on the
// engine's clock: when the proxy got the request, and when it had the answer.
type termination struct{ sent, done time.Time }

// fragmentProxy stands between the children's Fragment client and the fake.
// It forwards every request a little late (so that kills land between a
// hand-over's steps), finishes a request whose sender was killed, as
// Fragment would, and records each confirmed ending of sessions before the
// client can see it.
type fragmentProxy struct {
	target   string
	clock    vclock
	delay    time.Duration
	http     *http.Client
	inflight atomic.Int64

	mu   sync.Mutex
	ends map[string][]termination // by number, "+888…"
}

func newFragmentProxy(target string, clock vclock, delay time.Duration) *fragmentProxy {
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &fragmentProxy{target: target, clock: clock, delay: delay, http: hc, ends: map[string][]termination{}}
}

func (p *fragmentProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.inflight.Add(1)
	defer p.inflight.Add(-1)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "loadtest proxy: "+err.Error(), http.StatusBadGateway)
		return
	}
	sent := p.clock.now()
	time.Sleep(time.Duration(rand.Int64N(int64(p.delay) + 1)))
	resp, reply, err := p.forward(r, body)
	if err != nil {
		http.Error(w, "loadtest proxy: "+err.Error(), http.StatusBadGateway)
		return
	}
	p.note(r, body, sent, reply)
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(reply)
}

// forward sends the request on to the fake, as if the client had sent it
// there, and reads the whole answer.
func (p *fragmentProxy) forward(r *http.Request, body []byte) (*http.Response, []byte, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header = r.Header.Clone()
	self := "http://" + r.Host
	for _, h := range []string{"Origin", "Referer", "X-Aj-Referer"} {
		if v := req.Header.Get(h); strings.HasPrefix(v, self) {
			req.Header.Set(h, p.target+strings.TrimPrefix(v, self))
		}
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// note records a confirmed terminatePhoneSessions (its second step,
// answered with a message rather than an error).
func (p *fragmentProxy) note(r *http.Request, body []byte, sent time.Time, reply []byte) {
	form, _ := url.ParseQuery(string(body))
	if r.URL.Path != "/api" || form.Get("method") != fragmenttest.MethodTerminatePhoneSessions ||
		form.Get("terminate_hash") == "" {
		return
	}
	var rep map[string]any
	if json.Unmarshal(reply, &rep) != nil || rep["msg"] == nil {
		return
	}
	num := "+" + form.Get("number")
	p.mu.Lock()
	p.ends[num] = append(p.ends[num], termination{sent: sent, done: p.clock.now()})
	p.mu.Unlock()
}

func (p *fragmentProxy) terminations(num string) []termination {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ends[num]
}
