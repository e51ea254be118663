package playground

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/mymmrac/telego"

	"allot/actors"
	"allot/adapters/telegram"
	"allot/adapters/telegram/telegramtest"
	"allot/domain"
)

// Errors of the playground's API.
var (
	ErrBadPerson     = errors.New("playground: bad person")
	ErrUnknownPerson = errors.New("playground: no such person")
	ErrNotYours      = errors.New("playground: the invoice is someone else's")
)

// DefaultOwner is the admin's user id when none is configured (OWNER_ID).
const DefaultOwner domain.UserID = 1000

// SampleNumbers are put in an empty catalogue, so that there is something
// to rent.
var SampleNumbers = []string{"+888 0000 0001", "+888 0000 0007", "+888 0000 0042", "+888 0000 0777",
	"+888 0123 4567", "+888 0888 8888"}

// Options configure a Playground.
type Options struct {
	Engine *actors.Engine
	// Dir holds the playground's own files (people, the fake chain's
	// history); it is created if missing. Keep it beside the engine's data,
	// never in a real bot's data directory.
	Dir string
	// Bot is the bot's configuration: Owner (DefaultOwner when 0) is the
	// admin, Admins and Kinds as for the real bot. The TON wallet is the
	// playground's; webhook settings are ignored (the bot long-polls).
	Bot           telegram.Config
	Logger        *slog.Logger
	WatchInterval time.Duration         // between polls of the fake chain; default 2 s (paying pokes it)
	BotAPI        []telegramtest.Option // options of the fake Bot API, for tests
	// Fragment is the fake fragment.com with its client; give the engine
	// its Client() too, for the hand-overs. When nil, New starts one
	// (the bot's login codes work, the engine's hand-overs are skipped)
	// and Close stops it.
	Fragment *Fragment
}

// Playground is the running composition: the fake Bot API and its chats,
// the real bot talking to it, the fake chain and the real watcher, the
// simulated people, and the page's handlers.
type Playground struct {
	fake     *telegramtest.Server
	bot      *telegram.Bot
	wallet   *wallet
	people   *people
	chats    *transcript
	unsub    func()
	dir      string
	eng      *actors.Engine
	frag     *Fragment
	ownsFrag bool // New started frag, Close stops it
}

// New starts the fake Bot API, the fake chain and its watcher (TON and
// USDT), builds the bot (Run starts it), opens the people, puts
// SampleNumbers in an empty catalogue and the sample prices where a
// currency has none (seedCatalogue), and makes every catalogue number the
// fake Fragment account's. The engine's Notify must reach Bot() for
// payments and reminders to be told.
func New(ctx context.Context, o Options) (_ *Playground, err error) {
	if o.Engine == nil || o.Dir == "" {
		return nil, errors.New("playground: needs an engine and a directory")
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("playground: %w", err)
	}
	p := &Playground{dir: o.Dir, chats: newTranscript(), eng: o.Engine, frag: o.Fragment}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	if p.frag == nil {
		if p.frag, err = StartFragment(); err != nil {
			return nil, err
		}
		p.ownsFrag = true
	}
	p.fake = telegramtest.New(o.BotAPI...)
	events, unsub := p.fake.Subscribe(0) // before anyone writes: no event is missed
	p.unsub = unsub
	go p.chats.follow(events)
	if p.wallet, err = openWallet(ctx, o.Engine, filepath.Join(o.Dir, "chain.jsonl"), cmp.Or(o.WatchInterval, 2*time.Second)); err != nil {
		return nil, err
	}
	if p.bot, err = p.newBot(o); err != nil {
		return nil, err
	}
	if p.people, err = openPeople(ctx, filepath.Join(o.Dir, "people.json"), o.Engine, ownerOf(o), o.Bot.Admins, p.fake); err != nil {
		return nil, err
	}
	if err = seedCatalogue(ctx, o.Engine); err != nil {
		return nil, err
	}
	p.frag.align(ctx, p.frag.own(ctx, o.Engine))
	return p, nil
}

func ownerOf(o Options) domain.UserID {
	if o.Bot.Owner > 0 {
		return o.Bot.Owner
	}
	return DefaultOwner
}

