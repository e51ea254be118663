package ton_test

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/xssnick/tonutils-go/address"
	"github.com/xssnick/tonutils-go/tlb"
	tonapi "github.com/xssnick/tonutils-go/ton"

	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
	"allot/domain"
)

var (
	wallet = tontest.Address("wallet")
	alice  = tontest.Address("alice")
	bob    = tontest.Address("bob")
	t0     = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
)

// since polls once and fails the test on an error.
func since(t testing.TB, s *ton.Source, after domain.ChainCursor) ([]domain.Payment, domain.ChainCursor) {
	t.Helper()
	pays, next, err := s.Since(context.Background(), after)
	if err != nil {
		t.Fatalf("Since(%v): %v", after, err)
	}
	return pays, next
}

// started returns a chain with some history and the cursor of a first poll.
func started(t testing.TB, opts ...ton.Option) (*tontest.Chain, *ton.Source, domain.ChainCursor) {
	t.Helper()
	c := tontest.New(wallet)
	c.Pay(alice, domain.TON(9), "before the bot", t0.Add(-time.Hour))
	s := ton.NewSource(c, wallet, opts...)
	_, cur := since(t, s, domain.ChainCursor{})
	return c, s, cur
}

func wantLTs(t testing.TB, pays []domain.Payment, ids ...domain.TxID) {
	t.Helper()
	if len(pays) != len(ids) {
		t.Fatalf("got %d payments, want %d", len(pays), len(ids))
	}
	for i := range ids {
		if pays[i].Tx != ids[i] {
			t.Errorf("payment %d is %v, want %v", i, pays[i].Tx, ids[i])
		}
	}
}

func TestSource_FirstRun(t *testing.T) {
	t.Run("history is not ours", func(t *testing.T) {
		c := tontest.New(wallet)
		c.Pay(alice, domain.TON(1), "old", t0)
		c.Pay(bob, domain.TON(2), "older news", t0)
		pays, cur := since(t, ton.NewSource(c, wallet), domain.ChainCursor{})
		if len(pays) != 0 || cur != c.Head() {
			t.Fatalf("first run: %d payments, cursor %v; want none and %v", len(pays), cur, c.Head())
		}
	})
	t.Run("a fresh wallet's first transfer is read", func(t *testing.T) {
		c := tontest.New(wallet)
		s := ton.NewSource(c, wallet)
		pays, cur := since(t, s, domain.ChainCursor{})
		if len(pays) != 0 || cur != ton.BeforeFirst || cur.IsZero() {
			t.Fatalf("empty wallet: %d payments, cursor %v", len(pays), cur)
		}
		if pays, again := since(t, s, cur); len(pays) != 0 || again != cur {
			t.Fatalf("still empty: %d, %v", len(pays), again)
		}
		id := c.Receive(tontest.Transfer{From: alice, Amount: domain.TON(1), Comment: "first", Fate: tontest.Undeployed}, t0)
		pays, cur = since(t, s, cur)
		wantLTs(t, pays, id)
		if pays[0].Failed {
			t.Errorf("a transfer to an undeployed wallet keeps its value, but is Failed")
		}
		if cur != c.Head() {
			t.Errorf("cursor %v, want %v", cur, c.Head())
		}
	})
}

func TestSource_Since_OldestFirst(t *testing.T) {
	c, s, cur := started(t)
	var ids []domain.TxID
	for i := range 5 {
		ids = append(ids, c.Pay(alice, domain.TON(1)+domain.Nano(i), "rent K7QM 3XHA", t0.Add(time.Duration(i)*time.Minute)))
	}
	pays, next := since(t, s, cur)
	wantLTs(t, pays, ids...)
	if next != c.Head() {
		t.Errorf("cursor %v, want head %v", next, c.Head())
	}
	p := pays[2]
	wantFrom := alice.Bounce(false).String()
	if p.Amount != domain.TON(1)+2 || p.Comment != "rent K7QM 3XHA" || p.From != wantFrom ||
		!p.At.Equal(t0.Add(2*time.Minute)) || p.At.Location() != time.UTC || p.Bounced || p.Failed {
		t.Errorf("payment %+v", p)
	}
	if !strings.HasPrefix(p.From, "UQ") || p.Tx.Account != "0:"+hexOf(wallet.Data()) {
		t.Errorf("from %q account %q", p.From, p.Tx.Account)
	}
	if pays, again := since(t, s, next); len(pays) != 0 || again != next {
		t.Errorf("second poll: %d payments, cursor %v", len(pays), again)
	}
}

