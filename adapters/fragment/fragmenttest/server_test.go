package fragmenttest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"allot/adapters/fragment/fragmenttest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const num = "+88801234567"

// browser talks to the fake as Fragment's page does.
type browser struct {
	t   *testing.T
	srv *fragmenttest.Server
	hc  *http.Client
}

func start(t *testing.T, opts ...fragmenttest.Option) *browser {
	srv := fragmenttest.New(opts...)
	tr := &http.Transport{}
	t.Cleanup(func() { tr.CloseIdleConnections(); srv.Close() })
	srv.AddNumber(num)
	hc := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: t, srv: srv, hc: hc}
}

// call posts an API method as the page does; edit may spoil the request.
func (b *browser) call(form url.Values, edit func(*http.Request)) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.srv.URL()+"/api?hash="+b.srv.Hash(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
	req.Header.Set("X-Requested-With", "XMLHttpRequest")
	req.Header.Set("Accept", "application/json, text/javascript, */*; q=0.01")
	req.Header.Set("Origin", b.srv.URL())
	req.Header.Set("Referer", b.srv.URL()+"/my/numbers")
	req.Header.Set("Cookie", b.srv.Cookies())
	if edit != nil {
		edit(req)
	}
	return b.do(req)
}

// get loads a page, in AJAX mode or not.
func (b *browser) get(path string, ajax bool) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.srv.URL()+path, nil)
	req.Header.Set("Cookie", b.srv.Cookies())
	if ajax {
		req.Header.Set("X-Requested-With", "XMLHttpRequest")
		req.Header.Set("X-Aj-Referer", b.srv.URL()+path)
	}
	return b.do(req)
}

func (b *browser) do(req *http.Request) (int, string) {
	b.t.Helper()
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusTooManyRequests {
		body = append(body, []byte(" retry-after="+resp.Header.Get("Retry-After"))...)
	}
	if c := resp.Header.Get("Set-Cookie"); c != "" {
		body = append(body, []byte(" set-cookie="+c)...)
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		body = append(body, []byte(" location="+loc)...)
	}
	return resp.StatusCode, string(body)
}

