package ton_test

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
	"allot/domain"
)

// env is a getenv over a map.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// liteConfig writes a global config listing one liteserver at 127.0.0.1:1,
// where nothing listens.
func liteConfig(t testing.TB, servers bool) string {
	t.Helper()
	body := `{"liteservers":[]}`
	if servers {
		body = `{"liteservers":[{"ip":2130706433,"port":1,"id":{"@type":"pub.ed25519","key":"n4VDnSCUuSpjnCyUk9e3QOOd6o0ItSWYbTnW3Wnn8wk="}}]}`
	}
	p := filepath.Join(t.TempDir(), "global.config.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigFromEnv(t *testing.T) {
	w := tontest.Address("wallet")
	testnetOnly := w.Testnet(true).String()
	file := liteConfig(t, true)
	for _, tc := range []struct {
		name     string
		env      map[string]string
		wEnabled bool
		wTestnet bool
		wLite    string
	}{
		{"nothing set: off", nil, false, false, ton.MainnetConfigURL},
		{"bounceable", map[string]string{"TON_WALLET": w.String()}, true, false, ton.MainnetConfigURL},
		{"non-bounceable", map[string]string{"TON_WALLET": w.Bounce(false).String()}, true, false, ton.MainnetConfigURL},
		{"raw", map[string]string{"TON_WALLET": " " + w.StringRaw() + " "}, true, false, ton.MainnetConfigURL},
		{"raw upper case", map[string]string{"TON_WALLET": strings.ToUpper(w.StringRaw())}, true, false, ton.MainnetConfigURL},
		{"standard base64", map[string]string{"TON_WALLET": strings.NewReplacer("-", "+", "_", "/").Replace(w.String())}, true, false, ton.MainnetConfigURL},
		{"testnet", map[string]string{"TON_WALLET": testnetOnly, "TON_NETWORK": "Testnet"}, true, true, ton.TestnetConfigURL},
		{"mainnet address on testnet", map[string]string{"TON_WALLET": w.String(), "TON_NETWORK": "testnet"}, true, true, ton.TestnetConfigURL},
		{"local file", map[string]string{"TON_WALLET": w.String(), "TON_CONFIG": file}, true, false, file},
		{"own URL", map[string]string{"TON_WALLET": w.String(), "TON_CONFIG": "https://example.org/c.json"}, true, false, "https://example.org/c.json"},
		{"off, but checked", map[string]string{"TON_NETWORK": "testnet"}, false, true, ton.TestnetConfigURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ton.ConfigFromEnv(env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Enabled != tc.wEnabled || cfg.Testnet != tc.wTestnet || cfg.LiteConfig != tc.wLite {
				t.Errorf("config %+v", cfg)
			}
			if cfg.Enabled && !cfg.Wallet.Equals(w) {
				t.Errorf("wallet %v, want %v", cfg.Wallet, w)
			}
			if !cfg.Enabled && cfg.Wallet != nil {
				t.Errorf("disabled, with a wallet")
			}
		})
	}
}

func TestConfigFromEnv_Errors(t *testing.T) {
	w := tontest.Address("wallet")
	corrupt := []byte(w.String())
	corrupt[10] ^= 1
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		wVar string
	}{
		{"garbage wallet", map[string]string{"TON_WALLET": "my wallet"}, "TON_WALLET"},
		{"bad checksum", map[string]string{"TON_WALLET": string(corrupt)}, "TON_WALLET"},
		{"short raw", map[string]string{"TON_WALLET": "0:abcd"}, "TON_WALLET"},
		{"odd workchain", map[string]string{"TON_WALLET": "5:" + hexOf(w.Data())}, "TON_WALLET"},
		{"testnet address on mainnet", map[string]string{"TON_WALLET": w.Testnet(true).String()}, "TON_WALLET"},
		{"unknown network", map[string]string{"TON_WALLET": w.String(), "TON_NETWORK": "devnet"}, "TON_NETWORK"},
		{"unknown network, TON off", map[string]string{"TON_NETWORK": "main"}, "TON_NETWORK"},
		{"missing file", map[string]string{"TON_WALLET": w.String(), "TON_CONFIG": "/nonexistent/global.config.json"}, "TON_CONFIG"},
		{"not JSON", map[string]string{"TON_WALLET": w.String(), "TON_CONFIG": bad}, "TON_CONFIG"},
		{"no liteservers", map[string]string{"TON_WALLET": w.String(), "TON_CONFIG": liteConfig(t, false)}, "TON_CONFIG"},
		{"URL without host", map[string]string{"TON_WALLET": w.String(), "TON_CONFIG": "https:///c.json"}, "TON_CONFIG"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ton.ConfigFromEnv(env(tc.env))
			var ce *ton.ConfigError
			if !errors.As(err, &ce) || ce.Var != tc.wVar || !errors.Is(err, ton.ErrBadConfig) {
				t.Fatalf("err = %v, want a ConfigError for %s", err, tc.wVar)
			}
			if !strings.HasPrefix(err.Error(), tc.wVar+": ") {
				t.Errorf("%q does not start with the variable", err)
			}
		})
	}
}

func TestDial_Offline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := ton.Dial(ctx, ton.Config{}); !errors.Is(err, ton.ErrDisabled) {
		t.Errorf("disabled: %v", err)
	}
	w := tontest.Address("wallet")
	_, err := ton.Dial(ctx, ton.Config{Enabled: true, Wallet: w, LiteConfig: liteConfig(t, false)})
	var ce *ton.ConfigError
	if !errors.As(err, &ce) || ce.Var != "TON_CONFIG" {
		t.Errorf("no liteservers: %v", err)
	}
	if _, err := ton.Dial(ctx, ton.Config{Enabled: true, Wallet: w, LiteConfig: liteConfig(t, true)}); err == nil {
		t.Errorf("dialled a liteserver where nothing listens")
	}
}

// TestDial_Live reads a real wallet on mainnet. It runs only with
// TON_LIVE=1 (and the network); TON_LIVE_WALLET picks the wallet.
func TestDial_Live(t *testing.T) {
	if os.Getenv("TON_LIVE") != "1" {
		t.Skip("set TON_LIVE=1 to talk to real liteservers")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	raw := os.Getenv("TON_LIVE_WALLET")
	if raw == "" {
		raw = "EQCD39VS5jcptHL8vMjEXrzGaRcCVYto7HUn4bpAOg8xqB2N" // the TON Foundation's wallet: busy and public
	}
	cfg, err := ton.ConfigFromEnv(env(map[string]string{"TON_WALLET": raw, "TON_CONFIG": os.Getenv("TON_CONFIG")}))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ton.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := ton.NewSource(c, cfg.Wallet)
	_, head, err := s.Since(ctx, domain.ChainCursor{})
	if err != nil || head.IsZero() {
		t.Fatalf("first poll: %v, %v", head, err)
	}
	// Step back a little by reading the head's page and starting before it.
	h, _ := hex.DecodeString(head.Hash)
	txs, err := c.ListTransactions(ctx, cfg.Wallet, 5, head.LT, h)
	if err != nil || len(txs) == 0 {
		t.Fatalf("ListTransactions: %d, %v", len(txs), err)
	}
	from := domain.ChainCursor{LT: txs[0].PrevTxLT, Hash: hexOf(txs[0].PrevTxHash)}
	pays, next, err := s.Since(ctx, from)
	if err != nil || next.LT < head.LT {
		t.Fatalf("Since(%v) = %v, %v; want %v or newer", from, next, err, head)
	}
	t.Logf("%d payments in the last %d transactions", len(pays), len(txs))
}
