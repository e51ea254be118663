package actors

import (
	"hash/maphash"
	"iter"
)

// idTable is a shard's index of its entries by id: open addressing with
// linear probing over a slice of entry pointers, the id read from the entry
// itself, and one byte of the id's hash kept beside each slot so that a
// probe follows only the pointers whose byte matches (one in 128 of the
// others). Every method expects the shard's lock held.
//
// Why not map[string]*entry: there is a slot per entity, millions of them.
// A Go map keeps the id's string header in the slot beside the pointer, 24
// bytes, and its tables, which double up to 1024 slots each, run between
// 44 % and 88 % full. A million numbers over 256 shards left them at 48 %:
// 52 bytes per entity, a tenth of the heap of a restored idle entity. Here
// a slot is 9 bytes, a table sized by reserve is two thirds full, one grown
// by adding between 37 % and 75 %: 12 to 24 bytes per entity.
type idTable struct {
	tags  []uint8  // 0 for an empty slot, else tagOf the id's hash
	slots []*entry // the entry whose id hashes to tags' byte, or nil
	n     int      // entries held
}

// idSeed seeds the tables' hash. It is new in each process, as Go's maps'
// seeds are, so that ids made to collide cannot be chosen in advance; the
// shard an id goes to is the stable shardIndex, which this does not touch.
var idSeed = maphash.MakeSeed()

func idHash(id string) uint64 { return maphash.String(idSeed, id) }

// tagOf is the byte kept beside a slot: the hash's low seven bits, with the
// top bit set so that no tag is the empty slot's 0.
func tagOf(h uint64) uint8 { return uint8(h) | 0x80 }

// minIDTable is the smallest table: a shard of a kind with few entities.
const minIDTable = 8

// home is the slot where the probe for hash h starts: the hash's high half
// scaled to the table's length, which therefore needs not be a power of
// two (reserve sizes a table to what a snapshot holds).
func (t *idTable) home(h uint64) int {
	return int((h >> 32) * uint64(len(t.slots)) >> 32)
}

// next is the slot after i, wrapping around.
func (t *idTable) next(i int) int {
	if i++; i == len(t.slots) {
		return 0
	}
	return i
}

// len is how many entries the table holds.
func (t *idTable) len() int { return t.n }

// get returns the entry for id, or nil. The table is never full, so the
// probe ends at an empty slot if not before.
func (t *idTable) get(id string) *entry {
	if t.n == 0 {
		return nil
	}
	h := idHash(id)
	tag := tagOf(h)
	for i := t.home(h); ; i = t.next(i) {
		switch t.tags[i] {
		case 0:
			return nil
		case tag:
			if e := t.slots[i]; e.id == id {
				return e
			}
		}
	}
}

// add puts e in the table; no entry with e's id may be in it.
func (t *idTable) add(e *entry) {
	if (t.n+1)*4 > len(t.slots)*3 {
		t.resize(max(2*len(t.slots), minIDTable))
	}
	t.place(e, idHash(e.id))
	t.n++
}

// place puts e, whose id hashes to h, in the first empty slot from its home.
func (t *idTable) place(e *entry, h uint64) {
	i := t.home(h)
	for t.tags[i] != 0 {
		i = t.next(i)
	}
	t.tags[i], t.slots[i] = tagOf(h), e
}

// resize moves every entry into a table of size slots.
func (t *idTable) resize(size int) {
	old := t.slots
	t.tags, t.slots = make([]uint8, size), make([]*entry, size)
	for _, e := range old {
		if e != nil {
			t.place(e, idHash(e.id))
		}
	}
}

// reserve sizes an empty table for n entries, two thirds full with them,
// so that a restore fills it without growing it.
func (t *idTable) reserve(n int) {
	if t.n == 0 {
		t.resize(max(n+n/2+1, minIDTable))
	}
}

// remove takes e out of the table, if it is there. The entries after it in
// its run move back into the gap when their home allows (backward-shift
// deletion), so that no probe meets a hole before what it looks for and
// no slot is left marked deleted.
func (t *idTable) remove(e *entry) {
	if t.n == 0 {
		return
	}
	i := t.home(idHash(e.id))
	for t.slots[i] != e {
		if t.tags[i] == 0 {
			return
		}
		i = t.next(i)
	}
	for j := t.next(i); t.tags[j] != 0; j = t.next(j) {
		if k := t.home(idHash(t.slots[j].id)); between(i, k, j) {
			continue // its home is after the gap: it must stay where it is
		}
		t.tags[i], t.slots[i] = t.tags[j], t.slots[j]
		i = j
	}
	t.tags[i], t.slots[i] = 0, nil
	t.n--
}

// between reports whether k lies in the cyclic interval (i, j].
func between(i, k, j int) bool {
	if i <= j {
		return i < k && k <= j
	}
	return i < k || k <= j
}

// all yields every entry, in slot order. The table must not change
// meanwhile.
func (t *idTable) all() iter.Seq[*entry] {
	return func(yield func(*entry) bool) {
		for _, e := range t.slots {
			if e != nil && !yield(e) {
				return
			}
		}
	}
}
