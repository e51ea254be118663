package domain

import (
	"github.com/vmihailenco/msgpack/v5"
)

// Hand-written msgpack for the payments register: its Applied set holds a
// key for every payment ever seen, millions on a busy service, and is the
// largest single value in a snapshot. Reflection spent most of a restore's
// single-threaded tail and most of a snapshot's longest actor turn on it.
// The bytes are those its struct tags describe (the same keys in the same
// order; integers in their shortest form, which every msgpack reader takes
// for any width), so either encoding decodes with either codec. Invoices
// and orphans are few and stay reflective.

var (
	_ msgpack.CustomEncoder = (*Payments)(nil)
	_ msgpack.CustomDecoder = (*Payments)(nil)
	_ msgpackAppender       = (*Payments)(nil)
	_ msgpackReader         = (*Payments)(nil)
)

// AppendMsgpack appends the register's msgpack encoding to b: the map its
// struct tags describe, the bytes EncodeMsgpack writes to an Encoder with
// compact integers (invoices and orphans are written by reflection; the
// Applied set in the order the map gives).
func (p *Payments) AppendMsgpack(b []byte) ([]byte, error) {
	w := stateWriter{b: b}
	p.write(&w)
	return w.done(len(b))
}

// ReadMsgpack decodes the register from the front of b, in either
// encoding, with its times in UTC, and returns what follows it. Keys it
// does not know are skipped, as reflection did; fields absent keep what
// the register held, as reflection left them: it does not reset p.
func (p *Payments) ReadMsgpack(b []byte) (rest []byte, err error) {
	r := newReader(b)
	p.read(&r)
	return r.rest(), r.err
}

// EncodeMsgpack writes the register as AppendMsgpack does, for msgpack.
func (p *Payments) EncodeMsgpack(e *msgpack.Encoder) error { return encodeVia(e, p.write) }

// DecodeMsgpack reads the register as ReadMsgpack does, for msgpack.
func (p *Payments) DecodeMsgpack(d *msgpack.Decoder) error { return decodeVia(d, p) }

func (p *Payments) write(w *stateWriter) {
	w.mapLen(3 + count(len(p.Orphans) > 0))
	w.key("i")
	w.reflective(p.Invoices)
	w.key("a")
	w.applied(&p.Applied)
	if len(p.Orphans) > 0 {
		w.key("o")
		w.reflective(p.Orphans)
	}
	w.uint("sq", p.Seq)
}

func (w *stateWriter) applied(a *AppliedTxs) {
	w.mapLen(a.Len())
	for tx, o := range a.All() {
		w.b = appendUint(AppendString(w.b, tx), uint64(o))
		w.entryDone()
	}
}

func (p *Payments) read(r *stateReader) {
	r.fields("payments", func(k []byte) bool {
		switch string(k) {
		case "i":
			r.reflective(&p.Invoices)
		case "a":
			p.Applied = appliedFrom(r.applied())
		case "o":
			r.reflective(&p.Orphans)
		case "sq":
			p.Seq = r.uint()
		default:
			return false
		}
		return true
	})
}

// applied reads the Applied set into a map sized for it at once: growing
// a map of millions of keys step by step was a good part of its cost.
// (The set may hold more than maxItems keys: only the presizing is capped.)
func (r *stateReader) applied() map[string]Outcome {
	if r.isNil() {
		return map[string]Outcome{}
	}
	n := r.mapLen()
	if n > r.left()/2 { // a key and a value take a byte each at least
		r.fail("applied: %d entries in %d bytes", n, r.left())
	}
	if r.err != nil {
		return nil
	}
	m := make(map[string]Outcome, min(max(n, 0), maxItems))
	for i := 0; i < n && r.err == nil; i++ {
		tx := r.str()
		o := r.uint()
		if r.err == nil && o > 0xff {
			r.fail("applied: outcome %d out of range", o)
		}
		m[tx] = Outcome(o)
	}
	return m
}
