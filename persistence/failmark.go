package persistence

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// After a failed write or fdatasync the page cache may hold records the
// disk never got, and Linux marks such pages clean: a restart in the same
// boot could read (and replay) records whose done callbacks failed, then
// write after them, leaving a hole once the cache is gone. So the failing
// journal records, in a small file, the last sequence it acknowledged and
// the last one an fdatasync covered; the next OpenJournal keeps nothing
// after the acknowledged one and refuses to start if the disk lacks a
// synced one. The format is in doc.go.
const (
	failMarkName  = "FAILED"
	failMarkMagic = "ALLOTFLD"
	failMarkSize  = 40
)

// failMark is what a failed journal left for the next start.
type failMark struct {
	acked  uint64 // DurableSeq when it failed: records after it were never acknowledged
	synced uint64 // last sequence an fdatasync that returned covered
}

func (m failMark) encode() []byte {
	b := make([]byte, failMarkSize)
	copy(b, failMarkMagic)
	binary.LittleEndian.PutUint16(b[8:], 1)
	binary.LittleEndian.PutUint64(b[16:], m.acked)
	binary.LittleEndian.PutUint64(b[24:], m.synced)
	binary.LittleEndian.PutUint32(b[32:], crc32c(b[:32]))
	return b
}

func decodeFailMark(path string, b []byte) (failMark, error) {
	switch {
	case len(b) != failMarkSize || string(b[:8]) != failMarkMagic:
		return failMark{}, corruptf(path, 0, "not a journal failure mark")
	case crc32c(b[:32]) != binary.LittleEndian.Uint32(b[32:]):
		return failMark{}, corruptf(path, 32, "failure mark crc mismatch")
	case binary.LittleEndian.Uint16(b[8:]) != 1:
		return failMark{}, corruptf(path, 8, "unsupported failure mark version %d", binary.LittleEndian.Uint16(b[8:]))
	}
	return failMark{acked: binary.LittleEndian.Uint64(b[16:]), synced: binary.LittleEndian.Uint64(b[24:])}, nil
}

// markFailed records the failure durably, where the disk still lets it:
// before any done callback learns of it, so that no caller is told
// "failed" for a record a restart would replay. It runs on the writer
// goroutine.
func (j *Journal) markFailed() {
	m := failMark{acked: j.durable.Load(), synced: j.w.syncedSeq}
	if err := writeFileFS(j.fs, filepath.Join(j.opts.Dir, failMarkName), m.encode()); err != nil {
		j.log.Error("persistence: could not record the journal's failure on disk; the next start relies on "+
			"reading past the page cache alone", "err", err, "acked_seq", m.acked, "synced_seq", m.synced)
	}
}

// readFailMark returns the failure mark of dir, or nil when there is none.
func readFailMark(fsys FS, dir string) (*failMark, error) {
	path := filepath.Join(dir, failMarkName)
	if _, err := fsys.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	b, err := readFileFS(fsys, path, -1, nil)
	if err != nil {
		return nil, err
	}
	m, err := decodeFailMark(path, b)
	if err != nil {
		return nil, fmt.Errorf("%w; it tells which records a failed journal never acknowledged: "+
			"remove it only to trust every complete record on disk", err)
	}
	return &m, nil
}

func removeFailMark(fsys FS, dir string) error {
	if err := fsys.Remove(filepath.Join(dir, failMarkName)); err != nil {
		return fmt.Errorf("persistence: open journal: %w", err)
	}
	return fsys.SyncDir(dir)
}

// applyFailMark sets aside what a failed journal never acknowledged:
// segments that start after the mark's acknowledged sequence, and what
// follows it (or the last complete batch before it) in the segment holding
// it. It refuses to go on if the disk lacks a record an fdatasync had
// covered, and reports acknowledged records the disk lacks (FsyncOS
// acknowledges before syncing) as a loss. It returns the scans afresh.
func (j *Journal) applyFailMark(m failMark, scans []segmentScan) ([]segmentScan, error) {
	for len(scans) > 0 {
		s := scans[len(scans)-1]
		first := s.first
		if s.headerBad != "" {
			first = s.nameFirst
		}
		if first <= m.acked || len(scans) == 1 {
			break
		}
		if err := j.setAsideSegment(s); err != nil {
			return nil, err
		}
		scans = scans[:len(scans)-1]
	}
	if len(scans) == 0 || scans[len(scans)-1].headerBad != "" {
		return scans, nil // judge reports a bad header as it is
	}
	s := scans[len(scans)-1]
	last, err := j.cutAfter(s, m.acked)
	if err != nil {
		return nil, err
	}
	if last < min(m.acked, m.synced) {
		return nil, corruptf(s.path, s.end, "the journal ends at seq %d but an fdatasync that returned covered seq %d "+
			"(before a failure recorded in %s; once the loss is understood, or repaired, remove that file to start "+
			"from what the journal holds)", last, min(m.acked, m.synced), filepath.Join(j.opts.Dir, failMarkName))
	}
	if last < m.acked {
		j.noteAckedLoss(s.path, last, m.acked)
	}
	return scanDirFS(j.fs, j.opts.Dir)
}

