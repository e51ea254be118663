package telegram

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mymmrac/telego"

	"allot/actors"
	"allot/adapters/ton"
	"allot/domain"
)

// update handles one update of this session's person.
func (s *session) update(u telego.Update, from telego.User) {
	if s.lang == "" {
		s.start(from)
	}
	s.premium, s.from = from.IsPremium, from
	ok, tell := s.bot.lim.Allow(int64(s.user), from.IsPremium, ActMessage)
	if !ok {
		if u.CallbackQuery != nil {
			s.answer(u.CallbackQuery.ID, s.t("throttled"))
		} else if tell {
			s.send(s.t("throttled"), nil)
		}
		return
	}
	s.seen(from)
	switch {
	case u.CallbackQuery != nil:
		s.callback(u.CallbackQuery)
	case u.Message != nil:
		s.message(u.UpdateID, u.Message)
	}
}

// start picks the language: the one stored with the user (their choice),
// else Telegram's language_code.
func (s *session) start(from telego.User) {
	s.lang = langOf(from.LanguageCode)
	ctx, cancel := s.ctx()
	defer cancel()
	if u, err := s.bot.eng.FindUser(ctx, strconv.FormatInt(from.ID, 10)); err == nil && u.Lang != "" {
		s.lang = u.Lang
	}
}

// seen records the person's profile (cheap when nothing changed), so
// transfers can find them by @username.
func (s *session) seen(from telego.User) {
	ctx, cancel := s.ctx()
	defer cancel()
	name := strings.TrimSpace(from.FirstName + " " + from.LastName)
	if err := s.bot.eng.SeeUser(ctx, domain.User{ID: s.user, Username: from.Username, Name: name,
		Lang: s.lang, Premium: from.IsPremium}); err != nil {
		s.bot.log.Warn("recording a user failed", "user", s.user, "err", err)
	}
}

func (s *session) message(updateID int, m *telego.Message) {
	text := strings.TrimSpace(m.Text)
	cmd, rest, _ := strings.Cut(text, " ")
	cmd, _, _ = strings.Cut(cmd, "@") // /start@AllotBot in groups
	switch cmd {
	case "/start", "/menu":
		s.awaiting = ""
		s.menu(0)
		return
	case "/lang":
		s.switchLang(0)
		return
	case "/code":
		s.codeCommand(strings.TrimSpace(rest))
		return
	case "/fragment_cookies":
		s.fragmentCookies(m.Chat, m.MessageID, rest)
		return
	case "/cancel":
		s.awaiting = ""
		s.send(s.t("cancelled"), s.kb(s.row(s.btn("btn_menu", "menu"))))
		return
	}
	if strings.HasPrefix(cmd, "/") && s.adminCommand(updateID, cmd, strings.TrimSpace(rest)) {
		return
	}
	if s.distMessage(updateID, cmd, strings.TrimSpace(rest), text) || s.proxyMessage(text) {
		return
	}
	if s.awaiting == "transfer" && !strings.HasPrefix(text, "/") {
		s.transferTo(updateID, s.arg, text)
		return
	}
	s.send(s.t("unknown_command"), s.menuKeyboard())
}

