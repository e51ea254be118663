package actors

import (
	"context"
	"errors"
	"time"

	"allot/domain"
)

// The engine's half of the stock sync. The loop that moves rows between
// the spreadsheet and the pools lives in adapters/sheets/stocker; the
// engine only knows it as a StockLoop to poke when a pool runs low, to
// flush on an admin's /buffer_clear and to stop on Close, and gives it the
// pool steps it journals.

// StockLoop is the stock sync as the engine sees it, so that the engine
// does not depend on spreadsheets. Package stocker implements it.
type StockLoop interface {
	// Poke asks for a pass over the tabs of the pool key ("" for every
	// tab). It is called from entity actors, so it must never block.
	Poke(key string)
	// FlushNow writes every pool's feedback to the issued tabs and waits
	// for the outcome.
	FlushNow(ctx context.Context) error
	// Status is the loop's health; cheap, safe from any goroutine.
	Status() StockStatus
	// Close stops the loop after the step it is in. Calling it twice is
	// harmless.
	Close()
}

// StockStatus is the stock sync's health for /readyz, the metrics and the
// introspection. It is the engine's type so that the metrics can read it
// through the engine's handle without knowing the loop's package.
type StockStatus struct {
	Loads, Flushes    uint64
	RowsLoaded        uint64
	RowsFlushed       uint64
	Reinserted        uint64 // rows someone else's edit made us delete by mistake, put back
	BadRows           uint64 // stock rows that could not be routed (logged with their cell)
	LastError         string
	LastErrorAt       time.Time
	LastFlushAt       time.Time
	ConsecutiveErrors int
}

// Stocker is the engine's handle on the running StockLoop: at most one is
// attached at a time, and Engine.Close stops it before the engine stops.
type Stocker struct{ loop StockLoop }

// ErrStockerRunning is AttachStock's answer while another loop is attached:
// two loops would be two writers of one spreadsheet.
var ErrStockerRunning = errors.New("actors: a stocker is already running")

// AttachStock makes loop the engine's stock sync: pools poke it, FlushStock
// and Close reach it. The loop calls DetachStock with the handle when it
// stops.
func (e *Engine) AttachStock(loop StockLoop) (*Stocker, error) {
	h := &Stocker{loop: loop}
	if !e.stocker.CompareAndSwap(nil, h) {
		return nil, ErrStockerRunning
	}
	return h, nil
}

// DetachStock forgets h if it is the attached handle, so that a new loop
// may attach (after a restart of the distribution).
func (e *Engine) DetachStock(h *Stocker) { e.stocker.CompareAndSwap(h, nil) }

func (s *Stocker) poke(key string) { s.loop.Poke(key) }

// FlushNow writes every buffer to the issued tabs now.
func (s *Stocker) FlushNow(ctx context.Context) error { return s.loop.FlushNow(ctx) }

// Status returns the loop's health (the metrics read it through the handle).
func (s *Stocker) Status() StockStatus { return s.loop.Status() }

// Close stops the loop.
func (s *Stocker) Close() { s.loop.Close() }

// Kinds is the distribution's resource kinds, as the engine was opened
// with: the stocker reads its tabs from them.
func (e *Engine) Kinds() domain.KindsConfig { return e.opts.Kinds }

// The pool steps the stock loop journals, each before or after the
// spreadsheet write it matches (see package stocker).

// ReturnStock sends a pool's available items back to the stock tab,
// all of them except ids.
func (e *Engine) ReturnStock(ctx context.Context, key string, ids []string) error {
	return e.returnStock(ctx, key, ids)
}

// StockReturned records that the items ids are back in the stock tab.
func (e *Engine) StockReturned(ctx context.Context, key string, ids []string) error {
	return e.stockReturned(ctx, key, ids)
}

// StockDeleted forgets claims whose rows are gone from the stock tab.
func (e *Engine) StockDeleted(ctx context.Context, key string, claims []string) error {
	return e.stockDeleted(ctx, key, claims)
}

// StartFlush moves a pool's feedback into the flush batch id and returns
// every batch not yet known written, earlier attempts included.
func (e *Engine) StartFlush(ctx context.Context, key, id string) (map[string]domain.FlushAttempt, error) {
	return e.startFlush(ctx, key, id)
}

// FinishFlush records that the flush batches ids are in the issued tab.
func (e *Engine) FinishFlush(ctx context.Context, key string, ids []string) error {
	return e.finishFlush(ctx, key, ids)
}

// UnsyncedProxies lists the proxies the Proxies tab lags behind.
func (e *Engine) UnsyncedProxies() []string { return e.unsyncedProxies() }

// ProxyForSheet returns a copy of a proxy, password included: for the
// Proxies tab, never for a screen or a log.
func (e *Engine) ProxyForSheet(ctx context.Context, id string) (*domain.Proxy, error) {
	return e.proxyState(ctx, id)
}

// ProxySynced records that the Proxies tab shows the proxy as of seq.
func (e *Engine) ProxySynced(ctx context.Context, id string, seq uint64) error {
	return e.proxySynced(ctx, id, seq)
}
