package domain

import (
	"errors"
	"fmt"
	"sync/atomic"
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

// EncodeRecord encodes r as [version, kind, id, type, event] in msgpack. The
// returned slice is the caller's. The header and the events with a codec
// of their own are appended straight onto it; the others are written by
// reflection, with compact integers, as they always were.
func EncodeRecord(r Record) ([]byte, error) {
	if r.Event == nil {
		return nil, fmt.Errorf("%w: no event", ErrBadRecord)
	}
	return AppendRecord(make([]byte, 0, recordCap(r.Event.EventType(), len(r.ID))), r)
}

// AppendRecord is EncodeRecord appending to b, for a caller that reuses
// one buffer for its records (the engine's workers do: a buffer per record
// was a tenth of what the engine allocated).
func AppendRecord(b []byte, r Record) ([]byte, error) {
	if r.Event == nil {
		return nil, fmt.Errorf("%w: no event", ErrBadRecord)
	}
	typ := r.Event.EventType()
	if _, known := eventFactory[typ]; !known || kindOf(typ) != r.Kind {
		return nil, fmt.Errorf("%w: event %T does not belong to kind %s", ErrBadRecord, r.Event, r.Kind)
	}
	if len(r.ID) > maxIDLen {
		return nil, fmt.Errorf("%w: id of %d bytes", ErrBadRecord, len(r.ID))
	}
	start := len(b)
	b = appendArrayLen(b, 5)
	b = appendUint(b, RecordVersion)
	b = appendUint(b, uint64(r.Kind))
	b = AppendString(b, r.ID)
	b = appendUint(b, uint64(typ))
	var err error
	if a, ok := r.Event.(msgpackAppender); ok {
		b, err = a.AppendMsgpack(b)
	} else {
		b, err = appendReflective(b, r.Event)
	}
	if err != nil {
		return nil, fmt.Errorf("domain: encode %T: %w", r.Event, err)
	}
	noteRecordSize(typ, len(r.ID), len(b)-start)
	return b, nil
}

// recordSizes remembers, by event type, how long a record was beside its
// id the last time that changed much, so that EncodeRecord allocates the
// record once, at the right size. Types are below 2048 (kindOf); a
// stranger gets the default.
var recordSizes [2048]atomic.Int32

// defaultRecordSize is the guess for an event type not seen yet.
const defaultRecordSize = 72

func recordCap(t EventType, idLen int) int {
	n := defaultRecordSize
	if int(t) < len(recordSizes) {
		if s := int(recordSizes[t].Load()); s > 0 {
			n = s
		}
	}
	return idLen + n + 1 // 1: a longer id may take a longer header
}

// noteRecordSize records the size of a record of type t when it differs
// from the remembered one by more than a quarter: stores are rare, and
// the records of a type mostly alike.
func noteRecordSize(t EventType, idLen, total int) {
	if int(t) >= len(recordSizes) {
		return
	}
	n := int32(total - idLen)
	if s := recordSizes[t].Load(); n > s || n < s-s/4 {
		recordSizes[t].Store(n)
	}
}

// DecodeRecord is the inverse of EncodeRecord. Any bytes give a record or an
// error wrapping ErrBadRecord, never a panic: msgpack itself panics on some
// malformed input (a nil where a time is due), so that is recovered too.
// Bytes after the record are ignored, as they always were.
func DecodeRecord(b []byte) (rec Record, err error) {
	defer func() {
		if p := recover(); p != nil {
			rec, err = Record{}, fmt.Errorf("%w: %v", ErrBadRecord, p)
		}
	}()
	r := newReader(b)
	if n := r.arrayLen(); r.err != nil || n != 5 {
		return Record{}, fmt.Errorf("%w: header", ErrBadRecord)
	}
	ver, kind, id, typ := r.uint(), r.uint(), r.str(), r.uint()
	if r.err != nil {
		return Record{}, fmt.Errorf("%w: %w", ErrBadRecord, r.err)
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
	if rd, ok := ev.(msgpackReader); ok {
		_, err = rd.ReadMsgpack(r.rest())
	} else {
		err = decodeReflective(r.rest(), ev)
	}
	if err != nil {
		return Record{}, fmt.Errorf("%w: event %d: %w", ErrBadRecord, typ, err)
	}
	return Record{Kind: Kind(kind), ID: id, Event: ev}, nil
}
