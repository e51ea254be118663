package telegram

import (
	"allot/actors"
	"allot/domain"
	"context"
	"strconv"
	"strings"

	"github.com/mymmrac/telego"
)

// The catalogue and renting: the numbers on offer, a number's card with its
// prices, and the pay screen that rents it (or renews one's own rental)
// from the balance or by an invoice paid on chain.

// rentEngine is what the catalogue and the pay screen ask of the engine.
type rentEngine interface {
	Catalogue(ctx context.Context, page, size int) actors.CataloguePage
	Number(ctx context.Context, raw string) (*domain.Number, error)
	Periods() []int
	PricesOf(v actors.NumberView, days int) []domain.Money
	Wallet(ctx context.Context, user domain.UserID) (*domain.Wallet, error)
	RentFromBalanceIn(ctx context.Context, op domain.OpID, user domain.UserID, raw string, days int, cur domain.Currency) (actors.Receipt, error)
	RenewFromBalanceIn(ctx context.Context, op domain.OpID, user domain.UserID, raw string, days int, cur domain.Currency) (actors.Receipt, error)
	OpenRentInvoiceIn(ctx context.Context, op domain.OpID, user domain.UserID, raw string, days int, cur domain.Currency) (domain.Invoice, error)
	OpenRenewInvoiceIn(ctx context.Context, op domain.OpID, user domain.UserID, raw string, days int, cur domain.Currency) (domain.Invoice, error)
}

var _ rentEngine = (*actors.Engine)(nil)

func (s *session) catalogue(msgID, page int) {
	ctx, cancel := s.ctx()
	defer cancel()
	p := s.bot.eng.Catalogue(ctx, page, s.bot.cfg.PageSize)
	if len(p.Numbers) == 0 {
		s.show(msgID, s.t("catalogue_empty"), s.kb(s.row(s.btn("btn_menu", "menu"))))
		return
	}
	// One row a number, each a slice of one array: a page was a dozen
	// allocations of buttons and rows before.
	rows := make([][]telego.InlineKeyboardButton, 0, len(p.Numbers)+2)
	buttons := make([]telego.InlineKeyboardButton, len(p.Numbers))
	for i, v := range p.Numbers {
		label := v.ID + " · " + s.t("status_"+v.Status.String())
		buttons[i] = s.btnText(label, "num", v.ID, strconv.Itoa(p.Page))
		rows = append(rows, buttons[i:i+1:i+1])
	}
	rows = append(rows, s.pager("cat", p.Page, p.Pages), s.row(s.btn("btn_menu", "menu")))
	s.show(msgID, s.t("catalogue", "page", p.Page+1, "pages", p.Pages), s.kb(rows...))
}

func (s *session) number(msgID int, id string, page int) {
	n, ok := s.numberOr(msgID, id)
	if !ok {
		return
	}
	var prices []string
	var rows [][]telego.InlineKeyboardButton
	for _, p := range s.periods(n) {
		prices = append(prices, s.t("price_line", "days", p.days, "price", p.text))
		if n.Status() == domain.StatusAvailable {
			rows = append(rows, s.row(s.btnText(s.t("btn_rent_days", "days", p.days, "price", p.text),
				"per", n.ID, strconv.Itoa(p.days))))
		}
	}
	text := s.t("number_card", "number", n.ID, "status", s.t("status_"+n.Status().String()),
		"prices", raw(strings.Join(prices, "\n")))
	if n.Rental != nil && n.Rental.Renter == s.user {
		text += "\n\n" + s.t("number_until", "until", when(n.Rental.Until))
	}
	rows = append(rows, s.row(s.btn("btn_back", "cat", strconv.Itoa(page))))
	s.show(msgID, text, s.kb(rows...))
}

