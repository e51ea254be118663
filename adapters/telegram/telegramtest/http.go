package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	ta "github.com/mymmrac/telego/telegoapi"
)

// apiError is a failed call as the Bot API reports it.
type apiError struct {
	code       int
	desc       string
	retryAfter int
}

func badRequest(desc string) *apiError { return &apiError{code: 400, desc: "Bad Request: " + desc} }

func tooManyRequests(retryAfter int) *apiError {
	return &apiError{code: 429, desc: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter), retryAfter: retryAfter}
}

func conflict(desc string) *apiError { return &apiError{code: 409, desc: "Conflict: " + desc} }

var (
	errUnauthorized = &apiError{code: 401, desc: "Unauthorized"}
	errNotFound     = &apiError{code: 404, desc: "Not Found"}
	errNoMethod     = &apiError{code: 404, desc: "Not Found: method not found"}
)

// call is one request to a method: its arguments and uploaded files.
type call struct {
	p     params
	files map[string]*upload
}

// result is a method's answer: a value for "result" and, on some methods,
// the "description" Telegram adds to a success.
type result struct {
	value any
	note  string
}

type method func(ctx context.Context, c *call) (result, *apiError)

// route is a method's canonical name and handler.
type route struct {
	name string
	fn   method
}

// routes maps lower-case names to methods: the Bot API matches method names
// without regard to case. The canonical names are keys too, so the names
// telego sends are found without lowering them first.
func (s *Server) routes() map[string]route {
	list := []route{
		{"getMe", s.getMe},
		{"getUpdates", s.getUpdates},
		{"setWebhook", s.setWebhook},
		{"deleteWebhook", s.deleteWebhook},
		{"getWebhookInfo", s.getWebhookInfo},
		{"sendMessage", s.sendMessage},
		{"editMessageText", s.editMessageText},
		{"editMessageCaption", s.editMessageCaption},
		{"editMessageReplyMarkup", s.editMessageReplyMarkup},
		{"deleteMessage", s.deleteMessage},
		{"answerCallbackQuery", s.answerCallbackQuery},
		{"sendPhoto", s.sendPhoto},
		{"sendDocument", s.sendDocument},
		{"setMyCommands", s.setMyCommands},
		{"sendChatAction", s.sendChatAction},
	}
	m := make(map[string]route, 2*len(list))
	for _, r := range list {
		m[strings.ToLower(r.name)] = r
		m[r.name] = r
	}
	return m
}

// route finds a method by name, in any case.
func (s *Server) route(name string) (route, bool) {
	if m, ok := s.table[name]; ok {
		return m, true
	}
	m, ok := s.table[strings.ToLower(name)]
	return m, ok
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	token, name, ok := splitPath(r.URL.Path)
	if !ok {
		s.reply(w, result{}, errNotFound)
		return
	}
	if token != s.cfg.token {
		s.reply(w, result{}, errUnauthorized)
		return
	}
	m, known := s.route(name)
	if !known {
		s.count(name)
		s.reply(w, result{}, errNoMethod)
		return
	}
	if e := s.countCall(m.name); e != nil {
		s.reply(w, result{}, e)
		return
	}
	c, e := decodeCall(w, r)
	if e != nil {
		s.reply(w, result{}, e)
		return
	}
	res, e := m.fn(r.Context(), c)
	s.reply(w, res, e)
}

// splitPath finds bot{token} and the method in the last two segments.
func splitPath(path string) (token, method string, ok bool) {
	path = strings.TrimSuffix(path, "/")
	i := strings.LastIndexByte(path, '/')
	if i < 0 {
		return "", "", false
	}
	j := strings.LastIndexByte(path[:i], '/')
	seg := path[j+1 : i]
	if !strings.HasPrefix(seg, "bot") || i+1 >= len(path) {
		return "", "", false
	}
	return seg[len("bot"):], path[i+1:], true
}

// reply writes the answer with Telegram's envelope, built from telego's own
// response type so the two cannot disagree, and the error code as the HTTP
// status, as Telegram does.
func (s *Server) reply(w http.ResponseWriter, res result, e *apiError) {
	resp := ta.Response{Ok: e == nil}
	status := http.StatusOK
	if e != nil {
		status = e.code
		resp.Error = &ta.Error{ErrorCode: e.code, Description: e.desc}
		if e.retryAfter > 0 {
			resp.Error.Parameters = &ta.ResponseParameters{RetryAfter: e.retryAfter}
		}
		s.countError(e.code)
	} else if res.note == "" {
		s.replyOK(w, res.value)
		return
	} else {
		raw, err := json.Marshal(res.value)
		if err != nil {
			s.reply(w, result{}, &apiError{code: 500, desc: "Internal Server Error: " + err.Error()})
			return
		}
		resp.Result = raw
		if res.note != "" {
			resp.Error = &ta.Error{Description: res.note}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(resp) // the client hung up; nobody to tell
}

// okPrefix opens the envelope of a success: ta.Response with only Ok and
// Result set encodes as exactly this, the result, and "}".
const okPrefix = `{"ok":true,"result":`

// replyBufs recycles replyOK's buffers: the load test drives the fake at
// thousands of calls a second, and its CPU is counted against the bot's.
var replyBufs = sync.Pool{New: func() any { return new([]byte) }}

// jsonContentType is the Content-Type of every answer, one slice shared by
// all of them instead of one each: net/http only reads it.
var jsonContentType = []string{"application/json"}

// replyOK writes a success without a note, the envelope around the
// encoded value by hand: the same bytes reply would write, without encoding
// the result twice (marshalled, then compacted again as a RawMessage). The
// values the load test asks for most are encoded without reflection (see
// wire.go).
func (s *Server) replyOK(w http.ResponseWriter, value any) {
	bp := replyBufs.Get().(*[]byte)
	defer replyBufs.Put(bp)
	buf, err := appendResult(append((*bp)[:0], okPrefix...), value)
	if err != nil {
		s.reply(w, result{}, &apiError{code: 500, desc: "Internal Server Error: " + err.Error()})
		return
	}
	buf = append(buf, "}\n"...)
	*bp = buf
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(buf))}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf) // the client hung up; nobody to tell
}

// appendResult appends value as encoding/json's Encoder would, less its
// newline.
func appendResult(dst []byte, value any) ([]byte, error) {
	switch v := value.(type) {
	case bool:
		return strconv.AppendBool(dst, v), nil
	case sentMessage:
		return append(dst, v...), nil
	case updateBatch:
		return v.appendJSON(dst)
	}
	b := bytes.NewBuffer(dst)
	if err := json.NewEncoder(b).Encode(value); err != nil {
		return nil, err
	}
	return b.Bytes()[:b.Len()-1], nil // Encode's newline
}
