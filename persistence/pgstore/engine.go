package pgstore

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"allot/domain"
	"allot/persistence"
)

// Engine is the engine's store (actors.Store) in PostgreSQL: the events
// go to allot_events through the Store's group commit, fenced on each
// entity's previous sequence, and the engine's whole-state snapshots go to
// allot_state_snapshots (snapshot.go). It is what DATABASE_URL selects.
//
// Every failure is fatal to it, as an fsync failure is to the file
// journal: a refused event (fenced: another writer appended after the
// same event of its entity) or a failed batch means the engine's memory
// runs ahead of the table, so nothing more may be acknowledged until a
// restart reloads the state from the table. A batch fails only once the
// writer has stopped trying it (Options.RetryFor, retry.go): an outage
// shorter than that is a pause.
type Engine struct {
	s    *Store
	opts EngineOptions

	mu      sync.Mutex
	err     error
	failed  atomic.Bool // err is set: Err reads it without the lock, as every append and commit asks
	fatal   sync.Once
	durable atomic.Uint64 // every event up to it committed
	notify  chan struct{} // closed and replaced when durable moves or err is set
	done    func(uint64, error)
	lazy    []int16 // kinds whose events Compact keeps until their own snapshots cover them
	// pins and partial: what SkipInReplay installed (replay_filter.go).
	pins    []domain.EventType
	partial func() bool
}

// EngineOptions configure OpenEngine.
type EngineOptions struct {
	Store   Options                               // the connection pool and the batches
	OnSync  func(took time.Duration, records int) // after each batch is committed
	OnFatal func(error)                           // once, when the store fails for good
	Logger  *slog.Logger
	// SnapshotPart is the size of one stored part of a snapshot (default
	// 8 MiB): a snapshot is written a part at a time, never held whole.
	SnapshotPart int
}

