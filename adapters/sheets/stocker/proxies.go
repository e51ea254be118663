package stocker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"allot/domain"
)

// syncProxies appends a row to the Proxies tab for every proxy that was
// added, issued, expired or removed since its last row: a log the team
// reads, one row per change, keyed "ref@seq" so that a write whose outcome
// is unknown (or was cut by a crash) is looked for before it is repeated.
func (s *Stocker) syncProxies(ctx context.Context) error {
	tab := s.kinds.ProxyTab
	ids := s.e.UnsyncedProxies()
	if tab == "" || len(ids) == 0 {
		return nil
	}
	rows, keys, seqs, err := s.proxyRows(ctx, ids)
	if err != nil {
		return err
	}
	if !s.proxiesSure {
		have, err := s.idsIn(ctx, s.o.StockSheet, tab)
		if err != nil {
			s.fail("checking the proxies tab", tabSubject(tab), err)
			return err
		}
		rows = without(rows, keys, have)
	}
	if len(rows) > 0 {
		if err := s.o.Store.AppendRows(ctx, s.o.StockSheet, tab, rows); err != nil {
			s.proxiesSure = false
			s.fail("writing the proxies tab", tabSubject(tab), err, "rows", len(rows))
			return err
		}
	}
	s.proxiesSure = true
	s.ok(tabSubject(tab))
	var errs []error
	for _, id := range ids {
		if err := s.e.ProxySynced(ctx, id, seqs[id]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// proxyRows are the proxies' rows, each row's key, and the change each
// row shows by proxy id.
func (s *Stocker) proxyRows(ctx context.Context, ids []string) (rows []Row, keys []string, seqs map[string]uint64, err error) {
	seqs = map[string]uint64{}
	for _, id := range ids {
		p, err := s.e.ProxyForSheet(ctx, id)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("reading proxy %s: %w", domain.ProxyRef(id), err)
		}
		key := domain.ProxyRef(id) + "@" + strconv.FormatUint(p.Changed, 10)
		holder := ""
		if p.Holder != 0 {
			holder = s.who(ctx, p.Holder)
		}
		rows = append(rows, Row{Cells: []string{key, domain.ProxyRef(id), p.Type.String(), p.Addr.String(),
			strings.Join(p.Resources, ", "), p.Country, p.Status.String(), holder,
			p.Expires.UTC().Format("2006-01-02 15:04"), s.now().Format("2006-01-02 15:04:05")}})
		keys = append(keys, key)
		seqs[id] = p.Changed
	}
	return rows, keys, seqs, nil
}
