package actors

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strings"

	"allot/domain"
)

// viewPart is what one shard of numbers contributes to a rebuilt view:
// its numbers' ids and rows side by side, sorted by id, and the people
// each is linked to.
type viewPart struct {
	ids   []string
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
// directory is), and the sorted orders are merged on every core.
func (e *Engine) rebuildView() {
	now := e.clock()
	shards := e.dir.kinds[domain.KindNumber]
	parts := make([]viewPart, shardCount)
	onCores(shardCount, func(i int) {
		s := &shards[i]
		s.mu.Lock()
		p := viewPart{ids: make([]string, 0, len(s.m)), rows: make([]viewRow, 0, len(s.m))}
		for _, en := range s.m {
			n, _ := en.state.(*domain.Number)
			if n == nil {
				continue
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
		}
		s.mu.Unlock()
		p.sort()
		slices.SortFunc(p.links, func(a, b viewLink) int { return cmp.Compare(peopleOf(a.user), peopleOf(b.user)) })
		parts[i] = p
	})
	e.view.fill(parts, e.dir.seed)
}

// sort orders the part's ids and rows together by id.
func (p *viewPart) sort() {
	order := make([]int32, len(p.ids))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(p.ids[a], p.ids[b]) })
	ids, rows := make([]string, len(order)), make([]viewRow, len(order))
	for i, j := range order {
		ids[i], rows[i] = p.ids[j], p.rows[j]
	}
	p.ids, p.rows = ids, rows
}

// fill replaces what the view holds with parts, part i being the numbers
// of the directory's shard i under seed; it indexes each part on a core of
// its own and merges the sorted orders the catalogue pages through, so
// that the first page after a restart does not sort a million ids.
func (v *numberView) fill(parts []viewPart, seed maphash.Seed) {
	offsets := make([]int32, len(parts)+1)
	removed := false
	for i, p := range parts {
		offsets[i+1] = offsets[i] + int32(len(p.ids))
		removed = removed || p.removed
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.seed, v.rows = seed, make([]viewRow, offsets[len(parts)])
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

// mergeSorted merges the parts' sorted ids into one sorted slice.
func mergeSorted(parts []viewPart) []string {
	lists := make([][]string, 0, len(parts))
	for _, p := range parts {
		if len(p.ids) > 0 {
			lists = append(lists, p.ids)
		}
	}
	// Merge pairwise, halving the lists each round, on every core.
	for len(lists) > 1 {
		next := make([][]string, (len(lists)+1)/2)
		onCores(len(next), func(i int) {
			if 2*i+1 == len(lists) {
				next[i] = lists[2*i]
				return
			}
			next[i] = mergeTwo(lists[2*i], lists[2*i+1])
		})
		lists = next
	}
	if len(lists) == 0 {
		return []string{} // empty, not nil: nil means "sort again"
	}
	return lists[0]
}

func mergeTwo(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0] <= b[0] {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}
