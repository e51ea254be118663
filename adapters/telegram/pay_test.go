package telegram

import (
	"strings"
	"testing"
	"time"

	"allot/adapters/telegram/telegramtest"
	"allot/adapters/ton/tontest"
	"allot/domain"
)

// TestPay_InvoicePaidAfterTheBalanceSaysWhereTheMoneyWent: one payment
// screen, both ways pressed — the invoice opened, then the number rented
// from the balance — then the invoice paid on chain. The TON goes to the
// balance, and the renter must be told so, not "the number is yours".
func TestPay_InvoicePaidAfterTheBalanceSaysWhereTheMoneyWent(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	clock := &testClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	w := newWorld(t, srv, t.TempDir(), clock, roomyLimits)
	w.admin("add_number", "+88800000001")
	srv.Command(alice, "start", "")
	menu := w.see(alice, "Hello, Alice")
	w.admin("adjust", "@alice 20 start")
	w.press(alice, menu, "📱 Numbers")
	w.press(alice, w.seeOn(alice, menu.ID, "Numbers — page 1 of 1"), "+88800000001")
	w.press(alice, w.seeOn(alice, menu.ID, "+88800000001"), "Rent for 30 days")
	pay := w.seeOn(alice, menu.ID, "goes back to the operator")
	w.press(alice, pay, "💎 In TON")
	inv := w.see(alice, "Send exactly", "10 TON")
	code := between(inv.Text, "comment ", "\n")
	w.press(alice, pay, "💰 From balance") // the same screen's other button
	w.see(alice, "is yours until")

	before := lastID(srv, alice)
	w.chain.Pay(tontest.Address("alice-wallet"), domain.TON(10), code, clock.Now())
	w.watch.Poke()
	m := w.seeOn(alice, -before, "Payment of 10 TON received")
	if want := "The money is on your balance (20 TON)"; !strings.Contains(m.Text, want) {
		t.Errorf("told %q, want it to say %q", m.Text, want)
	}
}
