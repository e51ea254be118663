package telegram

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"allot/actors"
	"allot/adapters/telegram/telegramtest"
	"allot/adapters/ton/tontest"
	"allot/domain"
)

// TestUSDT_RentalPaidOnChainEndToEnd: the admin prices a period in USDT
// too; Alice rents through the bot, chooses USDT, and is shown a USDT
// invoice with its jetton named. A forged notification with the right
// code and amount (from a look-alike jetton's wallet) credits nothing; the
// genuine one from our jetton wallet starts the rental, and she is told.
func TestUSDT_RentalPaidOnChainEndToEnd(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	clock := &testClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	w := newWorld(t, srv, t.TempDir(), clock, roomyLimits)
	w.admin("add_number", "+88800000001")
	w.admin("price", "default 30 25 USDT")

	srv.Command(alice, "start", "")
	menu := w.see(alice, "Hello, Alice", "TON or USDT")
	w.press(alice, menu, "📱 Numbers")
	w.press(alice, w.seeOn(alice, menu.ID, "Numbers — page 1 of 1"), "+88800000001")
	card := w.seeOn(alice, menu.ID, "+88800000001", "10 TON · 25 USDT")
	w.press(alice, card, "Rent for 30 days")
	pay := w.seeOn(alice, menu.ID, "goes back to the operator", "10 TON · 25 USDT")
	w.press(alice, pay, "💎 In USDT")
	inv := w.see(alice, "Send exactly", "25 USDT", "USDT on the TON network", usdtMaster.String())
	if inv.Photo == nil || len(inv.Photo.Data) == 0 {
		t.Fatal("the USDT invoice came without its QR code")
	}
	code := between(inv.Text, "comment ", "\n")
	wallet := tontest.Address("allot-test-wallet")
	payer := tontest.Address("alice-wallet")
	units := uint64(domain.USDT(25).Units)

	lookAlike := tontest.JettonWalletOf(tontest.Address("look-alike-usdt-master"), wallet)
	w.chain.Notify(lookAlike, tontest.Notification{QueryID: 1, Units: units, Sender: payer, Comment: code, InRef: true}, clock.Now())
	w.watch.Poke()
	w.waitSettled()
	if n := w.number("+88800000001"); n.Rental != nil {
		t.Fatalf("a forged notification started the rental: %+v", n.Rental)
	}
	if b := w.balanceIn(alice, domain.CurrencyUSDT); b.Units != 0 {
		t.Fatalf("a forged notification credited %s", b)
	}
	if w.watch.Status().Rejected["forged"] != 1 {
		t.Fatalf("watcher status %+v: want the forgery counted", w.watch.Status())
	}

	before := lastID(srv, alice)
	w.chain.Notify(w.jettons, tontest.Notification{QueryID: 2, Units: units, Sender: payer, Comment: code, InRef: true}, clock.Now())
	w.watch.Poke()
	w.seeOn(alice, -before, "Payment received", "+88800000001")
	n := w.number("+88800000001")
	if n.Rental == nil || n.Rental.PaidIn(domain.CurrencyUSDT) != domain.Nano(units) || n.Rental.Paid != 0 {
		t.Fatalf("rental %+v: want 25 USDT paid and no TON", n.Rental)
	}
	if err := w.eng.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := w.eng.Check(); err != nil {
		t.Fatalf("invariants: %v", err)
	}
}

