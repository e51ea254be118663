package domain

import (
	"github.com/vmihailenco/msgpack/v5"
)

// Hand-written msgpack for the two states there are millions of: numbers
// and wallets (and the payments register, and the two events a deposit
// journals). Reflection spent most of a snapshot's time deciding which
// fields to omit; these write and read exactly the maps the struct tags
// describe (same keys, zero values omitted where the tag says omitempty;
// integers in their shortest form, where reflection wrote int64 fields at
// full width), so snapshots written before them decode with them and the
// other way round. Unknown keys are skipped and nil values read as zero, as
// the reflective decoder did. The golden files in testdata/ hold them to it.
//
// They work on byte slices (codec_write.go, codec_read.go): going through
// msgpack's Encoder and Decoder, one interface call per key and value,
// cost more than the encoding itself. AppendMsgpack and ReadMsgpack are
// the codecs; EncodeMsgpack and DecodeMsgpack, which msgpack.Marshal,
// Unmarshal and every Encoder and Decoder call, are adapters over them
// (codec_msgpack.go).

var (
	_ msgpack.CustomEncoder = (*Number)(nil)
	_ msgpack.CustomDecoder = (*Number)(nil)
	_ msgpack.CustomEncoder = (*Wallet)(nil)
	_ msgpack.CustomDecoder = (*Wallet)(nil)
	_ msgpackAppender       = (*Number)(nil)
	_ msgpackReader         = (*Number)(nil)
	_ msgpackAppender       = (*Wallet)(nil)
	_ msgpackReader         = (*Wallet)(nil)
)

// AppendMsgpack appends the wallet's msgpack encoding to b: the map its
// struct tags describe, the bytes EncodeMsgpack writes. Writing a
// snapshot block with it needs no Encoder.
func (wl *Wallet) AppendMsgpack(b []byte) ([]byte, error) {
	w := stateWriter{b: b}
	wl.write(&w)
	return w.done(len(b))
}

// ReadMsgpack decodes a wallet from the front of b, written by
// AppendMsgpack, EncodeMsgpack or reflection, into the wallet, which it
// resets first, and returns what follows it.
func (wl *Wallet) ReadMsgpack(b []byte) (rest []byte, err error) {
	r := newReader(b)
	wl.read(&r)
	return r.rest(), r.err
}

// EncodeMsgpack writes the wallet as AppendMsgpack does, for msgpack.
func (wl *Wallet) EncodeMsgpack(e *msgpack.Encoder) error { return encodeVia(e, wl.write) }

// DecodeMsgpack reads the wallet as ReadMsgpack does, for msgpack.
func (wl *Wallet) DecodeMsgpack(d *msgpack.Decoder) error { return decodeVia(d, wl) }

func (wl *Wallet) write(w *stateWriter) {
	w.mapLen(3 + count(wl.USDT != 0, len(wl.Entries) > 0))
	w.int("u", int64(wl.User))
	w.int("b", int64(wl.Balance))
	if wl.USDT != 0 {
		w.int("bu", wl.USDT)
	}
	if len(wl.Entries) > 0 {
		w.key("e")
		w.arrayLen(len(wl.Entries))
		for i := range wl.Entries {
			w.entry(&wl.Entries[i])
		}
	}
	w.uint("sq", wl.Seq)
}

func (w *stateWriter) entry(x *Entry) {
	w.mapLen(5 + count(x.Currency != CurrencyTON, x.Debit, !x.Updated.IsZero(), x.Ref != "", x.Days != 0, x.Note != ""))
	w.str("op", string(x.Op))
	w.uint("k", uint64(x.Kind))
	w.int("a", int64(x.Amount))
	w.currency(x.Currency)
	if x.Debit {
		w.bool("db", true)
	}
	w.uint("s", uint64(x.Status))
	w.time("c", x.Created)
	if !x.Updated.IsZero() {
		w.time("up", x.Updated)
	}
	if x.Ref != "" {
		w.str("rf", x.Ref)
	}
	if x.Days != 0 {
		w.int("d", int64(x.Days))
	}
	if x.Note != "" {
		w.str("n", x.Note)
	}
}

func (wl *Wallet) read(r *stateReader) {
	*wl = Wallet{}
	r.fields("wallet", func(k []byte) bool {
		switch string(k) {
		case "u":
			wl.User = UserID(r.int())
		case "b":
			wl.Balance = Nano(r.int())
		case "bu":
			wl.USDT = r.int()
		case "e":
			r.items("entries", func(c, i int) {
				if i == 0 {
					wl.Entries = make([]Entry, c)
				}
				wl.Entries[i] = r.entry()
			})
		case "sq":
			wl.Seq = r.uint()
		default:
			return false
		}
		return true
	})
}

func (r *stateReader) entry() Entry {
	var x Entry
	r.fields("entry", func(k []byte) bool {
		switch string(k) {
		case "op":
			x.Op = OpID(r.str())
		case "k":
			x.Kind = EntryKind(r.uint())
		case "a":
			x.Amount = Nano(r.int())
		case "cu":
			x.Currency = r.currency()
		case "db":
			x.Debit = r.bool()
		case "s":
			x.Status = EntryStatus(r.uint())
		case "c":
			x.Created = r.time()
		case "up":
			x.Updated = r.time()
		case "rf":
			x.Ref = r.str()
		case "d":
			x.Days = int(r.int())
		case "n":
			x.Note = r.str()
		default:
			return false
		}
		return true
	})
	return x
}

// readList reads a list of what (nil when empty or nil), one item by one.
func readList[T any](r *stateReader, what string, one func() T) []T {
	var out []T
	r.items(what, func(c, i int) {
		if i == 0 {
			out = make([]T, c)
		}
		out[i] = one()
	})
	return out
}
