package fragmenttest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// reply is an API answer: a JSON object, or no body at all when nil.
type reply map[string]any

// serveAPI is POST /api?hash=…: checks in the order a real server would
// meet them (the request's shape, the hash, the login), then the method.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "fragmenttest: the API takes POST", http.StatusMethodNotAllowed)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		http.Error(w, "fragmenttest: want a form-encoded body", http.StatusBadRequest)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "fragmenttest: unreadable form", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	method := r.PostForm.Get("method")
	s.requests[method]++
	if msg := s.badHeaders(r); msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	confirm := method == MethodTerminatePhoneSessions && r.PostForm.Get("terminate_hash") != ""
	if s.injected(w, method) || confirm && s.injected(w, MethodTerminateConfirm) {
		return
	}
	writeReply(w, s.apiReply(w, r, method))
}

// badHeaders names the AJAX header a browser would have sent and this
// request lacks.
func (s *Server) badHeaders(r *http.Request) string {
	switch {
	case r.Header.Get("X-Requested-With") != "XMLHttpRequest":
		return "fragmenttest: want X-Requested-With: XMLHttpRequest"
	case !strings.Contains(r.Header.Get("Accept"), "application/json"):
		return "fragmenttest: want Accept with application/json"
	}
	return ""
}

// apiReply checks the hash, the origin and the login, then runs the
// method. Call with s.mu held.
func (s *Server) apiReply(w http.ResponseWriter, r *http.Request, method string) reply {
	switch {
	case r.URL.Query().Get("hash") != s.hash:
		return reply{"error": "Bad request"}
	case r.Header.Get("Origin") != s.srv.URL || !strings.HasPrefix(r.Header.Get("Referer"), s.srv.URL+"/"):
		return reply{"error": "Access denied"} // what the framework says to a foreign page
	case !s.checkLogin(w, r):
		return s.expiredAPI(w)
	}
	key := "number"
	switch method {
	case MethodUpdateLoginCodes, MethodToggleLoginCodes, MethodTerminatePhoneSessions:
	case MethodCanSellItem:
		key = "username"
	default:
		return reply{"error": "Unknown method"}
	}
	n := s.numbers[r.PostForm.Get(key)]
	switch {
	case r.PostForm.Get(key) == "":
		return reply{"error": "Bad request"}
	case n == nil:
		return reply{"error": s.cfg.notOwnedMessage}
	}
	return s.run(n, method, r.PostForm)
}

// run answers one of the methods for an account's number.
func (s *Server) run(n *number, method string, f url.Values) reply {
	switch method {
	case MethodUpdateLoginCodes:
		return s.updateLoginCodes(n, f.Get("lt"))
	case MethodToggleLoginCodes:
		return s.toggleLoginCodes(n, f.Get("can_receive"))
	case MethodCanSellItem:
		return canSellItem(n)
	}
	return s.terminatePhoneSessions(n, f.Get("terminate_hash"))
}

// canSellItem is the check before an auction: a number with a Telegram
// account on it (here: with a session) gets the "Proceed anyway"
// warning rental bots read as "not free"; that reading is unconfirmed.
func canSellItem(n *number) reply {
	if n.sessions > 0 {
		return reply{
			"confirm_message": "This number is still connected to a Telegram account. Proceed anyway?",
			"confirm_button":  "Proceed anyway",
		}
	}
	return reply{"ok": true}
}

// expiredAPI answers a call without a valid login, as WithExpiry chose.
func (s *Server) expiredAPI(w http.ResponseWriter) reply {
	w.Header().Set("Content-Type", "application/json")
	switch s.cfg.expiry {
	case ExpiryUnauthorized:
		w.WriteHeader(http.StatusUnauthorized)
	case ExpiryForbidden:
		w.WriteHeader(http.StatusForbidden)
	}
	return reply{"error": "Access denied"}
}

func (s *Server) updateLoginCodes(n *number, lt string) reply {
	since, _ := strconv.Atoi(lt)
	switch {
	case s.odd:
		return reply{"html": oddCodesHTML(n), "lt": n.version}
	case s.cfg.omitUnchanged && since >= n.version:
		return reply{"lt": n.version}
	}
	return reply{"html": codesHTML(n), "lt": n.version}
}

func (s *Server) toggleLoginCodes(n *number, canReceive string) reply {
	switch canReceive {
	case "1", "0":
		n.codesOn = canReceive == "1"
		n.version++
	default:
		return reply{"error": "Bad request"}
	}
	switch s.cfg.toggle {
	case ToggleEmptyJSON:
		return reply{}
	case ToggleNoBody:
		return nil
	}
	return reply{"ok": true}
}

// terminatePhoneSessions is the two steps of FJS: without terminate_hash
// it hands one out for the confirmation dialog (none when there is
// nothing to end, unless WithTerminateHashWhenIdle); with it, it ends
// every session.
func (s *Server) terminatePhoneSessions(n *number, hash string) reply {
	if hash == "" {
		if n.sessions == 0 && !s.cfg.hashWhenIdle {
			return reply{}
		}
		n.terminateHash = randomHex(8)
		return reply{
			"terminate_hash":  n.terminateHash,
			"confirm_message": "Are you sure you want to terminate all sessions of this number?",
			"confirm_button":  "Terminate",
		}
	}
	if hash != n.terminateHash {
		return reply{"error": "Invalid hash. Please try again."}
	}
	n.terminateHash = ""
	n.sessions = 0
	n.terminations++
	n.version++
	return reply{"msg": "All sessions were terminated."}
}

func writeReply(w http.ResponseWriter, rep reply) {
	if rep == nil {
		return // HTTP 200, no body
	}
	b, _ := json.Marshal(rep)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
