package main

import (
	"allot/adapters/ton"
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

	"allot/actors"
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
	log := newLogger(cfg)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, cfg, log); err != nil {
		log.Error("allot stopped with an error", "err", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, cfg config, log *slog.Logger) error {
	fatal := make(chan error, 1)
	eng, err := actors.Open(actors.Options{
		Dir: cfg.DataDir, Fsync: cfg.Fsync, SnapshotInterval: cfg.SnapshotInterval,
		SnapshotKeep: cfg.SnapshotKeep, Logger: log,
		OnFatal: func(err error) { fatal <- err },
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return errors.Join(fmt.Errorf("HTTP_ADDR %s: %w", cfg.HTTPAddr, err), eng.Close(context.Background()))
	}
	watcher, closeChain, err := startWatcher(ctx, cfg, eng, log)
	if err != nil {
		_ = ln.Close()
		return errors.Join(err, eng.Close(context.Background()))
	}
	defer closeChain()
	srv := &http.Server{Handler: healthMux(eng, watcher), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	log.Info("allot is running", "data_dir", cfg.DataDir, "http", "http://"+ln.Addr().String(),
		"fsync", cfg.Fsync.String(), "telegram", telegramState(cfg), "ton", tonState(cfg))
	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing in-flight work and writing a snapshot")
	case runErr = <-fatal:
		log.Error("journal failed: stopping so that recovery can start from what is durable", "err", runErr)
	}
	shut, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = srv.Shutdown(shut)
	return errors.Join(runErr, eng.Close(shut))
}

// telegramState says plainly what this build does with a token: the bot
// adapter is its own piece of work and not part of this binary yet.
func telegramState(cfg config) string {
	if cfg.BotToken == "" {
		return "no BOT_TOKEN: engine only"
	}
	return "BOT_TOKEN set, but the Telegram adapter is not built yet: engine only"
}

// startWatcher connects to TON liteservers and starts the payment watcher
// of the receiving wallet; with TON off it does nothing. A liteserver that
// cannot be reached at start is an error (the config is wrong, or the
// network is down); one that fails later is retried by the watcher.
func startWatcher(ctx context.Context, cfg config, eng *actors.Engine, log *slog.Logger) (*actors.Watcher, func(), error) {
	if !cfg.TON.Enabled {
		return nil, func() {}, nil
	}
	dctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	client, err := ton.Dial(dctx, cfg.TON)
	if err != nil {
		return nil, nil, fmt.Errorf("TON_CONFIG: connecting to liteservers: %w", err)
	}
	src := ton.NewSource(client, cfg.TON.Wallet, ton.WithTestnet(cfg.TON.Testnet))
	w, err := eng.Watch(actors.WatchOptions{Wallet: src.Wallet(), Source: src})
	if err != nil {
		_ = client.Close()
		return nil, nil, err
	}
	log.Info("watching for payments", "wallet", ton.Friendly(cfg.TON.Wallet, cfg.TON.Testnet))
	return w, func() { w.Close(); _ = client.Close() }, nil
}

func tonState(cfg config) string {
	if !cfg.TON.Enabled {
		return "off (no TON_WALLET): invoices can be opened, nothing is read from the chain"
	}
	if cfg.TON.Testnet {
		return "testnet"
	}
	return "mainnet"
}

func healthMux(eng *actors.Engine, watcher *actors.Watcher) *http.ServeMux {
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
		ton := "off"
		if watcher != nil {
			ton = "ok"
			if !watcher.Healthy() {
				ton = "degraded"
			}
		}
		_, _ = fmt.Fprintf(w, "ready\nton: %s\n", ton)
	})
	return mux
}
