package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"allot/persistence"
	"allot/persistence/simdisk"
)

// appender appends records of varied sizes, a few in flight at a time,
// until the journal refuses (the cut or kill has stopped it).
func (run *loadRun) appender(j *persistence.Journal, c, g int, seed uint64) {
	r := rand.New(rand.NewPCG(seed, uint64(g)))
	slots := make(chan struct{}, plInFlight)
	var inflight sync.WaitGroup
	for i := range plMaxAppends / plAppenders {
		slots <- struct{}{}
		payload := plPayload(r, c, g, i)
		inflight.Add(1)
		seq := j.Append(payload, func(seq uint64, err error) {
			if err == nil {
				run.ack(seq)
			}
			<-slots
			inflight.Done()
		})
		if seq == 0 {
			break
		}
		run.mu.Lock()
		run.appended[seq] = payload
		run.mu.Unlock()
	}
	inflight.Wait()
}

// ack notes an acknowledged record; the journal acknowledges in sequence
// order from one goroutine, so maxAcked only grows.
func (run *loadRun) ack(seq uint64) {
	run.mu.Lock()
	run.acked[seq] = true
	run.mu.Unlock()
	run.maxAcked.Store(seq)
}

// syncer calls Sync now and then in FsyncOS mode: what was acknowledged
// before a Sync that returned must survive the cut too.
func (run *loadRun) syncer(j *persistence.Journal, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-time.After(200 * time.Microsecond):
		}
		upTo := run.maxAcked.Load()
		if j.Sync() != nil {
			return
		}
		run.synced.Store(upTo)
	}
}

// plPayload is a unique, recognisable payload: a text prefix, then
// non-zero random bytes; mostly small, some of several KiB, a few larger
// than a segment.
func plPayload(r *rand.Rand, c, g, i int) []byte {
	n := 8 + r.IntN(300)
	switch k := r.IntN(100); {
	case k < 2:
		n = plSegmentSize + r.IntN(8<<10)
	case k < 15:
		n = 300 + r.IntN(2700)
	}
	b := fmt.Appendf(nil, "c%d g%d i%d|", c, g, i)
	for len(b) < n {
		b = append(b, byte(1+r.IntN(255)))
	}
	return b
}

// settle keeps what a cycle did for the check after the next open.
func (p *powerLoss) settle(run *loadRun) {
	p.pending = run
	p.acked += len(run.acked)
	if _, rep := p.disk.Fired(); rep.Kept > 0 && rep.Lost > 0 {
		p.partial++
	}
}

// check replays the journal and compares it with what had to survive.
func (p *powerLoss) check(j *persistence.Journal) error {
	got := map[uint64][]byte{}
	err := j.Replay(0, func(seq uint64, payload []byte) error {
		got[seq] = bytes.Clone(payload)
		return nil
	})
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	run := p.pending
	next := make(map[uint64]entry, len(got))
	for seq, payload := range got {
		e, ok := p.truth[seq]
		if !ok && run != nil {
			e.payload, ok = run.appended[seq]
			e.acked = run.acked[seq]
		}
		if !ok || !bytes.Equal(e.payload, payload) {
			p.garbage++
		}
		next[seq] = entry{payload: payload, acked: e.acked}
	}
	for seq, e := range p.truth {
		if !bytes.Equal(got[seq], e.payload) {
			p.lost++
			p.report("LOST (a record an earlier start had found)", seq, run)
		}
	}
	lost, osLost := p.checkRun(run, got)
	p.checkLosses(j.Losses(), run, lost+osLost)
	p.truth, p.pending = next, nil
	return nil
}

// checkRun counts the records the last cycle acknowledged that are gone:
// lost when they had to survive (FsyncAlways, a kill, or covered by a
// Sync), else lost to FsyncOS's weaker promise.
func (p *powerLoss) checkRun(run *loadRun, got map[uint64][]byte) (lost, osLost int) {
	if run == nil {
		return 0, 0
	}
	synced := run.synced.Load()
	for seq := range run.acked {
		if bytes.Equal(got[seq], run.appended[seq]) {
			continue
		}
		if run.mode == persistence.FsyncAlways || run.kill || seq <= synced {
			lost++
			p.report("LOST (acknowledged)", seq, run)
		} else {
			osLost++
		}
	}
	p.lost, p.osLost = p.lost+lost, p.osLost+osLost
	return lost, osLost
}

// checkLosses counts what the open reported setting aside. Saying that
// acknowledged records were lost when none was is a false alarm, which an
// operator would be paged for; after a cycle in FsyncAlways mode nothing
// acknowledged may be set aside at all.
func (p *powerLoss) checkLosses(ls []persistence.Loss, run *loadRun, lostAcked int) {
	p.losses += len(ls)
	for _, l := range ls {
		if l.What == "journal batch" || l.What == "journal tail" {
			p.torn++
		}
		if !l.Acknowledged {
			continue
		}
		p.ackedLosses++
		if run != nil && run.mode == persistence.FsyncAlways && !run.kill && lostAcked == 0 {
			p.falseAlarms++
		}
	}
}

