package actors

import (
	"container/heap"
	"sync"
)

// durability releases callbacks once the journal has made a sequence
// durable. Replies wait here, never in an actor's mailbox, so an actor moves
// on to its next message while the journal syncs (group commit).
type durability struct {
	mu      sync.Mutex
	durable func() uint64 // the journal's DurableSeq
	waiters waitHeap
	err     error // set once the journal has failed; every later waiter gets it
}

type waiter struct {
	seq uint64
	fn  func(error)
}

type waitHeap []waiter

func (h waitHeap) Len() int           { return len(h) }
func (h waitHeap) Less(i, j int) bool { return h[i].seq < h[j].seq }
func (h waitHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *waitHeap) Push(x any)        { *h = append(*h, x.(waiter)) }
func (h *waitHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	*h = old[:len(old)-1]
	return w
}

// after calls fn once seq is durable: at once if it already is, else from
// the journal's writer after the batch that holds seq is synced.
func (d *durability) after(seq uint64, fn func(error)) {
	d.mu.Lock()
	if d.err != nil || seq <= d.durable() {
		err := d.err
		d.mu.Unlock()
		fn(err)
		return
	}
	heap.Push(&d.waiters, waiter{seq: seq, fn: fn})
	d.mu.Unlock()
}

// synced releases every waiter whose sequence is now durable. The journal
// calls it after each batch, having already advanced DurableSeq.
func (d *durability) synced() {
	d.mu.Lock()
	top := d.durable()
	var ready []waiter
	for len(d.waiters) > 0 && d.waiters[0].seq <= top {
		ready = append(ready, heap.Pop(&d.waiters).(waiter))
	}
	d.mu.Unlock()
	for _, w := range ready {
		w.fn(nil)
	}
}

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
	for _, w := range ws {
		w.fn(err)
	}
}
