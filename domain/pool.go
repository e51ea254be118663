package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Pool is the stock of one resource kind for one region and variant, as
// the distribution bot holds it in memory: rows claimed from the stock
// sheet and not yet issued (available), items issued to staff and awaiting
// their feedback (pending), and feedback recorded but not yet written to
// the issued sheet (the write buffer). Every item carries a unique id,
// which also goes into the issued sheet, so an ambiguous write can be
// resolved by looking for it.
type Pool struct {
	Key       string                  `msgpack:"k"` // kind:region:variant
	Available []StockItem             `msgpack:"a,omitempty"`
	Pending   map[string]*IssuedItem  `msgpack:"p,omitempty"`
	Buffer    []FeedbackEntry         `msgpack:"b,omitempty"`
	Flushing  map[string]FlushAttempt `msgpack:"f,omitempty"` // by flush id: rows handed to the writer
	Next      uint64                  `msgpack:"n"`           // the next item number
	Ops       []OpID                  `msgpack:"o,omitempty"` // issue operations applied, oldest first, for idempotency
	Seq       uint64                  `msgpack:"sq"`

	// OpsAt is when each of Ops was applied, in the same order. A snapshot
	// from before it was kept has fewer times than operations: the oldest
	// operations then have none, and count as older than OpRetention.
	OpsAt []time.Time `msgpack:"oa,omitempty"`
	// Replacements are the replacements this pool's items' feedback
	// offered, by the item's id: owed to the person the item was issued
	// to, then taken by them. Kept for replacementRetention, long after
	// the feedback left the buffer for the issued sheet.
	Replacements map[string]*Replacement `msgpack:"rp,omitempty"`

	// Claimed maps the claim marker of every row loaded from the stock tab
	// and not yet seen gone from it to the row's content key: a marked row
	// still in the sheet is ours and is deleted, never loaded again, and
	// so is a row with the same content whose marker a person cleared.
	Claimed map[string]string `msgpack:"cm,omitempty"`
	// Returning are items on their way back to the stock tab (stale dates
	// in today-only mode, or released by an admin).
	Returning []StockItem `msgpack:"rt,omitempty"`
	// Daily counts what was issued and the feedback given, by the UTC day
	// the items were issued ("2006-01-02"): the statistics.
	Daily map[string]*DayCount `msgpack:"dy,omitempty"`

	opIdx *opIndex // Ops indexed once they are many (ops.go); not stored
}

// DayCount is one pool's figures for one day: items issued that day, and
// how many of them got each feedback status so far.
type DayCount struct {
	Issued int            `msgpack:"i"`
	Status map[string]int `msgpack:"s,omitempty"`
}

// PoolKey names the pool of a kind's stock for a region and variant:
// "kind/region/variant", or "kind/region" for a kind without variants.
// '/' is allowed in callback data, where item ids travel.
func PoolKey(kind, region, variant string) string {
	if variant == "" {
		return kind + "/" + region
	}
	return kind + "/" + region + "/" + variant
}

// SplitPoolKey is PoolKey's inverse.
func SplitPoolKey(key string) (kind, region, variant string, err error) {
	parts := strings.Split(key, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return "", "", "", fmt.Errorf("%w: pool %q", ErrNotPermitted, key)
	}
	if len(parts) == 3 {
		variant = parts[2]
	}
	return parts[0], parts[1], variant, nil
}

// PoolOfItem returns the pool key of an item id ("vk/495#12" → "vk/495").
func PoolOfItem(id string) (string, error) {
	key, n, ok := strings.Cut(id, "#")
	if !ok || n == "" {
		return "", fmt.Errorf("%w: item %q", ErrNotPermitted, id)
	}
	if _, _, _, err := SplitPoolKey(key); err != nil {
		return "", err
	}
	return key, nil
}

// keepDays is how many days of figures a pool keeps: more than a year, so
// a year-on-year look stays possible, and the state stays bounded.
const keepDays = 400

// recentPoolOps is how many issue operations a pool remembers at least,
// however old: besides every operation of the last OpRetention, enough
// that a retry after a lost reply finds its operation while many people ask.
const recentPoolOps = 256

// StockItem is one row taken from the stock sheet.
type StockItem struct {
	ID     string    `msgpack:"id"` // Key#n: unique for ever
	Cells  []string  `msgpack:"c"`  // the row as it was in the stock sheet
	Claim  string    `msgpack:"cl,omitempty"`
	Loaded time.Time `msgpack:"t"`
}

