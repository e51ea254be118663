package domain

import (
	"maps"
	"slices"
)

// Freezer is a state large enough that encoding it takes a while (a
// register of tens of thousands of entries): Freeze returns a copy that
// shares nothing the state will change later, made much faster than the
// encoding, so that a snapshot can encode the copy while the entity goes
// on with its messages. Encoding a payments shard of 65,000 applied
// transactions in its actor's turn held every deposit to that shard for
// 10-25 ms.
type Freezer interface {
	State
	Freeze() State
}

// Freeze copies the register: Applied is a map of values, cloned table
// and all in one go; invoices are changed in place, so each is copied.
func (p *Payments) Freeze() State {
	c := &Payments{
		Invoices: make(map[string]*Invoice, len(p.Invoices)),
		Applied:  maps.Clone(p.Applied),
		Orphans:  slices.Clone(p.Orphans),
		Seq:      p.Seq,
	}
	for code, inv := range p.Invoices {
		cp := *inv
		c.Invoices[code] = &cp
	}
	return c
}

// Freeze shares the log's entries: they are only ever appended, never
// changed, so what is appended later lies beyond the copy's length. The
// copy's capacity ends there too, so that it could never append into the
// log's spare room either.
func (l *AuditLog) Freeze() State {
	return &AuditLog{Entries: l.Entries[:len(l.Entries):len(l.Entries)], Seq: l.Seq}
}

// Freeze copies the directory: its people are changed in place, so each is
// copied, all into one slice. The username index is left to be rebuilt
// by a copy that is asked for one: a snapshot never is.
func (d *Users) Freeze() State {
	people := make([]User, 0, len(d.ByID))
	c := &Users{ByID: make(map[UserID]*User, len(d.ByID)), Seq: d.Seq}
	for id, u := range d.ByID {
		people = append(people, *u)
		c.ByID[id] = &people[len(people)-1]
	}
	return c
}