// OpenEngine opens the database at url for the engine: it connects,
// refuses a read-only server or a newer schema, and applies migrations.
func OpenEngine(ctx context.Context, url string, o EngineOptions) (*Engine, error) {
	if o.OnSync == nil {
		o.OnSync = func(time.Duration, int) {}
	}
	if o.OnFatal == nil {
		o.OnFatal = func(error) {}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.SnapshotPart <= 0 {
		o.SnapshotPart = 8 << 20
	}
	e := &Engine{opts: o, notify: make(chan struct{})}
	e.done = e.settle
	so := o.Store
	so.OnBatch = func(took time.Duration, n int) {
		e.wake()
		o.OnSync(took, n)
	}
	s, err := Open(ctx, url, so)
	if err != nil {
		return nil, err
	}
	e.s = s
	e.durable.Store(s.DurableSeq())
	return e, nil
}

// Append queues one record of the entity kind id. Its per-entity
// sequence is prev + 1: every event's successor is unique, so two
// activations appending after the same event of one entity collide on the
// primary key and only one row goes in.
func (e *Engine) Append(kind domain.Kind, id string, prev uint64, payload []byte) uint64 {
	if e.Err() != nil {
		return 0
	}
	// The batch keeps the event until it commits, and the engine reuses
	// payload's buffer for its next record (actors.Store).
	return e.s.Append(Event{Kind: uint8(kind), Entity: id, Seq: prev + 1, Payload: slices.Clone(payload)}, e.done)
}

// settle is every event's done callback, on the writer goroutine, in gseq
// order: a failure is fatal before the durable sequence could pass it. A
// call with gseq 0 is an append refused before it was queued (Append
// returned 0 and the engine reads Err), or a queued event dropped after
// its entity was fenced, which the fence's own failure already reported.
func (e *Engine) settle(gseq uint64, err error) {
	switch {
	case gseq == 0:
	case err != nil:
		e.fail(err)
	case e.Err() == nil && gseq > e.durable.Load():
		e.durable.Store(gseq)
	}
}

func (e *Engine) fail(err error) {
	e.mu.Lock()
	first := e.err == nil
	if first {
		e.err = fmt.Errorf("pgstore: the engine's store stopped; restart to reload the state from the database: %w", err)
		e.failed.Store(true)
	}
	e.mu.Unlock()
	if first {
		e.wake()
		e.fatal.Do(func() { e.opts.OnFatal(e.Err()) })
	}
}

func (e *Engine) wake() {
	e.mu.Lock()
	close(e.notify)
	e.notify = make(chan struct{})
	e.mu.Unlock()
}

// Err is the failure that stopped the store, or nil.
func (e *Engine) Err() error {
	if !e.failed.Load() {
		return e.s.Err()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err != nil {
		return e.err
	}
	return e.s.Err()
}

// Where names the database, without its password.
func (e *Engine) Where() string { return e.s.where }

// LastSeq is the last sequence handed out.
func (e *Engine) LastSeq() uint64 { return e.s.LastSeq() }

// DurableSeq is the highest sequence committed with everything before it.
func (e *Engine) DurableSeq() uint64 { return e.durable.Load() }

// WaitDurable waits until every event up to seq is committed, the store
// fails, or ctx ends.
func (e *Engine) WaitDurable(ctx context.Context, seq uint64) error {
	for {
		e.mu.Lock()
		ch := e.notify
		e.mu.Unlock()
		if e.durable.Load() >= seq {
			return nil
		}
		if err := e.Err(); err != nil {
			return err
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("pgstore: wait for seq %d: %w", seq, ctx.Err())
		}
	}
}

// Sync waits for everything appended so far: a commit is already as
// durable as the server makes it (synchronous_commit).
func (e *Engine) Sync() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return e.WaitDurable(ctx, e.LastSeq())
}

// Stats reports the group commits in the journal's terms.
func (e *Engine) Stats() persistence.JournalStats {
	st := e.s.Stats()
	return persistence.JournalStats{Records: st.Events, Batches: st.Batches}
}

// Close drains what is queued and closes the connections.
func (e *Engine) Close() error { return e.s.Close() }

// Recover restores the newest whole-state snapshot, then replays every
// event after it in sequence order.
func (e *Engine) Recover(restore, replay func(seq uint64, payload []byte) error) (persistence.RecoveryInfo, error) {
	ctx := context.Background()
	start := time.Now()
	var info persistence.RecoveryInfo
	snap, payload, err := e.newestSnapshot(ctx)
	if err != nil {
		return info, err
	}
	if snap != nil {
		if err := restore(snap.Seq, payload); err != nil {
			return info, fmt.Errorf("pgstore: restore snapshot %d: %w", snap.Seq, err)
		}
		info.SnapshotSeq, info.SnapshotPath = snap.Seq, snap.Path
	}
	payload = nil
	info.RestoreDuration = time.Since(start)
	t := time.Now()
	if err := e.replayToEnd(ctx, info.SnapshotSeq, replay, &info); err != nil {
		return info, err
	}
	info.LastSeq = e.LastSeq()
	info.ReplayDuration = time.Since(t)
	info.Duration = time.Since(start)
	return info, nil
}

// replayToEnd replays every event after afterGseq, then reads the table's
// end again (Store.catchUp) and replays what a killed predecessor's last
// statements committed meanwhile, until the end stays put. Its writer
// committed in order, so only a tail can come late; a rescan from where
// the first began hands the engine some records again, which it skips as
// seen (each entity's sequence says so).
func (e *Engine) replayToEnd(ctx context.Context, afterGseq uint64, replay func(seq uint64, payload []byte) error,
	info *persistence.RecoveryInfo) error {
	each := func(gseq uint64, ev Event) error {
		if err := replay(gseq, ev.Payload); err != nil {
			return fmt.Errorf("pgstore: replay event %d (%s %q, seq %d): %w", gseq, domain.Kind(ev.Kind), ev.Entity, ev.Seq, err)
		}
		info.Replayed++
		return nil
	}
	end := e.LastSeq()
	if err := e.scanForReplay(ctx, afterGseq, each); err != nil {
		return err
	}
	for {
		moved, err := e.s.catchUp(ctx)
		if err != nil || moved == end {
			return err
		}
		if moved > e.durable.Load() { // committed, by the predecessor: nothing here waits on them
			e.durable.Store(moved)
			e.wake()
		}
		e.opts.Logger.Warn("events committed after the start read the last gseq; replaying them",
			"from_gseq", end, "to_gseq", moved)
		if err := e.scanForReplay(ctx, max(afterGseq, end), each); err != nil {
			return err
		}
		end = moved
	}
}
