package actors

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"allot/domain"
)

// openTopUps opens n top-ups of 1 TON for u, ops "<tag>-0"…, a minute apart.
func openTopUps(t testing.TB, e *Engine, c *clock, u domain.UserID, tag string, n int) []domain.Invoice {
	t.Helper()
	var out []domain.Invoice
	for i := range n {
		inv, err := e.OpenTopUpInvoice(ctxT(t), domain.OpID(fmt.Sprintf("%s-%d", tag, i)), u, domain.TON(1))
		if err != nil {
			t.Fatalf("OpenTopUpInvoice %d: %v", i, err)
		}
		out = append(out, inv)
		c.Add(time.Minute)
	}
	return out
}

// invoiceStatuses is the status of each invoice as the register has it
// now; 0 for one it no longer holds.
func invoiceStatuses(t testing.TB, e *Engine, invs []domain.Invoice) []domain.InvoiceStatus {
	t.Helper()
	var out []domain.InvoiceStatus
	for _, inv := range invs {
		got, err := e.Invoice(ctxT(t), inv.Code)
		switch {
		case errors.Is(err, domain.ErrInvoiceNotFound):
			out = append(out, 0)
		case err != nil:
			t.Fatalf("Invoice(%s): %v", inv.Code, err)
		default:
			out = append(out, got.Status)
		}
	}
	return out
}

// entryStatuses is the status of each invoice's wallet entry; 0 for none.
func entryStatuses(t testing.TB, e *Engine, u domain.UserID, invs []domain.Invoice) []domain.EntryStatus {
	t.Helper()
	w, err := e.Wallet(ctxT(t), u)
	if err != nil {
		t.Fatal(err)
	}
	var out []domain.EntryStatus
	for _, inv := range invs {
		var st domain.EntryStatus
		if x, ok := w.Entry(inv.Op); ok {
			st = x.Status
		}
		out = append(out, st)
	}
	return out
}

// invoicesHeld counts the invoices in every register shard's state.
func invoicesHeld(t testing.TB, e *Engine) int {
	t.Helper()
	mustCheck(t, e) // drains first
	n := 0
	e.dir.each(domain.KindPayments, func(en *entry, _ bool) {
		n += len(en.state.(*domain.Payments).Invoices)
	})
	return n
}

func wantStatuses[S comparable](t testing.TB, what string, got, want []S) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: %v, want %v", what, got, want)
	}
}

// Invoice statuses, short for the tables of this file.
const (
	invOpen      = domain.InvoiceOpen
	invPaid      = domain.InvoicePaid
	invExpired   = domain.InvoiceExpired
	invCancelled = domain.InvoiceCancelled
)

func TestEngine_TopUpCap(t *testing.T) {
	c := newClock()
	e := openTest(t, t.TempDir(), c, nil)
	invs := openTopUps(t, e, c, alice, "top", 5)
	wantStatuses(t, "invoices", invoiceStatuses(t, e, invs), []domain.InvoiceStatus{invCancelled, invCancelled, invOpen, invOpen, invOpen})
	mustCheck(t, e)
	wantStatuses(t, "wallet entries", entryStatuses(t, e, alice, invs), []domain.EntryStatus{
		domain.EntryCancelled, domain.EntryCancelled, domain.EntryPending, domain.EntryPending, domain.EntryPending})

	// Another person's top-ups are theirs: bob's first does not touch alice's.
	bobs := openTopUps(t, e, c, bob, "bob", 1)
	wantStatuses(t, "alice's invoices", invoiceStatuses(t, e, invs[2:]), []domain.InvoiceStatus{invOpen, invOpen, invOpen})
	wantStatuses(t, "bob's invoice", invoiceStatuses(t, e, bobs), []domain.InvoiceStatus{invOpen})

	// Opening the same top-up again is a retry, not a new one.
	again, err := e.OpenTopUpInvoice(ctxT(t), "top-4", alice, domain.TON(1))
	if err != nil || again.Code != invs[4].Code {
		t.Fatalf("retry: %+v, %v", again, err)
	}
	wantStatuses(t, "after a retry", invoiceStatuses(t, e, invs), []domain.InvoiceStatus{invCancelled, invCancelled, invOpen, invOpen, invOpen})

	// A payment to a cancelled top-up is still credited to its owner.
	res, err := e.Deposit(ctxT(t), domain.Payment{Tx: domain.TxID{Account: "EQpayer", LT: 1, Hash: "ab"},
		Amount: domain.TON(1), Comment: invs[0].Code, At: c.Now()})
	if err != nil || res.Outcome != domain.OutcomeCredited || res.User != alice || res.Balance != domain.TON(1) {
		t.Fatalf("paying a cancelled top-up: %+v, %v", res, err)
	}
	mustCheck(t, e)
}

