package domain

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// plainNumber and plainWallet have the same fields and tags as Number and
// Wallet but none of their methods, so msgpack encodes them by reflection:
// the format the hand-written codecs must keep reading and writing.
type (
	plainNumber Number
	plainWallet struct {
		User    UserID  `msgpack:"u"`
		Balance Nano    `msgpack:"b"`
		USDT    int64   `msgpack:"bu,omitempty"`
		Entries []Entry `msgpack:"e,omitempty"`
		Seq     uint64  `msgpack:"sq"`
	}
)

func randomTime(r *rand.Rand) time.Time {
	if r.IntN(4) == 0 {
		return time.Time{}
	}
	return time.Unix(1_700_000_000+r.Int64N(1e8), r.Int64N(3)*int64(time.Millisecond)).UTC()
}

func arbitraryNumber(r *rand.Rand) Number {
	n := Number{ID: "+888" + string(rune('0'+r.IntN(10))), Added: randomTime(r), Seq: r.Uint64N(1e9)}
	if r.IntN(3) == 0 {
		n.Prices = PriceList{{Days: 30, Amount: TON(int64(1 + r.IntN(9)))}}
	}
	if r.IntN(4) == 0 {
		n.Blocked, n.Reason = true, "spam"
	}
	n.Removed = r.IntN(5) == 0
	if r.IntN(3) == 0 {
		n.Hold = &Hold{Op: "h", User: UserID(r.Int64N(1e9)), Days: 30, Price: TON(2), Until: randomTime(r)}
	}
	if r.IntN(2) == 0 {
		n.Rental = &Rental{Renter: 7, Since: randomTime(r), Until: randomTime(r), Paid: Nano(r.Int64N(1e12)),
			Expired: r.IntN(2) == 0, Reminded: r.IntN(4), Days: r.IntN(2) * r.IntN(400), Granted: time.Duration(r.Int64N(1e15) - 5e14)}
	}
	if r.IntN(3) == 0 {
		n.Offer = &Offer{Op: "o", From: 7, To: 8, Expires: randomTime(r)}
	}
	for i := r.IntN(4); i > 0; i-- {
		n.History = append(n.History, Holding{User: UserID(i), From: randomTime(r), To: randomTime(r), How: "rented", Until: randomTime(r)})
	}
	for i := r.IntN(9); i > 0; i-- {
		n.Ops = append(n.Ops, OpID(string(rune('a'+i))))
	}
	if r.IntN(2) == 0 {
		n.Sold = Nano(r.Int64N(1e13))
	}
	if r.IntN(3) == 0 {
		n.Handover = &Handover{Reason: HandoverExpired, From: 7, Since: randomTime(r), Alerted: r.IntN(2) == 0}
	}
	n.Codes = CodesState(r.IntN(3))
	if r.IntN(3) == 0 {
		n.Refunds = []OwedRefund{{Op: "c", User: 7, Amount: TON(2)}}
	}
	// the currency-bearing fields, in USDT a third of the time
	if r.IntN(3) == 0 {
		n.Prices = n.Prices.With(30, CurrencyUSDT, Nano(USDT(int64(1+r.IntN(9))).Units))
	}
	if n.Hold != nil && r.IntN(3) == 0 {
		n.Hold.Currency = CurrencyUSDT
	}
	if n.Rental != nil && r.IntN(3) == 0 {
		n.Rental.PaidUSDT = Nano(r.Int64N(1e9))
	}
	if r.IntN(3) == 0 {
		n.SoldUSDT = Nano(r.Int64N(1e10))
	}
	if r.IntN(3) == 0 {
		n.Refunds = append(n.Refunds, OwedRefund{Op: "u", User: 8, Amount: Nano(USDT(2).Units), Currency: CurrencyUSDT})
	}
	if r.IntN(3) == 0 {
		n.Account = &AccountCheck{From: 7, Since: randomTime(r), Manual: r.IntN(2) == 0, Blocked: r.IntN(2) == 0,
			Alerted: r.IntN(2) == 0}
		if r.IntN(2) == 0 {
			n.Account.DeleteAt = randomTime(r)
		}
	}
	return n
}

func arbitraryWallet(r *rand.Rand) Wallet {
	w := Wallet{User: UserID(r.Int64N(1e9)), Balance: Nano(r.Int64N(1e15)), USDT: r.Int64N(2) * r.Int64N(1e12),
		Seq: r.Uint64N(1e9)}
	for i := r.IntN(5); i > 0; i-- {
		w.Entries = append(w.Entries, Entry{Op: OpID(string(rune('a' + i))), Kind: EntryKind(1 + r.IntN(5)),
			Amount: Nano(r.Int64N(1e12)), Currency: Currency(r.IntN(2)), Debit: r.IntN(2) == 0, Status: EntryStatus(1 + r.IntN(6)),
			Created: randomTime(r), Updated: randomTime(r), Ref: []string{"", "tx:1"}[r.IntN(2)],
			Days: r.IntN(2) * 30, Note: []string{"", "late"}[r.IntN(2)]})
	}
	return w
}

