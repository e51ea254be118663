package actors

import (
	"context"
	"errors"
	"sync"
	"time"

	"allot/domain"
)

// Fragment is the operator's Fragment account as a number's hand-over needs
// it (adapters/fragment implements it). Its methods are safe for concurrent
// use, bounded by ctx, keep to their own request budget, and are idempotent:
// ending sessions already ended, or setting login codes to what they are,
// succeeds. An error says nothing secret.
type Fragment interface {
	// TerminateSessions ends every session on the number.
	TerminateSessions(ctx context.Context, number string) error
	// SetLoginCodes lets Telegram's login codes for the number reach
	// Fragment (on) or not (off).
	SetLoginCodes(ctx context.Context, number string, on bool) error
}

// handovers does what numbers owe Fragment (domain.Chore): login codes on
// while a number is rented and off otherwise, and every session ended when
// a holder loses it. A number journals the intent with the event that made
// the chore (an expiry, a cancel, an accepted transfer); this worker, one
// goroutine outside the actors, calls Fragment and hands the confirmation
// back to the number, which journals it. A failure is retried with backoff
// until Fragment confirms; after a restart, recovery finds every chore still
// owed and pokes it again. A chore that keeps failing tells the admins once.
type handovers struct {
	e       *Engine
	port    Fragment
	checker AccountChecker // nil: account checks are left to the admins
	now     func() time.Time
	alert   int           // failures in a row before the admins are told
	base    time.Duration // the first wait after a failure

	mu    sync.Mutex
	due   map[string]time.Time // number → when to try next
	fails map[string]int
	// pokes counts each number's pokes, so that a worker that found
	// nothing owed settles the number only if nobody poked it meanwhile:
	// a rent between its look and its settling would otherwise be lost.
	pokes   map[string]uint64
	working bool // numbers taken from due are being worked on
	stopped bool // closed: nothing more is done in this process
	kick    chan struct{}
	// checking are the numbers whose account is being checked, each on a
	// goroutine of its own (account.go): a check waits for a code for
	// minutes, and must not hold up the other numbers' hand-overs.
	checking map[string]bool
	checks   sync.WaitGroup
	slots    chan struct{} // at most cap(slots) checks at once

	stop context.CancelFunc
	done chan struct{}
}

// backoff is the wait after the n-th failure in a row: the base (2 s by
// default) doubling, to at most 10 minutes.
func (h *handovers) backoff(n int) time.Duration {
	return min(h.base<<min(n-1, 9), 10*time.Minute)
}

func startHandovers(e *Engine, port Fragment, checker AccountChecker, alertAfter int, base time.Duration) *handovers {
	ctx, stop := context.WithCancel(context.Background())
	if base <= 0 {
		base = 2 * time.Second
	}
	if alertAfter <= 0 {
		alertAfter = 5
	}
	h := &handovers{e: e, port: port, checker: checker, now: time.Now, alert: alertAfter, base: base,
		due: map[string]time.Time{}, fails: map[string]int{}, pokes: map[string]uint64{}, kick: make(chan struct{}, 1),
		checking: map[string]bool{}, slots: make(chan struct{}, accountChecksAtOnce),
		stop: stop, done: make(chan struct{})}
	go h.run(ctx)
	return h
}

// poke asks for number's chores to be looked at now (unless a backoff says
// later). It never blocks.
func (h *handovers) poke(number string) {
	h.mu.Lock()
	h.pokes[number]++
	if _, waiting := h.due[number]; !waiting {
		h.due[number] = h.now()
	}
	h.mu.Unlock()
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

func (h *handovers) close() {
	h.stop()
	<-h.done
	h.checks.Wait()
	h.mu.Lock()
	h.stopped = true // what is still due is for the next start: Drain waits for none of it
	h.mu.Unlock()
}

// Pending is how many numbers owe Fragment something, for metrics and readiness.
func (h *handovers) pending() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := len(h.due)
	for id := range h.checking {
		if _, also := h.due[id]; !also {
			n++
		}
	}
	return n
}

func (h *handovers) run(ctx context.Context) {
	defer close(h.done)
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		ready, wait := h.ready()
		for _, id := range ready {
			if ctx.Err() != nil {
				return
			}
			h.work(ctx, id)
		}
		h.mu.Lock()
		h.working = false
		h.mu.Unlock()
		if len(ready) > 0 {
			continue
		}
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-h.kick:
		case <-t.C:
		}
	}
}

