package actors

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"allot/domain"
	"allot/persistence"
)

// Options configure an Engine. The zero value of each field means its default.
type Options struct {
	Dir              string                // data directory: journal/ and snapshots/ live under it
	Fsync            persistence.FsyncMode // when a change counts as durable
	SegmentSize      int64                 // journal segment size; default 64 MiB
	SnapshotInterval time.Duration         // 0 = no periodic snapshots
	SnapshotKeep     int                   // snapshots kept; default 3
	IdleTimeout      time.Duration         // an entity's actor stops after this long unused; default 2 min
	RequestTimeout   time.Duration         // how long an entry point waits for its reply; default 10 s
	Policy           domain.Policy         // prices and timings; default domain.DefaultPolicy
	Clock            func() time.Time      // default time.Now
	ManualClock      bool                  // tests: the scheduler fires only on Advance
	Logger           *slog.Logger          // default: discard
	Notify           func(Notice)          // called after durable events a person should hear of
	OnFatal          func(error)           // called once if the journal fails; the engine then refuses all work
	AlertGap         func(text string)     // tells the admins, once per gap, that payments may have been missed (watcher_gap.go)
	NoFinalSnapshot  bool                  // Close skips the snapshot, leaving the journal to replay (as after a crash)
	Kinds            domain.KindsConfig    // the distribution's resource kinds; none means no pools
	// Fragment ends sessions and switches login codes when numbers change
	// hands (handover.go); nil means the relay is off and hand-overs are
	// recorded as skipped. HandoverAlertAfter is how many failures in a row
	// tell the admins (default 5).
	Fragment           Fragment
	HandoverAlertAfter int
	HandoverBackoff    time.Duration // the first wait after a failed step; default 2 s, doubling to 10 min
	// Accounts signs in to returned numbers' accounts (account.go); nil
	// leaves those checks to the admins. It needs Fragment for the codes.
	Accounts AccountChecker
	// Store opens where events and snapshots are kept; nil means the data
	// directory's journal and snapshot files (Dir, Fsync, SegmentSize).
	Store OpenStore
	// CompletionDelay is how long a purchase's completion may wait in
	// memory for its wallet's next record (completions.go); default 1 s,
	// and a negative one writes each at once. A crash loses what waits, and
	// recovery asks the number whether the purchase was applied: the number
	// remembers that for domain.OpRetention of the engine's clock, so this
	// must stay far shorter than that on the clock the engine runs. A test
	// whose clock runs faster than real time shortens it in proportion.
	CompletionDelay time.Duration
}

// Engine is Allot's state: the actor system, the directory of entities, the
// journal and the snapshots. Its methods in api.go are the entry points the
// bot, the load test and the tests all use; they are safe for concurrent use.
type Engine struct {
	opts   Options
	log    *slog.Logger
	clock  func() time.Time
	system *actor.ActorSystem
	root   *actor.RootContext
	dir    *directory
	store  Store
	// entities is the store as an EntityStore when it is one: then the
	// lazy kinds load on first use (lazy.go). Nil otherwise.
	entities    EntityStore
	activations atomic.Int64 // entities loaded from the store since the start
	evictions   atomic.Int64 // and sent back to it by the sweep
	// partialReplay: the store may leave lazy kinds' records out of the
	// replay, as a snapshot of format 3 (or none) allows; the lazy
	// entities the snapshot restored are then reloaded whole.
	partialReplay bool
	recovered     atomic.Bool // recovery is over: loads wait for the store as long as it takes
	durable       *durability
	sched         schedRef
	workers       *workers
	commits       commitStats
	events        eventCounts
	prices        atomic.Pointer[domain.PriceList]
	// completions are the wallets holding purchases' completions not yet
	// written (completions.go).
	completions completionBatch

	closed    atomic.Bool
	handled   handledBatch // the bot's handled updates on their way to the intake register (intake.go)
	closeOnce sync.Once
	closeErr  error
	snapMu    sync.Mutex // one snapshot at a time
	stopLoop  context.CancelFunc
	loopDone  chan struct{}
	recovery  persistence.RecoveryInfo
	openTimes OpenTimes
	// restoredTop is the highest entity sequence the snapshot restored,
	// replayedTop the highest the store replayed after it.
	restoredTop, replayedTop uint64
	gaps                     gapBook // the watchers' history gaps, for pruning and /readyz
	watchMu                  sync.Mutex
	watchers                 []*Watcher
	view                     *numberView
	proxies                  proxyView
	pools                    poolView
	settings                 atomic.Pointer[distSettings]
	stocker                  atomic.Pointer[Stocker]
	handovers                *handovers                                   // nil when Options.Fragment is
	snapSizes                [domain.MaxKind + 1][shardCount]atomic.Int64 // bytes of each block last time, to size buffers
}

