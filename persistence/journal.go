package persistence

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// JournalOptions configure OpenJournal. Only Dir is required.
type JournalOptions struct {
	Dir   string    // created if missing; holds segments and a LOCK file
	Fsync FsyncMode // when a record counts as durable; FsyncAlways by default
	// SegmentSize is the size segments are preallocated to (default
	// DefaultSegmentSize, at least MinSegmentSize). A record larger than a
	// segment gets a segment of its own size.
	SegmentSize int64
	Logger      *slog.Logger // torn tails (Warn) and failures (Error); default: discard
	// OnSync is called by the writer goroutine after each batch is durable
	// and its done callbacks ran, with DurableSeq already advanced: a place
	// for metrics or for releasing waiters. It must be quick and must not
	// call Close or wait for the journal.
	OnSync func(d time.Duration, records, bytes int)
	// OnFatal is called once when a write or fdatasync fails, after every
	// unacknowledged record has failed and the writer has stopped (so it
	// may call Close). The journal has failed for good: the process should
	// stop taking work and restart to recover from disk.
	OnFatal func(err error)
	// FirstSeq is the sequence of the first record of a journal directory
	// that holds no segment yet (default 1). Restoring a snapshot into an
	// empty directory sets it to the snapshot's seq + 1.
	FirstSeq uint64
	// FS is the file layer (default: the operating system). Tests and
	// `loadtest -mode powerloss` pass a simulated disk (package simdisk)
	// that cuts the power between any two file operations.
	FS FS

	// version is the segment format new segments are written in
	// (default segmentVersion); the golden tests write version 1.
	version uint16
}

