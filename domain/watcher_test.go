package domain

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func routed(lt uint64, route string) RoutedPayment {
	return RoutedPayment{Route: route, Payment: Payment{Tx: TxID{Account: "0:aa", LT: lt, Hash: fmt.Sprintf("h%d", lt)},
		Amount: 5, At: time.Unix(int64(lt), 0).UTC()}}
}

func TestWatcherRoutesATransactionOnce(t *testing.T) {
	w := NewWatcher("0:aa")
	ev, err := w.Advance(ChainCursor{LT: 10, Hash: "c10"}, []RoutedPayment{routed(5, "1"), routed(5, "1"), routed(7, "2")})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Batch) != 2 {
		t.Fatalf("batch = %d payments, want 2 (the repeated one dropped)", len(ev.Batch))
	}
	w.Apply(ev, 1)
	if !w.Known(routed(5, "1").Payment.Tx) || w.Cursor.LT != 10 || w.Seq != 1 {
		t.Fatalf("state after apply: %+v", w)
	}
	// A re-delivery of the same transactions with a newer cursor only moves the cursor.
	ev, err = w.Advance(ChainCursor{LT: 12, Hash: "c12"}, []RoutedPayment{routed(5, "9"), routed(7, "2")})
	if err != nil || len(ev.Batch) != 0 || ev.Cursor.LT != 12 {
		t.Fatalf("re-delivery: ev=%+v err=%v", ev, err)
	}
	w.Apply(ev, 2)
	if w.Routed[routed(5, "1").Payment.Tx.Key()] != "1" {
		t.Fatal("a re-delivery changed the route of a routed transaction")
	}
	// Nothing new at the same cursor: no event.
	if ev, err := w.Advance(w.Cursor, nil); ev != nil || err != nil {
		t.Fatalf("idle advance: ev=%+v err=%v", ev, err)
	}
}

func TestWatcherRefusesBadSteps(t *testing.T) {
	w := NewWatcher("0:aa")
	w.Apply(&WatcherAdvanced{Cursor: ChainCursor{LT: 10, Hash: "c10"}}, 1)
	cases := map[string]struct {
		after ChainCursor
		batch []RoutedPayment
	}{
		"cursor going back":     {ChainCursor{LT: 9, Hash: "c9"}, nil},
		"same lt, another hash": {ChainCursor{LT: 10, Hash: "other"}, nil},
		"payment without id":    {ChainCursor{LT: 11, Hash: "c11"}, []RoutedPayment{{Route: "1"}}},
		"payment without route": {ChainCursor{LT: 11, Hash: "c11"}, []RoutedPayment{routed(11, "")}},
	}
	for name, c := range cases {
		before := w.Clone()
		if _, err := w.Advance(c.after, c.batch); !errors.Is(err, ErrNotPermitted) {
			t.Errorf("%s: err = %v, want ErrNotPermitted", name, err)
		}
		if w.Cursor != before.Cursor || len(w.Routed) != len(before.Routed) {
			t.Errorf("%s: state changed", name)
		}
	}
}

func TestWatcherAdvancedRoundTrip(t *testing.T) {
	ev := &WatcherAdvanced{Cursor: ChainCursor{LT: 3, Hash: "ab"}, Batch: []RoutedPayment{routed(2, "4")}}
	b, err := EncodeRecord(Record{Kind: KindWatcher, ID: "0:aa", Event: ev})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := DecodeRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	got := rec.Event.(*WatcherAdvanced)
	if got.Cursor != ev.Cursor || len(got.Batch) != 1 || got.Batch[0].Payment.Tx != ev.Batch[0].Payment.Tx ||
		!got.Batch[0].Payment.At.Equal(ev.Batch[0].Payment.At) {
		t.Fatalf("round trip: %+v", got)
	}
}
