package tontest

import (
	"encoding/hex"
	"time"

	tonapi "github.com/xssnick/tonutils-go/ton"

	"allot/adapters/ton"
	"allot/domain"
)

// errNotInDB is what a real liteserver answers for a transaction it no
// longer holds, code and text as tonutils-go hands them on: ordinary
// liteservers keep a limited history and forget what is older.
var errNotInDB = tonapi.LSError{Code: -400, Text: "cannot compute block with specified transaction: lt not in db"}

// PruneBelow makes the chain forget the wallet's transactions with a
// logical time below lt, as a liteserver that keeps a limited history
// does: asking for one of them fails with the liteserver's "lt not in db"
// error, and a page that reaches back past them stops short at the oldest
// one still held. The account state is untouched. Pruning never unforgets:
// a lower lt than before is ignored.
func (c *Chain) PruneBelow(lt uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.heldFrom = max(c.heldFrom, lt)
}

// Oldest is the cursor of the oldest transaction the chain still holds and
// its time; zero when it holds none.
func (c *Chain) Oldest() (domain.ChainCursor, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.txs {
		if e.lt >= c.heldFrom {
			tx, err := ton.DecodeTransaction(e.boc)
			if err != nil { // stored by add, which decoded it already
				panic(err)
			}
			return domain.ChainCursor{LT: e.lt, Hash: hex.EncodeToString(e.hash)}, time.Unix(int64(tx.Now), 0).UTC()
		}
	}
	return domain.ChainCursor{}, time.Time{}
}
