package persistence

import (
	"encoding/binary"
	"fmt"
)

// segmentScan is what one pass over a segment's bytes found. Open, verify
// and repair all decide from it, so they can never disagree.
type segmentScan struct {
	path      string
	nameFirst uint64 // first sequence according to the file name
	size      int64
	headerBad string // why the header is unusable; the rest is then empty
	version   uint16 // the header's format version (guessed when the header is bad)
	first     uint64 // first sequence according to the header
	last      uint64 // last valid record's sequence; first-1 when none
	records   int
	// end is the offset just after the last valid record; in version 2,
	// after the commit frame of the last complete batch.
	end      int64
	bad      string // why decoding stopped early; "" at a clean end
	badAt    int64  // where it stopped: the first bad frame (>= end)
	dataEnd  int64  // offset just after the last non-zero byte (>= end)
	validAt  int64  // a valid record (version 2: complete batch) after the damage, or -1
	validSeq uint64 // its sequence (version 2: the batch's last)
	// Version 2 only, when dirty (see inspectTail):
	zeroed    bool // a zeroed sector lies where the first bad frame should be: an unfinished write
	laterSync bool // a complete batch after the damage was written in FsyncAlways mode
	osBatch   bool // the bad batch's own commit holds and says FsyncOS: acknowledged after write()
}

// dirty reports bytes after the valid records: a torn write or damage.
func (s *segmentScan) dirty() bool { return s.bad != "" || s.dataEnd > s.end }

// reason says what is wrong after the valid records.
func (s *segmentScan) reason() string {
	if s.bad != "" {
		return s.bad
	}
	return "unexpected bytes after the end of data"
}

// scanSegment checks the header and every record of one segment's bytes.
// It never panics, whatever the bytes.
func scanSegment(path string, nameFirst uint64, data []byte) segmentScan {
	s := segmentScan{path: path, nameFirst: nameFirst, size: int64(len(data)), validAt: -1}
	first, bad := decodeSegmentHeader(data)
	if bad == "" && first == 0 {
		bad = "segment first seq is 0"
	}
	if bad != "" {
		s.headerBad, s.version = bad, sniffVersion(data, nameFirst)
		s.dataEnd = nonZeroEnd(data, 0)
		return s
	}
	s.version = segmentHeaderVersion(data)
	if s.version == segmentVersion1 {
		s.scanV1(data, first)
	} else {
		s.scanV2(data, first)
	}
	return s
}

// scanV1 decodes the records of a version 1 segment: they end at the first
// frame that does not decode.
func (s *segmentScan) scanV1(data []byte, first uint64) {
	off, expect := segmentHeaderSize, first
	for {
		seq, _, n, st := decodeRecord(data[off:])
		if st == recOK && seq != expect {
			s.bad = fmt.Sprintf("record seq %d, want %d", seq, expect)
		} else if st != recOK && st != recEnd {
			s.bad = st.String()
		}
		if st != recOK || s.bad != "" {
			break
		}
		off += n
		expect++
		s.records++
	}
	s.first, s.last, s.end, s.badAt = first, expect-1, int64(off), int64(off)
	s.dataEnd = nonZeroEnd(data, off)
	if s.dirty() {
		at, seq := findValidRecord(data, off, expect)
		s.validAt, s.validSeq = int64(at), seq
	}
}

// findValidRecord looks for any record at or after from whose CRC holds and
// whose sequence is one the journal would lose (>= minSeq). It returns -1
// if there is none: the bad bytes are then a torn tail, not damage.
// Sequences far beyond what the segment could hold are ignored, which keeps
// CRC computations on random bytes rare.
func findValidRecord(data []byte, from int, minSeq uint64) (int, uint64) {
	maxSeq := minSeq + uint64(len(data))/recordHeaderSize + 1
	if maxSeq < minSeq {
		maxSeq = ^uint64(0)
	}
	for i := from; i+recordHeaderSize <= len(data); {
		p := nextNonZero(data, i) // a frame's length has a non-zero byte
		if p >= len(data) {
			break
		}
		for i = max(i, p-3); i <= p && i+recordHeaderSize <= len(data); i++ {
			if seq, ok := validFrameAt(data, i, minSeq, maxSeq); ok {
				return i, seq
			}
		}
	}
	return -1, 0
}

