package domain

import (
	"slices"
	"time"
)

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

// LastSeq is the sequence of the last event applied (State).
func (p *Proxy) LastSeq() uint64 { return p.Seq }

// ApplyEvent applies ev if it is an event of a proxy (State).
func (p *Proxy) ApplyEvent(ev Event, seq uint64) error {
	return applyAs(KindProxy, ev, seq, p.Apply)
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
