package domain

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/vmihailenco/msgpack/v5"
)

// Currency is what an amount of money is counted in. Every amount is an
// integer of its currency's smallest unit, and nothing in Allot converts one
// currency into another: a rate would be a decision this package never makes,
// so a TON balance cannot pay a USDT price, nor the other way round.
//
// The zero value is TON on purpose: every state and journal record written
// before currencies existed carries no currency and held TON, and it must
// decode as exactly what it was. Codecs therefore omit the currency when it
// is TON, and a missing currency reads as TON.
type Currency uint8

// The currencies Allot counts. Add new ones at the end: the number is
// written to disk.
const (
	CurrencyTON  Currency = iota // nanotons, 9 decimals; the zero value
	CurrencyUSDT                 // Tether's jetton on TON, 6 decimals
)

// currencyRules are each currency's display name and decimals.
var currencyRules = [...]struct {
	name     string
	decimals int
	unit     int64
}{
	CurrencyTON:  {"TON", 9, 1_000_000_000},
	CurrencyUSDT: {"USDT", 6, 1_000_000},
}

// maxWhole bounds any single amount at one billion whole units of its
// currency, as MaxAmount does for TON: far above any real payment, so sums
// of valid amounts stay far from int64's limit in every currency.
const maxWhole = 1_000_000_000

// Currencies returns every known currency, TON first, for code that keeps
// or checks one sum per currency.
func Currencies() []Currency { return []Currency{CurrencyTON, CurrencyUSDT} }

// Known reports whether c is a currency this build counts. A state holding
// another one was written by a newer build and must not be guessed at.
func (c Currency) Known() bool { return int(c) < len(currencyRules) }

// String is the currency's name as people read it: "TON", "USDT".
func (c Currency) String() string {
	if !c.Known() {
		return fmt.Sprintf("currency(%d)", uint8(c))
	}
	return currencyRules[c].name
}

// Decimals is how many decimal places the smallest unit is: 9 for TON
// (nanotons), 6 for USDT, as the chain counts them.
func (c Currency) Decimals() int {
	if !c.Known() {
		return 0
	}
	return currencyRules[c].decimals
}

// Unit is the number of smallest units in one whole coin (0 if unknown).
func (c Currency) Unit() int64 {
	if !c.Known() {
		return 0
	}
	return currencyRules[c].unit
}

// MaxUnits is the largest single amount of c that can be charged or
// credited: one billion whole coins.
func (c Currency) MaxUnits() int64 { return maxWhole * c.Unit() }

// ParseCurrency reads a currency's name in any case ("usdt", "TON").
// "USD₮", as Tether writes it, is USDT.
func ParseCurrency(s string) (Currency, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "TON":
		return CurrencyTON, nil
	case "USDT", "USD₮":
		return CurrencyUSDT, nil
	}
	return 0, fmt.Errorf("%w: unknown currency %q", ErrBadAmount, s)
}

// Money is an amount in one currency, in that currency's smallest unit
// (nanotons, or millionths of a USDT). Carrying the currency with the
// number is what keeps a sum from mixing two of them: Add refuses.
type Money struct {
	Currency Currency
	Units    int64
}

// TONMoney is n nanotons as Money, for the TON-only callers of before.
func TONMoney(n Nano) Money { return Money{Currency: CurrencyTON, Units: int64(n)} }

// USDT returns n whole USDT; for constants and tests.
func USDT(n int64) Money { return Money{Currency: CurrencyUSDT, Units: n * CurrencyUSDT.Unit()} }

// Validate reports whether m can be charged or credited: a known currency,
// positive, and at most one billion whole coins.
func (m Money) Validate() error {
	switch {
	case !m.Currency.Known():
		return fmt.Errorf("%w: %s", ErrBadAmount, m.Currency)
	case m.Units <= 0:
		return fmt.Errorf("%w: %d", ErrBadAmount, m.Units)
	case m.Units > m.Currency.MaxUnits():
		return fmt.Errorf("%w: %s", ErrAmountTooLarge, m)
	}
	return nil
}

