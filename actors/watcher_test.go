package actors

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"allot/domain"
)

// fakeChain is a ChainSource over a list of payments, with the failure
// modes the watcher must survive: errors, a liteserver that repeats older
// transactions, and a cursor that was set back.
type fakeChain struct {
	mu      sync.Mutex
	pays    []domain.Payment // oldest first; LT increases
	lt      uint64
	fail    int  // the next fail calls return an error
	repeat  bool // each answer also repeats every older transaction
	calls   int
	polled  chan struct{}
	account string
}

func newFakeChain() *fakeChain {
	return &fakeChain{lt: 1000, account: "0:" + strings.Repeat("ab", 32), polled: make(chan struct{}, 1)}
}

func (f *fakeChain) pay(amount domain.Nano, comment string, mod ...func(*domain.Payment)) domain.Payment {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lt += 10
	p := domain.Payment{Tx: domain.TxID{Account: f.account, LT: f.lt, Hash: fmt.Sprintf("%064x", f.lt)},
		Amount: amount, Comment: comment, From: "UQsender", At: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	for _, m := range mod {
		m(&p)
	}
	f.pays = append(f.pays, p)
	return p
}

func (f *fakeChain) head() domain.ChainCursor {
	if len(f.pays) == 0 {
		return domain.ChainCursor{LT: 1, Hash: "genesis"}
	}
	last := f.pays[len(f.pays)-1].Tx
	return domain.ChainCursor{LT: last.LT, Hash: last.Hash}
}

func (f *fakeChain) Since(_ context.Context, after domain.ChainCursor) ([]domain.Payment, domain.ChainCursor, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	defer func() {
		select {
		case f.polled <- struct{}{}:
		default:
		}
	}()
	if f.fail > 0 {
		f.fail--
		return nil, after, errors.New("liteserver: timeout")
	}
	if after.IsZero() {
		return nil, f.head(), nil
	}
	var out []domain.Payment
	for _, p := range f.pays {
		if p.Tx.LT > after.LT || f.repeat {
			out = append(out, p)
		}
	}
	return out, f.head(), nil
}

// waitPolls waits until the watcher has polled n more times.
func (f *fakeChain) waitPolls(t *testing.T, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-f.polled:
		case <-time.After(10 * time.Second):
			t.Fatal("the watcher stopped polling")
		}
	}
}

