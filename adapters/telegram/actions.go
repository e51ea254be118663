package telegram

import (
	"errors"

	"github.com/mymmrac/telego"

	"allot/domain"
)

// The bot's buttons: one table of every action a button can carry, with
// how many arguments its data holds (callback.go reads and writes them),
// who may press it (access.go) and what pressing it does. Adding a button
// is adding a line here; the adversarial suite (access_test.go) presses
// every line as every kind of person.

// action is one line of the table.
type action struct {
	args   int // how many arguments its callback data carries
	access     // who may press it, on what
	press  pressFunc
}

// pressFunc does what a button asks, once its data is decoded and the
// person may press it. msgID is the message the button is on (0 if none),
// which the answer replaces.
type pressFunc func(s *session, msgID int, c Callback)

// actions is the table. It is filled by init, not by its declaration:
// pressing draws buttons, and drawing one checks it against this table.
var actions map[string]action

func init() {
	actions = map[string]action{
		"menu": {0, access{roleAnyone, ownsNothing, false, -1}, pressMenu},                      // main menu
		"cat":  {1, access{roleAnyone, ownsNothing, false, -1}, withPage((*session).catalogue)}, // catalogue page
		"num":  {2, access{roleAnyone, ownsNothing, false, -1}, pressNumber},                    // number, catalogue page to go back to
		"per":  {2, access{roleAnyone, ownsNothing, false, -1}, pressPeriod},                    // number, days: choose how to pay
		"pay":  {4, access{roleAnyone, ownsNothing, true, 3}, pressPay},                         // number, days, method (b/bu = balance in TON/USDT, t/u = invoice), nonce: rent a free number (or one held for the caller's invoice)
		"my":   {0, access{roleAnyone, ownsOwnStuff, false, -1}, func(s *session, msgID int, _ Callback) { s.mine(msgID) }},
		"mine": {1, access{roleAnyone, ownsRental, false, -1}, withNumber((*session).rental)},        // one of my rentals
		"rnw":  {2, access{roleAnyone, ownsRental, false, -1}, pressRenew},                           // number, days: renew, choose how to pay
		"rnp":  {4, access{roleAnyone, ownsRental, true, 3}, pressPay},                               // number, days, method, nonce: renew and pay
		"trf":  {1, access{roleAnyone, ownsRental, false, -1}, withNumber((*session).askTransferee)}, // number: ask to whom to transfer
		"tcx":  {1, access{roleAnyone, ownsOffer, true, -1}, pressAnswerTransfer},                    // number: cancel my offer
		"acc":  {1, access{roleAnyone, ownsOffer, true, -1}, pressAnswerTransfer},                    // number: accept a transfer offered to me
		"dec":  {1, access{roleAnyone, ownsOffer, true, -1}, pressAnswerTransfer},                    // number: decline it
		"hist": {2, access{roleAnyone, ownsRental, false, -1}, withNumber((*session).history)},       // number, page: ownership history
		"wal":  {1, access{roleAnyone, ownsOwnStuff, false, -1}, withPage((*session).wallet)},        // wallet, history page
		"top":  {2, access{roleAnyone, ownsOwnStuff, true, 1}, pressTopUp},                           // top-up amount in TON, nonce
		"tpu":  {2, access{roleAnyone, ownsOwnStuff, true, 1}, pressTopUp},                           // top-up amount in USDT, nonce
		"icx":  {1, access{roleAnyone, ownsInvoice, true, -1}, func(s *session, msgID int, c Callback) { s.cancelInvoice(msgID, c.Args[0]) }},
		"lang": {1, access{roleAnyone, ownsOwnStuff, true, -1}, func(s *session, msgID int, _ Callback) { s.switchLang(msgID) }},
		"adm":  {0, access{roleAdmin, ownsNothing, false, -1}, pressAdminMenu},                    // admin menu
		"noop": {0, access{roleAnyone, ownsNothing, false, -1}, func(*session, int, Callback) {}}, // a label that does nothing
		"code": {1, access{roleAnyone, ownsRental, false, -1}, withNumber((*session).loginCode)},  // number: its latest login code; reads (the number audits)

		// Distribution (approved staff; distrib.go, staff.go, stats.go).
		"st":   {0, access{roleAnyone, ownsOwnStuff, false, -1}, func(s *session, msgID int, _ Callback) { s.askNickname(msgID) }}, // ask for a nickname; the request is made when it is typed
		"sapv": {2, access{roleAdmin, ownsRequest, true, -1}, pressDecideStaff},                                                    // admin: approve a staff request; user id, request number
		"srej": {2, access{roleAdmin, ownsRequest, true, -1}, pressDecideStaff},                                                    // admin: reject it; user id, request number
		"dm":   {0, access{roleStaff, ownsNothing, false, -1}, func(s *session, msgID int, _ Callback) { s.distMenu(msgID) }},      // the kinds
		"dk":   {1, access{roleStaff, ownsNothing, false, -1}, func(s *session, msgID int, c Callback) { s.chooseRegion(msgID, c.Args[0]) }},
		"dr":   {2, access{roleStaff, ownsNothing, false, -1}, func(s *session, msgID int, c Callback) { s.chooseCount(msgID, c.Args[0], c.Args[1]) }},
		"dq":   {3, access{roleStaff, ownsNothing, false, -1}, pressVariant}, // kind, region, count: choose a variant (or issue)
		"dv":   {5, access{roleStaff, ownsNothing, true, 4}, pressIssue},     // kind, region, count, variant, nonce: issue
		"fb":   {2, access{roleStaff, ownsItem, true, -1}, func(s *session, msgID int, c Callback) { s.feedback(msgID, c.Args[0], c.Args[1]) }},
		"rp":   {1, access{roleStaff, ownsItem, true, -1}, func(s *session, msgID int, c Callback) { s.replace(msgID, c.Args[0]) }},
		"sts":  {2, access{roleStaff, ownsNothing, false, -1}, func(s *session, msgID int, c Callback) { s.stats(msgID, c.Args[0], c.Args[1]) }},
		"acf":  {2, access{roleAdmin, ownsDraft, true, 1}, func(s *session, msgID int, c Callback) { s.confirmed(msgID, c.Args[0], c.Args[1]) }},

		// Proxies (approved staff; proxies.go, proxies_get.go).
		"pxm":  {0, access{roleStaff, ownsNothing, false, -1}, func(s *session, msgID int, _ Callback) { s.proxyMenu(msgID, "") }},
		"pxa":  {0, access{roleStaff, ownsDraft, false, -1}, func(s *session, msgID int, _ Callback) { s.proxyStart(msgID, false) }},
		"pxt":  {1, access{roleStaff, ownsDraft, false, -1}, func(s *session, msgID int, c Callback) { s.proxyType(msgID, c.Args[0]) }}, // h = HTTP, s = SOCKS5
		"pxr":  {1, access{roleStaff, ownsDraft, false, -1}, func(s *session, msgID int, c Callback) { s.proxyToggle(msgID, false, c.Args[0]) }},
		"pxd":  {1, access{roleStaff, ownsDraft, true, -1}, (*session).proxyDays}, // the last step of adding a proxy: its days
		"pxg":  {0, access{roleStaff, ownsDraft, false, -1}, func(s *session, msgID int, _ Callback) { s.proxyStart(msgID, true) }},
		"pxgr": {1, access{roleStaff, ownsDraft, false, -1}, func(s *session, msgID int, c Callback) { s.proxyToggle(msgID, true, c.Args[0]) }},
		"pxc":  {2, access{roleStaff, ownsDraft, false, -1}, func(s *session, msgID int, c Callback) { s.proxyCountry(msgID, c.Args[0], c.Args[1]) }}, // a (adding) or g (getting); ISO code, or "-" for any (g only)
		"pxl":  {1, access{roleStaff, ownsDraft, false, -1}, (*session).proxyPage},                                                                    // get: list page
		"pxs":  {1, access{roleStaff, ownsNothing, true, -1}, func(s *session, msgID int, c Callback) { s.proxyReserve(msgID, c.Args[0]) }},           // reserve an available proxy
		"pxok": {1, access{roleStaff, ownsProxy, true, -1}, func(s *session, msgID int, c Callback) { s.proxyConfirm(msgID, c.Args[0]) }},
		"pxno": {1, access{roleStaff, ownsProxy, true, -1}, func(s *session, msgID int, c Callback) { s.proxyCancel(msgID, c.Args[0]) }},
	}
}

