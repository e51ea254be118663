package telegramtest

import (
	"encoding/json"
	"strconv"

	"allot/adapters/telegram/internal/jsonstr"

	"github.com/mymmrac/telego"
)

// The answers the load test asks for thousands of times a second (the
// message an edit returns, the updates getUpdates returns) are encoded here
// by hand: encoding/json walks telego.Message's hundred fields by reflection
// for the dozen the fake ever sets, and that cost is counted against the bot
// under load. The bytes are exactly encoding/json's (wire_test.go holds them
// to it), so a client cannot tell. Only values the fake built itself come
// here: wireLocked's messages and the own updates in an updateBatch set no
// field these functions leave out; anything else goes through encoding/json.
//
// A message is encoded once, when the bot sends or edits it: the answer
// carries it, and so does the update of every press on it until it changes
// again. The presses come later, from a getUpdates that would otherwise walk
// twenty such messages gone cold in memory.

// sentMessage is a message as sendMessage and the edits return it, encoded.
type sentMessage []byte

// MarshalJSON lets encoding/json write the answer too.
func (m sentMessage) MarshalJSON() ([]byte, error) { return m, nil }

// wireCopy is the encoding of one version of one of the bot's messages,
// good while the chat's person keeps the name it shows.
type wireCopy struct {
	version             *Message
	firstName, username string
	json                []byte
}

// keepWireLocked encodes the current version m of a message of chat c, for
// the answer and for later presses on it.
func (s *Server) keepWireLocked(c *chat, m *Message) sentMessage {
	tm := s.wireLocked(c, m)
	s.scratch = appendMessage(s.scratch[:0], &tm)
	raw := append([]byte(nil), s.scratch...) // one allocation of the exact size
	c.wire[m.ID] = wireCopy{version: m, firstName: c.user.FirstName, username: c.user.Username, json: raw}
	return raw
}

// wireOfLocked returns the kept encoding of version m, or nil if it is not
// kept or no longer right.
func (c *chat) wireOfLocked(m *Message) []byte {
	w := c.wire[m.ID]
	if w.version != m || w.firstName != c.user.FirstName || w.username != c.user.Username {
		return nil
	}
	return w.json
}

// updateBatch is what getUpdates returns: own updates by hand, any other
// through encoding/json.
type updateBatch []pending

// MarshalJSON keeps the hand encoding wherever the value ends up.
func (b updateBatch) MarshalJSON() ([]byte, error) { return b.appendJSON(nil) }

func (b updateBatch) appendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, '[')
	for i := range b {
		if i > 0 {
			dst = append(dst, ',')
		}
		if !b[i].own {
			raw, err := json.Marshal(b[i].Update)
			if err != nil {
				return nil, err
			}
			dst = append(dst, raw...)
			continue
		}
		dst = appendUpdate(dst, &b[i])
	}
	return append(dst, ']'), nil
}

// appendUpdate writes an update SendText or PressButton built: a message or
// a callback query.
func appendUpdate(dst []byte, p *pending) []byte {
	u := &p.Update
	dst = strconv.AppendInt(append(dst, `{"update_id":`...), int64(u.UpdateID), 10)
	if u.Message != nil {
		dst = appendMessage(append(dst, `,"message":`...), u.Message)
	}
	if q := u.CallbackQuery; q != nil {
		dst = appendCallback(append(dst, `,"callback_query":`...), q, p.message)
	}
	return append(dst, '}')
}

// appendCallback writes a callback query; message is its message's kept
// encoding, or nil to encode it here.
func appendCallback(dst []byte, q *telego.CallbackQuery, message []byte) []byte {
	dst = appendString(append(dst, `{"id":`...), q.ID)
	dst = appendUser(append(dst, `,"from":`...), &q.From)
	if q.Message != nil {
		dst = append(dst, `,"message":`...)
		switch m, ok := q.Message.(*telego.Message); {
		case message != nil:
			dst = append(dst, message...)
		case ok && m != nil:
			dst = appendMessage(dst, m)
		default:
			raw, _ := json.Marshal(q.Message) // never: PressButton sets a *telego.Message
			dst = append(dst, raw...)
		}
	}
	dst = appendOptString(dst, `,"inline_message_id":`, q.InlineMessageID)
	dst = appendString(append(dst, `,"chat_instance":`...), q.ChatInstance)
	dst = appendOptString(dst, `,"data":`, q.Data)
	dst = appendOptString(dst, `,"game_short_name":`, q.GameShortName)
	return append(dst, '}')
}

