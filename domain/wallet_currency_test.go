package domain

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// usdtFunded is alice's wallet with 50 USDT recharged by op "usdt" and no TON.
func usdtFunded(t testing.TB) *Wallet {
	t.Helper()
	w := &Wallet{User: alice}
	mustW(t, w)(wev(w.CreditIn("usdt", KindRecharge, USDT(50), "tx-u", "", t0)))
	return w
}

func TestWallet_DebitInTONRefusedWithOnlyUSDT(t *testing.T) {
	w := usdtFunded(t)
	_, err := w.Debit("buy", KindPurchase, TON(1), testNum, 30, "", t0)
	var ife *InsufficientFundsError
	if !errors.As(err, &ife) || ife.Currency != CurrencyTON || ife.Balance != 0 || ife.Need != TON(1) {
		t.Fatalf("Debit of 1 TON with 50 USDT on hand = %v, want insufficient TON funds", err)
	}
	if !strings.Contains(err.Error(), "balance 0 TON, need 1 TON") {
		t.Errorf("error %q does not name the currency", err)
	}
	_, err = w.DebitIn("buy", KindPurchase, USDT(51), testNum, 30, "", t0)
	if !errors.As(err, &ife) || ife.Currency != CurrencyUSDT || ife.Balance != 50_000_000 {
		t.Fatalf("DebitIn of 51 USDT = %v, want insufficient USDT funds", err)
	}
}

func TestWallet_DebitInTouchesOnlyItsCurrency(t *testing.T) {
	w := usdtFunded(t)
	mustW(t, w)(wev(w.Credit("ton", KindRecharge, TON(3), "tx-t", "", t0)))
	mustW(t, w)(wev(w.DebitIn("buy", KindPurchase, USDT(20), testNum, 30, "", t0)))
	if w.Balance != TON(3) || w.BalanceIn(CurrencyUSDT) != USDT(30) {
		t.Fatalf("after a 20 USDT purchase: %s and %s, want 3 TON and 30 USDT", w.BalanceIn(CurrencyTON), w.BalanceIn(CurrencyUSDT))
	}
	mustW(t, w)(wev(w.Settle("buy", EntryFailed, "no number", t0)))
	if w.Balance != TON(3) || w.BalanceIn(CurrencyUSDT) != USDT(50) {
		t.Fatalf("after the purchase failed: %s and %s, want 3 TON and 50 USDT", w.BalanceIn(CurrencyTON), w.BalanceIn(CurrencyUSDT))
	}
	mustW(t, w)(wev(w.Debit("adj", KindAdjustment, TON(3), "", 0, "", t0)))
	if w.Balance != 0 || w.BalanceIn(CurrencyUSDT) != USDT(50) {
		t.Fatalf("after a TON adjustment: %s and %s", w.BalanceIn(CurrencyTON), w.BalanceIn(CurrencyUSDT))
	}
}

func TestWallet_CreditInRefusesAnotherCurrencysRecharge(t *testing.T) {
	w := &Wallet{User: alice}
	mustW(t, w)(wev(w.OpenRechargeIn("inv", USDT(5), "K7QM-3XHA", t0)))
	if _, err := w.Credit("inv", KindRecharge, TON(5), "tx", "", t0); !errors.Is(err, ErrNotPermitted) {
		t.Fatalf("a TON payment completing a USDT invoice = %v, want a refusal", err)
	}
	mustW(t, w)(wev(w.CreditIn("inv", KindRecharge, USDT(5), "tx", "", t0)))
	if e := entry(t, w, "inv"); e.Currency != CurrencyUSDT || e.Status != EntryCompleted || w.Balance != 0 {
		t.Fatalf("entry %+v, TON balance %s", e, w.Balance)
	}
}

func TestWallet_CreditInOverflowRefused(t *testing.T) {
	w := &Wallet{User: alice, USDT: math.MaxInt64 - 10}
	_, err := w.CreditIn("big", KindRecharge, USDT(1), "", "", t0)
	if !errors.Is(err, ErrOverflow) {
		t.Fatalf("CreditIn past int64 = %v, want ErrOverflow", err)
	}
	if _, err := w.CreditIn("big", KindRecharge, Money{CurrencyUSDT, CurrencyUSDT.MaxUnits() + 1}, "", "", t0); !errors.Is(err, ErrAmountTooLarge) {
		t.Fatalf("CreditIn above the bound = %v, want ErrAmountTooLarge", err)
	}
	if _, err := w.CreditIn("big", KindRecharge, Money{Currency(5), 1}, "", "", t0); !errors.Is(err, ErrBadAmount) {
		t.Fatalf("CreditIn in an unknown currency = %v, want ErrBadAmount", err)
	}
}

