package actors

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The scheduler's heap hands wake-ups back earliest first, whether they
// were pushed one by one, interleaved with pops, or laid out and ordered
// at once (compact).
func TestWakeHeap_popsEarliestFirst(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	at := func() time.Time { return base.Add(time.Duration(r.IntN(1000)) * time.Minute) }

	var h wakeHeap
	var want []time.Time
	var got []time.Time
	for i := range 5000 {
		w := at()
		h.push(wake{at: w})
		want = append(want, w)
		if i%3 == 2 { // pops between pushes take the earliest so far
			slices.SortFunc(want, time.Time.Compare)
			p := h.pop()
			if !p.at.Equal(want[0]) {
				t.Fatalf("pop %d gave %v, want the earliest %v", i, p.at, want[0])
			}
			want = want[1:]
		}
	}
	for len(h) > 0 {
		got = append(got, h.pop().at)
	}
	slices.SortFunc(want, time.Time.Compare)
	if !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Fatalf("drained %d wake-ups out of order or lost some (want %d)", len(got), len(want))
	}

	h = h[:0]
	want = want[:0]
	for range 3000 {
		w := at()
		h = append(h, wake{at: w})
		want = append(want, w)
	}
	h.init()
	slices.SortFunc(want, time.Time.Compare)
	for i, w := range want {
		if p := h.pop(); !p.at.Equal(w) {
			t.Fatalf("after init, pop %d gave %v, want %v", i, p.at, w)
		}
	}
}
