package domain

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// topUps is alice's wallet (funded) with n pending top-ups "top-0"… opened
// a minute apart, and whatever more steps does to it.
func topUps(n int, steps ...func(t testing.TB, w *Wallet)) func(t testing.TB) *Wallet {
	return func(t testing.TB) *Wallet {
		t.Helper()
		w := funded(t)
		for i := range n {
			mustW(t, w)(wev(w.OpenRecharge(OpID(fmt.Sprint("top-", i)), TON(1), fmt.Sprint("CODE-", i),
				t0.Add(time.Duration(i)*time.Minute))))
		}
		for _, s := range steps {
			s(t, w)
		}
		return w
	}
}

// settled moves op's entry to st at t0+at.
func settled(op OpID, st EntryStatus, at time.Duration) func(t testing.TB, w *Wallet) {
	return func(t testing.TB, w *Wallet) {
		t.Helper()
		mustW(t, w)(wev(w.Settle(op, st, "", t0.Add(at))))
	}
}

func ops(es []Entry) []OpID {
	var out []OpID
	for _, x := range es {
		out = append(out, x.Op)
	}
	return out
}

func TestWallet_TopUpsOverCap(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t testing.TB) *Wallet
		limit int
		want  []OpID
	}{
		{"no top-ups", funded, 3, nil},
		{"three open", topUps(3), 3, nil},
		{"four open: the oldest", topUps(4), 3, []OpID{"top-0"}},
		{"six open: the three oldest", topUps(6), 3, []OpID{"top-0", "top-1", "top-2"}},
		{"ended ones do not count", topUps(5, settled("top-0", EntryCancelled, time.Hour),
			settled("top-1", EntryExpired, time.Hour)), 3, nil},
		{"a paid one does not count", topUps(4, func(t testing.TB, w *Wallet) {
			mustW(t, w)(wev(w.Credit("top-1", KindRecharge, TON(1), "tx", "", t0.Add(time.Hour))))
		}), 3, nil},
		{"purchases and refunds do not count", topUps(3, func(t testing.TB, w *Wallet) {
			mustW(t, w)(wev(w.Debit("buy", KindPurchase, TON(4), testNum, 30, "", t0)))
			mustW(t, w)(wev(w.Credit("refund", KindRefund, TON(1), "", "", t0)))
		}), 3, nil},
		{"limit zero: every open one", topUps(2), 0, []OpID{"top-0", "top-1"}},
		{"negative limit: every open one", topUps(2), -1, []OpID{"top-0", "top-1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.setup(t)
			before := walletView(w)
			got := ops(w.TopUpsOverCap(tc.limit))
			sameState(t, "wallet after TopUpsOverCap", walletView(w), before)
			if !slices.Equal(got, tc.want) {
				t.Errorf("TopUpsOverCap(%d) = %v, want %v", tc.limit, got, tc.want)
			}
		})
	}
}

func TestWallet_Prune(t *testing.T) {
	keep := InvoiceRetention
	tests := []struct {
		name  string
		setup func(t testing.TB) *Wallet
		now   time.Time
		want  []OpID // nil: no event
	}{
		{"nothing ended", topUps(3), t0.Add(365 * day), nil},
		{"expired, within retention", topUps(1, settled("top-0", EntryExpired, time.Hour)),
			t0.Add(time.Hour + keep), nil},
		{"expired, past retention", topUps(1, settled("top-0", EntryExpired, time.Hour)),
			t0.Add(time.Hour + keep + time.Nanosecond), []OpID{"top-0"}},
		{"cancelled and failed", topUps(3, settled("top-0", EntryCancelled, 0), settled("top-2", EntryFailed, 0)),
			t0.Add(keep + time.Second), []OpID{"top-0", "top-2"}},
		{"counted from the end, not the opening", topUps(1, settled("top-0", EntryExpired, 20*day)),
			t0.Add(keep + time.Second), nil},
		{"a paid top-up is money: kept", topUps(1, func(t testing.TB, w *Wallet) {
			mustW(t, w)(wev(w.Credit("top-0", KindRecharge, TON(1), "tx", "", t0)))
		}), t0.Add(365 * day), nil},
		{"a failed purchase is kept", func(t testing.TB) *Wallet {
			w := purchased(t)
			mustW(t, w)(wev(w.Settle("buy", EntryFailed, "gone", t0)))
			return w
		}, t0.Add(365 * day), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.setup(t)
			before := walletView(w)
			e := w.Prune(tc.now, keep)
			sameState(t, "wallet after Prune", walletView(w), before)
			if tc.want == nil {
				if e != nil {
					t.Fatalf("Prune = %#v, want nothing", e)
				}
				return
			}
			wantEvent(t, e, &EntriesPruned{Ops: tc.want, At: tc.now})
			w.Apply(e, w.Seq+1)
			if err := w.Check(); err != nil {
				t.Fatal(err)
			}
			wantBalance(t, w, before.Balance)
			for _, op := range tc.want {
				if _, ok := w.Entry(op); ok {
					t.Errorf("%s is still in the ledger", op)
				}
			}
			if len(w.Entries) != len(before.Entries)-len(tc.want) {
				t.Errorf("%d entries left of %d, want %d pruned", len(w.Entries), len(before.Entries), len(tc.want))
			}
		})
	}
}

