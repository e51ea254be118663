package domain

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"testing"
	"testing/iotest"

	"github.com/vmihailenco/msgpack/v5"
)

// subject is one of the types with a byte-slice codec, with its legacy
// decoder (codec_legacy_test.go) and a fresh value to decode into.
type subject struct {
	name   string
	fresh  func() msgpackReader
	legacy func(d *msgpack.Decoder, v msgpackReader) error
}

var subjects = []subject{
	{"number", func() msgpackReader { return new(Number) },
		func(d *msgpack.Decoder, v msgpackReader) error { return legacyDecodeNumber(d, v.(*Number)) }},
	{"wallet", func() msgpackReader { return new(Wallet) },
		func(d *msgpack.Decoder, v msgpackReader) error { return legacyDecodeWallet(d, v.(*Wallet)) }},
	{"credited", func() msgpackReader { return new(WalletCredited) },
		func(d *msgpack.Decoder, v msgpackReader) error { return legacyDecodeCredited(d, v.(*WalletCredited)) }},
	{"received", func() msgpackReader { return new(PaymentReceived) },
		func(d *msgpack.Decoder, v msgpackReader) error { return legacyDecodeReceived(d, v.(*PaymentReceived)) }},
	{"payments", func() msgpackReader { return NewPayments() },
		func(d *msgpack.Decoder, v msgpackReader) error { return legacyDecodePayments(d, v.(*Payments)) }},
}

// decoded is what a decoder made of some bytes: the value, or the error,
// or the panic, and how many bytes it took.
type decoded struct {
	v     any
	err   error
	taken int
}

func (s subject) ours(b []byte) decoded {
	v := s.fresh()
	rest, err := v.ReadMsgpack(b)
	return decoded{v, err, len(b) - len(rest)}
}

// theirs decodes with the legacy decoder; a panic (msgpack's, on some
// malformed input) is an error.
func (s subject) theirs(b []byte) (out decoded) {
	v := s.fresh()
	in := bytes.NewReader(b)
	defer func() {
		if p := recover(); p != nil {
			out = decoded{v, fmt.Errorf("panic: %v", p), 0}
		}
	}()
	err := s.legacy(msgpack.NewDecoder(in), v)
	return decoded{v, err, len(b) - in.Len()}
}

// compareDecoders decodes b with the new and the legacy decoders and
// fails unless they agree: both refuse, or both give the same value from
// the same bytes. The adapter (msgpack.Unmarshal) must agree too.
func compareDecoders(t *testing.T, b []byte) {
	t.Helper()
	for _, s := range subjects {
		var ours decoded
		noPanic(t, s.name, func() { ours = s.ours(b) })
		theirs := s.theirs(b)
		if (ours.err == nil) != (theirs.err == nil) {
			t.Fatalf("%s of %x: ours %v, legacy %v", s.name, b, ours.err, theirs.err)
		}
		if ours.err != nil {
			continue
		}
		if !reflect.DeepEqual(ours, theirs) {
			t.Fatalf("%s of %x:\n ours   %+v\n legacy %+v", s.name, b, ours, theirs)
		}
		if b[0] == 0xc0 {
			continue // msgpack sets a nil itself, without calling DecodeMsgpack
		}
		adapted := s.fresh()
		if err := msgpack.Unmarshal(b, adapted); err != nil || !reflect.DeepEqual(adapted, ours.v) {
			t.Fatalf("%s of %x: msgpack.Unmarshal %+v, %v; ReadMsgpack %+v", s.name, b, adapted, err, ours.v)
		}
	}
}