func TestStateCodecsKeepTheReflectiveFormat(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		n := arbitraryNumber(r)
		// hand-written → reflection
		b, err := msgpack.Marshal(&n)
		if err != nil {
			t.Fatal(err)
		}
		var p plainNumber
		if err := unmarshalReflect(b, &p); err != nil {
			t.Fatalf("reflection cannot read the hand-written number: %v", err)
		}
		if !reflect.DeepEqual(Number(p), n) {
			t.Fatalf("number %d: hand-written → reflection\n got %+v\nwant %+v", i, Number(p), n)
		}
		// reflection → hand-written; compact integers make ours no longer
		pb, err := msgpack.Marshal(plainNumber(n))
		if err != nil {
			t.Fatal(err)
		}
		var back Number
		if err := msgpack.Unmarshal(pb, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, n) {
			t.Fatalf("number %d: reflection → hand-written\n got %+v\nwant %+v", i, back, n)
		}
		if len(b) > len(pb) {
			t.Fatalf("number %d: hand-written %d bytes, reflection %d", i, len(b), len(pb))
		}

		w := arbitraryWallet(r)
		b, err = msgpack.Marshal(&w)
		if err != nil {
			t.Fatal(err)
		}
		pw := plainWallet{User: w.User, Balance: w.Balance, USDT: w.USDT, Entries: w.Entries, Seq: w.Seq}
		pb, err = msgpack.Marshal(pw)
		if err != nil {
			t.Fatal(err)
		}
		var pwb plainWallet
		if err := unmarshalReflect(b, &pwb); err != nil || !reflect.DeepEqual(Wallet{User: pwb.User, Balance: pwb.Balance,
			USDT: pwb.USDT, Entries: pwb.Entries, Seq: pwb.Seq}, w) {
			t.Fatalf("wallet %d: hand-written → reflection: %v\n got %+v\nwant %+v", i, err, pwb, w)
		}
		var wb Wallet
		if err := msgpack.Unmarshal(pb, &wb); err != nil || !reflect.DeepEqual(wb, w) {
			t.Fatalf("wallet %d: reflection → hand-written: %v\n got %+v\nwant %+v", i, err, wb, w)
		}
	}
}

func TestStateCodecsSkipUnknownKeysAndNils(t *testing.T) {
	b, err := msgpack.Marshal(map[string]any{"id": "+88800000001", "zz": []int{1, 2}, "re": nil, "hi": nil, "sq": 9})
	if err != nil {
		t.Fatal(err)
	}
	var n Number
	if err := msgpack.Unmarshal(b, &n); err != nil || n.ID != "+88800000001" || n.Seq != 9 || n.Rental != nil {
		t.Fatalf("got %+v, %v", n, err)
	}
}

func FuzzStateDecoders(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	n, w := arbitraryNumber(r), arbitraryWallet(r)
	nb, _ := msgpack.Marshal(&n)
	wb, _ := msgpack.Marshal(&w)
	f.Add(nb)
	f.Add(wb)
	f.Add([]byte{0xdd, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		var n Number
		_ = msgpack.Unmarshal(b, &n)
		var w Wallet
		_ = msgpack.Unmarshal(b, &w)
	})
}

// plainCredited and plainReceived are the hot events without their codecs.
type (
	plainCredited WalletCredited
	plainReceived PaymentReceived
)

func TestEventCodecsKeepTheReflectiveFormat(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 1000; i++ {
		c := WalletCredited{Op: "tx:a:1:h", Kind: EntryKind(1 + r.IntN(5)), Amount: Nano(r.Int64N(1e15)), Currency: Currency(r.IntN(2)),
			Ref: []string{"", "a:1:h"}[r.IntN(2)], Note: []string{"", "late"}[r.IntN(2)], At: randomTime(r)}
		p := PaymentReceived{Tx: "a:1:h", Amount: Nano(r.Int64N(1e15)), Currency: Currency(r.IntN(2)), From: []string{"", "UQx"}[r.IntN(2)],
			At: randomTime(r), Outcome: Outcome(1 + r.IntN(4)), Code: []string{"", "ABCD-EFGH"}[r.IntN(2)],
			User: UserID(r.Int64N(3)), Op: []OpID{"", "o"}[r.IntN(2)], Reason: []string{"", "late"}[r.IntN(2)]}
		for _, pair := range [][2]any{{&c, (*plainCredited)(&c)}, {&p, (*plainReceived)(&p)}} {
			hand, err := msgpack.Marshal(pair[0])
			if err != nil {
				t.Fatal(err)
			}
			refl, err := msgpack.Marshal(pair[1])
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range [][]byte{hand, refl} {
				var gc WalletCredited
				var gp PaymentReceived
				var got, want any = &gc, pair[0]
				if _, ok := pair[0].(*PaymentReceived); ok {
					got = &gp
				}
				if err := msgpack.Unmarshal(b, got); err != nil || !reflect.DeepEqual(got, want) {
					t.Fatalf("%T: %v\n got %+v\nwant %+v", want, err, got, want)
				}
			}
			var pc plainCredited
			var pr plainReceived
			var into any = &pc
			if _, ok := pair[0].(*PaymentReceived); ok {
				into = &pr
			}
			if err := unmarshalReflect(hand, into); err != nil || !reflect.DeepEqual(into, pair[1]) {
				t.Fatalf("reflection reading %T: %v", pair[0], err)
			}
		}
	}
}
