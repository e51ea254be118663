package telegram

import (
	"allot/actors"
	"allot/domain"
	"context"
	"strconv"
	"strings"

	"github.com/mymmrac/telego"
)

// My rentals: the numbers a person rents and the offers made to them, one
// rental's card, renewing it and its ownership history.

// rentalsEngine is what the "my rentals" screens ask of the engine.
type rentalsEngine interface {
	RentalsOf(ctx context.Context, user domain.UserID) (rented, offered []actors.NumberView)
	Number(ctx context.Context, raw string) (*domain.Number, error)
}

var _ rentalsEngine = (*actors.Engine)(nil)

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
