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
	runs       chan *mbox // a nil run stops the worker that takes it
	n          int
	throughput int
	wg         sync.WaitGroup
}

func newWorkers(n, throughput int) *workers {
	w := &workers{runs: make(chan *mbox), n: n, throughput: throughput}
	for i := 0; i < n; i++ {
		w.wg.Add(1)
		go w.loop()
	}
	return w
}

// loop runs what it is handed until it is handed nil. A receive from one
// channel, not a select over it and a stop channel: under cachegrind a
// select was a tenth of the instructions of reading a number through the
// engine (BenchmarkEngine/number), with its locking of both channels.
func (w *workers) loop() {
	defer w.wg.Done()
	r := &runner{}
	for m := <-w.runs; m != nil; m = <-w.runs {
		r.drain(m)
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

// close stops the workers once they finish their current run. A run
// scheduled after it goes to a goroutine of its own, as when every worker
// is busy.
func (w *workers) close() {
	for range w.n {
		w.runs <- nil
	}
	w.wg.Wait()
}
