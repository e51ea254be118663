package ton_test

import (
	"context"
	"encoding/hex"
	"testing"
	"time"

	"github.com/xssnick/tonutils-go/tlb"

	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
	"allot/domain"
)

// FuzzToPayment feeds arbitrary bytes to the transaction decoder and the
// converter: whatever a liteserver sends, reading it must never panic, and
// a payment that comes out must be one the register can decide.
func FuzzToPayment(f *testing.F) {
	for _, boc := range seedTransactions(f) {
		f.Add(boc)
	}
	f.Add([]byte{})
	f.Add([]byte{0xb5, 0xee, 0x9c, 0x72})
	reg := domain.NewPayments()
	f.Fuzz(func(t *testing.T, boc []byte) {
		tx, err := ton.DecodeTransaction(boc)
		if err != nil {
			return
		}
		p, ok := ton.ToPayment(tx, "0:00", true)
		if !ok {
			return
		}
		if p.Amount < 0 || p.At.Location() != time.UTC {
			t.Fatalf("payment %+v", p)
		}
		if _, err := reg.Receive(p, p.At); err != nil {
			t.Fatalf("Receive: %v", err)
		}
	})
}

// seedTransactions serializes a few transactions of each kind: made by the
// fake chain, and three real ones from the mainnet block.
func seedTransactions(tb testing.TB) [][]byte {
	tb.Helper()
	c := tontest.New(wallet)
	c.Pay(alice, domain.TON(1), "K7QM-3XHA", t0)
	c.Aborted(bob, 5, "hi", t0)
	c.Outgoing(bob, 7, t0)
	txs := all(tb, c)
	real := loadReal(tb)
	txs = append(txs, real[0], real[len(real)/2], real[len(real)-1])
	var out [][]byte
	for i, tx := range txs {
		cl, err := tlb.ToCell(tx)
		if err != nil {
			tb.Fatalf("ToCell: %v", err)
		}
		// Without a checksum, so that mutations reach the cells; one with
		// an index, which lets cells refer backwards.
		out = append(out, cl.ToBOCWithFlags(false, i == 0))
	}
	return out
}

// all reads every transaction of the fake chain's wallet in one page.
func all(tb testing.TB, c *tontest.Chain) []*tlb.Transaction {
	tb.Helper()
	head := c.Head()
	h, err := hex.DecodeString(head.Hash)
	if err != nil {
		tb.Fatal(err)
	}
	txs, err := c.ListTransactions(context.Background(), wallet, 1000, head.LT, h)
	if err != nil {
		tb.Fatalf("ListTransactions: %v", err)
	}
	return txs
}
