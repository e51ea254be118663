package sheets

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"allot/adapters/sheets/sheetstest"
	"allot/adapters/sheets/stocker"
)

// TestNewClient_serviceAccount runs the real authentication path: the key
// is exchanged for a token at its token_uri (a local stand-in for Google's),
// with a JWT signed by the key and asking for the spreadsheets scope, and
// the token goes with every API request.
func TestNewClient_serviceAccount(t *testing.T) {
	var exchanges atomic.Int32
	var claims struct {
		Iss   string `json:"iss"`
		Scope string `json:"scope"`
	}
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		exchanges.Add(1)
		if err := r.ParseForm(); err != nil || r.Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
			http.Error(w, "bad grant", http.StatusBadRequest)
			return
		}
		parts := strings.Split(r.Form.Get("assertion"), ".")
		if len(parts) != 3 {
			http.Error(w, "bad assertion", http.StatusBadRequest)
			return
		}
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		_ = json.Unmarshal(payload, &claims)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"tok-1","token_type":"Bearer","expires_in":3600}`))
	}))
	defer tokens.Close()

	fake := sheetstest.New(sheetstest.WithoutQuotas())
	defer fake.Close()
	fake.SetRows("stock", "Склад", [][]string{{"h"}, {"a"}})
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-1" {
			http.Error(w, `{"error":{"code":401,"message":"no token","status":"UNAUTHENTICATED"}}`, http.StatusUnauthorized)
			return
		}
		fake.Handler().ServeHTTP(w, r)
	}))
	defer api.Close()

	// ConfigFromEnv refuses a key with an endpoint (the token would go to
	// the endpoint); a program may still build such a Config itself.
	cfg := Config{
		Enabled: true, Credentials: serviceAccountKey(t, tokens.URL+"/token"), Endpoint: api.URL,
		StockSpreadsheet: "stock", IssuedSpreadsheet: "issued",
	}
	c, err := NewClient(tctx, cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer c.Close()
	for range 2 {
		rows, err := c.ReadRows(tctx, "stock", "Склад")
		if err != nil {
			t.Fatalf("ReadRows: %v", err)
		}
		if want := [][]string{{"h"}, {"a"}}; !reflect.DeepEqual(rows, want) {
			t.Errorf("rows %q, want %q", rows, want)
		}
	}
	if n := exchanges.Load(); n != 1 {
		t.Errorf("%d token exchanges, want 1 (the token is cached)", n)
	}
	if claims.Iss != "allot@allot-test.iam.gserviceaccount.com" || !strings.Contains(claims.Scope, "https://www.googleapis.com/auth/spreadsheets") {
		t.Errorf("JWT claims %+v", claims)
	}
}

func TestNewClient_disabled(t *testing.T) {
	if _, err := NewClient(tctx, Config{}); err == nil {
		t.Error("NewClient of a disabled Config succeeded")
	}
}

// TestNewClient_badKey: a key the JWT cannot be signed with is refused at
// once, and the error does not quote it.
func TestNewClient_badKey(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	var key map[string]string
	if err := json.Unmarshal(serviceAccountKey(t, "http://127.0.0.1:1/token"), &key); err != nil {
		t.Fatal(err)
	}
	body := base64.StdEncoding.EncodeToString(der)
	key["private_key"] = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	data, _ := json.Marshal(key)
	_, err = NewClient(tctx, Config{Enabled: true, Credentials: data})
	if err == nil || !strings.Contains(err.Error(), "not an RSA key") || strings.Contains(err.Error(), body[:16]) {
		t.Errorf("NewClient with an EC key: %v, want it refused as not RSA", err)
	}
}

// TestClient_tokenFailures: a write whose token could not be had never
// left, so it is not ambiguous. A revoked key (the token endpoint says
// 401) is refused at once; an unreachable token endpoint is retried.
func TestClient_tokenFailures(t *testing.T) {
	var exchanges atomic.Int32
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		exchanges.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_grant","error_description":"Invalid JWT Signature."}`))
	}))
	defer tokens.Close()
	fake := sheetstest.New(sheetstest.WithoutQuotas())
	defer fake.Close()
	fake.SetRows("issued", "Выданные", [][]string{{"id"}})
	cfg := Config{Enabled: true, Credentials: serviceAccountKey(t, tokens.URL+"/token"), Endpoint: fake.URL(),
		StockSpreadsheet: "stock", IssuedSpreadsheet: "issued"}
	noWait := WithClock(time.Now, func(context.Context, time.Duration) error { return nil })
	c, err := NewClient(tctx, cfg, noWait)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.AppendRows(tctx, "issued", "Выданные", []stocker.Row{{Cells: []string{"x"}}})
	if err == nil || errors.Is(err, ErrAmbiguous) || exchanges.Load() != 1 {
		t.Errorf("revoked key: %v after %d token exchanges; want a plain refusal after one", err, exchanges.Load())
	}

	gone := serviceAccountKey(t, "http://127.0.0.1:1/token") // nothing listens there
	cfg.Credentials = gone
	c2, err := NewClient(tctx, cfg, noWait)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	err = c2.AppendRows(tctx, "issued", "Выданные", []stocker.Row{{Cells: []string{"x"}}})
	if err == nil || errors.Is(err, ErrAmbiguous) || c2.Stats().Retries == 0 {
		t.Errorf("unreachable token endpoint: %v, %d retries; want retries and no ambiguity", err, c2.Stats().Retries)
	}
	if rows := fake.Rows("issued", "Выданные"); len(rows) != 1 {
		t.Errorf("a write without a token landed: %v", rows)
	}
}
