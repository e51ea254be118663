package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"allot/domain"
)

// ChainSource is the port the payment watcher reads the chain through;
// adapters/ton implements it on a liteserver, adapters/ton/tontest on a
// fake chain. Since returns the incoming transfers to the wallet after the
// cursor, oldest first, and the cursor of the newest transaction it looked
// at. For a zero cursor it returns no payments and the wallet's newest
// transaction. On an error the caller keeps its cursor and asks again.
type ChainSource interface {
	Since(ctx context.Context, after domain.ChainCursor) ([]domain.Payment, domain.ChainCursor, error)
}

// RejectCounter is an optional capability of a ChainSource: how many
// transactions it read and did not return as payments, by reason (for
// jetton notifications: "forged", "malformed", "ignored"), each counted
// once. A watcher's status carries them, so that /metrics shows them.
type RejectCounter interface {
	Rejected() map[string]uint64
}

// WatchOptions configure a payment watcher.
type WatchOptions struct {
	Wallet     string             // the receiving wallet (its raw address): the watcher entity's id
	Source     ChainSource        // where transactions come from
	Interval   time.Duration      // pause between polls that found nothing; default 5 s
	MaxBackoff time.Duration      // longest pause while the source fails; default 1 min
	Start      domain.ChainCursor // where a watcher that has read nothing starts; zero: the wallet's newest transaction
	BatchSize  int                // payments per journal record; default 256
	Parallel   int                // payments routed and delivered at once; default 64
}

// WatchStatus is what an operator sees of a watcher.
type WatchStatus struct {
	Wallet     string
	Cursor     domain.ChainCursor // the newest transaction read
	Settled    domain.ChainCursor // everything up to here is applied (and its people told)
	LastPoll   time.Time          // the last poll that succeeded
	LastError  string             // the last failure, "" once a poll succeeds again
	Failures   int                // consecutive failed polls
	Delivered  uint64             // payments handed to the register (including ignored ones)
	Duplicates uint64             // transactions seen again and not applied again
	Rejected   map[string]uint64  // transactions the source refused as payments, by reason (RejectCounter); nil if it counts none
}

// Watcher is a running payment watcher: one poll loop for one receiving
// wallet, feeding the watcher entity (which journals the cursor and the
// routing of every transaction) and the payments register.
//
// The order of work for each batch is what makes payments exactly-once:
// route every payment to the shard of the invoice it names, journal the
// batch and the new cursor in one record, then deliver each payment. A
// crash before the record re-reads the batch from the chain; a crash after
// it re-delivers the batch from the journal, and the register's "applied
// once, ever" answers the ones already applied.
type Watcher struct {
	eng  *Engine
	opts WatchOptions
	stop context.CancelFunc
	done chan struct{}
	poke chan struct{}

	mu     sync.Mutex
	status WatchStatus
	dups   atomic.Uint64
	deliv  atomic.Uint64
}

// Watch starts a payment watcher for opts.Wallet. Close stops it (and
// Engine.Close stops every watcher first).
func (e *Engine) Watch(opts WatchOptions) (*Watcher, error) {
	if opts.Wallet == "" || opts.Source == nil {
		return nil, errors.New("actors: a watcher needs a wallet and a source")
	}
	if e.closed.Load() {
		return nil, ErrClosed
	}
	if opts.Interval <= 0 {
		opts.Interval = 5 * time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Minute
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 256
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 64
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &Watcher{eng: e, opts: opts, stop: cancel, done: make(chan struct{}), poke: make(chan struct{}, 1)}
	w.status.Wallet = opts.Wallet
	e.watchMu.Lock()
	e.watchers = append(e.watchers, w)
	e.watchMu.Unlock()
	go func() {
		defer close(w.done)
		w.run(ctx)
	}()
	return w, nil
}

// Close stops the poll loop and waits for it; a batch being delivered is
// left for the next start to deliver again.
func (w *Watcher) Close() {
	w.stop()
	<-w.done
}

// Poke makes the watcher poll now rather than after its interval: the bot
// calls it when a person says "I have paid".
func (w *Watcher) Poke() {
	select {
	case w.poke <- struct{}{}:
	default:
	}
}

// Status returns a copy of the watcher's status.
func (w *Watcher) Status() WatchStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.status
	s.Delivered, s.Duplicates = w.deliv.Load(), w.dups.Load()
	if rc, ok := w.opts.Source.(RejectCounter); ok {
		s.Rejected = rc.Rejected()
	}
	return s
}

// Healthy reports whether the last poll succeeded.
func (w *Watcher) Healthy() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status.Failures == 0
}