// setAsideSegment renames a segment whose every record came after the
// failure to "<name>.broken".
func (j *Journal) setAsideSegment(s segmentScan) error {
	broken, err := brokenPathFS(j.fs, s.path)
	if err != nil {
		return err
	}
	if err := j.fs.Rename(s.path, broken); err != nil {
		return fmt.Errorf("persistence: set aside %s: %w", s.path, err)
	}
	if err := j.fs.SyncDir(j.opts.Dir); err != nil {
		return err
	}
	j.log.Warn("persistence: set aside a journal segment written after a failed write or fdatasync",
		"file", s.path, "copy", broken, "first_seq", s.first)
	j.losses = append(j.losses, Loss{What: "journal segment after a failed fdatasync", File: broken, Bytes: s.dataEnd})
	return nil
}

// cutAfter sets aside everything in segment s after the last complete
// batch (version 1: record) whose sequences are all at most keep, and
// returns the last sequence it keeps.
func (j *Journal) cutAfter(s segmentScan, keep uint64) (uint64, error) {
	data, err := readFileFS(j.fs, s.path, s.end, nil)
	if err != nil {
		return 0, err
	}
	off, last := cutOffset(data, s.version, s.first, keep)
	if off >= s.dataEnd {
		return last, nil
	}
	broken, n, err := j.copyAside(s.path, off, s.dataEnd)
	if err != nil {
		return 0, err
	}
	if err := j.zeroAndSync(s.path, off, s.dataEnd); err != nil {
		return 0, err
	}
	j.log.Warn("persistence: set aside journal records written after the last acknowledged one before a failed "+
		"write or fdatasync", "file", s.path, "offset", off, "bytes", n, "copy", broken, "last_seq", last)
	j.losses = append(j.losses, Loss{What: "journal batch after a failed fdatasync", File: broken, Offset: off, Bytes: n})
	return last, nil
}

// cutOffset walks the valid frames of a segment's data and returns the
// offset just after the last batch boundary (version 1: record) whose
// sequence is at most keep, and that sequence (first-1 when none).
func cutOffset(data []byte, version uint16, first, keep uint64) (int64, uint64) {
	off, seq := segmentHeaderSize, first-1
	cut, last := off, seq
	for off < len(data) {
		if isCommit(data[off:]) {
			off += commitSize
			if seq <= keep {
				cut, last = off, seq
			}
			continue
		}
		s, _, n, st := decodeRecord(data[off:])
		if st != recOK || s > keep {
			break
		}
		off, seq = off+n, s
		if version == segmentVersion1 {
			cut, last = off, seq
		}
	}
	return int64(cut), last
}

// zeroAndSync overwrites [from, to) of path with zeros and syncs it.
func (j *Journal) zeroAndSync(path string, from, to int64) error {
	f, err := j.fs.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("persistence: %w", err)
	}
	if err := writeZeros(f, from, to); err != nil {
		return errors.Join(err, f.Close())
	}
	if err := fdatasync(f, path); err != nil {
		return errors.Join(err, f.Close())
	}
	return f.Close()
}

// noteAckedLoss reports records acknowledged (in FsyncOS mode, after
// write()) that the disk lacks after a failed fdatasync.
func (j *Journal) noteAckedLoss(path string, last, acked uint64) {
	j.log.Error("persistence: acknowledged journal records were lost with a failed fdatasync",
		"file", path, "first_lost_seq", last+1, "last_lost_seq", acked)
	j.losses = append(j.losses, Loss{What: fmt.Sprintf("journal records %d..%d (acknowledged, lost with a failed fdatasync)",
		last+1, acked), File: path, Acknowledged: true})
}
