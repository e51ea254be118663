package domain

import "time"

// LoginCode is a login code Telegram sent to an anonymous number, as
// Fragment shows it to the number's owner. Codes are secrets: they are
// shown to the number's current holder and to nobody else, and never
// journaled, logged, counted in a metric label or shown by introspection.
type LoginCode struct {
	Code string
	At   time.Time // when it arrived; zero when Fragment did not say
}

// String hides the code, so that a code printed by mistake is not one.
func (c LoginCode) String() string { return "LoginCode{…}" }

// GoString hides the code from %#v too.
func (c LoginCode) GoString() string { return c.String() }
