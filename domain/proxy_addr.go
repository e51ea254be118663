package domain

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// A proxy's address: parsing what staff type, and the forms it is shown in.

// Limits of what ParseProxy and AddProxy accept.
const (
	maxProxyInput  = 1024 // bytes of the whole line, before anything else is looked at
	maxHostLen     = 253  // RFC 1035 §2.3.4, without the trailing dot
	maxLabelLen    = 63
	maxCredLen     = 128 // user and password each; RFC 1929 allows 255, no provider needs it
	maxResources   = 32
	maxResourceLen = 32
)

// BadProxyError is the refusal of a proxy's description. Field says which
// part was wrong ("host", "port", "user", "password", "type", "resources",
// "country", "days", "address") so that the bot can ask for that part again.
// Neither field ever quotes the password.
type BadProxyError struct {
	Field  string
	Reason string
}

// Error names the part that was wrong and why, never the password.
func (e *BadProxyError) Error() string {
	return fmt.Sprintf("domain: invalid proxy: %s: %s", e.Field, e.Reason)
}

// Is makes errors.Is(err, ErrBadProxy) true.
func (e *BadProxyError) Is(target error) bool { return target == ErrBadProxy }

func badProxy(field, reason string) error { return &BadProxyError{Field: field, Reason: reason} }

// ProxyAddr is where a proxy listens and how to log in to it. Host is in
// canonical form: an IPv4 address in dotted decimal, an IPv6 address
// compressed and lower-case without brackets, or a lower-case host name.
//
// The password is part of the state (it is what staff are handed), so it
// is journaled and snapshotted; it is left out of JSON so that the
// introspection endpoint does not show it, and Redacted is the form for logs.
type ProxyAddr struct {
	Host string `msgpack:"h"`
	Port uint16 `msgpack:"p"`
	User string `msgpack:"u,omitempty"`
	Pass string `msgpack:"pw,omitempty" json:"-"`
}

// ParseProxy reads a proxy as staff paste it: "host:port" or
// "host:port:user:pass", surrounding space ignored. An IPv6 address goes in
// brackets, "[2001:db8::1]:8080:user:pass"; a bare IPv6 address is refused,
// because "2001:db8::1:8080" reads as an address with or without a port.
//
// The host is an IPv4 address (four decimal parts, no leading zeros, which
// some tools read as octal), a bracketed IPv6 address without a zone, or a
// host name by RFC 1123: labels of 1–63 letters, digits and hyphens, not
// starting or ending with a hyphen, 253 bytes in all, and a last label that
// is not all digits (that is a mistyped IPv4 address). Addresses no proxy can
// listen on are refused: unspecified (0.0.0.0, ::), broadcast and multicast.
// Loopback and private addresses are accepted: a proxy may run beside the bot.
//
// The port is 1–65535 in decimal. User and password are both given or both
// absent, each 1–128 printable ASCII characters without spaces and without
// ':', which separates the parts (no escaping is defined, so a password
// with ':' cannot be told from an extra part). Non-ASCII is refused on
// purpose: it is nearly always a password typed in the wrong keyboard layout.
func ParseProxy(s string) (ProxyAddr, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return ProxyAddr{}, badProxy("address", "empty")
	case len(s) > maxProxyInput:
		return ProxyAddr{}, badProxy("address", "too long")
	}
	bracketed := strings.HasPrefix(s, "[")
	if !bracketed && bareIPv6(s) {
		return ProxyAddr{}, badProxy("host", "an IPv6 address goes in brackets: [2001:db8::1]:8080")
	}
	host, rest, err := splitHost(s)
	if err != nil {
		return ProxyAddr{}, err
	}
	var a ProxyAddr
	if a.Host, err = parseHost(host, bracketed); err != nil {
		return ProxyAddr{}, err
	}
	parts := strings.Split(rest, ":")
	switch len(parts) {
	case 1, 3:
	case 2:
		return ProxyAddr{}, badProxy("password", "user without a password")
	default:
		return ProxyAddr{}, badProxy("address", "want host:port or host:port:user:pass (IPv6 in brackets, no ':' in the password)")
	}
	if a.Port, err = parsePort(parts[0]); err != nil {
		return ProxyAddr{}, err
	}
	if len(parts) == 3 {
		if a.User, err = parseCred("user", parts[1]); err != nil {
			return ProxyAddr{}, err
		}
		if a.Pass, err = parseCred("password", parts[2]); err != nil {
			return ProxyAddr{}, err
		}
	}
	return a, nil
}

// bareIPv6 reports whether s is an IPv6 address, with or without a
// trailing ":port", written without brackets.
func bareIPv6(s string) bool {
	if strings.Count(s, ":") < 2 {
		return false
	}
	for _, c := range []string{s, s[:strings.LastIndexByte(s, ':')]} {
		if ip, err := netip.ParseAddr(c); err == nil && ip.Is6() {
			return true
		}
	}
	return false
}

