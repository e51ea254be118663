package actors

import (
	"errors"
	"fmt"

	"allot/domain"
)

// CheckPools verifies the invariants of the distribution pools and returns
// every violation joined. Call it after Drain, when nothing is in flight:
// it reads states directly. The invariants:
//
//   - an item id is in one place at a time: available, on its way back to
//     the stock tab, pending, in the buffer, or in one flush batch;
//   - a pending item is filed under its own id;
//   - a pending item issued as a replacement ("rp:<user>:<item>/…") is held
//     by that user, and <item>'s own pool records the replacement as taken
//     by the same user under that operation: nobody holds a replacement
//     they were not owed.
//
// Replacements issued before the operation named the person ("rp:<item>/…")
// are not checked: their pools never recorded who was owed them.
func (e *Engine) CheckPools() error {
	pools := map[string]*domain.Pool{}
	// An active pool is read through a copy its actor makes: after Drain a
	// pool's own timer (auto-confirmed feedback) may still be running.
	err := e.eachState(domain.KindPool, func(state any) {
		if p, _ := state.(*domain.Pool); p != nil {
			pools[p.Key] = p
		}
	})
	errs := []error{err}
	where := map[string]string{} // item id → "pool: place"
	for key, p := range pools {
		errs = append(errs, checkPlaces(key, p, where)...)
		errs = append(errs, checkReplacements(key, p, pools)...)
	}
	return errors.Join(errs...)
}

// checkPlaces notes where each of p's items is, and reports an item found
// where another place already holds it.
func checkPlaces(key string, p *domain.Pool, where map[string]string) []error {
	var errs []error
	note := func(id, place string) {
		here := key + ": " + place
		if other, dup := where[id]; dup {
			errs = append(errs, fmt.Errorf("pool item %s is both in %s and in %s", id, other, here))
			return
		}
		where[id] = here
	}
	for _, it := range p.Available {
		note(it.ID, "available")
	}
	for _, it := range p.Returning {
		note(it.ID, "returning")
	}
	for id, it := range p.Pending {
		if it.Item.ID != id {
			errs = append(errs, fmt.Errorf("pool %s: item %s pending under id %s", key, it.Item.ID, id))
		}
		note(it.Item.ID, "pending")
	}
	for _, f := range p.Buffer {
		note(f.Item.ID, "buffer")
	}
	for fid, fa := range p.Flushing {
		for _, f := range fa.Entries {
			note(f.Item.ID, "flush "+fid)
		}
	}
	return errs
}

// checkReplacements reports p's pending replacements that their item's
// pool does not record as taken by their holder.
func checkReplacements(key string, p *domain.Pool, pools map[string]*domain.Pool) []error {
	var errs []error
	for id, it := range p.Pending {
		user, item, ok := domain.ParseReplacementOp(it.Op)
		if !ok {
			continue
		}
		if it.User != user {
			errs = append(errs, fmt.Errorf("pool %s: replacement %s issued under %s is held by %d", key, id, it.Op, it.User))
			continue
		}
		var r *domain.Replacement
		if origin, err := domain.PoolOfItem(item); err == nil && pools[origin] != nil {
			r = pools[origin].Replacements[item]
		}
		if r == nil || r.User != user || r.Op != domain.ReplacementOp(user, item) {
			errs = append(errs, fmt.Errorf("pool %s: replacement %s for %s held by %d, which %s does not owe them (%+v)",
				key, id, item, user, item, r))
		}
	}
	return errs
}
