package domain

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// usdtUnits is n whole USDT as the Nano-typed amount a Price or an event
// carries (the field is named Nano but holds Currency's smallest unit).
func usdtUnits(n int64) Nano { return Nano(USDT(n).Units) }

// bothPolicy is the default policy with 30 days also priced at 25 USDT and
// 7 days priced only in USDT (3 USDT); 60 and 90 days stay TON only.
func bothPolicy() Policy {
	p := DefaultPolicy()
	p.Prices = p.Prices.With(30, CurrencyUSDT, usdtUnits(25)).With(7, CurrencyUSDT, usdtUnits(3))
	return p
}

func TestPriceList_BothCurrencies(t *testing.T) {
	base := DefaultPrices()
	list := base.With(30, CurrencyUSDT, usdtUnits(25)).With(7, CurrencyUSDT, usdtUnits(3))
	sameState(t, "original", base, DefaultPrices()) // copy-on-write
	want := PriceList{
		{Days: 7, Amount: usdtUnits(3), Currency: CurrencyUSDT},
		{Days: 30, Amount: TON(10)},
		{Days: 30, Amount: usdtUnits(25), Currency: CurrencyUSDT},
		{Days: 60, Amount: TON(18)},
		{Days: 90, Amount: TON(25)},
	}
	sameState(t, "list sorted by days then currency", list, want)
	// the same prices set in another order give the same list
	other := PriceList(nil).With(90, CurrencyTON, TON(25)).With(30, CurrencyUSDT, usdtUnits(25)).
		With(60, CurrencyTON, TON(18)).With(7, CurrencyUSDT, usdtUnits(3)).With(30, CurrencyTON, TON(10))
	sameState(t, "list built in another order", other, want)

	for _, tc := range []struct {
		days int
		c    Currency
		wA   Nano
		wOK  bool
	}{
		{30, CurrencyTON, TON(10), true},
		{30, CurrencyUSDT, usdtUnits(25), true},
		{7, CurrencyUSDT, usdtUnits(3), true},
		{7, CurrencyTON, 0, false},
		{60, CurrencyTON, TON(18), true},
		{60, CurrencyUSDT, 0, false},
		{90, CurrencyUSDT, 0, false},
		{30, Currency(9), 0, false},
		{45, CurrencyUSDT, 0, false},
	} {
		if a, ok := list.Lookup(tc.days, tc.c); a != tc.wA || ok != tc.wOK {
			t.Errorf("Lookup(%d, %s) = %v, %v; want %v, %v", tc.days, tc.c, a, ok, tc.wA, tc.wOK)
		}
	}

	t.Run("setting again replaces, never duplicates", func(t *testing.T) {
		got := list.With(30, CurrencyUSDT, usdtUnits(20))
		if len(got) != len(list) {
			t.Fatalf("%d prices, want %d: %+v", len(got), len(list), got)
		}
		if a, ok := got.Lookup(30, CurrencyUSDT); !ok || a != usdtUnits(20) {
			t.Errorf("Lookup(30, USDT) = %v, %v", a, ok)
		}
		if a, ok := got.Lookup(30, CurrencyTON); !ok || a != TON(10) {
			t.Errorf("Lookup(30, TON) = %v, %v after changing the USDT price", a, ok)
		}
	})
	t.Run("removing USDT keeps TON", func(t *testing.T) {
		got := list.With(30, CurrencyUSDT, 0)
		sameState(t, "list", got, PriceList{want[0], want[1], want[3], want[4]})
		if _, ok := got.Lookup(30, CurrencyUSDT); ok {
			t.Error("the removed USDT price is still there")
		}
		sameState(t, "list removed from", list, want)
	})
	t.Run("removing TON keeps USDT", func(t *testing.T) {
		got := list.With(30, CurrencyTON, 0)
		sameState(t, "list", got, PriceList{want[0], want[2], want[3], want[4]})
		if a, ok := got.Lookup(30, CurrencyUSDT); !ok || a != usdtUnits(25) {
			t.Errorf("Lookup(30, USDT) = %v, %v after removing the TON price", a, ok)
		}
	})
	t.Run("removing a price in a currency the period has not", func(t *testing.T) {
		sameState(t, "list", list.With(60, CurrencyUSDT, 0), want)
	})
	t.Run("periods", func(t *testing.T) {
		sameState(t, "periods", list.Periods(), []int{7, 30, 60, 90})
		sameState(t, "periods", list.With(30, CurrencyTON, 0).Periods(), []int{7, 30, 60, 90})
		sameState(t, "periods", list.With(30, CurrencyTON, 0).With(30, CurrencyUSDT, 0).Periods(), []int{7, 60, 90})
		sameState(t, "default periods", DefaultPrices().Periods(), []int{30, 60, 90})
		if p := PriceList(nil).Periods(); len(p) != 0 {
			t.Errorf("empty list has periods %v", p)
		}
	})
	t.Run("Price.Money", func(t *testing.T) {
		if m := want[2].Money(); m != USDT(25) {
			t.Errorf("Money() = %v, want 25 USDT", m)
		}
		if m := want[1].Money(); m != TONMoney(TON(10)) {
			t.Errorf("Money() = %v, want 10 TON", m)
		}
	})
}

