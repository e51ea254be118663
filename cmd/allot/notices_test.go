package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"allot/actors"
	"allot/adapters/telegram"
	"allot/adapters/telegram/telegramtest"
	"allot/domain"
	"allot/persistence"
)

// TestServe_NoticesOfTheDowntimeAreTold: Alice's rental ended while allot
// was down. The engine finds the expiry as it opens, before the bot
// exists; she is told once it does, and a second start does not tell her
// again.
func TestServe_NoticesOfTheDowntimeAreTold(t *testing.T) {
	const num = "+88800000055"
	dir := t.TempDir()
	rentInThePast(t, dir, num)
	for start := 1; start <= 2; start++ {
		if k := startTold(t, dir, num, nil, 2-start); k != 2-start {
			t.Errorf("start %d: told of the end %d times, want %d", start, k, 2-start)
		}
	}
}

// TestServe_NoticeOfAKilledBotIsToldAfterTheRestart: the expiry of Alice's
// rental is durable, but the bot never got it to Telegram — killed first,
// or Telegram failing every message for the whole run. The next start
// tells her once, and the one after it no more.
func TestServe_NoticeOfAKilledBotIsToldAfterTheRestart(t *testing.T) {
	t.Run("killed before the send", func(t *testing.T) {
		const num = "+88800000056"
		dir := t.TempDir()
		rentInThePast(t, dir, num)
		expireUntold(t, dir, num)
		for start := 2; start <= 3; start++ {
			if k := startTold(t, dir, num, nil, 3-start); k != 3-start {
				t.Errorf("start %d: told of the end %d times, want %d", start, k, 3-start)
			}
		}
	})
	t.Run("Telegram failing the whole run", func(t *testing.T) {
		const num = "+88800000057"
		dir := t.TempDir()
		rentInThePast(t, dir, num)
		failing := func(tg *telegramtest.Server) {
			tg.FailNext("sendMessage", 1<<20, http.StatusBadGateway, 0)
		}
		if k := startTold(t, dir, num, failing, 0); k != 0 {
			t.Fatalf("start 1: told %d times through a failing Telegram", k)
		}
		for start := 2; start <= 3; start++ {
			if k := startTold(t, dir, num, nil, 3-start); k != 3-start {
				t.Errorf("start %d: told of the end %d times, want %d", start, k, 3-start)
			}
		}
	})
}

// startTold runs allot once on dir, Alice having met the bot before, and
// returns how often it told her that num's rental ended. fault, when not
// nil, breaks the fake Bot API first: then the start waits for a message
// to have failed, as nothing gets through to wait for.
func startTold(t *testing.T, dir, num string, fault func(*telegramtest.Server), want int) int {
	t.Helper()
	tg := telegramtest.New(telegramtest.WithoutLimits())
	defer tg.Close()
	tg.AddUser(worker)
	if fault != nil {
		fault(tg)
	}
	stop := serveFor(t, dir, tg)
	defer stop()
	j := &journey{t: t, tg: tg}
	if fault != nil {
		j.until("a failed message", func() bool { return tg.Stats().Errors[http.StatusBadGateway] > 0 })
		return ended(tg, num)
	}
	// Notices owed from before the stop are queued before any update, so
	// once /start is answered every one of them has been sent. A rental
	// that fell due while allot was down is ended by the scheduler just
	// after the open, so its notice may come after that answer: wait for
	// the notices wanted, then count.
	before := j.last(worker)
	tg.Command(worker, "start", "")
	j.see(worker, -before, "Hello")
	j.until(fmt.Sprintf("%d notices of the end", want), func() bool { return ended(tg, num) >= want })
	return ended(tg, num)
}

// ended counts the messages that told Alice num's rental ended.
func ended(tg *telegramtest.Server, num string) int {
	k := 0
	for _, m := range tg.Messages(worker.ID) {
		if strings.Contains(m.Text, num) && strings.Contains(m.Text, "has ended") {
			k++
		}
	}
	return k
}

// expireUntold opens dir without anyone to tell (as a bot killed before
// it sent anything), lets num's rental expire, and closes: the expiry is
// durable and nobody heard of it.
func expireUntold(t *testing.T, dir, num string) {
	t.Helper()
	eng, err := actors.Open(actors.Options{Dir: dir, Fsync: persistence.FsyncOS, ManualClock: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	eng.Advance()
	if err := eng.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := eng.Number(ctx, num)
	if err != nil || n.Rental == nil || !n.Rental.Expired || len(n.Notices) != 1 {
		t.Fatalf("after the tick: %+v, %v; want the rental expired and its notice owed", n, err)
	}
	if err := eng.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// rentInThePast has Alice rent num in dir for the shortest period, on a
// clock set back so far that the rental has ended by now.
func rentInThePast(t *testing.T, dir, num string) {
	t.Helper()
	days := domain.DefaultPolicy().Prices[0].Days // the engine's default prices
	past := time.Now().Add(-time.Duration(days+2) * 24 * time.Hour)
	eng, err := actors.Open(actors.Options{Dir: dir, Fsync: persistence.FsyncOS, ManualClock: true,
		Clock: func() time.Time { return past }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	alice := domain.UserID(worker.ID)
	if _, err := eng.AddNumber(ctx, domain.UserID(owner.ID), num); err != nil {
		t.Fatal(err)
	}
	if err := eng.SeeUser(ctx, domain.User{ID: alice, Name: "Alice", Username: "alice", Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.AdjustBalance(ctx, "seed", domain.UserID(owner.ID), alice, domain.TON(1000), "seed"); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.RentFromBalance(ctx, "rent", alice, num, days); err != nil {
		t.Fatal(err)
	}
	if err := eng.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// serveFor runs `allot run` on dir with the bot on tg until stop.
func serveFor(t *testing.T, dir string, tg *telegramtest.Server) (stop func()) {
	t.Helper()
	_, stop = serveOn(t, dir, tg)
	return stop
}

// TestBotSlot_AlertsBeforeTheBotWait: an alert raised before the bot
// exists (a payment history gap found on the first poll) is told once the
// bot is stored, after the notices raised before it, in order.
func TestBotSlot_AlertsBeforeTheBotWait(t *testing.T) {
	var s botSlot
	var told []string
	for i := range 3 {
		s.tell(func(*telegram.Bot) { told = append(told, fmt.Sprint("early ", i)) })
	}
	if len(told) != 0 {
		t.Fatalf("told %v before there was a bot", told)
	}
	s.Store(&telegram.Bot{})
	s.tell(func(*telegram.Bot) { told = append(told, "late") })
	if want := []string{"early 0", "early 1", "early 2", "late"}; !slices.Equal(told, want) {
		t.Errorf("told %v, want %v", told, want)
	}
	var full botSlot
	for range maxWaiting + 5 {
		full.tell(func(*telegram.Bot) {})
	}
	if len(full.waiting) != maxWaiting {
		t.Errorf("%d wait for a bot that never comes, want at most %d", len(full.waiting), maxWaiting)
	}
}
