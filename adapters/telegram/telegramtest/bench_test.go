package telegramtest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"testing"
)

// BenchmarkServer_editAndAnswer drives the callback round the load test
// makes thousands of times a second through the fake's HTTP handler: a
// person presses a button on a catalogue page (ten rows, eight of them
// numbers), getUpdates delivers the press, and the bot answers the query and
// edits the page in place. One op is one press; poll is how many presses one
// getUpdates delivers (the load test's bot gets about 20 a call). The bodies
// are what telego sends, so the figure is the fake's cost per update, less
// net/http's own.
func BenchmarkServer_editAndAnswer(b *testing.B) {
	for _, poll := range []int{1, 20} {
		b.Run("poll="+strconv.Itoa(poll), func(b *testing.B) { benchRounds(b, poll) })
	}
}

func benchRounds(b *testing.B, poll int) {
	srv := New(WithoutListener(), WithoutLimits(), WithFirstUpdateID(1))
	defer srv.Close()
	rig := newBenchRig(b, srv)
	users := make([]User, poll)
	msgs := make([]int, poll)
	for i := range users {
		users[i] = User{ID: int64(2001 + i), FirstName: "P" + strconv.Itoa(i), LanguageCode: "en"}
		srv.AddUser(users[i])
		msgs[i] = rig.send(b, users[i].ID)
	}
	// The bodies are built before the clock starts, so that allocs/op
	// counts the fake's allocations only.
	edits := make([][2][]byte, poll)
	for i := range edits {
		edits[i] = [2][]byte{[]byte(editBody(users[i].ID, msgs[i], 0)), []byte(editBody(users[i].ID, msgs[i], 1))}
	}
	press := [2]string{"1:cat:1", "1:cat:2"}
	queries := make([]string, poll)
	var body []byte
	nextUpdate, page := 1, 0
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += poll {
		n := min(poll, b.N-done)
		for i := range n {
			id, err := srv.PressButton(users[i], msgs[i], press[page])
			if err != nil {
				b.Fatalf("PressButton: %v", err)
			}
			queries[i] = id
		}
		body = strconv.AppendInt(append(body[:0], `{"offset":`...), int64(nextUpdate), 10)
		rig.call(b, "getUpdates", append(body, `,"timeout":30,"allowed_updates":["message","callback_query"]}`...))
		nextUpdate += n
		page = 1 - page
		for i := range n {
			body = append(append(append(body[:0], `{"callback_query_id":"`...), queries[i]...), `"}`...)
			rig.call(b, "answerCallbackQuery", body)
			rig.call(b, "editMessageText", edits[i][page])
		}
	}
}

// benchRig calls the handler directly, reusing one request and response
// writer, so what is measured is the fake and not the benchmark.
type benchRig struct {
	h     http.Handler
	base  string
	paths map[string]string // base+method, built once
	req   *http.Request
	body  *bytes.Reader
	rc    io.ReadCloser // body, as the request's Body
	w     benchWriter
}

func newBenchRig(b *testing.B, srv *Server) *benchRig {
	b.Helper()
	rig := &benchRig{h: srv.Handler(), base: "/bot" + srv.Token() + "/", body: bytes.NewReader(nil), paths: map[string]string{}}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://fake"+rig.base, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	rig.rc = io.NopCloser(rig.body)
	rig.req = req
	rig.w.h = http.Header{}
	return rig
}

// call posts body to method and fails the benchmark unless it succeeded.
func (rig *benchRig) call(b *testing.B, method string, body []byte) []byte {
	rig.body.Reset(body)
	rig.req.Body = rig.rc
	rig.req.ContentLength = int64(len(body))
	path, ok := rig.paths[method]
	if !ok {
		path = rig.base + method
		rig.paths[method] = path
	}
	rig.req.URL.Path = path
	rig.w.status, rig.w.out = 0, rig.w.out[:0]
	rig.h.ServeHTTP(&rig.w, rig.req)
	if rig.w.status != http.StatusOK || !bytes.HasPrefix(rig.w.out, []byte(`{"ok":true`)) {
		b.Fatalf("%s %s: %d %s", method, body, rig.w.status, rig.w.out)
	}
	return rig.w.out
}

// send puts the first catalogue page into chat and returns its message ID.
func (rig *benchRig) send(b *testing.B, chatID int64) int {
	out := rig.call(b, "sendMessage", []byte(editBody(chatID, 0, 0)))
	_, rest, _ := bytes.Cut(out, []byte(`"message_id":`))
	end := bytes.IndexByte(rest, ',')
	id, err := strconv.Atoi(string(rest[:end]))
	if err != nil {
		b.Fatalf("sendMessage answered %s", out)
	}
	return id
}

// editBody is editMessageText's body as telego sends it for a catalogue
// page (or sendMessage's, for message 0), an HTML text and eight numbers.
func editBody(chatID int64, messageID, page int) string {
	p := strconv.Itoa(page)
	var sb bytes.Buffer
	sb.WriteString(`{"chat_id":` + strconv.FormatInt(chatID, 10))
	if messageID != 0 {
		sb.WriteString(`,"message_id":` + strconv.Itoa(messageID))
	}
	sb.WriteString(`,"text":"📱 \u003cb\u003eNumbers\u003c/b\u003e — page ` + strconv.Itoa(page+1) +
		` of 625\n\nPrices per period (per-number prices shown on each number).","parse_mode":"HTML",` +
		`"reply_markup":{"inline_keyboard":[`)
	for i := range 8 {
		num := "+888" + strconv.Itoa(10_000_000+page*8+i)
		sb.WriteString(`[{"text":"` + num + ` · free","callback_data":"1:num:` + num + `:` + p + `"}],`)
	}
	sb.WriteString(`[{"text":"‹ Prev","callback_data":"1:cat:` + strconv.Itoa(page-1) + `"},` +
		`{"text":"Next ›","callback_data":"1:cat:` + strconv.Itoa(page+1) + `"}],` +
		`[{"text":"« Menu","callback_data":"1:menu"}]]}}`)
	return sb.String()
}

// benchWriter is a ResponseWriter that keeps the last answer.
type benchWriter struct {
	h      http.Header
	status int
	out    []byte
}

func (w *benchWriter) Header() http.Header { return w.h }

func (w *benchWriter) WriteHeader(status int) { w.status = status }

func (w *benchWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.out = append(w.out, p...)
	return len(p), nil
}
