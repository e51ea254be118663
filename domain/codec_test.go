package domain

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// filled returns a new event of type typ with every field set to a value
// that is not its zero, derived from salt, so that a field the codec drops
// or mangles shows up as a difference. Filling by reflection means an event
// type or field added later is covered without touching this test.
func filled(t testing.TB, typ EventType, salt int) Event {
	t.Helper()
	e, ok := newEvent(typ)
	if !ok {
		t.Fatalf("no factory for %d", typ)
	}
	fill(t, reflect.ValueOf(e).Elem(), salt)
	return e
}

var timeType = reflect.TypeFor[time.Time]()

func fill(t testing.TB, v reflect.Value, salt int) {
	t.Helper()
	if v.Type() == reflect.TypeFor[Currency]() {
		v.SetUint(uint64(CurrencyUSDT)) // the one that is written; arbitrary numbers are refused
		return
	}
	if v.Type() == timeType {
		at := time.Date(2026, time.January, 2+salt%20, 3, 4, 5, 600_000_000+salt, time.UTC)
		v.Set(reflect.ValueOf(at))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d-ü", salt))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(salt%100 + 1))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(salt%100 + 1))
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(t, v.Field(i), salt+i+1)
			}
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), salt)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(t, v.Index(i), salt+i)
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, x := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(t, k, salt)
		fill(t, x, salt)
		m.SetMapIndex(k, x)
		v.Set(m)
	default:
		t.Fatalf("fill: unhandled %s", v.Type())
	}
}

// allTypes lists every event type the journal can hold, in code order.
func allTypes() []EventType {
	ts := slices.Collect(func(yield func(EventType) bool) {
		for k := range eventFactory {
			if !yield(k) {
				return
			}
		}
	})
	slices.Sort(ts)
	return ts
}

// sampleRecords is one filled record of every event type.
func sampleRecords(t testing.TB) []Record {
	t.Helper()
	var out []Record
	for i, typ := range allTypes() {
		out = append(out, Record{Kind: kindOf(typ), ID: fmt.Sprintf("id-%d", typ), Event: filled(t, typ, i*7)})
	}
	return out
}

func TestEventFactory(t *testing.T) {
	if len(eventFactory) < 29 {
		t.Errorf("only %d event types in the factory", len(eventFactory))
	}
	for _, typ := range allTypes() {
		t.Run(fmt.Sprint(typ), func(t *testing.T) {
			e, ok := newEvent(typ)
			if !ok || e.EventType() != typ {
				t.Fatalf("newEvent(%d) = %T, %v", typ, e, ok)
			}
			if k := kindOf(typ); k == 0 || k.String() == fmt.Sprintf("kind(%d)", k) {
				t.Errorf("type %d has no entity kind", typ)
			}
			// every event applies to the entity its kind names
			var applies bool
			switch kindOf(typ) {
			case KindNumber:
				_, applies = e.(NumberEvent)
			case KindWallet:
				_, applies = e.(WalletEvent)
			case KindPayments:
				_, applies = e.(PaymentsEvent)
			case KindUsers:
				_, applies = e.(UsersEvent)
			case KindAudit:
				_, applies = e.(*AuditRecorded)
			case KindCatalog:
				_, applies = e.(CatalogEvent)
			case KindWatcher:
				_, applies = e.(WatcherEvent)
			case KindProxy:
				_, applies = e.(ProxyEvent)
			case KindPool:
				_, applies = e.(PoolEvent)
			case KindIntake:
				_, applies = e.(*UpdateHandled)
				if !applies {
					_, applies = e.(*UpdatesHandled)
				}
			}
			if !applies {
				t.Errorf("%T has kind %v but does not apply to it", e, kindOf(typ))
			}
		})
	}
	if _, ok := newEvent(0); ok {
		t.Error("newEvent(0) gave an event")
	}
}

func TestEncodeRecord_RoundTrip(t *testing.T) {
	for _, r := range sampleRecords(t) {
		t.Run(fmt.Sprintf("%T", r.Event), func(t *testing.T) {
			b, err := EncodeRecord(r)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeRecord(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, r) {
				t.Errorf("round trip:\n got  %#v\n want %#v", got.Event, r.Event)
			}
			again, err := EncodeRecord(got)
			if err != nil || !bytes.Equal(again, b) {
				t.Errorf("re-encoding differs: %v\n%x\n%x", err, again, b)
			}
		})
	}
}

// Zero values must survive too: omitempty fields, zero times, empty strings.
func TestEncodeRecord_RoundTripZero(t *testing.T) {
	for _, typ := range allTypes() {
		e, _ := newEvent(typ)
		t.Run(fmt.Sprintf("%T", e), func(t *testing.T) {
			r := Record{Kind: kindOf(typ), Event: e}
			got := roundTrip(t, r)
			if !reflect.DeepEqual(got, r) {
				t.Errorf("round trip:\n got  %#v\n want %#v", got.Event, r.Event)
			}
		})
	}
}

