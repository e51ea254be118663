package domain

// The payments register's codec as it was before the byte-slice one: see
// codec_legacy_test.go.

import (
	"fmt"
	"maps"

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

// legacyEncode writes the register as the map its struct tags describe.
func legacyEncodePayments(e *msgpack.Encoder, p *Payments) error {
	w := &legacyWriter{e: e}
	w.mapLen(3 + count(len(p.Orphans) > 0))
	if w.key("i") {
		w.err = e.Encode(p.Invoices)
	}
	if w.key("a") {
		w.applied(maps.Collect(p.Applied.All()))
	}
	if len(p.Orphans) > 0 && w.key("o") {
		w.err = e.Encode(p.Orphans)
	}
	w.uint("sq", p.Seq)
	return w.err
}

func (w *legacyWriter) applied(m map[string]Outcome) {
	if m == nil {
		w.err = w.e.EncodeNil()
		return
	}
	w.mapLen(len(m))
	for tx, o := range m {
		if w.err != nil {
			return
		}
		w.err = w.e.EncodeString(tx)
		if w.err == nil {
			w.err = w.e.EncodeUint(uint64(o))
		}
	}
}

// legacyDecode reads the register in either encoding, with its times in
// UTC. Keys it does not know are skipped, as reflection did; fields absent
// keep what the register held, as reflection left them.
func legacyDecodePayments(d *msgpack.Decoder, p *Payments) error {
	r := &legacyReader{d: d}
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
	return r.err
}

// reflective decodes one value by reflection, with its times in UTC.
func (r *legacyReader) reflective(v any) {
	if r.err == nil {
		r.err = decodeUTC(r.d, v)
	}
}

// applied reads the Applied set into a map sized for it at once: growing
// a map of millions of keys step by step was a good part of its cost.
// (The set may hold more than maxItems keys: only the presizing is capped.)
func (r *legacyReader) applied() map[string]Outcome {
	if r.isNil() {
		return map[string]Outcome{}
	}
	n, err := r.d.DecodeMapLen()
	if err != nil {
		r.err = fmt.Errorf("payments: applied: %w", err)
		return nil
	}
	// A corrupt length ends at the end of the input; it only must not
	// allocate more than a real register would.
	m := make(map[string]Outcome, min(n, maxItems))
	for i := 0; i < n && r.err == nil; i++ {
		tx := r.str()
		o := r.uint()
		if r.err == nil && o > 0xff {
			r.err = fmt.Errorf("payments: outcome %d out of range", o)
		}
		m[tx] = Outcome(o)
	}
	return m
}
