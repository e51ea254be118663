package domain

import (
	"slices"
	"testing"
	"time"
	"unsafe"
)

func TestWallet_DeferCompletion(t *testing.T) {
	w := purchased(t)
	for _, c := range []struct {
		op   OpID
		want bool
	}{
		{"buy", true},      // a processing purchase
		{"buy", false},     // noted already
		{"topup", false},   // a credit
		{"missing", false}, // no such entry
	} {
		if got := w.DeferCompletion(c.op); got != c.want {
			t.Errorf("DeferCompletion(%s) = %v, want %v", c.op, got, c.want)
		}
	}
	if c := w.Clone(); c.TakeCompletions() != nil {
		t.Error("a clone took the deferred completions: they are not state")
	}
	if got := entry(t, w, "buy").Status; got != EntryProcessing {
		t.Errorf("deferring changed the entry to %s: it must stay as the journal has it", got)
	}
}

func TestWallet_CompletionsRideInTheNextDebit(t *testing.T) {
	w := purchased(t)
	w.DeferCompletion("buy")
	at := t0.Add(time.Minute)
	settle, err := w.Settle("buy", EntryFailed, "", at)
	if err != nil {
		t.Fatal(err)
	}
	w.AttachCompletions(settle) // an EntrySettled carries none
	if len(w.pending()) != 1 {
		t.Fatalf("a settlement took the completions: %v left", w.pending())
	}
	next, err := w.Debit("next", KindPurchase, TON(1), testNum, 30, "", at)
	if err != nil {
		t.Fatal(err)
	}
	w.AttachCompletions(next)
	if !slices.Equal(next.Completed, []OpID{"buy"}) || len(w.pending()) != 0 {
		t.Fatalf("debit carries %v, %v left; want [buy], none", next.Completed, w.pending())
	}
	w.Apply(next, w.Seq+1)
	if x := entry(t, w, "buy"); x.Status != EntryCompleted || !x.Updated.Equal(at) {
		t.Errorf("buy %s updated %v, want completed at %v", x.Status, x.Updated, at)
	}
	wantBalance(t, w, TON(5)) // 10 - 4 - 1: completing moves no money
	if err := w.Check(); err != nil {
		t.Error(err)
	}
}

func TestWallet_CompletionsSkipWhatWasSettledMeanwhile(t *testing.T) {
	w := purchased(t)
	w.DeferCompletion("buy")
	mustW(t, w)(wev(w.Settle("buy", EntryFailed, "refunded", t0)))
	if got := w.TakeCompletions(); len(got) != 0 {
		t.Errorf("TakeCompletions = %v for a purchase failed meanwhile", got)
	}
	// A record carrying a completion that no longer applies changes nothing.
	cr := &WalletCredited{Op: "more", Kind: KindRecharge, Amount: TON(1), At: t0, Completed: []OpID{"buy", "topup"}}
	w.Apply(cr, w.Seq+1)
	if x := entry(t, w, "buy"); x.Status != EntryFailed {
		t.Errorf("buy is %s, want failed as it was", x.Status)
	}
	wantBalance(t, w, TON(11))
}

// A million idle wallets are most of a large deployment's heap, and the
// allocator rounds a Wallet up to its size class: one field more than
// these took it from 64 to 96 bytes (`loadtest -mode restore`: 16 bytes
// more per entity). What a wallet keeps beside its state goes in its side.
func TestWallet_FitsSixtyFourBytes(t *testing.T) {
	if n := unsafe.Sizeof(Wallet{}); n > 64 {
		t.Errorf("a Wallet is %d bytes: put what is not state in walletSide", n)
	}
}

// TestEntry_FitsOneHundredTwentyBytes holds a ledger entry to 120 bytes:
// a field put between the one-byte ones and the words after them would
// pad it back to 128, on every entry of every ledger.
func TestEntry_FitsOneHundredTwentyBytes(t *testing.T) {
	if n := unsafe.Sizeof(Entry{}); n > 120 {
		t.Errorf("an Entry is %d bytes: keep the one-byte fields together", n)
	}
}
