package fragmenttest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// ajax tells a page load in AJAX mode, as Telegram's ajInit makes them.
func ajax(r *http.Request) bool { return r.Header.Get("X-Requested-With") == "XMLHttpRequest" }

// openPage counts a page load and answers what comes before its content:
// a missing AJAX header, an injected failure. It reports whether the page
// is still to be written. Call with s.mu held.
func (s *Server) openPage(w http.ResponseWriter, r *http.Request, kind string) bool {
	s.requests[kind]++
	if ajax(r) && r.Header.Get("X-Aj-Referer") == "" {
		http.Error(w, "fragmenttest: want X-Aj-Referer in AJAX mode", http.StatusBadRequest)
		return false
	}
	return !s.injected(w, kind)
}

// serveFront is /: public, with ajInit's apiUrl and the wallet's state.
func (s *Server) serveFront(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.openPage(w, r, PageFront) {
		return
	}
	s.writePage(w, r, "Fragment", frontHTML, s.checkLogin(w, r), nil)
}

// serveMyNumbers is /my/numbers[?offset=N]: the account's numbers, a page
// at a time.
func (s *Server) serveMyNumbers(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.openPage(w, r, PageMyNumbers) {
		return
	}
	if !s.checkLogin(w, r) {
		s.expiredPage(w, r)
		return
	}
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	list := s.numberList()
	body := numbersHTML(list, max(0, offset), s.cfg.pageSize, s.cfg.nextHref)
	if s.odd {
		body = oddNumbersHTML(list)
	}
	s.writePage(w, r, "My Numbers", body, true, map[string]any{"section": "numbers"})
}

// listed is a number as /my/numbers shows it.
type listed struct {
	digits     string
	restricted bool
}

func (s *Server) numberList() []listed {
	list := make([]listed, 0, len(s.numbers))
	for d, n := range s.numbers {
		list = append(list, listed{digits: d, restricted: n.restricted})
	}
	slices.SortFunc(list, func(a, b listed) int { return strings.Compare(a.digits, b.digits) })
	return list
}

// serveNumber is /number/<digits> (public: its status) and
// /number/<digits>/code (the owner's codes page). A number that is not
// the account's is sent to the search, as ST saw (302: "not found").
func (s *Server) serveNumber(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.openPage(w, r, PageNumber) {
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, "/number/")
	d, sub, _ := strings.Cut(rest, "/")
	n := s.numbers[d]
	switch {
	case n == nil || (sub != "" && sub != "code"):
		redirect(w, r, "/numbers?query="+digits(d))
	case sub == "code" && !s.checkLogin(w, r):
		s.expiredPage(w, r)
	case sub == "code" && s.odd:
		s.writePage(w, r, "Login codes", oddCodesHTML(n), true, nil)
	case sub == "code":
		s.writePage(w, r, "Login codes", codesHTML(n), true, nil)
	default:
		state := map[string]any{"username": d, "itemTitle": display(d), "type": 3}
		s.writePage(w, r, display(d), numberPageHTML(d, n), s.checkLogin(w, r), state)
	}
}

// expiredPage answers a page that needs the login, without one.
func (s *Server) expiredPage(w http.ResponseWriter, r *http.Request) {
	switch s.cfg.expiry {
	case ExpiryUnauthorized:
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
	case ExpiryForbidden:
		http.Error(w, "Forbidden", http.StatusForbidden)
	case ExpiryRedirect:
		redirect(w, r, "/auth")
	default:
		s.writePage(w, r, "Fragment", loggedOutHTML, false, nil)
	}
}

// redirect sends the browser elsewhere: HTTP 302, or {"r":…} in AJAX mode.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	if ajax(r) {
		writeJSON(w, map[string]any{"r": to})
		return
	}
	http.Redirect(w, r, to, http.StatusFound)
}

// writePage writes a page: in AJAX mode {v,t,h,j,s}, otherwise the whole
// document with its ajInit and Wallet.init scripts.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, title, body string, loggedIn bool, state map[string]any) {
	if state == nil {
		state = map[string]any{}
	}
	if ajax(r) {
		writeJSON(w, map[string]any{"v": 1, "t": title, "h": body, "j": walletInit(loggedIn), "s": state})
		return
	}
	writeHTML(w, fullPage(title, body, s.apiURL(), walletInit(loggedIn)))
}

// apiURL is ajInit's apiUrl as WithAPIURL chose to write it.
func (s *Server) apiURL() string {
	switch s.cfg.apiURL {
	case APIURLPlain:
		return "/api?hash=" + s.hash
	case APIURLAbsolute:
		return strings.ReplaceAll(s.srv.URL+"/api", "/", `\/`) + "?hash=" + s.hash
	}
	return `\/api?hash=` + s.hash
}

func writeJSON(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

func writeHTML(w http.ResponseWriter, page string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(page))
}
