package ton

import (
	"context"
	"errors"
	"fmt"

	"github.com/xssnick/tonutils-go/address"
	tonapi "github.com/xssnick/tonutils-go/ton"
	"github.com/xssnick/tonutils-go/tvm/cell"
)

// USDTMaster is the master contract of Tether's USDT on TON mainnet; a
// jetton wallet counts as USDT only if this master names it.
const USDTMaster = "EQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sDs"

// ErrJettonWallet is a master's answer to get_wallet_address that names no
// usable wallet; without one no jetton payment can be believed.
var ErrJettonWallet = errors.New("ton: no jetton wallet")

// GetMethodRunner is the part of a liteserver client that runs a contract's
// get-method in a block: all ResolveJettonWallet needs, and small enough for
// a fake (tontest.JettonMaster) to answer. RunGetMethod's errors are the
// transport's, the liteserver's or the contract's (a non-zero exit code);
// implementations are safe for concurrent use.
type GetMethodRunner interface {
	CurrentMasterchainInfo(ctx context.Context) (*tonapi.BlockIDExt, error)
	RunGetMethod(ctx context.Context, block *tonapi.BlockIDExt, addr *address.Address, method string, params ...any) (*tonapi.ExecutionResult, error)
}

// tonutils-go's clients run get-methods, and so does ours.
var (
	_ GetMethodRunner = (*tonapi.APIClient)(nil)
	_ GetMethodRunner = tonapi.APIClientWrapped(nil)
	_ GetMethodRunner = (*Client)(nil)
)

// ResolveJettonWallet asks master which jetton wallet belongs to owner (the
// get-method get_wallet_address(owner) of TEP-74), in the newest block. The
// master computes it from its wallet code and the owner, so the answer is
// the one address whose transfer_notifications to owner are real. It is
// the only call that touches the network; the result does not change and
// can be kept in the configuration.
func ResolveJettonWallet(ctx context.Context, r GetMethodRunner, master, owner *address.Address) (_ *address.Address, err error) {
	defer guard("jetton wallet", &err)
	if r == nil || master == nil || owner == nil {
		return nil, fmt.Errorf("%w: resolving a jetton wallet needs a chain, a master and an owner", ErrDisabled)
	}
	block, err := r.CurrentMasterchainInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("ton: read the masterchain head: %w", err)
	}
	if block == nil {
		return nil, fmt.Errorf("ton: read the masterchain head: %w: no block", ErrBrokenChain)
	}
	arg := cell.BeginCell().MustStoreAddr(owner).EndCell().BeginParse()
	res, err := r.RunGetMethod(ctx, block, master, "get_wallet_address", arg)
	if err != nil {
		return nil, fmt.Errorf("ton: get_wallet_address(%s) on %s: %w", Raw(owner), Raw(master), err)
	}
	return walletOf(res)
}

// walletOf reads the address get_wallet_address returns: a slice holding a
// standard address.
func walletOf(res *tonapi.ExecutionResult) (*address.Address, error) {
	if res == nil {
		return nil, fmt.Errorf("%w: empty answer", ErrJettonWallet)
	}
	s, err := res.Slice(0)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrJettonWallet, err)
	}
	w, err := s.LoadAddr()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrJettonWallet, err)
	}
	if w.Type() != address.StdAddress {
		return nil, fmt.Errorf("%w: the master answered %s", ErrJettonWallet, w.String())
	}
	return w, nil
}

// RunGetMethod runs method on addr in block, on a liteserver that has the
// block (tonutils-go's WaitForBlock), so a pool member a few blocks behind
// is not asked about a block it has not seen.
func (c *Client) RunGetMethod(ctx context.Context, block *tonapi.BlockIDExt, addr *address.Address, method string, params ...any) (_ *tonapi.ExecutionResult, err error) {
	defer guard("get-method "+method, &err)
	if block == nil {
		return nil, fmt.Errorf("ton: run %s: no block", method)
	}
	return c.api.WaitForBlock(block.SeqNo).RunGetMethod(ctx, block, addr, method, params...)
}
