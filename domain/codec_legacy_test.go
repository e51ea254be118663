package domain

// The msgpack.Encoder and msgpack.Decoder based codecs as they were before
// the byte-slice ones (codec_write.go, codec_read.go), kept here only as
// the reference the tests hold the new ones to: byte for byte when
// encoding, value for value when decoding. Not to be changed but to fix
// a transcription error.

import (
	"fmt"
	"time"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// Hand-written msgpack for the two states there are millions of: numbers
// and wallets. Reflection spent most of a snapshot's time deciding which
// fields to omit; these write and read exactly the maps the struct tags
// describe (same keys, zero values omitted where the tag says omitempty;
// integers in their shortest form, where reflection wrote int64 fields at
// full width), so snapshots written before them decode with them and the
// other way round. Unknown keys are skipped and nil values read as zero, as the
// reflective decoder did. The golden files in testdata/ hold them to it.

// legacyWriter writes map entries and remembers the first error.
type legacyWriter struct {
	e   *msgpack.Encoder
	err error
}

func (w *legacyWriter) key(k string) bool {
	if w.err == nil {
		w.err = w.e.EncodeString(k)
	}
	return w.err == nil
}

func (w *legacyWriter) str(k, v string) {
	if w.key(k) {
		w.err = w.e.EncodeString(v)
	}
}

func (w *legacyWriter) int(k string, v int64) {
	if w.key(k) {
		w.err = w.e.EncodeInt(v)
	}
}

func (w *legacyWriter) uint(k string, v uint64) {
	if w.key(k) {
		w.err = w.e.EncodeUint(v)
	}
}

func (w *legacyWriter) bool(k string, v bool) {
	if w.key(k) {
		w.err = w.e.EncodeBool(v)
	}
}

func (w *legacyWriter) time(k string, v time.Time) {
	if w.key(k) {
		w.err = w.e.EncodeTime(v)
	}
}

func (w *legacyWriter) mapLen(n int) {
	if w.err == nil {
		w.err = w.e.EncodeMapLen(n)
	}
}

// currency writes a currency under "cu", and nothing for TON: states and
// records from before currencies have no "cu" and hold TON, so omitting it
// keeps a TON-only state byte for byte what it was.
func (w *legacyWriter) currency(c Currency) {
	if c != CurrencyTON {
		w.uint("cu", uint64(c))
	}
}

// legacyReader reads the values of a map and remembers the first error.
type legacyReader struct {
	d   *msgpack.Decoder
	err error
	key [8]byte // our keys are short: reading them here allocates nothing
}

// isNil consumes a nil value and reports it, so a field stays zero.
func (r *legacyReader) isNil() bool {
	if r.err != nil {
		return true
	}
	c, err := r.d.PeekCode()
	if err != nil {
		r.err = err
		return true
	}
	if c == msgpcode.Nil {
		r.err = r.d.DecodeNil()
		return true
	}
	return false
}

func (r *legacyReader) str() string {
	if r.isNil() {
		return ""
	}
	s, err := r.d.DecodeString()
	r.err = err
	return s
}

func (r *legacyReader) int() int64 {
	if r.isNil() {
		return 0
	}
	v, err := r.d.DecodeInt64()
	r.err = err
	return v
}

func (r *legacyReader) uint() uint64 {
	if r.isNil() {
		return 0
	}
	v, err := r.d.DecodeUint64()
	r.err = err
	return v
}

func (r *legacyReader) bool() bool {
	if r.isNil() {
		return false
	}
	v, err := r.d.DecodeBool()
	r.err = err
	return v
}

// currency reads a currency, refusing one this build does not count: a
// newer build wrote it, and reading it as TON would convert it silently.
func (r *legacyReader) currency() Currency {
	v := r.uint()
	if r.err == nil && (v > 0xff || !Currency(v).Known()) {
		r.err = fmt.Errorf("%w: currency %d is unknown to this build", ErrBadRecord, v)
	}
	return Currency(v)
}

func (r *legacyReader) time() time.Time {
	if r.isNil() {
		return time.Time{}
	}
	v, err := r.d.DecodeTime()
	r.err = err
	return v.UTC()
}

// fields calls fn with each key of a map (nil reads as an empty map), and
// skips the values fn does not read (it returns false for unknown keys).
// The key is only valid during the call.
func (r *legacyReader) fields(what string, fn func(key []byte) bool) {
	if r.isNil() {
		return
	}
	n, err := r.d.DecodeMapLen()
	if err != nil {
		r.err = fmt.Errorf("%s: %w", what, err)
		return
	}
	for i := 0; i < n && r.err == nil; i++ {
		k, err := r.readKey()
		if err != nil {
			r.err = fmt.Errorf("%s: key: %w", what, err)
			return
		}
		if !fn(k) && r.err == nil {
			r.err = r.d.Skip()
		}
	}
}

func (r *legacyReader) readKey() ([]byte, error) {
	c, err := r.d.PeekCode()
	if err != nil {
		return nil, err
	}
	if !msgpcode.IsString(c) {
		return nil, fmt.Errorf("msgpack: a key of code %#x, want a string", c)
	}
	n, err := r.d.DecodeBytesLen()
	if err != nil || n < 0 {
		return nil, err
	}
	b := r.key[:0]
	if n > len(r.key) {
		if n > maxItems {
			return nil, fmt.Errorf("msgpack: a key of %d bytes", n)
		}
		b = make([]byte, 0, n)
	}
	b = b[:n]
	return b, r.d.ReadFull(b)
}

// items calls fn for each element of an array (nil reads as empty), after
// checking the length against what the input can possibly hold.
func (r *legacyReader) items(what string, fn func(n, i int)) {
	if r.isNil() {
		return
	}
	n, err := r.d.DecodeArrayLen()
	if err != nil {
		r.err = fmt.Errorf("%s: %w", what, err)
		return
	}
	if n > maxItems {
		r.err = fmt.Errorf("%s: %d items is more than any state holds", what, n)
		return
	}
	for i := 0; i < n && r.err == nil; i++ {
		fn(n, i)
	}
}

// legacyEncode writes a wallet as the map its struct tags describe.
func legacyEncodeWallet(e *msgpack.Encoder, wl *Wallet) error {
	w := &legacyWriter{e: e}
	w.mapLen(3 + count(wl.USDT != 0, len(wl.Entries) > 0))
	w.int("u", int64(wl.User))
	w.int("b", int64(wl.Balance))
	if wl.USDT != 0 {
		w.int("bu", wl.USDT)
	}
	if len(wl.Entries) > 0 && w.key("e") {
		if w.err = e.EncodeArrayLen(len(wl.Entries)); w.err == nil {
			for i := range wl.Entries {
				x := &wl.Entries[i]
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
		}
	}
	w.uint("sq", wl.Seq)
	return w.err
}

// legacyDecode reads a wallet written by EncodeMsgpack or by reflection.
func legacyDecodeWallet(d *msgpack.Decoder, wl *Wallet) error {
	*wl = Wallet{}
	r := &legacyReader{d: d}
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
	return r.err
}

func (r *legacyReader) entry() Entry {
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

// The two events a deposit journals are the most frequent records there
// are; replaying a journal decodes each of them once.

// legacyEncode writes the event as the map its struct tags describe.
func legacyEncodeCredited(e *msgpack.Encoder, c *WalletCredited) error {
	w := &legacyWriter{e: e}
	w.mapLen(4 + count(c.Currency != CurrencyTON, c.Ref != "", c.Note != "", len(c.Completed) > 0))
	w.str("op", string(c.Op))
	w.uint("k", uint64(c.Kind))
	w.int("a", int64(c.Amount))
	w.currency(c.Currency)
	if c.Ref != "" {
		w.str("rf", c.Ref)
	}
	if c.Note != "" {
		w.str("n", c.Note)
	}
	w.time("at", c.At)
	// Completed came after these codecs (wallet_complete.go): the
	// reference writes it as msgpack's reflection does.
	if len(c.Completed) > 0 && w.key("cp") {
		w.err = e.Encode(c.Completed)
	}
	return w.err
}

// legacyDecode reads the event in either encoding.
func legacyDecodeCredited(d *msgpack.Decoder, c *WalletCredited) error {
	*c = WalletCredited{}
	r := &legacyReader{d: d}
	r.fields("wallet credited", func(k []byte) bool {
		switch string(k) {
		case "op":
			c.Op = OpID(r.str())
		case "k":
			c.Kind = EntryKind(r.uint())
		case "a":
			c.Amount = Nano(r.int())
		case "cu":
			c.Currency = r.currency()
		case "rf":
			c.Ref = r.str()
		case "n":
			c.Note = r.str()
		case "at":
			c.At = r.time()
		case "cp":
			r.items("completed purchases", func(n, i int) {
				c.Completed = append(c.Completed, OpID(r.str()))
			})
		default:
			return false
		}
		return true
	})
	return r.err
}

// legacyEncode writes the event as the map its struct tags describe.
func legacyEncodeReceived(e *msgpack.Encoder, p *PaymentReceived) error {
	w := &legacyWriter{e: e}
	w.mapLen(4 + count(p.Currency != CurrencyTON, p.From != "", p.Code != "", p.User != 0, p.Op != "", p.Reason != ""))
	w.str("tx", p.Tx)
	w.int("a", int64(p.Amount))
	w.currency(p.Currency)
	if p.From != "" {
		w.str("f", p.From)
	}
	w.time("at", p.At)
	w.uint("o", uint64(p.Outcome))
	if p.Code != "" {
		w.str("c", p.Code)
	}
	if p.User != 0 {
		w.int("u", int64(p.User))
	}
	if p.Op != "" {
		w.str("op", string(p.Op))
	}
	if p.Reason != "" {
		w.str("r", p.Reason)
	}
	return w.err
}

// legacyDecode reads the event in either encoding.
func legacyDecodeReceived(d *msgpack.Decoder, p *PaymentReceived) error {
	*p = PaymentReceived{}
	r := &legacyReader{d: d}
	r.fields("payment received", func(k []byte) bool {
		switch string(k) {
		case "tx":
			p.Tx = r.str()
		case "a":
			p.Amount = Nano(r.int())
		case "cu":
			p.Currency = r.currency()
		case "f":
			p.From = r.str()
		case "at":
			p.At = r.time()
		case "o":
			p.Outcome = Outcome(r.uint())
		case "c":
			p.Code = r.str()
		case "u":
			p.User = UserID(r.int())
		case "op":
			p.Op = OpID(r.str())
		case "r":
			p.Reason = r.str()
		default:
			return false
		}
		return true
	})
	return r.err
}
