package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Options tune a Store; the zero value gives the defaults.
type Options struct {
	// MaxBatch caps the events of one transaction (default 1000), so one
	// statement's arrays and one commit's latency stay bounded under a
	// backlog.
	MaxBatch int
	// MaxBatchBytes caps the payload bytes of one transaction (default
	// 8 MiB); an event larger than that goes in a batch of its own.
	MaxBatchBytes int
	// ConnectTimeout bounds each connection attempt (default 5 s) unless
	// the URL sets connect_timeout: an unreachable server is reported in
	// seconds rather than after the kernel's TCP timeout.
	ConnectTimeout time.Duration
	// CommitTimeout bounds one batch's transaction (default 30 s): a server
	// that stops answering fails the batch instead of hanging every
	// caller. Hitting it during COMMIT makes the outcome unknown.
	CommitTimeout time.Duration
	// RetryFor is how long the writer keeps trying a batch whose
	// connection or server failed (default 30 s; negative: one more try
	// only), and finding out whether a COMMIT whose answer was lost went
	// through (retry.go). Appends wait meanwhile; past it the batch fails.
	RetryFor time.Duration
	// MaxConns is the connection pool's size (default 8): the writer uses
	// one at a time, the rest serve loads, scans, snapshots and leases.
	MaxConns int32
	// OnBatch, when set, runs after every batch is settled and its done
	// callbacks have run: how long its transaction took and how many events
	// it held. The engine's store counts its group commits with it.
	OnBatch func(took time.Duration, events int)

	// beforeTake, set by tests, runs each time the writer is about to look
	// at the queue: blocking in it lets a test fill one batch exactly.
	beforeTake func()
}

func (o Options) withDefaults() Options {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 1000
	}
	if o.MaxBatchBytes <= 0 {
		o.MaxBatchBytes = 8 << 20
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 5 * time.Second
	}
	if o.CommitTimeout <= 0 {
		o.CommitTimeout = 30 * time.Second
	}
	if o.RetryFor == 0 {
		o.RetryFor = 30 * time.Second
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 8
	}
	return o
}

// Store is the PostgreSQL event store of one process: a connection pool
// and the single writer goroutine that group-commits appended events.
// Its methods are safe for concurrent use.
type Store struct {
	pool    *pgxpool.Pool
	where   string   // database, address and user, for errors
	secrets []string // what errors must not show (the URL's password)
	opts    Options

	mu      sync.Mutex
	queue   []pending            // appended, not yet taken by the writer
	next    uint64               // last gseq assigned
	began   uint64               // the events' end as last read (goOnFrom): next above it means this store gave gseqs out
	fenced  map[entityKey]string // entity → why it is fenced
	closing bool
	fatal   error       // set once a commit's outcome is unknown
	failed  atomic.Bool // fatal is set: read without the lock by every append's check
	stats   Stats

	wake     chan struct{} // capacity 1: the writer has work
	stopped  chan struct{} // closed when the writer has exited
	lastSeq  atomic.Uint64
	durable  atomic.Uint64
	notifyMu sync.Mutex
	notify   chan struct{} // closed and replaced when durable moves
	closed   sync.Once

	copyBuf []byte // the writer's COPY encoding, kept between batches
}

// Open connects to the database at url (postgres://user:password@host:port/db
// or key=value form), refuses a server that cannot take writes, applies
// the schema's migrations and starts the writer. Its errors name the
// database, address and user, never the password; on error nothing has
// been written unless a migration was due and applied.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	if strings.TrimSpace(url) == "" {
		return nil, errors.New("pgstore: no database URL given (postgres://user:password@host:port/database)")
	}
	secrets := secrets(url)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, scrub(fmt.Errorf("pgstore: the database URL is not valid: %w", err), secrets)
	}
	configure(cfg, opts)
	s := &Store{
		where:   describe(cfg.ConnConfig.Config),
		secrets: secrets,
		opts:    opts,
		fenced:  make(map[entityKey]string),
		wake:    make(chan struct{}, 1),
		stopped: make(chan struct{}),
		notify:  make(chan struct{}),
	}
	if s.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, s.errorf("open", err)
	}
	if err := s.start(ctx); err != nil {
		s.pool.Close()
		return nil, s.errorf("open", err)
	}
	go s.run()
	return s, nil
}

// configure applies the options to what the URL did not set. A session
// idle inside a transaction for 10 s is ended by the server: the store's
// transactions last milliseconds, and a writer frozen mid-batch (a
// stopped process, a partitioned member) would otherwise hold its rows'
// locks and stall every other writer that touches those entities.
func configure(cfg *pgxpool.Config, opts Options) {
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	}
	params := cfg.ConnConfig.RuntimeParams
	if _, ok := params["application_name"]; !ok {
		params["application_name"] = "allot"
	}
	if _, ok := params["idle_in_transaction_session_timeout"]; !ok {
		params["idle_in_transaction_session_timeout"] = "10s"
	}
	cfg.MaxConns = opts.MaxConns
}

