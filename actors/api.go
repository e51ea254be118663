package actors

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"allot/domain"
)

// ask routes a command built around a fresh reply channel and waits for
// the answer, the context, or the request timeout, whichever comes first.
func (e *Engine) ask(ctx context.Context, kind domain.Kind, id string, create bool, mk func(r replyTo) command) (any, error) {
	if e.closed.Load() {
		return nil, ErrClosed
	}
	r := make(replyTo, 1)
	if !e.dir.route(nil, kind, id, mk(r), create) {
		return nil, notFound(kind)
	}
	t := e.startWait()
	defer endWait(t)
	res, err := e.nextAnswer(ctx, r, t, kind, id)
	if err != nil {
		return nil, err
	}
	return res.v, res.err
}

// askAll sends a command to each of the existing entities ids of kind at
// once, and waits for every answer (in the order they come), the context,
// or the request timeout, whichever comes first.
func (e *Engine) askAll(ctx context.Context, kind domain.Kind, ids []string, mk func(r replyTo) command) ([]result, error) {
	if e.closed.Load() {
		return nil, ErrClosed
	}
	r := make(replyTo, len(ids)) // room for every answer: replyTo.send never blocks
	for _, id := range ids {
		if !e.dir.route(nil, kind, id, mk(r), false) {
			return nil, notFound(kind)
		}
	}
	t := e.startWait()
	defer endWait(t)
	out := make([]result, 0, len(ids))
	for range ids {
		res, err := e.nextAnswer(ctx, r, t, kind, "all")
		if err != nil {
			return nil, err
		}
		out = append(out, res)
	}
	return out, nil
}

// startWait starts a timer for the request timeout, which the answers to
// one request wait under (nextAnswer).
func (e *Engine) startWait() *time.Timer {
	t := askTimers.Get().(*time.Timer)
	t.Reset(e.opts.RequestTimeout)
	return t
}

// endWait stops t and keeps it for another request: after Stop no stale
// tick comes (Go 1.23 timers).
func endWait(t *time.Timer) {
	t.Stop()
	askTimers.Put(t)
}

// nextAnswer waits for the next answer on r, the context, or t, whichever
// comes first; id names what was asked in the errors.
func (e *Engine) nextAnswer(ctx context.Context, r replyTo, t *time.Timer, kind domain.Kind, id string) (result, error) {
	select {
	case res := <-r:
		return res, nil
	case <-ctx.Done():
		return result{}, fmt.Errorf("actors: %s %s: %w", kind, id, ctx.Err())
	case <-t.C:
		return result{}, fmt.Errorf("actors: %s %s: %w in %s", kind, id, ErrNoReply, e.opts.RequestTimeout)
	}
}

// askTimers are the stopped timers of asks: a timer per ask was a tenth of
// what the engine allocated in the load test.
var askTimers = sync.Pool{New: func() any {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return t
}}

func notFound(kind domain.Kind) error {
	if kind == domain.KindNumber {
		return domain.ErrNumberNotFound
	}
	return fmt.Errorf("actors: unknown %s", kind)
}

func askAs[T any](v any, err error) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("actors: reply is %T, want %T", v, zero)
	}
	return t, nil
}

func (e *Engine) number(ctx context.Context, raw string, create bool, mk func(r replyTo) command) (any, error) {
	id, err := domain.ParseNumber(raw)
	if err != nil {
		return nil, err
	}
	return e.ask(ctx, domain.KindNumber, id, create, mk)
}

// AddNumber puts a number in the catalogue; by is the admin, for the audit
// log (0 for a system import, which is not audited).
func (e *Engine) AddNumber(ctx context.Context, by domain.UserID, raw string) (string, error) {
	id, err := domain.ParseNumber(raw)
	if err != nil {
		return "", err
	}
	_, err = e.ask(ctx, domain.KindNumber, id, true, func(r replyTo) command { return &addNumber{asker{r}} })
	if err == nil {
		e.audit(OperationOf(ctx), by, "number.add", id, "")
	}
	return id, err
}

// Number returns a copy of a number's state.
func (e *Engine) Number(ctx context.Context, raw string) (*domain.Number, error) {
	return askAs[*domain.Number](e.number(ctx, raw, false, func(r replyTo) command { return &getNumber{asker{r}} }))
}