// ErrClosed is returned by entry points after Close or a journal failure.
var ErrClosed = errors.New("actors: engine closed")

// ErrNoReply is returned when an entity did not answer within the request
// timeout: the command may or may not have been applied, so a caller retries
// it with the same operation id.
var ErrNoReply = errors.New("actors: no reply")

// Open restores the engine from opts.Dir (newest valid snapshot, then the
// journal after it), resumes sagas a crash cut short, re-arms the scheduler
// and starts taking work.
func Open(opts Options) (*Engine, error) {
	opts = withDefaults(opts)
	e := &Engine{opts: opts, log: opts.Logger, clock: opts.Clock, durable: &durability{}, view: newNumberView()}
	e.completions.delay = opts.CompletionDelay
	e.setPrices(opts.Policy.Prices)
	t := time.Now()
	if err := e.openStorage(); err != nil {
		return nil, err
	}
	e.openTimes.Storage = time.Since(t)
	e.startActors()
	if opts.Fragment != nil {
		e.handovers = startHandovers(e, opts.Fragment, opts.Accounts, opts.HandoverAlertAfter, opts.HandoverBackoff)
	}
	if err := e.recover(); err != nil {
		if e.handovers != nil {
			e.handovers.close()
		}
		e.shutdownActors()
		return nil, errors.Join(err, e.store.Close())
	}
	e.recovered.Store(true)
	t = time.Now()
	e.resume()
	e.openTimes.Resume = time.Since(t)
	e.startLoop()
	return e, nil
}

// OpenTimes is where Open's time went: every second of it is a second
// nobody can rent, so the load test reports it step by step.
type OpenTimes struct {
	Storage time.Duration // opening the journal or connecting to the database
	View    time.Duration // the catalogue's view, rebuilt from every number
	Resume  time.Duration // sagas, timers and notices a stop cut short
	// Restoring the snapshot and replaying the records after it are in
	// Recovery().
}

// OpenTimes reports where Open's time went.
func (e *Engine) OpenTimes() OpenTimes { return e.openTimes }

func withDefaults(o Options) Options {
	if o.IdleTimeout == 0 {
		o.IdleTimeout = 2 * time.Minute
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = 10 * time.Second
	}
	if o.SnapshotKeep == 0 {
		o.SnapshotKeep = 3
	}
	if o.CompletionDelay == 0 {
		o.CompletionDelay = completionDelay
	}
	if o.Policy.Prices == nil {
		o.Policy = domain.DefaultPolicy()
	}
	o.Policy.Reminders = domain.SortedReminders(o.Policy.Reminders)
	clock := o.Clock
	if clock == nil {
		clock = time.Now
	}
	// UTC and no monotonic reading: exactly what a replay decodes, so a
	// state rebuilt from the journal equals the one that wrote it.
	o.Clock = func() time.Time { return clock().UTC() }
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o
}

func (e *Engine) openStorage() error {
	h := StoreHooks{Logger: e.log, OnFatal: e.fatal, OnSync: func(d time.Duration, records int) {
		e.commits.observe(d)
		e.commits.batch(records)
		e.durable.synced()
	}}
	open := e.opts.Store
	if open == nil {
		open = func(h StoreHooks) (Store, error) { return OpenFileStore(e.opts, h) }
	}
	s, err := open(h)
	if err != nil {
		return err
	}
	e.store = s
	if es, ok := s.(EntityStore); ok {
		e.entities = es
		e.partialReplay = true // unless the snapshot says otherwise (restore)
		es.KeepUncovered(lazyKinds())
		es.SkipInReplay(pinTypes(), func() bool { return e.partialReplay })
	}
	e.durable.durable = e.store.DurableSeq
	return nil
}

