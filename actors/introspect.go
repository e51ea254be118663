package actors

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"allot/domain"
	"allot/persistence"
)

// The read side for operators: the introspection endpoint and the metrics
// (adapters/httpapi). Nothing here changes state or activates a passive
// entity, except Entity asking an active one for a copy of its state.

// Errors of the introspection read API.
var (
	ErrNoEntity  = errors.New("actors: no such entity")
	ErrBadCursor = errors.New("actors: bad cursor")
)

// ActorInfo is what an operator sees of one entity in the actor list.
type ActorInfo struct {
	Kind      string // domain.Kind's label: "number", "wallet", ...
	ID        string
	Active    bool   // its actor is running (else its state rests in the directory)
	Mailbox   int    // messages routed to it and not yet handled
	Processed uint64 // messages handled since the process started
	Restarts  uint64 // times its actor restarted after a panic outside a command
	// Idle is about how long ago it last handled a message, at the
	// resolution of the idle sweep (a quarter of Options.IdleTimeout): 0 means
	// since the last sweep. An entity untouched since start shows the uptime.
	Idle time.Duration
}

// KindCount is how many entities of one kind exist, run and wait.
type KindCount struct {
	Entities int // known to the directory (active or passive)
	Active   int // with a running actor
	Mailbox  int // messages routed to them and not yet handled
}

// defaultPage is the page size of Actors when limit is not positive.
const defaultPage = 100

// Actors returns a page of at most limit entities of kind (of every kind
// when kind is 0) that come after the cursor after ("" for the first page),
// and the cursor of the next page ("" after the last one).
//
// The order is kind (by code), then directory shard, then id within the
// shard: a page reads and sorts one shard at a time (a million entities
// are ~4k per shard), never the whole directory. The shards hash ids the
// same way in every process (shardIndex), but a cursor is only promised to
// hold within one; entities added meanwhile show up if their place is still
// ahead of the cursor. A cursor reads "kind:shard:id".
func (e *Engine) Actors(kind domain.Kind, after string, limit int) ([]ActorInfo, string, error) {
	if limit <= 0 {
		limit = defaultPage
	}
	kinds, err := e.listedKinds(kind)
	if err != nil {
		return nil, "", err
	}
	at, err := parseCursor(after)
	if err != nil {
		return nil, "", err
	}
	if kind != 0 && at.kind != 0 && at.kind != kind {
		return nil, "", fmt.Errorf("%w: it is for %s, not %s", ErrBadCursor, at.kind, kind)
	}
	var out []ActorInfo
	for _, k := range kinds {
		if k < at.kind {
			continue
		}
		from, afterID := 0, ""
		if k == at.kind {
			from, afterID = at.shard, at.id
		}
		for i := from; i < shardCount; i++ {
			if i > from {
				afterID = ""
			}
			out = append(out, e.shardPage(k, i, afterID, limit-len(out))...)
			if len(out) == limit {
				return out, cursor{k, i, out[len(out)-1].ID}.String(), nil
			}
		}
	}
	return out, "", nil
}

// listedKinds is kind, or every kind the directory holds in code order.
func (e *Engine) listedKinds(kind domain.Kind) ([]domain.Kind, error) {
	if kind != 0 {
		if !e.dir.holds(kind) {
			return nil, fmt.Errorf("%w: no kind %s", ErrNoEntity, kind)
		}
		return []domain.Kind{kind}, nil
	}
	var kinds []domain.Kind
	for k := range e.dir.held() {
		kinds = append(kinds, k)
	}
	return kinds, nil
}

// shardPage lists up to n entities of shard i of kind whose id sorts after
// afterID ("" for all), in id order.
func (e *Engine) shardPage(kind domain.Kind, i int, afterID string, n int) []ActorInfo {
	type found struct {
		en     *entry
		active bool
	}
	s := &e.dir.kinds[kind][i]
	s.mu.Lock()
	list := make([]found, 0, s.m.len())
	for en := range s.m.all() {
		if afterID == "" || en.id > afterID {
			list = append(list, found{en, en.mb != nil})
		}
	}
	s.mu.Unlock()
	slices.SortFunc(list, func(a, b found) int { return cmp.Compare(a.en.id, b.en.id) })
	list = list[:min(n, len(list))]
	out := make([]ActorInfo, len(list))
	epoch := e.dir.epoch.Load()
	for j, f := range list {
		out[j] = ActorInfo{Kind: kind.String(), ID: f.en.id, Active: f.active,
			Mailbox: int(f.en.inflight.Load()), Processed: uint64(f.en.processed.Load()),
			Restarts: uint64(f.en.restarts.Load()),
			Idle:     time.Duration(max(epoch-f.en.used.Load(), 0)) * e.sweepEvery()}
	}
	return out
}

// sweepEvery is the period of the idle sweep (see startLoop).
func (e *Engine) sweepEvery() time.Duration {
	return max(e.opts.IdleTimeout/idleEpochs, time.Millisecond)
}

// cursor is a position in the order of Actors: after id in shard of kind.
type cursor struct {
	kind  domain.Kind
	shard int
	id    string
}

func (c cursor) String() string { return c.kind.String() + ":" + strconv.Itoa(c.shard) + ":" + c.id }

// parseCursor reads "kind:shard:id"; "" is the start. The id is the rest,
// colons and all (a watcher's id is a raw address "0:…").
func parseCursor(s string) (cursor, error) {
	if s == "" {
		return cursor{}, nil
	}
	parts := strings.SplitN(s, ":", 3)
	if len(parts) != 3 {
		return cursor{}, fmt.Errorf("%w: want kind:shard:id", ErrBadCursor)
	}
	k, ok := domain.ParseKind(parts[0])
	i, err := strconv.Atoi(parts[1])
	if !ok || err != nil || i < 0 || i >= shardCount {
		return cursor{}, fmt.Errorf("%w: want kind:shard:id", ErrBadCursor)
	}
	return cursor{k, i, parts[2]}, nil
}

