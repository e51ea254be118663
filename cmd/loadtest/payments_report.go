package main

import (
	"fmt"

	"allot/actors"
	"allot/domain"
)

// chainPaid is what the plan had the chain pay: per currency, the
// transactions that must count and their sum; and the USDT notifications
// sent, genuine or forged.
type chainPaid struct {
	txs, units map[domain.Currency]int64
	notices    int
}

func (p *paymentPlan) paid() chainPaid {
	c := chainPaid{txs: map[domain.Currency]int64{}, units: map[domain.Currency]int64{}}
	for _, t := range p.txs {
		if t.kind.counts() {
			c.txs[t.currency]++
			c.units[t.currency] += int64(t.amount)
		}
		if t.currency == domain.CurrencyUSDT {
			c.notices++
		}
	}
	return c
}

// report prints the run and returns its figures. The keys of before USDT
// (credited, duplicates_applied, lost, ...) are kept, as they were.
func (o *payOutcome) report(p *paymentPlan, tot actors.Totals, checkErr error, run watchRun) map[string]any {
	dupApplied := max(o.twice+o.forgedCredited, o.usersOver, tot.Applied-p.counted)
	lost := max(o.lost, o.usersShort, p.counted-tot.Applied)
	forged := p.n[usdtForged]
	forgedIgnored := forged - o.forgedCredited
	ok := checkErr == nil && lost == 0 && dupApplied == 0 && o.misrouted == 0 && o.nProblems == 0 &&
		o.forgedCounted == uint64(forged) && len(o.rejected) == min(1, forged)
	o.print(p, tot, run, dupApplied, lost)
	if checkErr != nil {
		fmt.Println("  INVARIANTS:", checkErr)
	}
	if o.forgedCounted != uint64(forged) || len(o.rejected) != min(1, forged) {
		fmt.Printf("  FORGED: %d sent, the source counted %v\n", forged, o.rejected)
	}
	paid := p.paid()
	ton, usdt := domain.CurrencyTON, domain.CurrencyUSDT
	return map[string]any{"mode": "payments", "txs": len(p.txs), "credited": tot.Applied,
		"expected_credited": p.counted, "redeliveries": run.status.Duplicates, "duplicates_applied": dupApplied,
		"lost": lost, "seconds": round(run.secs), "tx_per_sec": round(float64(len(p.txs)) / run.secs),
		"invariants_ok": ok, "ton_paid": paid.txs[ton], "ton_credited": o.txs[ton], "ton_units_paid": paid.units[ton],
		"ton_units_credited": o.units[ton], "ton_invoices_paid": o.invoicesPaid[ton],
		"usdt_txs": paid.notices, "usdt_paid": paid.txs[usdt], "usdt_credited": o.txs[usdt],
		"usdt_units_paid": paid.units[usdt], "usdt_units_credited": o.units[usdt],
		"usdt_invoices_paid": o.invoicesPaid[usdt], "wrong_currency": o.wrongCurrency,
		"forged": forged, "forged_ignored": forgedIgnored, "forged_counted": o.forgedCounted,
		"misrouted": o.misrouted, "problems": o.nProblems}
}

// print is the human summary.
func (o *payOutcome) print(p *paymentPlan, tot actors.Totals, run watchRun, dupApplied, lost int) {
	fmt.Printf("payments: %d transactions in %.2fs, %.0f tx/s\n", len(p.txs), run.secs, float64(len(p.txs))/run.secs)
	fmt.Print("  ")
	for k := payKind(0); k < payKinds; k++ {
		sep := ", "
		if k == payKinds-1 {
			sep = "\n"
		}
		fmt.Printf("%d %s%s", p.n[k], payKindNames[k], sep)
	}
	fmt.Printf("  applied %d (want %d), re-deliveries seen %d, duplicates applied %d, lost %d, source rewinds %d\n",
		tot.Applied, p.counted, run.status.Duplicates, dupApplied, lost, run.rewinds)
	paid := p.paid()
	for _, c := range domain.Currencies() {
		fmt.Printf("  %s: %d payments counted, %d credited once to the right person in %s (%d paid their invoice)\n",
			c, paid.txs[c], o.txs[c], c, o.invoicesPaid[c])
	}
	fmt.Printf("  wrong currency credited in their own: %d; misrouted %d; forged: %d sent, %d credited nothing, source counted %d\n",
		o.wrongCurrency, o.misrouted, p.n[usdtForged], p.n[usdtForged]-o.forgedCredited, o.forgedCounted)
	for _, line := range o.conservation {
		fmt.Println("  " + line)
	}
	for _, pr := range o.problems {
		fmt.Println("  PROBLEM:", pr)
	}
}
