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
	Address    string      // the wallet, user-friendly and non-bounceable (UQ…)
	AmountTON  string      // the exact amount as a decimal number of TON, e.g. "1.5"
	AmountNano domain.Nano // the same in nanotons
	Comment    string      // what the transfer's comment must say: the invoice code
	HTTPS      string      // https://app.tonkeeper.com/transfer/…: clickable in every Telegram client
	TonURI     string      // ton://transfer/…: opens any installed wallet
}

// NewPayLink makes the links for paying amount to wallet with comment. The
// amount is in nanotons, so the link asks for exactly what the invoice says.
func NewPayLink(wallet *address.Address, testnet bool, amount domain.Nano, comment string) (PayLink, error) {
	if wallet == nil {
		return PayLink{}, fmt.Errorf("%w: no wallet", ErrBadLink)
	}
	if err := amount.Validate(); err != nil {
		return PayLink{}, fmt.Errorf("%w: %w", ErrBadLink, err)
	}
	addr := Friendly(wallet, testnet)
	query := "?amount=" + strconv.FormatInt(int64(amount), 10)
	if comment != "" {
		query += "&text=" + escape(comment)
	}
	return PayLink{
		Address:    addr,
		AmountTON:  amount.Decimal(),
		AmountNano: amount,
		Comment:    comment,
		HTTPS:      "https://app.tonkeeper.com/transfer/" + addr + query,
		TonURI:     "ton://transfer/" + addr + query,
	}, nil
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