// KindCounts counts the entities of every kind: known, active, and the
// messages waiting for them. It walks the whole directory, a shard lock at
// a time (some milliseconds for a million entities): fine for a metrics
// scrape, not for a hot path.
func (e *Engine) KindCounts() map[domain.Kind]KindCount {
	out := make(map[domain.Kind]KindCount)
	for k, shards := range e.dir.held() {
		var c KindCount
		for i := range shards {
			s := &shards[i]
			s.mu.Lock()
			c.Entities += s.m.len()
			for en := range s.m.all() {
				if en.mb != nil {
					c.Active++
					c.Mailbox += int(en.inflight.Load())
				}
			}
			s.mu.Unlock()
		}
		out[k] = c
	}
	return out
}

// Entity returns a deep copy of the state of entity (kind, id): a
// *domain.Number, *domain.Wallet, *domain.Payments, ... It fails with
// ErrNoEntity for an entity the directory does not hold (or holds without
// state). A passive entity is copied where it rests without being
// activated; an active one is asked for a copy, answered once what it has
// applied is durable. The copy goes through msgpack, as a snapshot does,
// so it holds exactly what a snapshot would, less what the kinds config
// says is secret (domain.Redactable).
func (e *Engine) Entity(ctx context.Context, kind domain.Kind, id string) (any, error) {
	if !e.dir.holds(kind) {
		return nil, fmt.Errorf("%w: no kind %s", ErrNoEntity, kind)
	}
	s := e.dir.shard(kind, id)
	s.mu.Lock()
	en := s.m.get(id)
	if en == nil && !e.dir.lazy[kind] {
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: %s %s", ErrNoEntity, kind, id)
	}
	if en != nil && en.mb == nil && en.flags&flagUnloaded == 0 { // passive: its state is frozen while the lock is held
		b, err := encodeState(en.state)
		s.mu.Unlock()
		return e.redacted(decodeState(kind, id, b, err))
	}
	s.mu.Unlock()
	v, err := e.ask(ctx, kind, id, false, func(r replyTo) command { return &copyState{asker{r}} })
	if err != nil {
		return nil, err
	}
	return e.redacted(decodeState(kind, id, v.([]byte), nil))
}

// redacted hides what only the kinds config knows is secret (a pool's
// rows are plain lists of cells, and the column named like a password is
// one; the HTTP layer redacts by field name and cannot see it).
func (e *Engine) redacted(st domain.State, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	if r, ok := st.(domain.Redactable); ok {
		r.Redact(e.opts.Kinds)
	}
	return st, nil
}

// copyState asks an active entity for its state, encoded.
type copyState struct{ asker }

func (c *copyState) run(x *exec) {
	b, err := encodeState(x.e.state)
	x.reply(c.r, b, err)
}

func encodeState(state domain.State) ([]byte, error) {
	if state == nil {
		return nil, nil
	}
	return domain.AppendState(nil, state)
}

func decodeState(kind domain.Kind, id string, b []byte, err error) (domain.State, error) {
	if err != nil {
		return nil, fmt.Errorf("actors: copy %s %s: %w", kind, id, err)
	}
	if b == nil {
		return nil, fmt.Errorf("%w: %s %s has no state", ErrNoEntity, kind, id)
	}
	spec, err := specOf(kind)
	if err != nil {
		return nil, err
	}
	st := spec.new(id)
	rest, err := domain.ReadState(st, b)
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("%d bytes after the state", len(rest))
	}
	if err != nil {
		return nil, fmt.Errorf("actors: copy %s %s: %w", kind, id, err)
	}
	return st, nil
}

// NumberCounts counts the numbers of the catalogue by status, and the
// rentals running now: rented numbers and blocked ones with a renter (a
// block shows over the rental, whose clock keeps running). It reads the
// catalogue's read model, so a rental past its end counts until the
// scheduler's tick expires it.
func (e *Engine) NumberCounts() (byStatus map[domain.NumberStatus]int, rentals int) {
	byStatus = map[domain.NumberStatus]int{}
	e.view.mu.RLock()
	defer e.view.mu.RUnlock()
	for _, v := range e.view.rows {
		byStatus[v.status]++
		if v.status == domain.StatusRented || v.status == domain.StatusBlocked && v.renter != 0 {
			rentals++
		}
	}
	return byStatus, rentals
}

// Watchers returns the status of every payment watcher started on the
// engine.
func (e *Engine) Watchers() []WatchStatus {
	e.watchMu.Lock()
	ws := slices.Clone(e.watchers)
	e.watchMu.Unlock()
	out := make([]WatchStatus, len(ws))
	for i, w := range ws {
		out[i] = w.Status()
	}
	return out
}

// LastSnapshot describes the newest snapshot on disk (its Duration is 0:
// the engine does not keep how long it took). busy reports a snapshot
// being written now; the newest one is then not looked up, because the
// snapshot store is locked for the whole write. ok is false when there is
// no snapshot yet, or it could not be listed.
func (e *Engine) LastSnapshot() (info persistence.SnapshotInfo, busy, ok bool) {
	if !e.snapMu.TryLock() {
		return info, true, false
	}
	defer e.snapMu.Unlock()
	list, err := e.store.Snapshots()
	if err != nil || len(list) == 0 {
		return info, false, false
	}
	return list[0], false, true // newest first
}
