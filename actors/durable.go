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
	waiters waitQueue
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

// waitQueue holds the waiters in sequence order, oldest first. Waiters
// come nearly in that order already (each right after the turn that
// appended its record), so a push moves a newcomer back past the few
// that a turn on another worker pushed before it, and releasing what a
// sync made durable takes from the front. A heap did log n swaps of
// these 64-byte values for every reply: 1.5 % of the mix's instructions
// (`loadtest -mode instructions`).
type waitQueue struct {
	q    []waiter
	head int
}

// len is how many waiters wait.
func (h *waitQueue) len() int { return len(h.q) - h.head }

func (h *waitQueue) push(w waiter) {
	if h.head > 0 && len(h.q) == cap(h.q) {
		n := copy(h.q, h.q[h.head:])
		clear(h.q[n:])
		h.q, h.head = h.q[:n], 0
	}
	h.q = append(h.q, w)
	for i := len(h.q) - 1; i > h.head && h.q[i-1].seq > h.q[i].seq; i-- {
		h.q[i-1], h.q[i] = h.q[i], h.q[i-1]
	}
}

// first is the waiter with the lowest sequence; the queue must not be
// empty.
func (h *waitQueue) first() *waiter { return &h.q[h.head] }

// pop takes the waiter with the lowest sequence out.
func (h *waitQueue) pop() waiter {
	w := h.q[h.head]
	h.q[h.head] = waiter{} // the reply's value is no longer held here
	if h.head++; h.head == len(h.q) {
		h.q, h.head = h.q[:0], 0
	}
	return w
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
	for d.waiters.len() > 0 && d.waiters.first().seq <= top {
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
	ws := d.waiters.q[d.waiters.head:]
	d.waiters = waitQueue{}
	d.mu.Unlock()
	for i := range ws {
		ws[i].release(err)
	}
}