// fatal handles a journal failure: nothing may be acknowledged any more.
func (e *Engine) fatal(err error) {
	e.closed.Store(true)
	e.log.Error("journal failed; the engine stops taking work", "err", err)
	e.durable.fail(err)
	if e.opts.OnFatal != nil {
		e.opts.OnFatal(err)
	}
}

func (e *Engine) startActors() {
	e.system = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		// protoactor logs every actor start and stop at info: only its
		// warnings and errors are worth an operator's attention.
		return slog.New(minLevel{e.log.Handler(), slog.LevelWarn}).With("lib", "protoactor")
	}))
	e.root = e.system.Root
	e.workers = newWorkers(8*runtime.GOMAXPROCS(0), 300)
	e.dir = newDirectory(e.spawnEntity, kindList()...)
	if e.entities != nil {
		for _, k := range lazyKinds() {
			e.dir.lazy[k] = true
		}
	}
	presetAll(e.dir, &e.opts)
	sched := &scheduler{eng: e, armed: map[wakeKey]time.Time{}}
	e.sched = schedRef{mb: newMbox(e.workers)}
	e.spawnOn(e.sched.mb, sched, "scheduler")
}

// spawnOn starts a as an actor whose mailbox is mb, named when name is not
// empty, and gives mb its PID.
func (e *Engine) spawnOn(mb *mbox, a actor.Actor, name string) {
	props := actor.PropsFromProducer(func() actor.Actor { return a },
		actor.WithMailbox(func() actor.Mailbox { return mb }))
	if name == "" {
		mb.pid = e.root.Spawn(props)
		return
	}
	mb.pid, _ = e.root.SpawnNamed(props, name)
}

// spawnEntity starts the actor of an entity and returns its mailbox;
// called by the directory with the shard lock held, so it must not route.
func (e *Engine) spawnEntity(en *entry) *mbox {
	a := &entityActor{eng: e, e: en}
	mb := &a.mb
	mb.init(e.workers)
	mb.entity = a
	e.spawnOn(mb, a, "")
	return mb
}

func (e *Engine) setPrices(p domain.PriceList) { e.prices.Store(&p) }

// policy is the current policy with the catalog's live price list.
func (e *Engine) policy() domain.Policy {
	p := e.opts.Policy
	p.Prices = *e.prices.Load()
	return p
}

func (e *Engine) startLoop() {
	ctx, cancel := context.WithCancel(context.Background())
	e.stopLoop, e.loopDone = cancel, make(chan struct{})
	go func() {
		defer close(e.loopDone)
		snap := make(<-chan time.Time)
		if e.opts.SnapshotInterval > 0 {
			t := time.NewTicker(e.opts.SnapshotInterval)
			defer t.Stop()
			snap = t.C
		}
		// Idle entities are passivated by a sweep every quarter of the idle
		// timeout: an entity goes after between 4 and 5 quiet sweeps.
		sweep := time.NewTicker(max(e.opts.IdleTimeout/idleEpochs, time.Millisecond))
		defer sweep.Stop()
		// Invoices past their window are closed once a minute (a manual
		// clock leaves that to the test): a payment after it is credited as
		// late either way, this only tidies the wallet's pending entries.
		expire := make(<-chan time.Time)
		if !e.opts.ManualClock {
			t := time.NewTicker(invoiceSweep)
			defer t.Stop()
			expire = t.C
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-sweep.C:
				stop, evicted := e.dir.sweep(idleEpochs, e.evictable)
				for _, pid := range stop {
					e.root.Stop(pid)
				}
				e.evictions.Add(int64(evicted))
			case <-expire:
				if _, err := e.ExpireInvoices(ctx); err != nil && !errors.Is(err, context.Canceled) {
					e.log.Error("invoice expiry failed", "err", err)
				}
			case <-snap:
				if _, err := e.Snapshot(ctx); err != nil && !errors.Is(err, context.Canceled) {
					e.log.Error("periodic snapshot failed", "err", err)
				}
			}
		}
	}()
}

