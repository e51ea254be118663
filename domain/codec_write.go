package domain

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// The append-style half of the hand-written msgpack (codec_state.go says
// why there is one). Each append function writes exactly what the msgpack
// library's Encoder method of the same name writes: integers in their
// shortest form (EncodeInt and EncodeUint are compact whatever the
// encoder's options), lengths in the smallest header that holds them,
// times as extension -1 in the 4, 8 or 12 byte form the library picks.
// The tests compare them byte for byte with the library.

// appendUint is Encoder.EncodeUint.
func appendUint(b []byte, n uint64) []byte {
	switch {
	case n <= math.MaxInt8:
		return append(b, byte(n))
	case n <= math.MaxUint8:
		return append(b, 0xcc, byte(n))
	case n <= math.MaxUint16:
		return append(b, 0xcd, byte(n>>8), byte(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xcf), n)
}

// appendInt is Encoder.EncodeInt.
func appendInt(b []byte, n int64) []byte {
	switch {
	case n >= 0:
		return appendUint(b, uint64(n))
	case n >= -32:
		return append(b, byte(n)) // negative fixint
	case n >= math.MinInt8:
		return append(b, 0xd0, byte(n))
	case n >= math.MinInt16:
		return append(b, 0xd1, byte(n>>8), byte(n))
	case n >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(n))
}

// appendLen writes a length header: fix is the fixed-size code (0 when
// the type has none), fixMax the largest length it holds, and c8, c16,
// c32 the codes with a 1, 2 and 4 byte length (c8 0 when none). A length
// beyond 32 bits is cut to them, as the library cuts it.
func appendLen(b []byte, n int, fix byte, fixMax int, c8, c16, c32 byte) []byte {
	switch {
	case n <= fixMax:
		return append(b, fix|byte(n))
	case c8 != 0 && n <= math.MaxUint8:
		return append(b, c8, byte(n))
	case n <= math.MaxUint16:
		return append(b, c16, byte(n>>8), byte(n))
	}
	return binary.BigEndian.AppendUint32(append(b, c32), uint32(n))
}

// appendBytes is Encoder.EncodeBytes: nil is written as nil.
func appendBytes(b, v []byte) []byte {
	if v == nil {
		return append(b, 0xc0)
	}
	return append(appendLen(b, len(v), 0, -1, 0xc4, 0xc5, 0xc6), v...)
}

// appendArrayLen is Encoder.EncodeArrayLen.
func appendArrayLen(b []byte, n int) []byte {
	return appendLen(b, n, 0x90, 15, 0, 0xdc, 0xdd)
}

// appendMapLen is Encoder.EncodeMapLen.
func appendMapLen(b []byte, n int) []byte {
	return appendLen(b, n, 0x80, 15, 0, 0xde, 0xdf)
}

// appendBool is Encoder.EncodeBool.
func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 0xc3)
	}
	return append(b, 0xc2)
}

// appendNil is Encoder.EncodeNil.
func appendNil(b []byte) []byte { return append(b, 0xc0) }

// appendTime is Encoder.EncodeTime: seconds and nanoseconds in 4 bytes
// when they fit 32 bits (no nanoseconds, before 2106), in 8 when the
// seconds fit 34 bits (before 2514, after 1970), otherwise in 12.
func appendTime(b []byte, t time.Time) []byte {
	secs := uint64(t.Unix())
	if secs>>34 == 0 {
		data := uint64(t.Nanosecond())<<34 | secs
		if data&0xffffffff00000000 == 0 {
			return binary.BigEndian.AppendUint32(append(b, 0xd6, 0xff), uint32(data))
		}
		return binary.BigEndian.AppendUint64(append(b, 0xd7, 0xff), data)
	}
	b = binary.BigEndian.AppendUint32(append(b, 0xc7, 12, 0xff), uint32(t.Nanosecond()))
	return binary.BigEndian.AppendUint64(b, secs)
}

// stateWriter appends the entries of a state's maps to b. Only a part
// written by reflection can fail; the first error is kept.
type stateWriter struct {
	b   []byte
	err error
	// enc is the encoder EncodeMsgpack was given, nil for AppendMsgpack.
	// When set, the parts written by reflection go through it, with its
	// options, after what b holds so far is written to it: byte for byte
	// what EncodeMsgpack wrote when it called enc for everything.
	enc *msgpack.Encoder
	// entries counts the entries written through entryDone.
	entries int
}

// done returns what the writer appended to b[:start], or b[:start] and
// the error.
func (w *stateWriter) done(start int) ([]byte, error) {
	if w.err != nil {
		return w.b[:start], w.err
	}
	return w.b, nil
}

func (w *stateWriter) key(k string) { w.b = AppendString(w.b, k) }

func (w *stateWriter) str(k, v string) { w.b = AppendString(AppendString(w.b, k), v) }

func (w *stateWriter) int(k string, v int64) { w.b = appendInt(AppendString(w.b, k), v) }

func (w *stateWriter) uint(k string, v uint64) { w.b = appendUint(AppendString(w.b, k), v) }

func (w *stateWriter) bool(k string, v bool) { w.b = appendBool(AppendString(w.b, k), v) }

func (w *stateWriter) time(k string, v time.Time) { w.b = appendTime(AppendString(w.b, k), v) }

func (w *stateWriter) mapLen(n int) { w.b = appendMapLen(w.b, n) }

func (w *stateWriter) arrayLen(n int) { w.b = appendArrayLen(w.b, n) }

// currency writes a currency under "cu", and nothing for TON: states and
// records from before currencies have no "cu" and hold TON, so omitting it
// keeps a TON-only state byte for byte what it was.
func (w *stateWriter) currency(c Currency) {
	if c != CurrencyTON {
		w.uint("cu", uint64(c))
	}
}

// count adds one for each true condition: the number of optional keys.
func count(conds ...bool) int {
	n := 0
	for _, c := range conds {
		if c {
			n++
		}
	}
	return n
}
