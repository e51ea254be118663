package actors

import (
	"fmt"
	"runtime/debug"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"allot/domain"
	"allot/persistence"
)

// command is a message for one entity. run executes inside the entity's
// actor, so it may read and change x's state freely, and must not block.
type command interface {
	run(x *exec)
}

// result is what a request gets back: a value or an error. Errors travel
// as values because protoactor would deliver a bare error as a value anyway.
type result struct {
	v   any
	err error
}

// replyTo is where a command's result goes. A buffered channel (capacity
// one) so that a reply never blocks the journal's writer, and a nil replyTo
// means nobody waits (a saga step resumed by recovery, a scheduler tick).
type replyTo chan result

func (r replyTo) send(v any, err error) {
	if r != nil {
		select {
		case r <- result{v, err}:
		default: // already answered; a second answer is a bug we do not crash on
		}
	}
}

// asker is the part every command that can be answered embeds: who waits.
// The panic handler finds it through replier(), to answer with an error.
type asker struct{ r replyTo }

func (c asker) replier() replyTo { return c.r }

// entityActor is the actor of one entity while it is active.
type entityActor struct {
	// mb is the actor's mailbox, in the same allocation: posting a message
	// and running it touch one object, not two (engine.spawnEntity).
	mb  mbox
	eng *Engine
	e   *entry
	// x is the turn in hand, reset for every message: an exec allocated
	// per message was the engine's largest allocation. Nothing may keep x
	// past its turn; a callback that runs once the turn is durable takes
	// what it needs from x before (see then).
	x exec
}

// exec is what a command sees of its entity: the state, the clock, and the
// ways to emit events, reply after durability, and message other entities.
type exec struct {
	eng *Engine
	e   *entry
	now time.Time
	// via is the worker running the turn: an actor the turn wakes runs
	// next on it rather than waiting for another goroutine.
	via *runner
	// later holds the turn's replies and outside effects until the turn
	// ends, so that whatever else the turn does (arming the scheduler, say)
	// happens before anybody hears the answer: a caller that acts on a
	// reply must find the engine already in step with it. Most turns have
	// one, which fits in buf.
	later []waiter
	buf   [1]waiter
	ended bool
}

// Receive sees only protoactor's lifecycle messages: every user message,
// whether routed or sent to the PID, reaches deliver (mbox.entity).
func (a *entityActor) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*actor.Restarting); ok {
		a.e.restarts.Add(1)
	}
}

// deliver is the mailbox's way in for user messages (mbox.entity): a
// command runs without protoactor's context, whose per-message lookups
// (the actor system's metrics extension among them) cost more than the
// turn's own bookkeeping. The entity's actor needs nothing from it: the
// directory never posts to an actor that is stopping or stopped.
func (a *entityActor) deliver(msg any) {
	if c, ok := msg.(command); ok {
		a.handle(c)
	}
}