// decoderSeeds are encodings of every subject: hand-written, reflective,
// with unknown keys, nils and a map behind an extension header.
func decoderSeeds(t testing.TB) [][]byte {
	t.Helper()
	var out [][]byte
	add := func(v any) {
		b, err := msgpack.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	for seed := range uint64(20) {
		g := newGen(seed, 99)
		n, w, c, p := g.number(), g.wallet(), g.credited(), g.received()
		add(&n)
		add(&w)
		add(&c)
		add(&p)
		add(plainNumber(n))
		add(plainWallet{User: w.User, Balance: w.Balance, USDT: w.USDT, Entries: w.Entries, Seq: w.Seq})
		add(plainCredited(c))
		add(plainReceived(p))
	}
	pay := arbitraryPayments(3)
	add(&pay)
	add(map[string]any{"id": "x", "zz": []any{1, map[string]any{"q": nil}}, "re": nil, "hi": nil, "sq": 9, "e": nil,
		"a": nil, "i": nil, "at": nil, "u": -5})
	return append(out, []byte{0xd4, 0, 0x81, 0xa2, 's', 'q', 7}, []byte{0xc7, 1, 0, 0xc0}, []byte{0x80}, []byte{0xc0})
}

func TestReadMsgpack_AgreesWithTheLegacyDecoder(t *testing.T) {
	for _, b := range decoderSeeds(t) {
		compareDecoders(t, b)
		for i := 0; i < len(b) && i < 4096; i += 1 + i/64 { // and truncations
			compareDecoders(t, b[:i])
		}
	}
}

// FuzzReadMsgpack holds ReadMsgpack of every type to the legacy decoder
// on any bytes: no panic, and the same value whenever it accepts.
func FuzzReadMsgpack(f *testing.F) {
	for _, b := range decoderSeeds(f) {
		if len(b) < 4096 {
			f.Add(b)
		}
	}
	f.Fuzz(compareDecoders)
}

func TestReadMsgpack_RoundTrip(t *testing.T) {
	for seed := range uint64(2000) {
		n, w, c, p, bs := checkIdentity(t, seed)
		for i, want := range []any{&n, &w, &c, &p} {
			s := subjects[i]
			ours, theirs := s.ours(bs[i]), s.theirs(bs[i])
			if ours.err != nil || ours.taken != len(bs[i]) || !reflect.DeepEqual(ours.v, want) {
				t.Fatalf("%s %d: ReadMsgpack(AppendMsgpack(x)) = %+v (%d of %d bytes, %v)\nwant %+v", s.name, seed, ours.v, ours.taken, len(bs[i]), ours.err, want)
			}
			if !reflect.DeepEqual(theirs.v, want) {
				t.Fatalf("%s %d: the legacy decoder reads %+v (%v)", s.name, seed, theirs.v, theirs.err)
			}
		}
	}
}

// ReadMsgpack reads what reflection wrote: integers at full width, the
// struct's own field order, every field there.
func TestReadMsgpack_ReadsTheReflectiveEncoding(t *testing.T) {
	for seed := range uint64(1000) {
		g := newGen(seed, 5)
		n, w, c, p := g.number(), g.wallet(), g.credited(), g.received()
		for i, pair := range [][2]any{{plainNumber(n), &n},
			{plainWallet{User: w.User, Balance: w.Balance, USDT: w.USDT, Entries: w.Entries, Seq: w.Seq}, &w},
			{plainCredited(c), &c}, {plainReceived(p), &p}} {
			b, err := msgpack.Marshal(pair[0])
			if err != nil {
				t.Fatal(err)
			}
			if got := subjects[i].ours(b); got.err != nil || got.taken != len(b) || !reflect.DeepEqual(got.v, pair[1]) {
				t.Fatalf("%s %d: %+v (%v)\nwant %+v", subjects[i].name, seed, got.v, got.err, pair[1])
			}
		}
	}
}

func TestReadMsgpack_ReturnsWhatFollows(t *testing.T) {
	g := newGen(1, 2)
	n, w := g.number(), g.wallet()
	b, err := n.AppendMsgpack(nil)
	if err == nil {
		b, err = w.AppendMsgpack(b)
	}
	if err != nil {
		t.Fatal(err)
	}
	var n2 Number
	var w2 Wallet
	rest, err := n2.ReadMsgpack(b)
	if err == nil {
		rest, err = w2.ReadMsgpack(rest)
	}
	if err != nil || len(rest) != 0 || !reflect.DeepEqual(n2, n) || !reflect.DeepEqual(w2, w) {
		t.Fatalf("read %+v, %+v, %d bytes left, %v", n2, w2, len(rest), err)
	}
	// and resets what it reads into
	if _, err := n2.ReadMsgpack([]byte{0x81, 0xa2, 's', 'q', 1}); err != nil || !reflect.DeepEqual(n2, Number{Seq: 1}) {
		t.Errorf("read into a used number: %+v, %v", n2, err)
	}
}

// A block of id, state, id, state decodes through a Decoder on every kind
// of reader: in place from a bytes.Reader or bytes.Buffer, from a copy
// otherwise, each leaving the reader just after its value.
func TestDecodeMsgpack_EveryReader(t *testing.T) {
	g := newGen(3, 4)
	var block []byte
	var want []Wallet
	for i := range 5 {
		w := g.wallet()
		want = append(want, w)
		block = AppendString(block, fmt.Sprint("id", i))
		var err error
		if block, err = w.AppendMsgpack(block); err != nil {
			t.Fatal(err)
		}
	}
	for name, in := range map[string]func() io.Reader{
		"bytes.Reader": func() io.Reader { return bytes.NewReader(block) },
		"bytes.Buffer": func() io.Reader { return bytes.NewBuffer(bytes.Clone(block)) },
		"other":        func() io.Reader { return iotest.OneByteReader(bytes.NewReader(block)) },
	} {
		d := msgpack.NewDecoder(in())
		for i, w := range want {
			var got Wallet
			id, err := d.DecodeString()
			if err == nil {
				err = got.DecodeMsgpack(d)
			}
			if err != nil || id != fmt.Sprint("id", i) || !reflect.DeepEqual(got, w) {
				t.Fatalf("%s, entity %d: %q %+v, %v", name, i, id, got, err)
			}
		}
		if _, err := d.DecodeString(); err != io.EOF {
			t.Errorf("%s: after the block: %v, want EOF", name, err)
		}
		var w Wallet
		if err := w.DecodeMsgpack(d); err == nil {
			t.Errorf("%s: decoded a wallet from nothing", name)
		}
	}
}

// A corrupt length is refused before anything is allocated for it.
func TestReadMsgpack_CorruptLengthsAllocateLittle(t *testing.T) {
	for _, b := range [][]byte{
		{0x81, 0xa1, 'e', 0xdd, 0x00, 0x0f, 0xff, 0xff, 0x80},            // a million entries
		{0x81, 0xa2, 'h', 'i', 0xdd, 0x00, 0x0f, 0xff, 0xff, 0x80},       // a million holdings
		{0x81, 0xa1, 'a', 0xdf, 0x00, 0x0f, 0xff, 0xff, 0xa0, 0x01},      // a million applied
		{0x81, 0xa2, 'i', 'd', 0xdb, 0x7f, 0xff, 0xff, 0xff, 'x'},        // a 2 GB id
		{0x81, 0xa2, 'z', 'z', 0xdd, 0xff, 0xff, 0xff, 0xff, 0x91, 0x91}, // skipping 4 billion values
		{0x81, 0xa2, 'z', 'z', 0xc6, 0x7f, 0xff, 0xff, 0xff, 0x01},       // skipping 2 GB of bytes
		{0x81, 0xdb, 0x7f, 0xff, 0xff, 0xff, 'k'},                        // a 2 GB key
		{0x81, 0xa2, 'a', 'd', 0xc9, 0x7f, 0xff, 0xff, 0xff, 0xff, 0x01}, // a 2 GB time
	} {
		for _, s := range subjects {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			got := s.ours(b)
			runtime.ReadMemStats(&after)
			if got.err == nil {
				t.Errorf("%s of %x: accepted", s.name, b)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
				t.Errorf("%s of %x: %d bytes allocated to refuse it", s.name, b, n)
			}
		}
	}
}

// More items than any state holds, or a key longer than that, are refused
// even when the input holds them all, as the legacy decoder refused them.
func TestReadMsgpack_RefusesMoreThanMaxItems(t *testing.T) {
	items := append([]byte{0x81, 0xa1, 'e', 0xdd, 0, 0, 0, 0}, bytes.Repeat([]byte{0xc0}, maxItems+1)...)
	binary.BigEndian.PutUint32(items[4:], maxItems+1)
	key := append([]byte{0x81, 0xdb, 0, 0, 0, 0}, bytes.Repeat([]byte{'k'}, maxItems+1)...)
	key = append(key, 0x01)
	binary.BigEndian.PutUint32(key[2:], maxItems+1)
	for name, b := range map[string][]byte{"items": items, "key": key} {
		if got := subjects[1].ours(b); got.err == nil {
			t.Errorf("%s beyond maxItems: accepted", name)
		}
		compareDecoders(t, b)
	}
}
