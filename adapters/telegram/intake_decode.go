package telegram

import (
	json "github.com/grbit/go-json"
	"github.com/mymmrac/telego"

	"allot/adapters/telegram/botapi"
)

// Reading an update. A button press, nearly every update the bot gets,
// carries the whole message the button is on: its text and keyboard are
// most of the update's bytes, and telego's decoder parses a message twice
// over (a probe, then the decode). The bot draws every screen from the
// state and needs of that message only its id and chat, so a press is
// read into the fields the bot uses and the message's content is skipped;
// any other update is decoded whole. A press's message therefore comes as
// a telego.Message holding its id, chat and date only (or, with date 0,
// an InaccessibleMessage, as telego decides).

// pressWire is a callback_query update as the bot reads it.
type pressWire struct {
	CallbackQuery *struct {
		ID              string      `json:"id"`
		From            telego.User `json:"from"`
		Message         *pressedOn  `json:"message"`
		InlineMessageID string      `json:"inline_message_id"`
		ChatInstance    string      `json:"chat_instance"`
		Data            string      `json:"data"`
		GameShortName   string      `json:"game_short_name"`
	} `json:"callback_query"`
}

// pressedOn is the message a button was pressed on, without its content.
type pressedOn struct {
	MessageID int         `json:"message_id"`
	Date      int64       `json:"date"`
	Chat      telego.Chat `json:"chat"`
}

// decodeUpdate reads one update of getUpdates.
func decodeUpdate(id int, raw botapi.Raw) (telego.Update, error) {
	var w pressWire
	if err := json.Unmarshal(raw, &w); err == nil && w.CallbackQuery != nil {
		q := w.CallbackQuery
		u := telego.Update{UpdateID: id, CallbackQuery: &telego.CallbackQuery{ID: q.ID, From: q.From,
			InlineMessageID: q.InlineMessageID, ChatInstance: q.ChatInstance, Data: q.Data, GameShortName: q.GameShortName}}
		switch m := q.Message; {
		case m == nil:
		case m.Date == 0:
			u.CallbackQuery.Message = &telego.InaccessibleMessage{Chat: m.Chat, MessageID: m.MessageID}
		default:
			u.CallbackQuery.Message = &telego.Message{MessageID: m.MessageID, Date: m.Date, Chat: m.Chat}
		}
		return u, nil
	}
	var u telego.Update
	err := json.Unmarshal(raw, &u)
	return u, err
}
