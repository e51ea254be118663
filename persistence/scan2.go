package persistence

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// sectorSize is the unit a disk writes atomically, or loses whole when the
// power goes before a sync: a lost sector reads back as what the disk last
// had there, zeros in a preallocated segment past its synced data.
const sectorSize = 512

// batchWalk is what walkBatches found.
type batchWalk struct {
	end     int    // just after the last complete batch's commit frame
	last    uint64 // its last record's sequence
	records int    // records in complete batches
	stop    int    // where decoding stopped: the first bad frame, or a zero length
	bad     string // why, when it was not a zero length after a complete batch
}

// walkBatches decodes the complete batches of a version 2 segment from
// offset off on, the first record numbered expect. Records count only once
// the commit frame of their batch holds and its CRC covers them.
func walkBatches(data []byte, off int, expect uint64) batchWalk {
	w := batchWalk{end: off, last: expect - 1, stop: off}
	start, crc, pending := off, uint32(0), 0
	for w.bad == "" {
		w.stop = off
		if isCommit(data[off:]) {
			if w.bad = checkCommit(data[off:], pending, expect-1, off-start, crc); w.bad == "" {
				off += commitSize
				w.end, w.last, w.records = off, expect-1, w.records+pending
				start, crc, pending = off, 0, 0
			}
			continue
		}
		seq, _, n, st := decodeRecord(data[off:])
		switch {
		case st == recEnd && pending > 0:
			w.bad = "batch without its commit frame"
		case st == recEnd:
			return w
		case st != recOK:
			w.bad = st.String()
		case seq != expect:
			w.bad = fmt.Sprintf("record seq %d, want %d", seq, expect)
		default:
			crc = updateCRC(crc, data[off:off+n])
			off, expect, pending = off+n, expect+1, pending+1
		}
	}
	return w
}

// checkCommit checks the commit frame at the start of b against the batch
// before it; it returns why it does not hold, or "".
func checkCommit(b []byte, records int, last uint64, length int, crc uint32) string {
	c, ok := decodeCommit(b)
	switch {
	case !ok:
		return "commit frame cut short or crc mismatch"
	case records == 0 || c.last != last || c.length != uint64(length):
		return fmt.Sprintf("commit frame for seq %d does not match its batch", c.last)
	case c.crc != crc:
		return "batch crc mismatch"
	}
	return ""
}

// scanV2 decodes the batches of a version 2 segment; the valid part ends
// after the last complete batch.
func (s *segmentScan) scanV2(data []byte, first uint64) {
	w := walkBatches(data, segmentHeaderSize, first)
	s.first, s.last, s.records, s.end = first, w.last, w.records, int64(w.end)
	s.bad, s.badAt, s.dataEnd = w.bad, int64(w.stop), nonZeroEnd(data, w.end)
	if s.dirty() {
		s.inspectTail(data)
	}
}

// sniffVersion guesses the format of a segment whose header is unusable:
// version 2 if a complete batch is in it.
func sniffVersion(data []byte, nameFirst uint64) uint16 {
	if _, found, _ := findLaterBatches(data, segmentHeaderSize, segmentHeaderSize-1, nameFirst); found {
		return segmentVersion
	}
	return segmentVersion1
}

// inspectTail works out what the bytes after the last complete batch look
// like, for judgeTailV2. A batch that never finished (a crash during the
// write, a power cut before its fdatasync returned) differs from what was
// written only by sectors the disk never got, which read as zeros; so the
// first frame that fails must overlap a zeroed sector. When its batch's
// commit frame survived, that frame bounds where the batch's bytes can be,
// so a damaged length cannot reach into the zeros beyond it. Complete
// batches after the damage are looked for too: written in FsyncOS mode
// they are what a power cut may leave; in FsyncAlways mode they prove the
// damaged bytes had been synced.
func (s *segmentScan) inspectTail(data []byte) {
	end, p := int(s.end), int(s.badAt)
	q := frameEnd(data, p)
	next := p + 1
	if c := findCover(data, end, p); c >= 0 {
		q, next = min(q, c+commitSize), c+commitSize
		cf, _ := decodeCommit(data[c:])
		s.osBatch = cf.flags&commitSynced == 0
	}
	if lb, found, synced := findLaterBatches(data, next, end, s.last+1); found {
		s.validAt, s.validSeq, s.laterSync = lb.at, lb.last, synced
		q = min(q, max(int(lb.at), p+1))
	}
	// A write that stopped between two frames leaves nothing after them. A
	// frame that would run past the end of the file is no write at all:
	// segments are preallocated, and grown only with a sync.
	fits := frameEnd(data, p) <= len(data)
	s.zeroed = fits && (zeroedSector(data, end, p, q) || (s.dataEnd <= int64(p) && !isCommit(data[p:])))
}

// frameEnd is where the frame starting at p would end, by its own header.
func frameEnd(data []byte, p int) int {
	if p < 0 || p+4 > len(data) {
		return p + recordHeaderSize
	}
	n := binary.LittleEndian.Uint32(data[p:])
	switch {
	case n == commitMarker || tornMarker(data, p):
		return p + commitSize
	case n == 0 || n > MaxPayloadSize:
		return p + recordHeaderSize
	}
	return p + recordHeaderSize + int(n)
}

// tornMarker reports a commit marker at p whose bytes before or after a
// sector boundary inside it were lost (read as zeros): read as a length it
// would claim bytes the batch never had.
func tornMarker(data []byte, p int) bool {
	var m [4]byte
	binary.LittleEndian.PutUint32(m[:], commitMarker)
	for k := 1; k < 4; k++ {
		if (p+k)%sectorSize != 0 {
			continue
		}
		b := data[p : p+4]
		if allZero(b[:k]) && bytes.Equal(b[k:], m[k:]) || bytes.Equal(b[:k], m[:k]) && allZero(b[k:]) {
			return true
		}
	}
	return false
}

// zeroedSector reports whether a sector overlapping [p, q) is zero from
// start on (bytes before start belong to synced batches and survive a
// lost sector) to its end or the end of data: one the disk may have lost.
// Bytes past the end of data count as zeros (a file cut short).
func zeroedSector(data []byte, start, p, q int) bool {
	for sec := p - p%sectorSize; sec < q; sec += sectorSize {
		lo, hi := max(sec, start), min(sec+sectorSize, len(data))
		if lo >= hi || nextNonZero(data[:hi], lo) == hi {
			return true
		}
	}
	return false
}
