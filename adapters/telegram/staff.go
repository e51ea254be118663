package telegram

import (
	"allot/actors"
	"allot/domain"
	"context"
	"errors"
	"strconv"

	"github.com/mymmrac/telego"
)

// Staff: a person asks for access to distribution under a work nickname,
// the admins approve or reject the request, and approved staff (and
// admins) pass the staff checks.

// staffEngine is what staff registration asks of the engine.
type staffEngine interface {
	FindUser(ctx context.Context, ref string) (domain.User, error)
	RequestStaff(ctx context.Context, id domain.UserID, nickname string) (domain.User, error)
	DecideRequest(ctx context.Context, by, id domain.UserID, request int, to domain.Approval) (domain.User, error)
}

var _ staffEngine = (*actors.Engine)(nil)

// distOn reports whether distribution is configured at all.
func (s *session) distOn() bool { return len(s.bot.cfg.Kinds.Kinds) > 0 }

// staffOnly reports whether the person is approved staff (or an admin);
// if not, they are told how to ask for access, on the button's answer when
// there is one.
func (s *session) staffOnly(queryID string) bool {
	if s.isStaff() {
		return true
	}
	if queryID != "" {
		s.answer(queryID, s.t("dist_staff_only_short"))
	}
	s.send(s.t("dist_staff_only"), s.kb(s.row(s.btn("btn_staff", "st")), s.row(s.btn("btn_menu", "menu"))))
	return false
}

// isStaff reports whether the person may use distribution: an approved
// member of staff, or an admin.
func (s *session) isStaff() bool {
	if s.isAdmin() {
		return true
	}
	u, err := s.me()
	return err == nil && u.Approval == domain.ApprovalApproved
}

func (s *session) me() (domain.User, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	return s.bot.eng.FindUser(ctx, strconv.FormatInt(int64(s.user), 10))
}

func (s *session) askNickname(msgID int) {
	u, err := s.me()
	switch {
	case err == nil && u.Approval == domain.ApprovalApproved || s.isAdmin():
		s.show(msgID, s.t("staff_already"), s.menuKeyboard())
	case err == nil && u.Approval == domain.ApprovalPending:
		// Asking again reminds the admins with buttons for the request as it
		// stands: their old message may be lost, or from a build whose
		// buttons did not name the request.
		key := "staff_pending"
		if s.allowed(ActOperation) {
			s.notifyAdmins(u)
			key = "staff_pending_reminded"
		}
		s.show(msgID, s.t(key), s.kb(s.row(s.btn("btn_menu", "menu"))))
	default:
		s.awaiting = "nickname"
		s.show(msgID, s.t("staff_ask_nickname"), nil)
	}
}

func (s *session) register(nickname string) {
	if !s.allowed(ActOperation) {
		return
	}
	ctx, cancel := s.ctx()
	defer cancel()
	u, err := s.bot.eng.RequestStaff(ctx, s.user, nickname)
	switch {
	case errors.Is(err, domain.ErrBadNickname):
		s.send(s.t("staff_bad_nickname"), nil)
		return
	case err != nil:
		s.awaiting = ""
		s.fail(0, err)
		return
	}
	s.awaiting = ""
	s.send(s.t("staff_requested", "nickname", u.Nickname), s.kb(s.row(s.btn("btn_menu", "menu"))))
	s.notifyAdmins(u)
}

// notifyAdmins asks the owner and admins to decide u's pending request,
// with buttons that name the request.
func (s *session) notifyAdmins(u domain.User) {
	who, nick := s.who(s.user), domain.CleanName(u.Nickname)
	for _, a := range s.bot.adminIDs() {
		s.bot.enqueue(int64(a), true, func(r *session) {
			if r.lang == "" {
				r.start(telego.User{ID: int64(r.user)})
			}
			id, req := strconv.FormatInt(int64(u.ID), 10), strconv.Itoa(u.Requests)
			r.send(r.t("staff_request_admin", "who", who, "nickname", nick, "id", id),
				r.kb(r.row(r.btn("btn_approve", "sapv", id, req), r.btn("btn_reject", "srej", id, req))))
		})
	}
}

func (s *session) decideStaff(msgID int, id domain.UserID, request int, approve bool) {
	to := domain.ApprovalRejected
	if approve {
		to = domain.ApprovalApproved
	}
	ctx, cancel := s.ctx()
	defer cancel()
	u, err := s.bot.eng.DecideRequest(ctx, s.user, id, request, to)
	if errors.Is(err, domain.ErrNotPending) {
		s.show(msgID, s.t("staff_decided_already"), nil)
		return
	}
	if err != nil {
		s.fail(msgID, err)
		return
	}
	key := "staff_rejected_admin"
	if approve {
		key = "staff_approved_admin"
	}
	s.show(msgID, s.t(key, "nickname", domain.CleanName(u.Nickname), "id", strconv.FormatInt(int64(id), 10)), nil)
	s.bot.enqueue(int64(id), true, func(r *session) {
		if r.lang == "" {
			r.start(telego.User{ID: int64(r.user)})
		}
		if approve {
			r.send(r.t("staff_approved"), r.menuKeyboard())
		} else {
			r.send(r.t("staff_rejected"), nil)
		}
	})
}
