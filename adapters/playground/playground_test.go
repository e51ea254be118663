package playground

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xssnick/tonutils-go/address"

	"allot/adapters/telegram/telegramtest"
	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
	"allot/domain"
)

const alice = "2001" // the sample customer who speaks English

func TestPlayground_state(t *testing.T) {
	w := newWorld(t, "")
	var s State
	if code := w.call("GET", "/play/api/state", nil, &s); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if s.Owner != int64(DefaultOwner) || len(s.People) != 4 || s.People[0].ID != s.Owner || s.People[0].Role != RoleAdmin {
		t.Errorf("people %+v with owner %d: want the owner first as the admin, then three more", s.People, s.Owner)
	}
	roles := map[Role]int{}
	for _, p := range s.People {
		roles[p.Role]++
	}
	if roles[RoleStaff] != 1 || roles[RoleCustomer] != 2 {
		t.Errorf("roles %v: want one member of staff and two customers", roles)
	}
	if !strings.HasPrefix(s.Wallet, "0Q") { // non-bounceable, testnet: no real wallet pays it by mistake
		t.Errorf("wallet %q: want a testnet address", s.Wallet)
	}
	if n := len(w.eng.Catalogue(context.Background(), 0, 100).Numbers); n != len(SampleNumbers) {
		t.Errorf("catalogue has %d numbers, want the %d samples", n, len(SampleNumbers))
	}
}

