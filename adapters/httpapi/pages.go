package httpapi

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"allot/actors"
	"allot/domain"
)

// Paging of /actors: limit defaults to defaultLimit and is capped at maxLimit.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

//go:embed templates/*.html
var templateFiles embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"entityURL": entityURL,
	"listURL":   listURL,
	"idle":      idle,
}).ParseFS(templateFiles, "templates/*.html"))

// actorJSON is one entity in the JSON list.
type actorJSON struct {
	Kind        string  `json:"kind"`
	ID          string  `json:"id"`
	Active      bool    `json:"active"`
	Mailbox     int     `json:"mailbox"`
	Processed   uint64  `json:"processed"`
	Restarts    uint64  `json:"restarts"`
	IdleSeconds float64 `json:"idle_seconds"`
}

// pageJSON is the answer of /actors: next is the cursor to pass as ?after=
// for the following page, absent after the last one.
type pageJSON struct {
	Actors []actorJSON `json:"actors"`
	Next   string      `json:"next,omitempty"`
}

// list serves /actors?kind=&after=&limit= and /actors/{kind}.
func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	kindName := r.PathValue("kind")
	if kindName == "" {
		kindName = q.Get("kind")
	}
	kind, ok := parseKind(kindName)
	if !ok {
		h.fail(w, r, http.StatusBadRequest, fmt.Errorf("unknown kind %q", kindName))
		return
	}
	limit, err := parseLimit(q.Get("limit"))
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, err)
		return
	}
	infos, next, err := h.src.Actors(kind, q.Get("after"), limit)
	if err != nil {
		h.fail(w, r, statusOf(err), err)
		return
	}
	if !wantsHTML(r) {
		writeJSONBody(w, http.StatusOK, toJSON(infos, next))
		return
	}
	h.render(w, http.StatusOK, "list.html", listPage{Kind: kindName, Kinds: h.kindRows(), Actors: infos,
		Limit: limit, Next: next, First: q.Get("after") == ""})
}

// entity serves /actors/{kind}/{id}: the entity's state, redacted.
func (h *Handler) entity(w http.ResponseWriter, r *http.Request) {
	kind, ok := parseKind(r.PathValue("kind"))
	id := r.PathValue("id")
	if !ok || kind == 0 || id == "" {
		h.fail(w, r, http.StatusNotFound, actors.ErrNoEntity)
		return
	}
	st, err := h.src.Entity(r.Context(), kind, id)
	if err != nil {
		h.fail(w, r, statusOf(err), err)
		return
	}
	body, err := redactedJSON(st)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	if !wantsHTML(r) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(append(body, '\n'))
		return
	}
	h.render(w, http.StatusOK, "entity.html", entityPage{Kind: kind.String(), ID: id, JSON: string(body)})
}

// parseKind reads a kind's label; "" is every kind (0).
func parseKind(s string) (domain.Kind, bool) {
	if s == "" {
		return 0, true
	}
	return domain.ParseKind(s)
}

func parseLimit(s string) (int, error) {
	if s == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, errors.New("limit must be a positive number")
	}
	return min(n, maxLimit), nil
}

func statusOf(err error) int {
	switch {
	case errors.Is(err, actors.ErrNoEntity):
		return http.StatusNotFound
	case errors.Is(err, actors.ErrBadCursor):
		return http.StatusBadRequest
	case errors.Is(err, actors.ErrClosed):
		return http.StatusServiceUnavailable
	case errors.Is(err, actors.ErrNoReply):
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

func toJSON(infos []actors.ActorInfo, next string) pageJSON {
	out := pageJSON{Actors: make([]actorJSON, len(infos)), Next: next}
	for i, a := range infos {
		out.Actors[i] = actorJSON{Kind: a.Kind, ID: a.ID, Active: a.Active, Mailbox: a.Mailbox,
			Processed: a.Processed, Restarts: a.Restarts, IdleSeconds: a.Idle.Seconds()}
	}
	return out
}

func writeJSONBody(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// fail answers an error as JSON, or as a page for a browser. Errors come
// from the engine and name kinds and ids, never the token.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, code int, err error) {
	if wantsHTML(r) {
		h.render(w, code, "error.html", errorPage{Code: code, Status: http.StatusText(code), Message: err.Error()})
		return
	}
	writeJSONBody(w, code, map[string]string{"error": err.Error()})
}

// wantsHTML is content negotiation: ?format=html or json decides; else
// HTML when Accept prefers text/html to application/json (a browser), and
// JSON otherwise (curl's */*, Prometheus, scripts).
func wantsHTML(r *http.Request) bool {
	switch r.URL.Query().Get("format") {
	case "html":
		return true
	case "json":
		return false
	}
	html, js := 0.0, 0.0
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, err := strconv.ParseFloat(params["q"], 64); err == nil {
			q = v
		}
		switch mt {
		case "text/html":
			html = max(html, q)
		case "application/json":
			js = max(js, q)
		}
	}
	return html > js
}

// The pages: plain HTML and inline CSS, no script and nothing fetched
// from elsewhere, which the Content-Security-Policy enforces.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func (h *Handler) render(w http.ResponseWriter, code int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", pageCSP)
	w.WriteHeader(code)
	_ = pages.ExecuteTemplate(w, name, data)
}

// listPage is what list.html shows.
type listPage struct {
	Kind   string // the kind shown, "" for all
	Kinds  []kindRow
	Actors []actors.ActorInfo
	Limit  int
	Next   string // cursor of the next page, "" on the last
	First  bool   // this is the first page
}

// kindRow is one line of the summary of kinds.
type kindRow struct {
	Kind string
	actors.KindCount
}

type entityPage struct {
	Kind, ID string
	JSON     string
}

type errorPage struct {
	Code            int
	Status, Message string
}

// kindRows summarises every kind, in code order.
func (h *Handler) kindRows() []kindRow {
	counts := h.src.KindCounts()
	kinds := make([]domain.Kind, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	rows := make([]kindRow, len(kinds))
	for i, k := range kinds {
		rows[i] = kindRow{Kind: k.String(), KindCount: counts[k]}
	}
	return rows
}

// entityURL is the path of an entity's page.
func entityURL(kind, id string) string {
	return "/actors/" + url.PathEscape(kind) + "/" + url.PathEscape(id)
}

// listURL is the path of a page of the list.
func listURL(kind, after string, limit int) string {
	q := url.Values{}
	if kind != "" {
		q.Set("kind", kind)
	}
	if after != "" {
		q.Set("after", after)
	}
	if limit > 0 && limit != defaultLimit {
		q.Set("limit", strconv.Itoa(limit))
	}
	if len(q) == 0 {
		return "/actors"
	}
	return "/actors?" + q.Encode()
}

// idle renders an entity's idle time for a person. The engine counts it in
// idle sweeps, so 0 means "since the last sweep", not "this instant".
func idle(d time.Duration) string {
	if d <= 0 {
		return "recently"
	}
	return d.Round(time.Second).String()
}