// newBot builds the real bot against the fake Bot API, paid in the
// playground's wallet in TON and in USDT, as cmd/allot builds it against
// Telegram once it has resolved our USDT jetton wallet.
func (p *Playground) newBot(o Options) (*telegram.Bot, error) {
	api, err := telego.NewBot(p.fake.Token(), telego.WithAPIServer(p.fake.URL()),
		telego.WithHTTPClient(telegram.HTTPClient()), telego.WithDiscardLogger())
	if err != nil {
		return nil, fmt.Errorf("playground: %w", err)
	}
	cfg := o.Bot
	cfg.Owner = ownerOf(o)
	cfg.TONWallet, cfg.TONTestnet, cfg.USDTMaster = p.wallet.addr, true, p.wallet.master
	cfg.WebhookURL, cfg.WebhookSecret, cfg.WebhookPath, cfg.Mux = "", "", "", nil
	cfg.Codes, cfg.Numbers, cfg.SetFragmentCookies = codes{p.frag.client}, owned{p.frag.client}, nil
	return telegram.New(o.Engine, api, cfg, o.Logger)
}

// The sample prices: 30 days for 1 TON, and for 25 USDT so that paying in
// USDT is on offer out of the box.
const samplePriceDays = 30

var (
	samplePriceTON  = domain.TONMoney(domain.TON(1))
	samplePriceUSDT = domain.USDT(25)
)

// seedCatalogue puts SampleNumbers in an empty catalogue, the sample TON
// price in a price list without any price, and the sample USDT price in
// one without a USDT price: enough for a customer to rent in either. USDT
// is checked on its own so that a playground from before USDT gains it at
// its next start; the cost is that an admin who removes every USDT price
// gets the sample back at the next start (a playground, not a shop).
func seedCatalogue(ctx context.Context, eng *actors.Engine) error {
	if len(eng.Catalogue(ctx, 0, 1).Numbers) == 0 {
		for _, n := range SampleNumbers {
			if _, err := eng.AddNumber(ctx, 0, n); err != nil {
				return fmt.Errorf("playground: sample number %s: %w", n, err)
			}
		}
	}
	if len(eng.Periods()) == 0 {
		if err := eng.SetDefaultPriceIn(ctx, 0, samplePriceDays, samplePriceTON); err != nil {
			return fmt.Errorf("playground: sample price %s: %w", samplePriceTON, err)
		}
	}
	if !pricedIn(eng.Policy().Prices, domain.CurrencyUSDT) {
		if err := eng.SetDefaultPriceIn(ctx, 0, samplePriceDays, samplePriceUSDT); err != nil {
			return fmt.Errorf("playground: sample price %s: %w", samplePriceUSDT, err)
		}
	}
	return nil
}

// pricedIn reports whether a price list prices any period in c.
func pricedIn(list domain.PriceList, c domain.Currency) bool {
	return slices.ContainsFunc(list, func(p domain.Price) bool { return p.Currency == c })
}

// Bot is the bot, for the engine's notices and the admins' alerts.
func (p *Playground) Bot() *telegram.Bot { return p.bot }

// Owner is the admin's user id.
func (p *Playground) Owner() domain.UserID { return p.people.owner }

// Fragment is the fake fragment.com and its client.
func (p *Playground) Fragment() *Fragment { return p.frag }

// BotAPI is the fake Bot API, for tests that look at it directly.
func (p *Playground) BotAPI() *telegramtest.Server { return p.fake }

// Run runs the bot until ctx ends, then stops it; Close stops the rest.
func (p *Playground) Run(ctx context.Context) error { return p.bot.Run(ctx) }

// Started reports whether the bot has begun to poll the fake Bot API.
func (p *Playground) Started() bool { return p.fake.Stats().Calls["getUpdates"] > 0 }

// Close stops the bot (if Run has not), the watcher and the fake Bot API.
// Call it after Run has returned.
func (p *Playground) Close() {
	if p.bot != nil {
		p.bot.Close()
	}
	if p.wallet != nil {
		p.wallet.close()
	}
	if p.fake != nil {
		p.fake.Close() // ends the subscription, and with it follow
	}
	if p.unsub != nil {
		p.unsub()
	}
	if p.ownsFrag {
		p.frag.Close()
	}
}
