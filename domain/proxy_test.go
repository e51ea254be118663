package domain

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// longHost is a host name of 250 characters, 5 labels of 49 and their dots.
var longHost = strings.Repeat(strings.Repeat("a", 49)+".", 5)

func TestParseProxy_Accepts(t *testing.T) {
	host253 := longHost + "abc"
	label63 := strings.Repeat("x", 63) + ".example"
	user128 := strings.Repeat("u", 128)
	tests := []struct {
		name  string
		in    string
		wAddr ProxyAddr
		wStr  string
	}{
		{"ipv4", "1.2.3.4:8080", ProxyAddr{Host: "1.2.3.4", Port: 8080}, "1.2.3.4:8080"},
		{"ipv4 with login", "1.2.3.4:8080:user:pass", ProxyAddr{Host: "1.2.3.4", Port: 8080, User: "user", Pass: "pass"}, "1.2.3.4:8080:user:pass"},
		{"space around", " \t1.2.3.4:8080:user:pass \n", ProxyAddr{Host: "1.2.3.4", Port: 8080, User: "user", Pass: "pass"}, "1.2.3.4:8080:user:pass"},
		{"lowest ipv4 that is not unspecified", "0.0.0.1:1", ProxyAddr{Host: "0.0.0.1", Port: 1}, "0.0.0.1:1"},
		{"highest ipv4 short of broadcast", "255.255.255.254:65535", ProxyAddr{Host: "255.255.255.254", Port: 65535}, "255.255.255.254:65535"},
		{"loopback", "127.0.0.1:1080", ProxyAddr{Host: "127.0.0.1", Port: 1080}, "127.0.0.1:1080"},
		{"private", "10.0.0.1:3128", ProxyAddr{Host: "10.0.0.1", Port: 3128}, "10.0.0.1:3128"},
		{"port with a leading zero", "1.2.3.4:080", ProxyAddr{Host: "1.2.3.4", Port: 80}, "1.2.3.4:80"},
		{"ipv6", "[2001:db8::1]:8080", ProxyAddr{Host: "2001:db8::1", Port: 8080}, "[2001:db8::1]:8080"},
		{"ipv6 long form, upper case", "[2001:DB8:0:0:0:0:0:1]:8080:u:p", ProxyAddr{Host: "2001:db8::1", Port: 8080, User: "u", Pass: "p"}, "[2001:db8::1]:8080:u:p"},
		{"ipv6 loopback", "[::1]:1080", ProxyAddr{Host: "::1", Port: 1080}, "[::1]:1080"},
		{"ipv4-mapped ipv6", "[::ffff:1.2.3.4]:80", ProxyAddr{Host: "::ffff:1.2.3.4", Port: 80}, "[::ffff:1.2.3.4]:80"},
		{"localhost", "localhost:3128", ProxyAddr{Host: "localhost", Port: 3128}, "localhost:3128"},
		{"host name lower-cased", "Proxy.Example.COM:3128:User:P@ss!", ProxyAddr{Host: "proxy.example.com", Port: 3128, User: "User", Pass: "P@ss!"}, "proxy.example.com:3128:User:P@ss!"},
		{"label starting with a digit", "9gag.com:80", ProxyAddr{Host: "9gag.com", Port: 80}, "9gag.com:80"},
		{"hyphen inside", "a-b.c0:80", ProxyAddr{Host: "a-b.c0", Port: 80}, "a-b.c0:80"},
		{"host of 253", host253 + ":80", ProxyAddr{Host: host253, Port: 80}, host253 + ":80"},
		{"label of 63", label63 + ":80", ProxyAddr{Host: label63, Port: 80}, label63 + ":80"},
		{"user of 128", "h:1:" + user128 + ":p", ProxyAddr{Host: "h", Port: 1, User: user128, Pass: "p"}, "h:1:" + user128 + ":p"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ParseProxy(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			sameState(t, "address", a, tc.wAddr)
			if s := a.String(); s != tc.wStr {
				t.Errorf("String() = %q, want %q", s, tc.wStr)
			}
			again, err := ParseProxy(a.String())
			if err != nil || again != a {
				t.Errorf("ParseProxy(String()) = %+v, %v; want %+v", again, err, a)
			}
		})
	}
}

