package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"allot/actors"
	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
	"allot/domain"
	"allot/persistence"
)

// runPayments is -mode payments: N incoming transactions on the fake chain
// (exact payments of invoices, late ones, wrong amounts, bounces and
// 1-nanoton spam) read by the real watcher through the real TON source,
// which also re-reads older pages now and then, as a liteserver that
// lost its place would. It checks that every payment that should count
// counted exactly once, to the right person, and that nothing else did.
func runPayments(f flags) (map[string]any, error) {
	fsync, err := persistence.ParseFsyncMode(f.fsync)
	if err != nil {
		return nil, err
	}
	dir, cleanup, err := dataDir(f, "payments")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	var offset atomic.Int64 // moves the engine's clock past invoice windows
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	eng, err := actors.Open(actors.Options{Dir: dir, Fsync: fsync, Clock: clock})
	if err != nil {
		return nil, err
	}
	defer eng.Close(context.Background())
	ctx := context.Background()

	wallet := tontest.Address("allot-receiving-wallet")
	chain := tontest.New(wallet)
	chain.Outgoing(tontest.Address("deploy"), 1, time.Now()) // the wallet's own first transaction
	start := chain.Head()
	plan, err := planPayments(ctx, eng, f, &offset)
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(uint64(f.seed), 11))
	for _, p := range plan.txs {
		from := tontest.Address(fmt.Sprintf("payer-%d", r.IntN(1000)))
		switch p.kind {
		case payBounce:
			chain.Bounce(from, p.amount, clock())
		default:
			chain.Pay(from, p.amount, p.comment, clock())
		}
	}
	src := &rewinding{inner: ton.NewSource(chain, wallet), r: rand.New(rand.NewPCG(uint64(f.seed), 12))}

	t0 := time.Now()
	w, err := eng.Watch(actors.WatchOptions{Wallet: ton.Raw(wallet), Source: src, Start: start,
		Interval: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		return nil, err
	}
	head := chain.Head()
	for w.Status().Settled != head {
		time.Sleep(time.Millisecond)
		if time.Since(t0) > 5*time.Minute {
			return nil, fmt.Errorf("the watcher settled at %+v of %+v after 5 minutes", w.Status().Settled, head)
		}
	}
	secs := time.Since(t0).Seconds()
	// Let the rewinding source re-deliver a few times more, then stop.
	for t := time.Now(); src.rewinds.Load() < 3 && time.Since(t) < 10*time.Second; {
		w.Poke()
		time.Sleep(5 * time.Millisecond)
	}
	for t := time.Now(); w.Status().Settled != head && time.Since(t) < 10*time.Second; {
		time.Sleep(5 * time.Millisecond)
	}
	w.Close()
	if err := eng.Drain(ctx); err != nil {
		return nil, err
	}
	tot, checkErr := eng.Check()

	lost, extra := 0, 0
	for u, want := range plan.credit {
		wl, err := eng.Wallet(ctx, u)
		if err != nil {
			return nil, err
		}
		switch {
		case wl.Balance < want:
			lost++
		case wl.Balance > want:
			extra++
		}
	}
	dupApplied := max(0, tot.Applied-plan.counted) + extra
	lost += max(0, plan.counted-tot.Applied)
	st := w.Status()
	ok := checkErr == nil && lost == 0 && dupApplied == 0
	fmt.Printf("payments: %d transactions (%d exact, %d late, %d wrong amount, %d bounced, %d spam) in %.2fs, %.0f tx/s\n",
		len(plan.txs), plan.n[payExact], plan.n[payLate], plan.n[payWrong], plan.n[payBounce], plan.n[paySpam],
		secs, float64(len(plan.txs))/secs)
	fmt.Printf("  applied %d (want %d), re-deliveries seen %d, duplicates applied %d, lost %d, source rewinds %d\n",
		tot.Applied, plan.counted, st.Duplicates, dupApplied, lost, src.rewinds.Load())
	if checkErr != nil {
		fmt.Println("  INVARIANTS:", checkErr)
	}
	return map[string]any{"mode": "payments", "txs": len(plan.txs), "credited": tot.Applied,
		"expected_credited": plan.counted, "redeliveries": st.Duplicates, "duplicates_applied": dupApplied,
		"lost": lost, "seconds": round(secs), "tx_per_sec": round(float64(len(plan.txs)) / secs),
		"invariants_ok": ok}, nil
}