// damage closes the journal, flips one byte of an acknowledged record on
// the disk, and expects the next start to be refused with a
// *CorruptError; then it puts the byte back and reopens.
func (p *powerLoss) damage(j *persistence.Journal, mode persistence.FsyncMode) (*persistence.Journal, error) {
	if err := j.Close(); err != nil {
		return nil, fmt.Errorf("close before damage: %w", err)
	}
	m := p.disk.Mount()
	seq, ok := p.pickAcked()
	if ok {
		payload := p.truth[seq].payload
		path, at, err := findPayload(m, payload)
		if err != nil {
			return nil, fmt.Errorf("seq %d: %w", seq, err)
		}
		pos := at - 16 + int64(p.r.IntN(len(payload)+16)) // the record: 16-byte header, then payload (doc.go)
		if err := p.refusesFlip(m, mode, path, pos); err != nil {
			return nil, err
		}
	}
	j, err := p.openOnce(mode)
	if err != nil {
		return nil, p.refuse(err)
	}
	return j, p.check(j)
}

// refusesFlip flips the byte at pos of path to another non-zero value,
// opens the journal expecting a refusal, and puts the byte back.
func (p *powerLoss) refusesFlip(m *simdisk.Mount, mode persistence.FsyncMode, path string, pos int64) error {
	old, err := readByte(m, path, pos)
	if err != nil {
		return err
	}
	flipped := old ^ byte(1+p.r.IntN(255))
	for flipped == 0 || flipped == old {
		flipped = old ^ byte(1+p.r.IntN(255))
	}
	if err := writeByte(m, path, pos, flipped); err != nil {
		return err
	}
	p.damageInjected++
	j, err := p.openOnce(mode)
	switch {
	case err == nil:
		_ = j.Close()
		fmt.Printf("  DAMAGE ACCEPTED: %s offset %d (0x%02x -> 0x%02x), losses %+v\n", path, pos, old, flipped, j.Losses())
		p.fresh() // the open changed the disk: start over
		return nil
	case errors.Is(err, persistence.ErrCorrupt):
		p.damageRefused++
	default:
		return fmt.Errorf("open of a damaged journal: %w", err)
	}
	return writeByte(p.disk.Mount(), path, pos, old)
}

// pickAcked picks an acknowledged record still in the journal: half the
// time one of the last three, where damage used to pass for a torn tail.
func (p *powerLoss) pickAcked() (uint64, bool) {
	var seqs []uint64
	for seq, e := range p.truth {
		if e.acked {
			seqs = append(seqs, seq)
		}
	}
	if len(seqs) == 0 {
		return 0, false
	}
	slices.Sort(seqs)
	if p.r.IntN(2) == 0 {
		seqs = seqs[max(0, len(seqs)-3):]
	}
	return seqs[p.r.IntN(len(seqs))], true
}

// findPayload finds the segment and offset holding payload.
func findPayload(m *simdisk.Mount, payload []byte) (string, int64, error) {
	ents, err := m.ReadDir(plDir)
	if err != nil {
		return "", 0, err
	}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".wal") {
			continue
		}
		path := filepath.Join(plDir, e.Name())
		data, err := m.ReadFile(path)
		if err != nil {
			return "", 0, err
		}
		if i := bytes.Index(data, payload); i >= 16 {
			return path, int64(i), nil
		}
	}
	return "", 0, errors.New("payload not found in any segment")
}

func readByte(m *simdisk.Mount, path string, pos int64) (byte, error) {
	f, err := m.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	b := make([]byte, 1)
	_, err = f.ReadAt(b, pos)
	return b[0], err
}

// writeByte writes one byte and syncs it: damage the disk holds.
func writeByte(m *simdisk.Mount, path string, pos int64, b byte) error {
	f, err := m.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteAt([]byte{b}, pos); err != nil {
		return errors.Join(err, f.Close())
	}
	return errors.Join(f.Sync(), f.Close())
}

// result is the run's JSON object.
func (p *powerLoss) result() map[string]any {
	ok := p.lost == 0 && p.garbage == 0 && p.refused == 0 && p.damageRefused == p.damageInjected && p.falseAlarms == 0
	return map[string]any{"mode": "powerloss", "cycles": p.cycles, "power_cuts": p.cuts, "kills": p.kills,
		"os_cycles": p.osCycles, "cuts_during_open": p.cutsInOpen, "acknowledged": p.acked, "lost": p.lost,
		"os_acknowledged_lost": p.osLost, "refused_starts": p.refused, "garbage_accepted": p.garbage,
		"damage_injected": p.damageInjected, "damage_refused": p.damageRefused, "losses_reported": p.losses,
		"acknowledged_losses_reported": p.ackedLosses, "false_alarms": p.falseAlarms, "torn_set_aside": p.torn,
		"cuts_keeping_part": p.partial, "rollovers": p.rollovers,
		"invariants_ok": ok}
}

// report prints the first few violations, with what the cycle did.
func (p *powerLoss) report(what string, seq uint64, run *loadRun) {
	if p.reported++; p.reported > 10 {
		return
	}
	if run == nil {
		fmt.Printf("  %s: seq %d, after a refused or damaged start\n", what, seq)
		return
	}
	fmt.Printf("  %s: seq %d; the cycle before: %s, kill %v, synced up to %d, acked up to %d\n",
		what, seq, run.mode, run.kill, run.synced.Load(), run.maxAcked.Load())
}
