package domain

import "encoding/binary"

// RecordEntity reads only the kind and id of a record EncodeRecord wrote,
// without decoding its event: enough to tell which entity it belongs to,
// so that a replay can hand each entity's records to one goroutine. id
// aliases b. ok is false when the header is not one this build reads;
// DecodeRecord then says why.
func RecordEntity(b []byte) (kind Kind, id []byte, ok bool) {
	kind, id, _, ok = recordHeader(b)
	return kind, id, ok
}

// RecordType reads the type of a record's event from its header, without
// decoding the event: a replay that skips most records of a kind decides
// on it. ok is false where RecordEntity's would be, or the type is unread.
func RecordType(b []byte) (EventType, bool) {
	_, _, rest, ok := recordHeader(b)
	if !ok {
		return 0, false
	}
	t, _, ok := headerUint(rest)
	if !ok || t > 0xffff {
		return 0, false
	}
	return EventType(t), true
}

// recordHeader reads a record's version, kind and id, and returns what
// follows them.
func recordHeader(b []byte) (kind Kind, id, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != 0x95 { // an array of five
		return 0, nil, nil, false
	}
	b = b[1:]
	ver, b, ok := headerUint(b)
	if !ok || ver < minRecordVersion || ver > RecordVersion {
		return 0, nil, nil, false
	}
	k, b, ok := headerUint(b)
	if !ok || k > 0xff {
		return 0, nil, nil, false
	}
	id, rest, ok = headerString(b)
	return Kind(k), id, rest, ok
}

// headerUint reads a msgpack unsigned integer in any of its widths.
func headerUint(b []byte) (uint64, []byte, bool) {
	if len(b) == 0 {
		return 0, nil, false
	}
	c, b := b[0], b[1:]
	switch {
	case c <= 0x7f:
		return uint64(c), b, true
	case c == 0xcc && len(b) >= 1:
		return uint64(b[0]), b[1:], true
	case c == 0xcd && len(b) >= 2:
		return uint64(binary.BigEndian.Uint16(b)), b[2:], true
	case c == 0xce && len(b) >= 4:
		return uint64(binary.BigEndian.Uint32(b)), b[4:], true
	case c == 0xcf && len(b) >= 8:
		return binary.BigEndian.Uint64(b), b[8:], true
	}
	return 0, nil, false
}

// headerString reads a msgpack string of up to maxIDLen bytes, and
// returns what follows it.
func headerString(b []byte) (s, rest []byte, ok bool) {
	if len(b) == 0 {
		return nil, nil, false
	}
	c, b := b[0], b[1:]
	n := 0
	switch {
	case c >= 0xa0 && c <= 0xbf:
		n = int(c & 0x1f)
	case c == 0xd9 && len(b) >= 1:
		n, b = int(b[0]), b[1:]
	case c == 0xda && len(b) >= 2:
		n, b = int(binary.BigEndian.Uint16(b)), b[2:]
	default:
		return nil, nil, false
	}
	if n > maxIDLen || n > len(b) {
		return nil, nil, false
	}
	return b[:n], b[n:], true
}