type payKind int

const (
	payExact payKind = iota
	payLate
	payWrong
	payBounce
	paySpam
)

type plannedTx struct {
	kind    payKind
	amount  domain.Nano
	comment string
}

type paymentPlan struct {
	txs     []plannedTx
	credit  map[domain.UserID]domain.Nano // what each payer's balance must be
	counted int                           // transactions that must be applied
	n       [paySpam + 1]int
}

// planPayments opens the invoices and decides every transaction. The late
// invoices are opened first and the clock then moved past their window.
func planPayments(ctx context.Context, eng *actors.Engine, f flags, offset *atomic.Int64) (*paymentPlan, error) {
	p := &paymentPlan{credit: map[domain.UserID]domain.Nano{}}
	kinds := make([]payKind, f.txs)
	for i := range kinds {
		switch i % 20 {
		case 0, 1, 2, 3, 4, 5, 6, 7, 8, 9:
			kinds[i] = payExact
		case 10, 11:
			kinds[i] = payLate
		case 12, 13:
			kinds[i] = payWrong
		case 14:
			kinds[i] = payBounce
		default:
			kinds[i] = paySpam
		}
	}
	users := max(10, f.txs/10)
	invoices := make([]domain.Invoice, f.txs)
	var mu sync.Mutex
	open := func(want func(payKind) bool) error {
		return parallel(f.txs, func(i int) error {
			k := kinds[i]
			if !want(k) || k == payBounce || k == paySpam {
				return nil
			}
			u := userID(i % users)
			inv, err := eng.OpenTopUpInvoice(ctx, domain.OpID(fmt.Sprintf("pay-%d", i)), u,
				domain.MinPayment*domain.Nano(1+i%50))
			if err != nil {
				return err
			}
			mu.Lock()
			invoices[i] = inv
			mu.Unlock()
			return nil
		})
	}
	if err := open(func(k payKind) bool { return k == payLate }); err != nil {
		return nil, err
	}
	offset.Store(int64(domain.DefaultPolicy().HoldTTL + time.Minute))
	if err := open(func(k payKind) bool { return k != payLate }); err != nil {
		return nil, err
	}
	for i, k := range kinds {
		inv := invoices[i]
		t := plannedTx{kind: k}
		switch k {
		case payExact, payLate:
			t.amount, t.comment = inv.Amount, inv.Code
		case payWrong:
			t.amount, t.comment = inv.Amount-7, "invoice "+inv.Code
		case payBounce:
			t.amount = domain.TON(1)
		case paySpam:
			t.amount, t.comment = 1, fmt.Sprintf("Free TON! Join t.me/spam%d and claim your prize now", i)
		}
		if k == payExact || k == payLate || k == payWrong {
			p.credit[inv.User] += t.amount
			p.counted++
		}
		p.n[k]++
		p.txs = append(p.txs, t)
	}
	return p, nil
}

// rewinding is a chain source that now and then reads from a cursor a few
// polls old, so the watcher sees transactions it has already handed on:
// the re-deliveries a liteserver produces after losing its place.
type rewinding struct {
	inner   actors.ChainSource
	mu      sync.Mutex
	r       *rand.Rand
	seen    []domain.ChainCursor
	calls   int
	rewinds atomic.Int64
}

func (s *rewinding) Since(ctx context.Context, after domain.ChainCursor) ([]domain.Payment, domain.ChainCursor, error) {
	s.mu.Lock()
	from := after
	s.calls++
	if older := slices.DeleteFunc(slices.Clone(s.seen), func(c domain.ChainCursor) bool { return c == after }); len(older) > 0 && s.calls%3 == 0 {
		from = older[s.r.IntN(len(older))]
		s.rewinds.Add(1)
	}
	if !slices.Contains(s.seen, after) {
		s.seen = append(s.seen, after)
	}
	s.mu.Unlock()
	// Read from an older cursor, the source still answers the chain's head:
	// the watcher's cursor never goes back, it only sees old transactions again.
	return s.inner.Since(ctx, from)
}
