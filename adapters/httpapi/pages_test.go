package httpapi

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"allot/actors"
	"allot/domain"
)

func decodePage(t testing.TB, body string) pageJSON {
	t.Helper()
	var p pageJSON
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	return p
}

// TestHandler_listPaging walks every page of numbers with a small limit:
// each number shows up exactly once, and the cursor moves across the
// directory's shards.
func TestHandler_listPaging(t *testing.T) {
	e := openEngine(t, nil)
	ids := addNumbers(t, e, 300)
	srv := serve(t, e, Options{Addr: "127.0.0.1:8080"})
	seen := map[string]int{}
	shards := map[string]bool{}
	after, pages := "", 0
	for {
		code, h, body := get(t, srv, "/actors?kind=number&limit=7&after="+url.QueryEscape(after))
		if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
			t.Fatalf("page %d: %d %s: %s", pages, code, h.Get("Content-Type"), body)
		}
		p := decodePage(t, body)
		pages++
		if len(p.Actors) > 7 {
			t.Fatalf("page %d has %d entities, limit 7", pages, len(p.Actors))
		}
		for _, a := range p.Actors {
			if a.Kind != "number" {
				t.Fatalf("kind=number listed %+v", a)
			}
			seen[a.ID]++
		}
		if p.Next == "" {
			break
		}
		parts := strings.SplitN(p.Next, ":", 3)
		if len(parts) != 3 || parts[0] != "number" {
			t.Fatalf("cursor %q is not number:shard:id", p.Next)
		}
		shards[parts[1]] = true
		after = p.Next
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("%s listed %d times", id, seen[id])
		}
	}
	if len(seen) != len(ids) || pages < 300/7 {
		t.Errorf("%d numbers in %d pages, want %d in at least %d", len(seen), pages, len(ids), 300/7)
	}
	if len(shards) < 10 {
		t.Errorf("cursors named %d shards: the walk did not cross shards", len(shards))
	}
}

func TestHandler_listAllKinds(t *testing.T) {
	e := openEngine(t, nil)
	addNumbers(t, e, 3)
	topUp(t, e, 5)
	srv := serve(t, e, Options{Addr: "127.0.0.1:8080"})
	_, _, body := get(t, srv, "/actors?limit=1000")
	p := decodePage(t, body)
	kinds := map[string]int{}
	for _, a := range p.Actors {
		kinds[a.Kind]++
	}
	// Numbers, alice's wallet, and the registers that always exist.
	want := map[string]int{"number": 3, "wallet": 1, "payments": 16, "users": 16, "audit": 1, "catalog": 1}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("%d %s entities listed, want %d (all: %v)", kinds[k], k, n, kinds)
		}
	}
	if p.Next != "" {
		t.Errorf("one page holds everything, yet next = %q", p.Next)
	}
	// The same through /actors/{kind}.
	_, _, body = get(t, srv, "/actors/wallet")
	if p := decodePage(t, body); len(p.Actors) != 1 || p.Actors[0].ID != "1001" || p.Actors[0].Processed == 0 {
		t.Errorf("/actors/wallet = %+v, want alice's wallet, with messages processed", p.Actors)
	}
}

func TestHandler_listErrors(t *testing.T) {
	e := openEngine(t, nil)
	srv := serve(t, e, Options{Addr: "127.0.0.1:8080"})
	for _, path := range []string{
		"/actors?kind=dragon", "/actors?limit=-1", "/actors?limit=x",
		"/actors?after=nonsense", "/actors?kind=wallet&after=number:3:%2B888",
		"/actors?after=number:999:x", "/actors/dragon",
	} {
		code, _, body := get(t, srv, path)
		if code != http.StatusBadRequest || !strings.Contains(body, `"error"`) {
			t.Errorf("GET %s: %d %s, want 400 with an error", path, code, body)
		}
	}
}

