package tontest_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/xssnick/tonutils-go/tlb"
	"github.com/xssnick/tonutils-go/tvm/cell"

	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
	"allot/domain"
)

var wallet = tontest.Address("wallet")

// all reads every transaction of the wallet, oldest first, in one page.
func all(t testing.TB, c *tontest.Chain) []*tlb.Transaction {
	t.Helper()
	head := c.Head()
	if head.IsZero() {
		return nil
	}
	h, _ := hex.DecodeString(head.Hash)
	txs, err := c.ListTransactions(context.Background(), wallet, 1000, head.LT, h)
	if err != nil {
		t.Fatalf("ListTransactions: %v", err)
	}
	return txs
}

func TestChain_TransactionsAreRealAndLinked(t *testing.T) {
	c := tontest.New(wallet)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ids := []domain.TxID{
		c.Pay(tontest.Address("alice"), domain.TON(1), "K7QM-3XHA", at),
		c.Outgoing(tontest.Address("bob"), domain.TON(2), time.Time{}),
		c.Bounce(tontest.Address("bob"), domain.TON(2), time.Time{}),
		c.Aborted(tontest.Address("carol"), 5, "x", time.Time{}),
	}
	txs := all(t, c)
	if len(txs) != len(ids) {
		t.Fatalf("got %d transactions, want %d", len(txs), len(ids))
	}
	for i, tx := range txs {
		if tx.LT != ids[i].LT || hex.EncodeToString(tx.Hash) != ids[i].Hash {
			t.Errorf("tx %d is %d:%x, want %v", i, tx.LT, tx.Hash, ids[i])
		}
		if i > 0 && (tx.PrevTxLT != txs[i-1].LT || !bytes.Equal(tx.PrevTxHash, txs[i-1].Hash)) {
			t.Errorf("tx %d does not link to tx %d", i, i-1)
		}
		// The hash is the hash of the cell the transaction serializes to.
		c, err := tlb.ToCell(tx)
		if err != nil {
			t.Fatalf("tx %d: ToCell: %v", i, err)
		}
		if !bytes.Equal(c.Hash(), tx.Hash) {
			t.Errorf("tx %d: hash %x, its cell hashes to %x", i, tx.Hash, c.Hash())
		}
	}
	if got := txs[0].Now; got != uint32(at.Unix()) {
		t.Errorf("Now = %d, want %d", got, at.Unix())
	}
	if got := txs[0].IO.In.AsInternal().Comment(); got != "K7QM-3XHA" {
		t.Errorf("comment %q", got)
	}
}

func TestChain_Fates(t *testing.T) {
	c := tontest.New(wallet)
	huge := new(big.Int).Lsh(big.NewInt(1), 70)
	c.Receive(tontest.Transfer{From: tontest.Address("a"), Amount: 7, Fate: tontest.Undeployed}, time.Time{})
	c.Receive(tontest.Transfer{From: tontest.Address("a"), Nano: huge}, time.Time{})
	c.Receive(tontest.Transfer{From: tontest.Address("a"), Body: cell.BeginCell().MustStoreUInt(0x0f8a7ea5, 32).EndCell()}, time.Time{})
	txs := all(t, c)
	d := txs[0].Description.(tlb.TransactionDescriptionOrdinary)
	if !d.Aborted || d.BouncePhase != nil || txs[0].OrigStatus != tlb.AccountStatusUninit {
		t.Errorf("undeployed: %+v", d)
	}
	if got := txs[1].IO.In.AsInternal().Amount.Nano(); got.Cmp(huge) != 0 {
		t.Errorf("amount %v, want %v", got, huge)
	}
	if got := txs[2].IO.In.AsInternal().Comment(); got != "" {
		t.Errorf("a jetton body reads as comment %q", got)
	}
}

