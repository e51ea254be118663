package actors

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"allot/domain"
)

// Proxies: one entity per proxy, addressed by domain.ProxyID. A reservation
// lapses and a proxy expires through the scheduler, so a person who walks
// away from "confirm" never keeps a proxy from the next one.

func (x *exec) proxy() *domain.Proxy {
	p, _ := x.e.state.(*domain.Proxy)
	return p
}

// proxyStep runs one decision on a proxy and re-arms its wake-up.
func (x *exec) proxyStep(r replyTo, decide func(p *domain.Proxy) (domain.Event, error)) {
	p := x.proxy()
	if p == nil {
		x.reply(r, nil, domain.ErrProxyNotFound)
		return
	}
	ev, err := decide(p)
	if err == nil {
		_, err = x.emit(ev)
	}
	if err != nil {
		x.reply(r, nil, err)
		return
	}
	x.afterProxy()
	x.reply(r, x.proxy().Clone(), nil)
}

// afterProxy refreshes the proxy's summary and wake-up after an event.
func (x *exec) afterProxy() {
	p := x.proxy()
	x.eng.proxies.put(p)
	x.eng.sched.arm(x.via, domain.KindProxy, x.e.id, p.NextWake())
}

func (x *exec) proxyTick() {
	p := x.proxy()
	if p == nil {
		return
	}
	for _, ev := range p.Tick(x.now) {
		if _, err := x.emit(ev); err != nil {
			x.eng.log.Error("proxy tick failed", "proxy", domain.ProxyRef(x.e.id), "err", err)
			return
		}
	}
	x.afterProxy()
}

type addProxy struct {
	asker
	spec domain.ProxySpec
	by   domain.UserID
}

func (c *addProxy) run(x *exec) {
	ev, err := domain.AddProxy(x.proxy(), c.spec, c.by, x.now)
	if err == nil {
		_, err = x.emit(ev)
	}
	if err != nil {
		x.reply(c.r, nil, err)
		return
	}
	x.afterProxy()
	x.reply(c.r, x.proxy().Clone(), nil)
}

type proxyChange struct {
	asker
	decide func(p *domain.Proxy, now time.Time) (domain.Event, error)
}

func (c *proxyChange) run(x *exec) {
	x.proxyStep(c.r, func(p *domain.Proxy) (domain.Event, error) { return c.decide(p, x.now) })
}

// AddProxy adds a proxy staff brought in; adding one that expired or was
// removed brings it back with its history.
func (e *Engine) AddProxy(ctx context.Context, by domain.UserID, spec domain.ProxySpec) (*domain.Proxy, error) {
	return askAs[*domain.Proxy](e.ask(ctx, domain.KindProxy, domain.ProxyID(spec.Addr), true, func(r replyTo) command {
		return &addProxy{asker: asker{r}, spec: spec, by: by}
	}))
}

func (e *Engine) proxyChange(ctx context.Context, id string, decide func(p *domain.Proxy, now time.Time) (domain.Event, error)) (*domain.Proxy, error) {
	v, err := e.ask(ctx, domain.KindProxy, id, false, func(r replyTo) command {
		return &proxyChange{asker: asker{r}, decide: decide}
	})
	if err != nil && !e.knows(domain.KindProxy, id) {
		return nil, domain.ErrProxyNotFound
	}
	return askAs[*domain.Proxy](v, err)
}

// ReserveProxy holds a proxy for user for domain.ProxyHoldTTL while they
// confirm.
func (e *Engine) ReserveProxy(ctx context.Context, user domain.UserID, id string) (*domain.Proxy, error) {
	return e.proxyChange(ctx, id, func(p *domain.Proxy, now time.Time) (domain.Event, error) {
		return p.Reserve(user, domain.ProxyHoldTTL, now)
	})
}

// ConfirmProxy issues the proxy user reserved.
func (e *Engine) ConfirmProxy(ctx context.Context, user domain.UserID, id string) (*domain.Proxy, error) {
	return e.proxyChange(ctx, id, func(p *domain.Proxy, now time.Time) (domain.Event, error) { return p.Confirm(user, now) })
}

// CancelProxy gives back a reservation.
func (e *Engine) CancelProxy(ctx context.Context, user domain.UserID, id string) (*domain.Proxy, error) {
	return e.proxyChange(ctx, id, func(p *domain.Proxy, _ time.Time) (domain.Event, error) { return p.Cancel(user) })
}