// RentFromBalance rents a number for days, paid in TON from the user's
// balance. op is the idempotency key: the same op again returns the same
// rental. RentFromBalanceIn pays in another currency.
func (e *Engine) RentFromBalance(ctx context.Context, op domain.OpID, user domain.UserID, raw string, days int) (Receipt, error) {
	return e.RentFromBalanceIn(ctx, op, user, raw, days, domain.CurrencyTON)
}

// RentFromBalanceIn rents a number for days at its price in cur, paid from
// the user's balance in cur; a period not priced in cur is
// domain.ErrBadPeriod. Nothing is converted.
func (e *Engine) RentFromBalanceIn(ctx context.Context, op domain.OpID, user domain.UserID, raw string, days int, cur domain.Currency) (Receipt, error) {
	return askAs[Receipt](e.number(ctx, raw, false, func(r replyTo) command {
		return &purchase{asker: asker{r}, op: op, user: user, days: days, cur: cur, purpose: purposeRent}
	}))
}

// RenewFromBalance extends the user's rental by days from its current end,
// paid in TON; RenewFromBalanceIn in another currency.
func (e *Engine) RenewFromBalance(ctx context.Context, op domain.OpID, user domain.UserID, raw string, days int) (Receipt, error) {
	return e.RenewFromBalanceIn(ctx, op, user, raw, days, domain.CurrencyTON)
}

// RenewFromBalanceIn extends the user's rental by days at its price in cur,
// paid from the balance in cur. A rental rented in one currency may be
// renewed in the other: each is kept apart (Rental.PaidIn).
func (e *Engine) RenewFromBalanceIn(ctx context.Context, op domain.OpID, user domain.UserID, raw string, days int, cur domain.Currency) (Receipt, error) {
	return askAs[Receipt](e.number(ctx, raw, false, func(r replyTo) command {
		return &purchase{asker: asker{r}, op: op, user: user, days: days, cur: cur, purpose: purposeRenew}
	}))
}

// OfferTransfer offers the user's rental of a number to another person,
// named by id or @username, who must have started the bot.
func (e *Engine) OfferTransfer(ctx context.Context, op domain.OpID, from domain.UserID, raw, to string) (*domain.Number, error) {
	if id, err := strconv.ParseInt(strings.TrimSpace(to), 10, 64); err == nil {
		if num, err := domain.ParseNumber(raw); err == nil { // else the number's error, after the person's, as below
			return askAs[*domain.Number](e.ask(ctx, domain.KindUsers, userShard(domain.UserID(id)), false, func(r replyTo) command {
				return &offerVia{asker: asker{r}, ref: to, number: num, op: op, from: from}
			}))
		}
	}
	u, err := e.FindUser(ctx, to)
	if err != nil {
		return nil, err
	}
	return e.change(ctx, raw, func(n *domain.Number, p domain.Policy, now time.Time) (domain.Event, error) {
		return n.OfferTransfer(op, from, u.ID, p, now)
	}, nil)
}

// AcceptTransfer moves an offered rental to the recipient.
func (e *Engine) AcceptTransfer(ctx context.Context, user domain.UserID, raw string) (*domain.Number, error) {
	return e.change(ctx, raw, func(n *domain.Number, _ domain.Policy, now time.Time) (domain.Event, error) {
		return n.AcceptTransfer(user, now)
	}, nil)
}

// DeclineTransfer refuses an offered rental.
func (e *Engine) DeclineTransfer(ctx context.Context, user domain.UserID, raw string) (*domain.Number, error) {
	return e.change(ctx, raw, func(n *domain.Number, _ domain.Policy, now time.Time) (domain.Event, error) {
		return n.DeclineTransfer(user, now)
	}, nil)
}

// CancelTransfer withdraws the renter's pending offer.
func (e *Engine) CancelTransfer(ctx context.Context, user domain.UserID, raw string) (*domain.Number, error) {
	return e.change(ctx, raw, func(n *domain.Number, _ domain.Policy, _ time.Time) (domain.Event, error) {
		return n.CancelTransfer(user)
	}, nil)
}

