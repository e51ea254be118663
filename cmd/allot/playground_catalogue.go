package main

import (
	"context"
	"fmt"
	"slices"

	"allot/actors"
	"allot/domain"
)

// sampleNumbers are put in an empty playground catalogue, so that there is
// something to rent.
var sampleNumbers = []string{"+888 0000 0001", "+888 0000 0007", "+888 0000 0042", "+888 0000 0777",
	"+888 0123 4567", "+888 0888 8888"}

// The sample prices: 30 days for 1 TON, and for 25 USDT so that paying in
// USDT is on offer out of the box.
const samplePriceDays = 30

var (
	samplePriceTON  = domain.TONMoney(domain.TON(1))
	samplePriceUSDT = domain.USDT(25)
)

// seedCatalogue puts sampleNumbers in an empty catalogue, the sample TON
// price in a price list without any price, and the sample USDT price in
// one without a USDT price: enough for a customer to rent in either. USDT
// is checked on its own so that a playground from before USDT gains it at
// its next start; the cost is that an admin who removes every USDT price
// gets the sample back at the next start (a playground, not a shop).
func seedCatalogue(ctx context.Context, eng *actors.Engine) error {
	if len(eng.Catalogue(ctx, 0, 1).Numbers) == 0 {
		for _, n := range sampleNumbers {
			if _, err := eng.AddNumber(ctx, 0, n); err != nil {
				return fmt.Errorf("playground: sample number %s: %w", n, err)
			}
		}
	}
	if len(eng.Periods()) == 0 {
		if err := eng.SetDefaultPriceIn(ctx, 0, samplePriceDays, samplePriceTON); err != nil {
			return fmt.Errorf("playground: sample price %s: %w", samplePriceTON, err)
		}
	}
	if !pricedIn(eng.Policy().Prices, domain.CurrencyUSDT) {
		if err := eng.SetDefaultPriceIn(ctx, 0, samplePriceDays, samplePriceUSDT); err != nil {
			return fmt.Errorf("playground: sample price %s: %w", samplePriceUSDT, err)
		}
	}
	return nil
}

// pricedIn reports whether a price list prices any period in c.
func pricedIn(list domain.PriceList, c domain.Currency) bool {
	return slices.ContainsFunc(list, func(p domain.Price) bool { return p.Currency == c })
}
