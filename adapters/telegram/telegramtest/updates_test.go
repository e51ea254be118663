package telegramtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mymmrac/telego"
	tu "github.com/mymmrac/telego/telegoutil"
)

func TestToken_IsAcceptedByTelego(t *testing.T) {
	if _, err := telego.NewBot(Token); err != nil {
		t.Fatalf("telego refuses Token: %v", err)
	}
}

func TestServer_GetMe(t *testing.T) {
	srv := newServer(t)
	me, err := newBot(t, srv).GetMe(testContext(t))
	if err != nil {
		t.Fatalf("GetMe: %v", err)
	}
	if me.ID != srv.Bot().ID || !me.IsBot || me.Username == "" {
		t.Fatalf("GetMe = %+v, want the bot %+v", me, srv.Bot())
	}
	for _, tc := range []struct{ name, method, body string }{
		{"null body", "getMe", "null"},
		{"empty body", "getMe", ""},
		{"method names ignore case", "GETME", "{}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, r := rawCall(t, srv, tc.method, "application/json", tc.body)
			if status != http.StatusOK || !r.Ok || !strings.Contains(string(r.Result), `"is_bot":true`) {
				t.Fatalf("%s %q: %d %v", tc.method, tc.body, status, r)
			}
		})
	}
}

func TestServer_RefusesLikeTelegram(t *testing.T) {
	srv := newServer(t)
	t.Run("wrong token", func(t *testing.T) {
		other := "987654321:" + strings.Repeat("x", 35)
		_, err := botAt(t, srv.URL(), other).GetMe(testContext(t))
		wantAPIError(t, err, 401, "Unauthorized")
	})
	t.Run("unknown method", func(t *testing.T) {
		status, r := rawCall(t, srv, "getChat", "application/json", "{}")
		if status != 404 || r.Ok || r.ErrorCode != 404 || r.Description != "Not Found: method not found" {
			t.Fatalf("getChat: %d %v", status, r)
		}
	})
	if st := srv.Stats(); st.Errors[401] != 1 || st.Errors[404] != 1 || st.Calls["getChat"] != 1 {
		t.Fatalf("Stats = %+v", st)
	}
}

func TestServer_LongPolling(t *testing.T) {
	srv := newServer(t, WithoutLimits())
	bot := newBot(t, srv)
	srv.AddUser(alice)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	updates, err := bot.UpdatesViaLongPolling(ctx, &telego.GetUpdatesParams{Timeout: 1},
		telego.WithLongPollingRetryTimeout(10*time.Millisecond))
	if err != nil {
		t.Fatalf("UpdatesViaLongPolling: %v", err)
	}
	menu := sendText(t, bot, alice.ID, "Menu", keyboard("rent", "wallet"))
	textID := srv.SendText(alice, "hello")
	queryID, err := srv.PressButton(alice, menu.MessageID, "wallet")
	if err != nil {
		t.Fatalf("PressButton: %v", err)
	}

	u := receive(t, updates)
	if u.UpdateID != textID || u.Message == nil || u.Message.Text != "hello" || u.Message.From.ID != alice.ID {
		t.Fatalf("first update = %+v, want alice's hello", u)
	}
	u = receive(t, updates)
	q := u.CallbackQuery
	if q == nil || q.ID != queryID || q.Data != "wallet" || q.From.ID != alice.ID {
		t.Fatalf("second update = %+v, want the press of wallet", u)
	}
	if !q.Message.IsAccessible() || q.Message.GetDate() == 0 || q.Message.Message().Text != "Menu" {
		t.Fatalf("callback message = %+v, want the accessible Menu", q.Message)
	}

	start := time.Now()
	cancel()
	for range updates { // telego closes the channel when it stops
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("long polling took %s to stop", d)
	}
}

func receive(t testing.TB, updates <-chan telego.Update) telego.Update {
	t.Helper()
	select {
	case u, ok := <-updates:
		if !ok {
			t.Fatal("updates closed")
		}
		return u
	case <-time.After(3 * time.Second):
		t.Fatal("no update within 3 s")
	}
	return telego.Update{}
}

