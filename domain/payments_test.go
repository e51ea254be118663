package domain

import (
	"fmt"
	"testing"
	"time"
)

// pev adapts a payments decision's typed result to a PaymentsEvent.
func pev[E PaymentsEvent](e E, err error) (PaymentsEvent, error) {
	if err != nil {
		return nil, err
	}
	return e, nil
}

func mustP(t testing.TB, p *Payments) func(PaymentsEvent, error) {
	t.Helper()
	return func(e PaymentsEvent, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("setup decision failed: %v", err)
		}
		p.Apply(e, p.Seq+1)
	}
}

const codeA = "K7QM-3XHA" // alice's invoice

// aliceInvoice asks alice for 10 TON to rent testNum for 30 days.
func aliceInvoice() Invoice {
	return Invoice{Op: "inv-a", Code: codeA, User: alice, Amount: TON(10), Purpose: PurposeRent, Number: testNum, Days: 30}
}

// register holds alice's invoice, opened at t0 for 30 minutes.
func register(t testing.TB) *Payments {
	t.Helper()
	p := NewPayments()
	mustP(t, p)(pev(p.Open(aliceInvoice(), 30*time.Minute, t0)))
	return p
}

// pay is a chain payment with transaction logical time lt, made at t0+5m.
func pay(lt uint64, amount Nano, comment string) Payment {
	return Payment{Tx: TxID{Account: "EQshop", LT: lt, Hash: fmt.Sprintf("%04x", lt)}, Amount: amount,
		Comment: comment, From: "EQsender", At: t0.Add(5 * time.Minute)}
}

type paymentsCase struct {
	name   string
	setup  func(t testing.TB) *Payments
	decide func(p *Payments) (PaymentsEvent, error)
	wErr   error
	check  func(t *testing.T, p *Payments, e PaymentsEvent)
}

func runPaymentsCases(t *testing.T, cases []paymentsCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.setup(t)
			before := clonePayments(p)
			e, err := tc.decide(p)
			wantErr(t, err, tc.wErr)
			sameState(t, "payments after decision", p, before)
			if tc.wErr != nil {
				if e != nil {
					t.Errorf("refused decision returned an event %#v", e)
				}
				return
			}
			p.Apply(e, p.Seq+1)
			if p.Seq != before.Seq+1 {
				t.Errorf("Seq = %d, want %d", p.Seq, before.Seq+1)
			}
			if tc.check != nil {
				tc.check(t, p, e)
			}
		})
	}
}

func TestPayments_Open(t *testing.T) {
	with := func(f func(*Invoice)) func(p *Payments) (PaymentsEvent, error) {
		return func(p *Payments) (PaymentsEvent, error) {
			inv := aliceInvoice()
			inv.Code, inv.Op = "ABCD-EFGH", "inv-2"
			f(&inv)
			return pev(p.Open(inv, time.Hour, t0))
		}
	}
	runPaymentsCases(t, []paymentsCase{
		{name: "first", setup: func(testing.TB) *Payments { return NewPayments() },
			decide: func(p *Payments) (PaymentsEvent, error) {
				inv := aliceInvoice()
				inv.Code, inv.Status = "k7qm 3xha", InvoicePaid
				return pev(p.Open(inv, 30*time.Minute, t0))
			},
			check: func(t *testing.T, p *Payments, e PaymentsEvent) {
				w := aliceInvoice()
				w.Created, w.Expires, w.Status = t0, t0.Add(30*time.Minute), InvoiceOpen
				wantEvent(t, e, &InvoiceOpened{Invoice: w})
				sameState(t, "invoice", p.Invoices[codeA], &w)
			}},
		{name: "second code", setup: register, decide: with(func(*Invoice) {}),
			check: func(t *testing.T, p *Payments, _ PaymentsEvent) {
				if len(p.Invoices) != 2 || p.Invoices["ABCD-EFGH"] == nil || p.Invoices[codeA] == nil {
					t.Errorf("invoices %v", p.Invoices)
				}
			}},
		{name: "bad code", setup: register, decide: with(func(i *Invoice) { i.Code = "XYZ" }), wErr: ErrBadCode},
		{name: "empty code", setup: register, decide: with(func(i *Invoice) { i.Code = "" }), wErr: ErrBadCode},
		{name: "taken code", setup: register, decide: with(func(i *Invoice) { i.Code = "k7qm3xha" }), wErr: ErrBadCode},
		{name: "taken by a paid invoice", setup: func(t testing.TB) *Payments {
			p := register(t)
			mustP(t, p)(pev(p.Receive(pay(1, TON(10), codeA), t0.Add(time.Minute))))
			return p
		}, decide: with(func(i *Invoice) { i.Code = codeA }), wErr: ErrBadCode},
		{name: "zero amount", setup: register, decide: with(func(i *Invoice) { i.Amount = 0 }), wErr: ErrBadAmount},
		{name: "negative amount", setup: register, decide: with(func(i *Invoice) { i.Amount = -TON(1) }), wErr: ErrBadAmount},
		{name: "too large", setup: register, decide: with(func(i *Invoice) { i.Amount = MaxAmount + 1 }), wErr: ErrAmountTooLarge},
		{name: "no op", setup: register, decide: with(func(i *Invoice) { i.Op = "" }), wErr: ErrBadOp},
		{name: "no user", setup: register, decide: with(func(i *Invoice) { i.User = 0 }), wErr: ErrBadUser},
	})
}

