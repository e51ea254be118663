package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"allot/actors"
	"allot/domain"
)

// payKind is what one transaction of -mode payments is.
type payKind int

const (
	payExact   payKind = iota // TON: the exact amount of a TON invoice, in time
	payLate                   // TON: the exact amount, after the invoice expired
	payWrong                  // TON: 7 nanotons short
	payBounce                 // TON: the bounce of one of our own transfers
	paySpam                   // TON: 1 nanoton with an advert
	usdtExact                 // USDT: the exact amount of a USDT invoice, in time
	usdtLate                  // USDT: the exact amount, after the invoice expired
	usdtWrong                 // USDT: 7 units short
	usdtForTON                // USDT naming a TON invoice (its number of coins, in USDT)
	tonForUSDT                // TON naming a USDT invoice (its number of coins, in TON)
	usdtForged                // a USDT invoice's code and amount, from a jetton wallet not ours
	payKinds
)

var payKindNames = [payKinds]string{"exact", "late", "wrong amount", "bounced", "spam", "USDT exact",
	"USDT late", "USDT wrong amount", "USDT for a TON invoice", "TON for a USDT invoice", "forged USDT"}

// mixKind is the i-th transaction's kind, in blocks of 40: 30 in TON
// alone, 10 about USDT (a quarter).
func mixKind(i int) payKind {
	switch r := i % 40; {
	case r < 15:
		return payExact
	case r < 19:
		return payLate
	case r < 23:
		return payWrong
	case r < 25:
		return payBounce
	case r < 30:
		return paySpam
	case r < 34:
		return usdtExact
	case r == 34:
		return usdtLate
	case r == 35:
		return usdtWrong
	case r == 36:
		return usdtForTON
	case r == 37:
		return tonForUSDT
	}
	return usdtForged
}

// usdt reports whether k is about USDT: its payer is one of the USDT
// population.
func (k payKind) usdt() bool { return k >= usdtExact }

// invoiceIn is the currency of the invoice k names; false if it names none.
func (k payKind) invoiceIn() (domain.Currency, bool) {
	switch k {
	case payBounce, paySpam:
		return 0, false
	case payExact, payLate, payWrong, usdtForTON:
		return domain.CurrencyTON, true
	}
	return domain.CurrencyUSDT, true
}

// paidIn is the currency the chain pays k in.
func (k payKind) paidIn() domain.Currency {
	switch k {
	case usdtExact, usdtLate, usdtWrong, usdtForTON, usdtForged:
		return domain.CurrencyUSDT
	}
	return domain.CurrencyTON
}

func (k payKind) late() bool  { return k == payLate || k == usdtLate }
func (k payKind) exact() bool { return k == payExact || k == usdtExact }

// counts reports whether a transaction of kind k must be credited.
func (k payKind) counts() bool { return k != payBounce && k != paySpam && k != usdtForged }

// plannedTx is one transaction: what the chain pays, in what, naming
// which invoice, and (once emitted) where the chain put it.
type plannedTx struct {
	kind     payKind
	currency domain.Currency // what the chain pays in
	amount   domain.Nano     // in currency's smallest unit
	comment  string
	inv      domain.Invoice // the invoice it names; zero for bounces and spam
	wantPaid bool           // it must pay inv: exact, and inv still open once every invoice was opened
	tx       domain.TxID
}

// money is what the chain pays, with its currency.
func (t plannedTx) money() domain.Money {
	return domain.Money{Currency: t.currency, Units: int64(t.amount)}
}

// paymentPlan is every transaction and what each payer's balance must be
// in each currency at the end.
type paymentPlan struct {
	txs     []plannedTx
	credit  map[domain.Currency]map[domain.UserID]domain.Nano
	users   []domain.UserID // every invoice's owner, once
	counted int             // transactions that must be applied
	n       [payKinds]int
}

// planPayments opens the invoices and decides every transaction. The late
// invoices are opened first and the clock then moved past their window.
func planPayments(ctx context.Context, eng *actors.Engine, f flags, offset *atomic.Int64) (*paymentPlan, error) {
	kinds, owners := assignPayers(f.txs)
	invoices, err := openPlanned(ctx, eng, kinds, owners, offset)
	if err != nil {
		return nil, err
	}
	p := &paymentPlan{credit: map[domain.Currency]map[domain.UserID]domain.Nano{}}
	for _, c := range domain.Currencies() {
		p.credit[c] = map[domain.UserID]domain.Nano{}
	}
	seen := map[domain.UserID]bool{}
	for i, k := range kinds {
		t := decideTx(i, k, invoices[i])
		if _, ok := k.invoiceIn(); ok && !seen[t.inv.User] {
			seen[t.inv.User] = true
			p.users = append(p.users, t.inv.User)
		}
		if k.counts() {
			p.credit[t.currency][t.inv.User] += t.amount
			p.counted++
		}
		p.n[k]++
		p.txs = append(p.txs, t)
	}
	return p, p.snapshot(ctx, eng)
}

