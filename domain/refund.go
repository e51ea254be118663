package domain

// A cancelled rental's refund goes to another entity (the renter's wallet),
// so the number keeps it as owed from the cancel on, in the same record,
// until the wallet confirms the credit: a crash between the two never loses
// it, and recovery sends it again (the wallet credits an operation once).

// OwedRefund is a refund a number's cancel owes its renter's wallet.
type OwedRefund struct {
	Op       OpID     `msgpack:"op"`
	User     UserID   `msgpack:"u"`
	Amount   Nano     `msgpack:"a"`
	Currency Currency `msgpack:"cu,omitempty"` // Amount's; TON when absent
}

// Money is the refund in its currency.
func (r OwedRefund) Money() Money { return Money{Currency: r.Currency, Units: int64(r.Amount)} }

// RefundCredited records that the wallet credited the refund of Op.
type RefundCredited struct {
	Op OpID `msgpack:"op"`
}

// RefundDone decides recording the refund of op as credited; nil when it is
// not owed (credited already, or never).
func (n *Number) RefundDone(op OpID) *RefundCredited {
	for _, r := range n.Refunds {
		if r.Op == op {
			return &RefundCredited{Op: op}
		}
	}
	return nil
}

func (e *RefundCredited) applyNumber(n *Number) {
	for i, r := range n.Refunds {
		if r.Op == e.Op {
			n.Refunds = append(n.Refunds[:i:i], n.Refunds[i+1:]...)
			return
		}
	}
}

// CodesInDoubt decides recording, before Fragment is asked to switch the
// login codes, that their state is unknown until it confirms: an answer
// lost (or a crash) after Fragment switched them must not leave the record
// saying what they no longer are. Nil when they are unknown already.
func (n *Number) CodesInDoubt() *LoginCodesSet {
	if n.Codes == CodesUnknown {
		return nil
	}
	return &LoginCodesSet{To: CodesUnknown}
}
