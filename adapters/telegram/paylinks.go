package telegram

import (
	"errors"
	"fmt"

	"github.com/mymmrac/telego"

	"allot/adapters/telegram/outbox"
	"allot/domain"
)

// PayLinks is how the bot asks to be paid on chain: the link that fills in
// a wallet app's transfer form for an invoice, what a person copies by hand
// when no link works, and the QR code of the link. adapters/ton implements
// it (ton.PayLinks); cmd/allot and the playground pass it in Config. The
// bot calls it from a person's session, so it must be quick and safe for
// concurrent use; it only computes, and an error (an amount or currency it
// cannot link) is told to the person as a fault and logged.
type PayLinks interface {
	// Accepts reports whether an invoice in cur can be paid on chain at
	// all: the bot offers no invoice in a currency it does not accept.
	Accepts(cur domain.Currency) bool
	// Link is an https link that opens a wallet app with inv's payment
	// filled in: recipient, exact amount in inv's currency, inv's code as
	// the comment. It is clickable in every Telegram client.
	Link(inv domain.Invoice) (string, error)
	// Address is the receiving address as a person copies it.
	Address() string
	// Jetton names the token contract a payment in cur goes through, for
	// the person to check in their wallet app; "" when there is none (TON).
	Jetton(cur domain.Currency) string
	// QR draws link as a PNG a phone's camera can open.
	QR(link string) ([]byte, error)
}

// errChainOff is an invoice shown while nothing is paid on chain.
var errChainOff = errors.New("telegram: no pay links: nothing is paid on chain")

// invoice shows an invoice with everything needed to pay it: the https
// link (clickable in every client), the address, amount and comment to
// copy, and a QR code of the link. Opening an invoice is idempotent, so a
// button pressed again finds the invoice it opened, maybe closed since: a
// closed one is never shown as payable.
func (s *session) invoice(msgID int, inv domain.Invoice) {
	if inv.Status != domain.InvoiceOpen {
		s.fail(msgID, fmt.Errorf("%w: %s is %s", domain.ErrInvoiceClosed, inv.Code, inv.Status))
		return
	}
	pl := s.bot.cfg.PayLinks
	if pl == nil { // never offered so: the pay screen and the wallet ask canInvoice first
		s.fail(msgID, errChainOff)
		return
	}
	link, err := pl.Link(inv)
	if err != nil {
		s.fail(msgID, err)
		return
	}
	text := s.t("invoice", "code", inv.Code, "amount", inv.Money().String(), "address", pl.Address(),
		"expires", when(inv.Expires), "held", raw(s.invoiceHeld(inv, pl)))
	kb := s.kb(
		[]telego.InlineKeyboardButton{{Text: s.t("btn_open_wallet"), URL: link}},
		s.row(s.btn("btn_cancel_invoice", "icx", inv.Code)),
		s.row(s.btn("btn_menu", "menu")))
	out := outbox.Message{Text: text, Keyboard: kb}
	if png, err := pl.QR(link); err == nil {
		out.Photo, out.PhotoName = png, "pay.png"
	}
	s.showOut(msgID, out)
}

// invoiceHeld is what an invoice's screen says beyond paying it: that the
// number is held for a rent, that old top-ups are cancelled past the cap,
// and for a jetton which token, on which network.
func (s *session) invoiceHeld(inv domain.Invoice, pl PayLinks) string {
	held := ""
	switch inv.Purpose {
	case domain.PurposeRent:
		held = s.t("invoice_held")
	case domain.PurposeTopUp: // the engine cancels the oldest beyond the cap: say so before it happens
		held = s.t("invoice_topup_cap", "max", domain.MaxOpenTopUps)
	}
	if inv.Currency == domain.CurrencyUSDT { // the same address takes TON too: say which token, on which network
		held = s.t("invoice_usdt", "jetton", pl.Jetton(inv.Currency)) + held
	}
	return held
}
