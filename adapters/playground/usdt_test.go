package playground

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"allot/domain"
)

// TestPlayground_rentAndPayUSDT is the USDT rental through the page's API
// alone: the sample price offers USDT, Alice chooses it, the invoice names
// USDT, the simulated wallet pays it with a jetton notification from our
// jetton wallet, and the number is hers with 25 USDT paid and no TON.
func TestPlayground_rentAndPayUSDT(t *testing.T) {
	w := newWorld(t, "")
	w.call("POST", "/play/api/send", map[string]string{"user": alice, "text": "/start"}, nil)
	menu := w.waitChat(alice, "Hello, Alice")
	w.press(alice, menu, "📱 Numbers")
	w.press(alice, w.waitChat(alice, "Numbers — page 1"), "+88800000001")
	w.press(alice, w.waitChat(alice, "+88800000001", "Status", "25 USDT"), "Rent for 30 days")
	w.press(alice, w.waitChat(alice, "How do you pay?"), "💎 In USDT")
	inv := w.waitChat(alice, "Send exactly", "25 USDT")
	if inv.Invoice == nil || inv.Invoice.Amount != "25" || inv.Invoice.Currency != "USDT" || inv.Photo == nil {
		t.Fatalf("the USDT invoice message offers %+v (QR code %v): want 25 USDT", inv.Invoice, inv.Photo != nil)
	}
	var paid Payment
	if code := w.call("POST", "/play/api/pay", map[string]string{"user": alice, "code": inv.Invoice.Code}, &paid); code != http.StatusOK {
		t.Fatalf("pay: status %d", code)
	}
	if paid.Code != inv.Invoice.Code || paid.Amount != "25" || paid.Currency != "USDT" || paid.Status != "open" {
		t.Errorf("paid %+v for invoice %+v", paid, inv.Invoice)
	}
	w.waitChat(alice, "Payment received", "+88800000001")
	n, err := w.eng.Number(context.Background(), "+88800000001")
	if err != nil {
		t.Fatal(err)
	}
	if r := n.Rental; r == nil || r.Renter != 2001 || r.PaidIn(domain.CurrencyUSDT) != domain.Nano(domain.USDT(25).Units) || r.Paid != 0 {
		t.Fatalf("rental %+v: want Alice's, with 25 USDT paid and no TON", r)
	}
	if st := w.pg.wallet.watch.Status(); st.Rejected["forged"] != 0 {
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
	w := newWorld(t, dir)
	first, err := w.eng.OpenTopUpInvoiceIn(ctx, "op-1", 2001, domain.USDT(5))
	if err != nil {
		t.Fatal(err)
	}
	var paid Payment
	w.call("POST", "/play/api/pay", map[string]string{"user": alice, "code": first.Code}, &paid)
	if paid.Amount != "5" || paid.Currency != "USDT" {
		t.Errorf("paid %+v, want 5 USDT", paid)
	}
	w.waitChat(alice, "5 USDT added")
	head := w.pg.wallet.chain.Head()
	w.close()
	history, err := os.ReadFile(filepath.Join(dir, "simulated", "chain.jsonl"))
	if err != nil || !strings.Contains(string(history), `"currency":"USDT"`) {
		t.Fatalf("chain.jsonl %q (%v): want the USDT transfer with its currency", history, err)
	}

	w = newWorld(t, dir)
	if got := w.pg.wallet.chain.Head(); got != head { // the hash covers the notification's body
		t.Fatalf("the replayed chain ends at %+v, the chain before the restart at %+v", got, head)
	}
	second, err := w.eng.OpenTopUpInvoiceIn(ctx, "op-2", 2001, domain.USDT(3))
	if err != nil {
		t.Fatal(err)
	}
	w.call("POST", "/play/api/pay", map[string]string{"user": alice, "code": second.Code}, nil)
	w.waitChat(alice, "3 USDT added")
	wl, err := w.eng.Wallet(ctx, 2001)
	if err != nil {
		t.Fatal(err)
	}
	if got := wl.BalanceIn(domain.CurrencyUSDT); got != domain.USDT(8) || wl.Balance != 0 {
		t.Errorf("balance %s and %s after 5 and 3 USDT across a restart, want 8 USDT and no TON", got, domain.TONMoney(wl.Balance))
	}
}

// TestReadTransfers_currency checks chain.jsonl's currency field: absent
// is TON (every line from before USDT), "USDT" is a jetton payment, and
// any other is refused rather than replayed as TON.
func TestReadTransfers_currency(t *testing.T) {
	cases := []struct {
		name, line string
		wCurrency  domain.Currency
		wErr       bool
	}{
		{"from before USDT", `{"from":"a","amount":5,"comment":"X","at":1}`, domain.CurrencyTON, false},
		{"USDT", `{"from":"a","amount":25000000,"comment":"X","at":1,"currency":"USDT"}`, domain.CurrencyUSDT, false},
		{"an unknown currency", `{"from":"a","amount":5,"comment":"X","at":1,"currency":"DOGE"}`, 0, true},
		{"USDT misspelt", `{"from":"a","amount":5,"comment":"X","at":1,"currency":"usdt"}`, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "chain.jsonl")
			if err := os.WriteFile(path, []byte(c.line+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			got, _, err := readTransfers(path)
			if c.wErr {
				if err == nil {
					t.Fatalf("read %+v, want an error", got)
				}
				return
			}
			if err != nil || len(got) != 1 {
				t.Fatalf("read %+v, %v", got, err)
			}
			if cur, err := got[0].currency(); err != nil || cur != c.wCurrency {
				t.Errorf("currency %s, %v; want %s", cur, err, c.wCurrency)
			}
		})
	}
}