func TestParseProxy_Refuses(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		wField string
	}{
		{"empty", "", "address"},
		{"blank", " \t\n", "address"},
		{"too long", "h:1:u:" + strings.Repeat("p", maxProxyInput), "address"},
		{"unspecified ipv4", "0.0.0.0:80", "host"},
		{"broadcast", "255.255.255.255:80", "host"},
		{"multicast", "224.0.0.1:80", "host"},
		{"octet over 255", "256.1.1.1:80", "host"},
		{"three octets", "1.2.3:80", "host"},
		{"five octets", "1.2.3.4.5:80", "host"},
		{"leading zero", "01.2.3.4:80", "host"},
		{"leading zero last", "1.2.3.04:80", "host"},
		{"all digits", "1234:80", "host"},
		{"empty host", ":80", "host"},
		{"double dot", "a..b:80", "host"},
		{"leading dot", ".a:80", "host"},
		{"trailing dot", "a.b.:80", "host"},
		{"label starts with hyphen", "-a.com:80", "host"},
		{"label ends with hyphen", "a-.com:80", "host"},
		{"underscore", "a_b.com:80", "host"},
		{"non-ascii host", "exämple.com:80", "host"},
		{"host of 254", longHost + "abcd:80", "host"},
		{"label of 64", strings.Repeat("x", 64) + ".com:80", "host"},
		{"bare ipv6 with port", "2001:db8::1:8080", "host"},
		{"bare ipv6", "2001:db8::1", "host"},
		{"bare ipv6 loopback", "::1", "host"},
		{"unspecified ipv6", "[::]:80", "host"},
		{"multicast ipv6", "[ff02::1]:80", "host"},
		{"mapped unspecified", "[::ffff:0.0.0.0]:80", "host"},
		{"zone", "[fe80::1%eth0]:80", "host"},
		{"ipv4 in brackets", "[1.2.3.4]:80", "host"},
		{"empty brackets", "[]:80", "host"},
		{"not hex", "[zz::1]:80", "host"},
		{"unclosed bracket", "[2001:db8::1:80", "host"},
		{"no colon after bracket", "[2001:db8::1]8080", "port"},
		{"no port", "1.2.3.4", "port"},
		{"empty port", "1.2.3.4:", "port"},
		{"port 0", "1.2.3.4:0", "port"},
		{"port 65536", "1.2.3.4:65536", "port"},
		{"port abc", "1.2.3.4:abc", "port"},
		{"port with sign", "1.2.3.4:+80", "port"},
		{"port negative", "1.2.3.4:-1", "port"},
		{"port of six digits", "1.2.3.4:000080", "port"},
		{"space before port", "1.2.3.4: 80", "port"},
		{"bad port, password kept out", "1.2.3.4:99999:user:s3cret", "port"},
		{"user without password", "1.2.3.4:80:user", "password"},
		{"trailing colon", "1.2.3.4:80:", "password"},
		{"empty user", "1.2.3.4:80::s3cret", "user"},
		{"empty password", "1.2.3.4:80:user:", "password"},
		{"colon in password", "1.2.3.4:80:user:s3c:ret", "address"},
		{"space in password", "1.2.3.4:80:user:s3c ret", "password"},
		{"cyrillic password", "1.2.3.4:80:user:s3cretпароль", "password"},
		{"control in user", "1.2.3.4:80:us\x00er:s3cret", "user"},
		{"user of 129", "1.2.3.4:80:" + strings.Repeat("u", 129) + ":s3cret", "user"},
		{"password of 129", "1.2.3.4:80:user:s3cret" + strings.Repeat("p", 123), "password"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ParseProxy(tc.in)
			wantErr(t, err, ErrBadProxy)
			var be *BadProxyError
			if !errors.As(err, &be) || be.Field != tc.wField {
				t.Errorf("error %v: field %q, want %q", err, fieldOf(be), tc.wField)
			}
			if a != (ProxyAddr{}) {
				t.Errorf("address %+v with an error", a)
			}
			if strings.Contains(err.Error(), "s3c") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

func fieldOf(e *BadProxyError) string {
	if e == nil {
		return "<no BadProxyError>"
	}
	return e.Field
}

func TestProxyAddr_Render(t *testing.T) {
	tests := []struct {
		in                 ProxyAddr
		wString, wRedacted string
		wID                string
	}{
		{ProxyAddr{Host: "1.2.3.4", Port: 80}, "1.2.3.4:80", "1.2.3.4:80", "1.2.3.4:80"},
		{ProxyAddr{Host: "1.2.3.4", Port: 80, User: "u", Pass: "p"}, "1.2.3.4:80:u:p", "1.2.3.4:80:u:***", "1.2.3.4:80:u"},
		{ProxyAddr{Host: "2001:db8::1", Port: 8080, User: "u", Pass: "p"}, "[2001:db8::1]:8080:u:p", "[2001:db8::1]:8080:u:***", "[2001:db8::1]:8080:u"},
		{ProxyAddr{Host: "proxy.example", Port: 3128}, "proxy.example:3128", "proxy.example:3128", "proxy.example:3128"},
	}
	for _, tc := range tests {
		t.Run(tc.wString, func(t *testing.T) {
			if s := tc.in.String(); s != tc.wString {
				t.Errorf("String() = %q, want %q", s, tc.wString)
			}
			if s := tc.in.Redacted(); s != tc.wRedacted {
				t.Errorf("Redacted() = %q, want %q", s, tc.wRedacted)
			}
			if s := ProxyID(tc.in); s != tc.wID {
				t.Errorf("ProxyID() = %q, want %q", s, tc.wID)
			}
		})
	}
}

func TestProxyRef(t *testing.T) {
	a, b := ProxyRef("1.2.3.4:8080:user"), ProxyRef("1.2.3.4:8080:user2")
	if len(a) != 12 || a == b || a != ProxyRef("1.2.3.4:8080:user") {
		t.Errorf("ProxyRef: %q, %q", a, b)
	}
	if strings.Trim(a, "abcdefghijklmnopqrstuvwxyz234567") != "" {
		t.Errorf("ProxyRef %q: want lower-case base32, safe in callback data", a)
	}
}

func TestParseProxyType(t *testing.T) {
	for in, w := range map[string]ProxyType{"HTTP": ProxyHTTP, "http": ProxyHTTP, " Socks5 ": ProxySOCKS5, "SOCKS5": ProxySOCKS5} {
		if got, err := ParseProxyType(in); err != nil || got != w {
			t.Errorf("ParseProxyType(%q) = %v, %v; want %v", in, got, err, w)
		}
	}
	for _, in := range []string{"", "https", "socks4", "socks", "SOCKS5H"} {
		if got, err := ParseProxyType(in); !errors.Is(err, ErrBadProxy) {
			t.Errorf("ParseProxyType(%q) = %v, %v; want ErrBadProxy", in, got, err)
		}
	}
	if ProxyHTTP.String() != "HTTP" || ProxySOCKS5.String() != "SOCKS5" || ProxyType(9).String() != "type(9)" {
		t.Error("ProxyType.String")
	}
}

// testProxy is the address most proxy tests use.
var testProxy = ProxyAddr{Host: "1.2.3.4", Port: 8080, User: "user", Pass: "pass"}

func testSpec() ProxySpec {
	return ProxySpec{Type: ProxySOCKS5, Addr: testProxy, Resources: []string{"vk", "ok"}, Country: "ru", Days: 30}
}

// proxyEv adapts a decision's typed result to a ProxyEvent, so that a nil
// pointer never turns into a non-nil interface.
func proxyEv[E ProxyEvent](e E, err error) (ProxyEvent, error) {
	if err != nil {
		return nil, err
	}
	return e, nil
}

// mustProxy applies the event of a decision that has to succeed.
func mustProxy(t testing.TB, p *Proxy) func(ProxyEvent, error) {
	t.Helper()
	return func(e ProxyEvent, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("setup decision failed: %v", err)
		}
		p.Apply(e, p.Seq+1)
	}
}

// addedProxy is testProxy added by alice at t0 for 30 days.
func addedProxy(t testing.TB) *Proxy {
	t.Helper()
	p := &Proxy{}
	mustProxy(t, p)(proxyEv(AddProxy(nil, testSpec(), alice, t0)))
	return p
}

func reservedProxy(t testing.TB, u UserID) *Proxy {
	t.Helper()
	p := addedProxy(t)
	mustProxy(t, p)(proxyEv(p.Reserve(u, 0, t0)))
	return p
}

func issuedProxy(t testing.TB, u UserID) *Proxy {
	t.Helper()
	p := reservedProxy(t, u)
	mustProxy(t, p)(proxyEv(p.Confirm(u, t0.Add(time.Minute))))
	return p
}

func TestAddProxy(t *testing.T) {
	expired := func(t testing.TB) *Proxy {
		p := issuedProxy(t, bob)
		mustProxy(t, p)(proxyEv(p.Tick(t0.Add(30 * day))[0].(*ProxyExpired), nil))
		return p
	}
	long := ProxyAddr{Host: strings.Repeat("h", 63) + "." + strings.Repeat("h", 63) + "." + strings.Repeat("h", 63),
		Port: 1, User: strings.Repeat("u", 100), Pass: "p"}
	tests := []struct {
		name  string
		cur   func(t testing.TB) *Proxy
		after time.Duration // since t0
		spec  func(s *ProxySpec)
		by    UserID
		wErr  error
	}{
		{name: "new"},
		{name: "zero entity", cur: func(testing.TB) *Proxy { return &Proxy{} }},
		{name: "again after expiry", cur: expired, after: 30 * day},
		{name: "again after removal", cur: func(t testing.TB) *Proxy {
			p := addedProxy(t)
			mustProxy(t, p)(proxyEv(p.Remove(alice, t0)))
			return p
		}, after: day},
		{name: "again past expiry, not yet ticked", cur: addedProxy, after: 30 * day, by: bob},
		{name: "in stock", cur: addedProxy, after: day, wErr: ErrProxyExists},
		{name: "reserved", cur: func(t testing.TB) *Proxy { return reservedProxy(t, bob) }, wErr: ErrProxyExists},
		{name: "no user", by: -1, wErr: ErrBadUser},
		{name: "no type", spec: func(s *ProxySpec) { s.Type = 0 }, wErr: ErrBadProxy},
		{name: "unknown type", spec: func(s *ProxySpec) { s.Type = 3 }, wErr: ErrBadProxy},
		{name: "not canonical", spec: func(s *ProxySpec) { s.Addr.Host = "Proxy.Example" }, wErr: ErrBadProxy},
		{name: "bad address", spec: func(s *ProxySpec) { s.Addr.Port = 0 }, wErr: ErrBadProxy},
		{name: "id too long", spec: func(s *ProxySpec) { s.Addr = long }, wErr: ErrBadProxy},
		{name: "7 days", spec: func(s *ProxySpec) { s.Days = 7 }, wErr: ErrBadProxy},
		{name: "0 days", spec: func(s *ProxySpec) { s.Days = 0 }, wErr: ErrBadProxy},
		{name: "no resources", spec: func(s *ProxySpec) { s.Resources = nil }, wErr: ErrBadProxy},
		{name: "blank resource", spec: func(s *ProxySpec) { s.Resources = []string{"vk", " "} }, wErr: ErrBadProxy},
		{name: "resource with a colon", spec: func(s *ProxySpec) { s.Resources = []string{"v:k"} }, wErr: ErrBadProxy},
		{name: "too many resources", spec: func(s *ProxySpec) {
			s.Resources = nil
			for i := range maxResources + 1 {
				s.Resources = append(s.Resources, fmt.Sprint("r", i))
			}
		}, wErr: ErrBadProxy},
		{name: "no country", spec: func(s *ProxySpec) { s.Country = "" }, wErr: ErrBadProxy},
		{name: "alpha-3 country", spec: func(s *ProxySpec) { s.Country = "RUS" }, wErr: ErrBadProxy},
		{name: "digit in country", spec: func(s *ProxySpec) { s.Country = "R1" }, wErr: ErrBadProxy},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec, by, now := testSpec(), tc.by, t0.Add(tc.after)
			if by == 0 {
				by = alice
			}
			if tc.spec != nil {
				tc.spec(&spec)
			}
			var cur *Proxy
			if tc.cur != nil {
				cur = tc.cur(t)
			}
			var before *Proxy
			if cur != nil {
				before = cur.Clone()
			}
			e, err := AddProxy(cur, spec, by, now)
			wantErr(t, err, tc.wErr)
			if cur != nil {
				sameState(t, "current proxy", cur, before)
			}
			if tc.wErr != nil {
				if e != nil {
					t.Errorf("event %#v with an error", e)
				}
				return
			}
			want := &ProxyAdded{ID: "1.2.3.4:8080:user", Type: ProxySOCKS5, Addr: testProxy, Resources: []string{"ok", "vk"},
				Country: "RU", Days: 30, By: by, At: now, Expires: now.Add(30 * day)}
			sameState(t, "event", e, want)
			p := cur
			if p == nil {
				p = &Proxy{}
			}
			p.Apply(e, 99)
			if p.Status != ProxyStatusAvailable || p.Holder != 0 || p.Expires != now.Add(30*day) || p.Seq != 99 {
				t.Errorf("added proxy %+v", p)
			}
			if before != nil && len(p.History) != len(before.History) {
				t.Errorf("history %v, want the old one kept: %v", p.History, before.History)
			}
		})
	}
}

