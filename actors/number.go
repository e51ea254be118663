package actors

import (
	"errors"
	"time"

	"allot/domain"
)

// Receipt is what a renter is told after a rent or renewal is durable.
type Receipt struct {
	Op       domain.OpID
	Number   string
	User     domain.UserID
	Days     int
	Price    domain.Nano     // in Currency's smallest unit
	Currency domain.Currency // what it was paid in
	Until    time.Time
	Repeat   bool // the operation had been applied before: this is its old result, and the number may have moved on since
}

func (x *exec) number() *domain.Number {
	n, _ := x.e.state.(*domain.Number)
	return n
}

// withNumber runs fn on the number, or answers ErrNumberNotFound when the
// entity was created by a message but the number was never added.
func (x *exec) withNumber(r replyTo, fn func(n *domain.Number)) { x.numberTurn(r, false, fn) }

// numberTurn is withNumber, for a turn the scheduler woke when woken.
//
// The scheduler holds, for a number with a wake-up due, one no later than
// it, and may hold one for a number with none or earlier than due: the
// tick it sends then finds nothing to do, and sets the right one, since
// the scheduler forgets a wake-up as it fires it. So a wake-up that moved
// later, or went away, is left as it was: a renewal moves its number's by
// the period renewed, and setting it was a message to the engine's one
// scheduler for every renewal and rent (3 % of the CPU of `loadtest -mode
// engine`), where a stale one costs a tick when its time comes.
func (x *exec) numberTurn(r replyTo, woken bool, fn func(n *domain.Number)) {
	n := x.number()
	if n == nil {
		x.reply(r, nil, domain.ErrNumberNotFound)
		return
	}
	reminders := x.eng.policy().Reminders
	before := n.NextWake(reminders)
	fn(n)
	if after := n.NextWake(reminders); !after.IsZero() && (woken || before.IsZero() || after.Before(before)) {
		x.eng.sched.arm(x.via, domain.KindNumber, n.ID, after)
	}
}

type addNumber struct{ asker }

func (c *addNumber) run(x *exec) {
	if n := x.number(); n != nil { // adding a removed number restores it, history and all
		ev, err := n.Restore()
		if err == nil {
			_, err = x.emit(ev)
		}
		x.reply(c.r, nil, err)
		return
	}
	ev, err := domain.AddNumber(x.e.id, x.now)
	if err == nil {
		_, err = x.emit(ev)
	}
	x.reply(c.r, nil, err)
}

type getNumber struct{ asker }

func (c *getNumber) run(x *exec) {
	x.withNumber(c.r, func(n *domain.Number) { x.reply(c.r, n.Clone(), nil) })
}

// purchase is the first step of the rent and renew sagas: check the number
// can be rented (or renewed) by the user and quote it, then ask the wallet to
// pay. Nothing is journaled here; the wallet's debit is the saga's first
// durable step, and confirmPurchase decides again when the money is held.
type purchase struct {
	asker
	op      domain.OpID
	user    domain.UserID
	days    int
	cur     domain.Currency // what the renter pays in
	purpose string          // purposeRent or purposeRenew
}

func (c *purchase) run(x *exec) {
	x.withNumber(c.r, func(n *domain.Number) {
		if n.HasOp(c.op) {
			rc := receiptOf(n, c.op, c.user, c.days, domain.Money{Currency: c.cur})
			rc.Repeat = true
			x.reply(c.r, rc, nil)
			return
		}
		p := x.eng.policy()
		price, err := domain.Quote(n, p.Prices, c.days, c.cur)
		if h := n.Hold; h != nil && h.Op == c.op { // an invoice's reservation: its period and price hold
			c.days, price, err = h.Days, h.Money(), nil
		}
		if err == nil {
			_, err = decidePurchase(n, c.purpose, c.op, c.user, c.days, price, p, x.now)
		}
		if err != nil {
			x.reply(c.r, nil, err)
			return
		}
		x.send(domain.KindWallet, walletID(c.user), &debitForNumber{asker: asker{c.r},
			op: c.op, user: c.user, amount: price, number: n.ID, days: c.days, purpose: c.purpose})
	})
}

