package outbox

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"allot/adapters/telegram/botapi"
	"allot/adapters/telegram/telegramtest"

	"github.com/mymmrac/telego"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// Bots built with a bare &http.Client{} keep idle keep-alive
		// connections in http.DefaultTransport for the life of the process.
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
	)
}

// outboxFixture is an outbox whose real telego bot talks to a fake Bot API.
type outboxFixture struct {
	srv *telegramtest.Server
	bot *telego.Bot
	out *Outbox
}

// newOutboxFixture starts a fake (without flood limits unless opts set
// them) and an outbox on it, both closed with the test.
func newOutboxFixture(t testing.TB, oo Options, opts ...telegramtest.Option) *outboxFixture {
	t.Helper()
	srv := telegramtest.New(append([]telegramtest.Option{telegramtest.WithoutLimits()}, opts...)...)
	t.Cleanup(srv.Close)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	bot, err := telego.NewBot(telegramtest.Token, telego.WithAPIServer(srv.URL()),
		telego.WithHTTPClient(hc), telego.WithDiscardLogger())
	if err != nil {
		t.Fatalf("NewBot: %v", err)
	}
	return &outboxFixture{srv: srv, bot: bot, out: New(bot, botapi.New(srv.URL(), telegramtest.Token, hc), oo, nil)}
}

// person adds a person who has started the bot, so it may write to them.
func (f *outboxFixture) person(id int64) telegramtest.User {
	u := telegramtest.User{ID: id, FirstName: "P"}
	f.srv.AddUser(u)
	return u
}

func (f *outboxFixture) messages(t testing.TB, chatID int64, want int) []telegramtest.Message {
	t.Helper()
	ms := f.srv.Messages(chatID)
	if len(ms) != want {
		t.Fatalf("chat %d has %d messages, want %d: %+v", chatID, len(ms), want, ms)
	}
	return ms
}

func outboxContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func buttons(data ...string) *telego.InlineKeyboardMarkup {
	var row []telego.InlineKeyboardButton
	for _, d := range data {
		row = append(row, telego.InlineKeyboardButton{Text: "b:" + d, CallbackData: d})
	}
	return &telego.InlineKeyboardMarkup{InlineKeyboard: [][]telego.InlineKeyboardButton{row}}
}

func testPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	img.Set(3, 4, color.Black)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// noLimits is an outbox that never waits, for tests about other things.
var noLimits = Options{Global: -1, PerChat: -1}

