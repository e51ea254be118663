package domain

import (
	"cmp"
	"fmt"
	"slices"
)

// Price is what one rental period costs in one currency. A period may be
// priced in several currencies at once (10 TON or 25 USDT for 30 days):
// each is its own Price, and the renter chooses which to pay. Nothing
// converts one into the other.
type Price struct {
	Days     int      `msgpack:"d"`
	Amount   Nano     `msgpack:"a"`            // in Currency's smallest unit
	Currency Currency `msgpack:"cu,omitempty"` // absent in lists from before currencies: TON
}

// Money is the price as an amount in its currency.
func (p Price) Money() Money { return Money{Currency: p.Currency, Units: int64(p.Amount)} }

// PriceList is a set of periods and their prices, sorted by Days and then
// Currency. A slice, not a map, so that snapshots encode deterministically
// and cost less memory.
type PriceList []Price

func comparePrice(e Price, days int, c Currency) int {
	return cmp.Or(cmp.Compare(e.Days, days), cmp.Compare(e.Currency, c))
}

// Lookup returns the price for days in currency c, if the list has one.
func (p PriceList) Lookup(days int, c Currency) (Nano, bool) {
	i, ok := slices.BinarySearchFunc(p, days, func(e Price, d int) int { return comparePrice(e, d, c) })
	if !ok {
		return 0, false
	}
	return p[i].Amount, true
}

// With returns a copy with the price for days in currency c set; amount 0
// removes it. Copy-on-write: a list already handed to readers is never
// modified.
func (p PriceList) With(days int, c Currency, amount Nano) PriceList {
	out := make(PriceList, 0, len(p)+1)
	for _, e := range p {
		if e.Days != days || e.Currency != c {
			out = append(out, e)
		}
	}
	if amount > 0 {
		out = append(out, Price{Days: days, Amount: amount, Currency: c})
	}
	slices.SortFunc(out, func(a, b Price) int { return comparePrice(a, b.Days, b.Currency) })
	return out
}

// Periods returns the distinct periods the list prices, shortest first.
func (p PriceList) Periods() []int {
	var out []int
	for _, e := range p {
		if len(out) == 0 || out[len(out)-1] != e.Days {
			out = append(out, e.Days)
		}
	}
	return out
}

// ValidatePrice checks one period and price before it is set: 1 to
// MaxAdminDays days, a known currency and at most the admin bound in that
// currency (0 removes the period's price in that currency).
func ValidatePrice(days int, m Money) error {
	if err := CheckAdminDays(days, false); err != nil {
		return err
	}
	if !m.Currency.Known() {
		return fmt.Errorf("%w: %s", ErrBadAmount, m.Currency)
	}
	if m.Units == 0 {
		return nil // removes the price
	}
	return CheckAdminMoney(m)
}

// DefaultPrices is the price list a fresh installation starts with: TON
// only, as before currencies; an operator adds USDT prices with /price.
func DefaultPrices() PriceList {
	return PriceList{{Days: 30, Amount: TON(10)}, {Days: 60, Amount: TON(18)}, {Days: 90, Amount: TON(25)}}
}

// Quote is the price of renting or renewing number n for days in currency
// c: the number's own override for that period and currency when it has
// one, else the default list's. A period priced only in the other currency
// is ErrBadPeriod in this one, naming the currency.
func Quote(n *Number, defaults PriceList, days int, c Currency) (Money, error) {
	if p, ok := n.Prices.Lookup(days, c); ok {
		return Money{Currency: c, Units: int64(p)}, nil
	}
	if p, ok := defaults.Lookup(days, c); ok {
		return Money{Currency: c, Units: int64(p)}, nil
	}
	return Money{}, fmt.Errorf("%w: %d days in %s", ErrBadPeriod, days, c)
}

// PricesOf lists what renting n for days costs, one Money per currency it
// is priced in (the number's own prices over the defaults), TON first.
func PricesOf(n *Number, defaults PriceList, days int) []Money {
	var out []Money
	for _, c := range Currencies() {
		if m, err := Quote(n, defaults, days, c); err == nil {
			out = append(out, m)
		}
	}
	return out
}