func TestQuote_PerCurrency(t *testing.T) {
	defaults := bothPolicy().Prices
	t.Run("a USDT override leaves TON to the default", func(t *testing.T) {
		n := freeNumber(t)
		must(t, n)(ev(n.SetPrice(30, USDT(20))))
		sameState(t, "prices", n.Prices, PriceList{{Days: 30, Amount: usdtUnits(20), Currency: CurrencyUSDT}})
		quoteIs(t, n, defaults, 30, CurrencyUSDT, USDT(20), nil)
		quoteIs(t, n, defaults, 30, CurrencyTON, TONMoney(TON(10)), nil)
		sameState(t, "PricesOf(30)", PricesOf(n, defaults, 30), []Money{TONMoney(TON(10)), USDT(20)})
	})
	t.Run("a TON override leaves USDT to the default", func(t *testing.T) {
		n := freeNumber(t)
		must(t, n)(ev(n.SetPrice(30, TONMoney(TON(7)))))
		quoteIs(t, n, defaults, 30, CurrencyTON, TONMoney(TON(7)), nil)
		quoteIs(t, n, defaults, 30, CurrencyUSDT, USDT(25), nil)
		sameState(t, "PricesOf(30)", PricesOf(n, defaults, 30), []Money{TONMoney(TON(7)), USDT(25)})
	})
	t.Run("a period priced only in TON", func(t *testing.T) {
		n := freeNumber(t)
		quoteIs(t, n, defaults, 60, CurrencyTON, TONMoney(TON(18)), nil)
		_, err := Quote(n, defaults, 60, CurrencyUSDT)
		wantErr(t, err, ErrBadPeriod)
		if !strings.Contains(err.Error(), "USDT") {
			t.Errorf("error %q does not name the currency", err)
		}
		sameState(t, "PricesOf(60)", PricesOf(n, defaults, 60), []Money{TONMoney(TON(18))})
	})
	t.Run("a period priced only in USDT", func(t *testing.T) {
		n := freeNumber(t)
		quoteIs(t, n, defaults, 7, CurrencyUSDT, USDT(3), nil)
		quoteIs(t, n, defaults, 7, CurrencyTON, Money{}, ErrBadPeriod)
		sameState(t, "PricesOf(7)", PricesOf(n, defaults, 7), []Money{USDT(3)})
	})
	t.Run("a number's own USDT-only period", func(t *testing.T) {
		n := freeNumber(t)
		must(t, n)(ev(n.SetPrice(5, USDT(1))))
		quoteIs(t, n, defaults, 5, CurrencyUSDT, USDT(1), nil)
		quoteIs(t, n, defaults, 5, CurrencyTON, Money{}, ErrBadPeriod)
	})
	t.Run("removing the USDT override falls back to the default USDT price", func(t *testing.T) {
		n := freeNumber(t)
		must(t, n)(ev(n.SetPrice(30, USDT(20))))
		must(t, n)(ev(n.SetPrice(30, TONMoney(TON(7)))))
		must(t, n)(ev(n.SetPrice(30, Money{Currency: CurrencyUSDT})))
		sameState(t, "prices", n.Prices, PriceList{{Days: 30, Amount: TON(7)}})
		quoteIs(t, n, defaults, 30, CurrencyUSDT, USDT(25), nil)
		quoteIs(t, n, defaults, 30, CurrencyTON, TONMoney(TON(7)), nil)
	})
	t.Run("an unknown currency", func(t *testing.T) {
		n := freeNumber(t)
		if _, err := Quote(n, defaults, 30, Currency(9)); err == nil {
			t.Error("quoted a price in an unknown currency")
		}
	})
	t.Run("nothing at all", func(t *testing.T) {
		if got := PricesOf(freeNumber(t), defaults, 45); len(got) != 0 {
			t.Errorf("PricesOf(45) = %v", got)
		}
	})
}

func quoteIs(t *testing.T, n *Number, defaults PriceList, days int, c Currency, want Money, wErr error) {
	t.Helper()
	got, err := Quote(n, defaults, days, c)
	if wErr != nil {
		if !errors.Is(err, wErr) {
			t.Errorf("Quote(%d, %s) error = %v, want %v", days, c, err, wErr)
		}
		return
	}
	if err != nil || got != want {
		t.Errorf("Quote(%d, %s) = %v, %v; want %v", days, c, got, err, want)
	}
}

func TestNumber_RentInUSDTRenewInTON(t *testing.T) {
	p := bothPolicy()
	n := freeNumber(t)
	e, err := n.Rent("r1", alice, 30, USDT(25), p, t0)
	if err != nil {
		t.Fatal(err)
	}
	wantEvent(t, e, &NumberRented{Op: "r1", User: alice, Days: 30, Price: usdtUnits(25), Currency: CurrencyUSDT,
		Since: t0, Until: t0.Add(30 * day), Reminded: 0})
	if m := e.Money(); m != USDT(25) {
		t.Errorf("NumberRented.Money() = %v", m)
	}
	applyN(t, n, e)
	paidIs(t, n, 0, usdtUnits(25))
	soldIs(t, n, 0, usdtUnits(25))

	r, err := n.Renew("r2", alice, 30, TONMoney(TON(10)), p, t0.Add(day))
	if err != nil {
		t.Fatal(err)
	}
	if r.Currency != CurrencyTON || r.Price != TON(10) || r.Money() != TONMoney(TON(10)) {
		t.Errorf("renewal %+v", r)
	}
	applyN(t, n, r)
	paidIs(t, n, TON(10), usdtUnits(25))
	soldIs(t, n, TON(10), usdtUnits(25))
	if n.Rental.Days != 60 || !n.Rental.Until.Equal(t0.Add(60*day)) {
		t.Errorf("rental %+v, want 60 days to %v", n.Rental, t0.Add(60*day))
	}

	must(t, n)(ev(n.Renew("r3", alice, 30, USDT(25), p, t0.Add(2*day))))
	paidIs(t, n, TON(10), usdtUnits(50))
	soldIs(t, n, TON(10), usdtUnits(50))

	// what a number sold outlives the rental; the next renter's pays anew
	end := n.Rental.Until
	applyN(t, n, &RentalExpired{At: end})
	must(t, n)(ev(n.Reclaim(end)))
	applyN(t, n, n.SetCodes(CodesOff, end))
	must(t, n)(ev(n.SessionsEnded(n.Handover.Since, false, end)))
	must(t, n)(ev(n.AccountFound(n.Account.Since, AccountVerdict{Outcome: AccountDeleted}, end)))
	must(t, n)(ev(n.Rent("r4", bob, 30, TONMoney(TON(10)), p, end.Add(day))))
	paidIs(t, n, TON(10), 0)
	soldIs(t, n, TON(20), usdtUnits(50))
}

