package persistence

import (
	"fmt"
	"path/filepath"
)

// The helpers in this file only read. They take no lock and create,
// change or remove nothing, so that a backup, a verification or a test
// can use them on the files of a journal and a snapshot store that a
// running process owns (or on copies of them).

// SegmentFile is a journal segment found in a directory listing.
type SegmentFile struct {
	Path     string
	FirstSeq uint64 // from the file name
}

// SegmentFiles lists the segments of a journal directory in sequence order,
// from their names alone.
func SegmentFiles(dir string) ([]SegmentFile, error) {
	files, err := listSegments(dir)
	if err != nil {
		return nil, err
	}
	out := make([]SegmentFile, len(files))
	for i, f := range files {
		out[i] = SegmentFile{Path: f.path, FirstSeq: f.first}
	}
	return out, nil
}

// SnapshotFiles lists the snapshots of a snapshot directory, newest first,
// from their names and sizes alone, like SnapshotStore.List but without
// opening (and so creating or tidying) the store.
func SnapshotFiles(dir string) ([]SnapshotInfo, error) {
	return (&SnapshotStore{dir: dir}).list()
}

// SegmentScan is what ScanSegment found in one segment's bytes.
type SegmentScan struct {
	// SegmentInfo describes the valid records from the start: Bytes is the
	// offset just after the last of them (version 2: after the commit
	// frame of the last complete batch).
	SegmentInfo
	// TailBytes counts the bytes from Bytes to the last non-zero byte: a
	// torn write, damage, or (in a copy of a live segment) a write in
	// progress. Zero for a cleanly ended segment.
	TailBytes int64
	// TailReason says why the records stop at Bytes when TailBytes > 0.
	TailReason string
	// ValidAfter is the offset of a valid record with a later sequence
	// inside the tail (format version 2: of a complete batch), or -1: with
	// one, the tail is not a write still in progress.
	ValidAfter int64
}

// Clean reports a segment whose bytes after the valid records are zeros.
func (s SegmentScan) Clean() bool { return s.TailReason == "" }

// ScanSegment checks the header and every record of one segment's bytes,
// as OpenJournal does, and reports where the valid records end. path names
// the segment in errors; its base name must be a segment name. It fails,
// with a *CorruptError, only when the header is unusable or does not
// match the name: what follows the valid records is for the caller to
// judge. It never panics, whatever the bytes.
func ScanSegment(path string, data []byte) (SegmentScan, error) {
	nameFirst, ok := parseSeqName(filepath.Base(path), segmentExt)
	if !ok {
		return SegmentScan{}, fmt.Errorf("persistence: %s: not a journal segment name", path)
	}
	s := scanSegment(path, nameFirst, data)
	if s.headerBad != "" {
		return SegmentScan{}, corruptf(path, 0, "%s", s.headerBad)
	}
	if s.first != nameFirst {
		return SegmentScan{}, corruptf(path, 16, "header first seq %d does not match the file name", s.first)
	}
	out := SegmentScan{SegmentInfo: SegmentInfo{Path: path, FirstSeq: s.first, LastSeq: s.last,
		Records: s.records, Bytes: s.end}, ValidAfter: s.validAt}
	if s.dirty() {
		out.TailBytes, out.TailReason = s.dataEnd-s.end, s.reason()
	}
	return out, nil
}

// CheckSnapshot fully checks the bytes of one snapshot file (header, size,
// payload CRC, and the sequence in its name, which is the base name of
// path) and returns its sequence and payload, which aliases data. Any
// failed check is a *CorruptError naming path.
func CheckSnapshot(path string, data []byte) (seq uint64, payload []byte, err error) {
	nameSeq, ok := parseSeqName(filepath.Base(path), snapshotExt)
	if !ok {
		return 0, nil, fmt.Errorf("persistence: %s: not a snapshot name", path)
	}
	h, payload, err := decodeSnapshot(path, data)
	if err != nil {
		return 0, nil, err
	}
	if err := checkNameSeq(SnapshotInfo{Path: path, Seq: nameSeq}, h.seq); err != nil {
		return 0, nil, err
	}
	return h.seq, payload, nil
}

// ReadRecords calls fn, in sequence order, for every record of the journal
// in dir with a sequence in (after, upTo], and returns the last sequence
// the journal holds. It applies the rules of VerifyJournal: a torn tail of
// the last segment ends the records, any other damage is a *CorruptError,
// and a journal that starts after the record following after, or ends
// before upTo (use ^uint64(0) for "all"), is ErrMissingRecords.
// payload is valid only during fn. An error from fn stops the reading and
// is returned wrapped.
func ReadRecords(dir string, after, upTo uint64, fn func(seq uint64, payload []byte) error) (uint64, error) {
	scans, err := scanDir(dir)
	if err != nil {
		return 0, err
	}
	if v := judge(scans); v.err != nil {
		return 0, v.err
	}
	last := journalInfo(scans).LastSeq
	if len(scans) > 0 && scans[0].first > after+1 {
		return last, fmt.Errorf("%w: the journal in %s starts at seq %d, after seq %d", ErrMissingRecords, dir, scans[0].first, after+1)
	}
	if upTo != ^uint64(0) && last < upTo {
		return last, fmt.Errorf("%w: the journal in %s ends at seq %d, before seq %d", ErrMissingRecords, dir, last, upTo)
	}
	var buf []byte
	for _, s := range scans {
		if s.records == 0 || s.last <= after || s.first > upTo {
			continue
		}
		if buf, err = readFile(s.path, s.end, buf); err != nil {
			return last, err
		}
		meta := segmentMeta{path: s.path, first: s.first, last: s.last, records: s.records, end: s.end}
		if err := replaySegment(meta, buf, after, upTo, fn); err != nil {
			return last, err
		}
	}
	return last, nil
}
