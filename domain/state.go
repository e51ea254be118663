package domain

import (
	"errors"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
)

// State is the state of one entity as the engine holds, journals and
// snapshots it, whatever its kind: the engine needs nothing else of it, so
// a new kind of entity is its state type implementing State plus one
// registration in the engine, and no switch anywhere learns of it.
//
// A State is owned by one goroutine at a time (its entity's actor, or
// recovery): none of its methods is safe for concurrent use.
//
// It encodes with msgpack as its struct tags say (Number and Wallet by
// hand, for speed, to the same bytes) and decodes itself: DecodeMsgpack
// reads what either encoding wrote, with every time in UTC, so that a
// state restored from a snapshot equals, field for field, the one that
// wrote it, whatever TZ the process runs under.
type State interface {
	// LastSeq is the journal sequence of the last event applied: recovery
	// replays onto a state only the records after it (fuzzy snapshots).
	LastSeq() uint64
	// ApplyEvent applies ev, journaled at seq. An event of another kind of
	// entity changes nothing and is an error wrapping ErrEventKind.
	ApplyEvent(ev Event, seq uint64) error
	msgpack.CustomDecoder
}

// Redactable is a State that holds secrets only configuration can name
// (a pool's rows are bare cells; the kinds file says which column is a
// password). The introspection endpoint redacts what field names reveal on
// its own, and asks a Redactable for the rest.
type Redactable interface {
	State
	// Redact hides, in place, what kinds says is secret. Call it on a copy.
	Redact(kinds KindsConfig)
}

// ErrEventKind means an event was applied to the state of another kind of
// entity: a bug, since records are checked against their kind when they
// are encoded and decoded.
var ErrEventKind = errors.New("domain: event of another kind")

// applyAs applies ev to a state whose events are E, or fails naming both.
func applyAs[E Event](kind Kind, ev Event, seq uint64, apply func(E, uint64)) error {
	e, ok := ev.(E)
	if !ok {
		return fmt.Errorf("%w: %T does not belong to kind %s", ErrEventKind, ev, kind)
	}
	apply(e, seq)
	return nil
}

var (
	_ State      = (*Number)(nil)
	_ State      = (*Wallet)(nil)
	_ State      = (*Payments)(nil)
	_ State      = (*Users)(nil)
	_ State      = (*AuditLog)(nil)
	_ State      = (*Catalog)(nil)
	_ State      = (*Watcher)(nil)
	_ State      = (*Proxy)(nil)
	_ Redactable = (*Pool)(nil)
	_ State      = (*Intake)(nil)
)