// Apply must give exactly the state it gave the first time (doc.go), so a
// decoded time must be the same value as the one encoded, zone included.
func TestDecodeRecord_TimesStayUTC(t *testing.T) {
	at := time.Date(2026, time.January, 2, 3, 4, 5, 6, time.UTC)
	got := roundTrip(t, Record{Kind: KindNumber, ID: testNum, Event: &RentalExpired{At: at}})
	if g := got.Event.(*RentalExpired).At; !reflect.DeepEqual(g, at) {
		t.Errorf("decoded %v in %q, want %v in UTC: replayed state differs from the live one", g, g.Location(), at)
	}
}

func TestEncodeRecord_Deterministic(t *testing.T) {
	for _, r := range sampleRecords(t) {
		a, err1 := EncodeRecord(r)
		b, err2 := EncodeRecord(r)
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			t.Errorf("%T: two encodings differ (%v, %v)", r.Event, err1, err2)
		}
	}
}

// stranger is an Event the journal does not know.
type stranger struct{ X int }

func (*stranger) EventType() EventType { return 999 }

func TestEncodeRecord_Refuses(t *testing.T) {
	tests := []struct {
		name string
		r    Record
	}{
		{"no event", Record{Kind: KindNumber, ID: testNum}},
		// A record DecodeRecord would refuse must not reach the journal,
		// where it would stop recovery.
		{"kind of another entity", Record{Kind: KindWallet, ID: "101", Event: &NumberAdded{ID: testNum, At: t0}}},
		{"unknown kind", Record{Kind: 0, ID: "x", Event: &UserSeen{ID: alice, At: t0}}},
		{"unknown event type", Record{Kind: KindNumber, ID: testNum, Event: &stranger{X: 1}}},
		{"id too long", Record{Kind: KindNumber, ID: strings.Repeat("9", maxIDLen+1), Event: &NumberUnblocked{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := EncodeRecord(tc.r)
			if !errors.Is(err, ErrBadRecord) {
				_, derr := DecodeRecord(b)
				t.Errorf("EncodeRecord = %d bytes, %v; want ErrBadRecord (DecodeRecord of them: %v)", len(b), err, derr)
			}
		})
	}
}

// raw encodes a record header and body by hand, to build what EncodeRecord
// would never write.
func raw(t testing.TB, fields ...any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	if err := enc.EncodeArrayLen(len(fields)); err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		if err := enc.Encode(f); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func TestDecodeRecord_Refuses(t *testing.T) {
	good, err := EncodeRecord(Record{Kind: KindNumber, ID: testNum, Event: &NumberAdded{ID: testNum, At: t0}})
	if err != nil {
		t.Fatal(err)
	}
	body := &NumberAdded{ID: testNum, At: t0}
	tests := []struct {
		name string
		in   []byte
	}{
		{"nil", nil},
		{"empty array", raw(t)},
		{"four fields", raw(t, 1, 1, testNum, 100)},
		{"six fields", raw(t, 1, 1, testNum, 100, body, 0)},
		{"not an array", []byte{0xc0}},
		{"version 0", raw(t, 0, 1, testNum, 100, body)},
		{"version after this build's", raw(t, RecordVersion+1, 1, testNum, 100, body)},
		{"negative version", raw(t, -1, 1, testNum, 100, body)},
		{"wrong kind", raw(t, 1, uint64(KindWallet), testNum, 100, body)},
		{"kind zero", raw(t, 1, 0, testNum, 100, body)},
		{"kind beyond a byte", raw(t, 1, 256+uint64(KindNumber), testNum, 100, body)},
		{"unknown type", raw(t, 1, 1, testNum, 199, body)},
		{"type zero", raw(t, 1, 1, testNum, 0, body)},
		{"type beyond 16 bits", raw(t, 1, 1, testNum, 65536+100, body)},
		{"id not a string", raw(t, 1, 1, 42, 100, body)},
		{"id too long", raw(t, 1, 1, strings.Repeat("9", maxIDLen+1), 100, body)},
		{"body not a map", raw(t, 1, 1, testNum, 100, "hello")},
		{"body field of the wrong type", raw(t, 1, 1, testNum, 100, map[string]any{"id": 5})},
		{"time of the wrong type", raw(t, 1, 1, testNum, 100, map[string]any{"at": "yesterday"})},
		// found by FuzzDecodeRecord: msgpack panics decoding nil into a time.Time
		{"time set to nil", raw(t, 1, 1, testNum, uint64(TypeRentalExpired), map[string]any{"at": nil})},
		{"nested time set to nil", raw(t, 1, uint64(KindAudit), "a", uint64(TypeAuditRecorded),
			map[string]any{"e": map[string]any{"at": nil}})},
	}
	for i := range len(good) {
		tests = append(tests, struct {
			name string
			in   []byte
		}{fmt.Sprintf("truncated to %d bytes", i), good[:i]})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r Record
			var err error
			noPanic(t, "DecodeRecord", func() { r, err = DecodeRecord(tc.in) })
			if !errors.Is(err, ErrBadRecord) {
				t.Fatalf("DecodeRecord = %+v, %v; want ErrBadRecord", r, err)
			}
			if r.Event != nil {
				t.Errorf("event %#v with an error", r.Event)
			}
		})
	}
}

