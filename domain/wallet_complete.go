package domain

import (
	"slices"
	"time"
)

// A purchase's money is held by a processing debit until its number has
// applied it; then the entry is completed. Recording each completion as an
// EntrySettled of its own made it a third of a renewal's records, written
// when nobody waits for it. So the wallet's actor defers it: the
// completion rides in the wallet's next credit or debit (their Completed),
// or, when none comes soon, is written as an EntrySettled after all.
//
// Until it is written the journal holds the entry as processing, and so
// does the wallet (its state is always what its events make it): a crash
// in between leaves a processing purchase, which recovery resumes as it
// always has, by asking the number, which remembers the operations it
// applied (OpRetention) and answers that it is done.

// DeferCompletion notes that the processing purchase op has been applied
// by its number, to be recorded with the wallet's next event. It reports
// false when op is not a purchase still processing, or is noted already.
// The note is not state: a copy, a snapshot or a restart does not see it.
func (w *Wallet) DeferCompletion(op OpID) bool {
	x, ok := w.Entry(op)
	if !ok || !x.Debit || x.Status != EntryProcessing || slices.Contains(w.pending(), op) {
		return false
	}
	side := w.aside()
	side.deferred = append(side.deferred, op)
	return true
}

// TakeCompletions returns the deferred completions whose purchases are
// still processing, and forgets them all.
func (w *Wallet) TakeCompletions() []OpID {
	ops := w.pending()
	if w.side != nil {
		w.side.deferred = nil
	}
	return slices.DeleteFunc(ops, func(op OpID) bool {
		x, ok := w.Entry(op)
		return !ok || x.Status != EntryProcessing
	})
}

// AttachCompletions hands the deferred completions to ev when it is an
// event that carries them (a credit or a debit) and has none yet; ev is
// about to be journaled for this wallet. They go as they are: one settled
// otherwise meanwhile (rare) is skipped when the event is applied, and
// looking each up again here cost more than the few bytes it saves.
func (w *Wallet) AttachCompletions(ev Event) {
	ops := w.pending()
	if len(ops) == 0 {
		return
	}
	var carries *[]OpID
	switch e := ev.(type) {
	case *WalletDebited:
		carries = &e.Completed
	case *WalletCredited:
		carries = &e.Completed
	}
	if carries != nil && *carries == nil {
		*carries, w.side.deferred = ops, nil
	}
}

// pending returns the deferred completions.
func (w *Wallet) pending() []OpID {
	if w.side == nil {
		return nil
	}
	return w.side.deferred
}

// complete applies completions carried by an event: each purchase still
// processing is completed at at.
func (w *Wallet) complete(ops []OpID, at time.Time) {
	for _, op := range ops {
		if x, ok := w.Entry(op); ok && x.Debit && x.Status == EntryProcessing {
			x.Status, x.Updated = EntryCompleted, at
		}
	}
}
