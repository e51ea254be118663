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
