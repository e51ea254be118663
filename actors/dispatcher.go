package actors

import (
	"sync"

	"github.com/asynkron/protoactor-go/actor"
)

// workers is a protoactor dispatcher that runs mailboxes on long-lived
// goroutines. The default dispatcher starts a goroutine per mailbox run;
// with handlers as deep as ours (protoactor's chain, the domain, msgpack)
// every such goroutine grew its stack, and stack copying was a third of the
// engine's CPU. A run is handed to an idle worker when one is waiting, and
// to a fresh goroutine otherwise, so a burst never queues behind the pool.
type workers struct {
	runs       chan func()
	throughput int
	stop       chan struct{}
	wg         sync.WaitGroup
}

var _ actor.Dispatcher = (*workers)(nil)

func newWorkers(n, throughput int) *workers {
	w := &workers{runs: make(chan func()), throughput: throughput, stop: make(chan struct{})}
	for i := 0; i < n; i++ {
		w.wg.Add(1)
		go w.loop()
	}
	return w
}

func (w *workers) loop() {
	defer w.wg.Done()
	for {
		select {
		case fn := <-w.runs:
			fn()
		case <-w.stop:
			return
		}
	}
}

// Schedule runs fn on an idle worker, or on a new goroutine if none is idle.
func (w *workers) Schedule(fn func()) {
	select {
	case w.runs <- fn:
	default:
		go fn()
	}
}

// Throughput is how many messages a mailbox handles per run before yielding.
func (w *workers) Throughput() int { return w.throughput }

// close stops the workers once they finish their current run.
func (w *workers) close() {
	close(w.stop)
	w.wg.Wait()
}
