package ton_test

import (
	"encoding/hex"
	"path/filepath"
	"testing"
	"time"

	"github.com/xssnick/tonutils-go/tlb"

	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
	"allot/domain"
)

// realBlock is one real mainnet shard block; see testdata/ton/README.md.
var realBlock = filepath.Join("..", "..", "testdata", "ton", "mainnet-block-0-8000000000000000-71398501.boc")

func hexOf(b []byte) string { return hex.EncodeToString(b) }

func loadReal(t testing.TB) []*tlb.Transaction {
	t.Helper()
	txs, err := ton.LoadBlockTransactions(realBlock)
	if err != nil {
		t.Fatalf("LoadBlockTransactions: %v", err)
	}
	return txs
}

// register is a payments register with a few open invoices, the codes of
// which no stranger's comment should ever name.
func register(t testing.TB) *domain.Payments {
	t.Helper()
	reg := domain.NewPayments()
	for i, amount := range []domain.Nano{1, domain.TON(1), 701_800_000, domain.TON(5) / 2} {
		inv := domain.Invoice{Op: domain.OpID("op-" + string(rune('a'+i))), Code: domain.NewCode(uint64(i)*7919 + 12345),
			User: domain.UserID(100 + i), Amount: amount, Purpose: domain.PurposeTopUp}
		ev, err := reg.Open(inv, time.Hour, time.Date(2022, 11, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		reg.Apply(ev, uint64(i+1))
	}
	return reg
}

// receiveAll feeds pays to reg and counts the outcomes.
func receiveAll(t testing.TB, reg *domain.Payments, pays []domain.Payment) map[domain.Outcome]int {
	t.Helper()
	out := map[domain.Outcome]int{}
	for i, p := range pays {
		ev, err := reg.Receive(p, p.At)
		if err != nil {
			t.Fatalf("Receive %v: %v", p.Tx, err)
		}
		out[ev.Outcome]++
		reg.Apply(ev, uint64(100+i))
		if ev.Outcome == domain.OutcomeIgnored && p.Amount == 1 && p.Comment == "" {
			t.Errorf("a 1-nanoton transfer without a comment: %v", p.Tx)
		}
	}
	return out
}

func TestLoadBlockTransactions_Mainnet(t *testing.T) {
	txs := loadReal(t)
	if len(txs) != 269 {
		t.Fatalf("%d transactions, want 269", len(txs))
	}
	var internal, comments, spam, failed int
	var pays []domain.Payment
	for _, tx := range txs {
		if len(tx.Hash) != 32 {
			t.Fatalf("tx %d has no hash", tx.LT)
		}
		p, ok := ton.ToPayment(tx, "0:"+hexOf(tx.AccountAddr), false)
		if !ok {
			continue
		}
		internal++
		if p.Comment != "" {
			comments++
		}
		if p.Amount == 1 {
			spam++
		}
		if p.Failed {
			failed++
		}
		if p.Tx.Hash != hexOf(tx.Hash) || p.Tx.LT != tx.LT || p.At.Location() != time.UTC || p.At.Year() < 2022 {
			t.Errorf("payment %+v", p)
		}
		pays = append(pays, p)
	}
	if internal != 257 || comments != 203 || spam < 195 {
		t.Errorf("%d internal, %d with comments, %d of 1 nanoton; want 257, 203, about 200", internal, comments, spam)
	}
	t.Logf("%d payments, %d failed", len(pays), failed)
	out := receiveAll(t, register(t), pays)
	if out[domain.OutcomePaid] != 0 || out[domain.OutcomeCredited] != 0 {
		t.Errorf("real strangers' transfers matched our invoices: %v", out)
	}
	if out[domain.OutcomeIgnored] < spam {
		t.Errorf("%d ignored, but %d are 1-nanoton spam", out[domain.OutcomeIgnored], spam)
	}
	t.Logf("outcomes %v", out)
}

// TestSource_RealTransactions serves the real block's transactions as one
// wallet's history and reads them in small pages.
func TestSource_RealTransactions(t *testing.T) {
	txs := loadReal(t)
	c := tontest.New(wallet)
	c.Pay(alice, 1, "", time.Time{})
	s := ton.NewSource(c, wallet, ton.WithPageSize(7))
	_, cur := since(t, s, domain.ChainCursor{})
	if err := c.ReplayAll(txs); err != nil {
		t.Fatalf("ReplayAll: %v", err)
	}
	pays, next := since(t, s, cur)
	if len(pays) != 257 || next != c.Head() {
		t.Fatalf("%d payments, cursor %v; want 257 and %v", len(pays), next, c.Head())
	}
	out := receiveAll(t, register(t), pays)
	if out[domain.OutcomePaid] != 0 || out[domain.OutcomeCredited] != 0 || out[domain.OutcomeIgnored] < 195 {
		t.Errorf("outcomes %v", out)
	}
	// The replayed transactions say what the originals said.
	var want []domain.Payment
	for _, tx := range txs {
		if p, ok := ton.ToPayment(tx, "", false); ok {
			want = append(want, p)
		}
	}
	for i := range pays {
		g, w := pays[i], want[i]
		if g.Amount != w.Amount || g.Comment != w.Comment || g.From != w.From || g.Failed != w.Failed || g.Bounced != w.Bounced {
			t.Fatalf("payment %d reads %+v, the original %+v", i, g, w)
		}
	}
}