func form(kv ...string) url.Values {
	f := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

func wantReply(t *testing.T, status int, body string, wStatus int, wBody string) {
	t.Helper()
	if status != wStatus || !strings.Contains(body, wBody) {
		t.Fatalf("got %d %s; want %d with %s", status, body, wStatus, wBody)
	}
}

func TestServer_APIChecks(t *testing.T) {
	b := start(t)
	codes := form("method", "updateLoginCodes", "number", "88801234567", "lt", "0", "from_app", "1")
	st, body := b.call(codes, nil)
	wantReply(t, st, body, 200, `"html"`)
	st, body = b.call(codes, func(r *http.Request) { r.Header.Del("X-Requested-With") })
	wantReply(t, st, body, 400, "X-Requested-With")
	st, body = b.call(codes, func(r *http.Request) { r.URL.RawQuery = "hash=00" })
	wantReply(t, st, body, 200, `{"error":"Bad request"}`)
	st, body = b.call(codes, func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") })
	wantReply(t, st, body, 200, `{"error":"Access denied"}`)
	st, body = b.call(codes, func(r *http.Request) { r.Header.Set("Cookie", "stel_ssid=x; stel_token=y; stel_ton_token=z") })
	wantReply(t, st, body, 200, `{"error":"Access denied"}`)
	st, body = b.call(form("method", "updateLoginCodes", "number", "88855555555"), nil)
	wantReply(t, st, body, 200, fragmenttest.NotOwnedMessage)
	if n := b.srv.Requests()[fragmenttest.MethodUpdateLoginCodes]; n != 6 {
		t.Errorf("Requests counted %d updateLoginCodes, want 6", n)
	}
}

func TestServer_Expiry(t *testing.T) {
	b := start(t, fragmenttest.WithExpiry(fragmenttest.ExpiryUnauthorized))
	b.srv.ExpireSession()
	st, body := b.call(form("method", "toggleLoginCodes", "number", "88801234567", "can_receive", "1"), nil)
	wantReply(t, st, body, 401, "Access denied")
	st, _ = b.get("/my/numbers", true)
	wantReply(t, st, "", 401, "")
	st, body = b.get("/", false)
	wantReply(t, st, body, 200, "logged_in: false")

	r := start(t, fragmenttest.WithExpiry(fragmenttest.ExpiryRedirect))
	r.srv.ExpireSession()
	st, body = r.get("/my/numbers", true)
	wantReply(t, st, body, 200, `{"r":"/auth"}`)
	st, body = r.get("/my/numbers", false)
	wantReply(t, st, body, 302, "location=/auth")
}

func TestServer_LoginCodes(t *testing.T) {
	b := start(t, fragmenttest.WithUnchangedHTMLOmitted(true))
	f := form("method", "updateLoginCodes", "number", "88801234567", "lt", "0")
	st, body := b.call(f, nil)
	wantReply(t, st, body, 200, `{"lt":0}`)
	b.srv.ArriveCode(num, "52817", time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	st, body = b.call(f, nil)
	wantReply(t, st, body, 200, `52817`)
	if !strings.Contains(body, `2026-11-21T10:00:00+00:00`) || !strings.Contains(body, `table-cell-value`) {
		t.Errorf("the codes page lacks its time or class: %s", body)
	}
	st, body = b.call(form("method", "updateLoginCodes", "number", "88801234567", "lt", "1"), nil)
	wantReply(t, st, body, 200, `{"lt":1}`)

	b.call(form("method", "toggleLoginCodes", "number", "88801234567", "can_receive", "0"), nil)
	b.srv.ArriveCode(num, "60493", time.Now())
	st, body = b.call(f, nil)
	if strings.Contains(body, "60493") || !strings.Contains(body, "codes-disabled") {
		t.Errorf("a code arrived while codes were off: %d %s", st, body)
	}
}

func TestServer_Toggle(t *testing.T) {
	for style, want := range map[fragmenttest.ToggleReply]string{
		fragmenttest.ToggleOK: `{"ok":true}`, fragmenttest.ToggleEmptyJSON: `{}`, fragmenttest.ToggleNoBody: ``,
	} {
		b := start(t, fragmenttest.WithToggleReply(style))
		st, body := b.call(form("method", "toggleLoginCodes", "number", "88801234567", "can_receive", "0"), nil)
		if st != 200 || body != want || b.srv.LoginCodesOn(num) {
			t.Errorf("style %d: %d %q, codes on %v", style, st, body, b.srv.LoginCodesOn(num))
		}
	}
}

func TestServer_Terminate(t *testing.T) {
	b := start(t)
	step1 := form("method", "terminatePhoneSessions", "number", "88801234567")
	st, body := b.call(step1, nil)
	wantReply(t, st, body, 200, `{}`)
	b.srv.AddSession(num)
	st, body = b.call(step1, nil)
	var r struct {
		TerminateHash string `json:"terminate_hash"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil || r.TerminateHash == "" {
		t.Fatalf("step 1 with a session: %d %s", st, body)
	}
	st, body = b.call(form("method", "terminatePhoneSessions", "number", "88801234567", "terminate_hash", "nope"), nil)
	wantReply(t, st, body, 200, `"error"`)
	st, body = b.call(form("method", "terminatePhoneSessions", "number", "88801234567", "terminate_hash", r.TerminateHash), nil)
	wantReply(t, st, body, 200, `"msg"`)
	if b.srv.Sessions(num) != 0 || b.srv.Terminations(num) != 1 {
		t.Errorf("sessions %d, terminations %d", b.srv.Sessions(num), b.srv.Terminations(num))
	}
}

func TestServer_Pages(t *testing.T) {
	b := start(t, fragmenttest.WithPageSize(1), fragmenttest.WithAPIURL(fragmenttest.APIURLAbsolute))
	b.srv.AddNumber("+88899999999")
	b.srv.Restrict(num, true)
	st, body := b.get("/", false)
	wantReply(t, st, body, 200, `"apiUrl":"http:\/\/127.0.0.1`)
	st, body = b.get("/my/numbers", true)
	wantReply(t, st, body, 200, `data-next-offset=\"1\"`)
	if !strings.Contains(body, "tm-status-restricted") || !strings.Contains(body, `"j":"Wallet.init(`) {
		t.Errorf("page 1 of the numbers: %s", body)
	}
	st, body = b.get("/my/numbers?offset=1", false)
	wantReply(t, st, body, 200, "/number/88899999999")
	st, body = b.get("/number/88801234567", true)
	wantReply(t, st, body, 200, "tm-section-header-status tm-status-restricted")
	st, body = b.get("/number/88855555555", false)
	wantReply(t, st, body, 302, "location=/numbers?query=88855555555")
	st, body = b.get("/number/88855555555", true)
	wantReply(t, st, body, 200, `"r":"/numbers?query=88855555555"`)
	if n := b.srv.Requests()[fragmenttest.PageNumber]; n != 3 {
		t.Errorf("%d number pages counted, want 3", n)
	}
}

func TestServer_Faults(t *testing.T) {
	b := start(t, fragmenttest.WithRetryAfter(7))
	b.srv.FailNext(fragmenttest.PageMyNumbers, 1, http.StatusTooManyRequests)
	b.srv.FailNext(fragmenttest.PageMyNumbers, 1, http.StatusBadGateway)
	st, body := b.get("/my/numbers", true)
	wantReply(t, st, body, 429, "retry-after=7")
	st, _ = b.get("/my/numbers", true)
	wantReply(t, st, "", 502, "")
	st, _ = b.get("/my/numbers", true)
	wantReply(t, st, "", 200, "")

	b.srv.OddHTML(true)
	_, body = b.get("/my/numbers", true)
	if strings.Contains(body, "tm-row-selectable") {
		t.Errorf("odd numbers page still has table rows: %s", body)
	}

	old := b.srv.Cookies()
	b.srv.RefreshSSID()
	req, _ := http.NewRequest(http.MethodGet, b.srv.URL()+"/", nil)
	req.Header.Set("Cookie", old)
	st, body = b.do(req)
	wantReply(t, st, body, 200, "set-cookie=stel_ssid=")
	if strings.Contains(body, "logged_in: false") {
		t.Error("the old stel_ssid was refused before the new one was seen")
	}
}

func TestServer_CanSellItem(t *testing.T) {
	b := start(t)
	check := form("method", "canSellItem", "type", "3", "username", "88801234567", "auction", "true")
	st, body := b.call(check, nil)
	wantReply(t, st, body, 200, `{"ok":true}`)
	b.srv.AddSession(num)
	st, body = b.call(check, nil)
	wantReply(t, st, body, 200, `"confirm_button":"Proceed anyway"`)
	st, body = b.call(form("method", "canSellItem", "type", "3", "username", "88855555555"), nil)
	wantReply(t, st, body, 200, fragmenttest.NotOwnedMessage)
}
