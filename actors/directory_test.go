package actors

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/asynkron/protoactor-go/actor"

	"allot/domain"
)

// sweepDir is a directory of wallets (lazy when lazy is true) whose
// mailboxes nobody runs (parkedMbox), and the test plays the actors by
// settling inflight and used itself.
func sweepDir(t *testing.T, lazy bool) *directory {
	t.Helper()
	d := newDirectory(func(e *entry) *mbox { return parkedMbox(e.id) }, domain.KindWallet)
	d.lazy[domain.KindWallet] = lazy
	return d
}

// parkedMbox is a mailbox that is never run: it counts as scheduled
// already, so what is posted to it just waits.
func parkedMbox(id string) *mbox {
	m := &mbox{pid: actor.NewPID("test", id)}
	m.status.Store(mboxScheduled)
	return m
}

// handled plays the actor of id handling every message routed to it now.
func handled(d *directory, id string) {
	e, _ := d.peek(domain.KindWallet, id)
	e.inflight.Store(0)
	e.used.Store(d.epoch.Load())
}

// listed counts the directory's active and resident list entries, and
// fails on an entry listed twice or in the wrong list. Right after a
// sweep the lists are disjoint: it drops from the resident list what is
// active again before it passivates.
func listed(t *testing.T, d *directory) (active, resident int) {
	t.Helper()
	seen := map[*entry]bool{}
	for i := range d.kinds[domain.KindWallet] {
		s := &d.kinds[domain.KindWallet][i]
		for _, e := range s.active {
			if seen[e] || e.mb == nil {
				t.Fatalf("%s: listed active twice or without an actor", e.id)
			}
			seen[e] = true
			active++
		}
		for _, e := range s.resident {
			if seen[e] || e.mb != nil {
				t.Fatalf("%s: listed twice, or resident with an actor", e.id)
			}
			seen[e] = true
			resident++
		}
	}
	return active, resident
}

// The sweep passivates from the active lists and evicts from the resident
// ones: what recovery left in memory, and what it passivated itself.
func TestDirectory_sweepEvictsFromItsLists(t *testing.T) {
	d := sweepDir(t, true)
	d.put(domain.KindWallet, "restored", &domain.Wallet{}) // recovery's: passive, in memory
	d.put(domain.KindWallet, "used", &domain.Wallet{})
	for _, id := range []string{"used", "new"} {
		if !d.route(nil, domain.KindWallet, id, "m", true) {
			t.Fatalf("route %s refused", id)
		}
		handled(d, id)
	}
	stop, evicted := d.sweep(1, func(*entry) bool { return true })
	if len(stop) != 0 || evicted != 1 || d.count(domain.KindWallet) != 2 {
		t.Fatalf("first sweep: %d stopped, %d evicted, %d left; want 0, 1 (restored), 2",
			len(stop), evicted, d.count(domain.KindWallet))
	}
	stop, _ = d.sweep(1, func(*entry) bool { return false })
	if len(stop) != 2 || d.active.Load() != 0 {
		t.Fatalf("second sweep stopped %d (active %d), want both idle actors", len(stop), d.active.Load())
	}
	if a, r := listed(t, d); a != 0 || r != 2 {
		t.Fatalf("listed %d active, %d resident; want 0, 2", a, r)
	}
	_, evicted = d.sweep(1, func(*entry) bool { return true })
	if evicted != 2 || d.count(domain.KindWallet) != 0 {
		t.Fatalf("third sweep evicted %d, left %d; want 2, 0", evicted, d.count(domain.KindWallet))
	}
	if a, r := listed(t, d); a != 0 || r != 0 {
		t.Fatalf("listed %d active, %d resident after eviction; want none", a, r)
	}
}

// Entities going active and passive again and again are each listed once,
// and one with a message in flight is never detached.
func TestDirectory_sweepListsEachEntityOnce(t *testing.T) {
	for _, lazy := range []bool{false, true} {
		t.Run(fmt.Sprint("lazy=", lazy), func(t *testing.T) {
			d := sweepDir(t, lazy)
			const n = 300
			for round := range 6 {
				for i := range n {
					id := fmt.Sprint("w", i)
					if (i+round)%3 == 0 {
						continue // idle this round
					}
					d.route(nil, domain.KindWallet, id, "m", true)
					if i%7 != 0 {
						handled(d, id)
					}
				}
				stop, _ := d.sweep(0, func(*entry) bool { return false })
				for _, pid := range stop {
					if e, _ := d.peek(domain.KindWallet, pid.Id); e.inflight.Load() != 0 {
						t.Fatalf("round %d: %s detached with a message in flight", round, pid.Id)
					}
				}
				a, r := listed(t, d)
				if int64(a) != d.active.Load() {
					t.Fatalf("round %d: %d listed active, counter says %d", round, a, d.active.Load())
				}
				if !lazy && r != 0 {
					t.Fatalf("round %d: %d listed resident for an eager kind", round, r)
				}
				if a+r > n {
					t.Fatalf("round %d: %d listed for %d entities", round, a+r, n)
				}
			}
		})
	}
}

// BenchmarkSweep measures one sweep over a million passive entities and a
// thousand active ones: what the engine pays every quarter of its idle
// timeout.
func BenchmarkSweep(b *testing.B) {
	d := newDirectory(nil, domain.KindWallet)
	for i := range 1_000_000 {
		d.put(domain.KindWallet, fmt.Sprint("w", i), &domain.Wallet{})
	}
	for i := range 1000 {
		e, _ := d.peek(domain.KindWallet, fmt.Sprint("w", i))
		e.mb = parkedMbox(e.id)
		s := d.shard(domain.KindWallet, e.id)
		s.active = append(s.active, e)
	}
	for b.Loop() {
		d.epoch.Store(0) // every active entity stays: each sweep does the same work
		if stop, _ := d.sweep(1, nil); len(stop) != 0 {
			b.Fatal("an active entity was passivated")
		}
	}
}

// TestEntry_IsSixtyFourBytes: there is an entry per entity, millions of
// them, and 64 bytes is their allocation class; a field that takes an entry
// past it costs 16 bytes per entity (loadtest -mode restore, heap per idle
// entity).
func TestEntry_IsSixtyFourBytes(t *testing.T) {
	if size := unsafe.Sizeof(entry{}); size != 64 {
		t.Errorf("an entry is %d bytes, want 64", size)
	}
}
