package actors_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"allot/actors"
	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
	"allot/domain"
)

// newUSDTRig is a gapRig whose Source also reads USDT: notifications from
// our jetton wallet of the fake master are payments in USDT.
func newUSDTRig(t *testing.T) *gapRig {
	t.Helper()
	r := newGapRig(t)
	master := tontest.Address("usdt-master")
	r.src = ton.NewSource(r.chain, r.chain.Wallet(),
		ton.WithUSDT(ton.JettonAccount{Wallet: tontest.JettonWalletOf(master, r.chain.Wallet())}))
	// History the watcher starts after, so a re-read from it has a cursor.
	r.chain.Pay(tontest.Address("payer"), domain.TON(2), "before the bot", r.clock().Add(-time.Hour))
	return r
}

// notify sends a notification of units with comment from our jetton
// wallet (genuine) or a stranger's contract (forged).
func notify(r *gapRig, genuine bool, units int64, comment string) domain.TxID {
	from := tontest.Address("forger-jetton-wallet")
	if genuine {
		from = tontest.JettonWalletOf(tontest.Address("usdt-master"), r.chain.Wallet())
	}
	return r.chain.Notify(from, tontest.Notification{QueryID: 7, Units: uint64(units), Sender: tontest.Address("payer"),
		Comment: comment, InRef: true}, r.clock())
}

