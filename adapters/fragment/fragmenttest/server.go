package fragmenttest

import (
	"crypto/rand"
	"encoding/hex"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Request kinds, as Requests and FailNext spell them: Fragment's API
// methods by name, page loads as "GET <path>" ("GET /number" for any
// number's page).
const (
	MethodUpdateLoginCodes       = "updateLoginCodes"
	MethodToggleLoginCodes       = "toggleLoginCodes"
	MethodTerminatePhoneSessions = "terminatePhoneSessions"
	MethodCanSellItem            = "canSellItem" // type=3, username=<digits>, auction=true
	// MethodTerminateConfirm is, for FailNext only, the second step of
	// terminatePhoneSessions (the one with terminate_hash).
	MethodTerminateConfirm = "terminatePhoneSessions+confirm"
	PageFront              = "GET /"
	PageMyNumbers          = "GET /my/numbers"
	PageNumber             = "GET /number"
)

// Server is a fake fragment.com. It is safe for concurrent use.
type Server struct {
	srv *httptest.Server
	cfg config

	mu       sync.Mutex
	numbers  map[string]*number // by digits, without "+"
	hash     string
	login    login
	odd      bool
	fails    map[string][]int // statuses still to answer, by request kind
	requests map[string]int
}

// login is the browser session the fake accepts.
type login struct {
	ssid, token, tonToken string
	oldSSID               string // accepted until the new one is seen, after RefreshSSID
	expired               bool
}

// New starts a fake fragment.com on a loopback port with no numbers.
func New(opts ...Option) *Server {
	cfg := config{pageSize: 50, retryAfter: "1", notOwnedMessage: NotOwnedMessage}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		cfg: cfg, numbers: map[string]*number{}, hash: randomHex(8),
		login: newLogin(), fails: map[string][]int{}, requests: map[string]int{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func newLogin() login {
	return login{ssid: randomHex(16), token: randomHex(24), tonToken: randomHex(24)}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// URL is the fake's base URL, for fragment.Options.BaseURL.
func (s *Server) URL() string { return s.srv.URL }

// Close shuts the fake down.
func (s *Server) Close() { s.srv.Close() }

// Cookies returns a Cookie header of a browser logged in to the fake.
func (s *Server) Cookies() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.login
	return "stel_ssid=" + l.ssid + "; stel_dt=-180; stel_token=" + l.token + "; stel_ton_token=" + l.tonToken
}

// Hash is the api hash the fake accepts now.
func (s *Server) Hash() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hash
}

// RotateHash makes the current api hash stale: it is answered
// {"error":"Bad request"} from now on.
func (s *Server) RotateHash() {
	s.mu.Lock()
	s.hash = randomHex(8)
	s.mu.Unlock()
}

// ExpireSession makes the login gone, in the way WithExpiry chose.
func (s *Server) ExpireSession() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.login.expired = true
	if s.cfg.expiry == ExpiryLoggedOut {
		s.hash = randomHex(8) // the hash is tied to the session
	}
}

// Renew logs in afresh, as the operator does in a browser after an
// expiry: the old cookies stay refused; the new header is returned.
func (s *Server) Renew() string {
	s.mu.Lock()
	s.login = newLogin()
	s.mu.Unlock()
	return s.Cookies()
}

// RefreshSSID gives the session a new stel_ssid in a Set-Cookie on the
// next replies. The old one is accepted until a request brings the new
// one. (Whether Fragment refreshes its cookies is not known.)
func (s *Server) RefreshSSID() {
	s.mu.Lock()
	s.login.oldSSID, s.login.ssid = s.login.ssid, randomHex(16)
	s.mu.Unlock()
}

// Requests counts the requests by kind (see the Method and Page
// constants), including those refused.
func (s *Server) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.requests)
}

// serve routes a request.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/api":
		s.serveAPI(w, r)
	case r.Method != http.MethodGet:
		http.Error(w, "fragmenttest: method not allowed", http.StatusMethodNotAllowed)
	case r.URL.Path == "/":
		s.serveFront(w, r)
	case r.URL.Path == "/my/numbers":
		s.serveMyNumbers(w, r)
	case strings.HasPrefix(r.URL.Path, "/number/"):
		s.serveNumber(w, r)
	case r.URL.Path == "/auth":
		writeHTML(w, "<!DOCTYPE html><html><body><h1>Log in</h1></body></html>")
	default:
		http.NotFound(w, r)
	}
}

// checkLogin tells whether the request's cookies are the session's, and
// announces a refreshed stel_ssid. Call with s.mu held.
func (s *Server) checkLogin(w http.ResponseWriter, r *http.Request) bool {
	l := &s.login
	ssid, token, ton := cookie(r, "stel_ssid"), cookie(r, "stel_token"), cookie(r, "stel_ton_token")
	if l.expired || token != l.token || ton != l.tonToken || ssid == "" {
		return false
	}
	switch {
	case ssid == l.ssid:
		l.oldSSID = ""
	case ssid == l.oldSSID:
		http.SetCookie(w, &http.Cookie{Name: "stel_ssid", Value: l.ssid, Path: "/", HttpOnly: true})
	default:
		return false
	}
	return true
}

func cookie(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// injected answers with a queued failure for kind, if there is one. Call
// with s.mu held.
func (s *Server) injected(w http.ResponseWriter, kind string) bool {
	q := s.fails[kind]
	if len(q) == 0 {
		return false
	}
	status := q[0]
	s.fails[kind] = q[1:]
	if status == http.StatusTooManyRequests && s.cfg.retryAfter != "" {
		w.Header().Set("Retry-After", s.cfg.retryAfter)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte("<html><head><title>" + http.StatusText(status) + "</title></head><body>" +
		http.StatusText(status) + "</body></html>"))
	return true
}
