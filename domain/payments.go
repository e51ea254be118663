package domain

import (
	"fmt"
	"time"
)

// MinPayment is the smallest unmatched payment kept as an orphan; below it a
// transfer without a known code is spam (1-nanoton adverts) and is ignored.
const MinPayment Nano = 10_000_000 // 0.01 TON

// MinPaymentIn is MinPayment in any currency: a hundredth of a coin (0.01
// TON, 0.01 USDT). It bounds top-ups and the orphans kept, as MinPayment
// does for TON; it is not a rate, each currency has its own.
func MinPaymentIn(c Currency) Money { return Money{Currency: c, Units: c.Unit() / 100} }

// Outcome is what an incoming payment did.
type Outcome uint8

// The payment outcomes.
const (
	OutcomePaid     Outcome = iota + 1 // paid its invoice
	OutcomeCredited                    // known code, but late, wrong amount or currency, or already paid: credited to the balance
	OutcomeOrphan                      // no known code: kept for an admin
	OutcomeIgnored                     // bounced or spam
)

// Payments is the register of invoices, applied transactions and orphan
// payments. It is one entity because a transaction must be applied at most
// once, ever, whoever it turns out to belong to.
type Payments struct {
	Invoices map[string]*Invoice `msgpack:"i"` // by code
	Applied  AppliedTxs          `msgpack:"a"` // by TxID.Key
	Orphans  []Orphan            `msgpack:"o,omitempty"`
	Seq      uint64              `msgpack:"sq"`
}

// Orphan is a payment nobody's code matched, in the currency it came in
// (TON when absent).
type Orphan struct {
	Tx       string    `msgpack:"tx"`
	Amount   Nano      `msgpack:"a"`
	Currency Currency  `msgpack:"cu,omitempty"`
	From     string    `msgpack:"f,omitempty"`
	At       time.Time `msgpack:"at"`
	Assigned UserID    `msgpack:"u,omitempty"`
}

// NewPayments returns an empty register.
func NewPayments() *Payments {
	return &Payments{Invoices: map[string]*Invoice{}}
}

// Open decides a new invoice. The caller draws random codes until one is free.
func (p *Payments) Open(inv Invoice, ttl time.Duration, now time.Time) (*InvoiceOpened, error) {
	if err := validateOpUser(inv.Op, inv.User); err != nil {
		return nil, err
	}
	if err := inv.Money().Validate(); err != nil {
		return nil, err
	}
	code := NormalizeCode(inv.Code)
	if code == "" {
		return nil, ErrBadCode
	}
	if _, taken := p.Invoices[code]; taken {
		return nil, fmt.Errorf("%w: %s is taken", ErrBadCode, code)
	}
	inv.Code, inv.Created, inv.Expires, inv.Status = code, now, now.Add(ttl), InvoiceOpen
	return &InvoiceOpened{Invoice: inv}, nil
}

// Close expires or cancels an open invoice at now.
func (p *Payments) Close(code string, to InvoiceStatus, now time.Time) (*InvoiceClosed, error) {
	if to != InvoiceExpired && to != InvoiceCancelled {
		return nil, fmt.Errorf("%w: an invoice closes as expired or cancelled, not %s", ErrNotPermitted, to)
	}
	inv, ok := p.Invoices[NormalizeCode(code)]
	if !ok {
		return nil, ErrInvoiceNotFound
	}
	if inv.Status != InvoiceOpen {
		return nil, ErrInvoiceClosed
	}
	return &InvoiceClosed{Code: inv.Code, Status: to, At: now}, nil
}

// Receive decides what an incoming payment does. It never echoes the
// comment: the event keeps only the code that was found in it. A payment
// is counted in the currency it came in, whatever the invoice it names
// asked for: nothing is ever converted.
func (p *Payments) Receive(pay Payment, now time.Time) (*PaymentReceived, error) {
	key := pay.Tx.Key()
	if _, seen := p.Applied.Outcome(key); seen {
		return nil, ErrDuplicateTx
	}
	if !pay.Currency.Known() {
		return nil, fmt.Errorf("%w: a payment in %s", ErrBadAmount, pay.Currency)
	}
	ev := &PaymentReceived{Tx: key, Amount: pay.Amount, Currency: pay.Currency, From: pay.From, At: pay.At}
	if pay.Bounced || pay.Failed || pay.Amount <= 0 {
		ev.Outcome = OutcomeIgnored
		return ev, nil
	}
	for _, code := range FindCodes(pay.Comment) {
		inv, ok := p.Invoices[code]
		if !ok {
			continue
		}
		ev.Code, ev.User, ev.Op = code, inv.User, inv.Op
		ev.Outcome, ev.Reason = OutcomeCredited, p.mismatch(inv, pay, now)
		if ev.Reason == "" {
			ev.Outcome = OutcomePaid
		}
		return ev, nil
	}
	if pay.User != 0 {
		ev.User, ev.Outcome, ev.Reason = pay.User, OutcomeCredited, "deposit"
		return ev, nil
	}
	ev.Outcome = OutcomeOrphan
	if int64(pay.Amount) < MinPaymentIn(pay.Currency).Units {
		ev.Outcome = OutcomeIgnored
	}
	return ev, nil
}

