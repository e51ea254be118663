// Command allot runs the Allot bot and its engine, and inspects its data.
//
//	allot [run]                      start the engine (restore, serve, snapshot on exit)
//	allot snapshot inspect [DIR]     print what a data directory holds
//	allot snapshot verify [DIR|FILE] check every CRC of a data directory or a backup archive
//	allot snapshot repair [DIR]      set aside a corrupt journal tail so the engine can start
//	allot backup --to FILE           archive the newest snapshot and the journal after it, live
//	allot restore --from FILE        unpack an archive into an empty data directory and prove it opens
//	allot version                    print the version
//
// Configuration comes from the environment and an optional .env file; see
// .env.example.
package main

import (
	"fmt"
	"os"
	_ "time/tzdata" // STOCK_TIMEZONE works on hosts without a zone database
)

// version is set by the linker in release builds.
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	cmd := "run"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run":
		return runServe(args)
	case "snapshot":
		return runSnapshot(args)
	case "backup":
		return runBackup(args)
	case "restore":
		return runRestore(args)
	case "version", "-version", "--version":
		fmt.Println("allot", version)
		return 0
	case "help", "-h", "--help":
		fmt.Print(usage)
		return 0
	}
	fmt.Fprintf(os.Stderr, "allot: unknown command %q\n\n%s", cmd, usage)
	return 2
}

const usage = `usage:
  allot [run]                    start the engine (restore, serve, snapshot on exit)
  allot snapshot inspect [DIR]   print what a data directory holds (default: DATA_DIR)
  allot snapshot verify [DIR|FILE]
                                 check every CRC in the snapshots and the journal,
                                 or every checksum and CRC of a backup archive
  allot snapshot repair [DIR]    set aside a corrupt journal tail (after a backup!)
  allot backup --to FILE [--data DIR]
                                 archive the newest snapshot and the journal after it,
                                 while allot runs (FILE.tar.gz, or FILE.tar uncompressed)
  allot restore --from FILE [--data DIR] [--force]
                                 check an archive, unpack it into an empty data directory
                                 (--force: move a non-empty one aside) and open it
  allot version                  print the version
`
