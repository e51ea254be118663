package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"allot/adapters/sheets"
	"allot/adapters/sheets/sheetstest"
	"allot/adapters/telegram/telegramtest"
)

// The secrets of the journey, each distinctive enough to be found in a log.
const (
	introspectionToken = "introspection-Zk82hQ7xLm4"
	googleAccessToken  = "ya29.fake-access-Qw7Rt2Yp"
	proxySecret        = "pxPass-7Hq2Zr9Lk"
)

var (
	owner = telegramtest.User{ID: 42, FirstName: "Olga", Username: "olga", LanguageCode: "en"}
	// Premium doubles the per-person rate limits: the journey clicks
	// faster than a person, and the defaults of `allot run` apply.
	worker = telegramtest.User{ID: 1001, FirstName: "Alice", Username: "alice", LanguageCode: "en", IsPremium: true}
)

// TestServe_SecretsNeverLogged runs `allot run` with every secret it can
// hold: the bot token, the introspection token, a Google service account
// (its key exchanged at a local token endpoint, the stock in the fake
// Sheets server behind a bearer check), and a proxy password typed by a
// person. A journey touches each of them: registration and approval, a
// distribution with feedback and a flush, a proxy added, introspection
// with the right and a wrong token. No debug log line may hold any secret,
// nor may /actors show the proxy password.
func TestServe_SecretsNeverLogged(t *testing.T) {
	tg := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(tg.Close)
	key, pemKey := serviceAccount(t, googleTokenServer(t))
	addr := freeAddr(t)
	cfg, err := loadConfig(envOf(map[string]string{"DATA_DIR": t.TempDir(), "HTTP_ADDR": addr, "FSYNC": "os",
		"BOT_TOKEN": tg.Token(), "TELEGRAM_API_URL": tg.URL(), "OWNER_ID": "42", "LOG_LEVEL": "debug",
		"INTROSPECTION_TOKEN": introspectionToken, "KINDS_FILE": kindsFile(t)}))
	if err != nil {
		t.Fatal(err)
	}
	// ConfigFromEnv refuses credentials beside SHEETS_ENDPOINT (the bearer
	// token would go to the endpoint); here the endpoint is ours.
	cfg.Sheets = sheets.Config{Enabled: true, Credentials: key, Endpoint: googleSheets(t),
		StockSpreadsheet: sheets.FakeStockSpreadsheet, IssuedSpreadsheet: sheets.FakeIssuedSpreadsheet}

	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	}()
	j := &journey{t: t, tg: tg, base: "http://" + addr}
	j.register()
	j.distribute()
	proxyID := j.addProxy()
	bodies := j.introspect(proxyID)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}

	secrets := map[string]string{"the bot token": tg.Token()[strings.Index(tg.Token(), ":")+1:],
		"the introspection token": introspectionToken, "Google's access token": googleAccessToken,
		"the proxy password": proxySecret}
	for i, line := range pemBody(pemKey) {
		secrets[fmt.Sprintf("line %d of the private key", i+1)] = line
	}
	for i := range 12 {
		secrets[fmt.Sprintf("account password %d", i)] = accountPassword(i)
	}
	out := logs.String()
	for what, secret := range secrets {
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, secret) {
				t.Errorf("%s is in the log: %s", what, l)
			}
		}
	}
	for path, body := range bodies {
		if strings.Contains(body, proxySecret) {
			t.Errorf("GET %s shows the proxy password: %s", path, body)
		}
	}
	if testing.Verbose() {
		t.Log(out)
	}
	for _, want := range []string{"telegram: retrying", "distribution is on", "snapshot written"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log has no %q: the check proves little", want)
		}
	}
}

// journey is a person and an admin talking to the bot, and an operator
// looking in over HTTP.
type journey struct {
	t    *testing.T
	tg   *telegramtest.Server
	base string
}

// register: the admin opens the bot, a stranger asks for staff access
// under a nickname and the admin approves it.
func (j *journey) register() {
	j.tg.FailNext("sendMessage", 1, http.StatusBadGateway, 0) // retried, and logged at debug with telego's error
	j.tg.Command(owner, "start", "")
	j.see(owner, 0, "Hello")
	j.tg.Command(worker, "start", "")
	j.press(worker, j.see(worker, 0, "Hello"), "🪪")
	j.see(worker, 0, "work nickname")
	j.tg.SendText(worker, "Alice W")
	j.see(worker, 0, "went to the admins")
	j.press(owner, j.see(owner, 0, "Staff request", "Alice W"), "✅")
	j.see(worker, 0, "access is approved")
}

