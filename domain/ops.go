package domain

import (
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
