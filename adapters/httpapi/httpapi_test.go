package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCheckAccess(t *testing.T) {
	cases := []struct {
		addr, token string
		want        error
	}{
		{"127.0.0.1:8080", "", nil},
		{"127.1.2.3:80", "", nil},
		{"[::1]:8080", "", nil},
		{"localhost:8080", "", nil},
		{"LocalHost:8080", "", nil},
		{"[::ffff:127.0.0.1]:8080", "", nil},
		{"127.0.0.1:8080", testToken, nil},
		{"0.0.0.0:8080", "", ErrTokenRequired},
		{":8080", "", ErrTokenRequired},
		{"[::]:8080", "", ErrTokenRequired},
		{"10.0.0.5:8080", "", ErrTokenRequired},
		{"example.com:8080", "", ErrTokenRequired},
		{"localhost.example.com:8080", "", ErrTokenRequired},
		{"0.0.0.0:8080", testToken, nil},
		{"0.0.0.0:8080", "x7q", ErrWeakToken},
		{"127.0.0.1:8080", "x7q", ErrWeakToken},
	}
	for _, c := range cases {
		t.Run(c.addr+"/"+c.token, func(t *testing.T) {
			err := CheckAccess(c.addr, c.token)
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("CheckAccess(%q) = %v, want %v", c.addr, err, c.want)
			}
			if err != nil && c.token != "" && strings.Contains(err.Error(), c.token) {
				t.Fatalf("the error quotes the token: %v", err)
			}
		})
	}
}

func TestNew_refusesWithoutToken(t *testing.T) {
	e := openEngine(t, nil)
	if _, err := New(e, Options{Addr: "0.0.0.0:8080"}); !errors.Is(err, ErrTokenRequired) {
		t.Fatalf("New on 0.0.0.0 without a token: %v, want ErrTokenRequired", err)
	}
}

func TestHandler_access(t *testing.T) {
	e := openEngine(t, nil)
	addNumbers(t, e, 1)
	srv := serve(t, e, Options{Addr: "0.0.0.0:8080", Token: testToken})
	cases := []struct {
		name   string
		header []string
		want   int
	}{
		{"missing", nil, http.StatusUnauthorized},
		{"wrong bearer", []string{"Authorization", "Bearer " + testToken + "x"}, http.StatusUnauthorized},
		{"empty bearer", []string{"Authorization", "Bearer "}, http.StatusUnauthorized},
		{"token in another scheme", []string{"Authorization", "Token " + testToken}, http.StatusUnauthorized},
		{"right bearer", []string{"Authorization", "Bearer " + testToken}, http.StatusOK},
		{"right bearer, lower-case scheme", []string{"Authorization", "bearer " + testToken}, http.StatusOK},
		{"right basic password", []string{"Authorization", basic("anyone", testToken)}, http.StatusOK},
		{"wrong basic password", []string{"Authorization", basic(testToken, "nope")}, http.StatusUnauthorized},
	}
	// ?token= is not a way in (see the package doc): it is the "missing" case.
	for _, path := range []string{"/metrics", "/actors", "/actors/number/" + number(1), "/actors?token=" + testToken} {
		for _, c := range cases {
			t.Run(path+"/"+c.name, func(t *testing.T) {
				code, h, body := get(t, srv, path, c.header...)
				if code != c.want {
					t.Fatalf("GET %s: %d, want %d: %s", path, code, c.want, body)
				}
				if code == http.StatusUnauthorized && len(h.Values("WWW-Authenticate")) != 2 {
					t.Errorf("401 without both challenges: %q", h.Values("WWW-Authenticate"))
				}
				if strings.Contains(body, testToken) {
					t.Errorf("the response quotes the token")
				}
			})
		}
	}
}

func basic(user, pass string) string {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth(user, pass)
	return r.Header.Get("Authorization")
}

func TestHandler_loopbackWithoutToken(t *testing.T) {
	e := openEngine(t, nil)
	srv := serve(t, e, Options{Addr: "127.0.0.1:8080"})
	for _, path := range []string{"/metrics", "/actors"} {
		if code, _, body := get(t, srv, path); code != http.StatusOK {
			t.Errorf("GET %s on loopback without a token: %d: %s", path, code, body)
		}
	}
}

// TestHandler_Register: mounted beside the binary's own routes, only ours
// are guarded.
func TestHandler_Register(t *testing.T) {
	e := openEngine(t, nil)
	h, err := New(e, Options{Addr: "0.0.0.0:8080", Token: testToken})
	must(t, err)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for path, want := range map[string]int{"/healthz": 200, "/metrics": 401, "/actors": 401, "/actors/number/x": 401} {
		if code, _, _ := get(t, srv, path); code != want {
			t.Errorf("GET %s without a token: %d, want %d", path, code, want)
		}
	}
	if code, _, _ := get(t, srv, "/actors", "Authorization", "Bearer "+testToken); code != http.StatusOK {
		t.Errorf("GET /actors with the token: %d", code)
	}
}

func TestHandler_methods(t *testing.T) {
	e := openEngine(t, nil)
	srv := serve(t, e, Options{Addr: "127.0.0.1:0"})
	resp, err := srv.Client().Post(srv.URL+"/actors", "application/json", strings.NewReader("{}"))
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST /actors: %d, want 405", resp.StatusCode)
	}
}