// distribute: three VK accounts with feedback, one replaced, then the
// admin writes the feedback to the issued sheet.
func (j *journey) distribute() {
	before := j.last(worker)
	j.tg.Command(worker, "get", "")
	m := j.see(worker, -before, "Distribution")
	j.press(worker, m, "👤 ВКонтакте")
	m = j.see(worker, m.ID, "which region")
	j.press(worker, m, "495")
	m = j.see(worker, m.ID, "how many")
	j.press(worker, m, "3")
	m = j.see(worker, m.ID, "which kind")
	before = j.last(worker)
	j.press(worker, m, "♂")
	var items []telegramtest.Message
	for range 3 {
		it := j.see(worker, -before, "vk/495/male#")
		items, before = append(items, it), it.ID
	}
	j.press(worker, items[0], "Good")
	j.see(worker, items[0].ID, "Marked: Good")
	j.press(worker, items[1], "Blocked")
	blocked := j.see(worker, items[1].ID, "replacement?")
	before = j.last(worker)
	j.press(worker, blocked, "🔁")
	j.see(worker, -before, "vk/495/male#")
	j.press(worker, items[2], "Defective")
	j.see(worker, items[2].ID, "Marked: Defective")

	before = j.last(owner)
	j.tg.Command(owner, "buffer_clear", "")
	j.press(owner, j.see(owner, -before, "Write every feedback buffer"), "⚠️ Yes, do it")
	j.see(owner, -before, "Feedback buffers written")
}

// addProxy: the approved worker adds a SOCKS5 proxy with a password, and
// the proxy's id is read from the introspection list.
func (j *journey) addProxy() string {
	before := j.last(worker)
	j.tg.Command(worker, "proxy", "")
	menu := j.see(worker, -before, "Proxies", "Add a proxy that was bought")
	j.press(worker, menu, "➕ Add a proxy")
	j.press(worker, j.see(worker, menu.ID, "Which protocol"), "SOCKS5")
	j.see(worker, menu.ID, "New SOCKS5 proxy")
	j.tg.SendText(worker, "10.0.0.7:99999:sam:"+proxySecret) // a typo: refused, the password with it
	j.see(worker, 0, "The port is wrong")
	j.tg.SendText(worker, "10.0.0.7:1080:sam:"+proxySecret)
	j.see(worker, 0, "Which country", "10.0.0.7:1080:sam:***")
	j.tg.SendText(worker, "nl")
	res := j.see(worker, 0, "Which resources is it good for", "NL")
	j.press(worker, res, "ВКонтакте")
	res = j.seeButton(worker, res.ID, "✓ ВКонтакте")
	j.press(worker, res, "✅ Done")
	j.press(worker, j.see(worker, res.ID, "how many days"), "10 days")
	j.see(worker, res.ID, "Proxy added", "10.0.0.7:1080:sam:***")

	var list struct{ Actors []struct{ ID string } }
	code, body := j.get("/actors/proxy?format=json", introspectionToken)
	if err := json.Unmarshal([]byte(body), &list); code != http.StatusOK || err != nil || len(list.Actors) != 1 {
		j.t.Fatalf("GET /actors/proxy: %d %v %s", code, err, body)
	}
	return list.Actors[0].ID
}

// introspect reads the proxy, the pool and the metrics with the token,
// and is refused with a wrong one. It returns the bodies read.
func (j *journey) introspect(proxyID string) map[string]string {
	bodies := map[string]string{}
	for _, path := range []string{"/actors/proxy/" + proxyID, "/actors/proxy/" + proxyID + "?format=html",
		"/actors/pool/vk/495/male", "/metrics"} {
		code, body := j.get(path, introspectionToken)
		if code != http.StatusOK {
			j.t.Errorf("GET %s: %d %s", path, code, body)
		}
		bodies[path] = body
	}
	if !strings.Contains(bodies["/actors/proxy/"+proxyID], "10.0.0.7") {
		j.t.Errorf("the proxy's state does not show its address: %s", bodies["/actors/proxy/"+proxyID])
	}
	for _, series := range []string{"allot_telegram_sends_total", `allot_sheets_requests_total{op="read"}`,
		`allot_pool_available_items{pool="vk/495/male"}`, "allot_stock_rows_flushed_total",
		"allot_journal_fsync_seconds_bucket"} {
		if !strings.Contains(bodies["/metrics"], series) {
			j.t.Errorf("/metrics has no %s", series)
		}
	}
	if code, _ := j.get("/actors/proxy/"+proxyID, "wrong-token-0123456789"); code != http.StatusUnauthorized {
		j.t.Errorf("a wrong token: %d, want 401", code)
	}
	return bodies
}

