package telegram

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"allot/actors"
	"allot/domain"
)

// The catalogue sync with the operator's Fragment account, as the admins
// see it (the sync itself is actors.Engine.SyncNumbers): /sync_numbers runs
// it now and answers with what it changed, and AlertNumbersSync tells them
// what a periodic sync changed, or why it failed.

// syncEngine is what /sync_numbers asks of the engine.
type syncEngine interface {
	SyncNumbers(ctx context.Context, by domain.UserID, src actors.OwnedNumbers) (actors.SyncReport, error)
}

var _ syncEngine = (*actors.Engine)(nil)

const (
	syncNamed   = 10              // numbers of each list a report names; the rest are counted
	syncTimeout = 3 * time.Minute // the account's pages at the client's pace, and each change
	syncWhyMax  = 300             // characters of an error a report quotes
)

// syncNumbers is /sync_numbers: the sync, now, under the admin's name (each
// change is audited), answered with its report. With the relay off there
// is no account to read, and the admin is told so.
func (s *session) syncNumbers(adminReq) error {
	if s.bot.cfg.Numbers == nil {
		s.send(s.t("sync_off"), nil)
		return nil
	}
	ctx, cancel := context.WithTimeout(s.base(), syncTimeout)
	defer cancel()
	r, err := s.bot.eng.SyncNumbers(ctx, s.user, s.bot.cfg.Numbers)
	if err != nil {
		s.bot.log.Warn("syncing the numbers with Fragment failed", "user", s.user, "err", err)
	}
	s.send(s.syncText(r, err), nil)
	return nil
}

// AlertNumbersSync tells the owner and admins what a periodic sync of the
// catalogue with the Fragment account changed, or why it failed; a sync
// that changed nothing and did not fail is not worth a message. Its
// signature is the report function actors.Engine.StartNumberSync takes.
func (b *Bot) AlertNumbersSync(r actors.SyncReport, err error) {
	if err == nil && !r.Changed() {
		return
	}
	b.tellAdmins(func(s *session) string { return s.t("sync_alert") + "\n\n" + s.syncText(r, err) })
}

// syncText words a sync's outcome: a refusal and why, or what the account
// lists and what changed (each list counted, its first numbers named), and
// what failed on the way.
func (s *session) syncText(r actors.SyncReport, err error) string {
	switch {
	case errors.Is(err, actors.ErrSyncFetch):
		why := strings.TrimPrefix(err.Error(), actors.ErrSyncFetch.Error()+": ")
		return s.t("sync_fetch_failed", "why", clipWhy(why))
	case errors.Is(err, actors.ErrSyncEmpty):
		return s.t("sync_refused_empty", "catalogue", r.Catalogue)
	case errors.Is(err, actors.ErrSyncForeign):
		return s.t("sync_refused_foreign", "owned", r.Owned, "catalogue", r.Catalogue)
	}
	lines := []string{s.t("sync_report", "owned", r.Owned, "catalogue", r.Catalogue)}
	for _, l := range []struct {
		key string
		ids []string
	}{{"sync_added", r.Added}, {"sync_blocked", r.Blocked}, {"sync_unblocked", r.Unblocked}} {
		if len(l.ids) > 0 {
			lines = append(lines, s.t(l.key, "count", len(l.ids), "numbers", someNumbers(l.ids)))
		}
	}
	if !r.Changed() {
		lines = append(lines, s.t("sync_nothing"))
	}
	if err != nil {
		lines = append(lines, s.t("sync_partial", "why", clipWhy(err.Error())))
	}
	return strings.Join(lines, "\n")
}

// someNumbers lists the first syncNamed numbers and counts the rest.
func someNumbers(ids []string) string {
	if len(ids) <= syncNamed {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:syncNamed], ", ") + " … +" + strconv.Itoa(len(ids)-syncNamed)
}

// clipWhy shortens an error for a message: a sync that failed on many
// numbers joins as many errors.
func clipWhy(why string) string {
	if r := []rune(why); len(r) > syncWhyMax {
		return string(r[:syncWhyMax]) + "…"
	}
	return why
}