func (e *Engine) change(ctx context.Context, raw string, decide func(*domain.Number, domain.Policy, time.Time) (domain.Event, error),
	after func(*exec, *domain.Number, domain.Event)) (*domain.Number, error) {
	return askAs[*domain.Number](e.number(ctx, raw, false, func(r replyTo) command {
		return &numberChange{asker: asker{r}, decide: decide, after: after}
	}))
}

// AuthorizeLoginCode checks, in the number's own turn, that user holds
// the number's current rental, the only person who may see its login
// codes, and records in the audit log that codes were shown to them. It
// returns the number as it stands. Anyone else is refused (ErrNotRenter,
// ErrNotRented, ErrBlocked) and nothing is recorded.
func (e *Engine) AuthorizeLoginCode(ctx context.Context, user domain.UserID, raw string) (*domain.Number, error) {
	if err := user.Validate(); err != nil {
		return nil, err
	}
	n, err := askAs[*domain.Number](e.number(ctx, raw, false, func(r replyTo) command {
		return &numberRead{asker: asker{r}, check: func(n *domain.Number) error { return n.MayReadCodes(user) }}
	}))
	if err == nil {
		e.audit(OperationOf(ctx), user, "code.shown", n.ID, "")
	}
	return n, err
}

// Wallet returns a copy of a user's wallet (an empty one if the user never paid).
func (e *Engine) Wallet(ctx context.Context, user domain.UserID) (*domain.Wallet, error) {
	if err := user.Validate(); err != nil {
		return nil, err
	}
	if !e.closed.Load() && !e.knows(domain.KindWallet, walletID(user)) {
		return &domain.Wallet{User: user}, nil // never paid: no entity needed to say so
	}
	return askAs[*domain.Wallet](e.ask(ctx, domain.KindWallet, walletID(user), false, func(r replyTo) command {
		return &getWallet{asker{r}}
	}))
}

// knows tells whether the entity may exist: one of a lazy kind may be in
// the store without the directory knowing it.
func (e *Engine) knows(kind domain.Kind, id string) bool {
	_, ok := e.dir.peek(kind, id)
	return ok || e.dir.lazy[kind]
}

// SeeUser records what Telegram says of a person; cheap when nothing changed.
func (e *Engine) SeeUser(ctx context.Context, u domain.User) error {
	if err := u.ID.Validate(); err != nil {
		return err
	}
	_, err := e.ask(ctx, domain.KindUsers, userShard(u.ID), false, func(r replyTo) command { return &seeUser{asker{r}, u} })
	return err
}

// FindUser finds a person by id or @username. An id goes to its shard; a
// username is asked of every shard at once, and the most recently seen
// holder of it wins (Telegram usernames move from person to person; ties
// go to the lower id, as within a shard: domain.Newer). Asked one after
// another, the sixteen shards were sixteen waits for a transfer or an
// admin's command naming someone by username.
func (e *Engine) FindUser(ctx context.Context, ref string) (domain.User, error) {
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return askAs[domain.User](e.ask(ctx, domain.KindUsers, userShard(domain.UserID(id)), false, func(r replyTo) command {
			return &findUser{asker{r}, ref}
		}))
	}
	answers, err := e.askAll(ctx, domain.KindUsers, registerNames, func(r replyTo) command {
		return &findUser{asker{r}, ref}
	})
	if err != nil {
		return domain.User{}, err
	}
	var best *domain.User
	for _, a := range answers {
		u, err := askAs[domain.User](a.v, a.err)
		switch {
		case err == nil && (best == nil || domain.Newer(&u, best)):
			best = &u
		case err != nil && !errors.Is(err, domain.ErrUnknownUser):
			return domain.User{}, err
		}
	}
	if best == nil {
		return domain.User{}, domain.ErrUnknownUser
	}
	return *best, nil
}

// SetDefaultPrice sets the default TON price of a period (amount 0
// removes it); SetDefaultPriceIn in any currency.
func (e *Engine) SetDefaultPrice(ctx context.Context, by domain.UserID, days int, amount domain.Nano) error {
	return e.SetDefaultPriceIn(ctx, by, days, domain.TONMoney(amount))
}

