package telegram

import (
	"allot/actors"
	"allot/domain"
	"context"

	"github.com/mymmrac/telego"
)

// The admins' side of the login-code relay: fresh Fragment cookies given
// in a private chat, and a lost Fragment login told to them.

// fragmentEngine is what /fragment_cookies asks of the engine: the audit
// line of fresh cookies given.
type fragmentEngine interface {
	Audit(ctx context.Context, by domain.UserID, action, target string)
}

var _ fragmentEngine = (*actors.Engine)(nil)

// fragmentCookies takes fresh cookies for the relay from an admin's
// "/fragment_cookies <header>" in a private chat. The message is deleted at
// once (it holds the login) and the cookies are never echoed back.
func (s *session) fragmentCookies(r adminReq) error {
	chat, msgID, header := r.msg.Chat, r.msg.MessageID, r.rest
	ctx, cancel := s.ctx()
	defer cancel()
	// Whoever sent it, and whether or not they may act now, the message may
	// hold a login: it goes first.
	if err := s.bot.api.DeleteMessage(ctx, &telego.DeleteMessageParams{ChatID: chat.ChatID(), MessageID: msgID}); err != nil {
		s.bot.log.Warn("deleting a message with Fragment cookies failed: delete it by hand", "user", s.user, "err", err)
	}
	if !s.adminMayAct() {
		return nil
	}
	switch {
	case chat.Type != telego.ChatTypePrivate:
		s.send(s.t("fragment_cookies_private"), nil)
	case s.bot.cfg.SetFragmentCookies == nil:
		s.send(s.t("fragment_cookies_off"), nil)
	case header == "":
		return errUsage
	default:
		if err := s.bot.cfg.SetFragmentCookies(header); err != nil {
			s.bot.log.Warn("fresh Fragment cookies refused", "err", err) // the error names a cookie, never a value
			s.send(s.t("fragment_cookies_bad", "why", err.Error()), nil)
			return nil
		}
		ctx, cancel := s.ctx()
		defer cancel()
		s.bot.eng.Audit(ctx, s.user, "fragment.cookies", "")
		s.send(s.t("fragment_cookies_set"), nil)
	}
	return nil
}

// AlertFragment tells the owner and admins that the relay's Fragment login
// is lost, and what to do about it.
func (b *Bot) AlertFragment(why string) {
	b.tellAdmins(func(r *session) string { return r.t("fragment_alert", "why", why) })
}
