package actors

import (
	"context"
	"errors"
	"fmt"
	"time"

	"allot/domain"
	"allot/persistence"
)

// EntityStore is a Store that also keeps each entity's own snapshot and
// loads one entity on its own (persistence/pgstore). On such a store the
// engine keeps the kinds that can be millions (wallets) out of memory until
// one of them is used, so a restart does not wait for them:
//
//   - LoadEntity returns the entity's own snapshot, if it has one, and
//     every durable record of it after that snapshot, in sequence order.
//   - PutEntitySnapshots stores entities' own snapshots; an entity's stored
//     snapshot only ever moves forward. The engine stores one only once
//     every record it covers is durable.
//   - ScanEntities calls fn with the history of every entity of kind the
//     store holds, for whole-state checks.
//   - KeepUncovered names the kinds the engine keeps lazily: Compact must
//     keep every record of theirs that the entity's own snapshot does not
//     cover, whatever the whole-state snapshots hold, because those leave
//     idle entities of such kinds out.
//   - SkipInReplay lets Recover leave out, when partial answers true once
//     the snapshot is restored, records of those kinds whose event type is
//     none of pins; it may keep any of them.
type EntityStore interface {
	Store
	LoadEntity(ctx context.Context, kind domain.Kind, id string) (persistence.EntityHistory, error)
	PutEntitySnapshots(ctx context.Context, snaps []persistence.EntitySnapshot) error
	ScanEntities(ctx context.Context, kind domain.Kind, fn func(id string, h persistence.EntityHistory) error) error
	KeepUncovered(kinds []domain.Kind)
	SkipInReplay(pins []domain.EventType, partial func() bool)
}

// recoveryPatience is how long recovery asks again for an entity the
// store cannot load.
const recoveryPatience = 30 * time.Second

// pinTypes are the event types that may pin an entity of a lazy kind.
func pinTypes() []domain.EventType {
	var out []domain.EventType
	for _, s := range entityKinds {
		if s.lazy && s.pins != nil {
			out = append(out, s.pinType)
		}
	}
	return out
}