// decidePurchase is the domain decision behind a rent or renew saga.
func decidePurchase(n *domain.Number, purpose string, op domain.OpID, u domain.UserID, days int, price domain.Money,
	p domain.Policy, now time.Time) (domain.Event, error) {
	if purpose == purposeRenew {
		return n.Renew(op, u, days, price, p, now)
	}
	return n.Rent(op, u, days, price, p, now)
}

// confirmPurchase is the saga's last step, sent by the wallet once the money
// is held: start or extend the rental, then tell the wallet to complete the
// entry, or to fail it (giving the money back) when the number was taken,
// blocked or repriced in the meantime.
type confirmPurchase struct {
	asker
	op      domain.OpID
	user    domain.UserID
	days    int
	price   domain.Money
	purpose string
}

func (c *confirmPurchase) run(x *exec) {
	n := x.number()
	if n == nil {
		x.send(domain.KindWallet, walletID(c.user), &settleEntry{asker: asker{c.r}, op: c.op,
			to: domain.EntryFailed, cause: domain.ErrNumberNotFound})
		return
	}
	x.withNumber(nil, func(n *domain.Number) {
		if n.HasOp(c.op) { // applied before a crash or a retry: only the wallet is behind
			x.send(domain.KindWallet, walletID(c.user), &settleEntry{op: c.op, to: domain.EntryCompleted})
			x.reply(c.r, receiptOf(n, c.op, c.user, c.days, c.price), nil)
			return
		}
		ev, err := decidePurchase(n, c.purpose, c.op, c.user, c.days, c.price, x.eng.policy(), x.now)
		if err == nil {
			_, err = x.emit(ev)
		}
		if err != nil {
			x.send(domain.KindWallet, walletID(c.user), &settleEntry{asker: asker{c.r}, op: c.op,
				to: domain.EntryFailed, cause: err})
			return
		}
		x.reply(c.r, receiptOf(n, c.op, c.user, c.days, c.price), nil)
		x.send(domain.KindWallet, walletID(c.user), &settleEntry{op: c.op, to: domain.EntryCompleted})
	})
}

func receiptOf(n *domain.Number, op domain.OpID, u domain.UserID, days int, price domain.Money) Receipt {
	r := Receipt{Op: op, Number: n.ID, User: u, Days: days, Price: domain.Nano(price.Units), Currency: price.Currency}
	if n.Rental != nil {
		r.Until = n.Rental.Until
	}
	return r
}

// numberChange runs one single-entity decision on a number: offer, accept,
// decline, block, admin changes. decide returns the event to journal.
type numberChange struct {
	asker
	decide func(n *domain.Number, p domain.Policy, now time.Time) (domain.Event, error)
	after  func(x *exec, n *domain.Number, ev domain.Event) // optional follow-up, e.g. a refund
}

func (c *numberChange) run(x *exec) {
	x.withNumber(c.r, func(n *domain.Number) {
		ev, err := c.decide(n, x.eng.policy(), x.now)
		if err == nil {
			_, err = x.emit(ev)
		}
		if err != nil {
			x.reply(c.r, nil, err)
			return
		}
		if c.after != nil {
			c.after(x, n, ev)
		}
		x.reply(c.r, n.Clone(), nil)
	})
}

// numberRead answers a copy of the number when check allows it: a
// decision that changes nothing, made in the number's turn so it sees the
// state as it is.
type numberRead struct {
	asker
	check func(n *domain.Number) error
}

func (c *numberRead) run(x *exec) {
	x.withNumber(c.r, func(n *domain.Number) {
		if err := c.check(n); err != nil {
			x.reply(c.r, nil, err)
			return
		}
		x.reply(c.r, n.Clone(), nil)
	})
}

// tick is the scheduler's wake-up: apply whatever is due now.
type tick struct{ asker }

func (c *tick) run(x *exec) {
	switch x.e.kind {
	case domain.KindProxy:
		x.proxyTick()
		return
	case domain.KindPool:
		x.poolTick()
		return
	}
	x.numberTurn(nil, true, func(n *domain.Number) {
		seqs, err := x.emitAll(n.Tick(x.eng.policy(), x.now))
		// Raised after the whole tick, so that a notice a later event of
		// the same tick replaced or made untrue is not told at all.
		for _, seq := range seqs {
			x.noticeOwed(n, seq)
		}
		if err != nil {
			x.eng.log.Error("tick failed", "number", n.ID, "err", err)
			return
		}
		x.noteChore(n, nil) // a pending account deletion may be ready to finish
	})
}

