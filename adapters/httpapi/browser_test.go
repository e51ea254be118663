package httpapi

import (
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"allot/domain"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// withVault is the engine with one more entity, a proxy named "vault" whose
// state is full of secrets: no real state has a visible password (a
// proxy's is left out of its JSON), yet the page must show that redaction
// works on whatever a future state holds.
type withVault struct{ source }

func (s withVault) Entity(ctx context.Context, kind domain.Kind, id string) (any, error) {
	if kind == domain.KindProxy && id == "vault" {
		return newVault(), nil
	}
	return s.source.Entity(ctx, kind, id)
}

// TestHandler_browser opens the HTML view in headless Chromium, as a person
// would, through a token given as the password of Basic authentication,
// and checks what the rendered page shows.
func TestHandler_browser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("headless Chromium is not installed (%s): `apt-get install chromium` to run the HTML view test", chromiumPath)
	}
	e := openEngine(t, nil)
	ids := addNumbers(t, e, 3)
	topUp(t, e, 30)
	_, err := e.RentFromBalance(ctxT(t), "rent-1", alice, ids[0], 30)
	must(t, err)
	proxy := addProxy(t, e)
	h, err := newHandler(withVault{e}, Options{Addr: "0.0.0.0:8080", Token: testToken})
	must(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	base, err := url.Parse(srv.URL)
	must(t, err)
	base.User = url.UserPassword("operator", testToken)

	cases := []struct {
		name, path string
		want, not  []string
	}{
		{"list", "/actors?kind=number",
			[]string{`<table id="actors">`, ">" + ids[0] + "</a>", ">" + ids[2] + "</a>", "<h1>Actors: number</h1>"},
			[]string{testToken}},
		{"number", "/actors/number/" + url.PathEscape(ids[0]),
			[]string{`<pre id="state">`, `"ID": "` + ids[0] + `"`, `"Renter": 1001`},
			[]string{testToken}},
		{"proxy", "/actors/proxy/" + url.PathEscape(proxy),
			[]string{`<pre id="state">`, `"Host": "10.1.2.3"`, `"User": "bob"`},
			[]string{proxyPass, testToken}},
		{"vault", "/actors/proxy/vault",
			[]string{`"Password": "***"`, `"ProxyPass": "***"`, `"10.0.0.2:3128:carol:***"`, `"Passenger": "kept-2"`},
			[]string{"pw-", testToken}},
		// Without the token the browser gets the 401 challenge and no page.
		{"unauthorized", "", nil, []string{`<table`, ids[0]}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := base.String() + c.path
			if c.name == "unauthorized" {
				u = srv.URL + "/actors"
			}
			dom := dumpDOM(t, u)
			for _, w := range c.want {
				if !strings.Contains(dom, w) {
					t.Errorf("the page lacks %s:\n%s", w, dom)
				}
			}
			for _, n := range c.not {
				if strings.Contains(dom, n) {
					t.Errorf("the page shows %s:\n%s", n, dom)
				}
			}
		})
	}
}

// dumpDOM loads u in headless Chromium and returns the DOM it rendered.
func dumpDOM(t testing.TB, u string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// No sandbox: tests may run as root, where Chromium refuses it; the
	// only page loaded is ours, on loopback.
	cmd := exec.CommandContext(ctx, chromiumPath, "--headless", "--no-sandbox", "--disable-gpu",
		"--no-first-run", "--disable-extensions", "--user-data-dir="+t.TempDir(), "--dump-dom", u)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v\n%s", err, stderr.String())
	}
	return string(out)
}