// Close stops taking work, waits for what is in flight, writes a final
// snapshot, and closes the journal.
func (e *Engine) Close(ctx context.Context) error {
	e.closeOnce.Do(func() { e.closeErr = e.close(ctx) })
	return e.closeErr
}

func (e *Engine) close(ctx context.Context) error {
	e.handled.flush(e) // the bot stopped first: its last handled updates are recorded
	e.watchMu.Lock()
	ws := e.watchers
	e.watchMu.Unlock()
	for _, w := range ws {
		w.Close()
	}
	if s := e.stocker.Load(); s != nil {
		s.Close()
	}
	if e.handovers != nil {
		e.handovers.close()
	}
	e.closed.Store(true)
	e.stopLoop()
	<-e.loopDone
	var errs []error
	if e.store.Err() == nil {
		if err := e.drainAll(ctx); err != nil {
			errs = append(errs, err)
		}
		if !e.opts.NoFinalSnapshot {
			if _, err := e.snapshot(ctx); err != nil {
				errs = append(errs, fmt.Errorf("actors: final snapshot: %w", err))
			}
		}
	}
	e.completions.stop()
	e.shutdownActors()
	errs = append(errs, e.store.Close())
	return errors.Join(errs...)
}

// shutdownActors stops the scheduler's actor, then the actor system and
// the workers. The entities' actors are not stopped one by one: they run on
// the workers, hold nothing that outlives the engine (their state is in the
// store, and nobody watches them), and stopping each in turn, waiting for
// its own future, was a pause of every restart after a busy hour: 0.67 s
// for the 101,000 actors of `loadtest -mode engine -numbers 100000`.
func (e *Engine) shutdownActors() {
	_ = e.root.StopFuture(e.sched.mb.pid).Wait()
	e.system.Shutdown()
	e.workers.close()
}

// Drain waits until no message is in flight in any entity (every saga step
// sent has been handled) and the Fragment worker has nothing due now (a
// step in backoff is not waited for). Tests and the load test call it
// before checking invariants.
func (e *Engine) Drain(ctx context.Context) error {
	e.handled.flush(e) // the handled updates waiting for their batch's timer
	return e.drainAll(ctx)
}

// drainAll drains until no wallet holds a completion unwritten: the sagas
// drained may finish purchases whose completions then wait for a flush.
func (e *Engine) drainAll(ctx context.Context) error {
	for {
		if err := e.drain(ctx); err != nil || !e.completions.flush(e) {
			return err
		}
	}
}

func (e *Engine) drain(ctx context.Context) error {
	for {
		if e.dir.inflight() == 0 && !e.handovers.busy() {
			return e.store.WaitDurable(ctx, e.store.LastSeq())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("actors: drain: %w", ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// Advance fires the scheduler by the engine's clock and returns once the
// due numbers have been sent their ticks (Drain then waits for those). With
// ManualClock it is the only way wake-ups happen.
func (e *Engine) Advance() {
	done := make(chan struct{})
	e.sched.send(&wakeMsg{done: done})
	<-done
}

// Recovery reports what Open restored.
func (e *Engine) Recovery() persistence.RecoveryInfo { return e.recovery }

// invoiceSweep is how often invoices past their window are closed.
const invoiceSweep = time.Minute

// idleEpochs is how many sweeps an entity must stay unused to be passivated.
const idleEpochs = 4

// Ready reports whether the engine takes work: restored and its journal writable.
func (e *Engine) Ready() error {
	if err := e.store.Err(); err != nil {
		return err
	}
	if e.closed.Load() {
		return ErrClosed
	}
	return nil
}

// minLevel drops records below min, whatever the wrapped handler allows.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.min}
}
func (h minLevel) WithGroup(n string) slog.Handler { return minLevel{h.Handler.WithGroup(n), h.min} }
