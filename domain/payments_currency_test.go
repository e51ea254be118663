package domain

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

const codeU = "M4PQ-7RTB" // alice's USDT top-up

// usdtRegister holds alice's TON rent invoice (codeA) and her 25 USDT
// top-up (codeU), both opened at t0 for 30 minutes.
func usdtRegister(t testing.TB) *Payments {
	t.Helper()
	p := register(t)
	inv := Invoice{Op: "top-u", Code: codeU, User: alice, Amount: Nano(USDT(25).Units), Currency: CurrencyUSDT, Purpose: PurposeTopUp}
	mustP(t, p)(pev(p.Open(inv, 30*time.Minute, t0)))
	return p
}

func usdtPay(lt uint64, units int64, comment string) Payment {
	p := pay(lt, Nano(units), comment)
	p.Currency = CurrencyUSDT
	return p
}

func TestPayments_ReceiveMatchesCodeAndCurrency(t *testing.T) {
	cases := []struct {
		name     string
		pay      Payment
		wOutcome Outcome
		wReason  string
		wUser    UserID
	}{
		{"usdt pays its usdt invoice", usdtPay(1, USDT(25).Units, codeU), OutcomePaid, "", alice},
		{"usdt to a ton invoice is credited in usdt", usdtPay(2, int64(TON(10)), codeA), OutcomeCredited, "wrong_currency", alice},
		{"ton to a usdt invoice is credited in ton", pay(3, Nano(USDT(25).Units), codeU), OutcomeCredited, "wrong_currency", alice},
		{"usdt without a code is an orphan", usdtPay(4, USDT(1).Units, "hi"), OutcomeOrphan, "", 0},
		{"usdt dust without a code is ignored", usdtPay(5, 9_999, "hi"), OutcomeIgnored, "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := usdtRegister(t)
			ev, err := p.Receive(tc.pay, t0.Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if ev.Outcome != tc.wOutcome || ev.Reason != tc.wReason || ev.User != tc.wUser {
				t.Fatalf("got %+v, want outcome %d reason %q user %d", ev, tc.wOutcome, tc.wReason, tc.wUser)
			}
			if ev.Money() != (Money{Currency: tc.pay.Currency, Units: int64(tc.pay.Amount)}) {
				t.Fatalf("payment of %s recorded as %s: converted", tc.pay.Currency, ev.Money())
			}
			p.Apply(ev, p.Seq+1)
			if tc.wReason == "wrong_currency" && p.Invoices[ev.Code].Status != InvoiceOpen {
				t.Fatalf("a payment in the wrong currency closed invoice %s", ev.Code)
			}
			if tc.wOutcome == OutcomeOrphan && p.Orphans[0].Currency != tc.pay.Currency {
				t.Fatalf("orphan kept as %s", p.Orphans[0].Currency)
			}
		})
	}
}