// appendMessage writes the fields wireLocked and SendText set, in
// telego.Message's order.
func appendMessage(dst []byte, m *telego.Message) []byte {
	dst = strconv.AppendInt(append(dst, `{"message_id":`...), int64(m.MessageID), 10)
	if m.From != nil {
		dst = appendUser(append(dst, `,"from":`...), m.From)
	}
	dst = strconv.AppendInt(append(dst, `,"date":`...), m.Date, 10)
	dst = appendChat(append(dst, `,"chat":`...), &m.Chat)
	dst = appendOptInt(dst, `,"edit_date":`, m.EditDate)
	dst = appendOptString(dst, `,"text":`, m.Text)
	dst = appendEntities(dst, `,"entities":`, m.Entities)
	if d := m.Document; d != nil {
		dst = appendDocument(append(dst, `,"document":`...), d)
	}
	if len(m.Photo) > 0 {
		dst = append(dst, `,"photo":[`...)
		for i := range m.Photo {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendPhotoSize(dst, &m.Photo[i])
		}
		dst = append(dst, ']')
	}
	dst = appendOptString(dst, `,"caption":`, m.Caption)
	dst = appendEntities(dst, `,"caption_entities":`, m.CaptionEntities)
	if m.ReplyMarkup != nil {
		dst = appendKeyboard(append(dst, `,"reply_markup":`...), m.ReplyMarkup.InlineKeyboard)
	}
	return append(dst, '}')
}

func appendUser(dst []byte, u *telego.User) []byte {
	dst = strconv.AppendInt(append(dst, `{"id":`...), u.ID, 10)
	dst = strconv.AppendBool(append(dst, `,"is_bot":`...), u.IsBot)
	dst = appendString(append(dst, `,"first_name":`...), u.FirstName)
	dst = appendOptString(dst, `,"last_name":`, u.LastName)
	dst = appendOptString(dst, `,"username":`, u.Username)
	dst = appendOptString(dst, `,"language_code":`, u.LanguageCode)
	dst = appendOptBool(dst, `,"is_premium":true`, u.IsPremium)
	dst = appendOptBool(dst, `,"added_to_attachment_menu":true`, u.AddedToAttachmentMenu)
	dst = appendOptBool(dst, `,"can_join_groups":true`, u.CanJoinGroups)
	dst = appendOptBool(dst, `,"can_read_all_group_messages":true`, u.CanReadAllGroupMessages)
	dst = appendOptBool(dst, `,"supports_inline_queries":true`, u.SupportsInlineQueries)
	dst = appendOptBool(dst, `,"can_connect_to_business":true`, u.CanConnectToBusiness)
	dst = appendOptBool(dst, `,"has_main_web_app":true`, u.HasMainWebApp)
	dst = appendOptBool(dst, `,"has_topics_enabled":true`, u.HasTopicsEnabled)
	dst = appendOptBool(dst, `,"allows_users_to_create_topics":true`, u.AllowsUsersToCreateTopics)
	return append(dst, '}')
}

func appendChat(dst []byte, c *telego.Chat) []byte {
	dst = strconv.AppendInt(append(dst, `{"id":`...), c.ID, 10)
	dst = appendString(append(dst, `,"type":`...), c.Type)
	dst = appendOptString(dst, `,"title":`, c.Title)
	dst = appendOptString(dst, `,"username":`, c.Username)
	dst = appendOptString(dst, `,"first_name":`, c.FirstName)
	dst = appendOptString(dst, `,"last_name":`, c.LastName)
	dst = appendOptBool(dst, `,"is_forum":true`, c.IsForum)
	dst = appendOptBool(dst, `,"is_direct_messages":true`, c.IsDirectMessages)
	return append(dst, '}')
}