func TestPayments_Close(t *testing.T) {
	close := func(code string, to InvoiceStatus) func(p *Payments) (PaymentsEvent, error) {
		return func(p *Payments) (PaymentsEvent, error) { return pev(p.Close(code, to, t0.Add(time.Minute))) }
	}
	paid := func(t testing.TB) *Payments {
		p := register(t)
		mustP(t, p)(pev(p.Receive(pay(1, TON(10), codeA), t0.Add(time.Minute))))
		return p
	}
	wantInvoice := func(st InvoiceStatus) func(t *testing.T, p *Payments, _ PaymentsEvent) {
		return func(t *testing.T, p *Payments, _ PaymentsEvent) {
			if got := p.Invoices[codeA].Status; got != st {
				t.Errorf("status %v, want %v", got, st)
			}
		}
	}
	runPaymentsCases(t, []paymentsCase{
		{name: "expire", setup: register, decide: close(codeA, InvoiceExpired), check: wantInvoice(InvoiceExpired)},
		{name: "cancel as typed", setup: register, decide: close("k7qm3xha", InvoiceCancelled),
			check: func(t *testing.T, p *Payments, e PaymentsEvent) {
				wantEvent(t, e, &InvoiceClosed{Code: codeA, Status: InvoiceCancelled, At: t0.Add(time.Minute)})
				wantInvoice(InvoiceCancelled)(t, p, e)
			}},
		{name: "unknown", setup: register, decide: close("ABCD-EFGH", InvoiceExpired), wErr: ErrInvoiceNotFound},
		{name: "malformed", setup: register, decide: close("nope", InvoiceExpired), wErr: ErrInvoiceNotFound},
		{name: "paid", setup: paid, decide: close(codeA, InvoiceCancelled), wErr: ErrInvoiceClosed},
		{name: "closed twice", setup: func(t testing.TB) *Payments {
			p := register(t)
			mustP(t, p)(pev(p.Close(codeA, InvoiceExpired, t0.Add(time.Hour))))
			return p
		}, decide: close(codeA, InvoiceCancelled), wErr: ErrInvoiceClosed},
		// Close expires or cancels: it must not mark an invoice paid without
		// a transaction, nor "close" it to open.
		{name: "to paid", setup: register, decide: close(codeA, InvoicePaid), wErr: errAny},
		{name: "to open", setup: register, decide: close(codeA, InvoiceOpen), wErr: errAny},
		{name: "to an unknown status", setup: register, decide: close(codeA, 9), wErr: errAny},
	})
}