// emitAll journals evs in order up to the first refused, and returns the
// sequences of those journaled.
func (x *exec) emitAll(evs []domain.Event) ([]uint64, error) {
	seqs := make([]uint64, 0, len(evs))
	for _, ev := range evs {
		seq, err := x.emit(ev)
		if err != nil {
			return seqs, err
		}
		seqs = append(seqs, seq)
	}
	return seqs, nil
}

// noticeOwed raises, once it is durable, the notice that the event
// journaled under seq owes a person (domain/notice.go), if it still does.
// The bot acknowledges it with Engine.NoticeTold; until then recovery
// raises it again at every start (notices.go).
func (x *exec) noticeOwed(n *domain.Number, seq uint64) {
	if x.eng.opts.Notify == nil {
		return
	}
	o, ok := n.OwedNotice(seq)
	if !ok {
		return
	}
	nt := noticeOf(n.ID, o)
	notify := x.eng.opts.Notify // not x: the turn is over when this runs
	x.then(func() { notify(nt) })
}

// notice raises, once it is durable, an event the admins hear of (a
// hand-over that keeps failing, an account check's finding). Nothing owes
// it: a crash before the bot sent it loses it.
func (x *exec) notice(n *domain.Number, ev domain.Event) {
	if x.eng.opts.Notify == nil {
		return
	}
	nt := Notice{Number: n.ID, Event: ev}
	if r := n.Rental; r != nil {
		nt.User, nt.Until = r.Renter, r.Until
	}
	notify := x.eng.opts.Notify // not x: the turn is over when this runs
	x.then(func() { notify(nt) })
}

// Notice is an event a person should hear of without asking: a reminder,
// an expiry, a lapsed reservation, a payment; or the admins, an alert.
type Notice struct {
	Number string
	User   domain.UserID
	Until  time.Time
	Event  domain.Event
	// Seq names a notice the number owes until it is told: whoever tells
	// it calls Engine.NoticeTold(Number, Seq) afterwards. 0 for a notice
	// nothing owes (a payment, the admins' alerts), which is told at most
	// once.
	Seq     uint64
	Payment *DepositResult // set for an incoming payment the user should hear of
}

// reserve holds the number for an invoice. A retry with the same op
// answers the hold it already made.
type reserve struct {
	asker
	op   domain.OpID
	user domain.UserID
	days int
	cur  domain.Currency
}

func (c *reserve) run(x *exec) {
	x.withNumber(c.r, func(n *domain.Number) {
		if h := n.Hold; h != nil && h.Op == c.op && h.User == c.user {
			x.reply(c.r, *h, nil)
			return
		}
		ev, err := n.Reserve(c.op, c.user, c.days, c.cur, x.eng.policy(), x.now)
		if err == nil {
			_, err = x.emit(ev)
		}
		if err != nil {
			x.reply(c.r, nil, err)
			return
		}
		x.reply(c.r, *n.Hold, nil)
	})
}

// releaseHold drops an invoice's reservation when the invoice is closed.
// Nobody waits; a hold already gone (paid, lapsed) is nothing to do.
type releaseHold struct {
	asker
	op     domain.OpID
	reason string
}

func (c *releaseHold) run(x *exec) {
	x.withNumber(c.r, func(n *domain.Number) {
		ev, err := n.Release(c.op, c.reason, x.now)
		if err == nil {
			var seq uint64
			if seq, err = x.emit(ev); err == nil {
				x.noticeOwed(n, seq)
			}
		}
		if errors.Is(err, domain.ErrNoHold) {
			err = nil
		}
		x.reply(c.r, nil, err)
	})
}

// quoteRenewal answers the price of renewing for days in cur, after
// checking that user is the renter: what a renewal invoice asks for.
type quoteRenewal struct {
	asker
	user domain.UserID
	days int
	cur  domain.Currency
}

func (c *quoteRenewal) run(x *exec) {
	x.withNumber(c.r, func(n *domain.Number) {
		p := x.eng.policy()
		price, err := domain.Quote(n, p.Prices, c.days, c.cur)
		if err == nil {
			_, err = n.Renew(domain.OpID("quote"), c.user, c.days, price, p, x.now)
		}
		x.reply(c.r, price, err)
	})
}
