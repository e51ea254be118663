package domain

import (
	"fmt"
	"time"
)

// GapHold is how long an unclosed history gap keeps the invoices it may
// hold payments for from being pruned: long enough for an admin to check
// the wallet in an explorer, short enough that a forgotten gap does not
// keep the register growing for ever.
const GapHold = 30 * 24 * time.Hour

// ChainGap is a stretch of the wallet's history the watcher never read:
// the liteservers had forgotten it (they keep limited history) by the time
// the watcher asked, so the watcher resumed from the oldest transaction
// they still held. Transfers with a logical time strictly between FromLT
// and ToLT may have been payments nobody credited.
type ChainGap struct {
	FromLT uint64    `msgpack:"fl"`           // the last transaction read before the gap
	From   time.Time `msgpack:"f,omitempty"`  // when the watcher last moved its cursor; zero if unknown
	ToLT   uint64    `msgpack:"tl"`           // the oldest transaction still held, read after the gap
	To     time.Time `msgpack:"t"`            // that transaction's time on chain
	Found  time.Time `msgpack:"at"`           // when the watcher found the gap
	Closed time.Time `msgpack:"cl,omitempty"` // when an admin closed it; zero while open
}

// Open reports whether the gap still needs an admin at now: not closed,
// and found less than GapHold ago.
func (g ChainGap) Open(now time.Time) bool {
	return g.Closed.IsZero() && now.Before(g.Found.Add(GapHold))
}

// Overlaps reports whether the window [from, to] shares a moment with the
// gap. A gap whose start is unknown reaches back without limit.
func (g ChainGap) Overlaps(from, to time.Time) bool {
	return !from.After(g.To) && (g.From.IsZero() || !to.Before(g.From))
}

// OpenGaps returns the gaps still open at now, oldest first.
func (w *Watcher) OpenGaps(now time.Time) []ChainGap {
	var out []ChainGap
	for _, g := range w.Gaps {
		if g.Open(now) {
			out = append(out, g)
		}
	}
	return out
}

// Resume decides a jump of the cursor over a gap in the history: the
// watcher reads on from to (the cursor just before the oldest transaction
// still held, whose logical time and chain time are oldestLT and oldestAt)
// and records what it skipped. The cursor never goes back.
func (w *Watcher) Resume(to ChainCursor, oldestLT uint64, oldestAt, now time.Time) (*WatcherResumed, error) {
	if to.LT <= w.Cursor.LT || oldestLT <= to.LT {
		return nil, fmt.Errorf("%w: a resume from %d to %d (oldest held %d) is not forward", ErrNotPermitted,
			w.Cursor.LT, to.LT, oldestLT)
	}
	gap := ChainGap{FromLT: w.Cursor.LT, From: w.Moved, ToLT: oldestLT, To: oldestAt, Found: now}
	return &WatcherResumed{Cursor: to, Gap: gap}, nil
}

// CloseGaps decides that an admin has dealt with every open gap (credited
// what was missed with /assign, or found nothing); nil when none is open.
func (w *Watcher) CloseGaps(now time.Time) *WatcherGapClosed {
	if len(w.OpenGaps(now)) == 0 {
		return nil
	}
	return &WatcherGapClosed{At: now}
}

// WatcherResumed records a jump of the cursor over a gap in the history
// and the gap itself, in one record.
type WatcherResumed struct {
	Cursor ChainCursor `msgpack:"c"`
	Gap    ChainGap    `msgpack:"g"`
}

// WatcherGapClosed records that an admin closed every gap open at At.
type WatcherGapClosed struct {
	At time.Time `msgpack:"at"`
}

// WatcherEvent is an event that changes a watcher's state.
type WatcherEvent interface {
	Event
	applyWatcher(w *Watcher)
}

func (e *WatcherResumed) applyWatcher(w *Watcher) {
	w.Cursor = e.Cursor
	w.Gaps = append(w.Gaps, e.Gap)
}

func (e *WatcherGapClosed) applyWatcher(w *Watcher) {
	for i := range w.Gaps {
		if w.Gaps[i].Open(e.At) {
			w.Gaps[i].Closed = e.At
		}
	}
}
