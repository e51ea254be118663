package main

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"allot/adapters/playground"
	"allot/domain"
)

const playAlice = "2001" // the sample customer who speaks English

// firstPlayPerson is where adapters/playground starts the ids of the
// people it makes.
const firstPlayPerson = 2001

func TestPlayground_state(t *testing.T) {
	w := newPlayWorld(t, "")
	var s playground.State
	if code := w.call("GET", "/play/api/state", nil, &s); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if s.Owner != int64(playgroundOwner) || len(s.People) != 4 || s.People[0].ID != s.Owner || s.People[0].Role != playground.RoleAdmin {
		t.Errorf("people %+v with owner %d: want the owner first as the admin, then three more", s.People, s.Owner)
	}
	roles := map[playground.Role]int{}
	for _, p := range s.People {
		roles[p.Role]++
	}
	if roles[playground.RoleStaff] != 1 || roles[playground.RoleCustomer] != 2 {
		t.Errorf("roles %v: want one member of staff and two customers", roles)
	}
	if !strings.HasPrefix(s.Wallet, "0Q") { // non-bounceable, testnet: no real wallet pays it by mistake
		t.Errorf("wallet %q: want a testnet address", s.Wallet)
	}
	if n := len(w.eng.Catalogue(context.Background(), 0, 100).Numbers); n != len(sampleNumbers) {
		t.Errorf("catalogue has %d numbers, want the %d samples", n, len(sampleNumbers))
	}
}

func TestPlayground_addPerson(t *testing.T) {
	w := newPlayWorld(t, "")
	cases := []struct {
		name  string
		body  map[string]string
		wCode int
		wRole playground.Role
	}{
		{"customer", map[string]string{"name": "Dana", "role": "customer", "lang": "en"}, http.StatusCreated, playground.RoleCustomer},
		{"staff", map[string]string{"name": "Виктор", "role": "staff", "lang": "ru"}, http.StatusCreated, playground.RoleStaff},
		{"a second admin", map[string]string{"name": "Eve", "role": "admin"}, http.StatusBadRequest, ""},
		{"no name", map[string]string{"name": "  ", "role": "customer"}, http.StatusBadRequest, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p playground.Person
			code := w.call("POST", "/play/api/people", c.body, &p)
			if code != c.wCode {
				t.Fatalf("status %d, want %d", code, c.wCode)
			}
			if c.wRole != "" && (p.Role != c.wRole || p.ID < firstPlayPerson || p.Username == "") {
				t.Errorf("made %+v", p)
			}
		})
	}
	staff, err := w.eng.Staff(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	approved := 0
	for _, u := range staff {
		if u.Approval == domain.ApprovalApproved {
			approved++
		}
	}
	if approved != 2 { // Sam and Виктор
		t.Errorf("the engine has %d approved staff, want 2: %+v", approved, staff)
	}
	var s playground.State
	w.call("GET", "/play/api/state", nil, &s)
	if len(s.People) != 6 {
		t.Errorf("%d people after two were added, want 6", len(s.People))
	}
}

// TestPlayground_rentAndPay is the browser journey through the API alone:
// a customer rents a number, pays from the simulated wallet and is told.
func TestPlayground_rentAndPay(t *testing.T) {
	w := newPlayWorld(t, "")
	w.call("POST", "/play/api/send", map[string]string{"user": playAlice, "text": "/start"}, nil)
	menu := w.waitChat(playAlice, "Hello, Alice")
	w.press(playAlice, menu, "📱 Numbers")
	w.press(playAlice, w.waitChat(playAlice, "Numbers — page 1"), "+88800000001")
	w.press(playAlice, w.waitChat(playAlice, "+88800000001", "Status"), "Rent for 30 days")
	w.press(playAlice, w.waitChat(playAlice, "How do you pay?"), "💎 In TON")
	inv := w.waitChat(playAlice, "Send exactly")
	if inv.Invoice == nil || inv.Photo == nil {
		t.Fatalf("the invoice message has no invoice to pay or no QR code: %+v", inv)
	}
	if code := w.call("GET", inv.Photo.URL, nil, nil); code != http.StatusOK {
		t.Errorf("GET %s = %d", inv.Photo.URL, code)
	}
	var paid playground.Payment
	if code := w.call("POST", "/play/api/pay", map[string]string{"user": playAlice, "code": inv.Invoice.Code}, &paid); code != http.StatusOK {
		t.Fatalf("pay: status %d", code)
	}
	if paid.Code != inv.Invoice.Code || paid.Amount != inv.Invoice.Amount || paid.Status != "open" {
		t.Errorf("paid %+v for invoice %+v", paid, inv.Invoice)
	}
	w.waitChat(playAlice, "Payment received", "+88800000001")
}

