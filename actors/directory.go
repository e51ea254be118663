package actors

import (
	"iter"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"

	"allot/domain"
)

// shardCount splits the directory so that routing from many goroutines does
// not contend on one mutex. A power of two.
const shardCount = 256

// entry is one entity known to the directory. While mb is nil the entity
// is passive: its state is frozen and may be read under the shard lock.
// While mb is set, only that mailbox's actor touches state.
type entry struct {
	kind  domain.Kind
	flags uint8 // flagUnloaded, flagDirty: lazy kinds only (lazy.go)
	// viewRow is, for a number, its row in the catalogue's view plus one
	// (0 until its actor first writes its summary): numberView.put. It
	// fits in what the id's alignment left free.
	viewRow int32
	id      string
	state   domain.State // nil until the entity exists

	// The counters are 32 bits, so that an entry is 64 bytes: there is one
	// per entity, millions of them. An epoch passes a minute at most, so
	// 32 bits of them last millennia; processed wraps after 4 billion
	// messages, which only the introspection page shows.
	mb        *mbox
	inflight  atomic.Int32  // messages routed to mb and not yet handled
	used      atomic.Int32  // directory epoch of the last message handled
	processed atomic.Uint32 // messages handled since the process started
	restarts  atomic.Uint32
}

type shard struct {
	mu sync.Mutex
	m  idTable // the shard's entries by id
	// active lists the entries whose mb is set, in no order, so that the
	// sweep visits those and not every entity of the shard: at two million
	// entities, walking them all under the shard locks was half of a
	// snapshot's CPU, and it held each lock a millisecond. route appends an
	// entry when it spawns its actor; only the sweep detaches one, and it
	// drops it from here as it does.
	active []*entry
	// resident lists, for a lazy kind, passive entries whose state may
	// still be in memory: the sweep's candidates for eviction. An entry
	// gets here when the sweep passivates it (or from the first sweep's
	// walk, for what recovery left in memory) and leaves when it is
	// evicted or active again.
	resident []*entry
}

// directory addresses entities by kind and id and activates their actors.
type directory struct {
	// kinds are the shards of each kind the directory holds, nil for the
	// others: indexed by kind, as every route reads it, where a map lookup
	// was 1 % of the engine load test's CPU.
	kinds  [domain.MaxKind + 1]*[shardCount]shard
	lazy   [domain.MaxKind + 1]bool // kinds whose entities may be in the store only
	spawn  func(e *entry) *mbox
	active atomic.Int64
	epoch  atomic.Int32 // advanced by every sweep; entries remember the one they were last used in
	listed atomic.Bool  // the first sweep has listed the resident entries of the lazy kinds
	// pending counts messages routed and not yet handled, over all entities.
	// One counter rather than a sum of per-entity ones: a handler that routes
	// a message on counts it before its own message stops counting, so zero
	// really means nothing is in flight.
	pending atomic.Int64
}

func newDirectory(spawn func(e *entry) *mbox, kinds ...domain.Kind) *directory {
	d := &directory{spawn: spawn}
	for _, k := range kinds {
		d.kinds[k] = new([shardCount]shard)
	}
	return d
}

// holds reports whether the directory keeps entities of kind.
func (d *directory) holds(kind domain.Kind) bool {
	return int(kind) < len(d.kinds) && d.kinds[kind] != nil
}

// held yields each kind the directory keeps, in code order, with its
// shards.
func (d *directory) held() iter.Seq2[domain.Kind, *[shardCount]shard] {
	return func(yield func(domain.Kind, *[shardCount]shard) bool) {
		for k, shards := range d.kinds {
			if shards != nil && !yield(domain.Kind(k), shards) {
				return
			}
		}
	}
}

func (d *directory) shard(kind domain.Kind, id string) *shard {
	return &d.kinds[kind][shardIndex(id)]
}

// shardIndex places an id in one of shardCount shards, the same way in
// every process (FNV-1a; maphash's seed is new in each). A snapshot holds
// one block per shard, so a restart puts each block's entities into the
// one map they came from, which stays in the processor's cache meanwhile:
// restoring 2 M entities took a fifth less than when each entity went to a
// map chosen at random. Shards only spread the locking; inside, Go's maps
// have seeds of their own against ids made to collide. Changing this
// function or shardCount costs a restart that speed, nothing else.
func shardIndex(id string) int {
	h := uint64(14695981039346656037)
	for i := 0; i < len(id); i++ {
		h = (h ^ uint64(id[i])) * 1099511628211
	}
	return int((h ^ h>>32) & (shardCount - 1))
}

