package domain

import (
	"slices"
	"sort"
	"time"
)

// OpRetention is how long an entity remembers an operation it applied.
// Buttons carry the time they were drawn and expire 24 hours later, so a
// press can replay an operation for at most that long after it was
// decided; entities remember operations for at least as long, with a
// margin for clocks and for a reply that was lost, and so recognise every
// replay a live button can make.
const OpRetention = 72 * time.Hour

// forgettableOps is how many of the oldest operations, noted at the times
// in at (oldest first; a zero time is an operation from before times were
// kept), may be forgotten at now: those applied longer than OpRetention ago,
// as long as the newest keep stay.
func forgettableOps(at []time.Time, now time.Time, keep int) int {
	old := sort.Search(len(at), func(i int) bool { return !at[i].Before(now.Add(-OpRetention)) })
	return max(0, min(old, len(at)-keep))
}

// rememberOp appends op, applied at when, to an entity's memory of
// operations (ops, with their times in at, oldest first) and forgets the
// operations older than OpRetention beyond the newest keep. Operations
// from before times were kept (at shorter than ops) count as old.
// Forgetting reslices, so it costs nothing per operation: the next growth
// of the slices copies only what is kept.
func rememberOp(ops []OpID, at []time.Time, op OpID, when time.Time, keep int) ([]OpID, []time.Time) {
	if n := len(ops) - len(at); n > 0 {
		at = append(make([]time.Time, n, len(ops)+1), at...)
	} else if n < 0 {
		at = at[-n:]
	}
	ops, at = append(ops, op), append(at, when)
	cut := forgettableOps(at, when, keep)
	return ops[cut:], at[cut:]
}

// opIndexFrom is how many remembered operations a linear scan looks
// through before an index pays. A pool remembers every issue of the last
// OpRetention: one handing out ten thousand items a day scanned thirty
// thousand ids for each new issue, in its actor's turn.
const opIndexFrom = 32

// opIndex finds an operation among an entity's remembered ones (its Ops)
// without scanning them. It is built on first use, kept up to date by
// rememberIndexed, and rebuilt when the Ops it describes are not the ones
// it is asked about (a decoded state, a clone): it recognises them by
// their first element's address and their length, which it keeps, so a
// copy of the entity that shares the index never trusts it. Operations
// are counted, not just noted, so that forgetting an old copy of an id
// noted twice keeps the newer one.
type opIndex struct {
	count map[OpID]int32
	first *OpID // &Ops[0] for the Ops count describes
	n     int   // and their length
}

// hasOp reports whether op is among ops, through *x once ops are many.
func hasOp(x **opIndex, ops []OpID, op OpID) bool {
	if len(ops) < opIndexFrom {
		return slices.Contains(ops, op)
	}
	if !(*x).describes(ops) {
		*x = newOpIndex(ops)
	}
	return (*x).count[op] > 0
}

// rememberIndexed is rememberOp keeping *x up to date when it describes
// ops, and dropping it otherwise.
func rememberIndexed(x **opIndex, ops []OpID, at []time.Time, op OpID, when time.Time, keep int) ([]OpID, []time.Time) {
	idx := *x
	if !idx.describes(ops) {
		*x = nil
		return rememberOp(ops, at, op, when, keep)
	}
	old := ops
	ops, at = rememberOp(ops, at, op, when, keep)
	for _, o := range old[:len(old)+1-len(ops)] { // the ones forgotten from the front
		if idx.count[o]--; idx.count[o] <= 0 {
			delete(idx.count, o)
		}
	}
	idx.count[op]++
	idx.mark(ops)
	return ops, at
}

func newOpIndex(ops []OpID) *opIndex {
	x := &opIndex{count: make(map[OpID]int32, len(ops))}
	for _, o := range ops {
		x.count[o]++
	}
	x.mark(ops)
	return x
}

func (x *opIndex) describes(ops []OpID) bool {
	return x != nil && len(ops) == x.n && len(ops) > 0 && &ops[0] == x.first
}

func (x *opIndex) mark(ops []OpID) {
	x.n, x.first = len(ops), nil
	if len(ops) > 0 {
		x.first = &ops[0]
	}
}
