package stocker

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"allot/actors"
	"allot/domain"
)

// Options configure the stocker.
type Options struct {
	Store       Store
	StockSheet  string        // spreadsheet of the stock tabs
	IssuedSheet string        // spreadsheet of the issued tabs
	FlushEvery  time.Duration // write buffers to the issued tabs this often; default 30 s
	EmptyRetry  time.Duration // after a tab had nothing to give, look again no sooner; default 2 min
	Location    *time.Location
	// Clock is the stocker's only clock: claim markers, "today", retries
	// and the status's times. Default: the engine's, so that the pools and
	// the stocker agree on the date.
	Clock func() time.Time
	// Log receives the stocker's warnings; default: discard, as the engine's.
	Log *slog.Logger
	// Who names a person in the issued tab (their work nickname); default
	// their Telegram id.
	Who func(domain.UserID) string
	// Alert, if set, tells the admins about a problem only they can fix
	// (a missing tab, a refused service account, a bad row); it must not
	// block. The same text comes at most once an hour.
	Alert func(text string)
	// OnFlush, if set, is called after every flush attempt (tests and the
	// load test count them).
	OnFlush func(FlushReport)
}

// FlushReport is what one flush did, for those who count flushes.
type FlushReport struct {
	Rows     int // rows appended
	Requests int // write requests made
	Err      error
}

// Stocker is the running stock sync: one goroutine that does every
// spreadsheet step, so the spreadsheet sees one writer.
type Stocker struct {
	e     Engine
	o     Options
	kinds domain.KindsConfig
	now   func() time.Time
	log   *slog.Logger
	h     *actors.Stocker
	pokes chan string
	do    chan func(context.Context) // work asked for from outside, run in the stocker's goroutine
	stop  context.CancelFunc
	done  chan struct{}
	seq   atomic.Uint64
	names nameCache
	// proxiesSure is set once the proxies tab is known to hold every row
	// written so far (false at start: a crash may have cut a write short).
	// Only the stocker's goroutine touches it.
	proxiesSure bool

	mu      sync.Mutex
	status  actors.StockStatus
	fails   uint64               // failed steps ever: RefillNow tells whether its pass failed
	streak  map[subject]int      // failures in a row, by subject
	tabs    map[string]*tabState // by stock tab
	told    map[string]bool      // bad rows already logged
	alerted map[string]time.Time // alerts already sent, and when
}

// Errors of Start: a distribution configured without what it needs.
var (
	// ErrNoStore: the options name no store or not both spreadsheets, so
	// there is nowhere to take stock from or write feedback to.
	ErrNoStore = errors.New("stocker: the stocker needs a store and both spreadsheets")
	// ErrNoKinds: the engine has no resource kinds, so no tab to read.
	ErrNoKinds = errors.New("stocker: the stocker needs resource kinds")
)

var _ actors.StockLoop = (*Stocker)(nil)

// Start attaches a stocker to e and starts it; its first pass runs at
// once. Close, or closing the engine, stops it.
func Start(e Engine, o Options) (*Stocker, error) {
	if o.Store == nil || o.StockSheet == "" || o.IssuedSheet == "" {
		return nil, ErrNoStore
	}
	kinds := e.Kinds()
	if len(kinds.Kinds) == 0 {
		return nil, ErrNoKinds
	}
	o.FlushEvery = cmp.Or(o.FlushEvery, 30*time.Second)
	o.EmptyRetry = cmp.Or(o.EmptyRetry, 2*time.Minute)
	o.Location = cmp.Or(o.Location, time.UTC)
	if o.Clock == nil {
		o.Clock = e.Now
	}
	o.Log = cmp.Or(o.Log, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	s := &Stocker{e: e, o: o, kinds: kinds, now: o.Clock, log: o.Log.With("component", "stocker"),
		pokes: make(chan string, 64), do: make(chan func(context.Context)), stop: cancel, done: make(chan struct{}),
		names: nameCache{m: map[domain.UserID]string{}}, streak: map[subject]int{}, tabs: map[string]*tabState{},
		told: map[string]bool{}, alerted: map[string]time.Time{}}
	h, err := e.AttachStock(s)
	if err != nil {
		cancel()
		return nil, err
	}
	s.h = h
	go s.run(ctx)
	return s, nil
}

// Close stops the stocker after the step it is in.
func (s *Stocker) Close() {
	s.stop()
	<-s.done
	s.e.DetachStock(s.h)
}

// Status returns a copy of the stocker's status.
func (s *Stocker) Status() actors.StockStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// Poke asks for a pass over the tabs of a pool key ("" for all) without
// blocking: pools call it when they run low or have items to return.
func (s *Stocker) Poke(key string) {
	select {
	case s.pokes <- key:
	default: // a poke is already waiting; the pass looks at every pool
	}
}

// FlushNow writes every buffer to the issued tabs now and returns the
// outcome (an admin's /buffer_clear, and tests).
func (s *Stocker) FlushNow(ctx context.Context) error {
	return s.call(ctx, s.flushAll)
}

// RefillNow runs a pass over every stock tab now: loads pools that run
// low, deletes claimed rows, returns items. It reports the last error the
// pass met, if it failed.
func (s *Stocker) RefillNow(ctx context.Context) error {
	return s.call(ctx, func(ctx context.Context) error {
		s.mu.Lock()
		before := s.fails
		s.mu.Unlock()
		s.passAll(ctx, true)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.fails != before && s.status.ConsecutiveErrors > 0 {
			return errors.New(s.status.LastError)
		}
		return nil
	})
}

// call runs fn in the stocker's goroutine, so it never races a pass.
func (s *Stocker) call(ctx context.Context, fn func(context.Context) error) error {
	r := make(chan error, 1)
	select {
	case s.do <- func(ctx context.Context) { r <- fn(ctx) }:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return actors.ErrClosed
	}
	select {
	case err := <-r:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Stocker) run(ctx context.Context) {
	defer close(s.done)
	s.passAll(ctx, false)
	t := time.NewTicker(s.o.FlushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.passAll(ctx, false)
			_ = s.flushAll(ctx) // recorded in the status; the next tick tries again
		case fn := <-s.do:
			fn(ctx)
		case key := <-s.pokes:
			s.poked(ctx, key)
		}
	}
}

// poked runs a pass over the tab of a pool that asked (every tab for "").
func (s *Stocker) poked(ctx context.Context, key string) {
	if key == "" {
		s.passAll(ctx, false)
		return
	}
	code, _, variant, err := domain.SplitPoolKey(key)
	k, ok := s.kinds.Kind(code)
	if err != nil || !ok {
		return
	}
	for _, t := range k.StockTabs() {
		if t.Variant == "" || t.Variant == variant {
			s.pass(ctx, k, t, false)
		}
	}
}

// passAll runs a pass over every stock tab; force reads even tabs that
// recently had nothing to give.
func (s *Stocker) passAll(ctx context.Context, force bool) {
	for _, k := range s.kinds.Kinds {
		for _, t := range k.StockTabs() {
			if ctx.Err() != nil {
				return
			}
			s.pass(ctx, k, t, force)
		}
	}
}

// claimID is a marker no other claim ever had: the clock, a counter, in
// base 36 to stay short in the sheet.
func (s *Stocker) claimID() string {
	return "allot:" + strconv.FormatInt(s.now().UnixNano(), 36) + "." + strconv.FormatUint(s.seq.Add(1), 36)
}
