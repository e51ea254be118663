package telegramtest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/mymmrac/telego"
)

// Message is a message in a chat as the person sees it now: after the bot's
// edits, with its keyboard and the bytes of its picture. The slices are
// shared with the fake and must not be modified.
type Message struct {
	ID            int                             `json:"id"`
	ChatID        int64                           `json:"chat_id"`
	FromUser      bool                            `json:"from_user,omitempty"` // the person sent it (seen only in events)
	Date          time.Time                       `json:"date"`
	EditDate      time.Time                       `json:"edit_date,omitzero"` // zero until edited
	Text          string                          `json:"text"`               // the text or caption after parse_mode parsing
	Entities      []telego.MessageEntity          `json:"entities,omitempty"` // offsets in UTF-16 units, as Telegram's
	Source        string                          `json:"source,omitempty"`   // the text as the bot sent it
	ParseMode     string                          `json:"parse_mode,omitempty"`
	Keyboard      [][]telego.InlineKeyboardButton `json:"keyboard,omitempty"`
	ReplyKeyboard *telego.ReplyKeyboardMarkup     `json:"reply_keyboard,omitempty"`
	Photo         *File                           `json:"photo,omitempty"`
	Document      *File                           `json:"document,omitempty"`
}

// Buttons lists the inline buttons row by row, for tests that look one up.
func (m Message) Buttons() []telego.InlineKeyboardButton {
	var all []telego.InlineKeyboardButton
	for _, row := range m.Keyboard {
		all = append(all, row...)
	}
	return all
}

// Button finds an inline button by its label, as a person would.
func (m Message) Button(text string) (telego.InlineKeyboardButton, bool) {
	for _, b := range m.Buttons() {
		if b.Text == text {
			return b, true
		}
	}
	return telego.InlineKeyboardButton{}, false
}

// File is a photo or document the bot sent. Data is empty for a file sent
// by URL: the fake does not fetch it.
type File struct {
	ID       string `json:"file_id"`
	UniqueID string `json:"file_unique_id"`
	Name     string `json:"file_name,omitempty"`
	MIMEType string `json:"mime_type,omitempty"`
	URL      string `json:"url,omitempty"`
	Width    int    `json:"width,omitempty"`
	Height   int    `json:"height,omitempty"`
	Size     int    `json:"file_size"`
	Data     []byte `json:"-"` // fetch by File(ID) to serve it; never modify
}

// EventKind says what happened in a chat.
type EventKind string

// The kinds of Event.
const (
	EventSent          EventKind = "sent"              // the bot sent Message
	EventEdited        EventKind = "edited"            // the bot edited Message (it is the new version)
	EventDeleted       EventKind = "deleted"           // the bot deleted Message (it is the last version)
	EventAnswered      EventKind = "callback_answered" // the bot answered a callback query: Answer
	EventChatAction    EventKind = "chat_action"       // the bot shows Action ("typing")
	EventUserMessage   EventKind = "user_message"      // the person sent Message
	EventButtonPressed EventKind = "button_pressed"    // the person pressed a button with Data on Message
)

// Event is one change in a chat, as Subscribe streams them to a playground.
type Event struct {
	Kind    EventKind       `json:"kind"`
	ChatID  int64           `json:"chat_id"`
	Time    time.Time       `json:"time"`
	Message *Message        `json:"message,omitempty"`
	Answer  *CallbackAnswer `json:"answer,omitempty"`
	Data    string          `json:"data,omitempty"`     // button_pressed: the callback data
	QueryID string          `json:"query_id,omitempty"` // button_pressed: the callback query's ID
	Action  string          `json:"action,omitempty"`   // chat_action
	// Handed is, for a message sent or edited, when the bot was first
	// handed the chat's latest update before it (by getUpdates or the
	// webhook); zero when it had none. Time - Handed is what the bot took
	// to answer, without the wait in the queue before its poll.
	Handed time.Time `json:"handed,omitzero"`
}

// CallbackAnswer is how the bot answered a button press: the toast or alert
// the person saw.
type CallbackAnswer struct {
	QueryID   string `json:"query_id"`
	ChatID    int64  `json:"chat_id"`
	MessageID int    `json:"message_id"`
	Text      string `json:"text,omitempty"`
	ShowAlert bool   `json:"show_alert,omitempty"`
	URL       string `json:"url,omitempty"`
	CacheTime int    `json:"cache_time,omitempty"`
}

// chat is a private chat between the bot and one person.
type chat struct {
	user     User
	blocked  bool
	lastID   int              // message IDs are shared by both sides of a chat
	order    []int            // the bot's message IDs in the order sent
	msgs     map[int]*Message // the bot's messages still in the chat
	userMsgs map[int]*Message // the person's messages still in the chat
	wire     map[int]wireCopy // the bot's messages as the Bot API shows them (wire.go)
	bucket   bucket
	recent   window    // accepted messages in the last second
	handed   time.Time // when the bot was first handed this chat's latest update
}