func TestProxyResources(t *testing.T) {
	got, err := ProxyResources([]string{" VK", "ok", "vk", "mamba", "OK "})
	if err != nil || !reflect.DeepEqual(got, []string{"mamba", "ok", "vk"}) {
		t.Errorf("ProxyResources = %v, %v; want sorted and deduplicated", got, err)
	}
}

// proxyCase is one decision on a proxy: the state it starts from, the
// decision, and either the wanted error (state untouched) or a check of the
// state after the event is applied.
type proxyCase struct {
	name   string
	setup  func(t testing.TB) *Proxy
	decide func(p *Proxy) (ProxyEvent, error)
	wErr   error
	wEvent ProxyEvent
	check  func(t *testing.T, p *Proxy)
}

func runProxyCases(t *testing.T, cases []proxyCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.setup(t)
			before := p.Clone()
			e, err := tc.decide(p)
			wantErr(t, err, tc.wErr)
			sameState(t, "state after deciding", p, before)
			if tc.wErr != nil {
				if e != nil {
					t.Errorf("event %#v with an error", e)
				}
				return
			}
			if tc.wEvent != nil {
				sameState(t, "event", e, tc.wEvent)
			}
			p.Apply(e, p.Seq+1)
			if tc.check != nil {
				tc.check(t, p)
			}
		})
	}
}

