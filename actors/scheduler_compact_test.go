package actors

import (
	"testing"
	"time"

	"allot/domain"
)

// Re-arming one entity again and again (a number renewed every day) must
// not grow the heap by an item each time: stale items are dropped once
// they outnumber the live ones by staleSlack, and the live wake-ups stay.
func TestScheduler_staleWakesAreDropped(t *testing.T) {
	s := &scheduler{armed: map[wakeKey]time.Time{}}
	day := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	other := wakeKey{kind: domain.KindNumber, id: "+88800000002"}
	s.set(other, day)
	k := wakeKey{kind: domain.KindNumber, id: "+88800000001"}
	for i := range 10 * staleSlack {
		s.set(k, day.Add(time.Duration(i+1)*time.Hour))
		if len(s.h) > 2*len(s.armed)+staleSlack {
			t.Fatalf("after %d re-arms the heap holds %d items for %d wake-ups", i+1, len(s.h), len(s.armed))
		}
	}
	live := map[wakeKey]time.Time{}
	for _, w := range s.h {
		if s.armed[w.wakeKey].Equal(w.at) {
			live[w.wakeKey] = w.at
		}
	}
	if len(live) != 2 || !live[k].Equal(day.Add(10*staleSlack*time.Hour)) || !live[other].Equal(day) {
		t.Fatalf("live wake-ups in the heap: %v", live)
	}
	if !s.h[0].at.Equal(day) {
		t.Fatalf("the heap's first item is %v, want the earliest wake-up %v", s.h[0].at, day)
	}
}
