package domain

import (
	"fmt"
	"slices"
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

// String is the protocol as staff type it (HTTP, SOCKS5).
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

// String names the status in logs and on the staff's screens.
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
