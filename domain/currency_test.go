package domain

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestCurrency_ZeroValueIsTON(t *testing.T) {
	var c Currency
	if c != CurrencyTON || c.String() != "TON" || c.Decimals() != 9 || c.Unit() != int64(NanoPerTON) {
		t.Fatalf("zero Currency = %s with %d decimals: every state before currencies must read as TON", c, c.Decimals())
	}
	if CurrencyUSDT.String() != "USDT" || CurrencyUSDT.Decimals() != 6 || CurrencyUSDT.Unit() != 1_000_000 {
		t.Errorf("USDT rules: %s, %d decimals, unit %d", CurrencyUSDT, CurrencyUSDT.Decimals(), CurrencyUSDT.Unit())
	}
	if Currency(7).Known() || Currency(7).String() != "currency(7)" {
		t.Errorf("currency 7 is known as %s", Currency(7))
	}
	if CurrencyTON.MaxUnits() != int64(MaxAmount) {
		t.Errorf("TON's bound %d differs from MaxAmount %d", CurrencyTON.MaxUnits(), MaxAmount)
	}
}

func TestParseCurrency(t *testing.T) {
	tests := []struct {
		in   string
		wC   Currency
		wErr error
	}{
		{"TON", CurrencyTON, nil},
		{" usdt ", CurrencyUSDT, nil},
		{"USD₮", CurrencyUSDT, nil},
		{"USD", 0, ErrBadAmount},
		{"", 0, ErrBadAmount},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			c, err := ParseCurrency(tc.in)
			wantErr(t, err, tc.wErr)
			if c != tc.wC {
				t.Errorf("ParseCurrency(%q) = %s, want %s", tc.in, c, tc.wC)
			}
		})
	}
}

func TestParseAmount(t *testing.T) {
	tests := []struct {
		name string
		in   string
		c    Currency
		wU   int64
		wErr error
	}{
		{"whole USDT", "25", CurrencyUSDT, 25_000_000, nil},
		{"one micro-USDT", "0.000001", CurrencyUSDT, 1, nil},
		{"comma", "0,5", CurrencyUSDT, 500_000, nil},
		{"USDT max", "1000000000", CurrencyUSDT, 1_000_000_000_000_000, nil},
		{"seven decimals of USDT", "0.0000001", CurrencyUSDT, 0, ErrBadAmount},
		{"nine decimals are fine in TON", "0.000000001", CurrencyTON, 1, nil},
		{"USDT above max", "1000000000.000001", CurrencyUSDT, 0, ErrAmountTooLarge},
		{"USDT huge whole", "1000000001", CurrencyUSDT, 0, ErrAmountTooLarge},
		{"beyond int64", "99999999999999999999", CurrencyUSDT, 0, ErrBadAmount},
		{"zero", "0.000000", CurrencyUSDT, 0, ErrBadAmount},
		{"negative", "-1", CurrencyUSDT, 0, ErrBadAmount},
		{"unknown currency", "1", Currency(9), 0, ErrBadAmount},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseAmount(tc.in, tc.c)
			wantErr(t, err, tc.wErr)
			if tc.wErr == nil && (m.Units != tc.wU || m.Currency != tc.c) {
				t.Errorf("ParseAmount(%q, %s) = %+v, want %d", tc.in, tc.c, m, tc.wU)
			}
		})
	}
}

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in   string
		w    Money
		wErr error
	}{
		{"25 USDT", USDT(25), nil},
		{"1.5 TON", TONMoney(1_500_000_000), nil},
		{"0,25usdt", Money{CurrencyUSDT, 250_000}, nil},
		{"3 USD₮", USDT(3), nil},
		{"25", Money{}, ErrBadAmount},
		{"25 EUR", Money{}, ErrBadAmount},
		{"USDT", Money{}, ErrBadAmount},
		{"1.0000001 USDT", Money{}, ErrBadAmount},
		{"2000000000 USDT", Money{}, ErrAmountTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			m, err := ParseMoney(tc.in)
			wantErr(t, err, tc.wErr)
			if m != tc.w {
				t.Errorf("ParseMoney(%q) = %+v, want %+v", tc.in, m, tc.w)
			}
		})
	}
}

func TestMoney_String(t *testing.T) {
	tests := []struct {
		in Money
		w  string
	}{
		{USDT(25), "25 USDT"},
		{Money{CurrencyUSDT, 1}, "0.000001 USDT"},
		{Money{CurrencyUSDT, -1_500_000}, "-1.5 USDT"},
		{TONMoney(1_500_000_000), "1.5 TON"},
		{Money{CurrencyUSDT, math.MinInt64}, "-9223372036854.775808 USDT"},
	}
	for _, tc := range tests {
		if got := tc.in.String(); got != tc.w {
			t.Errorf("%+v.String() = %q, want %q", tc.in, got, tc.w)
		}
	}
	if got := TONMoney(1_500_000_000).String(); got != Nano(1_500_000_000).String() {
		t.Errorf("TON Money %q and Nano %q format differently", got, Nano(1_500_000_000).String())
	}
}

func TestMoney_Add(t *testing.T) {
	if s, err := USDT(1).Add(USDT(2)); err != nil || s != USDT(3) {
		t.Errorf("1 + 2 USDT = %v, %v", s, err)
	}
	if _, err := USDT(1).Add(TONMoney(1)); !errors.Is(err, ErrNotPermitted) {
		t.Errorf("USDT + TON = %v, want a refusal: currencies are never mixed", err)
	}
	if _, err := (Money{CurrencyUSDT, math.MaxInt64}).Add(Money{CurrencyUSDT, 1}); !errors.Is(err, ErrOverflow) {
		t.Errorf("overflow = %v, want ErrOverflow", err)
	}
}

func TestMoney_Validate(t *testing.T) {
	tests := []struct {
		name string
		in   Money
		wErr error
	}{
		{"one unit", Money{CurrencyUSDT, 1}, nil},
		{"max", Money{CurrencyUSDT, CurrencyUSDT.MaxUnits()}, nil},
		{"above max", Money{CurrencyUSDT, CurrencyUSDT.MaxUnits() + 1}, ErrAmountTooLarge},
		{"int64 max", Money{CurrencyUSDT, math.MaxInt64}, ErrAmountTooLarge},
		{"zero", Money{CurrencyUSDT, 0}, ErrBadAmount},
		{"unknown currency", Money{Currency(2), 1}, ErrBadAmount},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.in.Validate(), tc.wErr) })
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"25 USDT", "1.5 TON", "0,000001 usdt", "1.0000001 USDT", "", "USDT", "1e6 USDT",
		"1000000000.000001 USDT", "-1 TON", "9223372036854.775807 USDT", strings.Repeat("9", 40) + " USDT", "1 USD₮"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s)
		if err != nil {
			if m != (Money{}) {
				t.Errorf("ParseMoney(%q) = %+v with error %v", s, m, err)
			}
			if !errors.Is(err, ErrBadAmount) && !errors.Is(err, ErrAmountTooLarge) {
				t.Errorf("ParseMoney(%q) error %v wraps neither ErrBadAmount nor ErrAmountTooLarge", s, err)
			}
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("ParseMoney(%q) = %+v, which does not validate: %v", s, m, err)
		}
		again, err := ParseMoney(m.String())
		if err != nil || again != m {
			t.Fatalf("ParseMoney(%q) = %+v; String %q re-parses to %+v, %v", s, m, m.String(), again, err)
		}
	})
}
