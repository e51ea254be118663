package ton

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/skip2/go-qrcode"
	"github.com/xssnick/tonutils-go/address"

	"allot/domain"
)

// PayLink is everything a person needs to pay one invoice: links that fill
// in a wallet's transfer form, and the address, amount and comment to copy
// by hand when no link works.
type PayLink struct {
	Address    string      // our wallet, user-friendly and non-bounceable (UQ…): the recipient in every currency
	AmountTON  string      // the exact amount as a decimal number of TON, e.g. "1.5"; "" for a USDT link
	AmountNano domain.Nano // the same in nanotons; 0 for a USDT link
	// Amount is the exact amount in its currency; AmountText is it as
	// people read it ("25 USDT", "1.5 TON").
	Amount     domain.Money
	AmountText string
	// Jetton is the jetton master the link names (EQ…), "" for TON: which
	// token the wallet sends, and the one a person should check.
	Jetton  string
	Comment string // what the transfer's comment must say: the invoice code
	HTTPS   string // https://app.tonkeeper.com/transfer/…: clickable in every Telegram client
	TonURI  string // ton://transfer/…: opens any installed wallet
}

// NewPayLink makes the links for paying amount to wallet with comment. The
// amount is in nanotons, so the link asks for exactly what the invoice says.
// It is NewPayLinkIn for TON, kept for the callers from before currencies.
func NewPayLink(wallet *address.Address, testnet bool, amount domain.Nano, comment string) (PayLink, error) {
	return NewPayLinkIn(wallet, testnet, domain.TONMoney(amount), comment, nil)
}

// NewPayLinkIn makes the links for paying m to wallet with comment, in m's
// currency. A TON link is as NewPayLink's (jettonMaster is not used, so a
// caller may pass the USDT master for every invoice). A USDT link needs
// jettonMaster, the USDT master contract: without it there is no USDT link
// (ErrBadLink), never a TON link for a USDT amount.
//
// A jetton link names our wallet, not our jetton wallet: the payer's
// wallet app finds its own jetton wallet for the master and sends a
// jetton transfer whose destination is our wallet; our jetton wallet then
// notifies our wallet with the comment. Sending TON, or a transfer naming
// our jetton wallet as the destination, would not pay the invoice.
//
// The format was checked, in November 2026, against Tonkeeper's own
// deep-linking document (github.com/tonkeeper/tonconsole-docs,
// content/tonkeeper/deep-linking.mdx, "Transfer Jetton": transfer/
// {ADDRESS}?jetton={JETTON_ADDRESS}&amount={AMOUNT}&text={TEXT}, jetton
// the master's address) and its longer revision ("Deep Linking into
// Tonkeeper — Complete Guide": amount is in the token's smallest units;
// the same path and query for ton://, tonkeeper:// and https://app.
// tonkeeper.com/; unknown or repeated parameters, and init with jetton,
// are rejected, so a link carries jetton, amount and text only). Tonhub's
// transfer-link page (docs.tonhub.com/docs/transfer-link) lists the same
// jetton parameter. Both show the master in its bounceable form
// (EQCxE6mU…), as it is written here. Not verified: a real wallet opening
// these links (no wallet app runs here).
func NewPayLinkIn(wallet *address.Address, testnet bool, m domain.Money, comment string, jettonMaster *address.Address) (PayLink, error) {
	if wallet == nil {
		return PayLink{}, fmt.Errorf("%w: no wallet", ErrBadLink)
	}
	if err := m.Validate(); err != nil {
		return PayLink{}, fmt.Errorf("%w: %w", ErrBadLink, err)
	}
	l := PayLink{Address: Friendly(wallet, testnet), Amount: m, AmountText: m.String(), Comment: comment}
	switch m.Currency {
	case domain.CurrencyTON:
		l.AmountNano = domain.Nano(m.Units)
		l.AmountTON = l.AmountNano.Decimal()
	case domain.CurrencyUSDT:
		master, err := jettonName(jettonMaster, testnet)
		if err != nil {
			return PayLink{}, err
		}
		l.Jetton = master
	default:
		return PayLink{}, fmt.Errorf("%w: no pay link for %s", ErrBadLink, m.Currency)
	}
	q := linkQuery(l.Jetton, m.Units, comment)
	l.HTTPS = "https://app.tonkeeper.com/transfer/" + l.Address + q
	l.TonURI = "ton://transfer/" + l.Address + q
	return l, nil
}

// jettonName is the jetton master as a link names it: user-friendly and
// bounceable (EQ…, a contract's usual form), with the testnet flag on
// testnet.
func jettonName(master *address.Address, testnet bool) (string, error) {
	if master == nil {
		return "", fmt.Errorf("%w: no jetton master for a USDT link", ErrBadLink)
	}
	if master.Type() != address.StdAddress {
		return "", fmt.Errorf("%w: jetton master %s is not a contract address", ErrBadLink, master)
	}
	return master.Bounce(true).Testnet(testnet).String(), nil
}

// linkQuery writes the query: the jetton master when there is one, the
// amount in the currency's smallest units, and the comment when there is
// one. Nothing else: Tonkeeper refuses a link with a parameter it does not
// know. The order is fixed so that the same invoice always has the same
// link (and QR code).
func linkQuery(jetton string, units int64, comment string) string {
	var b strings.Builder
	b.WriteString("?")
	if jetton != "" {
		b.WriteString("jetton=" + escape(jetton) + "&")
	}
	b.WriteString("amount=" + strconv.FormatInt(units, 10))
	if comment != "" {
		b.WriteString("&text=" + escape(comment))
	}
	return b.String()
}

// escape percent-encodes a query value with spaces as %20, not "+": wallets
// that do not decode form encoding would otherwise put a literal "+" in the
// comment and the invoice code would not match.
func escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// QR code sizes QRPNG accepts: smaller is unreadable, larger is a memory
// bill for nothing.
const (
	MinQRSize = 64
	MaxQRSize = 2048
)

// QRPNG draws link as a px×px PNG QR code, with medium error correction so
// a photo of a screen still scans.
func QRPNG(link string, px int) ([]byte, error) {
	if link == "" {
		return nil, fmt.Errorf("%w: nothing to draw", ErrBadLink)
	}
	if px < MinQRSize || px > MaxQRSize {
		return nil, fmt.Errorf("%w: QR size %d is outside %d..%d", ErrBadLink, px, MinQRSize, MaxQRSize)
	}
	png, err := qrcode.Encode(link, qrcode.Medium, px)
	if err != nil {
		return nil, fmt.Errorf("ton: draw QR code: %w", err)
	}
	return png, nil
}
