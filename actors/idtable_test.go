package actors

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestIDTable_MatchesAMap adds and removes entries at random and holds the
// table to a Go map after every step: every id it should hold is found,
// removed ones are not, the count agrees, and all yields each entry once.
// Small tables wrap their probes around the end, and removals shift runs
// back across it, so both are exercised.
func TestIDTable_MatchesAMap(t *testing.T) {
	for _, reserve := range []int{0, 50, 3000} {
		t.Run(fmt.Sprintf("reserve=%d", reserve), func(t *testing.T) {
			var tab idTable
			tab.reserve(reserve)
			model := map[string]*entry{}
			r := rand.New(rand.NewPCG(1, uint64(reserve)))
			for step := range 20000 {
				id := fmt.Sprintf("id-%d", r.IntN(700))
				if e, ok := model[id]; ok && r.IntN(2) == 0 {
					tab.remove(e)
					delete(model, id)
				} else if !ok {
					e := &entry{id: id}
					tab.add(e)
					model[id] = e
				}
				if step%97 == 0 {
					checkIDTable(t, &tab, model)
				}
			}
			checkIDTable(t, &tab, model)
		})
	}
}

func checkIDTable(t *testing.T, tab *idTable, model map[string]*entry) {
	t.Helper()
	if tab.len() != len(model) {
		t.Fatalf("len %d, want %d", tab.len(), len(model))
	}
	for id, e := range model {
		if got := tab.get(id); got != e {
			t.Fatalf("get(%q) = %p, want %p", id, got, e)
		}
	}
	for i := range 700 {
		id := fmt.Sprintf("id-%d", i)
		if _, ok := model[id]; !ok && tab.get(id) != nil {
			t.Fatalf("get(%q) found an entry that was removed or never added", id)
		}
	}
	seen := map[*entry]bool{}
	for e := range tab.all() {
		if seen[e] || model[e.id] != e {
			t.Fatalf("all yielded %q twice or one the table should not hold", e.id)
		}
		seen[e] = true
	}
	if len(seen) != len(model) {
		t.Fatalf("all yielded %d entries, want %d", len(seen), len(model))
	}
}

// TestIDTable_RemoveOfAnAbsentEntryChangesNothing: the sweep may evict an
// entry a table no longer holds; that must not take another's slot.
func TestIDTable_RemoveOfAnAbsentEntryChangesNothing(t *testing.T) {
	var tab idTable
	tab.remove(&entry{id: "x"}) // empty table
	a := &entry{id: "a"}
	tab.add(a)
	tab.remove(&entry{id: "a"}) // same id, another entry
	tab.remove(&entry{id: "b"})
	if tab.len() != 1 || tab.get("a") != a {
		t.Fatalf("len %d, get(a) = %p; want 1 and %p", tab.len(), tab.get("a"), a)
	}
}

// TestIDTable_ReserveHoldsItsCountWithoutGrowing: a restore sizes each
// shard's table for what the snapshot holds; filling it must not grow it,
// and it is then about two thirds full.
func TestIDTable_ReserveHoldsItsCountWithoutGrowing(t *testing.T) {
	var tab idTable
	tab.reserve(3907)
	size := len(tab.slots)
	for i := range 3907 {
		tab.add(&entry{id: fmt.Sprint(i)})
	}
	if len(tab.slots) != size {
		t.Fatalf("the table grew from %d to %d slots", size, len(tab.slots))
	}
	if load := float64(tab.len()) / float64(size); load < 0.6 || load > 0.7 {
		t.Fatalf("load %.2f after filling a reserved table, want about 2/3", load)
	}
}

// BenchmarkIDTable_Get is a hit in a shard the size of a million entities'
// over 256 shards, against a Go map of the same entries.
func BenchmarkIDTable_Get(b *testing.B) {
	ids := make([]string, 3907)
	var tab idTable
	m := map[string]*entry{}
	for i := range ids {
		ids[i] = fmt.Sprintf("+888%08d", i*7919)
		e := &entry{id: ids[i]}
		tab.add(e)
		m[ids[i]] = e
	}
	b.Run("table", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if tab.get(ids[i%len(ids)]) == nil {
				b.Fatal("missing")
			}
		}
	})
	b.Run("map", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if m[ids[i%len(ids)]] == nil {
				b.Fatal("missing")
			}
		}
	})
}
