package telegram

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mymmrac/telego"
	"github.com/xssnick/tonutils-go/address"

	"allot/actors"
	"allot/adapters/telegram/telegramtest"
	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
	"allot/domain"
	"allot/persistence"
)

// world is the whole bot offline: the engine on a temporary directory with
// a clock moved by hand, the fake Bot API, the fake chain and its watcher.
type world struct {
	t     *testing.T
	srv   *telegramtest.Server
	eng   *actors.Engine
	bot   *Bot
	chain *tontest.Chain
	// jettons is our USDT jetton wallet on the fake chain: the only source
	// of genuine USDT notifications.
	jettons *address.Address
	watch   *actors.Watcher
	clock   *testClock
	dir     string
	stop    context.CancelFunc
	done    chan struct{}
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

const owner domain.UserID = 42

var (
	alice = telegramtest.User{ID: 1001, FirstName: "Alice", Username: "alice", LanguageCode: "en"}
	bob   = telegramtest.User{ID: 1002, FirstName: "Bob", Username: "bob", LanguageCode: "ru"}
	admin = telegramtest.User{ID: int64(owner), FirstName: "Olga", Username: "olga", LanguageCode: "en"}
)

// newWorld starts it all; journeys click faster than people, so the
// per-person limits are raised unless limits says otherwise.
func newWorld(t *testing.T, srv *telegramtest.Server, dir string, clock *testClock, limits ...LimitOptions) *world {
	t.Helper()
	return newWorldWith(t, srv, dir, clock, nil, limits...)
}

// newWorldWith is newWorld with the engine's options and the bot's config
// changed by mod before they are used (distribution gives both its kinds).
func newWorldWith(t *testing.T, srv *telegramtest.Server, dir string, clock *testClock,
	mod func(*actors.Options, *Config), limits ...LimitOptions) *world {
	t.Helper()
	return newWorldLogged(t, srv, dir, clock, mod, nil, limits...)
}

// newWorldLogged is newWorldWith whose bot logs to log (nil: nowhere),
// given before the bot runs: its loops read the logger from the start.
func newWorldLogged(t *testing.T, srv *telegramtest.Server, dir string, clock *testClock,
	mod func(*actors.Options, *Config), log *slog.Logger, limits ...LimitOptions) *world {
	t.Helper()
	w := &world{t: t, srv: srv, clock: clock, dir: dir}
	var bot *Bot
	var botMu sync.Mutex
	opts := actors.Options{Dir: dir, Fsync: persistence.FsyncOS, Clock: clock.Now, ManualClock: true,
		Notify: func(n actors.Notice) {
			botMu.Lock()
			b := bot
			botMu.Unlock()
			if b != nil {
				b.Notify(n)
			}
		}}
	wallet := tontest.Address("allot-test-wallet")
	lim := LimitOptions{MessagesPerMin: 6000, MessageBurst: 1000, OperationsPerMin: 6000, OperationBurst: 1000,
		PaymentsPerMin: 6000, PaymentBurst: 1000}
	if len(limits) > 0 {
		lim = limits[0]
	}
	cfg := Config{Owner: owner, PayLinks: ton.PayLinks{Wallet: wallet, USDTMaster: usdtMaster}, PollTimeout: 1, Limits: lim,
		Outbox: OutboxOptions{Global: 1000, GlobalBurst: 1000, PerChat: 1000, ChatBurst: 1000}}
	if mod != nil {
		mod(&opts, &cfg)
	}
	eng, err := actors.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	w.eng = eng
	api, err := NewAPI(srv.Token(), srv.URL(), &http.Client{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(eng, api, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	botMu.Lock()
	bot = b
	botMu.Unlock()
	w.bot = b
	w.chain = tontest.New(wallet)
	w.chain.Outgoing(tontest.Address("deploy"), 1, clock.Now())
	w.jettons = tontest.JettonWalletOf(usdtMaster, wallet) // what the master's get_wallet_address answers
	src := ton.NewSource(w.chain, wallet, ton.WithUSDT(ton.JettonAccount{Owner: wallet, Wallet: w.jettons}))
	w.watch, err = eng.Watch(actors.WatchOptions{Wallet: ton.Raw(wallet), Source: src,
		Start: w.chain.Head(), Interval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	w.stop, w.done = stop, make(chan struct{})
	go func() {
		defer close(w.done)
		if err := b.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	t.Cleanup(w.close)
	return w
}

// close stops the world, after holding the engine to its invariants: every
// test that drives the bot ends with money and time proved (actors.Check).
func (w *world) close() {
	if w.stop == nil {
		return
	}
	w.stop()
	<-w.done
	w.bot.Close()
	w.watch.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := w.eng.Drain(ctx); err != nil {
		w.t.Errorf("drain: %v", err)
	} else if _, err := w.eng.Check(); err != nil {
		w.t.Errorf("invariants after the test: %v", err)
	}
	_ = w.eng.Close(context.Background())
	w.stop = nil
}

// see waits for the bot to show u a message containing all of parts.
func (w *world) see(u telegramtest.User, parts ...string) telegramtest.Message {
	w.t.Helper()
	return w.seeOn(u, 0, parts...)
}

// seeOn waits for message id to contain all of parts: a menu the bot
// edits in place. 0 means any message; -n any message newer than n.
func (w *world) seeOn(u telegramtest.User, id int, parts ...string) telegramtest.Message {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := w.srv.WaitFor(ctx, u.ID, func(m telegramtest.Message) bool {
		if id > 0 && m.ID != id || id < 0 && m.ID <= -id {
			return false
		}
		for _, p := range parts {
			if !strings.Contains(m.Text, p) {
				return false
			}
		}
		return true
	})
	if err != nil {
		var texts []string
		for _, m := range w.srv.Messages(u.ID) {
			texts = append(texts, m.Text)
		}
		w.t.Fatalf("%s never saw %q; the chat holds:\n%s", u.Username, parts, strings.Join(texts, "\n---\n"))
	}
	return m
}

// press presses the button labelled label (or starting with it) on m.
func (w *world) press(u telegramtest.User, m telegramtest.Message, label string) {
	w.t.Helper()
	for _, b := range m.Buttons() {
		if strings.HasPrefix(b.Text, label) {
			if _, err := w.srv.PressButton(u, m.ID, b.CallbackData); err != nil {
				w.t.Fatalf("pressing %q: %v", label, err)
			}
			return
		}
	}
	var labels []string
	for _, b := range m.Buttons() {
		labels = append(labels, b.Text)
	}
	w.t.Fatalf("no button %q on %q; buttons: %q", label, m.Text, labels)
}

func TestJourneyRentPayRenewTransferRemindExpire(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	clock := &testClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	w := newWorld(t, srv, t.TempDir(), clock)

	// The admin adds a number and prices it.
	w.admin("add_number", "+888 0000 0001")
	w.admin("price", "+88800000001 30 2.5")
	srv.Command(alice, "add_number", "+88800000002")
	w.see(alice, "admins only")

	// Alice opens the catalogue, picks the number and a period.
	srv.Command(alice, "start", "")
	menu := w.see(alice, "Hello, Alice")
	w.press(alice, menu, "📱 Numbers")
	cat := w.seeOn(alice, menu.ID, "Numbers — page 1 of 1")
	w.press(alice, cat, "+88800000001")
	card := w.seeOn(alice, menu.ID, "+88800000001", "2.5 TON")
	w.press(alice, card, "Rent for 30 days")
	pay := w.seeOn(alice, menu.ID, "goes back to the operator", "2.5 TON")
	w.press(alice, pay, "💎 In TON")
	inv := w.see(alice, "Send exactly", "2.5 TON")
	if inv.Photo == nil || len(inv.Photo.Data) == 0 {
		t.Fatal("the invoice came without its QR code")
	}
	code := between(inv.Text, "comment ", "\n")
	if domain.NormalizeCode(code) == "" {
		t.Fatalf("no invoice code in %q", inv.Text)
	}

	// She pays on chain; the watcher sees it and the bot tells her.
	w.chain.Pay(tontest.Address("alice-wallet"), domain.TON(2)+domain.TON(1)/2, code, clock.Now())
	w.watch.Poke()
	w.see(alice, "Payment received", "+88800000001")

	// A balance for the renewal: the admin adjusts it.
	w.admin("adjust", "@alice 10 welcome bonus")
	last := lastID(srv, alice)
	srv.Command(alice, "start", "")
	menu = w.seeOn(alice, -last, "Hello, Alice")
	w.press(alice, menu, "🗂 My rentals")
	mine := w.seeOn(alice, menu.ID, "My rentals")
	w.press(alice, mine, "+88800000001")
	rental := w.seeOn(alice, menu.ID, "Rented until")
	w.press(alice, rental, "🔁 Renew")
	renew := w.seeOn(alice, rental.ID, "Renew", "now until")
	w.press(alice, renew, "Rent for 30 days")
	pay = w.seeOn(alice, rental.ID, "goes back to the operator")
	w.press(alice, pay, "💰 From balance")
	w.seeOn(alice, rental.ID, "renewed until 2026-12-31")

	// She hands it to Bob, who must have started the bot.
	srv.Command(bob, "start", "")
	w.see(bob, "Здравствуйте, Bob")
	w.press(alice, w.seeOn(alice, rental.ID, "renewed until"), "🗂 My rentals")
	w.press(alice, w.seeOn(alice, rental.ID, "My rentals"), "+88800000001")
	w.press(alice, w.seeOn(alice, rental.ID, "Rented until"), "🎁 Transfer")
	w.seeOn(alice, rental.ID, "@username")
	srv.SendText(alice, "@Bob")
	w.see(alice, "offer of", "is sent")
	offer := w.see(bob, "предлагает вам аренду", "+88800000001")
	w.press(bob, offer, "✅ Принять")
	w.see(bob, "ваш до 2026-12-31")

	// Reminders before the end, then the end.
	n, err := w.eng.Number(context.Background(), "+88800000001")
	if err != nil || n.Rental == nil || n.Rental.Renter != domain.UserID(bob.ID) {
		t.Fatalf("after the transfer: %+v, %v", n, err)
	}
	clock.Set(n.Rental.Until.Add(-71 * time.Hour))
	w.eng.Advance()
	w.see(bob, "вернётся оператору")
	clock.Set(n.Rental.Until.Add(time.Minute))
	w.eng.Advance()
	w.see(bob, "Аренда", "закончилась")

	// A stale or forged button is answered politely: a fresh menu.
	before := lastID(srv, alice)
	w.forge(alice, "0:menu")
	w.seeOn(alice, -before, "Hello, Alice")

	if err := w.eng.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := w.eng.Check(); err != nil {
		t.Fatalf("invariants: %v", err)
	}
}

// forge delivers a button press the way an old or tampered client could:
// any data, on no message the bot knows.
func (w *world) forge(u telegramtest.User, data string) {
	w.srv.PushUpdate(telego.Update{CallbackQuery: &telego.CallbackQuery{ID: "forged-" + data,
		From: telego.User{ID: u.ID, FirstName: u.FirstName, Username: u.Username, LanguageCode: u.LanguageCode},
		Data: data, ChatInstance: "1"}})
}

// admin runs an admin command and waits for its own "Done".
func (w *world) admin(cmd, args string) {
	w.t.Helper()
	before := lastID(w.srv, admin)
	w.srv.Command(admin, cmd, args)
	w.seeOn(admin, -before, "Done")
}

// lastID is the id of the newest message in u's chat.
func lastID(srv *telegramtest.Server, u telegramtest.User) int {
	ms := srv.Messages(u.ID)
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].ID
}

func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return strings.TrimSpace(v)
}

func TestAFloodingPersonIsThrottledAndToldOnceWhileOthersCarryOn(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	clock := &testClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	w := newWorld(t, srv, t.TempDir(), clock, LimitOptions{}) // the defaults: 30 messages a minute
	flood := telegramtest.User{ID: 2001, FirstName: "Mallory", LanguageCode: "en"}
	for i := 0; i < 200; i++ {
		srv.SendText(flood, "spam")
	}
	srv.Command(alice, "start", "")
	w.see(alice, "Hello, Alice")
	w.see(flood, "Too fast")
	if err := w.eng.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the flood's queue run dry
	told := 0
	for _, m := range srv.Messages(flood.ID) {
		if strings.Contains(m.Text, "Too fast") {
			told++
		}
	}
	if told != 1 {
		t.Fatalf("the flooding person was told %d times, want once", told)
	}
	if hits := w.bot.lim.Hits()[ActMessage]; hits == 0 {
		t.Fatal("no rate-limit hit counted")
	}
}

func TestARestartKeepsOffersAndOldButtonsStayHarmless(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	clock := &testClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	dir := t.TempDir()
	w := newWorld(t, srv, dir, clock)
	w.admin("add_number", "+88800000001")
	srv.Command(alice, "start", "")
	w.see(alice, "Hello, Alice")
	w.admin("adjust", "@alice 50 start")
	srv.Command(bob, "start", "")
	w.see(bob, "Здравствуйте")
	m := w.see(alice, "Hello, Alice")
	w.press(alice, m, "📱 Numbers")
	w.press(alice, w.seeOn(alice, m.ID, "Numbers — page"), "+88800000001")
	w.press(alice, w.seeOn(alice, m.ID, "Status: free"), "Rent for 30 days")
	pay := w.seeOn(alice, m.ID, "goes back to the operator")
	w.press(alice, pay, "💰 From balance")
	w.press(alice, w.seeOn(alice, m.ID, "is yours until"), "🗂 My rentals")
	w.press(alice, w.seeOn(alice, m.ID, "My rentals"), "+88800000001")
	w.press(alice, w.seeOn(alice, m.ID, "Rented until"), "🎁 Transfer")
	w.seeOn(alice, m.ID, "@username")
	srv.SendText(alice, "bob")
	offer := w.see(bob, "предлагает вам аренду")

	w.close()
	w = newWorld(t, srv, dir, clock)

	// The offer survived the restart.
	w.press(bob, offer, "✅ Принять")
	w.see(bob, "ваш до")
	// The old "pay from balance" button, pressed again after the restart, is
	// the same operation: it pays nothing twice.
	w.forge(alice, pay.Buttons()[0].CallbackData)
	w.see(alice, "Already paid")
	if err := w.eng.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	wl, _ := w.eng.Wallet(context.Background(), domain.UserID(alice.ID))
	if wl.Balance != domain.TON(40) {
		t.Fatalf("balance %s: want 50 − 10 for one rental", wl.Balance)
	}
	if _, err := w.eng.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestTopUpOnChainThenPayFromTheBalance(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	clock := &testClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	w := newWorld(t, srv, t.TempDir(), clock)
	w.admin("add_number", "+88800000007")
	w.admin("price", "+88800000007 30 1")

	srv.Command(alice, "start", "")
	m := w.see(alice, "Hello, Alice")
	w.press(alice, m, "💰 Wallet")
	w.press(alice, w.seeOn(alice, m.ID, "Balance: 0 TON"), "➕ Top up 1 TON")
	inv := w.see(alice, "Send exactly", "1 TON")
	code := between(inv.Text, "comment ", "\n")
	w.chain.Pay(tontest.Address("alice-wallet"), domain.TON(1), strings.ToLower(code), clock.Now()) // typed in lower case
	w.watch.Poke()
	w.see(alice, "1 TON added to your balance")

	w.press(alice, w.see(alice, "1 TON added"), "« Menu")
	menu := w.see(alice, "Hello, Alice")
	w.press(alice, menu, "📱 Numbers")
	w.press(alice, w.seeOn(alice, menu.ID, "Numbers — page"), "+88800000007")
	w.press(alice, w.seeOn(alice, menu.ID, "Status: free"), "Rent for 30 days")
	w.press(alice, w.seeOn(alice, menu.ID, "goes back to the operator"), "💰 From balance (1 TON)")
	w.seeOn(alice, menu.ID, "is yours until 2026-12-01")
	wl, err := w.eng.Wallet(context.Background(), domain.UserID(alice.ID))
	if err != nil || wl.Balance != 0 || len(wl.Entries) != 2 {
		t.Fatalf("wallet after top-up and rent: %+v, %v", wl, err)
	}
}

func TestWebhookModeAndAPromptShutdown(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	eng, err := actors.Open(actors.Options{Dir: t.TempDir(), Fsync: persistence.FsyncOS})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close(context.Background()) })
	mux := http.NewServeMux()
	hook := httptest.NewServer(mux)
	t.Cleanup(hook.Close)
	api, err := NewAPI(srv.Token(), srv.URL(), &http.Client{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(eng, api, Config{WebhookURL: hook.URL + "/telegram/webhook", WebhookSecret: "s3cret_-",
		WebhookPath: "/telegram/webhook", Mux: mux}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	srv.Command(alice, "start", "")
	ctxW, cancelW := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelW()
	if _, err := srv.WaitFor(ctxW, alice.ID, func(m telegramtest.Message) bool { return strings.Contains(m.Text, "Hello") }); err != nil {
		t.Fatalf("no menu by webhook: %v (stats %+v)", err, srv.Stats())
	}
	// A post without the secret is refused.
	resp, err := http.Post(hook.URL+"/telegram/webhook", "application/json", strings.NewReader(`{"update_id":99}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 400 {
		t.Fatalf("a webhook post without the secret got %d", resp.StatusCode)
	}
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("stopped in %s", time.Since(start))
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

func TestSwitchingLanguageKeepsTheUsername(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	w := newWorld(t, srv, t.TempDir(), &testClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)})
	srv.Command(alice, "start", "")
	m := w.see(alice, "Hello, Alice")
	w.press(alice, m, "🌐 Русский")
	w.seeOn(alice, m.ID, "Здравствуйте, Alice")
	if err := w.eng.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	u, err := w.eng.FindUser(context.Background(), "@alice")
	if err != nil || u.Lang != "ru" {
		t.Fatalf("after /lang: %+v, %v", u, err)
	}
}

// usdtMaster is the real USDT master the test bots name in USDT pay links.
var usdtMaster = address.MustParseAddr(ton.USDTMaster)

// The bot is paid through the TON adapter's pay links.
var _ PayLinks = ton.PayLinks{}