// TestUSDT_WalletAndAdmin: the wallet shows both balances and offers
// top-ups in each currency; /adjust takes a currency; a balance in USDT
// pays a USDT price and a ledger line names its currency.
func TestUSDT_WalletAndAdmin(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	clock := &testClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	w := newWorld(t, srv, t.TempDir(), clock, roomyLimits)
	w.admin("add_number", "+88800000001")
	w.admin("price", "+88800000001 30 20 USDT")
	srv.Command(alice, "start", "")
	w.see(alice, "Hello, Alice")
	w.admin("adjust", "@alice 30 USDT welcome")
	w.admin("adjust", "@alice 1.5 bonus") // no currency: TON, as before currencies

	last := lastID(srv, alice)
	srv.Command(alice, "start", "")
	menu := w.seeOn(alice, -last, "Hello, Alice")
	w.press(alice, menu, "💰 Wallet")
	wal := w.seeOn(alice, menu.ID, "Balance: 1.5 TON · 30 USDT", "+30 USDT", "+1.5 TON")
	for _, label := range []string{"➕ Top up 1 TON", "➕ Top up 5 USDT"} {
		if !hasButton(wal, label) {
			t.Errorf("wallet %q has no button %q", wal.Text, label)
		}
	}
	w.press(alice, wal, "➕ Top up 5 USDT")
	w.see(alice, "Send exactly", "5 USDT")

	last = lastID(srv, alice)
	srv.Command(alice, "start", "")
	menu = w.seeOn(alice, -last, "Hello, Alice")
	w.press(alice, menu, "📱 Numbers")
	w.press(alice, w.seeOn(alice, menu.ID, "Numbers — page 1 of 1"), "+88800000001")
	w.press(alice, w.seeOn(alice, menu.ID, "+88800000001", "20 USDT"), "Rent for 30 days")
	pay := w.seeOn(alice, menu.ID, "goes back to the operator")
	w.press(alice, pay, "💰 From balance (30 USDT)")
	w.see(alice, "is yours until")
	if b := w.balanceIn(alice, domain.CurrencyUSDT); b != domain.USDT(10) {
		t.Fatalf("USDT balance %s after a 20 USDT rent of 30, want 10 USDT", b)
	}
	if b := w.balanceIn(alice, domain.CurrencyTON); b != domain.TONMoney(domain.TON(3)/2) {
		t.Fatalf("TON balance %s: a USDT rent must leave it", b)
	}
	w.wantAudit("wallet.adjust", strconv.FormatInt(alice.ID, 10), "30 USDT: welcome")
}

// balanceIn is u's balance in c.
func (w *world) balanceIn(u telegramtest.User, c domain.Currency) domain.Money {
	w.t.Helper()
	wl, err := w.eng.Wallet(context.Background(), domain.UserID(u.ID))
	if err != nil {
		w.t.Fatal(err)
	}
	return wl.BalanceIn(c)
}

// waitSettled waits until the watcher has settled everything on the chain.
func (w *world) waitSettled() {
	w.t.Helper()
	head := w.chain.Head()
	for deadline := time.Now().Add(10 * time.Second); w.watch.Status().Settled != head; {
		if time.Now().After(deadline) {
			w.t.Fatalf("watcher settled at %+v, chain head %+v", w.watch.Status().Settled, head)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestUSDT_NotOfferedWhileNotRead: while the watcher cannot read USDT (our
// jetton wallet not resolved), USDT prices still show but no USDT invoice
// or top-up is offered; once it can, they are, without a restart.
func TestUSDT_NotOfferedWhileNotRead(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	clock := &testClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	var ready atomic.Bool
	w := newWorldWith(t, srv, t.TempDir(), clock, func(_ *actors.Options, c *Config) { c.USDTReady = ready.Load }, roomyLimits)
	w.admin("add_number", "+88800000001")
	w.admin("price", "default 30 25 USDT")
	srv.Command(alice, "start", "")
	menu := w.see(alice, "Hello, Alice")
	w.press(alice, menu, "📱 Numbers")
	w.press(alice, w.seeOn(alice, menu.ID, "Numbers — page 1 of 1"), "+88800000001")
	w.press(alice, w.seeOn(alice, menu.ID, "10 TON · 25 USDT"), "Rent for 30 days")
	pay := w.seeOn(alice, menu.ID, "goes back to the operator")
	if hasButton(pay, "💎 In USDT") || !hasButton(pay, "💎 In TON") {
		t.Fatalf("pay screen while USDT is not read: %v", pay.Buttons())
	}
	ready.Store(true)
	w.press(alice, pay, "« Back")
	w.press(alice, w.seeOn(alice, menu.ID, "30 days — 10 TON · 25 USDT"), "Rent for 30 days")
	pay = w.seeOn(alice, menu.ID, "goes back to the operator")
	if !hasButton(pay, "💎 In USDT") {
		t.Fatalf("pay screen once USDT is read: %v", pay.Buttons())
	}
}
