package domain

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// The slice-cursor half of the hand-written msgpack (codec_state.go says
// why there is one). Each reader accepts exactly what the msgpack
// library's Decoder method it replaces accepts, so that everything
// written before, by the hand-written encoders or by reflection, reads
// the same: integers of any width and either signedness (DecodeInt64,
// DecodeUint64), strings as str or bin (DecodeString), maps behind an
// extension header (DecodeMapLen), times in every form DecodeTime reads,
// and nil as the zero value. Lengths are checked against what the input
// holds before anything is allocated for them.

// stateReader reads msgpack from b, at i, and remembers the first error;
// after one, nothing is left and every read returns a zero value. The
// cursor is an index, not a shrinking slice: moving it writes no pointer,
// which the garbage collector would have to be told of.
type stateReader struct {
	b   []byte // the whole input
	i   int    // where the next value starts
	err error
	// d, when set, is where currency reads its value instead: Currency's
	// DecodeMsgpack (currency.go), called by reflection, reads a single
	// integer from a Decoder with the same check.
	d *msgpack.Decoder
}

func newReader(b []byte) stateReader { return stateReader{b: b} }

// rest is what is left to read.
func (r *stateReader) rest() []byte { return r.b[r.i:] }

// left is how many bytes are left.
func (r *stateReader) left() int { return len(r.b) - r.i }

// fail records an error at the current offset, unless there is one.
func (r *stateReader) fail(format string, args ...any) {
	if r.err == nil {
		r.setErr(fmt.Errorf("msgpack at byte %d: %s", r.i, fmt.Sprintf(format, args...)))
	}
	r.i = len(r.b)
}

// setErr records err, unless there is an error already, and stops the
// reading: after an error nothing is left, so that every read fails fast
// and returns its zero value.
func (r *stateReader) setErr(err error) {
	if r.err == nil {
		r.err = err
	}
	r.i = len(r.b)
}

// next returns the next n bytes and moves past them.
func (r *stateReader) next(n int) []byte {
	if uint(n) > uint(r.left()) {
		r.short(n)
		return nil
	}
	r.i += n
	return r.b[r.i-n : r.i : r.i]
}

// short fails a read of n bytes where fewer are left.
func (r *stateReader) short(n int) {
	r.fail("%d bytes due, %d left", n, r.left())
}

// peek returns the next byte without reading it; ok is false at the end.
func (r *stateReader) peek() (c byte, ok bool) {
	if r.i < len(r.b) {
		return r.b[r.i], true
	}
	return 0, false
}

// code reads one byte.
func (r *stateReader) code() byte {
	if r.i >= len(r.b) {
		r.short(1)
		return 0
	}
	r.i++
	return r.b[r.i-1]
}

// size reads a big-endian length of w bytes (1, 2 or 4).
func (r *stateReader) size(w int) int {
	p := r.next(w)
	switch {
	case p == nil:
		return 0
	case w == 1:
		return int(p[0])
	case w == 2:
		return int(binary.BigEndian.Uint16(p))
	}
	return int(binary.BigEndian.Uint32(p))
}

// isNil consumes a nil and reports it, so that the value stays zero. It
// is true after an error too (nothing is left then).
func (r *stateReader) isNil() bool {
	c, ok := r.peek()
	if !ok {
		r.short(1)
		return true
	}
	if c == 0xc0 {
		r.i++
		return true
	}
	return false
}

// int reads an integer of any msgpack width as DecodeInt64 does: signed
// codes sign-extended, unsigned ones not, a uint64 above MaxInt64 wrapped.
func (r *stateReader) int() int64 {
	c, ok := r.peek()
	if ok && (c <= 0x7f || c >= 0xe0) { // a fixint
		r.i++
		return int64(int8(c))
	}
	if r.isNil() {
		return 0
	}
	var w int
	switch c {
	case 0xcc, 0xd0:
		w = 1
	case 0xcd, 0xd1:
		w = 2
	case 0xce, 0xd2:
		w = 4
	case 0xcf, 0xd3:
		w = 8
	default:
		r.fail("code %#x where an integer is due", c)
		return 0
	}
	p := r.next(1 + w)
	if p == nil {
		return 0
	}
	return intOf(c, p[1:])
}

// intOf is the value of the integer of code c whose bytes are p.
func intOf(c byte, p []byte) int64 {
	switch c {
	case 0xcc:
		return int64(p[0])
	case 0xd0:
		return int64(int8(p[0]))
	case 0xcd:
		return int64(binary.BigEndian.Uint16(p))
	case 0xd1:
		return int64(int16(binary.BigEndian.Uint16(p)))
	case 0xce:
		return int64(binary.BigEndian.Uint32(p))
	case 0xd2:
		return int64(int32(binary.BigEndian.Uint32(p)))
	}
	return int64(binary.BigEndian.Uint64(p))
}

// uint reads an integer as DecodeUint64 does: the same bits as int.
func (r *stateReader) uint() uint64 { return uint64(r.int()) }

