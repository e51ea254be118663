package outbox

import (
	"fmt"
	"reflect"
	"strconv"

	"github.com/mymmrac/telego"
	ta "github.com/mymmrac/telego/telegoapi"

	"allot/adapters/telegram/internal/jsonstr"
)

// encode writes the JSON body of a call the outbox makes directly. The
// three calls that make nearly all of the bot's traffic —
// editMessageText, answerCallbackQuery and sendMessage with an inline
// keyboard — are written straight into a byte slice; any of them that sets
// a field the fast path does not write goes through telego's encoder, as
// any other parameters would; the fast path writes what it does (tests
// compare them).
//
// Why: telego's encoder (go-json) has a very large stack frame, so each
// call from a session's goroutine, whose stack the garbage collector had
// shrunk since its last update, copied the stack to grow it again. In
// `loadtest -mode telegram` encoding was 17% of the bot's CPU, half of it
// copying stacks.
func encode(params any) ([]byte, error) {
	var body []byte
	switch p := params.(type) {
	case *telego.EditMessageTextParams:
		body = appendEdit(p)
	case *telego.AnswerCallbackQueryParams:
		body = appendAnswer(p)
	case *telego.SendMessageParams:
		body = appendSend(p)
	}
	if body != nil {
		return body, nil
	}
	data, err := ta.DefaultConstructor{}.JSONRequest(params)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", params, err)
	}
	return data.BodyRaw, nil
}

// appendEdit encodes p, or returns nil if it sets a field beyond a chat's
// message, its text, parse mode and inline keyboard.
func appendEdit(p *telego.EditMessageTextParams) []byte {
	rest := *p
	rest.ChatID, rest.MessageID, rest.Text, rest.ParseMode, rest.ReplyMarkup = telego.ChatID{}, 0, "", "", nil
	if !isZero(&rest) || p.ChatID.ID == 0 || !plainKeyboard(p.ReplyMarkup) {
		return nil
	}
	return appendMessage(p.ChatID.ID, p.MessageID, p.Text, p.ParseMode, p.ReplyMarkup)
}

// appendMessage writes the body of a send (messageID 0) or an edit.
func appendMessage(chatID int64, messageID int, text, parseMode string, kb *telego.InlineKeyboardMarkup) []byte {
	b := make([]byte, 0, 96+len(text)+keyboardSize(kb))
	b = append(b, `{"chat_id":`...)
	b = strconv.AppendInt(b, chatID, 10)
	if messageID != 0 {
		b = append(b, `,"message_id":`...)
		b = strconv.AppendInt(b, int64(messageID), 10)
	}
	b = appendString(append(b, `,"text":`...), text)
	if parseMode != "" {
		b = appendString(append(b, `,"parse_mode":`...), parseMode)
	}
	if kb != nil {
		b = appendKeyboard(append(b, `,"reply_markup":`...), kb)
	}
	return append(b, '}')
}

// appendAnswer encodes p, or returns nil if it sets a URL or a cache time.
func appendAnswer(p *telego.AnswerCallbackQueryParams) []byte {
	if p.URL != "" || p.CacheTime != 0 {
		return nil
	}
	b := make([]byte, 0, 64+len(p.CallbackQueryID)+len(p.Text))
	b = appendString(append(b, `{"callback_query_id":`...), p.CallbackQueryID)
	if p.Text != "" {
		b = appendString(append(b, `,"text":`...), p.Text)
	}
	if p.ShowAlert {
		b = append(b, `,"show_alert":true`...)
	}
	return append(b, '}')
}

// appendSend encodes p, or returns nil if it sets a field beyond a chat,
// a text, its parse mode and an inline keyboard.
func appendSend(p *telego.SendMessageParams) []byte {
	kb, inline := p.ReplyMarkup.(*telego.InlineKeyboardMarkup)
	if p.ReplyMarkup != nil && (!inline || kb == nil) {
		return nil
	}
	rest := *p
	rest.ChatID, rest.Text, rest.ParseMode, rest.ReplyMarkup = telego.ChatID{}, "", "", nil
	if !isZero(&rest) || p.ChatID.ID == 0 || !plainKeyboard(kb) {
		return nil
	}
	return appendMessage(p.ChatID.ID, 0, p.Text, p.ParseMode, kb)
}

// isZero reports whether the struct p points to is all zero: reflection,
// but once per call and far cheaper than the encoding it saves, and it
// sees fields a newer telego adds, which then go to telego's encoder.
func isZero(p any) bool { return reflect.ValueOf(p).Elem().IsZero() }

// plainKeyboard reports whether every button of kb (nil: none) is one the
// fast path writes: a label with callback data or a URL. Nil rows, which
// telego writes as null, are left to telego.
func plainKeyboard(kb *telego.InlineKeyboardMarkup) bool {
	if kb == nil {
		return true
	}
	if kb.InlineKeyboard == nil {
		return false
	}
	for _, row := range kb.InlineKeyboard {
		if row == nil {
			return false
		}
		for _, btn := range row {
			btn.Text, btn.URL, btn.CallbackData = "", "", ""
			if btn != (telego.InlineKeyboardButton{}) {
				return false
			}
		}
	}
	return true
}

// keyboardSize guesses the encoded size of kb, to allocate once.
func keyboardSize(kb *telego.InlineKeyboardMarkup) int {
	if kb == nil {
		return 0
	}
	n := 24
	for _, row := range kb.InlineKeyboard {
		for _, btn := range row {
			n += 40 + len(btn.Text) + len(btn.URL) + len(btn.CallbackData)
		}
	}
	return n
}

func appendKeyboard(b []byte, kb *telego.InlineKeyboardMarkup) []byte {
	b = append(b, `{"inline_keyboard":[`...)
	for i, row := range kb.InlineKeyboard {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, btn := range row {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(append(b, `{"text":`...), btn.Text)
			if btn.URL != "" {
				b = appendString(append(b, `,"url":`...), btn.URL)
			}
			if btn.CallbackData != "" {
				b = appendString(append(b, `,"callback_data":`...), btn.CallbackData)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, "]}"...)
}

// appendString appends s as a JSON string, <, > and & as they are: texts
// in HTML parse mode are full of them.
func appendString(b []byte, s string) []byte { return jsonstr.Append(b, s, false) }