// describe names a database for errors: database, first address, user.
// Where names the database a URL points at, without its password, for a
// log line; an unreadable URL is said to be one.
func Where(url string) string {
	c, err := pgconn.ParseConfig(url)
	if err != nil {
		return "a database URL that does not parse"
	}
	return describe(*c)
}

func describe(c pgconn.Config) string {
	return fmt.Sprintf("database %q at %s:%d (user %q)", c.Database, c.Host, c.Port, c.User)
}

// errorf wraps err with what failed and where, without the password.
func (s *Store) errorf(what string, err error) error {
	return scrub(&wrapped{msg: what + " " + s.where, err: err}, s.secrets)
}

// start checks the server, migrates, and continues the global sequence
// after the highest gseq in the table.
func (s *Store) start(ctx context.Context) error {
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		return err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Release()
	if err := checkWritable(ctx, conn.Conn()); err != nil {
		return err
	}
	if err := migrate(ctx, conn.Conn(), ms); err != nil {
		return err
	}
	last, err := lastGseq(ctx, conn.Conn())
	if err != nil {
		return err
	}
	s.goOnFrom(last)
	return nil
}

// goOnFrom makes last, the events' end as read from the table, the
// store's: the next gseq given out follows it, and every event up to it is
// settled. With s.mu held, or before the writer runs.
func (s *Store) goOnFrom(last uint64) {
	s.next, s.began = last, last
	s.lastSeq.Store(last)
	s.settled(last)
}

// lastGseq is the highest sequence ever given out. It first waits for
// every transaction still writing events: a writer killed just after
// sending its COMMIT leaves the server to finish it after this process
// has started, and a sequence read before that commit would be handed out
// again (a recovery then passes over one of the two events, as already
// seen). A whole-state snapshot's sequence counts too: compaction deletes
// the events it covers.
func lastGseq(ctx context.Context, conn *pgx.Conn) (uint64, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("read the last gseq: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `LOCK TABLE allot_events IN SHARE MODE`); err != nil {
		return 0, fmt.Errorf("wait for unfinished writes: %w", err)
	}
	var last int64
	if err := tx.QueryRow(ctx, `SELECT greatest(
		(SELECT coalesce(max(gseq), 0) FROM allot_events),
		(SELECT coalesce(max(seq), 0) FROM allot_state_snapshots))`).Scan(&last); err != nil {
		return 0, fmt.Errorf("read the last gseq: %w", err)
	}
	return uint64(last), tx.Commit(ctx)
}

// catchUp reads the table's end again, as start did, and moves the store
// past what committed since: the statements a killed process had already
// sent (a COPY, or BEGIN, the inserts and COMMIT in one round trip) run on
// its server backend until that backend reads the closed socket, and one
// that had not begun when start took its lock commits after it (loadtest
// -mode crash -store postgres saw it once in about ten kills). It must come
// before anything is appended here: otherwise the sequences given out since
// may be theirs, and it refuses. It returns the end.
func (s *Store) catchUp(ctx context.Context) (uint64, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, s.errorf("read the last gseq again", err)
	}
	defer conn.Release()
	last, err := lastGseq(ctx, conn.Conn())
	if err != nil {
		return 0, s.errorf("read the last gseq again", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if last <= s.next {
		return s.next, nil
	}
	if s.next != s.began {
		return 0, s.errorf("catch up with the events' end", fmt.Errorf("events up to gseq %d were committed by another writer "+
			"after this store began giving out gseqs after %d; make sure no other allot writes to the same database, and start again",
			last, s.began))
	}
	s.goOnFrom(last)
	return last, nil
}

// checkWritable refuses a hot standby and a database whose transactions
// are read-only by default: every append would fail there, after the bot
// had started serving.
func checkWritable(ctx context.Context, conn *pgx.Conn) error {
	var recovery bool
	var readOnly string
	err := conn.QueryRow(ctx, "SELECT pg_is_in_recovery(), current_setting('transaction_read_only')").Scan(&recovery, &readOnly)
	if err != nil {
		return fmt.Errorf("check that the server takes writes: %w", err)
	}
	if recovery {
		return fmt.Errorf("%w: the server is a standby in recovery; point the URL at the primary", ErrReadOnly)
	}
	if readOnly == "on" {
		return fmt.Errorf("%w: transactions are read-only (default_transaction_read_only is on)", ErrReadOnly)
	}
	return nil
}

// Close stops taking appends, waits until every queued event has been
// committed or failed (their done callbacks have run), and closes the
// connections. It returns the error that stopped the store, if one did.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.signal()
	<-s.stopped
	s.closed.Do(s.pool.Close)
	return s.Err()
}

// Err is the error that stopped the store (a commit whose outcome is
// unknown, wrapping ErrCommitUnknown), or nil while it takes appends.
func (s *Store) Err() error {
	if !s.failed.Load() {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fatal
}
