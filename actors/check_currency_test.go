package actors

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"allot/domain"
)

// usdtWallet is a wallet with 50 USDT recharged, 3 TON recharged and a
// 10 USDT adjustment taken, built by the domain's own decisions.
func usdtWallet(t testing.TB, u domain.UserID) *domain.Wallet {
	t.Helper()
	w := &domain.Wallet{User: u}
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	apply := func(ev domain.WalletEvent, err error) {
		t.Helper()
		mustOK(t, err)
		w.Apply(ev, w.Seq+1)
	}
	ev1, err := w.CreditIn("tx:u:1:h", domain.KindRecharge, domain.USDT(50), "u:1:h", "", at)
	apply(ev1, err)
	ev2, err := w.Credit("tx:t:1:h", domain.KindRecharge, domain.TON(3), "t:1:h", "", at)
	apply(ev2, err)
	ev3, err := w.DebitIn("adj", domain.KindAdjustment, domain.USDT(10), "", 0, "fix", at)
	apply(ev3, err)
	w.Seq = 0 // put in place, never journaled: a snapshot must not wait for these events
	return w
}

func TestEngine_CheckProvesMoneyPerCurrency(t *testing.T) {
	e := openTest(t, t.TempDir(), newClock(), nil)
	mustOK(t, e.Drain(ctxT(t)))
	w := usdtWallet(t, 4242)
	e.dir.put(domain.KindWallet, walletID(w.User), w)
	tot := mustCheck(t, e)
	if tot.USDT.Balances != 40_000_000 || tot.USDT.Recharged != 50_000_000 || tot.Balances != domain.TON(3) || tot.Recharged != domain.TON(3) {
		t.Fatalf("totals %+v: want 40 USDT held of 50 recharged, and 3 TON apart", tot)
	}

	t.Run("a USDT balance off its ledger", func(t *testing.T) {
		bad := usdtWallet(t, 4243)
		bad.USDT++
		e.dir.put(domain.KindWallet, walletID(bad.User), bad)
		defer e.dir.put(domain.KindWallet, walletID(bad.User), usdtWallet(t, 4243))
		if _, err := e.Check(); err == nil || !strings.Contains(err.Error(), "USDT balance") {
			t.Fatalf("Check = %v, want the USDT balance caught", err)
		}
	})
	t.Run("a USDT purchase no number was sold for", func(t *testing.T) {
		bad := usdtWallet(t, 4244)
		ev, err := bad.DebitIn("buy", domain.KindPurchase, domain.USDT(5), num1, 30, purposeRent, time.Now())
		mustOK(t, err)
		bad.Apply(ev, 0)
		done, err := bad.Settle("buy", domain.EntryCompleted, "", time.Now())
		mustOK(t, err)
		bad.Apply(done, 0)
		e.dir.put(domain.KindWallet, walletID(bad.User), bad)
		defer e.dir.put(domain.KindWallet, walletID(bad.User), usdtWallet(t, 4244))
		if _, err := e.Check(); err == nil || !strings.Contains(err.Error(), "wallets spent 5 USDT on rentals but the numbers were sold for 0 USDT") {
			t.Fatalf("Check = %v, want the USDT spent on nothing caught", err)
		}
	})
}

// A wallet with USDT goes through a snapshot (payload format 2) and comes
// back with both balances and every entry's currency.
func TestEngine_USDTWalletSurvivesASnapshot(t *testing.T) {
	dir, c := t.TempDir(), newClock()
	e := openTest(t, dir, c, nil)
	mustOK(t, e.Drain(ctxT(t)))
	want := usdtWallet(t, 4242)
	e.dir.put(domain.KindWallet, walletID(want.User), want.Clone())
	_, err := e.Snapshot(ctxT(t))
	mustOK(t, err)
	mustOK(t, e.Close(ctxT(t)))

	e = openTest(t, dir, c, nil)
	mustCheck(t, e)
	en, ok := e.dir.peek(domain.KindWallet, walletID(want.User))
	if !ok {
		t.Fatal("wallet not restored")
	}
	got, _ := en.state.(*domain.Wallet)
	if got == nil || !reflect.DeepEqual(got.Clone(), want.Clone()) {
		t.Fatalf("restored %+v\nwant %+v", got, want)
	}
}
