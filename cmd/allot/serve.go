package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"allot/cmd/internal/gctune"

	"allot/actors"
	"allot/adapters/httpapi"
	"allot/adapters/telegram"
	"allot/adapters/ton"
	"allot/domain"
)

// runServe is `allot run`: restore, serve health, and on SIGINT/SIGTERM
// finish in-flight work, write a snapshot and exit.
func runServe(_ []string) int {
	getenv, err := envWithDotenv(".env")
	if err != nil {
		fmt.Fprintln(os.Stderr, "allot: config:", err)
		return 2
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "allot: config:", err)
		return 2
	}
	if cfg, err = playgroundConfig(cfg); err != nil { // no BOT_TOKEN: the playground, on its own data
		fmt.Fprintln(os.Stderr, "allot:", err)
		return 1
	}
	log := newLogger(cfg)
	gc := gctune.Apply()
	log.Info("garbage collector", "gogc", gc.Percent, "memory_limit_mib", gc.Limit>>20, "from_environment", gc.FromEnv)
	for _, w := range cfg.Warnings {
		log.Warn(w) // the seed bots' names read or ignored, settings not applied; never a value
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, cfg, log); err != nil {
		log.Error("allot stopped with an error", "err", err)
		return 1
	}
	return 0
}

// serve starts allot's pieces in order and stops them in the reverse
// order, each with the defer that follows its start: a start that fails
// closes exactly what started before it, and a stop (a signal, or a fatal
// journal error) first lets the bot finish the updates in hand, then stops
// HTTP, the backups, the distribution and the watcher, and closes the
// engine (its final snapshot) after everything that feeds it, the Fragment
// client last. The bot observes the engine's notices through the slot
// from the moment it exists; what was raised before waits there for it.
func serve(ctx context.Context, cfg config, log *slog.Logger) (err error) {
	fatal := make(chan error, 1)
	var bot botSlot
	rel, err := startRelay(ctx, cfg.Fragment, log, bot.alertFragment(log))
	if err != nil {
		return err
	}
	defer rel.close() // after the engine: its hand-overs use the client until it closes
	eng, err := openEngine(cfg, log, rel, &bot, fatal)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, closeEngine(eng)) }()
	alertRecovery(eng.Recovery(), bot.alertOperations()) // told once the bot exists
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	defer ln.Close() // the server closes it too; closing twice is harmless
	watcher, usdt, closeChain, err := startWatcher(ctx, cfg, eng, log, bot.alertOperations())
	if err != nil {
		return err
	}
	defer closeChain()
	dist, err := startDistribution(ctx, cfg, eng, log, bot.alertAdmins(log, "distribution needs an admin"))
	if err != nil {
		return err
	}
	defer dist.close() // before the engine, so a load or flush in progress ends first
	bk, err := startBackups(ctx, cfg.Backup, cfg.DataDir, log, bot.alertOperations())
	if err != nil {
		return err
	}
	defer bk.close()
	mux, srv, err := startHTTP(ln, cfg, eng, watcher, usdt, dist, rel, bk, &bot)
	if err != nil {
		return err
	}
	defer shutdownHTTP(srv)
	stopBot, err := startReceiving(ctx, cfg, eng, mux, rel, usdt, log, &bot)
	if err != nil {
		return err
	}
	defer stopBot() // first of all: the bot finishes the updates in hand
	defer startNumberSync(eng, rel, log, bot.Load).Close()
	logRunning(log, cfg, ln, dist, rel)
	return awaitStop(ctx, fatal, log)
}

// stopTimeout bounds each of the last steps of a stop: the HTTP server's
// shutdown and the engine's final snapshot.
const stopTimeout = 30 * time.Second

func shutdownHTTP(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	_ = srv.Shutdown(ctx)
}

func closeEngine(eng *actors.Engine) error {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	return eng.Close(ctx)
}

// logRunning says, once started, where allot serves and what of each
// outside service is on.
func logRunning(log *slog.Logger, cfg config, ln net.Listener, dist *distribution, rel *relay) {
	log.Info("allot is running", "data_dir", cfg.DataDir, "state", stateWhere(cfg), "http", "http://"+ln.Addr().String(),
		"fsync", cfg.Fsync.String(), "telegram", telegramState(cfg), "ton", tonState(cfg),
		"distribution", distState(cfg, dist), "fragment", rel.state(),
		"accounts", cfg.Accounts.state(), "backups", cfg.Backup.state())
}

