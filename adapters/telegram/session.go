package telegram

import (
	"allot/actors"
	"allot/domain"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mymmrac/telego"
)

// sessionEngine is what a session asks of the engine about the person
// behind it: who they are (the language they chose, their name), and
// their profile as Telegram last sent it, so transfers find them by
// @username.
type sessionEngine interface {
	FindUser(ctx context.Context, ref string) (domain.User, error)
	SeeUser(ctx context.Context, u domain.User) error
}

var _ sessionEngine = (*actors.Engine)(nil)

// session is one person's conversation: an actor in all but name, whose
// queue is its mailbox, so that their updates are handled one at a time in
// the order they were sent. It holds only what may be lost: the language
// (also stored with the user), and a question the bot is waiting for an
// answer to (a transfer's recipient). It ends when idle.
type session struct {
	bot   *Bot
	user  domain.UserID
	queue chan func(*session)

	lang     string
	premium  bool
	from     telego.User     // the profile Telegram sent last
	awaiting string          // "transfer" while asking to whom, "nickname" while registering, or a proxy step
	arg      string          // its number
	proxy    *proxyDraft     // the proxy being added or picked (proxies.go)
	confirm  *pendingConfirm // a destructive admin command awaiting its confirmation (distrib.go)
	updateOp domain.OpID     // the operation of the update being handled ("" for a notice)
	recorded domain.User     // the profile the engine last took from this session (seen)
}

func (s *session) run() {
	defer s.bot.wg.Done()
	idle := time.NewTimer(s.bot.cfg.SessionIdle)
	defer idle.Stop()
	for {
		select {
		case task := <-s.queue:
			s.safely(task)
			idle.Reset(s.bot.cfg.SessionIdle)
		case <-idle.C:
			b := s.bot
			b.mu.Lock()
			if len(s.queue) == 0 {
				delete(b.sessions, int64(s.user))
				b.mu.Unlock()
				return
			}
			b.mu.Unlock()
			idle.Reset(b.cfg.SessionIdle)
		case <-s.bot.ctx.Done():
			return
		}
	}
}

// safely runs a task, turning a panic into a log line and a short apology:
// one bad update must not end a person's session or the bot.
func (s *session) safely(task func(*session)) {
	defer func() {
		if p := recover(); p != nil {
			s.bot.log.Error("update handler panicked", "user", s.user, "panic", fmt.Sprint(p))
			s.send(s.t("error"), nil)
		}
	}()
	task(s)
}

// ctx bounds one engine or Telegram call. While an update is handled it
// carries the update's operation, which keys the audit entries the engine
// writes, so an update delivered again is audited once.
func (s *session) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(s.base(), 15*time.Second)
}

// base is the bot's context with the update's operation, for a call that
// needs its own bound.
func (s *session) base() context.Context {
	if s.updateOp == "" {
		return s.bot.ctx
	}
	return actors.WithOperation(s.bot.ctx, s.updateOp)
}

func (s *session) t(key string, kv ...any) string { return s.bot.txt.T(s.lang, key, kv...) }

func (s *session) isAdmin() bool {
	return s.user == s.bot.cfg.Owner && s.user != 0 || slices.Contains(s.bot.cfg.Admins, s.user)
}

// op is an operation id for a change a button asks for. The nonce was put
// in the button when it was drawn, so pressing it twice, or again after a
// restart, is the same operation and happens once.
func (s *session) op(nonce string) domain.OpID {
	return domain.OpID("tg:" + strconv.FormatInt(int64(s.user), 10) + ":" + nonce)
}

// update handles one update of this session's person.
func (s *session) update(u telego.Update, from telego.User) {
	if s.lang == "" {
		s.start(from)
	}
	s.premium, s.from = from.IsPremium, from
	ok, tell := s.bot.lim.Allow(int64(s.user), from.IsPremium, ActMessage)
	if !ok {
		if u.CallbackQuery != nil {
			s.answer(u.CallbackQuery.ID, s.t("throttled"))
		} else if tell {
			s.send(s.t("throttled"), nil)
		}
		return
	}
	s.seen(from)
	switch {
	case u.CallbackQuery != nil:
		s.callback(u.CallbackQuery)
	case u.Message != nil:
		s.message(u.UpdateID, u.Message)
	}
}

// start picks the language: the one stored with the user (their choice),
// else Telegram's language_code.
func (s *session) start(from telego.User) {
	s.lang = langOf(from.LanguageCode)
	ctx, cancel := s.ctx()
	defer cancel()
	if u, err := s.bot.eng.FindUser(ctx, strconv.FormatInt(from.ID, 10)); err == nil && u.Lang != "" {
		s.lang = u.Lang
	}
}

// seen records the person's profile, so transfers can find them by
// @username. The engine records only a change; the session remembers what
// it last recorded and asks only when the profile differs, which spares
// an engine round trip on nearly every update (3% of the bot's CPU in the
// load test).
func (s *session) seen(from telego.User) {
	name := strings.TrimSpace(from.FirstName + " " + from.LastName)
	u := domain.User{ID: s.user, Username: from.Username, Name: name, Lang: s.lang, Premium: from.IsPremium}
	if u == s.recorded {
		return
	}
	ctx, cancel := s.ctx()
	defer cancel()
	if err := s.bot.eng.SeeUser(ctx, u); err != nil {
		s.bot.log.Warn("recording a user failed", "user", s.user, "err", err)
		return
	}
	s.recorded = u
}

func (s *session) message(updateID int, m *telego.Message) {
	text := strings.TrimSpace(m.Text)
	cmd, rest, _ := strings.Cut(text, " ")
	cmd, _, _ = strings.Cut(cmd, "@") // /start@AllotBot in groups
	switch cmd {
	case "/start", "/menu":
		s.awaiting = ""
		s.menu(0)
		return
	case "/lang":
		s.switchLang(0)
		return
	case "/code":
		s.codeCommand(strings.TrimSpace(rest))
		return
	case "/cancel":
		s.awaiting = ""
		s.send(s.t("cancelled"), s.kb(s.row(s.btn("btn_menu", "menu"))))
		return
	}
	if strings.HasPrefix(cmd, "/") && s.adminCommand(updateID, m, cmd, strings.TrimSpace(rest)) {
		return
	}
	if s.distMessage(cmd, text) || s.proxyMessage(text) {
		return
	}
	if s.awaiting == "transfer" && !strings.HasPrefix(text, "/") {
		s.transferTo(updateID, s.arg, text)
		return
	}
	s.send(s.t("unknown_command"), s.menuKeyboard())
}

func (s *session) orStale(err error, fn func()) {
	if err != nil {
		s.show(0, s.t("stale_button"), s.menuKeyboard())
		return
	}
	fn()
}

func (s *session) switchLang(msgID int) {
	if s.lang == "ru" {
		s.lang = "en"
	} else {
		s.lang = "ru"
	}
	s.seen(s.from) // the whole profile, or the username a transfer finds them by would be lost
	s.menu(msgID)
}

// allowed reports whether the person may do act now; when not, they are
// told so once per throttled stretch, not on every attempt.
func (s *session) allowed(act Action) bool {
	ok, tell := s.bot.lim.Allow(int64(s.user), s.premium, act)
	if !ok && tell {
		s.send(s.t("throttled"), nil)
	}
	return ok
}
