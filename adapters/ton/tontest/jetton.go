package tontest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/xssnick/tonutils-go/address"
	tonapi "github.com/xssnick/tonutils-go/ton"
	"github.com/xssnick/tonutils-go/tvm/cell"

	"allot/adapters/ton"
	"allot/domain"
)

var _ ton.GetMethodRunner = (*JettonMaster)(nil)

// Notification describes a transfer_notification as a jetton wallet sends
// it to its owner. Which jetton wallet sends it is Chain.Notify's from: the
// body alone proves nothing.
type Notification struct {
	QueryID   uint64
	Units     uint64           // the jetton amount in its smallest units
	Sender    *address.Address // the payer; nil for addr_none
	Comment   string           // a text comment in the forward payload
	ForwardOp uint32           // when no Comment: a non-text payload with this op; 0 for none
	InRef     bool             // the forward payload in a reference, as most wallets send a comment
}

// Body builds the notification's message body with tonutils-go's cell
// builders, the way a TEP-74 jetton wallet writes it. An inline payload
// shares the body's cell, so a comment of more than about 60 bytes needs
// InRef; otherwise Body panics, as tonutils-go's Must builders do.
func (n Notification) Body() *cell.Cell {
	sender := n.Sender
	if sender == nil {
		sender = address.NewAddressNone()
	}
	b := cell.BeginCell().MustStoreUInt(ton.OpTransferNotification, 32).MustStoreUInt(n.QueryID, 64).
		MustStoreCoins(n.Units).MustStoreAddr(sender)
	payload := n.payload()
	if n.InRef {
		return b.MustStoreBoolBit(true).MustStoreRef(payload).EndCell()
	}
	return b.MustStoreBoolBit(false).MustStoreBuilder(payload.ToBuilder()).EndCell()
}

func (n Notification) payload() *cell.Cell {
	switch {
	case n.Comment != "":
		return CommentBody(n.Comment)
	case n.ForwardOp != 0:
		return cell.BeginCell().MustStoreUInt(uint64(n.ForwardOp), 32).MustStoreUInt(0, 64).EndCell()
	}
	return cell.BeginCell().EndCell()
}

// Notify adds a transfer_notification arriving at the wallet from the
// jetton wallet from, with the one nanoton of forward TON that payers
// usually attach. From our own jetton wallet it is a genuine jetton
// payment; from any other address it is the forgery anyone can send.
func (c *Chain) Notify(from *address.Address, n Notification, at time.Time) domain.TxID {
	return c.Receive(Transfer{From: from, Amount: 1, Body: n.Body()}, at)
}

// JettonWalletOf is the jetton wallet the fake master assigns to owner:
// stable and distinct per master and owner, as a real master's is.
func JettonWalletOf(master, owner *address.Address) *address.Address {
	return Address("jetton-wallet:" + ton.Raw(master) + ":" + ton.Raw(owner))
}

// ErrNoMethod is the fake master's answer to any get-method but
// get_wallet_address, or to a call on another contract.
var ErrNoMethod = errors.New("tontest: no such get-method")

// JettonMaster is a fake jetton master: it answers get_wallet_address with
// JettonWalletOf, as a ton.GetMethodRunner. Fault, when set, is asked
// before every request and its error is the answer. It is safe for
// concurrent use once set up.
type JettonMaster struct {
	Master *address.Address
	Fault  func(method string) error

	mu    sync.Mutex
	calls int
}

// Calls is how many get-methods the master has been asked to run.
func (m *JettonMaster) Calls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls
}

// CurrentMasterchainInfo returns a fixed block: the master's answers do not
// change with it.
func (m *JettonMaster) CurrentMasterchainInfo(ctx context.Context) (*tonapi.BlockIDExt, error) {
	if err := m.fault(ctx, MethodMasterchain); err != nil {
		return nil, err
	}
	return &tonapi.BlockIDExt{Workchain: address.MasterchainID, SeqNo: 1, RootHash: make([]byte, 32), FileHash: make([]byte, 32)}, nil
}

// RunGetMethod answers get_wallet_address(owner) on the master.
func (m *JettonMaster) RunGetMethod(ctx context.Context, block *tonapi.BlockIDExt, addr *address.Address, method string, params ...any) (*tonapi.ExecutionResult, error) {
	m.mu.Lock()
	m.calls++
	m.mu.Unlock()
	if err := m.fault(ctx, method); err != nil {
		return nil, err
	}
	if block == nil || addr == nil || m.Master == nil || !addr.Equals(m.Master) || method != "get_wallet_address" {
		return nil, fmt.Errorf("%w: %s", ErrNoMethod, method)
	}
	if len(params) != 1 {
		return nil, fmt.Errorf("tontest: get_wallet_address takes 1 argument, not %d", len(params))
	}
	arg, ok := params[0].(*cell.Slice)
	if !ok {
		return nil, fmt.Errorf("tontest: get_wallet_address takes a slice, not %T", params[0])
	}
	owner, err := arg.Copy().LoadAddr()
	if err != nil {
		return nil, fmt.Errorf("tontest: get_wallet_address: %w", err)
	}
	w := JettonWalletOf(m.Master, owner)
	return tonapi.NewExecutionResult([]any{cell.BeginCell().MustStoreAddr(w).EndCell().BeginParse()}), nil
}

func (m *JettonMaster) fault(ctx context.Context, method string) error {
	if m.Fault != nil {
		if err := m.Fault(method); err != nil {
			return err
		}
	}
	return ctx.Err()
}
