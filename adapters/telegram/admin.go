package telegram

import (
	"context"
	"strconv"
	"strings"
	"time"

	"allot/domain"
)

// adminCommand runs an admin's text command and reports whether cmd was
// one. Every change goes through an engine entry point that records it in
// the audit log under the admin's id; a person who is not an admin is told
// so and nothing happens.
func (s *session) adminCommand(cmd, rest string) bool {
	type admin func(ctx context.Context, f []string) error
	usage := map[string]string{
		"/add_number":    "/add_number +888…",
		"/remove_number": "/remove_number +888…",
		"/price":         "/price +888…|default DAYS TON",
		"/block":         "/block +888… reason",
		"/unblock":       "/unblock +888…",
		"/extend":        "/extend +888… DAYS",
		"/cancel_rental": "/cancel_rental +888… REFUND_TON",
		"/reclaim":       "/reclaim +888…",
		"/adjust":        "/adjust USER TON reason",
		"/assign":        "/assign TX USER",
	}
	by := s.user
	op := func(kind string) domain.OpID { return s.op("a" + kind + strconv.FormatInt(time.Now().UnixNano(), 36)) }
	cmds := map[string]admin{
		"/add_number": func(ctx context.Context, f []string) error {
			_, err := s.bot.eng.AddNumber(ctx, by, strings.Join(f, "")) // "+888 0000 0001" as people type it
			return err
		},
		"/remove_number": func(ctx context.Context, f []string) error {
			_, err := s.bot.eng.RemoveNumber(ctx, by, strings.Join(f, ""))
			return err
		},
		"/price": func(ctx context.Context, f []string) error {
			days, err := strconv.Atoi(f[1])
			if err != nil {
				return domain.ErrBadPeriod
			}
			amount, err := domain.ParseTON(f[2])
			if err != nil {
				return err
			}
			if f[0] == "default" {
				return s.bot.eng.SetDefaultPrice(ctx, by, days, amount)
			}
			_, err = s.bot.eng.SetNumberPrice(ctx, by, f[0], days, amount)
			return err
		},
		"/block": func(ctx context.Context, f []string) error {
			_, err := s.bot.eng.Block(ctx, by, f[0], strings.Join(f[1:], " "))
			return err
		},
		"/unblock": func(ctx context.Context, f []string) error {
			_, err := s.bot.eng.Unblock(ctx, by, f[0])
			return err
		},
		"/extend": func(ctx context.Context, f []string) error {
			days, err := strconv.Atoi(f[1])
			if err != nil || days <= 0 {
				return domain.ErrBadPeriod
			}
			n, err := s.bot.eng.Number(ctx, f[0])
			if err != nil {
				return err
			}
			if n.Rental == nil {
				return domain.ErrNotRented
			}
			_, err = s.bot.eng.Extend(ctx, by, f[0], n.Rental.Until.Add(time.Duration(days)*24*time.Hour))
			return err
		},
		"/cancel_rental": func(ctx context.Context, f []string) error {
			refund, err := domain.ParseTON(f[1])
			if err != nil && f[1] != "0" {
				return err
			}
			_, err = s.bot.eng.CancelRental(ctx, op("c"), by, f[0], refund)
			return err
		},
		"/reclaim": func(ctx context.Context, f []string) error {
			_, err := s.bot.eng.Reclaim(ctx, by, f[0])
			return err
		},
		"/adjust": func(ctx context.Context, f []string) error {
			u, err := s.bot.eng.FindUser(ctx, f[0])
			if err != nil {
				return err
			}
			amount, err := domain.ParseTON(strings.TrimPrefix(f[1], "-"))
			if err != nil {
				return err
			}
			if strings.HasPrefix(f[1], "-") {
				amount = -amount
			}
			_, err = s.bot.eng.AdjustBalance(ctx, op("j"), by, u.ID, amount, strings.Join(f[2:], " "))
			return err
		},
		"/assign": func(ctx context.Context, f []string) error {
			u, err := s.bot.eng.FindUser(ctx, f[1])
			if err != nil {
				return err
			}
			_, err = s.bot.eng.AssignOrphan(ctx, by, f[0], u.ID)
			return err
		},
	}
	minArgs := map[string]int{"/add_number": 1, "/remove_number": 1, "/price": 3, "/block": 1, "/unblock": 1, "/extend": 2,
		"/cancel_rental": 2, "/reclaim": 1, "/adjust": 3, "/assign": 2}
	fn, isChange := cmds[cmd]
	if !isChange && cmd != "/orphans" && cmd != "/audit" && cmd != "/admin" {
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
	case "/audit":
		s.audit(ctx, rest)
		return true
	}
	f := strings.Fields(rest)
	if len(f) < minArgs[cmd] {
		s.send(s.t("admin_usage", "usage", usage[cmd]), nil)
		return true
	}
	if err := fn(ctx, f); err != nil {
		s.send(s.errText(err)+"\n"+s.t("admin_usage", "usage", usage[cmd]), nil)
		return true
	}
	s.send(s.t("admin_done"), nil)
	return true
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
		lines = append(lines, s.t("orphan_line", "amount", o.Amount.Decimal(), "from", o.From, "at", when(o.At),
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
	if s.distOn() {
		return s.t("admin_menu") + s.t("admin_menu_dist")
	}
	return s.t("admin_menu")
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