func paidIs(t *testing.T, n *Number, ton, usdt Nano) {
	t.Helper()
	if n.Rental == nil {
		t.Fatal("no rental")
	}
	if g := n.Rental.PaidIn(CurrencyTON); g != ton || n.Rental.Paid != ton {
		t.Errorf("paid in TON %v (Paid %v), want %v", g, n.Rental.Paid, ton)
	}
	if g := n.Rental.PaidIn(CurrencyUSDT); g != usdt || n.Rental.PaidUSDT != usdt {
		t.Errorf("paid in USDT %v (PaidUSDT %v), want %v", g, n.Rental.PaidUSDT, usdt)
	}
}

func soldIs(t *testing.T, n *Number, ton, usdt Nano) {
	t.Helper()
	if g := n.SoldIn(CurrencyTON); g != ton || n.Sold != ton {
		t.Errorf("sold in TON %v (Sold %v), want %v", g, n.Sold, ton)
	}
	if g := n.SoldIn(CurrencyUSDT); g != usdt || n.SoldUSDT != usdt {
		t.Errorf("sold in USDT %v (SoldUSDT %v), want %v", g, n.SoldUSDT, usdt)
	}
}

func TestNumber_RentRenewQuoteInItsCurrency(t *testing.T) {
	p := bothPolicy()
	rent := func(days int, price Money) func(n *Number) (NumberEvent, error) {
		return func(n *Number) (NumberEvent, error) { return ev(n.Rent("buy", alice, days, price, p, t0)) }
	}
	renew := func(days int, price Money) func(n *Number) (NumberEvent, error) {
		return func(n *Number) (NumberEvent, error) { return ev(n.Renew("more", alice, days, price, p, t0.Add(day))) }
	}
	free := func(t testing.TB) *Number { return freeNumber(t) }
	overridden := func(t testing.TB) *Number {
		n := freeNumber(t)
		must(t, n)(ev(n.SetPrice(30, USDT(20))))
		return n
	}
	rentedUSDT := func(t testing.TB) *Number {
		n := freeNumber(t)
		must(t, n)(ev(n.Rent("rent", alice, 30, USDT(25), p, t0)))
		return n
	}
	runNumberCases(t, []numberCase{
		{name: "rent at the USDT quote", setup: free, decide: rent(30, USDT(25))},
		{name: "rent at an old USDT price", setup: free, decide: rent(30, USDT(24)), wErr: ErrPriceChanged},
		{name: "rent at the default USDT price over the number's own", setup: overridden, decide: rent(30, USDT(25)),
			wErr: ErrPriceChanged},
		{name: "rent at the number's own USDT price", setup: overridden, decide: rent(30, USDT(20))},
		{name: "rent at the TON quote still", setup: overridden, decide: rent(30, TONMoney(TON(10)))},
		{name: "the TON amount labelled USDT", setup: free, decide: rent(30, Money{Currency: CurrencyUSDT, Units: int64(TON(10))}),
			wErr: ErrPriceChanged},
		{name: "the USDT amount labelled TON", setup: free, decide: rent(30, Money{Currency: CurrencyTON, Units: USDT(25).Units}),
			wErr: ErrPriceChanged},
		{name: "rent in USDT a period priced only in TON", setup: free, decide: rent(60, USDT(18)), wErr: ErrBadPeriod},
		{name: "rent in TON a period priced only in USDT", setup: free, decide: rent(7, TONMoney(TON(3))), wErr: ErrBadPeriod},
		{name: "rent in an unknown currency", setup: free, decide: rent(30, Money{Currency: Currency(9), Units: USDT(25).Units}),
			wErr: errAny},
		{name: "renew at the USDT quote", setup: rentedUSDT, decide: renew(30, USDT(25))},
		{name: "renew at an old USDT price", setup: rentedUSDT, decide: renew(30, USDT(26)), wErr: ErrPriceChanged},
		{name: "renew in USDT a period priced only in TON", setup: rentedUSDT, decide: renew(60, USDT(18)), wErr: ErrBadPeriod},
		{name: "renew in TON what was rented in USDT", setup: rentedUSDT, decide: renew(60, TONMoney(TON(18)))},
	})
}

