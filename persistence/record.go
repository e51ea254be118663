package persistence

import (
	"encoding/binary"
	"hash/crc32"
)

// MaxPayloadSize caps one record's payload. Readers refuse a larger
// length, so a garbage length field can never make them allocate or read
// gigabytes.
const MaxPayloadSize = 64 << 20

// recordHeaderSize is length u32 + crc u32 + seq u64.
const recordHeaderSize = 16

// castagnoli is the CRC-32C table; crc32 uses the CPU's instruction for it.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func crc32c(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// appendRecord appends the frame of one record to dst. The CRC covers the
// sequence as well as the payload, so a valid record copied to the wrong
// place is still caught; the two are adjacent in the frame (bytes 8 on).
func appendRecord(dst []byte, seq uint64, payload []byte) []byte {
	start := len(dst)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(payload)))
	dst = binary.LittleEndian.AppendUint32(dst, 0) // crc, below
	dst = binary.LittleEndian.AppendUint64(dst, seq)
	dst = append(dst, payload...)
	binary.LittleEndian.PutUint32(dst[start+4:], crc32c(dst[start+8:]))
	return dst
}

// recordSize is the frame size of a payload of n bytes.
func recordSize(n int) int64 { return recordHeaderSize + int64(n) }

// decodeStatus is what decodeRecord found at the start of a buffer.
type decodeStatus int

const (
	recOK        decodeStatus = iota
	recEnd                    // zero length: no more data in this segment
	recShort                  // the buffer ends inside the frame
	recBadLength              // length above MaxPayloadSize
	recBadCRC                 // checksum does not match
)

func (s decodeStatus) String() string {
	switch s {
	case recOK:
		return "ok"
	case recEnd:
		return "end of data"
	case recShort:
		return "record cut short"
	case recBadLength:
		return "record length out of range"
	case recBadCRC:
		return "record crc mismatch"
	}
	return "unknown"
}

// decodeRecord decodes the frame at the start of b. It never panics and
// never allocates: payload aliases b. n is the frame size when st is recOK.
func decodeRecord(b []byte) (seq uint64, payload []byte, n int, st decodeStatus) {
	if len(b) < 4 {
		if allZero(b) {
			return 0, nil, 0, recEnd
		}
		return 0, nil, 0, recShort
	}
	length := binary.LittleEndian.Uint32(b[0:4])
	switch {
	case length == 0:
		return 0, nil, 0, recEnd
	case length > MaxPayloadSize:
		return 0, nil, 0, recBadLength
	case uint64(len(b)) < recordHeaderSize+uint64(length):
		return 0, nil, 0, recShort
	}
	n = recordHeaderSize + int(length)
	seq = binary.LittleEndian.Uint64(b[8:16])
	payload = b[recordHeaderSize:n:n]
	if crc32c(b[8:n]) != binary.LittleEndian.Uint32(b[4:8]) {
		return 0, nil, 0, recBadCRC
	}
	return seq, payload, n, recOK
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