// strBytes reads a string or binary as DecodeString does (nil reads as
// empty) and returns its bytes, a part of the input.
func (r *stateReader) strBytes() []byte {
	if p, ok := r.fixstr(); ok {
		return p
	}
	if r.isNil() {
		return nil
	}
	c := r.code()
	switch c {
	case 0xd9, 0xc4:
		return r.next(r.size(1))
	case 0xda, 0xc5:
		return r.next(r.size(2))
	case 0xdb, 0xc6:
		return r.next(r.size(4))
	}
	if c&0xe0 == 0xa0 { // a fixstr longer than what is left
		return r.next(int(c & 0x1f))
	}
	r.i--
	r.fail("code %#x where a string is due", c)
	return nil
}

// str reads a string into memory of its own.
func (r *stateReader) str() string { return string(r.strBytes()) }

// fixstr reads a fixstr wholly in the input, the form of nearly every
// key and string; ok is false, and nothing read, for anything else.
func (r *stateReader) fixstr() (p []byte, ok bool) {
	c, ok := r.peek()
	if !ok || c&0xe0 != 0xa0 {
		return nil, false
	}
	end := r.i + 1 + int(c&0x1f)
	if end > len(r.b) {
		return nil, false
	}
	p, r.i = r.b[r.i+1:end:end], end
	return p, true
}

// key reads a map key, which must be a string (not bin, not nil). It is a
// part of the input.
func (r *stateReader) key() []byte {
	if p, ok := r.fixstr(); ok {
		return p
	}
	c, ok := r.peek()
	if !ok {
		r.short(1)
		return nil
	}
	if c&0xe0 != 0xa0 && (c < 0xd9 || c > 0xdb) {
		r.fail("a key of code %#x, want a string", c)
		return nil
	}
	k := r.strBytes()
	if len(k) > maxItems {
		r.fail("a key of %d bytes", len(k))
	}
	return k
}

// bool reads a bool as DecodeBool does.
func (r *stateReader) bool() bool {
	if r.isNil() {
		return false
	}
	switch c := r.code(); c {
	case 0xc2:
		return false
	case 0xc3:
		return true
	default:
		r.fail("code %#x where a bool is due", c)
	}
	return false
}

// currency reads a currency, refusing one this build does not count: a
// newer build wrote it, and reading it as TON would convert it silently.
func (r *stateReader) currency() Currency {
	var v uint64
	if r.d != nil {
		var err error
		if v, err = r.d.DecodeUint64(); err != nil {
			r.setErr(err)
		}
	} else {
		v = r.uint()
	}
	if r.err == nil && (v > 0xff || !Currency(v).Known()) {
		r.setErr(fmt.Errorf("%w: currency %d is unknown to this build", ErrBadRecord, v))
	}
	return Currency(v)
}

// time reads a time in UTC, in any form DecodeTime reads: extension -1 (or
// 13, as NodeJS writes) of 4, 8 or 12 bytes, the legacy array [seconds,
// nanoseconds], or an RFC 3339 string.
func (r *stateReader) time() time.Time {
	if r.i+10 <= len(r.b) && r.b[r.i+1] == 0xff { // what EncodeTime writes, fast
		switch p := r.b[r.i+2 : r.i+10]; r.b[r.i] {
		case 0xd6:
			r.i += 6
			return time.Unix(int64(binary.BigEndian.Uint32(p)), 0).UTC()
		case 0xd7:
			r.i += 10
			v := binary.BigEndian.Uint64(p)
			return time.Unix(int64(v&0x3ffffffff), int64(v>>34)).UTC()
		}
	}
	if r.isNil() {
		return time.Time{}
	}
	switch c := r.b[r.i]; {
	case c == 0x92:
		r.i++
		sec, nsec := r.int(), r.int()
		return time.Unix(sec, nsec).UTC()
	case c >= 0xa0 && c <= 0xbf || c >= 0xd9 && c <= 0xdb:
		at := r.i
		s := r.strBytes()
		t, err := time.Parse(time.RFC3339Nano, string(s))
		if err != nil && r.err == nil {
			r.setErr(fmt.Errorf("msgpack at byte %d: %w", at, err))
		}
		return t.UTC()
	}
	return r.timeExt()
}

// timeExt reads a time written as an extension.
func (r *stateReader) timeExt() time.Time {
	n := r.extLen(r.code())
	if id := int8(r.code()); r.err == nil && id != -1 && id != 13 {
		r.fail("extension %d where a time is due", id)
	}
	p := r.next(n)
	switch {
	case r.err != nil:
		return time.Time{}
	case n == 4:
		return time.Unix(int64(binary.BigEndian.Uint32(p)), 0).UTC()
	case n == 8:
		sec := binary.BigEndian.Uint64(p)
		return time.Unix(int64(sec&0x3ffffffff), int64(sec>>34)).UTC()
	case n == 12:
		nsec := binary.BigEndian.Uint32(p)
		return time.Unix(int64(binary.BigEndian.Uint64(p[4:])), int64(nsec)).UTC()
	}
	r.fail("a time of %d bytes", n)
	return time.Time{}
}