func TestNumber_ReserveInUSDT(t *testing.T) {
	p := bothPolicy()
	n := freeNumber(t)
	e, err := n.Reserve("hold", alice, 30, CurrencyUSDT, p, t0)
	if err != nil {
		t.Fatal(err)
	}
	wantEvent(t, e, &NumberReserved{Op: "hold", User: alice, Days: 30, Price: usdtUnits(25), Currency: CurrencyUSDT,
		Until: t0.Add(p.HoldTTL)})
	if e.Money() != USDT(25) {
		t.Errorf("NumberReserved.Money() = %v", e.Money())
	}
	applyN(t, n, e)
	if n.Hold == nil || n.Hold.Currency != CurrencyUSDT || n.Hold.Price != usdtUnits(25) || n.Hold.Money() != USDT(25) {
		t.Fatalf("hold %+v", n.Hold)
	}
	// the admin changes both prices: the reservation keeps what it quoted
	must(t, n)(ev(n.SetPrice(30, USDT(40))))
	must(t, n)(ev(n.SetPrice(30, TONMoney(TON(40)))))
	r, err := n.Rent("hold", alice, 30, USDT(40), p, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if r.Currency != CurrencyUSDT || r.Price != usdtUnits(25) {
		t.Errorf("rented through a USDT hold at %v %s, want 25 USDT", r.Price, r.Currency)
	}
	applyN(t, n, r)
	paidIs(t, n, 0, usdtUnits(25))
	soldIs(t, n, 0, usdtUnits(25))

	t.Run("refused", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			days int
			c    Currency
			wErr error
		}{
			{"period priced only in TON", 60, CurrencyUSDT, ErrBadPeriod},
			{"period priced only in USDT", 7, CurrencyTON, ErrBadPeriod},
			{"unknown currency", 30, Currency(9), errAny},
		} {
			t.Run(tc.name, func(t *testing.T) {
				n := freeNumber(t)
				before := cloneNumber(n)
				e, err := n.Reserve("h", alice, tc.days, tc.c, p, t0)
				wantErr(t, err, tc.wErr)
				if e != nil {
					t.Errorf("event %+v with a refusal", e)
				}
				sameState(t, "number", n, before)
			})
		}
	})
	t.Run("in TON the hold is TON", func(t *testing.T) {
		n := freeNumber(t)
		must(t, n)(ev(n.Reserve("h", alice, 30, CurrencyTON, p, t0)))
		if n.Hold.Currency != CurrencyTON || n.Hold.Money() != TONMoney(TON(10)) {
			t.Errorf("hold %+v", n.Hold)
		}
	})
}

func TestNumber_CancelRefundPerCurrency(t *testing.T) {
	p := bothPolicy()
	at := t0.Add(5 * day)
	// alice paid 25 USDT and then 10 TON for this rental
	mixed := func(t testing.TB) *Number {
		n := freeNumber(t)
		must(t, n)(ev(n.Rent("rent", alice, 30, USDT(25), p, t0)))
		must(t, n)(ev(n.Renew("r2", alice, 30, TONMoney(TON(10)), p, t0.Add(day))))
		return n
	}
	tonOnly := func(t testing.TB) *Number { return rentedNumber(t, alice) }
	cancel := func(refund Money) func(n *Number) (NumberEvent, error) {
		return func(n *Number) (NumberEvent, error) { return ev(n.Cancel("c1", refund, at)) }
	}
	refunded := func(want OwedRefund) func(t *testing.T, n *Number, e NumberEvent) {
		return func(t *testing.T, n *Number, e NumberEvent) {
			c := e.(*RentalCancelled)
			wantEvent(t, c, &RentalCancelled{Op: "c1", Renter: alice, Refund: want.Amount, Currency: want.Currency, At: at, Check: true})
			if c.RefundMoney() != want.Money() {
				t.Errorf("RefundMoney() = %v, want %v", c.RefundMoney(), want.Money())
			}
			if want.Amount == 0 {
				sameState(t, "refunds", n.Refunds, []OwedRefund(nil))
				return
			}
			sameState(t, "refunds", n.Refunds, []OwedRefund{want})
			if n.Refunds[0].Money() != want.Money() {
				t.Errorf("OwedRefund.Money() = %v", n.Refunds[0].Money())
			}
		}
	}
	usdtRefund := func(units int64) OwedRefund {
		return OwedRefund{Op: "c1", User: alice, Amount: Nano(units), Currency: CurrencyUSDT}
	}
	runNumberCases(t, []numberCase{
		{name: "all the USDT paid", setup: mixed, decide: cancel(USDT(25)), check: refunded(usdtRefund(USDT(25).Units))},
		{name: "part of the USDT paid", setup: mixed, decide: cancel(USDT(1)), check: refunded(usdtRefund(USDT(1).Units))},
		{name: "one unit more USDT than paid", setup: mixed, decide: cancel(Money{Currency: CurrencyUSDT, Units: USDT(25).Units + 1}),
			wErr: ErrBadAmount},
		{name: "the TON paid", setup: mixed, decide: cancel(TONMoney(TON(10))),
			check: refunded(OwedRefund{Op: "c1", User: alice, Amount: TON(10)})},
		{name: "more TON than paid in TON", setup: mixed, decide: cancel(TONMoney(TON(10) + 1)), wErr: ErrBadAmount},
		// both sums together (25 USDT + 10 TON in units) bound neither currency
		{name: "USDT up to what was paid in TON", setup: mixed, decide: cancel(Money{Currency: CurrencyUSDT, Units: int64(TON(10))}),
			wErr: ErrBadAmount},
		{name: "negative USDT", setup: mixed, decide: cancel(Money{Currency: CurrencyUSDT, Units: -1}), wErr: ErrBadAmount},
		{name: "zero USDT", setup: mixed, decide: cancel(Money{Currency: CurrencyUSDT}), check: refunded(usdtRefund(0))},
		{name: "an unknown currency", setup: mixed, decide: cancel(Money{Currency: Currency(9), Units: 1}), wErr: ErrBadAmount},
		{name: "nothing in an unknown currency", setup: mixed, decide: cancel(Money{Currency: Currency(9)}), wErr: ErrBadAmount},
		{name: "USDT from a rental paid in TON", setup: tonOnly, decide: cancel(Money{Currency: CurrencyUSDT, Units: 1}),
			wErr: ErrBadAmount},
		{name: "TON from a rental paid in USDT", setup: func(t testing.TB) *Number {
			n := freeNumber(t)
			must(t, n)(ev(n.Rent("rent", alice, 30, USDT(25), p, t0)))
			return n
		}, decide: cancel(TONMoney(1)), wErr: ErrBadAmount},
	})
}