func TestPayments_Receive(t *testing.T) {
	receive := func(pm Payment, now time.Time) func(p *Payments) (PaymentsEvent, error) {
		return func(p *Payments) (PaymentsEvent, error) { return pev(p.Receive(pm, now)) }
	}
	in := t0.Add(10 * time.Minute)
	paid := func(t testing.TB) *Payments {
		p := register(t)
		mustP(t, p)(pev(p.Receive(pay(1, TON(10), codeA), in)))
		return p
	}
	// outcome checks the event's outcome, reason and owner, and that the
	// invoice is in status st afterwards.
	outcome := func(o Outcome, reason string, user UserID, st InvoiceStatus) func(t *testing.T, p *Payments, e PaymentsEvent) {
		return func(t *testing.T, p *Payments, e PaymentsEvent) {
			r := e.(*PaymentReceived)
			if r.Outcome != o || r.Reason != reason || r.User != user {
				t.Errorf("outcome %v reason %q user %d, want %v %q %d", r.Outcome, r.Reason, r.User, o, reason, user)
			}
			if got := p.Invoices[codeA].Status; got != st {
				t.Errorf("invoice status %v, want %v", got, st)
			}
			_, recorded := p.Applied.Outcome(r.Tx)
			if recorded != (o != OutcomeIgnored) {
				t.Errorf("tx recorded %v for outcome %v", recorded, o)
			}
		}
	}
	deposit := pay(9, TON(3), "")
	deposit.User = bob
	depositWithCode := pay(9, TON(10), codeA)
	depositWithCode.User = bob
	bounced := pay(9, TON(10), codeA)
	bounced.Bounced = true
	runPaymentsCases(t, []paymentsCase{
		{name: "exact and in time", setup: register, decide: receive(pay(1, TON(10), "for "+codeA), in),
			check: func(t *testing.T, p *Payments, e PaymentsEvent) {
				key := pay(1, 0, "").Tx.Key()
				wantEvent(t, e, &PaymentReceived{Tx: key, Amount: TON(10), From: "EQsender", At: t0.Add(5 * time.Minute),
					Outcome: OutcomePaid, Code: codeA, User: alice, Op: "inv-a"})
				inv := p.Invoices[codeA]
				if o, _ := p.Applied.Outcome(key); inv.Status != InvoicePaid || inv.Tx != key || o != OutcomePaid {
					t.Errorf("invoice %+v, applied %v", inv, p.Applied)
				}
			}},
		{name: "split code", setup: register, decide: receive(pay(1, TON(10), "k7qm 3xha"), in),
			check: outcome(OutcomePaid, "", alice, InvoicePaid)},
		{name: "at the expiry instant", setup: register, decide: receive(pay(1, TON(10), codeA), t0.Add(30*time.Minute)),
			check: outcome(OutcomePaid, "", alice, InvoicePaid)},
		{name: "duplicate tx", setup: paid, decide: receive(pay(1, TON(10), codeA), in), wErr: ErrDuplicateTx},
		{name: "duplicate tx of an orphan", setup: func(t testing.TB) *Payments {
			p := register(t)
			mustP(t, p)(pev(p.Receive(pay(2, TON(1), "hello"), in)))
			return p
		}, decide: receive(pay(2, TON(1), "hello"), in), wErr: ErrDuplicateTx},
		{name: "wrong amount", setup: register, decide: receive(pay(1, TON(9), codeA), in),
			check: outcome(OutcomeCredited, "wrong_amount", alice, InvoiceOpen)},
		{name: "one nanoton too much", setup: register, decide: receive(pay(1, TON(10)+1, codeA), in),
			check: outcome(OutcomeCredited, "wrong_amount", alice, InvoiceOpen)},
		{name: "late", setup: register, decide: receive(pay(1, TON(10), codeA), t0.Add(31*time.Minute)),
			check: outcome(OutcomeCredited, "late", alice, InvoiceOpen)},
		{name: "already paid", setup: paid, decide: receive(pay(2, TON(10), codeA), in),
			check: outcome(OutcomeCredited, "already_paid", alice, InvoicePaid)},
		{name: "closed", setup: func(t testing.TB) *Payments {
			p := register(t)
			mustP(t, p)(pev(p.Close(codeA, InvoiceCancelled, t0.Add(time.Minute))))
			return p
		}, decide: receive(pay(1, TON(10), codeA), in), check: outcome(OutcomeCredited, "closed", alice, InvoiceCancelled)},
		{name: "bounced", setup: register, decide: receive(bounced, in), check: outcome(OutcomeIgnored, "", 0, InvoiceOpen)},
		{name: "zero amount", setup: register, decide: receive(pay(1, 0, codeA), in), check: outcome(OutcomeIgnored, "", 0, InvoiceOpen)},
		{name: "spam without code", setup: register, decide: receive(pay(1, 1, "buy cheap followers"), in),
			check: func(t *testing.T, p *Payments, e PaymentsEvent) {
				outcome(OutcomeIgnored, "", 0, InvoiceOpen)(t, p, e)
				if len(p.Orphans) != 0 {
					t.Errorf("spam kept as orphan: %+v", p.Orphans)
				}
			}},
		{name: "just under the minimum", setup: register, decide: receive(pay(1, MinPayment-1, ""), in),
			check: outcome(OutcomeIgnored, "", 0, InvoiceOpen)},
		{name: "orphan at the minimum", setup: register, decide: receive(pay(1, MinPayment, "hi"), in),
			check: func(t *testing.T, p *Payments, e PaymentsEvent) {
				outcome(OutcomeOrphan, "", 0, InvoiceOpen)(t, p, e)
				w := []Orphan{{Tx: pay(1, 0, "").Tx.Key(), Amount: MinPayment, From: "EQsender", At: t0.Add(5 * time.Minute)}}
				sameState(t, "orphans", p.Orphans, w)
			}},
		{name: "unknown code is an orphan", setup: register, decide: receive(pay(1, TON(10), "ABCD-EFGH"), in),
			check: outcome(OutcomeOrphan, "", 0, InvoiceOpen)},
		{name: "unknown code then a known one", setup: register, decide: receive(pay(1, TON(10), "ABCD-EFGH "+codeA), in),
			check: outcome(OutcomePaid, "", alice, InvoicePaid)},
		{name: "deposit", setup: register, decide: receive(deposit, in),
			check: func(t *testing.T, p *Payments, e PaymentsEvent) {
				outcome(OutcomeCredited, "deposit", bob, InvoiceOpen)(t, p, e)
				if len(p.Orphans) != 0 {
					t.Errorf("deposit kept as orphan")
				}
			}},
		{name: "deposit naming an invoice pays it", setup: register, decide: receive(depositWithCode, in),
			check: outcome(OutcomePaid, "", alice, InvoicePaid)},
		{name: "someone else's code with the wrong amount", setup: register, decide: receive(pay(1, TON(3), "K7QM 3XHA"), in),
			check: func(t *testing.T, p *Payments, e PaymentsEvent) {
				outcome(OutcomeCredited, "wrong_amount", alice, InvoiceOpen)(t, p, e)
				// alice's own exact payment still pays her invoice
				e2, err := p.Receive(pay(2, TON(10), codeA), in)
				if err != nil || e2.Outcome != OutcomePaid {
					t.Errorf("alice's payment afterwards: %+v, %v", e2, err)
				}
			}},
	})

	t.Run("comment is not kept", func(t *testing.T) {
		p := register(t)
		e, err := p.Receive(pay(1, TON(1), "secret <b>junk</b>"), in)
		if err != nil {
			t.Fatal(err)
		}
		wantEvent(t, e, &PaymentReceived{Tx: pay(1, 0, "").Tx.Key(), Amount: TON(1), From: "EQsender",
			At: t0.Add(5 * time.Minute), Outcome: OutcomeOrphan})
	})

	t.Run("ignored tx may come again", func(t *testing.T) {
		p := register(t)
		for range 2 {
			e, err := p.Receive(bounced, in)
			if err != nil || e.Outcome != OutcomeIgnored {
				t.Fatalf("bounced: %+v, %v", e, err)
			}
			p.Apply(e, p.Seq+1)
		}
	})
}

