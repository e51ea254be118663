package domain

import (
	"maps"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// plainPayments has Payments' fields and tags, its Applied set as the
// map it was, but none of its methods: msgpack encodes it by reflection,
// the format written before the hand-written codec.
type plainPayments struct {
	Invoices map[string]*Invoice `msgpack:"i"`
	Applied  map[string]Outcome  `msgpack:"a"`
	Orphans  []Orphan            `msgpack:"o,omitempty"`
	Seq      uint64              `msgpack:"sq"`
}

func plainOf(p Payments) plainPayments {
	return plainPayments{Invoices: p.Invoices, Applied: maps.Collect(p.Applied.All()), Orphans: p.Orphans, Seq: p.Seq}
}

func (p plainPayments) payments() Payments {
	return Payments{Invoices: p.Invoices, Applied: appliedFrom(p.Applied), Orphans: p.Orphans, Seq: p.Seq}
}

func arbitraryPayments(n int) Payments {
	at := time.Unix(1_700_000_000, 5e6).UTC()
	p, applied := Payments{Invoices: map[string]*Invoice{}, Seq: uint64(n) * 7}, map[string]Outcome{}
	for i := range n {
		tx := TxID{Account: "EQ" + strconv.Itoa(i%3), LT: uint64(i), Hash: "h"}.Key()
		applied[tx] = Outcome(i % 4)
		if i%5 == 0 {
			code := "C" + strconv.Itoa(i)
			p.Invoices[code] = &Invoice{Op: OpID("op" + code), Code: code, User: UserID(i), Amount: TON(2),
				Created: at, Expires: at.Add(time.Hour), Status: InvoiceStatus(i % 3), Tx: tx}
		}
		if i%7 == 0 {
			p.Orphans = append(p.Orphans, Orphan{Tx: tx, Amount: TON(1), From: "EQx", At: at, Assigned: UserID(i % 2)})
		}
	}
	p.Applied = appliedFrom(applied)
	return p
}

func TestPayments_CodecKeepsTheReflectiveFormat(t *testing.T) {
	for _, n := range []int{0, 1, 30, 1000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			want := arbitraryPayments(n)
			b, err := msgpack.Marshal(&want)
			if err != nil {
				t.Fatal(err)
			}
			var plain plainPayments
			if err := unmarshalReflect(b, &plain); err != nil {
				t.Fatalf("reflection cannot read the hand-written register: %v", err)
			}
			if got := plain.payments(); !reflect.DeepEqual(got, want) {
				t.Fatalf("hand-written → reflection\n got %+v\nwant %+v", got, want)
			}
			pb, err := msgpack.Marshal(plainOf(want))
			if err != nil {
				t.Fatal(err)
			}
			back := NewPayments()
			if err := msgpack.Unmarshal(pb, back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*back, want) {
				t.Fatalf("reflection → hand-written\n got %+v\nwant %+v", *back, want)
			}
			if len(b) > len(pb) {
				t.Errorf("hand-written %d bytes, reflection %d", len(b), len(pb))
			}
		})
	}
}

func TestPayments_DecodeSkipsUnknownKeysAndReadsNils(t *testing.T) {
	b, err := msgpack.Marshal(map[string]any{"a": nil, "i": nil, "zz": []int{1, 2}, "sq": 9})
	if err != nil {
		t.Fatal(err)
	}
	p := NewPayments()
	if err := msgpack.Unmarshal(b, p); err != nil {
		t.Fatal(err)
	}
	if p.Seq != 9 || p.Applied.Len() != 0 {
		t.Errorf("got %+v, want seq 9 and an empty applied set", p)
	}
}