func TestOutbox_Send(t *testing.T) {
	f := newOutboxFixture(t, noLimits)
	u := f.person(101)
	id, err := f.out.Send(outboxContext(t), u.ID, Message{Text: "<b>Hi</b> &amp; welcome", Keyboard: buttons("menu")})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	m := f.messages(t, u.ID, 1)[0]
	if m.ID != id || m.Text != "Hi & welcome" || len(m.Entities) != 1 {
		t.Errorf("message %+v, want id %d, text %q, one bold entity", m, id, "Hi & welcome")
	}
	if _, ok := m.Button("b:menu"); !ok {
		t.Errorf("keyboard %v lacks the button", m.Keyboard)
	}
	if st := f.out.Stats(); st.Sent != 1 || st.Failed != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestOutbox_SendPhoto(t *testing.T) {
	f := newOutboxFixture(t, noLimits)
	u := f.person(102)
	pic := testPNG(t)
	t.Run("caption", func(t *testing.T) {
		id, err := f.out.Send(outboxContext(t), u.ID, Message{Text: "Pay <b>here</b>", Photo: pic, PhotoName: "pay.png", Keyboard: buttons("paid")})
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		m, _ := f.srv.Message(u.ID, id)
		if m.Photo == nil || !bytes.Equal(m.Photo.Data, pic) || m.Photo.Name != "pay.png" {
			t.Fatalf("photo %+v, want the PNG sent as pay.png", m.Photo)
		}
		if _, ok := m.Button("b:paid"); m.Text != "Pay here" || !ok {
			t.Errorf("caption %q keyboard %v", m.Text, m.Keyboard)
		}
	})
	t.Run("text too long for a caption follows", func(t *testing.T) {
		before := len(f.srv.Messages(u.ID))
		long := strings.Repeat("x", maxCaptionLen+1)
		id, err := f.out.Send(outboxContext(t), u.ID, Message{Text: long, Photo: pic, Keyboard: buttons("ok")})
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		ms := f.messages(t, u.ID, before+2)
		photo, text := ms[before], ms[before+1]
		if photo.Photo == nil || photo.Text != "" || len(photo.Keyboard) != 0 {
			t.Errorf("photo message %+v, want a bare photo", photo)
		}
		if text.ID != id || text.Text != long || len(text.Keyboard) != 1 {
			t.Errorf("text message id %d (want %d), %d characters, keyboard %v", text.ID, id, len(text.Text), text.Keyboard)
		}
	})
}

func TestOutbox_SendSplitsLongText(t *testing.T) {
	f := newOutboxFixture(t, noLimits)
	u := f.person(103)
	// 80 lines of 60 characters, bold running across where the cut falls.
	line := strings.Repeat("é", 59)
	var b strings.Builder
	for i := range 80 {
		switch i {
		case 60:
			b.WriteString(`<a href="https://example.com/x">`)
		case 75:
			b.WriteString("</a>")
		}
		b.WriteString(line + "\n")
	}
	text := "<b>" + b.String() + "</b>"
	if n := htmlLen(text); n <= maxTextLen {
		t.Fatalf("test text has only %d characters", n)
	}
	id, err := f.out.Send(outboxContext(t), u.ID, Message{Text: text, Keyboard: buttons("next")})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	ms := f.messages(t, u.ID, 2)
	if ms[1].ID != id || len(ms[0].Keyboard) != 0 || len(ms[1].Keyboard) != 1 {
		t.Errorf("ids %d,%d (Send said %d), keyboards %v / %v: want the keyboard on the last only",
			ms[0].ID, ms[1].ID, id, ms[0].Keyboard, ms[1].Keyboard)
	}
	got := strings.TrimRight(ms[0].Text+"\n"+ms[1].Text, "\n")
	if want := strings.TrimRight(strings.Repeat(line+"\n", 80), "\n"); got != want {
		t.Errorf("parts do not join up to the text: %d+%d characters", utf8.RuneCountInString(ms[0].Text), utf8.RuneCountInString(ms[1].Text))
	}
	for _, m := range ms {
		if len(m.Entities) == 0 || m.Entities[0].Type != "bold" {
			t.Errorf("message %d lost the bold: %v", m.ID, m.Entities)
		}
	}
}

func TestOutbox_Edit(t *testing.T) {
	f := newOutboxFixture(t, noLimits)
	u := f.person(104)
	ctx := outboxContext(t)
	send := func(t *testing.T, m Message) int {
		t.Helper()
		id, err := f.out.Send(ctx, u.ID, m)
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		return id
	}
	edit := func(t *testing.T, id int, m Message) int {
		t.Helper()
		got, err := f.out.Edit(ctx, u.ID, id, m)
		if err != nil {
			t.Fatalf("Edit: %v", err)
		}
		return got
	}
	t.Run("in place", func(t *testing.T) {
		id := send(t, Message{Text: "one", Keyboard: buttons("a")})
		if got := edit(t, id, Message{Text: "two"}); got != id {
			t.Fatalf("Edit returned %d, want %d", got, id)
		}
		if m, _ := f.srv.Message(u.ID, id); m.Text != "two" || len(m.Keyboard) != 0 {
			t.Errorf("after edit: %q %v, want \"two\" without keyboard", m.Text, m.Keyboard)
		}
	})
	t.Run("not modified is success", func(t *testing.T) {
		id := send(t, Message{Text: "same", Keyboard: buttons("a")})
		if got := edit(t, id, Message{Text: "same", Keyboard: buttons("a")}); got != id {
			t.Errorf("Edit returned %d, want %d", got, id)
		}
	})
	t.Run("deleted message gets a new one", func(t *testing.T) {
		id := send(t, Message{Text: "doomed"})
		if err := f.bot.DeleteMessage(ctx, &telego.DeleteMessageParams{ChatID: telego.ChatID{ID: u.ID}, MessageID: id}); err != nil {
			t.Fatal(err)
		}
		got := edit(t, id, Message{Text: "reborn"})
		if m, ok := f.srv.Message(u.ID, got); got == id || !ok || m.Text != "reborn" {
			t.Errorf("Edit returned %d (old %d): %+v", got, id, m)
		}
	})
	t.Run("photo message gets a new one", func(t *testing.T) {
		id := send(t, Message{Text: "qr", Photo: testPNG(t)})
		if got := edit(t, id, Message{Text: "paid"}); got == id {
			t.Errorf("Edit of a photo into text returned the photo's id")
		}
	})
	t.Run("into a photo sends a new one", func(t *testing.T) {
		id := send(t, Message{Text: "text"})
		got := edit(t, id, Message{Text: "qr", Photo: testPNG(t)})
		if m, _ := f.srv.Message(u.ID, got); got == id || m.Photo == nil {
			t.Errorf("Edit returned %d (old %d), photo %v", got, id, m.Photo)
		}
	})
	st := f.out.Stats()
	if st.Edited != 2 || st.Failed != 0 {
		t.Errorf("stats %+v, want 2 edits and no failures", st)
	}
}

func TestOutbox_Answer(t *testing.T) {
	f := newOutboxFixture(t, noLimits)
	u := f.person(105)
	ctx := outboxContext(t)
	id, err := f.out.Send(ctx, u.ID, Message{Text: "press", Keyboard: buttons("go")})
	if err != nil {
		t.Fatal(err)
	}
	q, err := f.srv.PressButton(u, id, "go")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.out.Answer(ctx, q, strings.Repeat("я", 300), true); err != nil {
		t.Fatalf("Answer: %v", err)
	}
	a, ok := f.srv.Answer(q)
	if !ok || !a.ShowAlert || utf8.RuneCountInString(a.Text) != maxAnswerLen || !strings.HasSuffix(a.Text, "…") {
		t.Errorf("answer %+v (%d characters), want an alert cut to %d with …", a, utf8.RuneCountInString(a.Text), maxAnswerLen)
	}
	if err := f.out.Answer(ctx, q, "again", false); err != nil {
		t.Errorf("answering an answered query: %v, want no error", err)
	}
	if st := f.out.Stats(); st.Answered != 1 || st.Failed != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestOutbox_SendBlocked(t *testing.T) {
	f := newOutboxFixture(t, noLimits)
	u := f.person(106)
	f.srv.SetBlocked(u, true)
	_, err := f.out.Send(outboxContext(t), u.ID, Message{Text: "hello?"})
	if !errors.Is(err, ErrBlocked) {
		t.Fatalf("Send to a person who blocked the bot: %v, want ErrBlocked", err)
	}
	if st := f.out.Stats(); st.Failed != 1 || st.Retries != 0 {
		t.Errorf("stats %+v, want one failure and no retries", st)
	}
}

func TestOutbox_Retries(t *testing.T) {
	t.Parallel()
	t.Run("429 waits retry_after", func(t *testing.T) {
		t.Parallel()
		f := newOutboxFixture(t, noLimits)
		u := f.person(107)
		f.srv.FailNext("sendMessage", 2, http.StatusTooManyRequests, 1)
		start := time.Now()
		if _, err := f.out.Send(outboxContext(t), u.ID, Message{Text: "patience"}); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if took := time.Since(start); took < 2*time.Second { // at least what Telegram asked; no upper bound on a shared machine
			t.Errorf("took %v, want the two retry_after seconds", took)
		}
		if st := f.out.Stats(); st.TooManyRequests != 2 || st.Retries != 2 || st.Sent != 1 {
			t.Errorf("stats %+v", st)
		}
		if !f.out.Troubled(time.Minute) {
			t.Error("a 429 a moment ago does not count as trouble for /readyz")
		}
	})
	t.Run("5xx backs off", func(t *testing.T) {
		f := newOutboxFixture(t, noLimits)
		u := f.person(108)
		f.srv.FailNext("sendMessage", 2, http.StatusBadGateway, 0)
		if _, err := f.out.Send(outboxContext(t), u.ID, Message{Text: "later"}); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if st := f.out.Stats(); st.Retries != 2 || st.Sent != 1 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("gives up after MaxRetries", func(t *testing.T) {
		f := newOutboxFixture(t, Options{Global: -1, PerChat: -1, MaxRetries: 1})
		u := f.person(109)
		f.srv.FailNext("sendMessage", 3, http.StatusInternalServerError, 0)
		if _, err := f.out.Send(outboxContext(t), u.ID, Message{Text: "never"}); err == nil {
			t.Fatal("Send succeeded through three 500s with one retry")
		}
		if st := f.out.Stats(); st.Retries != 1 || st.Failed != 1 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("other 4xx at once", func(t *testing.T) {
		f := newOutboxFixture(t, noLimits)
		u := f.person(110)
		f.srv.FailNext("sendMessage", 1, http.StatusBadRequest, 0)
		if _, err := f.out.Send(outboxContext(t), u.ID, Message{Text: "bad"}); err == nil || errors.Is(err, ErrBlocked) {
			t.Fatalf("Send: %v, want the 400", err)
		}
		if st := f.out.Stats(); st.Retries != 0 {
			t.Errorf("stats %+v, want no retries", st)
		}
	})
}

func TestOutbox_PerChatLimit(t *testing.T) {
	t.Parallel()
	fakeLimits := telegramtest.WithLimits(telegramtest.DefaultLimits()) // 1/s per chat, burst 3
	t.Run("kept under", func(t *testing.T) {
		t.Parallel()
		f := newOutboxFixture(t, Options{PerChat: 1, ChatBurst: 3}, fakeLimits)
		u := f.person(111)
		for i := range 5 {
			if _, err := f.out.Send(outboxContext(t), u.ID, Message{Text: strings.Repeat("m", i+1)}); err != nil {
				t.Fatalf("Send %d: %v", i, err)
			}
		}
		f.messages(t, u.ID, 5)
		if st := f.srv.Stats(); st.TooManyRequests != 0 {
			t.Errorf("the fake answered %d 429s", st.TooManyRequests)
		}
	})
	t.Run("without it Telegram says 429", func(t *testing.T) {
		t.Parallel()
		f := newOutboxFixture(t, Options{PerChat: 1000, ChatBurst: 1000}, fakeLimits)
		u := f.person(112)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		for range 4 {
			_, _ = f.out.Send(ctx, u.ID, Message{Text: "m"}) // the 4th waits for retry_after until ctx ends
		}
		if st := f.srv.Stats(); st.TooManyRequests == 0 {
			t.Errorf("the fake answered no 429: the test above proves nothing")
		}
	})
}

func TestOutbox_GlobalLimit(t *testing.T) {
	f := newOutboxFixture(t, Options{Global: 20, GlobalBurst: 1, PerChat: -1})
	start := time.Now()
	for i := range 5 {
		u := f.person(int64(200 + i))
		if _, err := f.out.Send(outboxContext(t), u.ID, Message{Text: "hi"}); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took < 190*time.Millisecond {
		t.Errorf("5 messages at 20/s took %v, want ≥ 200ms", took)
	}
}

func TestOutbox_EditsSkipTheChatLimit(t *testing.T) {
	f := newOutboxFixture(t, Options{PerChat: 0.1, ChatBurst: 1})
	u := f.person(114)
	ctx := outboxContext(t)
	id, err := f.out.Send(ctx, u.ID, Message{Text: "menu"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := f.out.Edit(ctx, u.ID, id, Message{Text: "submenu"}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("edit waited %v for the chat's limit", took)
	}
}

func TestOutbox_CancelEndsWaits(t *testing.T) {
	f := newOutboxFixture(t, Options{PerChat: 0.01, ChatBurst: 1})
	u := f.person(113)
	first, err := f.out.Send(outboxContext(t), u.ID, Message{Text: "first"})
	if err != nil {
		t.Fatal(err)
	}
	wait := func(t *testing.T, send func(ctx context.Context) error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		if err := send(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err %v, want the deadline", err)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("took %v after the deadline", took)
		}
	}
	t.Run("flood limit", func(t *testing.T) {
		wait(t, func(ctx context.Context) error { _, err := f.out.Send(ctx, u.ID, Message{Text: "second"}); return err })
	})
	t.Run("retry_after", func(t *testing.T) {
		f.srv.FailNext("editMessageText", 1, http.StatusTooManyRequests, 30)
		wait(t, func(ctx context.Context) error {
			_, err := f.out.Edit(ctx, u.ID, first, Message{Text: "edited"})
			return err
		})
	})
}

func TestOutbox_ConcurrentSends(t *testing.T) {
	f := newOutboxFixture(t, Options{Global: 1000, GlobalBurst: 50, PerChat: 1000, ChatBurst: 50})
	var wg sync.WaitGroup
	for c := range 4 {
		u := f.person(int64(300 + c))
		for range 5 {
			wg.Go(func() {
				if _, err := f.out.Send(outboxContext(t), u.ID, Message{Text: "hi"}); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	for c := range 4 {
		f.messages(t, int64(300+c), 5)
	}
	if st := f.out.Stats(); st.Sent != 20 {
		t.Errorf("stats %+v", st)
	}
}

func TestOutbox_ForgetsIdleChats(t *testing.T) {
	f := newOutboxFixture(t, noLimits)
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	f.out.now = func() time.Time { return now }
	for _, id := range []int64{401, 402} {
		u := f.person(id)
		if _, err := f.out.Send(outboxContext(t), u.ID, Message{Text: "hi"}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(50 * time.Second)
	}
	u := f.person(403)
	if _, err := f.out.Send(outboxContext(t), u.ID, Message{Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	f.out.mu.Lock()
	defer f.out.mu.Unlock()
	if _, ok := f.out.chats[401]; ok || len(f.out.chats) != 2 {
		t.Errorf("chats %v: want 401 (idle 100 s) forgotten, 402 (50 s) and 403 kept", f.out.chats)
	}
}

func TestSplitHTML(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
		want  []string
	}{
		{"fits", "<b>abc</b>", 3, []string{"<b>abc</b>"}},
		{"at a line break", "ab\ncd\nef", 6, []string{"ab\ncd", "ef"}},
		{"break exactly at the limit", "abc\ndef", 3, []string{"abc", "def"}},
		{"long line between characters", "abcdefg", 3, []string{"abc", "def", "g"}},
		{"reference is one character", "a&amp;b&lt;c&#33;d", 3, []string{"a&amp;b", "&lt;c&#33;", "d"}},
		{"tag reopened", "<b>ab\ncd</b>\nef", 4, []string{"<b>ab</b>", "<b>cd</b>", "ef"}},
		{"attributes kept", `<a href="u">abcd</a>`, 2, []string{`<a href="u">ab</a>`, `<a href="u">cd</a>`}},
		{"nested", "<b><i>abcd</i>e</b>", 2, []string{"<b><i>ab</i></b>", "<b><i>cd</i></b>", "<b>e</b>"}},
		{"blank parts dropped", "ab\n  \n  \ncd", 2, []string{"ab", "cd"}},
		{"lone < and & are text", "a<b&c", 2, []string{"a<", "b&", "c"}},
		{"emoji are one character", "😀😀😀", 2, []string{"😀😀", "😀"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitHTML(tt.in, tt.limit)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("splitHTML(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
			}
			for _, p := range got {
				if n := htmlLen(p); n > tt.limit {
					t.Errorf("part %q has %d characters", p, n)
				}
			}
		})
	}
}

func FuzzSplitHTML(f *testing.F) {
	f.Add("<b>ab\ncd</b>\nef &amp; <a href=\"x\">y</a>", 3)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if limit < 1 || limit > 50 || !utf8.ValidString(s) {
			return
		}
		parts := splitHTML(s, limit)
		if len(parts) == 1 && parts[0] == s {
			return // short enough, or nothing but spaces
		}
		for _, p := range parts {
			if htmlLen(p) > limit {
				t.Fatalf("part %q of %q is over %d", p, s, limit)
			}
		}
	})
}
