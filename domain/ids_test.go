package domain

import (
	"errors"
	"strings"
	"testing"
)

func TestParseNumber(t *testing.T) {
	tests := []struct {
		name string
		in   string
		wID  string
		wErr error
	}{
		{"canonical", "+88801234567", "+88801234567", nil},
		{"grouped", "+888 0123 4567", "+88801234567", nil},
		{"dashes", "888-0123-4567", "+88801234567", nil},
		{"bare digits", "88801234567", "+88801234567", nil},
		{"brackets", "+(888) 0123-4567", "+88801234567", nil},
		{"surrounding space", "  +888 0123 4567\n", "+88801234567", nil},
		{"shortest", "+8880123", "+8880123", nil},
		{"longest", "+8880123456789", "+8880123456789", nil},
		{"empty", "", "", ErrBadNumber},
		{"plus only", "+", "", ErrBadNumber},
		{"prefix only", "+888", "", ErrBadNumber},
		{"too short", "+888012", "", ErrBadNumber},
		{"too long", "+88801234567890", "", ErrBadNumber},
		{"other country", "+79001234567", "", ErrBadNumber},
		{"plus inside", "888+01234567", "", ErrBadNumber},
		{"two pluses", "++88801234567", "", ErrBadNumber},
		{"letters", "+888 0123 456a", "", ErrBadNumber},
		{"dot", "+888.0123.4567", "", ErrBadNumber},
		{"unicode digits", "+888٠١٢٣٤٥٦٧", "", ErrBadNumber},
		{"fullwidth plus", "＋88801234567", "", ErrBadNumber},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := ParseNumber(tc.in)
			wantErr(t, err, tc.wErr)
			if id != tc.wID {
				t.Errorf("ParseNumber(%q) = %q, want %q", tc.in, id, tc.wID)
			}
		})
	}
}

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		name string
		in   string
		wOut string
	}{
		{"eight digits grouped", "+88801234567", "+888 0123 4567"},
		{"seven digits untouched", "+8880123456", "+8880123456"},
		{"ten digits untouched", "+8880123456789", "+8880123456789"},
		{"not ours", "+79001234567", "+79001234567"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := FormatNumber(tc.in); got != tc.wOut {
				t.Errorf("FormatNumber(%q) = %q, want %q", tc.in, got, tc.wOut)
			}
		})
	}
}

func TestUserID_Validate(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   UserID
		wErr error
	}{{"positive", 1, nil}, {"zero", 0, ErrBadUser}, {"negative", -7, ErrBadUser}} {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.in.Validate(), tc.wErr) })
	}
}

func TestOpID_Validate(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   OpID
		wErr error
	}{
		{"short", "u1:c2", nil},
		{"128 bytes", OpID(strings.Repeat("x", 128)), nil},
		{"empty", "", ErrBadOp},
		{"129 bytes", OpID(strings.Repeat("x", 129)), ErrBadOp},
	} {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.in.Validate(), tc.wErr) })
	}
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"+88801234567", "+888 0123 4567", "888-0123-4567", "88801234567", "+888",
		"", "++888", "+(888)0123", "+888012345678901", "８８８", "+888\x00123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseNumber(s)
		if slow, slowErr := normaliseNumber(s); slow != id || (slowErr == nil) != (err == nil) {
			t.Fatalf("ParseNumber(%q) = %q, %v; the long way %q, %v", s, id, err, slow, slowErr)
		}
		if err != nil {
			if id != "" || !errors.Is(err, ErrBadNumber) {
				t.Fatalf("ParseNumber(%q) = %q, %v", s, id, err)
			}
			return
		}
		if !strings.HasPrefix(id, "+888") || len(id) < 8 || len(id) > 14 || strings.Trim(id[1:], "0123456789") != "" {
			t.Fatalf("ParseNumber(%q) = %q, not canonical", s, id)
		}
		if again, err := ParseNumber(id); err != nil || again != id {
			t.Fatalf("ParseNumber(%q) = %q, but it re-parses to %q, %v", s, id, again, err)
		}
		if again, err := ParseNumber(FormatNumber(id)); err != nil || again != id {
			t.Fatalf("FormatNumber(%q) = %q re-parses to %q, %v", id, FormatNumber(id), again, err)
		}
	})
}
