package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"allot/actors"
	"allot/cmd/internal/gctune"
	"allot/domain"
	"allot/persistence"
)

// runRestore is -mode restore: build N numbers and N wallets (W with
// -wallets), write a snapshot while operations keep running, add about W
// journal records after it, then restart without a final snapshot, as
// after a crash, and measure restore, replay and heap.
func runRestore(f flags) (map[string]any, error) {
	if f.entities < 1 || f.wallets < 0 || f.wallets == 1 || f.entities == 1 && f.wallets == 0 {
		return nil, fmt.Errorf("-mode restore builds at least one number and two wallets (-entities %d, -wallets %d)", f.entities, f.wallets)
	}
	dir, cleanup, err := dataDir(f, "restore")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	ctx := context.Background()
	b, err := buildAndSnapshot(ctx, f, dir)
	if err != nil {
		return nil, err
	}
	return b.restart(ctx, f, dir)
}

// restoreBuild is what the first engine of -mode restore did.
type restoreBuild struct {
	n      int // numbers
	w      int // wallets
	build  time.Duration
	active int64
	info   persistence.SnapshotInfo
	first  time.Duration // on PostgreSQL, the snapshot that first stored every wallet on its own
	probe  snapshotProbe
	before actors.Totals // Check's totals when it closed
}

// buildAndSnapshot builds the state, snapshots it under load, adds the
// records after the snapshot and closes the engine without a final one.
func buildAndSnapshot(ctx context.Context, f flags, dir string) (restoreBuild, error) {
	b := restoreBuild{n: f.entities, w: cmp.Or(f.wallets, f.entities)}
	eng, err := actors.Open(engineOptions(f, actors.Options{Dir: dir, Fsync: persistence.FsyncOS,
		IdleTimeout: 2 * time.Second, NoFinalSnapshot: true}))
	if err != nil {
		return b, err
	}
	t0 := time.Now()
	if err := parallel(max(b.n, b.w), func(i int) error { return b.buildOne(ctx, eng, i) }); err != nil {
		return b, err
	}
	b.build = time.Since(t0)
	// The build touched every entity within seconds; wait until they are
	// idle (passivated), as entities are between bursts in production, so
	// that the snapshot meets the steady state it is built for. Entities
	// still active are copied by their actors, one message each.
	for deadline := time.Now().Add(30 * time.Second); eng.Stats().Active > 1000 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	b.active = eng.Stats().Active
	// So is the build's garbage: gigabytes of it, and a collection the
	// build started marked for seconds, through both probe windows below
	// (GODEBUG=gctrace=1: 5.1 s), its mark workers taking each core for
	// 10-20 ms at a time. A running bot's collections come every minute
	// or so; the probe reports any that falls in its windows.
	runtime.GC()
	if f.store == storePostgres {
		// On PostgreSQL a snapshot first stores the own snapshot of every
		// wallet that changed since the last one: after the build, all of
		// them. That catch-up is timed on its own; the probed snapshot
		// below is the steady state, storing the wallets changed since.
		t := time.Now()
		if _, err := eng.Snapshot(ctx); err != nil {
			return b, err
		}
		b.first = time.Since(t)
	}
	if b.info, b.probe, err = snapshotUnderLoad(ctx, eng, b.w, f.trace); err != nil {
		return b, err
	}
	// About w records after the snapshot: each deposit journals two.
	if err := parallel(b.w/2, func(i int) error { return depositOne(ctx, eng, i, i, "after") }); err != nil {
		return b, err
	}
	if err := eng.Drain(ctx); err != nil {
		return b, err
	}
	if b.before, err = eng.Check(); err != nil {
		return b, err
	}
	return b, eng.Close(ctx)
}

