package actors_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"allot/actors"
	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
	"allot/domain"
	"allot/persistence"
)

// gapRig is an engine with a manual clock, watching a fake chain through
// the real Source, and the admins' alerts it raised.
type gapRig struct {
	eng    *actors.Engine
	chain  *tontest.Chain
	src    *ton.Source
	mu     sync.Mutex
	now    time.Time
	alerts []string
}

func newGapRig(t *testing.T) *gapRig {
	t.Helper()
	r := &gapRig{chain: tontest.New(tontest.Address("wallet")), now: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	r.src = ton.NewSource(r.chain, r.chain.Wallet())
	eng, err := actors.Open(actors.Options{Dir: t.TempDir(), Fsync: persistence.FsyncOS, ManualClock: true,
		Clock: r.clock, AlertGap: func(text string) { r.mu.Lock(); r.alerts = append(r.alerts, text); r.mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close(context.Background()) })
	r.eng = eng
	return r
}

func (r *gapRig) clock() time.Time { r.mu.Lock(); defer r.mu.Unlock(); return r.now }

func (r *gapRig) advance(d time.Duration) { r.mu.Lock(); r.now = r.now.Add(d); r.mu.Unlock() }

func (r *gapRig) alerted() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.alerts...)
}

func (r *gapRig) watch(t *testing.T) *actors.Watcher {
	t.Helper()
	w, err := r.eng.Watch(actors.WatchOptions{Wallet: r.src.Wallet(), Source: r.src, Interval: time.Millisecond,
		MaxBackoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return w
}

// settle waits until the watcher has delivered up to the chain's head and
// then polled a few more times.
func (r *gapRig) settle(t *testing.T, w *actors.Watcher) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for w.Status().Settled != r.chain.Head() {
		if time.Now().After(deadline) {
			t.Fatalf("watcher settled at %+v, head %+v, status %+v", w.Status().Settled, r.chain.Head(), w.Status())
		}
		time.Sleep(time.Millisecond)
	}
	for polls := r.chain.Calls().Masterchain + 5; r.chain.Calls().Masterchain < polls; {
		w.Poke()
		time.Sleep(time.Millisecond)
	}
	if err := r.eng.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (r *gapRig) topUp(t *testing.T, op domain.OpID, user domain.UserID) domain.Invoice {
	t.Helper()
	inv, err := r.eng.OpenTopUpInvoice(context.Background(), op, user, domain.TON(1))
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

const (
	alice domain.UserID = 1001
	bob   domain.UserID = 1002
)

// A watcher stopped long enough that the liteservers forgot the history at
// its cursor recovers on its own: it reads on from the oldest transaction
// still held, credits what it sees, tells the admins once, and keeps the
// invoices the gap may hold payments for matchable until an admin closes it.
func TestWatcher_RecoversFromPrunedHistory(t *testing.T) {
	r := newGapRig(t)
	ctx := context.Background()
	t0 := r.clock()
	payer := tontest.Address("payer")
	r.chain.Pay(payer, domain.TON(2), "before the bot", t0.Add(-time.Hour))
	w := r.watch(t)
	r.settle(t, w)
	inGap := r.topUp(t, "in-gap", alice)
	w.Close() // a long outage: the bot is down for ten days
	r.advance(time.Hour)
	if n, err := r.eng.ExpireInvoices(ctx); err != nil || n != 1 {
		t.Fatalf("ExpireInvoices: %d, %v", n, err)
	}

	missed := r.chain.Pay(payer, domain.TON(1), inGap.Code, t0.Add(time.Minute))
	oldest := r.chain.Pay(payer, domain.TON(1), "spam", t0.Add(5*24*time.Hour))
	r.chain.PruneBelow(oldest.LT)
	r.advance(10 * 24 * time.Hour)
	after := r.topUp(t, "after-gap", bob)
	r.chain.Pay(payer, domain.TON(1), after.Code, r.clock().Add(time.Minute))

	w = r.watch(t)
	r.settle(t, w)
	if inv, err := r.eng.Invoice(ctx, after.Code); err != nil || inv.Status != domain.InvoicePaid {
		t.Fatalf("the invoice paid after the gap: %+v, %v", inv, err)
	}
	gap, open := w.Gap()
	if !open || gap.FromLT >= missed.LT || gap.ToLT != oldest.LT || !gap.From.Equal(t0) || !gap.To.Equal(t0.Add(5*24*time.Hour)) {
		t.Fatalf("gap %+v (open %v), want from the old cursor at %v to lt %d", gap, open, t0, oldest.LT)
	}
	w.Close() // a restart finds the gap recorded, and says nothing again
	r.settle(t, r.watch(t))
	if a := r.alerted(); len(a) != 1 {
		t.Fatalf("alerts %q, want exactly one", a)
	}

	// Past the invoice's own retention, the gap still holds it.
	r.advance(25 * 24 * time.Hour)
	if _, err := r.eng.ExpireInvoices(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.eng.Invoice(ctx, inGap.Code); err != nil {
		t.Fatalf("the invoice the gap may hold a payment for was pruned: %v", err)
	}
	// The admin finds the missed payment and imports it: it lands on alice.
	pay := domain.Payment{Tx: missed, Amount: domain.TON(1), Comment: inGap.Code, At: t0.Add(time.Minute)}
	if res, err := r.eng.Deposit(ctx, pay); err != nil || res.Outcome != domain.OutcomeCredited || res.User != alice {
		t.Fatalf("the late payment: %+v, %v", res, err)
	}
	// Closed by the admin (/payments_checked), the gap lets pruning go on.
	if n, err := r.eng.ClosePaymentGaps(ctx, 1); err != nil || n != 1 {
		t.Fatalf("ClosePaymentGaps: %d, %v", n, err)
	}
	if n, err := r.eng.ClosePaymentGaps(ctx, 1); err != nil || n != 0 {
		t.Fatalf("ClosePaymentGaps again: %d, %v; want nothing left to close", n, err)
	}
	if _, open := w.Gap(); open {
		t.Fatal("the gap is still open after the admin closed it")
	}
	if _, err := r.eng.ExpireInvoices(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.eng.Invoice(ctx, inGap.Code); !errors.Is(err, domain.ErrInvoiceNotFound) {
		t.Fatalf("after the gap closed, the old invoice: %v, want pruned", err)
	}
}

// A chain that fails for a while, with its history intact, is an outage,
// not a gap: the watcher retries and loses nothing.
func TestWatcher_TransientFailureIsNotAGap(t *testing.T) {
	r := newGapRig(t)
	payer := tontest.Address("payer")
	r.chain.Pay(payer, domain.TON(2), "before the bot", r.clock().Add(-time.Hour))
	w := r.watch(t)
	r.settle(t, w)
	inv := r.topUp(t, "top", alice)
	r.chain.Pay(payer, domain.TON(1), inv.Code, r.clock())
	r.chain.Pay(payer, domain.TON(1), "spam", r.clock())
	r.chain.FailNext(20, nil)
	r.settle(t, w)
	if got, err := r.eng.Invoice(context.Background(), inv.Code); err != nil || got.Status != domain.InvoicePaid {
		t.Fatalf("invoice after the outage: %+v, %v", got, err)
	}
	if _, open := w.Gap(); open || len(r.alerted()) != 0 {
		t.Fatalf("a transient failure opened a gap (alerts %q)", r.alerted())
	}
}