func TestSource_Since_Paging(t *testing.T) {
	for _, tc := range []struct {
		name      string
		pageSize  uint32
		pageLimit int // what the liteserver answers at most
		n         int
	}{
		{"pages of 3", 3, 0, 40},
		{"exactly one page", 5, 0, 5},
		{"one more than a page", 5, 0, 6},
		{"short pages: the liteserver answers 2 of 16", 16, 2, 33},
		{"pages of 1", 1, 0, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, s, cur := started(t, ton.WithPageSize(tc.pageSize))
			c.SetPageLimit(tc.pageLimit)
			var ids []domain.TxID
			for i := range tc.n {
				ids = append(ids, c.Pay(bob, domain.Nano(i+1), "", time.Time{}))
			}
			before := c.Calls().Transactions
			pays, next := since(t, s, cur)
			wantLTs(t, pays, ids...)
			if next != c.Head() {
				t.Errorf("cursor %v, want %v", next, c.Head())
			}
			per := int(tc.pageSize)
			if tc.pageLimit > 0 {
				per = tc.pageLimit
			}
			if got, want := c.Calls().Transactions-before, (tc.n+per-1)/per; got != want {
				t.Errorf("%d requests for %d transactions in pages of %d, want %d", got, tc.n, per, want)
			}
		})
	}
}

func TestSource_Since_ErrorsKeepTheCursor(t *testing.T) {
	for _, method := range []string{tontest.MethodMasterchain, tontest.MethodAccount, tontest.MethodTransactions} {
		t.Run(method, func(t *testing.T) {
			c, s, cur := started(t, ton.WithPageSize(2))
			var ids []domain.TxID
			for i := range 9 {
				ids = append(ids, c.Pay(alice, domain.Nano(1000+i), "", time.Time{}))
			}
			// Fail the third request of the method: for ListTransactions that
			// is a page in the middle of the walk back.
			n := 0
			boom := errors.New("liteserver gone")
			c.SetFault(func(m string) error {
				if m == method {
					if n++; n == 3 || method != tontest.MethodTransactions {
						return boom
					}
				}
				return nil
			})
			pays, next, err := s.Since(context.Background(), cur)
			if !errors.Is(err, boom) || pays != nil || next != cur {
				t.Fatalf("Since = %d payments, %v, %v; want none, the old cursor and the error", len(pays), next, err)
			}
			c.SetFault(nil)
			pays, next = since(t, s, cur)
			wantLTs(t, pays, ids...)
			if pays, _ := since(t, s, next); len(pays) != 0 {
				t.Errorf("payments read twice: %d", len(pays))
			}
		})
	}
}

func TestSource_Since_Canceled(t *testing.T) {
	c, s, cur := started(t, ton.WithPageSize(1))
	for range 5 {
		c.Pay(alice, 1, "", time.Time{})
	}
	c.SetDelay(5 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Millisecond)
	defer cancel()
	if pays, next, err := s.Since(ctx, cur); err == nil || pays != nil || next != cur {
		t.Fatalf("Since = %d, %v, %v; want an error and the old cursor", len(pays), next, err)
	}
}

func TestSource_Since_Restart(t *testing.T) {
	c, s, cur := started(t, ton.WithPageSize(4))
	first := []domain.TxID{c.Pay(alice, 10, "", time.Time{}), c.Pay(bob, 20, "", time.Time{})}
	pays, saved := since(t, s, cur)
	wantLTs(t, pays, first...)
	later := []domain.TxID{c.Pay(alice, 30, "", time.Time{}), c.Pay(bob, 40, "", time.Time{})}
	// A new process with the journaled cursor sees only what came after it.
	restarted := ton.NewSource(c, wallet, ton.WithPageSize(4))
	pays, _ = since(t, restarted, saved)
	wantLTs(t, pays, later...)
}

func TestSource_Since_Flags(t *testing.T) {
	c, s, cur := started(t)
	huge := new(big.Int).Lsh(big.NewInt(1), 64)
	paid := c.Pay(alice, domain.TON(2), "ok", time.Time{})
	bounced := c.Bounce(bob, domain.TON(3), time.Time{})
	aborted := c.Aborted(bob, domain.TON(4), "K7QM-3XHA", time.Time{})
	out := c.Outgoing(bob, domain.TON(1), time.Time{})
	fresh := c.Receive(tontest.Transfer{From: alice, Amount: 5, Fate: tontest.Undeployed}, time.Time{})
	over := c.Receive(tontest.Transfer{From: alice, Nano: huge, Comment: "K7QM-3XHA"}, time.Time{})
	pays, next := since(t, s, cur)
	wantLTs(t, pays, paid, bounced, aborted, fresh, over)
	if next.LT != over.LT || next.LT <= out.LT {
		t.Errorf("cursor %v", next)
	}
	for _, tc := range []struct {
		name              string
		p                 domain.Payment
		wBounced, wFailed bool
		wAmount           domain.Nano
	}{
		{"plain", pays[0], false, false, domain.TON(2)},
		{"bounce of our transfer", pays[1], true, false, domain.TON(3)},
		{"aborted and sent back", pays[2], false, true, domain.TON(4)},
		{"undeployed wallet keeps it", pays[3], false, false, 5},
		{"amount beyond int64", pays[4], false, true, 0},
	} {
		if tc.p.Bounced != tc.wBounced || tc.p.Failed != tc.wFailed || tc.p.Amount != tc.wAmount {
			t.Errorf("%s: bounced %v failed %v amount %d; want %v %v %d", tc.name,
				tc.p.Bounced, tc.p.Failed, tc.p.Amount, tc.wBounced, tc.wFailed, tc.wAmount)
		}
	}
	// The register ignores every flagged one, even with a good code.
	reg := domain.NewPayments()
	for _, p := range pays[1:] {
		if p == pays[3] {
			continue
		}
		ev, err := reg.Receive(p, t0)
		if err != nil || ev.Outcome != domain.OutcomeIgnored {
			t.Errorf("%v: %+v, %v", p.Tx, ev, err)
		}
	}
}