func (s *session) callback(q *telego.CallbackQuery) {
	msgID := 0
	if q.Message != nil {
		msgID = q.Message.GetMessageID()
	}
	c, err := domain.DecodeCallback(q.Data)
	if err != nil {
		s.answer(q.ID, s.t("stale_button"))
		s.menu(0)
		return
	}
	if !s.mayPress(q.ID, c) {
		return
	}
	if s.distCallback(q.ID, msgID, c) {
		return
	}
	s.answer(q.ID, "")
	if s.proxyCallback(msgID, c) {
		return
	}
	switch c.Action {
	case "menu":
		s.awaiting = ""
		s.menu(msgID)
	case "cat":
		page, err := c.Int(0)
		s.orStale(err, func() { s.catalogue(msgID, page) })
	case "num":
		id, err1 := c.Number(0)
		page, err2 := c.Int(1)
		s.orStale(errors.Join(err1, err2), func() { s.number(msgID, id, page) })
	case "per":
		id, err1 := c.Number(0)
		days, err2 := c.Int(1)
		s.orStale(errors.Join(err1, err2), func() { s.choosePay(msgID, id, days, "pay") })
	case "pay", "rnp":
		id, err1 := c.Number(0)
		days, err2 := c.Int(1)
		s.orStale(errors.Join(err1, err2), func() { s.pay(msgID, c.Action == "rnp", id, days, c.Args[2], c.Args[3]) })
	case "my":
		s.mine(msgID)
	case "mine":
		id, err := c.Number(0)
		s.orStale(err, func() { s.rental(msgID, id) })
	case "rnw":
		id, err1 := c.Number(0)
		days, err2 := c.Int(1)
		s.orStale(errors.Join(err1, err2), func() {
			if days == 0 {
				s.chooseRenew(msgID, id)
			} else if _, mine := s.myRental(msgID, id); mine {
				s.choosePay(msgID, id, days, "rnp")
			}
		})
	case "trf":
		id, err := c.Number(0)
		s.orStale(err, func() {
			s.awaiting, s.arg = "transfer", id
			s.show(msgID, s.t("ask_transfer", "number", id), nil)
		})
	case "tcx", "acc", "dec":
		id, err := c.Number(0)
		s.orStale(err, func() { s.answerTransfer(msgID, c.Action, id) })
	case "hist":
		id, err := c.Number(0)
		s.orStale(err, func() { s.history(msgID, id) })
	case "code":
		id, err := c.Number(0)
		s.orStale(err, func() { s.loginCode(msgID, id) })
	case "wal":
		page, err := c.Int(0)
		s.orStale(err, func() { s.wallet(msgID, page) })
	case "top", "tpu":
		amount, err := c.Int(0)
		cur := domain.CurrencyTON
		if c.Action == "tpu" {
			cur = domain.CurrencyUSDT
		}
		s.orStale(err, func() { s.topUp(msgID, int64(amount), cur, c.Args[1]) })
	case "icx":
		s.cancelInvoice(msgID, c.Args[0])
	case "lang":
		s.switchLang(msgID)
	case "adm":
		if s.isAdmin() {
			s.show(msgID, s.adminMenuText(), s.kb(s.row(s.btn("btn_menu", "menu"))))
		}
	case "noop":
	default:
		s.menu(msgID)
	}
}

func (s *session) orStale(err error, fn func()) {
	if err != nil {
		s.show(0, s.t("stale_button"), s.menuKeyboard())
		return
	}
	fn()
}

func (s *session) switchLang(msgID int) {
	if s.lang == "ru" {
		s.lang = "en"
	} else {
		s.lang = "ru"
	}
	s.seen(s.from) // the whole profile, or the username a transfer finds them by would be lost
	s.menu(msgID)
}

// --- screens -------------------------------------------------------------

func (s *session) menuKeyboard() *telego.InlineKeyboardMarkup {
	rows := [][]telego.InlineKeyboardButton{
		s.row(s.btn("btn_catalogue", "cat", "0")),
		s.row(s.btn("btn_my", "my"), s.btn("btn_wallet", "wal", "0")),
		s.row(s.btn("btn_lang", "lang", "x")),
	}
	if s.distOn() {
		if s.isStaff() {
			rows = append(rows, s.row(s.btn("btn_distribution", "dm"), s.btn("btn_proxies", "pxm")))
		} else {
			rows = append(rows, s.row(s.btn("btn_staff", "st")))
		}
	}
	if s.isAdmin() {
		rows = append(rows, s.row(s.btn("btn_admin", "adm")))
	}
	return s.kb(rows...)
}

func (s *session) menu(msgID int) {
	ctx, cancel := s.ctx()
	defer cancel()
	name := ""
	if u, err := s.bot.eng.FindUser(ctx, strconv.FormatInt(int64(s.user), 10)); err == nil {
		name = u.Name
	}
	s.show(msgID, s.t("menu", "name", name, "paid_in", s.paidIn()), s.menuKeyboard())
}

