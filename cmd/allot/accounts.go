package main

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"allot/actors"
	"allot/adapters/mtproto"
	"allot/domain"
)

// accountsConfig is how the bot signs in to returned numbers' accounts
// (domain/account.go): the app credentials from my.telegram.org, API_ID
// and API_HASH (the seed's names). MTPROTO_SERVER and
// MTPROTO_SERVER_KEYS_FILE name a test server instead of Telegram (the
// tests' fake); operators leave them empty. Without API_ID and API_HASH
// the admins check returned numbers by hand (/unchecked, /checked).
type accountsConfig struct {
	AppID      int
	AppHash    string
	Server     string
	ServerKeys []*rsa.PublicKey
}

func (a accountsConfig) enabled() bool { return a.AppID != 0 }

// accountsFromEnv reads the account checker's settings; an error names
// its variable and never quotes the hash. It needs the Fragment relay:
// the login codes are read there.
func accountsFromEnv(getenv func(string) string, relayOn bool) (accountsConfig, error) {
	var c accountsConfig
	var errs []error
	bad := func(name string, err error) { errs = append(errs, fmt.Errorf("%s: %w", name, err)) }
	id, hash := strings.TrimSpace(getenv("API_ID")), strings.TrimSpace(getenv("API_HASH"))
	if id == "" && hash == "" {
		if getenv("MTPROTO_SERVER") != "" {
			bad("MTPROTO_SERVER", errors.New("set API_ID and API_HASH too"))
		}
		return c, errors.Join(errs...)
	}
	n, err := strconv.Atoi(id)
	switch {
	case id == "":
		bad("API_ID", errors.New("set it with API_HASH (the app's api_id from my.telegram.org)"))
	case err != nil || n <= 0:
		bad("API_ID", fmt.Errorf("want the app's numeric api_id, got %q", id))
	}
	if hash == "" {
		bad("API_HASH", errors.New("set it with API_ID (the app's api_hash from my.telegram.org)"))
	}
	if !relayOn {
		bad("API_ID", errors.New("the login codes are read from Fragment: set FRAGMENT_COOKIES too"))
	}
	c.AppID, c.AppHash = n, hash
	if c.Server = strings.TrimSpace(getenv("MTPROTO_SERVER")); c.Server != "" {
		b, err := os.ReadFile(strings.TrimSpace(getenv("MTPROTO_SERVER_KEYS_FILE")))
		if err == nil {
			c.ServerKeys, err = mtproto.ParseKeyPEM(b)
		}
		if err != nil {
			bad("MTPROTO_SERVER_KEYS_FILE", err)
		}
	}
	if len(errs) == 0 { // the checker's own checks: the hash's shape, the server's address
		if _, err := c.checker(nil, nil); err != nil {
			errs = append(errs, err) // names API_ID, API_HASH or the server, never the hash
		}
	}
	return c, errors.Join(errs...)
}

// checker makes the account checker reading codes through codes.
func (a accountsConfig) checker(codes mtproto.Codes, log *slog.Logger) (*mtproto.Checker, error) {
	if codes == nil {
		codes = noCodes{} // config validation only
	}
	return mtproto.New(mtproto.Options{AppID: a.AppID, AppHash: a.AppHash, Codes: codes,
		Server: a.Server, ServerKeys: a.ServerKeys, Logger: log})
}

// state is the checker's line in /readyz.
func (a accountsConfig) state() string {
	if !a.enabled() {
		return "off (no API_ID/API_HASH: admins check returned numbers, /unchecked)"
	}
	return "on"
}

// withAccounts sets the engine's account checker when one is configured
// and the relay (whose client reads the codes) runs.
func withAccounts(opts *actors.Options, cfg accountsConfig, rel *relay, log *slog.Logger) error {
	if !cfg.enabled() || rel == nil {
		return nil
	}
	c, err := cfg.checker(rel.client, log)
	if err != nil {
		return err
	}
	opts.Accounts = c
	return nil
}

// noCodes stands in for Fragment while the settings are only checked.
type noCodes struct{}

func (noCodes) LoginCodes(context.Context, string) ([]domain.LoginCode, error) { return nil, nil }