// route delivers msg to the entity's actor, activating it if needed. With
// create false an entity the directory has never seen is not created and
// route reports false, so junk ids typed by users cost nothing; an entity
// of a lazy kind may be in the store, so it gets an entry that its actor
// loads. from is the worker whose turn routes msg, nil outside any turn: an
// actor that msg wakes then runs next on that worker (mbox.schedule).
func (d *directory) route(from *runner, kind domain.Kind, id string, msg any, create bool) bool {
	s := d.shard(kind, id)
	s.mu.Lock()
	e := s.m.get(id)
	if e == nil {
		lazy := d.lazy[kind]
		if !create && !lazy {
			s.mu.Unlock()
			return false
		}
		e = &entry{kind: kind, id: id}
		if lazy {
			e.flags = flagUnloaded
		}
		s.m.add(e)
	}
	if e.mb == nil {
		e.mb = d.spawn(e)
		s.active = append(s.active, e)
		d.active.Add(1)
	}
	e.inflight.Add(1)
	d.pending.Add(1)
	mb := e.mb
	s.mu.Unlock()
	mb.post(msg, from)
	return true
}

// sweep passivates every active entity not used in the last idleEpochs
// sweeps and returns the actors to stop. One sweeper for all entities,
// instead of a receive-timeout timer per actor reset on every message.
// Holding the shard lock while checking inflight guarantees that no
// message can be routed to an actor once it is detached. An entity of a
// lazy kind that was already passive leaves memory if evict allows: the
// store has it, and the next message loads it again. The sweep visits the
// shards' active and resident lists, not their maps, so its cost follows
// what is in use, not how many entities exist.
func (d *directory) sweep(idleEpochs int32, evict func(*entry) bool) (stop []*actor.PID, evicted int) {
	now := d.epoch.Add(1)
	first := !d.listed.Swap(true)
	for kind, shards := range d.held() {
		lazy := d.lazy[kind]
		for i := range shards {
			s := &shards[i]
			s.mu.Lock()
			if lazy && first {
				s.listResident()
			}
			if lazy {
				evicted += s.evict(evict)
			}
			var n int
			stop, n = s.passivate(now, idleEpochs, lazy, stop)
			s.mu.Unlock()
			d.active.Add(-int64(n))
		}
	}
	return stop, evicted
}

// passivate detaches the actors of s that have nothing in flight and
// were not used in the last idleEpochs sweeps, appends them to stop, and
// keeps the others listed. With the shard's lock held.
func (s *shard) passivate(now, idleEpochs int32, lazy bool, stop []*actor.PID) ([]*actor.PID, int) {
	keep := s.active[:0]
	for _, e := range s.active {
		if e.inflight.Load() != 0 || now-e.used.Load() <= idleEpochs {
			keep = append(keep, e)
			continue
		}
		stop = append(stop, e.mb.pid)
		e.mb = nil
		if lazy {
			s.resident = append(s.resident, e)
		}
	}
	n := len(s.active) - len(keep)
	clear(s.active[len(keep):]) // the detached entries may leave memory
	s.active = shrink(keep)
	return stop, n
}

// evict removes from the shard's map the resident entries evict allows
// to leave memory (none when it is nil), and forgets the ones active
// again. With the lock held.
func (s *shard) evict(evict func(*entry) bool) (n int) {
	keep := s.resident[:0]
	for _, e := range s.resident {
		switch {
		case e.mb != nil: // active again: listed there, and here again when passivated
		case evict != nil && evict(e):
			e.state = nil
			s.m.remove(e)
			n++
		default:
			keep = append(keep, e)
		}
	}
	clear(s.resident[len(keep):])
	s.resident = shrink(keep)
	return n
}

// listResident lists the passive entries of s: the ones recovery left in
// memory, before any sweep. With the lock held.
func (s *shard) listResident() {
	for e := range s.m.all() {
		if e.mb == nil {
			s.resident = append(s.resident, e)
		}
	}
}

// shrink gives back the array of a list that a burst of activity grew and
// that is now mostly empty.
func shrink(l []*entry) []*entry {
	if cap(l) > 64 && len(l) < cap(l)/4 {
		return append([]*entry(nil), l...)
	}
	return l
}

// put installs state for an entity during recovery, before any actor runs.
func (d *directory) put(kind domain.Kind, id string, state domain.State) *entry {
	s := d.shard(kind, id)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.m.get(id)
	if e == nil {
		e = &entry{kind: kind, id: id}
		s.m.add(e)
	}
	e.state = state
	return e
}

// reserve sizes the shards of kind, while they are empty, for n entities
// in all: restoring a million entities into tables that start small spent
// more time rehashing than decoding. n comes from a snapshot's block
// counts, so it is capped: a damaged count costs a refusal later, not
// memory now. Shards differ from the mean by a few per cent at most (a
// million ids: 3,906 ± 62 each), which the table's third of free slots
// absorbs without growing.
func (d *directory) reserve(kind domain.Kind, n int) {
	per := min(n, maxReserve)/shardCount + 1
	shards := d.kinds[kind]
	for i := range shards {
		s := &shards[i]
		s.mu.Lock()
		s.m.reserve(per)
		s.mu.Unlock()
	}
}

// maxReserve bounds what reserve sizes for; more entities still fit.
const maxReserve = 1 << 24

// peek returns an entity's entry without activating it.
func (d *directory) peek(kind domain.Kind, id string) (*entry, bool) {
	s := d.shard(kind, id)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.m.get(id)
	return e, e != nil
}