func TestPlayground_addPerson(t *testing.T) {
	w := newWorld(t, "")
	cases := []struct {
		name  string
		body  map[string]string
		wCode int
		wRole Role
	}{
		{"customer", map[string]string{"name": "Dana", "role": "customer", "lang": "en"}, http.StatusCreated, RoleCustomer},
		{"staff", map[string]string{"name": "Виктор", "role": "staff", "lang": "ru"}, http.StatusCreated, RoleStaff},
		{"a second admin", map[string]string{"name": "Eve", "role": "admin"}, http.StatusBadRequest, ""},
		{"no name", map[string]string{"name": "  ", "role": "customer"}, http.StatusBadRequest, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p Person
			code := w.call("POST", "/play/api/people", c.body, &p)
			if code != c.wCode {
				t.Fatalf("status %d, want %d", code, c.wCode)
			}
			if c.wRole != "" && (p.Role != c.wRole || p.ID < firstPersonID || p.Username == "") {
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
	var s State
	w.call("GET", "/play/api/state", nil, &s)
	if len(s.People) != 6 {
		t.Errorf("%d people after two were added, want 6", len(s.People))
	}
}

// TestPlayground_rentAndPay is the browser journey through the API alone:
// a customer rents a number, pays from the simulated wallet and is told.
func TestPlayground_rentAndPay(t *testing.T) {
	w := newWorld(t, "")
	w.call("POST", "/play/api/send", map[string]string{"user": alice, "text": "/start"}, nil)
	menu := w.waitChat(alice, "Hello, Alice")
	w.press(alice, menu, "📱 Numbers")
	w.press(alice, w.waitChat(alice, "Numbers — page 1"), "+88800000001")
	w.press(alice, w.waitChat(alice, "+88800000001", "Status"), "Rent for 30 days")
	w.press(alice, w.waitChat(alice, "How do you pay?"), "💎 In TON")
	inv := w.waitChat(alice, "Send exactly")
	if inv.Invoice == nil || inv.Photo == nil {
		t.Fatalf("the invoice message has no invoice to pay or no QR code: %+v", inv)
	}
	if code := w.call("GET", inv.Photo.URL, nil, nil); code != http.StatusOK {
		t.Errorf("GET %s = %d", inv.Photo.URL, code)
	}
	var paid Payment
	if code := w.call("POST", "/play/api/pay", map[string]string{"user": alice, "code": inv.Invoice.Code}, &paid); code != http.StatusOK {
		t.Fatalf("pay: status %d", code)
	}
	if paid.Code != inv.Invoice.Code || paid.Amount != inv.Invoice.Amount || paid.Status != "open" {
		t.Errorf("paid %+v for invoice %+v", paid, inv.Invoice)
	}
	w.waitChat(alice, "Payment received", "+88800000001")
}

func TestPlayground_chatCursor(t *testing.T) {
	w := newWorld(t, "")
	w.call("POST", "/play/api/send", map[string]string{"user": alice, "text": "/start"}, nil)
	w.waitChat(alice, "Hello, Alice")
	var v ChatView
	w.call("GET", "/play/api/chat?user="+alice+"&after=0", nil, &v)
	if !v.Changed || v.Version == 0 || len(v.Messages) != 2 || !v.Messages[0].FromUser || len(v.Commands) == 0 {
		t.Fatalf("first poll: %+v", v)
	}
	var again ChatView
	w.call("GET", "/play/api/chat?user="+alice+"&after="+strconv.FormatUint(v.Version, 10), nil, &again)
	if again.Changed || again.Version != v.Version || len(again.Messages) != 0 {
		t.Errorf("a poll at the cursor: %+v, want unchanged", again)
	}
	var other ChatView
	w.call("GET", "/play/api/chat?user=2003&after=0", nil, &other)
	if other.Changed || len(other.Messages) != 0 {
		t.Errorf("Борис's chat shows Alice's messages: %+v", other)
	}
}

func TestPlayground_refusals(t *testing.T) {
	w := newWorld(t, "")
	w.call("POST", "/play/api/send", map[string]string{"user": alice, "text": "/start"}, nil)
	menu := w.waitChat(alice, "Hello, Alice")
	cases := []struct {
		name, method, path string
		body               any
		wCode              int
	}{
		{"unknown person", "GET", "/play/api/chat?user=77", nil, http.StatusNotFound},
		{"empty message", "POST", "/play/api/send", map[string]string{"user": alice, "text": " "}, http.StatusBadRequest},
		{"a button that is not there", "POST", "/play/api/press",
			map[string]any{"user": alice, "message": menu.ID, "data": "1:nope"}, http.StatusConflict},
		{"an unknown invoice", "POST", "/play/api/pay", map[string]string{"user": alice, "code": "AAAA-AAAA"}, http.StatusNotFound},
		{"a bad invoice code", "POST", "/play/api/pay", map[string]string{"user": alice, "code": "?"}, http.StatusBadRequest},
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
	w := newWorld(t, "")
	inv, err := w.eng.OpenTopUpInvoice(context.Background(), "op-1", 2001, domain.TON(5))
	if err != nil {
		t.Fatal(err)
	}
	if code := w.call("POST", "/play/api/pay", map[string]string{"user": "2003", "code": inv.Code}, nil); code != http.StatusForbidden {
		t.Errorf("status %d, want 403", code)
	}
}

func TestPlayground_page(t *testing.T) {
	w := newWorld(t, "")
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
	w := newWorld(t, dir)
	first, err := w.eng.OpenTopUpInvoice(ctx, "op-1", 2001, domain.TON(5))
	if err != nil {
		t.Fatal(err)
	}
	w.call("POST", "/play/api/pay", map[string]string{"user": alice, "code": first.Code}, nil)
	w.waitChat(alice, "5 TON added")
	w.close()

	w = newWorld(t, dir)
	second, err := w.eng.OpenTopUpInvoice(ctx, "op-2", 2001, domain.TON(3))
	if err != nil {
		t.Fatal(err)
	}
	w.call("POST", "/play/api/pay", map[string]string{"user": alice, "code": second.Code}, nil)
	w.waitChat(alice, "3 TON added", "Balance: 8 TON")
	var s State
	w.call("GET", "/play/api/state", nil, &s)
	if len(s.People) != 4 {
		t.Errorf("people after a restart: %+v", s.People)
	}
}

func TestReadTransfers_tornTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chain.jsonl")
	good := `{"from":"a","amount":5,"comment":"X","at":1}` + "\n"
	if err := os.WriteFile(path, []byte(good+`{"from":"b","amo`), 0o644); err != nil {
		t.Fatal(err)
	}
	got, n, err := readTransfers(path)
	if err != nil || len(got) != 1 || got[0].From != "a" || n != int64(len(good)) {
		t.Fatalf("read %+v, %d, %v: want the whole first line only", got, n, err)
	}
	f, err := openHistory(path, n)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeSynced(f, []byte(`{"from":"c","amount":1,"comment":"Y","at":2}`+"\n")); err != nil {
		t.Fatal(err)
	}
	f.Close()
	got, _, err = readTransfers(path)
	if err != nil || len(got) != 2 || got[1].From != "c" {
		t.Fatalf("after an append: %+v, %v", got, err)
	}
	if err := os.WriteFile(path, []byte("garbage\n"+good), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readTransfers(path); err == nil {
		t.Error("a bad line before the last was accepted")
	}
}

func TestInvoiceOf(t *testing.T) {
	wallet := tontest.Address(walletSeed)
	master := address.MustParseAddr(ton.USDTMaster)
	to := payee{wallet: ton.Friendly(wallet, true), usdt: ton.Raw(master)}
	usdtLink := func(m domain.Money, jetton *address.Address) string {
		l, err := ton.NewPayLinkIn(wallet, true, m, "ABCD-EFGH", jetton)
		if err != nil {
			t.Fatal(err)
		}
		return l.HTTPS
	}
	ours := "https://app.tonkeeper.com/transfer/" + to.wallet
	cases := []struct {
		name, link string
		want       *InvoiceButton
	}{
		{"ours", ours + "?amount=2500000000&text=ABCD-EFGH", &InvoiceButton{Code: "ABCD-EFGH", Amount: "2.5", Currency: "TON"}},
		{"ours in USDT", usdtLink(domain.USDT(25), master), &InvoiceButton{Code: "ABCD-EFGH", Amount: "25", Currency: "USDT"}},
		{"a fraction of a USDT", usdtLink(domain.Money{Currency: domain.CurrencyUSDT, Units: 2_500_000}, master),
			&InvoiceButton{Code: "ABCD-EFGH", Amount: "2.5", Currency: "USDT"}},
		{"the USDT master in its raw form", ours + "?jetton=" + ton.Raw(master) + "&amount=1000000&text=X",
			&InvoiceButton{Code: "X", Amount: "1", Currency: "USDT"}},
		{"another jetton", usdtLink(domain.USDT(25), tontest.Address("look-alike-usdt-master")), nil},
		{"a jetton that is no address", ours + "?jetton=nope&amount=1&text=X", nil},
		{"an empty jetton", ours + "?jetton=&amount=1&text=X", nil},
		{"another wallet", "https://app.tonkeeper.com/transfer/0QOTHER?amount=1&text=X", nil},
		{"no comment", ours + "?amount=1", nil},
		{"no amount", ours + "?text=X", nil},
		{"a zero amount", ours + "?amount=0&text=X", nil},
		{"not a wallet link", "https://example.com/?amount=1&text=X", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := invoiceOf(c.link, to)
			if (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
				t.Errorf("invoiceOf(%s) = %+v, want %+v", c.link, got, c.want)
			}
		})
	}
}

func TestPeople_usernames(t *testing.T) {
	p := &people{list: []Person{{ID: 2001, Username: "alice"}}}
	cases := []struct {
		name  string
		id    int64
		wName string
	}{
		{"Bobby", 2002, "bobby"},
		{"Alice", 2003, "alice2003"},
		{"Сергей", 2004, "user2004"},
		{"Al", 2005, "al2005"},
		{"9lives", 2006, "user9lives"},
	}
	for _, c := range cases {
		if got := p.usernameLocked(c.name, c.id); got != c.wName {
			t.Errorf("username of %q = %q, want %q", c.name, got, c.wName)
		}
	}
	if !slices.ContainsFunc(p.list, func(q Person) bool { return q.Username == "alice" }) {
		t.Error("the list changed")
	}
}

// TestPeople_admins checks that the owner and the configured admins are
// the admins, whatever people.json says.
func TestPeople_admins(t *testing.T) {
	path := filepath.Join(t.TempDir(), "people.json")
	old := `[{"id":5,"name":"Old owner","username":"old_owner","lang":"en","role":"admin"},` +
		`{"id":2001,"name":"Alice","username":"alice","lang":"en","role":"customer"}]`
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	fake := telegramtest.New(telegramtest.WithoutListener())
	t.Cleanup(fake.Close)
	p, err := openPeople(context.Background(), path, nil, 1000, []domain.UserID{1000, 77}, fake)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, q := range p.all() {
		got = append(got, strconv.FormatInt(q.ID, 10)+":"+string(q.Role))
	}
	want := []string{"1000:admin", "77:admin", "5:customer", "2001:customer"}
	if !slices.Equal(got, want) {
		t.Errorf("people %q, want %q", got, want)
	}
}
