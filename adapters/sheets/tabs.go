package sheets

import (
	"context"
	"fmt"
	"sync"
)

// tabCache remembers each tab's sheetId, which spreadsheets.batchUpdate
// requests name tabs by, so that a write costs no extra read. An id goes
// stale when a person deletes a tab and makes another of the same title;
// the write then fails with "No grid with id" and the cache is refreshed.
// A renamed tab keeps its id: the entry is dropped when a read of the old
// title finds no tab.
type tabCache struct {
	mu  sync.Mutex
	ids map[tabKey]int64
}

type tabKey struct{ spreadsheet, tab string }

func (tc *tabCache) get(k tabKey) (int64, bool) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	id, ok := tc.ids[k]
	return id, ok
}

// replace forgets every tab of a spreadsheet and remembers the ones a
// spreadsheets.get returned.
func (tc *tabCache) replace(spreadsheet string, ids map[string]int64) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	for k := range tc.ids {
		if k.spreadsheet == spreadsheet {
			delete(tc.ids, k)
		}
	}
	for title, id := range ids {
		tc.ids[tabKey{spreadsheet, title}] = id
	}
}

// put remembers the id of a tab just created.
func (tc *tabCache) put(k tabKey, id int64) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	tc.ids[k] = id
}

func (tc *tabCache) forget(k tabKey) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	delete(tc.ids, k)
}

// sheetID resolves a tab's sheetId, from the cache or with one
// spreadsheets.get (properties only) that refreshes every tab of the
// spreadsheet.
func (c *Client) sheetID(ctx context.Context, spreadsheet, tab string, refresh bool) (int64, error) {
	if id, ok := c.tabs.get(tabKey{spreadsheet, tab}); ok && !refresh {
		return id, nil
	}
	props, err := c.lookUp(ctx, spreadsheet, tab)
	if err != nil {
		return 0, err
	}
	p, ok := props[tab]
	if !ok {
		return 0, noTab(spreadsheet, tab, nil)
	}
	return p.SheetID, nil
}

// lookUp reads the properties of every tab of a spreadsheet (ids, titles
// and grid sizes) with one spreadsheets.get, and refreshes the cache with
// them. tab names the call in errors.
func (c *Client) lookUp(ctx context.Context, spreadsheet, tab string) (map[string]*sheetProperties, error) {
	var got *spreadsheetResponse
	err := c.do(ctx, op{name: "look up", tab: tab, idempotent: true}, func(ctx context.Context) error {
		var err error
		got, err = c.api.getSpreadsheet(ctx, spreadsheet, lookUpFields)
		return err
	})
	if isNoTab(err) {
		return nil, noTab(spreadsheet, tab, err)
	}
	if err != nil {
		return nil, err
	}
	props := make(map[string]*sheetProperties, len(got.Sheets))
	ids := make(map[string]int64, len(got.Sheets))
	for _, s := range got.Sheets {
		if p := s.Properties; p != nil {
			props[p.Title], ids[p.Title] = p, p.SheetID
		}
	}
	c.tabs.replace(spreadsheet, ids)
	return props, nil
}

// noTab is ErrNoTab naming the tab, and Google's answer when there was
// one (a missing spreadsheet is told apart from a missing tab only there).
func noTab(spreadsheet, tab string, cause error) error {
	if cause != nil {
		return fmt.Errorf("%w: %q in spreadsheet %s: %w", ErrNoTab, tab, spreadsheet, cause)
	}
	return fmt.Errorf("%w: %q in spreadsheet %s", ErrNoTab, tab, spreadsheet)
}

// batchUpdate sends one spreadsheets.batchUpdate built for the tab's
// sheetId (see batchUpdateTabs).
func (c *Client) batchUpdate(ctx context.Context, o op, spreadsheet string,
	build func(sheetID int64) []request) error {
	return c.batchUpdateTabs(ctx, o, spreadsheet, []string{o.tab}, func(ids []int64) []request {
		return build(ids[0])
	})
}

// batchUpdateTabs sends one spreadsheets.batchUpdate built for the
// sheetIds of tabs, in their order. If Google no longer knows a cached id,
// nothing was applied (the batch is atomic), so it refreshes the ids and
// sends once more.
func (c *Client) batchUpdateTabs(ctx context.Context, o op, spreadsheet string, tabs []string,
	build func(sheetIDs []int64) []request) error {
	for refresh := false; ; refresh = true {
		ids := make([]int64, len(tabs))
		for i, tab := range tabs {
			id, err := c.sheetID(ctx, spreadsheet, tab, refresh && i == 0) // one get refreshes all
			if err != nil {
				return err
			}
			ids[i] = id
		}
		req := &batchUpdateRequest{Requests: build(ids)}
		err := c.do(ctx, o, func(ctx context.Context) error {
			_, err := c.api.batchUpdate(ctx, spreadsheet, req)
			return err
		})
		if err == nil || !isNoGrid(err) || refresh {
			return err
		}
	}
}