// mismatch is why a payment naming inv does not pay it, or "". A payment in
// another currency than the invoice's is never taken as paying it: like a
// wrong amount, it is credited to the code's owner, in its own currency
// ("wrong_currency"), and the invoice stays open.
func (p *Payments) mismatch(inv *Invoice, pay Payment, now time.Time) string {
	switch {
	case pay.Currency != inv.Currency:
		return "wrong_currency"
	case inv.Status == InvoicePaid:
		return "already_paid"
	case inv.Status != InvoiceOpen:
		return "closed"
	case pay.Amount != inv.Amount:
		return "wrong_amount"
	case now.After(inv.Expires):
		return "late"
	}
	return ""
}

// Assign gives an orphan payment to a user, who is then credited with it.
func (p *Payments) Assign(tx string, user UserID) (*OrphanAssigned, error) {
	if err := user.Validate(); err != nil {
		return nil, err
	}
	for _, o := range p.Orphans {
		if o.Tx == tx {
			if o.Assigned != 0 {
				return nil, ErrAlreadyDecided
			}
			return &OrphanAssigned{Tx: tx, User: user, Amount: o.Amount, Currency: o.Currency}, nil
		}
	}
	return nil, ErrOrphanNotFound
}

// InvoiceOpened records a new invoice.
type InvoiceOpened struct {
	Invoice Invoice `msgpack:"i"`
}

// InvoiceClosed records that an invoice expired or was cancelled. At is
// zero in records written before it was kept.
type InvoiceClosed struct {
	Code   string        `msgpack:"c"`
	Status InvoiceStatus `msgpack:"s"`
	At     time.Time     `msgpack:"at,omitempty"`
}

// PaymentReceived records an incoming payment and what it did. Amount is
// in Currency's smallest unit (TON when absent, as in every record written
// before currencies).
type PaymentReceived struct {
	Tx       string    `msgpack:"tx"`
	Amount   Nano      `msgpack:"a"`
	Currency Currency  `msgpack:"cu,omitempty"`
	From     string    `msgpack:"f,omitempty"`
	At       time.Time `msgpack:"at"`
	Outcome  Outcome   `msgpack:"o"`
	Code     string    `msgpack:"c,omitempty"`
	User     UserID    `msgpack:"u,omitempty"`
	Op       OpID      `msgpack:"op,omitempty"`
	Reason   string    `msgpack:"r,omitempty"`
}

// Money returns the payment's amount with its currency.
func (e *PaymentReceived) Money() Money { return Money{Currency: e.Currency, Units: int64(e.Amount)} }

// OrphanAssigned records an admin's assignment of an orphan payment, in
// the orphan's currency (TON when absent).
type OrphanAssigned struct {
	Tx       string   `msgpack:"tx"`
	User     UserID   `msgpack:"u"`
	Amount   Nano     `msgpack:"a"`
	Currency Currency `msgpack:"cu,omitempty"`
}

// PaymentsEvent is an event that changes the Payments register.
type PaymentsEvent interface {
	Event
	applyPayments(p *Payments)
}

// Apply applies e to p and records seq.
func (p *Payments) Apply(e PaymentsEvent, seq uint64) {
	e.applyPayments(p)
	p.Seq = seq
}

// LastSeq is the sequence of the last event applied (State).
func (p *Payments) LastSeq() uint64 { return p.Seq }

// ApplyEvent applies ev if it is an event of a payments (State).
func (p *Payments) ApplyEvent(ev Event, seq uint64) error {
	return applyAs(KindPayments, ev, seq, p.Apply)
}

func (e *InvoiceOpened) applyPayments(p *Payments) {
	inv := e.Invoice
	p.Invoices[inv.Code] = &inv
}

func (e *InvoiceClosed) applyPayments(p *Payments) {
	if inv, ok := p.Invoices[e.Code]; ok {
		inv.Status, inv.Closed = e.Status, e.At
	}
}

func (e *PaymentReceived) applyPayments(p *Payments) {
	if e.Outcome == OutcomeIgnored {
		return // spam leaves no trace; the watcher's cursor keeps it from coming back
	}
	p.Applied.add(e.Tx, e.Outcome)
	switch e.Outcome {
	case OutcomePaid:
		if inv, ok := p.Invoices[e.Code]; ok {
			inv.Status, inv.Tx = InvoicePaid, e.Tx
		}
	case OutcomeOrphan:
		p.Orphans = append(p.Orphans, Orphan{Tx: e.Tx, Amount: e.Amount, Currency: e.Currency, From: e.From, At: e.At})
	}
}

func (e *OrphanAssigned) applyPayments(p *Payments) {
	for i := range p.Orphans {
		if p.Orphans[i].Tx == e.Tx {
			p.Orphans[i].Assigned = e.User
		}
	}
}
