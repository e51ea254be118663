package domain

import (
	"time"
)

// AuditEntry is one admin action, kept forever.
type AuditEntry struct {
	At     time.Time `msgpack:"at"`
	Actor  UserID    `msgpack:"u"`
	Action string    `msgpack:"a"` // e.g. "number.block", "wallet.adjust"
	Target string    `msgpack:"t"` // the number, user id or transaction concerned
	Detail string    `msgpack:"d,omitempty"`
	// Op is the operation the action belongs to (the admin's Telegram
	// update): an update delivered again records nothing new. Empty for
	// entries without one, which are never taken for each other.
	Op OpID `msgpack:"o,omitempty"`
}

// AuditLog is the append-only log of admin actions.
type AuditLog struct {
	Entries []AuditEntry `msgpack:"e"`
	Seq     uint64       `msgpack:"sq"`

	recorded map[auditKey]struct{} // the keyed entries, built on first use; not stored
}

// auditKey is what makes an entry the same one again: one update may
// record several actions, or one action on several targets.
type auditKey struct{ op, action, target string }

// Record decides e: the event that appends it, or nil when the log already
// has the entry of the same operation, action and target.
func (l *AuditLog) Record(e AuditEntry) *AuditRecorded {
	if e.Op != "" {
		if _, dup := l.index()[auditKey{string(e.Op), e.Action, e.Target}]; dup {
			return nil
		}
	}
	return &AuditRecorded{Entry: e}
}

func (l *AuditLog) index() map[auditKey]struct{} {
	if l.recorded == nil {
		l.recorded = map[auditKey]struct{}{}
		for _, e := range l.Entries {
			l.note(e)
		}
	}
	return l.recorded
}

func (l *AuditLog) note(e AuditEntry) {
	if e.Op != "" && l.recorded != nil {
		l.recorded[auditKey{string(e.Op), e.Action, e.Target}] = struct{}{}
	}
}

// Page returns the entries of page (0 = newest) with size per page, newest
// first, and whether there are more.
func (l *AuditLog) Page(page, size int) ([]AuditEntry, bool) {
	if size <= 0 || page < 0 {
		return nil, false
	}
	n := len(l.Entries)
	if page > (n-1)/size { // also keeps page*size from overflowing
		return nil, false
	}
	hi := n - page*size
	lo := max(hi-size, 0)
	out := make([]AuditEntry, 0, hi-lo)
	for i := hi - 1; i >= lo; i-- {
		out = append(out, l.Entries[i])
	}
	return out, lo > 0
}

// AuditRecorded appends an entry to the audit log.
type AuditRecorded struct {
	Entry AuditEntry `msgpack:"e"`
}

// Apply appends e's entry and records seq.
func (l *AuditLog) Apply(e *AuditRecorded, seq uint64) {
	l.Entries = append(l.Entries, e.Entry)
	l.note(e.Entry)
	l.Seq = seq
}

// LastSeq is the sequence of the last event applied (State).
func (l *AuditLog) LastSeq() uint64 { return l.Seq }

// ApplyEvent applies ev if it is an event of a auditLog (State).
func (l *AuditLog) ApplyEvent(ev Event, seq uint64) error {
	return applyAs(KindAudit, ev, seq, l.Apply)
}
