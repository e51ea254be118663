// Command allot runs the Allot bot and its engine, and inspects its data.
//
//	allot [run]                      start the engine (restore, serve, snapshot on exit)
//	allot snapshot inspect [DIR]     print what a data directory holds
//	allot snapshot verify [DIR|FILE] check every CRC of a data directory or a backup archive
//	allot snapshot repair [DIR]      set aside what a damaged journal cannot prove (--dry-run: say what)
//	allot backup --to FILE           archive the newest snapshot and the journal after it, live
//	allot restore --from FILE        unpack an archive into an empty data directory and prove it opens
//	allot version                    print the version, VCS revision and build time
//	allot help                       print the commands and every environment variable
//
// Configuration comes from the environment and an optional .env file;
// `allot help` lists every variable (envdoc.go), as does .env.example.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	_ "time/tzdata" // STOCK_TIMEZONE works on hosts without a zone database
)

// version is set by the linker in release builds; "dev" means it was not,
// and `allot version` says what the build info knows instead.
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int { return dispatch(args, os.Stdout, os.Stderr) }

// dispatch runs the command args name. Help, version and the arguments'
// checks write to stdout and stderr; the commands themselves to the
// process's own.
func dispatch(args []string, stdout, stderr io.Writer) int {
	cmd := "run"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run":
		if len(args) > 0 {
			return refuseArgs("allot run", args, stdout, stderr)
		}
		return runServe(nil)
	case "snapshot":
		if code, done := checkSnapshotArgs(args, stdout, stderr); done {
			return code
		}
		return runSnapshot(args)
	case "backup", "restore", "migrate":
		return runFlagged(cmd, args)
	case "version", "-version", "--version":
		if len(args) > 0 {
			return refuseArgs("allot version", args, stdout, stderr)
		}
		bi, ok := debug.ReadBuildInfo()
		fmt.Fprint(stdout, versionText(version, bi, ok))
		return 0
	case "help", "-h", "-help", "--help":
		writeHelp(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "allot: unknown command %q\n\n%s", cmd, usage)
	return 2
}

// isHelp reports whether arg asks for help, as the flag package reads it.
func isHelp(arg string) bool { return slices.Contains([]string{"-h", "--h", "-help", "--help"}, arg) }

// refuseArgs answers a command that takes no arguments: help if that is
// what the first one asks, else exit status 2 with the usage.
func refuseArgs(cmd string, args []string, stdout, stderr io.Writer) int {
	switch a := args[0]; {
	case isHelp(a):
		writeHelp(stdout)
		return 0
	case len(a) > 1 && a[0] == '-':
		fmt.Fprintf(stderr, "%s: unknown flag %s\n\n%s", cmd, a, usage)
	default:
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n\n%s", cmd, a, usage)
	}
	return 2
}

// checkSnapshotArgs refuses what runSnapshot would misread: a flag taken
// for the directory, or words after it ignored. done is false when the
// arguments are for runSnapshot to run.
func checkSnapshotArgs(args []string, stdout, stderr io.Writer) (code int, done bool) {
	args, _ = splitDryRun(args)
	for i, a := range args {
		switch {
		case isHelp(a):
			fmt.Fprint(stdout, usage)
			return 0, true
		case len(a) > 1 && a[0] == '-':
			fmt.Fprintf(stderr, "allot snapshot: unknown flag %s\n\n%s", a, usage)
			return 2, true
		case i >= 2:
			fmt.Fprintf(stderr, "allot snapshot: unexpected argument %q (one DIR or FILE at most)\n\n%s", a, usage)
			return 2, true
		}
	}
	return 0, false
}

// runFlagged runs backup or restore, whose flag sets refuse unknown flags
// and arguments with exit status 2. Help is not an error: their flag set
// prints it (on stderr), and the exit status is 0.
func runFlagged(cmd string, args []string) int {
	f := map[string]func([]string) int{"backup": runBackup, "restore": runRestore, "migrate": runMigrate}[cmd]
	if slices.ContainsFunc(args, isHelp) {
		f([]string{"-h"})
		return 0
	}
	return f(args)
}

const usage = `usage:
  allot [run]                    start the engine (restore, serve, snapshot on exit)
  allot snapshot inspect [DIR]   print what a data directory holds (default: DATA_DIR)
  allot snapshot verify [DIR|FILE]
                                 check every CRC in the snapshots and the journal,
                                 or every checksum and CRC of a backup archive
  allot snapshot repair [--dry-run] [DIR]
                                 set aside what a damaged journal cannot prove, keeping
                                 every record it can (after a backup!); --dry-run says
                                 what it would set aside and changes nothing
  allot backup --to FILE [--data DIR]
                                 archive the newest snapshot and the journal after it,
                                 while allot runs (FILE.tar.gz, or FILE.tar uncompressed)
  allot restore --from FILE [--identity KEYFILE] [--data DIR] [--force]
                                 check (and decrypt) an archive, unpack it into an empty
                                 data directory (--force: move a non-empty one aside)
                                 and open it
  allot migrate --from-dir DIR [--to URL]
                                 copy a data directory's state into an empty PostgreSQL
                                 database (default: DATABASE_URL) and check the copy
  allot version                  print the version, VCS revision and build time
  allot help                     print this and every environment variable allot run reads
`