// mixedNumber is a state with every currency-bearing field in USDT.
func mixedNumber() *Number {
	return &Number{
		ID: testNum, Added: t0,
		Prices: PriceList{{Days: 7, Amount: usdtUnits(3), Currency: CurrencyUSDT}, {Days: 30, Amount: TON(7)},
			{Days: 30, Amount: usdtUnits(20), Currency: CurrencyUSDT}},
		Hold: &Hold{Op: "h", User: bob, Days: 30, Price: usdtUnits(25), Currency: CurrencyUSDT, Until: t0.Add(time.Hour)},
		Rental: &Rental{Renter: alice, Since: t0, Until: t0.Add(60 * day), Paid: TON(10), PaidUSDT: usdtUnits(25),
			Reminded: 1, Days: 60},
		Ops: []OpID{"rent", "r2"}, OpsAt: []time.Time{t0, t0.Add(day)},
		Sold: TON(10), SoldUSDT: usdtUnits(50),
		Refunds: []OwedRefund{{Op: "c0", User: carol, Amount: TON(1)},
			{Op: "c1", User: carol, Amount: usdtUnits(5), Currency: CurrencyUSDT}},
		Seq: 12,
	}
}

func TestNumberCodec_Currencies(t *testing.T) {
	n := mixedNumber()
	b := marshalT(t, n)
	got := unmarshalT[Number](t, b)
	sameState(t, "decoded number", &got, n)
	if again := marshalT(t, &got); !bytes.Equal(again, b) {
		t.Error("re-encoding differs")
	}
	// reflection reads what the hand-written codec wrote, and the reverse
	sameState(t, "number read by reflection", Number(unmarshalT[plainNumber](t, b)), *n)
	back := unmarshalT[Number](t, marshalT(t, plainNumber(*n)))
	sameState(t, "reflective number read by hand", &back, n)

	// the keys are where the struct tags say
	m := decodeGeneric(t, b)
	if ho := m["ho"].(map[string]any); toInt(ho["cu"]) != int64(CurrencyUSDT) {
		t.Errorf("hold written as %v", ho)
	}
	if re := m["re"].(map[string]any); toInt(re["pu"]) != int64(usdtUnits(25)) || toInt(re["p"]) != int64(TON(10)) {
		t.Errorf("rental written as %v", re)
	}
	if toInt(m["su"]) != int64(usdtUnits(50)) || toInt(m["so"]) != int64(TON(10)) {
		t.Errorf("sold written as so=%v su=%v", m["so"], m["su"])
	}
	rf := m["rf"].([]any)
	if _, ok := rf[0].(map[string]any)["cu"]; ok {
		t.Errorf("a TON refund carries a currency: %v", rf[0])
	}
	if toInt(rf[1].(map[string]any)["cu"]) != int64(CurrencyUSDT) {
		t.Errorf("a USDT refund written as %v", rf[1])
	}
}

// TestNumberCodec_USDTOnlyRental: a rental paid only in USDT keeps Paid 0
// and PaidUSDT, and a hold in USDT its currency, through the codec.
func TestNumberCodec_USDTOnlyRental(t *testing.T) {
	n := freeNumber(t)
	p := bothPolicy()
	must(t, n)(ev(n.Rent("rent", alice, 30, USDT(25), p, t0)))
	must(t, n)(ev(n.Cancel("c1", USDT(5), t0.Add(day))))
	got := unmarshalT[Number](t, marshalT(t, n))
	sameState(t, "decoded", &got, n)
	if got.SoldIn(CurrencyUSDT) != usdtUnits(25) || got.SoldIn(CurrencyTON) != 0 ||
		len(got.Refunds) != 1 || got.Refunds[0].Money() != USDT(5) {
		t.Errorf("decoded %+v", got)
	}
}

// The encodings below were written by the build before currencies (commit
// a124d42) from the same values: a TON-only state or event must still be
// written byte for byte as then, so that snapshots and journals stay
// comparable and older builds read them.
const (
	goldenTONNumber  = "8aa26964ac2b3838383031323334353637a26164d6ff69a42a40a270729282a16407a161d300000000b2d05e0082a1641ea161d300000001a13b8600a2686f85a26f70a168a175cccaa1641ea170cf00000002540be400a174d6ff69a43850a2726586a17565a173d6ff69a42a40a174d6ff69cbb740a170cf00000002540be400a17201a1641ea26f7091a472656e74a26f6191d6ff69a42a40a2736fcf0000000684ee1800a272669183a26f70a26331a17565a161ce3b9aca00a2737109"
	goldenTONCatalog = "82a1709382a1641ea161d300000002540be40082a1643ca161d30000000430e2340082a1645aa161d300000005d21dba00a27371cf0000000000000003"
)

