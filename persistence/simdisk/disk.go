// Package simdisk is a simulated disk under a page cache, for driving the
// real journal (persistence.OpenJournal with JournalOptions.FS set to a
// Mount) through power cuts, kill -9 and failing fdatasyncs, thousands of
// times a minute and without root.
//
// It is an exported package, not a test helper inside persistence, because
// two kinds of caller need the very same model: the persistence tests and
// `loadtest -mode powerloss`, a command that cannot import test files.
// Exported hooks on the journal instead would widen persistence's API
// for tests alone.
//
// The model, per file: reads and writes go to the page cache; Sync (the
// journal's fdatasync) copies the sectors written since the last sync to
// the disk. A power cut (Cut) keeps or loses every unsynced unit (4 KiB
// page, or with Policy.Sectors each 512-byte sector of it) independently,
// as a disk that reorders its writes may; a lost unit reads back as what
// the disk last held there. A file's size grown since its last sync is
// one more such unit. Creations, renames and removals are durable once the
// directory is synced (SyncDir); of those not yet synced a cut keeps the
// oldest ones, up to the first the policy loses, as a journaling file
// system commits them in order. Directories themselves are durable at once.
// A kill (Crash) keeps the page cache as it is. Either way every Mount and
// file opened before is dead: its calls fail with ErrPowerOff, as the
// process that held them would be gone.
//
// A failed Sync (Faults.Sync) behaves as Linux does after a writeback
// error: the sectors it was to write are marked clean whether or not the
// disk got them (Faults.SyncKeep says which did), while the cache still
// shows the new bytes, until DropCache (posix_fadvise DONTNEED) or a cut.
package simdisk

import (
	"errors"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// Units a power cut decides about.
const (
	PageSize   = 4096
	SectorSize = 512
)

// ErrPowerOff fails every call on a Mount or file opened before a cut or a
// kill.
var ErrPowerOff = errors.New("simdisk: the power was cut or the process killed")

// UnitKind says what an unsynced unit is.
type UnitKind int

// The kinds of unit a Policy decides about.
const (
	DataUnit UnitKind = iota // bytes of a file: a page or a sector
	SizeUnit                 // a file's size, grown or cut since its last sync
	NameUnit                 // a creation, rename or removal not yet synced
)

// Unit is one unsynced change a power cut keeps or loses.
type Unit struct {
	Kind UnitKind
	Path string // the file (for a NameUnit, the name created, renamed to or removed)
	Off  int64  // a DataUnit's offset
	Len  int    // a DataUnit's length
}

// Policy decides a power cut.
type Policy struct {
	Keep    func(Unit) bool // nil loses every unsynced change
	Sectors bool            // decide each 512-byte sector of a page on its own
}

// KeepAll keeps every unsynced change: a clean shutdown of the machine.
func KeepAll(Unit) bool { return true }

// RandomKeep keeps each unit with probability p.
func RandomKeep(r *rand.Rand, p float64) func(Unit) bool {
	return func(Unit) bool { return r.Float64() < p }
}

// Faults inject failures; the zero value injects none.
type Faults struct {
	// Sync, when it returns an error for a file, fails that Sync.
	Sync func(path string) error
	// SyncKeep says which units of a failed Sync reached the disk anyway;
	// nil: none did.
	SyncKeep func(Unit) bool
	// Create, when it returns an error for a path, fails its creation.
	Create func(path string) error
}

// Report counts what a cut kept and lost.
type Report struct {
	Kept, Lost int // data units
}

// Disk is the simulated disk and page cache. It is safe for concurrent
// use; New makes one.
type Disk struct {
	mu      sync.Mutex
	gen     uint64            // mounts and files of older generations are dead
	files   map[string]*inode // names as the page cache shows them
	durable map[string]*inode // names as the disk holds them
	pending []nameOp          // name changes not yet synced, oldest first
	dirs    map[string]bool
	locks   map[string]uint64 // directory → the generation holding it
	faults  Faults
	latency time.Duration  // each Sync waits this long first
	ops     map[string]int // mutating calls so far, by operation ("" counts all)
	at      int            // the call that triggers the scheduled event (0: none)
	atOp    string         // the operation at counts ("": any mutating call)
	event   func() *Report // the scheduled event
	last    Report
}

// nameOp is an unsynced creation (to set, from empty), rename or removal
// (to empty).
type nameOp struct {
	from, to string
	ino      *inode
}

// New returns an empty disk.
func New() *Disk {
	return &Disk{files: map[string]*inode{}, durable: map[string]*inode{}, dirs: map[string]bool{"/": true},
		locks: map[string]uint64{}, ops: map[string]int{}}
}

// Mount starts a process's view of the disk: an FS for the journal.
func (d *Disk) Mount() *Mount {
	d.mu.Lock()
	defer d.mu.Unlock()
	return &Mount{d: d, gen: d.gen}
}

// SetFaults replaces the injected faults.
func (d *Disk) SetFaults(f Faults) {
	d.mu.Lock()
	d.faults = f
	d.mu.Unlock()
}

// SetSyncLatency makes every Sync wait d before it syncs, as a real
// fdatasync takes time: the journal's batches then grow the way they do
// under load, and a cut finds more unsynced pages.
func (d *Disk) SetSyncLatency(latency time.Duration) {
	d.mu.Lock()
	d.latency = latency
	d.mu.Unlock()
}

// Cut cuts the power now.
func (d *Disk) Cut(p Policy) Report {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cut(p)
}

// Crash kills the process now: the page cache survives, its handles die.
func (d *Disk) Crash() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.kill()
}

