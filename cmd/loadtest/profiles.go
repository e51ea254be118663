package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"sync"
)

// startProfiles starts the CPU profile of -cpuprofile and returns what
// ends the profiles: the CPU profile stops, and -memprofile gets the
// allocations of the whole run (go tool pprof -sample_index=alloc_space),
// which is where the garbage collector's share of a profile comes from.
// In restore mode -memprofile is written where the heap per idle entity is
// measured, the restarted engine still open: its in-use samples
// (-sample_index=inuse_space) are what that figure counts.
// The execution trace of -trace covers the run too, except in restore
// mode, which traces only the snapshot's window (snapshotUnderLoad). The
// returned func may be called more than once.
func startProfiles(f flags) func() {
	stopTrace := func() {}
	if f.mode != "restore" {
		var err error
		if stopTrace, err = startTrace(f.trace); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(2)
		}
	}
	if f.cpuprof != "" {
		pf, err := os.Create(f.cpuprof)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(2)
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(2)
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			stopTrace()
			pprof.StopCPUProfile()
			if f.memprof != "" && f.mode != "restore" { // restore writes it where it measures the heap
				writeAllocs(f.memprof)
			}
		})
	}
}

func writeAllocs(path string) {
	// The profile is as of the last collection: one now makes it cover the
	// whole run, not what ran before a collection that happened to be early.
	runtime.GC()
	mf, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup("allocs").WriteTo(mf, 0)
		if cerr := mf.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest: -memprofile:", err)
	}
}

// startTrace starts an execution trace into path and returns what ends
// it; with no path, nothing is traced. Read the file with go tool trace,
// or golang.org/x/exp/trace to ask it questions it has no view for.
func startTrace(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	tf, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-trace: %w", err)
	}
	if err := trace.Start(tf); err != nil {
		tf.Close()
		return nil, fmt.Errorf("-trace: %w", err)
	}
	return func() {
		trace.Stop()
		if err := tf.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest: -trace:", err)
		}
	}, nil
}