// splitHost cuts s into its host and the rest after the host's ':'.
func splitHost(s string) (host, rest string, err error) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", badProxy("host", "'[' without ']'")
		}
		rest, ok := strings.CutPrefix(s[end+1:], ":")
		if !ok {
			return "", "", badProxy("port", "missing after the IPv6 address")
		}
		return s[1:end], rest, nil
	}
	host, rest, ok := strings.Cut(s, ":")
	if !ok {
		return "", "", badProxy("port", "missing")
	}
	return host, rest, nil
}

func parseHost(h string, bracketed bool) (string, error) {
	if bracketed {
		return parseIPv6(h)
	}
	if h == "" {
		return "", badProxy("host", "empty")
	}
	labels := strings.Split(h, ".")
	if allDigits(labels[len(labels)-1]) {
		return parseIPv4(h)
	}
	return parseHostName(h, labels)
}

func parseIPv4(h string) (string, error) {
	ip, err := netip.ParseAddr(h)
	if err != nil || !ip.Is4() {
		return "", badProxy("host", "not an IPv4 address (four parts 0–255, no leading zeros)")
	}
	return usable(ip)
}

func parseIPv6(h string) (string, error) {
	ip, err := netip.ParseAddr(h)
	switch {
	case err != nil || ip.Is4():
		return "", badProxy("host", "not an IPv6 address inside the brackets")
	case ip.Zone() != "":
		return "", badProxy("host", "IPv6 zone not allowed")
	}
	return usable(ip)
}

// usable refuses addresses no proxy server can listen on.
func usable(ip netip.Addr) (string, error) {
	u := ip.Unmap() // ::ffff:0.0.0.0 is no better than 0.0.0.0
	if u.IsUnspecified() || u.IsMulticast() || u == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return "", badProxy("host", "not a unicast address")
	}
	return ip.String(), nil
}

func parseHostName(h string, labels []string) (string, error) {
	if len(h) > maxHostLen {
		return "", badProxy("host", fmt.Sprintf("longer than %d characters", maxHostLen))
	}
	for _, l := range labels {
		switch {
		case l == "":
			return "", badProxy("host", "empty label")
		case len(l) > maxLabelLen:
			return "", badProxy("host", fmt.Sprintf("label longer than %d characters", maxLabelLen))
		case l[0] == '-' || l[len(l)-1] == '-':
			return "", badProxy("host", "label starts or ends with '-'")
		case strings.IndexFunc(l, notHostRune) >= 0:
			return "", badProxy("host", "only letters, digits, '-' and '.' allowed")
		}
	}
	return strings.ToLower(h), nil
}

func notHostRune(r rune) bool {
	return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '-'
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func parsePort(s string) (uint16, error) {
	if !allDigits(s) || len(s) > 5 {
		return 0, badProxy("port", "not a number 1–65535")
	}
	n, _ := strconv.Atoi(s)
	if n < 1 || n > 65535 {
		return 0, badProxy("port", "not a number 1–65535")
	}
	return uint16(n), nil
}

func parseCred(field, s string) (string, error) {
	switch {
	case s == "":
		return "", badProxy(field, "empty")
	case len(s) > maxCredLen:
		return "", badProxy(field, fmt.Sprintf("longer than %d characters", maxCredLen))
	}
	for i := range len(s) {
		if s[i] <= ' ' || s[i] > '~' {
			return "", badProxy(field, "only printable ASCII without spaces allowed")
		}
	}
	return s, nil
}

// hostPort renders the host, bracketed if IPv6, and the port.
func (a ProxyAddr) hostPort() string {
	h := a.Host
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	return h + ":" + strconv.Itoa(int(a.Port))
}

// String renders a in the form ParseProxy reads, password included: it is
// what staff are handed and what the sheet keeps. Use Redacted for logs.
func (a ProxyAddr) String() string {
	if a.User == "" && a.Pass == "" {
		return a.hostPort()
	}
	return a.hostPort() + ":" + a.User + ":" + a.Pass
}

// Redacted renders a with the password replaced by "***", for logs and the
// introspection endpoint.
func (a ProxyAddr) Redacted() string {
	if a.User == "" && a.Pass == "" {
		return a.hostPort()
	}
	return a.hostPort() + ":" + a.User + ":***"
}

// ProxyID is the id of the proxy entity at a: host, port and user, never
// the password, so the id can be logged and a proxy whose password changed
// is the same proxy, not a second one.
func ProxyID(a ProxyAddr) string {
	if a.User == "" {
		return a.hostPort()
	}
	return a.hostPort() + ":" + a.User
}

// ProxyRef is a short handle of the proxy with id, for callback data: an id
// has ':' in it and may be longer than the 64 bytes a button carries. It is
// 12 characters of a hash of the id (60 bits), so the pool that resolves it
// will not meet two proxies with one handle in practice, and should still
// refuse to guess if it ever does.
func ProxyRef(id string) string {
	sum := sha256.Sum256([]byte(id))
	return strings.ToLower(base32.StdEncoding.EncodeToString(sum[:]))[:12]
}
