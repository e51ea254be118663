package tontest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/big"
	"sync"
	"time"

	"github.com/xssnick/tonutils-go/address"
	"github.com/xssnick/tonutils-go/tlb"
	tonapi "github.com/xssnick/tonutils-go/ton"

	"allot/adapters/ton"
	"allot/domain"
)

var _ ton.Chain = (*Chain)(nil)

// Errors of the fake chain.
var (
	ErrInjected  = errors.New("tontest: injected failure")
	ErrUnknownTx = errors.New("tontest: no such transaction")
)

// The methods of ton.Chain, as SetFault names them.
const (
	MethodMasterchain  = "CurrentMasterchainInfo"
	MethodAccount      = "GetAccount"
	MethodTransactions = "ListTransactions"
)

// firstLT is where the fake's logical time starts: the size of mainnet's,
// so nothing that assumes small numbers passes by accident.
const firstLT = 47_000_000_000_000

// Calls counts the requests a Chain has answered or refused, by method.
type Calls struct {
	Masterchain, Account, Transactions int
}

// entry is one transaction as the chain stores it: serialized, as a
// liteserver keeps it, and decoded afresh for every answer.
type entry struct {
	boc     []byte
	lt      uint64
	hash    []byte
	seqno   uint32   // the masterchain block that first shows it
	balance *big.Int // the wallet's balance after it
}

// Chain is a fake TON chain with one wallet on it. Every transaction is a
// real serialized tlb.Transaction, linked to the one before by PrevTxLT and
// PrevTxHash, and decoded by the same code that decodes a liteserver's
// answer, so Hash, LT and Now are what the real client would report. It is
// safe for concurrent use; the Set methods and FailNext may be called while
// it serves.
type Chain struct {
	wallet *address.Address

	mu        sync.Mutex
	txs       []entry // oldest first
	seqno     uint32
	clock     time.Time
	lag       uint32
	pageLimit int
	delay     time.Duration
	failN     int
	failErr   error
	fault     func(method string) error
	calls     Calls
	heldFrom  uint64 // transactions below this logical time are forgotten (prune.go)
}

// MaxPage is how many transactions one ListTransactions answers at most
// unless SetPageLimit says otherwise: the reference liteserver's cap.
const MaxPage = 16

