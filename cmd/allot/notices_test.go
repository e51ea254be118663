package main

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"allot/actors"
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
	ended := func(tg *telegramtest.Server) int {
		k := 0
		for _, m := range tg.Messages(worker.ID) {
			if strings.Contains(m.Text, num) && strings.Contains(m.Text, "has ended") {
				k++
			}
		}
		return k
	}
	for start := 1; start <= 2; start++ {
		tg := telegramtest.New(telegramtest.WithoutLimits())
		tg.AddUser(worker) // she met the bot before
		stop := serveFor(t, dir, tg)
		j := &journey{t: t, tg: tg}
		if start == 1 {
			j.wait(worker, "the expiry notice", func(m telegramtest.Message) bool {
				return strings.Contains(m.Text, num) && strings.Contains(m.Text, "has ended")
			})
		}
		// Notices raised as the engine opens are queued before any update,
		// so once /start is answered every one of them has been sent.
		before := j.last(worker)
		tg.Command(worker, "start", "")
		j.see(worker, -before, "Hello")
		if k := ended(tg); k != 2-start {
			t.Errorf("start %d: told of the end %d times, want %d", start, k, 2-start)
		}
		stop()
		tg.Close()
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
	cfg, err := loadConfig(envOf(map[string]string{"DATA_DIR": dir, "HTTP_ADDR": freeAddr(t), "FSYNC": "os",
		"BOT_TOKEN": tg.Token(), "TELEGRAM_API_URL": tg.URL(), "OWNER_ID": "42"}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := serve(ctx, cfg, slog.New(slog.DiscardHandler)); err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	return func() { cancel(); wg.Wait() }
}