// Add returns m+o in their currency. Two currencies are refused, never
// converted, and a sum that leaves int64 is ErrOverflow.
func (m Money) Add(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, fmt.Errorf("%w: adding %s to %s", ErrNotPermitted, o.Currency, m.Currency)
	}
	s, err := AddNano(Nano(m.Units), Nano(o.Units))
	if err != nil {
		return Money{}, fmt.Errorf("adding %s to %s: %w", o, m, err)
	}
	return Money{Currency: m.Currency, Units: int64(s)}, nil
}

// String formats m with its currency and trailing zeros dropped:
// "25 USDT", "1.5 TON".
func (m Money) String() string { return m.Decimal() + " " + m.Currency.String() }

// Decimal formats m as a plain decimal number of whole coins: "1.5".
func (m Money) Decimal() string { return formatUnits(m.Units, m.Currency.Decimals()) }

// formatUnits writes units as a decimal with the given places, trailing
// zeros dropped; exact for every int64, the smallest included.
func formatUnits(units int64, decimals int) string {
	sign := ""
	u := uint64(units)
	if units < 0 {
		sign, u = "-", uint64(-(units+1))+1
	}
	unit := uint64(1)
	for i := 0; i < decimals; i++ {
		unit *= 10
	}
	whole, frac := u/unit, u%unit
	if frac == 0 {
		return sign + strconv.FormatUint(whole, 10)
	}
	fs := strings.TrimRight(fmt.Sprintf("%0*d", decimals, frac), "0")
	return sign + strconv.FormatUint(whole, 10) + "." + fs
}

// ParseMoney reads an amount followed by its currency, as people write it:
// "25 USDT", "1.5 TON", "0,5 usdt". The currency is required: a bare
// number could be either, and guessing is converting.
func ParseMoney(s string) (Money, error) {
	t := strings.TrimSpace(s)
	num := strings.TrimRightFunc(t, func(r rune) bool { return unicode.IsLetter(r) || r == '₮' })
	if num == t {
		return Money{}, fmt.Errorf("%w: %q names no currency", ErrBadAmount, s)
	}
	c, err := ParseCurrency(t[len(num):])
	if err != nil {
		return Money{}, err
	}
	return ParseAmount(num, c)
}

// ParseAmount reads a decimal amount of c such as "1.5", "0.000001" or
// "12", with at most c's decimals. It accepts a comma as the decimal mark
// because people type it. Arithmetic is on integers only.
func ParseAmount(s string, c Currency) (Money, error) {
	if !c.Known() {
		return Money{}, fmt.Errorf("%w: %s", ErrBadAmount, c)
	}
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", "."))
	whole, frac, hasDot := strings.Cut(s, ".")
	if s == "" || whole == "" && frac == "" || strings.ContainsAny(whole+frac, "+-") {
		return Money{}, fmt.Errorf("%w: %q", ErrBadAmount, s)
	}
	dec := c.Decimals()
	if hasDot && (frac == "" || len(frac) > dec) {
		return Money{}, fmt.Errorf("%w: %q: at most %d decimals in %s", ErrBadAmount, s, dec, c)
	}
	w, f := parseDigits(whole), parseDigits(frac+strings.Repeat("0", dec-len(frac)))
	if w < 0 || f < 0 {
		return Money{}, fmt.Errorf("%w: %q", ErrBadAmount, s)
	}
	if w > maxWhole {
		return Money{}, fmt.Errorf("%w: %q %s", ErrAmountTooLarge, s, c)
	}
	m := Money{Currency: c, Units: w*c.Unit() + f}
	if err := m.Validate(); err != nil {
		return Money{}, err
	}
	return m, nil
}

// parseDigits reads a run of ASCII digits ("" is 0), or returns -1 when s
// holds anything else or does not fit in an int64.
func parseDigits(s string) int64 {
	if s == "" {
		return 0
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return -1
	}
	return v
}

var _ msgpack.CustomDecoder = (*Currency)(nil)

// DecodeMsgpack reads a currency where reflection decodes one (the events
// without a hand-written codec), refusing one this build does not count
// rather than let its amount land in a balance of another currency.
func (c *Currency) DecodeMsgpack(d *msgpack.Decoder) error {
	r := &stateReader{d: d}
	*c = r.currency()
	return r.err
}
