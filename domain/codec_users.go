package domain

import (
	"iter"
	"maps"

	"github.com/vmihailenco/msgpack/v5"
)

// Hand-written msgpack for the users directory: a shard holds everyone who
// ever started the bot whose id falls in it, tens of thousands of people on
// a large service, and reflection took 100-134 ms to encode a shard of
// 62,500 (go test -bench UsersShard ./domain/), about 1.7 µs a person,
// and longer to decode one. The bytes are those its struct tags describe
// (the same keys in the same order, omitempty fields left out as
// reflection leaves them, integers in their shortest form), so either
// encoding decodes with either codec.

var (
	_ msgpack.CustomEncoder = (*Users)(nil)
	_ msgpack.CustomDecoder = (*Users)(nil)
	_ msgpackAppender       = (*Users)(nil)
	_ msgpackReader         = (*Users)(nil)
)

// AppendMsgpack appends the directory's msgpack encoding to b: the map
// its struct tags describe, people in the order the map gives.
func (d *Users) AppendMsgpack(b []byte) ([]byte, error) {
	w := stateWriter{b: b}
	d.write(&w)
	return w.done(len(b))
}

// ReadMsgpack decodes the directory from the front of b, in either
// encoding, with its times in UTC, and returns what follows it. Keys it
// does not know are skipped, as reflection did.
func (d *Users) ReadMsgpack(b []byte) (rest []byte, err error) {
	r := newReader(b)
	d.read(&r)
	return r.rest(), r.err
}

// EncodeMsgpack writes the directory as AppendMsgpack does, for msgpack.
func (d *Users) EncodeMsgpack(e *msgpack.Encoder) error { return encodeVia(e, d.write) }

// DecodeMsgpack reads the directory as ReadMsgpack does, for msgpack.
func (d *Users) DecodeMsgpack(dec *msgpack.Decoder) error { return decodeVia(dec, d) }

func (d *Users) write(w *stateWriter) {
	w.users(d.ByID == nil, len(d.ByID), maps.All(d.ByID), d.Seq)
}

// users writes a directory as Users' struct tags describe it: its n
// people by id, as people yields them (a nil map when nilMap), then its
// sequence. Users and its frozen copy (freeze.go) both write through it.
func (w *stateWriter) users(nilMap bool, n int, people iter.Seq2[UserID, *User], seq uint64) {
	w.mapLen(2)
	w.key("u")
	if nilMap {
		w.b = appendNil(w.b)
	} else {
		w.mapLen(n)
		for id, u := range people {
			w.b = appendInt(w.b, int64(id))
			w.user(u)
			w.entryDone()
		}
	}
	w.uint("sq", seq)
}

// user writes one person as reflection does: the fields tagged omitempty
// only when they are not zero.
func (w *stateWriter) user(u *User) {
	if u == nil {
		w.b = appendNil(w.b)
		return
	}
	w.mapLen(2 + count(u.Username != "", u.Name != "", u.Lang != "", u.Premium, u.Nickname != "",
		u.Approval != 0, !u.Seen.IsZero(), u.Requests != 0))
	w.int("id", int64(u.ID))
	if u.Username != "" {
		w.str("un", u.Username)
	}
	if u.Name != "" {
		w.str("n", u.Name)
	}
	if u.Lang != "" {
		w.str("l", u.Lang)
	}
	if u.Premium {
		w.bool("pm", true)
	}
	if u.Nickname != "" {
		w.str("nk", u.Nickname)
	}
	if u.Approval != 0 {
		w.uint("ap", uint64(u.Approval))
	}
	w.time("j", u.Joined)
	if !u.Seen.IsZero() {
		w.time("sn", u.Seen)
	}
	if u.Requests != 0 {
		w.int("rq", int64(u.Requests))
	}
}

func (d *Users) read(r *stateReader) {
	r.fields("users", func(k []byte) bool {
		switch string(k) {
		case "u":
			d.ByID = r.users()
		case "sq":
			d.Seq = r.uint()
		default:
			return false
		}
		return true
	})
	d.byName = nil // rebuilt on first use, from the people just read
}

// users reads the people into a map sized for them at once, each person
// into one slice of them all rather than an allocation apiece. A nil map
// reads as an empty one: the directory adds people to it.
func (r *stateReader) users() map[UserID]*User {
	if r.isNil() {
		return map[UserID]*User{}
	}
	n := r.mapLen()
	if n > r.left()/2 { // a key and a value take a byte each at least
		r.fail("users: %d people in %d bytes", n, r.left())
	}
	if r.err != nil {
		return nil
	}
	n = max(n, 0)
	m := make(map[UserID]*User, min(n, maxItems))
	people := make([]User, min(n, maxItems))
	for i := 0; i < n && r.err == nil; i++ {
		id := UserID(r.int())
		if r.isNil() {
			m[id] = nil
			continue
		}
		u := &User{}
		if i < len(people) {
			u = &people[i]
		}
		r.user(u)
		m[id] = u
	}
	return m
}

// user reads one person's fields into u.
func (r *stateReader) user(u *User) {
	r.fields("user", func(k []byte) bool {
		switch string(k) {
		case "id":
			u.ID = UserID(r.int())
		case "un":
			u.Username = r.str()
		case "n":
			u.Name = r.str()
		case "l":
			u.Lang = r.str()
		case "pm":
			u.Premium = r.bool()
		case "nk":
			u.Nickname = r.str()
		case "ap":
			if v := r.uint(); v > 0xff {
				r.fail("user: approval %d out of range", v)
			} else {
				u.Approval = Approval(v)
			}
		case "j":
			u.Joined = r.time()
		case "sn":
			u.Seen = r.time()
		case "rq":
			u.Requests = int(r.int())
		default:
			return false
		}
		return true
	})
}