func TestPayments_Assign(t *testing.T) {
	orphaned := func(t testing.TB) *Payments {
		p := register(t)
		mustP(t, p)(pev(p.Receive(pay(5, TON(2), "hi"), t0)))
		return p
	}
	tx := pay(5, 0, "").Tx.Key()
	assign := func(tx string, u UserID) func(p *Payments) (PaymentsEvent, error) {
		return func(p *Payments) (PaymentsEvent, error) { return pev(p.Assign(tx, u)) }
	}
	runPaymentsCases(t, []paymentsCase{
		{name: "assign", setup: orphaned, decide: assign(tx, bob),
			check: func(t *testing.T, p *Payments, e PaymentsEvent) {
				wantEvent(t, e, &OrphanAssigned{Tx: tx, User: bob, Amount: TON(2)})
				if p.Orphans[0].Assigned != bob {
					t.Errorf("orphan %+v", p.Orphans[0])
				}
			}},
		{name: "twice", setup: func(t testing.TB) *Payments {
			p := orphaned(t)
			mustP(t, p)(pev(p.Assign(tx, bob)))
			return p
		}, decide: assign(tx, carol), wErr: ErrAlreadyDecided},
		{name: "unknown", setup: orphaned, decide: assign("nope", bob), wErr: ErrOrphanNotFound},
		{name: "no user", setup: orphaned, decide: assign(tx, 0), wErr: ErrBadUser},
	})
}
