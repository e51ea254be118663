package persistence

import (
	"errors"
	"fmt"
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

// dirLock holds a journal directory for one writer.
type dirLock struct{ dir, file *os.File }

// Close releases both locks.
func (l *dirLock) Close() error { return errors.Join(l.file.Close(), l.dir.Close()) }

// lockDir takes an exclusive lock on dir. Two processes appending to one
// journal would interleave sequences and overwrite each other's records;
// the kernel drops the lock when the holder dies, so a crash never leaves
// it stuck. The lock is an flock on the directory itself, which no
// deleted file can defeat (an flock on a file that someone removes, then
// recreates, lets a second writer in), and one on dir/LOCK, the lock
// earlier releases take, so that an old and a new binary exclude each
// other too.
func lockDir(dir string) (*dirLock, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("persistence: lock journal: %w", err)
	}
	if err := flock(d, dir); err != nil {
		_ = d.Close()
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_RDWR|os.O_CREATE, filePerm)
	if err != nil {
		_ = d.Close()
		return nil, fmt.Errorf("persistence: lock journal: %w", err)
	}
	if err := flock(f, dir); err != nil {
		return nil, errors.Join(err, f.Close(), d.Close())
	}
	return &dirLock{dir: d, file: f}, nil
}

func flock(f *os.File, dir string) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return fmt.Errorf("persistence: journal %s is in use by another process (or another Journal in this one): %w", dir, err)
	}
	if err != nil {
		return fmt.Errorf("persistence: lock journal %s: %w", dir, err)
	}
	return nil
}
