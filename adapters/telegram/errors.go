package telegram

import (
	"allot/actors"
	"allot/domain"
	"errors"
)

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
	case errors.Is(err, ErrStaleButton), errors.Is(err, domain.ErrInvoiceNotFound), errors.Is(err, domain.ErrBadCode):
		return s.t("stale_button")
	case errors.Is(err, domain.ErrBadAmount), errors.Is(err, domain.ErrAmountTooLarge):
		return s.t("err_bad_amount")
	case errors.Is(err, actors.ErrNoReply), errors.Is(err, actors.ErrClosed):
		return s.t("busy")
	}
	return s.t("error")
}
