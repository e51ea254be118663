package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"allot/actors"
	"allot/domain"
	"allot/persistence"
)

// runEngine is -mode engine: N users drive the mix through the engine's
// entry points for the duration, then the invariants are checked.
func runEngine(f flags) (map[string]any, error) {
	mode, err := persistence.ParseFsyncMode(f.fsync)
	if err != nil {
		return nil, err
	}
	dir, cleanup, err := dataDir(f, "engine")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	eng, err := actors.Open(engineOptions(f, actors.Options{Dir: dir, Fsync: mode, IdleTimeout: time.Hour}))
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	w := newWorld(eng, f.users, f.numbers, fmt.Sprintf("e%d", f.seed))
	t0 := time.Now()
	if err := w.setup(ctx, 4*runtime.GOMAXPROCS(0)); err != nil {
		return nil, err
	}
	setup := time.Since(t0)
	cpu0, err := cpuTime()
	if err != nil {
		return nil, err
	}
	alloc0 := heapAllocated()
	r := drive(ctx, w, f.users, f.duration, f.ops, f.seed)
	cpu1, err := cpuTime()
	if err != nil {
		return nil, err
	}
	r.cpu, r.alloc = cpu1-cpu0, heapAllocated()-alloc0
	if err := eng.Drain(ctx); err != nil {
		return nil, err
	}
	tot, cerr := eng.Check()
	st := eng.Stats()
	inv := invariants(tot, cerr, w, r)
	t1 := time.Now()
	if err := eng.Close(ctx); err != nil {
		return nil, err
	}
	closing := time.Since(t1)
	secs := r.elapsed.Seconds()
	res := map[string]any{
		"mode": "engine", "fsync": f.fsync, "users": f.users, "numbers": f.numbers,
		"ops": r.ops, "ops_per_sec": round(float64(r.ops) / secs), "p50_ms": round(r.h.quantile(0.5)),
		"p99_ms": round(r.h.quantile(0.99)), "max_ms": round(float64(r.h.max) / 1e6), "errors": r.errors,
		"refused": r.refused, "invariants_ok": inv == nil, "setup_s": round(setup.Seconds()), "seconds": round(secs),
		"cpu_us_per_op": round(r.cpuPerOp()), "alloc_bytes_per_op": r.allocPerOp(), "peak_rss_mib": peakRSS() >> 20,
		"slow_ops": r.tail.slow, "slow_ops_during_marks": r.tail.duringMarks, "mark_phases": r.tail.phases,
		"marking_s": round(r.tail.marking.Seconds()), "close_s": round(closing.Seconds()),
	}
	for k := 0; k < opKinds; k++ {
		res[opNames[k]+"_ok"] = r.byKind[k]
	}
	printEngine(f, r, st, tot, inv)
	fmt.Printf("  close %.2f s (the final snapshot and the shutdown: a restart's first half)\n", closing.Seconds())
	return res, nil
}

// printEngine writes the engine run's summary for a person.
func printEngine(f flags, r runResult, st actors.Stats, tot actors.Totals, inv error) {
	secs := r.elapsed.Seconds()
	fmt.Printf("engine: %d users, %d numbers, store=%s, fsync=%s, %.1fs\n", f.users, f.numbers, f.store, f.fsync, secs)
	fmt.Printf("  ops %d (%.0f/s), p50 %.2f ms, p99 %.2f ms, max %.1f ms\n", r.ops, float64(r.ops)/secs,
		r.h.quantile(0.5), r.h.quantile(0.99), float64(r.h.max)/1e6)
	fmt.Printf("  ok: rent %d, renew %d, transfer %d, top-up %d; refused %d; errors %d\n",
		r.byKind[opRent], r.byKind[opRenew], r.byKind[opTransfer], r.byKind[opTopUp], r.refused, r.errors)
	for k := 0; k < opKinds; k++ {
		fmt.Printf("  %-8s p50 %6.2f ms  p99 %6.2f ms  (%d)\n", opNames[k], r.hKind[k].quantile(0.5), r.hKind[k].quantile(0.99), r.hKind[k].n)
	}
	fmt.Printf("  tail: %s\n", r.tail.line(r.ops, r.elapsed))
	fmt.Printf("  CPU %.1f us and %d bytes allocated per op (the whole process over the run); peak RSS %d MiB\n",
		r.cpuPerOp(), r.allocPerOp(), peakRSS()>>20)
	if st.Commits > 0 {
		fmt.Printf("  journal: %d records in %d commits (%.0f per commit), commit avg %.2f ms, max %.1f ms\n",
			st.Journal.Records, st.Commits, float64(st.Journal.Records)/float64(st.Commits),
			float64(st.CommitSum)/float64(st.Commits)/1e6, float64(st.CommitMax)/1e6)
	}
	fmt.Printf("  rented %d of %d numbers; balances %s; purchased %s\n", tot.Rented, tot.Numbers, tot.Balances, tot.Purchased)
	if inv != nil {
		fmt.Printf("  INVARIANTS: %v\n", inv)
	} else {
		fmt.Println("  invariants: ok (ledgers balance, no tx twice, one renter per number, money conserved, every rental day paid for or granted)")
	}
	if r.firstErr != nil {
		fmt.Printf("  first error: %v\n", r.firstErr)
	}
}

