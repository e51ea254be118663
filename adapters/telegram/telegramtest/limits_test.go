package telegramtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mymmrac/telego"
	ta "github.com/mymmrac/telego/telegoapi"
	tu "github.com/mymmrac/telego/telegoutil"
)

func TestServer_FloodControl(t *testing.T) {
	t.Run("per chat: a burst of 3, then 1 a second", func(t *testing.T) {
		clk := &clock{t: time.Unix(1_800_000_000, 0)}
		srv := newServer(t, WithClock(clk.now))
		bot := newBot(t, srv)
		srv.AddUser(alice)
		srv.AddUser(boris)
		for i := range 3 {
			sendText(t, bot, alice.ID, fmt.Sprint("burst ", i), nil)
		}
		_, err := bot.SendMessage(testContext(t), &telego.SendMessageParams{ChatID: tu.ID(alice.ID), Text: "one too many"})
		if e := wantAPIError(t, err, 429, "Too Many Requests: retry after 1"); e.Parameters == nil || e.Parameters.RetryAfter != 1 {
			t.Fatalf("429 parameters = %+v, want retry_after 1", e.Parameters)
		}
		sendText(t, bot, boris.ID, "another chat has its own bucket", nil)
		clk.advance(time.Second)
		sendText(t, bot, alice.ID, "after a second", nil)

		st := srv.Stats()
		if st.TooManyRequests != 1 || st.Errors[429] != 1 || st.MaxChatRate != 3 || st.Messages != 5 || st.Calls["sendMessage"] != 6 {
			t.Fatalf("Stats = %+v", st)
		}
	})
	t.Run("overall", func(t *testing.T) {
		clk := &clock{t: time.Unix(1_800_000_000, 0)}
		srv := newServer(t, WithClock(clk.now), WithLimits(Limits{Global: 2, GlobalBurst: 2}))
		bot := newBot(t, srv)
		for _, u := range []User{alice, boris} {
			srv.AddUser(u)
			sendText(t, bot, u.ID, "hi", nil)
		}
		srv.AddUser(User{ID: 7, FirstName: "Third"})
		_, err := bot.SendMessage(testContext(t), &telego.SendMessageParams{ChatID: tu.ID(7), Text: "hi"})
		wantAPIError(t, err, 429, "retry after 1")
		if st := srv.Stats(); st.MaxGlobalRate != 2 {
			t.Fatalf("MaxGlobalRate = %d, want 2", st.MaxGlobalRate)
		}
	})
	t.Run("the rates are per second", func(t *testing.T) {
		clk := &clock{t: time.Unix(1_800_000_000, 0)}
		srv := newServer(t, WithClock(clk.now), WithoutLimits())
		bot := newBot(t, srv)
		srv.AddUser(alice)
		for range 2 {
			for range 4 {
				sendText(t, bot, alice.ID, "x", nil)
			}
			clk.advance(time.Second)
		}
		if st := srv.Stats(); st.MaxChatRate != 4 || st.MaxGlobalRate != 4 || st.Messages != 8 {
			t.Fatalf("Stats = %+v, want 4 a second", st)
		}
	})
	t.Run("telego's RetryCaller honors retry_after", func(t *testing.T) {
		srv := newServer(t, WithoutLimits())
		srv.AddUser(alice)
		srv.FailNext("sendMessage", 1, 429, 1)
		caller := &ta.RetryCaller{
			Caller: ta.HTTPCaller{Client: &http.Client{Transport: closingTransport(t)}}, MaxAttempts: 2,
			ExponentBase: 2, StartDelay: time.Millisecond, MaxDelay: time.Second, RateLimit: ta.RetryRateLimitWait,
		}
		bot, err := telego.NewBot(srv.Token(), telego.WithAPIServer(srv.URL()), telego.WithAPICaller(caller), telego.WithDiscardLogger())
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		sendText(t, bot, alice.ID, "eventually", nil)
		if d := time.Since(start); d < time.Second {
			t.Fatalf("retried after %s, want the 1 s retry_after", d)
		}
	})
}

func closingTransport(t testing.TB) *http.Transport {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

func TestServer_FailNext(t *testing.T) {
	srv := newServer(t, WithoutLimits())
	bot := newBot(t, srv)
	ctx := testContext(t)
	srv.AddUser(alice)

	srv.FailNext("sendMessage", 2, 429, 7)
	for range 2 {
		_, err := bot.SendMessage(ctx, &telego.SendMessageParams{ChatID: tu.ID(alice.ID), Text: "x"})
		if e := wantAPIError(t, err, 429, "retry after 7"); e.Parameters.RetryAfter != 7 {
			t.Fatalf("retry_after = %d, want 7", e.Parameters.RetryAfter)
		}
	}
	sendText(t, bot, alice.ID, "third time lucky", nil)

	// telego's net/http caller does not decode a 5xx body: the error is
	// a plain one, not a *telegoapi.Error.
	srv.FailNext("getme", 1, 502, 0)
	_, err := bot.GetMe(ctx)
	var apiErr *ta.Error
	if err == nil || errors.As(err, &apiErr) || !strings.Contains(err.Error(), "internal server error: 502") {
		t.Fatalf("GetMe after a 502 = %v", err)
	}

	srv.FailNext("", 1, 500, 0)
	status, r := rawCall(t, srv, "getWebhookInfo", "application/json", "")
	if status != 500 || r.Ok || r.ErrorCode != 500 {
		t.Fatalf("any method after FailNext(\"\") = %d %v", status, r)
	}
	if st := srv.Stats(); st.TooManyRequests != 2 || st.Errors[502] != 1 || st.Errors[500] != 1 {
		t.Fatalf("Stats = %+v", st)
	}
}

// TestServer_Concurrent drives both sides at once, for the race detector and
// for lost updates.
func TestServer_Concurrent(t *testing.T) {
	srv := newServer(t, WithoutLimits())
	bot := newBot(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	updates, err := bot.UpdatesViaLongPolling(ctx, &telego.GetUpdatesParams{Timeout: 1},
		telego.WithLongPollingRetryTimeout(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	events, stop := srv.Subscribe(0)
	defer stop()
	go func() {
		for range events {
		}
	}()

	const people, each = 20, 10
	var wg sync.WaitGroup
	for i := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := User{ID: int64(5000 + i), FirstName: "P"}
			for j := range each {
				srv.SendText(u, fmt.Sprint(j))
				_, _ = bot.SendMessage(ctx, &telego.SendMessageParams{ChatID: tu.ID(u.ID), Text: "ok"})
			}
		}()
	}
	next := map[int64]int{} // each person's texts arrive in the order typed
	for range people * each {
		m := receive(t, updates).Message
		if want := fmt.Sprint(next[m.Chat.ID]); m.Text != want {
			t.Fatalf("chat %d: got %q, want %q", m.Chat.ID, m.Text, want)
		}
		next[m.Chat.ID]++
	}
	wg.Wait()
	if st := srv.Stats(); st.Updates != people*each || st.Messages != people*each {
		t.Fatalf("Stats = %+v", st)
	}
	cancel()
	for range updates {
	}
}
