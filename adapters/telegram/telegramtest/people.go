package telegramtest

import (
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/mymmrac/telego"
)

// User is a simulated person. ID is also the ID of their private chat with
// the bot, as on Telegram.
type User struct {
	ID           int64  `json:"id"`
	FirstName    string `json:"first_name"`
	Username     string `json:"username,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
	IsPremium    bool   `json:"is_premium,omitempty"`
}

func (u User) telego() telego.User {
	return telego.User{
		ID: u.ID, FirstName: u.FirstName, Username: u.Username,
		LanguageCode: u.LanguageCode, IsPremium: u.IsPremium,
	}
}

func (u User) chat() telego.Chat {
	return telego.Chat{ID: u.ID, Type: telego.ChatTypePrivate, FirstName: u.FirstName, Username: u.Username}
}

// AddUser opens a private chat with u without sending anything, as if u had
// started the bot earlier: the bot may then send to u. Until a person has
// met the bot, sending to them fails with "chat not found".
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatLocked(u)
}

// chatLocked returns u's chat, opening it on first contact; a person writing
// again unblocks the bot, as restarting it does on Telegram.
func (s *Server) chatLocked(u User) *chat {
	c := s.chats[u.ID]
	if c == nil {
		c = &chat{msgs: map[int]*Message{}, userMsgs: map[int]*Message{}, wire: map[int]wireCopy{}}
		s.chats[u.ID] = c
	}
	c.user = u
	return c
}

// SendText makes u send text to the bot and returns the update's ID. A
// leading /command is marked as a bot_command entity, as Telegram does.
func (s *Server) SendText(u User, text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatLocked(u)
	s.unblockLocked(c)
	from := u.telego()
	msg := &telego.Message{
		MessageID: c.nextMessageID(), From: &from, Date: s.unixNow(), Chat: u.chat(),
		Text: text, Entities: commandEntity(text),
	}
	record := &Message{ID: msg.MessageID, ChatID: u.ID, FromUser: true, Date: s.now(), Text: text, Source: text}
	c.userMsgs[msg.MessageID] = record
	s.emitLocked(Event{Kind: EventUserMessage, ChatID: u.ID, Message: clone(record)})
	return s.queueLocked(pending{Update: telego.Update{Message: msg}, own: true})
}

// Command makes u send /command, followed by args if there are any.
func (s *Server) Command(u User, command, args string) int {
	text := "/" + strings.TrimPrefix(command, "/")
	if args != "" {
		text += " " + args
	}
	return s.SendText(u, text)
}

func commandEntity(text string) []telego.MessageEntity {
	if !strings.HasPrefix(text, "/") || len(text) < 2 {
		return nil
	}
	cmd, _, _ := strings.Cut(text, " ")
	cmd, _, _ = strings.Cut(cmd, "\n")
	return []telego.MessageEntity{{Type: telego.EntityTypeBotCommand, Offset: 0, Length: len(utf16.Encode([]rune(cmd)))}}
}

// PressButton makes u press the inline button with callbackData on the bot's
// message messageID in u's chat, and returns the callback query's ID. The
// update carries the message as it is now, with its date, which is how
// telego tells an accessible message from an inaccessible one. Pressing a
// button that is not there is a mistake in the test: ErrNoMessage or
// ErrNoButton.
func (s *Server) PressButton(u User, messageID int, callbackData string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", ErrClosed
	}
	c := s.chats[u.ID]
	if c == nil || c.msgs[messageID] == nil {
		return "", ErrNoMessage
	}
	m := c.msgs[messageID]
	if !hasCallback(m, callbackData) {
		return "", ErrNoButton
	}
	c.user = u
	id := strconv.FormatInt(s.nextQuery, 10)
	s.nextQuery++
	s.queries[id] = &callbackQuery{chatID: u.ID, messageID: messageID}
	wire := s.wireLocked(c, m)
	s.emitLocked(Event{Kind: EventButtonPressed, ChatID: u.ID, Message: clone(m), Data: callbackData, QueryID: id})
	s.queueLocked(pending{Update: telego.Update{CallbackQuery: &telego.CallbackQuery{
		ID: id, From: u.telego(), Message: &wire, Data: callbackData,
		ChatInstance: strconv.FormatInt(u.ID*7919+s.bot.ID, 10),
	}}, own: true, message: c.wireOfLocked(m)})
	return id, nil
}

// hasCallback walks the rows in place: Buttons would copy them, on every
// press of the load test.
func hasCallback(m *Message, data string) bool {
	for _, row := range m.Keyboard {
		for i := range row {
			if row[i].CallbackData == data {
				return true
			}
		}
	}
	return false
}

// callbackQuery is a button press waiting for, or given, its answer.
type callbackQuery struct {
	chatID    int64
	messageID int
	answer    *CallbackAnswer
}

// SetBlocked makes u block (or unblock) the bot: the bot gets a
// my_chat_member update and, while blocked, every send to u fails with 403
// "Forbidden: bot was blocked by the user".
func (s *Server) SetBlocked(u User, blocked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatLocked(u)
	if c.blocked == blocked {
		return
	}
	c.blocked = blocked
	s.queueMemberLocked(c, blocked)
}

func (s *Server) unblockLocked(c *chat) {
	if c.blocked {
		c.blocked = false
		s.queueMemberLocked(c, false)
	}
}

func (s *Server) queueMemberLocked(c *chat, blocked bool) {
	var member telego.ChatMember = &telego.ChatMemberMember{Status: telego.MemberStatusMember, User: s.bot}
	var banned telego.ChatMember = &telego.ChatMemberBanned{Status: telego.MemberStatusBanned, User: s.bot}
	old, now := member, banned
	if !blocked {
		old, now = banned, member
	}
	s.queueLocked(pending{Update: telego.Update{MyChatMember: &telego.ChatMemberUpdated{
		Chat: c.user.chat(), From: c.user.telego(), Date: s.unixNow(),
		OldChatMember: old, NewChatMember: now,
	}}})
}

// PushUpdate queues an update the helpers above do not build; the fake
// assigns its update_id and returns it.
func (s *Server) PushUpdate(u telego.Update) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queueLocked(pending{Update: u})
}

func clone(m *Message) *Message {
	c := *m
	return &c
}

func (s *Server) unixNow() int64 { return max(s.now().Unix(), 1) }
