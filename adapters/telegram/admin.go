package telegram

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"allot/domain"
)

// adminCmd is one admin text command: its usage line, how many words it
// needs, and what it does. run gets the operation id of this update.
type adminCmd struct {
	usage string
	args  int
	run   func(s *session, ctx context.Context, op domain.OpID, f []string) error
}

// adminCmds are the admins' text commands that change something. Each
// goes through an engine entry point that records it in the audit log
// under the admin's id; every number typed is bounded (domain.CheckAdmin*).
var adminCmds = map[string]adminCmd{
	"/add_number": {"/add_number +888…", 1, func(s *session, ctx context.Context, _ domain.OpID, f []string) error {
		_, err := s.bot.eng.AddNumber(ctx, s.user, strings.Join(f, "")) // "+888 0000 0001" as people type it
		return err
	}},
	"/remove_number": {"/remove_number +888…", 1, func(s *session, ctx context.Context, _ domain.OpID, f []string) error {
		_, err := s.bot.eng.RemoveNumber(ctx, s.user, strings.Join(f, ""))
		return err
	}},
	"/price": {"/price +888…|default DAYS AMOUNT [TON|USDT]", 3, func(s *session, ctx context.Context, _ domain.OpID, f []string) error {
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
			return s.bot.eng.SetDefaultPriceIn(ctx, s.user, days, amount)
		}
		_, err = s.bot.eng.SetNumberPriceIn(ctx, s.user, f[0], days, amount)
		return err
	}},
	"/block": {"/block +888… reason", 1, func(s *session, ctx context.Context, _ domain.OpID, f []string) error {
		_, err := s.bot.eng.Block(ctx, s.user, f[0], strings.Join(f[1:], " "))
		return err
	}},
	"/unblock": {"/unblock +888…", 1, func(s *session, ctx context.Context, _ domain.OpID, f []string) error {
		_, err := s.bot.eng.Unblock(ctx, s.user, f[0])
		return err
	}},
	"/extend": {"/extend +888… DAYS", 2, func(s *session, ctx context.Context, op domain.OpID, f []string) error {
		days, err := adminDays(f[1], true)
		if err != nil {
			return err
		}
		_, err = s.bot.eng.Extend(ctx, op, s.user, f[0], days) // added to the end as it is when it applies
		return err
	}},
	"/cancel_rental": {"/cancel_rental +888… REFUND [TON|USDT]", 2, func(s *session, ctx context.Context, op domain.OpID, f []string) error {
		cur, _ := adminCurrency(f[2:])
		refund, err := adminMoney(f[1], cur, true)
		if err != nil {
			return err
		}
		_, err = s.bot.eng.CancelRentalIn(ctx, op, s.user, f[0], refund)
		return err
	}},
	"/reclaim": {"/reclaim +888…", 1, func(s *session, ctx context.Context, _ domain.OpID, f []string) error {
		_, err := s.bot.eng.Reclaim(ctx, s.user, f[0])
		return err
	}},
	"/checked": {"/checked +888…", 1, func(s *session, ctx context.Context, _ domain.OpID, f []string) error {
		_, err := s.bot.eng.MarkAccountChecked(ctx, s.user, strings.Join(f, "")) // a look made by hand
		return err
	}},
	"/adjust": {"/adjust USER AMOUNT [TON|USDT] reason", 3, func(s *session, ctx context.Context, op domain.OpID, f []string) error {
		u, err := s.bot.eng.FindUser(ctx, f[0])
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
		_, err = s.bot.eng.AdjustBalanceIn(ctx, op, s.user, u.ID, amount, strings.Join(reason, " "))
		var short *domain.InsufficientFundsError
		if errors.As(err, &short) { // the admin's words: it is the user's balance that is short
			return &userShortError{user: u.ID, short: short}
		}
		return err
	}},
	"/payments_checked": {"/payments_checked", 0, func(s *session, ctx context.Context, _ domain.OpID, _ []string) error {
		_, err := s.bot.eng.ClosePaymentGaps(ctx, s.user) // after an alert of a history gap: the missed ones are credited
		return err
	}},
	"/assign": {"/assign TX USER", 2, func(s *session, ctx context.Context, _ domain.OpID, f []string) error {
		u, err := s.bot.eng.FindUser(ctx, f[1])
		if err != nil {
			return err
		}
		_, err = s.bot.eng.AssignOrphan(ctx, s.user, f[0], u.ID)
		return err
	}},
}

