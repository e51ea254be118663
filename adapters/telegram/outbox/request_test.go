package outbox

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/mymmrac/telego"
	ta "github.com/mymmrac/telego/telegoapi"
)

// sameAsTelego checks that encode writes params as the same JSON value as
// telego's own encoder.
func sameAsTelego(t *testing.T, params any) {
	t.Helper()
	fast, err := encode(params)
	if err != nil {
		t.Fatalf("fast path: %v", err)
	}
	slow, err := ta.DefaultConstructor{}.JSONRequest(params)
	if err != nil {
		t.Fatalf("telego: %v", err)
	}
	var got, want any
	if err := json.Unmarshal(fast, &got); err != nil {
		t.Fatalf("fast path wrote invalid JSON %s: %v", fast, err)
	}
	if err := json.Unmarshal(slow.BodyRaw, &want); err != nil {
		t.Fatalf("telego wrote invalid JSON %s: %v", slow.BodyRaw, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%T encodes as\n%s\ntelego encodes\n%s", params, fast, slow.BodyRaw)
	}
}

// screen is a keyboard like the bot's: callback buttons, a URL button.
func screen() *telego.InlineKeyboardMarkup {
	return &telego.InlineKeyboardMarkup{InlineKeyboard: [][]telego.InlineKeyboardButton{
		{{Text: "+888 0001 · free", CallbackData: "1:num:+8880001:0"}, {Text: "Next ›", CallbackData: "1:cat:1"}},
		{{Text: "Pay in Tonkeeper", URL: "ton://transfer/EQ?amount=1&text=a%20b"}},
		{{Text: `« "Menu" \ <b>`, CallbackData: "1:menu"}},
	}}
}

const tricky = "<b>Hi</b> \"you\" \\ é 💰\n\t\r\x00\x1f\x7f \u2028\u2029 bad:\xff\xfe end"

func TestEncode_fastPathMatchesTelego(t *testing.T) {
	cases := []struct {
		name   string
		params any
		fast   bool // the fast path must take it
	}{
		{"edit", &telego.EditMessageTextParams{ChatID: telego.ChatID{ID: 42}, MessageID: 7, Text: tricky,
			ParseMode: telego.ModeHTML, ReplyMarkup: screen()}, true},
		{"edit without keyboard", &telego.EditMessageTextParams{ChatID: telego.ChatID{ID: -100123}, MessageID: 1, Text: ""}, true},
		{"edit with an empty keyboard", &telego.EditMessageTextParams{ChatID: telego.ChatID{ID: 1}, MessageID: 1, Text: "x",
			ReplyMarkup: &telego.InlineKeyboardMarkup{}}, false},
		{"edit with no buttons", &telego.EditMessageTextParams{ChatID: telego.ChatID{ID: 1}, MessageID: 1, Text: "x",
			ReplyMarkup: &telego.InlineKeyboardMarkup{InlineKeyboard: [][]telego.InlineKeyboardButton{}}}, true},
		{"answer", &telego.AnswerCallbackQueryParams{CallbackQueryID: "q1"}, true},
		{"answer with a toast", &telego.AnswerCallbackQueryParams{CallbackQueryID: "q\"2", Text: tricky, ShowAlert: true}, true},
		{"send", &telego.SendMessageParams{ChatID: telego.ChatID{ID: 5}, Text: tricky, ParseMode: telego.ModeHTML,
			ReplyMarkup: screen()}, true},
		{"send without keyboard", &telego.SendMessageParams{ChatID: telego.ChatID{ID: 5}, Text: "hi"}, true},
		{"send to a username", &telego.SendMessageParams{ChatID: telego.ChatID{Username: "@chan"}, Text: "hi"}, false},
		{"edit of an inline message", &telego.EditMessageTextParams{InlineMessageID: "abc", Text: "hi"}, false},
		{"send with a reply keyboard", &telego.SendMessageParams{ChatID: telego.ChatID{ID: 5}, Text: "hi",
			ReplyMarkup: &telego.ReplyKeyboardRemove{RemoveKeyboard: true}}, false},
		{"send with a nil keyboard", &telego.SendMessageParams{ChatID: telego.ChatID{ID: 5}, Text: "hi",
			ReplyMarkup: (*telego.InlineKeyboardMarkup)(nil)}, false},
		{"a button that copies text", &telego.EditMessageTextParams{ChatID: telego.ChatID{ID: 1}, MessageID: 1, Text: "x",
			ReplyMarkup: &telego.InlineKeyboardMarkup{InlineKeyboard: [][]telego.InlineKeyboardButton{
				{{Text: "Copy", CopyText: &telego.CopyTextButton{Text: "12345"}}}}}}, false},
		{"another call", &telego.DeleteMessageParams{ChatID: telego.ChatID{ID: 1}, MessageID: 2}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sameAsTelego(t, c.params)
			if got := fastBody(c.params) != nil; got != c.fast {
				t.Errorf("fast path taken: %v, want %v", got, c.fast)
			}
		})
	}
}

