package pgstore

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on what one event may hold. Keys live in a btree index, whose
// entries must stay well under PostgreSQL's ~2.7 kB row limit; payloads
// match the file journal's record limit.
const (
	MaxKeyLen  = 1024     // bytes of Entity and of Op
	MaxPayload = 64 << 20 // bytes of Payload
)

// Event is one entity's change as the store keeps it: opaque payload bytes
// under the entity's key and its per-entity sequence number.
type Event struct {
	Kind   uint8  // what sort of entity (a registry of kinds is the caller's)
	Entity string // the entity's id within its kind
	// Seq numbers the entity's events 1, 2, 3…: an Append must carry the
	// entity's last seq + 1. Two writers appending the same seq is how a
	// stale activation is caught: only one row goes in.
	Seq uint64
	// Op optionally names the operation (a saga step, a command) that made
	// the event. It is recorded with the event in the same transaction, so
	// a redelivered operation is recognised (ErrDuplicateOp, HasOp).
	Op      string
	Payload []byte
}

// entityKey identifies an entity for fencing.
type entityKey struct {
	kind   uint8
	entity string
}

func (e *Event) key() entityKey { return entityKey{e.Kind, e.Entity} }

// pending is an appended event waiting for its batch.
type pending struct {
	ev   Event
	gseq uint64
	done func(gseq uint64, err error)
}

// validate refuses what the table cannot hold, so that one bad event
// cannot fail a batch full of good ones.
func validate(ev *Event) error {
	reason := ""
	switch {
	case ev.Seq == 0 || ev.Seq > math.MaxInt64:
		reason = "seq must be between 1 and 2^63-1"
	case len(ev.Entity) > MaxKeyLen || len(ev.Op) > MaxKeyLen:
		reason = fmt.Sprintf("entity and op id are limited to %d bytes", MaxKeyLen)
	case !validText(ev.Entity) || !validText(ev.Op):
		reason = "entity and op id must be UTF-8 without NUL bytes"
	case len(ev.Payload) > MaxPayload:
		reason = fmt.Sprintf("payload of %d bytes exceeds %d", len(ev.Payload), MaxPayload)
	default:
		return nil
	}
	return &EventError{Kind: ev.Kind, Entity: ev.Entity, Seq: ev.Seq, Op: ev.Op, Reason: reason, Err: ErrInvalidEvent}
}

func validText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// Append assigns ev the next global sequence (gseq) and queues it for the
// writer, without waiting. The store owns ev.Payload from now on: the
// caller must not change it. done (may be nil) is called exactly once:
// with the gseq and nil once the transaction holding the event has
// committed; or with an *EventError wrapping ErrFenced, ErrDuplicateOp or
// the database's error, and then nothing of the event is in the table;
// or with an error wrapping ErrCommitUnknown, and then the event may or
// may not be in the table (see doc.go). It runs on the writer goroutine,
// in gseq order within a batch, and must be quick and must not call
// Close, AppendSync or WaitDurable.
//
// An invalid event, an event of a fenced entity, and any Append after
// Close or after the store failed are refused at once: done is called on
// the caller's goroutine with gseq 0 and the error, and Append returns 0.
func (s *Store) Append(ev Event, done func(gseq uint64, err error)) uint64 {
	if err := validate(&ev); err != nil {
		refuse(done, err)
		return 0
	}
	if ev.Payload == nil {
		ev.Payload = []byte{}
	}
	s.mu.Lock()
	if err := s.refusalLocked(&ev); err != nil {
		s.mu.Unlock()
		refuse(done, err)
		return 0
	}
	s.next++
	gseq := s.next
	s.queue = append(s.queue, pending{ev: ev, gseq: gseq, done: done})
	s.lastSeq.Store(gseq)
	s.mu.Unlock()
	s.signal()
	return gseq
}

func refuse(done func(uint64, error), err error) {
	if done != nil {
		done(0, err)
	}
}

