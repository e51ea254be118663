package domain

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestCleanName(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Alice Smith", "Alice Smith"},
		{"empty", "", ""},
		{"cyrillic and emoji", "Алиса 🦊👩‍💻", "Алиса 🦊👩‍💻"}, // the ZWJ of an emoji sequence stays
		{"arabic", "علي", "علي"},
		{"right-to-left override", "Eve\u202E4321", "Eve4321"},
		{"every embedding and override", "a\u202Ab\u202Bc\u202Cd\u202De\u202Ef", "abcdef"},
		{"isolates", "\u2066a\u2067b\u2068c\u2069", "abc"},
		{"marks", "a\u200Eb\u200Fc\u061Cd", "abcd"},
		{"NUL", "Ali\x00ce", "Alice"},
		{"C0", "\x01\x07Bell\x1b[31m", "Bell[31m"},
		{"DEL", "A\x7fB", "AB"},
		{"C1", "A\u0085B\u009bC", "ABC"},
		{"newlines and tabs", "Ali\r\nBaba\t", "AliBaba"},
		{"line and paragraph separators", "A\u2028B\u2029C", "ABC"},
		{"only controls", "\u202E\u2066\x00", ""},
		{"not UTF-8", "Al\xffice", "Al\uFFFDice"},
		{"spaces kept", "  Al  ", "  Al  "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CleanName(tc.in); got != tc.want {
				t.Errorf("CleanName(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"Alice", "Eve\u202E4321", "\u2066x\u2069", "a\x00b", "\xff\xfe", "\u0085", "👩‍💻", "\u061C\u200E\u200F"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := CleanName(s)
		if !utf8.ValidString(got) {
			t.Fatalf("CleanName(%q) = %q: not UTF-8", s, got)
		}
		if i := strings.IndexFunc(got, unsafeInName); i >= 0 {
			t.Fatalf("CleanName(%q) = %q keeps %U at %d", s, got, []rune(got[i:])[0], i)
		}
		if again := CleanName(got); again != got {
			t.Fatalf("CleanName is not idempotent: %q → %q → %q", s, got, again)
		}
		if utf8.ValidString(s) && strings.IndexFunc(s, unsafeInName) < 0 && got != s {
			t.Fatalf("CleanName changed a clean name: %q → %q", s, got)
		}
	})
}

func TestUsers_SeenCleansNames(t *testing.T) {
	tests := []struct {
		name        string
		in          User
		wName, wUN  string
		wUnchanged  bool // the directory already holds what cleaning gives
		seenAlready *User
	}{
		{name: "a reversed name", in: User{ID: carol, Name: "Carol \u202E1001", Username: "carol"},
			wName: "Carol 1001", wUN: "carol"},
		{name: "controls in the username", in: User{ID: carol, Name: "Carol", Username: "car\x00ol\u2066"},
			wName: "Carol", wUN: "carol"},
		{name: "a dirty name seen again is no change", in: User{ID: carol, Name: "Carol\u200F", Username: "carol"},
			seenAlready: &User{ID: carol, Name: "Carol", Username: "carol"}, wUnchanged: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewUsers()
			if tc.seenAlready != nil {
				e, err := d.Seen(*tc.seenAlready, t0)
				wantErr(t, err, nil)
				d.Apply(e, d.Seq+1)
			}
			e, err := d.Seen(tc.in, t0.Add(time.Hour))
			wantErr(t, err, nil)
			if tc.wUnchanged {
				if e != nil {
					t.Fatalf("Seen = %#v, want no event", e)
				}
				return
			}
			wantEvent(t, e, &UserSeen{ID: tc.in.ID, Name: tc.wName, Username: tc.wUN, At: t0.Add(time.Hour)})
		})
	}
}

func TestUsers_RegisterCleansTheNickname(t *testing.T) {
	tests := []struct {
		name, nick, wNickname string
		wErr                  error
	}{
		{"override stripped", "Ali\u202Ecom", "Alicom", nil},
		{"isolates stripped", "\u2067Ali\u2069", "Ali", nil},
		{"NUL stripped", "A\x00li", "Ali", nil},
		{"short after stripping", "A\u202E\u202D", "", ErrBadNickname},
		{"empty after stripping", "\u202E\u2066\u200F", "", ErrBadNickname},
		{"spaces and controls only", " \u202E \x00 ", "", ErrBadNickname},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := directory(t)
			e, err := d.Register(alice, tc.nick)
			wantErr(t, err, tc.wErr)
			if tc.wErr != nil {
				return
			}
			wantEvent(t, e, &StaffRequested{ID: alice, Nickname: tc.wNickname})
		})
	}
}
