package domain

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestLedgerIndex_MatchesAScan holds the index to a scan from the end of
// the ledger through growth, ops added twice and lookups of absent ops.
func TestLedgerIndex_MatchesAScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var entries []Entry
	x := newLedgerIndex(nil)
	scan := func(op OpID) int {
		for i := len(entries) - 1; i >= 0; i-- {
			if entries[i].Op == op {
				return i
			}
		}
		return -1
	}
	for step := range 5000 {
		op := OpID(fmt.Sprint("op", rng.IntN(4000))) // some twice: the later must win
		entries = append(entries, Entry{Op: op, Amount: Nano(step)})
		x.add(entries, len(entries)-1)
		for range 3 {
			probe := OpID(fmt.Sprint("op", rng.IntN(5000))) // a fifth never added
			if got, want := x.find(entries, probe), scan(probe); got != want {
				t.Fatalf("step %d: find(%s) = %d, a scan finds %d", step, probe, got, want)
			}
		}
	}
	if fresh := newLedgerIndex(entries); fresh.n != x.n {
		t.Errorf("built at once: %d slots used, built by adding: %d", fresh.n, x.n)
	}
	if x.n*3 > len(x.slots)*2 {
		t.Errorf("%d of %d slots used: more than two thirds", x.n, len(x.slots))
	}
}

// BenchmarkWallet_Entry looks up ops in the long ledgers of many wallets,
// half of the ops absent (a new operation's duplicate check), as the
// wallets' turns do in the load test: mostly from memory, not cache.
func BenchmarkWallet_Entry(b *testing.B) {
	const wallets, size = 1000, 1500
	ws := make([]*Wallet, wallets)
	for i := range ws {
		ws[i] = &Wallet{User: UserID(i + 1)}
		for j := range size {
			ws[i].Entries = append(ws[i].Entries, Entry{Op: OpID(fmt.Sprint("renew:", j, ":", i)), Amount: 1})
		}
		ws[i].Entry("") // builds the index
	}
	rng := rand.New(rand.NewPCG(3, 4))
	ops := make([]OpID, 1<<16)
	at := make([]int, len(ops))
	for i := range ops {
		at[i] = rng.IntN(wallets)
		ops[i] = OpID(fmt.Sprint("renew:", rng.IntN(2*size), ":", at[i]))
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := i % len(ops)
		ws[at[k]].Entry(ops[k])
	}
}