func tonOnlyNumber() *Number {
	return &Number{
		ID: testNum, Added: t0,
		Prices: PriceList{{Days: 7, Amount: TON(3)}, {Days: 30, Amount: TON(7)}},
		Hold:   &Hold{Op: "h", User: bob, Days: 30, Price: TON(10), Until: t0.Add(time.Hour)},
		Rental: &Rental{Renter: alice, Since: t0, Until: t0.Add(30 * day), Paid: TON(10), Reminded: 1, Days: 30},
		Ops:    []OpID{"rent"}, OpsAt: []time.Time{t0},
		Sold:    TON(28),
		Refunds: []OwedRefund{{Op: "c1", User: alice, Amount: TON(1)}},
		Seq:     9,
	}
}

func TestCodec_TONOnlyAsBeforeCurrencies(t *testing.T) {
	t.Run("number", func(t *testing.T) {
		b, err := msgpack.Marshal(tonOnlyNumber())
		if err != nil {
			t.Fatal(err)
		}
		if h := hex.EncodeToString(b); h != goldenTONNumber {
			t.Errorf("a TON-only number is written differently than before currencies:\n got  %s\n want %s", h, goldenTONNumber)
		}
		noCurrencyKeys(t, decodeGeneric(t, b), "number")
		var got Number
		if err := msgpack.Unmarshal(mustHex(t, goldenTONNumber), &got); err != nil {
			t.Fatal(err)
		}
		sameState(t, "number read from before currencies", &got, tonOnlyNumber())
	})
	t.Run("catalog", func(t *testing.T) {
		b, err := msgpack.Marshal(&Catalog{Prices: DefaultPrices(), Seq: 3})
		if err != nil {
			t.Fatal(err)
		}
		if h := hex.EncodeToString(b); h != goldenTONCatalog {
			t.Errorf("the default catalog is written differently than before currencies:\n got  %s\n want %s", h, goldenTONCatalog)
		}
	})
	at := t0
	for _, tc := range []struct {
		r      Record
		golden string
	}{
		{Record{Kind: KindNumber, ID: testNum, Event: &NumberPriceSet{Days: 30, Amount: TON(7)}},
			"950201ac2b38383830313233343536376582a1641ea161cf00000001a13b8600"},
		{Record{Kind: KindNumber, ID: testNum, Event: &NumberReserved{Op: "h", User: bob, Days: 30, Price: TON(10), Until: at}},
			"950201ac2b38383830313233343536376685a26f70a168a175cccaa1641ea170cf00000002540be400a174d6ff69a42a40"},
		{Record{Kind: KindNumber, ID: testNum, Event: &NumberRented{Op: "r", User: alice, Days: 30, Price: TON(10), Since: at,
			Until: at.Add(time.Hour), Reminded: 1}},
			"950201ac2b38383830313233343536376887a26f70a172a17565a1641ea170cf00000002540be400a173d6ff69a42a40a174d6ff69a43850a17201"},
		{Record{Kind: KindNumber, ID: testNum, Event: &NumberRenewed{Op: "n", Days: 30, Price: TON(10), Until: at.Add(time.Hour),
			Reminded: 1, At: at}},
			"950201ac2b38383830313233343536376986a26f70a16ea1641ea170cf00000002540be400a174d6ff69a43850a17201a26174d6ff69a42a40"},
		{Record{Kind: KindNumber, ID: testNum, Event: &RentalCancelled{Op: "c", Renter: alice, Refund: TON(1), At: at, Check: true}},
			"950201ac2b38383830313233343536377385a26f70a163a17565a27266ce3b9aca00a26174d6ff69a42a40a2636bc3"},
		{Record{Kind: KindCatalog, ID: "catalog", Event: &DefaultPriceSet{Days: 30, Amount: TON(12)}},
			"950206a7636174616c6f67cd025882a1641ea161cf00000002cb417800"},
	} {
		t.Run(reflect.TypeOf(tc.r.Event).Elem().Name(), func(t *testing.T) {
			b, err := EncodeRecord(tc.r)
			if err != nil {
				t.Fatal(err)
			}
			if h := hex.EncodeToString(b); h != tc.golden {
				t.Errorf("written differently than before currencies:\n got  %s\n want %s", h, tc.golden)
			}
			got, err := DecodeRecord(mustHex(t, tc.golden))
			if err != nil {
				t.Fatal(err)
			}
			sameState(t, "record read from before currencies", got, tc.r)
		})
	}
}

// TestCodec_USDTEventsRoundTrip: each event carrying a currency keeps USDT
// through the journal, under "cu".
func TestCodec_USDTEventsRoundTrip(t *testing.T) {
	for _, r := range []Record{
		{Kind: KindNumber, ID: testNum, Event: &NumberPriceSet{Days: 30, Amount: usdtUnits(7), Currency: CurrencyUSDT}},
		{Kind: KindNumber, ID: testNum, Event: &NumberReserved{Op: "h", User: bob, Days: 30, Price: usdtUnits(25),
			Currency: CurrencyUSDT, Until: t0}},
		{Kind: KindNumber, ID: testNum, Event: &NumberRented{Op: "r", User: alice, Days: 30, Price: usdtUnits(25),
			Currency: CurrencyUSDT, Since: t0, Until: t0.Add(time.Hour), Reminded: 1}},
		{Kind: KindNumber, ID: testNum, Event: &NumberRenewed{Op: "n", Days: 30, Price: usdtUnits(25), Currency: CurrencyUSDT,
			Until: t0.Add(time.Hour), At: t0}},
		{Kind: KindNumber, ID: testNum, Event: &RentalCancelled{Op: "c", Renter: alice, Refund: usdtUnits(1),
			Currency: CurrencyUSDT, At: t0}},
		{Kind: KindCatalog, ID: "catalog", Event: &DefaultPriceSet{Days: 30, Amount: usdtUnits(25), Currency: CurrencyUSDT}},
	} {
		t.Run(reflect.TypeOf(r.Event).Elem().Name(), func(t *testing.T) {
			sameState(t, "record", roundTrip(t, r), r)
			b, err := EncodeRecord(r)
			if err != nil {
				t.Fatal(err)
			}
			var parts []msgpack.RawMessage
			if err := msgpack.Unmarshal(b, &parts); err != nil || len(parts) != 5 {
				t.Fatalf("record %x: %v", b, err)
			}
			if body := decodeGeneric(t, parts[4]); toInt(body["cu"]) != int64(CurrencyUSDT) {
				t.Errorf("body %v has no USDT under cu", body)
			}
		})
	}
}

