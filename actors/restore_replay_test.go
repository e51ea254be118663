package actors

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"allot/domain"
)

func replayRecord(t testing.TB, user int, amount int64) []byte {
	t.Helper()
	b, err := domain.EncodeRecord(domain.Record{Kind: domain.KindWallet, ID: strconv.Itoa(user),
		Event: &domain.WalletCredited{Op: domain.OpID("tx:" + strconv.FormatInt(amount, 10)), Kind: domain.KindRecharge,
			Amount: domain.Nano(amount), At: time.Unix(1_700_000_000, 0).UTC()}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func replayEngine() *Engine {
	e := &Engine{}
	e.dir = newDirectory(nil, kindList()...)
	return e
}

func TestReplayer_AppliesEachEntityInOrder(t *testing.T) {
	e := replayEngine()
	r := newReplayer(e)
	seq := uint64(0)
	for round := int64(1); round <= 50; round++ {
		for u := 1; u <= 40; u++ {
			seq++
			if err := r.add(seq, replayRecord(t, u, round)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := r.close(); err != nil {
		t.Fatal(err)
	}
	for u := 1; u <= 40; u++ {
		en, ok := e.dir.peek(domain.KindWallet, strconv.Itoa(u))
		if !ok {
			t.Fatalf("wallet %d missing", u)
		}
		w := en.state.(*domain.Wallet)
		if w.Balance != 50*51/2 || len(w.Entries) != 50 || w.Seq != uint64(49*40+u) {
			t.Fatalf("wallet %d: balance %d, %d entries, seq %d", u, w.Balance, len(w.Entries), w.Seq)
		}
		for i, x := range w.Entries {
			if x.Amount != domain.Nano(i+1) {
				t.Fatalf("wallet %d: entry %d is %d: applied out of order", u, i, x.Amount)
			}
		}
	}
}

func TestReplayer_ReportsTheFirstBadRecord(t *testing.T) {
	for _, bad := range [][]byte{
		{0x95, 0x02, byte(domain.KindWallet), 0xa1, '1', 0x7f, 0xc0}, // a header it routes, an unknown event
		{0x01, 0x02}, // a header it cannot route
	} {
		e := replayEngine()
		r := newReplayer(e)
		for seq := uint64(1); seq <= 3000; seq++ {
			b := replayRecord(t, int(seq%7)+1, int64(seq))
			if seq == 1000 || seq == 2000 {
				b = bad
			}
			if err := r.add(seq, b); err != nil {
				break // a failure stops the replay, sooner or later
			}
		}
		err := r.close()
		if err == nil || !strings.Contains(err.Error(), "record 1000:") {
			t.Errorf("bad record %x: got %v, want the failure of record 1000", bad, err)
		}
	}
}

// One wallet takes half the records, as the payments register does in a
// journal of deposits: across many deals its records and everyone else's
// are still applied in order, and a deal leaves the heavy bucket alone on
// its worker.
func TestReplayer_DealsBucketsByLoad(t *testing.T) {
	e := replayEngine()
	r := newReplayer(e)
	r.window = 97
	seq := uint64(0)
	heavy := 0
	for round := int64(1); round <= 60; round++ {
		for u := 1; u <= 20; u++ {
			for _, user := range []int{u, 1} {
				seq++
				if user == 1 {
					heavy++
				}
				if err := r.add(seq, replayRecord(t, user, int64(seq))); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := r.close(); err != nil {
		t.Fatal(err)
	}
	for u := 1; u <= 20; u++ {
		en, _ := e.dir.peek(domain.KindWallet, strconv.Itoa(u))
		w := en.state.(*domain.Wallet)
		for i := 1; i < len(w.Entries); i++ {
			if w.Entries[i].Amount <= w.Entries[i-1].Amount {
				t.Fatalf("wallet %d: entry %d applied out of order", u, i)
			}
		}
		if u == 1 && len(w.Entries) != heavy {
			t.Fatalf("wallet 1 has %d entries, want %d", len(w.Entries), heavy)
		}
	}
	if len(r.workers) < 2 {
		return // one core: nothing to deal
	}
	r.load = [replayBuckets]int{}
	r.load[5] = 1000
	for b := range r.load {
		if b != 5 {
			r.load[b] = 10
		}
	}
	if err := r.deal(); err != nil {
		t.Fatal(err)
	}
	for b := range r.owner {
		if b != 5 && r.owner[b] == r.owner[5] {
			t.Fatalf("bucket %d shares a worker with the heavy bucket", b)
		}
	}
}
