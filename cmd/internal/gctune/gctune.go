// Package gctune sets the garbage collector's policy of Allot's processes.
//
// Allot keeps every entity in memory, so its live heap is large (about
// 600 bytes an entity) and nearly all of it lives for the whole process.
// Go's default (GOGC=100) collects whenever the heap has grown by as much
// as is live, which for this shape of heap means marking the same
// hundreds of megabytes again and again: a quarter of the engine's CPU in
// `loadtest -mode engine`. A higher GOGC lets the heap grow further
// between collections; a soft memory limit, a share of the memory the
// machine (or its cgroup) grants, keeps that growth from ever being what
// runs the machine out of memory: near the limit the collector runs as
// often as it must, whatever GOGC says.
//
// GOGC and GOMEMLIMIT in the environment win: an operator who set them
// knows their machine.
package gctune

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// Percent is the GOGC used when the environment sets none and a memory
// limit can be set: with the whole state live, the heap may grow to five
// times it before a collection.
const Percent = 400

// share of the granted memory the soft limit takes, in quarters: the rest
// is for the goroutine stacks, the page cache of the journal and whatever
// else runs beside Allot.
const shareQuarters = 3

// Policy is what Apply chose, for the start-up log line.
type Policy struct {
	Percent int   // the GOGC in force
	Limit   int64 // the soft memory limit in bytes; 0 when none is set
	// FromEnv says that GOGC or GOMEMLIMIT came from the environment, so
	// Apply left that one as the runtime had it.
	FromEnv bool
}

// Apply sets the policy and reports it. Without a known amount of memory
// (no cgroup limit, no /proc/meminfo) it leaves the collector as it was:
// a higher GOGC without a limit could grow the heap past what the machine
// has.
func Apply() Policy {
	return apply(os.Getenv, os.ReadFile)
}

func apply(getenv func(string) string, read func(string) ([]byte, error)) Policy {
	p := Policy{FromEnv: getenv("GOGC") != "" || getenv("GOMEMLIMIT") != ""}
	limit := debug.SetMemoryLimit(-1) // -1 reads without changing
	if getenv("GOMEMLIMIT") == "" {
		if total := grantedMemory(read); total > 0 {
			limit = total / 4 * shareQuarters
			debug.SetMemoryLimit(limit)
		}
	}
	if limit > 0 && limit < 1<<62 {
		p.Limit = limit
	}
	if getenv("GOGC") == "" && p.Limit > 0 {
		debug.SetGCPercent(Percent)
	}
	p.Percent = debug.SetGCPercent(-1)
	debug.SetGCPercent(p.Percent)
	return p
}

// Starting runs start, the engine's open, with the collector's growth
// trigger off, and puts it back after. An open builds the whole state from
// nothing: every collection during it marks a heap that is nearly all
// live and still growing, and the last of them landed in the rebuild of the
// catalogue's view (at 2 M entities the view took 1.1 s with the
// collector and 0.45 s without it, `loadtest -mode restore`). Only when a
// soft memory limit is in force, whoever set it: near that limit the
// collector still runs, so the open can never grow the heap past it.
// Without a limit it changes nothing.
func Starting[T any](start func() (T, error)) (T, error) {
	if debug.SetMemoryLimit(-1) == math.MaxInt64 {
		return start()
	}
	old := debug.SetGCPercent(-1)
	defer debug.SetGCPercent(old)
	return start()
}

// grantedMemory is the memory this process may use in bytes: its cgroup's
// limit when there is one (v2, then v1), else the machine's total; 0 when
// neither can be read.
func grantedMemory(read func(string) ([]byte, error)) int64 {
	for _, path := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := read(path)
		if err != nil {
			continue
		}
		// "max" (v2) or a huge number (v1) mean no limit of the cgroup's own.
		if v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && v > 0 && v < 1<<60 {
			return v
		}
	}
	b, err := read("/proc/meminfo")
	if err != nil {
		return 0
	}
	return memTotal(b)
}

// memTotal reads MemTotal from /proc/meminfo's text, in bytes.
func memTotal(meminfo []byte) int64 {
	sc := bufio.NewScanner(bytes.NewReader(meminfo))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil || kb <= 0 {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}
