package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"allot/actors"
	"allot/adapters/fragment"
	"allot/adapters/httpapi"
	"allot/adapters/playground"
	"allot/adapters/sheets"
	"allot/adapters/telegram"
	"allot/adapters/ton"
)

// Without BOT_TOKEN, `allot run` is the playground: the real engine and
// adapters against the fake Bot API, a fake chain and sample stock in CSV
// files, with a web chat on HTTP_ADDR. It only runs on a loopback address
// (anyone who reaches the page can act as the admin); elsewhere a run
// without a token stays what it was, the engine alone.

// playgroundDir is where the playground keeps everything, under DATA_DIR.
const playgroundDir = "playground"

// isPlayground reports whether cfg runs the playground.
func isPlayground(cfg config) bool { return cfg.BotToken == "" && httpapi.Loopback(cfg.HTTPAddr) }

// playgroundConfig moves a playground run onto its own data, DATA_DIR/
// playground, so that it never mixes with a real bot's; switches off the
// real chain and Google Sheets, whose places the fakes take; starts the
// fake fragment.com and points the login-code relay at it; and writes
// sample stock for the kinds where no stock file exists yet. Call it before
// serve: the engine, the relay and the distribution open what it points at.
func playgroundConfig(cfg config) (config, error) {
	if !isPlayground(cfg) {
		return cfg, nil
	}
	cfg.DataDir = filepath.Join(cfg.DataDir, playgroundDir)
	cfg.TON = ton.Config{}
	cfg.Sheets = sheets.Config{}
	f, err := startPlaygroundFragment(cfg.Fragment.CodeWatch)
	if err != nil {
		return cfg, err
	}
	cfg.Fragment = f
	if len(cfg.Kinds.Kinds) > 0 {
		dir := filepath.Join(cfg.DataDir, "sheets")
		if err := playground.WriteSampleStock(dir, cfg.Kinds, time.Now().In(cfg.StockLocation)); err != nil {
			return cfg, fmt.Errorf("playground: sample stock: %w", err)
		}
	}
	return cfg, nil
}

// startPlayground is serve's bot when there is no BOT_TOKEN: it starts the
// playground, serves its page on mux, hands its bot to serve through bot,
// and closes done once everything has stopped after ctx ends. Off loopback
// it only closes done.
func startPlayground(ctx context.Context, cfg config, eng *actors.Engine, mux *http.ServeMux, log *slog.Logger,
	bot *botSlot, done chan struct{}) error {
	if !isPlayground(cfg) {
		log.Warn("no BOT_TOKEN and HTTP_ADDR is not loopback: the engine runs without a bot and without the playground")
		close(done)
		return nil
	}
	// Setting up is a few quick engine calls; a shutdown that comes
	// meanwhile stops the bot right after, not the setup halfway.
	setup, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	frag := takePlaygroundFragment(cfg.Fragment.URL)
	pg, err := newSandbox(setup, sandboxOptions{engine: eng, dir: filepath.Join(cfg.DataDir, "simulated"),
		log: log, fragment: frag, bot: telegram.Config{Owner: cfg.OwnerID, Admins: cfg.AdminIDs, Kinds: cfg.Kinds,
			CodeWatch: cfg.Fragment.CodeWatch}})
	if err != nil {
		if frag != nil {
			frag.Close()
		}
		return err
	}
	pg.register(mux)
	bot.Store(pg.bot)
	go func() {
		defer close(done)
		if frag != nil {
			defer frag.Close() // the engine's pending hand-overs resume at the next start
		}
		defer pg.close()
		go announce(ctx, pg, cfg, log)
		if err := pg.run(ctx); err != nil && ctx.Err() == nil {
			log.Error("the playground's bot stopped", "err", err)
		}
	}()
	return nil
}

// The playground's fake fragment.com is started by playgroundConfig, so
// that serve's relay (the engine's hand-overs, the catalogue sync) talks to
// it, and is taken by startPlayground, whose simulated Telegram app drives
// it. config has no field for it: it waits here, by its URL.
var (
	playgroundFragmentsMu sync.Mutex
	playgroundFragments   = map[string]*playground.Fragment{}
)

// startPlaygroundFragment starts the fake fragment.com and returns the
// relay's settings for it.
func startPlaygroundFragment(codeWatch time.Duration) (fragmentConfig, error) {
	f, err := playground.StartFragment()
	if err != nil {
		return fragmentConfig{}, err
	}
	ck, err := fragment.ParseCookies(f.Cookies())
	if err != nil {
		f.Close()
		return fragmentConfig{}, fmt.Errorf("playground: %w", err)
	}
	playgroundFragmentsMu.Lock()
	playgroundFragments[f.URL()] = f
	playgroundFragmentsMu.Unlock()
	return fragmentConfig{Cookies: ck, URL: f.URL(), Rate: 20, CodeWatch: codeWatch}, nil
}

// takePlaygroundFragment hands over the fake that playgroundConfig started
// for url; nil if there is none (the playground then starts its own).
func takePlaygroundFragment(url string) *playground.Fragment {
	playgroundFragmentsMu.Lock()
	defer playgroundFragmentsMu.Unlock()
	f := playgroundFragments[url]
	delete(playgroundFragments, url)
	return f
}

// announce says, once the bot is talking to the fake Bot API, that this is
// the playground, where to open it and how to run the real bot.
func announce(ctx context.Context, pg *sandbox, cfg config, log *slog.Logger) {
	for !pg.started() {
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
	url := "http://" + cfg.HTTPAddr + "/"
	log.Info("PLAYGROUND: no BOT_TOKEN, so the bot talks to a fake Telegram in this process",
		"open", url, "data_dir", cfg.DataDir, "admin", pg.owner(),
		"real_bot", "put BOT_TOKEN=<token from @BotFather> in .env and run again")
	if cfg.LogFormat == "text" {
		printBanner(os.Stderr, url, cfg.DataDir)
	}
}

func printBanner(w io.Writer, url, dir string) {
	fmt.Fprintf(w, `
  ┌─ Allot PLAYGROUND ─────────────────────────────────────────────────────
  │ No BOT_TOKEN, so everything runs here, offline: a fake Telegram, a fake
  │ TON chain, a fake Fragment and sample stock, driving the real engine.
  │
  │   Open      %s
  │   Data      %s   (delete it to start afresh)
  │   Real bot  put BOT_TOKEN=<token from @BotFather> in .env, run again
  └────────────────────────────────────────────────────────────────────────

`, url, dir)
}