func (s *session) catalogue(msgID, page int) {
	ctx, cancel := s.ctx()
	defer cancel()
	p := s.bot.eng.Catalogue(ctx, page, s.bot.cfg.PageSize)
	if len(p.Numbers) == 0 {
		s.show(msgID, s.t("catalogue_empty"), s.kb(s.row(s.btn("btn_menu", "menu"))))
		return
	}
	var rows [][]telego.InlineKeyboardButton
	for _, v := range p.Numbers {
		label := v.ID + " · " + s.t("status_"+v.Status.String())
		rows = append(rows, s.row(s.btnText(label, "num", v.ID, strconv.Itoa(p.Page))))
	}
	rows = append(rows, s.pager("cat", p.Page, p.Pages), s.row(s.btn("btn_menu", "menu")))
	s.show(msgID, s.t("catalogue", "page", p.Page+1, "pages", p.Pages), s.kb(rows...))
}

func (s *session) pager(action string, page, pages int, args ...string) []telego.InlineKeyboardButton {
	var row []telego.InlineKeyboardButton
	if page > 0 {
		row = append(row, s.btn("btn_prev", action, append(args, strconv.Itoa(page-1))...))
	}
	if page+1 < pages {
		row = append(row, s.btn("btn_next", action, append(args, strconv.Itoa(page+1))...))
	}
	return row
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
		s.orStale(domain.ErrStaleButton, nil)
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
	link, err := ton.NewPayLinkIn(s.bot.cfg.TONWallet, s.bot.cfg.TONTestnet, inv.Money(), inv.Code, s.bot.cfg.USDTMaster)
	if err != nil {
		s.fail(msgID, err)
		return
	}
	held := ""
	switch inv.Purpose {
	case domain.PurposeRent:
		held = s.t("invoice_held")
	case domain.PurposeTopUp: // the engine cancels the oldest beyond the cap: say so before it happens
		held = s.t("invoice_topup_cap", "max", domain.MaxOpenTopUps)
	}
	if inv.Currency == domain.CurrencyUSDT { // the same address takes TON too: say which token, on which network
		held = s.t("invoice_usdt", "jetton", link.Jetton) + held
	}
	text := s.t("invoice", "code", inv.Code, "amount", link.AmountText, "address", link.Address,
		"expires", when(inv.Expires), "held", raw(held))
	kb := s.kb(
		[]telego.InlineKeyboardButton{{Text: s.t("btn_open_wallet"), URL: link.HTTPS}},
		s.row(s.btn("btn_cancel_invoice", "icx", inv.Code)),
		s.row(s.btn("btn_menu", "menu")))
	out := Out{Text: text, Keyboard: kb}
	if png, err := ton.QRPNG(link.HTTPS, 384); err == nil {
		out.Photo, out.PhotoName = png, "pay.png"
	}
	s.showOut(msgID, out)
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

func (s *session) mine(msgID int) {
	ctx, cancel := s.ctx()
	defer cancel()
	rented, offered := s.bot.eng.RentalsOf(ctx, s.user)
	var rows [][]telego.InlineKeyboardButton
	for _, v := range rented {
		if v.Status == domain.StatusRented {
			rows = append(rows, s.row(s.btnText(s.t("my_line", "number", v.ID, "until", when(v.Until)), "mine", v.ID)))
		}
	}
	for _, v := range offered {
		rows = append(rows, s.row(s.btnText(s.t("my_offer_line", "number", v.ID), "noop")),
			s.row(s.btn("btn_accept", "acc", v.ID), s.btn("btn_decline", "dec", v.ID)))
	}
	text := s.t("my_title")
	if len(rows) == 0 {
		text = s.t("my_empty")
	}
	rows = append(rows, s.row(s.btn("btn_menu", "menu")))
	s.show(msgID, text, s.kb(rows...))
}

func (s *session) rental(msgID int, id string) {
	n, ok := s.myRental(msgID, id)
	if !ok {
		return
	}
	offer := ""
	rows := [][]telego.InlineKeyboardButton{s.row(s.btn("btn_code", "code", n.ID)), s.row(s.btn("btn_renew", "rnw", n.ID, "0"))}
	if n.Offer != nil {
		offer = s.t("rental_offer", "to", s.who(n.Offer.To))
		rows = append(rows, s.row(s.btn("btn_cancel_offer", "tcx", n.ID)))
	} else {
		rows = append(rows, s.row(s.btn("btn_transfer", "trf", n.ID)))
	}
	rows = append(rows, s.row(s.btn("btn_history", "hist", n.ID, "0")), s.row(s.btn("btn_back", "my")))
	s.show(msgID, s.t("rental_card", "number", n.ID, "until", when(n.Rental.Until), "offer", raw(offer)), s.kb(rows...))
}

func (s *session) chooseRenew(msgID int, id string) {
	n, ok := s.myRental(msgID, id)
	if !ok {
		return
	}
	var rows [][]telego.InlineKeyboardButton
	for _, p := range s.periods(n) {
		rows = append(rows, s.row(s.btnText(s.t("btn_rent_days", "days", p.days, "price", p.text),
			"rnw", n.ID, strconv.Itoa(p.days))))
	}
	rows = append(rows, s.row(s.btn("btn_back", "mine", n.ID)))
	s.show(msgID, s.t("choose_renew", "number", n.ID, "until", when(n.Rental.Until)), s.kb(rows...))
}

// transferTo offers the rental to the person the renter named; the update
// id makes the offer's operation id, so a re-delivered update offers once.
func (s *session) transferTo(updateID int, id, to string) {
	if !s.allowed(ActOperation) {
		return
	}
	s.awaiting = ""
	ctx, cancel := s.ctx()
	defer cancel()
	n, err := s.bot.eng.OfferTransfer(ctx, s.op("u"+strconv.Itoa(updateID)), s.user, id, strings.TrimSpace(to))
	if err != nil {
		s.fail(0, err)
		return
	}
	s.send(s.t("transfer_offered", "number", n.ID, "hours", int(s.bot.eng.Policy().OfferTTL.Hours())), s.menuKeyboard())
	if n.Offer != nil && n.Rental != nil {
		from, until, num := s.who(s.user), n.Rental.Until, n.ID
		s.bot.enqueue(int64(n.Offer.To), true, func(r *session) {
			if r.lang == "" {
				r.start(telego.User{ID: int64(r.user)})
			}
			r.send(r.t("transfer_incoming", "from", from, "number", num, "until", when(until)),
				r.kb(r.row(r.btn("btn_accept", "acc", num), r.btn("btn_decline", "dec", num))))
		})
	}
}

func (s *session) answerTransfer(msgID int, action, id string) {
	ctx, cancel := s.ctx()
	defer cancel()
	var n *domain.Number
	var err error
	var key string
	switch action {
	case "acc":
		n, err = s.bot.eng.AcceptTransfer(ctx, s.user, id)
		key = "transfer_accepted"
	case "dec":
		n, err = s.bot.eng.DeclineTransfer(ctx, s.user, id)
		key = "transfer_declined"
	default:
		n, err = s.bot.eng.CancelTransfer(ctx, s.user, id)
		key = "transfer_cancelled"
	}
	if err != nil {
		s.fail(msgID, err)
		return
	}
	until := time.Time{}
	if n.Rental != nil {
		until = n.Rental.Until
	}
	s.show(msgID, s.t(key, "number", n.ID, "until", when(until)), s.menuKeyboard())
}

func (s *session) history(msgID int, id string) {
	n, ok := s.myRental(msgID, id)
	if !ok {
		return
	}
	var lines []string
	for _, h := range n.History {
		to := s.t("history_now")
		if !h.To.IsZero() {
			to = day(h.To)
		}
		lines = append(lines, s.t("history_line", "from", day(h.From), "to", to, "how", h.How))
	}
	text := s.t("history_empty")
	if len(lines) > 0 {
		text = s.t("history", "number", n.ID, "lines", raw(strings.Join(lines, "\n")))
	}
	s.show(msgID, text, s.kb(s.row(s.btn("btn_back", "mine", n.ID))))
}

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
	if !s.bot.canInvoice(cur) || !containsInt(s.bot.topUps(cur), amount) {
		s.orStale(domain.ErrStaleButton, nil)
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

func containsInt(xs []int64, x int64) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// noticeText renders something the engine did on its own, or "" for
// nothing to say; notices.go tells it.
func (s *session) noticeText(n actors.Notice) string {
	if p := n.Payment; p != nil {
		return s.paymentText(p)
	}
	switch ev := n.Event.(type) {
	case *domain.ReminderDue:
		left := time.Until(n.Until).Round(time.Hour)
		return s.t("reminder", "number", n.Number, "until", when(n.Until), "left", left.String())
	case *domain.RentalExpired:
		return s.t("expired", "number", n.Number)
	case *domain.NumberReleased:
		return s.t("hold_lapsed", "number", n.Number)
	case *domain.TransferClosed:
		return s.t("transfer_closed_notice", "number", n.Number, "why", ev.Why)
	}
	return ""
}

func (s *session) paymentText(p *actors.DepositResult) string {
	amount, balance := moneyOf(p.Amount, p.Currency), moneyOf(p.Balance, p.Currency)
	switch {
	case p.Outcome == domain.OutcomePaid && p.Rental != nil:
		return s.t("paid_rental", "number", p.Rental.Number, "until", when(p.Rental.Until))
	case p.Outcome == domain.OutcomePaid && p.RentErr != nil:
		return s.t("paid_rental_failed", "amount", amount, "why", s.errText(p.RentErr), "balance", balance)
	case p.Outcome == domain.OutcomePaid:
		return s.t("paid_topup", "amount", amount, "balance", balance)
	default:
		return s.t("credited", "amount", amount, "why", s.t("why_"+p.Reason), "balance", balance)
	}
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

// myRental reads a number the person rents (an expired rental is no longer
// theirs to renew, hand over or look into), or tells them it is not theirs.
func (s *session) myRental(msgID int, id string) (*domain.Number, bool) {
	n, ok := s.numberOr(msgID, id)
	if ok && (n.Rental == nil || n.Rental.Renter != s.user || n.Rental.Expired) {
		s.fail(msgID, domain.ErrNotRenter)
		return nil, false
	}
	return n, ok
}

// allowed reports whether the person may do act now; when not, they are
// told so once per throttled stretch, not on every attempt.
func (s *session) allowed(act Action) bool {
	ok, tell := s.bot.lim.Allow(int64(s.user), s.premium, act)
	if !ok && tell {
		s.send(s.t("throttled"), nil)
	}
	return ok
}

// --- errors --------------------------------------------------------------

// fail tells the person, in a short sentence of their language, why what
// they asked for did not happen; the log gets the wrapped error.
func (s *session) fail(msgID int, err error) {
	text := s.errText(err)
	if text == s.t("error") {
		s.bot.log.Error("request failed", "user", s.user, "err", err)
	}
	s.show(msgID, text, s.menuKeyboard())
}

func (s *session) errText(err error) string {
	var insufficient *domain.InsufficientFundsError
	var outOfRange *domain.RangeError
	switch {
	case errors.As(err, &outOfRange): // before the sentinels it refines: it names the bound
		return s.t("err_range", "what", s.t("range_"+outOfRange.What), "min", outOfRange.Min, "max", outOfRange.Max)
	case errors.As(err, &insufficient):
		return s.t("err_insufficient", "need", moneyOf(insufficient.Need, insufficient.Currency),
			"balance", moneyOf(insufficient.Balance, insufficient.Currency))
	case errors.Is(err, domain.ErrNotAvailable), errors.Is(err, domain.ErrNumberNotFound), errors.Is(err, domain.ErrBusy):
		return s.t("err_not_available")
	case errors.Is(err, domain.ErrBlocked):
		return s.t("err_blocked")
	case errors.Is(err, domain.ErrPriceChanged):
		return s.t("err_price_changed")
	case errors.Is(err, domain.ErrNotRenter), errors.Is(err, domain.ErrNotRented):
		return s.t("err_not_renter")
	case errors.Is(err, domain.ErrUnknownUser), errors.Is(err, domain.ErrBadUser):
		return s.t("err_user_not_found")
	case errors.Is(err, domain.ErrSelfTransfer):
		return s.t("err_self")
	case errors.Is(err, domain.ErrNoTransfer), errors.Is(err, domain.ErrNotRecipient), errors.Is(err, domain.ErrTransferExpired):
		return s.t("err_no_offer")
	case errors.Is(err, domain.ErrHoldExpired), errors.Is(err, domain.ErrNoHold):
		return s.t("err_hold_expired")
	case errors.Is(err, domain.ErrDuplicateOp), errors.Is(err, domain.ErrInvoiceClosed), errors.Is(err, domain.ErrNumberExists):
		return s.t("err_duplicate")
	case errors.Is(err, domain.ErrBadNumber):
		return s.t("err_bad_number")
	case errors.Is(err, domain.ErrNoAccountCheck):
		return s.t("err_no_account_check")
	case errors.Is(err, domain.ErrBadPeriod):
		return s.t("err_bad_period")
	case errors.Is(err, domain.ErrStaleButton), errors.Is(err, domain.ErrInvoiceNotFound), errors.Is(err, domain.ErrBadCode):
		return s.t("stale_button")
	case errors.Is(err, domain.ErrBadAmount), errors.Is(err, domain.ErrAmountTooLarge):
		return s.t("err_bad_amount")
	case errors.Is(err, actors.ErrNoReply), errors.Is(err, actors.ErrClosed):
		return s.t("busy")
	}
	return s.t("error")
}

// --- sending -------------------------------------------------------------

func (s *session) send(text string, kb *telego.InlineKeyboardMarkup) {
	s.showOut(0, Out{Text: text, Keyboard: kb})
}

// show edits the message a button was on, so menus change in place, or
// sends a new one when there is none.
func (s *session) show(msgID int, text string, kb *telego.InlineKeyboardMarkup) {
	s.showOut(msgID, Out{Text: text, Keyboard: kb})
}

func (s *session) showOut(msgID int, out Out) {
	ctx, cancel := s.ctx()
	defer cancel()
	var err error
	if msgID != 0 {
		_, err = s.bot.out.Edit(ctx, int64(s.user), msgID, out)
	} else {
		_, err = s.bot.out.Send(ctx, int64(s.user), out)
	}
	if err != nil && !errors.Is(err, ErrBlocked) {
		s.bot.log.Warn("sending failed", "user", s.user, "err", err)
	}
}

func (s *session) answer(queryID, text string) {
	ctx, cancel := s.ctx()
	defer cancel()
	if err := s.bot.out.Answer(ctx, queryID, text, false); err != nil {
		s.bot.log.Debug("answering a callback failed", "err", err)
	}
}

// --- keyboards -----------------------------------------------------------

func (s *session) kb(rows ...[]telego.InlineKeyboardButton) *telego.InlineKeyboardMarkup {
	var out [][]telego.InlineKeyboardButton
	for _, r := range rows {
		if len(r) > 0 {
			out = append(out, r)
		}
	}
	return &telego.InlineKeyboardMarkup{InlineKeyboard: out}
}

func (s *session) row(bs ...telego.InlineKeyboardButton) []telego.InlineKeyboardButton { return bs }

// btn is a button labelled with text key.
func (s *session) btn(key, action string, args ...string) telego.InlineKeyboardButton {
	return s.btnText(s.t(key), action, args...)
}

func (s *session) btnText(label, action string, args ...string) telego.InlineKeyboardButton {
	data, err := domain.EncodeCallback(action, args...)
	if err != nil { // a bug in this file: a button that does nothing beats no screen
		s.bot.log.Error("button not drawn", "err", err)
		data, _ = domain.EncodeCallback("noop")
	}
	return telego.InlineKeyboardButton{Text: label, CallbackData: data}
}

// who names a person for another: @username if known, else the id.
func (s *session) who(u domain.UserID) string {
	ctx, cancel := s.ctx()
	defer cancel()
	if p, err := s.bot.eng.FindUser(ctx, strconv.FormatInt(int64(u), 10)); err == nil && p.Username != "" {
		return "@" + p.Username
	}
	return strconv.FormatInt(int64(u), 10)
}

func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }
func day(t time.Time) string  { return t.UTC().Format("2006-01-02") }