// ready returns the numbers due now, and how long until the next one.
func (h *handovers) ready() ([]string, time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now, wait := h.now(), time.Hour
	var ids []string
	for id, at := range h.due {
		if h.checking[id] {
			continue // looked at again when its check ends
		}
		if d := at.Sub(now); d > 0 {
			wait = min(wait, d)
			continue
		}
		ids = append(ids, id)
	}
	h.working = len(ids) > 0
	return ids, wait
}

// busy reports whether the worker has a chore due now or in hand, for
// Drain; nil has none. A chore waiting out a backoff is not busy.
func (h *handovers) busy() bool {
	if h == nil {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return false
	}
	if h.working || len(h.checking) > 0 {
		return true
	}
	now := h.now()
	for id, at := range h.due {
		if !at.After(now) && !h.checking[id] {
			return true
		}
	}
	return false
}

// work does number's chores once. It asks the number what it owes (in the
// number's own turn), calls Fragment, and hands each confirmation back.
func (h *handovers) work(ctx context.Context, id string) {
	h.mu.Lock()
	seen := h.pokes[id]
	h.mu.Unlock()
	chore, err := askAs[domain.Chore](h.e.number(ctx, id, false, func(r replyTo) command {
		return &numberChore{asker: asker{r}}
	}))
	if err == nil && !chore.Any() {
		h.settleUnpoked(id, seen)
		return
	}
	if err == nil {
		err = h.do(ctx, id, chore)
	}
	if errors.Is(err, errCheckStarted) {
		return
	}
	if err == nil {
		h.mu.Lock()
		delete(h.fails, id)
		h.due[id] = h.now() // look again: the chore may have changed meanwhile
		h.mu.Unlock()
		return
	}
	if errors.Is(err, domain.ErrNumberNotFound) || errors.Is(err, ErrClosed) {
		h.settle(id)
		return
	}
	h.failed(ctx, id, err)
}

func (h *handovers) do(ctx context.Context, id string, c domain.Chore) error {
	if c.CheckAccount && h.checker == nil {
		return h.checkAccount(ctx, id, c) // left to the admins, without switching codes on for nothing
	}
	if c.Codes != domain.CodesUnknown {
		// In doubt first: an answer lost after Fragment switched them must
		// not leave the record saying what they no longer are.
		if _, err := h.e.number(ctx, id, false, func(r replyTo) command { return &choreDoubt{asker: asker{r}} }); err != nil {
			return err
		}
		if err := h.port.SetLoginCodes(ctx, id, c.Codes == domain.CodesOn); err != nil {
			return err
		}
		if _, err := h.e.number(ctx, id, false, func(r replyTo) command {
			return &choreDone{asker: asker{r}, codes: c.Codes}
		}); err != nil {
			return err
		}
	}
	if c.EndSessions {
		if err := h.port.TerminateSessions(ctx, id); err != nil {
			return err
		}
		_, err := h.e.number(ctx, id, false, func(r replyTo) command {
			return &choreDone{asker: asker{r}, ended: true, since: c.Since}
		})
		// ErrAlreadyDecided: a newer hand-over replaced it; the next look does that one
		return ignoreDecided(err)
	}
	if c.CheckAccount {
		h.startCheck(ctx, id, c)
		return errCheckStarted
	}
	return nil
}

func (h *handovers) settle(id string) {
	h.mu.Lock()
	h.settleLocked(id)
	h.mu.Unlock()
}

func (h *handovers) settleLocked(id string) {
	delete(h.due, id)
	delete(h.fails, id)
	delete(h.pokes, id)
}

// settleUnpoked settles id unless it was poked since the worker read its
// poke count as seen; then it is looked at again.
func (h *handovers) settleUnpoked(id string, seen uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.pokes[id] != seen {
		h.due[id] = h.now()
		return
	}
	h.settleLocked(id)
}

// failed schedules the next try and, at the alert threshold, tells the
// admins once (the number journals that they were told).
func (h *handovers) failed(ctx context.Context, id string, err error) {
	h.mu.Lock()
	h.fails[id]++
	n := h.fails[id]
	h.due[id] = h.now().Add(max(h.backoff(n), retryAfter(err))) // a flood wait is kept to
	h.mu.Unlock()
	h.e.log.Warn("hand-over step failed", "number", id, "attempt", n, "err", err)
	if n != h.alert {
		return
	}
	_, _ = h.e.number(ctx, id, false, func(r replyTo) command {
		return &choreAlert{asker: asker{r}, why: err.Error()}
	})
}