func TestWallet_CheckCatchesAUSDTBalanceOffItsLedger(t *testing.T) {
	w := usdtFunded(t)
	w.USDT -= 1
	if err := w.Check(); err == nil || !strings.Contains(err.Error(), "USDT balance") {
		t.Fatalf("Check = %v, want the USDT balance named", err)
	}
	w = usdtFunded(t)
	w.Balance, w.USDT = w.Balance+Nano(w.USDT), 0 // the right number in the wrong currency
	if err := w.Check(); err == nil {
		t.Fatal("Check passed a wallet whose USDT moved into its TON balance")
	}
}

func TestWallet_CodecRoundTripsUSDT(t *testing.T) {
	w := usdtFunded(t)
	mustW(t, w)(wev(w.Credit("ton", KindRecharge, TON(3), "tx-t", "", t0)))
	mustW(t, w)(wev(w.DebitIn("buy", KindPurchase, USDT(20), testNum, 30, "rent", t0)))
	mustW(t, w)(wev(w.OpenRechargeIn("inv", USDT(5), "K7QM-3XHA", t0)))
	b, err := msgpack.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	var got Wallet
	if err := msgpack.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.side, w.side = nil, nil; !reflect.DeepEqual(&got, w) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, *w)
	}
	if err := got.Check(); err != nil {
		t.Fatal(err)
	}
}

// A wallet written before currencies: the keys the v1 reflective encoder
// wrote, and no "bu" or "cu". It must read as TON, and a TON-only wallet
// must still be written as exactly those bytes.
func TestWallet_V1StateDecodesAsTON(t *testing.T) {
	v1 := map[string]any{"u": int64(alice), "b": int64(TON(7)), "sq": 3, "e": []map[string]any{
		{"op": "tx:a:1:h", "k": 1, "a": int64(TON(7)), "s": 3, "c": t0, "rf": "a:1:h"}}}
	b, err := msgpack.Marshal(v1)
	if err != nil {
		t.Fatal(err)
	}
	var w Wallet
	if err := msgpack.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	if w.Balance != TON(7) || w.USDT != 0 || w.Entries[0].Currency != CurrencyTON || w.Check() != nil {
		t.Fatalf("v1 wallet decoded as %+v", w)
	}
	again, err := msgpack.Marshal(&w)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(again, []byte("\xa2cu")) || bytes.Contains(again, []byte("\xa2bu")) {
		t.Errorf("a TON-only wallet is written with a currency: %x", again)
	}
}

func TestWallet_UnknownCurrencyIsRefusedNotGuessed(t *testing.T) {
	for name, v := range map[string]any{
		"entry":    map[string]any{"u": 1, "b": 0, "sq": 1, "e": []map[string]any{{"op": "x", "k": 1, "a": 5, "cu": 9, "s": 3, "c": t0}}},
		"credited": map[string]any{"op": "x", "k": 1, "a": 5, "cu": 9, "at": t0},
	} {
		b, err := msgpack.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var into any = &Wallet{}
		if name == "credited" {
			into = &WalletCredited{}
		}
		if err := msgpack.Unmarshal(b, into); err == nil {
			t.Errorf("%s in currency 9 decoded as %+v", name, into)
		}
	}
	var d WalletDebited
	b, _ := msgpack.Marshal(map[string]any{"op": "x", "k": 2, "a": 5, "cu": 9, "s": 2, "at": t0})
	if err := msgpack.Unmarshal(b, &d); err == nil {
		t.Errorf("a debit in currency 9 decoded as %+v", d)
	}
}

// Records written by version 1 (no currency, header version 1) replay as TON.
func TestDecodeRecord_V1WalletEventsAreTON(t *testing.T) {
	cases := []struct {
		ev   Event
		body map[string]any
	}{
		{&WalletCredited{}, map[string]any{"op": "x", "k": 1, "a": 5, "at": t0}},
		{&WalletDebited{}, map[string]any{"op": "x", "k": 2, "a": 5, "s": 2, "at": t0}},
		{&EntryOpened{}, map[string]any{"op": "x", "a": 5, "at": t0}},
	}
	for _, tc := range cases {
		typ := tc.ev.EventType()
		rec, err := DecodeRecord(raw(t, 1, uint64(kindOf(typ)), "1001", uint64(typ), tc.body))
		if err != nil {
			t.Fatalf("v1 %T: %v", tc.ev, err)
		}
		if c := reflect.ValueOf(rec.Event).Elem().FieldByName("Currency").Interface(); c != CurrencyTON {
			t.Errorf("v1 %T decoded in %v", tc.ev, c)
		}
	}
}
