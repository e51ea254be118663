package domain

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// randomWallet drives a wallet through steps random commands, applying each
// event a decision returns, and returns the wallet and the records applied.
// It fails t the moment the ledger stops balancing, the balance goes
// negative, a refused decision changes the wallet, or the balance departs
// from an independent model kept from the events.
func randomWallet(t testing.TB, seed uint64, steps int) (*Wallet, []Record) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	w := &Wallet{User: alice}
	var recs []Record
	var model Nano
	amount := func() Nano {
		switch rng.IntN(20) {
		case 0:
			return 0
		case 1:
			return -Nano(rng.Int64N(100))
		case 2:
			return MaxAmount + 1
		}
		return Nano(rng.Int64N(int64(TON(20)))) + 1
	}
	op := func() OpID { return OpID(fmt.Sprint("op", rng.IntN(steps/4+1))) }
	now := t0
	for i := range steps {
		now = now.Add(time.Duration(rng.IntN(3600)) * time.Second)
		var e WalletEvent
		var err error
		switch rng.IntN(5) {
		case 0:
			e, err = wev(w.Credit(op(), EntryKind(rng.IntN(7)), amount(), "", "", now))
		case 1, 2:
			e, err = wev(w.Debit(op(), EntryKind(rng.IntN(7)), amount(), "", 30, "", now))
		case 3:
			e, err = wev(w.OpenRecharge(op(), amount(), "", now))
		case 4:
			e, err = wev(w.Settle(op(), EntryStatus(rng.IntN(8)), "", now))
		}
		if err != nil {
			continue // refusals are checked in TestWallet_RefusalsLeaveState
		}
		switch e := e.(type) {
		case *WalletCredited:
			model += e.Amount
		case *WalletDebited:
			model -= e.Amount
		case *EntrySettled:
			if x, _ := w.Entry(e.Op); x.Debit && x.Status == EntryProcessing && e.Status == EntryFailed {
				model += x.Amount
			}
		}
		w.Apply(e, uint64(i+1))
		recs = append(recs, Record{Kind: KindWallet, ID: "101", Event: e})
		if err := w.Check(); err != nil {
			t.Fatalf("step %d (%#v): %v", i, e, err)
		}
		if w.Balance < 0 || w.Balance != model {
			t.Fatalf("step %d (%#v): balance %d, model %d", i, e, w.Balance, model)
		}
	}
	return w, recs
}

func TestWallet_RandomOps(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			w, recs := randomWallet(t, seed, 3000)
			if len(recs) < 500 {
				t.Errorf("only %d of 3000 random ops applied: the generator is too timid", len(recs))
			}
			kinds := map[EventType]int{}
			for _, r := range recs {
				kinds[r.Event.EventType()]++
			}
			for _, k := range []EventType{TypeWalletCredited, TypeWalletDebited, TypeEntryOpened, TypeEntrySettled} {
				if kinds[k] == 0 {
					t.Errorf("no %d events: the generator misses a decision", k)
				}
			}
			if w.Balance < 0 || w.Balance > math.MaxInt64/2 {
				t.Errorf("balance %d", w.Balance)
			}
		})
	}
}

// Refused decisions leave the wallet as it was, whatever its history.
func TestWallet_RefusalsLeaveState(t *testing.T) {
	w, _ := randomWallet(t, 7, 500)
	rng := rand.New(rand.NewPCG(7, 8))
	refused := 0
	for range 500 {
		before := walletView(w)
		op := OpID(fmt.Sprint("op", rng.IntN(200)))
		var err error
		switch rng.IntN(4) {
		case 0:
			_, err = w.Credit(op, EntryKind(rng.IntN(7)), Nano(rng.Int64N(int64(TON(5))))-TON(1), "", "", t0)
		case 1:
			_, err = w.Debit(op, EntryKind(rng.IntN(7)), Nano(rng.Int64N(int64(TON(50))))-TON(1), "", 30, "", t0)
		case 2:
			_, err = w.OpenRecharge(op, Nano(rng.Int64N(int64(TON(5))))-TON(1), "", t0)
		case 3:
			_, err = w.Settle(op, EntryStatus(rng.IntN(8)), "", t0)
		}
		if err != nil {
			refused++
		}
		sameState(t, "wallet after a decision", walletView(w), before)
	}
	if refused == 0 {
		t.Error("no decision was refused: the test exercised nothing")
	}
}
