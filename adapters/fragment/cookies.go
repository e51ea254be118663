package fragment

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// Names of fragment.com's login cookies.
const (
	cookieSSID     = "stel_ssid"      // the web session
	cookieDT       = "stel_dt"        // the browser's timezone offset, minutes
	cookieToken    = "stel_token"     // the Telegram login
	cookieTonToken = "stel_ton_token" // the TON wallet login
)

// defaultDT is the offset Fragment's own clients send when they know no
// better (UTC+3, as the page sets it for Moscow).
const defaultDT = "-180"

// Cookies are the login of a browser on fragment.com: whoever holds them
// acts as the operator, so they print as "fragment.Cookies{redacted}"
// with every verb, in slog and in %#v. The zero value is "no login".
type Cookies struct {
	ssid, dt, token, tonToken string
	extra                     []string // other "name=value" pairs of the browser, sent along
}

// ParseCookies reads the Cookie header of a browser logged in to
// fragment.com ("stel_ssid=…; stel_dt=…; stel_token=…; stel_ton_token=…",
// with or without a leading "Cookie:"). stel_ssid, stel_token and
// stel_ton_token are required; stel_dt defaults to -180; other cookies are
// kept and sent along (a Cloudflare clearance, say). Its errors wrap
// ErrBadCookies and name the cookie at fault, never a value.
func ParseCookies(header string) (Cookies, error) {
	header = strings.TrimSpace(header)
	if len(header) >= 7 && strings.EqualFold(header[:7], "cookie:") {
		header = header[7:]
	}
	var c Cookies
	seen := map[string]bool{}
	for i, item := range strings.Split(header, ";") {
		if strings.TrimSpace(item) == "" {
			continue
		}
		name, value, err := splitCookie(item, i+1)
		if err != nil {
			return Cookies{}, err
		}
		if seen[name] {
			return Cookies{}, fmt.Errorf("%w: %s given twice", ErrBadCookies, nameForError(name, i+1))
		}
		seen[name] = true
		if err := c.set(name, value, i+1); err != nil {
			return Cookies{}, err
		}
	}
	return c, c.complete()
}

// splitCookie splits one "name=value" item and checks both halves.
func splitCookie(item string, pos int) (name, value string, err error) {
	name, value, ok := strings.Cut(item, "=")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || !validCookieName(name) {
		return "", "", fmt.Errorf("%w: item %d is not name=value", ErrBadCookies, pos)
	}
	if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
		value = value[1 : len(value)-1]
	}
	if !validCookieValue(value) {
		return "", "", fmt.Errorf("%w: %s has characters a cookie cannot hold", ErrBadCookies, nameForError(name, pos))
	}
	return name, value, nil
}

// nameForError names a cookie in an error: ours by name, any other by its
// position only, since an unknown "name" may be half of a pasted value.
func nameForError(name string, pos int) string {
	switch name {
	case cookieSSID, cookieDT, cookieToken, cookieTonToken:
		return name
	}
	return fmt.Sprintf("the cookie at item %d", pos)
}

func (c *Cookies) set(name, value string, pos int) error {
	switch name {
	case cookieSSID:
		c.ssid = value
	case cookieToken:
		c.token = value
	case cookieTonToken:
		c.tonToken = value
	case cookieDT:
		n, err := strconv.Atoi(value)
		if err != nil || n < -1440 || n > 1440 {
			return fmt.Errorf("%w: stel_dt is not a timezone offset in minutes", ErrBadCookies)
		}
		c.dt = strconv.Itoa(n)
	default:
		if value == "" {
			return fmt.Errorf("%w: %s is empty", ErrBadCookies, nameForError(name, pos))
		}
		c.extra = append(c.extra, name+"="+value)
	}
	return nil
}

// complete checks that the three logins are there, and defaults stel_dt.
func (c *Cookies) complete() error {
	var missing []string
	for _, f := range []struct{ name, value string }{
		{cookieSSID, c.ssid}, {cookieToken, c.token}, {cookieTonToken, c.tonToken},
	} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: missing or empty %s", ErrBadCookies, strings.Join(missing, ", "))
	}
	if c.dt == "" {
		c.dt = defaultDT
	}
	return nil
}

// validCookieName accepts an RFC 7230 token.
func validCookieName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b <= ' ' || b >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, b) >= 0 {
			return false
		}
	}
	return true
}

// validCookieValue accepts RFC 6265 cookie-octets.
func validCookieValue(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b <= ' ' || b >= 0x7f || b == '"' || b == ',' || b == ';' || b == '\\' {
			return false
		}
	}
	return true
}

// IsZero tells the zero Cookies: no login at all.
func (c Cookies) IsZero() bool { return c.ssid == "" && c.token == "" && c.tonToken == "" }

// header is the Cookie header sent to fragment.com.
func (c Cookies) header() string {
	parts := []string{
		cookieSSID + "=" + c.ssid, cookieDT + "=" + c.dt,
		cookieToken + "=" + c.token, cookieTonToken + "=" + c.tonToken,
	}
	return strings.Join(append(parts, c.extra...), "; ")
}

// with returns c with one of the login cookies replaced: what a browser
// does with a Set-Cookie that refreshes it.
func (c Cookies) with(name, value string) (Cookies, bool) {
	switch name {
	case cookieSSID:
		c.ssid = value
	case cookieToken:
		c.token = value
	case cookieTonToken:
		c.tonToken = value
	default:
		return c, false
	}
	return c, true
}

const redacted = "fragment.Cookies{redacted}"

// String hides the values.
func (c Cookies) String() string { return redacted }

// GoString hides the values from %#v.
func (c Cookies) GoString() string { return redacted }

// Format hides the values from every verb, %d and %x included.
func (c Cookies) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue hides the values from slog.
func (c Cookies) LogValue() slog.Value { return slog.StringValue(redacted) }
