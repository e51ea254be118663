package persistence

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// BackupOptions configure WriteBackup. The directories are required.
type BackupOptions struct {
	JournalDir  string
	SnapshotDir string
	Version     string // the program's version, for the manifest
	Compress    bool   // gzip the tar stream
	// SnapshotTop returns the highest record sequence inside a snapshot
	// payload: a fuzzy snapshot's entities may hold records after its own
	// sequence, and the archive must hold the journal at least that far.
	// Nil: the snapshot's sequence.
	SnapshotTop func(payload []byte) (uint64, error)
	// Skipped is told of a snapshot passed over because it fails a check
	// (the engine would set it aside on its next start). May be nil.
	Skipped func(path string, err error)
	Now     func() time.Time // default time.Now
}

// backupAttempts bounds how often WriteBackup starts over when files it
// listed went away (a snapshot pruned, segments compacted) before it
// opened them.
const backupAttempts = 5

// liveRereads bounds how often the active segment is read again when a
// valid record follows a bad one: the writer was in the middle of a batch.
const liveRereads = 5

// WriteBackup writes to w an archive (format in backup_archive.go) of the
// newest valid snapshot in opts.SnapshotDir and the journal in
// opts.JournalDir from the record after it to the newest complete record.
// It is meant to run beside the process that owns the directories: it
// takes no lock and writes nothing there. It chooses the snapshot first,
// then opens every segment it needs, so that a snapshot or segments
// removed meanwhile do not matter; it copies the segments in order and
// cuts the last, which the owner may be appending to, after its last
// complete record, whose sequence becomes the manifest's JournalSeq.
// Every record the chosen snapshot reflects is in the copy: the owner
// writes the journal up to them before the snapshot gets its name.
func WriteBackup(w io.Writer, opts BackupOptions) (ArchiveManifest, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	var err error
	for range backupAttempts {
		var p *backupPlan
		if p, err = planBackup(opts); err == nil {
			defer p.close()
			return p.write(w, opts)
		}
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, ErrMissingRecords) {
			break
		}
	}
	return ArchiveManifest{}, wrap(err, "backup")
}

// backupPlan is a snapshot read into memory and the segments after it,
// open.
type backupPlan struct {
	snapPath string // "" without a snapshot
	snapSeq  uint64
	snap     []byte
	top      uint64
	segs     []*os.File
}

func (p *backupPlan) close() {
	for _, f := range p.segs {
		_ = f.Close()
	}
}

func planBackup(opts BackupOptions) (*backupPlan, error) {
	p := &backupPlan{}
	if err := p.pickSnapshot(opts); err != nil {
		return nil, err
	}
	files, err := SegmentFiles(opts.JournalDir)
	if err != nil {
		return nil, err
	}
	start := -1
	for i, f := range files {
		if f.FirstSeq <= p.snapSeq+1 {
			start = i
		}
	}
	if start < 0 {
		return nil, missingBefore(opts.JournalDir, files, p.snapSeq)
	}
	for _, f := range files[start:] {
		fd, err := os.Open(f.Path)
		if err != nil {
			p.close()
			return nil, err
		}
		p.segs = append(p.segs, fd)
	}
	return p, nil
}

func missingBefore(dir string, files []SegmentFile, snapSeq uint64) error {
	if len(files) == 0 {
		return fmt.Errorf("no journal segment in %s", dir)
	}
	return fmt.Errorf("%w: the journal in %s starts at seq %d, after the snapshot's seq %d + 1",
		ErrMissingRecords, dir, files[0].FirstSeq, snapSeq)
}

// pickSnapshot reads the newest snapshot that passes every check.
func (p *backupPlan) pickSnapshot(opts BackupOptions) error {
	snaps, err := SnapshotFiles(opts.SnapshotDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, s := range snaps {
		data, err := os.ReadFile(s.Path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // pruned meanwhile: a newer one exists
		}
		if err != nil {
			return fmt.Errorf("persistence: %w", err)
		}
		seq, payload, err := CheckSnapshot(s.Path, data)
		if err == nil {
			p.snapPath, p.snapSeq, p.snap, p.top = s.Path, seq, data, seq
			if opts.SnapshotTop != nil {
				top, err := opts.SnapshotTop(payload)
				if err != nil {
					return fmt.Errorf("%s: %w", s.Path, err)
				}
				p.top = max(top, seq)
			}
			return nil
		}
		if opts.Skipped != nil {
			opts.Skipped(s.Path, err)
		}
	}
	return nil
}

func (p *backupPlan) write(w io.Writer, opts BackupOptions) (ArchiveManifest, error) {
	m := ArchiveManifest{Format: ArchiveFormat, Version: ArchiveVersion, Created: opts.Now().UTC(),
		AllotVersion: opts.Version, SnapshotSeq: p.snapSeq}
	a := newArchiveWriter(w, opts.Compress, m.Created)
	if p.snap != nil {
		name := archiveSnapshotDir + filepath.Base(p.snapPath)
		if err := a.addMember(ArchiveMember{Name: name, FirstSeq: p.snapSeq, LastSeq: p.snapSeq}, p.snap); err != nil {
			return m, err
		}
	}
	var buf []byte
	for i, f := range p.segs {
		s, data, err := readSegment(f, i == len(p.segs)-1, buf)
		if err != nil {
			return m, err
		}
		if i > 0 && s.FirstSeq != m.JournalSeq+1 {
			return m, corruptf(s.Path, 16, "first seq %d, want %d: records missing between segments", s.FirstSeq, m.JournalSeq+1)
		}
		name := archiveJournalDir + filepath.Base(s.Path)
		if err := a.addMember(ArchiveMember{Name: name, FirstSeq: s.FirstSeq, LastSeq: s.LastSeq}, data[:s.Bytes]); err != nil {
			return m, err
		}
		m.JournalSeq, buf = s.LastSeq, data
	}
	if m.JournalSeq < p.top {
		return m, fmt.Errorf("%w: the snapshot %s holds records up to seq %d but the journal ends at %d",
			ErrMissingRecords, p.snapPath, p.top, m.JournalSeq)
	}
	return m, a.finish(&m)
}

// readSegment reads a whole segment file and checks it. A segment that is
// not the last must end cleanly. The last one may end in a torn or
// unfinished write; when a valid record follows the bad bytes, the writer
// was caught in the middle of a batch, so it is read again, and only
// damage that stays is an error.
func readSegment(f *os.File, last bool, buf []byte) (SegmentScan, []byte, error) {
	for try := 0; ; try++ {
		data, err := readAllAt(f, buf)
		if err != nil {
			return SegmentScan{}, nil, err
		}
		s, err := ScanSegment(f.Name(), data)
		switch {
		case err != nil:
			return s, nil, err
		case s.Clean() || (last && s.ValidAfter < 0):
			return s, data, nil
		case !last:
			return s, nil, corruptf(s.Path, s.Bytes, "%s in a segment that is not the last", s.TailReason)
		case try+1 == liveRereads:
			return s, nil, corruptf(s.Path, s.Bytes, "%s; a valid record follows at offset %d", s.TailReason, s.ValidAfter)
		}
		buf = data
		time.Sleep(20 * time.Millisecond)
	}
}

// readAllAt reads f from offset 0 to its current size into buf.
func readAllAt(f *os.File, buf []byte) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("persistence: %w", err)
	}
	n := st.Size()
	if int64(cap(buf)) < n {
		buf = make([]byte, n)
	}
	got, err := f.ReadAt(buf[:n], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("persistence: read %s: %w", f.Name(), err)
	}
	return buf[:got], nil
}
