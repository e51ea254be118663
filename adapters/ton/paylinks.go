package ton

import (
	"fmt"

	"github.com/xssnick/tonutils-go/address"

	"allot/domain"
)

// PayLinks are the links and QR codes of invoices paid on chain to our
// wallet: what the bot offers a person to pay with (it is the bot's pay-link
// port, adapters/telegram.PayLinks, assigned in cmd/allot and the
// playground). TON is paid to Wallet; USDT to the same wallet through the
// USDTMaster jetton. A nil field switches off what needs it. The zero value
// takes no payment on chain. Its methods only compute, so it is safe for
// concurrent use.
type PayLinks struct {
	Wallet     *address.Address // our receiving wallet; nil: nothing is paid on chain
	Testnet    bool             // addresses are written for the testnet
	USDTMaster *address.Address // the USDT jetton master; nil: USDT is not paid on chain
}

// payQRSize is the side of a pay link's QR code in pixels: large enough for
// a phone's camera to read off another screen.
const payQRSize = 384

// Accepts reports whether an invoice in cur can be paid on chain: there is
// a wallet to pay to and, for USDT, a jetton master to name.
func (p PayLinks) Accepts(cur domain.Currency) bool {
	switch cur {
	case domain.CurrencyTON:
		return p.Wallet != nil
	case domain.CurrencyUSDT:
		return p.Wallet != nil && p.USDTMaster != nil
	}
	return false
}

// Link is the https link that fills in a wallet's transfer form for inv:
// its exact amount in its currency, to our wallet, with its code as the
// comment (NewPayLinkIn).
func (p PayLinks) Link(inv domain.Invoice) (string, error) {
	l, err := NewPayLinkIn(p.Wallet, p.Testnet, inv.Money(), inv.Code, p.USDTMaster)
	if err != nil {
		return "", fmt.Errorf("ton: pay link of invoice %s: %w", inv.Code, err)
	}
	return l.HTTPS, nil
}

// Address is our wallet as a person copies it when no link works: user
// friendly and non-bounceable, the recipient in every currency; "" without
// a wallet.
func (p PayLinks) Address() string {
	if p.Wallet == nil {
		return ""
	}
	return Friendly(p.Wallet, p.Testnet)
}

// Jetton names the jetton master a payment in cur goes through, the one a
// person should check in their wallet app; "" for TON, or when cur is not
// paid on chain.
func (p PayLinks) Jetton(cur domain.Currency) string {
	if cur != domain.CurrencyUSDT {
		return ""
	}
	name, err := jettonName(p.USDTMaster, p.Testnet)
	if err != nil {
		return ""
	}
	return name
}

// QR draws link as a PNG QR code (QRPNG) for a phone to scan.
func (p PayLinks) QR(link string) ([]byte, error) { return QRPNG(link, payQRSize) }