func (o JournalOptions) withDefaults() (JournalOptions, error) {
	switch {
	case o.Dir == "":
		return o, errors.New("persistence: journal Dir is empty")
	case o.Fsync != FsyncAlways && o.Fsync != FsyncOS:
		return o, fmt.Errorf("persistence: unknown fsync mode %d", int(o.Fsync))
	case o.SegmentSize == 0:
		o.SegmentSize = DefaultSegmentSize
	case o.SegmentSize < MinSegmentSize:
		return o, fmt.Errorf("persistence: SegmentSize %d below the minimum %d", o.SegmentSize, MinSegmentSize)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.FS == nil {
		o.FS = osFS{}
	}
	if o.version == 0 {
		o.version = segmentVersion
	}
	o.FirstSeq = max(o.FirstSeq, 1)
	return o, nil
}

// Journal is the append-only write-ahead log: records are numbered by a
// sequence that only grows, and one writer goroutine makes them durable in
// batches (group commit). All methods are safe for concurrent use.
type Journal struct {
	opts    JournalOptions
	log     *slog.Logger
	fs      FS
	version uint16 // of the segments this journal creates
	lock    io.Closer

	mu      sync.Mutex // guards the fields below; held only briefly
	wake    sync.Cond  // on mu: wakes the idle writer
	last    uint64     // last assigned sequence
	pending []pendingRecord
	// bytes holds the pending records' payloads, copied in by Append so
	// that a caller may encode its next record into the same buffer: a
	// fresh buffer per record was a tenth of what the engine allocated.
	bytes   []byte
	idle    bool          // the writer waits on wake
	closing bool          // Close was called: refuse appends
	fatal   error         // set once a write or sync failed
	syncReq chan struct{} // a Sync waits for it to close

	lastSeq atomic.Uint64 // last assigned sequence, readable without mu
	durable atomic.Uint64
	stopped atomic.Bool // the writer goroutine has returned

	notifyMu sync.Mutex
	notify   chan struct{} // closed when durable advances or the writer stops

	segMu     sync.Mutex
	segs      []segmentMeta // oldest first; the last one is active
	compactMu sync.Mutex    // serializes Replay and Compact

	w         writerState                     // owned by the writer goroutine
	syncFile  func(f File, path string) error // fdatasync; tests inject failures
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
	stats     counters
	losses    []Loss // what load set aside; see Losses
}

type pendingRecord struct {
	seq     uint64
	payload []byte
	done    func(seq uint64, err error)
}

// segmentMeta is what the journal knows of a segment on disk.
type segmentMeta struct {
	path        string
	first, last uint64 // last = first-1 while empty
	records     int
	end         int64 // offset after the last written record
}

type counters struct {
	records, batches, bytes, syncs, rollovers atomic.Uint64
}

// JournalStats are plain counters since OpenJournal, for metrics.
type JournalStats struct {
	Records   uint64 // records made durable
	Batches   uint64 // group commits
	Bytes     uint64 // record bytes written
	Syncs     uint64 // fdatasync calls on segments
	Rollovers uint64 // segments started
	Segments  int    // segment files on disk now
}

// OpenJournal opens (or creates) the journal in opts.Dir. It checks every
// record of every segment (see doc.go): an unfinished write at the end of
// the last segment (a crash or power cut before its batch was complete)
// is copied to a ".broken" file, zeroed, logged and reported by Losses;
// after a failed write or fdatasync it also sets aside what that failure
// left unacknowledged; any other bad record fails with an error wrapping a
// *CorruptError, which RepairJournal answers. It then starts the writer
// goroutine; Close stops it.
func OpenJournal(opts JournalOptions) (*Journal, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := opts.FS.MkdirAll(opts.Dir, dirPerm); err != nil {
		return nil, fmt.Errorf("persistence: open journal: %w", err)
	}
	lock, err := opts.FS.Lock(opts.Dir)
	if err != nil {
		return nil, err
	}
	j := &Journal{opts: opts, log: opts.Logger, fs: opts.FS, version: opts.version, lock: lock,
		done: make(chan struct{}), syncFile: fdatasync}
	j.wake.L = &j.mu
	j.w.next = make(chan preparedSegment, 1)
	if err := j.load(); err != nil {
		if j.w.f != nil {
			_ = j.w.f.Close()
		}
		_ = lock.Close()
		return nil, err
	}
	go j.run()
	return j, nil
}

func (j *Journal) setLast(seq uint64) {
	j.last = seq
	j.lastSeq.Store(seq)
	j.durable.Store(seq)
}

// Append assigns payload the next sequence and queues it for the writer;
// sequence order is file order. The journal copies payload: the caller may
// reuse it as soon as Append returns. done (may be nil) is called exactly
// once, from the writer goroutine and in sequence order, when the record
// is durable per the fsync mode or with the error that failed it (the
// outcome is then unknown: the bytes may have reached the file, and a
// restart may replay the record; see doc.go). It must be quick and must
// not call Close, AppendSync or anything that waits for the journal (it
// runs on the writer goroutine).
//
// An empty or oversized payload, or an Append after Close or a failure, is
// refused: done is called synchronously on the caller's goroutine with
// seq 0 and the error (ErrPayloadSize, ErrClosed or the failure), and
// Append returns 0.
func (j *Journal) Append(payload []byte, done func(seq uint64, err error)) uint64 {
	if len(payload) == 0 || len(payload) > MaxPayloadSize {
		refuse(done, fmt.Errorf("%w: %d bytes (want 1..%d)", ErrPayloadSize, len(payload), MaxPayloadSize))
		return 0
	}
	var own []byte
	if len(payload) > ownCopyFrom {
		own = bytes.Clone(payload) // before the lock, which other appenders wait for
	}
	j.mu.Lock()
	if err := j.refusalLocked(); err != nil {
		j.mu.Unlock()
		refuse(done, err)
		return 0
	}
	j.last++
	seq := j.last
	j.lastSeq.Store(seq)
	if own == nil {
		at := len(j.bytes)
		j.bytes = append(j.bytes, payload...)
		own = j.bytes[at:len(j.bytes):len(j.bytes)]
	}
	j.pending = append(j.pending, pendingRecord{seq: seq, payload: own, done: done})
	j.wakeLocked()
	j.mu.Unlock()
	return seq
}

// ownCopyFrom is the payload size from which Append copies a payload into
// a buffer of its own rather than into the pending records' (Journal.bytes):
// a copy of megabytes is not made while the other appenders wait for the
// lock, nor kept in the buffer the next batch reuses.
const ownCopyFrom = 64 << 10

func refuse(done func(uint64, error), err error) {
	if done != nil {
		done(0, err)
	}
}

func (j *Journal) refusalLocked() error {
	if j.fatal != nil {
		return j.fatal
	}
	if j.closing {
		return ErrClosed
	}
	return nil
}

func (j *Journal) wakeLocked() {
	if j.idle {
		j.idle = false
		j.wake.Signal()
	}
}

// syncWaiter lets AppendSync wait without allocating per call.
type syncWaiter struct {
	ch   chan error
	done func(uint64, error)
}

var syncWaiters = sync.Pool{New: func() any {
	w := &syncWaiter{ch: make(chan error, 1)}
	w.done = func(_ uint64, err error) { w.ch <- err }
	return w
}}

// AppendSync appends payload and waits until it is durable. It is Append
// for callers that may block (tools, tests); actors use Append.
func (j *Journal) AppendSync(payload []byte) (uint64, error) {
	w := syncWaiters.Get().(*syncWaiter)
	seq := j.Append(payload, w.done)
	err := <-w.ch
	syncWaiters.Put(w)
	return seq, err
}

// LastSeq is the last sequence assigned (0 for a journal never written):
// every record up to it has been accepted, not necessarily made durable.
func (j *Journal) LastSeq() uint64 { return j.lastSeq.Load() }

// DurableSeq is the last sequence known durable per the fsync mode: every
// record up to it survives a crash (in FsyncOS mode: a process crash).
func (j *Journal) DurableSeq() uint64 { return j.durable.Load() }

// WaitDurable blocks until DurableSeq() >= seq, the journal fails or is
// closed short of seq (the error says which), or ctx is done. A seq not
// yet assigned is waited for too.
func (j *Journal) WaitDurable(ctx context.Context, seq uint64) error {
	for {
		ch := j.notifyChan()
		if j.durable.Load() >= seq {
			return nil
		}
		if err := j.fatalErr(); err != nil {
			return err
		}
		if j.stopped.Load() {
			return ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("persistence: wait for seq %d: %w", seq, ctx.Err())
		}
	}
}

func (j *Journal) notifyChan() chan struct{} {
	j.notifyMu.Lock()
	defer j.notifyMu.Unlock()
	if j.notify == nil {
		j.notify = make(chan struct{})
	}
	return j.notify
}

// broadcast wakes every WaitDurable; the channel exists only while someone waits.
func (j *Journal) broadcast() {
	j.notifyMu.Lock()
	if j.notify != nil {
		close(j.notify)
		j.notify = nil
	}
	j.notifyMu.Unlock()
}

// Sync makes every record appended so far durable on stable storage, even
// in FsyncOS mode (where acknowledgement does not wait for it). Call it
// before writing a snapshot in FsyncOS mode, so that a power loss cannot
// leave a snapshot ahead of the journal. In FsyncAlways mode it only waits
// for the batch in flight.
func (j *Journal) Sync() error {
	j.mu.Lock()
	if err := j.refusalLocked(); err != nil {
		j.mu.Unlock()
		return err
	}
	if j.syncReq == nil {
		j.syncReq = make(chan struct{})
	}
	ch := j.syncReq
	j.wakeLocked()
	j.mu.Unlock()
	<-ch
	return j.fatalErr()
}

// Err says why the journal no longer accepts appends: the failure that
// stopped it, ErrClosed after Close, or nil while it works.
func (j *Journal) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.refusalLocked()
}