// CutAfter cuts the power during the n-th mutating call from now (a write,
// sync, creation, rename or removal), which fails: a cut at a moment the
// caller does not choose.
func (d *Disk) CutAfter(n int, p Policy) {
	d.schedule(n, func() *Report { r := d.cut(p); return &r })
}

// CutAt cuts the power during the n-th call of one operation from now:
// "sync" (after the writes it was to make durable, before it returns),
// "syncdir", "rename", "remove", "write" or "create".
func (d *Disk) CutAt(op string, n int, p Policy) {
	d.scheduleAt(op, n, func() *Report { r := d.cut(p); return &r })
}

// CrashAfter kills the process during the n-th mutating call from now.
func (d *Disk) CrashAfter(n int) {
	d.schedule(n, func() *Report { d.kill(); return nil })
}

// CrashAt kills the process during the n-th call of op from now (see
// CutAt): between a rename and the directory's sync, say.
func (d *Disk) CrashAt(op string, n int) {
	d.scheduleAt(op, n, func() *Report { d.kill(); return nil })
}

// Cancel drops the scheduled cut or kill, if it has not happened.
func (d *Disk) Cancel() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.at, d.event = 0, nil
}

// Fired reports whether the scheduled cut or kill has happened, and what a
// cut kept and lost.
func (d *Disk) Fired() (bool, Report) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.at == 0, d.last
}

func (d *Disk) schedule(n int, ev func() *Report) { d.scheduleAt("", n, ev) }

func (d *Disk) scheduleAt(op string, n int, ev func() *Report) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.at, d.atOp, d.event, d.last = d.ops[op]+max(n, 1), op, ev, Report{}
}

// step counts a mutating call of operation op by generation gen and
// reports whether it may go on: not if it is dead, or if it triggers the
// scheduled event.
func (d *Disk) step(gen uint64, op string) bool {
	if gen != d.gen {
		return false
	}
	d.ops[""]++
	d.ops[op]++
	if d.at == 0 || d.ops[d.atOp] < d.at || (d.atOp != "" && d.atOp != op) {
		return true
	}
	if r := d.event(); r != nil {
		d.last = *r
	}
	d.at, d.event = 0, nil
	return false
}

func (d *Disk) kill() {
	d.gen++
	clear(d.locks)
}

// cut decides every unsynced change, then reboots: the cache is empty and
// shows what the disk holds.
func (d *Disk) cut(p Policy) Report {
	d.kill()
	keep := p.Keep
	if keep == nil {
		keep = func(Unit) bool { return false }
	}
	var r Report
	inos := d.inodes()
	for _, path := range slices.Sorted(maps.Keys(inos)) { // sorted: a seeded policy decides the same way twice
		inos[path].settle(path, keep, p.Sectors, &r)
		inos[path].reboot()
	}
	for _, op := range d.pending {
		if !keep(Unit{Kind: NameUnit, Path: op.name()}) {
			break
		}
		op.apply(d.durable)
	}
	d.pending = nil
	d.files = make(map[string]*inode, len(d.durable))
	for name, ino := range d.durable {
		d.files[name] = ino
	}
	return r
}

// inodes returns every file the cache, the disk or a pending change knows,
// by one of its names.
func (d *Disk) inodes() map[string]*inode {
	out := map[string]*inode{}
	seen := map[*inode]bool{}
	add := func(name string, ino *inode) {
		if ino != nil && !seen[ino] {
			seen[ino], out[name] = true, ino
		}
	}
	for name, ino := range d.files {
		add(name, ino)
	}
	for name, ino := range d.durable {
		add(name, ino)
	}
	for _, op := range d.pending {
		add(op.to, op.ino)
	}
	return out
}

// name is the name the change creates, renames to or removes.
func (op nameOp) name() string {
	if op.to != "" {
		return op.to
	}
	return op.from
}

func (op nameOp) apply(names map[string]*inode) {
	switch {
	case op.from == "":
		names[op.to] = op.ino
	case op.to == "":
		delete(names, op.from)
	default:
		if ino, ok := names[op.from]; ok {
			names[op.to] = ino
			delete(names, op.from)
		}
	}
}

// syncDir makes the pending name changes in dir durable, in order.
func (d *Disk) syncDir(dir string) {
	rest := d.pending[:0]
	for _, op := range d.pending {
		if filepath.Dir(op.name()) == dir {
			op.apply(d.durable)
		} else {
			rest = append(rest, op)
		}
	}
	d.pending = rest
}