// extLen reads the length of an extension of code c (its type follows).
func (r *stateReader) extLen(c byte) int {
	switch c {
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext 1, 2, 4, 8, 16
		return 1 << (c - 0xd4)
	case 0xc7, 0xc8, 0xc9: // ext 8, 16, 32
		return r.size(1 << (c - 0xc7))
	}
	if r.err == nil {
		r.fail("code %#x where an extension is due", c)
	}
	return 0
}

// mapLen reads a map header as DecodeMapLen does: after an extension
// header, which it skips, when there is one; nil is -1.
func (r *stateReader) mapLen() int {
	c := r.code()
	if c >= 0xc7 && c <= 0xc9 || c >= 0xd4 && c <= 0xd8 { // an extension
		hdr := 1 // its type
		if c <= 0xc9 {
			hdr += 1 << (c - 0xc7) // and its length
		}
		r.next(hdr)
		c = r.code()
	}
	switch {
	case r.err != nil:
		return 0
	case c == 0xc0:
		return -1
	case c >= 0x80 && c <= 0x8f:
		return int(c & 0x0f)
	case c == 0xde:
		return r.size(2)
	case c == 0xdf:
		return r.size(4)
	}
	r.fail("code %#x where a map is due", c)
	return 0
}

// arrayLen reads an array header as DecodeArrayLen does; nil is -1.
func (r *stateReader) arrayLen() int {
	switch c := r.code(); {
	case r.err != nil:
		return 0
	case c == 0xc0:
		return -1
	case c >= 0x90 && c <= 0x9f:
		return int(c & 0x0f)
	case c == 0xdc:
		return r.size(2)
	case c == 0xdd:
		return r.size(4)
	default:
		r.fail("code %#x where an array is due", c)
	}
	return 0
}

// fields calls fn with each key of a map (nil reads as an empty map), and
// skips the values fn does not read (it returns false for unknown keys).
// The key is a part of the input. An error is prefixed with what.
func (r *stateReader) fields(what string, fn func(key []byte) bool) {
	if r.isNil() {
		return
	}
	n := r.mapLen()
	if n > r.left()/2 { // a key and a value take a byte each at least
		r.fail("a map of %d entries in %d bytes", n, r.left())
	}
	for i := 0; i < n && r.err == nil; i++ {
		if k := r.key(); !fn(k) && r.err == nil {
			r.skip()
		}
	}
	if r.err != nil {
		r.err = fmt.Errorf("%s: %w", what, r.err)
	}
}

// items calls fn for each element of an array (nil reads as empty), after
// checking the length against what the input can possibly hold.
func (r *stateReader) items(what string, fn func(n, i int)) {
	if r.isNil() {
		return
	}
	switch n := r.arrayLen(); {
	case n > maxItems:
		r.fail("%d items is more than any state holds", n)
	case n > r.left():
		r.fail("%d items in %d bytes", n, r.left())
	default:
		for i := 0; i < n && r.err == nil; i++ {
			fn(n, i)
		}
	}
	if r.err != nil {
		r.err = fmt.Errorf("%s: %w", what, r.err)
	}
}

// maxItems bounds an array length read from disk, so a corrupt length
// cannot make the decoder allocate gigabytes before it notices.
const maxItems = 1 << 20

// skip moves past the next value, whatever it is, as Decoder.Skip does.
// It keeps a count of the values still due rather than recursing, so no
// nesting is too deep; each takes a byte at least, so a count beyond
// what is left is an error at once.
func (r *stateReader) skip() {
	for due := 1; due > 0 && r.err == nil; due-- {
		if due > r.left() {
			r.fail("%d values due in %d bytes", due, r.left())
			return
		}
		switch c := r.code(); {
		case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
		case c <= 0x8f: // fixmap
			due += 2 * int(c&0x0f)
		case c <= 0x9f: // fixarray
			due += int(c & 0x0f)
		case c <= 0xbf: // fixstr
			r.next(int(c & 0x1f))
		default:
			due += r.skipCode(c)
		}
	}
}

// skipCode moves past the rest of a value of code c beyond the fixed
// ranges, and returns how many values it contains.
func (r *stateReader) skipCode(c byte) int {
	switch c {
	case 0xcc, 0xd0:
		r.next(1)
	case 0xcd, 0xd1:
		r.next(2)
	case 0xce, 0xd2, 0xca:
		r.next(4)
	case 0xcf, 0xd3, 0xcb:
		r.next(8)
	case 0xc4, 0xd9:
		r.next(r.size(1))
	case 0xc5, 0xda:
		r.next(r.size(2))
	case 0xc6, 0xdb:
		r.next(r.size(4))
	case 0xdc:
		return r.size(2)
	case 0xdd:
		return min(r.size(4), r.left()+1)
	case 0xde:
		return 2 * r.size(2)
	case 0xdf:
		return 2 * min(r.size(4), r.left()+1)
	case 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
		r.next(r.extLen(c) + 1)
	default:
		r.fail("unknown code %#x", c)
	}
	return 0
}
