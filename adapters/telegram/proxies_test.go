package telegram

import (
	"context"
	"strings"
	"testing"
	"time"

	"allot/actors"
	"allot/adapters/telegram/telegramtest"
	"allot/domain"
)

var (
	proxyAdder    = telegramtest.User{ID: 1101, FirstName: "Sam", Username: "sam", LanguageCode: "en"}
	proxyTaker    = telegramtest.User{ID: 1102, FirstName: "Tom", Username: "tom", LanguageCode: "en"}
	proxyBrowser  = telegramtest.User{ID: 1103, FirstName: "Uma", Username: "uma", LanguageCode: "en"}
	proxyOutsider = telegramtest.User{ID: 1104, FirstName: "Eve", Username: "eve", LanguageCode: "en"}
)

const proxyPassword = "s3cr<&>t"

// newProxyWorld is a world whose bot knows three resource kinds.
func newProxyWorld(t *testing.T) *world {
	t.Helper()
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	kinds := domain.KindsConfig{Kinds: []domain.ResourceKind{
		{Code: "mamba", Name: "Mamba"}, {Code: "tinder", Name: "Tinder"}, {Code: "vk", Name: "VK"}}}
	return newWorldWith(t, srv, t.TempDir(), &testClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)},
		func(_ *actors.Options, c *Config) { c.Kinds = kinds })
}

// approveStaff makes u approved staff the way an admin would.
func (w *world) approveStaff(u telegramtest.User) {
	w.t.Helper()
	ctx := context.Background()
	id := domain.UserID(u.ID)
	p := domain.User{ID: id, Username: u.Username, Name: u.FirstName, Lang: u.LanguageCode}
	if err := w.eng.SeeUser(ctx, p); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.eng.RequestStaff(ctx, id, u.FirstName); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.eng.DecideStaff(ctx, owner, id, domain.ApprovalApproved); err != nil {
		w.t.Fatal(err)
	}
}

// seeButton waits for message id to carry a button starting with label.
func (w *world) seeButton(u telegramtest.User, id int, label string) telegramtest.Message {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := w.srv.WaitFor(ctx, u.ID, func(m telegramtest.Message) bool {
		return m.ID == id && hasButton(m, label)
	})
	if err != nil {
		w.t.Fatalf("%s never saw a button %q on message %d", u.Username, label, id)
	}
	return m
}

func hasButton(m telegramtest.Message, label string) bool {
	for _, b := range m.Buttons() {
		if strings.HasPrefix(b.Text, label) {
			return true
		}
	}
	return false
}

// openProxies sends /proxy and returns the proxy menu.
func (w *world) openProxies(u telegramtest.User) telegramtest.Message {
	w.t.Helper()
	before := lastID(w.srv, u)
	w.srv.Command(u, "proxy", "")
	return w.seeOn(u, -before, "Proxies", "Add a proxy that was bought")
}

// freeProxies walks u from a fresh proxy menu to the list of free proxies
// for resources in country ("" for any) and returns it.
func (w *world) freeProxies(u telegramtest.User, country string, resources ...string) telegramtest.Message {
	w.t.Helper()
	m := w.openProxies(u)
	w.press(u, m, "📥 Get a proxy")
	m = w.seeOn(u, m.ID, "Which resources do you need")
	for _, r := range resources {
		w.press(u, m, r)
		m = w.seeButton(u, m.ID, "✓ "+r)
	}
	w.press(u, m, "✅ Done")
	m = w.seeOn(u, m.ID, "Which country?")
	if country == "" {
		country = "🌍 Any country"
	}
	w.press(u, m, country)
	return w.seeOn(u, m.ID, "Free proxies")
}

func TestProxies_RefuseWhoIsNotStaff(t *testing.T) {
	w := newProxyWorld(t)
	w.srv.Command(proxyOutsider, "proxy", "")
	w.see(proxyOutsider, "approved staff only")
	before := lastID(w.srv, proxyOutsider)
	w.forge(proxyOutsider, "1:pxa")
	w.seeOn(proxyOutsider, -before, "approved staff only")
	before = lastID(w.srv, proxyOutsider)
	w.forge(proxyOutsider, "1:pxd:10")
	w.seeOn(proxyOutsider, -before, "approved staff only")
	if err := w.eng.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := w.eng.ProxiesFor("", ""); len(got) != 0 {
		t.Fatalf("proxies after refusals: %+v", got)
	}
}

