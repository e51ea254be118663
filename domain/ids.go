package domain

import (
	"fmt"
	"strings"
)

// UserID is a Telegram user id. Zero is never a real user.
type UserID int64

// Validate rejects the zero and negative ids Telegram never gives to people.
func (u UserID) Validate() error {
	if u <= 0 {
		return fmt.Errorf("%w: %d", ErrBadUser, u)
	}
	return nil
}

// OpID names one operation that comes from outside (a Telegram update and
// callback, a TON transaction, an admin action). Every step of a saga is keyed
// by it, so a retry after an unknown outcome is recognised and never applied twice.
type OpID string

// Validate rejects the empty id: an operation without a key cannot be deduplicated.
func (o OpID) Validate() error {
	if o == "" || len(o) > 128 {
		return ErrBadOp
	}
	return nil
}

// ParseNumber normalises a +888 number as people type it ("+888 0123 4567",
// "888-0123-4567", "88801234567") to the canonical "+88801234567".
// Most calls get a number that is canonical already (from a button or the
// engine), and it comes back as it is, without a copy.
func ParseNumber(s string) (string, error) {
	if canonicalNumber(s) {
		return s, nil
	}
	return normaliseNumber(s)
}

// canonicalNumber tells whether s is "+888" and 4 to 10 digits, the form
// normaliseNumber returns.
func canonicalNumber(s string) bool {
	if len(s) < 8 || len(s) > 14 || s[:4] != "+888" {
		return false
	}
	for i := 4; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// normaliseNumber is ParseNumber for a number as a person typed it.
func normaliseNumber(s string) (string, error) {
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')':
		default:
			return "", fmt.Errorf("%w: %q", ErrBadNumber, s)
		}
	}
	d := b.String()
	if !strings.HasPrefix(d, "888") || len(d) < 7 || len(d) > 13 {
		return "", fmt.Errorf("%w: %q: want +888 and 4 to 10 digits", ErrBadNumber, s)
	}
	return "+" + d, nil
}

// FormatNumber groups a canonical number for people: "+888 0123 4567".
func FormatNumber(id string) string {
	d := strings.TrimPrefix(id, "+888")
	if len(d) != 8 {
		return id
	}
	return "+888 " + d[:4] + " " + d[4:]
}