func wantProxyStatus(t testing.TB, p *Proxy, s ProxyStatus, holder UserID) {
	t.Helper()
	if p.Status != s || p.Holder != holder {
		t.Errorf("status %v held by %d, want %v held by %d", p.Status, p.Holder, s, holder)
	}
}

func TestProxy_Reserve(t *testing.T) {
	at := t0.Add(time.Hour)
	reserve := func(u UserID, ttl time.Duration, now time.Time) func(p *Proxy) (ProxyEvent, error) {
		return func(p *Proxy) (ProxyEvent, error) { return proxyEv(p.Reserve(u, ttl, now)) }
	}
	runProxyCases(t, []proxyCase{
		{name: "available, default TTL", setup: addedProxy, decide: reserve(bob, 0, at),
			wEvent: &ProxyReserved{User: bob, Until: at.Add(5 * time.Minute)},
			check: func(t *testing.T, p *Proxy) {
				wantProxyStatus(t, p, ProxyStatusReserved, bob)
				if !p.NextWake().Equal(at.Add(ProxyHoldTTL)) || p.Available(at) {
					t.Errorf("wake %v, available %v", p.NextWake(), p.Available(at))
				}
			}},
		{name: "own TTL", setup: addedProxy, decide: reserve(bob, time.Minute, at),
			wEvent: &ProxyReserved{User: bob, Until: at.Add(time.Minute)}},
		{name: "again by the same user restarts the clock", setup: func(t testing.TB) *Proxy { return reservedProxy(t, bob) },
			decide: reserve(bob, 0, t0.Add(time.Minute)), wEvent: &ProxyReserved{User: bob, Until: t0.Add(6 * time.Minute)}},
		{name: "reserved by someone else", setup: func(t testing.TB) *Proxy { return reservedProxy(t, bob) },
			decide: reserve(carol, 0, t0.Add(time.Minute)), wErr: ErrProxyTaken},
		{name: "lapsed reservation taken over before the scheduler", setup: func(t testing.TB) *Proxy { return reservedProxy(t, bob) },
			decide: reserve(carol, 0, t0.Add(5*time.Minute)),
			check:  func(t *testing.T, p *Proxy) { wantProxyStatus(t, p, ProxyStatusReserved, carol) }},
		{name: "issued to someone else", setup: func(t testing.TB) *Proxy { return issuedProxy(t, bob) },
			decide: reserve(carol, 0, at), wErr: ErrProxyTaken},
		{name: "issued to the same user", setup: func(t testing.TB) *Proxy { return issuedProxy(t, bob) },
			decide: reserve(bob, 0, at), wErr: ErrAlreadyDecided},
		{name: "past expiry, not yet ticked", setup: addedProxy, decide: reserve(bob, 0, t0.Add(30*day)), wErr: ErrProxyExpired},
		{name: "expired", setup: func(t testing.TB) *Proxy {
			p := addedProxy(t)
			p.Apply(&ProxyExpired{At: p.Expires}, p.Seq+1)
			return p
		}, decide: reserve(bob, 0, at), wErr: ErrProxyExpired},
		{name: "removed", setup: func(t testing.TB) *Proxy {
			p := addedProxy(t)
			mustProxy(t, p)(proxyEv(p.Remove(alice, t0)))
			return p
		}, decide: reserve(bob, 0, at), wErr: ErrProxyNotFound},
		{name: "never added", setup: func(testing.TB) *Proxy { return &Proxy{} }, decide: reserve(bob, 0, at), wErr: ErrProxyNotFound},
		{name: "no user", setup: addedProxy, decide: reserve(0, 0, at), wErr: ErrBadUser},
	})
}

