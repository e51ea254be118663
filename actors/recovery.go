package actors

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"allot/domain"
	"allot/persistence"
)

// recover loads the newest valid snapshot and replays the journal after it.
// A record is applied only to an entity that has not seen it (its Seq is
// older), which is what makes fuzzy snapshots correct.
func (e *Engine) recover() error {
	info, err := e.recoverState()
	if err != nil {
		return fmt.Errorf("actors: recover: %w", err)
	}
	e.recovery = info
	if top := max(e.restoredTop, e.replayedTop); top > e.store.LastSeq() {
		// A fuzzy snapshot can hold events up to top while its own seq is
		// lower; if the journal lost them (a repair cut it short), new
		// events would reuse their sequences and a later replay would skip
		// them as already seen. A store must also never replay a record
		// above the sequence it goes on from. Refuse rather than lose them.
		return fmt.Errorf("actors: recover: the state holds events up to %d but the store goes on from %d: "+
			"with files, run `allot snapshot repair` to restart the journal after the snapshot; with PostgreSQL, "+
			"make sure no other allot writes to the same database", top, e.store.LastSeq())
	}
	t := time.Now()
	e.rebuildView()
	e.openTimes.View = time.Since(t)
	e.rebuildProxies()
	e.rebuildGaps()
	if c, ok := e.dir.peek(domain.KindCatalog, singleton); ok {
		e.setPrices(c.state.(*domain.Catalog).Prices)
		e.setSettings(c.state.(*domain.Catalog))
	}
	e.log.Info("state restored", "snapshot_seq", info.SnapshotSeq, "replayed", info.Replayed,
		"last_seq", info.LastSeq, "numbers", e.dir.count(domain.KindNumber),
		"wallets", e.dir.count(domain.KindWallet), "took", info.Duration)
	return nil
}

// recoverState restores the snapshot and replays the journal on every
// core; the replay's time includes applying the last records handed out.
func (e *Engine) recoverState() (persistence.RecoveryInfo, error) {
	r := newReplayer(e)
	info, err := e.store.Recover(e.restore, r.add)
	e.replayedTop = r.top
	t := time.Now()
	if cerr := r.close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil && e.partialReplay {
		err = e.reloadResident()
	}
	tail := time.Since(t)
	info.ReplayDuration += tail
	info.Duration += tail
	return info, err
}

// bareEngine is an engine without actors, store or scheduler, its
// singletons preset: every entity stays passive, so tools can restore into
// it, read it and snapshot it directly.
func bareEngine(dir string) *Engine {
	e := &Engine{opts: withDefaults(Options{Dir: dir})}
	e.clock = e.opts.Clock
	e.dir = newDirectory(nil, kindList()...)
	presetAll(e.dir, &e.opts)
	return e
}

// SnapshotTop returns the highest entity sequence inside a snapshot
// payload: a fuzzy snapshot at seq S may hold events after S, and a journal
// restarted after it must start beyond them. For repair tools; it decodes
// every entity.
func SnapshotTop(payload []byte) (uint64, error) {
	e := bareEngine("")
	if err := e.restore(0, payload); err != nil {
		return 0, err
	}
	return e.restoredTop, nil
}

func (e *Engine) replay(seq uint64, payload []byte) error {
	if e.skipsUndecoded(payload) {
		return nil
	}
	rec, err := domain.DecodeRecord(payload)
	if err != nil {
		return fmt.Errorf("record %d: %w", seq, err)
	}
	en, ok := e.dir.peek(rec.Kind, rec.ID)
	lazy := e.dir.lazy[rec.Kind]
	if lazy && (!ok || en.flags&flagUnloaded != 0) {
		return e.replayAbsent(seq, rec, en)
	}
	if !ok {
		en = e.dir.put(rec.Kind, rec.ID, nil)
	}
	if en.state != nil && stateSeq(en.state) >= seq {
		return nil // already in the snapshot
	}
	st, err := applyEvent(rec.Kind, rec.ID, en.state, rec.Event, seq)
	if err != nil {
		return fmt.Errorf("record %d: %w", seq, err)
	}
	en.state = st
	if lazy {
		en.flags |= flagDirty
	}
	return nil
}

