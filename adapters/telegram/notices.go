package telegram

import (
	"context"
	"errors"
	"time"

	"github.com/mymmrac/telego"

	"allot/actors"
	"allot/adapters/telegram/outbox"
	"allot/domain"
)

// A notice a number owes (a reminder, an expiry, a lapsed reservation;
// actors/notices.go) is acknowledged to the engine once told, and only
// then: until it is, every start of the engine raises it again. "Told" is
// Telegram having taken the message, or Telegram saying it never can (the
// person blocked the bot or deleted their account, or has no chat with
// it), which no retry would change. A crash between the two tells it
// twice after the restart: sendMessage has no idempotency key, and at
// least once is the promise. Any other failure leaves it owed; while the
// bot runs it is tried again a few times, further apart each time, and
// after that the next start raises it.

// How a notice whose sending failed is tried again while the bot runs: the
// first wait, the longest, and how many tries in all. Variables so that
// tests need not wait.
var (
	noticeRetryFirst   = 30 * time.Second
	noticeRetryLongest = 30 * time.Minute
	noticeTries        = 8
)

// notice tells the person what the engine did on its own, in their
// session, after whatever they are doing.
func (s *session) notice(n actors.Notice) { s.tellNotice(n, 1) }

// tellNotice makes try number try at telling n.
func (s *session) tellNotice(n actors.Notice, try int) {
	if s.lang == "" {
		s.start(telego.User{ID: int64(s.user)})
	}
	text := s.noticeText(n)
	if text == "" { // nothing this build says of it: it must not come back at every start
		s.noticeTold(n)
		return
	}
	kb := s.kb(s.row(s.btn("btn_my", "my")), s.row(s.btn("btn_menu", "menu")))
	ctx, cancel := s.ctx()
	defer cancel()
	_, err := s.bot.out.Send(ctx, int64(s.user), outbox.Message{Text: text, Keyboard: kb})
	switch {
	case err == nil:
		s.noticeTold(n)
	case unreachable(err):
		s.bot.log.Debug("a notice cannot reach its person", "user", s.user, "err", err)
		s.noticeTold(n)
	case n.Seq == 0: // nothing owes it (a payment): told at most once, as ever
		s.bot.log.Warn("sending failed", "user", s.user, "err", err)
	default:
		s.bot.log.Warn("telling a notice failed", "user", s.user, "number", n.Number, "try", try, "err", err)
		s.bot.retryNotice(n, try+1)
	}
}

// noticeTold acknowledges an owed notice to the engine. Not in the
// session's context: a bot stopping just after Telegram took the message
// must still record it (the engine closes after the bot), or the next
// start tells it again.
func (s *session) noticeTold(n actors.Notice) {
	if n.Seq == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.bot.ctx), 15*time.Second)
	defer cancel()
	if err := s.bot.eng.NoticeTold(ctx, n.Number, n.Seq); err != nil {
		s.bot.log.Warn("recording a notice as told failed: the next start tells it again",
			"user", s.user, "number", n.Number, "err", err)
	}
}

// retryNotice queues try number try at telling n after a wait that doubles
// from noticeRetryFirst; past noticeTries, or once the bot stops, n is left
// for the next start, which raises it again.
func (b *Bot) retryNotice(n actors.Notice, try int) {
	if try > noticeTries || b.ctx.Err() != nil {
		b.log.Warn("a notice is left for the next start", "user", n.User, "number", n.Number)
		return
	}
	wait := min(noticeRetryFirst<<min(try-2, 16), noticeRetryLongest)
	time.AfterFunc(wait, func() {
		if r, ok := n.Event.(*domain.ReminderDue); ok && !time.Now().Before(r.Until) {
			return // the end it announces has come: the expiry replaces it
		}
		b.enqueue(int64(n.User), true, func(s *session) { s.tellNotice(n, try) })
	})
}

// unreachable reports whether err says the message can never reach its
// person: they blocked the bot or deleted their account (403), or they
// have no chat with it (400 "chat not found").
func unreachable(err error) bool { return errors.Is(err, outbox.ErrBlocked) || noChatYet(err) }

// noticeEngine is what telling notices asks of the engine.
type noticeEngine interface {
	NoticeTold(ctx context.Context, number string, seq uint64) error
}

var _ noticeEngine = (*actors.Engine)(nil)

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
