package actors

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"allot/domain"
	"allot/persistence"
)

// SnapshotFormat is the version of the snapshot payload written by this
// package (the file framing around it belongs to persistence).
//
// Payload v1 and v2, all msgpack:
//
//	header: array [format uint, created unix-nanos int, blocks uint]
//	block*: array [kind uint, count uint, body bin]
//	body:   count × (id string, state map)   -- state is the domain struct
//
// Blocks are independent so that both writing and restoring run on every
// core; each block holds entities of one kind from one directory shard.
//
// v2 (issue 18) has the same layout; a wallet's state may hold "bu", its
// USDT balance, and its entries "cu", their currency, both only when not
// zero (TON). A v1 payload has neither and restores with everything in TON.
// The number changed so that a build from before currencies, which skips
// keys it does not know, refuses a v2 payload instead of restoring a USDT
// ledger as TON.
//
// v3 has the same layout again, and is written only by an engine whose
// store loads one entity (PostgreSQL): it leaves out the entities of lazy
// kinds that the store holds on their own (idle wallets). A build from
// before refuses it rather than start without those wallets, and so does
// an engine on files, which could not load them.
const SnapshotFormat = 3

// eagerSnapshotFormat is what an engine that keeps every entity in memory
// writes: a build that reads v2 still reads it, so a downgrade on files
// stays possible.
const eagerSnapshotFormat = 2

// minSnapshotFormat is the oldest payload this build restores: every
// format ever written, for ever.
const minSnapshotFormat = 1

// snapshotCopy asks a busy entity to encode its own state, so that the
// snapshot never reads state an actor is changing. A large one (a
// domain.Freezer) hands over a frozen copy instead, which the snapshot
// encodes while the entity goes on.
type snapshotCopy struct{ asker }

func (c *snapshotCopy) run(x *exec) {
	if x.e.state == nil {
		c.r.send(encoded{id: x.e.id}, nil)
		return
	}
	out := encoded{id: x.e.id, seq: x.seq(), flags: x.e.flags, whole: wholeState(x.eng.dir, x.e.kind, x.e.state)}
	if f, ok := x.e.state.(domain.Freezer); ok {
		out.frozen = f.Freeze()
		c.r.send(out, nil)
		return
	}
	var err error
	out.state, err = domain.AppendState(nil, x.e.state)
	c.r.send(out, err)
}

// passive: an entity whose state is still in the store has nothing to copy.
func (c *snapshotCopy) passive() {}

type encoded struct {
	id     string
	state  []byte
	frozen domain.State // instead of state: a copy still to encode
	seq    uint64
	flags  uint8
	whole  bool // belongs in the whole-state snapshot
}

// wholeState tells whether a whole-state snapshot holds st: every state of
// an eager kind, and of a lazy kind only one that recovery must find in
// memory; the others are in the store on their own.
func wholeState(d *directory, kind domain.Kind, st domain.State) bool {
	if !d.lazy[kind] {
		return true
	}
	spec := kindSpecs[kind]
	return spec.pinned != nil && spec.pinned(st)
}

type block struct {
	kind  domain.Kind
	count int
	body  []byte
	max   uint64 // highest entity sequence inside
}

// Snapshot writes a snapshot of every entity now, without stopping work:
// entities are copied shard by shard while commands keep flowing.
func (e *Engine) Snapshot(ctx context.Context) (persistence.SnapshotInfo, error) {
	if e.closed.Load() {
		return persistence.SnapshotInfo{}, ErrClosed
	}
	return e.snapshot(ctx)
}

func (e *Engine) snapshot(ctx context.Context) (persistence.SnapshotInfo, error) {
	e.snapMu.Lock()
	defer e.snapMu.Unlock()
	start := time.Now()
	// Every event up to seq is in the entities when they are copied after
	// this point; later events may be too, and each entity's own Seq tells
	// recovery which journal records it has already seen.
	seq := e.store.LastSeq()
	var waited time.Duration
	info, err := e.store.WriteSnapshot(seq, func(w io.Writer) error {
		top, err := e.streamBlocks(ctx, w)
		if err != nil {
			return err
		}
		// The file must not hold events the journal could still lose: it
		// becomes visible only after this returns. In FSYNC=os mode
		// "durable" means written, not synced, so sync too, else a power
		// loss could leave the snapshot ahead of the journal and recovery
		// would rightly refuse to start.
		t := time.Now()
		defer func() { waited = time.Since(t) }()
		if err := e.store.WaitDurable(ctx, top); err != nil {
			return err
		}
		if e.opts.Fsync == persistence.FsyncOS {
			return e.store.Sync()
		}
		return nil
	})
	if err != nil {
		return info, fmt.Errorf("actors: snapshot: %w", err)
	}
	info.Duration = time.Since(start) // copying the entities counts, not only writing the file
	e.snapshotTook(info.Duration)
	e.log.Info("snapshot written", "seq", seq, "bytes", info.Size, "took", info.Duration, "journal_wait", waited)
	e.compact()
	return info, nil
}