type runResult struct {
	ops, errors, refused int64
	byKind               [opKinds]int64
	h                    histogram
	hKind                [opKinds]histogram
	elapsed              time.Duration
	cpu                  time.Duration // the process's CPU time over the run, when measured
	alloc                uint64        // the bytes the process allocated over the run
	firstErr             error
	deposited            domain.Nano
	slow                 []span     // the operations over tailSlow, until drive attributes them
	tail                 tailReport // where they fell (tail.go)
}

// drive runs one goroutine per user until the duration is over, or, when
// ops is positive, until ops operations have been started.
func drive(ctx context.Context, w *world, users int, d time.Duration, ops int, seed int64) runResult {
	var res runResult
	var mu sync.Mutex
	var stop atomic.Bool
	var left atomic.Int64
	left.Store(int64(ops))
	var wg sync.WaitGroup
	start := time.Now()
	marks := watchMarks(start)
	for i := 1; i <= users; i++ {
		wg.Add(1)
		go func(ui int) {
			defer wg.Done()
			var local runResult
			r := rand.New(rand.NewPCG(uint64(seed), uint64(ui)))
			for !stop.Load() && (ops <= 0 || left.Add(-1) >= 0) {
				kind := pick(r)
				t := time.Now()
				acks, refused, err := w.do(ctx, r, kind, ui)
				local.record(kind, t.Sub(start), time.Since(t), acks, refused, err)
			}
			for k := range local.hKind {
				local.h.merge(&local.hKind[k])
			}
			mu.Lock()
			res.merge(&local)
			mu.Unlock()
		}(i)
	}
	if ops <= 0 {
		time.Sleep(d)
		stop.Store(true)
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.tail = attribute(res.slow, marks.end())
	res.slow = nil
	return res
}

// record counts one operation of kind that started at from into the run
// and took took.
func (r *runResult) record(kind int, from, took time.Duration, acks []ack, refused bool, err error) {
	if took > tailSlow {
		r.slow = append(r.slow, span{from, from + took})
	}
	r.hKind[kind].add(took) // r.h is their sum, made once the run is over
	r.ops++
	switch {
	case err != nil:
		r.errors++
		if r.firstErr == nil {
			r.firstErr = err
		}
	case refused:
		r.refused++
	default:
		r.byKind[kind]++
		for _, a := range acks {
			if a.kind == opTopUp {
				r.deposited += domain.TON(50)
			}
		}
	}
}

func (r *runResult) merge(o *runResult) {
	r.ops += o.ops
	r.errors += o.errors
	r.refused += o.refused
	for k := range r.byKind {
		r.byKind[k] += o.byKind[k]
	}
	r.h.merge(&o.h)
	for k := range r.hKind {
		r.hKind[k].merge(&o.hKind[k])
	}
	r.deposited += o.deposited
	r.slow = append(r.slow, o.slow...)
	if r.firstErr == nil {
		r.firstErr = o.firstErr
	}
}

// invariants adds the load test's own conservation checks to the engine's:
// with no cancellations or expiries in the mix, every nanoton deposited is
// either on a balance or paid into a current rental.
func invariants(t actors.Totals, checkErr error, w *world, r runResult) error {
	if checkErr != nil {
		return checkErr
	}
	start := domain.TON(100_000) * domain.Nano(w.users)
	switch {
	case t.Processing != 0:
		return fmt.Errorf("%d purchases still processing after drain", t.Processing)
	case t.Recharged != start+r.deposited:
		return fmt.Errorf("recharged %s, but deposits acknowledged %s", t.Recharged, start+r.deposited)
	case t.Balances+t.Purchased-t.Refunded != t.Recharged:
		return fmt.Errorf("balances %s + purchased %s - refunded %s != recharged %s", t.Balances, t.Purchased, t.Refunded, t.Recharged)
	case t.RentalPaid != t.Purchased:
		return fmt.Errorf("rentals paid %s != purchases %s", t.RentalPaid, t.Purchased)
	}
	return nil
}

func round(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }

// cpuPerOp is the process's CPU time per operation in microseconds: what
// the engine costs, users' goroutines included, however busy the machine.
func (r runResult) cpuPerOp() float64 {
	if r.ops == 0 {
		return 0
	}
	return float64(r.cpu.Microseconds()) / float64(r.ops)
}

// allocPerOp is the heap the process allocated per operation, in bytes:
// unlike the CPU, the same on a busy machine as on an idle one, and what
// sets how often the collector runs.
func (r runResult) allocPerOp() int64 {
	if r.ops == 0 {
		return 0
	}
	return int64(r.alloc) / r.ops
}

// heapAllocated is how many bytes the process has allocated on the heap
// since it started, freed or not.
func heapAllocated() uint64 { return runtimeCount("/gc/heap/allocs:bytes") }

// peakRSS is the most memory this process has held, in bytes.
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024 // kilobytes on Linux
}