func (s *Store) refusalLocked(ev *Event) error {
	switch {
	case s.fatal != nil:
		return s.fatal
	case s.closing:
		return ErrClosed
	}
	if why, ok := s.fenced[ev.key()]; ok {
		return &EventError{Kind: ev.Kind, Entity: ev.Entity, Seq: ev.Seq, Op: ev.Op, Reason: why, Err: ErrFenced}
	}
	return nil
}

// signal wakes the writer if it sleeps.
func (s *Store) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// AppendSync appends ev and waits for its outcome: Append for callers that
// may block (tools, tests, migrations of data); actors use Append.
func (s *Store) AppendSync(ev Event) (uint64, error) {
	type result struct {
		gseq uint64
		err  error
	}
	ch := make(chan result, 1)
	s.Append(ev, func(gseq uint64, err error) { ch <- result{gseq, err} })
	r := <-ch
	return r.gseq, r.err
}

// Unfence lets the store take appends for an entity again after a conflict
// or a failed write fenced it. Call it only once the entity has been
// reloaded from the table (Load): its appends must continue from the
// table's last seq, not from the stale state that was fenced.
func (s *Store) Unfence(kind uint8, entity string) {
	s.mu.Lock()
	delete(s.fenced, entityKey{kind, entity})
	s.mu.Unlock()
}

// Fenced reports whether appends for the entity are refused (and why).
func (s *Store) Fenced(kind uint8, entity string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	why, ok := s.fenced[entityKey{kind, entity}]
	return why, ok
}

// LastSeq is the last gseq assigned: every event up to it was accepted by
// Append, not necessarily committed.
func (s *Store) LastSeq() uint64 { return s.lastSeq.Load() }

// DurableSeq is the last gseq settled: every event up to it has been
// committed or has failed, and its done callback has been called (or is
// being called). Which of the two happened, only done says.
func (s *Store) DurableSeq() uint64 { return s.durable.Load() }

// WaitDurable blocks until DurableSeq() >= gseq, the store fails or is
// closed short of it (the error says which), or ctx is done. It says that
// the events up to gseq are settled, not that each of them committed.
func (s *Store) WaitDurable(ctx context.Context, gseq uint64) error {
	for {
		ch := s.notifyChan()
		if s.durable.Load() >= gseq {
			return nil
		}
		if err := s.Err(); err != nil {
			return err
		}
		select {
		case <-s.stopped:
			if s.durable.Load() >= gseq {
				return nil
			}
			return ErrClosed
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("pgstore: wait for gseq %d: %w", gseq, ctx.Err())
		}
	}
}

func (s *Store) notifyChan() chan struct{} {
	s.notifyMu.Lock()
	defer s.notifyMu.Unlock()
	return s.notify
}

// settled moves DurableSeq and wakes the waiters.
func (s *Store) settled(gseq uint64) {
	s.durable.Store(gseq)
	s.notifyMu.Lock()
	close(s.notify)
	s.notify = make(chan struct{})
	s.notifyMu.Unlock()
}

// Stats count the writer's work since Open, to tune batch sizes and watch
// the database's commit latency.
type Stats struct {
	Batches      uint64        // transactions committed
	Events       uint64        // events committed
	Conflicts    uint64        // events refused: their seq was already written
	DuplicateOps uint64        // events refused: their op id was already recorded
	Failed       uint64        // events failed with their batch (database error)
	Retries      uint64        // attempts of a batch after the first (failed on the connection, or not committed after all)
	Careful      uint64        // batches whose plain insert met a key already taken, written again row by row
	Resolved     uint64        // commits whose answer was lost, found out afterwards
	CommitTime   time.Duration // total time of committed batches' transactions
	MaxCommit    time.Duration // longest committed batch's transaction
}

// MeanBatch is the mean number of events per committed transaction.
func (st Stats) MeanBatch() float64 {
	if st.Batches == 0 {
		return 0
	}
	return float64(st.Events) / float64(st.Batches)
}

// MeanCommit is the mean duration of a committed batch's transaction.
func (st Stats) MeanCommit() time.Duration {
	if st.Batches == 0 {
		return 0
	}
	return st.CommitTime / time.Duration(st.Batches)
}

// Stats returns the counters so far.
func (s *Store) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}