func (w *Watcher) run(ctx context.Context) {
	log := w.eng.log.With("watcher", w.opts.Wallet)
	st, err := retry(ctx, w, func() (*domain.Watcher, error) { return w.state(ctx) })
	if err != nil {
		return // stopped
	}
	cursor := st.Cursor
	if cursor.IsZero() {
		cursor = w.opts.Start
	}
	if len(st.Batch) > 0 { // a batch a crash may have cut short
		log.Info("delivering the last batch again", "payments", len(st.Batch))
		if w.deliverAll(ctx, st.Batch) != nil {
			return
		}
	}
	w.settled(st.Cursor)
	known := st.Known
	wait := time.Duration(0)
	for {
		if !w.sleep(ctx, wait) {
			return
		}
		pays, next, err := w.opts.Source.Since(ctx, cursor)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if to, ok := w.resume(ctx, cursor, err); ok { // a gap in the history: read on after it
				cursor, wait = to, 0
				continue
			}
			wait = w.failed(err)
			log.Warn("chain poll failed", "err", err, "retry_in", wait)
			continue
		}
		w.succeeded(next)
		if next == cursor && len(pays) == 0 {
			wait = w.opts.Interval
			continue
		}
		var stopped bool
		if cursor, stopped = w.take(ctx, log, cursor, next, pays, known); stopped {
			return
		}
		wait = w.opts.Interval
		if cursor != next { // a step failed: try again soon
			wait = backoff(0, w.opts.MaxBackoff)
		}
		known = nil // the entity now knows better than the state read at start
	}
}

// take applies one poll's payments in batches of BatchSize, each moving
// the cursor durably before its payments are delivered, and returns the
// cursor reached: next when every batch applied, else the last one that
// did (the next poll starts again from there). stopped reports the
// watcher stopping.
func (w *Watcher) take(ctx context.Context, log *slog.Logger, cursor, next domain.ChainCursor, pays []domain.Payment,
	known func(domain.TxID) bool) (_ domain.ChainCursor, stopped bool) {
	for len(pays) > 0 || next != cursor {
		chunk := pays[:min(len(pays), w.opts.BatchSize)]
		pays = pays[len(chunk):]
		to := next
		if len(pays) > 0 { // not the last chunk: stop after its newest payment
			last := chunk[len(chunk)-1].Tx
			to = domain.ChainCursor{LT: last.LT, Hash: last.Hash}
			if to.LT <= cursor.LT { // a source repeating older transactions: the cursor stays
				to = cursor
			}
		}
		batch, err := w.advance(ctx, to, chunk, known)
		if err != nil {
			if ctx.Err() == nil {
				log.Error("watcher step failed", "err", err)
			}
			return cursor, false
		}
		cursor = to
		if w.deliverAll(ctx, batch) != nil {
			return cursor, true
		}
		w.settled(to)
	}
	return cursor, false
}

