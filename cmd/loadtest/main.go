// Command loadtest drives Allot's engine hard and checks that it stays
// correct: every mode ends with invariant checks, prints a human summary,
// and with -json one JSON object on its last line. It exits 1 when an
// invariant fails or an acknowledged operation was lost, so `make test`
// can run it.
//
//	loadtest -mode engine  -users N -numbers M -duration D -fsync always|os
//	loadtest -mode crash   -cycles K
//	loadtest -mode restore -entities N
//	loadtest -mode payments -txs N
//	loadtest -mode paycrash -txs N -cycles K
//	loadtest -mode table -in FILE   (a Markdown table of earlier -json runs)
//	loadtest -mode telegram -users N -duration D [-split]   (-split: the bot in a process of its own, its CPU measured alone)
//	loadtest -mode sheets -items N
//	loadtest -mode handover -numbers N -cycles K
//	loadtest -mode tgcrash -cycles K [-users N -numbers M]   (needs bin/allot: make build)
//	loadtest -mode powerloss -cycles K   (the journal on a simulated disk, through power cuts)
//	loadtest -mode redislock -users N -numbers M -duration D   (the seed's Redis-lock rent, for comparison; needs redis-server)
//	loadtest -mode instructions -users N -numbers M [-ops K]   (engine's instructions and cache misses per op under cachegrind; needs valgrind)
//
// engine, crash, paycrash and restore take -store file|postgres (default file):
// with postgres their engines keep events and snapshots in PostgreSQL
// through persistence/pgstore, on a throwaway server the run starts and
// removes (needs Debian's postgresql package), or on the empty database
// -database-url names. The crash modes' children reach it through the
// parent's server, which outlives every child it kills.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"allot/cmd/internal/gctune"
)

type flags struct {
	mode     string
	users    int
	numbers  int
	duration time.Duration
	ops      int // engine: a fixed number of operations instead of a duration
	fsync    string
	cycles   int
	entities int
	wallets  int // restore: wallets to build when not -entities
	txs      int
	items    int
	in       string
	dir      string
	json     bool
	seed     int64
	cycle    int // crash-child only
	cpuprof  string
	memprof  string
	trace    string // restore: the snapshot's window; other modes: the run
	split    bool   // telegram: the bot and its engine in a child process
	store    string // file | postgres (engine, crash, paycrash)
	// databaseURL is the PostgreSQL database of -store postgres: given by
	// -database-url, or the throwaway server's, or a child's parent's.
	databaseURL string
}

func main() {
	f := parseFlags()
	gctune.Apply() // the collector as allot runs it, so that the figures are allot's
	stopProfiles := startProfiles(f)
	defer stopProfiles()

	if f.mode == "table" {
		if err := runTable(f); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(2)
		}
		return
	}
	if child, ok := children[f.mode]; ok { // runs until its parent kills or stops it
		runChild(f, child)
		return
	}
	if err := checkStoreFlags(f); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(2)
	}
	if f.wallets != 0 && f.mode != "restore" {
		fmt.Fprintln(os.Stderr, "loadtest: -wallets is -mode restore's")
		os.Exit(2)
	}
	var res map[string]any
	run, ok := modes[f.mode]
	err := fmt.Errorf("unknown -mode %q (engine, crash, restore, payments, paycrash, telegram, sheets, handover, tgcrash, powerloss, redislock, instructions, table)", f.mode)
	if ok {
		res, err = run(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(2)
	}
	stopProfiles()
	if f.json {
		b, _ := json.Marshal(res)
		fmt.Println(string(b))
	}
	if ok, _ := res["invariants_ok"].(bool); !ok {
		fmt.Fprintln(os.Stderr, "loadtest: INVARIANTS VIOLATED")
		os.Exit(1)
	}
	if lost, _ := res["lost"].(int); lost > 0 {
		fmt.Fprintln(os.Stderr, "loadtest: ACKNOWLEDGED OPERATIONS LOST")
		os.Exit(1)
	}
	if twice, _ := res["applied_twice"].(int); twice > 0 {
		fmt.Fprintln(os.Stderr, "loadtest: OPERATIONS APPLIED TWICE")
		os.Exit(1)
	}
}

// runChild runs an internal mode and exits 1 if it fails.
func runChild(f flags, child func(flags) error) {
	if err := child(childStore(f)); err != nil {
		fmt.Fprintln(os.Stderr, f.mode+":", err)
		os.Exit(1)
	}
}

