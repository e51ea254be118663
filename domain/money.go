package domain

import (
	"fmt"
	"math"
	"strconv"
	"strings"
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
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", "."))
	whole, frac, hasDot := strings.Cut(s, ".")
	if s == "" || whole == "" && frac == "" || strings.ContainsAny(whole+frac, "+-") {
		return 0, fmt.Errorf("%w: %q", ErrBadAmount, s)
	}
	if hasDot && (frac == "" || len(frac) > 9) {
		return 0, fmt.Errorf("%w: %q: at most 9 decimals", ErrBadAmount, s)
	}
	w := int64(0)
	if whole != "" {
		var err error
		if w, err = strconv.ParseInt(whole, 10, 64); err != nil {
			return 0, fmt.Errorf("%w: %q", ErrBadAmount, s)
		}
	}
	f := int64(0)
	if frac != "" {
		var err error
		if f, err = strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64); err != nil {
			return 0, fmt.Errorf("%w: %q", ErrBadAmount, s)
		}
	}
	if w > int64(MaxAmount/NanoPerTON) {
		return 0, fmt.Errorf("%w: %q", ErrAmountTooLarge, s)
	}
	n := Nano(w)*NanoPerTON + Nano(f)
	if err := n.Validate(); err != nil {
		return 0, err
	}
	return n, nil
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
func (n Nano) Decimal() string {
	sign := ""
	u := uint64(n)
	if n < 0 {
		sign, u = "-", uint64(-(n+1))+1
	}
	whole, frac := u/uint64(NanoPerTON), u%uint64(NanoPerTON)
	if frac == 0 {
		return sign + strconv.FormatUint(whole, 10)
	}
	fs := strings.TrimRight(fmt.Sprintf("%09d", frac), "0")
	return sign + strconv.FormatUint(whole, 10) + "." + fs
}

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