// TestWallet_PruneLongLedger: a ledger long enough to be indexed finds its
// entries at their new places after a prune.
func TestWallet_PruneLongLedger(t *testing.T) {
	w := topUps(2*indexAt, func(t testing.TB, w *Wallet) {
		for i := 0; i < 2*indexAt; i += 2 {
			settled(OpID(fmt.Sprint("top-", i)), EntryExpired, 0)(t, w)
		}
	})(t)
	if _, ok := w.Entry("top-1"); !ok || w.opIndex() == nil {
		t.Fatal("the ledger is not indexed")
	}
	e := w.Prune(t0.Add(InvoiceRetention+day), InvoiceRetention)
	if e == nil || len(e.Ops) != indexAt {
		t.Fatalf("Prune = %+v, want %d operations", e, indexAt)
	}
	w.Apply(e, w.Seq+1)
	for i := 1; i < 2*indexAt; i += 2 {
		op := OpID(fmt.Sprint("top-", i))
		if x, ok := w.Entry(op); !ok || x.Op != op {
			t.Fatalf("Entry(%s) = %+v, %v after the prune", op, x, ok)
		}
	}
	if _, ok := w.Entry("top-0"); ok {
		t.Error("a pruned entry is still found")
	}
}

// closedInvoice opens alice's top-up invoice code at t0 for 30 minutes and
// ends it by how, at t0+at.
func closedInvoice(t testing.TB, p *Payments, code string, how InvoiceStatus, at time.Duration) {
	t.Helper()
	inv := Invoice{Op: OpID("op-" + code), Code: code, User: alice, Amount: TON(1), Purpose: PurposeTopUp}
	mustP(t, p)(pev(p.Open(inv, 30*time.Minute, t0)))
	switch how {
	case InvoicePaid:
		mustP(t, p)(pev(p.Receive(Payment{Tx: TxID{Account: "EQ", LT: uint64(p.Applied.Len() + 1), Hash: code},
			Amount: TON(1), Comment: code, At: t0.Add(at)}, t0.Add(at))))
	case InvoiceExpired, InvoiceCancelled:
		mustP(t, p)(pev(p.Close(code, how, t0.Add(at))))
	}
}

func TestPayments_Prune(t *testing.T) {
	keep := InvoiceRetention
	window := 30 * time.Minute
	const (
		c1 = "AAAA-AAAA"
		c2 = "BBBB-BBBB"
		c3 = "CCCC-CCCC"
	)
	tests := []struct {
		name  string
		how   InvoiceStatus
		at    time.Duration // when it closed or was paid, after t0
		now   time.Time
		prune bool
	}{
		{"open, long past its window", InvoiceOpen, 0, t0.Add(365 * day), false},
		{"expired, at the retention", InvoiceExpired, window + time.Minute, t0.Add(window + time.Minute + keep), false},
		{"expired, past the retention", InvoiceExpired, window + time.Minute, t0.Add(window + time.Minute + keep + 1), true},
		// A sweep after a long outage closes late: retention counts from then.
		{"expired late, counted from the closing", InvoiceExpired, 40 * day, t0.Add(window + keep + day), false},
		{"expired late, past the retention", InvoiceExpired, 40 * day, t0.Add(40*day + keep + 1), true},
		// Paid or cancelled early: the person may still pay to the code
		// they saw until the window's end, so retention counts from there.
		{"cancelled early, counted from the window", InvoiceCancelled, time.Minute, t0.Add(time.Minute + keep + 1), false},
		{"cancelled early, past the window and retention", InvoiceCancelled, time.Minute, t0.Add(window + keep + 1), true},
		{"paid, counted from the window", InvoicePaid, time.Minute, t0.Add(time.Minute + keep + 1), false},
		{"paid, past the window and retention", InvoicePaid, time.Minute, t0.Add(window + keep + 1), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPayments()
			closedInvoice(t, p, c1, tc.how, tc.at)
			closedInvoice(t, p, c2, InvoiceOpen, 0) // open: never pruned
			before := clonePayments(p)
			e := p.Prune(tc.now, keep)
			sameState(t, "payments after Prune", p, before)
			if !tc.prune {
				if e != nil {
					t.Fatalf("Prune = %#v, want nothing", e)
				}
				return
			}
			wantEvent(t, e, &InvoicesPruned{Codes: []string{c1}, At: tc.now})
			p.Apply(e, p.Seq+1)
			if _, ok := p.Invoices[c1]; ok || p.Invoices[c2] == nil {
				t.Errorf("invoices after the prune: %v", p.Invoices)
			}
			if p.Applied.Len() != before.Applied.Len() {
				t.Errorf("applied transactions %d, want %d: a transaction is applied once, for ever", p.Applied.Len(), before.Applied.Len())
			}
		})
	}
	t.Run("a legacy close without a time counts from the window", func(t *testing.T) {
		p := NewPayments()
		closedInvoice(t, p, c3, InvoiceOpen, 0)
		p.Apply(&InvoiceClosed{Code: c3, Status: InvoiceExpired}, p.Seq+1) // as a record from before At
		if e := p.Prune(t0.Add(window+keep), keep); e != nil {
			t.Fatalf("Prune at the retention = %#v", e)
		}
		if e := p.Prune(t0.Add(window+keep+1), keep); e == nil || !slices.Equal(e.Codes, []string{c3}) {
			t.Fatalf("Prune past the retention = %#v", e)
		}
	})
}

