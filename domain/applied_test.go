package domain

import (
	"maps"
	"strconv"
	"testing"
)

// TestAppliedTxs_freezeSharesOnlyWhatNoLongerChanges: a frozen set holds
// exactly what was applied before its freeze while more is added after
// it; the next freeze holds everything; lookups, counts and iteration see
// both what was sealed and what came after.
func TestAppliedTxs_freezeSharesOnlyWhatNoLongerChanges(t *testing.T) {
	var a AppliedTxs
	want := map[string]Outcome{}
	add := func(from, to int) {
		for i := from; i < to; i++ {
			tx, o := "tx"+strconv.Itoa(i), Outcome(1+i%4)
			a.add(tx, o)
			want[tx] = o
		}
	}
	same := func(what string, got *AppliedTxs, want map[string]Outcome) {
		t.Helper()
		if m := maps.Collect(got.All()); !maps.Equal(m, want) || got.Len() != len(want) {
			t.Fatalf("%s: %d entries (Len %d), want %d", what, len(m), got.Len(), len(want))
		}
		for tx, o := range want {
			if g, ok := got.Outcome(tx); !ok || g != o {
				t.Fatalf("%s: %s is %v (applied %v), want %v", what, tx, g, ok, o)
			}
		}
	}
	if f := a.freeze(); f.Len() != 0 || a.Len() != 0 {
		t.Fatalf("an empty set froze to %d entries", f.Len())
	}
	add(0, 100)
	first, atFirst := a.freeze(), maps.Clone(want)
	add(100, 150) // while the first copy is being encoded
	same("the first copy, after more was added", &first, atFirst)
	same("the set", &a, want)
	if _, ok := first.Outcome("tx120"); ok {
		t.Fatal("the first copy sees a transaction added after it")
	}

	second, atSecond := a.freeze(), maps.Clone(want) // the first copy is done with by now
	add(150, 160)
	same("the second copy", &second, atSecond)
	same("the set after two freezes", &a, want)
	if a.fresh == nil || len(a.fresh) != 10 {
		t.Errorf("after a freeze the set holds %d fresh entries, want the 10 added since", len(a.fresh))
	}
}
