package telegramtest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/mymmrac/telego"
)

const errNotModified = "message is not modified: specified new message content and reply markup are " +
	"exactly the same as a current content and reply markup of the message"

func (s *Server) getMe(context.Context, *call) (result, *apiError) {
	return result{value: s.bot}, nil
}

func (s *Server) sendMessage(_ context.Context, c *call) (result, *apiError) {
	t, e := messageText(c)
	if e != nil {
		return result{}, e
	}
	mk, e := parseMarkup(c.p.ReplyMarkup)
	if e != nil {
		return result{}, e
	}
	return s.add(c.p.ChatID, Message{
		Text: t.plain, Entities: t.entities, Source: t.source, ParseMode: t.parseMode,
		Keyboard: mk.inline, ReplyKeyboard: mk.reply,
	})
}

// messageText reads a text argument: 1–4096 characters once parsed.
func messageText(c *call) (text, *apiError) {
	t, e := parseText(string(c.p.Text), string(c.p.ParseMode), c.p.Entities, maxTextLen, "message is too long")
	if e == nil && strings.TrimSpace(t.plain) == "" {
		e = badRequest("message text is empty")
	}
	return t, e
}

// targetLocked resolves the chat a method writes to. Only private chats
// exist, so a username never resolves.
func (s *Server) targetLocked(ref chatRef) (*chat, *apiError) {
	if ref.ID == 0 && ref.Username == "" {
		return nil, badRequest("chat_id is empty")
	}
	c := s.chats[ref.ID]
	if ref.Username != "" || c == nil {
		return nil, badRequest("chat not found")
	}
	if c.blocked {
		return nil, &apiError{code: 403, desc: "Forbidden: bot was blocked by the user"}
	}
	return c, nil
}

// add puts a new message from the bot into a chat, past flood control.
func (s *Server) add(ref chatRef, m Message) (result, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.targetLocked(ref)
	if e != nil {
		return result{}, e
	}
	if e := s.admitLocked(c); e != nil {
		return result{}, e
	}
	m.ID, m.ChatID, m.Date = c.nextMessageID(), c.user.ID, s.now()
	m.Photo = s.registerLocked(m.Photo, "AgACAgIAAxkBAAI")
	m.Document = s.registerLocked(m.Document, "BQACAgIAAxkBAAI")
	c.msgs[m.ID] = &m
	c.order = append(c.order, m.ID)
	s.emitLocked(Event{Kind: EventSent, ChatID: m.ChatID, Message: clone(&m)})
	return result{value: s.keepWireLocked(c, &m)}, nil
}

// registerLocked gives a newly sent file its file_id; a file sent again by
// its file_id keeps it.
func (s *Server) registerLocked(f *File, prefix string) *File {
	if f == nil || f.ID != "" {
		return f
	}
	s.nextFile++
	f.ID, f.UniqueID = fmt.Sprintf("%s%06d", prefix, s.nextFile), fmt.Sprintf("AQADfake%06d", s.nextFile)
	s.files[f.ID] = f
	return f
}

// wireLocked is the message as the Bot API returns it: from the bot, in a
// private chat, with a date, and with the inline keyboard as reply_markup.
func (s *Server) wireLocked(c *chat, m *Message) telego.Message {
	tm := telego.Message{MessageID: m.ID, From: s.from, Date: max(m.Date.Unix(), 1), Chat: c.user.chat()}
	if !m.EditDate.IsZero() {
		tm.EditDate = m.EditDate.Unix()
	}
	if m.Photo != nil || m.Document != nil {
		tm.Caption, tm.CaptionEntities = m.Text, m.Entities
	} else {
		tm.Text, tm.Entities = m.Text, m.Entities
	}
	if f := m.Photo; f != nil {
		tm.Photo = []telego.PhotoSize{{FileID: f.ID, FileUniqueID: f.UniqueID, Width: f.Width, Height: f.Height, FileSize: f.Size}}
	}
	if f := m.Document; f != nil {
		tm.Document = &telego.Document{FileID: f.ID, FileUniqueID: f.UniqueID, FileName: f.Name, MimeType: f.MIMEType, FileSize: int64(f.Size)}
	}
	if len(m.Keyboard) > 0 {
		tm.ReplyMarkup = &telego.InlineKeyboardMarkup{InlineKeyboard: m.Keyboard}
	}
	return tm
}

func (s *Server) editMessageText(_ context.Context, c *call) (result, *apiError) {
	t, e := messageText(c)
	if e != nil {
		return result{}, e
	}
	mk, e := parseMarkup(c.p.ReplyMarkup)
	if e != nil {
		return result{}, e
	}
	return s.edit(c, func(old Message) (Message, *apiError) {
		if old.Photo != nil || old.Document != nil {
			return old, badRequest("there is no text in the message to edit")
		}
		old.Text, old.Entities, old.Source, old.ParseMode = t.plain, t.entities, t.source, t.parseMode
		old.Keyboard = mk.inline // no reply_markup removes the keyboard, as on Telegram
		return old, nil
	})
}

func (s *Server) editMessageCaption(_ context.Context, c *call) (result, *apiError) {
	t, e := parseText(string(c.p.Caption), string(c.p.ParseMode), c.p.CaptionEntities, maxCaptionLen, "message caption is too long")
	if e != nil {
		return result{}, e
	}
	mk, e := parseMarkup(c.p.ReplyMarkup)
	if e != nil {
		return result{}, e
	}
	return s.edit(c, func(old Message) (Message, *apiError) {
		if old.Photo == nil && old.Document == nil {
			return old, badRequest("there is no caption in the message to edit")
		}
		old.Text, old.Entities, old.Source, old.ParseMode = t.plain, t.entities, t.source, t.parseMode
		old.Keyboard = mk.inline
		return old, nil
	})
}