func TestProxies_StaffAddGetHoldCancelAndTimeout(t *testing.T) {
	w := newProxyWorld(t)
	ctx := context.Background()
	for _, u := range []telegramtest.User{proxyAdder, proxyTaker, proxyBrowser} {
		w.approveStaff(u)
	}

	// Sam adds a SOCKS5 proxy with a password, mistyping it first.
	menu := w.openProxies(proxyAdder)
	w.press(proxyAdder, menu, "➕ Add a proxy")
	w.press(proxyAdder, w.seeOn(proxyAdder, menu.ID, "Which protocol"), "SOCKS5")
	w.seeOn(proxyAdder, menu.ID, "New SOCKS5 proxy")
	w.srv.SendText(proxyAdder, "10.0.0.7:99999:sam:"+proxyPassword)
	w.see(proxyAdder, "The port is wrong")
	w.srv.SendText(proxyAdder, "10.0.0.7:1080:sam:"+proxyPassword)
	w.see(proxyAdder, "Which country", "10.0.0.7:1080:sam:***")
	w.srv.SendText(proxyAdder, "nl")
	res := w.see(proxyAdder, "Which resources is it good for", "NL")
	w.press(proxyAdder, res, "✅ Done")
	res = w.seeOn(proxyAdder, res.ID, "Choose at least one resource")
	w.press(proxyAdder, res, "Mamba")
	res = w.seeButton(proxyAdder, res.ID, "✓ Mamba")
	w.press(proxyAdder, res, "Tinder")
	res = w.seeButton(proxyAdder, res.ID, "✓ Tinder")
	w.press(proxyAdder, res, "✅ Done")
	w.press(proxyAdder, w.seeOn(proxyAdder, res.ID, "how many days"), "10 days")
	w.seeOn(proxyAdder, res.ID, "Proxy added", "10.0.0.7:1080:sam:***", "Mamba, Tinder", "NL", "2026-11-11")

	// A second proxy, for Mamba only, straight into the engine.
	second, err := domain.ParseProxy("10.0.0.8:3128")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.eng.AddProxy(ctx, owner, domain.ProxySpec{Type: domain.ProxyHTTP, Addr: second,
		Resources: []string{"mamba"}, Country: "DE", Days: 5}); err != nil {
		t.Fatal(err)
	}

	// Tom wants one for Mamba and Tinder: only the Dutch one serves both.
	m := w.openProxies(proxyTaker)
	w.press(proxyTaker, m, "📥 Get a proxy")
	m = w.seeOn(proxyTaker, m.ID, "Which resources do you need")
	w.press(proxyTaker, m, "Mamba")
	w.press(proxyTaker, w.seeButton(proxyTaker, m.ID, "✓ Mamba"), "Tinder")
	w.press(proxyTaker, w.seeButton(proxyTaker, m.ID, "✓ Tinder"), "✅ Done")
	m = w.seeOn(proxyTaker, m.ID, "Which country?")
	if hasButton(m, "DE") || !hasButton(m, "NL") {
		t.Fatalf("countries offered: %v", m.Buttons())
	}
	w.press(proxyTaker, m, "NL")
	m = w.seeOn(proxyTaker, m.ID, "Free proxies", "Mamba, Tinder, NL")
	w.press(proxyTaker, m, "SOCKS5 · 10.0.0.7:1080:sam:***")
	m = w.seeOn(proxyTaker, m.ID, "Held for you until 2026-11-01 12:05")

	// While Tom holds it, Uma's list for Mamba has the other one only.
	list := w.freeProxies(proxyBrowser, "", "Mamba")
	if hasButton(list, "SOCKS5 · 10.0.0.7") || !hasButton(list, "HTTP · 10.0.0.8:3128") {
		t.Fatalf("Uma's list while Tom holds the Dutch proxy: %v", list.Buttons())
	}

	// Tom takes it and sees it whole.
	w.press(proxyTaker, m, "✅ Take it")
	got := w.seeOn(proxyTaker, m.ID, "The proxy is yours")
	if !strings.Contains(got.Text, "10.0.0.7:1080:sam:"+proxyPassword) {
		t.Fatalf("issued without the full proxy: %q", got.Text)
	}

	// Uma holds the German one and lets it go; meanwhile Sam finds none.
	w.press(proxyBrowser, list, "HTTP · 10.0.0.8:3128")
	held := w.seeOn(proxyBrowser, list.ID, "Held for you")
	w.noFreeProxies(proxyAdder, "Mamba")
	w.press(proxyBrowser, held, "✖️ Let it go")
	list = w.seeOn(proxyBrowser, list.ID, "back in stock", "Free proxies")
	if !hasButton(list, "HTTP · 10.0.0.8:3128") {
		t.Fatalf("the released proxy is not listed again: %v", list.Buttons())
	}

	// She holds it again and walks away: after five minutes it is free.
	w.press(proxyBrowser, list, "HTTP · 10.0.0.8:3128")
	held = w.seeOn(proxyBrowser, list.ID, "Held for you")
	w.clock.Set(w.clock.Now().Add(domain.ProxyHoldTTL + time.Second))
	w.eng.Advance()
	if err := w.eng.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	samList := w.freeProxies(proxyAdder, "", "Mamba")
	if !hasButton(samList, "HTTP · 10.0.0.8:3128") {
		t.Fatalf("the lapsed hold was not released: %v", samList.Buttons())
	}
	w.press(proxyBrowser, held, "✅ Take it")
	w.seeOn(proxyBrowser, held.ID, "Your hold on that proxy ran out", "Free proxies")

	// Uma takes it back; Sam, pressing his older list, is told and sees the list again.
	w.press(proxyBrowser, w.seeOn(proxyBrowser, held.ID, "Free proxies"), "HTTP · 10.0.0.8:3128")
	w.seeOn(proxyBrowser, held.ID, "Held for you")
	w.press(proxyAdder, samList, "HTTP · 10.0.0.8:3128")
	w.seeOn(proxyAdder, samList.ID, "Someone else took that proxy", "no free proxies for Mamba")

	w.passwordSeenOnlyBy(proxyTaker, proxyAdder, proxyBrowser, proxyOutsider)
	if err := w.eng.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.eng.Check(); err != nil {
		t.Fatalf("invariants: %v", err)
	}
}

