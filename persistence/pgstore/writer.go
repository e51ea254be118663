package pgstore

import (
	"errors"
	"fmt"
	"time"
)

// run is the writer goroutine: it takes everything queued (up to the batch
// limits), writes it in one transaction, and settles it, until Close has
// been called and the queue is empty.
func (s *Store) run() {
	defer close(s.stopped)
	for {
		batch, ok := s.take()
		if !ok {
			return
		}
		start := time.Now()
		out, err := s.write(batch)
		s.settle(batch, out, err, time.Since(start))
	}
}

// take waits for queued events and returns the oldest of them that fit in
// one batch; false once the store is closing and nothing is left.
func (s *Store) take() ([]pending, bool) {
	for {
		if s.opts.beforeTake != nil {
			s.opts.beforeTake()
		}
		s.mu.Lock()
		if len(s.queue) > 0 {
			n, bytes := 0, 0
			for n < len(s.queue) && n < s.opts.MaxBatch {
				bytes += len(s.queue[n].ev.Payload)
				if n > 0 && bytes > s.opts.MaxBatchBytes {
					break
				}
				n++
			}
			batch := s.queue[:n:n]
			s.queue = s.queue[n:]
			if len(s.queue) == 0 {
				s.queue = nil
			}
			s.mu.Unlock()
			return batch, true
		}
		closing := s.closing
		s.mu.Unlock()
		if closing {
			return nil, false
		}
		<-s.wake
	}
}

// settle records a batch's outcome, then calls every done callback: fences
// the entities that conflicted or failed, drops their events still queued
// (they were appended on the same stale state), and on an unknown commit
// stops the store and fails everything queued.
func (s *Store) settle(batch []pending, out []error, batchErr error, took time.Duration) {
	fence := map[entityKey]string{}
	if batchErr != nil {
		out = s.failAll(batch, batchErr, fence)
	} else {
		s.judged(batch, out, fence)
	}
	s.mu.Lock()
	var dropped []pending
	if errors.Is(batchErr, ErrCommitUnknown) {
		if s.fatal == nil {
			s.fatal = s.errorf("write to", batchErr)
			s.failed.Store(true)
		}
		dropped, s.queue = s.queue, nil
	} else {
		for k, why := range fence {
			s.fenced[k] = why
		}
		dropped = s.dropFencedLocked(fence)
	}
	s.count(batch, out, batchErr, took)
	fatal := s.fatal
	s.mu.Unlock()
	s.settled(batch[len(batch)-1].gseq)
	for i, p := range batch {
		if p.done != nil {
			p.done(p.gseq, out[i])
		}
	}
	for _, p := range dropped {
		refuse(p.done, droppedError(p, fence, fatal))
	}
	if s.opts.OnBatch != nil {
		s.opts.OnBatch(took, len(batch))
	}
}

// failAll gives every event of a failed batch the batch's error and fences
// its entities: their writers' state now runs ahead of the table.
func (s *Store) failAll(batch []pending, err error, fence map[entityKey]string) []error {
	out := make([]error, len(batch))
	reason := "the batch failed before commit"
	if errors.Is(err, ErrCommitUnknown) {
		reason = "the batch's commit outcome is unknown"
	}
	for i := range batch {
		ev := &batch[i].ev
		out[i] = &EventError{Kind: ev.Kind, Entity: ev.Entity, Seq: ev.Seq, Op: ev.Op, Reason: reason, Err: s.errorf("write to", err)}
		if _, ok := fence[ev.key()]; !ok {
			fence[ev.key()] = fmt.Sprintf("fenced since the write of seq %d failed", ev.Seq)
		}
	}
	return out
}

// judged fences the entities whose events a committed batch refused.
func (s *Store) judged(batch []pending, out []error, fence map[entityKey]string) {
	for i, err := range out {
		if err == nil {
			continue
		}
		ev := &batch[i].ev
		if _, ok := fence[ev.key()]; ok {
			continue
		}
		why := err.Error()
		var ee *EventError
		if errors.As(err, &ee) {
			why = ee.Reason
		}
		fence[ev.key()] = fmt.Sprintf("fenced since seq %d was refused (%s)", ev.Seq, why)
	}
}

// dropFencedLocked removes the queued events of newly fenced entities.
func (s *Store) dropFencedLocked(fence map[entityKey]string) []pending {
	if len(fence) == 0 {
		return nil
	}
	var dropped []pending
	kept := s.queue[:0]
	for _, p := range s.queue {
		if _, ok := fence[p.ev.key()]; ok {
			dropped = append(dropped, p)
		} else {
			kept = append(kept, p)
		}
	}
	s.queue = kept
	return dropped
}

func droppedError(p pending, fence map[entityKey]string, fatal error) error {
	if fatal != nil {
		return fatal
	}
	ev := &p.ev
	return &EventError{Kind: ev.Kind, Entity: ev.Entity, Seq: ev.Seq, Op: ev.Op, Reason: fence[ev.key()], Err: ErrFenced}
}

// count adds a settled batch to the stats.
func (s *Store) count(batch []pending, out []error, batchErr error, took time.Duration) {
	if batchErr != nil {
		s.stats.Failed += uint64(len(batch))
		return
	}
	s.stats.Batches++
	s.stats.CommitTime += took
	s.stats.MaxCommit = max(s.stats.MaxCommit, took)
	for _, err := range out {
		switch {
		case err == nil:
			s.stats.Events++
		case errors.Is(err, ErrDuplicateOp):
			s.stats.DuplicateOps++
		case errors.Is(err, ErrFenced):
			s.stats.Conflicts++
		}
	}
}