func TestServer_GetUpdatesWaits(t *testing.T) {
	srv := newServer(t)
	bot := newBot(t, srv)
	ctx := testContext(t)

	t.Run("wakes when an update arrives", func(t *testing.T) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			waitPolling(srv)
			srv.SendText(alice, "hi")
		}()
		start := time.Now()
		ups, err := bot.GetUpdates(ctx, &telego.GetUpdatesParams{Timeout: 10})
		<-done
		if err != nil || len(ups) != 1 || time.Since(start) > 2*time.Second {
			t.Fatalf("GetUpdates = %d updates, %v after %s", len(ups), err, time.Since(start))
		}
		confirm(t, bot, ups)
	})
	t.Run("answers nothing after the timeout", func(t *testing.T) {
		start := time.Now()
		ups, err := bot.GetUpdates(ctx, &telego.GetUpdatesParams{Timeout: 1})
		if d := time.Since(start); err != nil || len(ups) != 0 || d < 900*time.Millisecond || d > 2*time.Second {
			t.Fatalf("GetUpdates = %d updates, %v after %s", len(ups), err, d)
		}
	})
	t.Run("a second poll ends the first with 409", func(t *testing.T) {
		first := make(chan error, 1)
		go func() {
			_, err := bot.GetUpdates(ctx, &telego.GetUpdatesParams{Timeout: 10})
			first <- err
		}()
		waitPolling(srv)
		second, other := make(chan int, 1), newBot(t, srv)
		go func() {
			ups, _ := other.GetUpdates(ctx, &telego.GetUpdatesParams{Timeout: 10})
			second <- len(ups)
		}()
		wantAPIError(t, <-first, 409, "terminated by other getUpdates request")
		waitPolling(srv)
		srv.SendText(alice, "for the second")
		if n := <-second; n != 1 {
			t.Fatalf("second poll got %d updates, want 1", n)
		}
	})
}

