package ton

import (
	"fmt"
	"os"

	"github.com/xssnick/tonutils-go/tlb"
	"github.com/xssnick/tonutils-go/tvm/cell"
)

// DecodeTransaction reads one transaction serialized as a bag of cells, as
// a liteserver sends it, and sets its Hash (which tonutils-go leaves to the
// caller) to the hash of its root cell. Malformed bytes are an error
// (ErrMalformed), never a panic.
func DecodeTransaction(boc []byte) (tx *tlb.Transaction, err error) {
	defer guard("decode transaction", &err)
	if err := checkBOC(boc); err != nil {
		return nil, err
	}
	root, err := cell.FromBOC(boc)
	if err != nil {
		return nil, fmt.Errorf("ton: decode transaction: %w", err)
	}
	return loadTransaction(root)
}

func loadTransaction(c *cell.Cell) (*tlb.Transaction, error) {
	var tx tlb.Transaction
	if err := tlb.LoadFromCell(&tx, c.BeginParse()); err != nil {
		return nil, fmt.Errorf("ton: load transaction: %w", err)
	}
	tx.Hash = c.Hash()
	return &tx, nil
}

// LoadBlockTransactions reads every transaction of a block saved as a bag
// of cells; it is how tests feed real mainnet data to the payment matcher.
func LoadBlockTransactions(path string) ([]*tlb.Transaction, error) {
	boc, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ton: read block: %w", err)
	}
	return BlockTransactions(boc)
}

// BlockTransactions reads every transaction of a serialized block, by
// account and then by logical time, each with its Hash set.
func BlockTransactions(boc []byte) (txs []*tlb.Transaction, err error) {
	defer guard("decode block", &err)
	if err := checkBOC(boc); err != nil {
		return nil, err
	}
	root, err := cell.FromBOC(boc)
	if err != nil {
		return nil, fmt.Errorf("ton: decode block: %w", err)
	}
	var block tlb.Block
	if err := tlb.LoadFromCell(&block, root.BeginParse()); err != nil {
		return nil, fmt.Errorf("ton: load block: %w", err)
	}
	if block.Extra == nil || block.Extra.ShardAccountBlocks == nil {
		return nil, fmt.Errorf("ton: block has no account blocks")
	}
	var shard tlb.ShardAccountBlocks
	if err := tlb.LoadFromCell(&shard, block.Extra.ShardAccountBlocks.BeginParse()); err != nil {
		return nil, fmt.Errorf("ton: load account blocks: %w", err)
	}
	if shard.Accounts == nil {
		return nil, nil
	}
	accounts, err := shard.Accounts.LoadAll()
	if err != nil {
		return nil, fmt.Errorf("ton: list account blocks: %w", err)
	}
	var out []*tlb.Transaction
	for _, kv := range accounts {
		txs, err := accountTransactions(kv.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, txs...)
	}
	return out, nil
}

// accountTransactions reads one entry of ShardAccountBlocks: the account's
// total fees (a CurrencyCollection), then its AccountBlock, whose
// transactions dictionary holds, per logical time, fees and a reference to
// the transaction.
func accountTransactions(s *cell.Slice) ([]*tlb.Transaction, error) {
	var ab tlb.AccountBlock
	if err := tlb.LoadFromCell(new(tlb.CurrencyCollection), s); err != nil {
		return nil, fmt.Errorf("ton: load account fees: %w", err)
	}
	if err := tlb.LoadFromCell(&ab, s); err != nil {
		return nil, fmt.Errorf("ton: load account block: %w", err)
	}
	if ab.Transactions == nil {
		return nil, nil
	}
	entries, err := ab.Transactions.LoadAll()
	if err != nil {
		return nil, fmt.Errorf("ton: list transactions of %x: %w", ab.Addr, err)
	}
	out := make([]*tlb.Transaction, 0, len(entries))
	for _, e := range entries {
		if err := tlb.LoadFromCell(new(tlb.CurrencyCollection), e.Value); err != nil {
			return nil, fmt.Errorf("ton: load transaction fees: %w", err)
		}
		ref, err := e.Value.LoadRef()
		if err != nil {
			return nil, fmt.Errorf("ton: load transaction reference: %w", err)
		}
		c, err := ref.ToCell()
		if err != nil {
			return nil, fmt.Errorf("ton: load transaction cell: %w", err)
		}
		tx, err := loadTransaction(c)
		if err != nil {
			return nil, err
		}
		out = append(out, tx)
	}
	return out, nil
}