// noFreeProxies walks u to the proxies for resources, when there are
// none: the country step already says so.
func (w *world) noFreeProxies(u telegramtest.User, resources ...string) telegramtest.Message {
	w.t.Helper()
	m := w.openProxies(u)
	w.press(u, m, "📥 Get a proxy")
	m = w.seeOn(u, m.ID, "Which resources do you need")
	for _, r := range resources {
		w.press(u, m, r)
		m = w.seeButton(u, m.ID, "✓ "+r)
	}
	w.press(u, m, "✅ Done")
	return w.seeOn(u, m.ID, "There are no free proxies for "+strings.Join(resources, ", "))
}

// passwordSeenOnlyBy checks that the bot showed the password to holder and
// to none of others.
func (w *world) passwordSeenOnlyBy(holder telegramtest.User, others ...telegramtest.User) {
	w.t.Helper()
	seen := func(u telegramtest.User) bool {
		for _, m := range w.srv.Messages(u.ID) {
			if !m.FromUser && (strings.Contains(m.Text, proxyPassword) || strings.Contains(m.Source, "s3cr")) {
				return true
			}
		}
		return false
	}
	if !seen(holder) {
		w.t.Fatalf("%s was never shown the password", holder.Username)
	}
	for _, u := range others {
		if seen(u) {
			w.t.Fatalf("%s was shown the password", u.Username)
		}
	}
}

func TestSession_ProxyBadText(t *testing.T) {
	cat, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in    string
		wkey  string
		wtext string
	}{
		{"", "proxy_bad_address", "That is not a proxy"},
		{"1.2.3.4:80:a:b:c", "proxy_bad_address", "That is not a proxy"},
		{"1.2.3.256:80", "proxy_bad_host", "The host is wrong"},
		{"2001:db8::1:8080", "proxy_bad_host", "The host is wrong"},
		{"-bad.example:80", "proxy_bad_host", "The host is wrong"},
		{"example.com", "proxy_bad_port", "The port is wrong"},
		{"example.com:0", "proxy_bad_port", "The port is wrong"},
		{"example.com:80:user", "proxy_bad_password", "The password is wrong"},
		{"example.com:80:us er:pw", "proxy_bad_user", "The user name is wrong"},
		{"example.com:80:user:пароль", "proxy_bad_password", "The password is wrong"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			_, err := domain.ParseProxy(tc.in)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, lang := range Langs {
				s := &session{bot: &Bot{txt: cat}, lang: lang}
				if got, want := s.proxyBadText(err), cat.T(lang, tc.wkey); got != want {
					t.Errorf("%s: %q, want %q", lang, got, want)
				}
			}
			en := &session{bot: &Bot{txt: cat}, lang: "en"}
			if got := en.proxyBadText(err); !strings.Contains(got, tc.wtext) {
				t.Errorf("%q does not say %q", got, tc.wtext)
			}
		})
	}
}