// collect walks every entry of kind on every core, a shard at a time under
// its lock, and returns what fn gathered from each shard, in shard order.
// fn runs concurrently for different shards, each with its own acc, so it
// needs no lock of its own; like each's, it must be quick and must not
// route messages. Recovery's walks over a million entities take half as
// long this way.
func collect[T any](d *directory, kind domain.Kind, fn func(acc *T, e *entry)) []T {
	out := make([]T, shardCount)
	shards := d.kinds[kind]
	onCores(shardCount, func(i int) {
		walkShard(&shards[i], func(en *entry) { fn(&out[i], en) })
	})
	return out
}

// each calls fn for every entry of kind, shard by shard, holding the shard's
// lock during fn: fn must be quick and must not route messages. passive tells
// whether the state may be read directly.
func (d *directory) each(kind domain.Kind, fn func(e *entry, passive bool)) {
	shards := d.kinds[kind]
	for i := range shards {
		walkShard(&shards[i], func(e *entry) { fn(e, e.mb == nil) })
	}
}

// walkShard calls fn for every entry of s with its lock held, a batch at a
// time, the batch's passive entities prefetched first (prefetch).
func walkShard(s *shard, fn func(e *entry)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var batch, passive [prefetchBatch]*entry
	n := 0
	flush := func() {
		k := 0
		for _, e := range batch[:n] {
			if e.mb == nil {
				passive[k] = e
				k++
			}
		}
		prefetch(passive[:k])
		for _, e := range batch[:n] {
			fn(e)
		}
		n = 0
	}
	for e := range s.m.all() {
		batch[n] = e
		if n++; n == prefetchBatch {
			flush()
		}
	}
	flush()
}

// prefetchBatch is how many entities a walk prefetches at a time: enough
// to keep the processor's misses in flight together, few enough that they
// are still in its cache when they are used.
const prefetchBatch = 32

// prefetch reads ahead what a walk will read of es, whose states must be
// readable here: their ids, and their states (domain.Prefetch).
func prefetch(es []*entry) {
	var states [prefetchBatch]domain.State
	for i, e := range es {
		states[i] = e.state
	}
	prefetchIDs(es)
	domain.Prefetch(states[:len(es)])
}

// entries lists the entries of one shard of kind.
func (d *directory) entries(kind domain.Kind, i int) []*entry {
	s := &d.kinds[kind][i]
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*entry, 0, s.m.len())
	for e := range s.m.all() {
		out = append(out, e)
	}
	return out
}

// eachIdle calls fn for each of es (entities of shard i of kind) whose
// state may be read now, with the shard locked, and returns the others,
// whose actors are handling a message and own their state until they are
// done. A passive entity may be read, and so may an active one with no
// message in flight: its actor is between messages, the last one's
// changes happened before its in-flight count went to zero (atomically),
// and while the lock is held no message can be routed to it, the same
// reasoning by which sweep passivates. The lock is taken for a few
// entities at a time: activating another entity of the shard is never
// kept waiting behind a whole shard's worth of work. Each such batch is
// prefetched before fn sees any of it (domain.Prefetch).
func (d *directory) eachIdle(kind domain.Kind, i int, es []*entry, fn func(e *entry)) (busy []*entry) {
	s := &d.kinds[kind][i]
	for b := 1; len(es) > 0; b++ {
		n := min(len(es), prefetchBatch)
		s.mu.Lock()
		var idle [prefetchBatch]*entry
		k := 0
		for _, e := range es[:n] {
			if e.mb != nil && e.inflight.Load() != 0 {
				busy = append(busy, e)
				continue
			}
			idle[k] = e
			k++
		}
		prefetch(idle[:k])
		for _, e := range idle[:k] {
			fn(e)
		}
		s.mu.Unlock()
		es = es[n:]
		if b%yieldEvery == 0 {
			runtime.Gosched()
		}
	}
	return busy
}

// prefetchIDs reads the first byte of every entry's id, all of them
// before any is used: see domain.Prefetch.
//
//go:noinline
func prefetchIDs(es []*entry) (s uintptr) {
	for _, e := range es {
		if e.id != "" {
			s += uintptr(e.id[0])
		}
	}
	return s
}

// yieldEvery is how many batches eachIdle reads between two yields of its
// goroutine, about a millisecond of a snapshot's encoding. A snapshot runs
// it on every core, and the scheduler preempts a goroutine only after it
// ran 10 ms: an operation's actors, made runnable meanwhile, waited behind
// the encoders for whole slices (44 ms in a trace of one snapshot).
const yieldEvery = 16

// count returns how many entities of kind the directory holds.
func (d *directory) count(kind domain.Kind) int {
	n := 0
	shards := d.kinds[kind]
	for i := range shards {
		shards[i].mu.Lock()
		n += shards[i].m.len()
		shards[i].mu.Unlock()
	}
	return n
}

// inflight is the number of messages routed and not yet handled.
func (d *directory) inflight() int64 { return d.pending.Load() }