// callback handles a pressed button: decoded against the table, checked
// against its access rule (which answers a refusal), answered, and done.
func (s *session) callback(q *telego.CallbackQuery) {
	msgID := 0
	if q.Message != nil {
		msgID = q.Message.GetMessageID()
	}
	c, err := DecodeCallback(q.Data)
	if err != nil {
		s.answer(q.ID, s.t("stale_button"))
		s.menu(0)
		return
	}
	if !s.mayPress(q.ID, c) {
		return
	}
	s.answerWhilePressing(q.ID)
	actions[c.Action].press(s, msgID, c)
}

// withNumber presses a button whose first argument is a number.
func withNumber(f func(s *session, msgID int, id string)) pressFunc {
	return func(s *session, msgID int, c Callback) {
		id, err := c.Number(0)
		s.orStale(err, func() { f(s, msgID, id) })
	}
}

// withPage presses a button whose only argument is a page.
func withPage(f func(s *session, msgID, page int)) pressFunc {
	return func(s *session, msgID int, c Callback) {
		page, err := c.Int(0)
		s.orStale(err, func() { f(s, msgID, page) })
	}
}

// numberDays reads the arguments of a button that names a number and a
// number of days (or a page): its first two.
func numberDays(c Callback) (string, int, error) {
	id, err1 := c.Number(0)
	n, err2 := c.Int(1)
	return id, n, errors.Join(err1, err2)
}