func fastBody(params any) []byte {
	switch p := params.(type) {
	case *telego.EditMessageTextParams:
		return appendEdit(p)
	case *telego.AnswerCallbackQueryParams:
		return appendAnswer(p)
	case *telego.SendMessageParams:
		return appendSend(p)
	}
	return nil
}

// TestRequests_everyFieldReachesTelegram sets each field of the three
// fast-path types in turn, those a newer telego adds included: each must
// come out as telego's encoder writes it, by the fast path or past it.
func TestEncode_everyFieldReachesTelegram(t *testing.T) {
	bases := []any{
		&telego.EditMessageTextParams{ChatID: telego.ChatID{ID: 1}, MessageID: 2, Text: "t", ReplyMarkup: screen()},
		&telego.AnswerCallbackQueryParams{CallbackQueryID: "q"},
		&telego.SendMessageParams{ChatID: telego.ChatID{ID: 1}, Text: "t", ReplyMarkup: screen()},
	}
	for _, base := range bases {
		typ := reflect.TypeOf(base).Elem()
		for i := range typ.NumField() {
			f := typ.Field(i)
			t.Run(typ.Name()+"."+f.Name, func(t *testing.T) {
				p := reflect.New(typ)
				p.Elem().Set(reflect.ValueOf(base).Elem())
				p.Elem().Field(i).Set(nonZero(f.Type, 3))
				sameAsTelego(t, p.Interface())
			})
		}
	}
	button := reflect.TypeOf(telego.InlineKeyboardButton{})
	for i := range button.NumField() {
		t.Run("InlineKeyboardButton."+button.Field(i).Name, func(t *testing.T) {
			kb := screen()
			reflect.ValueOf(&kb.InlineKeyboard[0][0]).Elem().Field(i).Set(nonZero(button.Field(i).Type, 3))
			sameAsTelego(t, &telego.EditMessageTextParams{ChatID: telego.ChatID{ID: 1}, MessageID: 2, Text: "t", ReplyMarkup: kb})
		})
	}
}

// nonZero makes a value of type t that is not zero, filling structs and
// pointers depth levels deep.
func nonZero(t reflect.Type, depth int) reflect.Value {
	v := reflect.New(t).Elem()
	switch t.Kind() {
	case reflect.String:
		v.SetString("v\"<")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	case reflect.Pointer:
		v.Set(reflect.New(t.Elem()))
		if depth > 0 {
			v.Elem().Set(nonZero(t.Elem(), depth-1))
		}
	case reflect.Slice:
		v.Set(reflect.Append(v, nonZero(t.Elem(), depth-1)))
	case reflect.Struct:
		for i := range t.NumField() {
			if depth > 0 && t.Field(i).IsExported() {
				v.Field(i).Set(nonZero(t.Field(i).Type, depth-1))
			}
		}
	case reflect.Interface:
		if reflect.TypeOf(telego.ForceReply{}).Implements(t) {
			v.Set(reflect.ValueOf(&telego.ForceReply{ForceReply: true}))
		}
	}
	return v
}

func BenchmarkEncode_edit(b *testing.B) {
	p := &telego.EditMessageTextParams{ChatID: telego.ChatID{ID: 42}, MessageID: 7, Text: tricky,
		ParseMode: telego.ModeHTML, ReplyMarkup: screen()}
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := encode(p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("telego", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := (ta.DefaultConstructor{}).JSONRequest(p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