func TestProxy_Confirm(t *testing.T) {
	confirm := func(u UserID, now time.Time) func(p *Proxy) (ProxyEvent, error) {
		return func(p *Proxy) (ProxyEvent, error) { return proxyEv(p.Confirm(u, now)) }
	}
	held := func(t testing.TB) *Proxy { return reservedProxy(t, bob) }
	runProxyCases(t, []proxyCase{
		{name: "reserve then confirm", setup: held, decide: confirm(bob, t0.Add(4*time.Minute)),
			wEvent: &ProxyIssued{User: bob, At: t0.Add(4 * time.Minute)},
			check: func(t *testing.T, p *Proxy) {
				wantProxyStatus(t, p, ProxyStatusIssued, bob)
				sameState(t, "history", p.History, []Holding{{User: bob, From: t0.Add(4 * time.Minute), Until: t0.Add(30 * day), How: "issued"}})
				if !p.Since.Equal(t0.Add(4*time.Minute)) || !p.Until.IsZero() || !p.NextWake().Equal(p.Expires) {
					t.Errorf("issued proxy %+v", p)
				}
			}},
		{name: "someone else confirming", setup: held, decide: confirm(carol, t0.Add(time.Minute)), wErr: ErrNotPermitted},
		{name: "at the reservation's end", setup: held, decide: confirm(bob, t0.Add(ProxyHoldTTL)), wErr: ErrHoldExpired},
		{name: "after the reservation lapsed", setup: held, decide: confirm(bob, t0.Add(time.Hour)), wErr: ErrHoldExpired},
		{name: "not reserved", setup: addedProxy, decide: confirm(bob, t0), wErr: ErrNoHold},
		{name: "twice", setup: func(t testing.TB) *Proxy { return issuedProxy(t, bob) },
			decide: confirm(bob, t0.Add(2*time.Minute)), wErr: ErrAlreadyDecided},
		{name: "issued to someone else", setup: func(t testing.TB) *Proxy { return issuedProxy(t, bob) },
			decide: confirm(carol, t0.Add(2*time.Minute)), wErr: ErrProxyTaken},
		{name: "reserved past expiry", setup: func(t testing.TB) *Proxy {
			p := addedProxy(t)
			mustProxy(t, p)(proxyEv(p.Reserve(bob, 0, p.Expires.Add(-time.Minute))))
			return p
		}, decide: confirm(bob, t0.Add(30*day)), wErr: ErrProxyExpired},
		{name: "never added", setup: func(testing.TB) *Proxy { return &Proxy{} }, decide: confirm(bob, t0), wErr: ErrProxyNotFound},
	})
}