func TestSource_Since_OutgoingOnly(t *testing.T) {
	c, s, cur := started(t)
	c.Outgoing(bob, domain.TON(1), time.Time{})
	pays, next := since(t, s, cur)
	if len(pays) != 0 || next != c.Head() || next == cur {
		t.Fatalf("Since = %d payments, cursor %v; want none and the head %v", len(pays), next, c.Head())
	}
}

func TestSource_Since_LaggingLiteserver(t *testing.T) {
	c, s, cur := started(t)
	c.Pay(alice, 1, "", time.Time{})
	c.Pay(alice, 2, "", time.Time{})
	_, cur = since(t, s, cur)
	c.SetLag(2) // a pool member two blocks behind what we have read
	pays, next := since(t, s, cur)
	if len(pays) != 0 || next != cur {
		t.Fatalf("lagging server: %d payments, cursor %v; want none and %v", len(pays), next, cur)
	}
}

// tampered is a Chain whose pages a test can spoil.
type tampered struct {
	ton.Chain
	page func([]*tlb.Transaction) []*tlb.Transaction
}

func (c tampered) ListTransactions(ctx context.Context, addr *address.Address, num uint32, lt uint64, h []byte) ([]*tlb.Transaction, error) {
	txs, err := c.Chain.ListTransactions(ctx, addr, num, lt, h)
	if err != nil {
		return nil, err
	}
	return c.page(txs), nil
}

func TestSource_Since_BrokenPages(t *testing.T) {
	for _, tc := range []struct {
		name string
		page func([]*tlb.Transaction) []*tlb.Transaction
	}{
		{"empty", func([]*tlb.Transaction) []*tlb.Transaction { return nil }},
		{"nil transaction", func(p []*tlb.Transaction) []*tlb.Transaction { return append(p, nil) }},
		{"does not end where asked", func(p []*tlb.Transaction) []*tlb.Transaction { return p[:len(p)-1] }},
		{"a hole inside", func(p []*tlb.Transaction) []*tlb.Transaction { return append(p[:1:1], p[2:]...) }},
		{"newest first", func(p []*tlb.Transaction) []*tlb.Transaction {
			r := make([]*tlb.Transaction, len(p))
			for i := range p {
				r[len(p)-1-i] = p[i]
			}
			return r
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tontest.New(wallet)
			c.Pay(alice, 1, "", time.Time{})
			cur := c.Head()
			for range 4 {
				c.Pay(alice, 2, "", time.Time{})
			}
			s := ton.NewSource(tampered{Chain: c, page: tc.page}, wallet, ton.WithPageSize(3))
			pays, next, err := s.Since(context.Background(), cur)
			if !errors.Is(err, ton.ErrBrokenChain) || pays != nil || next != cur {
				t.Fatalf("Since = %d, %v, %v; want ErrBrokenChain and the old cursor", len(pays), next, err)
			}
		})
	}
}

// noTx is a Chain whose liteserver knows no transactions at all, as
// tonutils-go reports an account it has no history for.
type noTx struct{ ton.Chain }

func (noTx) ListTransactions(context.Context, *address.Address, uint32, uint64, []byte) ([]*tlb.Transaction, error) {
	return nil, tonapi.ErrNoTransactionsWereFound
}

func TestSource_Since_HistoryGone(t *testing.T) {
	c, _, cur := started(t)
	c.Pay(alice, 1, "", time.Time{})
	_, next, err := ton.NewSource(noTx{c}, wallet).Since(context.Background(), cur)
	if !errors.Is(err, tonapi.ErrNoTransactionsWereFound) || next != cur {
		t.Fatalf("Since = %v, %v", next, err)
	}
}