func validFrameAt(data []byte, i int, minSeq, maxSeq uint64) (uint64, bool) {
	length := binary.LittleEndian.Uint32(data[i:])
	if length == 0 || length > MaxPayloadSize || uint64(len(data)-i) < recordHeaderSize+uint64(length) {
		return 0, false
	}
	seq := binary.LittleEndian.Uint64(data[i+8:])
	if seq < minSeq || seq > maxSeq {
		return 0, false
	}
	seq, _, _, st := decodeRecord(data[i:])
	return seq, st == recOK
}

// nextNonZero returns the index of the first non-zero byte at or after i,
// or len(b). Preallocated space is zeros, so this runs a word at a time.
func nextNonZero(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:]) != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if b[i] != 0 {
			return i
		}
	}
	return len(b)
}

// nonZeroEnd returns the offset just after the last non-zero byte of
// b[from:], or from if there is none.
func nonZeroEnd(b []byte, from int) int64 {
	i := len(b)
	for i-8 >= from && binary.LittleEndian.Uint64(b[i-8:]) == 0 {
		i -= 8
	}
	for i > from && b[i-1] == 0 {
		i--
	}
	return int64(i)
}

// verdict is what the torn-tail and corruption rules make of a journal.
type verdict struct {
	err   *CorruptError // damage an operator must look at; nil if none
	at    int           // index of the segment concerned
	whole bool          // the segment itself is unusable (header, name, gap)
	torn  bool          // the last segment ends in a torn (unfinished) write
	// acked: the torn bytes may hold acknowledged records, written in
	// FsyncOS mode (acknowledged after write()) and cut by a power loss.
	acked bool
}

// judge applies the rules of doc.go: bad bytes after the last valid record
// of the last segment that look like an unfinished write are torn;
// anything else is corruption.
func judge(scans []segmentScan) verdict {
	for i := range scans {
		s := &scans[i]
		switch {
		case s.headerBad != "":
			return verdict{err: corruptf(s.path, 0, "%s", s.headerBad), at: i, whole: true}
		case s.first != s.nameFirst:
			return verdict{err: corruptf(s.path, 16, "header first seq %d does not match the file name", s.first), at: i, whole: true}
		case i > 0 && s.first != scans[i-1].last+1:
			return verdict{err: corruptf(s.path, 16, "first seq %d, want %d: records missing between segments",
				s.first, scans[i-1].last+1), at: i, whole: true}
		case !s.dirty():
			continue
		case s.version == segmentVersion1 && s.validAt >= 0:
			return verdict{err: corruptf(s.path, s.badAt, "%s; a valid record (seq %d) follows at offset %d",
				s.reason(), s.validSeq, s.validAt), at: i}
		case i < len(scans)-1:
			return verdict{err: corruptf(s.path, s.badAt, "%s in a segment that is not the last", s.reason()), at: i}
		case s.version == segmentVersion1:
			return verdict{at: i, torn: true}
		}
		return judgeTailV2(s, i)
	}
	return verdict{}
}

// judgeTailV2 judges the damaged tail of a version 2 last segment: torn
// only if a zeroed sector explains it and no batch that the writer synced
// before writing the next one follows it.
func judgeTailV2(s *segmentScan, i int) verdict {
	switch {
	case !s.zeroed:
		return verdict{err: corruptf(s.path, s.badAt, "%s, and no zeroed sector explains it: damage, not an unfinished write",
			s.reason()), at: i}
	case s.laterSync:
		return verdict{err: corruptf(s.path, s.badAt, "%s; a complete batch (up to seq %d) written after it was synced follows at offset %d",
			s.reason(), s.validSeq, s.validAt), at: i}
	}
	return verdict{at: i, torn: true, acked: s.validAt >= 0 || s.osBatch}
}

// scanDir reads and scans every segment of dir, one at a time.
func scanDir(dir string) ([]segmentScan, error) { return scanDirFS(osFS{}, dir) }

// scanDirFS is scanDir through fsys.
func scanDirFS(fsys FS, dir string) ([]segmentScan, error) {
	files, err := listSegmentsFS(fsys, dir)
	if err != nil {
		return nil, err
	}
	scans := make([]segmentScan, 0, len(files))
	var buf []byte
	for _, f := range files {
		if buf, err = readFileFS(fsys, f.path, -1, buf); err != nil {
			return nil, err
		}
		scans = append(scans, scanSegment(f.path, f.first, buf))
	}
	return scans, nil
}

// readFile reads the first n bytes of path (all of it when n < 0) into
// buf, growing it as needed.
func readFile(path string, n int64, buf []byte) ([]byte, error) {
	return readFileFS(osFS{}, path, n, buf)
}
