package stocker

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"allot/domain"
)

// tabPools are the pools a stock tab feeds, with their state.
type tabPools struct {
	k       domain.ResourceKind
	t       domain.StockTab
	pools   map[string]*domain.Pool // by key
	claimed map[string]string       // marker → pool key, for every pool of the tab
	content map[string]string       // content key of a claimed row → its marker
}

func (s *Stocker) poolsOf(ctx context.Context, k domain.ResourceKind, t domain.StockTab) (*tabPools, error) {
	tp := &tabPools{k: k, t: t, pools: map[string]*domain.Pool{}, claimed: map[string]string{}, content: map[string]string{}}
	variants := k.StockVariants()
	if t.Variant != "" {
		variants = []string{t.Variant}
	}
	for _, r := range s.regionsOf(k, variants) {
		for _, v := range variants {
			key := domain.PoolKey(k.Code, r, v)
			p, err := s.e.Pool(ctx, key)
			if err != nil {
				return nil, fmt.Errorf("pool %s: %w", key, err)
			}
			tp.pools[key] = p
			for m, ck := range p.Claimed {
				tp.claimed[m] = key
				tp.content[ck] = m
			}
		}
	}
	return tp, nil
}

// regionsOf are the regions offered, and those no longer offered whose
// pools of k still hold claims or returns.
func (s *Stocker) regionsOf(k domain.ResourceKind, variants []string) []string {
	regions := s.e.Regions()
	for _, c := range s.e.Pools() {
		code, region, v, _ := domain.SplitPoolKey(c.Key)
		if code == k.Code && slices.Contains(variants, v) && !slices.Contains(regions, region) &&
			(c.Claimed > 0 || c.Returning > 0) {
			regions = append(regions, region)
		}
	}
	return regions
}

// returning counts the items on their way back to the tab.
func (tp *tabPools) returning() int {
	n := 0
	for _, p := range tp.pools {
		n += len(p.Returning)
	}
	return n
}

// ours reports whether a stock row is one a pool of the tab has claimed:
// by its marker, or by its content (a copy a person made of a claimed row,
// whatever marker it carries, is the same item and must not be issued).
func (tp *tabPools) ours(r []string) (claim string, ok bool) {
	col := tp.k.ClaimColumn()
	if m := marker(r, col); m != "" {
		if _, known := tp.claimed[m]; known {
			return m, true
		}
	}
	m, ok := tp.content[rowKey(r, col)]
	return m, ok
}

// marker is a row's cell in column col, trimmed ("" past the row's end).
func marker(r []string, col int) string {
	if col < len(r) {
		return strings.TrimSpace(r[col])
	}
	return ""
}

// rowKey is the content key of a stock row: its cells before the claim column.
func rowKey(r []string, col int) string { return domain.RowKey(r[:min(len(r), col)]) }
