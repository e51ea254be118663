package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"allot/actors"
	"allot/adapters/playground"
	"allot/adapters/telegram"
	"allot/adapters/telegram/telegramtest"
	"allot/domain"
)

// The playground's composition: the real engine and the real Telegram
// adapter talking to the fake Bot API (telegramtest), the real payment
// watcher reading a fake chain (the simulated wallet's), the fake
// fragment.com, the simulated people and the web page that drives them,
// all from adapters/playground's parts. The files it keeps are described
// in that package's doc.

// playgroundOwner is the admin's user id when none is configured
// (OWNER_ID).
const playgroundOwner domain.UserID = 1000

// sandboxOptions configure a sandbox.
type sandboxOptions struct {
	engine *actors.Engine
	// dir holds the playground's own files (people, the fake chain's
	// history); it is created if missing. Keep it beside the engine's data,
	// never in a real bot's data directory.
	dir string
	// bot is the bot's configuration: Owner (playgroundOwner when 0) is
	// the admin, Admins and Kinds as for the real bot. The pay links are
	// the simulated wallet's; webhook settings are ignored (the bot
	// long-polls).
	bot           telegram.Config
	log           *slog.Logger
	watchInterval time.Duration         // between polls of the fake chain; default 2 s (paying pokes it)
	botAPI        []telegramtest.Option // options of the fake Bot API, for tests
	// fragment is the fake fragment.com with its client; give the engine
	// its Client() too, for the hand-overs. When nil, newSandbox starts
	// one (the bot's login codes work, the engine's hand-overs are
	// skipped) and close stops it.
	fragment *playground.Fragment
}

// sandbox is the running playground: the fake Bot API and its chats, the
// real bot talking to it, the simulated wallet on the fake chain and the
// real watcher reading it, the simulated people, and the page.
type sandbox struct {
	fake     *telegramtest.Server
	bot      *telegram.Bot
	wallet   *playground.Wallet
	watch    *actors.Watcher
	people   *playground.People
	page     *playground.Page
	unsub    func()
	frag     *playground.Fragment
	ownsFrag bool // newSandbox started frag, close stops it
}

// newSandbox starts the fake Bot API, the fake chain and its watcher (TON
// and USDT), builds the bot (run starts it), opens the people, puts
// sampleNumbers in an empty catalogue and the sample prices where a
// currency has none (seedCatalogue), and makes every catalogue number the
// fake Fragment account's. The engine's Notify must reach the bot for
// payments and reminders to be told.
func newSandbox(ctx context.Context, o sandboxOptions) (_ *sandbox, err error) {
	if o.engine == nil || o.dir == "" {
		return nil, errors.New("playground: needs an engine and a directory")
	}
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return nil, fmt.Errorf("playground: %w", err)
	}
	s := &sandbox{frag: o.fragment}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if s.frag == nil {
		if s.frag, err = playground.StartFragment(); err != nil {
			return nil, err
		}
		s.ownsFrag = true
	}
	s.fake = telegramtest.New(o.botAPI...)
	chats := s.followChats()
	if err = s.startWallet(ctx, o); err != nil {
		return nil, err
	}
	if s.bot, err = s.newBot(o); err != nil {
		return nil, err
	}
	s.people, err = playground.OpenPeople(ctx, filepath.Join(o.dir, "people.json"), o.engine, sandboxOwner(o),
		o.bot.Admins, s.fake)
	if err != nil {
		return nil, err
	}
	if err = seedCatalogue(ctx, o.engine); err != nil {
		return nil, err
	}
	s.frag.Align(ctx, o.engine)
	s.page = playground.NewPage(playground.PageParts{BotAPI: s.fake, People: s.people, Chats: chats,
		Wallet: s.wallet, Fragment: s.frag, Catalogue: o.engine, Dir: o.dir})
	return s, nil
}

// followChats starts the transcript of every chat, subscribed before
// anyone writes so that no event is missed.
func (s *sandbox) followChats() *playground.Transcript {
	chats := playground.NewTranscript()
	events, unsub := s.fake.Subscribe(0)
	s.unsub = unsub
	go chats.Follow(events)
	return chats
}

// startWallet rebuilds the fake chain from chain.jsonl and starts the
// real watcher on it, reading TON and USDT payments as serve's does; a
// payment from a simulated wallet pokes it.
func (s *sandbox) startWallet(ctx context.Context, o sandboxOptions) (err error) {
	if s.wallet, err = playground.OpenWallet(ctx, filepath.Join(o.dir, "chain.jsonl"), o.engine); err != nil {
		return err
	}
	s.watch, err = o.engine.Watch(actors.WatchOptions{Wallet: s.wallet.Account(),
		Interval: cmp.Or(o.watchInterval, 2*time.Second), Source: s.wallet.Source()})
	if err != nil {
		return err
	}
	s.wallet.OnPaid(s.watch.Poke)
	return nil
}

func sandboxOwner(o sandboxOptions) domain.UserID {
	if o.bot.Owner > 0 {
		return o.bot.Owner
	}
	return playgroundOwner
}

// newBot builds the real bot against the fake Bot API, paid in the
// simulated wallet in TON and in USDT, as serve builds it against
// Telegram once it has resolved our USDT jetton wallet; its login codes
// and number sync go through the fake Fragment, as serve's go through the
// relay.
func (s *sandbox) newBot(o sandboxOptions) (*telegram.Bot, error) {
	api, err := telegram.NewAPI(s.fake.Token(), s.fake.URL(), nil)
	if err != nil {
		return nil, fmt.Errorf("playground: %w", err)
	}
	cfg := o.bot
	cfg.Owner = sandboxOwner(o)
	cfg.PayLinks = s.wallet.PayLinks()
	cfg.WebhookURL, cfg.WebhookSecret, cfg.WebhookPath, cfg.Mux = "", "", "", nil
	cfg.Codes, cfg.Numbers, cfg.SetFragmentCookies = codes{s.frag.Client()}, owned{s.frag.Client()}, nil
	return telegram.New(o.engine, api, cfg, o.log)
}

// register serves the page at / and its files and API under /play/.
func (s *sandbox) register(mux *http.ServeMux) { s.page.Register(mux) }

// run runs the bot until ctx ends, then stops it; close stops the rest.
func (s *sandbox) run(ctx context.Context) error { return s.bot.Run(ctx) }

// started reports whether the bot has begun to poll the fake Bot API.
func (s *sandbox) started() bool { return s.fake.Stats().Calls["getUpdates"] > 0 }

// owner is the admin's user id.
func (s *sandbox) owner() domain.UserID { return s.people.Owner() }

// close stops the bot (if run has not), the watcher and the fake Bot API.
// Call it after run has returned.
func (s *sandbox) close() {
	if s.bot != nil {
		s.bot.Close()
	}
	if s.watch != nil {
		s.watch.Close()
	}
	if s.wallet != nil {
		_ = s.wallet.Close()
	}
	if s.fake != nil {
		s.fake.Close() // ends the subscription, and with it Follow
	}
	if s.unsub != nil {
		s.unsub()
	}
	if s.ownsFrag {
		s.frag.Close()
	}
}