func TestDecode_UnknownCurrencyRefused(t *testing.T) {
	for _, cu := range []any{9, 255, 256, -1, "USDT"} {
		t.Run("events", func(t *testing.T) {
			for _, tc := range []struct {
				kind Kind
				typ  EventType
				body map[string]any
			}{
				{KindNumber, TypeNumberPriceSet, map[string]any{"d": 30, "a": 1, "cu": cu}},
				{KindNumber, TypeNumberReserved, map[string]any{"op": "h", "u": 1, "d": 30, "p": 1, "cu": cu, "t": t0}},
				{KindNumber, TypeNumberRented, map[string]any{"op": "r", "u": 1, "d": 30, "p": 1, "cu": cu, "s": t0, "t": t0}},
				{KindNumber, TypeNumberRenewed, map[string]any{"op": "n", "d": 30, "p": 1, "cu": cu, "t": t0}},
				{KindNumber, TypeRentalCancelled, map[string]any{"op": "c", "u": 1, "rf": 1, "cu": cu, "at": t0}},
				{KindCatalog, TypeDefaultPriceSet, map[string]any{"d": 30, "a": 1, "cu": cu}},
			} {
				b := raw(t, 1, uint64(tc.kind), "x", uint64(tc.typ), tc.body)
				var r Record
				var err error
				noPanic(t, "DecodeRecord", func() { r, err = DecodeRecord(b) })
				if !errors.Is(err, ErrBadRecord) {
					t.Errorf("type %d with currency %v: DecodeRecord = %+v, %v; want ErrBadRecord", tc.typ, cu, r.Event, err)
				}
			}
		})
		t.Run("state", func(t *testing.T) {
			for name, st := range map[string]map[string]any{
				"hold":   {"id": testNum, "ho": map[string]any{"op": "h", "u": 1, "d": 30, "p": 1, "cu": cu, "t": t0}},
				"refund": {"id": testNum, "rf": []any{map[string]any{"op": "c", "u": 1, "a": 1, "cu": cu}}},
				"prices": {"id": testNum, "pr": []any{map[string]any{"d": 30, "a": 1, "cu": cu}}},
			} {
				b, err := msgpack.Marshal(st)
				if err != nil {
					t.Fatal(err)
				}
				var n Number
				noPanic(t, "Unmarshal", func() { err = msgpack.Unmarshal(b, &n) })
				if err == nil {
					t.Errorf("%s with currency %v decoded as %+v", name, cu, n)
				}
			}
			b, err := msgpack.Marshal(map[string]any{"p": []any{map[string]any{"d": 30, "a": 1, "cu": cu}}, "sq": 1})
			if err != nil {
				t.Fatal(err)
			}
			var c Catalog
			if err := msgpack.Unmarshal(b, &c); err == nil {
				t.Errorf("catalog price with currency %v decoded as %+v", cu, c)
			}
		})
	}
	// the known ones, and an absent one, are read
	for _, cu := range []any{nil, 0, 1} {
		body := map[string]any{"op": "r", "u": 1, "d": 30, "p": 1, "s": t0, "t": t0}
		if cu != nil {
			body["cu"] = cu
		}
		r, err := DecodeRecord(raw(t, 1, uint64(KindNumber), "x", uint64(TypeNumberRented), body))
		if err != nil {
			t.Fatalf("currency %v: %v", cu, err)
		}
		want := CurrencyTON
		if cu == 1 {
			want = CurrencyUSDT
		}
		if c := r.Event.(*NumberRented).Currency; c != want {
			t.Errorf("currency %v read as %s", cu, c)
		}
	}
}