func (s *Server) editMessageReplyMarkup(_ context.Context, c *call) (result, *apiError) {
	mk, e := parseMarkup(c.p.ReplyMarkup)
	if e != nil {
		return result{}, e
	}
	return s.edit(c, func(old Message) (Message, *apiError) {
		old.Keyboard = mk.inline
		return old, nil
	})
}

// edit applies change to one of the bot's messages, refusing a change that
// changes nothing as Telegram does.
func (s *Server) edit(c *call, change func(Message) (Message, *apiError)) (result, *apiError) {
	if c.p.InlineMessageID != "" {
		return result{}, badRequest("MESSAGE_ID_INVALID") // no inline messages here
	}
	if c.p.MessageID == 0 {
		return result{}, badRequest("message identifier is not specified")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, e := s.targetLocked(c.p.ChatID)
	if e != nil {
		return result{}, e
	}
	old := ch.msgs[int(c.p.MessageID)]
	if old == nil {
		return result{}, badRequest("message to edit not found")
	}
	m, e := change(*old)
	if e != nil {
		return result{}, e
	}
	if sameContent(old, &m) {
		return result{}, badRequest(errNotModified)
	}
	m.EditDate = s.now()
	ch.msgs[m.ID] = &m
	s.emitLocked(Event{Kind: EventEdited, ChatID: m.ChatID, Message: clone(&m)})
	return result{value: s.keepWireLocked(ch, &m)}, nil
}

func sameContent(a, b *Message) bool {
	return a.Text == b.Text && equalish(a.Entities, b.Entities) && equalish(a.Keyboard, b.Keyboard)
}

// equalish compares slices, an empty one equal to none.
func equalish[T any](a, b []T) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

func (s *Server) deleteMessage(_ context.Context, c *call) (result, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, e := s.targetLocked(c.p.ChatID)
	if e != nil {
		return result{}, e
	}
	id := int(c.p.MessageID)
	m := ch.msgs[id]
	if m != nil {
		delete(ch.msgs, id)
		delete(ch.wire, id)
		ch.order = slices.DeleteFunc(ch.order, func(x int) bool { return x == id })
	} else if m = ch.userMsgs[id]; m != nil {
		delete(ch.userMsgs, id)
	} else {
		return result{}, badRequest("message to delete not found")
	}
	s.emitLocked(Event{Kind: EventDeleted, ChatID: m.ChatID, Message: clone(m)})
	return result{value: true}, nil
}

func (s *Server) answerCallbackQuery(_ context.Context, c *call) (result, *apiError) {
	if utf8.RuneCountInString(string(c.p.Text)) > maxAnswerTextLen {
		return result{}, badRequest("MESSAGE_TOO_LONG")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := string(c.p.CallbackQueryID)
	q := s.queries[id]
	if q == nil || q.answer != nil {
		return result{}, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	q.answer = &CallbackAnswer{
		QueryID: id, ChatID: q.chatID, MessageID: q.messageID, Text: string(c.p.Text),
		ShowAlert: bool(c.p.ShowAlert), URL: string(c.p.URL), CacheTime: int(c.p.CacheTime),
	}
	answer := *q.answer
	s.emitLocked(Event{Kind: EventAnswered, ChatID: q.chatID, Answer: &answer})
	return result{value: true}, nil
}

// chatActions are the actions sendChatAction takes.
var chatActions = []string{
	"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
	"upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
}

func (s *Server) sendChatAction(_ context.Context, c *call) (result, *apiError) {
	action := string(c.p.Action)
	if !slices.Contains(chatActions, action) {
		return result{}, badRequest("wrong parameter action in request")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, e := s.targetLocked(c.p.ChatID)
	if e != nil {
		return result{}, e
	}
	s.emitLocked(Event{Kind: EventChatAction, ChatID: ch.user.ID, Action: action})
	return result{value: true}, nil
}

func (s *Server) setMyCommands(_ context.Context, c *call) (result, *apiError) {
	var cmds []telego.BotCommand
	if err := c.p.Commands.decode(&cmds); err != nil {
		return result{}, badRequest("can't parse commands JSON object")
	}
	if len(cmds) > 100 {
		return result{}, badRequest("BOT_COMMANDS_TOO_MUCH")
	}
	for _, cmd := range cmds {
		if !validCommand(cmd.Command) {
			return result{}, badRequest("BOT_COMMAND_INVALID")
		}
		if n := utf8.RuneCountInString(cmd.Description); n < 1 || n > 256 {
			return result{}, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	var scope struct {
		Type   string  `json:"type"`
		ChatID chatRef `json:"chat_id"`
	}
	if err := c.p.Scope.decode(&scope); err != nil {
		return result{}, badRequest("can't parse BotCommandScope JSON object")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if scope.Type != "chat" { // the default scope; others are kept with it
		s.commands[string(c.p.LanguageCode)] = cmds
		return result{value: true}, nil
	}
	ch, e := s.targetLocked(scope.ChatID)
	if e != nil {
		return result{}, e
	}
	if s.chatCmds[ch.user.ID] == nil {
		s.chatCmds[ch.user.ID] = map[string][]telego.BotCommand{}
	}
	s.chatCmds[ch.user.ID][string(c.p.LanguageCode)] = cmds
	return result{value: true}, nil
}

// validCommand is Telegram's rule: 1–32 lower-case letters, digits and "_".
func validCommand(cmd string) bool {
	if len(cmd) < 1 || len(cmd) > 32 {
		return false
	}
	for _, r := range cmd {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}