// startHTTP serves health, metrics and introspection on ln; the bot's
// webhook and the playground register on the mux it returns.
func startHTTP(ln net.Listener, cfg config, eng *actors.Engine, watcher *actors.Watcher, usdt *usdtReader, dist *distribution,
	rel *relay, bk *backups, bot *botSlot) (*http.ServeMux, *http.Server, error) {
	mux := healthMux(eng, watcher, usdt, dist, rel, cfg.Accounts, bot.Load)
	api, err := httpapi.New(eng, httpapi.Options{Addr: cfg.HTTPAddr, Token: cfg.IntrospectionToken,
		Collectors: append(metricCollectors(eng, dist, rel, bot.Load), backupCollector{bk})})
	if err != nil {
		return nil, nil, fmt.Errorf("INTROSPECTION_TOKEN: %w", err)
	}
	api.Register(mux)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return mux, srv, nil
}

// startReceiving starts the Telegram bot, or without BOT_TOKEN the
// playground, and stores it in the slot. The function it returns stops it
// and waits until it has: the updates in hand are finished.
func startReceiving(ctx context.Context, cfg config, eng *actors.Engine, mux *http.ServeMux, rel *relay,
	usdt *usdtReader, log *slog.Logger, bot *botSlot) (stop func(), err error) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	stop = func() {
		cancel()
		<-done
		if b := bot.Load(); b != nil {
			b.Close()
		}
	}
	if cfg.BotToken == "" {
		err = startPlayground(ctx, cfg, eng, mux, log, bot, done)
	} else {
		err = runBot(ctx, cfg, eng, mux, rel, usdt, log, bot, done)
	}
	if err != nil {
		cancel()
		return nil, err
	}
	return stop, nil
}

// runBot builds the Telegram bot, stores it and runs it until ctx ends;
// done is closed once it has stopped.
func runBot(ctx context.Context, cfg config, eng *actors.Engine, mux *http.ServeMux, rel *relay,
	usdt *usdtReader, log *slog.Logger, bot *botSlot, done chan struct{}) error {
	b, err := startBot(cfg, eng, mux, rel, usdt, log)
	if err != nil {
		return err
	}
	bot.Store(b)
	go func() {
		defer close(done)
		if err := b.Run(ctx); err != nil {
			log.Error("the Telegram bot stopped", "err", err)
		}
	}()
	return nil
}

// openEngine opens the engine on the data directory, or in PostgreSQL
// with DATABASE_URL. Its notices go to the
// bot once it exists; a failed journal is sent on fatal; the relay's
// client, when there is one, does the numbers' hand-overs.
func openEngine(cfg config, log *slog.Logger, rel *relay, bot *botSlot, fatal chan<- error) (*actors.Engine, error) {
	opts := actors.Options{
		Dir: cfg.DataDir, Fsync: cfg.Fsync, SnapshotInterval: cfg.SnapshotInterval,
		SnapshotKeep: cfg.SnapshotKeep, Logger: log, Kinds: cfg.Kinds,
		OnFatal:  func(err error) { fatal <- err },
		Notify:   bot.notify,
		AlertGap: bot.alertOperations(),
	}
	if rel != nil {
		opts.Fragment = rel.client // never a typed nil in the interface
	}
	if cfg.DatabaseURL != "" {
		opts.Store = pgStore(cfg.DatabaseURL)
	}
	if err := withAccounts(&opts, cfg.Accounts, rel, log); err != nil {
		return nil, err
	}
	return gctune.Starting(func() (*actors.Engine, error) { return actors.Open(opts) })
}

// telegramState says what the bot does with Telegram.
func telegramState(cfg config) string {
	switch {
	case cfg.BotToken == "" && isPlayground(cfg):
		return "no BOT_TOKEN: the playground (a fake Bot API in this process)"
	case cfg.BotToken == "":
		return "no BOT_TOKEN: engine only"
	case cfg.WebhookURL != "":
		return "webhook"
	}
	return "long polling"
}

// startBot builds the Telegram bot on telegram.NewAPI's client, whose
// requests a cancelled context ends at once (telego's default fasthttp
// client would hold shutdown for a whole long poll).
func startBot(cfg config, eng *actors.Engine, mux *http.ServeMux, rel *relay, usdt *usdtReader,
	log *slog.Logger) (*telegram.Bot, error) {
	api, err := telegram.NewAPI(cfg.BotToken, cfg.TelegramAPIURL, nil)
	if err != nil {
		return nil, errors.New("BOT_TOKEN: telego refused the token") // its error would quote the token
	}
	tc := telegram.Config{Owner: cfg.OwnerID, Admins: cfg.AdminIDs, WebhookURL: cfg.WebhookURL,
		WebhookSecret: cfg.WebhookSecret, WebhookPath: "/telegram/webhook", Mux: mux, Kinds: cfg.Kinds, Limits: cfg.Limits}
	if cfg.TON.Enabled {
		// USDT is offered only while the watcher reads it: a link must not
		// ask for a payment it would step over (usdt.go).
		tc.PayLinks = ton.PayLinks{Wallet: cfg.TON.Wallet, Testnet: cfg.TON.Testnet, USDTMaster: usdt.Master()}
		tc.USDTReady = usdt.Ready
	}
	if rel != nil {
		tc.Codes, tc.CodeWatch, tc.SetFragmentCookies = codes{rel.client}, cfg.Fragment.CodeWatch, rel.setCookies
		tc.Numbers = owned{rel.client}
	}
	return telegram.New(eng, api, tc, log)
}

