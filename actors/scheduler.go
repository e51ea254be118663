package actors

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"allot/domain"
)

// scheduler wakes entities (numbers, proxies) when something is due: one
// heap and one timer for all of them, instead of a timer per entity. It
// holds no state of its own worth saving: recovery re-arms it from the
// entities.
type scheduler struct {
	eng   *Engine
	armed map[wakeKey]time.Time // entity → the wake-up that counts; older heap items are stale
	h     wakeHeap
	timer *time.Timer
	next  time.Time // when the timer fires
}

type wake struct {
	at time.Time
	wakeKey
}

// wakeKey names the entity a wake-up is for.
type wakeKey struct {
	kind domain.Kind
	id   string
}

// wakeHeap is a min-heap of wake-ups by time, written out rather than
// through container/heap, whose interface boxed every wake-up pushed and
// popped: an allocation per arm, and most turns of a number arm one.
type wakeHeap []wake

func (h *wakeHeap) push(w wake) {
	*h = append(*h, w)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s[i].at.Before(s[p].at) {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

// pop removes and returns the earliest wake-up; the heap is not empty.
func (h *wakeHeap) pop() wake {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s[last] = wake{} // the id is no longer held here
	*h = s[:last]
	h.down(0)
	return top
}

func (h wakeHeap) down(i int) {
	for {
		l, small := 2*i+1, i
		if l < len(h) && h[l].at.Before(h[small].at) {
			small = l
		}
		if r := l + 1; r < len(h) && h[r].at.Before(h[small].at) {
			small = r
		}
		if small == i {
			return
		}
		h[i], h[small] = h[small], h[i]
		i = small
	}
}

// init orders a heap built in any order.
func (h wakeHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

// armMsg sets (or with a zero time clears) an entity's wake-up.
type armMsg struct {
	key wakeKey
	at  time.Time
}

// armAll sets many wake-ups at once, for recovery.
type armAll struct{ wakes []wake }

// wakeMsg asks the scheduler to fire everything due by the engine's clock;
// done, if set, is closed once the ticks have been routed.
type wakeMsg struct{ done chan struct{} }

// schedRef is how the rest of the engine talks to the scheduler: through
// its mailbox, which runs on the entities' workers, so that a turn arming
// a wake-up has the scheduler run after it on the same worker instead of
// waking a goroutine per renewal.
type schedRef struct{ mb *mbox }

// arm sets an entity's wake-up from a turn running on via (nil outside one).
func (s schedRef) arm(via *runner, kind domain.Kind, id string, at time.Time) {
	s.mb.post(&armMsg{key: wakeKey{kind, id}, at: at}, via)
}

// send gives the scheduler a message from outside any turn.
func (s schedRef) send(msg any) { s.mb.post(msg, nil) }

func (s *scheduler) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *armMsg:
		s.set(m.key, m.at)
		s.rearm(ctx)
	case *armAll:
		for _, w := range m.wakes {
			s.set(w.wakeKey, w.at)
		}
		s.rearm(ctx)
	case *wakeMsg:
		s.fire()
		s.rearm(ctx)
		if m.done != nil {
			close(m.done)
		}
	case *actor.Stopping:
		if s.timer != nil {
			s.timer.Stop()
		}
	}
}

func (s *scheduler) set(k wakeKey, at time.Time) {
	if at.IsZero() {
		delete(s.armed, k)
		return
	}
	if cur, ok := s.armed[k]; ok && cur.Equal(at) {
		return
	}
	s.armed[k] = at
	s.h.push(wake{at: at, wakeKey: k})
	if len(s.h) > 2*len(s.armed)+staleSlack {
		s.compact()
	}
}

// staleSlack is how many stale items the heap may hold beyond as many as
// it has live ones before it is rebuilt.
const staleSlack = 1024

// compact rebuilds the heap from the wake-ups that count. A renewal re-arms
// its number for a later day and leaves the old item in the heap until
// that day comes: without this the heap grew by one item per renewal for
// a whole rental period (in the load test, by 170,000 items in 10 s).
func (s *scheduler) compact() {
	s.h = s.h[:0]
	for k, at := range s.armed {
		s.h = append(s.h, wake{at: at, wakeKey: k})
	}
	s.h.init()
}

// fire sends a tick to every entity due now. Stale heap items (re-armed
// or cleared since) are dropped on the way.
func (s *scheduler) fire() {
	now := s.eng.clock()
	for len(s.h) > 0 && !s.h[0].at.After(now) {
		w := s.h.pop()
		if cur, ok := s.armed[w.wakeKey]; !ok || !cur.Equal(w.at) {
			continue
		}
		delete(s.armed, w.wakeKey)
		s.eng.dir.route(nil, w.kind, w.id, &tick{}, false)
	}
}

// rearm points the single timer at the earliest live wake-up.
func (s *scheduler) rearm(ctx actor.Context) {
	for len(s.h) > 0 {
		if cur, ok := s.armed[s.h[0].wakeKey]; ok && cur.Equal(s.h[0].at) {
			break
		}
		s.h.pop()
	}
	if len(s.h) == 0 || s.eng.opts.ManualClock {
		return
	}
	at := s.h[0].at
	if s.timer != nil && s.next.Equal(at) {
		return
	}
	if s.timer != nil {
		s.timer.Stop()
	}
	self, root := ctx.Self(), s.eng.root
	s.next = at
	s.timer = time.AfterFunc(time.Until(at), func() { root.Send(self, &wakeMsg{}) })
}