// TestPayments_PruneLatePayment: within the retention a late payment to a
// closed invoice is credited to its owner; once the invoice is pruned,
// nobody's code matches and it is an orphan for an admin.
func TestPayments_PruneLatePayment(t *testing.T) {
	p := NewPayments()
	closedInvoice(t, p, codeA, InvoiceExpired, time.Hour)
	late := func(lt uint64, at time.Time) *PaymentReceived {
		e, err := p.Receive(Payment{Tx: TxID{Account: "EQ", LT: lt, Hash: "h"}, Amount: TON(1), Comment: codeA, At: at}, at)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	in := t0.Add(time.Hour + InvoiceRetention)
	if e := late(1, in); e.Outcome != OutcomeCredited || e.User != alice {
		t.Fatalf("late payment within the retention: %+v", e)
	}
	after := in.Add(time.Second)
	p.Apply(p.Prune(after, InvoiceRetention), p.Seq+1)
	if e := late(2, after); e.Outcome != OutcomeOrphan || e.User != 0 {
		t.Fatalf("late payment after the prune: %+v", e)
	}
}

func TestPayments_PruneInBatches(t *testing.T) {
	p := NewPayments()
	for i := range pruneBatch + 1 {
		closedInvoice(t, p, NewCode(uint64(i)*7919+1), InvoiceExpired, time.Hour+time.Duration(i))
	}
	now := t0.Add(time.Hour + InvoiceRetention + day)
	first := p.Prune(now, InvoiceRetention)
	if first == nil || len(first.Codes) != pruneBatch {
		t.Fatalf("first prune names %d invoices, want %d", len(first.Codes), pruneBatch)
	}
	p.Apply(first, p.Seq+1)
	second := p.Prune(now, InvoiceRetention)
	if second == nil || len(second.Codes) != 1 || second.Codes[0] != NewCode(uint64(pruneBatch)*7919+1) {
		t.Fatalf("second prune = %+v, want the newest one left", second)
	}
	p.Apply(second, p.Seq+1)
	if e := p.Prune(now, InvoiceRetention); e != nil || len(p.Invoices) != 0 {
		t.Fatalf("third prune = %+v with %d invoices left", e, len(p.Invoices))
	}
}

// TestRetention_Replay: the prune events, decoded from the journal and
// applied to fresh states, give the states that emitted them.
func TestRetention_Replay(t *testing.T) {
	p, w := NewPayments(), &Wallet{User: alice}
	var pj, wj journal
	stepP := func(e PaymentsEvent, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		pj = append(pj, Record{Kind: KindPayments, ID: "3", Event: e})
		p.Apply(e, uint64(len(pj)))
	}
	stepW := func(e WalletEvent, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		wj = append(wj, Record{Kind: KindWallet, ID: "101", Event: e})
		w.Apply(e, uint64(len(wj)))
	}
	for i, code := range []string{"AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC"} {
		op := OpID(fmt.Sprint("top-", i))
		stepP(pev(p.Open(Invoice{Op: op, Code: code, User: alice, Amount: TON(1), Purpose: PurposeTopUp}, time.Hour, t0)))
		stepW(wev(w.OpenRecharge(op, TON(1), code, t0)))
	}
	stepP(pev(p.Close("AAAA-AAAA", InvoiceCancelled, t0.Add(time.Minute))))
	stepW(wev(w.Settle("top-0", EntryCancelled, "", t0.Add(time.Minute))))
	stepP(pev(p.Close("BBBB-BBBB", InvoiceExpired, t0.Add(2*time.Hour))))
	stepW(wev(w.Settle("top-1", EntryExpired, "", t0.Add(2*time.Hour))))
	now := t0.Add(time.Hour + InvoiceRetention + time.Minute)
	stepP(pev(p.Prune(now, InvoiceRetention), nil))
	stepW(wev(w.Prune(now, InvoiceRetention), nil))
	if len(p.Invoices) != 2 || len(w.Entries) != 2 {
		t.Fatalf("after the prunes: %d invoices, %d entries; want the expired and the open one", len(p.Invoices), len(w.Entries))
	}

	fp, fw := NewPayments(), &Wallet{User: alice}
	for i, r := range pj {
		fp.Apply(roundTrip(t, r).Event.(PaymentsEvent), uint64(i+1))
	}
	for i, r := range wj {
		fw.Apply(roundTrip(t, r).Event.(WalletEvent), uint64(i+1))
	}
	sameState(t, "replayed payments", fp, p)
	sameState(t, "replayed wallet", walletView(fw), walletView(w))
}
