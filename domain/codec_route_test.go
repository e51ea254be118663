package domain

import (
	"bytes"
	"testing"
)

func TestRecordEntity_ReadsWhatDecodeRecordReads(t *testing.T) {
	long := string(bytes.Repeat([]byte("x"), 200)) // a str8 id
	for _, r := range append(sampleRecords(t), Record{Kind: KindWallet, ID: long, Event: &WalletCredited{}}) {
		b, err := EncodeRecord(r)
		if err != nil {
			t.Fatal(err)
		}
		kind, id, ok := RecordEntity(b)
		if !ok || kind != r.Kind || string(id) != r.ID {
			t.Errorf("RecordEntity(%s %q) = %s %q %v", r.Kind, r.ID, kind, id, ok)
		}
	}
}

func TestRecordEntity_RefusesWhatItCannotRead(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":        {},
		"not an array": {0x94, 0x01, 0x01, 0xa0},
		"version 0":    {0x95, 0x00, 0x01, 0xa1, 'x'},
		"version 9":    {0x95, 0x09, 0x01, 0xa1, 'x'},
		"short id":     {0x95, 0x01, 0x01, 0xa3, 'x'},
		"bin id":       {0x95, 0x01, 0x01, 0xc4, 0x01, 'x'},
		"str32 id":     {0x95, 0x01, 0x01, 0xdb, 0xff, 0xff, 0xff, 0xff},
		"short kind":   {0x95, 0x01, 0xcd, 0x01},
	} {
		t.Run(name, func(t *testing.T) {
			if _, _, ok := RecordEntity(b); ok {
				t.Errorf("RecordEntity(%x) read a header", b)
			}
		})
	}
}

// FuzzRecordEntity holds RecordEntity to DecodeRecord: whatever both read,
// they read as the same entity, or a replay would apply one entity's
// records on two goroutines.
func FuzzRecordEntity(f *testing.F) {
	for _, r := range sampleRecords(f) {
		b, err := EncodeRecord(r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x95, 0xcc, 0x01, 0xd0, 0x01, 0xa1, 'x', 0x01, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		kind, id, ok := RecordEntity(b)
		r, err := DecodeRecord(b)
		if ok && err == nil && (r.Kind != kind || r.ID != string(id)) {
			t.Fatalf("RecordEntity read %s %q, DecodeRecord %s %q", kind, id, r.Kind, r.ID)
		}
	})
}

func TestRecordType_ReadsTheEventsType(t *testing.T) {
	for _, r := range sampleRecords(t) {
		b, err := EncodeRecord(r)
		if err != nil {
			t.Fatal(err)
		}
		if typ, ok := RecordType(b); !ok || typ != r.Event.EventType() {
			t.Errorf("RecordType(%T) = %d %v, want %d", r.Event, typ, ok, r.Event.EventType())
		}
		if _, ok := RecordType(b[:3]); ok {
			t.Errorf("RecordType read a type from 3 bytes of %T", r.Event)
		}
	}
}
