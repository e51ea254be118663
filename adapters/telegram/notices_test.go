package telegram

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"allot/actors"
	"allot/adapters/telegram/telegramtest"
	"allot/domain"
)

const noticeNum = "+88800000061"

// expiringWorld is a world where Alice (who met the bot) rents noticeNum
// for 30 days; mod changes the options as newWorldWith's does.
func expiringWorld(t *testing.T, mod func(*actors.Options, *Config)) (*world, *telegramtest.Server) {
	t.Helper()
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	srv.AddUser(alice)
	clock := &testClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	w := newWorldWith(t, srv, t.TempDir(), clock, mod)
	ctx := context.Background()
	a := domain.UserID(alice.ID)
	if _, err := w.eng.AddNumber(ctx, owner, noticeNum); err != nil {
		t.Fatal(err)
	}
	if err := w.eng.SeeUser(ctx, domain.User{ID: a, Name: "Alice", Username: "alice", Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.eng.AdjustBalance(ctx, "seed", owner, a, domain.TON(100), "seed"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.eng.RentFromBalance(ctx, "rent", a, noticeNum, 30); err != nil {
		t.Fatal(err)
	}
	return w, srv
}

// expire moves the clock past the rental's end and lets the number tick.
func (w *world) expire() {
	w.clock.Set(w.clock.Now().Add(31 * 24 * time.Hour))
	w.eng.Advance()
}

// owed is the notices noticeNum owes.
func (w *world) owed() []domain.OwedNotice {
	w.t.Helper()
	n, err := w.eng.Number(context.Background(), noticeNum)
	if err != nil {
		w.t.Fatal(err)
	}
	return n.Notices
}

// endedTold counts the expiry notices Alice got.
func endedTold(srv *telegramtest.Server) int {
	k := 0
	for _, m := range srv.Messages(alice.ID) {
		if strings.Contains(m.Text, noticeNum) && strings.Contains(m.Text, "has ended") {
			k++
		}
	}
	return k
}

// TestBot_NoticeAcknowledgedOnceTold: the expiry told, the number owes it
// no more.
func TestBot_NoticeAcknowledgedOnceTold(t *testing.T) {
	w, _ := expiringWorld(t, nil)
	w.expire()
	w.see(alice, noticeNum, "has ended")
	waitUntil(t, func() bool { return len(w.owed()) == 0 })
}

// TestBot_NoticeToUnreachablePersonAcknowledged: Alice blocked the bot;
// Telegram's 403 will not change by retrying, so the notice is settled.
func TestBot_NoticeToUnreachablePersonAcknowledged(t *testing.T) {
	w, srv := expiringWorld(t, nil)
	srv.SetBlocked(alice, true)
	w.expire()
	waitUntil(t, func() bool { return srv.Stats().Errors[http.StatusForbidden] > 0 })
	waitUntil(t, func() bool { return len(w.owed()) == 0 })
	if k := endedTold(srv); k != 0 {
		t.Errorf("told a person who blocked the bot %d times", k)
	}
}

// TestBot_NoticeFailedStaysOwedAndIsTriedAgain: Telegram fails every try
// of the first send; the notice stays owed (a kill now would tell it at
// the next start), and the bot's own retry tells it once Telegram is back.
func TestBot_NoticeFailedStaysOwedAndIsTriedAgain(t *testing.T) {
	first := noticeRetryFirst
	noticeRetryFirst = time.Second
	t.Cleanup(func() { noticeRetryFirst = first })
	w, srv := expiringWorld(t, func(_ *actors.Options, c *Config) { c.Outbox.MaxRetries = -1 })
	srv.FailNext("sendMessage", 1, http.StatusBadGateway, 0)
	w.expire()
	waitUntil(t, func() bool { return srv.Stats().Errors[http.StatusBadGateway] == 1 })
	if len(w.owed()) != 1 {
		t.Fatalf("after the failed send the number owes %+v, want the expiry", w.owed())
	}
	w.see(alice, noticeNum, "has ended")
	waitUntil(t, func() bool { return len(w.owed()) == 0 })
	if k := endedTold(srv); k != 1 {
		t.Errorf("told %d times, want once", k)
	}
}
