package telegram

import (
	"allot/actors"
	"allot/domain"
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/mymmrac/telego"
)

// Transfers: a renter offers their rental to another person by @username
// or id; the other accepts or declines, or the renter takes it back.

// transferEngine is what transfers ask of the engine.
type transferEngine interface {
	OfferTransfer(ctx context.Context, op domain.OpID, from domain.UserID, raw, to string) (*domain.Number, error)
	AcceptTransfer(ctx context.Context, user domain.UserID, raw string) (*domain.Number, error)
	DeclineTransfer(ctx context.Context, user domain.UserID, raw string) (*domain.Number, error)
	CancelTransfer(ctx context.Context, user domain.UserID, raw string) (*domain.Number, error)
	Policy() domain.Policy
}

var _ transferEngine = (*actors.Engine)(nil)

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

// askTransferee asks to whom to hand the rental over: the next message the
// person types answers it (session.message). The offer is checked when it
// is made.
func (s *session) askTransferee(msgID int, id string) {
	s.awaiting, s.arg = "transfer", id
	s.show(msgID, s.t("ask_transfer", "number", id), nil)
}
