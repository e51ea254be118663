package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"allot/actors"
	"allot/domain"
	"allot/persistence"
	"allot/persistence/pgstore"
)

// runMigrate is `allot migrate --from-dir DIR [--to URL]`: the move from
// a data directory to PostgreSQL, with the bot stopped.
func runMigrate(args []string) int {
	fl := flag.NewFlagSet("allot migrate", flag.ContinueOnError)
	from := fl.String("from-dir", "", "the data directory to copy (the bot must be stopped)")
	to := fl.String("to", "", "the PostgreSQL database to copy into, empty (default: DATABASE_URL)")
	if err := fl.Parse(args); err != nil || *from == "" || fl.NArg() > 0 {
		fmt.Fprint(os.Stderr, "usage: allot migrate --from-dir DIR [--to URL]\n")
		return 2
	}
	url := *to
	if url == "" {
		var err error
		if url, err = envDatabaseURL(); err != nil {
			fmt.Fprintln(os.Stderr, "allot migrate:", err)
			return 1
		}
		if url == "" {
			fmt.Fprintln(os.Stderr, "allot migrate: no database: set DATABASE_URL or pass --to URL")
			return 2
		}
	}
	if err := migrate(context.Background(), *from, url, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "allot migrate:", err)
		return 1
	}
	return 0
}

// migrate copies dir's state into the database at url and checks the
// copy (actors.CopyState); it prints what it copied. Nothing is written to
// the database unless the whole copy can be, and it says done only once
// the copy read back equals the source.
func migrate(ctx context.Context, dir, url string, out io.Writer) error {
	if _, err := os.Stat(filepath.Join(dir, "journal")); err != nil {
		return fmt.Errorf("%s holds no journal, so no state to copy: %w", dir, err)
	}
	src, err := actors.OpenFileStore(actors.Options{Dir: dir, Fsync: persistence.FsyncAlways}, actors.StoreHooks{})
	if err != nil {
		return fmt.Errorf("open %s (is allot still running on it?): %w", dir, err)
	}
	defer src.Close()
	octx, cancel := context.WithTimeout(ctx, pgOpenTimeout)
	defer cancel()
	dst, err := pgstore.OpenEngine(octx, url, pgstore.EngineOptions{})
	if err != nil {
		return err
	}
	r, err := actors.CopyState(ctx, src, dst)
	if cerr := dst.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close the database: %w", cerr)
	}
	if err != nil {
		return err
	}
	printCopy(out, dir, dst.Where(), r)
	return nil
}

func printCopy(out io.Writer, dir, where string, r actors.CopyReport) {
	kinds := make([]string, 0, len(r.Entities))
	for k, n := range r.Entities {
		kinds = append(kinds, fmt.Sprintf("%d %s", n, k))
	}
	slices.Sort(kinds)
	t := r.Totals
	fmt.Fprintf(out, "copied %s into %s at sequence %d (%d bytes, %s)\n", dir, where, r.Seq, r.Bytes, r.Took.Round(1e6))
	fmt.Fprintf(out, "  entities: %s\n", strings.Join(kinds, ", "))
	fmt.Fprintf(out, "  numbers %d (%d rented), wallets %d; balances %s and %s; %d payments applied, %d purchases in progress\n",
		t.Numbers, t.Rented, t.Wallets, domain.Money{Currency: domain.CurrencyTON, Units: int64(t.Balances)},
		domain.Money{Currency: domain.CurrencyUSDT, Units: t.USDT.Balances}, t.Applied, t.Processing)
	fmt.Fprintln(out, "  read back from the database: every entity equal to the source, the totals equal and checked")
	fmt.Fprintln(out, "done: set DATABASE_URL and start allot; keep the directory until you have a PostgreSQL backup")
}
