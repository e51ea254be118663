package main

import (
	"context"
	"fmt"
	"sync"

	"allot/actors"
	"allot/domain"
)

// ledgers is every payer's wallet after the run: the completed recharges
// by their Ref (a paid top-up's invoice code, any other credit's
// transaction key) and the balances in each currency.
type ledgers struct {
	byRef   map[string][]credited
	balance map[domain.Currency]map[domain.UserID]domain.Nano
}

type credited struct {
	user domain.UserID
	e    domain.Entry
}

func readLedgers(ctx context.Context, eng *actors.Engine, users []domain.UserID) (*ledgers, error) {
	l := &ledgers{byRef: map[string][]credited{}, balance: map[domain.Currency]map[domain.UserID]domain.Nano{}}
	for _, c := range domain.Currencies() {
		l.balance[c] = map[domain.UserID]domain.Nano{}
	}
	var mu sync.Mutex
	err := parallel(len(users), func(i int) error {
		w, err := eng.Wallet(ctx, users[i])
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, c := range domain.Currencies() {
			l.balance[c][w.User] = domain.Nano(w.BalanceIn(c).Units)
		}
		for _, x := range w.Entries {
			if x.Kind == domain.KindRecharge && x.Status == domain.EntryCompleted {
				l.byRef[x.Ref] = append(l.byRef[x.Ref], credited{user: w.User, e: x})
			}
		}
		return nil
	})
	return l, err
}

// payOutcome is what the check found, transaction by transaction and per
// currency.
type payOutcome struct {
	lost, twice, misrouted int
	usersShort, usersOver  int
	txs, units             map[domain.Currency]int64 // counted transactions found credited, and their sum
	invoicesPaid           map[domain.Currency]int
	wrongCurrency          int
	forgedCredited         int
	forgedCounted          uint64
	rejected               map[string]uint64
	conservation           []string // per currency: what was credited against what the chain paid
	nProblems              int
	problems               []string // the first few, for a person to start from
}

// checkPayments checks every transaction against the wallets and the
// register, then each currency's sums.
func checkPayments(ctx context.Context, eng *actors.Engine, p *paymentPlan, tot actors.Totals) (*payOutcome, error) {
	l, err := readLedgers(ctx, eng, p.users)
	if err != nil {
		return nil, err
	}
	o := &payOutcome{txs: map[domain.Currency]int64{}, units: map[domain.Currency]int64{}, invoicesPaid: map[domain.Currency]int{}}
	for _, t := range p.txs {
		if err := o.checkTx(ctx, eng, l, t); err != nil {
			return nil, err
		}
	}
	o.conserved(p, l, tot)
	return o, nil
}

// checkTx checks one transaction: a counted one is credited once, to the
// invoice's owner, in the currency it was paid in; an exact one whose
// invoice was open paid it; a bounce, spam or forgery credited nothing.
func (o *payOutcome) checkTx(ctx context.Context, eng *actors.Engine, l *ledgers, t plannedTx) error {
	key := t.tx.Key()
	switch {
	case !t.kind.counts():
		if n := len(l.byRef[key]); n > 0 {
			o.twice += n
			o.problem("%s %s credited %d times", payKindNames[t.kind], key, n)
		}
		if t.kind != usdtForged {
			return nil
		}
		inv, err := eng.Invoice(ctx, t.inv.Code)
		if err != nil {
			return err
		}
		if len(l.byRef[key]) > 0 || inv.Status == domain.InvoicePaid {
			o.forgedCredited++
			o.problem("forged %s: invoice %s is %s", key, inv.Code, inv.Status)
		}
	case t.wantPaid:
		inv, err := eng.Invoice(ctx, t.inv.Code)
		if err != nil {
			return err
		}
		if inv.Status != domain.InvoicePaid || inv.Tx != key {
			o.problem("%s %s: invoice %s is %s by %q", payKindNames[t.kind], key, inv.Code, inv.Status, inv.Tx)
		} else {
			o.invoicesPaid[t.currency]++
		}
		o.expectOne(t, l.byRef[t.inv.Code])
		if n := len(l.byRef[key]); n > 0 {
			o.twice += n
			o.problem("%s %s paid invoice %s and was credited %d times more", payKindNames[t.kind], key, t.inv.Code, n)
		}
	default:
		if got := l.byRef[key]; o.expectOne(t, got) && t.currency != t.inv.Currency {
			if got[0].e.Note == "wrong_currency" {
				o.wrongCurrency++
			} else {
				o.problem("%s %s credited with reason %q", payKindNames[t.kind], key, got[0].e.Note)
			}
		}
	}
	return nil
}

// expectOne checks that got is one credit of t's amount, in its currency,
// to its invoice's owner.
func (o *payOutcome) expectOne(t plannedTx, got []credited) bool {
	switch {
	case len(got) == 0:
		o.lost++
		o.problem("%s %s (%s to %d) not credited", payKindNames[t.kind], t.tx.Key(), t.money(), t.inv.User)
		return false
	case len(got) > 1:
		o.twice += len(got) - 1
		o.problem("%s %s credited %d times", payKindNames[t.kind], t.tx.Key(), len(got))
	}
	c := got[0]
	if c.user != t.inv.User || c.e.Currency != t.currency || c.e.Amount != t.amount {
		o.misrouted++
		o.problem("%s %s: %s to %d credited as %s to %d", payKindNames[t.kind], t.tx.Key(), t.money(),
			t.inv.User, c.e.Money(), c.user)
		return false
	}
	o.txs[t.currency]++
	o.units[t.currency] += int64(t.amount)
	return true
}

// conserved checks money per currency: each payer's balance is what the
// chain paid them in it, and the engine's totals are the chain's sum.
func (o *payOutcome) conserved(p *paymentPlan, l *ledgers, tot actors.Totals) {
	for _, c := range domain.Currencies() {
		var paid, held int64
		for _, u := range p.users {
			want, got := p.credit[c][u], l.balance[c][u]
			paid, held = paid+int64(want), held+int64(got)
			switch {
			case got < want:
				o.usersShort++
			case got > want:
				o.usersOver++
			}
		}
		recharged, balances := int64(tot.Recharged), int64(tot.Balances)
		if c == domain.CurrencyUSDT {
			recharged, balances = tot.USDT.Recharged, tot.USDT.Balances
		}
		line := fmt.Sprintf("%s: chain paid %s, payers hold %s, engine recharged %s and holds %s", c,
			domain.Money{Currency: c, Units: paid}, domain.Money{Currency: c, Units: held},
			domain.Money{Currency: c, Units: recharged}, domain.Money{Currency: c, Units: balances})
		if paid != held || paid != recharged || paid != balances {
			o.problem("money not conserved in %s", line)
		}
		o.conservation = append(o.conservation, line)
	}
}

// problem notes one thing found wrong; the first few are kept to print.
func (o *payOutcome) problem(format string, args ...any) {
	o.nProblems++
	if len(o.problems) < 10 {
		o.problems = append(o.problems, fmt.Sprintf(format, args...))
	}
}
