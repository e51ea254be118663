package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"allot/adapters/playground"
	"allot/domain"
)

// TestPlayground_rentAndPayUSDT is the USDT rental through the page's API
// alone: the sample price offers USDT, Alice chooses it, the invoice names
// USDT, the simulated wallet pays it with a jetton notification from our
// jetton wallet, and the number is hers with 25 USDT paid and no TON.
func TestPlayground_rentAndPayUSDT(t *testing.T) {
	w := newPlayWorld(t, "")
	w.call("POST", "/play/api/send", map[string]string{"user": playAlice, "text": "/start"}, nil)
	menu := w.waitChat(playAlice, "Hello, Alice")
	w.press(playAlice, menu, "📱 Numbers")
	w.press(playAlice, w.waitChat(playAlice, "Numbers — page 1"), "+88800000001")
	w.press(playAlice, w.waitChat(playAlice, "+88800000001", "Status", "25 USDT"), "Rent for 30 days")
	w.press(playAlice, w.waitChat(playAlice, "How do you pay?"), "💎 In USDT")
	inv := w.waitChat(playAlice, "Send exactly", "25 USDT")
	if inv.Invoice == nil || inv.Invoice.Amount != "25" || inv.Invoice.Currency != "USDT" || inv.Photo == nil {
		t.Fatalf("the USDT invoice message offers %+v (QR code %v): want 25 USDT", inv.Invoice, inv.Photo != nil)
	}
	var paid playground.Payment
	if code := w.call("POST", "/play/api/pay", map[string]string{"user": playAlice, "code": inv.Invoice.Code}, &paid); code != http.StatusOK {
		t.Fatalf("pay: status %d", code)
	}
	if paid.Code != inv.Invoice.Code || paid.Amount != "25" || paid.Currency != "USDT" || paid.Status != "open" {
		t.Errorf("paid %+v for invoice %+v", paid, inv.Invoice)
	}
	w.waitChat(playAlice, "Payment received", "+88800000001")
	n, err := w.eng.Number(context.Background(), "+88800000001")
	if err != nil {
		t.Fatal(err)
	}
	if r := n.Rental; r == nil || r.Renter != 2001 || r.PaidIn(domain.CurrencyUSDT) != domain.Nano(domain.USDT(25).Units) || r.Paid != 0 {
		t.Fatalf("rental %+v: want Alice's, with 25 USDT paid and no TON", r)
	}
	if st := w.pg.watch.Status(); st.Rejected["forged"] != 0 {
		t.Errorf("watcher %+v: the simulated wallet's notification was taken for a forgery", st)
	}
}

// TestPlayground_restartUSDT checks that a USDT payment in chain.jsonl is
// replayed as the same jetton notification: the watcher's cursor still
// points at a transaction the rebuilt chain knows, a payment after the
// restart is seen, and the one before is not credited again.
func TestPlayground_restartUSDT(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	w := newPlayWorld(t, dir)
	first, err := w.eng.OpenTopUpInvoiceIn(ctx, "op-1", 2001, domain.USDT(5))
	if err != nil {
		t.Fatal(err)
	}
	var paid playground.Payment
	w.call("POST", "/play/api/pay", map[string]string{"user": playAlice, "code": first.Code}, &paid)
	if paid.Amount != "5" || paid.Currency != "USDT" {
		t.Errorf("paid %+v, want 5 USDT", paid)
	}
	w.waitChat(playAlice, "5 USDT added")
	head := w.pg.wallet.Chain().Head()
	w.close()
	history, err := os.ReadFile(filepath.Join(dir, "simulated", "chain.jsonl"))
	if err != nil || !strings.Contains(string(history), `"currency":"USDT"`) {
		t.Fatalf("chain.jsonl %q (%v): want the USDT transfer with its currency", history, err)
	}

	w = newPlayWorld(t, dir)
	if got := w.pg.wallet.Chain().Head(); got != head { // the hash covers the notification's body
		t.Fatalf("the replayed chain ends at %+v, the chain before the restart at %+v", got, head)
	}
	second, err := w.eng.OpenTopUpInvoiceIn(ctx, "op-2", 2001, domain.USDT(3))
	if err != nil {
		t.Fatal(err)
	}
	w.call("POST", "/play/api/pay", map[string]string{"user": playAlice, "code": second.Code}, nil)
	w.waitChat(playAlice, "3 USDT added")
	wl, err := w.eng.Wallet(ctx, 2001)
	if err != nil {
		t.Fatal(err)
	}
	if got := wl.BalanceIn(domain.CurrencyUSDT); got != domain.USDT(8) || wl.Balance != 0 {
		t.Errorf("balance %s and %s after 5 and 3 USDT across a restart, want 8 USDT and no TON", got, domain.TONMoney(wl.Balance))
	}
}
