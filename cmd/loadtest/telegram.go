package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mymmrac/telego"

	"allot/actors"
	"allot/adapters/telegram"
	"allot/adapters/telegram/telegramtest"
	"allot/domain"
	"allot/persistence"
)

const (
	botMaxNumbers = 5000            // -numbers is capped: people page through the catalogue by hand
	botReplyWait  = 5 * time.Second // an update not answered within this is an error
	botBalance    = 100_000         // TON each person starts with: enough never to run out
	botMaxHops    = 30              // catalogue pages a person turns at most looking for a free number
)

// The English labels (texts/en.json) of the buttons people look for.
const (
	lblNumbers = "📱 Numbers"
	lblMine    = "🗂 My rentals"
	lblWallet  = "💰 Wallet"
	lblMenu    = "« Menu"
	lblNext    = "Next ›"
	lblPrev    = "‹ Prev"
	lblRent30  = "Rent for 30 days"
	lblBalance = "💰 From balance"
	lblRenew   = "🔁 Renew"
	sufFree    = "· free"
)

// runTelegram is -mode telegram: simulated people use the real bot through
// the fake Bot API, pressing the buttons it sent them, on a real engine.
// Each waits for the bot's answer before the next update, as a person
// would, and the time from update to answer is the latency. Telegram's
// flood limits and the bot's own limits are raised: this measures the
// bot and the engine, not the limits.
func runTelegram(f flags) (map[string]any, error) {
	fsync, err := persistence.ParseFsyncMode(f.fsync)
	if err != nil {
		return nil, err
	}
	dir, cleanup, err := dataDir(f, "telegram")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	w, err := openBotWorld(dir, fsync, f.users, f.seed)
	if err != nil {
		return nil, err
	}
	defer w.close()
	ctx := context.Background()
	numbers := min(f.numbers, botMaxNumbers)
	t0 := time.Now()
	if err := w.setup(ctx, numbers); err != nil {
		return nil, err
	}
	setup := time.Since(t0)
	r := w.drive(f.duration)
	if err := w.eng.Drain(ctx); err != nil {
		return nil, err
	}
	tot, cerr := w.eng.Check()
	inv := botInvariants(tot, cerr, r)
	w.report(f, numbers, r, tot, inv)
	return botResult(f, numbers, r, inv, setup, w.dropped.Load()), nil
}

// botWorld is the whole bot offline: the engine, the fake Bot API, the bot
// polling it, and the people.
type botWorld struct {
	eng     *actors.Engine
	srv     *telegramtest.Server
	bot     *telegram.Bot
	client  *http.Client // the bot's
	people  []*botUser
	stopBot context.CancelFunc
	botDone chan struct{}
	unsub   func()
	dropped atomic.Int64 // answers a person's full queue could not take
}

func openBotWorld(dir string, fsync persistence.FsyncMode, users int, seed int64) (*botWorld, error) {
	var bot atomic.Pointer[telegram.Bot]
	eng, err := actors.Open(actors.Options{Dir: dir, Fsync: fsync, Notify: func(n actors.Notice) {
		if b := bot.Load(); b != nil {
			b.Notify(n)
		}
	}})
	if err != nil {
		return nil, err
	}
	w := &botWorld{eng: eng, botDone: make(chan struct{})}
	labelled(sideFake, func() { w.srv = telegramtest.New(telegramtest.WithoutLimits()) })
	if err := w.startBot(); err != nil {
		w.srv.Close()
		_ = eng.Close(context.Background())
		return nil, err
	}
	bot.Store(w.bot)
	w.addPeople(users, seed)
	return w, nil
}

// startBot builds the bot with every limit raised and starts it polling.
// Its HTTP client is cmd/allot's (telegram.HTTPClient), so the figures are
// production's.
func (w *botWorld) startBot() error {
	w.client = telegram.HTTPClient()
	api, err := telego.NewBot(w.srv.Token(), telego.WithAPIServer(w.srv.URL()),
		telego.WithHTTPClient(w.client), telego.WithDiscardLogger())
	if err != nil {
		return err
	}
	w.bot, err = telegram.New(w.eng, api, telegram.Config{
		Limits: telegram.LimitOptions{MessagesPerMin: 1e6, MessageBurst: 1e5, OperationsPerMin: 1e6,
			OperationBurst: 1e5, PaymentsPerMin: 1e6, PaymentBurst: 1e5,
			GlobalPerSec: 1e6, GlobalBurst: 1e6}, // the default 1000 updates/s overall would drop updates
		Outbox: telegram.OutboxOptions{Global: 1e6, GlobalBurst: 1e6, PerChat: 1e6, ChatBurst: 1e6},
	}, nil)
	if err != nil {
		return err
	}
	ctx, stop := context.WithCancel(context.Background())
	w.stopBot = stop
	labelled(sideBot, func() {
		go func() {
			defer close(w.botDone)
			_ = w.bot.Run(ctx)
		}()
	})
	return nil
}

