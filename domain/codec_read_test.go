package domain

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// msgpackValues is one or more encodings of every kind of msgpack value,
// in every width, with the boundaries of each: the corpus the readers
// are compared with msgpack's Decoder on, and the fuzzers' seeds.
func msgpackValues(t testing.TB) [][]byte {
	t.Helper()
	var out [][]byte
	enc := func(fn func(e *msgpack.Encoder) error) {
		var buf bytes.Buffer
		if err := fn(msgpack.NewEncoder(&buf)); err != nil {
			t.Fatal(err)
		}
		out = append(out, buf.Bytes())
	}
	for _, v := range genInts {
		enc(func(e *msgpack.Encoder) error { return e.EncodeInt(v) })
		enc(func(e *msgpack.Encoder) error { return e.EncodeInt64(v) })
		enc(func(e *msgpack.Encoder) error { return e.EncodeUint64(uint64(v)) })
		enc(func(e *msgpack.Encoder) error { return e.EncodeInt8(int8(v)) })
		enc(func(e *msgpack.Encoder) error { return e.EncodeInt16(int16(v)) })
		enc(func(e *msgpack.Encoder) error { return e.EncodeInt32(int32(v)) })
		enc(func(e *msgpack.Encoder) error { return e.EncodeUint8(uint8(v)) })
		enc(func(e *msgpack.Encoder) error { return e.EncodeUint16(uint16(v)) })
		enc(func(e *msgpack.Encoder) error { return e.EncodeUint32(uint32(v)) })
	}
	for _, s := range genStrings {
		enc(func(e *msgpack.Encoder) error { return e.EncodeString(s) })
		enc(func(e *msgpack.Encoder) error { return e.EncodeBytes([]byte(s)) })
	}
	for _, at := range genTimes {
		enc(func(e *msgpack.Encoder) error { return e.EncodeTime(at) })
		enc(func(e *msgpack.Encoder) error { return e.EncodeString(at.Format(time.RFC3339Nano)) })
		enc(func(e *msgpack.Encoder) error { return e.Encode([]int64{at.Unix(), int64(at.Nanosecond())}) })
	}
	out = append(out, otherValues(t)...)
	return out
}

