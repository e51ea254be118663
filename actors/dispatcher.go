package actors

import (
	"sync"
)

// workers runs the entities' mailboxes on long-lived goroutines. A
// goroutine per mailbox run, protoactor's default, grew a fresh stack for
// handlers as deep as ours (protoactor's chain, the domain, msgpack), and
// stack copying was a third of the engine's CPU. A run goes to an idle
// worker when one is waiting, and to a fresh goroutine otherwise, so a
// burst never queues behind the pool; a run that a turn wakes stays on
// the turn's worker (mbox.schedule).
type workers struct {
	runs       chan *mbox
	throughput int
	stop       chan struct{}
	wg         sync.WaitGroup
}

func newWorkers(n, throughput int) *workers {
	w := &workers{runs: make(chan *mbox), throughput: throughput, stop: make(chan struct{})}
	for i := 0; i < n; i++ {
		w.wg.Add(1)
		go w.loop()
	}
	return w
}

func (w *workers) loop() {
	defer w.wg.Done()
	r := &runner{}
	for {
		select {
		case m := <-w.runs:
			r.drain(m)
		case <-w.stop:
			return
		}
	}
}

// schedule runs m on an idle worker, or on a new goroutine if none is idle.
func (w *workers) schedule(m *mbox) {
	select {
	case w.runs <- m:
	default:
		go new(runner).drain(m)
	}
}

// drain runs m, then whatever its turns handed to this worker to run next.
func (r *runner) drain(m *mbox) {
	for r.chain = 0; m != nil; r.chain++ {
		m.process(r)
		m = r.next()
	}
}

// close stops the workers once they finish their current run.
func (w *workers) close() {
	close(w.stop)
	w.wg.Wait()
}
