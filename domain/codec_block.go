package domain

// The two calls a snapshot block needs beside the states' own codecs.

// AppendString appends s as a msgpack string, exactly as msgpack's
// Encoder.EncodeString writes it, so that a caller assembling a snapshot
// block (id, state, id, state, …) writes the same bytes without an
// Encoder.
func AppendString(b []byte, s string) []byte {
	return append(appendLen(b, len(s), 0xa0, 31, 0xd9, 0xda, 0xdb), s...)
}

// ReadString reads a msgpack string from the front of b, as msgpack's
// Decoder.DecodeString reads it (a str or bin of any width; nil reads as
// ""), and returns what follows. A snapshot block is a run of id, state,
// id, state: with ReadString and the states' ReadMsgpack it decodes
// straight from the block's bytes, without a Decoder. s is a copy; rest
// is a part of b.
func ReadString(b []byte) (s string, rest []byte, err error) {
	r := newReader(b)
	s = r.str()
	if r.err != nil {
		return "", b, r.err
	}
	return s, r.rest(), nil
}

// AppendState appends st's msgpack to b as a snapshot block holds it: by
// st's own AppendMsgpack when it has one (numbers, wallets, the payments
// register: the millions), else by reflection with compact integers, the
// bytes an Encoder with UseCompactInts writes.
func AppendState(b []byte, st State) ([]byte, error) {
	if a, ok := st.(msgpackAppender); ok {
		return a.AppendMsgpack(b)
	}
	return appendReflective(b, st)
}

// ReadState decodes st from the front of b, as written by AppendState or
// an Encoder, and returns what follows: by st's own ReadMsgpack when it
// has one, else through its DecodeMsgpack on just the value's bytes.
func ReadState(st State, b []byte) (rest []byte, err error) {
	if r, ok := st.(msgpackReader); ok {
		return r.ReadMsgpack(b)
	}
	r := newReader(b)
	r.skip()
	if r.err != nil {
		return b, r.err
	}
	if err := decodeReflective(b[:r.i], st); err != nil {
		return b, err
	}
	return r.rest(), nil
}
