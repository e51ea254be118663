package ton_test

import (
	"testing"
	"time"

	"github.com/xssnick/tonutils-go/address"

	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
	"allot/domain"
)

func TestPayLinks_Accepts(t *testing.T) {
	wallet, master := tontest.Address("pay-links-wallet"), address.MustParseAddr(ton.USDTMaster)
	for _, tc := range []struct {
		name      string
		p         ton.PayLinks
		ton, usdt bool
	}{
		{"nothing configured", ton.PayLinks{}, false, false},
		{"a wallet", ton.PayLinks{Wallet: wallet}, true, false},
		{"a wallet and the USDT master", ton.PayLinks{Wallet: wallet, USDTMaster: master}, true, true},
		{"a master without a wallet", ton.PayLinks{USDTMaster: master}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.Accepts(domain.CurrencyTON); got != tc.ton {
				t.Errorf("Accepts(TON) = %v, want %v", got, tc.ton)
			}
			if got := tc.p.Accepts(domain.CurrencyUSDT); got != tc.usdt {
				t.Errorf("Accepts(USDT) = %v, want %v", got, tc.usdt)
			}
		})
	}
}

// TestPayLinks_AsPayLink checks that the port gives the bot what
// NewPayLinkIn gives: the same link, address and jetton.
func TestPayLinks_AsPayLink(t *testing.T) {
	p := ton.PayLinks{Wallet: tontest.Address("pay-links-wallet"), Testnet: true, USDTMaster: address.MustParseAddr(ton.USDTMaster)}
	for _, m := range []domain.Money{domain.TONMoney(domain.TON(3) / 2), {Currency: domain.CurrencyUSDT, Units: 25 * domain.CurrencyUSDT.Unit()}} {
		t.Run(m.String(), func(t *testing.T) {
			inv := domain.Invoice{Code: "AB12CD", Amount: domain.Nano(m.Units), Currency: m.Currency, Expires: time.Now()}
			want, err := ton.NewPayLinkIn(p.Wallet, p.Testnet, inv.Money(), inv.Code, p.USDTMaster)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Link(inv)
			if err != nil || got != want.HTTPS {
				t.Errorf("Link = %q, %v; want %q", got, err, want.HTTPS)
			}
			if p.Address() != want.Address || p.Jetton(m.Currency) != want.Jetton {
				t.Errorf("Address, Jetton = %q, %q; want %q, %q", p.Address(), p.Jetton(m.Currency), want.Address, want.Jetton)
			}
			if png, err := p.QR(got); err != nil || len(png) == 0 {
				t.Errorf("QR: %d bytes, %v", len(png), err)
			}
		})
	}
}

func TestPayLinks_Refuses(t *testing.T) {
	inv := domain.Invoice{Code: "AB12CD", Amount: 5 * domain.Nano(domain.CurrencyUSDT.Unit()), Currency: domain.CurrencyUSDT}
	if _, err := (ton.PayLinks{Wallet: tontest.Address("w")}).Link(inv); err == nil {
		t.Error("a USDT link without the master was made")
	}
	if _, err := (ton.PayLinks{}).Link(domain.Invoice{Code: "X", Amount: domain.TON(1), Currency: domain.CurrencyTON}); err == nil {
		t.Error("a link without a wallet was made")
	}
	if (ton.PayLinks{}).Address() != "" || (ton.PayLinks{}).Jetton(domain.CurrencyUSDT) != "" {
		t.Error("the zero PayLinks names an address or a jetton")
	}
}
