package actors

import (
	"context"
	"strings"
	"testing"

	"allot/domain"
	"allot/persistence/pgstore"
	"allot/persistence/pgstore/pgtest"
)

// openOnPostgres opens an engine on the database at url, where wallets
// load on first use; every close is a crash (no final snapshot).
func openOnPostgres(t *testing.T, url string) *Engine {
	t.Helper()
	e := openTest(t, t.TempDir(), newClock(), func(o *Options) {
		o.NoFinalSnapshot = true
		o.Store = func(h StoreHooks) (Store, error) {
			return pgstore.OpenEngine(context.Background(), url, pgstore.EngineOptions{
				OnSync: h.OnSync, OnFatal: h.OnFatal, Logger: h.Logger})
		}
	})
	if e.entities == nil || !e.dir.lazy[domain.KindWallet] {
		t.Fatal("the engine on PostgreSQL keeps wallets eagerly")
	}
	return e
}

// A wallet holding a purchase still processing when a snapshot is taken
// goes into the whole-state snapshot, so that a restart finds it in memory
// (no load), applies its later events, and resumes the purchase: here its
// number is gone, so the purchase fails and the money comes back.
func TestLazy_AWalletHoldingAPurchaseStaysInTheWholeSnapshot(t *testing.T) {
	url := pgtest.DB(t)
	e := openOnPostgres(t, url)
	depositT(t, e, alice, domain.TON(10))
	// The wallet's step of a rent whose number is gone: the money is held,
	// and the saga stops there, as if a crash came before the number's step.
	r := make(replyTo, 1)
	e.dir.route(nil, domain.KindWallet, walletID(alice), &debitOnly{asker: asker{r}, op: "buy-1",
		amount: domain.TONMoney(domain.TON(10)), number: "+88899999999"}, true)
	mustOK(t, (<-r).err)
	if tot := mustCheck(t, e); tot.Processing != 1 {
		t.Fatalf("%d purchases processing, want the one held", tot.Processing)
	}
	_, err := e.Snapshot(ctxT(t))
	mustOK(t, err)
	depositT(t, e, alice, domain.TON(10)) // after the snapshot: the replay applies it to the wallet in memory
	mustOK(t, e.Drain(ctxT(t)))
	mustOK(t, e.Close(ctxT(t)))

	e = openOnPostgres(t, url)
	if n := e.Stats().Loaded; n != 0 {
		t.Fatalf("%d entities loaded at the restart; the wallet should have come from the snapshot", n)
	}
	tot := mustCheck(t, e)
	if tot.Processing != 0 || tot.Balances != domain.TON(20) || tot.Wallets != 1 {
		t.Fatalf("after the restart: %d processing, %v held in %d wallets; want 0, 20 TON, 1", tot.Processing, tot.Balances, tot.Wallets)
	}
	if b := balance(t, e, alice); b != domain.TON(20) {
		t.Fatalf("alice has %v, want her 20 TON back", b)
	}
}

// A whole-state snapshot that leaves idle wallets to the database says so
// in its format: an engine that keeps every entity in memory (on files,
// or a build from before) refuses it rather than start without them.
func TestLazy_TheSnapshotWithoutWalletsIsRefusedByAnEagerEngine(t *testing.T) {
	url := pgtest.DB(t)
	e := openOnPostgres(t, url)
	depositT(t, e, alice, domain.TON(10))
	_, err := e.Snapshot(ctxT(t))
	mustOK(t, err)
	mustOK(t, e.Close(ctxT(t)))

	pg, err := pgstore.OpenEngine(context.Background(), url, pgstore.EngineOptions{})
	mustOK(t, err)
	defer pg.Close()
	eager := bareEngine("")
	_, err = pg.Recover(eager.restore, func(uint64, []byte) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "leaves out the wallets") {
		t.Fatalf("an eager engine restored a snapshot without its wallets: %v", err)
	}
}

// debitOnly is the first step of a rent, the wallet's hold, and nothing
// after it: what a crash between the wallet's step and the number's leaves.
type debitOnly struct {
	asker
	op     domain.OpID
	amount domain.Money
	number string
}

func (c *debitOnly) run(x *exec) {
	ev, err := x.wallet().DebitIn(c.op, domain.KindPurchase, c.amount, c.number, 30, purposeRent, x.now)
	if err == nil {
		_, err = x.emit(ev)
	}
	x.reply(c.r, nil, err)
}
