package domain

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseTON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		wN   Nano
		wErr error
	}{
		{"whole", "1", NanoPerTON, nil},
		{"fraction", "1.5", 1_500_000_000, nil},
		{"comma", "0,25", 250_000_000, nil},
		{"spaces", " 2 ", TON(2), nil},
		{"one nanoton", "0.000000001", 1, nil},
		{"no whole part", ".5", 500_000_000, nil},
		{"leading zeros", "007.10", 7_100_000_000, nil},
		{"max amount", "1000000000", MaxAmount, nil},
		{"tabs and newline", "\t3\n", TON(3), nil},
		{"empty", "", 0, ErrBadAmount},
		{"blank", "   ", 0, ErrBadAmount},
		{"dot only", ".", 0, ErrBadAmount},
		{"comma only", ",", 0, ErrBadAmount},
		{"trailing dot", "1.", 0, ErrBadAmount},
		{"negative", "-1", 0, ErrBadAmount},
		{"plus", "+1", 0, ErrBadAmount},
		{"sign in fraction", "1.-5", 0, ErrBadAmount},
		{"ten decimals", "1.0000000001", 0, ErrBadAmount},
		{"letters", "abc", 0, ErrBadAmount},
		{"hex", "0x10", 0, ErrBadAmount},
		{"underscore", "1_000", 0, ErrBadAmount},
		{"two dots", "1.2.3", 0, ErrBadAmount},
		{"dot and comma", "1,2.3", 0, ErrBadAmount},
		{"inner space", "1 000", 0, ErrBadAmount},
		{"exponent", "1e9", 0, ErrBadAmount},
		{"zero", "0", 0, ErrBadAmount},
		{"zero fraction", "0.000000000", 0, ErrBadAmount},
		{"unit suffix", "1 TON", 0, ErrBadAmount},
		{"just above max", "1000000000.000000001", 0, ErrAmountTooLarge},
		{"huge whole", "1000000001", 0, ErrAmountTooLarge},
		{"beyond int64", "99999999999999999999", 0, ErrBadAmount},
		{"arabic digits", "١", 0, ErrBadAmount},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := ParseTON(tc.in)
			wantErr(t, err, tc.wErr)
			if n != tc.wN {
				t.Errorf("ParseTON(%q) = %d, want %d", tc.in, n, tc.wN)
			}
		})
	}
}

func TestNano_Decimal(t *testing.T) {
	tests := []struct {
		name string
		in   Nano
		wDec string
	}{
		{"zero", 0, "0"},
		{"one nanoton", 1, "0.000000001"},
		{"whole", TON(12), "12"},
		{"trailing zeros dropped", 1_500_000_000, "1.5"},
		{"inner zeros kept", 1_050_000_000, "1.05"},
		{"negative", -1_500_000_000, "-1.5"},
		{"negative nanoton", -1, "-0.000000001"},
		{"negative whole", -TON(3), "-3"},
		{"max int64", math.MaxInt64, "9223372036.854775807"},
		{"min int64", math.MinInt64, "-9223372036.854775808"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.in.Decimal(); got != tc.wDec {
				t.Errorf("Decimal() = %q, want %q", got, tc.wDec)
			}
			if got, w := tc.in.String(), tc.wDec+" TON"; got != w {
				t.Errorf("String() = %q, want %q", got, w)
			}
		})
	}
}

func TestNano_Validate(t *testing.T) {
	tests := []struct {
		name string
		in   Nano
		wErr error
	}{
		{"one", 1, nil},
		{"max", MaxAmount, nil},
		{"zero", 0, ErrBadAmount},
		{"negative", -1, ErrBadAmount},
		{"above max", MaxAmount + 1, ErrAmountTooLarge},
		{"max int64", math.MaxInt64, ErrAmountTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.in.Validate(), tc.wErr)
		})
	}
}

func TestAddNano(t *testing.T) {
	tests := []struct {
		name string
		a, b Nano
		wSum Nano
		wErr error
	}{
		{"small", 1, 2, 3, nil},
		{"negative", -5, 2, -3, nil},
		{"to max", math.MaxInt64 - 1, 1, math.MaxInt64, nil},
		{"to min", math.MinInt64 + 1, -1, math.MinInt64, nil},
		{"past max", math.MaxInt64, 1, 0, ErrOverflow},
		{"past min", math.MinInt64, -1, 0, ErrOverflow},
		{"two max amounts", MaxAmount, MaxAmount, 2 * MaxAmount, nil},
		{"big plus big", math.MaxInt64 / 2, math.MaxInt64/2 + 2, 0, ErrOverflow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AddNano(tc.a, tc.b)
			wantErr(t, err, tc.wErr)
			if got != tc.wSum {
				t.Errorf("AddNano(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.wSum)
			}
		})
	}
}

func TestMulNano(t *testing.T) {
	tests := []struct {
		name string
		a    Nano
		k    int64
		wN   Nano
		wErr error
	}{
		{"zero amount", 0, 5, 0, nil},
		{"zero factor", TON(5), 0, 0, nil},
		{"small", TON(10), 3, TON(30), nil},
		{"negative factor", TON(2), -2, -TON(4), nil},
		{"near max", math.MaxInt64 / 2, 2, math.MaxInt64 - 1, nil},
		{"overflow", math.MaxInt64/2 + 1, 2, 0, ErrOverflow},
		{"overflow negative", math.MinInt64/2 - 1, 2, 0, ErrOverflow},
		{"min times minus one", math.MinInt64, -1, 0, ErrOverflow},
		{"minus one times min", -1, math.MinInt64, 0, ErrOverflow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MulNano(tc.a, tc.k)
			wantErr(t, err, tc.wErr)
			if got != tc.wN {
				t.Errorf("MulNano(%d, %d) = %d, want %d", tc.a, tc.k, got, tc.wN)
			}
		})
	}
}

func TestTON(t *testing.T) {
	if got := TON(3); got != 3_000_000_000 {
		t.Errorf("TON(3) = %d", got)
	}
}

func FuzzParseTON(f *testing.F) {
	for _, s := range []string{"1", "1.5", "0,25", " 2 ", "0.000000001", "", ".", "1.", "-1", "+1",
		"1.0000000001", "abc", "0", "1000000000", "1000000000.000000001", "99999999999999999999", ".5",
		"9223372036.854775807", strings.Repeat("9", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseTON(s)
		if err != nil {
			if n != 0 {
				t.Errorf("ParseTON(%q) = %d with error %v", s, n, err)
			}
			if !errors.Is(err, ErrBadAmount) && !errors.Is(err, ErrAmountTooLarge) {
				t.Errorf("ParseTON(%q) error %v wraps neither ErrBadAmount nor ErrAmountTooLarge", s, err)
			}
			return
		}
		if err := n.Validate(); err != nil {
			t.Fatalf("ParseTON(%q) = %d, which does not validate: %v", s, n, err)
		}
		d := n.Decimal()
		again, err := ParseTON(d)
		if err != nil || again != n {
			t.Fatalf("ParseTON(%q) = %d; Decimal %q re-parses to %d, %v", s, n, d, again, err)
		}
	})
}