// restart opens dir again, as after a crash, measures it against what
// was built, and reports both.
func (b restoreBuild) restart(ctx context.Context, f flags, dir string) (map[string]any, error) {
	heapBefore := heapNow()
	t1 := time.Now()
	eng, err := gctune.Starting(func() (*actors.Engine, error) { // as allot opens it
		return actors.Open(engineOptions(f, actors.Options{Dir: dir, Fsync: persistence.FsyncOS, NoFinalSnapshot: true}))
	})
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	openTook := time.Since(t1)
	resident := eng.KindCounts()[domain.KindWallet].Entities // on PostgreSQL, wallets wait in the database
	first, err := firstRequests(ctx, eng, b.n, b.w)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("restore: the first requests: %w", err), eng.Close(ctx))
	}
	heapAfter := heapNow()
	if f.memprof != "" {
		writeAllocs(f.memprof)
	}
	rec, ot := eng.Recovery(), eng.OpenTimes()
	after, cerr := eng.Check()
	same := cerr == nil && after == b.before
	if err := eng.Close(ctx); err != nil {
		return nil, err
	}
	perEntity := float64(heapAfter-heapBefore) / float64(b.n+b.w)
	res := map[string]any{
		"mode": "restore", "entities": b.n, "wallets": b.w, "build_s": round(b.build.Seconds()),
		"snapshot_write_s": round(b.info.Duration.Seconds()), "snapshot_bytes": b.info.Size,
		"restore_s": round(rec.RestoreDuration.Seconds()), "replay_s": round(rec.ReplayDuration.Seconds()),
		"replayed": rec.Replayed, "open_s": round(openTook.Seconds()),
		"open_storage_s": round(ot.Storage.Seconds()), "open_view_s": round(ot.View.Seconds()), "open_resume_s": round(ot.Resume.Seconds()),
		"heap_bytes_per_entity": int(perEntity), "active_at_snapshot": b.active, "wallets_in_memory": resident,
		"invariants_ok": same,
	}
	first.put(res)
	b.probe.put(res)
	if b.first > 0 {
		res["first_snapshot_s"] = round(b.first.Seconds())
	}
	fmt.Printf("restore: %d numbers + %d wallets (built in %.1fs)\n", b.n, b.w, b.build.Seconds())
	if b.first > 0 {
		fmt.Printf("  the first snapshot, storing every wallet's own: %.2fs\n", b.first.Seconds())
	}
	fmt.Printf("  snapshot: %.2fs, %d bytes, %d entities active\n", b.info.Duration.Seconds(), b.info.Size, b.active)
	fmt.Printf("  deposits meanwhile: %s\n  the same time before it: %s\n", b.probe.during, b.probe.before)
	fmt.Printf("  restart: snapshot restore %.2fs, replay of %d records %.2fs, open in all %.2fs\n",
		rec.RestoreDuration.Seconds(), rec.Replayed, rec.ReplayDuration.Seconds(), openTook.Seconds())
	fmt.Printf("  the rest of the open: storage %.2fs, the catalogue's view %.2fs, resuming %.2fs\n",
		ot.Storage.Seconds(), ot.View.Seconds(), ot.Resume.Seconds())
	fmt.Printf("  then: %s\n", first)
	fmt.Printf("  heap: %.0f bytes per idle entity, %d of the %d wallets in memory after the open\n", perEntity, resident, b.w)
	if !same {
		fmt.Printf("  STATE DIFFERS after restore: before %+v after %+v (%v)\n", b.before, after, cerr)
	} else {
		fmt.Println("  state after restore equals state before: ok")
	}
	return res, nil
}

// buildOne adds number i and makes wallet i, as far as there are each.
func (b restoreBuild) buildOne(ctx context.Context, eng *actors.Engine, i int) error {
	if i < b.n {
		if _, err := eng.AddNumber(ctx, 0, numberID(i+1)); err != nil {
			return err
		}
	}
	if i >= b.w {
		return nil
	}
	return depositOne(ctx, eng, i, i, "build")
}

// depositOne is the i-th payment tagged tag, to the wallet of user u+1.
func depositOne(ctx context.Context, eng *actors.Engine, i, u int, tag string) error {
	_, err := eng.Deposit(ctx, domain.Payment{Tx: domain.TxID{Account: tag, LT: uint64(i), Hash: "r"},
		Amount: domain.TON(10), User: userID(u + 1), At: time.Now()})
	return err
}

// parallel runs fn(0..n-1) on a few goroutines per core.
func parallel(n int, fn func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	failed := func() bool { mu.Lock(); defer mu.Unlock(); return first != nil }
	for k := 0; k < 8*runtime.GOMAXPROCS(0); k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || failed() {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					first = cmp.Or(first, err)
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

func heapNow() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
