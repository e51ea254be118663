package telegramtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mymmrac/telego"
	tu "github.com/mymmrac/telego/telegoutil"
)

func TestServer_Subscribe(t *testing.T) {
	srv := newServer(t, WithoutLimits())
	bot := newBot(t, srv)
	ctx := testContext(t)
	events, cancel := srv.Subscribe(alice.ID)
	all, cancelAll := srv.Subscribe(0)
	defer cancelAll()

	srv.SendText(alice, "/start")
	msg := sendText(t, bot, alice.ID, "Menu", keyboard("go"))
	qid, err := srv.PressButton(alice, msg.MessageID, "go")
	if err != nil {
		t.Fatal(err)
	}
	steps := []error{
		bot.AnswerCallbackQuery(ctx, &telego.AnswerCallbackQueryParams{CallbackQueryID: qid, Text: "Going"}),
		bot.SendChatAction(ctx, &telego.SendChatActionParams{ChatID: tu.ID(alice.ID), Action: telego.ChatActionTyping}),
		func() error {
			_, err := bot.EditMessageText(ctx, &telego.EditMessageTextParams{ChatID: tu.ID(alice.ID), MessageID: msg.MessageID, Text: "Gone"})
			return err
		}(),
		bot.DeleteMessage(ctx, &telego.DeleteMessageParams{ChatID: tu.ID(alice.ID), MessageID: msg.MessageID}),
	}
	if err := errors.Join(steps...); err != nil {
		t.Fatal(err)
	}
	srv.SendText(boris, "someone else")

	want := []EventKind{EventUserMessage, EventSent, EventButtonPressed, EventAnswered, EventChatAction, EventEdited, EventDeleted}
	for i, kind := range want {
		ev := next(t, events)
		if ev.Kind != kind || ev.ChatID != alice.ID || ev.Time.IsZero() {
			t.Fatalf("event %d = %+v, want %s", i, ev, kind)
		}
		switch kind {
		case EventButtonPressed:
			if ev.Data != "go" || ev.QueryID != qid || ev.Message.ID != msg.MessageID {
				t.Fatalf("press event = %+v", ev)
			}
		case EventAnswered:
			if ev.Answer.Text != "Going" {
				t.Fatalf("answer event = %+v", ev.Answer)
			}
		case EventEdited, EventDeleted:
			if ev.Message.Text != "Gone" {
				t.Fatalf("%s event message = %+v", kind, ev.Message)
			}
		}
	}
	for range want {
		next(t, all)
	}
	if ev := next(t, all); ev.ChatID != boris.ID {
		t.Fatalf("chat 0 subscription got %+v, want boris's message", ev)
	}
	cancel()
	cancel()
	if _, open := <-events; open {
		t.Fatal("events still open after cancel")
	}
}

func next(t testing.TB, events <-chan Event) Event {
	t.Helper()
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("events closed")
		}
		return ev
	case <-time.After(3 * time.Second):
		t.Fatal("no event within 3 s")
	}
	return Event{}
}

func TestServer_SubscribeEndsOnClose(t *testing.T) {
	srv := New()
	events, cancel := srv.Subscribe(0)
	srv.AddUser(alice)
	srv.SendText(alice, "unread") // a reader that never reads must not hold Close up
	srv.Close()
	for range events {
	}
	cancel()
	if late, _ := srv.Subscribe(0); late == nil {
		t.Fatal("Subscribe after Close returned nil")
	} else if _, open := <-late; open {
		t.Fatal("Subscribe after Close returned an open channel")
	}
}

func TestServer_WaitFor(t *testing.T) {
	srv := newServer(t, WithoutLimits())
	bot := newBot(t, srv)
	srv.AddUser(alice)
	sent := make(chan error, 1)
	go func() {
		_, err := bot.SendMessage(context.Background(), &telego.SendMessageParams{ChatID: tu.ID(alice.ID), Text: "Welcome!"})
		sent <- err
	}()
	m, err := srv.WaitFor(testContext(t), alice.ID, func(m Message) bool { return m.Text == "Welcome!" })
	if err != nil || m.Text != "Welcome!" || m.ChatID != alice.ID {
		t.Fatalf("WaitFor = %+v, %v", m, err)
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := srv.WaitFor(ctx, alice.ID, func(Message) bool { return false }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitFor past its deadline: %v", err)
	}

	closing := New()
	go closing.Close()
	if _, err := closing.WaitFor(context.Background(), alice.ID, func(Message) bool { return false }); !errors.Is(err, ErrClosed) {
		t.Fatalf("WaitFor on a closed fake: %v", err)
	}
}
