package persistence

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
)

// A version 2 segment ends every batch (each part of a batch that a
// rollover split) with a commit frame whose CRC covers the batch's bytes:
// records count only once their batch's commit is there and holds, so a
// batch that a crash or a power cut left unfinished, whichever of its pages
// the disk kept, is never mistaken for a complete one. See doc.go.
const (
	commitSize = 32
	// commitMarker starts a commit frame where a record's length would be;
	// it is far above MaxPayloadSize, so no record frame starts with it.
	// The bytes read "ACMT".
	commitMarker = 0x544d4341
	// commitSynced is set in a commit's flags when the journal fdatasyncs
	// every batch before it writes the next (FsyncAlways): a later commit
	// with it proves the bytes before it were on stable storage.
	commitSynced = 1
)

// commitFrame is a decoded commit frame.
type commitFrame struct {
	flags  uint32
	last   uint64 // sequence of the batch's last record
	length uint64 // bytes of the batch's records, which end where the frame starts
	crc    uint32 // CRC of those bytes
}

// appendCommit appends the commit frame of a batch to dst.
//
//	offset size field
//	     0    4 marker "ACMT"
//	     4    4 flags (bit 0: commitSynced; the rest zero)
//	     8    8 sequence of the batch's last record
//	    16    8 length of the batch's records in bytes
//	    24    4 CRC of those bytes
//	    28    4 CRC of bytes 0..27 of this frame
func appendCommit(dst []byte, c commitFrame) []byte {
	start := len(dst)
	dst = binary.LittleEndian.AppendUint32(dst, commitMarker)
	dst = binary.LittleEndian.AppendUint32(dst, c.flags)
	dst = binary.LittleEndian.AppendUint64(dst, c.last)
	dst = binary.LittleEndian.AppendUint64(dst, c.length)
	dst = binary.LittleEndian.AppendUint32(dst, c.crc)
	return binary.LittleEndian.AppendUint32(dst, crc32c(dst[start:]))
}

// isCommit reports whether b starts with a commit marker.
func isCommit(b []byte) bool {
	return len(b) >= 4 && binary.LittleEndian.Uint32(b) == commitMarker
}

// decodeCommit decodes the commit frame at the start of b; ok is false
// unless the marker and the frame's own CRC hold. Whether the batch
// matches is for the caller to check.
func decodeCommit(b []byte) (c commitFrame, ok bool) {
	if len(b) < commitSize || !isCommit(b) || crc32c(b[:28]) != binary.LittleEndian.Uint32(b[28:]) {
		return commitFrame{}, false
	}
	return commitFrame{
		flags:  binary.LittleEndian.Uint32(b[4:]),
		last:   binary.LittleEndian.Uint64(b[8:]),
		length: binary.LittleEndian.Uint64(b[16:]),
		crc:    binary.LittleEndian.Uint32(b[24:]),
	}, true
}

// updateCRC extends a running CRC-32C with b.
func updateCRC(crc uint32, b []byte) uint32 { return crc32.Update(crc, castagnoli, b) }

// laterBatch is a complete batch found after damage.
type laterBatch struct {
	at     int64  // where its records start
	last   uint64 // its last record's sequence
	synced bool   // written by a journal that syncs every batch
}

// findLaterBatches looks, from offset from on, for commit frames that hold
// and whose batch lies after offset after and checks out against their
// CRC: batches that were written completely after the damage at after.
// It returns the first one found and whether any of them was written in
// FsyncAlways mode. minSeq bounds the sequences a batch may end with.
func findLaterBatches(data []byte, from, after int, minSeq uint64) (first laterBatch, found, synced bool) {
	marker := binary.LittleEndian.AppendUint32(nil, commitMarker)
	maxSeq := minSeq + uint64(len(data))/recordHeaderSize + 1
	for i := max(from, 0); i+commitSize <= len(data); i++ {
		k := bytes.Index(data[i:len(data)-commitSize+4], marker)
		if k < 0 {
			break
		}
		i += k
		c, ok := decodeCommit(data[i:])
		if !ok || i <= after || c.length == 0 || c.length >= uint64(i-after) || c.last < minSeq || c.last > maxSeq {
			continue
		}
		start := i - int(c.length)
		if crc32c(data[start:i]) != c.crc {
			continue
		}
		if !found {
			first, found = laterBatch{at: int64(start), last: c.last, synced: c.flags&commitSynced != 0}, true
		}
		synced = synced || c.flags&commitSynced != 0
	}
	return first, found, synced
}

// findCover returns the offset of the first commit frame at or after from
// that holds and claims a batch starting exactly at start, or -1: the
// commit of a batch whose records fail, which tells how far it reaches.
func findCover(data []byte, start, from int) int {
	marker := binary.LittleEndian.AppendUint32(nil, commitMarker)
	for i := max(from, start, 0); i+commitSize <= len(data); i++ {
		k := bytes.Index(data[i:len(data)-commitSize+4], marker)
		if k < 0 {
			break
		}
		i += k
		if c, ok := decodeCommit(data[i:]); ok && c.length == uint64(i-start) {
			return i
		}
	}
	return -1
}