// IssuedItem is an item given to a person, awaiting their feedback.
type IssuedItem struct {
	Item StockItem `msgpack:"i"`
	User UserID    `msgpack:"u"`
	Op   OpID      `msgpack:"op"`
	At   time.Time `msgpack:"at"`
}

// FeedbackEntry is an item's fate, to be written to the issued sheet.
type FeedbackEntry struct {
	Item   StockItem `msgpack:"i"`
	User   UserID    `msgpack:"u"`
	Status string    `msgpack:"s"`
	At     time.Time `msgpack:"at"`
	Auto   bool      `msgpack:"au,omitempty"` // confirmed by the timer, not the person
}

// FlushAttempt is a batch of feedback handed to the issued-sheet writer;
// it leaves the pool when the write is known to have landed.
type FlushAttempt struct {
	Entries []FeedbackEntry `msgpack:"e"`
	At      time.Time       `msgpack:"at"`
}

// NewPool returns an empty pool.
func NewPool(key string) *Pool {
	return &Pool{Key: key, Pending: map[string]*IssuedItem{}, Flushing: map[string]FlushAttempt{}}
}

// NeedsRefill reports whether fewer than below items are available.
func (p *Pool) NeedsRefill(below int) bool { return len(p.Available) < below }

// Load decides taking rows from the stock sheet into the pool, each with
// the claim marker written next to it. Rows whose marker or content the
// pool already holds (a load repeated after a crash, a row copied by a
// person) are left out, so no row enters twice.
func (p *Pool) Load(rows [][]string, claims []string, now time.Time) (*StockLoaded, error) {
	if len(rows) != len(claims) {
		return nil, fmt.Errorf("%w: %d rows, %d claims", ErrNotPermitted, len(rows), len(claims))
	}
	seen := map[string]bool{}
	for c, key := range p.Claimed {
		seen[c], seen[key] = true, true
	}
	ev := &StockLoaded{At: now}
	for i, r := range rows {
		key := RowKey(r)
		if claims[i] == "" || key == "" || seen[claims[i]] || seen[key] {
			continue
		}
		seen[claims[i]], seen[key] = true, true
		ev.Rows = append(ev.Rows, slices.Clone(r))
		ev.Claims = append(ev.Claims, claims[i])
	}
	if len(ev.Rows) == 0 {
		return nil, nil
	}
	return ev, nil
}

// RowKey is a stock row's content as one comparable string: cells trimmed,
// trailing empty cells dropped ("" for an empty row). Two rows with the
// same key are the same item to the claim protocol.
func RowKey(r []string) string {
	n := len(r)
	for n > 0 && strings.TrimSpace(r[n-1]) == "" {
		n--
	}
	var b strings.Builder
	for i, c := range r[:n] {
		if i > 0 {
			b.WriteByte(0x1f)
		}
		b.WriteString(strings.TrimSpace(c))
	}
	return b.String()
}

