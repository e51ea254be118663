package stocker

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"

	"allot/domain"
)

// Writing feedback to the issued tabs.

// issuedBatch is what one issued tab gets from a flush.
type issuedBatch struct {
	rows   []Row
	ids    []string
	unsure bool                // a batch of an earlier attempt is among them: it may have landed
	pools  map[string][]string // pool → flush ids to finish
}

// flushAll writes every pool's feedback to the issued tabs: one
// batchUpdate with an appendCells per issued tab. Feedback moves into a
// flush batch in its pool (journaled) before the write and leaves it
// after; a batch still there from an earlier attempt may have landed, so
// its rows are first looked for by id in the issued tab, and only the
// missing ones are written.
func (s *Stocker) flushAll(ctx context.Context) error {
	byTab := s.flushBatches(ctx)
	write, tabs, errs := s.missing(ctx, byTab)
	if len(tabs) == 0 {
		return errors.Join(append(errs, s.syncProxies(ctx))...)
	}
	rep := FlushReport{}
	for _, rows := range write {
		rep.Rows += len(rows)
	}
	if len(write) > 0 {
		rep.Requests = 1 // every issued tab in one batchUpdate
		if err := s.o.Store.AppendTabs(ctx, s.o.IssuedSheet, write); err != nil {
			rep.Err = err
			s.report(rep)
			s.fail("writing the issued tabs", tabSubject(strings.Join(tabs, ", ")), err, "rows", rep.Rows)
			return errors.Join(append(errs, err)...) // the batches stay; the next flush looks for their ids
		}
	}
	for _, tab := range tabs {
		for _, pk := range slices.Sorted(maps.Keys(byTab[tab].pools)) {
			if err := s.e.FinishFlush(ctx, pk, byTab[tab].pools[pk]); err != nil {
				errs = append(errs, err)
			}
		}
	}
	s.ok(tabSubject(strings.Join(tabs, ", ")))
	s.mu.Lock()
	s.status.Flushes++
	s.status.RowsFlushed += uint64(rep.Rows)
	s.status.LastFlushAt = s.now()
	s.mu.Unlock()
	s.report(rep)
	if err := s.syncProxies(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// flushBatches moves every pool's feedback into a flush batch and gathers
// the batches' rows by issued tab.
func (s *Stocker) flushBatches(ctx context.Context) map[string]*issuedBatch {
	id := "f" + strconv.FormatInt(s.now().UnixNano(), 36)
	byTab := map[string]*issuedBatch{}
	for _, c := range s.e.Pools() {
		if c.Buffer == 0 && c.Flushing == 0 {
			continue
		}
		k, ok := s.kindOf(c.Key)
		if !ok {
			continue
		}
		attempts, err := s.e.StartFlush(ctx, c.Key, id)
		if err != nil {
			s.fail("starting a flush", poolSubject(c.Key), err)
			continue
		}
		b := byTab[k.IssuedTab]
		if b == nil {
			b = &issuedBatch{pools: map[string][]string{}}
			byTab[k.IssuedTab] = b
		}
		for _, fid := range slices.Sorted(maps.Keys(attempts)) {
			b.pools[c.Key] = append(b.pools[c.Key], fid)
			b.unsure = b.unsure || fid != id
			for _, en := range attempts[fid].Entries {
				cells, color := k.IssuedRow(en, s.who(ctx, en.User))
				b.rows = append(b.rows, Row{Cells: cells, Color: color})
				b.ids = append(b.ids, en.Item.ID)
			}
		}
	}
	return byTab
}

// missing returns the rows to write by tab and the tabs whose batches the
// write finishes. Rows of batches that may have landed are looked for
// first; a tab that cannot be read now waits for the next flush, the
// others go on.
func (s *Stocker) missing(ctx context.Context, byTab map[string]*issuedBatch) (write map[string][]Row, tabs []string, errs []error) {
	write = map[string][]Row{}
	for _, tab := range slices.Sorted(maps.Keys(byTab)) {
		b := byTab[tab]
		rows := b.rows
		if b.unsure {
			have, err := s.idsIn(ctx, s.o.IssuedSheet, tab)
			if err != nil {
				errs = append(errs, err)
				s.fail("checking the issued tab", tabSubject(tab), err)
				continue
			}
			rows = without(b.rows, b.ids, have)
		}
		tabs = append(tabs, tab)
		if len(rows) > 0 {
			write[tab] = rows
		}
	}
	return write, tabs, errs
}

// without returns the rows whose id (ids[i] for rows[i]) is not in have.
func without(rows []Row, ids []string, have map[string]bool) []Row {
	kept := rows[:0:0]
	for i, r := range rows {
		if !have[ids[i]] {
			kept = append(kept, r)
		}
	}
	return kept
}

// kindOf is the resource kind of a pool key.
func (s *Stocker) kindOf(key string) (domain.ResourceKind, bool) {
	code, _, _, err := domain.SplitPoolKey(key)
	if err != nil {
		return domain.ResourceKind{}, false
	}
	return s.kinds.Kind(code)
}

func (s *Stocker) report(r FlushReport) {
	if s.o.OnFlush != nil {
		s.o.OnFlush(r)
	}
}

// idsIn reads column A of a tab: the ids of the rows Allot wrote.
func (s *Stocker) idsIn(ctx context.Context, sheet, tab string) (map[string]bool, error) {
	rows, err := s.o.Store.ReadRows(ctx, sheet, tab)
	if err != nil {
		return nil, err
	}
	have := make(map[string]bool, len(rows))
	for _, r := range rows {
		if len(r) > 0 {
			have[strings.TrimSpace(r[0])] = true
		}
	}
	return have, nil
}