func TestProxy_Cancel(t *testing.T) {
	cancel := func(u UserID) func(p *Proxy) (ProxyEvent, error) {
		return func(p *Proxy) (ProxyEvent, error) { return proxyEv(p.Cancel(u)) }
	}
	held := func(t testing.TB) *Proxy { return reservedProxy(t, bob) }
	runProxyCases(t, []proxyCase{
		{name: "by the reserving user", setup: held, decide: cancel(bob),
			wEvent: &ProxyReleased{User: bob, Why: ReleaseCancelled},
			check: func(t *testing.T, p *Proxy) {
				wantProxyStatus(t, p, ProxyStatusAvailable, 0)
				if !p.Until.IsZero() || len(p.History) != 0 || !p.Available(t0) {
					t.Errorf("released proxy %+v", p)
				}
			}},
		{name: "by someone else", setup: held, decide: cancel(carol), wErr: ErrNotPermitted},
		{name: "not reserved", setup: addedProxy, decide: cancel(bob), wErr: ErrNoHold},
		{name: "issued", setup: func(t testing.TB) *Proxy { return issuedProxy(t, bob) }, decide: cancel(bob), wErr: ErrNoHold},
	})
}

func TestProxy_Remove(t *testing.T) {
	remove := func(by UserID) func(p *Proxy) (ProxyEvent, error) {
		return func(p *Proxy) (ProxyEvent, error) { return proxyEv(p.Remove(by, t0.Add(day))) }
	}
	removed := func(t *testing.T, p *Proxy) {
		wantProxyStatus(t, p, ProxyStatusRemoved, 0)
		if !p.NextWake().IsZero() || p.Tick(t0.Add(365*day)) != nil || p.Available(t0) {
			t.Errorf("removed proxy still scheduled or available: %+v", p)
		}
	}
	runProxyCases(t, []proxyCase{
		{name: "available", setup: addedProxy, decide: remove(alice), wEvent: &ProxyRemoved{By: alice, At: t0.Add(day)}, check: removed},
		{name: "reserved", setup: func(t testing.TB) *Proxy { return reservedProxy(t, bob) }, decide: remove(alice), check: removed},
		{name: "issued", setup: func(t testing.TB) *Proxy { return issuedProxy(t, bob) }, decide: remove(alice),
			check: func(t *testing.T, p *Proxy) {
				removed(t, p)
				if h := p.History[0]; !h.To.Equal(t0.Add(day)) {
					t.Errorf("holding %+v not closed at the removal", h)
				}
			}},
		{name: "expired", setup: func(t testing.TB) *Proxy {
			p := addedProxy(t)
			p.Apply(&ProxyExpired{At: p.Expires}, p.Seq+1)
			return p
		}, decide: remove(alice), check: removed},
		{name: "twice", setup: func(t testing.TB) *Proxy {
			p := addedProxy(t)
			mustProxy(t, p)(proxyEv(p.Remove(alice, t0)))
			return p
		}, decide: remove(alice), wErr: ErrAlreadyDecided},
		{name: "never added", setup: func(testing.TB) *Proxy { return &Proxy{} }, decide: remove(alice), wErr: ErrProxyNotFound},
		{name: "no user", setup: addedProxy, decide: remove(0), wErr: ErrBadUser},
	})
}