func TestDecodeRecord_Accepts(t *testing.T) {
	body := &NumberAdded{ID: testNum, At: t0}
	for _, tc := range []struct {
		name string
		in   []byte
		wID  string
	}{
		{"hand-built", raw(t, 1, 1, testNum, 100, body), testNum},
		{"id at the limit", raw(t, 1, 1, strings.Repeat("9", maxIDLen), 100, body), strings.Repeat("9", maxIDLen)},
		{"unknown body fields are skipped", raw(t, 1, 1, "x", 100, map[string]any{"id": testNum, "new": 1}), "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := DecodeRecord(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if r.Kind != KindNumber || r.ID != tc.wID || r.Event.EventType() != TypeNumberAdded {
				t.Errorf("record %+v", r)
			}
		})
	}
}

func FuzzDecodeRecord(f *testing.F) {
	for _, r := range sampleRecords(f) {
		b, err := EncodeRecord(r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	zero, _ := EncodeRecord(Record{Kind: KindNumber, Event: &NumberUnblocked{}})
	f.Add(zero)
	f.Add([]byte{})
	f.Add([]byte{0x95, 0x01, 0x01, 0xa0, 0x64, 0xc0})
	f.Add([]byte{0x95, 0x01, 0x01, 0xdb, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Record
		var err error
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("DecodeRecord(%q) panicked: %v", b, p)
				}
			}()
			r, err = DecodeRecord(b)
		}()
		compareRecordDecoders(t, b, r, err)
		if err != nil {
			if !errors.Is(err, ErrBadRecord) || r.Event != nil {
				t.Fatalf("DecodeRecord: %+v, %v", r, err)
			}
			return
		}
		if r.Event == nil || kindOf(r.Event.EventType()) != r.Kind || len(r.ID) > maxIDLen {
			t.Fatalf("accepted an inconsistent record %+v", r)
		}
		again, err := EncodeRecord(r)
		if err != nil {
			t.Fatalf("re-encoding %#v: %v", r.Event, err)
		}
		r2, err := DecodeRecord(again)
		if err != nil {
			t.Fatalf("decoding the re-encoding: %v", err)
		}
		if !reflect.DeepEqual(r2, r) {
			t.Fatalf("decode(encode(decode(b))) differs:\n%#v\n%#v", r2.Event, r.Event)
		}
	})
}

// compareRecordDecoders fails unless DecodeRecord's r and err for b are
// what the legacy DecodeRecord (codec_legacy_record_test.go) gives.
func compareRecordDecoders(t *testing.T, b []byte, r Record, err error) {
	t.Helper()
	lr, lerr := legacyDecodeRecord(b)
	if (err == nil) != (lerr == nil) {
		t.Fatalf("DecodeRecord(%x) = %v, the legacy one %v", b, err, lerr)
	}
	if err == nil && !reflect.DeepEqual(r, lr) {
		t.Fatalf("DecodeRecord(%x):\n got %#v\nlegacy %#v", b, r.Event, lr.Event)
	}
}

func TestDecodeRecord_AgreesWithTheLegacyDecoder(t *testing.T) {
	body := &NumberAdded{ID: testNum, At: t0}
	inputs := [][]byte{
		raw(t, 1, 1, nil, 100, body), raw(t, 1, 1, []byte("bin id"), 100, body), raw(t, nil, 1, testNum, 100, body),
		raw(t, int8(-1), 1, testNum, 100, body), raw(t, uint64(2), uint16(1), testNum, int32(100), body),
		{0xdc, 0, 5, 1, 1, 0xa1, 'x', 0x64, 0x80},      // an array16 of five
		{0x95, 1, 2, 0xa1, '1', 0xcc, 200, 0x80, 0xc3}, // a credit, and a byte after the record
		{0x95, 1, 2, 0xa1, '1', 0xcc, 200, 0xc0},
	}
	for _, r := range sampleRecords(t) {
		b, err := EncodeRecord(r)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, b, append(bytes.Clone(b), 0xc1, 0x00))
		for i := range len(b) {
			inputs = append(inputs, b[:i])
		}
	}
	for _, b := range inputs {
		var r Record
		var err error
		noPanic(t, "DecodeRecord", func() { r, err = DecodeRecord(b) })
		compareRecordDecoders(t, b, r, err)
	}
}

// Bytes after a record were never looked at: the journal frames each
// record, and a record written by a later build may carry more.
func TestDecodeRecord_IgnoresWhatFollows(t *testing.T) {
	for _, ev := range []Event{&WalletCredited{Op: "o", At: t0}, &RentalExpired{At: t0}} {
		b, err := EncodeRecord(Record{Kind: kindOf(ev.EventType()), ID: "1", Event: ev})
		if err != nil {
			t.Fatal(err)
		}
		r, err := DecodeRecord(append(b, 0xc1, 0xff))
		if err != nil || !reflect.DeepEqual(r.Event, ev) {
			t.Errorf("%T with bytes after it: %+v, %v", ev, r.Event, err)
		}
	}
}
