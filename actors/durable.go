package actors

import (
	"sync"
)

// durability releases callbacks once the journal has made a sequence
// durable. Replies wait here, never in an actor's mailbox, so an actor moves
// on to its next message while the journal syncs (group commit).
type durability struct {
	mu      sync.Mutex
	durable func() uint64 // the journal's DurableSeq
	waiters waitHeap
	err     error    // set once the journal has failed; every later waiter gets it
	spare   []waiter // synced's list of ready waiters, kept between batches
}

// waiter is what waits for seq to be durable: a callback, or, without one,
// a reply (r, v, err) sent as it is once seq is durable, or with the
// journal's error instead when it failed. Replies are most of what waits,
// and as values they cost no closure each.
type waiter struct {
	seq uint64
	fn  func(error)
	r   replyTo
	v   any
	err error
}

// release runs the callback or sends the reply, with the journal's verdict.
func (w *waiter) release(jerr error) {
	switch {
	case w.fn != nil:
		w.fn(jerr)
	case jerr != nil:
		w.r.send(nil, jerr)
	default:
		w.r.send(w.v, w.err)
	}
}

// waitHeap is a min-heap of waiters by seq, written out rather than
// through container/heap, whose interface boxed every waiter pushed and
// popped: two allocations per reply.
type waitHeap []waiter

func (h *waitHeap) push(w waiter) {
	*h = append(*h, w)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if s[p].seq <= s[i].seq {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

func (h *waitHeap) pop() waiter {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s[last] = waiter{} // the reply's value is no longer held here
	s = s[:last]
	for i := 0; ; {
		l, small := 2*i+1, i
		if l < len(s) && s[l].seq < s[small].seq {
			small = l
		}
		if r := l + 1; r < len(s) && s[r].seq < s[small].seq {
			small = r
		}
		if small == i {
			break
		}
		s[i], s[small] = s[small], s[i]
		i = small
	}
	*h = s
	return top
}

// after releases w once w.seq is durable: at once if it already is, else
// from the journal's writer after the batch that holds it is synced.
func (d *durability) after(w waiter) {
	d.mu.Lock()
	if d.err != nil || w.seq <= d.durable() {
		err := d.err
		d.mu.Unlock()
		w.release(err)
		return
	}
	d.waiters.push(w)
	d.mu.Unlock()
}

// synced releases every waiter whose sequence is now durable. The journal
// calls it after each batch, having already advanced DurableSeq.
func (d *durability) synced() {
	d.mu.Lock()
	top := d.durable()
	ready := d.spare[:0]
	d.spare = nil // a synced running at the same time gets its own
	for len(d.waiters) > 0 && d.waiters[0].seq <= top {
		ready = append(ready, d.waiters.pop())
	}
	d.mu.Unlock()
	for i := range ready {
		ready[i].release(nil)
		ready[i] = waiter{}
	}
	if cap(ready) <= maxSpare {
		d.mu.Lock()
		d.spare = ready[:0]
		d.mu.Unlock()
	}
}

// maxSpare bounds the list synced keeps: a burst's worth is given back.
const maxSpare = 4096

// fail releases every waiter with err and makes all later ones fail too:
// after an fsync error nothing may be acknowledged.
func (d *durability) fail(err error) {
	d.mu.Lock()
	if d.err == nil {
		d.err = err
	}
	ws := d.waiters
	d.waiters = nil
	d.mu.Unlock()
	for i := range ws {
		ws[i].release(err)
	}
}