func (r *gapRig) topUpIn(t *testing.T, op domain.OpID, user domain.UserID, m domain.Money) domain.Invoice {
	t.Helper()
	inv, err := r.eng.OpenTopUpInvoiceIn(context.Background(), op, user, m)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func walletOf(t *testing.T, r *gapRig, user domain.UserID) *domain.Wallet {
	t.Helper()
	w, err := r.eng.Wallet(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func checkT(t *testing.T, r *gapRig) actors.Totals {
	t.Helper()
	tot, err := r.eng.Check()
	if err != nil {
		t.Fatal(err)
	}
	return tot
}

// A USDT top-up paid by a genuine notification carrying its code credits
// exactly the USDT asked for, and no TON: not even the nanoton of forward
// TON the notification carried.
func TestWatcher_USDTTopUpPaidByGenuineNotification(t *testing.T) {
	r := newUSDTRig(t)
	w := r.watch(t)
	r.settle(t, w)
	inv := r.topUpIn(t, "usdt-top", alice, domain.USDT(25))
	if inv.Currency != domain.CurrencyUSDT || inv.Amount != domain.Nano(domain.USDT(25).Units) {
		t.Fatalf("invoice %+v", inv)
	}
	notify(r, true, domain.USDT(25).Units, inv.Code)
	r.settle(t, w)
	if got, err := r.eng.Invoice(context.Background(), inv.Code); err != nil || got.Status != domain.InvoicePaid {
		t.Fatalf("invoice after payment: %+v, %v", got, err)
	}
	wl := walletOf(t, r, alice)
	if wl.BalanceIn(domain.CurrencyUSDT) != domain.USDT(25) || wl.Balance != 0 {
		t.Fatalf("balances: %s and %s, want 25 USDT and 0 TON", wl.BalanceIn(domain.CurrencyUSDT), wl.Balance)
	}
	if tot := checkT(t, r); tot.USDT.Recharged != domain.USDT(25).Units || tot.Recharged != 0 || tot.PaidInvoices != 1 {
		t.Fatalf("totals %+v", tot)
	}
	if n := len(w.Status().Rejected); n != 0 {
		t.Fatalf("a genuine notification counted as rejected: %v", w.Status().Rejected)
	}
}

// A forged notification, with the right code and amount, credits nothing
// and is counted as forged, once, however often it is read.
func TestWatcher_ForgedUSDTNotificationCreditsNothing(t *testing.T) {
	r := newUSDTRig(t)
	w := r.watch(t)
	r.settle(t, w)
	before := r.chain.Head()
	inv := r.topUpIn(t, "usdt-top", alice, domain.USDT(25))
	notify(r, false, domain.USDT(25).Units, inv.Code)
	r.settle(t, w)
	if got, _ := r.eng.Invoice(context.Background(), inv.Code); got.Status != domain.InvoiceOpen {
		t.Fatalf("a forged notification paid the invoice: %+v", got)
	}
	wl := walletOf(t, r, alice)
	if wl.BalanceIn(domain.CurrencyUSDT).Units != 0 || wl.Balance != 0 {
		t.Fatalf("credited %s and %s", wl.BalanceIn(domain.CurrencyUSDT), wl.Balance)
	}
	pays, _, err := r.src.Since(context.Background(), before) // read again
	if err != nil || len(pays) != 0 {
		t.Fatalf("a forged notification read as %d payments (%v)", len(pays), err)
	}
	if got := w.Status().Rejected; got["forged"] != 1 || len(got) != 1 {
		t.Fatalf("rejected %v, want forged once", got)
	}
	checkT(t, r)
}

// A USDT payment naming a TON invoice does not pay it and is not credited
// as TON: it is credited to the invoice's owner in USDT, as a wrong
// payment is.
func TestWatcher_USDTToATONInvoiceIsCreditedInUSDT(t *testing.T) {
	r := newUSDTRig(t)
	w := r.watch(t)
	r.settle(t, w)
	inv := r.topUp(t, "ton-top", alice) // 1 TON
	notify(r, true, int64(domain.TON(1)), inv.Code)
	r.settle(t, w)
	if got, _ := r.eng.Invoice(context.Background(), inv.Code); got.Status != domain.InvoiceOpen {
		t.Fatalf("USDT paid a TON invoice: %+v", got)
	}
	wl := walletOf(t, r, alice)
	if wl.Balance != 0 || wl.BalanceIn(domain.CurrencyUSDT).Units != int64(domain.TON(1)) {
		t.Fatalf("balances %s and %s: want nothing in TON, the units in USDT", wl.Balance, wl.BalanceIn(domain.CurrencyUSDT))
	}
	last := wl.Entries[len(wl.Entries)-1]
	if last.Currency != domain.CurrencyUSDT || last.Note != "wrong_currency" || last.Status != domain.EntryCompleted {
		t.Fatalf("credit entry %+v", last)
	}
	checkT(t, r)
}

// The same jetton transaction delivered again, by a re-read of the chain,
// is recognised and credits nothing more.
func TestWatcher_USDTRedeliveryCreditsOnce(t *testing.T) {
	r := newUSDTRig(t)
	w := r.watch(t)
	r.settle(t, w)
	before := r.chain.Head()
	inv := r.topUpIn(t, "usdt-top", alice, domain.USDT(5))
	notify(r, true, domain.USDT(5).Units, inv.Code)
	r.settle(t, w)
	pays, _, err := r.src.Since(context.Background(), before)
	if err != nil || len(pays) != 1 || pays[0].Currency != domain.CurrencyUSDT {
		t.Fatalf("re-read %+v, %v", pays, err)
	}
	for i := 0; i < 2; i++ {
		res, err := r.eng.Deposit(context.Background(), pays[0])
		if !errors.Is(err, domain.ErrDuplicateTx) || !res.Duplicate {
			t.Fatalf("redelivery %d: %+v, %v", i, res, err)
		}
	}
	if err := r.eng.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b := walletOf(t, r, alice).BalanceIn(domain.CurrencyUSDT); b != domain.USDT(5) {
		t.Fatalf("balance %s after redelivery, want 5 USDT", b)
	}
	if tot := checkT(t, r); tot.USDT.Recharged != domain.USDT(5).Units {
		t.Fatalf("totals %+v", tot)
	}
}

// A USDT top-up is at least 0.01 USDT, as a TON one is at least 0.01 TON.
func TestEngine_OpenTopUpInvoiceInRefusesDust(t *testing.T) {
	r := newUSDTRig(t)
	if _, err := r.eng.OpenTopUpInvoiceIn(context.Background(), "dust", alice, domain.Money{Currency: domain.CurrencyUSDT, Units: 9_999}); !errors.Is(err, domain.ErrBadAmount) {
		t.Fatalf("a top-up under 0.01 USDT: %v", err)
	}
}