// SetDefaultPriceIn sets the default price of a period in m's currency (an
// amount of 0 removes it in that currency, leaving the other).
func (e *Engine) SetDefaultPriceIn(ctx context.Context, by domain.UserID, days int, m domain.Money) error {
	_, err := e.ask(ctx, domain.KindCatalog, singleton, false, func(r replyTo) command {
		return &setDefaultPrice{asker{r}, days, m}
	})
	if err == nil {
		e.audit(OperationOf(ctx), by, "price.default", strconv.Itoa(days)+"d", m.String())
	}
	return err
}

// SetNumberPrice sets one number's own TON price for a period (0 removes
// it); SetNumberPriceIn in any currency.
func (e *Engine) SetNumberPrice(ctx context.Context, by domain.UserID, raw string, days int, amount domain.Nano) (*domain.Number, error) {
	return e.SetNumberPriceIn(ctx, by, raw, days, domain.TONMoney(amount))
}

// SetNumberPriceIn sets one number's own price for a period in m's
// currency (an amount of 0 removes it).
func (e *Engine) SetNumberPriceIn(ctx context.Context, by domain.UserID, raw string, days int, m domain.Money) (*domain.Number, error) {
	return e.admin(ctx, OperationOf(ctx), by, "number.price", raw, fmt.Sprintf("%dd %s", days, m),
		func(n *domain.Number, _ domain.Policy, _ time.Time) (domain.Event, error) {
			return n.SetPrice(days, m)
		}, nil)
}

// Block takes a number out of use.
func (e *Engine) Block(ctx context.Context, by domain.UserID, raw, reason string) (*domain.Number, error) {
	return e.admin(ctx, OperationOf(ctx), by, "number.block", raw, reason,
		func(n *domain.Number, _ domain.Policy, _ time.Time) (domain.Event, error) { return n.Block(reason) }, nil)
}

// Unblock puts a blocked number back in use.
func (e *Engine) Unblock(ctx context.Context, by domain.UserID, raw string) (*domain.Number, error) {
	return e.admin(ctx, OperationOf(ctx), by, "number.unblock", raw, "",
		func(n *domain.Number, _ domain.Policy, _ time.Time) (domain.Event, error) { return n.Unblock() }, nil)
}

// Extend moves a rental's end by days (negative shortens). The number
// adds them to its end as it stands when the change applies, so a renewal
// paid in between is kept.
// op (the admin's update) makes it happen once: the number remembers it.
func (e *Engine) Extend(ctx context.Context, op domain.OpID, by domain.UserID, raw string, days int) (*domain.Number, error) {
	return e.admin(ctx, op, by, "rental.extend", raw, fmt.Sprintf("%+d days", days),
		func(n *domain.Number, p domain.Policy, now time.Time) (domain.Event, error) {
			return n.ExtendBy(op, days, p, now)
		}, nil)
}

// RemoveNumber takes a number nobody holds out of the catalogue; adding it
// again restores it.
func (e *Engine) RemoveNumber(ctx context.Context, by domain.UserID, raw string) (*domain.Number, error) {
	return e.admin(ctx, OperationOf(ctx), by, "number.remove", raw, "",
		func(n *domain.Number, _ domain.Policy, _ time.Time) (domain.Event, error) { return n.Remove() }, nil)
}

// Reclaim returns an expired number to stock.
func (e *Engine) Reclaim(ctx context.Context, by domain.UserID, raw string) (*domain.Number, error) {
	return e.admin(ctx, OperationOf(ctx), by, "number.reclaim", raw, "",
		func(n *domain.Number, _ domain.Policy, now time.Time) (domain.Event, error) { return n.Reclaim(now) }, nil)
}

// CancelRental ends a rental early and refunds refund TON to the renter's
// balance; CancelRentalIn refunds in any currency.
func (e *Engine) CancelRental(ctx context.Context, op domain.OpID, by domain.UserID, raw string, refund domain.Nano) (*domain.Number, error) {
	return e.CancelRentalIn(ctx, op, by, raw, domain.TONMoney(refund))
}

