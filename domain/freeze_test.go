package domain

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// TestFreeze_encodesAsTheStateAndStaysPut: a frozen copy encodes to the
// same bytes as the state it was taken from, and changes to the state
// afterwards (a new invoice, one closed, a payment applied, an audit
// entry) leave it as it was.
func TestFreeze_encodesAsTheStateAndStaysPut(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	p := NewPayments()
	first, second := NewCode(1), NewCode(2)
	open := func(code string) {
		ev, err := p.Open(Invoice{Op: OpID("op-" + code), Code: code, User: 7, Amount: TON(5), Purpose: PurposeTopUp}, time.Hour, now)
		if err != nil {
			t.Fatal(err)
		}
		p.Apply(ev, p.Seq+1)
	}
	receive := func(lt uint64) {
		ev, err := p.Receive(Payment{Tx: TxID{Account: "a", LT: lt, Hash: "h"}, Amount: TON(1), User: 7, At: now}, now)
		if err != nil {
			t.Fatal(err)
		}
		p.Apply(ev, p.Seq+1)
	}
	open(first)
	receive(1)
	l := &AuditLog{}
	l.Apply(&AuditRecorded{Entry: AuditEntry{At: now, Actor: 1, Action: "number.block", Target: "+888"}}, 1)
	d := NewUsers()
	d.Apply(&UserSeen{ID: 7, Username: "alice", Name: "Alice", Lang: "en", At: now}, 1)

	for _, st := range []Freezer{p, l, d} {
		want, err := AppendState(nil, st)
		if err != nil {
			t.Fatal(err)
		}
		frozen := st.Freeze()
		switch s := st.(type) {
		case *Payments:
			open(second)
			ev, err := s.Close(first, InvoiceCancelled, now)
			if err != nil {
				t.Fatal(err)
			}
			s.Apply(ev, s.Seq+1) // changes the invoice in place
			receive(2)
		case *Users:
			s.Apply(&UserSeen{ID: 7, Username: "alice_b", Name: "Alice B", Lang: "en", At: now.Add(time.Hour)}, 2) // in place
			s.Apply(&UserSeen{ID: 8, Username: "bob", Name: "Bob", At: now}, 3)
		case *AuditLog:
			s.Apply(&AuditRecorded{Entry: AuditEntry{At: now, Actor: 2, Action: "wallet.adjust", Target: "9"}}, 2)
		}
		got, err := AppendState(nil, frozen)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%T: the frozen copy changed with its state", st)
		}
		if now, _ := AppendState(nil, st); bytes.Equal(now, want) {
			t.Errorf("%T: the state did not change: the test proves nothing", st)
		}
	}
}

// BenchmarkPaymentsShard compares what a busy payments shard's actor spends
// in the snapshot's turn: encoding its state there, as before, or freezing
// a copy for the snapshot to encode after it. 65,000 applied transactions
// is a shard of the sixteen after a million payments.
//
//	go test -run '^$' -bench PaymentsShard ./domain/
func BenchmarkPaymentsShard(b *testing.B) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	p := NewPayments()
	for lt := uint64(1); lt <= 65000; lt++ {
		ev, err := p.Receive(Payment{Tx: TxID{Account: "0:91679271673e9b2b2da4e6d011547f984a7cbcd07a0646fd3dd17313b6eae172", LT: lt, Hash: "5d27e17c11a77c6e575c2319e5eeeac9d18c0e8371310b0709067e9d6b32efa8"}, Amount: TON(1), User: 7, At: now}, now)
		if err != nil {
			b.Fatal(err)
		}
		p.Apply(ev, p.Seq+1)
	}
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			if _, err := AppendState(nil, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("freeze", func(b *testing.B) {
		for b.Loop() {
			_ = p.Freeze()
		}
	})
}

// BenchmarkUsersShard is BenchmarkPaymentsShard for a users shard of
// 62,500 people, one of the sixteen after a million.
//
//	go test -run '^$' -bench UsersShard ./domain/
func BenchmarkUsersShard(b *testing.B) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	d := NewUsers()
	for i := range 62500 {
		d.Apply(&UserSeen{ID: UserID(1_000_000 + i*16), Username: fmt.Sprintf("person_%d", i), Name: "Some Person", Lang: "en", At: now}, uint64(i+1))
	}
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			if _, err := AppendState(nil, d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("freeze", func(b *testing.B) {
		for b.Loop() {
			_ = d.Freeze()
		}
	})
	enc, err := AppendState(nil, d)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			var back Users
			if _, err := back.ReadMsgpack(enc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode-reflective", func(b *testing.B) {
		for b.Loop() {
			var back plainUsers
			if err := msgpack.Unmarshal(enc, &back); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode-reflective", func(b *testing.B) {
		for b.Loop() {
			if _, err := msgpack.Marshal((*plainUsers)(d)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// A frozen users directory holds its people in a slice rather than a map:
// what it encodes decodes as the directory it was frozen from, everyone
// in it and a nil entry too, and it refuses to be used as a state.
func TestFreeze_usersDecodeAsTheDirectory(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	d := NewUsers()
	for i := range 1000 {
		d.Apply(&UserSeen{ID: UserID(1000 + i), Username: fmt.Sprint("u", i), Name: "N", Lang: "en", At: now}, uint64(i+1))
	}
	d.ByID[7] = nil // a nil entry, as a damaged snapshot may hold: copied, not dereferenced
	frozen := d.Freeze()
	b, err := AppendState(nil, frozen)
	if err != nil {
		t.Fatal(err)
	}
	back := NewUsers()
	if _, err := ReadState(back, b); err != nil {
		t.Fatal(err)
	}
	if back.Seq != d.Seq || len(back.ByID) != len(d.ByID) {
		t.Fatalf("decoded seq %d with %d people, want %d with %d", back.Seq, len(back.ByID), d.Seq, len(d.ByID))
	}
	if u, ok := back.ByID[7]; !ok || u != nil {
		t.Fatalf("the nil entry decoded as %v, %v; want present and nil", u, ok)
	}
	for id, u := range d.ByID {
		if u == nil {
			continue
		}
		if got := back.ByID[id]; got == nil || !reflect.DeepEqual(*got, *u) {
			t.Fatalf("person %d decoded as %+v, want %+v", id, got, *u)
		}
	}
	if frozen.LastSeq() != d.Seq {
		t.Errorf("frozen LastSeq %d, want %d", frozen.LastSeq(), d.Seq)
	}
	if err := frozen.ApplyEvent(&UserSeen{ID: 1, At: now}, d.Seq+1); err == nil {
		t.Error("a frozen directory took an event")
	}
}
