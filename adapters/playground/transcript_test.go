package playground

import (
	"testing"

	"allot/adapters/telegram/telegramtest"
)

func TestTranscript_apply(t *testing.T) {
	const chat = 7
	tr := newTranscript()
	msg := func(id int, text string, fromUser bool) *telegramtest.Message {
		return &telegramtest.Message{ID: id, ChatID: chat, Text: text, FromUser: fromUser}
	}
	steps := []struct {
		name     string
		ev       telegramtest.Event
		wTexts   []string
		wChanged bool
		wToasts  int
	}{
		{"the person writes", telegramtest.Event{Kind: telegramtest.EventUserMessage, Message: msg(1, "/start", true)},
			[]string{"/start"}, true, 0},
		{"the bot answers", telegramtest.Event{Kind: telegramtest.EventSent, Message: msg(2, "menu", false)},
			[]string{"/start", "menu"}, true, 0},
		{"a press is not a change", telegramtest.Event{Kind: telegramtest.EventButtonPressed, Message: msg(2, "menu", false)},
			[]string{"/start", "menu"}, false, 0},
		{"the bot edits in place", telegramtest.Event{Kind: telegramtest.EventEdited, Message: msg(2, "catalogue", false)},
			[]string{"/start", "catalogue"}, true, 0},
		{"an edit of the person's id 1 is not theirs", telegramtest.Event{Kind: telegramtest.EventEdited, Message: msg(1, "x", false)},
			[]string{"/start", "catalogue"}, false, 0},
		{"a silent answer", telegramtest.Event{Kind: telegramtest.EventAnswered, Answer: &telegramtest.CallbackAnswer{}},
			[]string{"/start", "catalogue"}, false, 0},
		{"a toast", telegramtest.Event{Kind: telegramtest.EventAnswered, Answer: &telegramtest.CallbackAnswer{Text: "Done"}},
			[]string{"/start", "catalogue"}, true, 1},
		{"the bot deletes", telegramtest.Event{Kind: telegramtest.EventDeleted, Message: msg(2, "catalogue", false)},
			[]string{"/start"}, true, 0},
	}
	var version uint64
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.ev.ChatID = chat
			tr.apply(s.ev)
			v, msgs, toasts := tr.chat(chat, version)
			if changed := v != version; changed != s.wChanged {
				t.Fatalf("changed = %v, want %v", changed, s.wChanged)
			}
			if !s.wChanged {
				return
			}
			version = v
			var texts []string
			for _, m := range msgs {
				texts = append(texts, m.Text)
			}
			if len(texts) != len(s.wTexts) || len(toasts) != s.wToasts {
				t.Fatalf("chat %q with %d toasts, want %q with %d", texts, len(toasts), s.wTexts, s.wToasts)
			}
			for i := range texts {
				if texts[i] != s.wTexts[i] {
					t.Fatalf("chat %q, want %q", texts, s.wTexts)
				}
			}
		})
	}
	if v, msgs, _ := tr.chat(99, 0); v != 0 || msgs != nil {
		t.Errorf("a chat nobody wrote in: version %d, %d messages", v, len(msgs))
	}
}