// TestEngine_TopUpCapConcurrent: top-ups opened at once by one person
// leave exactly the newest MaxOpenTopUps open, whatever the interleaving.
func TestEngine_TopUpCapConcurrent(t *testing.T) {
	c := newClock()
	e := openTest(t, t.TempDir(), c, nil)
	invs := make([]domain.Invoice, 10)
	var wg sync.WaitGroup
	for i := range invs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inv, err := e.OpenTopUpInvoice(ctxT(t), domain.OpID(fmt.Sprint("top-", i)), alice, domain.TON(1))
			if err != nil {
				t.Error(err)
			}
			invs[i] = inv
		}()
	}
	wg.Wait()
	mustCheck(t, e)
	open, pending := 0, 0
	for _, st := range invoiceStatuses(t, e, invs) {
		if st == invOpen {
			open++
		}
	}
	w, err := e.Wallet(ctxT(t), alice)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range w.Entries {
		if x.Status == domain.EntryPending {
			pending++
		}
	}
	if open != domain.MaxOpenTopUps || pending != domain.MaxOpenTopUps {
		t.Fatalf("%d invoices open and %d entries pending, want %d of each", open, pending, domain.MaxOpenTopUps)
	}
}

// TestEngine_TopUpCapResettlesALostEntry: a top-up whose invoice expired
// while its wallet entry stayed pending (the settle was lost to a crash)
// is settled when newer top-ups push it over the cap.
func TestEngine_TopUpCapResettlesALostEntry(t *testing.T) {
	c := newClock()
	e := openTest(t, t.TempDir(), c, nil)
	first := openTopUps(t, e, c, alice, "top", 1)
	code := first[0].Code
	if _, err := e.ask(ctxT(t), domain.KindPayments, shardOf(code), false, func(r replyTo) command {
		return &closeOnly{asker{r}, code}
	}); err != nil {
		t.Fatal(err)
	}
	wantStatuses(t, "entry before", entryStatuses(t, e, alice, first), []domain.EntryStatus{domain.EntryPending})
	openTopUps(t, e, c, alice, "more", 3)
	mustCheck(t, e)
	wantStatuses(t, "entry after", entryStatuses(t, e, alice, first), []domain.EntryStatus{domain.EntryExpired})
}

// closeOnly expires an invoice in the register without settling its wallet
// entry, as a crash between the two records would leave it.
type closeOnly struct {
	asker
	code string
}

func (c *closeOnly) run(x *exec) {
	ev, err := x.e.state.(*domain.Payments).Close(c.code, domain.InvoiceExpired, x.now)
	if err == nil {
		_, err = x.emit(ev)
	}
	x.reply(c.r, nil, err)
}

