// Package httpapi serves what operators look at while Allot runs. Health
// (/healthz, /readyz) is served by the binary, open to all; everything here
// is behind the access check:
//
//	GET /metrics                Prometheus text: the engine's series (allot_*),
//	                            Go runtime, process, and Options.Collectors
//	GET /actors?kind=&after=&limit=
//	                            a page of entities (all kinds when kind is
//	                            empty; limit 100 by default, at most 1000);
//	                            "next" in the answer is the after= of the
//	                            following page, absent on the last
//	GET /actors/{kind}          the same for one kind
//	GET /actors/{kind}/{id}     the entity's state, secrets redacted
//
// Each /actors answer is JSON, or an HTML page (no script, nothing fetched
// from elsewhere) when the request's Accept prefers text/html, as a
// browser's does; ?format=json or ?format=html overrides that.
//
// Access: on a loopback address (127.0.0.0/8, ::1, localhost) no token is
// needed. On any other address a token is, and CheckAccess refuses to
// start without one. Once a token is set, every request must carry it,
// either as "Authorization: Bearer <token>" (tools, Prometheus) or as the
// password of HTTP Basic authentication with any user name (a browser asks
// for it itself after the 401, and sends it again on every link). There
// is deliberately no ?token= parameter: a token in a URL stays in browser
// history, proxy logs and Referer headers, and the pages' own links would
// have to carry it.
package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"allot/actors"
	"allot/domain"
	"allot/persistence"
)

// MinTokenLen is the shortest token accepted: a shorter one can be guessed
// by anyone who can reach the port.
const MinTokenLen = 16

// Errors of CheckAccess and New.
var (
	ErrTokenRequired = errors.New("httpapi: a token (INTROSPECTION_TOKEN) is required on a non-loopback address")
	ErrWeakToken     = fmt.Errorf("httpapi: the introspection token is shorter than %d bytes", MinTokenLen)
)

// Options configure the handler.
type Options struct {
	Addr  string // the address the server listens on, as given to net.Listen
	Token string // required unless Addr is loopback; when set, always checked
	// Collectors are registered beside the engine's metrics: the Telegram
	// and Sheets adapters add theirs (sends, rate-limit hits, 429s).
	Collectors []prometheus.Collector
}

// CheckAccess tells whether serving on addr with token is allowed: a
// non-loopback address needs a token, and a token must be at least
// MinTokenLen bytes. The process calls it at start, before listening.
// Errors never include the token.
func CheckAccess(addr, token string) error {
	if token != "" && len(token) < MinTokenLen {
		return ErrWeakToken
	}
	if token == "" && !Loopback(addr) {
		return fmt.Errorf("%w (HTTP_ADDR %s)", ErrTokenRequired, addr)
	}
	return nil
}

// Loopback reports whether addr ("host:port", or a bare host) only accepts
// connections from this machine: 127.0.0.0/8, ::1 or "localhost". An empty
// host (":8080") listens everywhere and is not loopback.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = strings.Trim(addr, "[]")
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// source is what the handler reads of the engine; *actors.Engine is the
// one implementation outside tests.
type source interface {
	Actors(kind domain.Kind, after string, limit int) ([]actors.ActorInfo, string, error)
	Entity(ctx context.Context, kind domain.Kind, id string) (any, error)
	KindCounts() map[domain.Kind]actors.KindCount
	NumberCounts() (map[domain.NumberStatus]int, int)
	Watchers() []actors.WatchStatus
	LastSnapshot() (persistence.SnapshotInfo, bool, bool)
	Stats() actors.Stats
	Ready() error
	Recovery() persistence.RecoveryInfo
}

var _ source = (*actors.Engine)(nil)

// Handler serves /metrics and /actors behind the access check.
type Handler struct {
	src   source
	token *[sha256.Size]byte // nil: no token needed
	mux   *http.ServeMux
}

// New builds the handler for eng. It fails as CheckAccess does, and when a
// collector cannot be registered (two collectors of the same metric).
func New(eng *actors.Engine, opts Options) (*Handler, error) {
	return newHandler(eng, opts)
}

func newHandler(src source, opts Options) (*Handler, error) {
	if err := CheckAccess(opts.Addr, opts.Token); err != nil {
		return nil, err
	}
	reg, err := registry(src, opts.Collectors)
	if err != nil {
		return nil, err
	}
	h := &Handler{src: src, mux: http.NewServeMux()}
	if opts.Token != "" {
		sum := sha256.Sum256([]byte(opts.Token))
		h.token = &sum
	}
	h.mux.Handle("GET /metrics", metricsHandler(reg))
	h.mux.HandleFunc("GET /actors", h.list)
	h.mux.HandleFunc("GET /actors/{kind}", h.list)
	h.mux.HandleFunc("GET /actors/{kind}/{id...}", h.entity)
	return h, nil
}

// Register mounts the handler on mux at /metrics, /actors and /actors/.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("/metrics", h)
	mux.Handle("/actors", h)
	mux.Handle("/actors/", h)
}

// ServeHTTP checks access, then serves the request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.allowed(r) {
		w.Header().Add("WWW-Authenticate", `Bearer realm="allot"`)
		w.Header().Add("WWW-Authenticate", `Basic realm="allot introspection", charset="UTF-8"`)
		http.Error(w, "unauthorized: a valid introspection token is required", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Cache-Control", "no-store") // states hold people's data
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Add("Vary", "Accept") // /actors answers JSON or HTML
	h.mux.ServeHTTP(w, r)
}

// allowed compares the request's token with ours in constant time. Both
// are hashed first, so that not even the token's length leaks.
func (h *Handler) allowed(r *http.Request) bool {
	if h.token == nil {
		return true
	}
	got, ok := requestToken(r)
	if !ok {
		return false
	}
	sum := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(sum[:], h.token[:]) == 1
}

// requestToken is the bearer token, or the password of Basic auth.
func requestToken(r *http.Request) (string, bool) {
	auth := r.Header.Get("Authorization")
	if scheme, tok, ok := strings.Cut(auth, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(tok), true
	}
	if _, pass, ok := r.BasicAuth(); ok {
		return pass, true
	}
	return "", false
}
