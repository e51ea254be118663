package telegram

import (
	"allot/actors"
	"allot/domain"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The admins' distribution commands (the dist lines of admin.go's table):
// the whitelist, regions, today-only numbers and the stock buffers,
// destructive ones behind a confirmation; everything goes to the audit log.

// distAdminEngine is what the admins' distribution commands ask of the
// engine.
type distAdminEngine interface {
	Staff(ctx context.Context) ([]domain.User, error)
	DecideStaff(ctx context.Context, by, id domain.UserID, to domain.Approval) (domain.User, error)
	Regions() []string
	AddRegion(ctx context.Context, by domain.UserID, code string) error
	RemoveRegion(ctx context.Context, by domain.UserID, code string) error
	TodayOnly() bool
	SetTodayOnly(ctx context.Context, by domain.UserID, on bool) error
	Pools() []actors.PoolCounts
	FlushStock(ctx context.Context, by domain.UserID) error
	ReleaseStock(ctx context.Context, by domain.UserID) (int, error)
}

var _ distAdminEngine = (*actors.Engine)(nil)

// regions is /regions: the regions stock is issued in.
func (s *session) regions(adminReq) error {
	s.send(s.t("regions_list", "regions", strings.Join(s.bot.eng.Regions(), ", ")), nil)
	return nil
}

// addRegion is /add_region CODE.
func (s *session) addRegion(r adminReq) error { return s.bot.eng.AddRegion(r.ctx, s.user, r.rest) }

// whitelistRemove is /whitelist_remove ID, once confirmed.
func (s *session) whitelistRemove(r adminReq) error {
	id, err := strconv.ParseInt(r.rest, 10, 64)
	if err != nil {
		return errUsage
	}
	s.askConfirm("wlrm", strconv.FormatInt(id, 10), s.t("confirm_whitelist_remove", "id", id))
	return nil
}

// removeRegion is /remove_region CODE, once confirmed.
func (s *session) removeRegion(r adminReq) error {
	s.askConfirm("rgrm", r.rest, s.t("confirm_remove_region", "region", r.rest))
	return nil
}

// todayOnly is /numbers_today_mod: today-only numbers switched, once
// confirmed.
func (s *session) todayOnly(adminReq) error {
	key := "confirm_today_on"
	if s.bot.eng.TodayOnly() {
		key = "confirm_today_off"
	}
	s.askConfirm("today", "", s.t(key))
	return nil
}

// bufferClear is /buffer_clear, once confirmed.
func (s *session) bufferClear(adminReq) error {
	s.askConfirm("flush", "", s.t("confirm_buffer_clear"))
	return nil
}

// bufferRelease is /buffer_release, once confirmed.
func (s *session) bufferRelease(adminReq) error {
	s.askConfirm("release", "", s.t("confirm_buffer_release"))
	return nil
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

func (s *session) whitelist(r adminReq) error {
	staff, err := s.bot.eng.Staff(r.ctx)
	if err != nil {
		s.fail(0, err)
		return nil
	}
	if len(staff) == 0 {
		s.send(s.t("whitelist_empty"), nil)
		return nil
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
	return nil
}

// poolsReport shows every pool's size: what an operator checks when
// someone says "there are no accounts".
func (s *session) poolsReport(adminReq) error {
	pools := s.bot.eng.Pools()
	if len(pools) == 0 {
		s.send(s.t("pools_empty"), nil)
		return nil
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
	return nil
}
