package main

import (
	"runtime"
	"testing"
	"time"
)

// TestAttribute counts a slow operation once however many phases it
// overlaps, and not at all when it only touches one's edge.
func TestAttribute(t *testing.T) {
	ms := func(a, b int) span {
		return span{time.Duration(a) * time.Millisecond, time.Duration(b) * time.Millisecond}
	}
	phases := []span{ms(100, 200), ms(300, 400)}
	slow := []span{
		ms(150, 180), // inside the first
		ms(190, 310), // across both
		ms(200, 300), // between them, touching both edges
		ms(50, 100),  // ends where the first begins
		ms(390, 500), // leaves the second
	}
	r := attribute(slow, phases)
	if r.slow != 5 || r.duringMarks != 3 || r.phases != 2 || r.marking != 200*time.Millisecond {
		t.Fatalf("attribute = %+v, want 5 slow, 3 during marks, 2 phases, 200ms marking", r)
	}
}

// TestMarkWatch_SeesACollection: a collection forced while the watch runs
// is among its phases, where it happened (another may come from the
// tests' own garbage).
func TestMarkWatch_SeesACollection(t *testing.T) {
	start := time.Now()
	m := watchMarks(start)
	time.Sleep(3 * markSample)
	before := time.Since(start)
	runtime.GC()
	after := time.Since(start)
	time.Sleep(3 * markSample)
	phases := m.end()
	for _, p := range phases {
		if p.to <= p.from {
			t.Fatalf("phase %v ends before it begins", p)
		}
		if p.from <= after+markSample && before-markSample <= p.to {
			return
		}
	}
	t.Fatalf("phases %v, none around the collection forced between %v and %v", phases, before, after)
}
