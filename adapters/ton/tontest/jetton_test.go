package tontest_test

import (
	"context"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/xssnick/tonutils-go/address"

	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
)

// TestChain_Notify runs the fake's notifications through the classifier,
// with our jetton wallet resolved from the fake master: the one from our
// jetton wallet is a payment, the same body from a look-alike jetton is
// forged.
func TestChain_Notify(t *testing.T) {
	ctx := context.Background()
	wallet, payer := tontest.Address("wallet"), tontest.Address("payer")
	master := address.MustParseAddr(ton.USDTMaster)
	ours, err := ton.ResolveJettonWallet(ctx, &tontest.JettonMaster{Master: master}, master, wallet)
	if err != nil {
		t.Fatalf("ResolveJettonWallet: %v", err)
	}
	c := tontest.New(wallet)
	n := tontest.Notification{QueryID: 9, Units: 25_000_000, Sender: payer, Comment: "K7QM-3XHA", InRef: true}
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	genuine := c.Notify(ours, n, at)
	forged := c.Notify(tontest.Address("look-alike jetton wallet"), n, at.Add(time.Minute))

	acc := ton.JettonAccount{Owner: wallet, Wallet: ours}
	head := c.Head()
	h, _ := hex.DecodeString(head.Hash)
	txs, err := c.ListTransactions(ctx, wallet, 16, head.LT, h)
	if err != nil || len(txs) != 2 {
		t.Fatalf("ListTransactions: %d, %v", len(txs), err)
	}
	p, v, err := acc.Classify(txs[0])
	if v != ton.JettonGenuine || err != nil || p.Tx != genuine || p.Amount != n.Units || p.Comment != n.Comment ||
		p.Sender != ton.Friendly(payer, false) || p.QueryID != 9 || !p.At.Equal(at) || p.Source != ton.Raw(ours) {
		t.Errorf("genuine: %v %v %+v", v, err, p)
	}
	p, v, err = acc.Classify(txs[1])
	if v != ton.JettonForged || !errors.Is(err, ton.ErrForgedJetton) || p.Tx != forged || p.Amount != 0 || v.String() != "forged" {
		t.Errorf("forged: %v %v %+v", v, err, p)
	}
	// To the TON reading both are 1-nanoton transfers without a comment.
	if tp, ok := ton.ToPayment(txs[1], ton.Raw(wallet), false); !ok || tp.Amount != 1 || tp.Comment != "" {
		t.Errorf("TON reading %+v", tp)
	}
}
