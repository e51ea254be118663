package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// A batch's transaction that fails on its connection (the server
// restarted, failed over, or dropped the connection) is tried again until
// Options.RetryFor has passed, so that a short outage costs the callers a
// pause instead of costing the process its store. A failure the server
// reports (an ERROR) is tried once more, as before: it would fail the same
// way again.
//
// A COMMIT whose answer was lost leaves the batch's outcome unknown; the
// writer finds it out before anything else is written: once the server
// answers again, it takes the lock Open takes, which waits for every
// unfinished transaction on the table, the lost one included, and looks
// for one event the batch inserted (its gseq is this writer's alone). In
// the table: the batch committed, and its outcomes stand. Not there: it
// did not, and it is tried again. Only when the server does not answer
// within RetryFor does the outcome stay unknown (ErrCommitUnknown).

const (
	retryFirst   = 100 * time.Millisecond // the first pause between attempts; it doubles
	retryLongest = 2 * time.Second
)

// write runs the batch's transaction, again while it fails on the
// connection and RetryFor lasts. out[i] is the outcome of batch[i] when
// the transaction committed.
func (s *Store) write(batch []pending) ([]error, error) {
	rows := newRows(batch)
	out, err := s.writeRows(rows)
	if err == nil && rows.careful {
		s.mu.Lock()
		s.stats.Careful++
		s.mu.Unlock()
	}
	return out, err
}

// writeRows is write's attempts.
func (s *Store) writeRows(rows *rows) ([]error, error) {
	deadline := time.Now().Add(s.opts.RetryFor)
	out, err := s.tryBatch(rows)
	for attempt := 0; err != nil; attempt++ {
		if errors.Is(err, ErrCommitUnknown) {
			committed, rerr := s.resolve(rows, out, deadline)
			switch {
			case rerr != nil:
				return nil, fmt.Errorf("%w (and finding out failed: %w)", err, rerr)
			case committed:
				return out, nil
			}
			err = fmt.Errorf("the batch did not commit after all: %v", err) // known now: not ErrCommitUnknown
		}
		if attempt > 0 && (isServerError(err) || time.Now().After(deadline)) {
			return nil, err
		}
		if !isServerError(err) {
			s.pool.Reset() // the pool may hold more connections broken the same way
		}
		s.mu.Lock()
		s.stats.Retries++
		s.mu.Unlock()
		if attempt > 0 {
			time.Sleep(backoff(attempt))
		}
		out, err = s.tryBatch(rows)
	}
	return out, nil
}

// resolve finds out whether the batch whose COMMIT went unanswered
// committed, trying until deadline while the server does not answer.
func (s *Store) resolve(r *rows, out []error, deadline time.Time) (bool, error) {
	probe := -1
	for k, i := range r.order {
		if out != nil && out[i] == nil {
			probe = k
			break
		}
	}
	if probe < 0 {
		return false, nil // it inserted nothing that stays: trying again changes nothing
	}
	for attempt := 0; ; attempt++ {
		found, err := s.lookFor(r, probe)
		if err == nil {
			s.mu.Lock()
			s.stats.Resolved++
			s.mu.Unlock()
			return found, nil
		}
		if time.Now().After(deadline) {
			return false, err
		}
		s.pool.Reset()
		time.Sleep(backoff(attempt + 1))
	}
}

// lookFor waits for every unfinished write to the table and reports
// whether row k of the batch is in it.
func (s *Store) lookFor(r *rows, k int) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.CommitTimeout)
	defer cancel()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("connect: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `LOCK TABLE allot_events IN SHARE MODE`); err != nil {
		return false, fmt.Errorf("wait for unfinished writes: %w", err)
	}
	var found bool
	err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM allot_events
		WHERE kind = $1 AND entity = $2 AND seq = $3 AND gseq = $4)`,
		r.kinds[k], r.entities[k], r.seqs[k], r.gseqs[k]).Scan(&found)
	if err != nil {
		return false, fmt.Errorf("look for the batch: %w", err)
	}
	return found, nil
}

// backoff is the pause before attempt n (1, 2, …).
func backoff(n int) time.Duration {
	return min(retryFirst<<min(n-1, 8), retryLongest)
}