func (c *chat) nextMessageID() int {
	c.lastID++
	return c.lastID
}

// Messages returns the bot's messages in a chat as they are now, oldest first.
func (s *Server) Messages(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesLocked(chatID)
}

func (s *Server) messagesLocked(chatID int64) []Message {
	c := s.chats[chatID]
	if c == nil {
		return nil
	}
	out := make([]Message, 0, len(c.msgs))
	for _, id := range c.order {
		if m := c.msgs[id]; m != nil {
			out = append(out, *m)
		}
	}
	return out
}

// Message returns one of the bot's messages as it is now.
func (s *Server) Message(chatID int64, id int) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chats[chatID]; c != nil && c.msgs[id] != nil {
		return *c.msgs[id], true
	}
	return Message{}, false
}

// WaitFor waits until one of the bot's messages in the chat, as it is now,
// satisfies match, and returns the newest that does. It wakes on every change
// to a transcript, never on a timer; ctx bounds the wait.
func (s *Server) WaitFor(ctx context.Context, chatID int64, match func(Message) bool) (Message, error) {
	for {
		s.mu.Lock()
		msgs, changed := s.messagesLocked(chatID), s.changed.waitLocked()
		s.mu.Unlock()
		for _, m := range slices.Backward(msgs) {
			if match(m) {
				return m, nil
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return Message{}, ctx.Err()
		case <-s.done:
			return Message{}, ErrClosed
		}
	}
}

// File returns a file the bot sent, by file_id, so a playground can serve it.
func (s *Server) File(id string) (File, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.files[id]; f != nil {
		return *f, true
	}
	return File{}, false
}

// Commands returns the command list the bot set for a language ("" for the
// default), in any scope but a chat's (see ChatCommands).
func (s *Server) Commands(languageCode string) []telego.BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commands[languageCode])
}

// ChatCommands returns the command list the bot set for one chat's scope
// (BotCommandScopeChat) and a language ("" for the default), nil when it
// set none: that chat's menu then shows Commands.
func (s *Server) ChatCommands(chatID int64, languageCode string) []telego.BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.chatCmds[chatID][languageCode])
}

// Answer returns the bot's answer to a callback query, once it has answered.
func (s *Server) Answer(queryID string) (CallbackAnswer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.queries[queryID]; q != nil && q.answer != nil {
		return *q.answer, true
	}
	return CallbackAnswer{}, false
}

// subscription delivers one subscriber's events through an unbounded queue,
// so a slow reader (a browser) never stalls the bot nor loses an event.
type subscription struct {
	chatID int64
	queue  []Event // guarded by Server.mu
	kick   chan struct{}
	out    chan Event
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	srv    *Server
}

// Subscribe streams the events of one chat, or of every chat for chatID 0,
// in the order they happened, from now on. A playground subscribes first and
// then reads Messages, so nothing falls between the two (an event may repeat
// what Messages showed; message IDs tell). The channel closes after cancel
// or Close; cancel may be called more than once.
func (s *Server) Subscribe(chatID int64) (<-chan Event, func()) {
	sub := &subscription{
		chatID: chatID, kick: make(chan struct{}, 1), out: make(chan Event),
		stop: make(chan struct{}), done: make(chan struct{}), srv: s,
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		close(sub.out)
		return sub.out, func() {}
	}
	s.subs[sub] = struct{}{}
	s.mu.Unlock()
	go sub.pump()
	return sub.out, sub.cancel
}

func (sub *subscription) cancel() {
	sub.once.Do(func() {
		sub.srv.mu.Lock()
		delete(sub.srv.subs, sub)
		sub.srv.mu.Unlock()
		close(sub.stop)
		<-sub.done
	})
}

func (sub *subscription) pump() {
	defer close(sub.done)
	defer close(sub.out)
	for {
		select {
		case <-sub.kick:
		case <-sub.stop:
			return
		}
		for {
			sub.srv.mu.Lock()
			batch := sub.queue
			sub.queue = nil
			sub.srv.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			for _, ev := range batch {
				select {
				case sub.out <- ev:
				case <-sub.stop:
					return
				}
			}
		}
	}
}

// emitLocked records an event: it queues it for subscribers and wakes
// WaitFor.
func (s *Server) emitLocked(ev Event) {
	ev.Time = s.now()
	if c := s.chats[ev.ChatID]; c != nil && (ev.Kind == EventSent || ev.Kind == EventEdited) {
		ev.Handed = c.handed
	}
	for sub := range s.subs {
		if sub.chatID != 0 && sub.chatID != ev.ChatID {
			continue
		}
		sub.queue = append(sub.queue, ev)
		select {
		case sub.kick <- struct{}{}:
		default: // already kicked
		}
	}
	s.changed.broadcastLocked()
}