// RemoveProxy takes a proxy out of stock; by is the admin, for the audit log.
func (e *Engine) RemoveProxy(ctx context.Context, by domain.UserID, id string) (*domain.Proxy, error) {
	p, err := e.proxyChange(ctx, id, func(p *domain.Proxy, now time.Time) (domain.Event, error) { return p.Remove(by, now) })
	if err == nil {
		e.audit(OperationOf(ctx), by, "proxy.remove", domain.ProxyRef(id), "")
	}
	return p, err
}

// ProxyView is what a list of proxies shows: never the password.
type ProxyView struct {
	ID        string
	Ref       string // short handle for buttons
	Type      domain.ProxyType
	Addr      string // redacted
	Resources []string
	Country   string
	Status    domain.ProxyStatus
	Holder    domain.UserID
	Expires   time.Time
	Unsynced  bool // the Proxies sheet lags behind
}

// proxyView is the read model of proxies, refreshed by each proxy's actor.
type proxyView struct {
	mu   sync.RWMutex
	byID map[string]ProxyView
}

func (v *proxyView) put(p *domain.Proxy) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.byID == nil {
		v.byID = map[string]ProxyView{}
	}
	v.byID[p.ID] = ProxyView{ID: p.ID, Ref: domain.ProxyRef(p.ID), Type: p.Type, Addr: p.Addr.Redacted(),
		Resources: slices.Clone(p.Resources), Country: p.Country, Status: p.Status, Holder: p.Holder, Expires: p.Expires, Unsynced: p.Unsynced()}
}

// ProxiesFor lists the proxies available now for a resource in a country
// ("" for any), in id order: what a person picks from.
func (e *Engine) ProxiesFor(resource, country string) []ProxyView {
	now := e.clock()
	e.proxies.mu.RLock()
	defer e.proxies.mu.RUnlock()
	var out []ProxyView
	for _, v := range e.proxies.byID {
		if v.Status != domain.ProxyStatusAvailable || !now.Before(v.Expires) ||
			resource != "" && !slices.Contains(v.Resources, resource) || country != "" && v.Country != country {
			continue
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b ProxyView) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// ProxyByRef finds a proxy's id from the short handle a button carries.
func (e *Engine) ProxyByRef(ref string) (string, bool) {
	e.proxies.mu.RLock()
	defer e.proxies.mu.RUnlock()
	for id, v := range e.proxies.byID {
		if v.Ref == ref {
			return id, true
		}
	}
	return "", false
}

// rebuildProxies fills the proxy read model on recovery.
func (e *Engine) rebuildProxies() {
	e.dir.each(domain.KindProxy, func(en *entry, _ bool) {
		if p, _ := en.state.(*domain.Proxy); p != nil {
			e.proxies.put(p)
		}
	})
}

// unsyncedProxies lists the proxies the Proxies sheet lags behind.
func (e *Engine) unsyncedProxies() []string {
	e.proxies.mu.RLock()
	defer e.proxies.mu.RUnlock()
	var ids []string
	for id, v := range e.proxies.byID {
		if v.Unsynced {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

type getProxy struct{ asker }

func (c *getProxy) run(x *exec) {
	if p := x.proxy(); p != nil {
		x.reply(c.r, p.Clone(), nil)
		return
	}
	x.reply(c.r, nil, domain.ErrProxyNotFound)
}

// proxyState returns a copy of a proxy, password included: for the
// Proxies sheet, never for a screen or a log.
func (e *Engine) proxyState(ctx context.Context, id string) (*domain.Proxy, error) {
	return askAs[*domain.Proxy](e.ask(ctx, domain.KindProxy, id, false, func(r replyTo) command { return &getProxy{asker{r}} }))
}

// proxySynced records that the Proxies sheet shows the proxy as of seq.
func (e *Engine) proxySynced(ctx context.Context, id string, seq uint64) error {
	_, err := e.proxyChange(ctx, id, func(p *domain.Proxy, _ time.Time) (domain.Event, error) {
		if p.Synced >= seq {
			return nil, domain.ErrAlreadyDecided
		}
		return &domain.ProxySynced{Seq: seq}, nil
	})
	if errors.Is(err, domain.ErrAlreadyDecided) {
		return nil
	}
	return err
}
