package telegramtest

import (
	"bytes"
	"sync"

	"allot/adapters/telegram/internal/jsonscan"

	"github.com/mymmrac/telego"
)

// Every edit the load test's bot makes carries its keyboard, and decoding
// it with encoding/json (a probe, then the rows, then each button) cost the
// fake more than anything else it does per edit. The keyboards bots send
// are plain: {"inline_keyboard":[[{"text":...,"callback_data":...}]]}, so
// the scanner below reads exactly that shape (and url buttons) in one pass
// and gives up on anything else, which parseMarkup then decodes as before.

// keyboardScanner holds one scan's buttons; scanners are recycled because a
// keyboard's rows and buttons would otherwise cost an allocation each.
type keyboardScanner struct {
	buttons []scannedButton
	rows    []int  // buttons in each row, empty rows too
	text    []byte // every string of the buttons, unquoted, one after another
}

// scannedButton is a button before Telegram's rules: spans of the
// scanner's text.
type scannedButton struct {
	text, data, link span
	hasData, hasLink bool
}

type span struct{ from, to int }

var keyboardScanners = sync.Pool{New: func() any { return new(keyboardScanner) }}

// scanInline decodes a plain inline keyboard as parseMarkup's decoding
// would; false means arg is not one, and nothing was decided.
func scanInline(arg []byte) (mk markup, e *apiError, ok bool) {
	k := keyboardScanners.Get().(*keyboardScanner)
	defer keyboardScanners.Put(k)
	k.buttons, k.rows, k.text = k.buttons[:0], k.rows[:0], k.text[:0]
	if !k.scan(arg) {
		return markup{}, nil, false
	}
	mk, e = k.keyboard()
	return mk, e, true
}

// scan reads {"inline_keyboard":[rows]}, nothing more.
func (k *keyboardScanner) scan(arg []byte) bool {
	const key = `"inline_keyboard"`
	i := jsonscan.Space(arg, 0)
	if i >= len(arg) || arg[i] != '{' {
		return false
	}
	i = jsonscan.Space(arg, i+1)
	if !bytes.HasPrefix(arg[i:], []byte(key)) {
		return false
	}
	i = jsonscan.Space(arg, i+len(key))
	if i >= len(arg) || arg[i] != ':' {
		return false
	}
	i, ok := k.scanRows(arg, jsonscan.Space(arg, i+1))
	if !ok {
		return false
	}
	i = jsonscan.Space(arg, i)
	return i < len(arg) && arg[i] == '}' && jsonscan.Space(arg, i+1) == len(arg)
}

// scanRows reads an array of arrays of buttons.
func (k *keyboardScanner) scanRows(arg []byte, i int) (int, bool) {
	return jsonscan.Array(arg, i, func(i int) (int, bool) {
		n := len(k.buttons)
		i, ok := jsonscan.Array(arg, i, func(i int) (int, bool) { return k.scanButton(arg, i) })
		k.rows = append(k.rows, len(k.buttons)-n)
		return i, ok
	})
}

// scanButton reads an object of "text", "callback_data" and "url", each a
// string; a key repeated counts its last value, as in encoding/json.
func (k *keyboardScanner) scanButton(arg []byte, i int) (int, bool) {
	var b scannedButton
	if i >= len(arg) || arg[i] != '{' {
		return 0, false
	}
	i = jsonscan.Space(arg, i+1)
	if i < len(arg) && arg[i] == '}' {
		k.buttons = append(k.buttons, b)
		return i + 1, true
	}
	for {
		end, ok := jsonscan.String(arg, i)
		if !ok {
			return 0, false
		}
		key := string(arg[i:end]) // compared, never kept: no allocation
		i = jsonscan.Space(arg, end)
		if i >= len(arg) || arg[i] != ':' {
			return 0, false
		}
		i = jsonscan.Space(arg, i+1)
		var val span
		if i, val, ok = k.scanText(arg, i); !ok {
			return 0, false
		}
		switch key {
		case `"text"`:
			b.text = val
		case `"callback_data"`:
			b.data, b.hasData = val, true
		case `"url"`:
			b.link, b.hasLink = val, true
		default:
			return 0, false
		}
		if i = jsonscan.Space(arg, i); i >= len(arg) {
			return 0, false
		}
		switch arg[i] {
		case '}':
			k.buttons = append(k.buttons, b)
			return i + 1, true
		case ',':
			i = jsonscan.Space(arg, i+1)
		default:
			return 0, false
		}
	}
}

// scanText reads a string value into the scanner's text.
func (k *keyboardScanner) scanText(arg []byte, i int) (int, span, bool) {
	end, ok := jsonscan.String(arg, i)
	if !ok {
		return 0, span{}, false
	}
	from := len(k.text)
	if k.text, ok = appendUnquoted(k.text, arg[i:end]); !ok {
		return 0, span{}, false
	}
	return end, span{from, len(k.text)}, true
}

// keyboard applies Telegram's rules to the scanned buttons in order, and
// lays the rows over one array of buttons, dropping empty rows as
// parseInline does.
func (k *keyboardScanner) keyboard() (markup, *apiError) {
	text := string(k.text)
	flat := make([]telego.InlineKeyboardButton, len(k.buttons))
	for i, b := range k.buttons {
		var data, link *string
		if b.hasData {
			s := text[b.data.from:b.data.to]
			data = &s
		}
		if b.hasLink {
			s := text[b.link.from:b.link.to]
			link = &s
		}
		btn, e := checkButton(telego.InlineKeyboardButton{Text: text[b.text.from:b.text.to]}, data, link)
		if e != nil {
			return markup{}, e
		}
		flat[i] = btn
	}
	var kb [][]telego.InlineKeyboardButton
	at := 0
	for _, n := range k.rows {
		if n > 0 {
			if kb == nil {
				kb = make([][]telego.InlineKeyboardButton, 0, len(k.rows))
			}
			kb = append(kb, flat[at:at+n:at+n])
		}
		at += n
	}
	return markup{inline: kb}, nil
}
