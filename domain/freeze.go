package domain

import (
	"errors"
	"slices"

	"github.com/vmihailenco/msgpack/v5"
)

// Freezer is a state large enough that encoding it takes a while (a
// register of tens of thousands of entries): Freeze returns a copy that
// shares nothing the state will change before its next Freeze, made much
// faster than the encoding, so that a snapshot can encode the copy while
// the entity goes on with its messages. A copy must be done with before
// the state is frozen again: snapshots run one at a time, and one waits
// for every block it encodes. Freeze may rearrange the state (not change
// what it holds), so it is called where the state may be written: in the
// entity's turn, or while it is idle under its shard's lock. Encoding a payments shard of 65,000 applied
// transactions in its actor's turn held every deposit to that shard for
// 10-25 ms.
type Freezer interface {
	State
	Freeze() State
}

// Freeze copies the register: Applied shares what it held at the last
// freeze (see AppliedTxs); invoices are changed in place, so each is
// copied.
func (p *Payments) Freeze() State {
	c := &Payments{
		Invoices: make(map[string]*Invoice, len(p.Invoices)),
		Applied:  p.Applied.freeze(),
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

// Freeze copies the directory's people, each by value, into one slice:
// they are changed in place, so none may be shared. The copy holds only
// that slice (frozenUsers); it encodes as the directory does, and is for
// encoding only. Building a map for the copy took 10 ms of the actor's
// turn for a shard of 62,500 people, the slice a fraction of it
// (go test -bench UsersShard ./domain/).
func (d *Users) Freeze() State {
	f := &frozenUsers{people: make([]frozenPerson, 0, len(d.ByID)), nilMap: d.ByID == nil, seq: d.Seq}
	for id, u := range d.ByID {
		p := frozenPerson{id: id, absent: u == nil}
		if u != nil {
			p.user = *u
		}
		f.people = append(f.people, p)
	}
	return f
}

// frozenUsers is a users directory frozen for a snapshot: its people in
// the order the map gave, and its sequence. It encodes as Users does and
// is never applied to nor read otherwise.
type frozenUsers struct {
	people []frozenPerson
	nilMap bool
	seq    uint64
}

// frozenPerson is one entry of the directory's map: its key, and a copy of
// the person, or absent for a nil entry (one a damaged snapshot may hold).
type frozenPerson struct {
	id     UserID
	user   User
	absent bool
}

var _ msgpackAppender = (*frozenUsers)(nil)

// LastSeq is the directory's sequence when it was frozen.
func (f *frozenUsers) LastSeq() uint64 { return f.seq }

// ApplyEvent refuses: a frozen copy is only encoded.
func (f *frozenUsers) ApplyEvent(Event, uint64) error { return errFrozen }

// DecodeMsgpack refuses: what a frozen copy encodes decodes as Users.
func (f *frozenUsers) DecodeMsgpack(*msgpack.Decoder) error { return errFrozen }

// AppendMsgpack appends the bytes Users' own encoding has.
func (f *frozenUsers) AppendMsgpack(b []byte) ([]byte, error) {
	w := stateWriter{b: b}
	f.write(&w)
	return w.done(len(b))
}

// EncodeMsgpack writes the copy as AppendMsgpack does, for msgpack.
func (f *frozenUsers) EncodeMsgpack(e *msgpack.Encoder) error { return encodeVia(e, f.write) }

func (f *frozenUsers) write(w *stateWriter) {
	w.users(f.nilMap, len(f.people), f.all, f.seq)
}

// all yields the people as the directory's map held them.
func (f *frozenUsers) all(yield func(UserID, *User) bool) {
	for i := range f.people {
		p := &f.people[i]
		u := &p.user
		if p.absent {
			u = nil
		}
		if !yield(p.id, u) {
			return
		}
	}
}

var errFrozen = errors.New("domain: a frozen copy is only encoded")
