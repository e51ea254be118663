package telegramtest

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"allot/adapters/telegram/internal/jsonscan"
)

// The scanners of scan.go and markup_scan.go must decide every body as
// encoding/json does, or leave it to encoding/json.

var scanSeeds = []string{
	`{}`, `{"chat_id":1001,"message_id":4,"text":"📱 \u003cb\u003eNumbers\u003c/b\u003e","parse_mode":"HTML",` +
		`"reply_markup":{"inline_keyboard":[[{"text":"+888 · free","callback_data":"1:num:+888:2"}],[]]}}`,
	`{"offset":573001037,"timeout":30,"allowed_updates":["message","callback_query"]}`,
	`{"callback_query_id":"4382000000000000341","show_alert":true,"text":"done"}`,
	` { "chat_id" : "@name" , "text" : 5 , "limit" : "7", "offset": -1e3 } `,
	`{"chat_id":1,"chat_id":"@x"}`, `{"Chat_ID":5}`, `{"chat\u005fid":5}`, `{"text":"\ud83d\ude00 \ud800"}`,
	"{\"text\":\"bad \xff\"}", `{"timeout":01}`, `{"timeout":1.}`, `{"limit":"x"}`, `{"text":nul}`,
	`{"unknown":[1,{"a":[true,false,null]},"\t"]}`, `[1]`, `"s"`, `{"text":"a"}x`, `{"text":"a",}`,
	`{"reply_markup":"{\"inline_keyboard\":[[{\"text\":\"t\",\"url\":\"https://x\"}]]}"}`,
}

func FuzzDecodeParams(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var got, want params
		gotErr := decodeParams([]byte(body), &got)
		wantErr := json.Unmarshal([]byte(body), &want)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("%s: error %v, encoding/json's %v", body, gotErr, wantErr)
		}
		if wantErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\n got %+v\nwant %+v", body, got, want)
		}
	})
}

func FuzzScanInline(f *testing.F) {
	for _, s := range []string{
		`{"inline_keyboard":[[{"text":"a","callback_data":"1"},{"text":"b","url":"https://x"}],[],[{"text":"c","callback_data":"2"}]]}`,
		`{"inline_keyboard":[]}`, `{"inline_keyboard":[[{}]]}`, `{"inline_keyboard":[[{"text":""}]]}`,
		`{"inline_keyboard":[[{"text":"a","callback_data":""}]]}`, `{"inline_keyboard":[[{"text":"a","url":"ftp://x"}]]}`,
		`{"inline_keyboard":[[{"text":"a","callback_data":"1","callback_data":"` + string(make([]byte, 70)) + `"}]]}`,
		` {"inline_keyboard" : [ [ {"text" : "\u003c\n", "callback_data":"\/"} ] ] } `,
		`{"inline_keyboard":[[{"text":"a","callback_data":"1"}]],"resize":true}`, `{"keyboard":[[{"text":"a"}]]}`,
		`{"inline_keyboard":[null]}`, `{"inline_keyboard":[[null]]}`, `{"inline_keyboard":{}}`, `[]`, `{"inline_keyboard":[[{"text":5}]]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		mk, e, ok := scanInline([]byte(arg))
		if !ok {
			return
		}
		wantMk, wantE := decodeMarkup(jsonArg(arg))
		if !reflect.DeepEqual(e, wantE) || !reflect.DeepEqual(mk, wantMk) {
			t.Fatalf("%s:\n got %+v %v\nwant %+v %v", arg, mk, e, wantMk, wantE)
		}
	})
}

func FuzzUnquote(f *testing.F) {
	for _, s := range []string{`""`, `"plain"`, `"\"\\\/\b\f\n\r\t"`, `"\u00e9\u4e2d\u0000"`, `"\ud83d\ude00"`,
		`"📱 — «»"`, "\"\xff\"", `"a\u20"`, `"\x"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, lit string) {
		if strings.TrimSpace(lit) != lit {
			return // whitespace around a value is the callers' to skip
		}
		end, valid := jsonscan.String([]byte(lit), 0)
		var want string
		wantErr := json.Unmarshal([]byte(lit), &want)
		if valid && end == len(lit) && wantErr != nil || !(valid && end == len(lit)) && wantErr == nil {
			t.Fatalf("jsonscan.String(%q) = %d %v; encoding/json: %v", lit, end, valid, wantErr)
		}
		if wantErr != nil {
			return
		}
		if got, ok := unquote([]byte(lit)); ok && got != want {
			t.Fatalf("unquote(%q) = %q, want %q", lit, got, want)
		}
	})
}