// parseFlags reads the command line.
func parseFlags() flags {
	var f flags
	flag.StringVar(&f.mode, "mode", "engine", "engine | crash | restore | payments | paycrash | telegram | sheets | handover | tgcrash | powerloss | redislock | instructions | table")
	flag.IntVar(&f.users, "users", 1000, "simulated users (engine, crash, telegram, redislock; tgcrash: default 20)")
	flag.IntVar(&f.numbers, "numbers", 100000, "numbers in the catalogue (engine, crash, redislock; telegram takes at most 5000; tgcrash: default a number for two customers)")
	flag.DurationVar(&f.duration, "duration", 10*time.Second, "how long to drive load (engine, telegram, redislock)")
	flag.IntVar(&f.ops, "ops", 0, "engine: stop after this many operations rather than after -duration (instructions: the smaller of its two runs; default 20000)")
	flag.StringVar(&f.fsync, "fsync", "always", "always | os")
	flag.IntVar(&f.cycles, "cycles", 10, "kill -9 and restart cycles (crash, paycrash, handover, tgcrash); power cuts (powerloss)")
	flag.IntVar(&f.entities, "entities", 100000, "numbers and wallets to build (restore)")
	flag.IntVar(&f.wallets, "wallets", 0, "wallets to build instead of -entities (restore): -entities 5000 -wallets 1000000 is a pool of thousands and a million customers")
	flag.StringVar(&f.in, "in", "", "JSON lines of earlier runs to tabulate (table; default stdin)")
	flag.IntVar(&f.txs, "txs", 10000, "incoming transactions on the fake chain (payments)")
	flag.IntVar(&f.items, "items", 10000, "stock rows in the fake spreadsheet (sheets)")
	flag.StringVar(&f.dir, "dir", "", "data directory (default: a fresh temporary one, removed afterwards)")
	flag.BoolVar(&f.json, "json", false, "print one JSON object on the last line")
	flag.Int64Var(&f.seed, "seed", time.Now().UnixNano(), "random seed")
	flag.IntVar(&f.cycle, "cycle", 0, "internal: the crash child's cycle number")
	flag.StringVar(&f.cpuprof, "cpuprofile", "", "write a CPU profile of the run to this file (telegram -split: the bot's to FILE.bot)")
	flag.StringVar(&f.trace, "trace", "", "write an execution trace to this file (go tool trace); restore: of the second before the snapshot and the snapshot, each probe deposit a region named deposit")
	flag.StringVar(&f.memprof, "memprofile", "", "write the run's allocations to this file (telegram -split: the bot's to FILE.bot; restore: the heap where it is measured, engine open)")
	flag.BoolVar(&f.split, "split", false, "telegram: run the bot and its engine in a child process and report its CPU per update alone")
	flag.StringVar(&f.store, "store", storeFile, "where engines keep their state (engine, crash, paycrash): file | postgres (a throwaway server unless -database-url)")
	flag.StringVar(&f.databaseURL, "database-url", "", "with -store postgres: an empty database to use instead of a throwaway server")
	flag.Parse()
	return f
}

// modes are the load tests by -mode, each returning its figures.
var modes = map[string]func(flags) (map[string]any, error){
	"engine": withStore(runEngine), "crash": withStore(runCrash), "restore": withStore(runRestore), "payments": runPayments,
	"paycrash": withStore(runPayCrash), "telegram": runTelegram, "sheets": runSheets, "handover": runHandover,
	"tgcrash": runTgCrash, "powerloss": runPowerLoss, "redislock": runRedisLock, "instructions": runInstructions,
}

// children are the internal modes a test starts in a child process. The
// crash tests' children run until killed and return only if they cannot
// start; telegram-bot (-mode telegram -split) returns nil once its parent
// stopped it and it printed its result.
var children = map[string]func(flags) error{
	"crash-child": runCrashChild, "paycrash-child": runPayCrashChild, "handover-child": runHandoverChild,
	"telegram-bot": runTelegramBot, "instructions-child": runInstructionsChild,
}

// dataDir returns the directory to use and a cleanup function.
func dataDir(f flags, name string) (string, func(), error) {
	if f.dir != "" {
		return f.dir, func() {}, os.MkdirAll(f.dir, 0o755)
	}
	d, err := os.MkdirTemp("", "allot-"+name+"-")
	if err != nil {
		return "", nil, err
	}
	return d, func() { os.RemoveAll(d) }, nil
}