// compact lets the store drop records no kept snapshot needs.
func (e *Engine) compact() {
	if err := e.store.Compact(e.opts.SnapshotKeep); err != nil {
		e.log.Warn("store compaction failed", "err", err)
	}
}

// streamBlocks encodes every shard of every kind and writes each block as
// soon as it is ready, so a snapshot needs a few blocks' worth of memory,
// not the whole state's: allocating the whole state again made the garbage
// collector's assists the largest cost of a large snapshot. An entity
// whose actor is not handling a message is encoded under its shard's lock
// (nothing can be routed to it meanwhile); a busy one is asked to encode
// itself. It returns the highest entity sequence written.
func (e *Engine) streamBlocks(ctx context.Context, w io.Writer) (uint64, error) {
	jobs := snapshotJobs()
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := msgpack.NewEncoder(bw)
	format := uint64(eagerSnapshotFormat)
	if e.entities != nil {
		format = SnapshotFormat
	}
	err := errors.Join(enc.EncodeArrayLen(3), enc.EncodeUint(format),
		enc.EncodeInt(time.Now().UnixNano()), enc.EncodeUint(uint64(len(jobs))))
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out, free := e.encodeBlocks(ctx, jobs)
	var top uint64
	for range jobs {
		d := <-out
		if err == nil {
			err = d.err
		}
		if err == nil {
			top = max(top, d.b.max)
			err = errors.Join(enc.EncodeArrayLen(3), enc.EncodeUint(uint64(d.b.kind)),
				enc.EncodeUint(uint64(d.b.count)), enc.EncodeBytes(d.b.body))
		}
		if err != nil {
			cancel()
		}
		free <- d.buf
	}
	if err != nil {
		return 0, err
	}
	return top, bw.Flush()
}

// shardJob is one block of a snapshot: one directory shard of one kind.
type shardJob struct {
	kind  domain.Kind
	shard int
}

// snapshotJobs lists the blocks of a snapshot in the order they are
// encoded: kinds in registration order, shards in order.
func snapshotJobs() []shardJob {
	var jobs []shardJob
	for _, k := range kindList() {
		for i := 0; i < shardCount; i++ {
			jobs = append(jobs, shardJob{k, i})
		}
	}
	return jobs
}

// encodedBlock is a block encoded by a worker, into buf.
type encodedBlock struct {
	b   block
	buf *bytes.Buffer
	err error
}

// encodeBlocks encodes jobs on one worker per core but one and delivers
// each block on out as it is done (jobs are taken in order, finished in
// any). The caller gives every block's buffer back on free once the block
// is written: a worker waits for one before it encodes, which is what
// bounds the memory. After ctx ends, the remaining jobs end at once with
// its error.
//
// One core is left to the operations that go on meanwhile (and, on
// PostgreSQL, to the server's backends): the snapshot is paced by the one
// goroutine that writes its stream, so an encoder on every core only took
// their CPU. loadtest -mode restore -entities 1000000 on 2 cores, with one
// encoder instead of two: the snapshot 0.69-0.78 s as before (0.63-0.79),
// deposits during it 94,000-97,000 at p99 0.07-0.09 ms instead of
// 66,000-70,000 at p99 0.15-0.24 ms; with -store postgres 750 deposits at
// p99 9.5 ms instead of 250-376 at p99 28-40 ms, the commits no longer
// waiting for a core behind the encoders.
func (e *Engine) encodeBlocks(ctx context.Context, jobs []shardJob) (out <-chan encodedBlock, free chan<- *bytes.Buffer) {
	workers := max(1, runtime.GOMAXPROCS(0)-1)
	queue, done := make(chan shardJob), make(chan encodedBlock, workers)
	buffers := make(chan *bytes.Buffer, workers+1)
	for i := 0; i < workers+1; i++ {
		buffers <- new(bytes.Buffer)
	}
	for i := 0; i < workers; i++ {
		go func() {
			for j := range queue {
				buf := <-buffers
				b, err := e.encodeShard(ctx, j.kind, j.shard, buf)
				done <- encodedBlock{b, buf, err}
			}
		}()
	}
	go func() { // every job is handed out; after a failure they end at once
		defer close(queue)
		for _, j := range jobs {
			queue <- j
		}
	}()
	return done, buffers
}