// restore decodes a snapshot payload (format in snapshot.go) into the
// directory, one block per core at a time.
func (e *Engine) restore(_ uint64, payload []byte) error {
	in := bytes.NewReader(payload)
	d := msgpack.NewDecoder(in)
	n, err := d.DecodeArrayLen()
	if err != nil {
		return fmt.Errorf("snapshot payload: bad header: %w", err)
	}
	if n != 3 {
		return fmt.Errorf("snapshot payload: bad header: %d fields", n)
	}
	format, err1 := d.DecodeUint()
	_, err2 := d.DecodeInt64()
	nblocks, err3 := d.DecodeUint()
	if err := errors.Join(err1, err2, err3); err != nil {
		return fmt.Errorf("snapshot payload: %w", err)
	}
	if format < minSnapshotFormat || format > SnapshotFormat {
		return fmt.Errorf("snapshot payload: format %d, this build reads %d to %d", format, minSnapshotFormat, SnapshotFormat)
	}
	if format > eagerSnapshotFormat && e.entities == nil {
		return fmt.Errorf("snapshot payload: format %d leaves out the wallets PostgreSQL holds on their own: "+
			"restore it only with the database it came from", format)
	}
	// A snapshot of an engine that held every wallet (format 2, or a copy
	// of a data directory) restores them all: their records must be
	// replayed, not reloaded one by one.
	e.partialReplay = e.partialReplay && format > eagerSnapshotFormat
	blocks := make([]block, 0, min(uint64(nblocks), 1<<16))
	for i := uint64(0); i < uint64(nblocks); i++ {
		b, err := readBlock(d, in, payload)
		if err != nil {
			return fmt.Errorf("snapshot payload: block %d: %w", i, err)
		}
		blocks = append(blocks, b)
	}
	return e.restoreBlocks(blocks)
}

// readBlock reads the next block header from d, which reads in, a reader
// of payload; the body is payload's own bytes, not a copy: the states
// decoded from it copy what they keep.
func readBlock(d *msgpack.Decoder, in *bytes.Reader, payload []byte) (block, error) {
	n, err := d.DecodeArrayLen()
	if err != nil {
		return block{}, fmt.Errorf("bad block header: %w", err)
	}
	if n != 3 {
		return block{}, fmt.Errorf("bad block header: %d fields", n)
	}
	kind, err1 := d.DecodeUint()
	count, err2 := d.DecodeUint()
	body, err3 := blockBody(d, in, payload)
	if err := errors.Join(err1, err2, err3); err != nil {
		return block{}, err
	}
	if kind > uint(domain.MaxKind) {
		return block{}, fmt.Errorf("%w: kind(%d)", errUnknownKind, kind)
	}
	if _, err := specOf(domain.Kind(kind)); err != nil {
		return block{}, err
	}
	return block{kind: domain.Kind(kind), count: int(count), body: body}, nil
}

// blockBody returns the bin value d is at as a slice of payload, and
// moves past it. d reads in directly (a bytes.Reader is a ByteScanner, so
// msgpack does not buffer it): what in has left tells where d is.
func blockBody(d *msgpack.Decoder, in *bytes.Reader, payload []byte) ([]byte, error) {
	n, err := d.DecodeBytesLen()
	if err != nil {
		return nil, err
	}
	if n == -1 {
		return nil, nil // an empty block's body is written as nil
	}
	at := len(payload) - in.Len()
	if n < 0 || n > in.Len() {
		return nil, fmt.Errorf("a body of %d bytes where %d are left", n, in.Len())
	}
	if _, err := in.Seek(int64(n), io.SeekCurrent); err != nil {
		return nil, err
	}
	return payload[at : at+n : at+n], nil
}

// restoreBlocks restores every block on every core, into shards sized
// beforehand, and records the highest entity sequence restored: the
// journal must reach it (recover checks), and a replay never applies a
// record above the journal's end, so no walk over the entities afterwards
// is needed to find it.
func (e *Engine) restoreBlocks(blocks []block) error {
	counts := map[domain.Kind]int{}
	for _, b := range blocks {
		counts[b.kind] += b.count
	}
	for k, n := range counts {
		e.dir.reserve(k, n)
	}
	errs := make([]error, len(blocks))
	tops := make([]uint64, len(blocks))
	onCores(len(blocks), func(i int) { tops[i], errs[i] = e.restoreBlock(blocks[i]) })
	for _, t := range tops {
		e.restoredTop = max(e.restoredTop, t)
	}
	return errors.Join(errs...)
}

// restoreBlock restores one block and returns its highest entity sequence.
func (e *Engine) restoreBlock(b block) (top uint64, err error) {
	spec, err := specOf(b.kind)
	if err != nil {
		return 0, err
	}
	body := b.body // decoded in place: no Decoder, and no reflection for the millions
	for i := 0; i < b.count; i++ {
		id, rest, err := domain.ReadString(body)
		if err != nil {
			return top, fmt.Errorf("%s entity %d: %w", b.kind, i, err)
		}
		st := spec.new(id)
		if body, err = domain.ReadState(st, rest); err != nil {
			return top, fmt.Errorf("%s %q: %w", b.kind, id, err)
		}
		top = max(top, st.LastSeq())
		en := e.dir.put(b.kind, id, st)
		if e.dir.lazy[b.kind] {
			en.flags = flagDirty // its own snapshot, if any, may be older
		}
	}
	return top, nil
}

