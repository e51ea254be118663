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
const RecordVersion = 1

// ErrBadRecord means a journal payload could not be decoded into a record.
var ErrBadRecord = errors.New("domain: bad record")

// maxIDLen bounds an entity id read from disk.
const maxIDLen = 256

var encPool = sync.Pool{New: func() any {
	var b bytes.Buffer
	e := msgpack.NewEncoder(&b)
	e.UseCompactInts(true)
	return &encoder{buf: &b, enc: e}
}}

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
// error wrapping ErrBadRecord, never a panic.
func DecodeRecord(b []byte) (Record, error) {
	d := msgpack.NewDecoder(bytes.NewReader(b))
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
	if ver != RecordVersion {
		return Record{}, fmt.Errorf("%w: version %d, this build reads %d", ErrBadRecord, ver, RecordVersion)
	}
	if len(id) > maxIDLen || typ > 0xffff {
		return Record{}, fmt.Errorf("%w: id or type out of range", ErrBadRecord)
	}
	ev, ok := newEvent(EventType(typ))
	if !ok || kindOf(EventType(typ)) != Kind(kind) {
		return Record{}, fmt.Errorf("%w: event type %d for kind %d", ErrBadRecord, typ, kind)
	}
	if err := d.Decode(ev); err != nil {
		return Record{}, fmt.Errorf("%w: event %d: %w", ErrBadRecord, typ, err)
	}
	return Record{Kind: Kind(kind), ID: id, Event: ev}, nil
}
