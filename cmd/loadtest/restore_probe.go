package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"runtime/trace"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"allot/actors"
	"allot/persistence"
)

// probeStats are the latencies of the probe deposits in one window, and
// the garbage collections that ran in it.
type probeStats struct {
	n             int
	p50, p99, max time.Duration
	// gcs is how many garbage collections ended in the window (for the
	// snapshot's, also one still marking when it ended). With two cores
	// the collector's mark workers each take a core for 10-20 ms at a
	// time, whoever waits: a window with a collection in it measures that.
	gcs uint64
}

func (p probeStats) String() string {
	s := fmt.Sprintf("%d deposits, p50 %.2f ms, p99 %.2f ms, max %.2f ms", p.n, ms(p.p50), ms(p.p99), ms(p.max))
	if p.gcs > 0 {
		s += fmt.Sprintf(" (%d garbage collections ran in it)", p.gcs)
	}
	return s
}

// gcCount reads how many collections have completed, without stopping
// the world as ReadMemStats would.
func gcCount() uint64 { return runtimeCount("/gc/cycles/total:gc-cycles") }

// runtimeCount reads one of the runtime's counters (runtime/metrics); 0
// when this Go has no such counter.
func runtimeCount(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// snapshotProbe is what operations saw while a snapshot was written, and
// in a window of the same length just before, for comparison: a maximum
// alone over a few seconds of a shared machine says little, so the
// percentiles are reported beside it.
type snapshotProbe struct{ before, during probeStats }

// put adds the probe's figures to a result line.
func (s snapshotProbe) put(res map[string]any) {
	res["max_pause_ms"], res["pause_p99_ms"], res["pause_p50_ms"] = round(ms(s.during.max)), round(ms(s.during.p99)), round(ms(s.during.p50))
	res["baseline_max_ms"], res["baseline_p99_ms"] = round(ms(s.before.max)), round(ms(s.before.p99))
}

// snapshotUnderLoad keeps one probe goroutine per core making deposits to
// the wallets built, first for a baseline window as long as a snapshot
// took last time (or a second), then while a snapshot is written, and
// reports the latencies of each window. With a trace path, both windows
// are traced, each deposit a region named deposit: which goroutines held
// the cores while a slow one waited is the question a trace answers.
func snapshotUnderLoad(ctx context.Context, eng *actors.Engine, wallets int, tracePath string) (persistence.SnapshotInfo, snapshotProbe, error) {
	var window atomic.Int32 // 0 warm-up, 1 baseline, 2 snapshot, 3 stop
	lat := [3][][]time.Duration{}
	for i := range lat {
		lat[i] = make([][]time.Duration, runtime.GOMAXPROCS(0))
	}
	var wg sync.WaitGroup
	for p := range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				w := window.Load()
				if w == 3 {
					return
				}
				t := time.Now()
				var err error
				trace.WithRegion(ctx, "deposit", func() { err = depositOne(ctx, eng, i, i%wallets, "probe"+strconv.Itoa(p)) })
				if err != nil {
					return
				}
				lat[w][p] = append(lat[w][p], time.Since(t))
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	stopTrace, err := startTrace(tracePath)
	if err != nil {
		window.Store(3)
		wg.Wait()
		return persistence.SnapshotInfo{}, snapshotProbe{}, err
	}
	defer stopTrace()
	g0 := gcCount()
	window.Store(1)
	time.Sleep(time.Second)
	g1 := gcCount()
	window.Store(2)
	info, err := eng.Snapshot(ctx)
	window.Store(3)
	g2 := gcCount()
	wg.Wait()
	runtime.GC() // waits for a collection still marking, then runs its own
	p := snapshotProbe{before: stats(lat[1]), during: stats(lat[2])}
	p.before.gcs, p.during.gcs = g1-g0, g2-g1+(gcCount()-g2-1)
	return info, p, err
}

func stats(per [][]time.Duration) probeStats {
	all := slices.Concat(per...)
	if len(all) == 0 {
		return probeStats{}
	}
	slices.Sort(all)
	at := func(q float64) time.Duration { return all[min(len(all)-1, int(q*float64(len(all))))] }
	return probeStats{n: len(all), p50: at(0.50), p99: at(0.99), max: all[len(all)-1]}
}

// firstAnswers is how long the first requests after a restart took: what
// a person arriving right after it waits on top of the start itself.
type firstAnswers struct {
	page, wallet time.Duration
	// activation is reading idle wallets one after another, each for the
	// first time since the restart: its actor starts and, on a store that
	// loads one entity, its state comes from the store (loaded of them).
	activation probeStats
	loaded     uint64
}

func (f firstAnswers) String() string {
	return fmt.Sprintf("the first catalogue page in %.2f ms, the first wallet (an idle entity's actor started) in %.2f ms\n"+
		"  activation: %d idle wallets read one at a time (%d loaded from the store): p50 %.2f ms, p99 %.2f ms, max %.2f ms",
		ms(f.page), ms(f.wallet), f.activation.n, f.loaded, ms(f.activation.p50), ms(f.activation.p99), ms(f.activation.max))
}

func (f firstAnswers) put(res map[string]any) {
	res["first_page_ms"], res["first_wallet_ms"] = round(ms(f.page)), round(ms(f.wallet))
	res["activation_p50_ms"], res["activation_p99_ms"], res["activation_max_ms"] =
		round(ms(f.activation.p50)), round(ms(f.activation.p99)), round(ms(f.activation.max))
	res["activation_loaded"] = f.loaded
}

// activationProbe is how many idle wallets firstRequests reads.
const activationProbe = 2000

// firstRequests asks a restarted engine of n numbers and w wallets for a
// catalogue page from the middle and for one wallet, read-only, so that
// the state still equals the one built.
func firstRequests(ctx context.Context, eng *actors.Engine, n, w int) (firstAnswers, error) {
	var f firstAnswers
	t := time.Now()
	if p := eng.Catalogue(ctx, n/20, 10); len(p.Numbers) == 0 {
		return f, fmt.Errorf("an empty catalogue page %d of %d", p.Page, p.Pages)
	}
	f.page = time.Since(t)
	t = time.Now()
	if _, err := eng.Wallet(ctx, userID(w/2+1)); err != nil {
		return f, err
	}
	f.wallet = time.Since(t)
	k := min(w-1, activationProbe)
	lat := make([]time.Duration, 0, k)
	loaded := eng.Stats().Loaded
	for i := 0; i < k; i++ {
		u := userID(1 + (w/2+1+i*(w/k))%w) // spread over the users, never the one read above
		t = time.Now()
		if _, err := eng.Wallet(ctx, u); err != nil {
			return f, err
		}
		lat = append(lat, time.Since(t))
	}
	f.activation, f.loaded = stats([][]time.Duration{lat}), eng.Stats().Loaded-loaded
	return f, nil
}
