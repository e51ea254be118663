package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"allot/persistence"
	"allot/persistence/simdisk"
)

// Power-loss cycles run on a simulated disk (persistence/simdisk) in
// memory: the real journal code, cut between any two of its file
// operations, thousands of times a minute.
const (
	plDir         = "/data/journal"
	plSegmentSize = 16 << 10 // small: rollovers in every cycle
	plEpoch       = 25       // cycles on one disk before a fresh one
	plAppenders   = 8
	plInFlight    = 4    // appends each appender keeps in flight
	plMaxAppends  = 4000 // per cycle, should the cut never come
)

// runPowerLoss is -mode powerloss: each cycle opens the journal on the
// simulated disk, checks what the last cycle left (every record that had
// to survive is there and intact, nothing that was never appended is, the
// start was not refused), sometimes damages an acknowledged record to see
// the start refused, then appends from several goroutines until a power
// cut (or a kill -9) lands at a random file operation, keeping a random
// subset of the unsynced pages or sectors.
func runPowerLoss(f flags) (map[string]any, error) {
	p := &powerLoss{r: rand.New(rand.NewPCG(uint64(f.seed), 13))}
	start := time.Now()
	for c := 1; c <= f.cycles; c++ {
		if (c-1)%plEpoch == 0 {
			p.fresh()
		}
		if err := p.cycle(c); err != nil {
			return nil, fmt.Errorf("cycle %d: %w", c, err)
		}
	}
	p.cycles = f.cycles
	secs := time.Since(start).Seconds()
	res := p.result()
	res["seconds"], res["seed"] = secs, f.seed
	fmt.Printf("powerloss: %d cycles (%d power cuts, %d kills, %d in FsyncOS mode) in %.1fs: %d acknowledged, %d lost, "+
		"%d refused starts, %d garbage records accepted; %d of %d damaged journals refused; invariants ok: %v\n",
		p.cycles, p.cuts, p.kills, p.osCycles, secs, p.acked, p.lost, p.refused, p.garbage, p.damageRefused,
		p.damageInjected, res["invariants_ok"])
	return res, nil
}

// powerLoss is the state of a run: the disk, what the journal must hold,
// and the counts reported.
type powerLoss struct {
	r       *rand.Rand
	disk    *simdisk.Disk
	truth   map[uint64]entry // the journal's records as the last check found them
	pending *loadRun         // the cycle cut since that check

	cycles, cuts, kills, osCycles, cutsInOpen                int
	acked, lost, osLost, refused, garbage, falseAlarms       int
	damageInjected, damageRefused, losses, ackedLosses, torn int
	partial                                                  int    // cuts that kept some unsynced units and lost others
	rollovers                                                uint64 // segments started under load
	reported                                                 int    // violations printed
	firstRefusal                                             error
}

// entry is one record: its payload and whether it was acknowledged.
type entry struct {
	payload []byte
	acked   bool
}

func (p *powerLoss) fresh() {
	p.disk, p.truth, p.pending = simdisk.New(), map[uint64]entry{}, nil
}

// cycle is one open, check, load and power cut; some cycles damage the
// journal first, some kill the process (kill -9) under load and reopen
// before the load that the cut ends.
func (p *powerLoss) cycle(c int) error {
	mode := persistence.FsyncAlways
	if p.r.IntN(4) == 0 {
		mode, p.osCycles = persistence.FsyncOS, p.osCycles+1
	}
	j, err := p.open(mode)
	if err == nil && j != nil && p.r.IntN(5) == 0 {
		j, err = p.damage(j, mode)
	}
	if err == nil && j != nil && p.r.IntN(8) == 0 {
		p.settle(p.load(j, c, mode, true))
		_ = j.Close() // fails: the process is gone
		j, err = p.open(mode)
	}
	if err != nil {
		return err
	}
	if j == nil { // refused: counted; go on with a fresh disk
		p.fresh()
		return nil
	}
	p.settle(p.load(j, c, mode, false))
	_ = j.Close() // fails: the power is off
	return nil
}

