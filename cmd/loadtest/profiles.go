package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"sync"
)

// startProfiles starts the CPU profile of -cpuprofile and returns what
// ends the profiles: the CPU profile stops, and -memprofile gets the
// allocations of the whole run (go tool pprof -sample_index=alloc_space),
// which is where the garbage collector's share of a profile comes from.
// The returned func may be called more than once.
func startProfiles(f flags) func() {
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
			pprof.StopCPUProfile()
			if f.memprof != "" {
				writeAllocs(f.memprof)
			}
		})
	}
}

func writeAllocs(path string) {
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
