package actors

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sort"
	"time"

	"allot/domain"
)

// Commands of the payments register shards: invoices, incoming payments and
// orphans. A shard owns the invoices whose code hashes to it; a payment is
// decided in the shard of the invoice it names (see the watcher, which fixes
// that choice durably before anything is applied).

// deposit records an incoming payment and, when it belongs to a user,
// credits it. The transaction id is the idempotency key, for ever: a
// transaction seen again answers what it did the first time, with
// Duplicate set, so that a caller resuming after a crash can finish what
// follows (starting a paid rental) without applying anything twice.
type deposit struct {
	asker
	pay domain.Payment
}

// DepositResult says what an incoming payment did.
type DepositResult struct {
	Tx        string
	Amount    domain.Nano     // in Currency's smallest unit
	Currency  domain.Currency // what the payment came in, and was credited in: never converted
	Outcome   domain.Outcome
	User      domain.UserID
	Reason    string          // why a payment naming a code was credited rather than paid: late, wrong_amount, ...
	Balance   domain.Nano     // the user's balance in Currency after the credit
	Invoice   *domain.Invoice // the invoice the payment named, as it stands now
	Duplicate bool            // the transaction had been applied before: nothing changed now
	Rental    *Receipt        // a paid rent or renewal that is now in force
	RentErr   error           // why a paid rent or renewal could not start: the money stays in the balance
}

func (c *deposit) run(x *exec) {
	p := x.e.state.(*domain.Payments)
	key := c.pay.Tx.Key()
	ev, err := p.Receive(c.pay, x.now)
	if errors.Is(err, domain.ErrDuplicateTx) {
		c.again(x, p, key)
		return
	}
	if err == nil && ev.Outcome != domain.OutcomeIgnored { // spam leaves no trace, not even in the journal
		_, err = x.emit(ev)
	}
	if err != nil {
		x.reply(c.r, nil, err)
		return
	}
	res := DepositResult{Tx: key, Amount: ev.Amount, Currency: ev.Currency, Outcome: ev.Outcome, User: ev.User, Reason: ev.Reason}
	if inv, ok := p.Invoices[ev.Code]; ok && ev.Code != "" {
		cp := *inv
		res.Invoice = &cp
	}
	if ev.Outcome != domain.OutcomeCredited && ev.Outcome != domain.OutcomePaid || ev.User == 0 {
		x.reply(c.r, res, nil)
		return
	}
	// A paid top-up completes its pending entry (paid means the currencies
	// matched); anything else, a payment in another currency than its
	// invoice's included, is a fresh recharge keyed by the transaction, in
	// the currency it came in.
	op, ref := txOp(ev.Tx), ev.Tx
	if ev.Outcome == domain.OutcomePaid && res.Invoice.Purpose == domain.PurposeTopUp {
		op, ref = res.Invoice.Op, res.Invoice.Code
	}
	x.send(domain.KindWallet, walletID(ev.User), &credit{asker: asker{c.r}, op: op,
		kind: domain.KindRecharge, amount: ev.Amount, cur: ev.Currency, ref: ref, note: ev.Reason,
		answer: func(b domain.Nano) any { res.Balance = b; return res }})
}

// again answers a transaction applied before. A crash may have come
// between the payment's record and its wallet credit (two entities, two
// records), so the credit is sent again under the operation it had; the
// wallet applies an operation once, so a credit that was made is not made
// twice. The user and operation follow from the payment as Receive found
// them: the first code in the comment naming an invoice, else the payer.
func (c *deposit) again(x *exec, p *domain.Payments, key string) {
	outcome, _ := p.Applied.Outcome(key)
	res := DepositResult{Tx: key, Amount: c.pay.Amount, Currency: c.pay.Currency, Outcome: outcome, Duplicate: true}
	var named *domain.Invoice
	for _, code := range domain.FindCodes(c.pay.Comment) {
		if inv, ok := p.Invoices[code]; ok {
			named = inv
			break
		}
	}
	op, ref := txOp(key), key
	switch {
	case named != nil:
		res.User = named.User
		if named.Tx == key {
			cp := *named
			res.Invoice = &cp
			if res.Outcome == domain.OutcomePaid && named.Purpose == domain.PurposeTopUp {
				op, ref = named.Op, named.Code
			}
		}
	case res.Outcome == domain.OutcomeCredited:
		res.User = c.pay.User
	}
	if res.Outcome != domain.OutcomeCredited && res.Outcome != domain.OutcomePaid || res.User == 0 {
		x.reply(c.r, res, nil)
		return
	}
	x.send(domain.KindWallet, walletID(res.User), &credit{asker: asker{c.r}, op: op,
		kind: domain.KindRecharge, amount: c.pay.Amount, cur: c.pay.Currency, ref: ref, once: true,
		answer: func(b domain.Nano) any { res.Balance = b; return res }})
}

// txOp is the wallet operation id of a credited transaction. A real
// transaction's key (raw account, lt, hash) is longer than an operation id
// may be, so a long key is replaced by its SHA-256; the ledger entry's Ref
// keeps the key itself. Short keys (tests, imports) stay readable.
func txOp(txKey string) domain.OpID {
	if op := domain.OpID("tx:" + txKey); op.Validate() == nil {
		return op
	}
	sum := sha256.Sum256([]byte(txKey))
	return domain.OpID("tx:" + hex.EncodeToString(sum[:]))
}

