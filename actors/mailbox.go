package actors

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
)

// mbox is the mailbox of an entity's actor, in place of protoactor's
// default one, which a profile of the engine's mix showed costing more
// than the commands it delivered:
//   - a message was sent through the actor's PID: pid → process box →
//     process → its dead flag, three dependent cache misses per message
//     (5 % of the engine's CPU). The directory's entry holds the mbox, and
//     route posts into it directly;
//   - every run bound a method value, an allocation per message;
//   - every run went to another goroutine, a wake-up per saga step. A
//     turn that wakes an idle mailbox hands it to its own worker to run
//     after the current one (runner.local), so a saga's steps and the
//     scheduler's arming run one after another on one worker, the way Go's
//     scheduler runs a goroutine that another readied. The queue goes to
//     the pool when that would make it wait: before a turn loads its
//     entity from the store, and at each yield of a mailbox that does not
//     empty (runner.handOff).
//
// It keeps the default's semantics: system messages before user ones,
// suspension while a supervisor restarts the actor, a panic escalated to
// the supervisor, and a yield every throughput messages.
type mbox struct {
	mu   sync.Mutex
	user []any // FIFO from head
	head int
	sys  []any
	// status is mboxIdle, or mboxScheduled from the moment a post finds it
	// idle until its run has found it empty: whoever moves it to
	// scheduled owns the next run.
	status    atomic.Int32
	suspended atomic.Bool

	invoker actor.MessageInvoker
	// entity, when set, takes the user messages instead of the invoker:
	// an entity's commands skip protoactor's per-message context work. A
	// pointer rather than a method value: the actor holds this mailbox, so
	// the call reads no closure of its own from elsewhere in memory.
	entity *entityActor
	w      *workers
	pid    *actor.PID
	// runner is the worker running the mailbox, set only for the length of
	// a run and read only inside it (by the turn, to hand what it wakes to
	// the same worker).
	runner *runner
	// inline is where user starts: a mailbox rarely holds more than a
	// message or two, and these share the cache lines the poster's lock
	// has just brought in, where a slice of its own was one more miss per
	// message (`loadtest -mode engine`).
	inline [2]any
}

const (
	mboxIdle int32 = iota
	mboxScheduled
)

// runNextLimit bounds how many mailboxes in a row one worker runs from
// its local queue before handing the next one to the pool: a saga has four
// steps, so only a ping-pong between entities reaches it. localRuns bounds
// the local queue itself: a turn that wakes more leaves them to the pool,
// where another core may take them.
const (
	runNextLimit = 64
	localRuns    = 4
)

var _ actor.Mailbox = (*mbox)(nil)

// newMbox returns a mailbox of its own, run by w's workers: the
// scheduler's. An entity's lives in its actor (entityActor.mb, init).
func newMbox(w *workers) *mbox {
	m := &mbox{}
	m.init(w)
	return m
}

// init readies a mailbox held in another struct (entityActor's) for w.
func (m *mbox) init(w *workers) {
	m.w = w
	m.user = m.inline[:0]
}

// PostUserMessage queues a message from outside a turn.
func (m *mbox) PostUserMessage(msg any) { m.post(msg, nil) }

// PostSystemMessage queues one of protoactor's lifecycle messages (start,
// stop, restart, suspend, resume), which run before any user message.
func (m *mbox) PostSystemMessage(msg any) {
	m.mu.Lock()
	m.sys = append(m.sys, msg)
	m.mu.Unlock()
	m.schedule(nil)
}

// RegisterHandlers takes the actor's context as the invoker; the mailbox
// runs on its own workers, not on the dispatcher the props name.
func (m *mbox) RegisterHandlers(invoker actor.MessageInvoker, _ actor.Dispatcher) {
	m.invoker = invoker
}

// Start does nothing: there are no mailbox middlewares.
func (m *mbox) Start() {}

// UserMessageCount is how many user messages wait.
func (m *mbox) UserMessageCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.user) - m.head
}

