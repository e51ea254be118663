package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"allot/actors"
	"allot/persistence"
)

// runInstructions is -mode instructions: what one operation of -mode
// engine costs on a simulated CPU, a figure that the other tenants of a
// shared machine do not move. Throughput and CPU time per operation moved
// by a third within minutes on the 2-core machines this project is measured
// on, which hides any change smaller than that; valgrind's cachegrind
// counts the instructions and simulated cache misses of a run instead, and
// two runs of the same world that differ only in how many operations they
// drive give, by their difference, the cost of an operation without the
// setup's.
//
// The runs have two Ps, as the machines have cores, under valgrind's fair
// scheduling of threads (--fair-sched=yes: without it a thread spinning
// for a lock held by one valgrind has not scheduled counted billions of
// instructions in some runs), and no collector (GOGC=off: in runs this
// short one collection more or less is a step of several per cent); what
// an operation allocates, which sets the collector's work, is the engine
// mode's bytes per op. The store is the journal with -fsync os.
//
// What it is not: a simulation of the native run's timing. Time runs about
// fifty times slower under valgrind, so the Go scheduler's 10 ms
// preemption cuts turns more often, and more runs find no worker idle and
// start a goroutine (copying its stack as it grows was a sixth of the instructions here,
// nothing natively). Compare builds with it, not with native figures.
// Without valgrind (Debian's package valgrind) the mode is skipped, not
// failed: it is a tool for people comparing builds, not a check.
func runInstructions(f flags) (map[string]any, error) {
	res := map[string]any{"mode": "instructions", "users": f.users, "numbers": f.numbers, "invariants_ok": true}
	if _, err := exec.LookPath("valgrind"); err != nil {
		fmt.Println("instructions: skipped: valgrind is not in PATH (Debian: apt-get install valgrind)")
		res["skipped"] = true
		return res, nil
	}
	if f.store != storeFile {
		return nil, errors.New("instructions: -store file only (the database's work would not be counted)")
	}
	small := f.ops
	if small <= 0 {
		small = 20000
	}
	large := 3 * small
	dir, cleanup, err := dataDir(f, "instructions")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	a, b, err := cachegrindPair(f, dir, small, large)
	if err != nil {
		return nil, err
	}
	per := b.minus(a).per(large - small)
	fmt.Printf("instructions: %d users, %d numbers, -fsync os; runs of %d and %d operations after the same setup\n",
		f.users, f.numbers, small, large)
	fmt.Printf("  per operation: %.0f instructions, %.0f L1 data misses, %.0f last-level data misses\n",
		per.instructions, per.l1Misses, per.llMisses)
	fmt.Println("  (cachegrind: 32 KiB L1, 8 MiB last level; GOMAXPROCS=2, GOGC=off: see -mode instructions in the README)")
	res["ops_small"], res["ops_large"] = small, large
	res["instructions_per_op"] = round(per.instructions)
	res["l1_misses_per_op"], res["ll_misses_per_op"] = round(per.l1Misses), round(per.llMisses)
	return res, nil
}

// cachegrindPair makes the runs of small and large operations at once,
// each on a core of its own: they are independent.
func cachegrindPair(f flags, dir string, small, large int) (a, b cachegrindCounts, err error) {
	type out struct {
		c   cachegrindCounts
		err error
	}
	done := make(chan out, 1)
	go func() {
		c, err := cachegrindRun(f, filepath.Join(dir, "large"), large)
		done <- out{c, err}
	}()
	a, errA := cachegrindRun(f, filepath.Join(dir, "small"), small)
	o := <-done
	return a, o.c, errors.Join(errA, o.err)
}

