package domain

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// RecordVersion is the version of the journal record encoding. A reader
// that meets a higher version refuses it rather than guess.
//
// Version 2 (issue 18) adds currencies: wallet events may carry "cu", the
// currency of their amount, written only when it is not TON. Version 1
// records have no currency and decode as TON, the zero Currency. The bump
// is for older builds: they skip unknown keys, so without it a build from
// before currencies would read a USDT credit as TON; with it, it refuses.
const RecordVersion = 2

// minRecordVersion is the oldest record version this build still decodes:
// every version ever written, for ever.
const minRecordVersion = 1

// ErrBadRecord means a journal payload could not be decoded into a record.
var ErrBadRecord = errors.New("domain: bad record")

// maxIDLen bounds an entity id.
const maxIDLen = 256

var encPool = sync.Pool{New: func() any {
	var b bytes.Buffer
	e := msgpack.NewEncoder(&b)
	e.UseCompactInts(true)
	return &encoder{buf: &b, enc: e}
}}

// decPool keeps decoders for DecodeRecord: replaying a journal decodes
// millions of records, and a fresh decoder each time was a good part of it.
var decPool = sync.Pool{New: func() any {
	d := &decoder{}
	d.dec = msgpack.NewDecoder(&d.r)
	return d
}}

type decoder struct {
	r   bytes.Reader
	dec *msgpack.Decoder
}

type encoder struct {
	buf *bytes.Buffer
	enc *msgpack.Encoder
}

// EncodeRecord encodes r as [version, kind, id, type, event] in msgpack. The
// returned slice is the caller's.
func EncodeRecord(r Record) ([]byte, error) {
	if r.Event == nil {
		return nil, fmt.Errorf("%w: no event", ErrBadRecord)
	}
	if _, known := eventFactory[r.Event.EventType()]; !known || kindOf(r.Event.EventType()) != r.Kind {
		return nil, fmt.Errorf("%w: event %T does not belong to kind %s", ErrBadRecord, r.Event, r.Kind)
	}
	if len(r.ID) > maxIDLen {
		return nil, fmt.Errorf("%w: id of %d bytes", ErrBadRecord, len(r.ID))
	}
	e := encPool.Get().(*encoder)
	defer encPool.Put(e)
	e.buf.Reset()
	err := errors.Join(
		e.enc.EncodeArrayLen(5),
		e.enc.EncodeUint(RecordVersion),
		e.enc.EncodeUint(uint64(r.Kind)),
		e.enc.EncodeString(r.ID),
		e.enc.EncodeUint(uint64(r.Event.EventType())),
		e.enc.Encode(r.Event),
	)
	if err != nil {
		return nil, fmt.Errorf("domain: encode %T: %w", r.Event, err)
	}
	return bytes.Clone(e.buf.Bytes()), nil
}

// DecodeRecord is the inverse of EncodeRecord. Any bytes give a record or an
// error wrapping ErrBadRecord, never a panic: msgpack itself panics on some
// malformed input (a nil where a time is due), so that is recovered too.
func DecodeRecord(b []byte) (rec Record, err error) {
	defer func() {
		if p := recover(); p != nil {
			rec, err = Record{}, fmt.Errorf("%w: %v", ErrBadRecord, p)
		}
	}()
	dc := decPool.Get().(*decoder)
	defer decPool.Put(dc)
	dc.r.Reset(b)
	d := dc.dec
	d.Reset(&dc.r)
	n, err := d.DecodeArrayLen()
	if err != nil || n != 5 {
		return Record{}, fmt.Errorf("%w: header", ErrBadRecord)
	}
	ver, err1 := d.DecodeUint()
	kind, err2 := d.DecodeUint()
	id, err3 := d.DecodeString()
	typ, err4 := d.DecodeUint()
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return Record{}, fmt.Errorf("%w: %w", ErrBadRecord, err)
	}
	if ver < minRecordVersion || ver > RecordVersion {
		return Record{}, fmt.Errorf("%w: version %d, this build reads %d to %d", ErrBadRecord, ver, minRecordVersion, RecordVersion)
	}
	if len(id) > maxIDLen || typ > 0xffff || kind > 0xff {
		return Record{}, fmt.Errorf("%w: id or type out of range", ErrBadRecord)
	}
	ev, ok := newEvent(EventType(typ))
	if !ok || kindOf(EventType(typ)) != Kind(kind) {
		return Record{}, fmt.Errorf("%w: event type %d for kind %d", ErrBadRecord, typ, kind)
	}
	if err := decodeUTC(d, ev); err != nil {
		return Record{}, fmt.Errorf("%w: event %d: %w", ErrBadRecord, typ, err)
	}
	return Record{Kind: Kind(kind), ID: id, Event: ev}, nil
}