// Deleted decides forgetting claim markers that are gone from the stock tab.
func (p *Pool) Deleted(claims []string) *StockDeleted {
	var gone []string
	for _, c := range claims {
		if _, ok := p.Claimed[c]; ok {
			gone = append(gone, c)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	slices.Sort(gone)
	return &StockDeleted{Claims: gone}
}

// Return decides sending available items back to the stock tab: those
// keep(item) refuses, or all when keep is nil.
func (p *Pool) Return(keep func(StockItem) bool, now time.Time) *StockReturning {
	var ids []string
	for _, it := range p.Available {
		if keep == nil || !keep(it) {
			ids = append(ids, it.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return &StockReturning{IDs: ids, At: now}
}

// Returned decides that items reached the stock tab again.
func (p *Pool) Returned(ids []string) *StockReturned {
	var done []string
	for _, id := range ids {
		if slices.ContainsFunc(p.Returning, func(it StockItem) bool { return it.ID == id }) {
			done = append(done, id)
		}
	}
	if len(done) == 0 {
		return nil
	}
	return &StockReturned{IDs: done}
}

// Issue decides giving n items (1..max) to user, oldest first. A retry of
// op answers ErrDuplicateOp; an empty pool is ErrNotAvailable.
func (p *Pool) Issue(op OpID, user UserID, n, max int, now time.Time) (*StockIssued, error) {
	if err := validateOpUser(op, user); err != nil {
		return nil, err
	}
	if n < 1 || n > max {
		return nil, fmt.Errorf("%w: %d items; 1 to %d at a time", ErrNotPermitted, n, max)
	}
	if p.HasOp(op) {
		return nil, ErrDuplicateOp
	}
	if len(p.Available) == 0 {
		return nil, ErrOutOfStock
	}
	ev := &StockIssued{Op: op, User: user, At: now}
	for _, it := range p.Available[:min(n, len(p.Available))] {
		ev.IDs = append(ev.IDs, it.ID)
	}
	return ev, nil
}

// HasOp reports whether the pool applied the issue operation op: any of
// the last OpRetention, and at least the last recentPoolOps.
func (p *Pool) HasOp(op OpID) bool { return hasOp(&p.opIdx, p.Ops, op) }

// Feedback decides a person's verdict on an item they were given. status
// must be one of statuses. The event offers no replacement: FeedbackOf
// decides with the kind's statuses, and notes whether the status does.
func (p *Pool) Feedback(user UserID, id, status string, statuses []string, now time.Time) (*FeedbackGiven, error) {
	it, ok := p.Pending[id]
	switch {
	case !ok:
		return nil, ErrAlreadyDecided
	case it.User != user:
		return nil, ErrNotPermitted
	case !slices.Contains(statuses, status):
		return nil, fmt.Errorf("%w: unknown status %q", ErrNotPermitted, status)
	}
	return &FeedbackGiven{ID: id, Status: status, At: now}, nil
}

// Tick returns the auto-confirmations due at now: items pending longer
// than after, confirmed with the default status.
func (p *Pool) Tick(after time.Duration, status string, now time.Time) []Event {
	var ids []string
	for id, it := range p.Pending {
		if !now.Before(it.At.Add(after)) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids) // the journal's order must not follow map order
	var out []Event
	for _, id := range ids {
		out = append(out, &FeedbackGiven{ID: id, Status: status, At: now, Auto: true})
	}
	return out
}

// NextWake is when the oldest pending item is due for auto-confirmation.
func (p *Pool) NextWake(after time.Duration) time.Time {
	var t time.Time
	for _, it := range p.Pending {
		if due := it.At.Add(after); t.IsZero() || due.Before(t) {
			t = due
		}
	}
	return t
}

// StartFlush decides handing the whole buffer to the writer as one batch.
func (p *Pool) StartFlush(id string, now time.Time) (*FlushStarted, error) {
	if id == "" {
		return nil, ErrBadOp
	}
	if _, ok := p.Flushing[id]; ok {
		return nil, ErrDuplicateOp
	}
	if len(p.Buffer) == 0 {
		return nil, nil
	}
	return &FlushStarted{ID: id, At: now}, nil
}

// FinishFlush decides that a batch landed in the issued sheet.
func (p *Pool) FinishFlush(id string) (*FlushFinished, error) {
	if _, ok := p.Flushing[id]; !ok {
		return nil, ErrAlreadyDecided
	}
	return &FlushFinished{ID: id}, nil
}

// Redact hides the cells of the columns kinds names like a secret (a
// password, a token) in every row the pool holds (Redactable). A pool of a
// kind kinds no longer has is left as it is.
func (p *Pool) Redact(kinds KindsConfig) {
	code, _, _, err := SplitPoolKey(p.Key)
	if err != nil {
		return
	}
	k, ok := kinds.Kind(code)
	if !ok {
		return
	}
	secret := k.SecretColumns()
	if len(secret) == 0 {
		return
	}
	hide := func(cells []string) {
		for _, i := range secret {
			if i < len(cells) && cells[i] != "" {
				cells[i] = "***"
			}
		}
	}
	for i := range p.Available {
		hide(p.Available[i].Cells)
	}
	for _, it := range p.Pending {
		hide(it.Item.Cells)
	}
	for i := range p.Buffer {
		hide(p.Buffer[i].Item.Cells)
	}
	for _, f := range p.Flushing {
		for i := range f.Entries {
			hide(f.Entries[i].Item.Cells)
		}
	}
	for i := range p.Returning {
		hide(p.Returning[i].Cells)
	}
}
