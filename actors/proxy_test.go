package actors

import (
	"context"
	"errors"
	"testing"
	"time"

	"allot/domain"
)

func TestProxyReservationsLapseAndConfirmedProxiesSurviveARestart(t *testing.T) {
	c := newClock()
	dir := t.TempDir()
	e := openTest(t, dir, c, nil)
	ctx := ctxT(t)
	addr, err := domain.ParseProxy("10.0.0.1:8080:u:secret")
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.AddProxy(ctx, admin, domain.ProxySpec{Type: domain.ProxyHTTP, Addr: addr, Resources: []string{"vk", "ok"},
		Country: "RU", Days: 5})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.ProxiesFor("vk", "RU"); len(got) != 1 || got[0].Addr == addr.String() {
		t.Fatalf("list: %+v (the password must not show)", got)
	}
	if got := e.ProxiesFor("mamba", ""); len(got) != 0 {
		t.Fatalf("a proxy listed for a resource it does not serve: %+v", got)
	}
	if _, err := e.ReserveProxy(ctx, alice, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ReserveProxy(ctx, bob, p.ID); !errors.Is(err, domain.ErrProxyTaken) {
		t.Fatalf("a second reservation: %v", err)
	}
	// Alice walks away: after five minutes the scheduler releases it.
	c.Add(domain.ProxyHoldTTL + time.Second)
	e.Advance()
	if err := e.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.ProxiesFor("vk", "RU"); len(got) != 1 {
		t.Fatalf("the lapsed reservation did not come back: %+v", got)
	}
	if _, err := e.ReserveProxy(ctx, bob, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ConfirmProxy(ctx, alice, p.ID); err == nil {
		t.Fatal("someone else confirmed bob's reservation")
	}
	got, err := e.ConfirmProxy(ctx, bob, p.ID)
	if err != nil || got.Status != domain.ProxyStatusIssued || got.Holder != bob {
		t.Fatalf("confirm: %+v, %v", got, err)
	}
	if err := e.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	e = openTest(t, dir, c, nil)
	if v := e.ProxiesFor("", ""); len(v) != 0 {
		t.Fatalf("an issued proxy listed as available after a restart: %+v", v)
	}
	// Five days on, it expires.
	c.Add(5 * 24 * time.Hour)
	e.Advance()
	if err := e.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	id, ok := e.ProxyByRef(domain.ProxyRef(p.ID))
	if !ok || id != p.ID {
		t.Fatalf("ProxyByRef: %q %v", id, ok)
	}
	e.proxies.mu.RLock()
	st := e.proxies.byID[p.ID].Status
	e.proxies.mu.RUnlock()
	if st != domain.ProxyStatusExpired {
		t.Fatalf("after its duration the proxy is %v", st)
	}
}
