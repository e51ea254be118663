package stocker

import (
	"context"
	"time"

	"allot/actors"
	"allot/domain"
)

// Engine is what the stocker needs of the engine: the pools it fills and
// empties, the pool steps it journals around each write, the proxies it
// logs, and the hook-up that lets pools poke it. *actors.Engine is one.
// Every method may be called from the stocker's goroutine while the
// engine serves others; none of them waits on the spreadsheet.
type Engine interface {
	Kinds() domain.KindsConfig
	Now() time.Time // the default clock: the pools' "today"
	Regions() []string
	TodayOnly() bool
	FindUser(ctx context.Context, ref string) (domain.User, error)

	Pools() []actors.PoolCounts
	Pool(ctx context.Context, key string) (*domain.Pool, error)
	LoadStock(ctx context.Context, key string, rows [][]string, claims []string) (int, error)
	ReturnStock(ctx context.Context, key string, ids []string) error
	StockReturned(ctx context.Context, key string, ids []string) error
	StockDeleted(ctx context.Context, key string, claims []string) error
	StartFlush(ctx context.Context, key, id string) (map[string]domain.FlushAttempt, error)
	FinishFlush(ctx context.Context, key string, ids []string) error

	UnsyncedProxies() []string
	ProxyForSheet(ctx context.Context, id string) (*domain.Proxy, error)
	ProxySynced(ctx context.Context, id string, seq uint64) error

	AttachStock(loop actors.StockLoop) (*actors.Stocker, error)
	DetachStock(h *actors.Stocker)
}

var _ Engine = (*actors.Engine)(nil)
