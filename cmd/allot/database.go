package main

import (
	"context"
	"strings"
	"time"

	"allot/actors"
	"allot/persistence/pgstore"
)

// pgBackupAdvice is what every file-based backup command answers when the
// state is in PostgreSQL: the journal in DATA_DIR holds none of it, and
// PostgreSQL's own tools back it up consistently while the bot runs.
const pgBackupAdvice = "the state is in PostgreSQL (DATABASE_URL), not in DATA_DIR: back it up with PostgreSQL's " +
	"own tools, `pg_dump --format=custom` for a copy or continuous WAL archiving for point-in-time recovery " +
	"(README, \"Production\")"

// pgOpenTimeout bounds connecting, checking and migrating at start: an
// unreachable database is reported, not waited on.
const pgOpenTimeout = 30 * time.Second

// envDatabaseURL is DATABASE_URL from the environment or .env, as `allot
// run` reads it, for the commands that must know where the state is.
func envDatabaseURL() (string, error) {
	getenv, err := envWithDotenv(".env")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(getenv("DATABASE_URL")), nil
}

// stateWhere says where the state is kept, for the start's log line.
func stateWhere(cfg config) string {
	if cfg.DatabaseURL != "" {
		return "PostgreSQL, " + pgstore.Where(cfg.DatabaseURL)
	}
	return "journal and snapshots in " + cfg.DataDir
}

// pgStore is the engine's store in the database at url, for
// actors.Options.Store.
func pgStore(url string) actors.OpenStore {
	return func(h actors.StoreHooks) (actors.Store, error) {
		ctx, cancel := context.WithTimeout(context.Background(), pgOpenTimeout)
		defer cancel()
		s, err := pgstore.OpenEngine(ctx, url, pgstore.EngineOptions{OnSync: h.OnSync, OnFatal: h.OnFatal, Logger: h.Logger})
		if err != nil {
			return nil, err // pgstore's errors name the database, never the password
		}
		return s, nil
	}
}