// New returns a chain on which wallet has no transactions yet.
func New(wallet *address.Address) *Chain {
	return &Chain{wallet: wallet, seqno: 1, pageLimit: MaxPage, clock: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// Wallet is the wallet the chain serves.
func (c *Chain) Wallet() *address.Address { return c.wallet }

// Pay adds a plain transfer that the wallet kept: what a person paying an
// invoice produces. A zero at means "a few seconds after the last one".
func (c *Chain) Pay(from *address.Address, amount domain.Nano, comment string, at time.Time) domain.TxID {
	return c.Receive(Transfer{From: from, Amount: amount, Comment: comment}, at)
}

// Bounce adds the return of one of our own transfers: an inbound message
// flagged as bounced.
func (c *Chain) Bounce(from *address.Address, amount domain.Nano, at time.Time) domain.TxID {
	return c.Receive(Transfer{From: from, Amount: amount, Bounced: true}, at)
}

// Aborted adds a bounceable transfer that the wallet's code refused: the
// transaction aborts and its bounce phase sends the value back.
func (c *Chain) Aborted(from *address.Address, amount domain.Nano, comment string, at time.Time) domain.TxID {
	return c.Receive(Transfer{From: from, Amount: amount, Comment: comment, Bounceable: true, Fate: Returned}, at)
}

// Receive adds an incoming transfer as t describes it. It panics if the
// transaction cannot be serialized, which is a bug in the fake.
func (c *Chain) Receive(t Transfer, at time.Time) domain.TxID {
	return c.mustAdd(at, func(l link) *tlb.Transaction { return incoming(c.wallet, l, t) })
}

// Outgoing adds our own wallet's transfer of amount to to: a transaction
// with no inbound internal message, which moves the cursor and pays nobody.
func (c *Chain) Outgoing(to *address.Address, amount domain.Nano, at time.Time) domain.TxID {
	coins := tlb.FromNanoTONU(uint64(max(amount, 0)))
	return c.mustAdd(at, func(l link) *tlb.Transaction { return outgoing(c.wallet, l, to, coins) })
}

// Replay adds a real transaction (from a mainnet block, say) to the
// wallet's history: its messages, fees and description stay as they were,
// while its account, logical time and link to the previous transaction are
// rewritten so that the chain stays consistent. The inbound message is
// addressed to the wallet.
func (c *Chain) Replay(tx *tlb.Transaction) (domain.TxID, error) {
	if tx == nil {
		return domain.TxID{}, fmt.Errorf("tontest: replay of no transaction")
	}
	return c.add(time.Unix(int64(tx.Now), 0), func(l link) *tlb.Transaction {
		cp := *tx
		cp.AccountAddr, cp.LT, cp.PrevTxLT, cp.PrevTxHash, cp.Hash = c.wallet.Data(), l.lt, l.prevLT, l.prevHash, nil
		if cp.PrevTxHash == nil {
			cp.PrevTxHash = make([]byte, 32)
		}
		if in := tx.IO.In; in != nil {
			if m, ok := in.Msg.(*tlb.InternalMessage); ok && m != nil {
				mc := *m
				mc.DstAddr = c.wallet
				cp.IO.In = &tlb.Message{MsgType: in.MsgType, Msg: &mc}
			}
		}
		return &cp
	})
}

// ReplayAll replays txs in order.
func (c *Chain) ReplayAll(txs []*tlb.Transaction) error {
	for _, tx := range txs {
		if _, err := c.Replay(tx); err != nil {
			return err
		}
	}
	return nil
}

func (c *Chain) mustAdd(at time.Time, build func(link) *tlb.Transaction) domain.TxID {
	id, err := c.add(at, build)
	if err != nil {
		panic(err)
	}
	return id
}

// add links, serializes and stores one transaction. Each lands in a new
// masterchain block.
func (c *Chain) add(at time.Time, build func(link) *tlb.Transaction) (domain.TxID, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := link{lt: firstLT}
	if n := len(c.txs); n > 0 {
		prev := c.txs[n-1]
		l = link{lt: prev.lt + 1000, prevLT: prev.lt, prevHash: prev.hash}
	}
	if at.IsZero() {
		c.clock = c.clock.Add(5 * time.Second)
		at = c.clock
	}
	if u := at.Unix(); u < 0 || u > math.MaxUint32 {
		return domain.TxID{}, fmt.Errorf("tontest: time %v does not fit the chain's clock", at)
	}
	l.now = uint32(at.Unix())
	boc, tx, err := seal(build(l))
	if err != nil {
		return domain.TxID{}, err
	}
	c.seqno++
	c.txs = append(c.txs, entry{boc: boc, lt: tx.LT, hash: tx.Hash, seqno: c.seqno, balance: c.balanceAfter(tx)})
	return domain.TxID{Account: ton.Raw(c.wallet), LT: tx.LT, Hash: hex.EncodeToString(tx.Hash)}, nil
}

// balanceAfter is a plausible balance: what came in and stayed, less what
// went out, never below zero.
func (c *Chain) balanceAfter(tx *tlb.Transaction) *big.Int {
	b := new(big.Int)
	if n := len(c.txs); n > 0 {
		b.Set(c.txs[n-1].balance)
	}
	if p, ok := ton.ToPayment(tx, "", false); ok && !p.Failed && !p.Bounced {
		b.Add(b, tx.IO.In.Msg.(*tlb.InternalMessage).Amount.Nano())
	}
	if tx.IO.Out != nil {
		msgs, _ := tx.IO.Out.ToSlice()
		for _, m := range msgs {
			if im, ok := m.Msg.(*tlb.InternalMessage); ok {
				b.Sub(b, im.Amount.Nano())
			}
		}
	}
	if b.Sign() < 0 {
		b.SetInt64(0)
	}
	return b
}

// Head is the cursor of the wallet's newest transaction; zero when it has
// none.
func (c *Chain) Head() domain.ChainCursor {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.txs) == 0 {
		return domain.ChainCursor{}
	}
	last := c.txs[len(c.txs)-1]
	return domain.ChainCursor{LT: last.lt, Hash: hex.EncodeToString(last.hash)}
}

// Len is the number of transactions of the wallet.
func (c *Chain) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.txs)
}

