// Command allot runs the Allot bot and its engine, and inspects its data.
//
//	allot [run]                      start the engine (restore, serve, snapshot on exit)
//	allot snapshot inspect [DIR]     print what a data directory holds
//	allot snapshot verify [DIR]      check every CRC of every snapshot and journal segment
//	allot snapshot repair [DIR]      set aside a corrupt journal tail so the engine can start
//	allot version                    print the version
//
// Configuration comes from the environment and an optional .env file; see
// .env.example.
package main

import (
	"fmt"
	"os"
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
  allot snapshot verify [DIR]    check every CRC in the snapshots and the journal
  allot snapshot repair [DIR]    set aside a corrupt journal tail (after a backup!)
  allot version                  print the version
`
