package domain

import (
	"fmt"
	"slices"
)

// Price is what one rental period costs.
type Price struct {
	Days   int  `msgpack:"d"`
	Amount Nano `msgpack:"a"`
}

// PriceList is a set of periods and their prices, sorted by Days. A slice,
// not a map, so that snapshots encode deterministically and cost less memory.
type PriceList []Price

// Lookup returns the price for days, if the list has one.
func (p PriceList) Lookup(days int) (Nano, bool) {
	i, ok := slices.BinarySearchFunc(p, days, func(e Price, d int) int { return e.Days - d })
	if !ok {
		return 0, false
	}
	return p[i].Amount, true
}

// With returns a copy with the price for days set; amount 0 removes the period.
// Copy-on-write: a list already handed to readers is never modified.
func (p PriceList) With(days int, amount Nano) PriceList {
	out := make(PriceList, 0, len(p)+1)
	for _, e := range p {
		if e.Days != days {
			out = append(out, e)
		}
	}
	if amount > 0 {
		out = append(out, Price{Days: days, Amount: amount})
	}
	slices.SortFunc(out, func(a, b Price) int { return a.Days - b.Days })
	return out
}

// ValidatePrice checks one period and price before it is set: 1 to
// MaxAdminDays days and at most MaxAdminAmount (0 removes the period).
func ValidatePrice(days int, amount Nano) error {
	if err := CheckAdminDays(days, false); err != nil {
		return err
	}
	if amount == 0 {
		return nil // removes the period
	}
	return CheckAdminAmount(amount)
}

// DefaultPrices is the price list a fresh installation starts with.
func DefaultPrices() PriceList {
	return PriceList{{30, TON(10)}, {60, TON(18)}, {90, TON(25)}}
}

// Quote is the price of renting or renewing number n for days: the number's
// own override when it has one, else the default list.
func Quote(n *Number, defaults PriceList, days int) (Nano, error) {
	if p, ok := n.Prices.Lookup(days); ok {
		return p, nil
	}
	if p, ok := defaults.Lookup(days); ok {
		return p, nil
	}
	return 0, fmt.Errorf("%w: %d days", ErrBadPeriod, days)
}
