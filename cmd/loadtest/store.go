package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"allot/actors"
	"allot/persistence/pgstore"
	"allot/persistence/pgstore/pgtest"
)

// The stores -store selects: the data directory's files (the engine's
// default) or PostgreSQL through persistence/pgstore.
const (
	storeFile     = "file"
	storePostgres = "postgres"
)

// storeModes are the modes that run on either store: their invariant
// checks hold the store to the same contract as the files.
var storeModes = map[string]bool{"engine": true, "crash": true, "paycrash": true, "restore": true}

// checkStoreFlags refuses -store and -database-url where they would be
// ignored, so that a figure is never reported for a store it did not run
// on.
func checkStoreFlags(f flags) error {
	switch {
	case f.store != storeFile && f.store != storePostgres:
		return fmt.Errorf("unknown -store %q (file, postgres)", f.store)
	case f.store == storeFile && f.databaseURL != "":
		return errors.New("-database-url needs -store postgres")
	case f.store == storePostgres && !storeModes[f.mode]:
		return fmt.Errorf("-store postgres runs -mode engine, crash, paycrash and restore, not %s", f.mode)
	case f.store == storePostgres && f.fsync != "always":
		// The server decides durability (the throwaway one commits with
		// fsync=on and synchronous_commit=on): -fsync os would label the
		// figures with something that did not happen.
		return errors.New("-fsync is the file journal's; with -store postgres the server's commit decides (leave -fsync always)")
	}
	return nil
}

// withStore runs a mode of storeModes on the store -store names. For
// postgres without -database-url it starts a throwaway server first and
// hands the mode its database's URL in f.databaseURL (which the crash
// modes pass on to their children, so the server belongs to this process
// and outlives every child it kills); it stops the server and removes its
// directory when the mode returns, failed or not. The result records the
// store.
func withStore(run func(flags) (map[string]any, error)) func(flags) (map[string]any, error) {
	return func(f flags) (res map[string]any, err error) {
		if f.store == storeFile {
			res, err = run(f)
		} else {
			var stop func() error
			if f, stop, err = preparePostgres(f); err != nil {
				return nil, fmt.Errorf("-store postgres: %w", err)
			}
			defer func() { err = errors.Join(err, stop()) }()
			res, err = run(f)
		}
		if res != nil {
			res["store"] = f.store
		}
		return res, err
	}
}

// preparePostgres finds the database a -store postgres run writes to: the
// one -database-url gives, once it is seen to be empty, or a fresh one on
// a server started for this run. stop shuts down what it started.
func preparePostgres(f flags) (flags, func() error, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if f.databaseURL != "" {
		return f, func() error { return nil }, checkEmpty(ctx, f.databaseURL)
	}
	srv, err := pgtest.StartServer(ctx)
	if err != nil {
		return f, nil, err
	}
	release := closeOnSignal(srv)
	if f.databaseURL, err = srv.CreateDB(ctx, "allot_loadtest"); err != nil {
		release()
		return f, nil, errors.Join(err, srv.Close())
	}
	fmt.Printf("postgres: a throwaway server on 127.0.0.1:%d for this run\n", srv.Port())
	return f, func() error {
		release()
		return srv.Close()
	}, nil
}

// closeOnSignal stops srv and exits when the run is interrupted (Ctrl-C,
// a CI timeout's SIGTERM): the server would die with this process anyway
// (pgtest sets Pdeathsig), but its directory in /tmp would stay. The
// returned function stops listening.
func closeOnSignal(srv *pgtest.Server) func() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			fmt.Fprintf(os.Stderr, "loadtest: %v: stopping the PostgreSQL server\n", sig)
			if err := srv.Close(); err != nil {
				fmt.Fprintln(os.Stderr, "loadtest:", err)
			}
			os.Exit(130)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

// checkEmpty refuses a -database-url that already holds events or
// snapshots: every invariant the modes check counts from an empty state
// (deposits acknowledged, payments planned), so old rows would read as
// lost or doubled money.
func checkEmpty(ctx context.Context, url string) error {
	e, err := pgstore.OpenEngine(ctx, url, pgstore.EngineOptions{})
	if err != nil {
		return err
	}
	last := e.LastSeq()
	if err := e.Close(); err != nil {
		return fmt.Errorf("close %s: %w", pgstore.Where(url), err)
	}
	if last != 0 {
		return fmt.Errorf("%s is not empty (its events reach sequence %d); the load test needs an empty database", pgstore.Where(url), last)
	}
	return nil
}

// engineOptions returns o with the store f names: for postgres, every
// engine opened with it opens f.databaseURL (the parent's server, or the
// user's database) through pgstore, whichever process it runs in.
func engineOptions(f flags, o actors.Options) actors.Options {
	if f.store == storePostgres {
		o.Store = openPostgres(f.databaseURL)
	}
	return o
}

// openPostgres is the engine's Store on the database at url.
func openPostgres(url string) actors.OpenStore {
	return func(h actors.StoreHooks) (actors.Store, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		e, err := pgstore.OpenEngine(ctx, url, pgstore.EngineOptions{OnSync: h.OnSync, OnFatal: h.OnFatal, Logger: h.Logger})
		if err != nil {
			return nil, err
		}
		return e, nil
	}
}

// childURLEnv carries the database URL to a crash mode's child: in the
// environment rather than on the command line, which every user of the
// machine can read (ps), since a -database-url may hold a password.
const childURLEnv = "LOADTEST_CHILD_DATABASE_URL"

// childCommand is the command that re-executes this binary as a crash
// mode's child with args, on the parent's store.
func childCommand(f flags, args ...string) *exec.Cmd {
	if f.store == storeFile {
		return exec.Command(os.Args[0], args...)
	}
	cmd := exec.Command(os.Args[0], append(args, "-store", f.store)...)
	cmd.Env = append(os.Environ(), childURLEnv+"="+f.databaseURL)
	return cmd
}

// childStore completes a child's flags with the database its parent
// passed in the environment.
func childStore(f flags) flags {
	if f.store == storePostgres && f.databaseURL == "" {
		f.databaseURL = os.Getenv(childURLEnv)
	}
	return f
}
