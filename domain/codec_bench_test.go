package domain

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// benchBlock is the shape of actors' BenchmarkSnapshot: rented numbers
// with one operation and one holding, wallets with two entries.
const benchBlock = 1000

func benchNumbers() []*Number {
	now := time.Date(2026, time.January, 2, 3, 4, 5, 0, time.UTC)
	out := make([]*Number, benchBlock)
	for i := range out {
		id := fmt.Sprintf("+888%08d", i+1)
		u := UserID(1_000_000 + i)
		out[i] = &Number{ID: id, Added: now, Ops: []OpID{OpID(fmt.Sprintf("op-%d", i))},
			Rental:  &Rental{Renter: u, Since: now, Until: now.Add(720 * time.Hour), Paid: TON(3)},
			History: []Holding{{User: u, From: now, How: "rented", Until: now.Add(720 * time.Hour)}}}
	}
	return out
}

func benchWallets() []*Wallet {
	now := time.Date(2026, time.January, 2, 3, 4, 5, 0, time.UTC)
	out := make([]*Wallet, benchBlock)
	for i := range out {
		u := UserID(1_000_000 + i)
		out[i] = &Wallet{User: u, Balance: TON(7), Entries: []Entry{
			{Op: "tx:test:1:h", Kind: KindRecharge, Amount: TON(10), Status: EntryCompleted, Ref: "test:1:h", Created: now},
			{Op: OpID(fmt.Sprintf("op-%d", i)), Kind: KindPurchase, Amount: TON(3), Status: EntryCompleted, Debit: true,
				Ref: fmt.Sprintf("+888%08d", i+1), Days: 30, Created: now, Updated: now},
		}}
	}
	return out
}

// fastState is what Number and Wallet give beside msgpack's interfaces.
type fastState interface {
	AppendMsgpack(b []byte) ([]byte, error)
	ReadMsgpack(b []byte) ([]byte, error)
	msgpack.CustomDecoder
}

// legacyCodec is the codec as it was (codec_legacy_test.go), to measure
// the old and the new side by side, under the same load.
type legacyCodec[P any] struct {
	encode func(e *msgpack.Encoder, s P) error // through Encoder.Encode, as actors called it
	decode func(d *msgpack.Decoder, s P) error
}

// benchCodec measures one entity's encoding and decoding: as it was
// ("old"), on byte slices ("append", "read"), and through msgpack's
// Encoder and Decoder with the adapters ("encoder", "decoder").
func benchCodec[T any, P interface {
	*T
	fastState
}](b *testing.B, states []P, old legacyCodec[P]) {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	for _, s := range states {
		if err := old.encode(enc, s); err != nil {
			b.Fatal(err)
		}
	}
	block := bytes.Clone(buf.Bytes())
	run := func(name string, fn func() error) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if err := fn(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchBlock, "ns/entity")
		})
	}
	encodeWith := func(fn func(s P) error) func() error {
		return func() error {
			buf.Reset()
			for _, s := range states {
				if err := fn(s); err != nil {
					return err
				}
			}
			return nil
		}
	}
	run("encode/old", encodeWith(func(s P) error { return old.encode(enc, s) }))
	run("encode/encoder", encodeWith(func(s P) error { return enc.Encode(s) }))
	var out []byte
	run("encode/append", func() error {
		out = out[:0]
		for _, s := range states {
			var err error
			if out, err = s.AppendMsgpack(out); err != nil {
				return err
			}
		}
		return nil
	})
	decodeWith := func(fn func(d *msgpack.Decoder, s P) error) func() error {
		return func() error {
			d := msgpack.NewDecoder(bytes.NewReader(block))
			for range states {
				if err := fn(d, P(new(T))); err != nil {
					return err
				}
			}
			return nil
		}
	}
	run("decode/old", decodeWith(old.decode))
	run("decode/decoder", decodeWith(func(d *msgpack.Decoder, s P) error { return s.DecodeMsgpack(d) }))
	run("decode/read", func() error {
		rest := block
		for range states {
			var err error
			if rest, err = P(new(T)).ReadMsgpack(rest); err != nil {
				return err
			}
		}
		return nil
	})
}

func BenchmarkNumber(b *testing.B) {
	benchCodec(b, benchNumbers(), legacyCodec[*Number]{
		encode: func(e *msgpack.Encoder, n *Number) error { return e.Encode((*legacyNumber)(n)) },
		decode: legacyDecodeNumber,
	})
}

func BenchmarkWallet(b *testing.B) {
	benchCodec(b, benchWallets(), legacyCodec[*Wallet]{
		encode: func(e *msgpack.Encoder, w *Wallet) error { return e.Encode((*legacyWallet)(w)) },
		decode: legacyDecodeWallet,
	})
}

// BenchmarkRecord measures a journal record's encoding and decoding: a
// deposit's credit (hand-written codec) and a reflective event.
func BenchmarkRecord(b *testing.B) {
	at := time.Date(2026, time.January, 2, 3, 4, 5, 6, time.UTC)
	for _, r := range []Record{
		{Kind: KindWallet, ID: "1000001", Event: &WalletCredited{Op: "tx:EQabc:123:h", Kind: KindRecharge, Amount: TON(10), Ref: "EQabc:123:h", At: at}},
		{Kind: KindNumber, ID: testNum, Event: &RentalExpired{At: at}},
		{Kind: KindNumber, ID: testNum, Event: &NumberRenewed{Op: "r:1000001:42", Days: 30, Price: TON(3), Until: at.Add(720 * time.Hour), At: at}},
	} {
		b.Run(fmt.Sprintf("%T", r.Event)[8:], func(b *testing.B) {
			enc, err := EncodeRecord(r)
			if err != nil {
				b.Fatal(err)
			}
			b.Run("encode", func(b *testing.B) {
				for b.Loop() {
					if _, err := EncodeRecord(r); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("decode", func(b *testing.B) {
				for b.Loop() {
					if _, err := DecodeRecord(enc); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
