package domain

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// The saga and transfer events' own codecs against msgpack's reflection, which wrote
// their records before: the same bytes, and the same events read back,
// from the compact encoding and from the full-width one alike. Every field
// is filled by reflection, zero one time in four, so that a field added
// to an event and forgotten in its codec fails here.
func TestSagaEvents_CodecsAreReflections(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, kind := range []struct {
		k  Kind
		ev func() Event
	}{
		{KindNumber, func() Event { return &NumberRented{} }},
		{KindNumber, func() Event { return &NumberRenewed{} }},
		{KindWallet, func() Event { return &WalletDebited{} }},
		{KindWallet, func() Event { return &EntrySettled{} }},
		{KindNumber, func() Event { return &TransferOffered{} }},
		{KindNumber, func() Event { return &TransferAccepted{} }},
	} {
		for i := 0; i < 2000; i++ {
			ev := kind.ev()
			fillEvent(t, rng, reflect.ValueOf(ev).Elem())
			r := Record{Kind: kind.k, ID: "+88800001234", Event: ev}
			got, err := EncodeRecord(r)
			if err != nil {
				t.Fatal(err)
			}
			want, err := legacyEncodeRecord(r)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%T %+v: differs from reflection at byte %d\n got %x\nwant %x", ev, ev, firstDiff(got, want), got, want)
			}
			back, err := DecodeRecord(got)
			if err != nil || !reflect.DeepEqual(back.Event, ev) {
				t.Fatalf("%T: read back %+v, %v; want %+v", ev, back.Event, err, ev)
			}
			wide, err := msgpack.Marshal(ev) // integers at full width, as a plain Encoder writes them
			if err != nil {
				t.Fatal(err)
			}
			fresh := kind.ev().(msgpackReader)
			if rest, err := fresh.ReadMsgpack(wide); err != nil || len(rest) != 0 || !reflect.DeepEqual(fresh, ev) {
				t.Fatalf("%T from the full-width encoding: %+v, %v", ev, fresh, err)
			}
			for cut := 0; cut < len(got); cut += 1 + cut/8 { // a cut record: refused as reflection refuses it
				_, errNew := DecodeRecord(got[:cut])
				_, errOld := legacyDecodeRecord(got[:cut])
				if (errNew == nil) != (errOld == nil) {
					t.Fatalf("%T cut at %d of %d: error %v, reflection's %v", ev, cut, len(got), errNew, errOld)
				}
			}
		}
	}
}

// fillEvent sets every field of v to a random value, zero one time in
// four, spreading integers over every msgpack width and times over every
// encoding of them; a currency is one this build knows.
func fillEvent(t *testing.T, rng *rand.Rand, v reflect.Value) {
	t.Helper()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if rng.IntN(4) == 0 {
			f.SetZero()
			continue
		}
		switch {
		case f.Type() == reflect.TypeFor[Currency]():
			f.Set(reflect.ValueOf(Currency(rng.IntN(2))))
		case f.Type() == reflect.TypeFor[time.Time]():
			f.Set(reflect.ValueOf(time.Unix(rng.Int64N(1<<35)-1<<33, rng.Int64N(1e9)*int64(rng.IntN(2))).UTC()))
		case f.Kind() == reflect.String:
			f.SetString(string(rune('a'+rng.IntN(26))) + string(bytes.Repeat([]byte{'x'}, rng.IntN(300))))
		case f.Kind() >= reflect.Int && f.Kind() <= reflect.Int64:
			w := rng.IntN(f.Type().Bits()) + 1
			n := rng.Int64() >> (64 - w)
			if rng.IntN(2) == 0 {
				n = -n
			}
			f.SetInt(n)
		case f.Kind() >= reflect.Uint && f.Kind() <= reflect.Uint64:
			f.SetUint(rng.Uint64() >> (64 - rng.IntN(f.Type().Bits()) - 1))
		case f.Type() == reflect.TypeFor[[]OpID]():
			ops := make([]OpID, 1+rng.IntN(3))
			for j := range ops {
				ops[j] = OpID("op-" + strconv.Itoa(rng.IntN(1000)))
			}
			f.Set(reflect.ValueOf(ops))
		default:
			t.Fatalf("fillEvent: field %s of %s: kind %s not handled", v.Type().Field(i).Name, v.Type(), f.Kind())
		}
	}
}
