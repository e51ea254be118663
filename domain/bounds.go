package domain

import (
	"errors"
	"fmt"
	"strconv"
)

// Bounds on every number a person types, admins included: a typo or a
// hostile value must be refused with the bound it broke, never wrapped
// around (time.Duration overflows past about 106,751 days) or applied.
const (
	// MaxAdminDays bounds a period an admin sets or adds: ten years.
	MaxAdminDays = 3660
	// MaxAdminAmount bounds an amount an admin types (a price, a balance
	// correction): a million TON, far above any rental, far below MaxAmount.
	MaxAdminAmount Nano = 1_000_000 * NanoPerTON
)

// ErrOutOfRange is what every RangeError matches with errors.Is.
var ErrOutOfRange = errors.New("domain: out of range")

// RangeError is a typed number outside its bounds. What names the
// quantity ("days", "amount") and Min and Max are as people write them, so
// the bot can say exactly what was wrong.
type RangeError struct {
	What     string
	Min, Max string
	Err      error // the older sentinel it refines (ErrBadPeriod, ErrBadAmount…), for errors.Is
}

// Error says which value was out of which range.
func (e *RangeError) Error() string {
	return fmt.Sprintf("domain: %s must be between %s and %s", e.What, e.Min, e.Max)
}

// Is makes errors.Is(err, ErrOutOfRange) true.
func (e *RangeError) Is(target error) bool { return target == ErrOutOfRange }

// Unwrap gives the sentinel it refines.
func (e *RangeError) Unwrap() error { return e.Err }

// CheckAdminDays bounds a period an admin types: 1 to MaxAdminDays, or the
// same negated when negative is true (shortening).
func CheckAdminDays(days int, negative bool) error {
	lo := 1
	if negative {
		lo = -MaxAdminDays
	}
	if days < lo || days > MaxAdminDays || days == 0 {
		return &RangeError{What: "days", Min: strconv.Itoa(lo), Max: strconv.Itoa(MaxAdminDays), Err: ErrBadPeriod}
	}
	return nil
}

// CheckAdminAmount bounds an amount of TON an admin types: more than zero
// and at most MaxAdminAmount.
func CheckAdminAmount(n Nano) error { return CheckAdminMoney(TONMoney(n)) }

// maxAdminWhole is MaxAdminAmount in whole coins, the same bound in every
// currency: a million of them.
const maxAdminWhole = int64(MaxAdminAmount / NanoPerTON)

// CheckAdminMoney bounds an amount an admin types in any currency: more than
// zero and at most a million whole coins of it. The bounds name the
// currency, so "between 0.000001 USDT and 1000000 USDT" says what was wrong.
func CheckAdminMoney(m Money) error {
	if !m.Currency.Known() {
		return fmt.Errorf("%w: %s", ErrBadAmount, m.Currency)
	}
	most := Money{Currency: m.Currency, Units: maxAdminWhole * m.Currency.Unit()}
	if m.Units > 0 && m.Units <= most.Units {
		return nil
	}
	sentinel := ErrBadAmount
	if m.Units > 0 {
		sentinel = ErrAmountTooLarge
	}
	least := Money{Currency: m.Currency, Units: 1}
	return &RangeError{What: "amount", Min: least.String(), Max: most.String(), Err: sentinel}
}