// hasInvoice answers whether an invoice with the code exists in this shard.
type hasInvoice struct {
	asker
	code string
}

func (c *hasInvoice) run(x *exec) {
	_, ok := x.e.state.(*domain.Payments).Invoices[c.code]
	c.r.send(ok, nil) // a read of durable state: nothing to wait for
}

// openInvoice opens an invoice under its code, or answers the invoice that
// already has that code for the same operation (a retry).
type openInvoice struct {
	asker
	inv domain.Invoice
	ttl time.Duration
}

// errCodeTaken tells OpenInvoice to draw the next code.
var errCodeTaken = errors.New("actors: invoice code taken")

func (c *openInvoice) run(x *exec) {
	p := x.e.state.(*domain.Payments)
	if inv, ok := p.Invoices[c.inv.Code]; ok {
		if inv.Op != c.inv.Op || inv.User != c.inv.User {
			x.reply(c.r, nil, errCodeTaken)
			return
		}
		x.reply(c.r, *inv, nil) // as it stands: maybe paid, expired or cancelled since
		return
	}
	ev, err := p.Open(c.inv, c.ttl, x.now)
	if err == nil {
		_, err = x.emit(ev)
	}
	if err != nil {
		x.reply(c.r, nil, err)
		return
	}
	x.reply(c.r, *p.Invoices[ev.Invoice.Code], nil)
}

// getInvoice answers a copy of an invoice.
type getInvoice struct {
	asker
	code string
}

func (c *getInvoice) run(x *exec) {
	inv, ok := x.e.state.(*domain.Payments).Invoices[c.code]
	if !ok {
		x.reply(c.r, nil, domain.ErrInvoiceNotFound)
		return
	}
	x.reply(c.r, *inv, nil)
}

// closeInvoice cancels an open invoice (the user changed their mind) and,
// for a top-up, cancels its pending wallet entry.
type closeInvoice struct {
	asker
	code string
	user domain.UserID // 0: the system (expiry); else only the invoice's owner may cancel
	to   domain.InvoiceStatus
}

func (c *closeInvoice) run(x *exec) {
	p := x.e.state.(*domain.Payments)
	inv, ok := p.Invoices[c.code]
	if ok && c.user != 0 && inv.User != c.user {
		ok = false // someone else's invoice does not exist for this user
	}
	if !ok {
		x.reply(c.r, nil, domain.ErrInvoiceNotFound)
		return
	}
	ev, err := p.Close(c.code, c.to, x.now)
	if err == nil {
		_, err = x.emit(ev)
	}
	if err != nil {
		x.reply(c.r, nil, err)
		return
	}
	x.afterClose(*inv, c.to)
	x.reply(c.r, *inv, nil)
}

// afterClose lets go of what an invoice held: a top-up's pending entry, a
// rent's reservation. Both are idempotent, so a repeat after a crash is safe.
func (x *exec) afterClose(inv domain.Invoice, to domain.InvoiceStatus) {
	switch inv.Purpose {
	case domain.PurposeTopUp:
		st := domain.EntryExpired
		if to == domain.InvoiceCancelled {
			st = domain.EntryCancelled
		}
		x.send(domain.KindWallet, walletID(inv.User), &settleEntry{op: inv.Op, to: st})
	case domain.PurposeRent:
		x.route(domain.KindNumber, inv.Number, &releaseHold{op: inv.Op, reason: to.String()}, false)
	}
}

// expireInvoices closes every open invoice of the shard whose window has
// passed, and prunes those closed long ago; the engine's sweeper sends it
// now and then.
type expireInvoices struct{ asker }

func (c *expireInvoices) run(x *exec) {
	p := x.e.state.(*domain.Payments)
	var due []string
	for code, inv := range p.Invoices {
		if inv.Status == domain.InvoiceOpen && x.now.After(inv.Expires) {
			due = append(due, code)
		}
	}
	sort.Strings(due) // journal order independent of map order
	for _, code := range due {
		ev, err := p.Close(code, domain.InvoiceExpired, x.now)
		if err == nil {
			_, err = x.emit(ev)
		}
		if err != nil {
			x.eng.log.Error("invoice expiry failed", "code", code, "err", err)
			break
		}
		x.afterClose(*p.Invoices[code], domain.InvoiceExpired)
	}
	x.pruneInvoices()
	x.reply(c.r, len(due), nil)
}

// listOrphans answers the shard's orphan payments.
type listOrphans struct{ asker }

func (c *listOrphans) run(x *exec) {
	x.reply(c.r, append([]domain.Orphan(nil), x.e.state.(*domain.Payments).Orphans...), nil)
}

// assignOrphan gives an orphan payment to a user and credits it.
type assignOrphan struct {
	asker
	tx   string
	user domain.UserID
}

func (c *assignOrphan) run(x *exec) {
	p := x.e.state.(*domain.Payments)
	ev, err := p.Assign(c.tx, c.user)
	if err == nil {
		_, err = x.emit(ev)
	}
	if err != nil {
		x.reply(c.r, nil, err)
		return
	}
	x.send(domain.KindWallet, walletID(c.user), &credit{asker: asker{c.r}, op: txOp(c.tx),
		kind: domain.KindRecharge, amount: ev.Amount, cur: ev.Currency, ref: c.tx, note: "orphan assigned"})
}
