package ton_test

import (
	"errors"
	"math/big"
	"testing"

	"github.com/xssnick/tonutils-go/address"
	"github.com/xssnick/tonutils-go/tlb"
	"github.com/xssnick/tonutils-go/tvm/cell"

	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
)

var ourJettons = tontest.Address("our jetton wallet")

func TestJettonAccount_Classify(t *testing.T) {
	note := tontest.Notification{QueryID: 3, Units: 10_000_000, Sender: alice, Comment: "K7QM-3XHA"}
	bounced := cell.BeginCell().MustStoreUInt(0xffffffff, 32).MustStoreBuilder(note.Body().ToBuilder()).EndCell()
	junk := notice(big.NewInt(4)).MustStoreBoolBit(false).MustStoreUInt(0, 32).MustStoreUInt(1, 3).EndCell()
	tests := []struct {
		name    string
		t       tontest.Transfer
		fate    tontest.Fate
		wV      ton.JettonVerdict
		wErr    error
		wAmount uint64
	}{
		{"genuine", tontest.Transfer{From: ourJettons, Amount: 1, Body: note.Body()}, tontest.Kept, ton.JettonGenuine, nil, 10_000_000},
		{"genuine to a wallet not yet deployed", tontest.Transfer{From: ourJettons, Amount: 1, Body: note.Body()}, tontest.Undeployed, ton.JettonGenuine, nil, 10_000_000},
		{"genuine, our wallet's code failed", tontest.Transfer{From: ourJettons, Amount: 1, Body: note.Body(), Bounceable: true}, tontest.Returned, ton.JettonGenuine, nil, 10_000_000},
		{"forged", tontest.Transfer{From: bob, Amount: 1, Body: note.Body()}, tontest.Kept, ton.JettonForged, ton.ErrForgedJetton, 0},
		{"forged, unreadable", tontest.Transfer{From: bob, Amount: 1, Body: junk}, tontest.Kept, ton.JettonForged, ton.ErrForgedJetton, 0},
		{"bounced", tontest.Transfer{From: ourJettons, Amount: 1, Body: bounced, Bounced: true}, tontest.Kept, ton.JettonIgnored, nil, 0},
		{"bounce flag", tontest.Transfer{From: ourJettons, Amount: 1, Body: note.Body(), Bounced: true}, tontest.Kept, ton.JettonIgnored, nil, 0},
		{"unreadable comment", tontest.Transfer{From: ourJettons, Amount: 1, Body: junk}, tontest.Kept, ton.JettonMalformed, ton.ErrForwardPayload, 4},
		{"zero amount", tontest.Transfer{From: ourJettons, Amount: 1, Body: tontest.Notification{}.Body()}, tontest.Kept, ton.JettonMalformed, ton.ErrJettonAmount, 0},
		{"a TON payment", tontest.Transfer{From: ourJettons, Amount: 5, Comment: "K7QM-3XHA"}, tontest.Kept, ton.JettonNone, nil, 0},
	}
	acc := ton.JettonAccount{Owner: wallet, Wallet: ourJettons}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tontest.New(wallet)
			tt.t.Fate = tt.fate
			id := c.Receive(tt.t, t0)
			p, v, err := acc.Classify(all(t, c)[0])
			if v != tt.wV || (tt.wErr != nil && !errors.Is(err, tt.wErr)) || (tt.wErr == nil && v != ton.JettonIgnored && err != nil) {
				t.Fatalf("verdict %v, %v; want %v, %v", v, err, tt.wV, tt.wErr)
			}
			if p.Amount != tt.wAmount || (v != ton.JettonNone && p.Tx != id) {
				t.Errorf("payment %+v, want amount %d and %v", p, tt.wAmount, id)
			}
		})
	}
}

// TestJettonAccount_Classify_NotOurs covers what the watcher must pass over
// without a second look: no transaction, an external message, another
// destination, an unset account.
func TestJettonAccount_Classify_NotOurs(t *testing.T) {
	c := tontest.New(wallet)
	c.Outgoing(bob, 7, t0)
	c.Notify(ourJettons, tontest.Notification{Units: 1}, t0)
	txs := all(t, c)
	in := *txs[1].IO.In.Msg.(*tlb.InternalMessage)
	in.DstAddr = bob
	elsewhere := *txs[1]
	elsewhere.IO.In = &tlb.Message{MsgType: tlb.MsgTypeInternal, Msg: &in}
	acc := ton.JettonAccount{Owner: wallet, Wallet: ourJettons}
	for name, tc := range map[string]struct {
		acc ton.JettonAccount
		tx  *tlb.Transaction
	}{
		"nil":              {acc, nil},
		"external":         {acc, txs[0]},
		"to someone else":  {acc, &elsewhere},
		"no owner":         {ton.JettonAccount{Wallet: ourJettons}, txs[1]},
		"no jetton wallet": {ton.JettonAccount{Owner: wallet}, txs[1]},
		"our wallet's own": {ton.JettonAccount{Owner: ourJettons, Wallet: ourJettons}, txs[1]},
	} {
		if p, v, err := tc.acc.Classify(tc.tx); v != ton.JettonNone || err != nil || p != (ton.JettonPayment{}) {
			t.Errorf("%s: %v %v %+v", name, v, err, p)
		}
	}
	if _, v, _ := acc.Classify(txs[1]); v != ton.JettonGenuine {
		t.Errorf("the unmodified notification: %v", v)
	}
}

// TestJettonAccount_Classify_VarAddress: a source with the bits of our
// jetton wallet in another address form is not our jetton wallet.
func TestJettonAccount_Classify_VarAddress(t *testing.T) {
	c := tontest.New(wallet)
	c.Notify(ourJettons, tontest.Notification{Units: 1}, t0)
	tx := all(t, c)[0]
	in := *tx.IO.In.Msg.(*tlb.InternalMessage)
	in.SrcAddr = address.NewAddressVar(0, 0, 256, ourJettons.Data())
	tx.IO.In = &tlb.Message{MsgType: tlb.MsgTypeInternal, Msg: &in}
	if _, v, err := (ton.JettonAccount{Owner: wallet, Wallet: ourJettons}).Classify(tx); v != ton.JettonForged {
		t.Errorf("var address: %v %v", v, err)
	}
}

func TestJettonVerdict_String(t *testing.T) {
	for v, want := range map[ton.JettonVerdict]string{ton.JettonNone: "none", ton.JettonGenuine: "genuine",
		ton.JettonForged: "forged", ton.JettonIgnored: "ignored", ton.JettonMalformed: "malformed", 99: "verdict(99)"} {
		if v.String() != want {
			t.Errorf("%d: %q, want %q", v, v.String(), want)
		}
	}
}