// The pprof label "side" on every goroutine of the run, so that a CPU
// profile splits the bot's share from the fake's: goroutines inherit the
// labels of the one that starts them, so the fake's HTTP server labels its
// connections, and the bot its sessions, its HTTP client and the engine
// actors its messages wake. `go tool pprof -tags` prints the split.
const (
	sideFake   = "fake"   // the fake Bot API: its HTTP server and event feed
	sideBot    = "bot"    // the bot and the engine work it causes
	sidePeople = "people" // the simulated people and their dispatcher
)

// labelled runs fn with the label side, for the goroutines it starts.
func labelled(side string, fn func()) {
	pprof.Do(context.Background(), pprof.Labels("side", side), func(context.Context) { fn() })
}

// addPeople creates the people and routes the bot's messages to them: one
// subscription to every chat, as a per-chat one each would make the fake
// walk all subscribers on every event.
func (w *botWorld) addPeople(n int, seed int64) {
	for i := range n {
		id := userID(i + 1)
		w.people = append(w.people, &botUser{w: w,
			u:       telegramtest.User{ID: int64(id), FirstName: fmt.Sprintf("P%d", i+1), LanguageCode: "en"},
			replies: make(chan telegramtest.Event, 64), r: rand.New(rand.NewPCG(uint64(seed), uint64(i))),
			timer: time.NewTimer(time.Hour)})
	}
	labelled(sideFake, func() {
		var events <-chan telegramtest.Event
		events, w.unsub = w.srv.Subscribe(0)
		labelled(sidePeople, func() { go w.dispatch(events) })
	})
}

// dispatch hands each message the bot sent or edited to its chat's person.
func (w *botWorld) dispatch(events <-chan telegramtest.Event) {
	for ev := range events {
		if ev.Kind != telegramtest.EventSent && ev.Kind != telegramtest.EventEdited {
			continue
		}
		i := int(ev.ChatID - int64(userID(1)))
		if i < 0 || i >= len(w.people) {
			continue
		}
		select {
		case w.people[i].replies <- ev:
		default:
			w.dropped.Add(1)
		}
	}
}

// close stops the bot first: its cancelled long poll ends at once. Its
// idle connections are closed before the fake, whose HTTP server would
// otherwise wait for one dialed but never used to time out.
func (w *botWorld) close() {
	w.stopBot()
	<-w.botDone
	w.client.CloseIdleConnections()
	w.unsub()
	w.srv.Close()
	_ = w.eng.Close(context.Background())
}

