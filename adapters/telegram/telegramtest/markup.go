package telegramtest

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/mymmrac/telego"
)

// Telegram's bounds on what a message carries.
const (
	maxTextLen         = 4096 // characters of a text after entity parsing
	maxCaptionLen      = 1024 // characters of a caption after entity parsing
	maxCallbackDataLen = 64   // bytes of a button's callback_data
	maxAnswerTextLen   = 200  // characters of an answerCallbackQuery text
)

// markup is a decoded reply_markup: an inline keyboard, which stays on the
// message, or a reply keyboard (or its removal), which changes the person's
// keyboard.
type markup struct {
	inline [][]telego.InlineKeyboardButton
	reply  *telego.ReplyKeyboardMarkup
}

// buttonFields is an inline button with the fields whose presence matters
// as pointers: a button must do something, and callback_data is measured
// in bytes. They shadow the button's own, so one decoding reads both.
type buttonFields struct {
	telego.InlineKeyboardButton
	CallbackData *string `json:"callback_data"`
	URL          *string `json:"url"`
}

func parseMarkup(arg jsonArg) (markup, *apiError) {
	if !arg.present() {
		return markup{}, nil
	}
	if mk, e, ok := scanInline(arg); ok {
		return mk, e
	}
	return decodeMarkup(arg)
}

// decodeMarkup is parseMarkup for any reply_markup, with encoding/json.
func decodeMarkup(arg jsonArg) (markup, *apiError) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(arg, &probe); err != nil {
		return markup{}, badRequest("can't parse reply keyboard markup JSON object")
	}
	if raw, ok := probe["inline_keyboard"]; ok {
		return parseInline(raw)
	}
	if _, ok := probe["keyboard"]; ok {
		var rk telego.ReplyKeyboardMarkup
		if err := json.Unmarshal(arg, &rk); err != nil {
			return markup{}, badRequest("can't parse reply keyboard markup JSON object")
		}
		return markup{reply: &rk}, nil
	}
	return markup{}, nil // remove_keyboard or force_reply: nothing to show
}

func parseInline(raw json.RawMessage) (markup, *apiError) {
	var rows [][]json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil {
		return markup{}, badRequest(`field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays`)
	}
	var kb [][]telego.InlineKeyboardButton
	for _, row := range rows {
		var out []telego.InlineKeyboardButton
		for _, b := range row {
			btn, e := parseButton(b)
			if e != nil {
				return markup{}, e
			}
			out = append(out, btn)
		}
		if len(out) > 0 {
			kb = append(kb, out)
		}
	}
	return markup{inline: kb}, nil
}

func parseButton(raw json.RawMessage) (telego.InlineKeyboardButton, *apiError) {
	var f buttonFields
	if json.Unmarshal(raw, &f) != nil {
		return telego.InlineKeyboardButton{}, badRequest("can't parse inline keyboard button: expected an Object")
	}
	return checkButton(f.InlineKeyboardButton, f.CallbackData, f.URL)
}

// checkButton applies Telegram's rules to a decoded button; data and link
// are its callback_data and url, nil when absent.
func checkButton(btn telego.InlineKeyboardButton, data, link *string) (telego.InlineKeyboardButton, *apiError) {
	if data != nil {
		btn.CallbackData = *data
	}
	if link != nil {
		btn.URL = *link
	}
	switch {
	case data != nil:
		if n := len(*data); n < 1 || n > maxCallbackDataLen {
			return btn, badRequest("BUTTON_DATA_INVALID")
		}
	case link != nil:
		u, err := url.Parse(*link)
		if err != nil || !slices.Contains([]string{"http", "https", "tg"}, strings.ToLower(u.Scheme)) {
			return btn, badRequest("BUTTON_URL_INVALID")
		}
	case btn.WebApp == nil && btn.LoginURL == nil && btn.SwitchInlineQuery == nil &&
		btn.SwitchInlineQueryCurrentChat == nil && btn.SwitchInlineQueryChosenChat == nil &&
		btn.CopyText == nil && btn.CallbackGame == nil && !btn.Pay:
		return btn, badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
	}
	if btn.Text == "" {
		return btn, badRequest("BUTTON_TEXT_INVALID")
	}
	return btn, nil
}

// text is a text or caption after parse_mode: what Telegram stores.
type text struct {
	plain     string
	entities  []telego.MessageEntity
	source    string
	parseMode string
}

// parseText applies parse_mode to a text or caption and checks its length
// in characters (Unicode code points, as Telegram's library counts them;
// entity offsets are UTF-16 units, but the limit is not).
func parseText(src, mode string, entities jsonArg, limit int, tooLong string) (text, *apiError) {
	t := text{plain: src, source: src, parseMode: mode}
	switch strings.ToLower(mode) {
	case "":
		if err := entities.decode(&t.entities); err != nil {
			return t, badRequest("can't parse entities JSON object")
		}
	case "html":
		plain, ents, err := parseHTML(src)
		if err != nil {
			return t, badRequest("can't parse entities: " + err.Error())
		}
		t.plain, t.entities = plain, ents
	case "markdown", "markdownv2":
		// Stored as sent: the fake does not parse Markdown.
	default:
		return t, badRequest("unsupported parse_mode")
	}
	if utf8.RuneCountInString(t.plain) > limit {
		return t, badRequest(tooLong)
	}
	return t, nil
}
