package actors

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"allot/domain"
)

// Entry points for invoices, payments and orphans.

// invoiceCode is the code of op's invoice at attempt salt. Deriving it from
// the operation id makes opening an invoice idempotent: a retry of the same
// op finds the invoice it opened, under the same code.
func invoiceCode(op domain.OpID, salt int) string {
	h := fnv.New64a()
	h.Write([]byte(op))
	h.Write([]byte{'#', byte(salt)})
	return domain.NewCode(h.Sum64())
}

// codeAttempts bounds the search for a free code. With 31^8 codes a second
// attempt is already rare; eight taken in a row means something is wrong.
const codeAttempts = 8

// openInvoice opens inv under the first free code derived from its op.
func (e *Engine) openInvoice(ctx context.Context, inv domain.Invoice, ttl time.Duration) (domain.Invoice, error) {
	for salt := 0; salt < codeAttempts; salt++ {
		inv.Code = invoiceCode(inv.Op, salt)
		code := domain.NormalizeCode(inv.Code)
		got, err := askAs[domain.Invoice](e.ask(ctx, domain.KindPayments, shardOf(code), false, func(r replyTo) command {
			return &openInvoice{asker: asker{r}, inv: inv, ttl: ttl}
		}))
		if errors.Is(err, errCodeTaken) {
			continue
		}
		return got, err
	}
	return domain.Invoice{}, fmt.Errorf("actors: no free invoice code for %s after %d attempts", inv.Op, codeAttempts)
}

// OpenRentInvoice reserves a number for the user and opens an invoice for
// its TON price; OpenRentInvoiceIn in any currency.
func (e *Engine) OpenRentInvoice(ctx context.Context, op domain.OpID, user domain.UserID, raw string, days int) (domain.Invoice, error) {
	return e.OpenRentInvoiceIn(ctx, op, user, raw, days, domain.CurrencyTON)
}

// OpenRentInvoiceIn reserves a number for the user and opens an invoice for
// its price in cur; paying the invoice on chain in cur starts the rental
// (a payment in the other currency is credited to the balance instead). The
// reservation and the invoice end together (Policy.HoldTTL). op makes it
// idempotent: a retry answers the invoice opened, in the currency chosen
// first.
func (e *Engine) OpenRentInvoiceIn(ctx context.Context, op domain.OpID, user domain.UserID, raw string, days int, cur domain.Currency) (domain.Invoice, error) {
	h, err := askAs[domain.Hold](e.number(ctx, raw, false, func(r replyTo) command {
		return &reserve{asker: asker{r}, op: op, user: user, days: days, cur: cur}
	}))
	if err != nil {
		return domain.Invoice{}, err
	}
	id, _ := domain.ParseNumber(raw)
	ttl := h.Until.Sub(e.clock())
	if ttl <= 0 {
		return domain.Invoice{}, domain.ErrHoldExpired
	}
	return e.openInvoice(ctx, domain.Invoice{Op: op, User: user, Amount: h.Price, Currency: h.Currency,
		Purpose: domain.PurposeRent, Number: id, Days: h.Days}, ttl)
}

// OpenRenewInvoice opens an invoice to renew the user's rental for days at
// today's TON price; OpenRenewInvoiceIn in any currency.
func (e *Engine) OpenRenewInvoice(ctx context.Context, op domain.OpID, user domain.UserID, raw string, days int) (domain.Invoice, error) {
	return e.OpenRenewInvoiceIn(ctx, op, user, raw, days, domain.CurrencyTON)
}