// otherValues are the encodings msgpackValues does not build from a table.
func otherValues(t testing.TB) [][]byte {
	t.Helper()
	at := time.Date(2026, time.January, 2, 3, 4, 5, 6, time.FixedZone("x", 3600))
	many := make([]any, 70000)
	for i := range many {
		many[i] = i % 3
	}
	values := []any{nil, true, false, float32(1.5), 2.5, []byte(nil), []int{}, []any{1, "a", nil, []int{2}},
		map[string]any{}, map[string]any{"a": 1, "b": map[string]any{"c": []int{1, 2}}}, many,
		map[string]int{"x": 1, "y": 2, "z": 3, "a": 4, "b": 5, "c": 6, "d": 7, "e": 8, "f": 9, "g": 10, "h": 11,
			"i": 12, "j": 13, "k": 14, "l": 15, "m": 16, "n": 17}, at}
	var out [][]byte
	for _, v := range values {
		b, err := msgpack.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return append(out,
		[]byte{0xc1},                 // the one code msgpack leaves unused
		[]byte{0xd6, 13, 0, 0, 0, 1}, // a time in extension 13, as NodeJS writes it
		[]byte{0xd6, 5, 0, 0, 0, 1},  // another extension of 4 bytes
		[]byte{0xd5, 0xff, 0, 1},     // a time of 2 bytes
		[]byte{0xc7, 12, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 1}, // nanoseconds beyond a second
		[]byte{0xd7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},     // the same in 8 bytes
		[]byte{0xd4, 1, 0x81, 0xa1, 'a', 1},                                    // a map behind an extension header
		[]byte{0xc7, 0, 1, 0x80},                                               // the same, ext 8
		[]byte{0xc9, 0, 0, 0, 0, 1, 0xc0},                                      // a nil behind one, ext 32
		[]byte{0x92, 0xc0, 0xc0},                                               // a legacy time of two nils
		[]byte{0x92, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		[]byte{0xa3, 'n', 'o', 't', 'a', 't', 'i', 'm', 'e'},
		[]byte{0xdd, 0xff, 0xff, 0xff, 0xff},       // an array of 4 billion, and nothing
		[]byte{0xdf, 0xff, 0xff, 0xff, 0xff, 0xc0}, // a map of as many
		[]byte{0xdb, 0xff, 0xff, 0xff, 0xff, 'a'},  // a string of as many bytes
		[]byte{0xc9, 0xff, 0xff, 0xff, 0xff, 0xff}, // an extension of as many
		[]byte{},
	)
}

// readOutcome is what one read gave: the value, whether it failed, and
// how many bytes it took when it did not.
type readOutcome struct {
	v     any
	err   bool
	taken int
}

func (o readOutcome) String() string {
	if o.err {
		return "error"
	}
	return "value"
}

// readerPairs reads one value of b with a stateReader method and with
// the msgpack Decoder method it stands for.
var readerPairs = map[string]struct {
	ours   func(r *stateReader) any
	theirs func(d *msgpack.Decoder) (any, error)
}{
	"int": {func(r *stateReader) any { return r.int() }, func(d *msgpack.Decoder) (any, error) { return d.DecodeInt64() }},
	"uint": {func(r *stateReader) any { return r.uint() },
		func(d *msgpack.Decoder) (any, error) { return d.DecodeUint64() }},
	"str": {func(r *stateReader) any { return r.str() },
		func(d *msgpack.Decoder) (any, error) { return d.DecodeString() }},
	"bool": {func(r *stateReader) any { return r.bool() }, func(d *msgpack.Decoder) (any, error) { return d.DecodeBool() }},
	"time": {func(r *stateReader) any { return r.time() }, func(d *msgpack.Decoder) (any, error) {
		if c, err := d.PeekCode(); err == nil && c == 0xc0 {
			return time.Time{}, d.DecodeNil() // as the hand-written codecs always read a nil time
		}
		t, err := d.DecodeTime()
		return t.UTC(), err
	}},
	"map": {func(r *stateReader) any { return r.mapLen() }, func(d *msgpack.Decoder) (any, error) { return d.DecodeMapLen() }},
	"array": {func(r *stateReader) any { return r.arrayLen() },
		func(d *msgpack.Decoder) (any, error) { return d.DecodeArrayLen() }},
	"skip": {func(r *stateReader) any { r.skip(); return nil }, func(d *msgpack.Decoder) (any, error) { return nil, d.Skip() }},
	"key": {func(r *stateReader) any { return string(r.key()) }, func(d *msgpack.Decoder) (any, error) {
		c, err := d.PeekCode()
		if err != nil || c&0xe0 != 0xa0 && (c < 0xd9 || c > 0xdb) {
			return nil, errNotAKey
		}
		return d.DecodeString()
	}},
}

var errNotAKey = errors.New("not a key")

// compareReaders reads b with every pair and fails on any difference.
func compareReaders(t *testing.T, b []byte) {
	t.Helper()
	for name, pair := range readerPairs {
		r := newReader(b)
		var ours readOutcome
		noPanic(t, name, func() { ours = readOutcome{v: pair.ours(&r), err: r.err != nil, taken: r.i} })
		in := bytes.NewReader(b)
		v, err := pair.theirs(msgpack.NewDecoder(in))
		theirs := readOutcome{v: v, err: err != nil, taken: len(b) - in.Len()}
		if ours.err || theirs.err {
			if ours.err != theirs.err {
				t.Errorf("%s of %x: ours %v (%v), msgpack's %v (%v)", name, b, ours, r.err, theirs, err)
			}
			continue
		}
		if !reflect.DeepEqual(ours, theirs) {
			t.Errorf("%s of %x: ours %#v, msgpack's %#v", name, b, ours, theirs)
		}
	}
}

func TestStateReader_ReadsWhatTheDecoderReads(t *testing.T) {
	for _, b := range msgpackValues(t) {
		compareReaders(t, b)
		for i := range min(len(b), 12) { // and every truncation of its header
			compareReaders(t, b[:i])
		}
	}
}

// FuzzStateReader holds every reader to msgpack's Decoder on any bytes.
func FuzzStateReader(f *testing.F) {
	for _, b := range msgpackValues(f) {
		if len(b) < 1024 {
			f.Add(b)
		}
	}
	f.Fuzz(compareReaders)
}

func TestAppend_WritesWhatTheEncoderWrites(t *testing.T) {
	check := func(what string, got []byte, want func(e *msgpack.Encoder) error) {
		t.Helper()
		if w := legacyBytes(t, false, want); !bytes.Equal(got, w) {
			t.Errorf("%s: got %x, want %x", what, got, w)
		}
	}
	for _, v := range genInts {
		check("int", appendInt(nil, v), func(e *msgpack.Encoder) error { return e.EncodeInt(v) })
		check("uint", appendUint(nil, uint64(v)), func(e *msgpack.Encoder) error { return e.EncodeUint(uint64(v)) })
		if n := int(v); n >= 0 && n <= math.MaxUint32+1 {
			check("array", appendArrayLen(nil, n), func(e *msgpack.Encoder) error { return e.EncodeArrayLen(n) })
			check("map", appendMapLen(nil, n), func(e *msgpack.Encoder) error { return e.EncodeMapLen(n) })
		}
	}
	for _, s := range genStrings {
		check("string", AppendString(nil, s), func(e *msgpack.Encoder) error { return e.EncodeString(s) })
		check("bytes", appendBytes(nil, []byte(s)), func(e *msgpack.Encoder) error { return e.EncodeBytes([]byte(s)) })
	}
	check("nil bytes", appendBytes(nil, nil), func(e *msgpack.Encoder) error { return e.EncodeBytes(nil) })
	check("nil", appendNil(nil), func(e *msgpack.Encoder) error { return e.EncodeNil() })
	for _, v := range []bool{false, true} {
		check("bool", appendBool(nil, v), func(e *msgpack.Encoder) error { return e.EncodeBool(v) })
	}
	for _, at := range append(genTimes, time.Date(2026, time.January, 2, 3, 4, 5, 6, time.FixedZone("x", 3600))) {
		check("time", appendTime(nil, at), func(e *msgpack.Encoder) error { return e.EncodeTime(at) })
	}
}

// The sizes of the three time forms are those the tests' times aim at.
func TestAppendTime_Forms(t *testing.T) {
	for _, tc := range []struct {
		at    time.Time
		wSize int
	}{
		{time.Unix(1<<32-1, 0), 6}, {time.Unix(1<<32, 0), 10}, {time.Unix(0, 1), 10},
		{time.Unix(1<<34-1, 0), 10}, {time.Unix(1<<34, 0), 15}, {time.Unix(-1, 0), 15}, {time.Time{}, 15},
	} {
		b := appendTime(nil, tc.at)
		if len(b) != tc.wSize {
			t.Errorf("%v: %d bytes, want %d", tc.at, len(b), tc.wSize)
		}
		r := newReader(b)
		if got := r.time(); r.err != nil || !got.Equal(tc.at) {
			t.Errorf("%v: read back %v, %v", tc.at, got, r.err)
		}
	}
}