// watchT starts a watcher from the chain's genesis and collects notices.
func watchT(t *testing.T, e *Engine, f *fakeChain) *Watcher {
	t.Helper()
	w, err := e.Watch(WatchOptions{Wallet: f.account, Source: f, Interval: time.Millisecond,
		MaxBackoff: 5 * time.Millisecond, Start: domain.ChainCursor{LT: 1, Hash: "genesis"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return w
}

// settle waits until the watcher has read the whole chain and delivered it.
func settle(t *testing.T, e *Engine, w *Watcher, f *fakeChain) {
	t.Helper()
	f.mu.Lock()
	want := f.head()
	f.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for w.Status().Settled != want {
		if time.Now().After(deadline) {
			t.Fatalf("watcher settled at %+v, chain head %+v, status %+v", w.Status().Settled, want, w.Status())
		}
		w.Poke()
		f.waitPolls(t, 1)
	}
	if err := e.Drain(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

type notices struct {
	mu  sync.Mutex
	got []Notice
}

func (n *notices) add(x Notice) { n.mu.Lock(); n.got = append(n.got, x); n.mu.Unlock() }

func (n *notices) payments(u domain.UserID) []DepositResult {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []DepositResult
	for _, x := range n.got {
		if x.Payment != nil && x.User == u {
			out = append(out, *x.Payment)
		}
	}
	return out
}

func TestRentInvoicePaidOnChainStartsTheRentalOnce(t *testing.T) {
	c := newClock()
	var ns notices
	e := openTest(t, t.TempDir(), c, func(o *Options) { o.Notify = ns.add })
	seed(t, e, 0, num1)
	inv, err := e.OpenRentInvoice(ctxT(t), "rent-1", alice, num1, 30)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := e.OpenRentInvoice(ctxT(t), "rent-1", alice, num1, 30); err != nil || again.Code != inv.Code {
		t.Fatalf("retry of the same op: %+v, %v (want the same invoice %s)", again, err, inv.Code)
	}
	if _, err := e.OpenRentInvoice(ctxT(t), "rent-2", bob, num1, 30); !errors.Is(err, domain.ErrNotAvailable) {
		t.Fatalf("a second person's invoice for a reserved number: %v", err)
	}
	f := newFakeChain()
	f.pay(inv.Amount, "rent "+inv.Code[:4]+" "+inv.Code[5:]) // typed with a space instead of the dash
	w := watchT(t, e, f)
	settle(t, e, w, f)

	n := mustNumber(t, e, num1)
	if n.Rental == nil || n.Rental.Renter != alice || n.Hold != nil {
		t.Fatalf("number after payment: rental %+v hold %+v", n.Rental, n.Hold)
	}
	if b := balance(t, e, alice); b != 0 {
		t.Fatalf("balance %s after paying the exact price, want 0", b)
	}
	got, _ := e.Invoice(ctxT(t), inv.Code)
	if got.Status != domain.InvoicePaid {
		t.Fatalf("invoice %s", got.Status)
	}
	ps := ns.payments(alice)
	if len(ps) != 1 || ps[0].Outcome != domain.OutcomePaid || ps[0].Rental == nil || ps[0].RentErr != nil {
		t.Fatalf("alice was told %+v", ps)
	}

	// Re-polls that repeat the transaction, and a restart: nothing twice.
	f.mu.Lock()
	f.repeat = true
	f.mu.Unlock()
	f.waitPolls(t, 3)
	w.Close()
	if err := e.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	e = openTest(t, e.opts.Dir, c, func(o *Options) { o.Notify = ns.add })
	w = watchT(t, e, f)
	f.waitPolls(t, 3)
	tot := mustCheck(t, e)
	if tot.Applied != 1 || tot.PaidInvoices != 1 || tot.Recharged != inv.Amount || tot.Purchased != inv.Amount {
		t.Fatalf("after re-deliveries and a restart: %+v", tot)
	}
	if s := w.Status(); s.Duplicates == 0 {
		t.Fatalf("the repeated transactions were not counted as duplicates: %+v", s)
	}
}

func TestPaymentsThatDoNotMatchAreCreditedOrKept(t *testing.T) {
	c := newClock()
	var ns notices
	e := openTest(t, t.TempDir(), c, func(o *Options) { o.Notify = ns.add })
	seed(t, e, 0, num1, num2)
	ctx := ctxT(t)
	rent, err := e.OpenRentInvoice(ctx, "rent-a", alice, num1, 30)
	if err != nil {
		t.Fatal(err)
	}
	topup, err := e.OpenTopUpInvoice(ctx, "top-b", bob, domain.TON(2))
	if err != nil {
		t.Fatal(err)
	}
	f := newFakeChain()
	wrong := f.pay(rent.Amount-1, rent.Code)                                       // wrong amount: credited to alice
	f.pay(domain.TON(5), topup.Code, func(p *domain.Payment) { p.Bounced = true }) // bounced: ignored
	f.pay(domain.TON(5), topup.Code, func(p *domain.Payment) { p.Failed = true })  // bounce phase: ignored
	for i := 0; i < 20; i++ {
		f.pay(1, "join our channel t.me/spam "+topup.Code[:3]) // spam
	}
	orphan := f.pay(domain.TON(3), "for the number please")
	w := watchT(t, e, f)
	settle(t, e, w, f)

	if b := balance(t, e, alice); b != rent.Amount-1 {
		t.Fatalf("alice's balance %s, want the wrong amount %s credited", b, rent.Amount-1)
	}
	if inv, _ := e.Invoice(ctx, rent.Code); inv.Status != domain.InvoiceOpen {
		t.Fatalf("a wrong amount paid the invoice: %s", inv.Status)
	}
	if n := mustNumber(t, e, num1); n.Rental != nil {
		t.Fatal("a wrong amount started a rental")
	}
	if b := balance(t, e, bob); b != 0 {
		t.Fatalf("bob's balance %s: bounced or failed transfers were credited", b)
	}
	told := ns.payments(alice)
	if len(told) != 1 || told[0].Outcome != domain.OutcomeCredited || told[0].Reason != "wrong_amount" {
		t.Fatalf("alice was told %+v", told)
	}
	os, err := e.Orphans(ctx)
	if err != nil || len(os) != 1 || os[0].Tx != orphan.Tx.Key() {
		t.Fatalf("orphans %+v, %v", os, err)
	}

	// Late: the exact amount after the window is credited, not paid.
	c.Add(time.Hour)
	f.pay(topup.Amount, topup.Code)
	w.Poke()
	settle(t, e, w, f)
	if b := balance(t, e, bob); b != topup.Amount {
		t.Fatalf("bob's balance %s after a late top-up, want %s", b, topup.Amount)
	}
	if got := ns.payments(bob); len(got) != 1 || got[0].Reason != "late" {
		t.Fatalf("bob was told %+v", got)
	}
	// The expired invoice's pending entry is closed by the sweep.
	if n, err := e.ExpireInvoices(ctx); err != nil || n != 2 {
		t.Fatalf("ExpireInvoices = %d, %v; want both invoices closed", n, err)
	}
	mustCheck(t, e)
	wb, _ := e.Wallet(ctx, bob)
	if en, ok := wb.Entry("top-b"); !ok || en.Status != domain.EntryExpired {
		t.Fatalf("bob's pending top-up entry: %+v", en)
	}
	if n := mustNumber(t, e, num1); n.Hold != nil {
		t.Fatal("the expired rent invoice still holds the number")
	}

	// The admin assigns the orphan to bob.
	if b, err := e.AssignOrphan(ctx, admin, orphan.Tx.Key(), bob); err != nil || b != topup.Amount+domain.TON(3) {
		t.Fatalf("AssignOrphan = %s, %v", b, err)
	}
	if _, err := e.AssignOrphan(ctx, admin, orphan.Tx.Key(), alice); !errors.Is(err, domain.ErrAlreadyDecided) {
		t.Fatalf("a second assignment: %v", err)
	}
	tot := mustCheck(t, e)
	if tot.Applied != 3 { // wrong amount, orphan, late; bounced, failed and spam leave no trace
		t.Fatalf("applied %d transactions, want 3: %+v", tot.Applied, tot)
	}
	_ = wrong
}

func TestTopUpInvoicePaidCompletesThePendingEntry(t *testing.T) {
	c := newClock()
	e := openTest(t, t.TempDir(), c, nil)
	ctx := ctxT(t)
	inv, err := e.OpenTopUpInvoice(ctx, "top-1", alice, domain.TON(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.OpenTopUpInvoice(ctx, "top-2", alice, 1); !errors.Is(err, domain.ErrBadAmount) {
		t.Fatalf("a 1-nanoton top-up: %v", err)
	}
	wl, _ := e.Wallet(ctx, alice)
	if en, ok := wl.Entry("top-1"); !ok || en.Status != domain.EntryPending {
		t.Fatalf("pending entry: %+v", en)
	}
	f := newFakeChain()
	f.pay(domain.TON(1), "  "+inv.Code+"  ")
	w := watchT(t, e, f)
	settle(t, e, w, f)
	wl, _ = e.Wallet(ctx, alice)
	if en, ok := wl.Entry("top-1"); !ok || en.Status != domain.EntryCompleted || wl.Balance != domain.TON(1) {
		t.Fatalf("after payment: entry %+v balance %s", en, wl.Balance)
	}
	if _, err := e.CancelInvoice(ctx, alice, inv.Code); !errors.Is(err, domain.ErrInvoiceClosed) {
		t.Fatalf("cancelling a paid invoice: %v", err)
	}
	mustCheck(t, e)
}

func TestWatcherRidesOutALongChainOutage(t *testing.T) {
	c := newClock()
	e := openTest(t, t.TempDir(), c, nil)
	ctx := ctxT(t)
	f := newFakeChain()
	payer := func(i int) domain.UserID { return alice + domain.UserID(i%5) } // two top-ups each: under the cap
	for i := 0; i < 10; i++ {
		inv, err := e.OpenTopUpInvoice(ctx, domain.OpID(fmt.Sprintf("top-%d", i)), payer(i), domain.TON(1))
		if err != nil {
			t.Fatal(err)
		}
		f.pay(domain.TON(1), inv.Code)
	}
	f.mu.Lock()
	f.fail = 50
	f.mu.Unlock()
	w := watchT(t, e, f)
	f.waitPolls(t, 10)
	if s := w.Status(); s.Failures == 0 || s.LastError == "" || w.Healthy() {
		t.Fatalf("status during the outage: %+v", s)
	}
	settle(t, e, w, f)
	for i := range 5 {
		if b := balance(t, e, payer(i)); b != domain.TON(2) {
			t.Fatalf("balance of %d is %s after the outage, want both payments: 2 TON", payer(i), b)
		}
	}
	tot := mustCheck(t, e)
	if tot.PaidInvoices != 10 {
		t.Fatalf("paid %d invoices, want 10", tot.PaidInvoices)
	}
}

func TestWatcherDeliversAJournaledBatchAfterACrash(t *testing.T) {
	c := newClock()
	dir := t.TempDir()
	e := openTest(t, dir, c, func(o *Options) { o.NoFinalSnapshot = true })
	ctx := ctxT(t)
	inv, err := e.OpenTopUpInvoice(ctx, "top-1", alice, domain.TON(1))
	if err != nil {
		t.Fatal(err)
	}
	f := newFakeChain()
	p := f.pay(domain.TON(1), inv.Code)
	rp, err := e.route(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	// The watcher journaled the batch and the cursor, then the process died
	// before delivering it.
	if _, err := e.ask(ctx, domain.KindWatcher, f.account, true, func(r replyTo) command {
		return &advanceWatcher{asker: asker{r}, to: f.head(), batch: []domain.RoutedPayment{rp}}
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	e = openTest(t, dir, c, nil)
	w := watchT(t, e, f)
	settle(t, e, w, f)
	if b := balance(t, e, alice); b != domain.TON(1) {
		t.Fatalf("balance %s: the journaled batch was not delivered after the restart", b)
	}
	st, err := e.WatcherState(ctx, f.account)
	if err != nil || !st.Known(p.Tx) || st.Cursor != f.head() {
		t.Fatalf("watcher state %+v, %v", st, err)
	}
	mustCheck(t, e)
}
