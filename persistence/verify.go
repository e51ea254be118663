package persistence

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// JournalInfo describes a journal directory as VerifyJournal found it.
type JournalInfo struct {
	Segments []SegmentInfo
	FirstSeq uint64 // first record on disk; 0 when there is none
	LastSeq  uint64 // last record on disk; first seq - 1 of an empty journal
	Records  int
	// TornTailBytes counts the bytes after the last valid record of the last
	// segment that the next OpenJournal will drop (a write cut by a crash).
	TornTailBytes int64
}

// SegmentInfo describes one segment file.
type SegmentInfo struct {
	Path              string
	FirstSeq, LastSeq uint64 // LastSeq = FirstSeq-1 when it holds no record
	Records           int
	Bytes             int64 // header plus valid records; preallocated space excluded
}

// VerifyJournal checks every record of every segment of dir without
// changing anything, so it is safe on a live journal's copy or on one that
// refuses to open. A torn tail is reported in TornTailBytes; damage
// anywhere else is returned as a *CorruptError (with the info read so far).
func VerifyJournal(dir string) (JournalInfo, error) {
	scans, err := scanDir(dir)
	if err != nil {
		return JournalInfo{}, err
	}
	info := journalInfo(scans)
	v := judge(scans)
	if v.err != nil {
		return info, v.err
	}
	if v.torn {
		s := scans[v.at]
		info.TornTailBytes = s.dataEnd - s.end
	}
	return info, nil
}

func journalInfo(scans []segmentScan) JournalInfo {
	var info JournalInfo
	for _, s := range scans {
		first := s.first
		if s.headerBad != "" {
			first = s.nameFirst
		}
		info.Segments = append(info.Segments, SegmentInfo{Path: s.path, FirstSeq: first,
			LastSeq: s.last, Records: s.records, Bytes: s.end})
		if s.records > 0 && info.Records == 0 {
			info.FirstSeq = s.first
		}
		info.Records += s.records
		info.LastSeq = s.last
	}
	return info
}

// RepairJournal is the operator's answer to a *CorruptError from
// OpenJournal (the `allot snapshot repair` command). It keeps every record
// before the first bad one and sets the rest aside, never deleting a byte:
// the bad segment's bytes from the first bad record on are copied to
// "<segment>.broken" and zeroed in place, and every later segment is
// renamed to "<name>.broken". Records after the damage are lost to the
// journal; Recover will refuse to start if a snapshot does not cover them.
// It takes the journal's lock (the service must be stopped), logs nothing,
// and returns how many bytes of data it set aside (0 when the journal was
// sound).
func RepairJournal(dir string) (dropped int64, err error) {
	lock, err := lockDir(dir)
	if err != nil {
		return 0, err
	}
	defer lock.Close()
	scans, err := scanDir(dir)
	if err != nil {
		return 0, err
	}
	v := judge(scans)
	if v.err == nil && !v.torn {
		return 0, nil
	}
	if !v.whole {
		n, err := setAsideTail(scans[v.at])
		if err != nil {
			return 0, err
		}
		dropped, v.at = n, v.at+1
	}
	for _, s := range scans[v.at:] {
		if err := os.Rename(s.path, brokenPath(s.path)); err != nil {
			return dropped, fmt.Errorf("persistence: set aside %s: %w", s.path, err)
		}
		dropped += s.dataEnd
	}
	if v.at == 0 { // keep the journal's starting point, so Recover can see what is missing
		if err := writeEmptySegment(dir, max(scans[0].nameFirst, 1)); err != nil {
			return dropped, err
		}
	}
	return dropped, SyncDir(dir)
}

// setAsideTail copies the bytes after a segment's valid records to
// "<segment>.broken", then zeroes them in the segment.
func setAsideTail(s segmentScan) (int64, error) {
	data, err := readFile(s.path, s.dataEnd, nil)
	if err != nil {
		return 0, err
	}
	tail := data[s.end:]
	err = WriteFileAtomic(brokenPath(s.path), filePerm, func(w io.Writer) error {
		_, err := w.Write(tail)
		return err
	})
	if err != nil {
		return 0, err
	}
	return int64(len(tail)), zeroRange(s.path, s.end, s.dataEnd)
}

// zeroRange overwrites [from, to) of path with zeros and syncs it.
func zeroRange(path string, from, to int64) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("persistence: %w", err)
	}
	if err := writeZeros(f, from, to); err != nil {
		_ = f.Close()
		return err
	}
	if err := fdatasync(f, path); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func writeEmptySegment(dir string, first uint64) error {
	path := filepath.Join(dir, segmentName(first))
	return WriteFileAtomic(path, filePerm, func(w io.Writer) error {
		_, err := w.Write(encodeSegmentHeader(first))
		return err
	})
}

// brokenPath returns "<path>.broken", or "<path>.broken.N" for the first
// free N, so that setting something aside never overwrites earlier evidence.
func brokenPath(path string) string {
	p := path + ".broken"
	for n := 1; ; n++ {
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			return p
		}
		p = fmt.Sprintf("%s.broken.%d", path, n)
	}
}

// lockDir takes an exclusive lock on dir/LOCK. Two processes appending to
// one journal would interleave sequences; the kernel drops the lock when
// the holder dies, so a crash never leaves it stuck.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_RDWR|os.O_CREATE, filePerm)
	if err != nil {
		return nil, fmt.Errorf("persistence: lock journal: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("persistence: journal %s is in use by another process or journal", dir)
		}
		return nil, fmt.Errorf("persistence: lock journal %s: %w", dir, err)
	}
	return f, nil
}