// cachegrindRun runs the engine's world for ops operations under
// cachegrind (runInstructionsChild), its output file beside base, and
// returns the run's totals.
func cachegrindRun(f flags, base string, ops int) (cachegrindCounts, error) {
	self, err := os.Executable()
	if err != nil {
		return cachegrindCounts{}, err
	}
	outFile := base + ".cachegrind"
	cmd := exec.Command("valgrind", "--tool=cachegrind", "--cache-sim=yes", "--fair-sched=yes",
		"--I1=32768,8,64", "--D1=32768,8,64", "--LL=8388608,16,64", "--cachegrind-out-file="+outFile,
		self, "-mode", "instructions-child", "-users", strconv.Itoa(f.users), "-numbers", strconv.Itoa(f.numbers),
		"-ops", strconv.Itoa(ops), "-fsync", "os", "-seed", strconv.FormatInt(f.seed, 10), "-dir", base)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=2", "GOGC=off", "GOMEMLIMIT=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		return cachegrindCounts{}, fmt.Errorf("instructions: the run of %d operations: %w\n%s", ops, err, lastLines(string(b), 15))
	}
	file, err := os.Open(outFile)
	if err != nil {
		return cachegrindCounts{}, err
	}
	defer file.Close()
	return parseCachegrind(file)
}

// cachegrindCounts are a run's totals of the events this mode reports.
type cachegrindCounts struct {
	instructions, l1Misses, llMisses float64
}

func (c cachegrindCounts) minus(o cachegrindCounts) cachegrindCounts {
	return cachegrindCounts{c.instructions - o.instructions, c.l1Misses - o.l1Misses, c.llMisses - o.llMisses}
}

func (c cachegrindCounts) per(n int) cachegrindCounts {
	d := float64(n)
	return cachegrindCounts{c.instructions / d, c.l1Misses / d, c.llMisses / d}
}

// parseCachegrind reads the totals from a cachegrind output file: its
// "events:" line names the columns of its "summary:" line. Data misses are
// reads' and writes' together (D1mr + D1mw, DLmr + DLmw).
func parseCachegrind(r io.Reader) (cachegrindCounts, error) {
	var events, summary []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "events:"); ok {
			events = strings.Fields(rest)
		} else if rest, ok := strings.CutPrefix(line, "summary:"); ok {
			summary = strings.Fields(rest)
		}
	}
	if err := sc.Err(); err != nil {
		return cachegrindCounts{}, fmt.Errorf("instructions: reading cachegrind's output: %w", err)
	}
	if len(events) == 0 || len(events) != len(summary) {
		return cachegrindCounts{}, fmt.Errorf("instructions: cachegrind's output has no summary for its %d events", len(events))
	}
	v := make(map[string]float64, len(events))
	for i, name := range events {
		n, err := strconv.ParseFloat(summary[i], 64)
		if err != nil {
			return cachegrindCounts{}, fmt.Errorf("instructions: cachegrind's %s: %w", name, err)
		}
		v[name] = n
	}
	for _, name := range []string{"Ir", "D1mr", "D1mw", "DLmr", "DLmw"} {
		if _, ok := v[name]; !ok {
			return cachegrindCounts{}, fmt.Errorf("instructions: cachegrind counted no %s (was --cache-sim=yes given?)", name)
		}
	}
	return cachegrindCounts{instructions: v["Ir"], l1Misses: v["D1mr"] + v["D1mw"], llMisses: v["DLmr"] + v["DLmw"]}, nil
}

// runInstructionsChild is -mode instructions' run: -mode engine's world
// driven for -ops operations, then drained and closed, without the checks
// and the final snapshot, whose work grows with what the run wrote and
// would be counted as the operations'. -mode engine checks the same world.
func runInstructionsChild(f flags) error {
	eng, err := actors.Open(engineOptions(f, actors.Options{Dir: f.dir, Fsync: persistence.FsyncOS,
		IdleTimeout: time.Hour, NoFinalSnapshot: true}))
	if err != nil {
		return err
	}
	ctx := context.Background()
	w := newWorld(eng, f.users, f.numbers, fmt.Sprintf("e%d", f.seed))
	if err := w.setup(ctx, 4*runtime.GOMAXPROCS(0)); err != nil {
		return errors.Join(err, eng.Close(ctx))
	}
	r := drive(ctx, w, f.users, 0, f.ops, f.seed)
	err = r.firstErr
	if r.errors == 0 {
		err = nil
	}
	return errors.Join(err, eng.Drain(ctx), eng.Close(ctx))
}
