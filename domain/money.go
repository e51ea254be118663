package domain

import (
	"fmt"
	"math"
)

// Nano is an amount of TON in nanotons (1 TON = 1e9 nanotons). Integer money
// keeps every balance exact: a float cannot hold 0.1 TON.
type Nano int64

// NanoPerTON is the number of nanotons in one TON.
const NanoPerTON Nano = 1_000_000_000

// MaxAmount bounds any single amount at one billion TON (a fifth of the
// supply), far above any real payment, so that sums of valid amounts stay
// far from int64's limit (about 9.2 billion TON).
const MaxAmount Nano = 1_000_000_000 * NanoPerTON

// TON returns n whole TON as nanotons; for constants and tests.
func TON(n int64) Nano { return Nano(n) * NanoPerTON }

// ParseTON reads a decimal amount of TON such as "1.5", "0.000000001" or
// "12". It accepts a comma as the decimal mark because people type it.
func ParseTON(s string) (Nano, error) {
	m, err := ParseAmount(s, CurrencyTON)
	if err != nil {
		return 0, err
	}
	return Nano(m.Units), nil
}

// Validate reports whether n can be charged or credited: positive and at
// most MaxAmount.
func (n Nano) Validate() error {
	switch {
	case n <= 0:
		return fmt.Errorf("%w: %d", ErrBadAmount, n)
	case n > MaxAmount:
		return fmt.Errorf("%w: %d", ErrAmountTooLarge, n)
	}
	return nil
}

// String formats n as TON with the trailing zeros dropped: "1.5 TON".
func (n Nano) String() string { return n.Decimal() + " TON" }

// Decimal formats n as a plain decimal number of TON, e.g. "1.5".
func (n Nano) Decimal() string { return formatUnits(int64(n), CurrencyTON.Decimals()) }

// AddNano returns a+b, or ErrOverflow when the sum leaves int64.
func AddNano(a, b Nano) (Nano, error) {
	if (b > 0 && a > math.MaxInt64-b) || (b < 0 && a < math.MinInt64-b) {
		return 0, ErrOverflow
	}
	return a + b, nil
}

// MulNano returns a*k for a small multiplier k, or ErrOverflow.
func MulNano(a Nano, k int64) (Nano, error) {
	if a == 0 || k == 0 {
		return 0, nil
	}
	if a == math.MinInt64 && k == -1 || k == math.MinInt64 && a == -1 {
		return 0, ErrOverflow
	}
	r := a * Nano(k)
	if r/Nano(k) != a {
		return 0, ErrOverflow
	}
	return r, nil
}
