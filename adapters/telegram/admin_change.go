package telegram

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"allot/actors"
	"allot/domain"
)

// The admin commands that change the catalogue, prices, rentals and
// balances (the adminChanges lines of admin.go's table). Each returns the
// engine's error; admin.go words it.

// adminEngine is what the admin commands of admin.go ask of the engine.
type adminEngine interface {
	AddNumber(ctx context.Context, by domain.UserID, raw string) (string, error)
	RemoveNumber(ctx context.Context, by domain.UserID, raw string) (*domain.Number, error)
	SetDefaultPriceIn(ctx context.Context, by domain.UserID, days int, m domain.Money) error
	SetNumberPriceIn(ctx context.Context, by domain.UserID, raw string, days int, m domain.Money) (*domain.Number, error)
	Block(ctx context.Context, by domain.UserID, raw, reason string) (*domain.Number, error)
	Unblock(ctx context.Context, by domain.UserID, raw string) (*domain.Number, error)
	Extend(ctx context.Context, op domain.OpID, by domain.UserID, raw string, days int) (*domain.Number, error)
	CancelRentalIn(ctx context.Context, op domain.OpID, by domain.UserID, raw string, refund domain.Money) (*domain.Number, error)
	Reclaim(ctx context.Context, by domain.UserID, raw string) (*domain.Number, error)
	MarkAccountChecked(ctx context.Context, by domain.UserID, raw string) (*domain.Number, error)
	FindUser(ctx context.Context, ref string) (domain.User, error)
	AdjustBalanceIn(ctx context.Context, op domain.OpID, by, user domain.UserID, m domain.Money, reason string) (domain.Nano, error)
	ClosePaymentGaps(ctx context.Context, by domain.UserID) (int, error)
	AssignOrphan(ctx context.Context, by domain.UserID, tx string, user domain.UserID) (domain.Nano, error)
	Orphans(ctx context.Context) ([]domain.Orphan, error)
	AuditLog(ctx context.Context, page, size int) (actors.AuditPage, error)
}

var _ adminEngine = (*actors.Engine)(nil)

func (s *session) addNumber(r adminReq) error {
	_, err := s.bot.eng.AddNumber(r.ctx, s.user, strings.Join(r.args, "")) // "+888 0000 0001" as people type it
	return err
}

func (s *session) removeNumber(r adminReq) error {
	_, err := s.bot.eng.RemoveNumber(r.ctx, s.user, strings.Join(r.args, ""))
	return err
}

// setPrice is /price: a number's price for a period, or the default's.
func (s *session) setPrice(r adminReq) error {
	f := r.args
	days, err := adminDays(f[1], false)
	if err != nil {
		return err
	}
	cur, _ := adminCurrency(f[3:])
	amount, err := adminMoney(f[2], cur, true)
	if err != nil {
		return err
	}
	if f[0] == "default" {
		return s.bot.eng.SetDefaultPriceIn(r.ctx, s.user, days, amount)
	}
	_, err = s.bot.eng.SetNumberPriceIn(r.ctx, s.user, f[0], days, amount)
	return err
}

func (s *session) block(r adminReq) error {
	_, err := s.bot.eng.Block(r.ctx, s.user, r.args[0], strings.Join(r.args[1:], " "))
	return err
}

func (s *session) unblock(r adminReq) error {
	_, err := s.bot.eng.Unblock(r.ctx, s.user, r.args[0])
	return err
}

func (s *session) extend(r adminReq) error {
	days, err := adminDays(r.args[1], true)
	if err != nil {
		return err
	}
	_, err = s.bot.eng.Extend(r.ctx, r.op, s.user, r.args[0], days) // added to the end as it is when it applies
	return err
}

func (s *session) cancelRental(r adminReq) error {
	cur, _ := adminCurrency(r.args[2:])
	refund, err := adminMoney(r.args[1], cur, true)
	if err != nil {
		return err
	}
	_, err = s.bot.eng.CancelRentalIn(r.ctx, r.op, s.user, r.args[0], refund)
	return err
}

func (s *session) reclaim(r adminReq) error {
	_, err := s.bot.eng.Reclaim(r.ctx, s.user, r.args[0])
	return err
}

