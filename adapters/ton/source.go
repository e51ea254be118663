package ton

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/xssnick/tonutils-go/address"
	"github.com/xssnick/tonutils-go/tlb"
	tonapi "github.com/xssnick/tonutils-go/ton"

	"allot/actors"
	"allot/domain"
)

// DefaultPageSize is how many transactions Source asks for at once. The
// reference liteserver answers at most 16 per request whatever is asked
// (max_transaction_count in ton's validator/impl/liteserver.hpp), so asking
// for more only looks faster; Source pages on until it meets the cursor.
const DefaultPageSize = 16

var _ actors.ChainSource = (*Source)(nil)

// BeforeFirst is the cursor Source returns on the first poll of a wallet
// that has no transactions yet: "before the first transaction" (whose
// previous transaction is lt 0 with an all-zero hash). It is not the zero
// cursor, so the first transfer to a fresh wallet is read as a payment, not
// stepped over as history.
var BeforeFirst = domain.ChainCursor{LT: 0, Hash: strings.Repeat("0", 64)}

// Source reads new incoming transfers to one wallet. It keeps no state
// between calls but counters (the cursor is the caller's), so it is safe
// for concurrent use and a restart loses nothing.
type Source struct {
	chain    Chain
	wallet   *address.Address
	account  string // raw form, for TxIDs
	testnet  bool
	pageSize uint32
	usdt     *JettonAccount // nil: TON only
	log      *slog.Logger
	rejects  rejects
}

// Option adjusts a Source.
type Option func(*Source)

// WithPageSize sets how many transactions one request asks for; tests use
// small pages to exercise paging.
func WithPageSize(n uint32) Option {
	return func(s *Source) {
		if n > 0 {
			s.pageSize = n
		}
	}
}

// WithTestnet makes senders' addresses carry the testnet flag.
func WithTestnet(testnet bool) Option { return func(s *Source) { s.testnet = testnet } }

// WithLogger sets where the source reports the jetton notifications it
// refuses; the default is slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(s *Source) {
		if l != nil {
			s.log = l
		}
	}
}

// NewSource returns a Source of the transfers to wallet.
func NewSource(chain Chain, wallet *address.Address, opts ...Option) *Source {
	s := &Source{chain: chain, wallet: wallet, account: Raw(wallet), pageSize: DefaultPageSize, log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	if s.usdt != nil { // notifications to the watched wallet, rendered as its senders are
		s.usdt.Owner, s.usdt.Testnet = wallet, s.testnet
	}
	return s
}

// Wallet is the raw form of the watched wallet ("0:<hex>"): the identity
// the watcher and every TxID use.
func (s *Source) Wallet() string { return s.account }

// Since returns the transfers to the wallet after the transaction at
// after, oldest first, and the cursor of the newest transaction it read;
// see the package doc for the rules. On an error it returns after itself.
func (s *Source) Since(ctx context.Context, after domain.ChainCursor) ([]domain.Payment, domain.ChainCursor, error) {
	if s.chain == nil || s.wallet == nil {
		return nil, after, fmt.Errorf("%w: a source needs a chain and a wallet", ErrDisabled)
	}
	if st, ok := s.chain.(sticky); ok {
		ctx = st.StickyContext(ctx)
	}
	head, err := s.head(ctx)
	if err != nil {
		return nil, after, err
	}
	if next, done := start(head, after); done {
		return nil, next, nil
	}
	txs, err := s.newer(ctx, head, after)
	if err != nil || len(txs) == 0 {
		return nil, after, err
	}
	last := txs[len(txs)-1]
	return s.payments(txs), cursorOf(last.LT, last.Hash), nil
}

// start decides the polls that need no paging back: a fresh wallet, the
// first poll ever, and nothing new (or a liteserver behind the cursor).
func start(head txRef, after domain.ChainCursor) (domain.ChainCursor, bool) {
	switch {
	case head.LT == 0 && after.IsZero(): // a fresh wallet: everything to come is ours
		return BeforeFirst, true
	case head.LT == 0: // no transactions yet, or a liteserver that does not see them
		return after, true
	case after.IsZero():
		return cursorOf(head.LT, head.Hash), true
	case head.LT <= after.LT:
		return after, true
	}
	return after, false
}

// payments converts the transfers among txs, in order.
func (s *Source) payments(txs []*tlb.Transaction) []domain.Payment {
	pays := make([]domain.Payment, 0, len(txs))
	for _, tx := range txs {
		if p, ok := s.payment(tx); ok {
			pays = append(pays, p)
		}
	}
	return pays
}

// txRef names one transaction of the wallet.
type txRef struct {
	LT   uint64
	Hash []byte
}

func cursorOf(lt uint64, hash []byte) domain.ChainCursor {
	return domain.ChainCursor{LT: lt, Hash: hex.EncodeToString(hash)}
}

// head reads the wallet's newest transaction in the newest block; zero when
// the account has none.
func (s *Source) head(ctx context.Context) (txRef, error) {
	block, err := s.chain.CurrentMasterchainInfo(ctx)
	if err != nil {
		return txRef{}, fmt.Errorf("ton: read the masterchain head: %w", err)
	}
	if block == nil {
		return txRef{}, fmt.Errorf("ton: read the masterchain head: %w: no block", ErrBrokenChain)
	}
	acc, err := s.chain.GetAccount(ctx, block, s.wallet)
	if err != nil {
		return txRef{}, fmt.Errorf("ton: read account %s in block %d: %w", s.account, block.SeqNo, err)
	}
	if acc == nil || acc.LastTxLT == 0 {
		return txRef{}, nil
	}
	if len(acc.LastTxHash) != 32 {
		return txRef{}, fmt.Errorf("ton: account %s: %w: last transaction hash of %d bytes", s.account, ErrBrokenChain, len(acc.LastTxHash))
	}
	return txRef{LT: acc.LastTxLT, Hash: acc.LastTxHash}, nil
}

// newer pages back from head until it holds every transaction after the
// cursor and returns them, oldest first. Each page must end where it was
// asked to and link up inside; a short page just means another request.
func (s *Source) newer(ctx context.Context, head txRef, after domain.ChainCursor) ([]*tlb.Transaction, error) {
	var pages [][]*tlb.Transaction // newest page first
	at := head
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("ton: page back from %d: %w", at.LT, err)
		}
		page, err := s.chain.ListTransactions(ctx, s.wallet, s.pageSize, at.LT, at.Hash)
		if err != nil {
			if len(pages) > 0 && notHeld(err) {
				err = prunedAt(at, pages[len(pages)-1][0], err)
			}
			return nil, fmt.Errorf("ton: list transactions of %s up to %d: %w", s.account, at.LT, err)
		}
		if err := checkPage(page, at); err != nil {
			return nil, fmt.Errorf("ton: transactions of %s up to %d: %w", s.account, at.LT, err)
		}
		keep, done := newerThan(page, after.LT)
		pages = append(pages, keep)
		oldest := page[0]
		// Done when the page reached the cursor, or the transaction before
		// it is the cursor (or older: lt 0 is before the account's first).
		if done || oldest.PrevTxLT <= after.LT {
			return flatten(pages), nil
		}
		at = txRef{LT: oldest.PrevTxLT, Hash: oldest.PrevTxHash}
	}
}