// assignPayers draws the kinds and gives each transaction its payer. TON
// payers are a tenth of the transactions, as before USDT, so each opens
// several invoices and the newest cancel the oldest (domain.MaxOpenTopUps).
// USDT payers are a population of their own with at most that many
// invoices each, so that every exact USDT payment pays its invoice.
func assignPayers(n int) ([]payKind, []domain.UserID) {
	kinds := make([]payKind, n)
	nUSDT := 0
	for i := range kinds {
		kinds[i] = mixKind(i)
		if kinds[i].usdt() {
			nUSDT++
		}
	}
	tonUsers := max(10, n/10)
	usdtUsers := max(1, (nUSDT+domain.MaxOpenTopUps-1)/domain.MaxOpenTopUps)
	owners := make([]domain.UserID, n)
	var jt, ju int
	for i, k := range kinds {
		if k.usdt() {
			owners[i] = userID(tonUsers + ju%usdtUsers)
			ju++
		} else {
			owners[i] = userID(jt % tonUsers)
			jt++
		}
	}
	return kinds, owners
}

// openPlanned opens every transaction's invoice: the late ones first, then
// the clock moves past their window, then the others.
func openPlanned(ctx context.Context, eng *actors.Engine, kinds []payKind, owners []domain.UserID, offset *atomic.Int64) ([]domain.Invoice, error) {
	invoices := make([]domain.Invoice, len(kinds))
	open := func(late bool) error {
		return parallel(len(kinds), func(i int) error {
			k := kinds[i]
			c, ok := k.invoiceIn()
			if !ok || k.late() != late {
				return nil
			}
			inv, err := eng.OpenTopUpInvoiceIn(ctx, domain.OpID(fmt.Sprintf("pay-%d", i)), owners[i], invoiceMoney(i, c))
			if err != nil {
				return fmt.Errorf("open invoice %d (%s): %w", i, payKindNames[k], err)
			}
			invoices[i] = inv // each goroutine writes its own element
			return nil
		})
	}
	if err := open(true); err != nil {
		return nil, err
	}
	offset.Store(int64(domain.DefaultPolicy().HoldTTL + time.Minute))
	return invoices, open(false)
}

// invoiceMoney is the i-th invoice's amount: 0.01 to 0.5 TON, or 0.01 to
// 5 USDT.
func invoiceMoney(i int, c domain.Currency) domain.Money {
	if c == domain.CurrencyUSDT {
		return domain.Money{Currency: c, Units: domain.MinPaymentIn(c).Units * int64(1+i%500)}
	}
	return domain.TONMoney(domain.MinPayment * domain.Nano(1+i%50))
}

// decideTx decides the i-th transaction, of kind k, naming inv.
func decideTx(i int, k payKind, inv domain.Invoice) plannedTx {
	t := plannedTx{kind: k, currency: k.paidIn(), inv: inv}
	switch k {
	case payExact, payLate, usdtExact, usdtLate, usdtForged:
		t.amount, t.comment = inv.Amount, inv.Code
	case payWrong, usdtWrong:
		t.amount, t.comment = inv.Amount-7, "invoice "+inv.Code
	case usdtForTON, tonForUSDT:
		// The invoice's number of coins, in the other currency: never
		// converted, so credited as it came.
		t.amount, t.comment = inv.Amount*domain.Nano(t.currency.Unit())/domain.Nano(inv.Currency.Unit()), inv.Code
	case payBounce:
		t.amount = domain.TON(1)
	case paySpam:
		t.amount, t.comment = 1, fmt.Sprintf("Free TON! Join t.me/spam%d and claim your prize now", i)
	}
	return t
}

// snapshot notes which exact payments must pay their invoice: those whose
// invoice is still open once every invoice was opened. A TON payer's
// newer invoices cancel the older ones beyond domain.MaxOpenTopUps, and a
// payment naming a cancelled invoice is credited, not paid.
func (p *paymentPlan) snapshot(ctx context.Context, eng *actors.Engine) error {
	return parallel(len(p.txs), func(i int) error {
		t := &p.txs[i]
		if !t.kind.exact() {
			return nil
		}
		inv, err := eng.Invoice(ctx, t.inv.Code)
		if err != nil {
			return fmt.Errorf("invoice %s: %w", t.inv.Code, err)
		}
		t.wantPaid = inv.Status == domain.InvoiceOpen
		return nil
	})
}
