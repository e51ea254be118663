package domain

import (
	"strings"
	"testing"
)

func TestNewCode(t *testing.T) {
	tests := []struct {
		name  string
		in    uint64
		wCode string
	}{
		{"zero", 0, "AAAA-AAAA"},
		{"one", 1, "BAAA-AAAA"},
		{"base", 31, "ABAA-AAAA"},
		{"last digit", 30, "9AAA-AAAA"},
		{"fifth symbol", 31 * 31 * 31 * 31, "AAAA-BAAA"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NewCode(tc.in); got != tc.wCode {
				t.Errorf("NewCode(%d) = %q, want %q", tc.in, got, tc.wCode)
			}
		})
	}

	t.Run("always canonical", func(t *testing.T) {
		seen := map[string]uint64{}
		for i := range uint64(5000) {
			r := i * 0x9e3779b97f4a7c15
			c := NewCode(r)
			if NormalizeCode(c) != c {
				t.Fatalf("NewCode(%d) = %q is not canonical", r, c)
			}
			if strings.ContainsAny(c, "01ILO") {
				t.Fatalf("NewCode(%d) = %q has an ambiguous symbol", r, c)
			}
			seen[c] = r
		}
		if len(seen) < 4990 {
			t.Errorf("only %d distinct codes from 5000 random inputs", len(seen))
		}
	})
}

func TestNormalizeCode(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		wCode string
	}{
		{"canonical", "K7QM-3XHA", "K7QM-3XHA"},
		{"lower case", "k7qm-3xha", "K7QM-3XHA"},
		{"no separator", "K7QM3XHA", "K7QM-3XHA"},
		{"space separator", "k7qm 3xha", "K7QM-3XHA"},
		{"surrounding space", "  K7QM-3XHA\n", "K7QM-3XHA"},
		{"extra separators", "K7-QM-3X-HA", "K7QM-3XHA"},
		{"empty", "", ""},
		{"too short", "K7QM-3XH", ""},
		{"too long", "K7QM-3XHA9", ""},
		{"letter O", "O7QM-3XHA", ""},
		{"digit zero", "07QM-3XHA", ""},
		{"digit one", "17QM-3XHA", ""},
		{"letter I", "I7QM-3XHA", ""},
		{"letter L", "L7QM-3XHA", ""},
		{"underscore", "K7QM_3XHA", ""},
		{"cyrillic look-alike", "К7QM-3XHA", ""},
		{"tab inside", "K7QM\t3XHA", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NormalizeCode(tc.in); got != tc.wCode {
				t.Errorf("NormalizeCode(%q) = %q, want %q", tc.in, got, tc.wCode)
			}
		})
	}
}

func TestFindCodes(t *testing.T) {
	long := strings.Repeat("x", 502) + " K7QM-3XHA" // exactly 512 bytes
	tests := []struct {
		name   string
		in     string
		wCodes []string
	}{
		{"bare", "K7QM-3XHA", []string{"K7QM-3XHA"}},
		{"lower case", "k7qm-3xha", []string{"K7QM-3XHA"}},
		{"no separator", "K7QM3XHA", []string{"K7QM-3XHA"}},
		{"split in two", "K7QM 3XHA", []string{"K7QM-3XHA"}},
		{"split lower case", "k7qm 3xha", []string{"K7QM-3XHA"}},
		{"in a sentence", "pay for K7QM3XHA, thanks!", []string{"K7QM-3XHA"}},
		{"in parentheses", "(K7QM-3XHA)", []string{"K7QM-3XHA"}},
		{"prefix glued on", "XK7QM3XHA", nil},
		{"suffix glued on", "K7QM-3XHA9", nil},
		{"split with suffix", "K7QM 3XHA9", nil},
		{"split with prefix", "AK7QM 3XHA", nil},
		{"several", "K7QM-3XHA and ABCD-EFGH", []string{"K7QM-3XHA", "ABCD-EFGH"}},
		{"several split", "k7qm 3xha abcd efgh", []string{"K7QM-3XHA", "3XHA-ABCD", "ABCD-EFGH"}},
		{"repeated", "K7QM-3XHA K7QM-3XHA", []string{"K7QM-3XHA", "K7QM-3XHA"}},
		{"emoji around", "🙂K7QM-3XHA🙂", []string{"K7QM-3XHA"}},
		{"no-break spaces", "\u00a0K7QM\u00a03XHA\u00a0", []string{"K7QM-3XHA"}},
		{"invalid utf-8 around", "\xffK7QM-3XHA\xfe", []string{"K7QM-3XHA"}},
		{"cyrillic look-alike", "К7QM-3XHA", nil},
		{"ambiguous symbols", "O0I1-L0O1", nil},
		{"nothing", "hello world", nil},
		{"empty", "", nil},
		{"within the first 512 bytes", long, []string{"K7QM-3XHA"}},
		{"beyond 512 bytes", strings.Repeat("x", 512) + " K7QM-3XHA", nil},
		// A four-letter word made of code symbols before a split code must
		// not swallow the code's first half.
		{"word before a split code", "rent K7QM 3XHA", []string{"RENT-K7QM", "K7QM-3XHA"}},
		{"user word before a split code", "user K7QM 3XHA", []string{"USER-K7QM", "K7QM-3XHA"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := FindCodes(tc.in)
			sameState(t, "codes", got, tc.wCodes)
		})
	}
}

func FuzzFindCodes(f *testing.F) {
	for _, s := range []string{"K7QM-3XHA", "k7qm 3xha", "XK7QM3XHA", "K7QM-3XHA9", "a K7QM-3XHA b ABCD EFGH",
		"🙂K7QM-3XHA🙂", "\xff\xfe", strings.Repeat("AB", 300), "ſ7QM-3XHA", "K7QM--3XHA", "----"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range FindCodes(s) {
			if NormalizeCode(c) != c || len(c) != CodeLen+1 {
				t.Fatalf("FindCodes(%q) returned %q, not a canonical code", s, c)
			}
		}
		if c := NormalizeCode(s); c != "" && NormalizeCode(c) != c {
			t.Fatalf("NormalizeCode(%q) = %q, which normalises to %q", s, c, NormalizeCode(c))
		}
	})
}

func TestTxID_Key(t *testing.T) {
	a := TxID{Account: "EQabc", LT: 42, Hash: "ff"}
	if got := a.Key(); got != "EQabc:42:ff" {
		t.Errorf("Key() = %q", got)
	}
	if a.Key() == (TxID{Account: "EQabd", LT: 42, Hash: "ff"}).Key() {
		t.Error("two accounts give the same key")
	}
}

func TestInvoiceStatus_String(t *testing.T) {
	for s, w := range map[InvoiceStatus]string{InvoiceOpen: "open", InvoicePaid: "paid", InvoiceExpired: "expired",
		InvoiceCancelled: "cancelled", 0: "status(0)", 5: "status(5)"} {
		if got := s.String(); got != w {
			t.Errorf("InvoiceStatus(%d).String() = %q, want %q", s, got, w)
		}
	}
}
