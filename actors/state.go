package actors

import (
	"errors"
	"fmt"
	"strconv"

	"allot/domain"
)

// Singleton ids: registers that exist once are entities too, addressed by
// kind and this id, so that the directory, snapshots and recovery treat
// them like any other.
const singleton = "main"

// registerShards is how many entities the payments register and the user
// directory are split into, so that deposits and user look-ups are not
// serialized through one mailbox. It decides where data lives: never change
// it without migrating a data directory.
const registerShards = 16

// shardOf names the register shard that owns key.
func shardOf(key string) string {
	var h uint32 = 2166136261 // FNV-1a: stable across builds, unlike maphash
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	return strconv.Itoa(int(h % registerShards))
}

// userShard is the directory shard that owns user u.
func userShard(u domain.UserID) string { return strconv.Itoa(int(uint64(u) % registerShards)) }

// paymentShard is the payments shard an incoming payment belongs to: that
// of the first well-formed invoice code in its comment (where its invoice
// lives), else that of the transaction. A pure function of the payment, so
// a transaction seen again always reaches the same shard, which is what
// keeps "applied at most once, ever" true across shards. A comment naming
// several codes is matched against the first one only.
func paymentShard(p domain.Payment) string {
	if codes := domain.FindCodes(p.Comment); len(codes) > 0 {
		return shardOf(codes[0])
	}
	return shardOf(p.Tx.Key())
}

// kindSpec registers one kind of entity with the engine: everything the
// engine does with a state of that kind goes through domain.State and this.
type kindSpec struct {
	kind domain.Kind
	// new is the state of an entity before its first event, and what a
	// snapshot's or a copy's bytes decode into.
	new func(id string) domain.State
	// preset builds the entities that exist from the start (the registers:
	// sharded or single), nil for a kind whose entities begin with their
	// first event.
	preset func(o *Options) map[string]domain.State
	// lazy kinds stay in the store until used when the store can load one
	// entity (EntityStore): the kinds that grow with the users.
	lazy bool
	// pinned tells whether a state holds something recovery resumes, so
	// that it stays in memory and in every whole-state snapshot; pins
	// whether an event may leave it so, and pinType is that event's type,
	// which a replay reads without decoding the event (lazy kinds only).
	pinned  func(domain.State) bool
	pins    func(domain.Event) bool
	pinType domain.EventType
}

// entityKinds lists every kind of entity the engine runs, in the order a
// snapshot encodes them (registers first; restoring does not depend on
// it). A new kind is its state type in domain, implementing domain.State,
// its code in domain.Kind, and a line here.
var entityKinds = []kindSpec{
	{kind: domain.KindCatalog, new: func(string) domain.State { return &domain.Catalog{} },
		preset: single(func(o *Options) domain.State { return &domain.Catalog{Prices: o.Policy.Prices} })},
	{kind: domain.KindUsers, new: func(string) domain.State { return domain.NewUsers() },
		preset: sharded(func() domain.State { return domain.NewUsers() })},
	{kind: domain.KindPayments, new: func(string) domain.State { return domain.NewPayments() },
		preset: sharded(func() domain.State { return domain.NewPayments() })},
	{kind: domain.KindAudit, new: func(string) domain.State { return &domain.AuditLog{} },
		preset: single(func(*Options) domain.State { return &domain.AuditLog{} })},
	{kind: domain.KindIntake, new: func(string) domain.State { return &domain.Intake{} },
		preset: single(func(*Options) domain.State { return &domain.Intake{} })},
	{kind: domain.KindNumber, new: func(string) domain.State { return &domain.Number{} }},
	{kind: domain.KindWallet, new: func(id string) domain.State { return newWallet(id) },
		lazy: true, pinned: holdsPurchase, pins: startsPurchase, pinType: domain.TypeWalletDebited},
	{kind: domain.KindWatcher, new: func(id string) domain.State { return domain.NewWatcher(id) }},
	{kind: domain.KindProxy, new: func(string) domain.State { return &domain.Proxy{} }},
	{kind: domain.KindPool, new: func(id string) domain.State { return domain.NewPool(id) }},
}

// kindSpecs is entityKinds indexed by kind, for the hot paths (replay, emit).
var kindSpecs = func() (out [domain.MaxKind + 1]*kindSpec) {
	for i := range entityKinds {
		out[entityKinds[i].kind] = &entityKinds[i]
	}
	return out
}()

// kindList is the kinds the engine runs, in snapshot order.
func kindList() []domain.Kind {
	out := make([]domain.Kind, len(entityKinds))
	for i, k := range entityKinds {
		out[i] = k.kind
	}
	return out
}

// specOf returns how the engine runs kind, or an error naming a kind this
// build does not know.
func specOf(kind domain.Kind) (*kindSpec, error) {
	if int(kind) < len(kindSpecs) && kindSpecs[kind] != nil {
		return kindSpecs[kind], nil
	}
	return nil, fmt.Errorf("%w: %s", errUnknownKind, kind)
}

// errUnknownKind is an entity kind this build has no state for: a record
// or snapshot block from a newer build, or a bug.
var errUnknownKind = errors.New("actors: unknown entity kind")

// single presets one entity, with the singleton id.
func single(st func(o *Options) domain.State) func(o *Options) map[string]domain.State {
	return func(o *Options) map[string]domain.State { return map[string]domain.State{singleton: st(o)} }
}

// sharded presets one entity per register shard.
func sharded(st func() domain.State) func(o *Options) map[string]domain.State {
	return func(*Options) map[string]domain.State {
		out := make(map[string]domain.State, registerShards)
		for i := 0; i < registerShards; i++ {
			out[strconv.Itoa(i)] = st()
		}
		return out
	}
}

// applyEvent applies ev to the state of entity (kind, id), creating the
// state when the event creates it, and returns the (possibly new) state.
// An event of the wrong kind is an error and changes nothing: DecodeRecord
// and EncodeRecord already refuse those, so it means a bug.
func applyEvent(kind domain.Kind, id string, state domain.State, ev domain.Event, seq uint64) (domain.State, error) {
	if state == nil {
		spec, err := specOf(kind)
		if err != nil {
			return nil, err
		}
		state = spec.new(id)
	}
	if err := state.ApplyEvent(ev, seq); err != nil {
		return nil, fmt.Errorf("actors: %s %s: %w", kind, id, err)
	}
	return state, nil
}

// stateSeq is the sequence of the last event applied to state (0: none).
func stateSeq(state domain.State) uint64 {
	if state == nil {
		return 0
	}
	return state.LastSeq()
}

// holdsPurchase tells whether a wallet holds money for a purchase still
// processing, which recovery resumes (resumePurchases).
func holdsPurchase(st domain.State) bool {
	w, _ := st.(*domain.Wallet)
	return w != nil && w.HoldsPurchase()
}

// startsPurchase tells whether an event holds money for a purchase.
func startsPurchase(ev domain.Event) bool {
	d, ok := ev.(*domain.WalletDebited)
	return ok && d.Status == domain.EntryProcessing
}

func newWallet(id string) *domain.Wallet {
	u, _ := strconv.ParseInt(id, 10, 64)
	return &domain.Wallet{User: domain.UserID(u)}
}

func walletID(u domain.UserID) string { return strconv.FormatInt(int64(u), 10) }

// presetAll puts the entities that exist from the start (the registers)
// in d.
func presetAll(d *directory, o *Options) {
	for _, spec := range entityKinds {
		if spec.preset == nil {
			continue
		}
		for id, st := range spec.preset(o) {
			d.put(spec.kind, id, st)
		}
	}
}
