package actors

import (
	"errors"

	"allot/domain"
)

// A cancel's refund is a two-entity step: the number records the cancel
// and the refund it owes in one record; the wallet credits it under the
// cancel's operation (once, whatever how often it is asked) and then tells
// the number, which records it as paid. Recovery sends every refund still
// owed again, so a crash between the two loses nothing.

// refundCredit credits an owed refund to the wallet, then tells the number.
type refundCredit struct {
	asker
	number string
	owed   domain.OwedRefund
}

func (c *refundCredit) run(x *exec) {
	w := x.wallet()
	ev, err := w.CreditIn(c.owed.Op, domain.KindRefund, c.owed.Money(), c.number, "rental cancelled", x.now)
	if err == nil {
		_, err = x.emit(ev)
	}
	if err != nil && !errors.Is(err, domain.ErrDuplicateOp) {
		x.eng.log.Error("refund failed", "wallet", x.e.id, "op", c.owed.Op, "err", err)
		x.reply(c.r, nil, err)
		return
	}
	x.send(domain.KindNumber, c.number, &refundPaid{op: c.owed.Op})
	x.reply(c.r, nil, nil)
}

// refundPaid records at the number that its refund of op was credited.
type refundPaid struct {
	asker
	op domain.OpID
}

func (c *refundPaid) run(x *exec) {
	x.withNumber(c.r, func(n *domain.Number) {
		var err error
		if ev := n.RefundDone(c.op); ev != nil {
			_, err = x.emit(ev)
		}
		x.reply(c.r, nil, err)
	})
}

// resumeRefunds sends again every refund a number still owes.
func (e *Engine) resumeRefunds(owed map[string][]domain.OwedRefund) {
	for number, rs := range owed {
		for _, r := range rs {
			e.dir.route(nil, domain.KindWallet, walletID(r.User), &refundCredit{number: number, owed: r}, true)
		}
	}
}
