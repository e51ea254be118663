package domain

import (
	"encoding/json"
	"iter"
	"maps"
)

// AppliedTxs is the payments register's set of applied transactions, each
// with its outcome. A transaction is only ever added, once, and never
// changed or removed, which is what lets a snapshot's frozen copy share
// the set instead of copying it: what the set held at the last freeze
// lies in sealed, which only the next freeze changes, and what was added
// since in fresh. Cloning the whole map for each freeze took 10-55 ms of a
// payments shard's lock at a million transactions (loadtest -mode restore
// -entities 1000000), and every deposit routed to that shard waited for it.
//
// The zero value is an empty set.
type AppliedTxs struct {
	sealed map[string]Outcome // as of the last freeze; frozen copies share it
	fresh  map[string]Outcome // added since; never shared
}

// appliedFrom is a set holding m, which it then owns (an empty m, as
// NewPayments has it: nothing).
func appliedFrom(m map[string]Outcome) AppliedTxs {
	if len(m) == 0 {
		return AppliedTxs{}
	}
	return AppliedTxs{sealed: m}
}

// Outcome is what the transaction keyed tx came to, and whether it was
// applied at all.
func (a *AppliedTxs) Outcome(tx string) (Outcome, bool) {
	if o, ok := a.fresh[tx]; ok {
		return o, true
	}
	o, ok := a.sealed[tx]
	return o, ok
}

// Len is how many transactions the set holds.
func (a *AppliedTxs) Len() int { return len(a.sealed) + len(a.fresh) }

// All yields every transaction and its outcome, in no particular order.
func (a *AppliedTxs) All() iter.Seq2[string, Outcome] {
	return func(yield func(string, Outcome) bool) {
		for _, m := range [2]map[string]Outcome{a.sealed, a.fresh} {
			for tx, o := range m {
				if !yield(tx, o) {
					return
				}
			}
		}
	}
}

// add records tx as applied with outcome o. The caller has checked that
// it was not applied before: an outcome never changes. Until the set's
// first freeze, nothing shares sealed and it is the only map (a register
// equals its decoded copy, map for map); after it, fresh takes the adds.
func (a *AppliedTxs) add(tx string, o Outcome) {
	switch {
	case a.fresh != nil: // a frozen copy may be reading sealed
		a.fresh[tx] = o
	case a.sealed == nil:
		a.sealed = map[string]Outcome{tx: o}
	default:
		a.sealed[tx] = o
	}
}

// freeze moves what was added since the last freeze into sealed and
// returns a set sharing it, which stays unchanged until the next freeze:
// the work is the entries added in between, not the whole set. A frozen
// copy must therefore be done with before its register is frozen again,
// as domain.Freezer says.
func (a *AppliedTxs) freeze() AppliedTxs {
	if a.sealed == nil {
		a.sealed = map[string]Outcome{}
	}
	maps.Copy(a.sealed, a.fresh)
	a.fresh = map[string]Outcome{}
	// The copy's own adds, should anything ever apply to it, go to a map
	// of its own: sealed is the register's.
	return AppliedTxs{sealed: a.sealed, fresh: map[string]Outcome{}}
}

// MarshalJSON writes the set as the one map it stands for, whichever part
// holds each entry (JSON sorts the keys).
func (a AppliedTxs) MarshalJSON() ([]byte, error) {
	return json.Marshal(maps.Collect(a.All()))
}
