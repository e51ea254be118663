package actors

import (
	"errors"
	"testing"

	"allot/domain"
)

// usdtEngine is an engine whose 30-day period costs 10 TON or 25 USDT,
// with num1 and num2 in the catalogue and alice and bob holding 100 TON
// and 100 USDT each.
func usdtEngine(t *testing.T) *Engine {
	t.Helper()
	e := openTest(t, t.TempDir(), newClock(), nil)
	seed(t, e, domain.TON(100), num1, num2)
	ctx := ctxT(t)
	mustOK(t, e.SetDefaultPriceIn(ctx, admin, 30, domain.USDT(25)))
	for _, u := range []domain.UserID{alice, bob} {
		depositIn(t, e, u, domain.USDT(100))
	}
	return e
}

func depositIn(t *testing.T, e *Engine, u domain.UserID, m domain.Money) DepositResult {
	t.Helper()
	txSeq++
	r, err := e.Deposit(ctxT(t), domain.Payment{Tx: domain.TxID{Account: "test", LT: txSeq, Hash: "h"},
		Amount: domain.Nano(m.Units), Currency: m.Currency, User: u})
	mustOK(t, err)
	return r
}

// chainPay is a payment of m from the chain with comment, as the watcher
// delivers one: no user known, only the code.
func chainPay(t *testing.T, e *Engine, m domain.Money, comment string) DepositResult {
	t.Helper()
	txSeq++
	r, err := e.Deposit(ctxT(t), domain.Payment{Tx: domain.TxID{Account: "chain", LT: txSeq, Hash: "h"},
		Amount: domain.Nano(m.Units), Currency: m.Currency, Comment: comment, At: newClock().Now()})
	mustOK(t, err)
	return r
}

func balanceIn(t *testing.T, e *Engine, u domain.UserID, c domain.Currency) domain.Money {
	t.Helper()
	w, err := e.Wallet(ctxT(t), u)
	mustOK(t, err)
	return w.BalanceIn(c)
}

// A rental paid in USDT from the balance takes USDT, leaves TON alone, and
// a renewal in TON of the same rental is kept apart: the number knows what
// was paid in each, and Check proves both currencies.
func TestEngine_RentInUSDTRenewInTON(t *testing.T) {
	e := usdtEngine(t)
	ctx := ctxT(t)
	rc, err := e.RentFromBalanceIn(ctx, "tg:1001:rent", alice, num1, 30, domain.CurrencyUSDT)
	mustOK(t, err)
	if rc.Currency != domain.CurrencyUSDT || rc.Price != domain.Nano(domain.USDT(25).Units) {
		t.Fatalf("receipt %+v: want 25 USDT", rc)
	}
	if got := balanceIn(t, e, alice, domain.CurrencyUSDT); got != domain.USDT(75) {
		t.Fatalf("USDT balance %s, want 75 USDT", got)
	}
	if got := balanceIn(t, e, alice, domain.CurrencyTON); got != domain.TONMoney(domain.TON(100)) {
		t.Fatalf("TON balance %s, want 100 TON untouched", got)
	}
	_, err = e.RenewFromBalanceIn(ctx, "tg:1001:renew", alice, num1, 30, domain.CurrencyTON)
	mustOK(t, err)
	n := mustNumber(t, e, num1)
	if n.Rental.PaidIn(domain.CurrencyUSDT) != domain.Nano(domain.USDT(25).Units) || n.Rental.Paid != domain.TON(10) {
		t.Fatalf("rental paid %d TON-units and %d USDT-units", n.Rental.Paid, n.Rental.PaidUSDT)
	}
	mustOK(t, e.Drain(ctx))
	tot := mustCheck(t, e)
	if tot.USDT.Spent != domain.USDT(25).Units || tot.USDT.Sold != tot.USDT.Spent || tot.Spent != domain.TON(10) {
		t.Fatalf("totals %+v", tot)
	}
	// A replay of the USDT rent answers from the ledger, in USDT.
	again, err := e.RentFromBalanceIn(ctx, "tg:1001:rent", alice, num1, 30, domain.CurrencyUSDT)
	mustOK(t, err)
	if !again.Repeat || again.Currency != domain.CurrencyUSDT {
		t.Fatalf("replay %+v: want the old USDT receipt", again)
	}
}

