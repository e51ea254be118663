package telegram

import (
	"allot/domain"
	"slices"

	"github.com/mymmrac/telego"
)

// Alerts: what only the owner and admins are told, each in their own
// session and language.

// AlertAdmins tells the owner and admins about a distribution problem only
// they can fix (a missing tab, a refused service account, a bad row).
func (b *Bot) AlertAdmins(text string) {
	b.tellAdmins(func(r *session) string { return r.t("dist_alert", "text", text) })
}

// AlertOperations tells the owner and admins about the bot's own upkeep —
// a backup that failed, data set aside at start — under a heading of its
// own: the distribution's would send them looking in the wrong place.
func (b *Bot) AlertOperations(text string) {
	b.tellAdmins(func(r *session) string { return r.t("ops_alert", "text", text) })
}

// tellAdmins sends each admin the text made in their own session (their
// language), after whatever they are doing; an admin who never opened
// the bot gets a session started first.
func (b *Bot) tellAdmins(text func(r *session) string) {
	for _, a := range b.adminIDs() {
		b.enqueue(int64(a), true, func(r *session) {
			if r.lang == "" {
				r.start(telego.User{ID: int64(r.user)})
			}
			r.send(text(r), nil)
		})
	}
}

// alertHandover tells the owner and admins, once, that ending the sessions
// on a number keeps failing: it is not offered again until that succeeds.
func (b *Bot) alertHandover(number, why string) {
	b.tellAdmins(func(r *session) string { return r.t("handover_alert", "number", number, "why", why) })
}

// adminIDs are the people who decide staff requests: the owner and admins.
func (b *Bot) adminIDs() []domain.UserID {
	ids := slices.Clone(b.cfg.Admins)
	if o := b.cfg.Owner; o != 0 && !slices.Contains(ids, o) {
		ids = append([]domain.UserID{o}, ids...)
	}
	return ids
}