func (j *Journal) fatalErr() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.fatal
}

// Close refuses further appends, makes every record already accepted
// durable (with a final fdatasync in both modes), and releases the
// directory. It returns the failure if the journal failed. Calling it
// again returns the same result.
func (j *Journal) Close() error {
	j.closeOnce.Do(func() { j.closeErr = j.close() })
	return j.closeErr
}

func (j *Journal) close() error {
	j.mu.Lock()
	j.closing = true
	j.idle = false
	j.wake.Signal()
	j.mu.Unlock()
	<-j.done
	errs := []error{j.fatalErr()}
	if j.w.f != nil {
		if err := j.w.f.Close(); err != nil {
			errs = append(errs, fmt.Errorf("persistence: close journal: %w", err))
		}
	}
	if j.w.preparing {
		if p := <-j.w.next; p.f != nil {
			_ = p.f.Close()
			_ = j.fs.Remove(p.f.Name())
		}
	}
	return errors.Join(append(errs, j.lock.Close())...)
}

// Stats returns the journal's counters.
func (j *Journal) Stats() JournalStats {
	j.segMu.Lock()
	n := len(j.segs)
	j.segMu.Unlock()
	return JournalStats{
		Records: j.stats.records.Load(), Batches: j.stats.batches.Load(), Bytes: j.stats.bytes.Load(),
		Syncs: j.stats.syncs.Load(), Rollovers: j.stats.rollovers.Load(), Segments: n,
	}
}
