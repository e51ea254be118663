package botapi

import (
	"bytes"
	stdjson "encoding/json"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		answer string
		ok     bool
		result string
		code   int
	}{
		{`{"ok":true,"result":true}`, true, `true`, 0},
		{`{"ok":true,"result":{"message_id":5,"text":"a \"}\" b"}}`, true, `{"message_id":5,"text":"a \"}\" b"}`, 0},
		{`{"ok":true,"result":[{"update_id":1},{"update_id":2}]}` + "\n", true, `[{"update_id":1},{"update_id":2}]`, 0},
		{`{"result":[],"ok":true}`, true, `[]`, 0},
		{`{"ok":true,"result":1,"extra":2}`, true, `1`, 0},
		{`{"ok":false,"error_code":400,"description":"Bad Request"}`, false, ``, 400},
	}
	for _, c := range cases {
		env, err := parse([]byte(c.answer))
		if err != nil || env.OK != c.ok || string(env.Result) != c.result || env.ErrorCode != c.code {
			t.Errorf("parse(%s) = ok %v result %s code %d, %v", c.answer, env.OK, env.Result, env.ErrorCode, err)
		}
	}
	for _, bad := range []string{``, `{"ok":true,"result":`, `{"ok":true,"result":"open`, `<html>`} {
		if env, err := parse([]byte(bad)); err == nil && env.OK {
			t.Errorf("parse(%s) took it: %+v", bad, env)
		}
	}
}

// FuzzSplitArray holds the cuts to encoding/json: an array it reads is cut
// into the same values, and nothing makes it panic.
func FuzzSplitArray(f *testing.F) {
	for _, s := range []string{`[]`, `[1, "a\"]", {"b":[1,{"c":"]"}]}, null, true, -1.5e3]`, ` [ {} ] `, `[1 2]`, `[,]`, `["\\"]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := splitArray(nil, []byte(s))
		var want []stdjson.RawMessage
		if stdjson.Unmarshal([]byte(s), &want) != nil || want == nil {
			return // not a JSON array: any error will do, as long as it did not panic
		}
		if err != nil {
			t.Fatalf("splitArray(%s): %v; encoding/json reads %d values", s, err, len(want))
		}
		if len(got) != len(want) {
			t.Fatalf("splitArray(%s) = %d values, want %d", s, len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(bytes.TrimSpace(got[i]), bytes.TrimSpace(want[i])) {
				t.Errorf("value %d: %s, want %s", i, got[i], want[i])
			}
		}
	})
}

// FuzzParse: an answer encoding/json reads gives the same frame.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"ok":true,"result":{"a":"}"}}`, `{"ok":false,"error_code":429,"parameters":{"retry_after":3}}`, `{"ok":true,"result":[1,[2]]} `} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parse([]byte(s))
		var want struct {
			OK        bool               `json:"ok"`
			Result    stdjson.RawMessage `json:"result"`
			ErrorCode int                `json:"error_code"`
		}
		if stdjson.Unmarshal([]byte(s), &want) != nil {
			return
		}
		if err != nil {
			t.Fatalf("parse(%s): %v", s, err)
		}
		if got.OK != want.OK || got.ErrorCode != want.ErrorCode || !bytes.Equal(bytes.TrimSpace(got.Result), bytes.TrimSpace(want.Result)) {
			t.Errorf("parse(%s) = %v %s %d, encoding/json reads %v %s %d", s, got.OK, got.Result, got.ErrorCode, want.OK, want.Result, want.ErrorCode)
		}
	})
}

// quick must read what parse and decodeResult read, or leave it to them.
func FuzzQuick(f *testing.F) {
	for _, s := range []string{`{"ok":true,"result":[{"update_id":1},{"a":"]}"}]}`, `{"ok":true,"result":[]} `, `{"ok":true,"result":[1,}`,
		`{"ok":true,"result":[1]`, `{"ok":true,"result":[1]]}`, `{"ok":false}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got Batch
		if !quick([]byte(s), &got) {
			return
		}
		env, err := parse([]byte(s))
		if err != nil || !env.OK {
			t.Fatalf("quick read %s, parse says %v, ok %v", s, err, env.OK)
		}
		var want Batch
		if err := decodeResult(env.Result, &want); err != nil {
			t.Fatalf("quick read %s, decodeResult says %v", s, err)
		}
		if len(got.Updates) != len(want.Updates) {
			t.Fatalf("quick cut %s into %d values, parse into %d", s, len(got.Updates), len(want.Updates))
		}
		for i := range got.Updates {
			if !bytes.Equal(got.Updates[i], want.Updates[i]) {
				t.Errorf("value %d: %s, parse's %s", i, got.Updates[i], want.Updates[i])
			}
		}
	})
}