// appendEntities writes a non-empty entity list under name.
func appendEntities(dst []byte, name string, ents []telego.MessageEntity) []byte {
	if len(ents) == 0 {
		return dst
	}
	dst = append(append(dst, name...), '[')
	for i := range ents {
		e := &ents[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(append(dst, `{"type":`...), e.Type)
		dst = strconv.AppendInt(append(dst, `,"offset":`...), int64(e.Offset), 10)
		dst = strconv.AppendInt(append(dst, `,"length":`...), int64(e.Length), 10)
		dst = appendOptString(dst, `,"url":`, e.URL)
		if e.User != nil {
			dst = appendUser(append(dst, `,"user":`...), e.User)
		}
		dst = appendOptString(dst, `,"language":`, e.Language)
		dst = appendOptString(dst, `,"custom_emoji_id":`, e.CustomEmojiID)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

func appendPhotoSize(dst []byte, p *telego.PhotoSize) []byte {
	dst = appendString(append(dst, `{"file_id":`...), p.FileID)
	dst = appendString(append(dst, `,"file_unique_id":`...), p.FileUniqueID)
	dst = strconv.AppendInt(append(dst, `,"width":`...), int64(p.Width), 10)
	dst = strconv.AppendInt(append(dst, `,"height":`...), int64(p.Height), 10)
	dst = appendOptInt(dst, `,"file_size":`, int64(p.FileSize))
	return append(dst, '}')
}

func appendDocument(dst []byte, d *telego.Document) []byte {
	dst = appendString(append(dst, `{"file_id":`...), d.FileID)
	dst = appendString(append(dst, `,"file_unique_id":`...), d.FileUniqueID)
	if d.Thumbnail != nil {
		dst = appendPhotoSize(append(dst, `,"thumbnail":`...), d.Thumbnail)
	}
	dst = appendOptString(dst, `,"file_name":`, d.FileName)
	dst = appendOptString(dst, `,"mime_type":`, d.MimeType)
	dst = appendOptInt(dst, `,"file_size":`, d.FileSize)
	return append(dst, '}')
}

// appendKeyboard writes an InlineKeyboardMarkup. A button with one of the
// object-valued fields (web_app, login_url, ...) is rare enough to leave to
// encoding/json.
func appendKeyboard(dst []byte, rows [][]telego.InlineKeyboardButton) []byte {
	if rows == nil {
		return append(dst, `{"inline_keyboard":null}`...)
	}
	dst = append(dst, `{"inline_keyboard":[`...)
	for i, row := range rows {
		if i > 0 {
			dst = append(dst, ',')
		}
		if row == nil {
			dst = append(dst, "null"...)
			continue
		}
		dst = append(dst, '[')
		for j := range row {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = appendButton(dst, &row[j])
		}
		dst = append(dst, ']')
	}
	return append(dst, "]}"...)
}

func appendButton(dst []byte, b *telego.InlineKeyboardButton) []byte {
	if b.WebApp != nil || b.LoginURL != nil || b.SwitchInlineQueryChosenChat != nil || b.CopyText != nil || b.CallbackGame != nil {
		raw, _ := json.Marshal(b) // plain structs of strings and bools: it cannot fail
		return append(dst, raw...)
	}
	dst = appendString(append(dst, `{"text":`...), b.Text)
	dst = appendOptString(dst, `,"icon_custom_emoji_id":`, b.IconCustomEmojiID)
	dst = appendOptString(dst, `,"style":`, b.Style)
	dst = appendOptString(dst, `,"url":`, b.URL)
	dst = appendOptString(dst, `,"callback_data":`, b.CallbackData)
	if b.SwitchInlineQuery != nil {
		dst = appendString(append(dst, `,"switch_inline_query":`...), *b.SwitchInlineQuery)
	}
	if b.SwitchInlineQueryCurrentChat != nil {
		dst = appendString(append(dst, `,"switch_inline_query_current_chat":`...), *b.SwitchInlineQueryCurrentChat)
	}
	dst = appendOptBool(dst, `,"pay":true`, b.Pay)
	return append(dst, '}')
}

// appendOptString writes an omitempty string field: name is `,"key":`.
func appendOptString(dst []byte, name, s string) []byte {
	if s == "" {
		return dst
	}
	return appendString(append(dst, name...), s)
}

func appendOptInt(dst []byte, name string, n int64) []byte {
	if n == 0 {
		return dst
	}
	return strconv.AppendInt(append(dst, name...), n, 10)
}

// appendOptBool writes field, which ends in true, when b is.
func appendOptBool(dst []byte, field string, b bool) []byte {
	if !b {
		return dst
	}
	return append(dst, field...)
}

// appendString writes s as encoding/json does by default, HTML characters
// escaped, so the answers are its bytes exactly.
func appendString(dst []byte, s string) []byte { return jsonstr.Append(dst, s, true) }