// advance routes a chunk of payments, journals it with the cursor, and
// returns the payments the watcher had not routed before.
func (w *Watcher) advance(ctx context.Context, to domain.ChainCursor, chunk []domain.Payment,
	known func(domain.TxID) bool) ([]domain.RoutedPayment, error) {
	fresh := make([]domain.Payment, 0, len(chunk))
	for _, p := range chunk {
		if known != nil && known(p.Tx) {
			w.dups.Add(1)
			continue
		}
		fresh = append(fresh, p)
	}
	batch := make([]domain.RoutedPayment, len(fresh))
	errs := make([]error, len(fresh))
	w.parallel(len(fresh), func(i int) {
		batch[i], errs[i] = retry(ctx, w, func() (domain.RoutedPayment, error) { return w.eng.route(ctx, fresh[i]) })
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out, err := retry(ctx, w, func() ([]domain.RoutedPayment, error) {
		return askAs[[]domain.RoutedPayment](w.eng.ask(ctx, domain.KindWatcher, w.opts.Wallet, true, func(r replyTo) command {
			return &advanceWatcher{asker: asker{r}, to: to, batch: batch}
		}))
	})
	if err == nil {
		w.dups.Add(uint64(len(batch) - len(out)))
	}
	return out, err
}

// route decides which payments shard a payment is decided in: that of the
// first invoice code in its comment that names an existing invoice, else
// that of the transaction. The comment is reduced to that code, so that no
// stranger's text is journaled.
func (e *Engine) route(ctx context.Context, p domain.Payment) (domain.RoutedPayment, error) {
	comment := p.Comment
	p.Comment = ""
	if !p.Bounced && !p.Failed && p.Amount > 0 {
		codes := domain.FindCodes(comment)
		for _, code := range codes[:min(len(codes), maxReadings)] {
			ok, err := askAs[bool](e.ask(ctx, domain.KindPayments, shardOf(code), false, func(r replyTo) command {
				return &hasInvoice{asker: asker{r}, code: code}
			}))
			if err != nil {
				return domain.RoutedPayment{}, err
			}
			if ok {
				p.Comment = code
				return domain.RoutedPayment{Payment: p, Route: shardOf(code)}, nil
			}
		}
	}
	return domain.RoutedPayment{Payment: p, Route: shardOf(p.Tx.Key())}, nil
}

// maxReadings bounds the code look-ups for one comment: a real payer's
// comment has one or two readings; a long advert must not cost hundreds.
const maxReadings = 16

// deliverAll delivers a batch, several payments at a time, each retried
// until it is applied (or found applied): the next batch replaces this one
// in the watcher's state, so nothing may be left behind.
func (w *Watcher) deliverAll(ctx context.Context, batch []domain.RoutedPayment) error {
	w.parallel(len(batch), func(i int) {
		rp := batch[i]
		res, err := retry(ctx, w, func() (DepositResult, error) {
			res, err := w.eng.deliver(ctx, rp.Route, rp.Payment)
			if err != nil && !transient(err) {
				// A refusal that retrying cannot change (a journal record too
				// large, a wallet that would overflow): logged loudly, and the
				// transaction stays in the register for an operator.
				w.eng.log.Error("payment not applied", "tx", rp.Payment.Tx.Key(), "err", err)
				return res, nil
			}
			return res, err
		})
		if err != nil {
			return
		}
		w.deliv.Add(1)
		if res.Duplicate {
			w.dups.Add(1)
		}
		if n := w.eng.opts.Notify; n != nil && res.Outcome != domain.OutcomeIgnored && res.Outcome != 0 {
			n(Notice{User: res.User, Payment: &res})
		}
	})
	return ctx.Err()
}

// parallel runs fn(0..n-1) on up to opts.Parallel goroutines and waits.
func (w *Watcher) parallel(n int, fn func(i int)) {
	sem := make(chan struct{}, w.opts.Parallel)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}

// retry calls fn until it succeeds, fails for a reason that retrying cannot
// change, or ctx ends; transient failures back off with jitter.
func retry[T any](ctx context.Context, w *Watcher, fn func() (T, error)) (T, error) {
	for attempt := 0; ; attempt++ {
		v, err := fn()
		if err == nil || !transient(err) || ctx.Err() != nil {
			if ctx.Err() != nil {
				return v, ctx.Err()
			}
			return v, err
		}
		if !w.sleep(ctx, backoff(attempt, w.opts.MaxBackoff)) {
			return v, ctx.Err()
		}
	}
}

// backoff is the truncated exponential pause before attempt+1, with full
// jitter so that many waiters do not retry in step.
func backoff(attempt int, ceiling time.Duration) time.Duration {
	d := 100 * time.Millisecond << min(attempt, 16)
	if d > ceiling || d <= 0 {
		d = ceiling
	}
	return d/2 + rand.N(d/2+1)
}

// sleep waits d, or until poked or stopped; false means stopped.
func (w *Watcher) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-w.poke:
	}
	return true
}

func (w *Watcher) failed(err error) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.status.Failures++
	w.status.LastError = err.Error()
	return backoff(w.status.Failures-1, w.opts.MaxBackoff)
}

func (w *Watcher) settled(c domain.ChainCursor) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.status.Settled = c
}

func (w *Watcher) succeeded(c domain.ChainCursor) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.status.Failures, w.status.LastError = 0, ""
	w.status.LastPoll, w.status.Cursor = w.eng.clock(), c
}

// state reads the watcher entity's state, creating the entity if needed.
func (w *Watcher) state(ctx context.Context) (*domain.Watcher, error) {
	return askAs[*domain.Watcher](w.eng.ask(ctx, domain.KindWatcher, w.opts.Wallet, true, func(r replyTo) command {
		return &getWatcher{asker{r}}
	}))
}

// WatcherState returns a copy of the durable state of the watcher of wallet.
func (e *Engine) WatcherState(ctx context.Context, wallet string) (*domain.Watcher, error) {
	if !e.knows(domain.KindWatcher, wallet) {
		return nil, fmt.Errorf("actors: no watcher for %s", wallet)
	}
	return askAs[*domain.Watcher](e.ask(ctx, domain.KindWatcher, wallet, false, func(r replyTo) command {
		return &getWatcher{asker{r}}
	}))
}

func (x *exec) watcher() *domain.Watcher {
	w, _ := x.e.state.(*domain.Watcher)
	if w == nil {
		w = domain.NewWatcher(x.e.id)
		x.e.state = w
	}
	return w
}

type getWatcher struct{ asker }

func (c *getWatcher) run(x *exec) { x.reply(c.r, x.watcher().Clone(), nil) }

// advanceWatcher journals a routed batch and the new cursor; it answers the
// payments that were new to the watcher.
type advanceWatcher struct {
	asker
	to    domain.ChainCursor
	batch []domain.RoutedPayment
}

func (c *advanceWatcher) run(x *exec) {
	ev, err := x.watcher().Advance(c.to, c.batch)
	if err == nil && ev != nil {
		ev.At = x.now
		_, err = x.emit(ev)
	}
	if err != nil || ev == nil {
		x.reply(c.r, []domain.RoutedPayment(nil), err)
		return
	}
	x.reply(c.r, ev.Batch, nil)
}
