package ton

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/xssnick/tonutils-go/address"
	"github.com/xssnick/tonutils-go/liteclient"
)

// The public global configs list the liteservers of each network; they are
// the defaults for TON_CONFIG.
const (
	MainnetConfigURL = "https://ton.org/global.config.json"
	TestnetConfigURL = "https://ton.org/testnet-global.config.json"
)

// DefaultTimeout bounds one liteserver request when Config.Timeout is zero:
// long enough for a proof-checked answer, short enough that a hung server is
// left for the next one well within a poll interval.
const DefaultTimeout = 10 * time.Second

// Config says whether and how to watch the chain. The zero Config is
// "TON payments off".
type Config struct {
	// Enabled is false when TON_WALLET is empty: the bot then runs without
	// TON payments, and Dial refuses with ErrDisabled.
	Enabled bool
	// Testnet selects the test network: its default liteservers and the
	// testnet flag in the addresses people are shown.
	Testnet bool
	// LiteConfig is TON_CONFIG: an http(s) URL or a local path to a global
	// config file listing liteservers.
	LiteConfig string
	// Wallet is the receiving wallet, TON_WALLET.
	Wallet *address.Address
	// Timeout bounds each liteserver request; zero means DefaultTimeout.
	Timeout time.Duration
}

// ConfigFromEnv reads TON_WALLET, TON_NETWORK and TON_CONFIG through getenv
// (os.Getenv, or a map in tests). An empty TON_WALLET turns TON off and is
// not an error, but the other two are checked all the same: a typo should
// stop the start, not surface the day TON is switched on. Every error is a
// *ConfigError naming its variable.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var cfg Config
	var err error
	if cfg.Testnet, err = parseNetwork(getenv("TON_NETWORK")); err != nil {
		return Config{}, err
	}
	if cfg.LiteConfig, err = parseLiteConfig(getenv("TON_CONFIG"), cfg.Testnet); err != nil {
		return Config{}, err
	}
	raw := strings.TrimSpace(getenv("TON_WALLET"))
	if raw == "" {
		return cfg, nil
	}
	if cfg.Wallet, err = ParseWallet(raw, cfg.Testnet); err != nil {
		return Config{}, &ConfigError{Var: "TON_WALLET", Err: err}
	}
	cfg.Enabled = true
	return cfg, nil
}

func parseNetwork(s string) (testnet bool, err error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "mainnet":
		return false, nil
	case "testnet":
		return true, nil
	}
	return false, configErr("TON_NETWORK", "%q is neither mainnet nor testnet", s)
}

// parseLiteConfig checks TON_CONFIG: a URL must be http(s) with a host, and
// a file must exist and list at least one liteserver.
func parseLiteConfig(s string, testnet bool) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" && testnet:
		return TestnetConfigURL, nil
	case s == "":
		return MainnetConfigURL, nil
	case isURL(s):
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return "", configErr("TON_CONFIG", "%q is not a usable http(s) URL", s)
		}
		return s, nil
	}
	gc, err := liteclient.GetConfigFromFile(s)
	if errors.Is(err, os.ErrNotExist) {
		return "", configErr("TON_CONFIG", "no file %q", s)
	}
	if err != nil {
		return "", configErr("TON_CONFIG", "read %q: %w", s, err)
	}
	if len(gc.Liteservers) == 0 {
		return "", configErr("TON_CONFIG", "%q lists no liteservers", s)
	}
	return s, nil
}

func isURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// ParseWallet reads a wallet address as people paste it: user-friendly
// (EQ…/UQ…, in URL-safe or standard base64) or raw (0:<hex>). It refuses a
// testnet-only address on mainnet, where money sent to it would be real, and
// any workchain but the basechain and the masterchain.
func ParseWallet(s string, testnet bool) (*address.Address, error) {
	s = strings.TrimSpace(s)
	var a *address.Address
	var err error
	if strings.Contains(s, ":") {
		a, err = address.ParseRawAddr(s)
	} else {
		a, err = address.ParseAddr(strings.NewReplacer("+", "-", "/", "_").Replace(s))
	}
	if err != nil {
		return nil, fmt.Errorf("%q is not a TON address: %w", s, err)
	}
	if a.IsTestnetOnly() && !testnet {
		return nil, fmt.Errorf("%q is a testnet address, but TON_NETWORK is mainnet", s)
	}
	if wc := a.Workchain(); wc != 0 && wc != address.MasterchainID {
		return nil, fmt.Errorf("%q is in workchain %d, not 0 or -1", s, wc)
	}
	return a, nil
}
