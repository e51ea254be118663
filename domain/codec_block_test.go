package domain

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

func TestAppendString_WritesWhatTheEncoderWrites(t *testing.T) {
	for _, s := range genStrings {
		got := AppendString([]byte{0x01}, s)
		want := append([]byte{0x01}, legacyBytes(t, false, func(e *msgpack.Encoder) error { return e.EncodeString(s) })...)
		if !bytes.Equal(got, want) {
			t.Errorf("a string of %d bytes: %x…, want %x…", len(s), got[:min(8, len(got))], want[:min(8, len(want))])
		}
	}
}

func TestReadString(t *testing.T) {
	for _, s := range genStrings {
		b := append(AppendString(nil, s), 0xc3)
		got, rest, err := ReadString(b)
		if err != nil || got != s || !bytes.Equal(rest, []byte{0xc3}) {
			t.Errorf("a string of %d bytes: %d bytes, rest %x, %v", len(s), len(got), rest, err)
		}
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"nil", []byte{0xc0}, ""},
		{"bin", []byte{0xc4, 2, 'h', 'i'}, "hi"},
		{"str16", []byte{0xda, 0, 2, 'h', 'i'}, "hi"},
	} {
		got, rest, err := ReadString(tc.in)
		if err != nil || got != tc.want || len(rest) != 0 {
			t.Errorf("%s: %q, rest %x, %v", tc.name, got, rest, err)
		}
	}
	for _, in := range [][]byte{nil, {0x01}, {0xa2, 'h'}, {0xd9}, {0xdb, 0xff, 0xff, 0xff, 0xff}, {0x90}} {
		if got, rest, err := ReadString(in); err == nil || !bytes.Equal(rest, in) {
			t.Errorf("%x: %q, rest %x, %v; want an error and the input back", in, got, rest, err)
		}
	}
}

// ReadString's copy owns its bytes: the block it came from may be reused.
func TestReadString_Copies(t *testing.T) {
	b := AppendString(nil, "abc")
	s, _, err := ReadString(b)
	b[1] = 'x'
	if err != nil || s != "abc" {
		t.Errorf("%q, %v", s, err)
	}
}

// AppendState writes what an Encoder with compact integers writes, for a
// state with its own codec and for one encoded by reflection, and
// ReadState reads each back from a block where more follows.
func TestAppendState_ReadState(t *testing.T) {
	at := time.Date(2026, 12, 6, 10, 0, 0, 5, time.UTC)
	users := NewUsers()
	users.ByID[7] = &User{ID: 7, Username: "ann", Joined: at}
	for name, tc := range map[string]struct{ st, fresh State }{
		"number (own codec)": {&Number{ID: "+88800000001", Added: at, Seq: 3}, &Number{}},
		"users (reflection)": {users, NewUsers()},
	} {
		t.Run(name, func(t *testing.T) {
			var want bytes.Buffer
			enc := msgpack.NewEncoder(&want)
			enc.UseCompactInts(true)
			if err := enc.Encode(tc.st); err != nil {
				t.Fatal(err)
			}
			got, err := AppendState([]byte("x"), tc.st)
			if err != nil || !bytes.Equal(got[1:], want.Bytes()) || got[0] != 'x' {
				t.Fatalf("AppendState = %x, %v; want x then %x", got, err, want.Bytes())
			}
			rest, err := ReadState(tc.fresh, append(got[1:], 0xc0))
			if err != nil || !bytes.Equal(rest, []byte{0xc0}) {
				t.Fatalf("ReadState: rest %x, %v; want the byte after the state", rest, err)
			}
			if !reflect.DeepEqual(tc.fresh, tc.st) {
				t.Fatalf("read back %+v, want %+v", tc.fresh, tc.st)
			}
			if _, err := ReadState(tc.fresh, got[1:len(got)-1]); err == nil {
				t.Fatal("ReadState of a cut state: no error")
			}
		})
	}
}