// CancelRentalIn ends a rental early and refunds refund to the renter's
// balance in its currency, at most what the renter paid in it. The refund
// is keyed by op, so a retry never pays twice.
func (e *Engine) CancelRentalIn(ctx context.Context, op domain.OpID, by domain.UserID, raw string, refund domain.Money) (*domain.Number, error) {
	return e.admin(ctx, op, by, "rental.cancel", raw, "refund "+refund.String(),
		func(n *domain.Number, _ domain.Policy, now time.Time) (domain.Event, error) {
			return n.Cancel(op, refund, now)
		},
		func(x *exec, n *domain.Number, ev domain.Event) {
			c := ev.(*domain.RentalCancelled)
			if c.Refund > 0 { // owed in the number's state until the wallet confirms (refund.go)
				x.send(domain.KindWallet, walletID(c.Renter), &refundCredit{number: n.ID,
					owed: domain.OwedRefund{Op: c.Op, User: c.Renter, Amount: c.Refund, Currency: c.Currency}})
			}
		})
}

// AdjustBalance corrects a TON balance by amount (negative takes money),
// with the admin's reason in the ledger and the audit log; AdjustBalanceIn
// in any currency.
func (e *Engine) AdjustBalance(ctx context.Context, op domain.OpID, by, user domain.UserID, amount domain.Nano, reason string) (domain.Nano, error) {
	return e.AdjustBalanceIn(ctx, op, by, user, domain.TONMoney(amount), reason)
}

// AdjustBalanceIn corrects the balance in m's currency by m (negative
// takes money) and answers the new balance in that currency.
func (e *Engine) AdjustBalanceIn(ctx context.Context, op domain.OpID, by, user domain.UserID, m domain.Money, reason string) (domain.Nano, error) {
	if err := user.Validate(); err != nil {
		return 0, err
	}
	abs := domain.Money{Currency: m.Currency, Units: max(m.Units, -m.Units)}
	if err := domain.CheckAdminMoney(abs); err != nil {
		return 0, err
	}
	v, err := e.ask(ctx, domain.KindWallet, walletID(user), true, func(r replyTo) command {
		if m.Units < 0 {
			return &debit{asker: asker{r}, op: op, amount: abs, note: reason}
		}
		return &credit{asker: asker{r}, op: op, kind: domain.KindAdjustment, amount: domain.Nano(m.Units),
			cur: m.Currency, note: reason}
	})
	if err == nil || errors.Is(err, domain.ErrDuplicateOp) { // keyed by op: a lost entry is written, a kept one not again
		e.audit(op, by, "wallet.adjust", walletID(user), m.String()+": "+reason)
	}
	return askAs[domain.Nano](v, err)
}

// AuditLog returns one page of the audit log, newest first.
func (e *Engine) AuditLog(ctx context.Context, page, size int) (AuditPage, error) {
	return askAs[AuditPage](e.ask(ctx, domain.KindAudit, singleton, false, func(r replyTo) command {
		return &auditPage{asker{r}, page, size}
	}))
}

// admin makes an admin's change to a number and records it in the audit
// log under op (the call's own, or its context's). An operation the
// number already applied is recorded too: the entry is keyed by op, so one
// a crash lost is written and one kept is not written again.
func (e *Engine) admin(ctx context.Context, op domain.OpID, by domain.UserID, action, raw, detail string,
	decide func(*domain.Number, domain.Policy, time.Time) (domain.Event, error),
	after func(*exec, *domain.Number, domain.Event)) (*domain.Number, error) {
	n, err := e.change(ctx, raw, decide, after)
	switch {
	case err == nil:
		e.audit(op, by, action, n.ID, detail)
	case errors.Is(err, domain.ErrDuplicateOp):
		if id, perr := domain.ParseNumber(raw); perr == nil {
			e.audit(op, by, action, id, detail)
		}
	}
	return n, err
}

// Audit records an admin action taken outside the engine (fresh Fragment
// cookies, say) in the audit log under by. Never pass it a secret.
// ctx's operation keys it (WithOperation).
func (e *Engine) Audit(ctx context.Context, by domain.UserID, action, target string) {
	e.audit(OperationOf(ctx), by, action, target, "")
}

// audit records an admin action; it is journaled after the action itself.
// by 0 is the system (an import, the load test): not a person's action.
// op keys the entry: the same operation, action and target are recorded
// once however often the call is made.
func (e *Engine) audit(op domain.OpID, by domain.UserID, action, target, detail string) {
	if by <= 0 {
		return
	}
	e.dir.route(nil, domain.KindAudit, singleton, &audit{entry: domain.AuditEntry{
		At: e.clock(), Actor: by, Action: action, Target: target, Detail: detail, Op: op}}, false)
}
