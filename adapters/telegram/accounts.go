package telegram

import (
	"context"
	"strings"

	"allot/actors"
	"allot/domain"
)

// The admins' side of the account checks (domain/account.go): they hear
// when a returned number is blocked because its former renter left a cloud
// password (and when it is free again is in the message), they list the
// returned numbers whose account still needs a look, and they record a
// look they made by hand.

// accountsEngine is what /unchecked asks of the engine.
type accountsEngine interface {
	UncheckedNumbers(ctx context.Context) []actors.NumberView
}

var _ accountsEngine = (*actors.Engine)(nil)

// accountNotice tells the admins what an account check found, when it is
// something they must know: a deletion asked for, or a ban. It reports
// whether n was such a notice.
func (b *Bot) accountNotice(n actors.Notice) bool {
	var key string
	args := []any{"number", n.Number}
	switch e := n.Event.(type) {
	case *domain.AccountDeletionAsked:
		key = "account_deletion_alert"
		args = append(args, "until", when(e.Until))
	case *domain.AccountChecked:
		if e.Outcome != domain.AccountBanned {
			return false
		}
		key = "account_banned_alert"
	default:
		return false
	}
	b.tellAdmins(func(r *session) string { return r.t(key, args...) })
	return true
}

// uncheckedNumbers lists, for an admin, the returned numbers whose account
// was not looked at yet, each with where its check stands.
func (s *session) uncheckedNumbers(r adminReq) error {
	vs := s.bot.eng.UncheckedNumbers(r.ctx)
	if len(vs) == 0 {
		s.send(s.t("unchecked_none"), nil)
		return nil
	}
	var b strings.Builder
	b.WriteString(s.t("unchecked_head", "count", len(vs)))
	const most = 50 // one message; the rest are counted
	for i, v := range vs {
		if i == most {
			b.WriteString("\n" + s.t("unchecked_more", "count", len(vs)-most))
			break
		}
		b.WriteString("\n")
		switch {
		case !v.DeleteAt.IsZero():
			b.WriteString(s.t("unchecked_deleting", "number", v.ID, "until", when(v.DeleteAt)))
		case v.Status == domain.StatusHandover:
			b.WriteString(s.t("unchecked_checking", "number", v.ID))
		default:
			b.WriteString(s.t("unchecked_manual", "number", v.ID, "status", s.t("status_"+v.Status.String())))
		}
	}
	s.send(b.String(), nil)
	return nil
}
