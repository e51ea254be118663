package actors

import (
	"context"
	"errors"
	"fmt"
	"time"

	"allot/domain"
)

// AccountChecker signs in to a returned number's Telegram account to see
// whether the next renter can (adapters/mtproto implements it, reading the
// login code from Fragment). It must be safe for concurrent use, bounded by
// ctx, and leave no session of its own behind: a clean account is signed
// out again before it answers. One with a cloud password has its deletion
// asked for, and the verdict says when Telegram lets it finish. An error
// (the code never came, a flood wait) means nothing was decided and the
// check is tried again, no sooner than a RetryAfter() time.Duration
// method of the error (a flood wait's) asks; it says nothing secret.
type AccountChecker interface {
	CheckAccount(ctx context.Context, number string) (domain.AccountVerdict, error)
}

// accountChecksAtOnce bounds the account checks in flight: each holds an
// MTProto connection and polls Fragment for its code.
const accountChecksAtOnce = 2

// errCheckStarted says the chore's account check went on its own
// goroutine: the number is looked at again when it ends.
var errCheckStarted = errors.New("actors: account check started")

// startCheck checks the account on a goroutine of its own, so that the
// worker goes on with other numbers' chores meanwhile. Its end is
// handed back like a step's: the number looked at again, or the failure
// counted and retried with backoff.
func (h *handovers) startCheck(ctx context.Context, id string, c domain.Chore) {
	h.mu.Lock()
	h.checking[id] = true
	delete(h.due, id)
	h.mu.Unlock()
	h.checks.Add(1)
	go func() {
		defer h.checks.Done()
		var err error
		select {
		case h.slots <- struct{}{}:
			err = h.checkAccount(ctx, id, c)
			<-h.slots
		case <-ctx.Done():
			err = ctx.Err()
		}
		switch {
		case ctx.Err() != nil: // closing: the next start checks it again
		case err != nil:
			h.failed(ctx, id, err)
		default:
			h.mu.Lock()
			delete(h.fails, id)
			h.mu.Unlock()
			h.poke(id) // codes off, and the sessions ended after the bot's sign-in
		}
		h.mu.Lock()
		delete(h.checking, id) // after the next look is set: Drain never sees a gap
		h.mu.Unlock()
		select {
		case h.kick <- struct{}{}:
		default:
		}
	}()
}

// checkAccount does the account check the chore c asks for: with no
// checker it is left to the admins; with one, the verdict is recorded by
// the number, which blocks it for a pending deletion.
func (h *handovers) checkAccount(ctx context.Context, id string, c domain.Chore) error {
	if h.checker == nil {
		_, err := h.e.number(ctx, id, false, func(r replyTo) command {
			return &accountDefer{asker: asker{r}, since: c.CheckSince}
		})
		return ignoreDecided(err)
	}
	v, err := h.checker.CheckAccount(ctx, id)
	if err != nil {
		return fmt.Errorf("account check: %w", err)
	}
	_, err = h.e.number(ctx, id, false, func(r replyTo) command {
		return &accountFound{asker: asker{r}, since: c.CheckSince, verdict: v}
	})
	return ignoreDecided(err)
}

// retryAfter is the wait an error asks for before the next try, or 0.
func retryAfter(err error) time.Duration {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		return ra.RetryAfter()
	}
	return 0
}

// ignoreDecided treats a step another step already decided as done: the
// next look at the number sees what it owes now.
func ignoreDecided(err error) error {
	if errors.Is(err, domain.ErrAlreadyDecided) {
		return nil
	}
	return err
}

// accountDefer records that the check begun at since is left to the admins.
type accountDefer struct {
	asker
	since time.Time
}

func (c *accountDefer) run(x *exec) {
	x.withNumber(c.r, func(n *domain.Number) {
		ev, err := n.DeferAccountCheck(c.since)
		if err == nil {
			_, err = x.emit(ev)
		}
		x.reply(c.r, nil, err)
	})
}

// accountFound records the checker's verdict and tells the admins of a
// pending deletion or a ban once it is durable.
type accountFound struct {
	asker
	since   time.Time
	verdict domain.AccountVerdict
}

func (c *accountFound) run(x *exec) {
	x.withNumber(c.r, func(n *domain.Number) {
		ev, err := n.AccountFound(c.since, c.verdict, x.now)
		if err == nil {
			if _, err = x.emit(ev); err == nil {
				x.eng.log.Info("account checked", "number", n.ID, "outcome", c.verdict.Outcome.String())
				if tellAdmins(ev) {
					x.notice(n, ev)
				}
			}
		}
		x.reply(c.r, nil, err)
	})
}

// tellAdmins reports whether an account check's event is one the admins
// hear of: a number blocked for a pending deletion or a ban.
func tellAdmins(ev domain.Event) bool {
	switch e := ev.(type) {
	case *domain.AccountDeletionAsked:
		return true
	case *domain.AccountChecked:
		return e.Outcome == domain.AccountBanned
	}
	return false
}

// MarkAccountChecked records that admin by checked the returned number's
// account by hand; a block for a pending deletion is lifted with it.
func (e *Engine) MarkAccountChecked(ctx context.Context, by domain.UserID, raw string) (*domain.Number, error) {
	return e.admin(ctx, OperationOf(ctx), by, "number.account_checked", raw, "",
		func(n *domain.Number, _ domain.Policy, now time.Time) (domain.Event, error) {
			return n.CheckedByAdmin(by, now)
		}, nil)
}

// UncheckedNumbers returns the returned numbers whose account was not
// looked at yet, in number order: those left to the admins, those being
// checked, and those blocked until a pending deletion can finish. A linear
// scan of the view, for an admin's occasional look.
func (e *Engine) UncheckedNumbers(_ context.Context) []NumberView {
	ids := e.view.ids()
	e.view.mu.RLock()
	defer e.view.mu.RUnlock()
	var out []NumberView
	for _, id := range ids {
		if v, _ := e.view.get(id); v.Unchecked {
			out = append(out, v)
		}
	}
	return out
}