func TestProxy_Tick(t *testing.T) {
	end := t0.Add(30 * day)
	tests := []struct {
		name    string
		setup   func(t testing.TB) *Proxy
		now     time.Time
		wEvents []Event
		wStatus ProxyStatus
	}{
		{"available, nothing due", addedProxy, end.Add(-time.Nanosecond), nil, ProxyStatusAvailable},
		{"available at expiry", addedProxy, end, []Event{&ProxyExpired{At: end}}, ProxyStatusExpired},
		{"expiry noticed late keeps its moment", addedProxy, end.Add(day), []Event{&ProxyExpired{At: end}}, ProxyStatusExpired},
		{"reserved, not lapsed", func(t testing.TB) *Proxy { return reservedProxy(t, bob) }, t0.Add(ProxyHoldTTL - 1), nil, ProxyStatusReserved},
		{"reservation lapses", func(t testing.TB) *Proxy { return reservedProxy(t, bob) }, t0.Add(ProxyHoldTTL),
			[]Event{&ProxyReleased{User: bob, Why: ReleaseTimeout}}, ProxyStatusAvailable},
		{"expiry while reserved", func(t testing.TB) *Proxy {
			p := addedProxy(t)
			mustProxy(t, p)(proxyEv(p.Reserve(bob, 0, end.Add(-time.Minute))))
			return p
		}, end, []Event{&ProxyExpired{At: end}}, ProxyStatusExpired},
		{"expiry while issued", func(t testing.TB) *Proxy { return issuedProxy(t, bob) }, end,
			[]Event{&ProxyExpired{At: end}}, ProxyStatusExpired},
		{"expired", func(t testing.TB) *Proxy {
			p := addedProxy(t)
			p.Apply(&ProxyExpired{At: end}, p.Seq+1)
			return p
		}, end.Add(day), nil, ProxyStatusExpired},
		{"never added", func(testing.TB) *Proxy { return &Proxy{} }, end, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.setup(t)
			evs := p.Tick(tc.now)
			sameState(t, "events", evs, tc.wEvents)
			for _, e := range evs {
				p.Apply(e.(ProxyEvent), p.Seq+1)
			}
			if p.Status != tc.wStatus {
				t.Errorf("status %v, want %v", p.Status, tc.wStatus)
			}
			if tc.wStatus == ProxyStatusExpired {
				if p.Holder != 0 || !p.NextWake().IsZero() {
					t.Errorf("expired proxy %+v still held or scheduled", p)
				}
				for _, h := range p.History {
					if !h.To.Equal(end) {
						t.Errorf("holding %+v not closed at the expiry", h)
					}
				}
			}
		})
	}
}

func TestProxy_NextWake(t *testing.T) {
	end := t0.Add(30 * day)
	late := addedProxy(t)
	mustProxy(t, late)(proxyEv(late.Reserve(bob, time.Hour, end.Add(-time.Minute))))
	for name, tc := range map[string]struct {
		p *Proxy
		w time.Time
	}{
		"never added":                 {&Proxy{}, time.Time{}},
		"available":                   {addedProxy(t), end},
		"reserved":                    {reservedProxy(t, bob), t0.Add(ProxyHoldTTL)},
		"reserved beyond the expiry":  {late, end},
		"issued":                      {issuedProxy(t, bob), end},
		"wakes once the hold is gone": {afterTicks(t, reservedProxy(t, bob), t0.Add(ProxyHoldTTL)), end},
	} {
		if got := tc.p.NextWake(); !got.Equal(tc.w) {
			t.Errorf("%s: NextWake = %v, want %v", name, got, tc.w)
		}
	}
}

// afterTicks applies what Tick gives at now.
func afterTicks(t testing.TB, p *Proxy, now time.Time) *Proxy {
	t.Helper()
	for _, e := range p.Tick(now) {
		p.Apply(e.(ProxyEvent), p.Seq+1)
	}
	return p
}

