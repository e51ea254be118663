package pgstore

import (
	"context"

	"allot/domain"
)

// SkipInReplay lets Recover leave out, once the snapshot is restored and
// partial answers true, the events of the lazy kinds (KeepUncovered) whose
// type is none of pins: the engine loads those entities from their own
// snapshots instead of replaying them, and only an event of a pin type
// (a debit that starts a purchase) tells it which ones recovery needs.
// Most events after a snapshot are of such kinds, and the server need not
// sort and send them.
func (e *Engine) SkipInReplay(pins []domain.EventType, partial func() bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pins, e.partial = append([]domain.EventType{}, pins...), partial
}

// scanForReplay scans the events after afterGseq that the replay needs.
func (e *Engine) scanForReplay(ctx context.Context, afterGseq uint64, fn func(gseq uint64, ev Event) error) error {
	e.mu.Lock()
	pins, partial, lazy := e.pins, e.partial, append([]int16{}, e.lazy...)
	e.mu.Unlock()
	if partial == nil || len(lazy) == 0 || !partial() {
		return e.s.ScanEvents(ctx, afterGseq, fn)
	}
	where, args, ok := skipCondition(lazy, pins)
	if !ok {
		return e.s.ScanEvents(ctx, afterGseq, fn)
	}
	return e.s.scanEvents(ctx, afterGseq, where, args, fn)
}

// skipCondition keeps every event except those of the lazy kinds whose
// header shows a type other than the pins'. It reads the header as
// domain.EncodeRecord writes it (an array of five: version and kind as
// positive fixints, the entity as a fixstr, then the type), and keeps any
// row whose header it cannot read that way, so it never leaves out an
// event the replay needs; the engine still skips by the header itself
// (domain.RecordType). ok is false when the pins' types cannot be told
// apart by bytes of one length, and then nothing is left out.
func skipCondition(lazy []int16, pins []domain.EventType) (string, []any, bool) {
	if len(pins) == 0 {
		return "", nil, false
	}
	encoded := make([][]byte, len(pins))
	for i, t := range pins {
		encoded[i] = encodeType(t)
		if len(encoded[i]) != len(encoded[0]) {
			return "", nil, false
		}
	}
	return `(kind <> ALL($2::smallint[]) OR CASE
		WHEN octet_length(entity) >= 32 THEN true
		WHEN substring(payload FROM 1 FOR 1) <> '\x95'::bytea THEN true
		WHEN substring(payload FROM 2 FOR 1) >= '\x80'::bytea OR substring(payload FROM 3 FOR 1) >= '\x80'::bytea THEN true
		WHEN substring(payload FROM 4 FOR 1) <> set_byte('\x00'::bytea, 0, 160 + octet_length(entity)) THEN true
		ELSE substring(payload FROM 5 + octet_length(entity) FOR $3) = ANY($4::bytea[])
	END)`, []any{lazy, len(encoded[0]), encoded}, true
}

// encodeType is how msgpack writes an event type: the shortest unsigned
// integer, as domain's encoder does.
func encodeType(t domain.EventType) []byte {
	switch {
	case t < 0x80:
		return []byte{byte(t)}
	case t <= 0xff:
		return []byte{0xcc, byte(t)}
	default:
		return []byte{0xcd, byte(t >> 8), byte(t)}
	}
}
