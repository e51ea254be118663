package httpapi

import (
	"github.com/prometheus/client_golang/prometheus"

	"allot/actors"
)

// StockSource is the stocker as its metrics see it; *actors.Stocker is one.
// Status must be cheap and safe to call from any goroutine.
type StockSource interface {
	Status() actors.StockStatus
}

// PoolSource gives every pool's sizes; *actors.Engine is one.
type PoolSource interface {
	Pools() []actors.PoolCounts
}

var _ StockSource = (*actors.Stocker)(nil)
var _ PoolSource = (*actors.Engine)(nil)

// The distribution's series: what the stocker moved between the
// spreadsheet and the pools, and what each pool holds now.
var (
	descStockLoads    = desc("stock_loads_total", "Stock tab passes that claimed rows into pools.")
	descStockRows     = desc("stock_rows_loaded_total", "Rows claimed from the stock tabs into pools.")
	descStockFlushes  = desc("stock_flushes_total", "Feedback buffers written to the issued tabs.")
	descStockFlushed  = desc("stock_rows_flushed_total", "Feedback rows appended to the issued tabs.")
	descStockReinsert = desc("stock_rows_reinserted_total",
		"Stock rows deleted by mistake (someone moved rows meanwhile) and put back.")
	descStockBad       = desc("stock_bad_rows_total", "Stock rows that could not be routed to a pool.")
	descStockErrors    = desc("stock_consecutive_errors", "Failed stocker steps in a row; 0 once one succeeds.")
	descStockErrorTime = desc("stock_last_error_timestamp_seconds", "When a stocker step last failed (Unix time).")
	descStockFlushTime = desc("stock_last_flush_timestamp_seconds", "When feedback was last written (Unix time).")

	descPoolAvailable = desc("pool_available_items", "Items claimed from the stock tab and not yet issued.", "pool")
	descPoolPending   = desc("pool_pending_items", "Items issued to staff and awaiting their feedback.", "pool")
	descPoolBuffer    = desc("pool_buffered_feedback", "Feedback waiting for the next write to the issued tab.", "pool")
	descPoolFlushing  = desc("pool_flushing_feedback", "Feedback handed to the writer and not yet known written.", "pool")
	descPoolReturning = desc("pool_returning_items", "Items on their way back to the stock tab.", "pool")
	descPoolClaimed   = desc("pool_claimed_rows", "Rows loaded and not yet seen deleted from the stock tab.", "pool")
)

var distributionDescs = []*prometheus.Desc{descStockLoads, descStockRows, descStockFlushes, descStockFlushed,
	descStockReinsert, descStockBad, descStockErrors, descStockErrorTime, descStockFlushTime,
	descPoolAvailable, descPoolPending, descPoolBuffer, descPoolFlushing, descPoolReturning, descPoolClaimed}

// distributionCollector reads the stocker and the pools at each scrape.
type distributionCollector struct {
	pools PoolSource
	stock StockSource
}

// NewDistributionCollector returns the series of the distribution: the
// stocker's counters and each pool's sizes, labelled by pool key
// (kind/region/variant, as in /actors/pool/{key}). Either source may be
// nil, a nil *actors.Stocker included (the distribution is off): its
// series are then absent.
func NewDistributionCollector(pools PoolSource, stock StockSource) prometheus.Collector {
	if s, ok := stock.(*actors.Stocker); ok && s == nil {
		stock = nil // a nil *Stocker in the interface would panic in Status
	}
	if e, ok := pools.(*actors.Engine); ok && e == nil {
		pools = nil
	}
	return &distributionCollector{pools: pools, stock: stock}
}

func (c *distributionCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range distributionDescs {
		ch <- d
	}
}

func (c *distributionCollector) Collect(ch chan<- prometheus.Metric) {
	if c.stock != nil {
		collectStock(ch, c.stock.Status())
	}
	if c.pools != nil {
		collectPools(ch, c.pools.Pools())
	}
}

func collectStock(ch chan<- prometheus.Metric, s actors.StockStatus) {
	ch <- counter(descStockLoads, float64(s.Loads))
	ch <- counter(descStockRows, float64(s.RowsLoaded))
	ch <- counter(descStockFlushes, float64(s.Flushes))
	ch <- counter(descStockFlushed, float64(s.RowsFlushed))
	ch <- counter(descStockReinsert, float64(s.Reinserted))
	ch <- counter(descStockBad, float64(s.BadRows))
	ch <- gauge(descStockErrors, float64(s.ConsecutiveErrors))
	if !s.LastErrorAt.IsZero() {
		ch <- gauge(descStockErrorTime, float64(s.LastErrorAt.UnixNano())/1e9)
	}
	if !s.LastFlushAt.IsZero() {
		ch <- gauge(descStockFlushTime, float64(s.LastFlushAt.UnixNano())/1e9)
	}
}

func collectPools(ch chan<- prometheus.Metric, pools []actors.PoolCounts) {
	for _, p := range pools {
		ch <- gauge(descPoolAvailable, float64(p.Available), p.Key)
		ch <- gauge(descPoolPending, float64(p.Pending), p.Key)
		ch <- gauge(descPoolBuffer, float64(p.Buffer), p.Key)
		ch <- gauge(descPoolFlushing, float64(p.Flushing), p.Key)
		ch <- gauge(descPoolReturning, float64(p.Returning), p.Key)
		ch <- gauge(descPoolClaimed, float64(p.Claimed), p.Key)
	}
}