// The story of one proxy, twice: live, and replayed from its journal onto
// a zero Proxy, as recovery does. Both must be the same state.
func TestProxy_Replay(t *testing.T) {
	live := &Proxy{}
	var journal []Record
	step := func(e ProxyEvent, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		live.Apply(e, live.Seq+1)
		journal = append(journal, roundTrip(t, Record{Kind: KindProxy, ID: ProxyID(testProxy), Event: e}))
	}
	step(proxyEv(AddProxy(nil, testSpec(), alice, t0)))
	step(proxyEv(live.Reserve(bob, 0, t0.Add(time.Minute))))
	for _, e := range live.Tick(t0.Add(time.Hour)) {
		step(e.(ProxyEvent), nil)
	}
	step(proxyEv(live.Reserve(carol, 0, t0.Add(2*time.Hour))))
	step(proxyEv(live.Confirm(carol, t0.Add(2*time.Hour+time.Minute))))
	for _, e := range live.Tick(t0.Add(31 * day)) {
		step(e.(ProxyEvent), nil)
	}
	spec := testSpec()
	spec.Days = 5
	step(proxyEv(AddProxy(live, spec, alice, t0.Add(32*day))))

	replayed := &Proxy{}
	for i, r := range journal {
		replayed.Apply(r.Event.(ProxyEvent), uint64(i+1))
	}
	sameState(t, "replayed proxy", replayed, live)
	if len(live.History) != 1 || live.History[0].User != carol || !live.History[0].To.Equal(t0.Add(30*day)) {
		t.Errorf("history %+v, want carol's closed holding", live.History)
	}
	if live.Status != ProxyStatusAvailable || !live.Expires.Equal(t0.Add(37*day)) {
		t.Errorf("re-added proxy %+v", live)
	}
}

func TestProxy_Clone(t *testing.T) {
	p := issuedProxy(t, bob)
	c := p.Clone()
	sameState(t, "clone", c, p)
	c.Resources[0], c.History[0].User = "changed", carol
	if p.Resources[0] == "changed" || p.History[0].User == carol {
		t.Error("the clone shares memory with the original")
	}
}

func TestProxy_JSONHidesThePassword(t *testing.T) {
	b, err := json.Marshal(issuedProxy(t, bob))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), testProxy.Pass) || !strings.Contains(string(b), testProxy.User) {
		t.Errorf("JSON %s: want the user and not the password", b)
	}
}

func TestProxy_Serves(t *testing.T) {
	p := addedProxy(t)
	for _, tc := range []struct {
		res, country string
		w            bool
	}{{"vk", "RU", true}, {"ok", "RU", true}, {"mamba", "RU", false}, {"vk", "US", false}, {"vk", "ru", false}} {
		if got := p.Serves(tc.res, tc.country); got != tc.w {
			t.Errorf("Serves(%q, %q) = %v, want %v", tc.res, tc.country, got, tc.w)
		}
	}
}

func TestProxyStatus_String(t *testing.T) {
	for s, w := range map[ProxyStatus]string{0: "none", ProxyStatusAvailable: "available", ProxyStatusRemoved: "removed", 42: "status(42)"} {
		if s.String() != w {
			t.Errorf("%d.String() = %q, want %q", s, s.String(), w)
		}
	}
}

func FuzzParseProxy(f *testing.F) {
	for _, s := range []string{
		"1.2.3.4:8080", "1.2.3.4:8080:user:pass", "[2001:db8::1]:8080:u:p", "localhost:3128", "Proxy.Example.COM:1:a:b",
		"[::ffff:1.2.3.4]:80", "2001:db8::1:8080", "256.1.1.1:80", "a..b:1", "[fe80::1%eth0]:80", "h:080", "h:1:u:p:q", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var a ProxyAddr
		var err error
		noPanic(t, "ParseProxy", func() { a, err = ParseProxy(s) })
		if err != nil {
			var be *BadProxyError
			if !errors.Is(err, ErrBadProxy) || !errors.As(err, &be) || a != (ProxyAddr{}) {
				t.Fatalf("ParseProxy(%q) = %+v, %v", s, a, err)
			}
			return
		}
		again, err := ParseProxy(a.String())
		if err != nil || again != a {
			t.Fatalf("ParseProxy(%q) = %+v, but its String %q parses to %+v, %v", s, a, a.String(), again, err)
		}
		if (a.User == "") != (a.Pass == "") || a.Port == 0 || a.Host == "" {
			t.Fatalf("ParseProxy(%q) = %+v: incomplete", s, a)
		}
		if a.Pass != "" && !strings.HasSuffix(a.Redacted(), ":"+a.User+":***") {
			t.Fatalf("Redacted() = %q", a.Redacted())
		}
	})
}

// A proxy added again before its old period was ticked off closes the old
// holder's holding at the old expiry, not at the moment of the new add.
func TestProxy_AddAgainClosesTheHolding(t *testing.T) {
	p := issuedProxy(t, bob)
	mustProxy(t, p)(proxyEv(AddProxy(p, testSpec(), alice, t0.Add(31*day))))
	if len(p.History) != 1 || !p.History[0].To.Equal(t0.Add(30*day)) {
		t.Errorf("history %+v, want bob's holding closed at the old expiry", p.History)
	}
	wantProxyStatus(t, p, ProxyStatusAvailable, 0)
}