// resume re-arms the scheduler and finishes the sagas a crash cut short.
// A processing purchase means money is held for a number: the number step
// is sent again, and it either applies (or finds itself applied) and
// completes the entry, or fails it and the money goes back.
func (e *Engine) resume() {
	// Wake-ups first: after the saga steps below are routed, number states
	// belong to their actors and may no longer be read from here.
	var o numbersOwed
	for _, p := range e.numbersOwed() {
		o.wakes = append(o.wakes, p.wakes...)
		o.chores = append(o.chores, p.chores...)
		o.notices = append(o.notices, p.notices...)
		o.refunds = append(o.refunds, p.refunds...)
	}
	wakes := o.wakes
	refunds := map[string][]domain.OwedRefund{}
	for _, r := range o.refunds {
		refunds[r.number] = r.owed
	}
	// Purchases before anything else reaches a number: its mailbox hands it
	// their steps first, while it still remembers every purchase it applied.
	// Each operation it records after the start may make it forget those
	// older than domain.OpRetention beyond its newest few (after a long stop,
	// the purchase may be that old), and a purchase it has forgotten it would
	// decide again: a renewal extended twice, or a rent refused and its money
	// given back for a rental granted.
	e.resumePurchases()
	e.resumeChores(o.chores)
	// Before the scheduler is armed: a notice owed from before the stop is
	// raised before any the ticks below raise, in the order it fell due.
	e.resumeNotices(o.notices)
	e.dir.each(domain.KindProxy, func(en *entry, _ bool) {
		if p, _ := en.state.(*domain.Proxy); p != nil {
			if at := p.NextWake(); !at.IsZero() {
				wakes = append(wakes, wake{at: at, wakeKey: wakeKey{domain.KindProxy, en.id}})
			}
		}
	})
	wakes = append(wakes, e.rebuildPools()...)
	e.sched.send(&armAll{wakes: wakes})
	e.resumeRefunds(refunds) // last: the wallets were read by resumePurchases, and belong to their actors from here
}

// numbersOwed is what a walk over the numbers finds owed from before a
// stop: wake-ups, Fragment chores, notices and refunds.
type numbersOwed struct {
	wakes   []wake
	chores  []string
	notices []Notice
	refunds []owedRefunds
}

type owedRefunds struct {
	number string
	owed   []domain.OwedRefund
}

// numbersOwed walks every number on every core; the parts are in shard
// order, and each consumer sorts what it needs sorted.
func (e *Engine) numbersOwed() []numbersOwed {
	reminders := e.opts.Policy.Reminders
	now := e.clock()
	return collect(e.dir, domain.KindNumber, func(o *numbersOwed, en *entry) {
		n, _ := en.state.(*domain.Number)
		if n == nil {
			return
		}
		if len(n.Refunds) > 0 {
			o.refunds = append(o.refunds, owedRefunds{n.ID, slices.Clone(n.Refunds)})
		}
		if len(n.Notices) > 0 {
			o.notices = append(o.notices, owedNotices(n, now)...)
		}
		if at := n.NextWake(reminders); !at.IsZero() {
			o.wakes = append(o.wakes, wake{at: at, wakeKey: wakeKey{domain.KindNumber, n.ID}})
		}
		if e.owesChore(n.Chore(now)) {
			o.chores = append(o.chores, n.ID)
		}
	})
}

// resumePurchases sends the number step of every purchase a crash left
// processing (money held for a number) again: the number either applies
// it or finds it applied, and the wallet settles. A purchase whose number
// is gone fails and gives the money back.
func (e *Engine) resumePurchases() {
	type step struct {
		number string
		cmd    *confirmPurchase
	}
	parts := collect(e.dir, domain.KindWallet, func(steps *[]step, en *entry) {
		w, _ := en.state.(*domain.Wallet)
		if w == nil {
			return
		}
		for _, x := range w.Entries {
			if x.Debit && x.Status == domain.EntryProcessing {
				*steps = append(*steps, step{x.Ref, &confirmPurchase{op: x.Op, user: w.User, days: x.Days,
					price: x.Money(), purpose: x.Note}})
			}
		}
	})
	steps := slices.Concat(parts...)
	for _, s := range steps {
		if !e.dir.route(nil, domain.KindNumber, s.number, s.cmd, false) {
			e.dir.route(nil, domain.KindWallet, walletID(s.cmd.user),
				&settleEntry{op: s.cmd.op, to: domain.EntryFailed, cause: domain.ErrNumberNotFound}, true)
		}
	}
	if len(steps) > 0 {
		e.log.Info("resumed unfinished purchases", "count", len(steps))
	}
}