// waitPolling waits until a getUpdates call is parked in the fake.
func waitPolling(srv *Server) {
	for {
		srv.mu.Lock()
		parked := srv.poll != nil
		srv.mu.Unlock()
		if parked {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// confirm acknowledges updates the way a bot does, with the next offset.
func confirm(t testing.TB, bot *telego.Bot, ups []telego.Update) {
	t.Helper()
	if len(ups) == 0 {
		return
	}
	if _, err := bot.GetUpdates(context.Background(), &telego.GetUpdatesParams{Offset: ups[len(ups)-1].UpdateID + 1}); err != nil {
		t.Fatalf("confirm: %v", err)
	}
}

func TestServer_CloseWakesLongPoll(t *testing.T) {
	srv := New()
	bot := newBot(t, srv)
	got := make(chan error, 1)
	go func() {
		_, err := bot.GetUpdates(context.Background(), &telego.GetUpdatesParams{Timeout: 50})
		got <- err
	}()
	waitPolling(srv)
	start := time.Now()
	srv.Close()
	if err := <-got; err != nil {
		t.Fatalf("GetUpdates after Close: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Close took %s", d)
	}
}

func TestServer_Offsets(t *testing.T) {
	srv := newServer(t)
	bot := newBot(t, srv)
	ctx := testContext(t)
	ids := []int{srv.SendText(alice, "1"), srv.SendText(alice, "2"), srv.SendText(alice, "3")}
	for _, tc := range []struct {
		name   string
		params telego.GetUpdatesParams
		want   []int
	}{
		{"limit", telego.GetUpdatesParams{Limit: 2}, ids[:2]},
		{"offset confirms older ones", telego.GetUpdatesParams{Offset: ids[1]}, ids[1:]},
		{"zero offset starts at the oldest unconfirmed", telego.GetUpdatesParams{}, ids[1:]},
		{"negative offset keeps the newest", telego.GetUpdatesParams{Offset: -1}, ids[2:]},
		{"offset past the newest confirms all", telego.GetUpdatesParams{Offset: ids[2] + 1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ups, err := bot.GetUpdates(ctx, &tc.params)
			if err != nil {
				t.Fatalf("GetUpdates: %v", err)
			}
			if got := updateIDs(ups); !equalish(got, tc.want) {
				t.Fatalf("update IDs %v, want %v", got, tc.want)
			}
		})
	}
}

func updateIDs(ups []telego.Update) []int {
	var ids []int
	for _, u := range ups {
		ids = append(ids, u.UpdateID)
	}
	return ids
}

func TestServer_AllowedUpdates(t *testing.T) {
	srv := newServer(t)
	bot := newBot(t, srv)
	ctx := testContext(t)
	srv.AddUser(alice)
	if _, err := bot.GetUpdates(ctx, &telego.GetUpdatesParams{AllowedUpdates: []string{"callback_query"}}); err != nil {
		t.Fatalf("GetUpdates: %v", err)
	}
	srv.SendText(alice, "not wanted")
	menu := sendText(t, bot, alice.ID, "Menu", keyboard("x"))
	qid, err := srv.PressButton(alice, menu.MessageID, "x")
	if err != nil {
		t.Fatalf("PressButton: %v", err)
	}
	ups, err := bot.GetUpdates(ctx, &telego.GetUpdatesParams{})
	if err != nil || len(ups) != 1 || ups[0].CallbackQuery == nil || ups[0].CallbackQuery.ID != qid {
		t.Fatalf("GetUpdates = %+v, %v; want only the callback query", ups, err)
	}
}

func TestServer_Command(t *testing.T) {
	srv := newServer(t)
	srv.Command(boris, "start", "ref_42")
	ups, err := newBot(t, srv).GetUpdates(testContext(t), &telego.GetUpdatesParams{})
	if err != nil || len(ups) != 1 {
		t.Fatalf("GetUpdates = %v, %v", ups, err)
	}
	m := ups[0].Message
	want := telego.MessageEntity{Type: telego.EntityTypeBotCommand, Offset: 0, Length: 6}
	if m.Text != "/start ref_42" || len(m.Entities) != 1 || m.Entities[0] != want || m.Chat.Type != "private" ||
		m.Chat.ID != boris.ID || !m.From.IsPremium || m.From.LanguageCode != "ru" || m.Date == 0 {
		t.Fatalf("message = %+v", m)
	}
}

func TestServer_Blocked(t *testing.T) {
	srv := newServer(t, WithoutLimits())
	bot := newBot(t, srv)
	ctx := testContext(t)
	srv.AddUser(alice)
	srv.SetBlocked(alice, true)
	ups, err := bot.GetUpdates(ctx, &telego.GetUpdatesParams{})
	if err != nil || len(ups) != 1 || ups[0].MyChatMember == nil ||
		ups[0].MyChatMember.NewChatMember.MemberStatus() != telego.MemberStatusBanned {
		t.Fatalf("GetUpdates = %+v, %v; want my_chat_member kicked", ups, err)
	}
	_, err = bot.SendMessage(ctx, &telego.SendMessageParams{ChatID: telego.ChatID{ID: alice.ID}, Text: "hi"})
	wantAPIError(t, err, 403, "bot was blocked by the user")

	srv.Command(alice, "start", "") // writing again unblocks
	sendText(t, bot, alice.ID, "welcome back", nil)

	_, err = bot.SendMessage(ctx, &telego.SendMessageParams{ChatID: telego.ChatID{ID: 4242}, Text: "hi"})
	wantAPIError(t, err, 400, "chat not found")
}

func TestServer_MountedHandler(t *testing.T) {
	srv := newServer(t, WithoutListener())
	mux := http.NewServeMux()
	mux.Handle("/telegram/", srv.Handler())
	ts := httptest.NewServer(mux)
	defer ts.Close()
	me, err := botAt(t, ts.URL+"/telegram", srv.Token()).GetMe(testContext(t))
	if err != nil || me.ID != srv.Bot().ID || srv.URL() != "" {
		t.Fatalf("GetMe under a prefix = %+v, %v (URL %q)", me, err, srv.URL())
	}
}

// TestServer_AnswerSaysWhenTheBotWasHanded: an edit answering a press
// reports when getUpdates first handed the bot the press, not when it was
// queued, and a later poll handing it again changes nothing.
func TestServer_AnswerSaysWhenTheBotWasHanded(t *testing.T) {
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	srv := newServer(t, WithClock(clk.now), WithoutLimits())
	bot := newBot(t, srv)
	ctx := testContext(t)
	srv.AddUser(alice)
	msg := sendText(t, bot, alice.ID, "Pick", keyboard("n:1"))
	events, stop := srv.Subscribe(alice.ID)
	defer stop()

	if _, err := srv.PressButton(alice, msg.MessageID, "n:1"); err != nil {
		t.Fatalf("PressButton: %v", err)
	}
	clk.advance(time.Second) // queued, not yet polled
	handed := clk.now()
	for range 2 { // the second poll hands the same update again
		if ups, err := bot.GetUpdates(ctx, &telego.GetUpdatesParams{}); err != nil || len(ups) != 1 {
			t.Fatalf("GetUpdates = %d updates, %v", len(ups), err)
		}
		clk.advance(time.Second)
	}
	if _, err := bot.EditMessageText(ctx, &telego.EditMessageTextParams{
		ChatID: tu.ID(alice.ID), MessageID: msg.MessageID, Text: "Taken"}); err != nil {
		t.Fatalf("EditMessageText: %v", err)
	}
	for ev := range events {
		if ev.Kind != EventEdited {
			continue
		}
		if !ev.Handed.Equal(handed) || ev.Time.Sub(ev.Handed) != 2*time.Second {
			t.Fatalf("edit at %v says handed at %v, want %v", ev.Time, ev.Handed, handed)
		}
		return
	}
	t.Fatal("no edit event")
}
