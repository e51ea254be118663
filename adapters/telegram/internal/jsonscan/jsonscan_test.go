package jsonscan

import (
	"encoding/json"
	"testing"
)

// A value Value accepts, encoding/json accepts too, and it ends where
// encoding/json's value ends.
func FuzzValue(f *testing.F) {
	for _, s := range []string{`{"a":[1,-2.5e3,"x\"]",true,null,{}]}`, `"\u00e9\n"`, `[1,]`, `{"a" 1}`, `01`, `"\x01"`, `[[[]]]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		end, ok := Value([]byte(s), 0)
		if !ok {
			return
		}
		if !json.Valid([]byte(s[:end])) {
			t.Fatalf("Value accepted %q, which encoding/json refuses", s[:end])
		}
	})
}