// setup adds the numbers, gives everyone a balance, and has everyone send
// /start once. It tolerates a data dir from an earlier run.
func (w *botWorld) setup(ctx context.Context, numbers int) error {
	err := parallel(numbers, func(i int) error {
		if _, err := w.eng.AddNumber(ctx, 0, numberID(i+1)); err != nil && !errors.Is(err, domain.ErrNumberExists) {
			return fmt.Errorf("add number: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return parallel(len(w.people), func(i int) error {
		p := w.people[i]
		_, err := w.eng.Deposit(ctx, domain.Payment{Tx: domain.TxID{Account: "telegram-setup", LT: uint64(i + 1), Hash: "start"},
			Amount: domain.TON(botBalance), User: domain.UserID(p.u.ID), At: time.Now()})
		if err != nil && !errors.Is(err, domain.ErrDuplicateTx) {
			return fmt.Errorf("starting balance: %w", err)
		}
		if !p.start() {
			return fmt.Errorf("%s got no menu for /start: %s", p.u.FirstName, p.tally.firstErr)
		}
		p.tally = botTally{}
		return nil
	})
}

// drive lets every person loop over flows until the duration is over.
func (w *botWorld) drive(d time.Duration) botTally {
	var stop atomic.Bool
	var mu sync.Mutex
	var total botTally
	var wg sync.WaitGroup
	start := time.Now()
	labelled(sidePeople, func() {
		for _, p := range w.people {
			wg.Add(1)
			p.stop = &stop
			go func() {
				defer wg.Done()
				for !stop.Load() {
					p.flow()
				}
				mu.Lock()
				total.merge(&p.tally)
				mu.Unlock()
			}()
		}
	})
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	total.elapsed = time.Since(start)
	return total
}

// botInvariants adds to the engine's checks that money is conserved and
// that every rental the bot confirmed to someone is there.
func botInvariants(t actors.Totals, checkErr error, r botTally) error {
	switch {
	case checkErr != nil:
		return checkErr
	case t.Processing != 0:
		return fmt.Errorf("%d purchases still processing after drain", t.Processing)
	case t.Balances+t.Purchased-t.Refunded != t.Recharged:
		return fmt.Errorf("balances %s + purchased %s - refunded %s != recharged %s", t.Balances, t.Purchased, t.Refunded, t.Recharged)
	case t.RentalPaid != t.Purchased:
		return fmt.Errorf("rentals paid %s != purchases %s", t.RentalPaid, t.Purchased)
	case int64(t.Rented) < r.rented:
		return fmt.Errorf("the bot confirmed %d rentals, the engine holds %d", r.rented, t.Rented)
	}
	return nil
}

func (w *botWorld) report(f flags, numbers int, r botTally, tot actors.Totals, inv error) {
	secs := r.elapsed.Seconds()
	fmt.Printf("telegram: %d people, %d numbers, fsync=%s, %.1fs: the real bot (telego, long polling) on the fake Bot API\n",
		f.users, numbers, f.fsync, secs)
	fmt.Println("  LIMITS RAISED for the fake: its flood control is off, and the bot's outbox and per-person and global limits are at 1e6")
	fmt.Printf("  updates answered %d (%.0f/s), p50 %.2f ms, p99 %.2f ms, max %.1f ms\n", r.updates, float64(r.updates)/secs,
		r.h.quantile(0.5), r.h.quantile(0.99), float64(r.h.max)/1e6)
	fmt.Printf("  errors %d (%d unanswered within %s, %d apologies)\n", r.errors(), r.timeouts, botReplyWait, r.wentWrong)
	fmt.Printf("  rent: %d ok, %d refused; renew: %d ok, %d refused\n", r.rented, r.rentRefused, r.renewed, r.renewRefused)
	st := w.srv.Stats()
	fmt.Printf("  fake Bot API: getUpdates %d, answerCallbackQuery %d, editMessageText %d, sendMessage %d\n",
		st.Calls["getUpdates"], st.Calls["answerCallbackQuery"], st.Calls["editMessageText"], st.Calls["sendMessage"])
	fmt.Printf("  rented %d of %d numbers; balances %s; purchased %s\n", tot.Rented, tot.Numbers, tot.Balances, tot.Purchased)
	if inv != nil {
		fmt.Printf("  INVARIANTS: %v\n", inv)
	} else {
		fmt.Println("  invariants: ok (engine checks, money conserved, every confirmed rental held)")
	}
	if r.firstErr != "" {
		fmt.Printf("  first error: %s\n", r.firstErr)
	}
}

func botResult(f flags, numbers int, r botTally, inv error, setup time.Duration, dropped int64) map[string]any {
	secs := r.elapsed.Seconds()
	return map[string]any{
		"mode": "telegram", "users": f.users, "numbers": numbers, "fsync": f.fsync, "updates": r.updates,
		"ops_per_sec": round(float64(r.updates) / secs), "p50_ms": round(r.h.quantile(0.5)),
		"p99_ms": round(r.h.quantile(0.99)), "max_ms": round(float64(r.h.max) / 1e6), "errors": r.errors(),
		"timeouts": r.timeouts, "went_wrong": r.wentWrong, "rented": r.rented, "rent_refused": r.rentRefused,
		"renewed": r.renewed, "renew_refused": r.renewRefused, "dropped_answers": dropped,
		"invariants_ok": inv == nil, "limits_raised": true, "setup_s": round(setup.Seconds()), "seconds": round(secs),
	}
}
