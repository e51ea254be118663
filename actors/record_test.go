package actors

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"allot/domain"
)

// TestEncodeRecord_MatchesDomain checks the hand-written encoders byte for
// byte against domain.EncodeRecord, with every field of each event filled
// by reflection (so that a field added to an event and forgotten here
// fails), each left zero at times (so that omitempty is exercised).
func TestEncodeRecord_MatchesDomain(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		kind domain.Kind
		ev   func() domain.Event
	}{
		{domain.KindNumber, func() domain.Event { return &domain.NumberRented{} }},
		{domain.KindNumber, func() domain.Event { return &domain.NumberRenewed{} }},
		{domain.KindWallet, func() domain.Event { return &domain.WalletDebited{} }},
		{domain.KindWallet, func() domain.Event { return &domain.EntrySettled{} }},
	}
	for _, c := range cases {
		for i := 0; i < 2000; i++ {
			ev := c.ev()
			fill(t, rng, reflect.ValueOf(ev).Elem())
			id := "+88800001234"
			if i%7 == 0 {
				id = "w" + string(rune('a'+i%26))
			}
			want, err := domain.EncodeRecord(domain.Record{Kind: c.kind, ID: id, Event: ev})
			if err != nil {
				t.Fatal(err)
			}
			got, err := encodeRecord(c.kind, id, ev)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%T %+v:\n got %x\nwant %x", ev, ev, got, want)
			}
		}
	}
}

// TestEncodeRecord_FallsBack checks that what the fast path does not take
// gets domain's answer, errors included.
func TestEncodeRecord_FallsBack(t *testing.T) {
	ev := &domain.NumberRented{Op: "o", User: 1, Days: 30}
	if _, err := encodeRecord(domain.KindWallet, "w1", ev); err == nil {
		t.Fatal("a number's event on a wallet was encoded")
	}
	long := string(bytes.Repeat([]byte{'x'}, 300))
	if _, err := encodeRecord(domain.KindNumber, long, ev); err == nil {
		t.Fatal("an id of 300 bytes was encoded")
	}
	added := &domain.NumberAdded{ID: "+1", At: time.Unix(5, 0).UTC()}
	want, err := domain.EncodeRecord(domain.Record{Kind: domain.KindNumber, ID: "+1", Event: added})
	if err != nil {
		t.Fatal(err)
	}
	got, err := encodeRecord(domain.KindNumber, "+1", added)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %x, %v; want %x", got, err, want)
	}
}

// fill sets every settable field of v to a random value, zero one time in
// four.
func fill(t *testing.T, rng *rand.Rand, v reflect.Value) {
	t.Helper()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if !f.CanSet() {
			continue
		}
		if rng.IntN(4) == 0 {
			f.SetZero()
			continue
		}
		switch {
		case f.Type() == reflect.TypeFor[time.Time]():
			f.Set(reflect.ValueOf(time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)*int64(rng.IntN(2))).UTC()))
		case f.Kind() == reflect.String:
			f.SetString(string(rune('a'+rng.IntN(26))) + "x" + string(make([]byte, rng.IntN(40))))
		case f.Kind() >= reflect.Int && f.Kind() <= reflect.Int64:
			f.SetInt(randInt(rng, f.Type().Bits()))
		case f.Kind() >= reflect.Uint && f.Kind() <= reflect.Uint64:
			f.SetUint(rng.Uint64() >> (64 - rng.IntN(f.Type().Bits()) - 1))
		default:
			t.Fatalf("fill: field %s of %s: kind %s not handled", v.Type().Field(i).Name, v.Type(), f.Kind())
		}
	}
}

// randInt spreads values over every msgpack integer width, negatives too.
func randInt(rng *rand.Rand, bits int) int64 {
	w := rng.IntN(bits) + 1
	n := rng.Int64() >> (64 - w)
	if bits == 64 && rng.IntN(2) == 0 {
		n = -n
	}
	return n
}
