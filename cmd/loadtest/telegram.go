package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"allot/actors"
	"allot/adapters/telegram/telegramtest"
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
// bot and the engine, not the limits. With -split the bot and its engine
// run in a process of their own (runTelegramSplit).
func runTelegram(f flags) (map[string]any, error) {
	if f.split {
		return runTelegramSplit(f)
	}
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
	if err := w.side.eng.Drain(ctx); err != nil {
		return nil, err
	}
	tot, cerr := w.side.eng.Check()
	inv := botInvariants(tot, cerr, r)
	w.report(f, numbers, r, tot, inv)
	return botResult(f, numbers, r, inv, setup, w.dropped.Load()), nil
}

// botWorld is the whole bot offline: the fake Bot API, the people, and
// the bot polling the fake on its engine. Under -split the bot side is
// another process's and side is nil.
type botWorld struct {
	srv     *telegramtest.Server
	side    *botSide
	people  []*botUser
	unsub   func()
	dropped atomic.Int64 // answers a person's full queue could not take
}

// newBotWorld starts the fake Bot API and its people; no bot polls it yet.
func newBotWorld(users int, seed int64) *botWorld {
	w := &botWorld{}
	labelled(sideFake, func() { w.srv = telegramtest.New(telegramtest.WithoutLimits()) })
	w.addPeople(users, seed)
	return w
}

// openBotWorld is newBotWorld with the bot in this process, on an engine
// in dir.
func openBotWorld(dir string, fsync persistence.FsyncMode, users int, seed int64) (*botWorld, error) {
	w := newBotWorld(users, seed)
	side, err := openBotSide(dir, fsync, w.srv.URL(), w.srv.Token())
	if err != nil {
		w.close()
		return nil, err
	}
	w.side = side
	return w, nil
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
	if w.side != nil {
		w.side.stopPolling()
	}
	w.unsub()
	w.srv.Close()
	if w.side != nil {
		w.side.close()
	}
}

// setup stocks the engine (botSide.stock) and has everyone send /start
// once. It tolerates a data dir from an earlier run.
func (w *botWorld) setup(ctx context.Context, numbers int) error {
	if err := w.side.stock(ctx, numbers, len(w.people)); err != nil {
		return err
	}
	return w.greet()
}

// greet has everyone send /start once, so that each has the menu to press
// on; the answers are not counted in the run's figures.
func (w *botWorld) greet() error {
	return parallel(len(w.people), func(i int) error {
		p := w.people[i]
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
	fmt.Printf("  in the bot, from getUpdates to the answer: p50 %.2f ms, p99 %.2f ms, max %.1f ms (the rest waited for a poll)\n",
		r.inBot.quantile(0.5), r.inBot.quantile(0.99), float64(r.inBot.max)/1e6)
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
		"in_bot_p50_ms": round(r.inBot.quantile(0.5)), "in_bot_p99_ms": round(r.inBot.quantile(0.99)),
		"timeouts": r.timeouts, "went_wrong": r.wentWrong, "rented": r.rented, "rent_refused": r.rentRefused,
		"renewed": r.renewed, "renew_refused": r.renewRefused, "dropped_answers": dropped,
		"invariants_ok": inv == nil, "limits_raised": true, "setup_s": round(setup.Seconds()), "seconds": round(secs),
	}
}
