package actors

import (
	"cmp"
	"encoding/binary"
	"slices"
	"strings"

	"allot/domain"
)

// viewPart is what one shard of numbers contributes to a rebuilt view:
// its numbers' ids and rows side by side, sorted by id, and the people
// each is linked to.
type viewPart struct {
	ids   []string
	keys  []idKey // the ids' keys, once sorted
	rows  []viewRow
	links []viewLink
	// removed: some of the numbers left the catalogue
	removed bool
}

// viewLink is one person a number is rented by, held for or offered to.
type viewLink struct {
	user domain.UserID
	id   string
}

// rebuildView fills the view from every number's state; recovery calls it
// before any actor runs. It is part of every restart's downtime, so each
// shard of numbers is summarised, sorted and indexed on a core of its own,
// into slices and a map sized for it (the view's index is split as the
// directory is); the shards' sorted orders are then merged in one pass.
func (e *Engine) rebuildView() {
	now := e.clock()
	shards := e.dir.kinds[domain.KindNumber]
	parts := make([]viewPart, shardCount)
	onCores(shardCount, func(i int) {
		s := &shards[i]
		s.mu.Lock()
		size := s.m.len()
		s.mu.Unlock()
		p := viewPart{ids: make([]string, 0, size), rows: make([]viewRow, 0, size)}
		walkShard(s, func(en *entry) {
			en.viewRow = 0 // the rows are laid out anew: its actor looks its own up at its next event
			n, _ := en.state.(*domain.Number)
			if n == nil {
				return
			}
			sv := summarize(n, now)
			p.ids = append(p.ids, sv.ID)
			p.rows = append(p.rows, rowOf(sv))
			p.removed = p.removed || sv.Status == domain.StatusRemoved
			if sv.Renter != 0 {
				p.links = append(p.links, viewLink{user: sv.Renter, id: sv.ID})
			}
			if sv.Offer != 0 && sv.Offer != sv.Renter {
				p.links = append(p.links, viewLink{user: sv.Offer, id: sv.ID})
			}
		})
		p.sort()
		slices.SortFunc(p.links, func(a, b viewLink) int { return cmp.Compare(peopleOf(a.user), peopleOf(b.user)) })
		parts[i] = p
	})
	e.view.fill(parts)
}

// sort orders the part's ids and rows together by id, and keeps the ids'
// keys for the merge.
func (p *viewPart) sort() {
	type item struct {
		k idKey
		i int32
	}
	items := make([]item, len(p.ids))
	for i, id := range p.ids {
		items[i] = item{keyOf(id), int32(i)}
	}
	slices.SortFunc(items, func(a, b item) int { return compareIDs(a.k, p.ids[a.i], b.k, p.ids[b.i]) })
	ids, rows, keys := make([]string, len(items)), make([]viewRow, len(items)), make([]idKey, len(items))
	for n, it := range items {
		ids[n], rows[n], keys[n] = p.ids[it.i], p.rows[it.i], it.k
	}
	p.ids, p.rows, p.keys = ids, rows, keys
}

// idKey is an id's first 16 bytes as two big-endian integers, zero-padded.
// Where two keys differ they order their ids as comparing the strings
// does (a zero pad sorts before any byte, as a shorter prefix does), so a
// sort compares two integers instead of two strings that mostly share
// "+8880…" and compares the strings only when the keys are equal.
type idKey struct{ hi, lo uint64 }

func keyOf(id string) idKey {
	var b [16]byte
	copy(b[:], id)
	return idKey{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// compareIDs orders ids a and b, with their keys ka and kb, as
// strings.Compare(a, b) does.
func compareIDs(ka idKey, a string, kb idKey, b string) int {
	if c := cmp.Compare(ka.hi, kb.hi); c != 0 {
		return c
	}
	if c := cmp.Compare(ka.lo, kb.lo); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// fill replaces what the view holds with parts, part i being the numbers
// of the directory's shard i; it indexes each part on a core of
// its own and merges the sorted orders the catalogue pages through, so
// that the first page after a restart does not sort a million ids.
func (v *numberView) fill(parts []viewPart) {
	offsets := make([]int32, len(parts)+1)
	removed := false
	for i, p := range parts {
		offsets[i+1] = offsets[i] + int32(len(p.ids))
		removed = removed || p.removed
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.rows = make([]viewRow, offsets[len(parts)])
	onCores(len(parts), func(i int) {
		p, at := parts[i], offsets[i]
		m := make(map[string]int32, len(p.ids))
		for j, id := range p.ids {
			m[id] = at + int32(j)
		}
		copy(v.rows[at:], p.rows)
		v.index[i] = m
	})
	onCores(shardCount, func(k int) {
		m := map[domain.UserID][]string{}
		for _, p := range parts {
			for _, l := range p.linksOf(k) {
				m[l.user] = append(m[l.user], l.id)
			}
		}
		v.byUser[k] = m
	})
	v.sorted, v.shown = mergeSorted(parts), nil
	if !removed { // the usual case: every number is in the catalogue
		v.shown = v.sorted
	}
}

// peopleOf is the part of the view's byUser that holds u.
func peopleOf(u domain.UserID) int { return int(uint64(u) & (shardCount - 1)) }

// linksOf is the part's links to people of byUser's part k.
func (p *viewPart) linksOf(k int) []viewLink {
	from, _ := slices.BinarySearchFunc(p.links, k, func(l viewLink, k int) int { return cmp.Compare(peopleOf(l.user), k) })
	to, _ := slices.BinarySearchFunc(p.links, k+1, func(l viewLink, k int) int { return cmp.Compare(peopleOf(l.user), k) })
	return p.links[from:to]
}

// mergeSorted merges the parts' sorted ids into one sorted slice, in one
// pass over a heap of the parts' heads: one allocation, the size of the
// result, where merging pairs of parts allocated every round's.
func mergeSorted(parts []viewPart) []string {
	total := 0
	h := make(idHeap, 0, len(parts))
	for i, p := range parts {
		if len(p.ids) > 0 {
			h = append(h, head{part: &parts[i]})
			total += len(p.ids)
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
	out := make([]string, 0, total) // empty, not nil, when there are none: nil means "sort again"
	for len(h) > 0 {
		top := &h[0]
		out = append(out, top.part.ids[top.at])
		if top.at++; top.at == len(top.part.ids) {
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
		}
		h.down(0)
	}
	return out
}

// head is where the merge is in one part.
type head struct {
	part *viewPart
	at   int
}

func (h head) less(o head) bool {
	return compareIDs(h.part.keys[h.at], h.part.ids[h.at], o.part.keys[o.at], o.part.ids[o.at]) < 0
}

// idHeap is a min-heap of heads by their current id.
type idHeap []head

func (h idHeap) down(i int) {
	for {
		least := i
		for _, c := range [2]int{2*i + 1, 2*i + 2} {
			if c < len(h) && h[c].less(h[least]) {
				least = c
			}
		}
		if least == i {
			return
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
}
