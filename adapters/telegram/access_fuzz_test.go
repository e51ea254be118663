package telegram

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"allot/actors"
	"allot/adapters/telegram/telegramtest"
	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
	"allot/domain"
	"allot/persistence"
)

// fuzzCustomer is the fuzz's customer; its staff is presserUser, approved.
var fuzzCustomer = telegramtest.User{ID: 2002, FirstName: "Cy", Username: "cy", LanguageCode: "ru"}

// FuzzCallbacks sends any callback data as a stranger, a customer, approved
// staff or the admin (who picks), one press at a time, to one world with
// numbers, stock, proxies, offers and invoices in it. After each press the
// engine's invariants hold and nobody was shown the bot's apology for a
// handler that failed. The seed corpus is every action's valid data.
func FuzzCallbacks(f *testing.F) {
	w, kinds := openFuzzWorld(f)
	x := rigOn(f, w, kinds, byAdmin)
	x.send(f, presserUser, "/start")
	x.makeStaff(f, presserUser, domain.ApprovalApproved)
	x.send(f, fuzzCustomer, "/start")
	for i, action := range callbackActions() {
		for _, c := range accessCases[action](x, f, ownMine) {
			f.Add(uint8(i), c.data)
			f.Add(uint8(actions[action].who)+1, c.data) // as the least person allowed
		}
	}
	for _, data := range []string{"", "1", "1:", ":::", "0:menu", strings.Repeat("9", 65), "\xff\xfe:menu",
		"1:pay:+88800000001:30:b:", "1:dv:vk:495:5:any:n0000000000", "1:fb:vk/495/male#1:blocked",
		"1:fb:vk/999/zz#1:good", "1:rp:ok/495/male#1", "1:dq:ok:495:3", "1:sapv:-1:1", "1:srej:4503599627370497:1",
		"1:sapv:2001:0", "1:sapv:2001"} {
		f.Add(uint8(1), data)
	}
	people := []telegramtest.User{admin, presserUser, fuzzCustomer, otherA, otherB}
	seen := map[int64]int{}
	f.Fuzz(func(t *testing.T, who uint8, data string) {
		u := []telegramtest.User{{}, fuzzCustomer, presserUser, admin}[who%4]
		if who%4 == 0 {
			x.newStranger()
			u = x.me
		}
		x.forged(t, u, data)
		x.check(t)
		for _, p := range append(people, u) {
			for _, m := range x.srv.Messages(p.ID) {
				if m.ID > seen[p.ID] && x.shows([]string{m.Text}, "error") {
					t.Fatalf("%d pressing %q: %d was told %q", u.ID, data, p.ID, m.Text)
				}
				seen[p.ID] = max(seen[p.ID], m.ID)
			}
		}
	})
}

// openFuzzWorld is the world of journey_test.go for a fuzz target, whose
// inputs each have their own T: the bot runs until the fuzz target ends.
func openFuzzWorld(f *testing.F) (*world, domain.KindsConfig) {
	f.Helper()
	srv := telegramtest.New(telegramtest.WithoutLimits())
	f.Cleanup(srv.Close)
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "kinds.json"))
	if err != nil {
		f.Fatal(err)
	}
	kinds, err := domain.ParseKinds(b)
	if err != nil {
		f.Fatal(err)
	}
	clock := &testClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	w := &world{srv: srv, clock: clock, dir: f.TempDir()}
	var bot atomic.Pointer[Bot]
	eng, err := actors.Open(actors.Options{Dir: w.dir, Fsync: persistence.FsyncOS, Clock: clock.Now, ManualClock: true,
		Kinds: kinds, Notify: func(n actors.Notice) {
			if b := bot.Load(); b != nil {
				b.Notify(n)
			}
		}})
	if err != nil {
		f.Fatal(err)
	}
	api, err := NewAPI(srv.Token(), srv.URL(), &http.Client{})
	if err != nil {
		f.Fatal(err)
	}
	bt, err := New(eng, api, Config{Owner: owner, PayLinks: ton.PayLinks{Wallet: tontest.Address("allot-test-wallet"), USDTMaster: usdtMaster}, PollTimeout: 1,
		Limits: LimitOptions{MessagesPerMin: -1, OperationsPerMin: -1, PaymentsPerMin: -1},
		Outbox: OutboxOptions{Global: -1, PerChat: -1}, Kinds: kinds}, nil)
	if err != nil {
		f.Fatal(err)
	}
	bot.Store(bt)
	w.eng, w.bot = eng, bt
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- bt.Run(ctx) }()
	f.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			f.Errorf("Run: %v", err)
		}
		_ = eng.Close(context.Background())
	})
	return w, kinds
}
