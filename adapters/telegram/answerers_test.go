package telegram

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"allot/adapters/telegram/outbox"
	"allot/adapters/telegram/telegramtest"
)

// Callback queries are answered by kept goroutines: at most maxAnswerers of
// them however many answers are in flight (the rest get a goroutine each),
// reused for later answers rather than started again, and gone once the
// bot is closed.
func TestBot_AnswerersAreKeptReusedAndBounded(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	api := testAPI(t, srv)
	log := slog.New(slog.DiscardHandler)
	ctx, stop := context.WithCancel(context.Background())
	b := &Bot{ctx: ctx, stop: stop, log: log, answerJobs: make(chan answerJob),
		out: outbox.New(api.Bot, api.direct, OutboxOptions{Global: 1e6, GlobalBurst: 1e6, PerChat: 1e6, ChatBurst: 1e6}, log)}
	answered := func() int { return srv.Stats().Calls["answerCallbackQuery"] }
	ask := func(i int) {
		jctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		b.answerBeside(answerJob{ctx: jctx, cancel: cancel, queryID: fmt.Sprint("query-", i)})
	}
	b.wg.Add(1) // the session the answers come from

	const burst = 3 * maxAnswerers
	for i := range burst {
		ask(i)
		if n := b.answerers.Load(); n > maxAnswerers {
			t.Fatalf("%d kept answerers, at most %d", n, maxAnswerers)
		}
	}
	waitUntil(t, func() bool { return answered() == burst })
	kept := b.answerers.Load()
	if kept == 0 {
		t.Fatal("no answerer was kept after the burst")
	}
	for i := range 20 { // one at a time, as one person presses
		ask(burst + i)
		waitUntil(t, func() bool { return answered() == burst+i+1 })
	}
	if n := b.answerers.Load(); n != kept {
		t.Fatalf("%d kept answerers after answers one at a time, want the %d kept before", n, kept)
	}

	b.wg.Done()
	b.Close()
	if n := b.answerers.Load(); n != 0 {
		t.Fatalf("%d answerers still running after Close", n)
	}
}