// A period priced only in TON cannot be paid in USDT, and a balance in one
// currency never pays a price in the other.
func TestEngine_RentInUSDTRefusesWhatIsNotPricedOrHeld(t *testing.T) {
	e := usdtEngine(t)
	ctx := ctxT(t)
	if _, err := e.RentFromBalanceIn(ctx, "tg:1001:r60", alice, num1, 60, domain.CurrencyUSDT); !errors.Is(err, domain.ErrBadPeriod) {
		t.Fatalf("60 days in USDT (priced in TON only): %v", err)
	}
	_, err := e.AdjustBalanceIn(ctx, "adj", admin, bob, domain.Money{Currency: domain.CurrencyUSDT, Units: -domain.USDT(90).Units}, "test")
	mustOK(t, err)
	if _, err := e.RentFromBalanceIn(ctx, "tg:1002:rent", bob, num2, 30, domain.CurrencyUSDT); !errors.Is(err, domain.ErrInsufficientFunds) {
		t.Fatalf("10 USDT held for a 25 USDT rent with 100 TON beside: %v", err)
	}
	if got := balanceIn(t, e, bob, domain.CurrencyTON); got != domain.TONMoney(domain.TON(100)) {
		t.Fatalf("TON balance %s: a refused USDT rent must not touch it", got)
	}
	mustOK(t, e.Drain(ctx))
	mustCheck(t, e)
}

// A USDT rent invoice reserves the number at its USDT price; a USDT
// payment of it starts the rental; a TON payment naming it is credited to
// the balance in TON and starts nothing.
func TestEngine_USDTRentInvoice(t *testing.T) {
	e := usdtEngine(t)
	ctx := ctxT(t)
	inv, err := e.OpenRentInvoiceIn(ctx, "tg:1001:inv", alice, num1, 30, domain.CurrencyUSDT)
	mustOK(t, err)
	if inv.Currency != domain.CurrencyUSDT || inv.Amount != domain.Nano(domain.USDT(25).Units) {
		t.Fatalf("invoice %+v: want 25 USDT", inv)
	}
	if h := mustNumber(t, e, num1).Hold; h == nil || h.Currency != domain.CurrencyUSDT {
		t.Fatalf("hold %+v: want a USDT reservation", h)
	}
	wrong := chainPay(t, e, domain.TONMoney(inv.Amount), inv.Code)
	if wrong.Rental != nil || wrong.Currency != domain.CurrencyTON || wrong.Outcome != domain.OutcomeCredited {
		t.Fatalf("a TON payment of a USDT invoice: %+v", wrong)
	}
	res := chainPay(t, e, inv.Money(), inv.Code)
	if res.Rental == nil || res.Rental.Currency != domain.CurrencyUSDT || res.RentErr != nil {
		t.Fatalf("the USDT payment: %+v", res)
	}
	n := mustNumber(t, e, num1)
	if n.Rental == nil || n.Rental.Renter != alice || n.SoldIn(domain.CurrencyUSDT) != inv.Amount {
		t.Fatalf("number %+v", n)
	}
	mustOK(t, e.Drain(ctx))
	mustCheck(t, e)
}

// A cancel refunds in the currency asked for, at most what was paid in it.
func TestEngine_CancelRefundsInItsCurrency(t *testing.T) {
	e := usdtEngine(t)
	ctx := ctxT(t)
	_, err := e.RentFromBalanceIn(ctx, "tg:1001:rent", alice, num1, 30, domain.CurrencyUSDT)
	mustOK(t, err)
	if _, err := e.CancelRentalIn(ctx, "tg:9:c1", admin, num1, domain.TONMoney(domain.TON(1))); !errors.Is(err, domain.ErrBadAmount) {
		t.Fatalf("a TON refund of a rental paid in USDT: %v", err)
	}
	_, err = e.CancelRentalIn(ctx, "tg:9:c2", admin, num1, domain.USDT(20))
	mustOK(t, err)
	mustOK(t, e.Drain(ctx))
	if got := balanceIn(t, e, alice, domain.CurrencyUSDT); got != domain.USDT(95) {
		t.Fatalf("USDT balance %s after a 20 USDT refund of 25 paid, want 95 USDT", got)
	}
	mustCheck(t, e)
}