func TestCheckAdminMoney_Currencies(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Money
		wErr error
	}{
		{"smallest USDT", Money{Currency: CurrencyUSDT, Units: 1}, nil},
		{"a million USDT", USDT(1_000_000), nil},
		{"a unit over a million USDT", Money{Currency: CurrencyUSDT, Units: USDT(1_000_000).Units + 1}, ErrAmountTooLarge},
		// as many units as a million TON: fine in TON, far over in USDT
		{"the TON bound's units in USDT", Money{Currency: CurrencyUSDT, Units: int64(MaxAdminAmount)}, ErrAmountTooLarge},
		{"zero USDT", Money{Currency: CurrencyUSDT}, ErrBadAmount},
		{"negative USDT", Money{Currency: CurrencyUSDT, Units: -1}, ErrBadAmount},
		{"zero USDT names its bound", Money{Currency: CurrencyUSDT}, ErrOutOfRange},
		{"smallest TON", TONMoney(1), nil},
		{"a million TON", TONMoney(MaxAdminAmount), nil},
		{"a nanoton over a million TON", TONMoney(MaxAdminAmount + 1), ErrAmountTooLarge},
		{"an unknown currency", Money{Currency: Currency(9), Units: 1}, errAny},
	} {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, CheckAdminMoney(tc.m), tc.wErr) })
	}
	// the bound is in the amount's currency, and the error says which
	// (in What or beside the numbers: either way people read it)
	var re *RangeError
	if err := CheckAdminMoney(USDT(2_000_000)); !errors.As(err, &re) || !strings.HasPrefix(re.What, "amount") ||
		firstField(re.Min) != "0.000001" || firstField(re.Max) != "1000000" ||
		!strings.Contains(err.Error(), "USDT") || strings.Contains(err.Error(), "TON") {
		t.Errorf("USDT bound = %#v (%v)", re, err)
	}
	if err := CheckAdminMoney(TONMoney(0)); !errors.As(err, &re) || !strings.HasPrefix(re.What, "amount") ||
		firstField(re.Min) != "0.000000001" || firstField(re.Max) != "1000000" || strings.Contains(err.Error(), "USDT") {
		t.Errorf("TON bound = %#v (%v)", re, err)
	}
	for _, n := range []Nano{-1, 0, 1, MaxAdminAmount, MaxAdminAmount + 1} {
		a, m := CheckAdminAmount(n), CheckAdminMoney(TONMoney(n))
		if (a == nil) != (m == nil) || a != nil && a.Error() != m.Error() {
			t.Errorf("CheckAdminAmount(%d) = %v, CheckAdminMoney = %v", n, a, m)
		}
	}
}

func TestValidatePrice_Currencies(t *testing.T) {
	for _, tc := range []struct {
		name string
		days int
		m    Money
		wErr error
	}{
		{"USDT", 30, USDT(25), nil},
		{"smallest USDT", 30, Money{Currency: CurrencyUSDT, Units: 1}, nil},
		{"removal in USDT", 30, Money{Currency: CurrencyUSDT}, nil},
		{"USDT over its bound", 30, Money{Currency: CurrencyUSDT, Units: USDT(1_000_000).Units + 1}, ErrAmountTooLarge},
		{"negative USDT", 30, Money{Currency: CurrencyUSDT, Units: -1}, ErrBadAmount},
		{"bad period in USDT", 0, USDT(1), ErrBadPeriod},
		{"unknown currency", 30, Money{Currency: Currency(9), Units: 1}, ErrBadAmount},
		{"removal in an unknown currency", 30, Money{Currency: Currency(9)}, ErrBadAmount},
		{"the next currency", 30, Money{Currency: CurrencyUSDT + 1, Units: 1}, ErrBadAmount},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, ValidatePrice(tc.days, tc.m), tc.wErr)
			n := freeNumber(t)
			e, err := n.SetPrice(tc.days, tc.m)
			wantErr(t, err, tc.wErr)
			if err == nil && (e.Currency != tc.m.Currency || e.Amount != Nano(tc.m.Units) || e.Days != tc.days) {
				t.Errorf("SetPrice event %+v", e)
			}
			c := &Catalog{Prices: DefaultPrices()}
			d, err := c.SetDefault(tc.days, tc.m)
			wantErr(t, err, tc.wErr)
			if err == nil && (d.Currency != tc.m.Currency || d.Amount != Nano(tc.m.Units) || d.Days != tc.days) {
				t.Errorf("SetDefault event %+v", d)
			}
		})
	}
}

func TestCatalog_SetDefaultPerCurrency(t *testing.T) {
	c := &Catalog{Prices: DefaultPrices(), Seq: 1}
	e, err := c.SetDefault(30, USDT(25))
	if err != nil {
		t.Fatal(err)
	}
	wantEvent(t, e, &DefaultPriceSet{Days: 30, Amount: usdtUnits(25), Currency: CurrencyUSDT})
	c.Apply(e, 2)
	want := PriceList{{Days: 30, Amount: TON(10)}, {Days: 30, Amount: usdtUnits(25), Currency: CurrencyUSDT},
		{Days: 60, Amount: TON(18)}, {Days: 90, Amount: TON(25)}}
	sameState(t, "prices", c.Prices, want)
	e, err = c.SetDefault(30, TONMoney(0))
	if err != nil {
		t.Fatal(err)
	}
	c.Apply(e, 3)
	sameState(t, "prices after removing TON", c.Prices, PriceList{want[1], want[2], want[3]})
	// and through the catalog's codec
	got := unmarshalT[Catalog](t, marshalT(t, c))
	sameState(t, "decoded catalog", &got, c)
}

// marshalT encodes v with msgpack or fails the test.
func marshalT(t *testing.T, v any) []byte {
	t.Helper()
	b, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// unmarshalT decodes b into a new T or fails the test.
func unmarshalT[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := unmarshalReflect(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// firstField is s up to its first space: the number of "1000000 USDT".
func firstField(s string) string {
	f, _, _ := strings.Cut(s, " ")
	return f
}

func decodeGeneric(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := msgpack.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// noCurrencyKeys fails t if any map inside v has a key that only a
// currency other than TON writes.
func noCurrencyKeys(t testing.TB, v any, path string) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k == "cu" || k == "pu" || k == "su" {
				t.Errorf("%s has %q = %v in a TON-only state", path, k, e)
			}
			noCurrencyKeys(t, e, path+"."+k)
		}
	case []any:
		for _, e := range x {
			noCurrencyKeys(t, e, path+"[]")
		}
	}
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int64:
		return x
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		return int64(x)
	}
	return -1 << 63
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
