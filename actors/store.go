package actors

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"allot/domain"
	"allot/persistence"
)

// Store keeps what the engine must never lose: every entity's events, in
// one order, and snapshots of all entities. Two implementations exist: the
// data directory's journal and snapshot files (the default, fileStore) and
// PostgreSQL (persistence/pgstore, selected by DATABASE_URL in cmd/allot).
// The engine uses nothing else of persistence, so a store that keeps this
// contract runs the whole bot.
//
// The contract:
//
//   - Append queues payload, one encoded domain.Record of the entity kind
//     id, and returns its sequence; 0 means refused (Err says why, or the
//     payload is larger than persistence.MaxPayloadSize, or the store is
//     closed). The store copies payload, or is done with it, before it
//     returns: the engine encodes every record into one buffer of its
//     worker's. Sequences rise in the order of the calls. prev is the
//     sequence of the entity's previous event (0 for its first): a store
//     shared by several writers fences on it, so that two activations of
//     one entity can never both append after the same event. A record that loses such a race is a failure of the
//     store, reported through Err and the hooks' OnFatal, never a record
//     made durable.
//   - Durability: DurableSeq never decreases, and every record at or below
//     it survives a crash of the process (and a power loss, in
//     persistence.FsyncAlways mode). Records become durable in sequence
//     order. The hooks' OnSync runs after DurableSeq moves. Nothing is
//     acknowledged by the engine before it is durable.
//   - Once Err is not nil it stays so; nothing more becomes durable.
//   - Sync makes every record appended so far durable now, whatever the
//     fsync mode: a snapshot must not hold events the store could lose.
//   - Recover calls restore once with the newest valid snapshot (if any),
//     then replay for every durable record after the snapshot's sequence,
//     in sequence order, before any Append. An error from either stops
//     recovery and is returned wrapped.
//   - WriteSnapshot stores what write produces as the snapshot at seq; it
//     becomes the newest only once write has returned nil and the store has
//     kept it. Snapshots lists the kept ones, newest first. Compact(keep)
//     may drop records no kept snapshot needs once keep snapshots exist,
//     and may drop snapshots beyond the newest keep.
type Store interface {
	Append(kind domain.Kind, id string, prev uint64, payload []byte) uint64
	LastSeq() uint64
	DurableSeq() uint64
	WaitDurable(ctx context.Context, seq uint64) error
	Sync() error
	Err() error
	Recover(restore, replay func(seq uint64, payload []byte) error) (persistence.RecoveryInfo, error)
	WriteSnapshot(seq uint64, write func(w io.Writer) error) (persistence.SnapshotInfo, error)
	Snapshots() ([]persistence.SnapshotInfo, error)
	Compact(keep int) error
	Stats() persistence.JournalStats
	Close() error
}

// StoreHooks is what a store tells the engine as it works.
type StoreHooks struct {
	// OnSync runs after each batch is durable: how long it took and how many
	// records it held. DurableSeq already covers the batch.
	OnSync func(took time.Duration, records int)
	// OnFatal runs once when the store fails for good.
	OnFatal func(error)
	Logger  *slog.Logger
}

// OpenStore opens the engine's store; Options.Store, when set, replaces
// the data directory's files.
type OpenStore func(StoreHooks) (Store, error)

// fileStore is the data directory's store: the journal under journal/ and
// the snapshot files under snapshots/.
type fileStore struct {
	j *persistence.Journal
	s *persistence.SnapshotStore
}

var _ Store = (*fileStore)(nil)

// OpenFileStore opens (or creates) the journal and snapshots under o.Dir,
// with o's Fsync, SegmentSize and SnapshotKeep: the store the engine uses
// when Options.Store is nil. Exported for tools that copy a data directory
// elsewhere and for the store contract suite (actors/storetest).
func OpenFileStore(o Options, h StoreHooks) (Store, error) {
	o = withDefaults(o)
	if h.Logger == nil {
		h.Logger = o.Logger
	}
	if h.OnSync == nil {
		h.OnSync = func(time.Duration, int) {}
	}
	f, err := openFileStore(o, h)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func openFileStore(o Options, h StoreHooks) (*fileStore, error) {
	j, err := persistence.OpenJournal(persistence.JournalOptions{
		Dir: filepath.Join(o.Dir, "journal"), Fsync: o.Fsync, SegmentSize: o.SegmentSize, Logger: h.Logger,
		OnSync:  func(d time.Duration, records, _ int) { h.OnSync(d, records) },
		OnFatal: h.OnFatal,
	})
	if err != nil {
		return nil, fmt.Errorf("actors: open journal: %w", err)
	}
	s, err := persistence.OpenSnapshots(filepath.Join(o.Dir, "snapshots"), o.SnapshotKeep, h.Logger)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("actors: open snapshots: %w", err), j.Close())
	}
	return &fileStore{j: j, s: s}, nil
}

func (f *fileStore) Append(_ domain.Kind, _ string, _ uint64, payload []byte) uint64 {
	return f.j.Append(payload, noDone)
}

func (f *fileStore) LastSeq() uint64                 { return f.j.LastSeq() }
func (f *fileStore) DurableSeq() uint64              { return f.j.DurableSeq() }
func (f *fileStore) Sync() error                     { return f.j.Sync() }
func (f *fileStore) Err() error                      { return f.j.Err() }
func (f *fileStore) Stats() persistence.JournalStats { return f.j.Stats() }
func (f *fileStore) Close() error                    { return f.j.Close() }

func (f *fileStore) WaitDurable(ctx context.Context, seq uint64) error {
	return f.j.WaitDurable(ctx, seq)
}

func (f *fileStore) Recover(restore, replay func(uint64, []byte) error) (persistence.RecoveryInfo, error) {
	return persistence.Recover(f.j, f.s, restore, replay)
}

func (f *fileStore) WriteSnapshot(seq uint64, write func(io.Writer) error) (persistence.SnapshotInfo, error) {
	return f.s.Write(seq, write)
}

func (f *fileStore) Snapshots() ([]persistence.SnapshotInfo, error) { return f.s.List() }

// Compact drops journal segments no kept snapshot needs, once keep
// snapshots exist to fall back on.
func (f *fileStore) Compact(keep int) error {
	list, err := f.s.List()
	if err != nil || len(list) < keep {
		return err
	}
	oldest := list[0].Seq
	for _, s := range list {
		oldest = min(oldest, s.Seq)
	}
	return f.j.Compact(oldest)
}

func noDone(uint64, error) {}
