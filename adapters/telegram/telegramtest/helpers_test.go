package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mymmrac/telego"
	ta "github.com/mymmrac/telego/telegoapi"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	alice = User{ID: 1001, FirstName: "Alice", Username: "alice", LanguageCode: "en"}
	boris = User{ID: 1002, FirstName: "Борис", LanguageCode: "ru", IsPremium: true}
)

// newServer starts a fake that the test closes.
func newServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	srv := New(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// newBot is a real telego bot on net/http pointed at srv; its connections
// die with the test so goleak sees none.
func newBot(t testing.TB, srv *Server) *telego.Bot {
	t.Helper()
	return botAt(t, srv.URL(), srv.Token())
}

func botAt(t testing.TB, apiURL, token string) *telego.Bot {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	bot, err := telego.NewBot(token,
		telego.WithAPIServer(apiURL),
		telego.WithHTTPClient(&http.Client{Transport: tr}),
		telego.WithDiscardLogger())
	if err != nil {
		t.Fatalf("NewBot: %v", err)
	}
	return bot
}

func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// apiError asserts err carries a Bot API error with code and returns it.
func wantAPIError(t testing.TB, err error, code int, desc string) *ta.Error {
	t.Helper()
	var e *ta.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v: want a *telegoapi.Error", err)
	}
	if e.ErrorCode != code || !strings.Contains(e.Description, desc) {
		t.Fatalf("error %d %q: want %d containing %q", e.ErrorCode, e.Description, code, desc)
	}
	return e
}

// rawCall posts body to a method without telego, to see the wire.
func rawCall(t testing.TB, srv *Server, method, contentType, body string) (int, ta.Response) {
	t.Helper()
	resp, err := http.Post(srv.URL()+"/bot"+srv.Token()+"/"+method, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", method, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", method, err)
	}
	var r ta.Response
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("decode %s answer %s: %v", method, raw, err)
	}
	return resp.StatusCode, r
}

func keyboard(data ...string) *telego.InlineKeyboardMarkup {
	var row []telego.InlineKeyboardButton
	for _, d := range data {
		row = append(row, telego.InlineKeyboardButton{Text: "b:" + d, CallbackData: d})
	}
	return &telego.InlineKeyboardMarkup{InlineKeyboard: [][]telego.InlineKeyboardButton{row}}
}

func sendText(t testing.TB, bot *telego.Bot, chatID int64, text string, kb *telego.InlineKeyboardMarkup) *telego.Message {
	t.Helper()
	p := &telego.SendMessageParams{ChatID: telego.ChatID{ID: chatID}, Text: text}
	if kb != nil {
		p.ReplyMarkup = kb
	}
	m, err := bot.SendMessage(context.Background(), p)
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	return m
}

func pngBytes(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(1, 1, color.Black)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// clock is a time the test moves by hand; the fake reads it from its
// handlers' goroutines.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