// numberChore answers what the number owes Fragment now.
type numberChore struct{ asker }

func (c *numberChore) run(x *exec) {
	x.withNumber(c.r, func(n *domain.Number) { x.reply(c.r, n.Chore(x.now), nil) })
}

// choreDone records what Fragment confirmed: login codes set, or the
// sessions ended for the hand-over begun at since.
type choreDone struct {
	asker
	codes domain.CodesState
	ended bool
	since time.Time
}

func (c *choreDone) run(x *exec) {
	x.withNumber(c.r, func(n *domain.Number) {
		var ev domain.Event
		var err error
		switch {
		case c.ended:
			ev, err = n.SessionsEnded(c.since, false, x.now)
		case c.codes != domain.CodesUnknown:
			if e := n.SetCodes(c.codes, x.now); e != nil {
				ev = e
			}
		}
		if err == nil && ev != nil {
			_, err = x.emit(ev)
		}
		x.reply(c.r, nil, err)
	})
}

// choreDoubt records that the number's login codes are in doubt until
// Fragment confirms the switch about to be asked for.
type choreDoubt struct{ asker }

func (c *choreDoubt) run(x *exec) {
	x.withNumber(c.r, func(n *domain.Number) {
		var err error
		if ev := n.CodesInDoubt(); ev != nil {
			_, err = x.emit(ev)
		}
		x.reply(c.r, nil, err)
	})
}

// choreAlert records that the admins are told a hand-over keeps failing,
// and tells them once it is durable.
type choreAlert struct {
	asker
	why string
}

func (c *choreAlert) run(x *exec) {
	x.withNumber(c.r, func(n *domain.Number) {
		ev, err := n.AlertHandover(c.why)
		if err == nil {
			if _, err = x.emit(ev); err == nil {
				x.notice(n, ev)
			}
		}
		x.reply(c.r, nil, err)
	})
}

// noteChore is called after a number applied an event (and when its
// wake-up comes): with no Fragment configured, what it owes is settled in
// the same turn — a hand-over recorded as skipped (the relay is off, nothing
// can be ended, and the number is not held back for it), an account check
// left to the admins; with Fragment, the worker is poked once the change is
// durable.
func (x *exec) noteChore(n *domain.Number, ev domain.Event) {
	switch ev.(type) {
	case *domain.HandoverDone, *domain.AccountCheckDeferred:
		return // settled in this turn already; the outer call goes on
	}
	c := n.Chore(x.now)
	if !c.Any() {
		return
	}
	h := x.eng.handovers
	if h == nil {
		x.settleWithoutFragment(n, c)
		return
	}
	id := n.ID
	x.then(func() { h.poke(id) })
}

// settleWithoutFragment records what a number owes Fragment as settled
// without it: the hand-over skipped, the account check left to the admins.
func (x *exec) settleWithoutFragment(n *domain.Number, c domain.Chore) {
	if c.EndSessions {
		if d, err := n.SessionsEnded(c.Since, true, x.now); err == nil {
			_, _ = x.emit(d)
		}
		c = n.Chore(x.now) // the check may be due now
	}
	if c.CheckAccount {
		if d, err := n.DeferAccountCheck(c.CheckSince); err == nil {
			_, _ = x.emit(d)
		}
	}
}

// owesChore reports whether recovery has anything to resume for chore c.
// Without Fragment only a hand-over or an account check can be settled
// (as skipped); login codes that differ from what they should be cannot be
// changed, so a number owing only that is left alone: a million free
// numbers whose codes were never set would otherwise each be woken, and
// spawned, at every start.
func (e *Engine) owesChore(c domain.Chore) bool {
	if e.handovers != nil {
		return c.Any()
	}
	return c.EndSessions || c.CheckAccount
}

// resumeChores hands the worker every chore recovery found owed: a crash
// between a hand-over's intent and Fragment's confirmation left it there.
// Without Fragment, owed hand-overs are recorded as skipped by their
// numbers, as they would have been when they began.
func (e *Engine) resumeChores(ids []string) {
	for _, id := range ids {
		if e.handovers != nil {
			e.handovers.poke(id)
			continue
		}
		e.dir.route(nil, domain.KindNumber, id, &skipHandover{}, false)
	}
}

// skipHandover records an owed hand-over as skipped and an owed account
// check as left to the admins: the relay is off.
type skipHandover struct{ asker }

func (c *skipHandover) run(x *exec) {
	x.withNumber(nil, func(n *domain.Number) { x.settleWithoutFragment(n, n.Chore(x.now)) })
}
