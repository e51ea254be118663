package domain

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
)

// EncodeRecord and DecodeRecord as they were before the byte-slice codecs,
// with the legacy codecs of the two events that had one of their own (the
// reference the tests hold the new ones to; see codec_legacy_test.go).

func legacyEncodeRecord(r Record) ([]byte, error) {
	if r.Event == nil {
		return nil, fmt.Errorf("%w: no event", ErrBadRecord)
	}
	if _, known := eventFactory[r.Event.EventType()]; !known || kindOf(r.Event.EventType()) != r.Kind {
		return nil, fmt.Errorf("%w: event %T does not belong to kind %s", ErrBadRecord, r.Event, r.Kind)
	}
	if len(r.ID) > maxIDLen {
		return nil, fmt.Errorf("%w: id of %d bytes", ErrBadRecord, len(r.ID))
	}
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	err := errors.Join(
		enc.EncodeArrayLen(5),
		enc.EncodeUint(RecordVersion),
		enc.EncodeUint(uint64(r.Kind)),
		enc.EncodeString(r.ID),
		enc.EncodeUint(uint64(r.Event.EventType())),
		legacyEncodeEvent(enc, r.Event),
	)
	if err != nil {
		return nil, fmt.Errorf("domain: encode %T: %w", r.Event, err)
	}
	return buf.Bytes(), nil
}

func legacyEncodeEvent(e *msgpack.Encoder, ev Event) error {
	switch ev := ev.(type) {
	case *WalletCredited:
		return legacyEncodeCredited(e, ev)
	case *PaymentReceived:
		return legacyEncodeReceived(e, ev)
	}
	return e.Encode(ev)
}

func legacyDecodeRecord(b []byte) (rec Record, err error) {
	defer func() {
		if p := recover(); p != nil {
			rec, err = Record{}, fmt.Errorf("%w: %v", ErrBadRecord, p)
		}
	}()
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
	if err := legacyDecodeEvent(d, ev); err != nil {
		return Record{}, fmt.Errorf("%w: event %d: %w", ErrBadRecord, typ, err)
	}
	return Record{Kind: Kind(kind), ID: id, Event: ev}, nil
}

func legacyDecodeEvent(d *msgpack.Decoder, ev Event) error {
	switch ev := ev.(type) {
	case *WalletCredited:
		return legacyDecodeCredited(d, ev)
	case *PaymentReceived:
		return legacyDecodeReceived(d, ev)
	}
	return decodeUTC(d, ev)
}

// legacyNumber and legacyWallet encode and decode with the legacy codecs
// wherever msgpack meets them (Marshal, Encoder.Encode, Unmarshal).
type (
	legacyNumber Number
	legacyWallet Wallet
)

func (n *legacyNumber) EncodeMsgpack(e *msgpack.Encoder) error {
	return legacyEncodeNumber(e, (*Number)(n))
}

func (n *legacyNumber) DecodeMsgpack(d *msgpack.Decoder) error {
	return legacyDecodeNumber(d, (*Number)(n))
}

func (w *legacyWallet) EncodeMsgpack(e *msgpack.Encoder) error {
	return legacyEncodeWallet(e, (*Wallet)(w))
}

func (w *legacyWallet) DecodeMsgpack(d *msgpack.Decoder) error {
	return legacyDecodeWallet(d, (*Wallet)(w))
}