// adminCommand runs an admin's text command and reports whether cmd was
// one. A person who is not an admin is told so and nothing happens. The
// operation id comes from the update, so an update Telegram delivers again
// applies once.
func (s *session) adminCommand(updateID int, cmd, rest string) bool {
	c, isChange := adminCmds[cmd]
	if !isChange && cmd != "/orphans" && cmd != "/audit" && cmd != "/admin" && cmd != "/sync_numbers" && cmd != "/unchecked" {
		return false
	}
	if !s.adminMayAct() {
		return true
	}
	ctx, cancel := s.ctx()
	defer cancel()
	switch cmd {
	case "/admin":
		s.send(s.adminMenuText(), s.menuKeyboard())
		return true
	case "/orphans":
		s.orphans(ctx)
		return true
	case "/sync_numbers":
		s.syncNumbers()
		return true
	case "/unchecked":
		s.uncheckedNumbers(ctx)
		return true
	case "/audit":
		s.audit(ctx, rest)
		return true
	}
	f := strings.Fields(rest)
	if len(f) < c.args {
		s.send(s.t("admin_usage", "usage", c.usage), nil)
		return true
	}
	// An update delivered again finds its operation done: the same answer.
	if err := c.run(s, ctx, s.op("u"+strconv.Itoa(updateID)), f); err != nil && !errors.Is(err, domain.ErrDuplicateOp) {
		s.send(s.adminErrText(err)+"\n"+s.t("admin_usage", "usage", c.usage), nil)
		return true
	}
	s.send(s.t("admin_done"), nil)
	return true
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

func (s *session) orphans(ctx context.Context) {
	os, err := s.bot.eng.Orphans(ctx)
	if err != nil {
		s.fail(0, err)
		return
	}
	if len(os) == 0 {
		s.send(s.t("orphans_empty"), nil)
		return
	}
	var lines []string
	for _, o := range os[max(0, len(os)-20):] { // the newest twenty fit in one message
		assigned := ""
		if o.Assigned != 0 {
			assigned = s.t("orphan_assigned", "user", o.Assigned)
		}
		lines = append(lines, s.t("orphan_line", "amount", moneyOf(o.Amount, o.Currency), "from", o.From, "at", when(o.At),
			"assigned", raw(assigned), "tx", o.Tx))
	}
	s.send(strings.Join(lines, "\n"), nil)
}

func (s *session) audit(ctx context.Context, rest string) {
	page, _ := strconv.Atoi(strings.TrimSpace(rest))
	p, err := s.bot.eng.AuditLog(ctx, max(page, 0), 20)
	if err != nil {
		s.fail(0, err)
		return
	}
	if len(p.Entries) == 0 {
		s.send(s.t("audit_empty"), nil)
		return
	}
	var lines []string
	for _, e := range p.Entries {
		lines = append(lines, s.t("audit_line", "at", when(e.At), "by", e.Actor, "action", e.Action,
			"target", e.Target, "detail", e.Detail))
	}
	s.send(strings.Join(lines, "\n"), nil)
}

// adminMenuText lists the admin commands, with distribution's when it is on.
func (s *session) adminMenuText() string {
	text := s.t("admin_menu")
	if s.distOn() {
		text += s.t("admin_menu_dist")
	}
	if s.bot.cfg.Codes != nil { // whether renters can get their login codes
		return text + s.t("admin_codes_on")
	}
	return text + s.t("admin_codes_off")
}

// adminMayAct reports whether the person may run an admin command now: an
// admin, not throttled. Anyone else is told so.
func (s *session) adminMayAct() bool {
	if !s.isAdmin() {
		s.send(s.t("admin_only"), s.menuKeyboard())
		return false
	}
	return s.allowed(ActOperation)
}
