package actors

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"allot/domain"
)

// PrunedError is what a ChainSource returns when the liteservers no longer
// hold the history after the cursor (ordinary liteservers keep a limited
// history, so a watcher stopped long enough falls off its end). It is not
// a transient failure: asking again can never succeed, so the watcher
// resumes from Resume and records the gap instead of retrying for ever.
// A source returns it only when it read transactions newer than the cursor
// and the liteservers refused the ones before them as no longer held.
type PrunedError struct {
	Resume   domain.ChainCursor // the cursor just before the oldest transaction still held
	OldestLT uint64             // that oldest transaction's logical time
	OldestAt time.Time          // and its time on chain
	Err      error              // the liteserver's refusal
}

// Error says where the history ends.
func (e *PrunedError) Error() string {
	return fmt.Sprintf("the liteservers no longer hold the history before lt %d: %v", e.OldestLT, e.Err)
}

// Unwrap gives the liteserver's refusal.
func (e *PrunedError) Unwrap() error { return e.Err }

// gapBook is the engine's copy of every watcher's gaps, kept in step with
// the watcher entities (at recovery and after each gap event), so that the
// payments shards can hold back pruning without asking another actor from
// inside their turn, and /readyz can show a gap without a round trip.
type gapBook struct {
	mu sync.Mutex
	by map[string][]domain.ChainGap // by wallet
}

func (b *gapBook) set(wallet string, gaps []domain.ChainGap) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.by == nil {
		b.by = map[string][]domain.ChainGap{}
	}
	b.by[wallet] = append([]domain.ChainGap(nil), gaps...)
}

// open returns the gaps of every wallet still open at now.
func (b *gapBook) open(now time.Time) []domain.ChainGap {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []domain.ChainGap
	for _, gaps := range b.by {
		for _, g := range gaps {
			if g.Open(now) {
				out = append(out, g)
			}
		}
	}
	return out
}

// first returns the oldest gap of wallet still open at now.
func (b *gapBook) first(wallet string, now time.Time) (domain.ChainGap, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, g := range b.by[wallet] {
		if g.Open(now) {
			return g, true
		}
	}
	return domain.ChainGap{}, false
}

// rebuildGaps fills the gap book from the recovered watcher states.
func (e *Engine) rebuildGaps() {
	e.dir.each(domain.KindWatcher, func(en *entry, _ bool) {
		if w, _ := en.state.(*domain.Watcher); w != nil && len(w.Gaps) > 0 {
			e.gaps.set(en.id, w.Gaps)
		}
	})
}

// Gap returns the oldest history gap of the watcher's wallet that is still
// open: payments may have been missed in it, and an admin should look.
func (w *Watcher) Gap() (domain.ChainGap, bool) {
	return w.eng.gaps.first(w.opts.Wallet, w.eng.clock())
}

// CloseWatchGaps records that an admin has dealt with every open history
// gap of wallet's watcher (credited what was missed, or found nothing), so
// the invoices they held may be pruned again; it answers how many it closed.
func (e *Engine) CloseWatchGaps(ctx context.Context, wallet string) (int, error) {
	if !e.knows(domain.KindWatcher, wallet) {
		return 0, fmt.Errorf("actors: no watcher for %s", wallet)
	}
	return askAs[int](e.ask(ctx, domain.KindWatcher, wallet, false, func(r replyTo) command {
		return &closeWatchGaps{asker{r}}
	}))
}

// resume moves the cursor over a history gap the source reported in err,
// durably, and tells the admins once. It answers the new cursor, and false
// when err is not such a gap (an ordinary failure, retried as before).
func (w *Watcher) resume(ctx context.Context, cursor domain.ChainCursor, err error) (domain.ChainCursor, bool) {
	var pe *PrunedError
	if !errors.As(err, &pe) || pe.Resume.LT <= cursor.LT {
		return cursor, false
	}
	gap, err := retry(ctx, w, func() (domain.ChainGap, error) {
		return askAs[domain.ChainGap](w.eng.ask(ctx, domain.KindWatcher, w.opts.Wallet, true, func(r replyTo) command {
			return &resumeWatcher{asker: asker{r}, to: pe.Resume, oldestLT: pe.OldestLT, oldestAt: pe.OldestAt}
		}))
	})
	if err != nil {
		if ctx.Err() == nil {
			w.eng.log.Error("watcher could not skip a history gap", "watcher", w.opts.Wallet, "err", err)
		}
		return cursor, false
	}
	text := gapAlert(gap)
	w.eng.log.Warn("watcher resumed after a history gap", "watcher", w.opts.Wallet, "from_lt", gap.FromLT,
		"to_lt", gap.ToLT, "alert", text)
	if f := w.eng.opts.AlertGap; f != nil {
		f(text)
	}
	return pe.Resume, true
}

// gapAlert is the admins' text for a gap: short, with what to do.
func gapAlert(g domain.ChainGap) string {
	const layout = "2006-01-02 15:04 UTC"
	from := "an unknown time"
	if !g.From.IsZero() {
		from = g.From.UTC().Format(layout)
	}
	return fmt.Sprintf("Payments between %s and %s may have been missed (the liteservers no longer hold that history). "+
		"Check the wallet in an explorer, credit them with /adjust, then send /payments_checked: until then their invoices are kept.", from, g.To.UTC().Format(layout))
}

// resumeWatcher journals a jump of the cursor over a history gap; it
// answers the gap. Asked again after it applied (a retry after a lost
// reply), it answers the same gap rather than refusing.
type resumeWatcher struct {
	asker
	to       domain.ChainCursor
	oldestLT uint64
	oldestAt time.Time
}

func (c *resumeWatcher) run(x *exec) {
	w := x.watcher()
	if n := len(w.Gaps); n > 0 && w.Cursor == c.to && w.Gaps[n-1].ToLT == c.oldestLT {
		x.reply(c.r, w.Gaps[n-1], nil)
		return
	}
	ev, err := w.Resume(c.to, c.oldestLT, c.oldestAt, x.now)
	if err == nil {
		_, err = x.emit(ev)
	}
	if err != nil {
		x.reply(c.r, domain.ChainGap{}, err)
		return
	}
	x.eng.gaps.set(x.e.id, x.watcher().Gaps)
	x.reply(c.r, ev.Gap, nil)
}

// closeWatchGaps journals an admin's closing of the open gaps.
type closeWatchGaps struct{ asker }

func (c *closeWatchGaps) run(x *exec) {
	w := x.watcher()
	n := len(w.OpenGaps(x.now))
	ev := w.CloseGaps(x.now)
	if ev == nil {
		x.reply(c.r, 0, nil)
		return
	}
	if _, err := x.emit(ev); err != nil {
		x.reply(c.r, 0, err)
		return
	}
	x.eng.gaps.set(x.e.id, x.watcher().Gaps)
	x.reply(c.r, n, nil)
}

// ClosePaymentGaps closes the open history gaps of every watcher, for an
// admin who has checked the wallet in an explorer and credited what the
// bot missed (by is the admin, for the audit log); it answers how many it
// closed.
func (e *Engine) ClosePaymentGaps(ctx context.Context, by domain.UserID) (int, error) {
	closed := 0
	for _, w := range e.Watchers() {
		n, err := e.CloseWatchGaps(ctx, w.Wallet)
		closed += n
		if err != nil {
			return closed, err
		}
	}
	if closed > 0 {
		e.audit(OperationOf(ctx), by, "payments.gaps_closed", "", strconv.Itoa(closed))
	}
	return closed, nil
}