// choosePay shows the price in each currency it is set in, the plain
// warning that the number returns to the operator at expiry, and the ways
// to pay: from the balance in each priced currency, and by an invoice in
// each that can be paid on chain. action is "pay" for a rent, "rnp" for a
// renewal.
func (s *session) choosePay(msgID int, id string, days int, action string) {
	ctx, cancel := s.ctx()
	defer cancel()
	n, ok := s.numberOr(msgID, id)
	if !ok {
		return
	}
	prices := s.bot.eng.PricesOf(actors.NumberView{ID: n.ID, Prices: n.Prices}, days)
	if len(prices) == 0 {
		s.fail(msgID, domain.ErrBadPeriod)
		return
	}
	w, err := s.bot.eng.Wallet(ctx, s.user)
	if err != nil {
		s.fail(msgID, err)
		return
	}
	nonce := newNonce(s.bot.now())
	var rows [][]telego.InlineKeyboardButton
	for _, p := range prices {
		rows = append(rows, s.row(s.btnText(s.t("btn_pay_balance", "balance", w.BalanceIn(p.Currency).String()),
			action, n.ID, strconv.Itoa(days), balanceMethod(p.Currency).code, nonce)))
	}
	for _, p := range prices {
		if s.bot.canInvoice(p.Currency) {
			rows = append(rows, s.row(s.btnText(s.t("btn_pay_chain", "currency", p.Currency.String()),
				action, n.ID, strconv.Itoa(days), invoiceMethod(p.Currency).code, nonce)))
		}
	}
	back := s.btn("btn_back", "num", n.ID, "0")
	if action == "rnp" {
		back = s.btn("btn_back", "mine", n.ID)
	}
	rows = append(rows, s.row(back))
	ends := s.t("pay_ends_plain") // a promise only where it is kept: the relay ends sessions through Fragment
	if s.bot.cfg.Codes != nil {
		ends = s.t("pay_ends_sessions")
	}
	s.show(msgID, s.t("choose_pay", "number", n.ID, "days", days, "price", pricesText(prices), "ends", raw(ends)),
		s.kb(rows...))
}

func (s *session) pay(msgID int, renew bool, id string, days int, code, nonce string) {
	if !s.allowed(ActPayment) {
		return
	}
	method, ok := methodOf(code)
	if !ok {
		s.orStale(ErrStaleButton, nil)
		return
	}
	if method.invoice {
		s.payByInvoice(msgID, renew, id, days, method, nonce)
		return
	}
	ctx, cancel := s.ctx()
	defer cancel()
	// Paying from the balance is one operation per screen, whatever the
	// currency: pressing TON and then USDT buys once.
	op := s.op(nonce)
	var rc actors.Receipt
	var err error
	key := "rented"
	if renew {
		rc, err = s.bot.eng.RenewFromBalanceIn(ctx, op, s.user, id, days, method.cur)
		key = "renewed"
	} else {
		rc, err = s.bot.eng.RentFromBalanceIn(ctx, op, s.user, id, days, method.cur)
	}
	if err != nil {
		s.fail(msgID, err)
		return
	}
	text := s.t(key, "number", rc.Number, "until", when(rc.Until))
	if rc.Repeat { // pressed again, or delivered again after a crash: its number may have moved on since
		text = s.t("purchase_repeat", "number", rc.Number, "days", rc.Days)
	}
	s.show(msgID, text, s.kb(s.row(s.btn("btn_my", "my")), s.row(s.btn("btn_menu", "menu"))))
}

// payByInvoice opens an invoice for the rent or renewal in method's
// currency. Its operation is the screen's nonce and the method: a rent
// paid from the balance must not answer for it, or an invoice paid on
// chain afterwards would be told "the number is yours" when its money went
// to the balance; and an invoice in one currency is not the other's.
func (s *session) payByInvoice(msgID int, renew bool, id string, days int, method payMethod, nonce string) {
	if !s.bot.canInvoice(method.cur) {
		s.show(msgID, s.t("chain_off", "currency", method.cur.String()), s.kb(s.row(s.btn("btn_menu", "menu"))))
		return
	}
	ctx, cancel := s.ctx()
	defer cancel()
	op := s.op(nonce + method.code)
	var inv domain.Invoice
	var err error
	if renew {
		inv, err = s.bot.eng.OpenRenewInvoiceIn(ctx, op, s.user, id, days, method.cur)
	} else {
		inv, err = s.bot.eng.OpenRentInvoiceIn(ctx, op, s.user, id, days, method.cur)
	}
	if err != nil {
		s.fail(msgID, err)
		return
	}
	s.invoice(msgID, inv)
}

// period is one rental period on a number's card with its prices.
type period struct {
	days int
	text string // "10 TON · 25 USDT"
}

// periods are the periods n can be rented or renewed for, with their
// prices in every currency they are set in.
func (s *session) periods(n *domain.Number) []period {
	view := actors.NumberView{ID: n.ID, Prices: n.Prices}
	var out []period
	for _, days := range s.bot.eng.Periods() {
		if ms := s.bot.eng.PricesOf(view, days); len(ms) > 0 {
			out = append(out, period{days: days, text: pricesText(ms)})
		}
	}
	return out
}

// numberOr reads a number, or tells the person why not and reports false.
func (s *session) numberOr(msgID int, id string) (*domain.Number, bool) {
	ctx, cancel := s.ctx()
	defer cancel()
	n, err := s.bot.eng.Number(ctx, id)
	if err != nil {
		s.fail(msgID, err)
		return nil, false
	}
	return n, true
}
