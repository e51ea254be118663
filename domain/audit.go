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
}

// AuditLog is the append-only log of admin actions.
type AuditLog struct {
	Entries []AuditEntry `msgpack:"e"`
	Seq     uint64       `msgpack:"sq"`
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
	l.Seq = seq
}