// startWatcher connects to TON liteservers and starts the payment watcher
// of the receiving wallet, reading USDT too once our USDT jetton wallet is
// known (usdt.go); with TON off it does nothing. A liteserver that cannot
// be reached at start is an error (the config is wrong, or the network is
// down); one that fails later is retried by the watcher. A jetton wallet
// that cannot be resolved is not: TON is read meanwhile.
func startWatcher(ctx context.Context, cfg config, eng *actors.Engine, log *slog.Logger,
	alert func(string)) (*actors.Watcher, *usdtReader, func(), error) {
	if !cfg.TON.Enabled {
		return nil, nil, func() {}, nil
	}
	dctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	client, err := ton.Dial(dctx, cfg.TON)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("TON_CONFIG: connecting to liteservers: %w", err)
	}
	usdt := newUSDTReader(usdtOptions{Engine: eng, Chain: client, Runner: client, Wallet: cfg.TON.Wallet,
		Master: cfg.USDT.Master, Testnet: cfg.TON.Testnet, Log: log, Alert: alert})
	usdt.start(dctx)
	w, err := eng.Watch(actors.WatchOptions{Wallet: ton.Raw(cfg.TON.Wallet), Source: usdt.source()})
	if err != nil {
		usdt.close()
		_ = client.Close()
		return nil, nil, nil, err
	}
	log.Info("watching for payments", "wallet", ton.Friendly(cfg.TON.Wallet, cfg.TON.Testnet), "usdt", usdt.state())
	return w, usdt, func() { usdt.close(); w.Close(); _ = client.Close() }, nil
}

func tonState(cfg config) string {
	if cfg.BotToken == "" && isPlayground(cfg) {
		return "the playground's fake chain"
	}
	if !cfg.TON.Enabled {
		return "off (no TON_WALLET): invoices can be opened, nothing is read from the chain"
	}
	if cfg.TON.Testnet {
		return "testnet"
	}
	return "mainnet"
}

func healthMux(eng *actors.Engine, watcher *actors.Watcher, usdt *usdtReader, dist *distribution, rel *relay,
	accounts accountsConfig, bot func() *telegram.Bot) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := eng.Ready(); err != nil {
			http.Error(w, "not ready: journal failed", http.StatusServiceUnavailable)
			return
		}
		// A chain that does not answer degrades payments but not the bot:
		// still ready, and said so.
		ton := tonReadiness(watcher, usdt)
		tg := "off"
		if b := bot(); b != nil {
			tg = "ok"
			if !b.Healthy() {
				tg = "degraded"
			}
		}
		_, _ = fmt.Fprintf(w, "ready\ntelegram: %s\nton: %s\nsheets: %s\nfragment: %s\naccounts: %s\njournal: %s\n", tg, ton,
			dist.state(), rel.state(), accounts.state(), recoveryState(eng.Recovery()))
	})
	return mux
}

// awaitStop waits for the signal to stop (ctx) or a journal failure, which
// it returns: the process then stops so that recovery starts from what is
// durable.
func awaitStop(ctx context.Context, fatal <-chan error, log *slog.Logger) error {
	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing in-flight work and writing a snapshot")
		return nil
	case err := <-fatal:
		log.Error("journal failed: stopping so that recovery can start from what is durable", "err", err)
		return err
	}
}

// gapSince is when a watcher's history gap began, for /readyz: the last
// time its cursor moved, else the time of the first transaction after it.
func gapSince(g domain.ChainGap) string {
	at := g.From
	if at.IsZero() {
		at = g.To
	}
	return at.UTC().Format(time.RFC3339)
}

// distState says where the distribution's stock is.
func distState(cfg config, d *distribution) string {
	if d == nil {
		if cfg.KindsFile == "" {
			return "off (no KINDS_FILE)"
		}
		return "off"
	}
	return d.where
}