// reloadResident brings the lazy entities a snapshot restored up to date
// from the store, after a replay that left out their records (a partial
// replay): the store holds each one's history whole.
func (e *Engine) reloadResident() error {
	var errs []error
	for _, kind := range lazyKinds() {
		parts := collect(e.dir, kind, func(ens *[]*entry, en *entry) {
			if en.state != nil && en.flags&flagDirty != 0 {
				*ens = append(*ens, en)
			}
		})
		for _, ens := range parts {
			for _, en := range ens {
				var err error
				en.state, err = e.loadState(kind, en.id)
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// An entry's flags, for lazy kinds only. They follow the rule of state:
// written by the entity's actor in its turn, or under the shard lock while
// no turn runs (recovery, the sweep, a snapshot's walk).
const (
	// flagUnloaded: the entity's state is in the store, not in memory; its
	// actor's first turn loads it.
	flagUnloaded uint8 = 1 << iota
	// flagDirty: the state changed since its own snapshot was stored.
	flagDirty
)

// lazyKinds are the kinds an engine on an EntityStore loads on first use.
func lazyKinds() []domain.Kind {
	var out []domain.Kind
	for _, s := range entityKinds {
		if s.lazy {
			out = append(out, s.kind)
		}
	}
	return out
}

// passiveCommand is a command that reads an entity only if its state is
// in memory: a snapshot's copy must not load what the store already has.
type passiveCommand interface{ passive() }

// activate loads an unloaded entity's state in its actor's turn. A store
// that cannot answer is asked again, with growing pauses, until it answers,
// fails for good or the engine closes: a command waits for its entity
// rather than being dropped, as it would wait for a slow disk. A history
// that cannot be decoded is not retried: the error names the entity.
func (e *Engine) activate(en *entry) error {
	st, err := e.loadState(en.kind, en.id)
	if err != nil {
		return err
	}
	en.state, en.flags = st, 0
	e.activations.Add(1)
	return nil
}

// loadState reads an entity's history from the store and rebuilds its
// state: nil for an entity the store has never seen.
func (e *Engine) loadState(kind domain.Kind, id string) (domain.State, error) {
	h, err := e.loadHistory(kind, id)
	if err != nil {
		return nil, err
	}
	return rebuildEntity(kind, id, h)
}

// loadHistory reads an entity's history from the store, asking again
// while it cannot answer. Recovery gives up after recoveryPatience, so
// that a start against a database gone away fails (and the service
// manager tries again) instead of waiting for ever.
func (e *Engine) loadHistory(kind domain.Kind, id string) (persistence.EntityHistory, error) {
	pause := 10 * time.Millisecond
	var giveUp time.Time
	if !e.recovered.Load() {
		giveUp = time.Now().Add(recoveryPatience)
	}
	for {
		ctx, cancel := context.WithTimeout(context.Background(), e.opts.RequestTimeout)
		h, err := e.entities.LoadEntity(ctx, kind, id)
		cancel()
		if err == nil {
			return h, nil
		}
		if e.store.Err() != nil || e.closed.Load() || !giveUp.IsZero() && time.Now().After(giveUp) {
			return h, fmt.Errorf("actors: load %s %s: %w", kind, id, err)
		}
		e.log.Warn("loading an entity failed; trying again", "kind", kind.String(), "id", id, "in", pause, "err", err)
		time.Sleep(pause)
		pause = min(2*pause, 5*time.Second)
	}
}

// rebuildEntity decodes an entity's own snapshot and applies its records
// after it; nil for an entity the store has never seen.
func rebuildEntity(kind domain.Kind, id string, h persistence.EntityHistory) (domain.State, error) {
	var st domain.State
	if h.State != nil {
		s, err := decodeEntityState(kind, id, h.State)
		if err != nil {
			return nil, err
		}
		st = s
	}
	for _, r := range h.Records {
		rec, err := domain.DecodeRecord(r.Payload)
		if err != nil {
			return nil, fmt.Errorf("actors: %s %s: record %d: %w", kind, id, r.Seq, err)
		}
		if rec.Kind != kind || rec.ID != id {
			return nil, fmt.Errorf("actors: %s %s: record %d belongs to %s %s", kind, id, r.Seq, rec.Kind, rec.ID)
		}
		if r.Seq <= stateSeq(st) {
			continue
		}
		if st, err = applyEvent(kind, id, st, rec.Event, r.Seq); err != nil {
			return nil, fmt.Errorf("record %d: %w", r.Seq, err)
		}
	}
	return st, nil
}

// decodeEntityState decodes one entity's own snapshot, all of it.
func decodeEntityState(kind domain.Kind, id string, b []byte) (domain.State, error) {
	spec, err := specOf(kind)
	if err != nil {
		return nil, err
	}
	st := spec.new(id)
	rest, err := domain.ReadState(st, b)
	if err == nil && len(rest) != 0 {
		err = fmt.Errorf("%d bytes after the state", len(rest))
	}
	if err != nil {
		return nil, fmt.Errorf("actors: %s %s: its own snapshot: %w", kind, id, err)
	}
	return st, nil
}

// replayAbsent is replay's answer to a record of a lazy entity that is not
// in memory: its history is in the store, so the record is skipped, unless
// it leaves the entity with something recovery must resume (a purchase
// still processing). Then the entity is loaded whole, as the store has it
// now, and the records after it are skipped as already seen.
func (e *Engine) replayAbsent(seq uint64, rec domain.Record, en *entry) error {
	if spec := kindSpecs[rec.Kind]; spec.pins == nil || !spec.pins(rec.Event) {
		return nil
	}
	st, err := e.loadState(rec.Kind, rec.ID)
	if err != nil {
		return fmt.Errorf("record %d: %w", seq, err)
	}
	if en == nil {
		en = e.dir.put(rec.Kind, rec.ID, st)
	}
	en.state, en.flags = st, 0
	return nil
}

// skipsUndecoded tells, from a record's header alone, that replay skips
// it: a record of a lazy entity not in memory, of a type that cannot pin
// it. Most records after a snapshot on PostgreSQL are such, and decoding
// them was most of the replay's work.
func (e *Engine) skipsUndecoded(payload []byte) bool {
	if e.entities == nil {
		return false // every kind in memory: nothing is skipped, nor its header read twice
	}
	kind, id, ok := domain.RecordEntity(payload)
	if !ok || !e.dir.lazy[kind] {
		return false
	}
	en, ok := e.dir.peek(kind, string(id))
	switch {
	case ok && e.partialReplay && en.flags&flagDirty != 0 && en.state != nil:
		return true // restored by the snapshot, and reloaded whole after a partial replay (reloadResident)
	case ok && en.flags&flagUnloaded == 0:
		return false // in memory: applied
	}
	typ, ok := domain.RecordType(payload)
	return ok && typ != kindSpecs[kind].pinType
}

// lazyEntity is one entity of a lazy kind that a snapshot met in memory,
// and its own snapshot; en is nil for one its actor copied.
type lazyEntity struct {
	en  *entry
	own persistence.EntitySnapshot
}

// storeOwn stores the own snapshots of a shard's changed entities, once
// every record they cover is durable, and then marks clean those that did
// not change meanwhile. A whole-state snapshot does it before its header
// is stored, for the lazy kinds it leaves out.
func (e *Engine) storeOwn(ctx context.Context, kind domain.Kind, shard int, dirty []lazyEntity) error {
	if len(dirty) == 0 {
		return nil
	}
	snaps := make([]persistence.EntitySnapshot, len(dirty))
	seqs := make(map[*entry]uint64, len(dirty))
	ens := make([]*entry, 0, len(dirty))
	var top uint64
	for i, d := range dirty {
		snaps[i] = d.own
		top = max(top, d.own.Seq)
		if d.en != nil { // copied by its actor, it is left dirty: it was busy, and may have changed since
			ens = append(ens, d.en)
			seqs[d.en] = d.own.Seq
		}
	}
	if err := e.store.WaitDurable(ctx, top); err != nil {
		return err
	}
	if err := e.entities.PutEntitySnapshots(ctx, snaps); err != nil {
		return err
	}
	e.dir.eachIdle(kind, shard, ens, func(en *entry) {
		if en.state != nil && stateSeq(en.state) == seqs[en] {
			en.flags &^= flagDirty
		}
	})
	return nil
}

// evictable tells the sweep whether a passive entity's state may leave
// memory: it is of a lazy kind, its own snapshot holds it (clean), every
// record of it is durable, and recovery has nothing to resume in it.
func (e *Engine) evictable(en *entry) bool {
	if en.flags != 0 {
		return false
	}
	if en.state == nil {
		return true
	}
	spec := kindSpecs[en.kind]
	return stateSeq(en.state) <= e.store.DurableSeq() && (spec.pinned == nil || !spec.pinned(en.state))
}

// eachStored calls fn with every entity of a lazy kind that is not in
// memory, rebuilt from the store: Check's view of the entities the
// directory does not hold. loaded names the ones it does.
func (e *Engine) eachStored(kind domain.Kind, loaded map[string]bool, fn func(state any)) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var errs []error
	err := e.entities.ScanEntities(ctx, kind, func(id string, h persistence.EntityHistory) error {
		if loaded[id] {
			return nil
		}
		st, err := rebuildEntity(kind, id, h)
		if err != nil {
			errs = append(errs, err)
		} else if st != nil {
			fn(st)
		}
		return nil
	})
	return errors.Join(append(errs, err)...)
}
