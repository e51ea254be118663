package sheetstest

import (
	"testing"
)

func TestParseA1(t *testing.T) {
	titles := map[string]bool{"Sheet1": true, "Выданные": true, "It's": true}
	isTitle := func(s string) bool { return titles[s] }
	u := unbounded
	tests := []struct {
		in   string
		want a1
	}{
		{"Sheet1", a1{sheet: "Sheet1", hasSheet: true, whole: true}},
		{"'Выданные'", a1{sheet: "Выданные", hasSheet: true, whole: true}},
		{"'Выданные'!A1:F", a1{sheet: "Выданные", hasSheet: true, r2: u, c2: 5}},
		{"Sheet1!A2:C", a1{sheet: "Sheet1", hasSheet: true, r1: 1, r2: u, c2: 2}},
		{"'It''s'!B3", a1{sheet: "It's", hasSheet: true, r1: 2, c1: 1, r2: 2, c2: 1}},
		{"Sheet1!A:C", a1{sheet: "Sheet1", hasSheet: true, r2: u, c2: 2}},
		{"Sheet1!2:5", a1{sheet: "Sheet1", hasSheet: true, r1: 1, r2: 4, c2: u}},
		{"Sheet1!c5:a1", a1{sheet: "Sheet1", hasSheet: true, r2: 4, c2: 2}},
		{"A1:B2", a1{r2: 1, c2: 1}},
		{"My Sheet!AA10", a1{sheet: "My Sheet", hasSheet: true, r1: 9, c1: 26, r2: 9, c2: 26}},
		{"a!b!A1", a1{sheet: "a!b", hasSheet: true}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseA1(tt.in, isTitle)
			if err != nil || got != tt.want {
				t.Errorf("parseA1(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "!A1", "'Sheet1", "'Sheet1'A1", "''!A1", "Sheet1!", "Sheet1!A", "Sheet1!5",
		"Sheet1!A:5", "Sheet1!5:A", "Sheet1!A0", "Sheet1!AAAA1", "Sheet1!A+1", "Unknown", "Sheet1!A1:B2:C3"} {
		if got, err := parseA1(bad, isTitle); err == nil {
			t.Errorf("parseA1(%q) = %+v, want an error", bad, got)
		}
	}
}

func TestFormatRange(t *testing.T) {
	tests := []struct {
		title          string
		r1, c1, r2, c2 int
		want           string
	}{
		{"Sheet1", 0, 0, 999, 25, "Sheet1!A1:Z1000"},
		{"Выданные", 2, 0, 3, 2, "'Выданные'!A3:C4"},
		{"It's", 0, 0, 0, 0, "'It''s'!A1"},
		{"My Sheet", 0, 26, 0, 701, "'My Sheet'!AA1:ZZ1"},
		{"A1", 0, 702, 0, 702, "'A1'!AAA1"},
	}
	for _, tt := range tests {
		if got := formatRange(tt.title, tt.r1, tt.c1, tt.r2, tt.c2); got != tt.want {
			t.Errorf("formatRange(%q, ...) = %q, want %q", tt.title, got, tt.want)
		}
	}
}

func FuzzParseA1(f *testing.F) {
	for _, s := range []string{"Sheet1", "'Выданные'!A1:F", "'It''s'!A1", "A:C", "2:5", "x!y!B2:C", "'a''"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseA1(s, func(string) bool { return false })
		if err != nil || r.whole {
			return
		}
		if r.r1 < 0 || r.c1 < 0 || r.r2 != unbounded && r.r2 < r.r1 || r.c2 != unbounded && r.c2 < r.c1 {
			t.Fatalf("parseA1(%q) = %+v: bounds out of order", s, r)
		}
		if r.r2 == unbounded || r.c2 == unbounded || !r.hasSheet {
			return
		}
		back := formatRange(r.sheet, r.r1, r.c1, r.r2, r.c2)
		again, err := parseA1(back, func(string) bool { return false })
		if err != nil || again != r {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, r, back, again, err)
		}
	})
}

func TestUserEntered(t *testing.T) {
	tests := []struct {
		in        string
		wFormat   string
		wRaw      any
		wIsNumber bool
	}{
		{"79991234567", "79991234567", 79991234567.0, true},
		{"+79991234567", "79991234567", 79991234567.0, true},
		{"007", "7", 7.0, true},
		{"'007", "007", "007", false},
		{"1.50", "1.5", 1.5, true},
		{"-0", "0", 0.0, true},
		{"1e3", "1000", 1000.0, true},
		{"1e20", "1E+20", 1e20, true},
		{"true", "TRUE", true, false},
		{"+888 0123 4567", "+888 0123 4567", "+888 0123 4567", false},
		{"2026-11-21", "2026-11-21", "2026-11-21", false},
		{"", "", nil, false},
	}
	for _, tt := range tests {
		v := userEntered(tt.in)
		if v.formatted() != tt.wFormat || v.raw() != tt.wRaw || (v.kind == number) != tt.wIsNumber {
			t.Errorf("userEntered(%q) shows %q raw %#v; want %q %#v", tt.in, v.formatted(), v.raw(), tt.wFormat, tt.wRaw)
		}
	}
}

func TestParseMask(t *testing.T) {
	m := parseMask(" userEnteredValue , userEnteredFormat(backgroundColor,textFormat),note")
	for path, want := range map[string]bool{
		"userEnteredValue":                  true,
		"userEnteredFormat.backgroundColor": true,
		"userEnteredFormat.textFormat.bold": true,
		"userEnteredFormat.numberFormat":    false,
		"note":                              true,
		"effectiveValue":                    false,
	} {
		if m.has(path) != want {
			t.Errorf("%v.has(%q) = %v", m, path, !want)
		}
	}
	if !parseMask("*").has("userEnteredFormat.backgroundColor") || len(parseMask(" , ")) != 0 {
		t.Error("* selects everything; blanks select nothing")
	}
}
