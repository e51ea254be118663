package actors

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestWaitQueue_PopsInSequenceOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h waitQueue
	var want []uint64
	for i := 0; i < 1000; i++ {
		s := r.Uint64N(300) // repeats too
		h.push(waiter{seq: s})
		want = append(want, s)
		if i%7 == 0 { // interleave pops with pushes, as the journal does
			slices.Sort(want)
			if got := h.pop().seq; got != want[0] {
				t.Fatalf("pop = %d, want %d", got, want[0])
			}
			want = want[1:]
		}
	}
	slices.Sort(want)
	for _, w := range want {
		if got := h.pop().seq; got != w {
			t.Fatalf("pop = %d, want %d", got, w)
		}
	}
	if h.len() != 0 {
		t.Fatalf("%d left", h.len())
	}
}

func TestDurability_ReleasesWhatIsDurable(t *testing.T) {
	var top uint64
	d := &durability{durable: func() uint64 { return top }}
	replies := make([]replyTo, 4)
	for i := range replies {
		replies[i] = make(replyTo, 1)
	}
	var called []uint64
	d.after(waiter{seq: 3, r: replies[0], v: "three"})
	d.after(waiter{seq: 1, r: replies[1], err: errors.New("refused")})
	d.after(waiter{seq: 2, fn: func(err error) { called = append(called, 2) }})
	d.after(waiter{seq: 5, r: replies[2], v: "five"})
	top = 3
	d.synced()
	if got := <-replies[0]; got.v != "three" || got.err != nil {
		t.Errorf("seq 3: %+v", got)
	}
	if got := <-replies[1]; got.err == nil || got.err.Error() != "refused" {
		t.Errorf("seq 1: %+v, want the refusal it was given", got)
	}
	if !slices.Equal(called, []uint64{2}) {
		t.Errorf("callbacks %v, want [2]", called)
	}
	select {
	case got := <-replies[2]:
		t.Fatalf("seq 5 released at 3: %+v", got)
	default:
	}
	jerr := errors.New("fsync failed")
	d.fail(jerr)
	if got := <-replies[2]; !errors.Is(got.err, jerr) || got.v != nil {
		t.Errorf("seq 5 after the journal failed: %+v, want its error and no value", got)
	}
	d.after(waiter{seq: 1, r: replies[3], v: "late"}) // durable, but the journal has failed
	if got := <-replies[3]; !errors.Is(got.err, jerr) {
		t.Errorf("after a failure: %+v, want the journal's error", got)
	}
}
