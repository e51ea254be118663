package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"syscall"
	"time"

	"allot/actors"
	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
	"allot/domain"
	"allot/persistence"
)

// runPayCrash is -mode paycrash: a child process reads a fake chain of
// payments through the real watcher and is killed with SIGKILL at random
// moments, again and again, on the same data directory: between reading
// transactions and journaling them, between journaling and crediting,
// anywhere. A last run finishes the chain; then every payment must have
// been credited exactly once.
func runPayCrash(f flags) (map[string]any, error) {
	if _, err := persistence.ParseFsyncMode(f.fsync); err != nil {
		return nil, err
	}
	dir, cleanup, err := dataDir(f, "paycrash")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	r := rand.New(rand.NewPCG(uint64(f.seed), 13))
	for c := 1; c <= f.cycles; c++ {
		if err := payCrashCycle(f, dir, c, r); err != nil {
			return nil, fmt.Errorf("cycle %d: %w", c, err)
		}
	}
	// The last run is not killed: it reads the rest of the chain.
	mode, _ := persistence.ParseFsyncMode(f.fsync)
	eng, err := actors.Open(engineOptions(f, actors.Options{Dir: dir, Fsync: mode}))
	if err != nil {
		return nil, err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), settleTimeout)
		defer cancel()
		_ = eng.Close(ctx)
	}()
	ctx := context.Background()
	plan, chain, start, err := payCrashWorld(ctx, eng, f, f.txs)
	if err != nil {
		return nil, err
	}
	w, err := eng.Watch(actors.WatchOptions{Wallet: ton.Raw(chain.Wallet()), Source: ton.NewSource(chain, chain.Wallet()),
		Start: start, Interval: 5 * time.Millisecond})
	if err != nil {
		return nil, err
	}
	if err := settleChain(w, chain.Head()); err != nil {
		return nil, err
	}
	if err := eng.Drain(ctx); err != nil {
		return nil, err
	}
	tot, checkErr := eng.Check()
	lost, twice, err := payCrashShort(ctx, eng, plan)
	if err != nil {
		return nil, err
	}
	ok := checkErr == nil && lost == 0 && twice == 0 && tot.PaidInvoices == f.txs
	fmt.Printf("paycrash: %d payments, %d kill -9 cycles on %s: %d invoices paid, %d wallets short, %d credited twice, invariants ok: %v\n",
		f.txs, f.cycles, f.store, tot.PaidInvoices, lost, twice, checkErr == nil)
	if checkErr != nil {
		fmt.Println("  INVARIANTS:", checkErr)
	}
	return map[string]any{"mode": "paycrash", "cycles": f.cycles, "txs": f.txs, "paid": tot.PaidInvoices,
		"lost": lost, "duplicates_applied": twice, "invariants_ok": ok}, nil
}

// settleChain waits until the watcher has settled the chain's head, then
// closes it.
func settleChain(w *actors.Watcher, head domain.ChainCursor) error {
	defer w.Close()
	for t := time.Now(); w.Status().Settled != head; {
		if time.Since(t) > 2*time.Minute {
			return fmt.Errorf("the last run settled at %+v of %+v", w.Status().Settled, head)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return nil
}

// payCrashShort counts the wallets holding less than the plan paid them
// (a payment lost) and more (a payment credited twice).
func payCrashShort(ctx context.Context, eng *actors.Engine, plan map[domain.UserID]domain.Nano) (lost, twice int, err error) {
	for u, want := range plan {
		wl, err := eng.Wallet(ctx, u)
		if err != nil {
			return 0, 0, err
		}
		switch {
		case wl.Balance < want:
			lost++
		case wl.Balance > want:
			twice++
		}
	}
	return lost, twice, nil
}

func payCrashCycle(f flags, dir string, cycle int, r *rand.Rand) error {
	cmd := childCommand(f, "-mode", "paycrash-child", "-dir", dir, "-txs", strconv.Itoa(f.txs),
		"-fsync", f.fsync, "-seed", strconv.FormatInt(f.seed, 10), "-cycle", strconv.Itoa(cycle),
		"-cycles", strconv.Itoa(f.cycles))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "ready" {
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return errors.New("child did not get ready in 60 s")
	}
	time.Sleep(time.Duration(5+r.IntN(250)) * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	_ = cmd.Wait()
	return nil
}

// runPayCrashChild runs until it is killed; it returns only if it cannot start.
func runPayCrashChild(f flags) error {
	mode, err := persistence.ParseFsyncMode(f.fsync)
	if err != nil {
		return err
	}
	eng, err := actors.Open(engineOptions(f, actors.Options{Dir: f.dir, Fsync: mode}))
	if err != nil {
		return err
	}
	// Each cycle's chain is longer than the last one's (the same prefix), so
	// every child has new payments to read when it is killed.
	_, chain, start, err := payCrashWorld(context.Background(), eng, f, f.txs*f.cycle/max(1, f.cycles))
	if err != nil {
		return err
	}
	chain.SetDelay(time.Millisecond) // a liteserver is not instant: kills land mid-read too
	fmt.Println("ready")
	if _, err := eng.Watch(actors.WatchOptions{Wallet: ton.Raw(chain.Wallet()), Source: ton.NewSource(chain, chain.Wallet()),
		Start: start, Interval: 5 * time.Millisecond, BatchSize: 32}); err != nil {
		return err
	}
	select {} // until killed
}

// payCrashWorld opens (or finds again: the op ids make it idempotent) one
// top-up invoice per payment and builds the chain of the first upto
// payments, the same every time, so each process of the test sees the same
// transactions with the same ids. It returns what each payer's balance
// must end at once every payment is read.
func payCrashWorld(ctx context.Context, eng *actors.Engine, f flags, upto int) (map[domain.UserID]domain.Nano, *tontest.Chain, domain.ChainCursor, error) {
	chain := tontest.New(tontest.Address("allot-paycrash-wallet"))
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	chain.Outgoing(tontest.Address("deploy"), 1, at)
	start := chain.Head()
	// No payer has more top-ups than may be open at once, so that every
	// invoice is paid as such rather than some cancelled by the cap.
	users := max(5, (f.txs+domain.MaxOpenTopUps-1)/domain.MaxOpenTopUps)
	want := map[domain.UserID]domain.Nano{}
	invs := make([]domain.Invoice, f.txs)
	err := parallel(f.txs, func(i int) error {
		inv, err := eng.OpenTopUpInvoice(ctx, domain.OpID(fmt.Sprintf("pc-%d", i)), userID(i%users),
			domain.MinPayment*domain.Nano(1+i%40))
		invs[i] = inv
		return err
	})
	if err != nil {
		return nil, nil, start, err
	}
	for i, inv := range invs {
		want[inv.User] += inv.Amount
		if i >= upto {
			continue
		}
		chain.Pay(tontest.Address(fmt.Sprintf("payer-%d", i%97)), inv.Amount, inv.Code, at.Add(time.Duration(i)*time.Second))
	}
	return want, chain, start, nil
}
