package actors

import (
	"errors"
	"fmt"

	"allot/domain"
)

// Saga purposes, kept in the purchase entry's note so that recovery knows
// which step to resume.
const (
	purposeRent  = "rent"
	purposeRenew = "renew"
)

func (x *exec) wallet() *domain.Wallet {
	w, _ := x.e.state.(*domain.Wallet)
	if w == nil {
		w = newWallet(x.e.id)
		x.e.state = w
	}
	return w
}

// debitForNumber holds the price of a rent or renewal as a processing
// purchase, then asks the number to confirm. The wallet is where the saga
// begins and the one entity that remembers every purchase for ever, so it
// decides what a retry with the same op means: a purchase still processing
// is resumed (the number finds itself applied, or applies it now); one that
// completed or failed is over, and is answered from the ledger without
// asking the number again. A number remembers only recent operations, so a
// completed purchase replayed to it after it forgot would renew for nothing.
type debitForNumber struct {
	asker
	op      domain.OpID
	user    domain.UserID
	amount  domain.Money
	number  string
	days    int
	purpose string
}

func (c *debitForNumber) run(x *exec) {
	w := x.wallet()
	ev, err := w.DebitIn(c.op, domain.KindPurchase, c.amount, c.number, c.days, c.purpose, x.now)
	if errors.Is(err, domain.ErrDuplicateOp) {
		e, _ := w.Entry(c.op)
		switch {
		case e.Kind != domain.KindPurchase || e.Ref != c.number:
			x.reply(c.r, nil, fmt.Errorf("%w: %s was not a purchase of %s", domain.ErrDuplicateOp, c.op, c.number))
			return
		case e.Status == domain.EntryFailed:
			x.reply(c.r, nil, fmt.Errorf("%w: %s", domain.ErrDuplicateOp, e.Note))
			return
		case e.Status == domain.EntryCompleted:
			x.reply(c.r, Receipt{Op: c.op, Number: c.number, User: c.user, Days: e.Days, Price: e.Amount,
				Currency: e.Currency, Repeat: true}, nil)
			return
		}
		c.amount, c.days, err = e.Money(), e.Days, nil // resume with what was actually held
	} else if err == nil {
		_, err = x.emit(ev)
	}
	if err != nil {
		x.reply(c.r, nil, err)
		return
	}
	confirm := &confirmPurchase{asker: asker{c.r}, op: c.op, user: c.user, days: c.days, price: c.amount, purpose: c.purpose}
	if !x.route(domain.KindNumber, c.number, confirm, false) {
		// The number is in no directory (a retry naming one never added):
		// the money goes back in this very turn and the asker hears why,
		// as confirmPurchase would answer for a number without state.
		(&settleEntry{asker: asker{c.r}, op: c.op, to: domain.EntryFailed, cause: domain.ErrNumberNotFound}).run(x)
	}
}

// settleEntry ends a processing purchase: completed, or failed with the
// money returned. cause is the saga's failure, answered to whoever waits
// once the refund is durable.
type settleEntry struct {
	asker
	op    domain.OpID
	to    domain.EntryStatus
	cause error
}

func (c *settleEntry) run(x *exec) {
	if c.deferCompletion(x) {
		return
	}
	note := ""
	if c.cause != nil {
		note = c.cause.Error()
	}
	ev, err := x.wallet().Settle(c.op, c.to, note, x.now)
	if err == nil {
		_, err = x.emit(ev)
	} else if errors.Is(err, domain.ErrDuplicateOp) {
		err = nil
	}
	if err != nil {
		x.eng.log.Error("settle failed", "wallet", x.e.id, "op", c.op, "err", err)
	}
	x.reply(c.r, nil, firstErr(c.cause, err))
}

// credit adds money: a deposit, bonus, refund or adjustment, in cur (the
// zero value is TON).
type credit struct {
	asker
	op     domain.OpID
	kind   domain.EntryKind
	amount domain.Nano // in cur's smallest unit
	cur    domain.Currency
	ref    string
	note   string
	answer func(balance domain.Nano) any // shapes the reply; nil answers the balance in cur
	once   bool                          // a credit sent again: one already made is success, not ErrDuplicateOp
}

func (c *credit) run(x *exec) {
	w := x.wallet()
	ev, err := w.CreditIn(c.op, c.kind, domain.Money{Currency: c.cur, Units: int64(c.amount)}, c.ref, c.note, x.now)
	if err == nil {
		_, err = x.emit(ev)
	}
	if c.once && errors.Is(err, domain.ErrDuplicateOp) {
		err = nil
	}
	b := domain.Nano(w.BalanceIn(c.cur).Units)
	var v any = b
	if c.answer != nil {
		v = c.answer(b)
	}
	x.reply(c.r, v, err)
}

// debit takes money outside a saga: an admin's negative adjustment, in
// amount's currency. It answers the balance in that currency.
type debit struct {
	asker
	op     domain.OpID
	amount domain.Money
	note   string
}

func (c *debit) run(x *exec) {
	w := x.wallet()
	ev, err := w.DebitIn(c.op, domain.KindAdjustment, c.amount, "", 0, c.note, x.now)
	if err == nil {
		_, err = x.emit(ev)
	}
	x.reply(c.r, domain.Nano(w.BalanceIn(c.amount.Currency).Units), err)
}

type getWallet struct{ asker }

func (c *getWallet) run(x *exec) { x.reply(c.r, x.wallet().Clone(), nil) }

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// openRecharge records a top-up invoice as a pending entry, so the user's
// history shows it before the money arrives. A retry is not an error.
type openRecharge struct {
	asker
	op     domain.OpID
	amount domain.Money
	ref    string
}

func (c *openRecharge) run(x *exec) {
	ev, err := x.wallet().OpenRechargeIn(c.op, c.amount, c.ref, x.now)
	if err == nil {
		_, err = x.emit(ev)
	} else if errors.Is(err, domain.ErrDuplicateOp) {
		err = nil
	}
	x.reply(c.r, nil, err)
}
