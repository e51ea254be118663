package telegram

import (
	"context"
	"errors"
	"strconv"
	"time"

	"allot/adapters/telegram/outbox"
	"allot/domain"

	"github.com/mymmrac/telego"
)

// Screens: how a session shows something. A screen is a message with its
// inline keyboard; a button pressed on it edits that message in place.

func (s *session) menuKeyboard() *telego.InlineKeyboardMarkup {
	rows := [][]telego.InlineKeyboardButton{
		s.row(s.btn("btn_catalogue", "cat", "0")),
		s.row(s.btn("btn_my", "my"), s.btn("btn_wallet", "wal", "0")),
		s.row(s.btn("btn_lang", "lang", "x")),
	}
	if s.distOn() {
		if s.isStaff() {
			rows = append(rows, s.row(s.btn("btn_distribution", "dm"), s.btn("btn_proxies", "pxm")))
		} else {
			rows = append(rows, s.row(s.btn("btn_staff", "st")))
		}
	}
	if s.isAdmin() {
		rows = append(rows, s.row(s.btn("btn_admin", "adm")))
	}
	return s.kb(rows...)
}

func (s *session) menu(msgID int) {
	ctx, cancel := s.ctx()
	defer cancel()
	name := ""
	if u, err := s.bot.eng.FindUser(ctx, strconv.FormatInt(int64(s.user), 10)); err == nil {
		name = u.Name
	}
	s.show(msgID, s.t("menu", "name", name, "paid_in", s.paidIn()), s.menuKeyboard())
}

func (s *session) send(text string, kb *telego.InlineKeyboardMarkup) {
	s.showOut(0, outbox.Message{Text: text, Keyboard: kb})
}

// show edits the message a button was on, so menus change in place, or
// sends a new one when there is none.
func (s *session) show(msgID int, text string, kb *telego.InlineKeyboardMarkup) {
	s.showOut(msgID, outbox.Message{Text: text, Keyboard: kb})
}

func (s *session) showOut(msgID int, out outbox.Message) {
	ctx, cancel := s.ctx()
	defer cancel()
	var err error
	if msgID != 0 {
		_, err = s.bot.out.Edit(ctx, int64(s.user), msgID, out)
	} else {
		_, err = s.bot.out.Send(ctx, int64(s.user), out)
	}
	if err != nil && !errors.Is(err, outbox.ErrBlocked) {
		s.bot.log.Warn("sending failed", "user", s.user, "err", err)
	}
}

func (s *session) answer(queryID, text string) {
	ctx, cancel := s.ctx()
	defer cancel()
	s.bot.answer(ctx, queryID, text)
}

// answerWhilePressing answers a callback query with no toast while the
// press is handled: the button's spinner stops once Telegram has it, and
// the press's screen does not wait a round trip to Telegram first. The
// bot waits for it when it stops, as for its sessions (answerers.go).
func (s *session) answerWhilePressing(queryID string) {
	ctx, cancel := s.ctx()
	s.bot.answerBeside(answerJob{ctx: ctx, cancel: cancel, queryID: queryID})
}

// answer answers a callback query; a failure only costs the person a
// spinner, so it is logged at debug.
func (b *Bot) answer(ctx context.Context, queryID, text string) {
	if err := b.out.Answer(ctx, queryID, text, false); err != nil {
		b.log.Debug("answering a callback failed", "err", err)
	}
}

func (s *session) kb(rows ...[]telego.InlineKeyboardButton) *telego.InlineKeyboardMarkup {
	var out [][]telego.InlineKeyboardButton
	for _, r := range rows {
		if len(r) > 0 {
			out = append(out, r)
		}
	}
	return &telego.InlineKeyboardMarkup{InlineKeyboard: out}
}

func (s *session) row(bs ...telego.InlineKeyboardButton) []telego.InlineKeyboardButton { return bs }

// btn is a button labelled with text key.
func (s *session) btn(key, action string, args ...string) telego.InlineKeyboardButton {
	return s.btnText(s.t(key), action, args...)
}

func (s *session) btnText(label, action string, args ...string) telego.InlineKeyboardButton {
	data, err := EncodeCallback(action, args...)
	if err != nil { // a bug in this file: a button that does nothing beats no screen
		s.bot.log.Error("button not drawn", "err", err)
		data, _ = EncodeCallback("noop")
	}
	return telego.InlineKeyboardButton{Text: label, CallbackData: data}
}

func (s *session) pager(action string, page, pages int, args ...string) []telego.InlineKeyboardButton {
	var row []telego.InlineKeyboardButton
	if page > 0 {
		row = append(row, s.btn("btn_prev", action, append(args, strconv.Itoa(page-1))...))
	}
	if page+1 < pages {
		row = append(row, s.btn("btn_next", action, append(args, strconv.Itoa(page+1))...))
	}
	return row
}

// who names a person for another: @username if known, else the id.
func (s *session) who(u domain.UserID) string {
	ctx, cancel := s.ctx()
	defer cancel()
	if p, err := s.bot.eng.FindUser(ctx, strconv.FormatInt(int64(u), 10)); err == nil && p.Username != "" {
		return "@" + p.Username
	}
	return strconv.FormatInt(int64(u), 10)
}

func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }
