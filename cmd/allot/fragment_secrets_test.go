package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"allot/adapters/fragment/fragmenttest"
	"allot/adapters/mtproto"
	"allot/adapters/mtproto/mtprototest"
	"allot/adapters/telegram/telegramtest"
)

// The relay's secrets, each distinctive enough to be found in a log: a
// login code (real ones have 5 digits; 8 cannot turn up by chance in a
// port, a byte count or a time), a cookie value an admin mistypes, and the
// app's API hash.
const (
	secretNumber = "+88800000091"
	secretCode   = "90517342"
	typoCookie   = "typoSsid-Kd83Lq0Zx"
	secretHash   = "5ec7e7a5b1c2d3e4f5a6b7c8d9e0f1a2" // API_HASH
)

// TestServe_FragmentSecretsNeverLogged runs `allot run` with the relay on
// (FRAGMENT_COOKIES and FRAGMENT_URL naming the fake fragment.com), the
// account checks on (API_ID, API_HASH and a fake Telegram) and a debug
// log. A renter's code is read through every path that logs: a page of a
// shape the client does not know, a lost login, fresh cookies from the
// admin in the chat (a mistyped header first), and at last the code shown.
// Then the admin cancels the rental and the bot signs in to the number's
// account, which has a cloud password. No log line, error, /metrics,
// /actors or /readyz output, nor any of the bot's messages to the admin,
// holds a cookie value, a login code or the API hash.
func TestServe_FragmentSecretsNeverLogged(t *testing.T) {
	tg := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(tg.Close)
	frag := fragmenttest.New()
	t.Cleanup(frag.Close)
	frag.AddNumber(secretNumber)
	mt, issued := fakeTelegramAccounts(t, frag)
	old := frag.Cookies()
	addr := freeAddr(t)
	cfg, err := loadConfig(envOf(map[string]string{"DATA_DIR": t.TempDir(), "HTTP_ADDR": addr, "FSYNC": "os",
		"BOT_TOKEN": tg.Token(), "TELEGRAM_API_URL": tg.URL(), "OWNER_ID": "42", "LOG_LEVEL": "debug",
		"INTROSPECTION_TOKEN": introspectionToken, "FRAGMENT_COOKIES": old, "FRAGMENT_URL": frag.URL(),
		"FRAGMENT_RATE": "20", "API_ID": "94575", "API_HASH": secretHash, "MTPROTO_SERVER": mt.Addr(),
		"MTPROTO_SERVER_KEYS_FILE": keysFile(t, mt)}))
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	}()
	j := &journey{t: t, tg: tg, base: "http://" + addr}
	card := j.rentForCodes(frag)
	fresh := j.codesThroughFaults(frag, card)
	j.returnLockedAccount(mt)
	bodies := map[string]string{}
	for _, path := range []string{"/metrics", "/actors", "/actors/number", "/actors/number/" + secretNumber,
		"/actors/number/" + secretNumber + "?format=html", "/actors/audit/main", "/readyz"} {
		code, body := j.get(path, introspectionToken)
		if code != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, code, body)
		}
		bodies[path] = body
	}
	cancel()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}

	secrets := map[string]string{"the login code": secretCode, "the mistyped cookie": typoCookie, "the API hash": secretHash}
	for i, c := range issued() {
		secrets[fmt.Sprintf("the bot's own login code %d", i+1)] = c
	}
	if len(issued()) == 0 {
		t.Error("the fake Telegram issued no code: the account check proves little")
	}
	for i, v := range cookieValues(old) {
		secrets[fmt.Sprintf("old cookie %d", i+1)] = v
	}
	for i, v := range cookieValues(fresh) {
		secrets[fmt.Sprintf("fresh cookie %d", i+1)] = v
	}
	out := logs.String()
	places := map[string]string{"serve's error": errText(err)}
	for i, l := range strings.Split(out, "\n") {
		places[fmt.Sprintf("log line %d", i+1)] = l
	}
	for path, body := range bodies {
		places["GET "+path] = body
	}
	for _, m := range tg.Messages(owner.ID) {
		places[fmt.Sprintf("the bot's message %d to the admin", m.ID)] = m.Text
	}
	for what, secret := range secrets {
		for where, text := range places {
			if i := strings.Index(text, secret); i >= 0 {
				t.Errorf("%s is in %s: …%s…", what, where, text[max(0, i-100):min(len(text), i+len(secret)+40)])
			}
		}
	}
	if testing.Verbose() {
		t.Log(out)
	}
	for _, want := range []string{"fragment: login codes page of an unknown shape", "fragment: session expired",
		"fresh Fragment cookies refused", "fragment: cookies replaced", "fragment: call done", "account checked"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log has no %q: the check proves little", want)
		}
	}
	if !strings.Contains(bodies["/readyz"], "fragment: ok") || !strings.Contains(bodies["/readyz"], "accounts: on") {
		t.Errorf("/readyz after fresh cookies: %s", bodies["/readyz"])
	}
}

// rentForCodes: the admin adds a number the fake account holds (its codes
// go off), gives the worker a balance, and the worker rents it (its codes
// go on). It returns the rental's card.
func (j *journey) rentForCodes(frag *fragmenttest.Server) telegramtest.Message {
	j.tg.Command(owner, "start", "")
	j.see(owner, 0, "Hello")
	before := j.last(owner)
	j.tg.Command(owner, "add_number", secretNumber)
	j.see(owner, -before, "Done")
	j.until("codes off for an idle number", func() bool { return !frag.LoginCodesOn(secretNumber) })
	before = j.last(worker)
	j.tg.Command(worker, "start", "")
	m := j.see(worker, -before, "Hello")
	before = j.last(owner)
	j.tg.Command(owner, "adjust", "@alice 50 start")
	j.see(owner, -before, "Done")
	j.press(worker, m, "📱 Numbers")
	j.press(worker, j.see(worker, m.ID, "Numbers — page"), secretNumber)
	j.press(worker, j.see(worker, m.ID, "Status: free"), "Rent for 30 days")
	j.press(worker, j.see(worker, m.ID, "goes back to the operator"), "💰 From balance")
	j.press(worker, j.see(worker, m.ID, "is yours until"), "🗂 My rentals")
	j.press(worker, j.see(worker, m.ID, "My rentals"), secretNumber)
	card := j.see(worker, m.ID, "Rented until")
	j.until("codes on for the rental", func() bool { return frag.LoginCodesOn(secretNumber) })
	return card
}

// codesThroughFaults: a code arrives; the worker asks for it while the
// codes page has a new shape, then while the login is lost; the admin
// mistypes fresh cookies, then sends good ones; the worker asks again and
// sees the code. It returns the fresh cookie header.
func (j *journey) codesThroughFaults(frag *fragmenttest.Server, card telegramtest.Message) string {
	// Fragment's times have whole seconds: a code two seconds on is
	// surely after the rental began.
	frag.ArriveCode(secretNumber, secretCode, time.Now().Add(2*time.Second))
	frag.OddHTML(true)
	j.press(worker, card, "🔑 Login code")
	j.press(worker, j.see(worker, card.ID, "try again in a minute"), "« Back")
	frag.OddHTML(false)
	card = j.see(worker, card.ID, "Rented until")
	frag.ExpireSession()
	j.press(worker, card, "🔑 Login code")
	card = j.see(worker, card.ID, "try again in a minute")

	fresh := frag.Renew()
	before := j.last(owner)
	j.tg.Command(owner, "fragment_cookies", "stel_ssid="+typoCookie)
	j.see(owner, -before, "cannot be used")
	before = j.last(owner)
	j.tg.Command(owner, "fragment_cookies", fresh)
	j.see(owner, -before, "Fragment cookies updated")

	j.press(worker, card, "🔑 Login code")
	j.see(worker, card.ID, "latest login code", secretCode)
	return fresh
}

// until waits for cond, polling.
func (j *journey) until(what string, cond func() bool) {
	j.t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			j.t.Fatalf("no %s in 15 s", what)
		}
	}
}

// cookieValues are the secret values of a Cookie header (stel_dt is not).
func cookieValues(header string) []string {
	var out []string
	for _, kv := range strings.Split(header, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(kv), "=")
		if name != "stel_dt" && value != "" {
			out = append(out, value)
		}
	}
	return out
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// fakeTelegramAccounts starts a fake Telegram where secretNumber's account
// has a cloud password, delivering its (8-digit, so never found in a log
// by chance) login codes to the fake fragment.com. issued lists the codes
// it sent.
func fakeTelegramAccounts(t *testing.T, frag *fragmenttest.Server) (*mtprototest.Server, func() []string) {
	t.Helper()
	mt, err := mtprototest.New(mtprototest.WithCodeLength(8))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mt.Close)
	mt.AddAccount(secretNumber, mtprototest.Account{Password: true, DeleteWait: 7 * 24 * time.Hour})
	var mu sync.Mutex
	var codes []string
	mt.OnCode(func(number, code string) {
		mu.Lock()
		codes = append(codes, code)
		mu.Unlock()
		frag.ArriveCode(number, code, time.Now().Add(time.Second))
	})
	return mt, func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(codes) }
}

// keysFile writes the fake Telegram's public keys where allot reads them.
func keysFile(t *testing.T, mt *mtprototest.Server) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "mtproto-keys.pem")
	if err := os.WriteFile(p, mtproto.EncodeKeysPEM(mt.Keys()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// returnLockedAccount: the admin cancels the rental; the bot ends the
// sessions, signs in to the account, finds the cloud password and asks for
// the deletion; the admin is told the number is blocked until it can
// finish, and /unchecked lists it.
func (j *journey) returnLockedAccount(mt *mtprototest.Server) {
	before := j.last(owner)
	j.tg.Command(owner, "cancel_rental", secretNumber+" 0")
	j.see(owner, -before, "Done")
	j.wait(owner, "the deletion alert", func(m telegramtest.Message) bool {
		return strings.Contains(m.Text, "cloud password") && strings.Contains(m.Text, secretNumber)
	})
	if _, asked := mt.DeletionRequested(secretNumber); !asked || mt.Sessions(secretNumber) != 0 {
		j.t.Fatalf("deletion asked %v, %d sessions of the bot left; want asked, none", asked, mt.Sessions(secretNumber))
	}
	before = j.last(owner)
	j.tg.Command(owner, "unchecked", "")
	j.see(owner, -before, secretNumber, "blocked until its deletion")
}