func TestPayments_AssignKeepsTheOrphansCurrency(t *testing.T) {
	p := usdtRegister(t)
	mustP(t, p)(pev(p.Receive(usdtPay(9, USDT(3).Units, "no code"), t0)))
	ev, err := p.Assign(p.Orphans[0].Tx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Currency != CurrencyUSDT || ev.Amount != Nano(USDT(3).Units) {
		t.Fatalf("assigned %+v", ev)
	}
}

// Prices carry a currency now: a rent or renewal invoice may be in USDT,
// and a USDT payment naming it pays it, in USDT.
func TestPayments_OpenARentInvoiceInUSDT(t *testing.T) {
	for _, purpose := range []PurposeKind{PurposeRent, PurposeRenew} {
		inv := aliceInvoice()
		inv.Purpose, inv.Currency, inv.Amount = purpose, CurrencyUSDT, Nano(USDT(10).Units)
		p := NewPayments()
		e, err := p.Open(inv, time.Minute, t0)
		if err != nil {
			t.Fatalf("purpose %d in USDT: %v", purpose, err)
		}
		if e.Invoice.Money() != USDT(10) || e.Invoice.Purpose != purpose {
			t.Fatalf("opened %+v", e.Invoice)
		}
		mustP(t, p)(pev(e, nil))
		ev, err := p.Receive(usdtPay(1, USDT(10).Units, codeA), t0.Add(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if ev.Outcome != OutcomePaid || ev.Money() != USDT(10) || ev.Op != inv.Op {
			t.Errorf("purpose %d: a USDT payment of the USDT invoice gave %+v", purpose, ev)
		}
		// the same units in TON do not pay it: nothing is converted
		ev, err = p.Receive(pay(2, Nano(USDT(10).Units), codeA), t0.Add(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if ev.Outcome == OutcomePaid || ev.Money() != (Money{Currency: CurrencyTON, Units: USDT(10).Units}) {
			t.Errorf("purpose %d: a TON payment of the USDT invoice gave %+v", purpose, ev)
		}
	}
	inv := aliceInvoice()
	inv.Currency = Currency(9)
	if _, err := NewPayments().Open(inv, time.Minute, t0); !errors.Is(err, ErrBadAmount) {
		t.Errorf("unknown currency: %v", err)
	}
}

func TestPayments_CodecRoundTripsUSDT(t *testing.T) {
	p := usdtRegister(t)
	mustP(t, p)(pev(p.Receive(usdtPay(1, USDT(25).Units, codeU), t0)))
	mustP(t, p)(pev(p.Receive(usdtPay(2, USDT(2).Units, "none"), t0)))
	b, err := msgpack.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var got Payments
	if err := msgpack.Unmarshal(b, &got); err != nil || !reflect.DeepEqual(&got, p) {
		t.Fatalf("register round trip: %v\n got %+v\nwant %+v", err, got, *p)
	}
	if got.Invoices[codeU].Currency != CurrencyUSDT || got.Invoices[codeA].Currency != CurrencyTON {
		t.Fatalf("invoices decoded as %+v", got.Invoices)
	}
	inv := *p.Invoices[codeU]
	for _, e := range []Event{&InvoiceOpened{Invoice: inv},
		&PaymentReceived{Tx: "a:1:h", Amount: 25_000_000, Currency: CurrencyUSDT, At: t0, Outcome: OutcomePaid, Code: codeU, User: alice},
		&OrphanAssigned{Tx: "a:2:h", User: alice, Amount: 2_000_000, Currency: CurrencyUSDT}} {
		rec := Record{Kind: KindPayments, ID: "0", Event: e}
		b, err := EncodeRecord(rec)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeRecord(b)
		if err != nil || !reflect.DeepEqual(back, rec) {
			t.Fatalf("%T: %v\n got %+v\nwant %+v", e, err, back.Event, e)
		}
	}
}

// Records and states written before currencies have no "cu": they read as
// TON, and TON ones are still written without it, byte for byte as before.
func TestPayments_V1RecordsDecodeAsTON(t *testing.T) {
	v1 := map[string]any{
		"received": map[string]any{"tx": "a:1:h", "a": int64(TON(10)), "at": t0, "o": 1, "c": codeA, "u": int64(alice)},
		"invoice":  map[string]any{"op": "inv-a", "c": codeA, "u": int64(alice), "a": int64(TON(10)), "p": 2, "cr": t0, "x": t0, "s": 1},
		"payment":  map[string]any{"tx": map[string]any{"a": "EQ", "l": 1, "h": "00"}, "a": int64(TON(1)), "at": t0},
	}
	var (
		rec  PaymentReceived
		inv  Invoice
		pmt  Payment
		into = map[string]any{"received": &rec, "invoice": &inv, "payment": &pmt}
	)
	for name, v := range v1 {
		b, err := msgpack.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := msgpack.Unmarshal(b, into[name]); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		again, err := msgpack.Marshal(into[name])
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(again, []byte("\xa2cu")) {
			t.Errorf("%s: a TON record is written with a currency: %x", name, again)
		}
	}
	if rec.Currency != CurrencyTON || inv.Currency != CurrencyTON || pmt.Currency != CurrencyTON {
		t.Fatalf("v1 decoded with currencies %s, %s, %s", rec.Currency, inv.Currency, pmt.Currency)
	}
	if rec.Amount != TON(10) || inv.Amount != TON(10) || pmt.Amount != TON(1) {
		t.Fatalf("v1 amounts: %+v %+v %+v", rec, inv, pmt)
	}
}
