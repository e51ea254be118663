package actors

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"allot/domain"
)

// Writing feedback to the issued tabs, and proxies to the proxies tab.

// flushAll writes every pool's feedback to the issued tabs: one
// batchUpdate with an appendCells per issued tab. Feedback moves into a flush batch in its pool
// (journaled) before the write and leaves it after; a batch still there
// from an earlier attempt may have landed, so its rows are first looked
// for by id in the issued tab, and only the missing ones are written.
func (s *Stocker) flushAll(ctx context.Context) error {
	id := "f" + strconv.FormatInt(s.e.clock().UnixNano(), 36)
	type batch struct {
		rows   []domain.SheetRow
		ids    []string
		unsure bool
		pools  map[string][]string // pool → flush ids to finish
	}
	byTab := map[string]*batch{}
	for _, c := range s.e.Pools() {
		if c.Buffer == 0 && c.Flushing == 0 {
			continue
		}
		k, err := s.e.kindOfPool(c.Key)
		if err != nil {
			continue
		}
		attempts, err := s.e.startFlush(ctx, c.Key, id)
		if err != nil {
			s.fail("starting a flush", err, "pool", c.Key)
			continue
		}
		b := byTab[k.IssuedTab]
		if b == nil {
			b = &batch{pools: map[string][]string{}}
			byTab[k.IssuedTab] = b
		}
		for _, fid := range slices.Sorted(maps.Keys(attempts)) {
			b.pools[c.Key] = append(b.pools[c.Key], fid)
			b.unsure = b.unsure || fid != id
			for _, en := range attempts[fid].Entries {
				b.rows = append(b.rows, k.IssuedRow(en, s.who(ctx, en.User)))
				b.ids = append(b.ids, en.Item.ID)
			}
		}
	}
	// Rows of batches that may have landed are looked for first; a tab that
	// cannot be read now waits for the next flush, the others go on.
	var errs []error
	write := map[string][]domain.SheetRow{}
	var tabs []string
	for _, tab := range slices.Sorted(maps.Keys(byTab)) {
		b := byTab[tab]
		rows := b.rows
		if b.unsure {
			have, err := s.issuedIDs(ctx, tab)
			if err != nil {
				errs = append(errs, err)
				s.fail("checking the issued tab", err, "tab", tab)
				continue
			}
			rows = rows[:0:0]
			for i, r := range b.rows {
				if !have[b.ids[i]] {
					rows = append(rows, r)
				}
			}
		}
		tabs = append(tabs, tab)
		if len(rows) > 0 {
			write[tab] = rows
		}
	}
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
			s.fail("writing the issued tabs", err, "tab", strings.Join(tabs, ", "), "rows", rep.Rows)
			return errors.Join(append(errs, err)...) // the batches stay; the next flush looks for their ids
		}
	}
	for _, tab := range tabs {
		for _, pk := range slices.Sorted(maps.Keys(byTab[tab].pools)) {
			if err := s.e.finishFlush(ctx, pk, byTab[tab].pools[pk]); err != nil {
				errs = append(errs, err)
			}
		}
	}
	s.ok("tab", strings.Join(tabs, ", "))
	s.mu.Lock()
	s.status.Flushes++
	s.status.RowsFlushed += uint64(rep.Rows)
	s.status.LastFlushAt = time.Now()
	s.mu.Unlock()
	s.report(rep)
	if err := s.syncProxies(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// syncProxies appends a row to the Proxies tab for every proxy that was
// added, issued, expired or removed since its last row: a log the team
// reads, one row per change, keyed "ref@seq" so that a write whose outcome
// is unknown (or was cut by a crash) is looked for before it is repeated.
func (s *Stocker) syncProxies(ctx context.Context) error {
	tab := s.e.opts.Kinds.ProxyTab
	ids := s.e.unsyncedProxies()
	if tab == "" || len(ids) == 0 {
		return nil
	}
	var rows []domain.SheetRow
	var keys []string
	seqs := map[string]uint64{}
	for _, id := range ids {
		p, err := s.e.proxyState(ctx, id)
		if err != nil {
			return fmt.Errorf("reading proxy %s: %w", domain.ProxyRef(id), err)
		}
		key := domain.ProxyRef(id) + "@" + strconv.FormatUint(p.Changed, 10)
		holder := ""
		if p.Holder != 0 {
			holder = s.who(ctx, p.Holder)
		}
		rows = append(rows, domain.SheetRow{Cells: []string{key, domain.ProxyRef(id), p.Type.String(), p.Addr.String(),
			strings.Join(p.Resources, ", "), p.Country, p.Status.String(), holder,
			p.Expires.UTC().Format("2006-01-02 15:04"), s.e.clock().Format("2006-01-02 15:04:05")}})
		keys = append(keys, key)
		seqs[id] = p.Changed
	}
	if !s.proxiesSure {
		have, err := s.issuedIDsIn(ctx, s.o.StockSheet, tab)
		if err != nil {
			s.fail("checking the proxies tab", err, "tab", tab)
			return err
		}
		kept := rows[:0:0]
		for i, r := range rows {
			if !have[keys[i]] {
				kept = append(kept, r)
			}
		}
		rows = kept
	}
	if len(rows) > 0 {
		if err := s.o.Store.AppendRows(ctx, s.o.StockSheet, tab, rows); err != nil {
			s.proxiesSure = false
			s.fail("writing the proxies tab", err, "tab", tab, "rows", len(rows))
			return err
		}
	}
	s.proxiesSure = true
	s.ok("tab", tab)
	var errs []error
	for _, id := range ids {
		if err := s.e.proxySynced(ctx, id, seqs[id]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Stocker) report(r FlushReport) {
	if s.o.OnFlush != nil {
		s.o.OnFlush(r)
	}
}

// issuedIDs reads the item ids (column A) of an issued tab.
func (s *Stocker) issuedIDs(ctx context.Context, tab string) (map[string]bool, error) {
	return s.issuedIDsIn(ctx, s.o.IssuedSheet, tab)
}

// issuedIDsIn reads column A of a tab: the ids of the rows Allot wrote.
func (s *Stocker) issuedIDsIn(ctx context.Context, sheet, tab string) (map[string]bool, error) {
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

func (s *Stocker) who(ctx context.Context, u domain.UserID) string {
	if s.o.Who != nil {
		return s.o.Who(u)
	}
	s.mu.Lock()
	name, ok := s.names[u]
	s.mu.Unlock()
	if ok {
		return name
	}
	name = strconv.FormatInt(int64(u), 10)
	if usr, err := s.e.FindUser(ctx, name); err == nil && usr.Nickname != "" {
		name = usr.Nickname + " (" + name + ")"
	}
	s.mu.Lock()
	s.names[u] = name
	s.mu.Unlock()
	return name
}

// The pool steps the stocker journals.
