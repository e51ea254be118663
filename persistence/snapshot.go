package persistence

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// DefaultSnapshotKeep is how many valid snapshots a store keeps when
// OpenSnapshots is given 0: enough to fall back on if the newest is damaged.
const DefaultSnapshotKeep = 3

// SnapshotStore keeps the newest snapshots of the state in one directory,
// so that recovery replays only the journal after the newest one. Only one
// process may use a directory at a time (opening removes temp files).
// Its methods are safe for concurrent use; writes are serialized.
type SnapshotStore struct {
	dir  string
	keep int
	log  *slog.Logger
	mu   sync.Mutex
	lost []Loss // snapshots set aside since open; see fallbacks
}

// OpenSnapshots opens (or creates) the snapshot directory dir, keeping the
// keep newest valid snapshots (DefaultSnapshotKeep when 0). Temporary files
// left by a crash during a write are removed.
func OpenSnapshots(dir string, keep int, logger *slog.Logger) (*SnapshotStore, error) {
	if keep < 0 {
		return nil, fmt.Errorf("persistence: snapshot keep %d, want >= 1", keep)
	}
	if keep == 0 {
		keep = DefaultSnapshotKeep
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := mkdirAllSync(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("persistence: open snapshots: %w", err)
	}
	s := &SnapshotStore{dir: dir, keep: keep, log: logger}
	if err := s.removeTemps(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *SnapshotStore) removeTemps() error {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("persistence: open snapshots: %w", err)
	}
	removed := 0
	for _, e := range ents {
		if !isTempName(e.Name(), snapshotExt) {
			continue
		}
		if err := os.Remove(filepath.Join(s.dir, e.Name())); err != nil {
			return fmt.Errorf("persistence: remove snapshot temp: %w", err)
		}
		s.log.Info("persistence: removed an unfinished snapshot", "file", e.Name())
		removed++
	}
	if removed > 0 {
		return SyncDir(s.dir)
	}
	return nil
}

// Write stores a snapshot of the state at journal sequence seq, streaming
// what write produces into a temp file that becomes "<seq>.snap" only once
// complete and synced (see WriteFileAtomic); then it prunes old snapshots.
// If write fails nothing is left behind. Every journal record the state
// reflects must be durable before the file counts: wait for it (WaitDurable,
// and in FsyncOS mode Journal.Sync) before write returns.
func (s *SnapshotStore) Write(seq uint64, write func(w io.Writer) error) (SnapshotInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := time.Now()
	path := filepath.Join(s.dir, snapshotName(seq))
	err := writeFileAtomic(path, filePerm, func(f *os.File) error { return writeSnapshotFile(f, seq, write) })
	if err != nil {
		return SnapshotInfo{}, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return SnapshotInfo{}, fmt.Errorf("persistence: snapshot: %w", err)
	}
	info := SnapshotInfo{Path: path, Seq: seq, Size: st.Size(), Created: st.ModTime(), Duration: time.Since(start)}
	if err := s.prune(); err != nil { // the new snapshot is safe; old ones wait for the next write
		s.log.Warn("persistence: pruning snapshots failed", "err", err)
	}
	return info, nil
}

// prune keeps the newest s.keep snapshots whose header and size check out,
// removes older ones, and sets aside the ones that fail the check.
func (s *SnapshotStore) prune() error {
	files, err := s.list()
	if err != nil {
		return err
	}
	kept, changed := 0, false
	var errs []error
	for _, f := range files {
		err := quickCheck(f)
		switch {
		case errors.Is(err, ErrCorrupt):
			errs = append(errs, s.setAside(f.Path, err))
		case err != nil:
			errs = append(errs, err)
		case kept < s.keep:
			kept++
		default:
			errs = append(errs, os.Remove(f.Path))
			changed = true
		}
	}
	if changed {
		errs = append(errs, SyncDir(s.dir))
	}
	return errors.Join(errs...)
}

// quickCheck reads only the header: enough to decide what to keep.
func quickCheck(info SnapshotInfo) error {
	f, err := os.Open(info.Path)
	if err != nil {
		return fmt.Errorf("persistence: %w", err)
	}
	defer f.Close()
	b := make([]byte, snapshotHeaderSize)
	n, err := f.ReadAt(b, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("persistence: %w", err)
	}
	h, err := decodeSnapHeader(info.Path, b[:n], info.Size)
	if err != nil {
		return err
	}
	return checkNameSeq(info, h.seq)
}

func checkNameSeq(info SnapshotInfo, seq uint64) error {
	if seq != info.Seq {
		return corruptf(info.Path, 16, "snapshot header seq %d does not match the file name", seq)
	}
	return nil
}

// LoadNewest returns the newest snapshot that passes every check, with its
// payload in memory. A damaged one is renamed "<name>.broken" (logged at
// Warn) and the next older one is tried; ErrNoSnapshot means none is left.
func (s *SnapshotStore) LoadNewest() (SnapshotInfo, []byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	files, err := s.list()
	if err != nil {
		return SnapshotInfo{}, nil, err
	}
	for _, f := range files {
		info, payload, err := ReadSnapshot(f.Path)
		if err == nil {
			err = checkNameSeq(f, info.Seq)
		}
		if err == nil {
			return info, payload, nil
		}
		if !errors.Is(err, ErrCorrupt) {
			return SnapshotInfo{}, nil, err
		}
		if err := s.setAside(f.Path, err); err != nil {
			return SnapshotInfo{}, nil, err
		}
	}
	return SnapshotInfo{}, nil, ErrNoSnapshot
}

// setAside renames a damaged snapshot so that it is never tried again but
// stays available for inspection.
func (s *SnapshotStore) setAside(path string, cause error) error {
	to := brokenPath(path)
	if err := os.Rename(path, to); err != nil {
		return fmt.Errorf("persistence: set aside snapshot: %w", err)
	}
	s.log.Warn("persistence: damaged snapshot set aside", "file", path, "moved_to", to, "err", cause)
	s.lost = append(s.lost, snapshotLoss(to, cause))
	return SyncDir(s.dir)
}

// List returns the snapshot files of the store, newest first, from their
// names and sizes alone (Created is the modification time): it reads no
// contents, so it is cheap; VerifySnapshot checks one.
func (s *SnapshotStore) List() ([]SnapshotInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.list()
}

func (s *SnapshotStore) list() ([]SnapshotInfo, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("persistence: list snapshots: %w", err)
	}
	var out []SnapshotInfo
	for _, e := range ents {
		seq, ok := parseSeqName(e.Name(), snapshotExt)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		out = append(out, SnapshotInfo{Path: filepath.Join(s.dir, e.Name()), Seq: seq, Size: fi.Size(), Created: fi.ModTime()})
	}
	slices.SortFunc(out, func(a, b SnapshotInfo) int { return cmpUint(b.Seq, a.Seq) })
	return out, nil
}

// Dir is the directory the store keeps its snapshots in.
func (s *SnapshotStore) Dir() string { return s.dir }