// checkPage refuses a page that does not end at want or does not link up,
// so a confused liteserver can never make Source skip or invent anything.
func checkPage(page []*tlb.Transaction, want txRef) error {
	if len(page) == 0 {
		return fmt.Errorf("%w: empty page", ErrBrokenChain)
	}
	for i, tx := range page {
		if tx == nil {
			return fmt.Errorf("%w: missing transaction", ErrBrokenChain)
		}
		if i > 0 && (tx.PrevTxLT != page[i-1].LT || !bytes.Equal(tx.PrevTxHash, page[i-1].Hash) || tx.LT <= tx.PrevTxLT) {
			return fmt.Errorf("%w: transaction %d does not follow %d", ErrBrokenChain, tx.LT, page[i-1].LT)
		}
	}
	last := page[len(page)-1]
	if last.LT != want.LT || !bytes.Equal(last.Hash, want.Hash) {
		return fmt.Errorf("%w: page ends at %d, not %d", ErrBrokenChain, last.LT, want.LT)
	}
	if first := page[0]; first.PrevTxLT >= first.LT {
		return fmt.Errorf("%w: transaction %d points forward to %d", ErrBrokenChain, first.LT, first.PrevTxLT)
	}
	return nil
}

// newerThan returns the transactions of an oldest-first page that come
// after lt, and whether the page reached lt. Logical time orders one
// account's transactions, so the first one at or before lt is the boundary
// even if its hash is not the cursor's.
func newerThan(page []*tlb.Transaction, lt uint64) ([]*tlb.Transaction, bool) {
	for i := len(page) - 1; i >= 0; i-- {
		if page[i].LT <= lt {
			return page[i+1:], true
		}
	}
	return page, false
}

// notHeld reports whether err is a liteserver's refusal of a transaction
// it no longer holds: "cannot compute block with specified transaction: lt
// not in db", code -400 (the code tonutils-go's own scans read as "archive
// node is needed"). The same code also means "not ready yet" for blocks, so
// the text must say "not in db" too. tonutils-go's retrier has already asked
// every liteserver in the pool, archive ones included, before this reaches
// us; a timeout or a broken connection is never this.
func notHeld(err error) bool {
	var ls tonapi.LSError
	return errors.As(err, &ls) && ls.Code == -400 && strings.Contains(ls.Text, "not in db")
}

// prunedAt is the watcher's cue to resume after a gap: the transaction at
// at is gone, and oldest (the one after it) is the oldest still held.
func prunedAt(at txRef, oldest *tlb.Transaction, err error) error {
	return &actors.PrunedError{Resume: cursorOf(at.LT, at.Hash), OldestLT: oldest.LT,
		OldestAt: time.Unix(int64(oldest.Now), 0).UTC(), Err: err}
}

func flatten(pages [][]*tlb.Transaction) []*tlb.Transaction {
	var out []*tlb.Transaction
	for i := len(pages) - 1; i >= 0; i-- {
		out = append(out, pages[i]...)
	}
	return out
}
