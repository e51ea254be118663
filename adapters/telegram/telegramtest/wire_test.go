package telegramtest

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/mymmrac/telego"
)

// The hand encoders of wire.go must write encoding/json's bytes exactly.

// TestAppendMessage_matchesEncodingJSON sends, edits and presses through
// the server and compares every message and update it answers with by hand
// to encoding/json's encoding of the same value.
func TestAppendMessage_matchesEncodingJSON(t *testing.T) {
	srv := newServer(t, WithoutLimits())
	sent := sendWireFixtures(t, srv)
	srv.SendText(alice, "/start now")
	srv.SendText(boris, "hi <there> & \xff")
	if _, err := srv.PressButton(alice, sent[0].id, "a\u2028"); err != nil {
		t.Fatalf("PressButton: %v", err)
	}
	renamed := alice
	renamed.FirstName = "Alice <renamed>" // the kept encoding shows the old name: not used
	if _, err := srv.PressButton(renamed, sent[0].id, "a\u2028"); err != nil {
		t.Fatalf("PressButton: %v", err)
	}
	srv.SetBlocked(boris, true) // a chat member update: through encoding/json

	srv.mu.Lock()
	defer srv.mu.Unlock()
	for _, m := range sent {
		ch := srv.chats[m.chat]
		tm := srv.wireLocked(ch, ch.msgs[m.id])
		kept := ch.wireOfLocked(ch.msgs[m.id])
		if kept == nil { // alice's, kept with her old name
			kept = appendMessage(nil, &tm)
		}
		wantJSON(t, sentMessage(kept), tm)
	}
	batch := srv.firstLocked(100)
	if len(batch) != 5 || batch[2].message == nil || batch[3].message != nil {
		t.Fatalf("queued %d updates, want 5, the first press with its message kept and the second without", len(batch))
	}
	plain := make([]telego.Update, len(batch))
	for i := range batch {
		plain[i] = batch[i].Update
	}
	wantJSON(t, batch, plain)
}

type sentRef struct {
	chat int64
	id   int
}

// sendWireFixtures has a bot send what the hand encoders must get right:
// characters JSON escapes, every kind of button, HTML entities, an edit and
// a document; alice's menu comes first.
func sendWireFixtures(t *testing.T, srv *Server) []sentRef {
	t.Helper()
	bot := newBot(t, srv)
	srv.AddUser(alice)
	srv.AddUser(boris)
	ctx := testContext(t)
	web := telego.InlineKeyboardButton{Text: "web", WebApp: &telego.WebAppInfo{URL: "https://example.org/app"}}
	query := ""
	kb := &telego.InlineKeyboardMarkup{InlineKeyboard: [][]telego.InlineKeyboardButton{
		{{Text: "a <&> \"b\"", CallbackData: "a\u2028"}, {Text: "link", URL: "https://example.org/?q=<x>"}},
		{web, {Text: "inline", SwitchInlineQuery: &query}},
	}}
	menu := sendText(t, bot, alice.ID, "Menu", kb)
	html, err := bot.SendMessage(ctx, &telego.SendMessageParams{ChatID: telego.ChatID{ID: boris.ID}, ParseMode: telego.ModeHTML,
		Text: `<b>Bold</b> <a href="https://example.org/">link</a> <pre><code class="language-go">x</code></pre> 📱 \ "`})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	if _, err := bot.EditMessageText(ctx, &telego.EditMessageTextParams{ChatID: telego.ChatID{ID: alice.ID},
		MessageID: menu.MessageID, Text: "Menu, edited", ReplyMarkup: kb}); err != nil {
		t.Fatalf("EditMessageText: %v", err)
	}
	doc, err := bot.SendDocument(ctx, &telego.SendDocumentParams{ChatID: telego.ChatID{ID: alice.ID},
		Document: telego.InputFile{File: namedReader{strings.NewReader("text"), "a.txt"}}, Caption: "<i>doc</i>", ParseMode: telego.ModeHTML})
	if err != nil {
		t.Fatalf("SendDocument: %v", err)
	}
	return []sentRef{{alice.ID, menu.MessageID}, {boris.ID, html.MessageID}, {alice.ID, doc.MessageID}}
}

// namedReader gives telego an upload with a file name.
type namedReader struct {
	*strings.Reader
	name string
}

func (r namedReader) Name() string { return r.name }

func wantJSON(t *testing.T, got json.Marshaler, value any) {
	t.Helper()
	want, err := json.Marshal(value)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := got.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != string(want) {
		t.Fatalf("by hand:\n%s\nencoding/json:\n%s", raw, want)
	}
}

// TestAppendTypes_everyField fills every field of the types wire.go
// encodes whole, so a field a telego upgrade adds fails here instead of
// going missing from the fake's answers.
func TestAppendTypes_everyField(t *testing.T) {
	var u telego.User
	var c telego.Chat
	var e telego.MessageEntity
	var p telego.PhotoSize
	var d telego.Document
	var b telego.InlineKeyboardButton
	for _, v := range []any{&u, &c, &e, &p, &d, &b} {
		fill(reflect.ValueOf(v).Elem())
	}
	b.WebApp, b.LoginURL, b.SwitchInlineQueryChosenChat, b.CopyText, b.CallbackGame = nil, nil, nil, nil, nil
	for _, tc := range []struct {
		name  string
		value any
		got   []byte
	}{
		{"User", u, appendUser(nil, &u)},
		{"Chat", c, appendChat(nil, &c)},
		{"MessageEntity", []telego.MessageEntity{e}, appendEntities(nil, "", []telego.MessageEntity{e})},
		{"PhotoSize", p, appendPhotoSize(nil, &p)},
		{"Document", d, appendDocument(nil, &d)},
		{"InlineKeyboardButton", b, appendButton(nil, &b)},
	} {
		want, err := json.Marshal(tc.value)
		if err != nil {
			t.Fatal(err)
		}
		if string(tc.got) != string(want) {
			t.Errorf("%s by hand:\n%s\nencoding/json:\n%s", tc.name, tc.got, want)
		}
	}
}

// fill sets every field to a value that is not its zero, following
// pointers to structs.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.String:
		v.SetString("<" + v.Type().Name() + ">")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(42)
	case reflect.Float64:
		v.SetFloat(1.5)
	}
}
