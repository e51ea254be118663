package telegram

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"allot/domain"
)

// The admins' distribution commands: the whitelist, regions, today-only
// numbers and the stock buffers, destructive ones behind a confirmation.

// distAdmin runs the whitelist and stock commands of admins. Destructive
// ones ask for confirmation first; everything goes to the audit log.
func (s *session) distAdmin(cmd, rest string) bool {
	known := []string{"/whitelist", "/whitelist_remove", "/add_region", "/remove_region", "/regions",
		"/numbers_today_mod", "/buffer_clear", "/buffer_release", "/pools"}
	if !slices.Contains(known, cmd) {
		return false
	}
	if !s.adminMayAct() {
		return true
	}
	ctx, cancel := s.ctx()
	defer cancel()
	arg := strings.TrimSpace(rest)
	switch cmd {
	case "/whitelist":
		s.whitelist(ctx)
	case "/regions":
		s.send(s.t("regions_list", "regions", strings.Join(s.bot.eng.Regions(), ", ")), nil)
	case "/pools":
		s.poolsReport()
	case "/add_region":
		if arg == "" {
			s.send(s.t("admin_usage", "usage", "/add_region CODE"), nil)
			return true
		}
		s.adminResult(s.bot.eng.AddRegion(ctx, s.user, arg))
	case "/whitelist_remove":
		id, err := strconv.ParseInt(arg, 10, 64)
		if err != nil {
			s.send(s.t("admin_usage", "usage", "/whitelist_remove ID"), nil)
			return true
		}
		s.askConfirm("wlrm", strconv.FormatInt(id, 10), s.t("confirm_whitelist_remove", "id", id))
	case "/remove_region":
		if arg == "" {
			s.send(s.t("admin_usage", "usage", "/remove_region CODE"), nil)
			return true
		}
		s.askConfirm("rgrm", arg, s.t("confirm_remove_region", "region", arg))
	case "/numbers_today_mod":
		key := "confirm_today_on"
		if s.bot.eng.TodayOnly() {
			key = "confirm_today_off"
		}
		s.askConfirm("today", "", s.t(key))
	case "/buffer_clear":
		s.askConfirm("flush", "", s.t("confirm_buffer_clear"))
	case "/buffer_release":
		s.askConfirm("release", "", s.t("confirm_buffer_release"))
	}
	return true
}

func (s *session) adminResult(err error) {
	if err != nil {
		s.send(s.distErrText(err), nil)
		return
	}
	s.send(s.t("admin_done"), nil)
}

func (s *session) distErrText(err error) string {
	switch {
	case errors.Is(err, domain.ErrBadRegion):
		return s.t("dist_bad_region")
	case errors.Is(err, domain.ErrAlreadyDecided):
		return s.t("admin_nothing_to_do")
	case errors.Is(err, domain.ErrNotPending), errors.Is(err, domain.ErrUnknownUser):
		return s.t("staff_not_found")
	}
	return s.errText(err)
}

// askConfirm asks an admin to confirm a destructive command. The command
// waits in the session: a confirmation after the session ended (or for
// another command) is refused, so a stale button never acts.
func (s *session) askConfirm(what, arg, question string) {
	nonce := newNonce(s.bot.now())
	s.confirm = &pendingConfirm{what: what, arg: arg, nonce: nonce}
	s.send(question, s.kb(s.row(s.btn("btn_confirm", "acf", what, nonce), s.btn("btn_cancel", "menu"))))
}

// pendingConfirm is a destructive admin command awaiting its confirmation.
type pendingConfirm struct {
	what, arg, nonce string
}

func (s *session) confirmed(msgID int, what, nonce string) {
	c := s.confirm
	if c == nil || c.what != what || c.nonce != nonce {
		s.show(msgID, s.t("confirm_expired"), nil)
		return
	}
	s.confirm = nil
	ctx, cancel := s.ctx()
	defer cancel()
	var err error
	text := s.t("admin_done")
	switch what {
	case "wlrm":
		id, _ := strconv.ParseInt(c.arg, 10, 64)
		_, err = s.bot.eng.DecideStaff(ctx, s.user, domain.UserID(id), domain.ApprovalRemoved)
	case "rgrm":
		err = s.bot.eng.RemoveRegion(ctx, s.user, c.arg)
	case "today":
		on := !s.bot.eng.TodayOnly()
		err = s.bot.eng.SetTodayOnly(ctx, s.user, on)
		text = s.t(map[bool]string{true: "today_on", false: "today_off"}[on])
	case "flush":
		err = s.bot.eng.FlushStock(ctx, s.user)
		text = s.t("buffer_cleared")
	case "release":
		var n int
		n, err = s.bot.eng.ReleaseStock(ctx, s.user)
		text = s.t("buffer_released", "count", n)
	}
	if err != nil {
		s.bot.log.Warn("admin command failed", "user", s.user, "command", what, "err", err)
		s.show(msgID, s.distErrText(err), nil)
		return
	}
	s.show(msgID, text, nil)
}

func (s *session) whitelist(ctx context.Context) {
	staff, err := s.bot.eng.Staff(ctx)
	if err != nil {
		s.fail(0, err)
		return
	}
	if len(staff) == 0 {
		s.send(s.t("whitelist_empty"), nil)
		return
	}
	var lines []string
	for _, u := range staff {
		lines = append(lines, s.t("whitelist_line", "id", strconv.FormatInt(int64(u.ID), 10), "nickname", domain.CleanName(u.Nickname), // names stored before they were cleaned
			"name", domain.CleanName(u.Name), "status", s.t("approval_"+u.Approval.String())))
	}
	if len(lines) > 60 { // one message holds about sixty lines
		lines = append(lines[:60], fmt.Sprintf("… +%d", len(lines)-60))
	}
	s.send(s.t("whitelist_head")+"\n"+strings.Join(lines, "\n"), nil)
}

// poolsReport shows every pool's size: what an operator checks when
// someone says "there are no accounts".
func (s *session) poolsReport() {
	pools := s.bot.eng.Pools()
	if len(pools) == 0 {
		s.send(s.t("pools_empty"), nil)
		return
	}
	var lines []string
	for _, p := range pools {
		lines = append(lines, s.t("pools_line", "pool", p.Key, "available", p.Available, "pending", p.Pending,
			"buffer", p.Buffer+p.Flushing))
	}
	if len(lines) > 60 {
		lines = append(lines[:60], fmt.Sprintf("… +%d", len(lines)-60))
	}
	s.send(strings.Join(lines, "\n"), nil)
}
