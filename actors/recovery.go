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
	if top := e.topSeq(); top > e.journal.LastSeq() {
		// A fuzzy snapshot can hold events up to top while its own seq is
		// lower; if the journal lost them (a repair cut it short), new
		// events would reuse their sequences and a later replay would skip
		// them as already seen. Refuse rather than lose them.
		return fmt.Errorf("actors: recover: the state holds events up to %d but the journal ends at %d: "+
			"run `allot snapshot repair` to restart the journal after the snapshot", top, e.journal.LastSeq())
	}
	e.rebuildView()
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
	info, err := persistence.Recover(e.journal, e.snaps, e.restore, r.add)
	t := time.Now()
	if cerr := r.close(); err == nil && cerr != nil {
		err = cerr
	}
	tail := time.Since(t)
	info.ReplayDuration += tail
	info.Duration += tail
	return info, err
}

// topSeq is the highest sequence any entity has applied.
func (e *Engine) topSeq() uint64 {
	var top uint64
	for k := range e.dir.kinds {
		e.dir.each(k, func(en *entry, _ bool) { top = max(top, stateSeq(en.state)) })
	}
	return top
}

// SnapshotTop returns the highest entity sequence inside a snapshot
// payload: a fuzzy snapshot at seq S may hold events after S, and a journal
// restarted after it must start beyond them. For repair tools; it decodes
// every entity.
func SnapshotTop(payload []byte) (uint64, error) {
	e := &Engine{}
	e.dir = newDirectory(nil, kindList()...)
	if err := e.restore(0, payload); err != nil {
		return 0, err
	}
	return e.topSeq(), nil
}

func (e *Engine) replay(seq uint64, payload []byte) error {
	rec, err := domain.DecodeRecord(payload)
	if err != nil {
		return fmt.Errorf("record %d: %w", seq, err)
	}
	en, ok := e.dir.peek(rec.Kind, rec.ID)
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

func (e *Engine) restoreBlocks(blocks []block) error {
	errs := make([]error, len(blocks))
	onCores(len(blocks), func(i int) { errs[i] = e.restoreBlock(blocks[i]) })
	return errors.Join(errs...)
}

func (e *Engine) restoreBlock(b block) error {
	spec, err := specOf(b.kind)
	if err != nil {
		return err
	}
	d := msgpack.NewDecoder(bytes.NewReader(b.body))
	for i := 0; i < b.count; i++ {
		id, err := d.DecodeString()
		if err != nil {
			return fmt.Errorf("%s entity %d: %w", b.kind, i, err)
		}
		st := spec.new(id)
		if err := st.DecodeMsgpack(d); err != nil {
			return fmt.Errorf("%s %q: %w", b.kind, id, err)
		}
		e.dir.put(b.kind, id, st)
	}
	return nil
}

// resume re-arms the scheduler and finishes the sagas a crash cut short.
// A processing purchase means money is held for a number: the number step
// is sent again, and it either applies (or finds itself applied) and
// completes the entry, or fails it and the money goes back.
func (e *Engine) resume() {
	// Wake-ups first: after the saga steps below are routed, number states
	// belong to their actors and may no longer be read from here.
	var wakes []wake
	reminders := e.opts.Policy.Reminders
	var chores []string
	refunds := map[string][]domain.OwedRefund{}
	var notices []Notice
	now := e.clock()
	e.dir.each(domain.KindNumber, func(en *entry, _ bool) {
		if n, _ := en.state.(*domain.Number); n != nil {
			if len(n.Refunds) > 0 {
				refunds[n.ID] = slices.Clone(n.Refunds)
			}
			if len(n.Notices) > 0 {
				notices = append(notices, owedNotices(n, now)...)
			}
			if at := n.NextWake(reminders); !at.IsZero() {
				wakes = append(wakes, wake{at: at, wakeKey: wakeKey{domain.KindNumber, n.ID}})
			}
			if n.Chore(e.clock()).Any() {
				chores = append(chores, n.ID)
			}
		}
	})
	e.resumeChores(chores)
	// Before the scheduler is armed: a notice owed from before the stop is
	// raised before any the ticks below raise, in the order it fell due.
	e.resumeNotices(notices)
	e.dir.each(domain.KindProxy, func(en *entry, _ bool) {
		if p, _ := en.state.(*domain.Proxy); p != nil {
			if at := p.NextWake(); !at.IsZero() {
				wakes = append(wakes, wake{at: at, wakeKey: wakeKey{domain.KindProxy, en.id}})
			}
		}
	})
	wakes = append(wakes, e.rebuildPools()...)
	e.root.Send(e.sched.pid, &armAll{wakes: wakes})
	e.resumePurchases()
	e.resumeRefunds(refunds) // last: the wallets were read by resumePurchases, and belong to their actors from here
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
	var steps []step
	e.dir.each(domain.KindWallet, func(en *entry, _ bool) {
		w, _ := en.state.(*domain.Wallet)
		if w == nil {
			return
		}
		for _, x := range w.Entries {
			if x.Debit && x.Status == domain.EntryProcessing {
				steps = append(steps, step{x.Ref, &confirmPurchase{op: x.Op, user: w.User, days: x.Days,
					price: x.Money(), purpose: x.Note}})
			}
		}
	})
	for _, s := range steps {
		if !e.dir.route(e.root, domain.KindNumber, s.number, s.cmd, false) {
			e.dir.route(e.root, domain.KindWallet, walletID(s.cmd.user),
				&settleEntry{op: s.cmd.op, to: domain.EntryFailed, cause: domain.ErrNumberNotFound}, true)
		}
	}
	if len(steps) > 0 {
		e.log.Info("resumed unfinished purchases", "count", len(steps))
	}
}
