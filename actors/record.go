package actors

import (
	"bytes"
	"errors"
	"sync"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"allot/domain"
)

// encodeRecord is domain.EncodeRecord with the events of the rent and renew
// sagas written by hand: msgpack's reflection (struct fields, omitempty,
// a fresh field list per event) was most of the cost of journaling them.
// The bytes are exactly those of domain.EncodeRecord (record_test.go checks
// it field by field); every other event, and anything out of the ordinary
// (a long id, an event on the wrong kind), goes through EncodeRecord.
func encodeRecord(kind domain.Kind, id string, ev domain.Event) ([]byte, error) {
	if len(id) > maxFastID {
		return domain.EncodeRecord(domain.Record{Kind: kind, ID: id, Event: ev})
	}
	e := recPool.Get().(*recEncoder)
	defer recPool.Put(e)
	e.buf.Reset()
	var err error
	switch ev := ev.(type) {
	case *domain.NumberRented:
		if kind != domain.KindNumber {
			break
		}
		e.header(kind, id, ev.EventType())
		err = e.numberRented(ev)
	case *domain.NumberRenewed:
		if kind != domain.KindNumber {
			break
		}
		e.header(kind, id, ev.EventType())
		err = e.numberRenewed(ev)
	case *domain.WalletDebited:
		if kind != domain.KindWallet {
			break
		}
		e.header(kind, id, ev.EventType())
		err = e.walletDebited(ev)
	case *domain.EntrySettled:
		if kind != domain.KindWallet {
			break
		}
		e.header(kind, id, ev.EventType())
		err = e.entrySettled(ev)
	}
	if e.buf.Len() == 0 || err != nil {
		return domain.EncodeRecord(domain.Record{Kind: kind, ID: id, Event: ev})
	}
	return bytes.Clone(e.buf.Bytes()), nil
}

// maxFastID is domain's bound on an id: a longer one is refused there.
const maxFastID = 256

type recEncoder struct {
	buf bytes.Buffer
	enc *msgpack.Encoder
}

var recPool = sync.Pool{New: func() any {
	e := &recEncoder{}
	e.enc = msgpack.NewEncoder(&e.buf)
	e.enc.UseCompactInts(true) // as domain's encoder
	return e
}}

// header writes [version, kind, id, type, …; the event follows.
func (e *recEncoder) header(kind domain.Kind, id string, t domain.EventType) {
	// Writes to a bytes.Buffer do not fail.
	_ = e.enc.EncodeArrayLen(5)
	_ = e.enc.EncodeUint(domain.RecordVersion)
	_ = e.enc.EncodeUint(uint64(kind))
	_ = e.enc.EncodeString(id)
	_ = e.enc.EncodeUint(uint64(t))
}

// The writers below follow the struct tags: a map of the fields in
// declaration order, omitempty ones left out when zero, integers compact.

func (e *recEncoder) str(k, v string) error {
	return errors.Join(e.enc.EncodeString(k), e.enc.EncodeString(v))
}

func (e *recEncoder) int(k string, v int64) error {
	return errors.Join(e.enc.EncodeString(k), e.enc.EncodeInt(v))
}

func (e *recEncoder) uint(k string, v uint64) error {
	return errors.Join(e.enc.EncodeString(k), e.enc.EncodeUint(v))
}

func (e *recEncoder) time(k string, v time.Time) error {
	return errors.Join(e.enc.EncodeString(k), e.enc.EncodeTime(v))
}

func count(n int, present ...bool) int {
	for _, p := range present {
		if p {
			n++
		}
	}
	return n
}

func (e *recEncoder) numberRented(ev *domain.NumberRented) error {
	return errors.Join(
		e.enc.EncodeMapLen(count(7, ev.Currency != 0)),
		e.str("op", string(ev.Op)),
		e.int("u", int64(ev.User)),
		e.int("d", int64(ev.Days)),
		e.int("p", int64(ev.Price)),
		e.optUint("cu", uint64(ev.Currency)),
		e.time("s", ev.Since),
		e.time("t", ev.Until),
		e.int("r", int64(ev.Reminded)),
	)
}

func (e *recEncoder) numberRenewed(ev *domain.NumberRenewed) error {
	return errors.Join(
		e.enc.EncodeMapLen(count(5, ev.Currency != 0, !ev.At.IsZero())),
		e.str("op", string(ev.Op)),
		e.int("d", int64(ev.Days)),
		e.int("p", int64(ev.Price)),
		e.optUint("cu", uint64(ev.Currency)),
		e.time("t", ev.Until),
		e.int("r", int64(ev.Reminded)),
		e.optTime("at", ev.At),
	)
}

func (e *recEncoder) walletDebited(ev *domain.WalletDebited) error {
	return errors.Join(
		e.enc.EncodeMapLen(count(5, ev.Currency != 0, ev.Ref != "", ev.Days != 0, ev.Note != "")),
		e.str("op", string(ev.Op)),
		e.uint("k", uint64(ev.Kind)),
		e.int("a", int64(ev.Amount)),
		e.optUint("cu", uint64(ev.Currency)),
		e.uint("s", uint64(ev.Status)),
		e.optStr("rf", ev.Ref),
		e.optInt("d", int64(ev.Days)),
		e.optStr("n", ev.Note),
		e.time("at", ev.At),
	)
}

func (e *recEncoder) entrySettled(ev *domain.EntrySettled) error {
	return errors.Join(
		e.enc.EncodeMapLen(count(3, ev.Note != "")),
		e.str("op", string(ev.Op)),
		e.uint("s", uint64(ev.Status)),
		e.optStr("n", ev.Note),
		e.time("at", ev.At),
	)
}

func (e *recEncoder) optStr(k, v string) error {
	if v == "" {
		return nil
	}
	return e.str(k, v)
}

func (e *recEncoder) optInt(k string, v int64) error {
	if v == 0 {
		return nil
	}
	return e.int(k, v)
}

func (e *recEncoder) optUint(k string, v uint64) error {
	if v == 0 {
		return nil
	}
	return e.uint(k, v)
}

func (e *recEncoder) optTime(k string, v time.Time) error {
	if v.IsZero() {
		return nil
	}
	return e.time(k, v)
}