// post queues msg and makes sure the mailbox will run. from is the worker
// whose turn posts it, nil from outside any turn.
func (m *mbox) post(msg any, from *runner) {
	m.mu.Lock()
	if len(m.user) == cap(m.user) && m.head > len(m.user)/2 {
		// A mailbox that never empties would otherwise grow behind its head.
		n := copy(m.user, m.user[m.head:])
		clear(m.user[n:])
		m.user, m.head = m.user[:n], 0
	}
	m.user = append(m.user, msg)
	m.mu.Unlock()
	m.schedule(from)
}

// schedule starts a run if none is owed: on from's worker, after its
// current mailbox, when the worker's local queue has room, or else on the
// pool.
func (m *mbox) schedule(from *runner) {
	if !m.status.CompareAndSwap(mboxIdle, mboxScheduled) {
		return
	}
	if from != nil && from.keep(m) {
		return
	}
	m.w.schedule(m)
}

// process runs the mailbox until it is empty (or suspended), then gives up
// its run, and takes it back if a message came in meanwhile.
func (m *mbox) process(r *runner) {
	for {
		m.runner = r
		m.run()
		m.runner = nil
		m.status.Store(mboxIdle)
		if !m.hasWork() || !m.status.CompareAndSwap(mboxIdle, mboxScheduled) {
			return
		}
	}
}

// run handles messages until none is left for now. A panic outside the
// actor's own recovery goes to its supervisor, as protoactor's mailbox does.
func (m *mbox) run() {
	var msg any
	defer func() {
		if p := recover(); p != nil {
			m.invoker.EscalateFailure(p, msg)
		}
	}()
	for i := 1; ; i++ {
		if i > m.w.throughput {
			// A mailbox that never empties keeps its worker: what its turns
			// woke goes to the pool rather than wait behind it.
			i = 1
			if m.runner != nil {
				m.runner.handOff()
			}
			runtime.Gosched()
		}
		var sys bool
		if msg, sys = m.pop(); msg == nil {
			return
		}
		if !sys {
			if m.entity != nil {
				m.entity.deliver(msg)
			} else {
				m.invoker.InvokeUserMessage(msg)
			}
			continue
		}
		switch msg.(type) {
		case *actor.SuspendMailbox:
			m.suspended.Store(true)
		case *actor.ResumeMailbox:
			m.suspended.Store(false)
		default:
			m.invoker.InvokeSystemMessage(msg)
		}
	}
}

// pop takes the next message: a system one first, a user one unless the
// mailbox is suspended; nil when there is none.
func (m *mbox) pop() (msg any, sys bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.sys) > 0 {
		msg = m.sys[0]
		m.sys[0] = nil
		if m.sys = m.sys[1:]; len(m.sys) == 0 {
			m.sys = nil
		}
		return msg, true
	}
	if m.suspended.Load() || m.head == len(m.user) {
		return nil, false
	}
	msg = m.user[m.head]
	m.user[m.head] = nil
	if m.head++; m.head == len(m.user) {
		m.user, m.head = m.user[:0], 0
	}
	return msg, false
}

// hasWork tells whether a message came in that the run just ended did not
// take.
func (m *mbox) hasWork() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sys) > 0 || (!m.suspended.Load() && m.head < len(m.user))
}

// runner is one worker goroutine's queue of mailboxes to run next, which
// only that goroutine touches.
type runner struct {
	local [localRuns]*mbox
	head  int
	n     int
	chain int // mailboxes run from local since the worker took one from the pool
	// record is the buffer the worker's turns encode their records into
	// (exec.encode): the store copies each before its Append returns.
	record []byte
}

// keep queues m to run on this worker, unless the queue is full or the
// worker has run too many in a row.
func (r *runner) keep(m *mbox) bool {
	if r.n == localRuns || r.chain+r.n >= runNextLimit {
		return false
	}
	r.local[(r.head+r.n)%localRuns] = m
	r.n++
	return true
}

// handOff gives the mailboxes queued here to the pool: the turn about to
// go on may wait (for an entity loaded from the store), and what it woke
// need not wait with it.
func (r *runner) handOff() {
	for m := r.next(); m != nil; m = r.next() {
		m.w.schedule(m)
	}
}

// next takes the mailbox queued first, or nil.
func (r *runner) next() *mbox {
	if r.n == 0 {
		return nil
	}
	m := r.local[r.head]
	r.local[r.head] = nil
	r.head = (r.head + 1) % localRuns
	r.n--
	return m
}