// retentionHistory opens five top-ups for alice (the cap cancels two),
// pays one of them and one cancelled one, and returns them; snap, if set,
// runs before anything is pruned.
func retentionHistory(t testing.TB, e *Engine, c *clock) []domain.Invoice {
	t.Helper()
	invs := openTopUps(t, e, c, alice, "top", 5)
	for i, k := range []int{2, 0} {
		if _, err := e.Deposit(ctxT(t), domain.Payment{Tx: domain.TxID{Account: "EQpayer", LT: uint64(i + 1), Hash: "ab"},
			Amount: domain.TON(1), Comment: invs[k].Code, At: c.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	wantStatuses(t, "invoices", invoiceStatuses(t, e, invs), []domain.InvoiceStatus{invCancelled, invCancelled, invPaid, invOpen, invOpen})
	return invs
}

// expireT runs the invoice sweep and drains.
func expireT(t testing.TB, e *Engine) int {
	t.Helper()
	n, err := e.ExpireInvoices(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	mustCheck(t, e)
	return n
}

func TestEngine_PruneAfterRetention(t *testing.T) {
	c := newClock()
	e := openTest(t, t.TempDir(), c, nil)
	invs := retentionHistory(t, e, c)
	const (
		none      = domain.EntryStatus(0)
		completed = domain.EntryCompleted
		ended     = domain.EntryExpired
	)

	// Within the retention nothing closed is forgotten.
	c.Add(domain.InvoiceRetention)
	if n := expireT(t, e); n != 2 {
		t.Fatalf("the sweep expired %d invoices, want the 2 open ones", n)
	}
	wantStatuses(t, "invoices within the retention", invoiceStatuses(t, e, invs),
		[]domain.InvoiceStatus{invCancelled, invCancelled, invPaid, invExpired, invExpired})
	wantStatuses(t, "entries within the retention", entryStatuses(t, e, alice, invs),
		[]domain.EntryStatus{domain.EntryCancelled, domain.EntryCancelled, completed, ended, ended})

	// Past it, the cancelled and the paid one go (they ended with their
	// window); the two just expired stay for their own retention.
	c.Add(time.Hour)
	expireT(t, e)
	wantStatuses(t, "invoices past the retention", invoiceStatuses(t, e, invs), []domain.InvoiceStatus{0, 0, 0, invExpired, invExpired})
	wantStatuses(t, "entries past the retention", entryStatuses(t, e, alice, invs),
		[]domain.EntryStatus{none, none, completed, ended, ended})

	c.Add(domain.InvoiceRetention)
	expireT(t, e)
	if n := invoicesHeld(t, e); n != 0 {
		t.Fatalf("%d invoices held after every retention passed", n)
	}
	wantStatuses(t, "entries at the end", entryStatuses(t, e, alice, invs), []domain.EntryStatus{none, none, completed, none, none})
	w, err := e.Wallet(ctxT(t), alice)
	if err != nil || w.Balance != domain.TON(2) || len(w.Entries) != 2 {
		t.Fatalf("wallet at the end: %+v, %v; want the paid top-up and the late payment, 2 TON", w, err)
	}
	tot := mustCheck(t, e)
	if tot.Applied != 2 || tot.Recharged != domain.TON(2) {
		t.Errorf("totals %+v: the transactions stay applied and the money recharged", tot)
	}
}

// TestEngine_PrunedStateRestores: the prune events replay to exactly the
// pruned state, from the journal after a snapshot taken before them, and
// from a final snapshot.
func TestEngine_PrunedStateRestores(t *testing.T) {
	for _, final := range []bool{false, true} {
		t.Run(fmt.Sprintf("final snapshot %v", final), func(t *testing.T) {
			dir, c := t.TempDir(), newClock()
			e := openTest(t, dir, c, func(o *Options) { o.NoFinalSnapshot = !final })
			invs := retentionHistory(t, e, c)
			if _, err := e.Snapshot(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				c.Add(domain.InvoiceRetention + time.Hour)
				expireT(t, e)
			}
			openTopUps(t, e, c, alice, "later", 1) // and life goes on
			want := dump(t, e)
			if err := e.Close(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			e2 := openTest(t, dir, c, nil)
			sameState(t, want, dump(t, e2))
			if got := e2.Recovery().Replayed; final && got != 0 || !final && got == 0 {
				t.Errorf("replayed %d records (final snapshot %v)", got, final)
			}
			wantStatuses(t, "invoices after the restart", invoiceStatuses(t, e2, invs), []domain.InvoiceStatus{0, 0, 0, 0, 0})
			if n := invoicesHeld(t, e2); n != 1 {
				t.Errorf("%d invoices held after the restart, want the later one", n)
			}
		})
	}
}