func TestPlayground_chatCursor(t *testing.T) {
	w := newPlayWorld(t, "")
	w.call("POST", "/play/api/send", map[string]string{"user": playAlice, "text": "/start"}, nil)
	w.waitChat(playAlice, "Hello, Alice")
	var v playground.ChatView
	w.call("GET", "/play/api/chat?user="+playAlice+"&after=0", nil, &v)
	if !v.Changed || v.Version == 0 || len(v.Messages) != 2 || !v.Messages[0].FromUser || len(v.Commands) == 0 {
		t.Fatalf("first poll: %+v", v)
	}
	var again playground.ChatView
	w.call("GET", "/play/api/chat?user="+playAlice+"&after="+strconv.FormatUint(v.Version, 10), nil, &again)
	if again.Changed || again.Version != v.Version || len(again.Messages) != 0 {
		t.Errorf("a poll at the cursor: %+v, want unchanged", again)
	}
	var other playground.ChatView
	w.call("GET", "/play/api/chat?user=2003&after=0", nil, &other)
	if other.Changed || len(other.Messages) != 0 {
		t.Errorf("Борис's chat shows Alice's messages: %+v", other)
	}
}

func TestPlayground_refusals(t *testing.T) {
	w := newPlayWorld(t, "")
	w.call("POST", "/play/api/send", map[string]string{"user": playAlice, "text": "/start"}, nil)
	menu := w.waitChat(playAlice, "Hello, Alice")
	cases := []struct {
		name, method, path string
		body               any
		wCode              int
	}{
		{"unknown person", "GET", "/play/api/chat?user=77", nil, http.StatusNotFound},
		{"empty message", "POST", "/play/api/send", map[string]string{"user": playAlice, "text": " "}, http.StatusBadRequest},
		{"a button that is not there", "POST", "/play/api/press",
			map[string]any{"user": playAlice, "message": menu.ID, "data": "1:nope"}, http.StatusConflict},
		{"an unknown invoice", "POST", "/play/api/pay", map[string]string{"user": playAlice, "code": "AAAA-AAAA"}, http.StatusNotFound},
		{"a bad invoice code", "POST", "/play/api/pay", map[string]string{"user": playAlice, "code": "?"}, http.StatusBadRequest},
		{"an unknown file", "GET", "/play/api/file/nope", nil, http.StatusNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if code := w.call(c.method, c.path, c.body, nil); code != c.wCode {
				t.Errorf("status %d, want %d", code, c.wCode)
			}
		})
	}
	t.Run("not JSON", func(t *testing.T) {
		resp, err := http.Post(w.srv.URL+"/play/api/send", "text/plain", strings.NewReader(`{"user":"2001","text":"hi"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnsupportedMediaType {
			t.Errorf("status %d, want 415", resp.StatusCode)
		}
	})
	t.Run("from another site", func(t *testing.T) {
		r, _ := http.NewRequest("POST", w.srv.URL+"/play/api/send", strings.NewReader(`{"user":"2001","text":"hi"}`))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("status %d, want 403", resp.StatusCode)
		}
	})
}

func TestPlayground_payingSomeoneElsesInvoice(t *testing.T) {
	w := newPlayWorld(t, "")
	inv, err := w.eng.OpenTopUpInvoice(context.Background(), "op-1", 2001, domain.TON(5))
	if err != nil {
		t.Fatal(err)
	}
	if code := w.call("POST", "/play/api/pay", map[string]string{"user": "2003", "code": inv.Code}, nil); code != http.StatusForbidden {
		t.Errorf("status %d, want 403", code)
	}
}

func TestPlayground_page(t *testing.T) {
	w := newPlayWorld(t, "")
	for _, path := range []string{"/", "/play/static/play.js", "/play/static/play.css"} {
		resp, err := http.Get(w.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if resp.StatusCode != http.StatusOK || !strings.Contains(csp, "script-src 'self'") || len(body) == 0 {
			t.Errorf("GET %s: %d, CSP %q, %d bytes", path, resp.StatusCode, csp, len(body))
		}
		if path == "/" && (strings.Contains(string(body), " onclick=") || strings.Contains(string(body), "<script>")) {
			t.Errorf("the page has inline script, which its CSP forbids")
		}
	}
}

// TestPlayground_restart checks that the fake chain comes back as it was:
// the watcher's journaled cursor points at a transaction the rebuilt
// chain knows, so a payment after the restart is seen.
func TestPlayground_restart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	w := newPlayWorld(t, dir)
	first, err := w.eng.OpenTopUpInvoice(ctx, "op-1", 2001, domain.TON(5))
	if err != nil {
		t.Fatal(err)
	}
	w.call("POST", "/play/api/pay", map[string]string{"user": playAlice, "code": first.Code}, nil)
	w.waitChat(playAlice, "5 TON added")
	w.close()

	w = newPlayWorld(t, dir)
	second, err := w.eng.OpenTopUpInvoice(ctx, "op-2", 2001, domain.TON(3))
	if err != nil {
		t.Fatal(err)
	}
	w.call("POST", "/play/api/pay", map[string]string{"user": playAlice, "code": second.Code}, nil)
	w.waitChat(playAlice, "3 TON added", "Balance: 8 TON")
	var s playground.State
	w.call("GET", "/play/api/state", nil, &s)
	if len(s.People) != 4 {
		t.Errorf("people after a restart: %+v", s.People)
	}
}