// open opens the journal after the last cut, sometimes cutting the power
// again during the open (its recovery must survive that too), and checks
// what it holds. It returns nil when the start was refused.
func (p *powerLoss) open(mode persistence.FsyncMode) (*persistence.Journal, error) {
	if len(p.truth) > 0 && p.r.IntN(10) == 0 {
		p.disk.CutAfter(1+p.r.IntN(12), p.policy())
		j, err := p.openOnce(mode)
		p.disk.Cancel() // if the open needed fewer operations
		if err == nil {
			return j, p.check(j)
		} else if !errors.Is(err, simdisk.ErrPowerOff) {
			return nil, p.refuse(err)
		}
		p.cutsInOpen++
		if p.pending != nil { // what a kill left unsynced, this cut may take
			p.pending.kill = false
		}
	}
	j, err := p.openOnce(mode)
	if err != nil {
		return nil, p.refuse(err)
	}
	return j, p.check(j)
}

func (p *powerLoss) openOnce(mode persistence.FsyncMode) (*persistence.Journal, error) {
	return persistence.OpenJournal(persistence.JournalOptions{Dir: plDir, FS: p.disk.Mount(), Fsync: mode,
		SegmentSize: plSegmentSize})
}

// refuse counts a refused start; only an unexpected kind of error stops
// the run.
func (p *powerLoss) refuse(err error) error {
	p.refused++
	if p.firstRefusal == nil {
		p.firstRefusal = err
		fmt.Println("  REFUSED START:", err)
		p.describe(err)
	}
	return nil
}

// describe prints what the refused file holds around the offset named.
func (p *powerLoss) describe(err error) {
	var ce *persistence.CorruptError
	if !errors.As(err, &ce) {
		return
	}
	data, rerr := p.disk.Mount().ReadFile(ce.File)
	if rerr != nil || ce.Offset >= int64(len(data)) {
		fmt.Printf("  %s: %d bytes (%v)\n", ce.File, len(data), rerr)
		return
	}
	end := min(int(ce.Offset)+48, len(data))
	fmt.Printf("  %s: %d bytes; at %d: %x\n", ce.File, len(data), ce.Offset, data[ce.Offset:end])
	if run := p.pending; run != nil {
		fmt.Printf("  the cycle before: %s, kill %v, %d appended\n", run.mode, run.kill, len(run.appended))
	}
}

// policy draws how a cut treats unsynced data: all kept, all lost, or a
// random share, by page or by sector.
func (p *powerLoss) policy() simdisk.Policy {
	pol := simdisk.Policy{Sectors: p.r.IntN(2) == 0}
	switch p.r.IntN(6) {
	case 0:
		pol.Keep = simdisk.KeepAll
	case 1:
		pol.Keep = nil
	default:
		pol.Keep = simdisk.RandomKeep(rand.New(rand.NewPCG(p.r.Uint64(), 1)), p.r.Float64())
	}
	return pol
}

// loadRun is what one cycle's appenders did.
type loadRun struct {
	mode     persistence.FsyncMode
	kill     bool
	mu       sync.Mutex
	appended map[uint64][]byte
	acked    map[uint64]bool
	synced   atomic.Uint64 // every acknowledged record up to it was covered by a Sync that returned
	maxAcked atomic.Uint64
}

// load appends until the scheduled cut or kill stops the journal.
func (p *powerLoss) load(j *persistence.Journal, c int, mode persistence.FsyncMode, kill bool) *loadRun {
	run := &loadRun{mode: mode, kill: kill, appended: map[uint64][]byte{}, acked: map[uint64]bool{}}
	p.disk.SetSyncLatency(time.Duration(p.r.IntN(2)) * 30 * time.Microsecond) // half the cycles: batches grow
	switch n := 1 + p.r.IntN(400); {
	case run.kill:
		p.disk.CrashAfter(n)
		p.kills++
	case p.r.IntN(2) == 0: // half the cuts land in an fdatasync, with a batch written but not synced
		p.disk.CutAt("sync", 1+n/3, p.policy())
		p.cuts++
	default:
		p.disk.CutAfter(n, p.policy())
		p.cuts++
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := range plAppenders {
		wg.Add(1)
		seed := p.r.Uint64()
		go func() { defer wg.Done(); run.appender(j, 2*c+btoi(kill), g, seed) }()
	}
	if mode == persistence.FsyncOS {
		go run.syncer(j, stop)
	}
	wg.Wait()
	close(stop)
	p.rollovers += j.Stats().Rollovers
	return run
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
