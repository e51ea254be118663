package domain

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// legacyBytes is what the legacy codec (codec_legacy_test.go) wrote for
// v through an Encoder, with compact integers or without.
func legacyBytes(t testing.TB, compact bool, encode func(e *msgpack.Encoder) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	e := msgpack.NewEncoder(&buf)
	e.UseCompactInts(compact)
	if err := encode(e); err != nil {
		t.Fatalf("legacy encoder: %v", err)
	}
	return buf.Bytes()
}

// sameBytes checks that v's AppendMsgpack writes what the legacy codec
// wrote with compact integers (as snapshot blocks and the journal encode),
// and that its EncodeMsgpack, through msgpack.Marshal (no compact
// integers: a number's own prices, written by reflection, then differ),
// writes what the legacy codec wrote there. It returns the appended bytes.
func sameBytes(t testing.TB, what string, v msgpackAppender, legacy func(e *msgpack.Encoder) error) []byte {
	t.Helper()
	prefix := []byte("prefix")
	got, err := v.AppendMsgpack(bytes.Clone(prefix))
	if err != nil {
		t.Fatalf("%s: AppendMsgpack: %v", what, err)
	}
	if !bytes.HasPrefix(got, prefix) {
		t.Fatalf("%s: AppendMsgpack lost what b held", what)
	}
	got = got[len(prefix):]
	if want := legacyBytes(t, true, legacy); !bytes.Equal(got, want) {
		t.Fatalf("%s: AppendMsgpack differs from the legacy encoder at byte %d\n got %x\nwant %x", what, firstDiff(got, want), got, want)
	}
	marshalled, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatalf("%s: msgpack.Marshal: %v", what, err)
	}
	if want := legacyBytes(t, false, legacy); !bytes.Equal(marshalled, want) {
		t.Fatalf("%s: EncodeMsgpack differs from the legacy encoder at byte %d\n got %x\nwant %x", what, firstDiff(marshalled, want), marshalled, want)
	}
	return got
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// checkIdentity checks the byte identity of one of each, from the
// generator seeded with seed, and returns their encodings.
func checkIdentity(t testing.TB, seed uint64) (n Number, w Wallet, c WalletCredited, p PaymentReceived, bs [4][]byte) {
	t.Helper()
	g := newGen(seed, seed>>32)
	n, w, c, p = g.number(), g.wallet(), g.credited(), g.received()
	bs[0] = sameBytes(t, fmt.Sprintf("number %d", seed), &n, func(e *msgpack.Encoder) error { return legacyEncodeNumber(e, &n) })
	bs[1] = sameBytes(t, fmt.Sprintf("wallet %d", seed), &w, func(e *msgpack.Encoder) error { return legacyEncodeWallet(e, &w) })
	bs[2] = sameBytes(t, fmt.Sprintf("credited %d", seed), &c, func(e *msgpack.Encoder) error { return legacyEncodeCredited(e, &c) })
	bs[3] = sameBytes(t, fmt.Sprintf("received %d", seed), &p, func(e *msgpack.Encoder) error { return legacyEncodeReceived(e, &p) })
	return n, w, c, p, bs
}

func TestAppendMsgpack_BytesOfTheLegacyEncoder(t *testing.T) {
	for seed := range uint64(3000) {
		checkIdentity(t, seed)
	}
}

// FuzzAppendMsgpack holds the byte identity to the legacy encoder, and
// the round trip, for the states and events the fuzzer's seeds generate.
func FuzzAppendMsgpack(f *testing.F) {
	for _, s := range []uint64{0, 1, 2, 42, 1 << 40, 1<<63 + 7} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seed uint64) {
		n, w, c, p, bs := checkIdentity(t, seed)
		for i, pair := range []struct{ in, want any }{{new(Number), &n}, {new(Wallet), &w},
			{new(WalletCredited), &c}, {new(PaymentReceived), &p}} {
			rest, err := pair.in.(msgpackReader).ReadMsgpack(bs[i])
			if err != nil || len(rest) != 0 || !reflect.DeepEqual(pair.in, pair.want) {
				t.Fatalf("%T: ReadMsgpack(AppendMsgpack(x)) = %+v, %d bytes left, %v; want %+v", pair.want, pair.in, len(rest), err, pair.want)
			}
		}
	})
}

func TestEncodeRecord_BytesOfTheLegacyEncoder(t *testing.T) {
	records := sampleRecords(t)
	for seed := range uint64(500) {
		g := newGen(seed, 7)
		c, p := g.credited(), g.received()
		id := g.str()
		id = id[:min(maxIDLen, len(id))]
		records = append(records, Record{Kind: KindWallet, ID: id, Event: &c},
			Record{Kind: KindPayments, ID: "payments", Event: &p})
	}
	for _, r := range records {
		got, err := EncodeRecord(r)
		if err != nil {
			t.Fatalf("%T: %v", r.Event, err)
		}
		want, err := legacyEncodeRecord(r)
		if err != nil {
			t.Fatalf("%T: legacy: %v", r.Event, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%T: EncodeRecord differs from the legacy encoder at byte %d\n got %x\nwant %x", r.Event, firstDiff(got, want), got, want)
		}
	}
}

func TestPayments_AppendMsgpackBytesOfTheLegacyEncoder(t *testing.T) {
	// At most one key per map: msgpack writes a map in Go's random order.
	for _, n := range []int{0, 1} {
		p := arbitraryPayments(n)
		p.Orphans = append(p.Orphans, Orphan{Tx: "t", Amount: -1, Currency: CurrencyUSDT, At: genTimes[3].UTC()})
		for _, pp := range []*Payments{&p, {}} {
			sameBytes(t, fmt.Sprintf("payments of %d", n), pp, func(e *msgpack.Encoder) error { return legacyEncodePayments(e, pp) })
		}
	}
}
