package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// maxBody bounds a request: Telegram takes uploads up to 50 MB.
const maxBody = 50 << 20

// params holds the arguments of every method the fake serves; each method
// reads its own. The Bot API reads every argument as a string whatever the
// transport, so the types below accept 5 as well as "5" and a JSON object as
// well as a string holding one: a multipart upload has nothing but strings.
type params struct {
	ChatID          chatRef    `json:"chat_id"`
	MessageID       flexInt    `json:"message_id"`
	InlineMessageID flexString `json:"inline_message_id"`
	Text            flexString `json:"text"`
	ParseMode       flexString `json:"parse_mode"`
	Entities        jsonArg    `json:"entities"`
	Caption         flexString `json:"caption"`
	CaptionEntities jsonArg    `json:"caption_entities"`
	ReplyMarkup     jsonArg    `json:"reply_markup"`
	Photo           flexString `json:"photo"`
	Document        flexString `json:"document"`
	CallbackQueryID flexString `json:"callback_query_id"`
	ShowAlert       flexBool   `json:"show_alert"`
	URL             flexString `json:"url"`
	CacheTime       flexInt    `json:"cache_time"`
	Action          flexString `json:"action"`
	Commands        jsonArg    `json:"commands"`
	LanguageCode    flexString `json:"language_code"`
	Scope           jsonArg    `json:"scope"`
	Offset          flexInt    `json:"offset"`
	Limit           flexInt    `json:"limit"`
	Timeout         flexInt    `json:"timeout"`
	AllowedUpdates  jsonArg    `json:"allowed_updates"`
	SecretToken     flexString `json:"secret_token"`
	DropPending     flexBool   `json:"drop_pending_updates"`
	MaxConnections  flexInt    `json:"max_connections"`
}

// upload is a file part of a multipart request.
type upload struct {
	name        string
	contentType string
	data        []byte
}

// decodeCall reads the arguments from the query string and the body, which
// may be JSON (telego's choice, "null" for no arguments), a form or
// multipart (telego's choice when a file is attached).
func decodeCall(w http.ResponseWriter, r *http.Request) (*call, *apiError) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	c := &call{}
	var values url.Values // the query's, then a form's; nil when there are none
	if r.URL.RawQuery != "" {
		values = r.URL.Query()
	}
	ct, ctParams := mediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		c.files = map[string]*upload{}
		values = orEmpty(values)
		if e := readMultipart(r.Body, ctParams["boundary"], values, c.files); e != nil {
			return nil, e
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, badRequest("can't parse request body")
		}
		values = orEmpty(values)
		for k, v := range r.PostForm {
			values[k] = v
		}
	default:
		if e := readJSONBody(r.Body, &c.p); e != nil {
			return nil, e
		}
	}
	if err := decodeValues(values, &c.p); err != nil {
		return nil, badRequest("can't parse parameters")
	}
	return c, nil
}

// mediaType is mime.ParseMediaType, short-cut for the JSON every telego
// call without a file sends.
func mediaType(header string) (string, map[string]string) {
	if header == "application/json" {
		return header, nil
	}
	ct, params, _ := mime.ParseMediaType(header)
	return ct, params
}

func orEmpty(v url.Values) url.Values {
	if v == nil {
		return url.Values{}
	}
	return v
}

// bodyBufs recycles the buffers JSON bodies are read into: the arguments
// decoded from one copy what they keep, so the buffer is free once they are.
var bodyBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody is the largest buffer put back: a rare big upload should
// not stay in memory for the rest of the run.
const maxPooledBody = 64 << 10

func readJSONBody(body io.Reader, p *params) *apiError {
	buf := bodyBufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBody {
			bodyBufs.Put(buf)
		}
	}()
	if _, err := buf.ReadFrom(body); err != nil {
		return &apiError{code: 413, desc: "Request Entity Too Large"}
	}
	if err := decodeJSONBody(buf.Bytes(), p); err != nil {
		return badRequest("can't parse JSON object")
	}
	return nil
}

func decodeJSONBody(body []byte, p *params) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || string(body) == "null" {
		return nil
	}
	return decodeParams(body, p)
}

// decodeValues lays form values over p, each as a JSON string: the flexible
// types take it from there.
func decodeValues(values url.Values, p *params) error {
	if len(values) == 0 {
		return nil
	}
	m := make(map[string]string, len(values))
	for k, v := range values {
		m[k] = v[0]
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, p)
}

func readMultipart(body io.Reader, boundary string, values url.Values, files map[string]*upload) *apiError {
	if boundary == "" {
		return badRequest("can't parse multipart body")
	}
	mr := multipart.NewReader(body, boundary)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return badRequest("can't parse multipart body")
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return &apiError{code: 413, desc: "Request Entity Too Large"}
		}
		if part.FileName() == "" {
			values.Set(part.FormName(), string(data))
			continue
		}
		files[part.FormName()] = &upload{
			name: part.FileName(), contentType: part.Header.Get("Content-Type"), data: data,
		}
	}
}

// chatRef is a chat_id: a number, or "@username" for public chats.
type chatRef struct {
	ID       int64
	Username string
}

func (c *chatRef) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	if id, err := strconv.ParseInt(string(s), 10, 64); err == nil {
		c.ID = id
		return nil
	}
	c.Username = string(s)
	return nil
}

// flexString is a string argument; a number or object is taken as its text.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		if s, ok := unquote(b); ok {
			*f = flexString(s)
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	*f = flexString(b)
	return nil
}

// flexInt is an integer argument, as a number or a string of digits.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	if s == "" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(s)), 10, 64)
	if err != nil {
		return err
	}
	*f = flexInt(n)
	return nil
}

// flexBool is a Boolean argument: true, "true", "1" and "True" are true.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	v := strings.ToLower(string(s))
	*f = flexBool(v == "true" || v == "1")
	return nil
}

// jsonArg is an argument holding JSON (reply_markup, entities, commands),
// sent as JSON or as a string of JSON; an absent one stays empty.
type jsonArg []byte

func (a *jsonArg) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		if s, ok := unquote(b); ok {
			*a = jsonArg(s)
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = jsonArg(s)
		return nil
	}
	*a = append((*a)[:0], b...)
	return nil
}

func (a jsonArg) present() bool {
	t := bytes.TrimSpace(a)
	return len(t) > 0 && string(t) != "null"
}

func (a jsonArg) decode(v any) error {
	if !a.present() {
		return nil
	}
	return json.Unmarshal(a, v)
}