// checked is /checked: a look at a returned number's account made by hand.
func (s *session) checked(r adminReq) error {
	_, err := s.bot.eng.MarkAccountChecked(r.ctx, s.user, strings.Join(r.args, ""))
	return err
}

// adjust is /adjust: money moved by hand, with its reason.
func (s *session) adjust(r adminReq) error {
	f := r.args
	u, err := s.bot.eng.FindUser(r.ctx, f[0])
	if err != nil {
		return err
	}
	cur, named := adminCurrency(f[2:3])
	if named && len(f) < 4 {
		return errNoReason
	}
	amount, err := adminMoney(strings.TrimPrefix(f[1], "-"), cur, false)
	if err != nil {
		return err
	}
	if strings.HasPrefix(f[1], "-") {
		amount.Units = -amount.Units
	}
	reason := f[2:]
	if named {
		reason = f[3:]
	}
	_, err = s.bot.eng.AdjustBalanceIn(r.ctx, r.op, s.user, u.ID, amount, strings.Join(reason, " "))
	var short *domain.InsufficientFundsError
	if errors.As(err, &short) { // the admin's words: it is the user's balance that is short
		return &userShortError{user: u.ID, short: short}
	}
	return err
}

// paymentsChecked is /payments_checked, after an alert of a history gap:
// the missed payments are credited.
func (s *session) paymentsChecked(r adminReq) error {
	_, err := s.bot.eng.ClosePaymentGaps(r.ctx, s.user)
	return err
}

// assign is /assign: an orphan payment credited to the person it was from.
func (s *session) assign(r adminReq) error {
	u, err := s.bot.eng.FindUser(r.ctx, r.args[1])
	if err != nil {
		return err
	}
	_, err = s.bot.eng.AssignOrphan(r.ctx, s.user, r.args[0], u.ID)
	return err
}

// adminDays reads a period an admin typed, within domain.MaxAdminDays
// (negative allowed when shortening makes sense).
func adminDays(word string, negative bool) (int, error) {
	days, err := strconv.Atoi(word)
	if err != nil {
		days = 0 // not a number: refused with the bound, like zero
	}
	if err := domain.CheckAdminDays(days, negative); err != nil {
		return 0, err
	}
	return days, nil
}

// adminMoney reads an amount of cur an admin typed, within the admin
// bound of that currency (domain.CheckAdminMoney); zero is allowed only
// where it means "remove" or "nothing".
func adminMoney(word string, cur domain.Currency, zero bool) (domain.Money, error) {
	if zero && word == "0" {
		return domain.Money{Currency: cur}, nil
	}
	m, err := domain.ParseAmount(word, cur)
	if err != nil {
		m = domain.Money{Currency: cur} // unreadable: refused with the bound it must meet
	}
	if err := domain.CheckAdminMoney(m); err != nil {
		return domain.Money{}, err
	}
	return m, nil
}

// adminCurrency reads the optional currency word after an amount: TON when
// there is none or the next word names no currency (a reason may follow
// the amount directly). named says whether the word was a currency, so the
// caller knows where a reason begins.
func adminCurrency(rest []string) (cur domain.Currency, named bool) {
	if len(rest) > 0 {
		if c, err := domain.ParseCurrency(rest[0]); err == nil {
			return c, true
		}
	}
	return domain.CurrencyTON, false
}

// errNoReason refuses an adjustment without a reason: the ledger and the
// audit log keep why money was moved by hand.
var errNoReason = fmt.Errorf("%w: a reason is needed", domain.ErrBadAmount)

// userShortError is a negative adjustment larger than the user's balance,
// told to the admin as the user's shortfall, not theirs.
type userShortError struct {
	user  domain.UserID
	short *domain.InsufficientFundsError
}

func (e *userShortError) Error() string { return fmt.Sprintf("user %d: %v", e.user, e.short) }
func (e *userShortError) Unwrap() error { return e.short }

// adminErrText is errText with the admin's own wording where it differs.
func (s *session) adminErrText(err error) string {
	var short *userShortError
	if errors.As(err, &short) {
		return s.t("admin_user_short", "user", int64(short.user), "balance", moneyOf(short.short.Balance, short.short.Currency),
			"need", moneyOf(short.short.Need, short.short.Currency))
	}
	return s.errText(err)
}