func TestChain_Account(t *testing.T) {
	ctx := context.Background()
	c := tontest.New(wallet)
	block, err := c.CurrentMasterchainInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := c.GetAccount(ctx, block, wallet)
	if err != nil || acc.LastTxLT != 0 || acc.IsActive {
		t.Fatalf("empty wallet: %+v, %v", acc, err)
	}
	id := c.Pay(tontest.Address("a"), domain.TON(3), "", time.Time{})
	old := block
	if block, err = c.CurrentMasterchainInfo(ctx); err != nil || block.SeqNo <= old.SeqNo {
		t.Fatalf("block did not advance: %v → %v (%v)", old.SeqNo, block.SeqNo, err)
	}
	acc, err = c.GetAccount(ctx, block, wallet)
	if err != nil || acc.LastTxLT != id.LT || hex.EncodeToString(acc.LastTxHash) != id.Hash {
		t.Fatalf("GetAccount = %+v, %v; want %v", acc, err, id)
	}
	if acc.State.Balance.Nano().Int64() != int64(domain.TON(3)) {
		t.Errorf("balance %v", acc.State.Balance)
	}
	// The state in an older block does not show the newer transaction.
	if acc, err = c.GetAccount(ctx, old, wallet); err != nil || acc.LastTxLT != 0 {
		t.Errorf("old block shows %d, %v", acc.LastTxLT, err)
	}
	c.SetLag(1)
	block, _ = c.CurrentMasterchainInfo(ctx)
	if acc, _ = c.GetAccount(ctx, block, wallet); acc.LastTxLT != 0 {
		t.Errorf("a lagging server shows %d", acc.LastTxLT)
	}
}

func TestChain_Faults(t *testing.T) {
	ctx := context.Background()
	c := tontest.New(wallet)
	for range 10 {
		c.Pay(tontest.Address("a"), 1, "", time.Time{})
	}
	c.FailNext(2, nil)
	if _, err := c.CurrentMasterchainInfo(ctx); !errors.Is(err, tontest.ErrInjected) {
		t.Errorf("first call: %v", err)
	}
	if _, err := c.CurrentMasterchainInfo(ctx); !errors.Is(err, tontest.ErrInjected) {
		t.Errorf("second call: %v", err)
	}
	if _, err := c.CurrentMasterchainInfo(ctx); err != nil {
		t.Errorf("third call: %v", err)
	}
	boom := errors.New("boom")
	c.SetFault(func(m string) error {
		if m == tontest.MethodTransactions {
			return boom
		}
		return nil
	})
	head := c.Head()
	h, _ := hex.DecodeString(head.Hash)
	if _, err := c.ListTransactions(ctx, wallet, 3, head.LT, h); !errors.Is(err, boom) {
		t.Errorf("fault: %v", err)
	}
	c.SetFault(nil)
	c.SetPageLimit(4)
	if txs, err := c.ListTransactions(ctx, wallet, 16, head.LT, h); err != nil || len(txs) != 4 {
		t.Errorf("page limit: %d, %v", len(txs), err)
	}
	if _, err := c.ListTransactions(ctx, wallet, 3, head.LT+1, h); !errors.Is(err, tontest.ErrUnknownTx) {
		t.Errorf("unknown tx: %v", err)
	}
	c.SetDelay(time.Hour)
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, err := c.CurrentMasterchainInfo(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("delay: %v", err)
	}
	if got := c.Calls(); got.Masterchain != 4 || got.Transactions != 3 {
		t.Errorf("calls %+v", got)
	}
}

func TestChain_Concurrent(t *testing.T) {
	ctx := context.Background()
	c := tontest.New(wallet)
	c.Pay(tontest.Address("before"), 1, "", time.Time{})
	src := ton.NewSource(c, wallet, ton.WithPageSize(3))
	_, cursor, err := src.Since(ctx, domain.ChainCursor{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				c.Pay(tontest.Address("p"), domain.Nano(g*100+i+1), "", time.Time{})
			}
		}()
	}
	seen := map[string]bool{}
	lastLT := cursor.LT
	for len(seen) < 100 {
		pays, next, err := src.Since(ctx, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pays {
			if seen[p.Tx.Key()] || p.Tx.LT <= lastLT {
				t.Fatalf("payment %v out of order or twice", p.Tx)
			}
			seen[p.Tx.Key()], lastLT = true, p.Tx.LT
		}
		cursor = next
	}
	wg.Wait()
	if pays, _, _ := src.Since(ctx, cursor); len(pays) != 0 {
		t.Errorf("%d payments after all were read", len(pays))
	}
}
