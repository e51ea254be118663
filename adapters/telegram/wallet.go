package telegram

import (
	"allot/actors"
	"allot/domain"
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/mymmrac/telego"
)

// The wallet: balances in each currency, the ledger page by page, top-ups
// by invoice, and cancelling an open invoice.

// walletEngine is what the wallet asks of the engine.
type walletEngine interface {
	Wallet(ctx context.Context, user domain.UserID) (*domain.Wallet, error)
	OpenTopUpInvoiceIn(ctx context.Context, op domain.OpID, user domain.UserID, amount domain.Money) (domain.Invoice, error)
	CancelInvoice(ctx context.Context, user domain.UserID, code string) (domain.Invoice, error)
}

var _ walletEngine = (*actors.Engine)(nil)

func (s *session) wallet(msgID, page int) {
	ctx, cancel := s.ctx()
	defer cancel()
	w, err := s.bot.eng.Wallet(ctx, s.user)
	if err != nil {
		s.fail(msgID, err)
		return
	}
	size := s.bot.cfg.PageSize
	pages := max(1, (len(w.Entries)+size-1)/size)
	page = min(page, pages-1)
	var lines []string
	for i := len(w.Entries) - 1 - page*size; i >= 0 && i > len(w.Entries)-1-(page+1)*size; i-- {
		e := w.Entries[i]
		sign := "+"
		if e.Debit {
			sign = "−"
		}
		lines = append(lines, s.t("wallet_line", "date", day(e.Created), "sign", sign, "amount", e.Money().String(),
			"kind", s.t("kind_"+e.Kind.String()), "status", s.t("entry_"+e.Status.String())))
	}
	list := s.t("wallet_empty")
	if len(lines) > 0 {
		list = strings.Join(lines, "\n")
	}
	rows := s.topUpRows()
	rows = append(rows, s.pager("wal", page, pages), s.row(s.btn("btn_menu", "menu")))
	s.show(msgID, s.t("wallet", "balance", s.balances(w), "lines", raw(list)), s.kb(rows...))
}

// topUpRows are the wallet's top-up buttons: a row per currency that can
// be paid on chain, one button per amount offered in it.
func (s *session) topUpRows() [][]telego.InlineKeyboardButton {
	var rows [][]telego.InlineKeyboardButton
	nonce := newNonce(s.bot.now())
	for _, c := range domain.Currencies() {
		if !s.bot.canInvoice(c) {
			continue
		}
		var top []telego.InlineKeyboardButton
		for _, a := range s.bot.topUps(c) {
			top = append(top, s.btnText(s.t("btn_topup", "amount", domain.Money{Currency: c, Units: a * c.Unit()}.String()),
				topUpAction(c), strconv.FormatInt(a, 10), nonce))
		}
		rows = append(rows, top)
	}
	return rows
}

// topUpAction is the button of a top-up in c: "top" for TON, as before
// currencies, "tpu" for USDT.
func topUpAction(c domain.Currency) string {
	if c == domain.CurrencyUSDT {
		return "tpu"
	}
	return "top"
}

// topUps are the whole amounts of c a top-up button offers.
func (b *Bot) topUps(c domain.Currency) []int64 {
	if c == domain.CurrencyUSDT {
		return b.cfg.TopUpsUSDT
	}
	return b.cfg.TopUps
}

func (s *session) topUp(msgID int, amount int64, cur domain.Currency, nonce string) {
	if !s.bot.canInvoice(cur) || !slices.Contains(s.bot.topUps(cur), amount) {
		s.orStale(ErrStaleButton, nil)
		return
	}
	if !s.allowed(ActPayment) {
		return
	}
	ctx, cancel := s.ctx()
	defer cancel()
	inv, err := s.bot.eng.OpenTopUpInvoiceIn(ctx, s.op(nonce), s.user, domain.Money{Currency: cur, Units: amount * cur.Unit()})
	if err != nil {
		s.fail(msgID, err)
		return
	}
	s.invoice(msgID, inv)
}

func (s *session) cancelInvoice(msgID int, code string) {
	ctx, cancel := s.ctx()
	defer cancel()
	inv, err := s.bot.eng.CancelInvoice(ctx, s.user, code)
	if err != nil {
		s.fail(msgID, err)
		return
	}
	s.send(s.t("invoice_cancelled", "code", inv.Code), s.menuKeyboard())
}