// FailNext makes the next n requests, of any method, fail with err
// (ErrInjected when err is nil).
func (c *Chain) FailNext(n int, err error) {
	if err == nil {
		err = ErrInjected
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failN, c.failErr = n, err
}

// SetFault installs a function asked before every request; the error it
// returns, if any, is the answer. It lets a test fail one method only, or
// only after some condition. Nil removes it.
func (c *Chain) SetFault(fn func(method string) error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fault = fn
}

// SetDelay makes every request take at least d, or until its context ends.
func (c *Chain) SetDelay(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.delay = d
}

// SetPageLimit caps how many transactions one ListTransactions answers,
// whatever is asked, as real liteservers do (MaxPage by default); 0
// removes the cap.
func (c *Chain) SetPageLimit(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pageLimit = n
}

// SetLag makes the chain's newest block the one blocks behind the truth, as
// a liteserver that is catching up reports it: the wallet's newest
// transactions are not in its account state yet.
func (c *Chain) SetLag(blocks uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lag = blocks
}

// Calls returns how many requests each method has had.
func (c *Chain) Calls() Calls {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

// begin counts a request, waits the delay and decides whether it fails.
func (c *Chain) begin(ctx context.Context, method string, count *int) error {
	c.mu.Lock()
	*count++
	delay, fault := c.delay, c.fault
	var err error
	if c.failN > 0 {
		c.failN--
		err = c.failErr
	}
	c.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	if err == nil && fault != nil {
		err = fault(method)
	}
	if err == nil {
		err = ctx.Err()
	}
	return err
}

// CurrentMasterchainInfo returns the newest block, less the lag. Every new
// transaction makes a new block.
func (c *Chain) CurrentMasterchainInfo(ctx context.Context) (*tonapi.BlockIDExt, error) {
	if err := c.begin(ctx, MethodMasterchain, &c.calls.Masterchain); err != nil {
		return nil, err
	}
	c.mu.Lock()
	seqno := c.seqno - min(c.lag, c.seqno-1)
	c.mu.Unlock()
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], seqno)
	root, file := sha256.Sum256(append([]byte("root"), b[:]...)), sha256.Sum256(append([]byte("file"), b[:]...))
	return &tonapi.BlockIDExt{Workchain: address.MasterchainID, Shard: math.MinInt64, SeqNo: seqno,
		RootHash: root[:], FileHash: file[:]}, nil
}

// GetAccount returns the wallet as of block: its newest transaction in that
// block or before. Any other address is an account that does not exist.
func (c *Chain) GetAccount(ctx context.Context, block *tonapi.BlockIDExt, addr *address.Address) (*tlb.Account, error) {
	if err := c.begin(ctx, MethodAccount, &c.calls.Account); err != nil {
		return nil, err
	}
	if block == nil || addr == nil {
		return nil, fmt.Errorf("tontest: GetAccount needs a block and an address")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if block.SeqNo > c.seqno {
		return nil, fmt.Errorf("tontest: block %d is not known yet", block.SeqNo)
	}
	if !addr.Equals(c.wallet) {
		return &tlb.Account{IsActive: false}, nil
	}
	i := len(c.txs) - 1
	for i >= 0 && c.txs[i].seqno > block.SeqNo {
		i--
	}
	if i < 0 {
		return &tlb.Account{IsActive: false}, nil
	}
	e := c.txs[i]
	st := &tlb.AccountState{IsValid: true, Address: c.wallet}
	st.Status, st.LastTransactionLT, st.Balance = tlb.AccountStatusActive, e.lt, tlb.FromNanoTON(e.balance)
	return &tlb.Account{IsActive: true, State: st, LastTxLT: e.lt, LastTxHash: bytes.Clone(e.hash)}, nil
}

// ListTransactions returns up to num transactions of the wallet ending at
// (lt, txHash), oldest first, decoded afresh; fewer under a page limit.
func (c *Chain) ListTransactions(ctx context.Context, addr *address.Address, num uint32, lt uint64, txHash []byte) ([]*tlb.Transaction, error) {
	if err := c.begin(ctx, MethodTransactions, &c.calls.Transactions); err != nil {
		return nil, err
	}
	if addr == nil || !addr.Equals(c.wallet) {
		return nil, tonapi.ErrNoTransactionsWereFound
	}
	if num == 0 {
		return nil, fmt.Errorf("tontest: ListTransactions of 0 transactions")
	}
	bocs, err := c.page(int(min(num, math.MaxInt32)), lt, txHash)
	if err != nil {
		return nil, err
	}
	out := make([]*tlb.Transaction, 0, len(bocs))
	for _, b := range bocs {
		tx, err := ton.DecodeTransaction(b)
		if err != nil {
			return nil, err
		}
		out = append(out, tx)
	}
	return out, nil
}

func (c *Chain) page(num int, lt uint64, txHash []byte) ([][]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pageLimit > 0 {
		num = min(num, c.pageLimit)
	}
	end := -1
	for i := len(c.txs) - 1; i >= 0; i-- {
		if c.txs[i].lt == lt && bytes.Equal(c.txs[i].hash, txHash) {
			end = i
			break
		}
	}
	if end < 0 {
		return nil, fmt.Errorf("%w: %d:%x", ErrUnknownTx, lt, txHash)
	}
	if lt < c.heldFrom {
		return nil, errNotInDB
	}
	var out [][]byte
	for i := max(0, end-num+1); i <= end; i++ {
		if c.txs[i].lt >= c.heldFrom {
			out = append(out, c.txs[i].boc)
		}
	}
	return out, nil
}