// get fetches path with the token as a bearer.
func (j *journey) get(path, token string) (int, string) {
	j.t.Helper()
	req, err := http.NewRequest(http.MethodGet, j.base+path, nil)
	if err != nil {
		j.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		j.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		j.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// see waits for a message to u holding every part: message id when
// id > 0, one newer than -id when id < 0, any when 0.
func (j *journey) see(u telegramtest.User, id int, parts ...string) telegramtest.Message {
	j.t.Helper()
	return j.wait(u, fmt.Sprintf("%q", parts), func(m telegramtest.Message) bool {
		if id > 0 && m.ID != id || id < 0 && m.ID <= -id {
			return false
		}
		for _, p := range parts {
			if !strings.Contains(m.Text, p) {
				return false
			}
		}
		return true
	})
}

// seeButton waits for message id to carry a button starting with label.
func (j *journey) seeButton(u telegramtest.User, id int, label string) telegramtest.Message {
	j.t.Helper()
	return j.wait(u, "a button "+label, func(m telegramtest.Message) bool {
		for _, b := range m.Buttons() {
			if m.ID == id && strings.HasPrefix(b.Text, label) {
				return true
			}
		}
		return false
	})
}

func (j *journey) wait(u telegramtest.User, what string, match func(telegramtest.Message) bool) telegramtest.Message {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	m, err := j.tg.WaitFor(ctx, u.ID, func(m telegramtest.Message) bool { return !m.FromUser && match(m) })
	if err != nil {
		var texts []string
		for _, m := range j.tg.Messages(u.ID) {
			texts = append(texts, m.Text)
		}
		j.t.Fatalf("%s never saw %s; the chat holds:\n%s", u.Username, what, strings.Join(texts, "\n---\n"))
	}
	return m
}

// press presses the first button of m whose label starts with label.
func (j *journey) press(u telegramtest.User, m telegramtest.Message, label string) {
	j.t.Helper()
	for _, b := range m.Buttons() {
		if strings.HasPrefix(b.Text, label) {
			if _, err := j.tg.PressButton(u, m.ID, b.CallbackData); err != nil {
				j.t.Fatalf("pressing %q: %v", label, err)
			}
			return
		}
	}
	j.t.Fatalf("no button %q on message %d: %v", label, m.ID, m.Buttons())
}

// last is the id of the newest message in u's chat.
func (j *journey) last(u telegramtest.User) int {
	ms := j.tg.Messages(u.ID)
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].ID
}

// kindsFile writes the seed's VK kind alone (one stock tab keeps the
// stocker's reads within the Sheets client's burst) and the proxies tab.
func kindsFile(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "kinds.json"))
	if err != nil {
		t.Fatal(err)
	}
	var seed map[string]any
	if err := json.Unmarshal(b, &seed); err != nil {
		t.Fatal(err)
	}
	seed["kinds"] = seed["kinds"].([]any)[:1]
	if b, err = json.Marshal(seed); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kinds.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func accountPassword(i int) string { return fmt.Sprintf("acctPw-%02d-Vn5", i) }

// googleSheets is the fake Sheets API behind a check of Google's bearer
// token, with twelve male VK accounts for region 495 in stock.
func googleSheets(t *testing.T) string {
	t.Helper()
	fake := sheetstest.New(sheetstest.WithoutQuotas())
	t.Cleanup(fake.Close)
	fake.AddSpreadsheet(sheets.FakeStockSpreadsheet, "ВКонтакте", "Прокси")
	fake.AddSpreadsheet(sheets.FakeIssuedSpreadsheet, "ВКонтакте_Выдано")
	rows := [][]string{{"login", "password", "gender", "region"}}
	for i := range 12 {
		rows = append(rows, []string{fmt.Sprintf("vk_m_%02d", i), accountPassword(i), "male", "495"})
	}
	fake.SetRows(sheets.FakeStockSpreadsheet, "ВКонтакте", rows)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+googleAccessToken {
			http.Error(w, `{"error":{"code":401,"message":"no token","status":"UNAUTHENTICATED"}}`, http.StatusUnauthorized)
			return
		}
		fake.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(api.Close)
	return api.URL
}

// googleTokenServer stands in for Google's OAuth endpoint: any JWT
// assertion gets googleAccessToken.
func googleTokenServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("assertion") == "" {
			http.Error(w, "bad grant", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, googleAccessToken)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/token"
}

// serviceAccount makes a service account key whose token_uri is tokenURL,
// and returns it with its PEM private key.
func serviceAccount(t *testing.T, tokenURL string) (sheets.Secret, string) {
	t.Helper()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	b, err := json.Marshal(map[string]string{"type": "service_account", "project_id": "allot-test",
		"private_key_id": "k1", "private_key": pemKey, "client_email": "allot@allot-test.iam.gserviceaccount.com",
		"client_id": "1", "token_uri": tokenURL})
	if err != nil {
		t.Fatal(err)
	}
	return sheets.Secret(b), pemKey
}

// pemBody is the base64 lines of a PEM block, each a piece of the key.
func pemBody(p string) []string {
	var out []string
	for _, l := range strings.Split(p, "\n") {
		if l != "" && !strings.HasPrefix(l, "-----") {
			out = append(out, l)
		}
	}
	return out
}
