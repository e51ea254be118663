package domain

import "hash/maphash"

// ledgerIndex finds a ledger entry by its operation without scanning the
// ledger: open addressing with linear probing over one word per slot,
// which holds the high half of the op's hash and the entry's position plus
// one (0 is an empty slot). The op itself is read from the ledger, so a
// slot holds no pointer.
//
// Why not map[OpID]int: every operation of a wallet looks its op up two
// to four times (the decision, the event's apply, the settlement), and the
// map's slot is the op's string header and an int, 24 bytes the collector
// scans, at most seven eighths full. In `loadtest -mode engine` the maps
// of a thousand wallets with long ledgers were 67 MB of the heap, and
// their lookups 4 % of the CPU. Here a slot is 8 bytes of plain data.
type ledgerIndex struct {
	slots []uint64
	n     int // slots in use
}

// ledgerSeed seeds the index's hash. It is new in each process, as Go's
// maps' seeds are; the index is never stored.
var ledgerSeed = maphash.MakeSeed()

// opHash is the high half of op's hash: what a slot keeps, and where its
// probe starts.
func opHash(op OpID) uint32 { return uint32(maphash.String(ledgerSeed, string(op)) >> 32) }

// minLedgerIndex is the smallest table.
const minLedgerIndex = 16

// newLedgerIndex indexes every entry of entries; of entries with the same
// op (none should share one) the later is found, as a scan from the end
// would find it.
func newLedgerIndex(entries []Entry) *ledgerIndex {
	x := &ledgerIndex{slots: make([]uint64, max(minLedgerIndex, len(entries)+len(entries)/2+1))}
	for i := range entries {
		x.add(entries, i)
	}
	return x
}

// home is the slot where the probe for hash h starts: h scaled to the
// table's length, which needs not be a power of two.
func (x *ledgerIndex) home(h uint32) int { return int(uint64(h) * uint64(len(x.slots)) >> 32) }

// find returns the position in entries of op's entry, or -1.
func (x *ledgerIndex) find(entries []Entry, op OpID) int {
	s := x.slots[x.probe(entries, op, opHash(op))]
	if s == 0 {
		return -1
	}
	return int(uint32(s)) - 1
}

// add indexes entries[pos]. When an entry with the same op is indexed
// already, its slot moves to pos.
func (x *ledgerIndex) add(entries []Entry, pos int) {
	if (x.n+1)*3 > len(x.slots)*2 {
		x.resize(2 * len(x.slots))
	}
	op := entries[pos].Op
	h := opHash(op)
	i := x.probe(entries, op, h)
	if x.slots[i] == 0 {
		x.n++
	}
	x.slots[i] = uint64(h)<<32 | uint64(uint32(pos+1))
}

// probe returns the slot that indexes op, whose hash is h, or else the
// empty slot where its probe ends (the table is never full).
func (x *ledgerIndex) probe(entries []Entry, op OpID, h uint32) int {
	i := x.home(h)
	for s := x.slots[i]; s != 0; s = x.slots[i] {
		if uint32(s>>32) == h && entries[int(uint32(s))-1].Op == op {
			return i
		}
		i = x.next(i)
	}
	return i
}

// next is the slot after i, wrapping around.
func (x *ledgerIndex) next(i int) int {
	if i++; i == len(x.slots) {
		return 0
	}
	return i
}

// resize moves every slot into a table of size slots; the hash each keeps
// places it without hashing its op again.
func (x *ledgerIndex) resize(size int) {
	old := x.slots
	x.slots = make([]uint64, size)
	for _, s := range old {
		if s == 0 {
			continue
		}
		i := x.home(uint32(s >> 32))
		for x.slots[i] != 0 {
			i = x.next(i)
		}
		x.slots[i] = s
	}
}