// OpenRenewInvoiceIn opens an invoice to renew the user's rental for days
// at today's price in cur. Nothing is reserved: the renter already holds
// the number.
func (e *Engine) OpenRenewInvoiceIn(ctx context.Context, op domain.OpID, user domain.UserID, raw string, days int, cur domain.Currency) (domain.Invoice, error) {
	price, err := askAs[domain.Money](e.number(ctx, raw, false, func(r replyTo) command {
		return &quoteRenewal{asker: asker{r}, user: user, days: days, cur: cur}
	}))
	if err != nil {
		return domain.Invoice{}, err
	}
	id, _ := domain.ParseNumber(raw)
	return e.openInvoice(ctx, domain.Invoice{Op: op, User: user, Amount: domain.Nano(price.Units), Currency: price.Currency,
		Purpose: domain.PurposeRenew, Number: id, Days: days}, e.policy().HoldTTL)
}

// OpenTopUpInvoice opens an invoice to add amount of TON to the user's
// balance; OpenTopUpInvoiceIn for any currency.
func (e *Engine) OpenTopUpInvoice(ctx context.Context, op domain.OpID, user domain.UserID, amount domain.Nano) (domain.Invoice, error) {
	return e.OpenTopUpInvoiceIn(ctx, op, user, domain.TONMoney(amount))
}

// OpenTopUpInvoiceIn opens an invoice to add amount to the user's balance
// in amount's currency, and records it in the wallet as a pending recharge
// in that currency. Only a payment in the same currency pays it; one in
// another is credited in its own. A person has at most
// domain.MaxOpenTopUps open, all currencies together: beyond that, the
// oldest are cancelled.
func (e *Engine) OpenTopUpInvoiceIn(ctx context.Context, op domain.OpID, user domain.UserID, amount domain.Money) (domain.Invoice, error) {
	if least := domain.MinPaymentIn(amount.Currency); amount.Units < least.Units {
		return domain.Invoice{}, fmt.Errorf("%w: a top-up is at least %s", domain.ErrBadAmount, least)
	}
	if err := amount.Validate(); err != nil {
		return domain.Invoice{}, err
	}
	inv, err := e.openInvoice(ctx, domain.Invoice{Op: op, User: user, Amount: domain.Nano(amount.Units),
		Currency: amount.Currency, Purpose: domain.PurposeTopUp}, e.policy().HoldTTL)
	if err != nil {
		return inv, err
	}
	_, err = e.ask(ctx, domain.KindWallet, walletID(user), true, func(r replyTo) command {
		return &openRecharge{asker: asker{r}, op: op, amount: amount, ref: inv.Code}
	})
	if err == nil {
		e.capTopUps(ctx, user)
	}
	return inv, err
}

// Invoice returns an invoice by its code as typed (any case or spacing).
func (e *Engine) Invoice(ctx context.Context, code string) (domain.Invoice, error) {
	c := domain.NormalizeCode(code)
	if c == "" {
		return domain.Invoice{}, domain.ErrBadCode
	}
	return askAs[domain.Invoice](e.ask(ctx, domain.KindPayments, shardOf(c), false, func(r replyTo) command {
		return &getInvoice{asker: asker{r}, code: c}
	}))
}

// CancelInvoice cancels the user's open invoice, releasing what it held.
// A payment that still arrives for it is credited to the balance.
func (e *Engine) CancelInvoice(ctx context.Context, user domain.UserID, code string) (domain.Invoice, error) {
	c := domain.NormalizeCode(code)
	if c == "" {
		return domain.Invoice{}, domain.ErrBadCode
	}
	return askAs[domain.Invoice](e.ask(ctx, domain.KindPayments, shardOf(c), false, func(r replyTo) command {
		return &closeInvoice{asker: asker{r}, code: c, user: user, to: domain.InvoiceCancelled}
	}))
}

// ExpireInvoices closes every invoice whose window has passed and releases
// what they held; it returns how many it closed. It also prunes invoices,
// and the pending recharges of top-ups, that ended more than
// domain.InvoiceRetention ago. The engine's sweeper calls it; tests call it
// after moving a manual clock.
func (e *Engine) ExpireInvoices(ctx context.Context) (int, error) {
	n := 0
	var errs []error
	for i := 0; i < registerShards; i++ {
		k, err := askAs[int](e.ask(ctx, domain.KindPayments, strconv.Itoa(i), false, func(r replyTo) command {
			return &expireInvoices{asker{r}}
		}))
		n += k
		errs = append(errs, err)
	}
	return n, errors.Join(errs...)
}