func pressMenu(s *session, msgID int, _ Callback) {
	s.awaiting = ""
	s.menu(msgID)
}

func pressNumber(s *session, msgID int, c Callback) {
	id, page, err := numberDays(c)
	s.orStale(err, func() { s.number(msgID, id, page) })
}

func pressPeriod(s *session, msgID int, c Callback) {
	id, days, err := numberDays(c)
	s.orStale(err, func() { s.choosePay(msgID, id, days, "pay") })
}

func pressPay(s *session, msgID int, c Callback) {
	id, days, err := numberDays(c)
	s.orStale(err, func() { s.pay(msgID, c.Action == "rnp", id, days, c.Args[2], c.Args[3]) })
}

// pressRenew is "renew": with no days yet, the periods; with days, how to
// pay for them.
func pressRenew(s *session, msgID int, c Callback) {
	id, days, err := numberDays(c)
	s.orStale(err, func() {
		if days == 0 {
			s.chooseRenew(msgID, id)
		} else if _, mine := s.myRental(msgID, id); mine {
			s.choosePay(msgID, id, days, "rnp")
		}
	})
}

func pressAnswerTransfer(s *session, msgID int, c Callback) {
	id, err := c.Number(0)
	s.orStale(err, func() { s.answerTransfer(msgID, c.Action, id) })
}

func pressTopUp(s *session, msgID int, c Callback) {
	amount, err := c.Int(0)
	cur := domain.CurrencyTON
	if c.Action == "tpu" {
		cur = domain.CurrencyUSDT
	}
	s.orStale(err, func() { s.topUp(msgID, int64(amount), cur, c.Args[1]) })
}

func pressAdminMenu(s *session, msgID int, _ Callback) {
	if s.isAdmin() {
		s.show(msgID, s.adminMenuText(), s.kb(s.row(s.btn("btn_menu", "menu"))))
	}
}

func pressDecideStaff(s *session, msgID int, c Callback) {
	id, err1 := c.User(0)
	request, err2 := c.Int(1)
	s.orStale(errors.Join(err1, err2), func() { s.decideStaff(msgID, id, request, c.Action == "sapv") })
}

func pressVariant(s *session, msgID int, c Callback) {
	n, err := c.Int(2)
	s.orStale(err, func() { s.chooseVariant(msgID, c.Args[0], c.Args[1], n) })
}

func pressIssue(s *session, msgID int, c Callback) {
	n, err := c.Int(2)
	s.orStale(err, func() { s.issue(msgID, c.Args[0], c.Args[1], n, c.Args[3], c.Args[4]) })
}