func TestHandler_entity(t *testing.T) {
	e := openEngine(t, nil)
	ids := addNumbers(t, e, 2)
	topUp(t, e, 30)
	_, err := e.RentFromBalance(ctxT(t), "rent-1", alice, ids[0], 30)
	must(t, err)
	proxy := addProxy(t, e)
	srv := serve(t, e, Options{Addr: "127.0.0.1:8080"})

	code, _, body := get(t, srv, "/actors/number/"+url.PathEscape(ids[0]))
	if code != http.StatusOK {
		t.Fatalf("number: %d %s", code, body)
	}
	var n domain.Number
	must(t, json.Unmarshal([]byte(body), &n))
	if n.ID != ids[0] || n.Rental == nil || n.Rental.Renter != alice {
		t.Errorf("number state %+v, want rented by alice", n)
	}

	_, _, body = get(t, srv, "/actors/wallet/1001")
	var w domain.Wallet
	must(t, json.Unmarshal([]byte(body), &w))
	if w.User != alice || len(w.Entries) == 0 {
		t.Errorf("wallet state %s", body)
	}

	code, _, body = get(t, srv, "/actors/proxy/"+url.PathEscape(proxy))
	if code != http.StatusOK || !strings.Contains(body, `"10.1.2.3"`) || strings.Contains(body, proxyPass) {
		t.Errorf("proxy %s: %d %s: want its host and not its password", proxy, code, body)
	}

	for _, path := range []string{"/actors/number/+88899999999", "/actors/dragon/1", "/actors/wallet/42"} {
		if code, _, body := get(t, srv, path); code != http.StatusNotFound {
			t.Errorf("GET %s: %d %s, want 404", path, code, body)
		}
	}
}

// TestHandler_entityPassive reads an entity whose actor was passivated:
// its state is copied where it rests, without waking it.
func TestHandler_entityPassive(t *testing.T) {
	e := openEngine(t, func(o *actors.Options) { o.IdleTimeout = 8 * time.Millisecond })
	ids := addNumbers(t, e, 1)
	srv := serve(t, e, Options{Addr: "127.0.0.1:8080"})
	deadline := time.Now().Add(10 * time.Second)
	for {
		infos, _, err := e.Actors(domain.KindNumber, "", 10)
		must(t, err)
		if len(infos) == 1 && !infos[0].Active {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the number never went passive: %+v", infos)
		}
		time.Sleep(5 * time.Millisecond)
	}
	code, _, body := get(t, srv, "/actors/number/"+ids[0])
	if code != http.StatusOK || !strings.Contains(body, ids[0]) {
		t.Fatalf("passive number: %d %s", code, body)
	}
	if n := e.KindCounts()[domain.KindNumber]; n.Active != 0 || n.Entities != 1 {
		t.Errorf("reading a passive entity woke it: %+v", n)
	}
}

func TestHandler_negotiation(t *testing.T) {
	e := openEngine(t, nil)
	ids := addNumbers(t, e, 1)
	srv := serve(t, e, Options{Addr: "127.0.0.1:8080"})
	browser := "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	cases := []struct {
		path, accept, want string
	}{
		{"/actors", browser, "text/html"},
		{"/actors", "*/*", "application/json"},
		{"/actors", "", "application/json"},
		{"/actors", "application/json, text/html;q=0.5", "application/json"},
		{"/actors?format=json", browser, "application/json"},
		{"/actors?format=html", "*/*", "text/html"},
		{"/actors/number/" + ids[0], browser, "text/html"},
		{"/actors/number/" + ids[0] + "?format=json", browser, "application/json"},
		{"/actors/number/+88899999999", browser, "text/html"}, // the 404 page
	}
	for _, c := range cases {
		_, h, body := get(t, srv, c.path, "Accept", c.accept)
		if got := h.Get("Content-Type"); !strings.HasPrefix(got, c.want) {
			t.Errorf("GET %s, Accept %q: %s, want %s", c.path, c.accept, got, c.want)
		}
		if c.want == "text/html" && (h.Get("Content-Security-Policy") == "" || !strings.Contains(body, "</html>")) {
			t.Errorf("GET %s: an HTML page without its CSP or end: %q", c.path, body)
		}
	}
}

func TestHandler_listHTML(t *testing.T) {
	e := openEngine(t, nil)
	addNumbers(t, e, 5)
	srv := serve(t, e, Options{Addr: "127.0.0.1:8080"})
	_, _, body := get(t, srv, "/actors?kind=number&limit=2", "Accept", "text/html")
	body = html.UnescapeString(body) // html/template writes + as &#43;
	p, _, _ := e.Actors(domain.KindNumber, "", 2)
	for _, a := range p {
		if !strings.Contains(body, `href="/actors/number/`+a.ID+`"`) {
			t.Errorf("the page lacks a link to %s:\n%s", a.ID, body)
		}
	}
	if !strings.Contains(body, `rel="next"`) || !strings.Contains(body, "after=number%3A") {
		t.Errorf("the first page of 5 numbers by 2 has no next link:\n%s", body)
	}
	if strings.Contains(body, "First page") {
		t.Errorf("the first page links to the first page")
	}
}
