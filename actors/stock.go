package actors

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"allot/domain"
)

// StockStore is what the stocker needs of a spreadsheet: the port that
// adapters/sheets implements on Google Sheets and on CSV files. Indices
// are 0-based positions in a tab as last read; a person may move rows at
// any moment, so the stocker checks every targeted write by reading again.
type StockStore interface {
	ReadRows(ctx context.Context, spreadsheet, tab string) ([][]string, error)
	SetCells(ctx context.Context, spreadsheet, tab string, cells []domain.SheetCell) error
	DeleteRows(ctx context.Context, spreadsheet, tab string, rows []int) error
	InsertRows(ctx context.Context, spreadsheet, tab string, at int, rows [][]string) error
	AppendRows(ctx context.Context, spreadsheet, tab string, rows []domain.SheetRow) error
	// AppendTabs appends rows to several tabs in one write request.
	AppendTabs(ctx context.Context, spreadsheet string, rows map[string][]domain.SheetRow) error
	// EnsureTab creates tab if the spreadsheet has none of that title.
	EnsureTab(ctx context.Context, spreadsheet, tab string) error
	// TakeRows deletes rows of tab and, in the same atomic request, first
	// copies them whole into trash from row at: the delete's receipt.
	TakeRows(ctx context.Context, spreadsheet, tab string, rows []int, trash string, at int) error
}