// onCores runs fn(0..n-1) on one goroutine per core and waits for all.
func onCores(n int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

func (e *Engine) encodeShard(ctx context.Context, kind domain.Kind, shard int, buf *bytes.Buffer) (block, error) {
	if err := ctx.Err(); err != nil {
		return block{kind: kind}, err
	}
	buf.Reset()
	buf.Grow(int(e.snapSizes[kind][shard].Load() * 9 / 8)) // last time's size: no regrowing
	b := block{kind: kind}
	var err error
	// An entity whose actor is handling a message owns its state: not even
	// the pointer may be read here, so those are asked below. The others,
	// passive or between messages, are read here: asking every active
	// entity made a snapshot taken just after a busy minute wake tens of
	// thousands of actors at once, and operations waited behind them for
	// a core (70-90 ms, go tool trace -pprof=sched).
	var dirty []lazyEntity // lazy entities changed since their own snapshot
	var frozen []frozenState
	busy := e.dir.eachIdle(kind, shard, e.dir.entries(kind, shard), func(en *entry) {
		if en.state == nil || err != nil {
			return
		}
		if e.dir.lazy[kind] {
			dirty, err = e.copyLazy(&b, buf, en, dirty)
			return
		}
		if f, ok := en.state.(domain.Freezer); ok { // encoded below, once the shard is unlocked
			frozen = append(frozen, frozenState{en.id, f.Freeze()})
			return
		}
		err = appendEntity(&b, buf, en.id, en.state)
	})
	for _, f := range frozen {
		if err == nil {
			err = appendEntity(&b, buf, f.id, f.state)
		}
	}
	if err == nil {
		dirty, err = e.copyBusy(ctx, &b, buf, busy, dirty)
	}
	if err == nil {
		err = e.storeOwn(ctx, kind, shard, dirty)
	}
	b.body = buf.Bytes()
	e.snapSizes[kind][shard].Store(int64(len(b.body)))
	return b, err
}

// frozenState is a copy of a large idle state, taken under its shard's
// lock and encoded after it: messages to the shard wait for the copy
// only, not for the encoding.
type frozenState struct {
	id    string
	state domain.State
}

// appendEntity encodes one entity's id and state into the block, in the
// buffer's spare room when it fits.
func appendEntity(b *block, buf *bytes.Buffer, id string, st domain.State) error {
	out, err := domain.AppendState(domain.AppendString(buf.AvailableBuffer(), id), st)
	buf.Write(out)
	b.count++
	b.max = max(b.max, stateSeq(st))
	return err
}

// copyBusy asks every busy entity of a block to encode itself, all at
// once, then collects: one round trip per shard rather than one per
// entity. Lazy entities go where copyLazy would put them.
func (e *Engine) copyBusy(ctx context.Context, b *block, buf *bytes.Buffer, busy []*entry, dirty []lazyEntity) ([]lazyEntity, error) {
	r := make(replyTo, len(busy))
	asked := 0
	for _, en := range busy {
		if e.dir.route(nil, b.kind, en.id, &snapshotCopy{asker{r}}, false) {
			asked++
		}
	}
	for ; asked > 0; asked-- {
		var res result
		select {
		case res = <-r:
		case <-ctx.Done():
			return dirty, ctx.Err()
		}
		if res.err != nil {
			return dirty, res.err
		}
		c := res.v.(encoded)
		if c.frozen != nil {
			var err error
			if c.state, err = domain.AppendState(nil, c.frozen); err != nil {
				return dirty, err
			}
		}
		if c.state == nil {
			continue
		}
		if c.flags&flagDirty != 0 { // stored, but left dirty: the entity was busy and may have changed since
			dirty = append(dirty, lazyEntity{own: persistence.EntitySnapshot{Kind: uint8(b.kind), ID: c.id, Seq: c.seq, State: c.state}})
		}
		if !c.whole {
			continue
		}
		buf.Write(domain.AppendString(buf.AvailableBuffer(), c.id))
		buf.Write(c.state)
		b.count++
		b.max = max(b.max, c.seq)
	}
	return dirty, nil
}

// copyLazy handles an idle entity of a lazy kind in a snapshot: a changed
// one's own snapshot joins dirty, to be stored before the whole-state
// snapshot is, and only one that recovery needs in memory goes into the
// whole-state snapshot too.
func (e *Engine) copyLazy(b *block, buf *bytes.Buffer, en *entry, dirty []lazyEntity) ([]lazyEntity, error) {
	id, st, changed := en.id, en.state, en.flags&flagDirty != 0
	whole := wholeState(e.dir, b.kind, st)
	if !changed && !whole {
		return dirty, nil
	}
	own, err := domain.AppendState(nil, st)
	if err != nil {
		return dirty, err
	}
	if changed {
		dirty = append(dirty, lazyEntity{en: en, own: persistence.EntitySnapshot{Kind: uint8(b.kind), ID: id, Seq: stateSeq(st), State: own}})
	}
	if whole {
		buf.Write(domain.AppendString(buf.AvailableBuffer(), id))
		buf.Write(own)
		b.count++
		b.max = max(b.max, stateSeq(st))
	}
	return dirty, nil
}