// Deposit applies an incoming payment that does not come through the
// watcher (a test, the load test, an operator's import): paid to an
// invoice, credited to a balance, or kept as an orphan. The transaction id
// makes it idempotent for ever: the same transaction again returns
// domain.ErrDuplicateTx with what it did the first time.
func (e *Engine) Deposit(ctx context.Context, pay domain.Payment) (DepositResult, error) {
	res, err := e.deliver(ctx, paymentShard(pay), pay)
	if err == nil && res.Duplicate {
		err = domain.ErrDuplicateTx
	}
	return res, err
}

// deliver hands a payment to its shard and, when it paid a rent or renewal
// invoice, runs the purchase that the invoice was for. Both steps are keyed
// (by the transaction and the invoice's op), so delivering again after a
// crash finishes the work without doing any of it twice.
func (e *Engine) deliver(ctx context.Context, shard string, pay domain.Payment) (DepositResult, error) {
	res, err := askAs[DepositResult](e.ask(ctx, domain.KindPayments, shard, false, func(r replyTo) command {
		return &deposit{asker: asker{r}, pay: pay}
	}))
	if err != nil || res.Outcome != domain.OutcomePaid || res.Invoice == nil || res.Invoice.Tx != res.Tx {
		return res, err
	}
	inv := res.Invoice
	purpose := purposeRent
	switch inv.Purpose {
	case domain.PurposeRenew:
		purpose = purposeRenew
	case domain.PurposeRent:
	default:
		return res, nil
	}
	rc, err := askAs[Receipt](e.number(ctx, inv.Number, false, func(r replyTo) command {
		return &purchase{asker: asker{r}, op: inv.Op, user: inv.User, days: inv.Days, cur: inv.Currency, purpose: purpose}
	}))
	switch {
	case err == nil:
		res.Rental = &rc
	case transient(err):
		return res, err
	default:
		res.RentErr = err
	}
	return res, nil
}

// transient reports whether err says nothing about the command itself (the
// engine is closing, or too slow): the caller should try again.
func transient(err error) bool {
	return errors.Is(err, ErrClosed) || errors.Is(err, ErrNoReply) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Orphans lists the payments nobody's code matched, oldest first.
func (e *Engine) Orphans(ctx context.Context) ([]domain.Orphan, error) {
	var out []domain.Orphan
	for i := 0; i < registerShards; i++ {
		os, err := askAs[[]domain.Orphan](e.ask(ctx, domain.KindPayments, strconv.Itoa(i), false, func(r replyTo) command {
			return &listOrphans{asker{r}}
		}))
		if err != nil {
			return nil, err
		}
		out = append(out, os...)
	}
	slices.SortStableFunc(out, func(a, b domain.Orphan) int { return a.At.Compare(b.At) })
	return out, nil
}

// AssignOrphan gives an orphan payment to a user, crediting their balance
// in the currency the payment came in; by is the admin, for the audit log.
// It answers the new balance in that currency (Orphan.Currency).
func (e *Engine) AssignOrphan(ctx context.Context, by domain.UserID, tx string, user domain.UserID) (domain.Nano, error) {
	var lastErr error = domain.ErrOrphanNotFound
	for i := 0; i < registerShards; i++ {
		b, err := askAs[domain.Nano](e.ask(ctx, domain.KindPayments, strconv.Itoa(i), false, func(r replyTo) command {
			return &assignOrphan{asker: asker{r}, tx: tx, user: user}
		}))
		if errors.Is(err, domain.ErrOrphanNotFound) {
			continue
		}
		if err == nil {
			e.audit(OperationOf(ctx), by, "orphan.assign", tx, "to "+walletID(user))
		}
		return b, err
	}
	return 0, lastErr
}