// handle runs one command with the panic turned into an error reply: a
// panic would otherwise restart the actor and drop the message, leaving its
// requester to time out.
func (a *entityActor) handle(c command) {
	defer a.eng.dir.pending.Add(-1)
	defer a.e.inflight.Add(-1) // after it, this actor may be passivated
	defer a.e.processed.Add(1)
	a.e.used.Store(a.eng.dir.epoch.Load())
	defer func() {
		if p := recover(); p != nil {
			err := fmt.Errorf("actors: %s %s: internal error: %v", a.e.kind, a.e.id, p)
			a.eng.log.Error("command panicked", "kind", a.e.kind.String(), "id", a.e.id,
				"command", fmt.Sprintf("%T", c), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if r, ok := c.(interface{ replier() replyTo }); ok {
				r.replier().send(nil, err)
			}
		}
	}()
	if !a.loaded(c) {
		return
	}
	x := &a.x
	*x = exec{eng: a.eng, e: a.e, now: a.eng.clock(), via: a.mb.runner}
	defer x.end()
	c.run(x)
}

// loaded makes sure the entity's state is in memory before c runs,
// loading it from the store if need be (lazy.go); a load that fails
// answers c with the error and c does not run.
func (a *entityActor) loaded(c command) bool {
	if a.e.flags&flagUnloaded == 0 {
		return true
	}
	if _, ok := c.(passiveCommand); ok {
		return true
	}
	if r := a.mb.runner; r != nil {
		r.handOff() // the load waits on the store; what earlier turns woke runs elsewhere
	}
	err := a.eng.activate(a.e)
	if err == nil {
		return true
	}
	a.eng.log.Error("loading an entity failed", "kind", a.e.kind.String(), "id", a.e.id,
		"command", fmt.Sprintf("%T", c), "err", err)
	if r, ok := c.(interface{ replier() replyTo }); ok {
		r.replier().send(nil, err)
	}
	return false
}

// end hands the turn's replies and effects to the durability watcher.
func (x *exec) end() {
	x.ended = true
	for i := range x.later {
		x.eng.durable.after(x.later[i])
	}
	x.later = nil
}

// wait releases w once w.seq is durable; registered at the end of the turn.
func (x *exec) wait(w waiter) {
	if x.ended {
		x.eng.durable.after(w)
		return
	}
	if x.later == nil {
		x.later = x.buf[:0]
	}
	x.later = append(x.later, w)
}

// afterDurable runs fn with the journal's verdict once everything this
// entity has applied so far is durable; registered at the end of the turn.
func (x *exec) afterDurable(fn func(error)) { x.wait(waiter{seq: x.seq(), fn: fn}) }

// emit journals ev for this entity and applies it; it returns the event's
// sequence. An event that cannot be encoded is a programming error: nothing
// is applied and the error is returned for the reply.
func (x *exec) emit(ev domain.Event) (uint64, error) {
	if w, ok := x.e.state.(*domain.Wallet); ok {
		w.AttachCompletions(ev) // deferred completions ride in a credit or debit (completions.go)
	}
	payload, err := x.encode(domain.Record{Kind: x.e.kind, ID: x.e.id, Event: ev})
	if err != nil {
		return 0, err
	}
	seq := x.eng.store.Append(x.e.kind, x.e.id, x.seq(), payload)
	if seq == 0 {
		err := x.eng.store.Err()
		switch {
		case err != nil:
		case len(payload) > persistence.MaxPayloadSize:
			err = persistence.ErrPayloadSize
		default:
			err = persistence.ErrClosed
		}
		return 0, fmt.Errorf("actors: journal refused %T (%d bytes): %w", ev, len(payload), err)
	}
	st, err := applyEvent(x.e.kind, x.e.id, x.e.state, ev, seq)
	if err != nil {
		return 0, err
	}
	x.e.state = st
	if x.eng.dir.lazy[x.e.kind] {
		x.e.flags |= flagDirty
	}
	x.eng.events.count(ev)
	if n, ok := x.e.state.(*domain.Number); ok {
		x.eng.view.put(summarize(n, x.now), &x.e.viewRow)
		x.noteChore(n, ev)
	}
	return seq, nil
}

// encode encodes r into the worker's record buffer, which the store copies
// from before Append returns (Store). A turn run by no worker gets a
// buffer of its own, and a worker without one yet (a goroutine the pool
// started for a burst: workers.schedule) keeps the first, which
// EncodeRecord sizes for its record rather than growing it from nothing.
func (x *exec) encode(r domain.Record) ([]byte, error) {
	if x.via == nil || cap(x.via.record) == 0 {
		b, err := domain.EncodeRecord(r)
		if x.via != nil && err == nil {
			x.via.record = b
		}
		return b, err
	}
	b, err := domain.AppendRecord(x.via.record[:0], r)
	if err == nil && cap(b) <= maxRecordBuffer {
		x.via.record = b
	}
	return b, err
}

// maxRecordBuffer is the largest record buffer a worker keeps: records are
// a few hundred bytes, and one large one should not stay for ever.
const maxRecordBuffer = 64 << 10

// seq is the sequence of the entity's last applied event.
func (x *exec) seq() uint64 { return stateSeq(x.e.state) }

// reply answers r once everything this entity has applied so far is
// durable, so that even a refusal never reflects a state a crash could undo.
func (x *exec) reply(r replyTo, v any, err error) {
	if r == nil {
		return
	}
	x.wait(waiter{seq: x.seq(), r: r, v: v, err: err})
}

// then runs fn once this entity's state is durable: for effects outside the
// engine (telling a person), which must never reflect a change a crash
// could still undo. fn runs after the turn: it must not use x, which the
// actor's next message reuses.
func (x *exec) then(fn func()) {
	x.afterDurable(func(err error) {
		if err == nil {
			fn()
		}
	})
}

// send routes a command to another entity, creating it if it is new.
func (x *exec) send(kind domain.Kind, id string, c command) { x.route(kind, id, c, true) }

// route routes msg to another entity from this turn (directory.route).
func (x *exec) route(kind domain.Kind, id string, msg any, create bool) bool {
	return x.eng.dir.route(x.via, kind, id, msg, create)
}
