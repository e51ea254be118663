package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"allot/actors"
	"allot/domain"
	"allot/persistence"
)

// runPayments is -mode payments: N incoming transactions on the fake chain
// read by the real watcher through the real TON source, configured for
// USDT, which also re-reads older pages now and then, as a liteserver that
// lost its place would. Three quarters are TON (exact payments of
// invoices, late ones, wrong amounts, bounces and 1-nanoton spam), a
// quarter are about USDT (exact, late and wrong USDT payments of USDT
// top-ups, payments in the other currency than the invoice's, and forged
// notifications from a jetton wallet that is not ours). It checks, per
// currency, that every payment that should count counted exactly once, to
// the right person, in the right currency, that the forged ones credited
// nothing, and that money is conserved (payments_check.go).
func runPayments(f flags) (map[string]any, error) {
	fsync, err := persistence.ParseFsyncMode(f.fsync)
	if err != nil {
		return nil, err
	}
	dir, cleanup, err := dataDir(f, "payments")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	var offset atomic.Int64 // moves the engine's clock past invoice windows
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	eng, err := actors.Open(actors.Options{Dir: dir, Fsync: fsync, Clock: clock})
	if err != nil {
		return nil, err
	}
	defer eng.Close(context.Background())
	ctx := context.Background()

	rig, err := newPayRig(ctx)
	if err != nil {
		return nil, err
	}
	plan, err := planPayments(ctx, eng, f, &offset)
	if err != nil {
		return nil, err
	}
	rig.emit(plan, clock, f.seed)
	src := &rewinding{inner: rig.source(), r: rand.New(rand.NewPCG(uint64(f.seed), 12))}
	run, err := watchPayments(eng, rig, src)
	if err != nil {
		return nil, err
	}
	if err := eng.Drain(ctx); err != nil {
		return nil, err
	}
	tot, checkErr := eng.Check()
	out, err := checkPayments(ctx, eng, plan, tot)
	if err != nil {
		return nil, err
	}
	out.forgedCounted = run.status.Rejected["forged"]
	out.rejected = run.status.Rejected
	return out.report(plan, tot, checkErr, run), nil
}

// watchRun is what the watcher did: how long it took to settle at the
// chain's head, and its status when it stopped.
type watchRun struct {
	secs    float64
	status  actors.WatchStatus
	rewinds int64
}

// watchPayments runs the watcher over the whole chain until it settles,
// lets the rewinding source re-deliver a few times more, and stops it.
func watchPayments(eng *actors.Engine, rig *payRig, src *rewinding) (watchRun, error) {
	t0 := time.Now()
	w, err := eng.Watch(actors.WatchOptions{Wallet: rig.account(), Source: src, Start: rig.start,
		Interval: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		return watchRun{}, err
	}
	head := rig.chain.Head()
	for w.Status().Settled != head {
		time.Sleep(time.Millisecond)
		if time.Since(t0) > 5*time.Minute {
			w.Close()
			return watchRun{}, fmt.Errorf("the watcher settled at %+v of %+v after 5 minutes", w.Status().Settled, head)
		}
	}
	secs := time.Since(t0).Seconds()
	// Let the rewinding source re-deliver a few times more, then stop.
	for t := time.Now(); src.rewinds.Load() < 3 && time.Since(t) < 10*time.Second; {
		w.Poke()
		time.Sleep(5 * time.Millisecond)
	}
	for t := time.Now(); w.Status().Settled != head && time.Since(t) < 10*time.Second; {
		time.Sleep(5 * time.Millisecond)
	}
	w.Close()
	return watchRun{secs: secs, status: w.Status(), rewinds: src.rewinds.Load()}, nil
}

// rewinding is a chain source that now and then reads from a cursor a few
// polls old, so the watcher sees transactions it has already handed on:
// the re-deliveries a liteserver produces after losing its place.
type rewinding struct {
	inner   actors.ChainSource
	mu      sync.Mutex
	r       *rand.Rand
	seen    []domain.ChainCursor
	calls   int
	rewinds atomic.Int64
}

func (s *rewinding) Since(ctx context.Context, after domain.ChainCursor) ([]domain.Payment, domain.ChainCursor, error) {
	s.mu.Lock()
	from := after
	s.calls++
	if older := slices.DeleteFunc(slices.Clone(s.seen), func(c domain.ChainCursor) bool { return c == after }); len(older) > 0 && s.calls%3 == 0 {
		from = older[s.r.IntN(len(older))]
		s.rewinds.Add(1)
	}
	if !slices.Contains(s.seen, after) {
		s.seen = append(s.seen, after)
	}
	s.mu.Unlock()
	// Read from an older cursor, the source still answers the chain's head:
	// the watcher's cursor never goes back, it only sees old transactions again.
	return s.inner.Since(ctx, from)
}

// Rejected passes on the inner source's count of refused notifications,
// so that the watcher's status shows them as it would without the rewind.
func (s *rewinding) Rejected() map[string]uint64 {
	if rc, ok := s.inner.(actors.RejectCounter); ok {
		return rc.Rejected()
	}
	return nil
}
