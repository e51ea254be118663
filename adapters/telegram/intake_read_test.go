package telegram

import (
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/mymmrac/telego"

	"allot/adapters/telegram/botapi"
)

// An update Allot cannot read must not hold the offset, and with it every
// update after it; one whose id cannot be read is left out, and the good
// ones beside them are handled.
func TestIntake_UnreadableUpdatesDoNotHoldTheOffset(t *testing.T) {
	h := newHolder()
	in := newIntake(nil, 1, allowedUpdates, h.dispatch, slog.New(slog.DiscardHandler))
	ups := []botapi.Raw{
		botapi.Raw(`{"update_id":5,"message":{"message_id":1,"date":1,"chat":{"id":9,"type":"private"},"text":"hi"}}`),
		botapi.Raw(`{"update_id":6,"message":"not a message"}`),
		botapi.Raw(`[1,2]`),
		botapi.Raw(`{"update_id":7,"message":{"message_id":2,"date":1,"chat":{"id":9,"type":"private"},"text":"yo"}}`),
	}
	if n := in.take(ups); n != 2 {
		t.Fatalf("took %d updates, want the 2 readable ones", n)
	}
	if h.dispatched(5) != 1 || h.dispatched(7) != 1 || h.dispatched(6) != 0 {
		t.Errorf("dispatched 5: %d, 6: %d, 7: %d", h.dispatched(5), h.dispatched(6), h.dispatched(7))
	}
	h.release(5)
	if got := in.next(); got != 7 {
		t.Errorf("offset %d after 5 was handled, want 7: the unreadable 6 counts as handled", got)
	}
	h.release(7)
	if got := in.next(); got != 8 {
		t.Errorf("offset %d, want 8", got)
	}
	if n := in.take(ups); n != 0 {
		t.Errorf("the same poll again gave %d fresh updates", n)
	}
}

func TestUpdateID(t *testing.T) {
	cases := []struct {
		raw string
		id  int // -1: an error
	}{
		{`{"update_id":12,"message":{}}`, 12},
		{`{"update_id":7}`, 7},
		{`{"message":{},"update_id":9}`, 9},
		{`{ "update_id" : 3 , "x": 1 }`, 3},
		{`{"update_id":1e2,"message":{}}`, -1}, // not an int
		{`{"message":{}}`, -1},
		{`[1]`, -1},
		{`{"update_id":"5","message":{}}`, -1},
	}
	for _, c := range cases {
		id, err := updateID(botapi.Raw(c.raw))
		if c.id < 0 && err == nil || c.id >= 0 && (err != nil || id != c.id) {
			t.Errorf("updateID(%s) = %d, %v; want %d", c.raw, id, err, c.id)
		}
	}
}

// A press is read into the fields the bot uses; they must be telego's.
func TestDecodeUpdate_pressesAsTelegoReadsThem(t *testing.T) {
	for _, raw := range []string{
		`{"update_id":3,"callback_query":{"id":"q1","from":{"id":7,"is_bot":false,"first_name":"Ann","username":"ann","language_code":"ru","is_premium":true},` +
			`"message":{"message_id":42,"date":1700000000,"chat":{"id":7,"type":"private","first_name":"Ann"},"text":"<b>menu</b>",` +
			`"reply_markup":{"inline_keyboard":[[{"text":"Next ›","callback_data":"1:cat:1"}]]}},"chat_instance":"-55","data":"1:cat:1"}}`,
		`{"update_id":4,"callback_query":{"id":"q2","from":{"id":8,"is_bot":false,"first_name":"B"},` +
			`"message":{"message_id":9,"date":0,"chat":{"id":8,"type":"private"}},"chat_instance":"1","data":"1:menu"}}`,
		`{"update_id":5,"callback_query":{"id":"q3","from":{"id":9,"is_bot":false,"first_name":"C"},"inline_message_id":"im","chat_instance":"2","game_short_name":"g"}}`,
	} {
		got, err := decodeUpdate(0, botapi.Raw(raw))
		var want telego.Update
		if err2 := json.Unmarshal([]byte(raw), &want); err != nil || err2 != nil {
			t.Fatalf("decode %s: %v, telego's: %v", raw, err, err2)
		}
		g, w := got.CallbackQuery, want.CallbackQuery
		if g == nil || g.ID != w.ID || g.From != w.From || g.Data != w.Data || g.ChatInstance != w.ChatInstance ||
			g.InlineMessageID != w.InlineMessageID || g.GameShortName != w.GameShortName {
			t.Errorf("%s: read %+v, telego reads %+v", raw, g, w)
			continue
		}
		if (g.Message == nil) != (w.Message == nil) {
			t.Errorf("%s: message %v, telego's %v", raw, g.Message, w.Message)
			continue
		}
		if w.Message != nil && (g.Message.GetMessageID() != w.Message.GetMessageID() || g.Message.GetChat().ID != w.Message.GetChat().ID ||
			g.Message.IsAccessible() != w.Message.IsAccessible() || g.Message.GetDate() != w.Message.GetDate()) {
			t.Errorf("%s: message %+v, telego's %+v", raw, g.Message, w.Message)
		}
	}
	msg := `{"update_id":6,"message":{"message_id":1,"date":5,"chat":{"id":9,"type":"private"},"from":{"id":9,"is_bot":false,"first_name":"C"},"text":"/start"}}`
	got, err := decodeUpdate(6, botapi.Raw(msg))
	if err != nil || got.Message == nil || got.Message.Text != "/start" || got.UpdateID != 6 || got.CallbackQuery != nil {
		t.Errorf("a message update: %+v, %v", got, err)
	}
}
