package domain

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Proxies as the staff bot hands them out: a member of staff adds one (its
// type, its address, the resources it is good for and how many days it was
// bought for); another picks it by resource and country, holds it for a few
// minutes while deciding, and takes it or lets it go. After its days it
// expires. Each proxy is one entity, addressed by ProxyID.

// ProxyType is the protocol a proxy speaks.
type ProxyType uint8

// The proxy types. Codes are stored on disk: only add.
const (
	ProxyHTTP ProxyType = iota + 1
	ProxySOCKS5
)

var proxyTypeNames = [...]string{"", "HTTP", "SOCKS5"}

func (t ProxyType) String() string {
	if int(t) < len(proxyTypeNames) && t > 0 {
		return proxyTypeNames[t]
	}
	return fmt.Sprintf("type(%d)", t)
}

// ParseProxyType reads "http" or "socks5" in any case.
func ParseProxyType(s string) (ProxyType, error) {
	for i, n := range proxyTypeNames {
		if i > 0 && strings.EqualFold(strings.TrimSpace(s), n) {
			return ProxyType(i), nil
		}
	}
	return 0, badProxy("type", "want HTTP or SOCKS5")
}

// ProxyDays are the periods a proxy can be added for, in days. Staff pick
// one from buttons; AddProxy refuses any other.
var ProxyDays = []int{5, 10, 15, 30}

// ProxyHoldTTL is how long a picked proxy stays reserved for the person who
// picked it, when the caller gives no TTL of its own.
const ProxyHoldTTL = 5 * time.Minute

// Why a reservation ended without the proxy being taken.
const (
	ReleaseCancelled = "cancelled"
	ReleaseTimeout   = "timeout"
)

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

// ProxyStatus is where a proxy is in its life:
// available → reserved → issued | available, any of them → expired, and
// removed by staff at any time.
type ProxyStatus uint8

// The proxy statuses. Codes are stored on disk: only add.
const (
	ProxyStatusAvailable ProxyStatus = iota + 1
	ProxyStatusReserved
	ProxyStatusIssued
	ProxyStatusExpired
	ProxyStatusRemoved
)

var proxyStatusNames = [...]string{"none", "available", "reserved", "issued", "expired", "removed"}

func (s ProxyStatus) String() string {
	if int(s) < len(proxyStatusNames) {
		return proxyStatusNames[s]
	}
	return fmt.Sprintf("status(%d)", s)
}

// Proxy is one proxy and what happened to it. The zero Proxy is one never
// added (or whose id is unknown).
type Proxy struct {
	ID        string      `msgpack:"id"`
	Type      ProxyType   `msgpack:"ty"`
	Addr      ProxyAddr   `msgpack:"a"`
	Resources []string    `msgpack:"rs"` // sorted, without duplicates
	Country   string      `msgpack:"c"`  // ISO 3166-1 alpha-2, upper-case
	Days      int         `msgpack:"d"`
	AddedBy   UserID      `msgpack:"by"`
	Added     time.Time   `msgpack:"ad"`
	Expires   time.Time   `msgpack:"x"` // Added + Days
	Status    ProxyStatus `msgpack:"st"`
	Holder    UserID      `msgpack:"u,omitempty"`  // who reserved it, or was issued it
	Until     time.Time   `msgpack:"t,omitempty"`  // the reservation's end
	Since     time.Time   `msgpack:"s,omitempty"`  // when it was issued
	History   []Holding   `msgpack:"hi,omitempty"` // one "issued" holding per holder, across re-adds
	Seq       uint64      `msgpack:"sq"`           // journal sequence of the last applied event
	// Changed is the sequence of the last change the Proxies sheet keeps
	// (added, issued, expired, removed; not the 5-minute holds), Synced
	// the one last written there.
	Changed uint64 `msgpack:"ch,omitempty"`
	Synced  uint64 `msgpack:"sy,omitempty"`
}

// ProxySynced records that the Proxies sheet shows the proxy as of Seq.
type ProxySynced struct {
	Seq uint64 `msgpack:"s"`
}

func (e *ProxySynced) applyProxy(p *Proxy) { p.Synced = max(p.Synced, e.Seq) }

// Unsynced reports whether the Proxies sheet lags behind the proxy.
func (p *Proxy) Unsynced() bool { return p.Changed > p.Synced }

// ProxySpec is what staff give when they add a proxy.
type ProxySpec struct {
	Type      ProxyType
	Addr      ProxyAddr
	Resources []string
	Country   string
	Days      int
}

// live reports whether p is in stock: added, and neither expired nor removed.
func (p *Proxy) live() bool {
	return p.Status == ProxyStatusAvailable || p.Status == ProxyStatusReserved || p.Status == ProxyStatusIssued
}

// Serves reports whether p is good for resource and in country: the filter
// of the list staff choose from. It says nothing of availability.
func (p *Proxy) Serves(resource, country string) bool {
	_, ok := slices.BinarySearch(p.Resources, resource)
	return ok && p.Country == country
}

// Available reports whether someone could reserve p at now.
func (p *Proxy) Available(now time.Time) bool {
	switch {
	case !now.Before(p.Expires):
		return false
	case p.Status == ProxyStatusAvailable:
		return true
	}
	return p.Status == ProxyStatusReserved && !now.Before(p.Until)
}

// AddProxy decides that a proxy enters stock. cur is the entity at the
// spec's ProxyID, nil or zero if there is none; a proxy that expired or was
// removed may be added again (bought for another period), and keeps its
// history. Everything in spec is checked again here, whatever the caller did.
func AddProxy(cur *Proxy, spec ProxySpec, by UserID, now time.Time) (*ProxyAdded, error) {
	if err := by.Validate(); err != nil {
		return nil, err
	}
	if cur != nil && cur.live() && now.Before(cur.Expires) {
		return nil, ErrProxyExists
	}
	e, err := checkSpec(spec)
	if err != nil {
		return nil, err
	}
	e.By, e.At, e.Expires = by, now, addDays(now, spec.Days)
	return e, nil
}

func checkSpec(spec ProxySpec) (*ProxyAdded, error) {
	if spec.Type != ProxyHTTP && spec.Type != ProxySOCKS5 {
		return nil, badProxy("type", "want HTTP or SOCKS5")
	}
	a, err := ParseProxy(spec.Addr.String())
	if err != nil {
		return nil, err
	}
	if a != spec.Addr {
		return nil, badProxy("address", "not in canonical form: parse it with ParseProxy")
	}
	if id := ProxyID(a); len(id) > maxIDLen {
		return nil, badProxy("address", "host and user too long together")
	}
	if !slices.Contains(ProxyDays, spec.Days) {
		return nil, badProxy("days", fmt.Sprintf("want one of %v", ProxyDays))
	}
	res, err := ProxyResources(spec.Resources)
	if err != nil {
		return nil, err
	}
	c, err := ParseCountry(spec.Country)
	if err != nil {
		return nil, err
	}
	return &ProxyAdded{ID: ProxyID(a), Type: spec.Type, Addr: a, Resources: res, Country: c, Days: spec.Days}, nil
}

// ProxyResources normalises the resources a proxy is good for, as picked in
// a multi-select: trimmed, lower-case, sorted, without duplicates; each a
// code of letters, digits, '_' and '-' (a kind's code, as in kinds.json).
func ProxyResources(in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, r := range in {
		r = strings.ToLower(strings.TrimSpace(r))
		if !validCode(r, maxResourceLen) {
			return nil, badProxy("resources", "each one a code of letters, digits, '_' and '-'")
		}
		out = append(out, r)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	switch {
	case len(out) == 0:
		return nil, badProxy("resources", "none chosen")
	case len(out) > maxResources:
		return nil, badProxy("resources", fmt.Sprintf("more than %d", maxResources))
	}
	return out, nil
}

// ParseCountry reads an ISO 3166-1 alpha-2 code in any case and returns it
// upper-case. Only the form is checked, not that the code is assigned, so
// that user-assigned codes such as "ZZ" (unknown) pass.
func ParseCountry(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return "", badProxy("country", "want a two-letter ISO 3166 code")
	}
	return s, nil
}

// Reserve holds p for user until now + ttl (ProxyHoldTTL if ttl is not
// positive), hiding it from everyone else. The same user may reserve again,
// which restarts the clock; a reservation that lapsed may be taken over
// before the scheduler has released it.
func (p *Proxy) Reserve(user UserID, ttl time.Duration, now time.Time) (*ProxyReserved, error) {
	if err := user.Validate(); err != nil {
		return nil, err
	}
	if err := p.checkInStock(now); err != nil {
		return nil, err
	}
	switch {
	case p.Status == ProxyStatusIssued && p.Holder == user:
		return nil, ErrAlreadyDecided
	case !p.Available(now) && !(p.Status == ProxyStatusReserved && p.Holder == user):
		return nil, ErrProxyTaken
	}
	if ttl <= 0 {
		ttl = ProxyHoldTTL
	}
	return &ProxyReserved{User: user, Until: now.Add(ttl)}, nil
}

// checkInStock refuses a proxy that is unknown, removed or past its expiry,
// even before the scheduler has marked it expired.
func (p *Proxy) checkInStock(now time.Time) error {
	switch {
	case p.Status == 0, p.Status == ProxyStatusRemoved:
		return ErrProxyNotFound
	case p.Status == ProxyStatusExpired, !now.Before(p.Expires):
		return ErrProxyExpired
	}
	return nil
}

// Confirm issues p to the user who reserved it, before the reservation
// lapses and before p expires.
func (p *Proxy) Confirm(user UserID, now time.Time) (*ProxyIssued, error) {
	if err := p.checkInStock(now); err != nil {
		return nil, err
	}
	switch {
	case p.Status == ProxyStatusIssued && p.Holder == user:
		return nil, ErrAlreadyDecided
	case p.Status == ProxyStatusIssued:
		return nil, ErrProxyTaken
	case p.Status != ProxyStatusReserved:
		return nil, ErrNoHold
	case p.Holder != user:
		return nil, ErrNotPermitted
	case !now.Before(p.Until): // at Until the scheduler releases it: both must agree
		return nil, ErrHoldExpired
	}
	return &ProxyIssued{User: user, At: now}, nil
}

// Cancel lets the user who reserved p let it go.
func (p *Proxy) Cancel(user UserID) (*ProxyReleased, error) {
	switch {
	case p.Status != ProxyStatusReserved:
		return nil, ErrNoHold
	case p.Holder != user:
		return nil, ErrNotPermitted
	}
	return &ProxyReleased{User: user, Why: ReleaseCancelled}, nil
}

// Remove takes p out of stock on staff's decision, whatever its status.
// Whether by may do so is the caller's check (roles live elsewhere).
func (p *Proxy) Remove(by UserID, now time.Time) (*ProxyRemoved, error) {
	if err := by.Validate(); err != nil {
		return nil, err
	}
	switch p.Status {
	case 0:
		return nil, ErrProxyNotFound
	case ProxyStatusRemoved:
		return nil, ErrAlreadyDecided
	}
	return &ProxyRemoved{By: by, At: now}, nil
}

// Tick is what the scheduler asks at p's wake-up time: the events due now,
// possibly none. Expiry wins over a lapsed reservation, so a proxy that
// expires while reserved gives one event, not two.
func (p *Proxy) Tick(now time.Time) []Event {
	switch {
	case !p.live():
		return nil
	case !now.Before(p.Expires):
		return []Event{&ProxyExpired{At: p.Expires}}
	case p.Status == ProxyStatusReserved && !now.Before(p.Until):
		return []Event{&ProxyReleased{User: p.Holder, Why: ReleaseTimeout}}
	}
	return nil
}

// NextWake is the earliest moment Tick has something to do for p: the
// reservation's end or the expiry. Zero means never.
func (p *Proxy) NextWake() time.Time {
	switch {
	case !p.live():
		return time.Time{}
	case p.Status == ProxyStatusReserved && p.Until.Before(p.Expires):
		return p.Until
	}
	return p.Expires
}

// Clone returns a deep copy, for readers outside the proxy's actor.
func (p *Proxy) Clone() *Proxy {
	c := *p
	c.Resources = slices.Clone(p.Resources)
	c.History = slices.Clone(p.History)
	return &c
}

// ProxyEvent is an event that changes one Proxy.
type ProxyEvent interface {
	Event
	applyProxy(p *Proxy)
}

// Apply applies e to p and records seq as p's last applied sequence.
// p may be a zero Proxy for ProxyAdded.
func (p *Proxy) Apply(e ProxyEvent, seq uint64) {
	e.applyProxy(p)
	p.Seq = seq
	switch e.(type) {
	case *ProxyAdded, *ProxyIssued, *ProxyExpired, *ProxyRemoved:
		p.Changed = seq
	}
}

// ProxyAdded puts a proxy in stock (again, if it expired or was removed).
type ProxyAdded struct {
	ID        string    `msgpack:"id"`
	Type      ProxyType `msgpack:"ty"`
	Addr      ProxyAddr `msgpack:"a"`
	Resources []string  `msgpack:"rs"`
	Country   string    `msgpack:"c"`
	Days      int       `msgpack:"d"`
	By        UserID    `msgpack:"by"`
	At        time.Time `msgpack:"at"`
	Expires   time.Time `msgpack:"x"`
}

// ProxyReserved holds the proxy for one user until Until.
type ProxyReserved struct {
	User  UserID    `msgpack:"u"`
	Until time.Time `msgpack:"t"`
}

// ProxyReleased ends a reservation without an issue: Why is
// ReleaseCancelled or ReleaseTimeout.
type ProxyReleased struct {
	User UserID `msgpack:"u"`
	Why  string `msgpack:"w"`
}

// ProxyIssued hands the proxy to the user who reserved it.
type ProxyIssued struct {
	User UserID    `msgpack:"u"`
	At   time.Time `msgpack:"at"`
}

// ProxyExpired ends the proxy's period; At is its expiry, not the moment the
// scheduler noticed.
type ProxyExpired struct {
	At time.Time `msgpack:"at"`
}

// ProxyRemoved takes the proxy out of stock.
type ProxyRemoved struct {
	By UserID    `msgpack:"by"`
	At time.Time `msgpack:"at"`
}

func (e *ProxyAdded) applyProxy(p *Proxy) {
	end := e.At // added again before the old period was ticked off: the holder's right ended with it
	if !p.Expires.IsZero() && p.Expires.Before(end) {
		end = p.Expires
	}
	p.closeHolding(end)
	*p = Proxy{ID: e.ID, Type: e.Type, Addr: e.Addr, Resources: slices.Clone(e.Resources), Country: e.Country,
		Days: e.Days, AddedBy: e.By, Added: e.At, Expires: e.Expires, Status: ProxyStatusAvailable, History: p.History}
}

func (e *ProxyReserved) applyProxy(p *Proxy) {
	p.Status, p.Holder, p.Until = ProxyStatusReserved, e.User, e.Until
}

func (e *ProxyReleased) applyProxy(p *Proxy) {
	if p.Status == ProxyStatusReserved && p.Holder == e.User {
		p.Status, p.Holder, p.Until = ProxyStatusAvailable, 0, time.Time{}
	}
}

func (e *ProxyIssued) applyProxy(p *Proxy) {
	p.Status, p.Holder, p.Until, p.Since = ProxyStatusIssued, e.User, time.Time{}, e.At
	p.History = append(p.History, Holding{User: e.User, From: e.At, Until: p.Expires, How: "issued"})
}

func (e *ProxyExpired) applyProxy(p *Proxy) { p.end(ProxyStatusExpired, e.At) }
func (e *ProxyRemoved) applyProxy(p *Proxy) { p.end(ProxyStatusRemoved, e.At) }

func (p *Proxy) end(s ProxyStatus, at time.Time) {
	p.closeHolding(at)
	p.Status, p.Holder, p.Until, p.Since = s, 0, time.Time{}, time.Time{}
}

func (p *Proxy) closeHolding(at time.Time) {
	if k := len(p.History); k > 0 && p.History[k-1].To.IsZero() {
		p.History[k-1].To = at
	}
}