// StockOptions configure the stocker.
type StockOptions struct {
	Store       StockStore
	StockSheet  string        // spreadsheet of the stock tabs
	IssuedSheet string        // spreadsheet of the issued tabs
	FlushEvery  time.Duration // write buffers to the issued tabs this often; default 30 s
	EmptyRetry  time.Duration // after a tab had nothing to give, look again no sooner; default 2 min
	Location    *time.Location
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

// FlushReport is what one flush did.
type FlushReport struct {
	Rows     int // rows appended
	Requests int // write requests made
	Err      error
}

// StockStatus is the stocker's health for /readyz and the introspection.
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

// Stocker moves stock between the spreadsheet and the pools: it claims
// rows into pools that run low, returns items that must go back, deletes
// claimed rows, and appends feedback to the issued tabs. One goroutine does
// all of it, so the spreadsheet sees one writer; the pools never wait for
// it. Everything it decides is journaled in the pools before or after the
// matching write, so a crash at any point loses no row and issues none
// twice (see pass).
type Stocker struct {
	e     *Engine
	o     StockOptions
	log   *slog.Logger
	pokes chan string
	do    chan func(context.Context) // work asked for from outside, run in the stocker's goroutine
	stop  context.CancelFunc
	done  chan struct{}
	seq   atomic.Uint64

	mu      sync.Mutex
	status  StockStatus
	emptyAt map[string]time.Time // tab → when it last had nothing to give
	streak  map[string]int       // failures in a row, by subject
	told    map[string]bool      // bad rows already logged
	// trashMade and trashClean: trash tabs known to exist, and stock tabs
	// whose trash holds nothing left to settle.
	trashMade  map[string]bool
	trashClean map[string]bool
	alerted    map[string]time.Time // alerts already sent, and when
	// proxiesSure is set once the proxies tab is known to hold every row
	// written so far (false at start: a crash may have cut a write short).
	proxiesSure bool
	names       map[domain.UserID]string
}

// Distribute starts the stocker. Engine.Close stops it.
func (e *Engine) Distribute(o StockOptions) (*Stocker, error) {
	if o.Store == nil || o.StockSheet == "" || o.IssuedSheet == "" {
		return nil, errors.New("actors: the stocker needs a store and both spreadsheets")
	}
	if len(e.opts.Kinds.Kinds) == 0 {
		return nil, errors.New("actors: the stocker needs resource kinds")
	}
	o.FlushEvery = cmp.Or(o.FlushEvery, 30*time.Second)
	o.EmptyRetry = cmp.Or(o.EmptyRetry, 2*time.Minute)
	if o.Location == nil {
		o.Location = time.UTC
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Stocker{e: e, o: o, log: e.log.With("component", "stocker"), pokes: make(chan string, 64),
		do: make(chan func(context.Context)), stop: cancel, done: make(chan struct{}),
		emptyAt: map[string]time.Time{}, names: map[domain.UserID]string{},
		told: map[string]bool{}, alerted: map[string]time.Time{}, streak: map[string]int{},
		trashMade: map[string]bool{}, trashClean: map[string]bool{}}
	if !e.stocker.CompareAndSwap(nil, s) {
		cancel()
		return nil, errors.New("actors: a stocker is already running")
	}
	go s.run(ctx)
	return s, nil
}

// Close stops the stocker after the step it is in.
func (s *Stocker) Close() {
	s.stop()
	<-s.done
	s.e.stocker.CompareAndSwap(s, nil)
}

// Status returns a copy of the stocker's status.
func (s *Stocker) Status() StockStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

func (s *Stocker) poke(key string) {
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
		before := s.Status().LastErrorAt
		s.passAll(ctx, true)
		if st := s.Status(); st.LastErrorAt != before && st.ConsecutiveErrors > 0 {
			return errors.New(st.LastError)
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
		return ErrClosed
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
			s.flushAll(ctx)
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
	k, ok := s.e.opts.Kinds.Kind(code)
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
	for _, k := range s.e.opts.Kinds.Kinds {
		for _, t := range k.StockTabs() {
			if ctx.Err() != nil {
				return
			}
			s.pass(ctx, k, t, force)
		}
	}
}

// fail records a failed step. args start with the step's subject ("tab",
// name or "pool", key): three failures in a row of the same subject tell
// the admins, since Google having a moment heals by itself and a renamed
// tab or a revoked service account does not.
func (s *Stocker) fail(what string, err error, args ...any) {
	if errors.Is(err, context.Canceled) {
		return // shutting down: the step is taken again after the restart
	}
	key := fmt.Sprint(args[:min(2, len(args))]...)
	s.mu.Lock()
	s.status.LastError, s.status.LastErrorAt = what+": "+err.Error(), time.Now()
	s.streak[key]++
	n := s.streak[key]
	s.status.ConsecutiveErrors = max(s.status.ConsecutiveErrors, n)
	s.mu.Unlock()
	s.log.Warn(what+" failed", append(args, "err", err)...)
	if n >= 3 {
		s.alert(what + " failed: " + err.Error())
	}
}

// ok records that a subject's step succeeded.
func (s *Stocker) ok(args ...any) {
	key := fmt.Sprint(args[:min(2, len(args))]...)
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.streak, key)
	s.status.ConsecutiveErrors = 0
	for _, n := range s.streak {
		s.status.ConsecutiveErrors = max(s.status.ConsecutiveErrors, n)
	}
}

// badRow counts a stock row that cannot be issued and tells the operator
// once: the same row would otherwise be reported on every pass.
func (s *Stocker) badRow(err error, row string) {
	var re *domain.RowError
	if errors.As(err, &re) {
		row += "\x00" + re.Reason // the cell moves when rows above go; the row and the reason do not
	}
	s.mu.Lock()
	s.status.BadRows++
	seen := s.told[row]
	if !seen && len(s.told) < 10_000 {
		s.told[row] = true
	}
	s.mu.Unlock()
	if !seen {
		s.log.Warn("stock row skipped", "err", err)
		s.alert("stock row skipped: " + err.Error())
	}
}

// alert tells the admins (through StockOptions.Alert) about a problem
// they must fix in the spreadsheet: at most once an hour for the same text.
func (s *Stocker) alert(text string) {
	if s.o.Alert == nil {
		return
	}
	s.mu.Lock()
	last, ok := s.alerted[text]
	now := time.Now()
	if ok && now.Sub(last) < time.Hour {
		s.mu.Unlock()
		return
	}
	if len(s.alerted) > 1000 {
		clear(s.alerted)
	}
	s.alerted[text] = now
	s.mu.Unlock()
	s.o.Alert(text)
}

func marker(r []string, col int) string {
	if col < len(r) {
		return strings.TrimSpace(r[col])
	}
	return ""
}

// claimID is a marker no other claim ever had: the process start, a
// counter, in base 36 to stay short in the sheet.
func (s *Stocker) claimID() string {
	return "allot:" + strconv.FormatInt(s.e.clock().UnixNano(), 36) + "." + strconv.FormatUint(s.seq.Add(1), 36)
}
