package ton

import (
	"context"
	"fmt"
	"time"

	"github.com/xssnick/tonutils-go/address"
	"github.com/xssnick/tonutils-go/liteclient"
	"github.com/xssnick/tonutils-go/tlb"
	tonapi "github.com/xssnick/tonutils-go/ton"
)

// Chain is the part of a liteserver client that Source reads through: the
// newest masterchain block, an account's state in it, and a page of the
// account's transactions. Faking at the liteclient level is impractical
// (every answer carries proofs), so this is the seam for tontest.
//
// Implementations are safe for concurrent use. ListTransactions returns up
// to num transactions of addr ending at (lt, txHash) inclusive, oldest
// first, each with Hash set and linked to the one before by PrevTxLT and
// PrevTxHash; it may return fewer than num. An account without
// transactions has LastTxLT 0. Errors are the transport's or the
// liteserver's; Source wraps them and its caller retries.
type Chain interface {
	CurrentMasterchainInfo(ctx context.Context) (*tonapi.BlockIDExt, error)
	GetAccount(ctx context.Context, block *tonapi.BlockIDExt, addr *address.Address) (*tlb.Account, error)
	ListTransactions(ctx context.Context, addr *address.Address, num uint32, lt uint64, txHash []byte) ([]*tlb.Transaction, error)
}

// Both of tonutils-go's clients are Chains, and so is ours.
var (
	_ Chain = (*tonapi.APIClient)(nil)
	_ Chain = tonapi.APIClientWrapped(nil)
	_ Chain = (*Client)(nil)
)

// sticky is the optional capability of pinning a context to one liteserver,
// so that the masterchain block, the account state read in that block and
// the transactions after it all come from a server that has that block.
type sticky interface {
	StickyContext(ctx context.Context) context.Context
}

// Client is a connection to a pool of liteservers. It is a Chain, and Close
// stops its connections.
type Client struct {
	api  tonapi.APIClientWrapped
	pool *liteclient.ConnectionPool
}

// Dial connects to the liteservers listed by cfg.LiteConfig. Each request
// gets cfg.Timeout and then moves on to the next liteserver: the client is
// built as WithTimeout(d).WithRetry(), in that order, so the retry wraps the
// timeout and a hung server costs one timeout, not the whole request. (The
// other way round one deadline covers every attempt and the first hang
// spends it.) Dial needs the network; a config that cannot work fails here,
// before the bot starts.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	if !cfg.Enabled {
		return nil, ErrDisabled
	}
	gc, err := loadLiteConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	pool := liteclient.NewConnectionPool()
	if err := pool.AddConnectionsFromConfig(ctx, gc); err != nil {
		pool.Stop()
		return nil, fmt.Errorf("ton: connect to the liteservers of TON_CONFIG %s: %w", cfg.LiteConfig, err)
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	api := tonapi.NewAPIClient(pool).WithTimeout(timeout).WithRetry()
	return &Client{api: api, pool: pool}, nil
}

// configFetchTimeout bounds the download of a global config.
const configFetchTimeout = 30 * time.Second

func loadLiteConfig(ctx context.Context, cfg Config) (*liteclient.GlobalConfig, error) {
	src := cfg.LiteConfig
	if src == "" {
		src = MainnetConfigURL
		if cfg.Testnet {
			src = TestnetConfigURL
		}
	}
	var gc *liteclient.GlobalConfig
	var err error
	if isURL(src) {
		// tonutils-go fetches with http.DefaultClient, which never gives up
		// by itself, and does not look at the status code.
		ctx, cancel := context.WithTimeout(ctx, configFetchTimeout)
		defer cancel()
		gc, err = liteclient.GetConfigFromUrl(ctx, src)
	} else {
		gc, err = liteclient.GetConfigFromFile(src)
	}
	if err != nil {
		return nil, &ConfigError{Var: "TON_CONFIG", Err: fmt.Errorf("load %s: %w", src, err)}
	}
	if len(gc.Liteservers) == 0 {
		return nil, configErr("TON_CONFIG", "%s lists no liteservers", src)
	}
	return gc, nil
}

// The three reads decode a liteserver's bytes inside tonutils-go, which can
// panic on malformed input; guard makes that an error like any other.

// CurrentMasterchainInfo returns the newest masterchain block the pool
// knows, cached by tonutils-go for a few seconds per liteserver.
func (c *Client) CurrentMasterchainInfo(ctx context.Context) (_ *tonapi.BlockIDExt, err error) {
	defer guard("masterchain info", &err)
	return c.api.CurrentMasterchainInfo(ctx)
}

// GetAccount returns the proof-checked state of addr in block.
func (c *Client) GetAccount(ctx context.Context, block *tonapi.BlockIDExt, addr *address.Address) (_ *tlb.Account, err error) {
	defer guard("account state", &err)
	return c.api.GetAccount(ctx, block, addr)
}

// ListTransactions returns up to num transactions of addr ending at (lt,
// txHash), oldest first, their hashes checked against each other.
func (c *Client) ListTransactions(ctx context.Context, addr *address.Address, num uint32, lt uint64, txHash []byte) (_ []*tlb.Transaction, err error) {
	defer guard("transactions", &err)
	return c.api.ListTransactions(ctx, addr, num, lt, txHash)
}

// StickyContext pins ctx to one liteserver; Source uses it for each poll.
func (c *Client) StickyContext(ctx context.Context) context.Context {
	return c.api.Client().StickyContext(ctx)
}

// Close stops the liteserver connections. It is safe to call more than once.
func (c *Client) Close() error {
	c.pool.Stop()
	return nil
}
